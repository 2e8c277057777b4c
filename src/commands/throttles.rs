//! `gwdoctor throttles [--api ID | --function NAME …]`: were requests throttled, by which
//! limit, and which function drove it.
//!
//! Calls, for any number of functions: `ListFunctions` (50 per page) and `GetAccountSettings`
//! (with `--api` also the API discovery and `GetUsagePlans`), concurrently; then one batch of
//! metrics for the hunt (account-wide series + 3 per function: ⌈(3n+3)/500⌉ GetMetricData
//! calls, concurrently); then, for the functions that matter only (the focus, the top of the
//! ranking, the throttled ones; at most 30), a second GetMetricData batch (3 per function)
//! alongside `GetFunctionConcurrency` (8 at a time, none for functions that cannot have a
//! reservation once the account's reserved total is accounted for), and
//! `ListProvisionedConcurrencyConfigs` for functions that used provisioned concurrency.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fmt::Write;

use anyhow::bail;
use futures::future::join_all;
use serde_json::json;

use super::latency::{fatal, soft, WindowSpec};
use crate::checks::throttle_model::{
    self, alarm_command, detail_queries, functions_that_matter, hunt_queries,
    needs_provisioned_read, needs_reservation_read, ApiSide, Cause, FunctionLimits, Provisioned,
    Reservation, ThrottleAnalysis, ThrottleObservations, ThrottleSettings,
};
use crate::checks::{Gathered, MetricSet};
use crate::finding::{CheckStatus, Report, Section, TargetInfo, SCHEMA};
use crate::model::{function_from_uri, ApiKind, Window};
use crate::output::text::fmt_value;
use crate::source::{Source, SourceError};

/// Configuration reads in flight at once (the AWS source also paces Lambda's control-plane
/// calls to 10 per second: the account and region share 15).
const FANOUT: usize = 8;

/// What the `throttles` subcommand was asked.
#[derive(Debug, Clone)]
pub struct ThrottlesRequest {
    pub api: Option<String>,
    pub functions: Vec<String>,
    pub window: WindowSpec,
    /// `--apigw-account-rps` (default: the region's API Gateway account-level rate).
    pub apigw_account_rps: Option<f64>,
    /// Ranked functions read and shown.
    pub top: usize,
}

/// The result: the report, and whether there was no data at all (exit 2).
pub struct ThrottlesOutcome {
    pub report: Report,
    pub inconclusive: bool,
    /// The typed analysis behind the report's `throttles` section (the dashboard charts it).
    pub analysis: throttle_model::ThrottleAnalysis,
}

/// Counts of what was read, for the JSON section and the benchmark.
#[derive(Debug, Default, Clone, serde::Serialize)]
struct Reads {
    functions_listed: usize,
    functions_detailed: usize,
    metric_queries: usize,
    reserved_reads: usize,
    reserved_inferred: usize,
    provisioned_reads: usize,
}

