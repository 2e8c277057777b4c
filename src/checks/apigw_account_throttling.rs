//! `apigw-account-throttling`: 429s at API Gateway with the region's APIs together at the
//! account-level request rate.

use super::throttle_model::{
    evidence, q_api_count, q_stage, total, Cause, ThrottleAnalysis, ThrottleCheck,
    ThrottleObservations,
};
use super::{CheckInfo, CheckOutcome};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};
use crate::output::text::fmt_value;

declare_check! {
    /// ## What it checks
    /// Minutes in which a stage's `4XXError` stood out while the region's API traffic (the sum
    /// of every REST and HTTP API's `Count` / 60) reached 80% or more of API Gateway's
    /// account-level throttle: 10,000 requests per second (2,500 in Africa (Cape Town) and
    /// Europe (Milan)), or `--apigw-account-rps` for an account with a raised quota. No stage
    /// or method limit was near. Runs with `--api`.
    ///
    /// ## Why it matters
    /// The account-level limit is shared by every API of the account in the region: one busy
    /// API makes all the others answer 429.
    ///
    /// ## How to fix
    /// Request a higher "Throttle rate" quota for API Gateway (Service Quotas), give the busy
    /// API stage/method limits so it cannot starve the others, and cache (CloudFront, stage
    /// cache) what can be cached.
    ///
    /// ## Data used
    /// `apigateway:GET` (every API of the region), CloudWatch `AWS/ApiGateway` `Count` per API
    /// and `Count`/`4XXError` per stage (Sum) (`cloudwatch:GetMetricData`).
    pub struct ApigwAccountThrottling {
        id: "apigw-account-throttling",
        title: "API Gateway account-level throttle reached",
        severity: Error,
        needs: [ApiMetrics],
        iam: ["apigateway:GET", "cloudwatch:GetMetricData"],
        commands: ["throttles"],
    }
}

impl ThrottleCheck for ApigwAccountThrottling {
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
        let hit: Vec<_> = api
            .stages
            .iter()
            .filter(|s| s.cause == Cause::ApigwAccountLimit)
            .collect();
        if hit.is_empty() {
            return CheckOutcome::Findings(Vec::new());
        }
        let requests = total(hit.iter().map(|s| s.throttled_requests));
        let stages: Vec<&str> = hit.iter().map(|s| s.stage.as_str()).collect();
        let mut ev: Vec<Evidence> = hit
            .iter()
            .filter_map(|s| evidence(m, &q_stage(side, &s.stage, "4XXError", obs.period_s), 8))
            .collect();
        if let Some(busiest) = side
            .region_apis
            .iter()
            .find(|x| Some(&x.name) == api.busiest_api.as_ref())
        {
            ev.extend(evidence(m, &q_api_count(busiest, obs.period_s), 8));
        }
        ev.push(Evidence::Note {
            text: format!(
                "{} APIs in the region; account-level limit assumed {} requests/s (--apigw-account-rps)",
                side.region_apis.len(),
                fmt_value(api.account_rps_limit)
            ),
        });
        CheckOutcome::Findings(vec![Finding {
            check: Self::ID.into(),
            severity: Severity::Error,
            resource: format!("apigw:account/{}", obs.region),
            summary: format!(
                "{} requests of {} (stage {}) answered 4XX while {}{}",
                fmt_value(requests),
                side.api.name,
                stages.join(", "),
                hit[0].why,
                api.busiest_api
                    .as_ref()
                    .map(|b| format!("; the busiest API was {b}"))
                    .unwrap_or_default()
            ),
            evidence: ev,
            remedy: "Request a higher API Gateway \"Throttle rate\" quota (Service Quotas), give the busiest API stage or method limits so it cannot starve the others, and cache what can be cached.".into(),
        }])
    }
}
