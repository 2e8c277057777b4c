//! `apigw-gateway-overhead`: API Gateway itself adds the time (authorizers, mapping templates).

use super::apigw_backend_latency::minute_evidence;
use super::latency_model::{analyze, LatencyAnalysis, Verdict};
use super::{Check, CheckInfo, CheckOutcome, Observations};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};

declare_check! {
    /// ## What it checks
    /// Minutes where `Latency − IntegrationLatency` (at `--stat`, default p99) reaches
    /// `--overhead-ms` (default 200 ms): time API Gateway spends around the integration call
    /// rather than waiting for the backend.
    ///
    /// It names what the API has that costs time on every request: **Lambda authorizers**
    /// (and whether their results are cached: a TTL of 0 runs the authorizer, and its cold
    /// starts, on every request) and **request mapping templates** (VTL) on non-proxy
    /// integrations.
    ///
    /// ## Why it matters
    /// API Gateway's own overhead is normally a few milliseconds. Hundreds of milliseconds
    /// point at work done before the integration is called: an authorizer Lambda, a VTL
    /// template, WAF, or large payloads.
    ///
    /// ## How to fix
    /// Cache authorizer results (`authorizerResultTtlInSeconds` > 0, with an identity source
    /// that varies per caller), fix the authorizer's own cold starts, simplify or remove
    /// mapping templates (a Lambda proxy integration needs none). Access logs with
    /// `$context.authorizer.latency` and `$context.waf.latency` split the overhead further.
    ///
    /// ## Data used
    /// CloudWatch `AWS/ApiGateway` `Latency` and `IntegrationLatency` (`cloudwatch:GetMetricData`);
    /// the API's authorizers and integrations (`apigateway:GET`).
    pub struct ApigwGatewayOverhead {
        id: "apigw-gateway-overhead",
        title: "API Gateway overhead (authorizers, mapping templates)",
        severity: Warning,
        needs: [ApiMetrics],
        iam: ["cloudwatch:GetMetricData", "apigateway:GET"],
        commands: ["latency"],
    }
}

/// When no stage had any Latency datapoint, the latency checks cannot decide anything:
/// they are skipped with the reason (and the run exits 2, never "healthy").
pub(crate) fn all_no_data(a: &LatencyAnalysis) -> Option<String> {
    if a.verdict != Verdict::NoData {
        return None;
    }
    let reasons: Vec<String> = a
        .stages
        .iter()
        .filter_map(|s| {
            s.no_data_reason
                .as_ref()
                .map(|r| format!("{}: {r}", s.stage))
        })
        .collect();
    Some(if reasons.is_empty() {
        "no stage to diagnose".into()
    } else {
        reasons.join("; ")
    })
}

impl Check for ApigwGatewayOverhead {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &Observations) -> CheckOutcome {
        let a = analyze(obs);
        if let Some(reason) = all_no_data(&a) {
            return CheckOutcome::Skipped(reason);
        }
        let s = &obs.settings;
        let mut out = Vec::new();
        for st in &a.stages {
            let Some(g) = &st.gateway else { continue };
            let at = g.worst.at.format("%H:%M");
            let mut evidence = vec![
                minute_evidence(obs, &st.stage, "Latency", &g.worst, &s.stat),
                minute_evidence(obs, &st.stage, "IntegrationLatency", &g.worst, &s.stat),
            ];
            if let (Some(l), Some(i)) = (g.worst.latency.avg, g.worst.integration_latency.avg) {
                evidence.push(Evidence::Note {
                    text: format!("average overhead that minute: {:.0} ms (Average Latency {l:.0} − Average IntegrationLatency {i:.0})", (l - i).max(0.0)),
                });
            }
            for c in &g.contributors {
                evidence.push(Evidence::Note { text: c.clone() });
            }
            let remedy = if g.contributors.iter().any(|c| c.contains("authorizer")) {
                "Cache authorizer results (TTL > 0) and check the authorizer function's own Duration and cold starts; then review mapping templates.".to_string()
            } else if !g.contributors.is_empty() {
                "Simplify or remove request mapping templates (a Lambda proxy integration needs none).".to_string()
            } else {
                "No authorizer or mapping template found: add $context.authorizer.latency, $context.waf.latency and $context.responseLength to the access log format to split the overhead.".to_string()
            };
            let what = if g.contributors.is_empty() {
                "no authorizer or mapping template found".to_string()
            } else {
                g.contributors.join("; ")
            };
            out.push(Finding {
                check: Self::ID.into(),
                severity: if g.overhead_ms >= 5.0 * s.overhead_ms { Severity::Error } else { Severity::Warning },
                resource: format!("apigw:{}/{}", obs.api_id(), st.stage),
                summary: format!(
                    "{}: API Gateway added {:.0} ms at {at} UTC (Latency {} {:.0} ms vs IntegrationLatency {:.0} ms) in {} minute(s); {what}",
                    st.stage,
                    g.overhead_ms,
                    s.stat,
                    g.worst.latency.at(&s.stat).unwrap_or(0.0),
                    g.worst.integration_latency.at(&s.stat).unwrap_or(0.0),
                    g.minutes,
                ),
                evidence,
                remedy,
            });
        }
        CheckOutcome::Findings(out)
    }
}
