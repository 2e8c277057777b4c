//! `gwdoctor latency --api ID`: API Gateway Latency vs IntegrationLatency (+ Lambda Duration,
//! + the client's figure) per minute, and a verdict: backend, gateway, client path, healthy.
//!
//! Calls: 2 list calls (REST + HTTP APIs), then stages, resources (with methods embedded) and
//! authorizers concurrently, then every metric in ⌈queries/500⌉ GetMetricData calls.

use std::collections::HashSet;
use std::fmt::Write;

use anyhow::bail;
use serde_json::json;

use crate::checks::declarative::DeclarativeCheck;
use crate::checks::latency_model::{self, BackendCause, LatencyAnalysis, StageLatency, Verdict};
use crate::checks::{self, ApiContext, Check, Gathered, MetricSet, Observations, Settings};
use crate::finding::{Report, Section, TargetInfo, SCHEMA};
use crate::model::{FunctionRef, Window};
use crate::output::text::fmt_value;
use crate::source::{Source, SourceError};

/// What the `latency` subcommand was asked.
#[derive(Debug, Clone)]
pub struct LatencyRequest {
    pub api: String,
    pub stage: Option<String>,
    pub window: WindowSpec,
    pub settings: Settings,
    /// How many worst minutes the text output shows.
    pub top: usize,
    pub extra_checks: Vec<DeclarativeCheck>,
}

