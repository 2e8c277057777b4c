//! `lambda-cold-start-spike`: minutes where a function's cold starts (or Init Duration) jump
//! above its own baseline.

use super::cold_start_model::{analyze, spike_ranges, FunctionColdStarts};
use super::{Check, CheckInfo, CheckOutcome, Observations};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};
use crate::output::text::fmt_value;
use crate::sanitize::clean;

declare_check! {
    /// ## What it checks
    /// Reads the function's `REPORT` lines (a cold start is a `REPORT` with `Init Duration`, or
    /// `Restore Duration` for SnapStart) and counts cold starts per minute over the window,
    /// minutes without any counting as zero. The function's own baseline is the median of that
    /// series and its median absolute deviation (MAD); a minute is a spike when its cold starts
    /// exceed `median + max(3.5 × 1.4826 × MAD, 3 × √median)` (and are at least 3), or when its
    /// largest Init Duration exceeds `median + max(3.5 × 1.4826 × MAD, median)` of the per-minute
    /// largest Init Durations (so it at least doubled). Median and MAD ignore the spike itself,
    /// so a burst lasting a third of the window is still measured against the calm minutes.
    /// With `--api`, the spike minutes are compared with the minutes where API Gateway's
    /// `IntegrationLatency` p99 peaked above its own baseline.
    ///
    /// ## Why it matters
    /// Each cold start adds its Init Duration to that request (hundreds of ms to seconds), and
    /// API Gateway counts it in `IntegrationLatency`; Lambda's `Duration` metric does not. A
    /// burst of cold starts is what a slow-API incident with flat `Duration` usually is:
    /// a deployment or runtime update recycled every environment, traffic scaled out quickly,
    /// or environments were reclaimed after idling.
    ///
    /// ## How to fix
    /// Find what started new environments at the spike (a deployment, a traffic burst, scaling
    /// from zero after a quiet period, a runtime update: see `lambda-runtime-version-change`).
    /// Make init cheaper: create SDK clients once but lazily, trim the deployment package and
    /// its imports, avoid network calls during init. For steady latency use provisioned
    /// concurrency (or SnapStart for Java, Python and .NET), and deploy outside peak hours.
    ///
    /// ## Data used
    /// The function's log group (`LoggingConfig.LogGroup`, default `/aws/lambda/<function>`),
    /// text or JSON log format, read with `FilterLogEvents` or Logs Insights
    /// (`logs:FilterLogEvents`, `logs:StartQuery`, `logs:GetQueryResults`), the function
    /// configuration (`lambda:GetFunctionConfiguration`), or exported log files
    /// (`--log-file`). With `--api`: `AWS/ApiGateway` `IntegrationLatency` p99
    /// (`cloudwatch:GetMetricData`).
    pub struct LambdaColdStartSpike {
        id: "lambda-cold-start-spike",
        title: "Lambda cold-start spike",
        severity: Warning,
        needs: [LambdaLogs],
        iam: ["logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "lambda:GetFunctionConfiguration", "cloudwatch:GetMetricData"],
        commands: ["cold-starts"],
    }
}

/// One-line description of a function's spikes (also the text output's verdict line).
pub fn describe(f: &FunctionColdStarts) -> Option<String> {
    let b = f.baseline.as_ref()?;
    if f.spikes.is_empty() {
        return None;
    }
    let most = f.spikes.iter().map(|s| s.cold_starts).max().unwrap_or(0);
    let init_max = f
        .spikes
        .iter()
        .filter_map(|s| s.init_ms_max)
        .fold(None, |a: Option<f64>, v| Some(a.map_or(v, |x| x.max(v))));
    let mut s = format!(
        "{}: cold-start spike at {} ({} minute(s)): up to {} cold starts/min against a baseline of {}/min (threshold {})",
        f.name,
        spike_ranges(&f.spikes),
        f.spikes.len(),
        most,
        fmt_value(b.cold_starts_per_min),
        fmt_value(b.cold_starts_threshold),
    );
    if let Some(i) = init_max {
        s.push_str(&format!(", Init Duration up to {} ms", fmt_value(i)));
        if let Some(base) = b.init_ms {
            s.push_str(&format!(" (baseline {} ms)", fmt_value(base)));
        }
    }
    if let Some(c) = &f.correlation {
        if c.coincide {
            s.push_str(&format!(
                "; it coincides with API Gateway IntegrationLatency peaks on stage {} ({} of {} spike minutes)",
                c.stage, c.coinciding_minutes, c.spike_minutes
            ));
        } else {
            s.push_str(&format!(
                "; it does not coincide with IntegrationLatency peaks on stage {} ({} of {} spike minutes)",
                c.stage, c.coinciding_minutes, c.spike_minutes
            ));
        }
    }
    Some(s)
}

impl Check for LambdaColdStartSpike {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &Observations) -> CheckOutcome {
        let a = analyze(obs);
        let mut out = Vec::new();
        for f in a.functions.iter().filter(|f| f.unavailable.is_none()) {
            let Some(summary) = describe(f) else { continue };
            let Some(b) = &f.baseline else { continue };
            let mut evidence = vec![Evidence::Note {
                text: format!(
                    "baseline over {} minutes: median {} cold starts/min, MAD {}, threshold {}{}",
                    b.minutes,
                    fmt_value(b.cold_starts_per_min),
                    fmt_value(b.cold_starts_mad),
                    fmt_value(b.cold_starts_threshold),
                    match (b.init_ms, b.init_threshold_ms) {
                        (Some(m), Some(t)) => format!(
                            "; per-minute largest Init Duration median {} ms, threshold {} ms",
                            fmt_value(m),
                            fmt_value(t)
                        ),
                        _ => String::new(),
                    }
                ),
            }];
            if let Some(c) = &f.correlation {
                evidence.push(Evidence::Note {
                    text: format!(
                        "stage {}: IntegrationLatency p99 baseline {} ms, peaks at {}",
                        c.stage,
                        c.integration_latency_baseline_ms
                            .map_or("-".into(), fmt_value),
                        if c.peak_minutes.is_empty() {
                            "no minute".to_string()
                        } else {
                            c.peak_minutes
                                .iter()
                                .take(8)
                                .map(|t| t.format("%H:%M").to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                });
            }
            // The slowest REPORT line of the biggest spike minutes, then the next ones.
            let mut minutes: Vec<_> = f.spikes.iter().collect();
            minutes.sort_by(|x, y| {
                y.cold_starts.cmp(&x.cold_starts).then(
                    y.init_ms_max
                        .unwrap_or(0.0)
                        .total_cmp(&x.init_ms_max.unwrap_or(0.0)),
                )
            });
            let mut lines = Vec::new();
            for rank in 0..crate::logs::digest::MINUTE_SAMPLES {
                for s in &minutes {
                    if let Some(r) = s.reports.get(rank) {
                        lines.push(r);
                    }
                }
            }
            for r in lines.into_iter().take(10) {
                evidence.push(Evidence::LogLine {
                    group: f.log_group.clone(),
                    stream: r.stream.clone(),
                    at: r
                        .at
                        .and_then(chrono::DateTime::from_timestamp_millis)
                        .unwrap_or(obs.window.start),
                    text: clean(&r.text),
                });
            }
            out.push(Finding {
                check: Self::ID.into(),
                severity: Severity::Warning,
                resource: format!("lambda:{}", f.name),
                summary,
                evidence,
                remedy: format!(
                    "Find what started new execution environments at {} (deployment, traffic burst, scale-up after idling, runtime update); make init cheaper (lazy imports, smaller package, no network calls in init) or keep environments warm with provisioned concurrency / SnapStart.",
                    super::cold_start_model::spike_ranges(&f.spikes)
                ),
            });
        }
        CheckOutcome::Findings(out)
    }
}
