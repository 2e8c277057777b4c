//! `apigw-usage-plan-throttling`: 429s at API Gateway from a usage plan's per-key throttle or
//! quota.

use super::throttle_model::{
    evidence, plan_limits, q_stage, shell_word, Cause, ThrottleAnalysis, ThrottleCheck,
    ThrottleObservations,
};
use super::{CheckInfo, CheckOutcome, Gathered};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};
use crate::output::text::fmt_value;

declare_check! {
    /// ## What it checks
    /// Minutes in which a stage's `4XXError` stood out (at least 10, at least 5% of `Count`
    /// and twice the window's quiet level) while no stage, method or account-level rate limit
    /// was near, no Lambda throttle explains it, and a usage plan with a throttle, a quota or
    /// per-method throttles is attached to the stage. Usage plans limit each API key, so the
    /// stage's total traffic can be far below the plan's rate. Runs with `--api`.
    ///
    /// ## Why it matters
    /// A client over its plan gets `429 Too Many Requests` ("Limit Exceeded"), or for a spent
    /// quota 429 until the period resets, while every other client and the backend are fine.
    ///
    /// ## How to fix
    /// Find the key in the access log (`$context.identity.apiKey` with `$context.status`
    /// 429); raise the plan's limits (`aws apigateway update-usage-plan --patch-operations
    /// op=replace,path=/throttle/rateLimit,value=N` or `path=/quota/limit`) or move the client
    /// to a bigger plan; clients should back off on 429. CloudWatch does not split 4XX by
    /// status code: a missing API key (403) also counts, so confirm with the access log.
    ///
    /// ## Data used
    /// The region's usage plans (`apigateway:GET /usageplans`), the stage's method settings
    /// (`apigateway:GET`), CloudWatch `AWS/ApiGateway` `Count` and `4XXError` (Sum)
    /// (`cloudwatch:GetMetricData`).
    pub struct ApigwUsagePlanThrottling {
        id: "apigw-usage-plan-throttling",
        title: "API Gateway usage plan throttle or quota reached",
        severity: Warning,
        needs: [ApiMetrics],
        iam: ["apigateway:GET", "cloudwatch:GetMetricData"],
        commands: ["throttles"],
    }
}

impl ThrottleCheck for ApigwUsagePlanThrottling {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn needs_api(&self) -> bool {
        true
    }

    fn run(&self, obs: &ThrottleObservations, a: &ThrottleAnalysis) -> CheckOutcome {
        let (Some(m), Some(side), Some(api)) = (obs.metrics.ready(), &obs.api, &a.apigw) else {
            return CheckOutcome::Skipped("needs --api and its metrics".into());
        };
        let plans = match &side.usage_plans {
            Gathered::Ready(p) => p,
            Gathered::Unavailable(reason) => {
                // Only matters when some 4XX rise is left unexplained.
                if api
                    .stages
                    .iter()
                    .any(|s| s.cause == Cause::None && !s.throttled_minutes.is_empty())
                {
                    return CheckOutcome::Skipped(format!(
                        "4XX rose without a stage or account limit, and the usage plans could not be read: {reason}"
                    ));
                }
                return CheckOutcome::Findings(Vec::new());
            }
        };
        let mut out = Vec::new();
        for st in api
            .stages
            .iter()
            .filter(|s| s.cause == Cause::ApigwUsagePlan)
        {
            let attached: Vec<String> = plans
                .iter()
                .filter(|u| st.usage_plans.contains(&u.name))
                .map(|u| format!("{} ({}): {}", u.name, u.id, plan_limits(u)))
                .collect();
            let plan_id = plans
                .iter()
                .find(|u| st.usage_plans.first() == Some(&u.name))
                .map_or_else(|| "PLAN_ID".to_string(), |u| u.id.clone());
            out.push(Finding {
                check: Self::ID.into(),
                severity: Severity::Warning,
                resource: format!("apigw:{}/{}", side.api.id, st.stage),
                summary: format!(
                    "{}: {} requests answered 4XX in {} minute(s) with no Lambda throttle and no stage or account limit near: {}",
                    st.stage,
                    fmt_value(st.throttled_requests),
                    st.throttled_minutes.len(),
                    st.why
                ),
                evidence: [
                    evidence(m, &q_stage(side, &st.stage, "4XXError", obs.period_s), 8),
                    Some(Evidence::Note {
                        text: format!("usage plans on the stage: {}", attached.join("; ")),
                    }),
                ]
                .into_iter()
                .flatten()
                .collect(),
                remedy: format!(
                    "Find the API key in the access log ($context.identity.apiKey with $context.status 429), then raise the plan's limit (`aws apigateway update-usage-plan --usage-plan-id {} --patch-operations op=replace,path=/throttle/rateLimit,value=N`, or path=/quota/limit) or move the client to a bigger plan; clients should back off on 429.",
                    shell_word(&plan_id)
                ),
            });
        }
        CheckOutcome::Findings(out)
    }
}