/// The window flags, resolved against the source's clock once it is known.
#[derive(Debug, Clone, Default)]
pub struct WindowSpec {
    pub since: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

/// The result: the report, and whether the analysis had no data at all (exit 2).
pub struct LatencyOutcome {
    pub report: Report,
    pub inconclusive: bool,
    /// The typed analysis behind the report's `latency` section (the dashboard charts it).
    pub analysis: LatencyAnalysis,
}

pub(super) fn fatal(e: SourceError, doing: &str) -> anyhow::Error {
    anyhow::anyhow!("{e}").context(format!("while {doing}"))
}

pub(super) fn soft<T>(
    r: Result<T, SourceError>,
    notes: &mut Vec<String>,
    what: &str,
) -> anyhow::Result<Gathered<T>> {
    match r {
        Ok(v) => Ok(Gathered::Ready(v)),
        Err(e) if e.is_fatal() => Err(fatal(e, what)),
        Err(e) => {
            notes.push(format!("{what}: {e}"));
            Ok(Gathered::Unavailable(e.to_string()))
        }
    }
}

/// Gathers, runs the latency checks and builds the report.
pub async fn run(source: &dyn Source, req: &LatencyRequest) -> anyhow::Result<LatencyOutcome> {
    let now = source.now();
    let window: Window = crate::window::resolve(
        now,
        req.window.since.as_deref(),
        req.window.start.as_deref(),
        req.window.end.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let period_s = crate::window::period_for(&window, now);
    let mut notes = Vec::new();

    let apis = source
        .list_apis()
        .await
        .map_err(|e| fatal(e, "listing the region's APIs"))?;
    let api = super::find_api(&apis, &req.api)?;

    let (stages, routes, authorizers) = tokio::join!(
        source.stages(&api),
        source.routes(&api),
        source.authorizers(&api)
    );
    let stages = stages.map_err(|e| fatal(e, &format!("reading the stages of {}", api.id)))?;
    let routes = soft(
        routes,
        &mut notes,
        "resources and integrations could not be read",
    )?;
    let authorizers = soft(authorizers, &mut notes, "authorizers could not be read")?;

    if stages.is_empty() {
        bail!(
            "API {} ({}) has no deployed stage: deploy it first, there is nothing to measure",
            api.id,
            api.name
        );
    }
    let stages = match &req.stage {
        Some(s) => match stages.iter().find(|x| &x.name == s) {
            Some(x) => vec![x.clone()],
            None => {
                let names: Vec<&str> = stages.iter().map(|x| x.name.as_str()).collect();
                bail!(
                    "API {} has no stage {s:?}; its stages: {}",
                    api.id,
                    names.join(", ")
                );
            }
        },
        None => stages,
    };

    let functions: Vec<FunctionRef> = match &routes {
        Gathered::Ready(rs) => super::functions_behind(rs, &stages),
        Gathered::Unavailable(_) => Vec::new(),
    };

    let ctx = ApiContext {
        api: api.clone(),
        stages,
        routes,
        authorizers,
        functions,
    };

    // Select the checks this command runs. The client-path check needs the client's figure.
    let all = checks::registry(req.extra_checks.clone());
    let selected: Vec<&dyn Check> = all
        .iter()
        .map(|c| c.as_ref())
        .filter(|c| {
            let info = c.info();
            info.commands.iter().any(|x| x == "latency")
                && (info.id != checks::apigw_client_path_latency::ApigwClientPathLatency::ID
                    || req.settings.client_ms.is_some())
        })
        .collect();
    if req.settings.client_ms.is_none() {
        notes.push("apigw-client-path-latency did not run: pass --client-ms N with the latency your client measured to test the path between client and API Gateway".into());
    }

    // One batch of queries for everything, deduplicated.
    let mut queries = latency_model::queries(&ctx, period_s);
    for d in checks::declarative::builtin()
        .iter()
        .chain(req.extra_checks.iter())
    {
        if d.commands.iter().any(|x| x == "latency") {
            queries.extend(d.queries(&ctx, period_s));
        }
    }
    let mut seen = HashSet::new();
    queries.retain(|q| seen.insert(q.clone()));

    let metrics = match source.metric_data(&queries, window).await {
        Ok(series) => {
            let mut m = MetricSet::default();
            for s in series {
                m.insert(s.query, s.points);
            }
            Gathered::Ready(m)
        }
        Err(e) if e.is_fatal() => return Err(fatal(e, "reading CloudWatch metrics")),
        Err(e) => {
            notes.push(format!("metrics could not be read: {e}"));
            Gathered::Unavailable(e.to_string())
        }
    };

    let obs = Observations {
        now,
        window,
        period_s,
        api: Some(ctx),
        metrics,
        logs: Gathered::Unavailable(Observations::NO_LOGS.into()),
        settings: req.settings.clone(),
    };
    let results = crate::engine::run_checks(&selected, &obs);
    let analysis = latency_model::analyze(&obs);
    let inconclusive = analysis.verdict == Verdict::NoData;
    let other_problems = results
        .iter()
        .filter(|r| r.status == crate::finding::CheckStatus::Found)
        .count();

    let mut report = Report {
        schema: SCHEMA,
        command: "latency".into(),
        target: TargetInfo {
            api_id: Some(api.id.clone()),
            api_name: Some(api.name.clone()),
            api_kind: Some(api.kind.as_str().into()),
            stage: req.stage.clone(),
            region: source.region(),
            start: window.start,
            end: window.end,
        },
        checks: results,
        notes,
        section: Some(section(
            &obs,
            &analysis,
            queries.len(),
            req.top,
            other_problems,
        )),
    };
    report.sort();
    Ok(LatencyOutcome {
        report,
        inconclusive,
        analysis,
    })
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), fmt_value)
}

