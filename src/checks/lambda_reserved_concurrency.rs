//! `lambda-reserved-concurrency`: a function throttled by its own reserved concurrency (or
//! switched off with a reservation of 0).

use super::throttle_model::{
    evidence, q_concurrency, q_throttles, shell_word, Cause, Reservation, ThrottleAnalysis,
    ThrottleCheck, ThrottleObservations,
};
use super::{CheckInfo, CheckOutcome};
use crate::declare_check;
use crate::finding::{Finding, Severity};
use crate::output::text::fmt_value;

declare_check! {
    /// ## What it checks
    /// Throttled functions that have reserved concurrency (`GetFunctionConcurrency`): a
    /// reservation of 0 (the function is switched off: every invocation is throttled), or a
    /// function whose `ConcurrentExecutions` Maximum reached 80% or more of its reservation in
    /// the minutes it was throttled (or whose concurrency was not published). A reserved
    /// function never draws from the shared pool, so the account limit cannot be the cause.
    ///
    /// ## Why it matters
    /// Reserved concurrency is both a guarantee and a ceiling: traffic above it is throttled
    /// even when the account has thousands of executions free. A reservation of 0 is how
    /// people (and some incident runbooks) switch a function off, and it is easy to forget.
    ///
    /// ## How to fix
    /// For a reservation of 0 that should not be there: `aws lambda
    /// delete-function-concurrency --function-name NAME`. Otherwise raise the reservation to
    /// the concurrency the traffic needs (`aws lambda put-function-concurrency`; AWS keeps at
    /// least 100 executions unreserved), or smooth the traffic in front of it (stage
    /// throttling, a queue).
    ///
    /// ## Data used
    /// `lambda:GetFunctionConcurrency` for the throttled functions, CloudWatch `AWS/Lambda`
    /// `Throttles` (Sum) and `ConcurrentExecutions` (Maximum) per function
    /// (`cloudwatch:GetMetricData`), `lambda:ListFunctions`.
    pub struct LambdaReservedConcurrency {
        id: "lambda-reserved-concurrency",
        title: "Function throttled at its reserved concurrency",
        severity: Error,
        needs: [LambdaMetrics],
        iam: ["lambda:GetFunctionConcurrency", "lambda:ListFunctions", "cloudwatch:GetMetricData"],
        commands: ["throttles"],
    }
}

impl ThrottleCheck for LambdaReservedConcurrency {
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
            if let Some(Reservation::Failed(e)) = obs.limits.get(&r.name).map(|l| &l.reserved) {
                failed.get_or_insert_with(|| e.clone());
            }
            if r.cause != Some(Cause::ReservedConcurrency) {
                continue;
            }
            let reserved = r.reserved.unwrap_or_default();
            let name = shell_word(&r.name);
            let remedy = if reserved == 0 {
                format!("If {} should run, remove the reservation: `aws lambda delete-function-concurrency --function-name {name}` (or set a positive one with put-function-concurrency).", r.name)
            } else {
                let need = (r
                    .max_concurrency
                    .unwrap_or(reserved as f64)
                    .max(reserved as f64)
                    * 1.5)
                    .ceil() as i64;
                format!(
                    "Raise its reservation to what the traffic needs, e.g. `aws lambda put-function-concurrency --function-name {name} --reserved-concurrent-executions {need}`{}, or smooth the traffic in front of it (stage throttling, a queue).",
                    obs.account
                        .ready()
                        .and_then(|x| x.unreserved)
                        .map(|u| format!(" (the unreserved pool has {u}; AWS keeps at least 100 unreserved)"))
                        .unwrap_or_default()
                )
            };
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
                    evidence(m, &q_throttles(&r.name, obs.period_s), 8),
                    evidence(m, &q_concurrency(&r.name, obs.period_s), 8),
                ]
                .into_iter()
                .flatten()
                .collect(),
                remedy,
            });
        }
        match (out.is_empty(), failed) {
            (true, Some(e)) => CheckOutcome::Skipped(format!(
                "a throttled function's reserved concurrency could not be read: {e}"
            )),
            _ => CheckOutcome::Findings(out),
        }
    }
}
