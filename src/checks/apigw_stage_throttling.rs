//! `apigw-stage-throttling`: 429s at API Gateway with traffic at the stage's or a method's
//! throttling limit.

use super::throttle_model::{
    evidence, q_stage, shell_word, Cause, ThrottleAnalysis, ThrottleCheck, ThrottleObservations,
};
use super::{CheckInfo, CheckOutcome};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};
use crate::model::ApiKind;
use crate::output::text::fmt_value;

declare_check! {
    /// ## What it checks
    /// Minutes in which a stage's `4XXError` stood out (at least 10, at least 5% of `Count`
    /// and twice the window's quiet level) while its traffic (`Count` / 60) reached 80% or
    /// more of the stage's throttling rate limit (method settings `*/*`, HTTP APIs' default
    /// route settings) or of a method's own limit (with detailed metrics on, per method).
    /// Runs with `--api`.
    ///
    /// ## Why it matters
    /// API Gateway answers requests above the token bucket with `429 Too Many Requests`
    /// before they reach the integration: the backend looks healthy and idle while clients
    /// fail. Limits set long ago for a smaller load are a common cause after growth.
    ///
    /// ## How to fix
    /// If the backend can take more, raise the limit (`aws apigateway update-stage` with
    /// `/*/*/throttling/rateLimit` and `burstLimit`, or the method's path; for HTTP APIs
    /// `aws apigatewayv2 update-stage --default-route-settings`). If the limit protects the
    /// backend, it is doing its job: have clients back off on 429 and retry.
    ///
    /// ## Data used
    /// The stage's method settings (`apigateway:GET`), CloudWatch `AWS/ApiGateway` `Count`
    /// and `4XXError` (Sum) per stage and per method (`cloudwatch:GetMetricData`). CloudWatch
    /// does not split 4XX by status code: the access log's `$context.status` confirms 429.
    pub struct ApigwStageThrottling {
        id: "apigw-stage-throttling",
        title: "API Gateway stage or method throttling limit reached",
        severity: Warning,
        needs: [ApiMetrics],
        iam: ["apigateway:GET", "cloudwatch:GetMetricData"],
        commands: ["throttles"],
    }
}

impl ThrottleCheck for ApigwStageThrottling {
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
        let mut out = Vec::new();
        for st in api
            .stages
            .iter()
            .filter(|s| s.cause == Cause::ApigwStageLimit)
        {
            let method = st.method_limits.iter().find(|ml| {
                st.limited_by
                    .as_deref()
                    .is_some_and(|l| l.ends_with(&ml.route))
            });
            let (rate, burst, peak) = match method {
                Some(ml) => (ml.limit.rate_limit, ml.limit.burst_limit, ml.peak_rps),
                None => (
                    st.stage_limit.and_then(|l| l.rate_limit),
                    st.stage_limit.and_then(|l| l.burst_limit),
                    st.peak_rps,
                ),
            };
            let new_rate = (peak.unwrap_or_default().max(rate.unwrap_or_default()) * 1.5).ceil();
            let new_burst = (new_rate / 2.0).ceil().max(burst.unwrap_or(0) as f64);
            let id = shell_word(&side.api.id);
            let stage = shell_word(&st.stage);
            let command = match (side.api.kind, method) {
                (ApiKind::Rest, None) => format!(
                    "aws apigateway update-stage --rest-api-id {id} --stage-name {stage} --patch-operations op=replace,path=/*/*/throttling/rateLimit,value={new_rate} op=replace,path=/*/*/throttling/burstLimit,value={new_burst}"
                ),
                (ApiKind::Rest, Some(ml)) => {
                    let (verb, path) = ml.route.split_once(' ').unwrap_or(("*", "/*"));
                    let p = format!("/{}/{verb}", path.replace('/', "~1"));
                    format!(
                        "aws apigateway update-stage --rest-api-id {id} --stage-name {stage} --patch-operations {} {}",
                        shell_word(&format!("op=replace,path={p}/throttling/rateLimit,value={new_rate}")),
                        shell_word(&format!("op=replace,path={p}/throttling/burstLimit,value={new_burst}"))
                    )
                }
                (ApiKind::Http, None) => format!(
                    "aws apigatewayv2 update-stage --api-id {id} --stage-name {stage} --default-route-settings ThrottlingRateLimit={new_rate},ThrottlingBurstLimit={new_burst}"
                ),
                (ApiKind::Http, Some(ml)) => format!(
                    "aws apigatewayv2 update-stage --api-id {id} --stage-name {stage} --route-settings {}",
                    shell_word(&format!(
                        "{{\"{}\":{{\"ThrottlingRateLimit\":{new_rate},\"ThrottlingBurstLimit\":{new_burst}}}}}",
                        ml.route
                    ))
                ),
            };
            out.push(Finding {
                check: Self::ID.into(),
                severity: Severity::Warning,
                resource: format!("apigw:{}/{}", side.api.id, st.stage),
                summary: format!(
                    "{}: {} requests answered 4XX in {} minute(s) while {} (burst {})",
                    st.stage,
                    fmt_value(st.throttled_requests),
                    st.throttled_minutes.len(),
                    st.why,
                    burst.map_or("-".into(), |b| b.to_string())
                ),
                evidence: [
                    evidence(m, &q_stage(side, &st.stage, "4XXError", obs.period_s), 8),
                    evidence(m, &q_stage(side, &st.stage, "Count", obs.period_s), 8),
                    Some(Evidence::Note {
                        text: format!(
                            "Lambda throttles of the API's functions in those minutes: {}",
                            fmt_value(st.lambda_throttles)
                        ),
                    }),
                ]
                .into_iter()
                .flatten()
                .collect(),
                remedy: format!(
                    "If the backend can take more, raise the limit: `{command}`. If the limit protects the backend, have clients back off on 429."
                ),
            });
        }
        CheckOutcome::Findings(out)
    }
}