fn sentence(st: &StageLatency, s: &Settings) -> String {
    let stat = &s.stat;
    let at = st
        .peak
        .as_ref()
        .map(|p| p.at.format("%H:%M UTC").to_string())
        .unwrap_or_default();
    match st.verdict {
        Verdict::Backend => {
            let Some(b) = &st.backend else { return String::new() };
            let cause = match &b.cause {
                BackendCause::Handler { function, duration_ms, baseline_ms } => format!(
                    " Lambda {function} Duration rose to {} ms{}: the handler itself is slow. Next: profile {function} around {at} (X-Ray, its REPORT lines) and its downstream calls.",
                    fmt_value(*duration_ms),
                    baseline_ms.map(|b| format!(" (baseline {} ms)", fmt_value(b))).unwrap_or_default()
                ),
                BackendCause::Initialization { function, duration_ms, .. } => format!(
                    " Lambda {function} Duration stayed at {} ms, so the time went before the handler ran: initialisation / cold starts. Next: gwdoctor cold-starts --function {function}.",
                    fmt_value(*duration_ms)
                ),
                BackendCause::NotLambda { integrations } => format!(
                    " The integration is not Lambda ({}). Next: look at that backend's own latency around {at}.",
                    integrations.first().cloned().unwrap_or_default()
                ),
                BackendCause::Unknown { reason } => format!(" Cause unknown ({reason})."),
            };
            format!(
                "Verdict: backend. IntegrationLatency ≈ Latency at the peak ({} of {} ms {stat} at {at}): the backend is slow, not API Gateway.{cause}",
                fmt_value(b.integration_latency_ms),
                ms(b.worst.latency.at(stat)),
            )
        }
        Verdict::Gateway => {
            let Some(g) = &st.gateway else { return String::new() };
            let what = if g.contributors.is_empty() {
                "No authorizer or mapping template was found; add $context.authorizer.latency and $context.waf.latency to the access log to split it.".to_string()
            } else {
                format!("The API has: {}.", g.contributors.join("; "))
            };
            format!(
                "Verdict: gateway. API Gateway itself added {} ms at {} (Latency {} ms vs IntegrationLatency {} ms {stat}). {what} Next: cache authorizer results, simplify mapping templates.",
                fmt_value(g.overhead_ms),
                g.worst.at.format("%H:%M UTC"),
                ms(g.worst.latency.at(stat)),
                ms(g.worst.integration_latency.at(stat)),
            )
        }
        Verdict::ClientPath => {
            let Some(c) = &st.client else { return String::new() };
            format!(
                "Verdict: client path. The client measured {} ms but API Gateway's slowest request took {} ms: {} ms went between the client and API Gateway (DNS, TLS, proxies, VPN). Next: time the phases with curl -w from the client.",
                fmt_value(c.client_ms),
                fmt_value(c.gateway_max_ms),
                fmt_value(c.gap_ms)
            )
        }
        Verdict::Healthy => format!(
            "Verdict: healthy. Latency {stat} peaked at {} ms at {at} (slow threshold {} ms), API Gateway overhead {} ms.",
            ms(st.peak.as_ref().map(|p| p.latency_ms)),
            fmt_value(s.slow_ms),
            ms(st.peak.as_ref().and_then(|p| p.overhead_ms)),
        ),
        Verdict::NoData => format!(
            "Verdict: no data. {}",
            st.no_data_reason.clone().unwrap_or_else(|| "no datapoints".into())
        ),
    }
    .replace("  ", " ")
}