/// Gathers, runs the throttling checks and builds the report.
pub async fn run(source: &dyn Source, req: &ThrottlesRequest) -> anyhow::Result<ThrottlesOutcome> {
    let now = source.now();
    let window: Window = crate::window::resolve(
        now,
        req.window.since.as_deref(),
        req.window.start.as_deref(),
        req.window.end.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let period_s = crate::window::period_for(&window, now);
    let region = source.region();
    let mut notes = Vec::new();
    let mut reads = Reads::default();

    // 1. The region's functions, its concurrency quota and (with --api) the API, at once.
    let api_part = async {
        let Some(wanted) = &req.api else {
            return Ok(None);
        };
        let apis = source
            .list_apis()
            .await
            .map_err(|e| fatal(e, "listing the region's APIs"))?;
        let api = super::find_api(&apis, wanted)?;
        let plans = async {
            match api.kind {
                // Usage plans and API keys exist for REST APIs only.
                ApiKind::Rest => source.usage_plans().await,
                ApiKind::Http => Ok(Vec::new()),
            }
        };
        let (stages, routes, plans) = tokio::join!(source.stages(&api), source.routes(&api), plans);
        let stages = stages.map_err(|e| fatal(e, &format!("reading the stages of {}", api.id)))?;
        if stages.is_empty() {
            bail!(
                "API {} ({}) has no deployed stage: deploy it first, there is nothing to measure",
                api.id,
                crate::sanitize::clean(&api.name)
            );
        }
        anyhow::Ok(Some((api, apis, stages, routes, plans)))
    };
    let (listed, account, api_part) = tokio::join!(
        source.list_functions(),
        source.account_concurrency(),
        api_part
    );
    let api_part = api_part?;
    let account = soft(
        account,
        &mut notes,
        "the account's concurrency limit could not be read",
    )?;
    let listed = soft(
        listed,
        &mut notes,
        "the region's functions could not be listed",
    )?;

    let mut api_side = None;
    let mut focus: Vec<String> = Vec::new();
    if let Some((api, apis, stages, routes, plans)) = api_part {
        let routes = soft(
            routes,
            &mut notes,
            "resources and integrations could not be read",
        )?;
        let plans = soft(plans, &mut notes, "usage plans could not be read")?;
        if let Gathered::Ready(rs) = &routes {
            for st in &stages {
                for r in rs {
                    if let Some(f) = r
                        .integration
                        .as_ref()
                        .and_then(|i| i.uri.as_deref())
                        .and_then(|u| function_from_uri(u, &st.variables))
                    {
                        if !focus.contains(&f.name) {
                            focus.push(f.name);
                        }
                    }
                }
            }
        }
        focus.sort();
        api_side = Some(ApiSide {
            api,
            stages,
            routes,
            usage_plans: plans,
            region_apis: apis,
        });
    }

    let mut functions: Vec<String> = match &listed {
        Gathered::Ready(fs) => fs.iter().map(|f| f.name.clone()).collect(),
        Gathered::Unavailable(_) => Vec::new(),
    };
    reads.functions_listed = functions.len();
    for f in &req.functions {
        if let Gathered::Ready(_) = &listed {
            if !functions.contains(f) {
                bail!("{}", unknown_function(f, &functions));
            }
        }
        if !focus.contains(f) {
            focus.push(f.clone());
        }
    }
    // Without the list (AccessDenied), the hunt covers the functions asked about only.
    for f in &focus {
        if !functions.contains(f) {
            functions.push(f.clone());
        }
    }
    if listed.ready().is_none() {
        notes.push(
            "without lambda:ListFunctions the concurrency ranking covers only the functions asked about (--function, or those behind --api)".into(),
        );
    }

    let settings = ThrottleSettings {
        apigw_account_rps: req
            .apigw_account_rps
            .unwrap_or_else(|| throttle_model::default_apigw_account_rps(&region)),
        top: req.top,
    };

    // 2. The hunt: one batch for every function.
    let mut queries = hunt_queries(&functions, period_s);
    if let Some(side) = &api_side {
        queries.extend(throttle_model::api_queries(side, period_s));
    }
    let mut seen = HashSet::new();
    queries.retain(|q| seen.insert(q.clone()));
    reads.metric_queries = queries.len();
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

    let mut obs = ThrottleObservations {
        now,
        window,
        period_s,
        region: region.clone(),
        account,
        functions,
        focus,
        metrics,
        limits: BTreeMap::new(),
        api: api_side,
        settings,
    };

    // 3. The functions that matter: detailed metrics and their configuration.
    if obs.metrics.ready().is_some() {
        let first = throttle_model::analyze(&obs);
        let matter = functions_that_matter(&first, &obs.focus, req.top);
        let beyond = first
            .functions
            .iter()
            .filter(|r| r.throttles > 0.0 && !matter.contains(&r.name))
            .count();
        if beyond > 0 {
            notes.push(format!(
                "{beyond} more throttled function(s) beyond the {} that matter were not read in detail (reserved and provisioned concurrency unknown): they are attributed as if they had no reservation",
                matter.len()
            ));
        }
        reads.functions_detailed = matter.len();
        let details = detail_queries(&matter, period_s);
        reads.metric_queries += details.len();
        let detail_part = async {
            if details.is_empty() {
                return Ok(Vec::new());
            }
            source.metric_data(&details, window).await
        };
        let (details, reserved) = tokio::join!(detail_part, reservations(source, &obs, &matter));
        let reserved = reserved?;
        // Without the second batch the hunt still stands; what it adds becomes unknown.
        let details_ok = match details {
            Ok(series) => {
                if let Gathered::Ready(m) = &mut obs.metrics {
                    for s in series {
                        m.insert(s.query, s.points);
                    }
                }
                true
            }
            Err(e) if e.is_fatal() => return Err(fatal(e, "reading CloudWatch metrics")),
            Err(e) => {
                notes.push(format!("the detailed metrics of the functions that matter could not be read ({e}): their concurrency, spill-over and provisioned concurrency are unknown"));
                false
            }
        };
        for (f, r) in &reserved {
            match r {
                Reservation::Read(_) => reads.reserved_reads += 1,
                Reservation::Failed(e) => {
                    reads.reserved_reads += 1;
                    notes.push(format!(
                        "reserved concurrency of {f} could not be read: {e}"
                    ));
                }
                Reservation::InferredNone => reads.reserved_inferred += 1,
                Reservation::NotRead => {}
            }
            obs.limits.insert(
                f.clone(),
                FunctionLimits {
                    reserved: r.clone(),
                    provisioned: if details_ok {
                        Provisioned::NotInUse
                    } else {
                        Provisioned::NotRead
                    },
                },
            );
        }
        let want: Vec<String> = matter
            .iter()
            .filter(|f| needs_provisioned_read(&obs, f))
            .cloned()
            .collect();
        reads.provisioned_reads = want.len();
        for chunk in want.chunks(FANOUT) {
            let got = join_all(chunk.iter().map(|f| source.provisioned_concurrency(f))).await;
            for (f, r) in chunk.iter().zip(got) {
                let p = match r {
                    Ok(c) => Provisioned::Read(c),
                    Err(e) if e.is_fatal() => {
                        return Err(fatal(e, "reading provisioned concurrency"))
                    }
                    Err(SourceError::NotFound { .. }) => Provisioned::Read(Vec::new()),
                    Err(e) => {
                        notes.push(format!(
                            "provisioned concurrency of {f} could not be read: {e}"
                        ));
                        Provisioned::Failed(e.to_string())
                    }
                };
                obs.limits.entry(f.clone()).or_default().provisioned = p;
            }
        }
    }

    let analysis = throttle_model::analyze(&obs);
    let results = throttle_model::run_checks(&obs, &analysis);
    if obs.api.is_none() {
        notes.push("the API Gateway checks (stage, usage plan and account-level throttling) run with --api".into());
    }
    let found = results.iter().any(|r| r.status == CheckStatus::Found);
    let inconclusive = analysis.no_data;
    let section = section(&obs, &analysis, &reads, found);
    let mut report = Report {
        schema: SCHEMA,
        command: "throttles".into(),
        target: TargetInfo {
            api_id: obs.api.as_ref().map(|s| s.api.id.clone()),
            api_name: obs.api.as_ref().map(|s| s.api.name.clone()),
            api_kind: obs.api.as_ref().map(|s| s.api.kind.as_str().into()),
            stage: None,
            region,
            start: window.start,
            end: window.end,
        },
        checks: results,
        notes,
        section: Some(section),
    };
    report.sort();
    Ok(ThrottlesOutcome {
        report,
        inconclusive,
        analysis,
    })
}

/// `GetFunctionConcurrency` for the functions that matter, [`FANOUT`] at a time. Once the
/// reservations found add up to the account's reserved total (limit − unreserved), the rest
/// need no call (see [`needs_reservation_read`]).
async fn reservations(
    source: &dyn Source,
    obs: &ThrottleObservations,
    matter: &[String],
) -> anyhow::Result<Vec<(String, Reservation)>> {
    let mut unaccounted = obs
        .account
        .ready()
        .and_then(|a| a.unreserved.map(|u| (a.limit - u).max(0)));
    let mut queue: VecDeque<&String> = matter.iter().collect();
    let mut out = Vec::new();
    while !queue.is_empty() {
        let mut batch = Vec::new();
        while batch.len() < FANOUT {
            let Some(f) = queue.pop_front() else { break };
            if needs_reservation_read(obs, f, unaccounted) {
                batch.push(f);
            } else {
                out.push((f.clone(), Reservation::InferredNone));
            }
        }
        let got = join_all(batch.iter().map(|f| source.reserved_concurrency(f))).await;
        for (f, r) in batch.into_iter().zip(got) {
            let v = match r {
                Ok(v) => {
                    if let (Some(u), Some(x)) = (unaccounted.as_mut(), v) {
                        *u = (*u - x).max(0);
                    }
                    Reservation::Read(v)
                }
                Err(e) if e.is_fatal() => return Err(fatal(e, "reading reserved concurrency")),
                // Deleted since it was listed: nothing reserved any more.
                Err(SourceError::NotFound { .. }) => Reservation::Read(None),
                Err(e) => Reservation::Failed(e.to_string()),
            };
            out.push((f.clone(), v));
        }
    }
    Ok(out)
}

fn unknown_function(wanted: &str, all: &[String]) -> String {
    let mut scored: Vec<(usize, &String)> = all
        .iter()
        .map(|f| {
            (
                super::distance(&f.to_lowercase(), &wanted.to_lowercase()),
                f,
            )
        })
        .collect();
    scored.sort();
    let near: Vec<String> = scored
        .iter()
        .take(5)
        .map(|(_, f)| crate::sanitize::clean(f))
        .collect();
    if near.is_empty() {
        format!("no Lambda function {wanted:?} in this region: the region has no functions (wrong --region or --profile?)")
    } else {
        format!(
            "no Lambda function {wanted:?} in this region ({} functions). Nearest: {}",
            all.len(),
            near.join(", ")
        )
    }
}

fn or_dash(v: Option<impl std::fmt::Display>) -> String {
    v.map_or_else(|| "-".to_string(), |x| x.to_string())
}

fn verdict(obs: &ThrottleObservations, a: &ThrottleAnalysis) -> String {
    let peak = a.peak.as_ref();
    let peak_txt = peak.map_or_else(
        || "no account concurrency datapoint".to_string(),
        |p| {
            format!(
                "account concurrency peaked at {}{} at {}",
                fmt_value(p.concurrent_executions),
                p.limit.map(|l| format!(" of {l}")).unwrap_or_default(),
                p.at.format("%H:%M UTC")
            )
        },
    );
    let culprit = a.culprit.clone().unwrap_or_else(|| "-".into());
    let row = a
        .functions
        .iter()
        .find(|r| Some(&r.name) == a.culprit.as_ref());
    let why = row.map(|r| r.why.clone()).unwrap_or_default();
    let throttled: f64 = a.by_cause.first().map_or(0.0, |(_, n)| *n);
    let stage_why = a
        .apigw
        .as_ref()
        .and_then(|x| x.stages.iter().find(|s| s.cause == a.cause))
        .map(|s| s.why.clone())
        .unwrap_or_default();
    match a.cause {
        Cause::None if a.no_data => "Verdict: no data. No AWS/Lambda datapoint in the window: wrong region, window or account, or no function ran.".into(),
        Cause::None => {
            let mut s = format!("Verdict: none. No throttling in the window; {peak_txt}.");
            if a.other_throttles > 0.0 {
                let _ = write!(
                    s,
                    " Other functions than those asked about had {} throttles: run without --function/--api to see them.",
                    fmt_value(a.other_throttles)
                );
            }
            s
        }
        Cause::AccountConcurrency => {
            let share = match (a.ranking.first(), peak) {
                (Some((_, e)), Some(p)) if p.concurrent_executions > 0.0 => format!(
                    " (est. {} concurrent, {:.0}% of the peak)",
                    fmt_value(*e),
                    100.0 * e / p.concurrent_executions
                ),
                _ => String::new(),
            };
            let whose = match (&obs.api, obs.focus.is_empty()) {
                (Some(_), _) => "the API's functions",
                (None, false) => "the functions asked about",
                (None, true) => "functions without a reservation",
            };
            format!(
                "Verdict: account-concurrency. The region's concurrency pool was full ({peak_txt}) and {} invocations of {whose} were throttled. Culprit: {culprit}, the biggest consumer in the six minutes up to the peak{share}.",
                fmt_value(throttled)
            )
        }
        Cause::ReservedConcurrency => format!(
            "Verdict: reserved-concurrency. {culprit} was throttled by its own reservation: {why}."
        ),
        Cause::ProvisionedSpillover => format!(
            "Verdict: provisioned-spillover. {culprit} outgrew its provisioned concurrency: {why}."
        ),
        Cause::ScalingRate => format!(
            "Verdict: scaling-rate. {culprit} was throttled although {why}: Lambda's scaling rate (or a spike shorter than a minute)."
        ),
        Cause::Unknown => format!(
            "Verdict: unknown. {} invocations were throttled ({culprit} most), but which limit cannot be told: {why}.",
            fmt_value(throttled)
        ),
        Cause::ApigwStageLimit => format!(
            "Verdict: apigw-stage-limit. API Gateway refused {} requests (4XX) because {stage_why}; no Lambda throttle explains them.",
            fmt_value(throttled)
        ),
        Cause::ApigwUsagePlan => format!(
            "Verdict: apigw-usage-plan. API Gateway answered {} requests 4XX with no Lambda throttle: {stage_why}.",
            fmt_value(throttled)
        ),
        Cause::ApigwAccountLimit => format!(
            "Verdict: apigw-account-limit. API Gateway refused {} requests (4XX) because {stage_why} (busiest: {culprit}).",
            fmt_value(throttled)
        ),
    }
}

fn next_step(obs: &ThrottleObservations, a: &ThrottleAnalysis) -> Option<String> {
    let c = a.culprit.as_deref().unwrap_or("the function");
    Some(match a.cause {
        Cause::None | Cause::Unknown => return None,
        Cause::AccountConcurrency => format!("Next: cap {c} with reserved concurrency, reserve concurrency for the functions that must not fail, request a higher quota, and add the alarm below."),
        Cause::ReservedConcurrency => format!("Next: raise or remove {c}'s reservation (see lambda-reserved-concurrency below)."),
        Cause::ProvisionedSpillover => format!("Next: raise {c}'s provisioned concurrency or auto-scale it."),
        Cause::ScalingRate => "Next: retry with backoff, buffer bursts (SQS), or provision concurrency ahead of known bursts.".into(),
        Cause::ApigwStageLimit => format!("Next: raise {c}'s throttling limit if the backend can take it; otherwise clients must back off on 429."),
        Cause::ApigwUsagePlan => format!("Next: find the API key that hit {c} in the access log, then raise its limits or move it to a bigger plan."),
        Cause::ApigwAccountLimit => format!(
            "Next: request a higher API Gateway throttle quota for {} and limit {c} at its stage.",
            obs.region
        ),
    })
}

fn section(
    obs: &ThrottleObservations,
    a: &ThrottleAnalysis,
    reads: &Reads,
    found: bool,
) -> Section {
    let mut text = String::new();
    let mut md = String::new();
    let mut v = verdict(obs, a);
    if a.cause == Cause::None && found {
        v.push_str(" Other checks found problems: see below.");
    }
    let _ = writeln!(text, "{v}");
    let _ = writeln!(md, "**{v}**\n");
    if let Some(n) = next_step(obs, a) {
        let _ = writeln!(text, "{n}");
        let _ = writeln!(md, "{n}\n");
    }

    // The ranking: the top of it, then the other functions that matter.
    if !a.functions.is_empty() {
        let active = a.ranking.len();
        let title = match a.ranking_window {
            Some((from, to)) => format!(
                "Concurrency ranking, {} → {} UTC (est. = invocations/s × average duration; {active} active of {} functions)",
                from.format("%H:%M"),
                to.format("%H:%M"),
                obs.functions.len()
            ),
            None => format!("Functions ({} in the region)", obs.functions.len()),
        };
        let _ = writeln!(text, "\n{title}");
        let _ = writeln!(
            text,
            "  {:>3}  {:<28} {:>8} {:>9} {:>10} {:>8} {:>11}  cause",
            "#", "function", "est.", "max conc.", "throttles", "reserved", "provisioned"
        );
        let _ = writeln!(md, "\n{title}\n\n| # | function | est. | max conc. | throttles | reserved | provisioned | cause |\n|---:|---|---:|---:|---:|---:|---:|---|");
        for r in a.functions.iter().take(obs.settings.top.max(1) + 20) {
            let reserved = match (r.reserved, r.config) {
                (Some(x), _) => x.to_string(),
                (None, "not-read") => "?".into(),
                (None, "error") => "!".into(),
                _ => "-".into(),
            };
            let cols = [
                or_dash(r.rank),
                r.name.clone(),
                fmt_value(r.est_concurrency),
                r.max_concurrency.map_or("-".into(), fmt_value),
                fmt_value(r.throttles),
                reserved,
                or_dash(r.provisioned),
                r.cause.map_or(String::new(), |c| c.as_str().to_string()),
            ];
            let _ = writeln!(
                text,
                "  {:>3}  {:<28} {:>8} {:>9} {:>10} {:>8} {:>11}  {}",
                cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]
            );
            let _ = writeln!(
                md,
                "| {} |",
                cols.map(|c| c.replace('|', "\\|")).join(" | ")
            );
        }
        let _ = writeln!(
            text,
            "  reserved: - none, ? not read, ! could not be read. GetFunctionConcurrency for {} function(s); {} need none (the account's reserved total is accounted for)",
            reads.reserved_reads, reads.reserved_inferred
        );
    }

    let account = obs.account.ready();
    let mut acct_line = match account {
        Some(x) => format!(
            "Account: concurrency limit {}, unreserved {}",
            x.limit,
            or_dash(x.unreserved)
        ),
        None => "Account: concurrency limit unknown".to_string(),
    };
    if let Some(p) = &a.peak {
        let _ = write!(
            acct_line,
            "; peak {} at {} ({})",
            fmt_value(p.concurrent_executions),
            p.at.format("%H:%M UTC"),
            if p.source == "account" {
                "account-wide ConcurrentExecutions Maximum"
            } else {
                "estimated: no account-wide datapoint"
            }
        );
    }
    let _ = writeln!(text, "\n{acct_line}");
    let _ = writeln!(md, "\n{acct_line}");
    let alarm = account.map(|x| alarm_command(&obs.region, x.limit));
    // The alarm belongs to the shared pool's causes (the JSON always carries it).
    let pool = a
        .by_cause
        .iter()
        .any(|(c, _)| matches!(c, Cause::AccountConcurrency | Cause::ScalingRate));
    if let (Some(cmd), true) = (&alarm, pool) {
        let _ = writeln!(
            text,
            "Alarm on account concurrency (80% of the limit, 2 of 5 one-minute datapoints):\n  {cmd}"
        );
        let _ = writeln!(
            md,
            "\nAlarm on account concurrency (80% of the limit, 2 of 5 one-minute datapoints):\n\n```sh\n{cmd}\n```"
        );
    }

    if let Some(api) = &a.apigw {
        let _ = writeln!(text);
        let _ = writeln!(md);
        for st in &api.stages {
            let mut line = format!(
                "API Gateway stage {}: peak {} requests/s{}",
                st.stage,
                st.peak_rps.map_or("-".into(), fmt_value),
                st.peak_at
                    .map(|t| format!(" at {}", t.format("%H:%M UTC")))
                    .unwrap_or_default()
            );
            if st.throttled_minutes.is_empty() {
                line.push_str(", no 4XX rise");
            } else {
                let _ = write!(
                    line,
                    ", 4XX rose in {} minute(s) ({} requests)",
                    st.throttled_minutes.len(),
                    fmt_value(st.throttled_requests)
                );
            }
            match st.stage_limit.and_then(|l| l.rate_limit) {
                Some(r) => {
                    let _ = write!(line, "; stage limit {} requests/s", fmt_value(r));
                }
                None => line.push_str("; no stage limit"),
            }
            for ml in &st.method_limits {
                let _ = write!(
                    line,
                    "; {} limit {} requests/s",
                    ml.route,
                    fmt_value(ml.limit.rate_limit.unwrap_or_default())
                );
            }
            if !st.usage_plans.is_empty() {
                let _ = write!(line, "; usage plans: {}", st.usage_plans.join(", "));
            }
            let _ = writeln!(text, "{line}");
            let _ = writeln!(md, "- {line}");
            if !st.why.is_empty() && st.cause == Cause::None {
                let _ = writeln!(text, "  {}", st.why);
                let _ = writeln!(md, "  - {}", st.why);
            }
        }
        if let Some(rps) = api.region_peak_rps {
            let line = format!(
                "Region API traffic: peak {} requests/s{} (account-level limit {} requests/s)",
                fmt_value(rps),
                api.region_peak_at
                    .map(|t| format!(" at {}", t.format("%H:%M UTC")))
                    .unwrap_or_default(),
                fmt_value(api.account_rps_limit)
            );
            let _ = writeln!(text, "{line}");
            let _ = writeln!(md, "- {line}");
        }
    }

    let json = json!({
        "cause": a.cause.as_str(),
        "culprit": a.culprit,
        "peak": a.peak,
        "functions": a.functions,
        "ranking_window": a.ranking_window.map(|(s, e)| json!({"start": s, "end": e})),
        "by_cause": a.by_cause.iter().map(|(c, n)| json!({"cause": c.as_str(), "throttled": n})).collect::<Vec<_>>(),
        "other_throttles": a.other_throttles,
        "account": account.map(|x| json!({"limit": x.limit, "unreserved": x.unreserved})),
        "alarm_command": alarm,
        "apigw": a.apigw,
        "focus": obs.focus,
        "period_s": obs.period_s,
        "reads": reads,
    });
    Section {
        name: "throttling".into(),
        json,
        text,
        markdown: md,
    }
}
