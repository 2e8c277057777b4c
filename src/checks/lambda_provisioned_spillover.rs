//! `lambda-provisioned-spillover`: traffic above a function's provisioned concurrency spilled
//! over to on-demand and was throttled there.

use super::throttle_model::{
    evidence, q_spillover, q_throttles, shell_word, Cause, Provisioned, ThrottleAnalysis,
    ThrottleCheck, ThrottleObservations,
};
use super::{CheckInfo, CheckOutcome};
use crate::declare_check;
use crate::finding::{Finding, Severity};
use crate::output::text::fmt_value;

declare_check! {
    /// ## What it checks
    /// Throttled functions (no reservation holding them) that have provisioned concurrency
    /// (`ListProvisionedConcurrencyConfigs`) and `ProvisionedConcurrencySpilloverInvocations`
    /// in the minutes they were throttled: the traffic outgrew the provisioned environments,
    /// the rest went on-demand, and part of it was throttled there. The configurations are read
    /// only for functions that had provisioned-concurrency invocations or spill-over.
    ///
    /// ## Why it matters
    /// Provisioned concurrency is sized for a traffic level; above it requests become cold
    /// starts on the shared pool and, when that pool or the scaling rate cannot keep up,
    /// throttles. The function looks "provisioned", so people look elsewhere.
    ///
    /// ## How to fix
    /// Raise the provisioned concurrency of the alias or version that serves the traffic
    /// (`aws lambda put-provisioned-concurrency-config`), or let Application Auto Scaling
    /// track `ProvisionedConcurrencyUtilization` (target around 0.7); schedule it ahead of
    /// known peaks.
    ///
    /// ## Data used
    /// `lambda:ListProvisionedConcurrencyConfigs`, `lambda:GetFunctionConcurrency`, CloudWatch
    /// `AWS/Lambda` `ProvisionedConcurrencySpilloverInvocations`,
    /// `ProvisionedConcurrencyInvocations` and `Throttles` (Sum) per function
    /// (`cloudwatch:GetMetricData`).
    pub struct LambdaProvisionedSpillover {
        id: "lambda-provisioned-spillover",
        title: "Provisioned concurrency spill-over throttled",
        severity: Error,
        needs: [LambdaMetrics],
        iam: ["lambda:ListProvisionedConcurrencyConfigs", "lambda:GetFunctionConcurrency", "cloudwatch:GetMetricData"],
        commands: ["throttles"],
    }
}

impl ThrottleCheck for LambdaProvisionedSpillover {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &ThrottleObservations, a: &ThrottleAnalysis) -> CheckOutcome {
        let Some(m) = obs.metrics.ready() else {
            return CheckOutcome::Skipped("metrics could not be read".into());
        };
        let in_focus = |f: &str| obs.focus.is_empty() || obs.focus.iter().any(|x| x == f);
        let mut out = Vec::new();
        let mut failed = None;
        for r in a
            .functions
            .iter()
            .filter(|r| r.throttles > 0.0 && in_focus(&r.name))
        {
            let limits = obs.limits.get(&r.name);
            if let Some(Provisioned::Failed(e)) = limits.map(|l| &l.provisioned) {
                if r.spillover.unwrap_or_default() > 0.0 {
                    failed.get_or_insert_with(|| e.clone());
                }
            }
            if r.cause != Some(Cause::ProvisionedSpillover) {
                continue;
            }
            let pc = r.provisioned.unwrap_or_default();
            let qualifier = match limits.map(|l| &l.provisioned) {
                Some(Provisioned::Read(c)) => c
                    .iter()
                    .max_by_key(|x| x.effective())
                    .and_then(|x| x.qualifier.clone()),
                _ => None,
            }
            .unwrap_or_else(|| "ALIAS".into());
            let need =
                (r.max_concurrency.unwrap_or(pc as f64).max(pc as f64 + 1.0) * 1.2).ceil() as i64;
            out.push(Finding {
                check: Self::ID.into(),
                severity: Severity::Error,
                resource: format!("lambda:{}", r.name),
                summary: format!(
                    "{}: {} throttled invocations in {} minute(s): {}",
                    r.name,
                    fmt_value(r.throttles),
                    r.throttled_minutes.len(),
                    r.why
                ),
                evidence: [
                    evidence(m, &q_spillover(&r.name, obs.period_s), 8),
                    evidence(m, &q_throttles(&r.name, obs.period_s), 8),
                ]
                .into_iter()
                .flatten()
                .collect(),
                remedy: format!(
                    "Raise its provisioned concurrency (`aws lambda put-provisioned-concurrency-config --function-name {} --qualifier {} --provisioned-concurrent-executions {need}`) or let Application Auto Scaling track ProvisionedConcurrencyUtilization.",
                    shell_word(&r.name),
                    shell_word(&qualifier)
                ),
            });
        }
        match (out.is_empty(), failed) {
            (true, Some(e)) => CheckOutcome::Skipped(format!(
                "a throttled function spilled over but its provisioned concurrency could not be read: {e}"
            )),
            _ => CheckOutcome::Findings(out),
        }
    }
}
