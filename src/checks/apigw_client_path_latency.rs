//! `apigw-client-path-latency`: the client waited far longer than API Gateway took.

use super::latency_model::analyze;
use super::{Check, CheckInfo, CheckOutcome, Observations};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};

declare_check! {
    /// ## What it checks
    /// Compares the latency the client measured (`--client-ms N`) with the slowest request
    /// API Gateway recorded in the window (`Latency` Maximum). When the client's figure is
    /// at least `--client-gap-ms` (default 500 ms) above it, the missing time was spent
    /// outside API Gateway: DNS, TLS set-up, proxies, VPNs, CloudFront or the client itself.
    /// Without `--client-ms` the check does not run.
    ///
    /// ## Why it matters
    /// API Gateway's `Latency` starts when it receives the request and ends when it sends
    /// the response. Nothing before or after shows up in its metrics, so tuning the backend
    /// will not help.
    ///
    /// ## How to fix
    /// Time the phases from the client (`curl -w '%{time_namelookup} %{time_connect}
    /// %{time_appconnect} %{time_starttransfer}'`), reuse connections (keep-alive), check
    /// corporate proxies/VPN and the region distance; for edge-optimized APIs compare with a
    /// regional endpoint.
    ///
    /// ## Data used
    /// CloudWatch `AWS/ApiGateway` `Latency` Maximum (`cloudwatch:GetMetricData`) and the
    /// figure you pass with `--client-ms`.
    pub struct ApigwClientPathLatency {
        id: "apigw-client-path-latency",
        title: "Client-side path latency",
        severity: Warning,
        needs: [ApiMetrics],
        iam: ["cloudwatch:GetMetricData"],
        commands: ["latency"],
    }
}

impl Check for ApigwClientPathLatency {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &Observations) -> CheckOutcome {
        let a = analyze(obs);
        if let Some(reason) = super::apigw_gateway_overhead::all_no_data(&a) {
            return CheckOutcome::Skipped(reason);
        }
        let mut out = Vec::new();
        for st in &a.stages {
            let Some(c) = &st.client else { continue };
            out.push(Finding {
                check: Self::ID.into(),
                severity: Severity::Warning,
                resource: format!("apigw:{}/{}", obs.api_id(), st.stage),
                summary: format!(
                    "{}: the client measured {:.0} ms but API Gateway's slowest request took {:.0} ms: {:.0} ms were spent between the client and API Gateway",
                    st.stage, c.client_ms, c.gateway_max_ms, c.gap_ms
                ),
                evidence: vec![Evidence::Note {
                    text: format!("Latency Maximum over the window: {:.0} ms; --client-ms {:.0}", c.gateway_max_ms, c.client_ms),
                }],
                remedy: "Time DNS, connect, TLS and first byte from the client (curl -w), check proxies/VPN and connection reuse.".into(),
            });
        }
        CheckOutcome::Findings(out)
    }
}
