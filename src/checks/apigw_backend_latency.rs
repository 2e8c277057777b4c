//! `apigw-backend-latency`: the integration (usually Lambda) is what makes requests slow.

use super::latency_model::{analyze, BackendCause, Minute};
use super::{Check, CheckInfo, CheckOutcome, Observations};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};
use crate::metrics::{self, APIGW};

declare_check! {
    /// ## What it checks
    /// Minutes where API Gateway's `IntegrationLatency` (the time from sending the request to
    /// the backend until its answer) reaches `--slow-ms` (default 1000 ms) at the verdict
    /// statistic (`--stat`, default p99). When that happens `IntegrationLatency ≈ Latency`:
    /// the backend, not API Gateway, holds the time.
    ///
    /// For Lambda backends it then compares the function's `Duration` with
    /// `IntegrationLatency` over the same minutes:
    /// - **Duration rose with it** → the handler itself got slow (code, a slow dependency, a
    ///   database, memory too small for the work);
    /// - **Duration stayed flat** while IntegrationLatency rose → the time went *before* the
    ///   handler ran. `Duration` excludes `Init Duration`, so this is the signature of
    ///   initialisation / cold starts (run `gwdoctor cold-starts`).
    ///
    /// ## Why it matters
    /// REST API integrations time out at 29 s by default (HTTP APIs at 30 s); past it the
    /// client gets a 504 `Endpoint request timed out` even though the function may finish.
    ///
    /// ## How to fix
    /// Handler: profile the function around the peak minute (X-Ray, the REPORT lines of that
    /// minute), look for a slow downstream call, raise memory (CPU scales with it).
    /// Initialisation: move SDK clients and configuration into the init phase, trim the
    /// package, consider provisioned concurrency or SnapStart.
    ///
    /// ## Data used
    /// CloudWatch `AWS/ApiGateway` `Latency`, `IntegrationLatency` (Maximum, p50, p90, p99,
    /// Average) per stage and, with detailed metrics, per method; `AWS/Lambda` `Duration` of
    /// the functions behind the API (`cloudwatch:GetMetricData`). API resources and
    /// integrations (`apigateway:GET`).
    pub struct ApigwBackendLatency {
        id: "apigw-backend-latency",
        title: "Backend (integration) latency",
        severity: Warning,
        needs: [ApiMetrics],
        iam: ["cloudwatch:GetMetricData", "apigateway:GET"],
        commands: ["latency"],
    }
}

pub(crate) fn minute_evidence(
    obs: &Observations,
    stage: &str,
    name: &str,
    w: &Minute,
    stat: &str,
) -> Evidence {
    let dims = obs
        .api
        .as_ref()
        .map(|a| metrics::stage_dims(&a.api, stage))
        .unwrap_or_default();
    let stats = if name == "Latency" {
        &w.latency
    } else {
        &w.integration_latency
    };
    Evidence::Metric {
        namespace: APIGW.into(),
        name: name.into(),
        stat: stat.into(),
        dimensions: dims,
        period_s: obs.period_s,
        points: stats.at(stat).map(|v| vec![(w.at, v)]).unwrap_or_default(),
    }
}

impl Check for ApigwBackendLatency {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &Observations) -> CheckOutcome {
        let a = analyze(obs);
        if let Some(reason) = super::apigw_gateway_overhead::all_no_data(&a) {
            return CheckOutcome::Skipped(reason);
        }
        let s = &obs.settings;
        let mut out = Vec::new();
        for st in &a.stages {
            let Some(b) = &st.backend else { continue };
            let resource = format!("apigw:{}/{}", obs.api_id(), st.stage);
            let at = b.worst.at.format("%H:%M");
            let timeout = b.timeout_ms.unwrap_or(29_000) as f64;
            let severity = if b.integration_latency_ms >= 0.9 * timeout
                || b.integration_latency_ms >= 5.0 * s.slow_ms
            {
                Severity::Error
            } else {
                Severity::Warning
            };
            let (why, remedy) = match &b.cause {
                BackendCause::Handler { function, duration_ms, baseline_ms } => (
                    match baseline_ms {
                        Some(base) => format!("Lambda {function} Duration rose to {duration_ms:.0} ms (baseline {base:.0} ms): the handler is slow"),
                        None => format!("Lambda {function} Duration reached {duration_ms:.0} ms: the handler is slow"),
                    },
                    format!("Profile {function} around {at} UTC (X-Ray, its REPORT lines): look for a slow downstream call or too little memory (CPU scales with memory)."),
                ),
                BackendCause::Initialization { function, duration_ms, integration_latency_ms } => (
                    format!("Lambda {function} Duration stayed at {duration_ms:.0} ms while IntegrationLatency reached {integration_latency_ms:.0} ms: time went before the handler ran (initialisation / cold starts)"),
                    format!("Run `gwdoctor cold-starts --function {function}` for Init Duration spikes; move SDK clients into init, trim the package, or add provisioned concurrency."),
                ),
                BackendCause::NotLambda { integrations } => (
                    format!("non-Lambda backend: {}", integrations.first().cloned().unwrap_or_default()),
                    "Look at the backend's own latency around the peak minute; API Gateway only waits for it.".to_string(),
                ),
                BackendCause::Unknown { reason } => (
                    format!("cause unknown: {reason}"),
                    "Check the backend's own metrics around the peak minute.".to_string(),
                ),
            };
            let mut evidence = vec![
                minute_evidence(obs, &st.stage, "Latency", &b.worst, &s.stat),
                minute_evidence(obs, &st.stage, "IntegrationLatency", &b.worst, &s.stat),
                Evidence::Note { text: why.clone() },
            ];
            if let Some(r) = &st.slowest_route {
                evidence.push(Evidence::Note {
                    text: format!(
                        "slowest route at the peak: {} ({:.0} ms p99)",
                        r.route, r.latency_ms
                    ),
                });
            }
            if b.integration_latency_ms >= 0.9 * timeout {
                evidence.push(Evidence::Note {
                    text: format!("integration timeout is {:.0} ms: requests at the peak were at or near it (504s)", timeout),
                });
            }
            out.push(Finding {
                check: Self::ID.into(),
                severity,
                resource,
                summary: format!(
                    "{}: IntegrationLatency {} {:.0} ms at {at} UTC (Latency {:.0} ms), {} slow minute(s); {why}",
                    st.stage,
                    s.stat,
                    b.integration_latency_ms,
                    b.worst.latency.at(&s.stat).unwrap_or(0.0),
                    b.slow_minutes,
                ),
                evidence,
                remedy,
            });
        }
        CheckOutcome::Findings(out)
    }
}
