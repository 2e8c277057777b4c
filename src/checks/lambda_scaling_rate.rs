//! `lambda-scaling-rate`: throttles below every concurrency limit.

use super::throttle_model::{
    evidence, q_throttles, Cause, ThrottleAnalysis, ThrottleCheck, ThrottleObservations,
};
use super::{CheckInfo, CheckOutcome};
use crate::declare_check;
use crate::finding::{Finding, Severity};
use crate::output::text::fmt_value;

declare_check! {
    /// ## What it checks
    /// Throttled functions for which no concurrency limit explains the throttles: no
    /// reservation (or one they stayed well below), no provisioned-concurrency spill-over, and
    /// the account below 90% of its limit and of its unreserved pool in every minute they
    /// were throttled.
    ///
    /// ## Why it matters
    /// Lambda also limits how fast each function scales: 1,000 new execution environments
    /// every 10 seconds per function. A burst that arrives faster than that is throttled while
    /// every concurrency figure looks fine. Per-minute maxima can also hide a spike of a few
    /// seconds at the account limit.
    ///
    /// ## How to fix
    /// Let callers retry with backoff (AWS SDKs do), buffer bursts (SQS in front of the
    /// function), or keep environments ready with provisioned concurrency ahead of known
    /// bursts. If the throttles coincide with a short account-wide spike, treat it as the
    /// account limit (see `lambda-account-concurrency`).
    ///
    /// ## Data used
    /// `lambda:GetAccountSettings`, `lambda:GetFunctionConcurrency`, CloudWatch `AWS/Lambda`
    /// `Throttles` (Sum), `ConcurrentExecutions` (Maximum, per function and account-wide) and
    /// `UnreservedConcurrentExecutions` (`cloudwatch:GetMetricData`).
    pub struct LambdaScalingRate {
        id: "lambda-scaling-rate",
        title: "Lambda throttles below every concurrency limit",
        severity: Warning,
        needs: [LambdaMetrics],
        iam: ["lambda:GetAccountSettings", "lambda:GetFunctionConcurrency", "cloudwatch:GetMetricData"],
        commands: ["throttles"],
    }
}

impl ThrottleCheck for LambdaScalingRate {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &ThrottleObservations, a: &ThrottleAnalysis) -> CheckOutcome {
        let Some(m) = obs.metrics.ready() else {
            return CheckOutcome::Skipped("metrics could not be read".into());
        };
        let in_focus = |f: &str| obs.focus.is_empty() || obs.focus.iter().any(|x| x == f);
        let out: Vec<Finding> = a
            .functions
            .iter()
            .filter(|r| r.cause == Some(Cause::ScalingRate) && in_focus(&r.name))
            .map(|r| Finding {
                check: Self::ID.into(),
                severity: Severity::Warning,
                resource: format!("lambda:{}", r.name),
                summary: format!(
                    "{}: {} throttled invocations in {} minute(s), yet {}",
                    r.name,
                    fmt_value(r.throttles),
                    r.throttled_minutes.len(),
                    r.why
                ),
                evidence: evidence(m, &q_throttles(&r.name, obs.period_s), 8)
                    .into_iter()
                    .collect(),
                remedy: "Lambda scales each function by at most 1,000 execution environments every 10 seconds: retry with backoff, buffer bursts (SQS), or keep environments ready with provisioned concurrency before known bursts.".into(),
            })
            .collect();
        if out.is_empty() {
            if let Some(r) = a
                .functions
                .iter()
                .find(|r| r.cause == Some(Cause::Unknown) && in_focus(&r.name))
            {
                return CheckOutcome::Skipped(format!(
                    "{} was throttled but which limit cannot be told: {}",
                    r.name, r.why
                ));
            }
        }
        CheckOutcome::Findings(out)
    }
}