fn section(
    obs: &Observations,
    a: &LatencyAnalysis,
    query_count: usize,
    top: usize,
    found: usize,
) -> Section {
    let s = &obs.settings;
    let stat = s.stat.as_str();
    let main = a
        .stage
        .as_ref()
        .and_then(|n| a.stages.iter().find(|x| &x.stage == n));
    let mut text = String::new();
    let mut md = String::new();
    if let Some(st) = main {
        let mut sent = sentence(st, s);
        if st.verdict == Verdict::Healthy && found > 0 {
            sent.push_str(&format!(
                " Latency is fine, but {found} other check(s) found problems: see below."
            ));
        }
        let _ = writeln!(text, "{sent}");
        let _ = writeln!(md, "**{}**\n", sent);
        // Worst minutes by Latency, shown in time order.
        let mut worst: Vec<_> = st.minutes.iter().collect();
        worst.sort_by(|x, y| {
            y.latency
                .at(stat)
                .unwrap_or(0.0)
                .total_cmp(&x.latency.at(stat).unwrap_or(0.0))
        });
        worst.truncate(top);
        worst.sort_by_key(|m| m.at);
        if !worst.is_empty() {
            let _ = writeln!(
                text,
                "\nWorst minutes (stage {}, ms; Latency and IntegrationLatency at {stat})",
                st.stage
            );
            let _ = writeln!(
                text,
                "  {:<6} {:>8} {:>8} {:>8} {:>9} {:>8} {:>7} {:>5}",
                "UTC", "Latency", "max", "Integr.", "Overhead", "Lambda", "Count", "5XX"
            );
            let _ = writeln!(md, "| UTC | Latency {stat} | Latency max | IntegrationLatency {stat} | overhead | Lambda Duration | Count | 5XX |\n|---|---:|---:|---:|---:|---:|---:|---:|");
            for m in worst {
                let l = m.latency.at(stat);
                let i = m.integration_latency.at(stat);
                let o = l.zip(i).map(|(l, i)| (l - i).max(0.0));
                let cols = [
                    ms(l),
                    ms(m.latency.max),
                    ms(i),
                    ms(o),
                    ms(m.lambda_duration_ms),
                    ms(m.count),
                    ms(m.errors_5xx),
                ];
                let _ = writeln!(
                    text,
                    "  {:<6} {:>8} {:>8} {:>8} {:>9} {:>8} {:>7} {:>5}",
                    m.at.format("%H:%M"),
                    cols[0],
                    cols[1],
                    cols[2],
                    cols[3],
                    cols[4],
                    cols[5],
                    cols[6]
                );
                let _ = writeln!(md, "| {} | {} |", m.at.format("%H:%M"), cols.join(" | "));
            }
        }
        if let Some(r) = &st.slowest_route {
            let _ = writeln!(
                text,
                "\nSlowest route at the peak: {} ({} ms p99{})",
                r.route,
                fmt_value(r.latency_ms),
                r.function
                    .as_ref()
                    .map(|f| format!(", Lambda {f}"))
                    .unwrap_or_default()
            );
            let _ = writeln!(
                md,
                "\nSlowest route at the peak: `{}` ({} ms p99)",
                r.route,
                fmt_value(r.latency_ms)
            );
        }
        // Only where naming the slow route would be the next step.
        if let (Some(n), Verdict::Backend | Verdict::Gateway) = (&st.per_method_note, st.verdict) {
            let _ = writeln!(text, "\nPer-route metrics: {n}.");
            let _ = writeln!(md, "\nPer-route metrics: {n}.");
        }
    }
    let others: Vec<&StageLatency> = a
        .stages
        .iter()
        .filter(|x| Some(&x.stage) != a.stage.as_ref())
        .collect();
    if !others.is_empty() {
        let _ = writeln!(text, "\nOther stages:");
        let _ = writeln!(md, "\nOther stages:\n");
        for o in others {
            let line = format!(
                "{}: {}{}",
                o.stage,
                o.verdict.as_str(),
                o.peak
                    .as_ref()
                    .map(|p| format!(
                        ", Latency {stat} peak {} ms at {}",
                        fmt_value(p.latency_ms),
                        p.at.format("%H:%M UTC")
                    ))
                    .unwrap_or_default()
            );
            let _ = writeln!(text, "  {line}");
            let _ = writeln!(md, "- {line}");
        }
    }
    let json = json!({
        "verdict": a.verdict.as_str(),
        "stage": a.stage,
        "stat": a.stat,
        "period_s": obs.period_s,
        "peak": a.peak,
        "thresholds": {
            "slow_ms": s.slow_ms,
            "overhead_ms": s.overhead_ms,
            "client_gap_ms": s.client_gap_ms,
            "client_ms": s.client_ms,
        },
        "functions": obs.api.iter().flat_map(|a| a.functions.iter()).map(|f| &f.name).collect::<Vec<_>>(),
        "metric_queries": query_count,
        "stages": a.stages.iter().map(|st| {
            let mut v = serde_json::to_value(st).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("minutes".into(), serde_json::to_value(&st.minutes).unwrap_or_default());
            }
            v
        }).collect::<Vec<_>>(),
    });
    Section {
        name: "latency".into(),
        json,
        text,
        markdown: md,
    }
}
