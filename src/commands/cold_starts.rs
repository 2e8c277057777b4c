//! `gwdoctor cold-starts --function NAME | --api ID | --log-file PATH`: per function,
//! invocations, cold starts (count and share), Init/Restore Duration percentiles, Duration,
//! memory; the minutes where cold starts or Init Duration jump above the function's own
//! baseline, with the REPORT lines; with `--api`, whether those minutes are the API's
//! IntegrationLatency peaks. Also flags memory at the limit, init failures, runtime version
//! changes and `Task timed out` lines on the way.
//!
//! Calls (live): with `--api`, `GetRestApis` + `GetApis`, then `GetStages` and `GetResources`
//! concurrently; one `GetFunctionConfiguration` per function; then either one
//! `FilterLogEvents` chain per log group (paced to 5 calls a second) or three Logs Insights
//! queries per 50 log groups; with `--api`, one `GetMetricData` call.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use serde_json::{json, Value};

use super::latency::WindowSpec;
use crate::checks::cold_start_model::{self, ColdStartAnalysis, FunctionColdStarts};
use crate::checks::declarative::{DeclarativeCheck, Kind};
use crate::checks::lambda_cold_start_spike;
use crate::checks::{self, ApiContext, Check, Gathered, MetricSet, Observations, Settings};
use crate::finding::{CheckStatus, Report, Section, TargetInfo, SCHEMA};
use crate::logs::fetch::{self, Engine, Target};
use crate::logs::file::{self, FileOptions};
use crate::logs::{LogDigest, LogMatcher};
use crate::metrics::{self, APIGW};
use crate::model::{FunctionConfig, Window};
use crate::output::text::fmt_value;
use crate::progress::{Progress, Spinner};
use crate::sanitize::clean;
use crate::source::{Source, SourceError};

/// What the `cold-starts` subcommand was asked.
#[derive(Debug, Clone, Default)]
pub struct ColdStartsRequest {
    pub functions: Vec<String>,
    pub api: Option<String>,
    pub stage: Option<String>,
    pub log_files: Vec<PathBuf>,
    /// `None`: chosen from the window and the number of log groups.
    pub engine: Option<Engine>,
    pub window: WindowSpec,
    pub extra_checks: Vec<DeclarativeCheck>,
    /// Threads for large log files.
    pub threads: usize,
    /// Draw a spinner on stderr (stderr is a terminal).
    pub spinner: bool,
}

/// The result: the report, and whether gwdoctor could not tell (exit 2).
pub struct ColdStartsOutcome {
    pub report: Report,
    pub inconclusive: bool,
    /// The typed analysis behind the report's `cold_starts` section (the dashboard charts it).
    pub analysis: ColdStartAnalysis,
}

fn fatal(e: SourceError, doing: &str) -> anyhow::Error {
    anyhow::anyhow!("{e}").context(format!("while {doing}"))
}

/// The checks this command runs, and the log-match ones compiled for streaming.
fn selected(extra: &[DeclarativeCheck]) -> (Vec<Box<dyn Check>>, Vec<LogMatcher>) {
    let all: Vec<Box<dyn Check>> = checks::registry(extra.to_vec())
        .into_iter()
        .filter(|c| c.info().commands.iter().any(|x| x == "cold-starts"))
        .collect();
    let mut matchers = Vec::new();
    for d in checks::declarative::builtin().iter().chain(extra.iter()) {
        if !d.commands.iter().any(|x| x == "cold-starts") {
            continue;
        }
        if let Kind::LogMatch(lm) = &d.kind {
            if lm.source == "lambda" {
                matchers.extend(LogMatcher::new(&d.id, lm));
            }
        }
    }
    (all, matchers)
}

fn validate_name(name: &str) -> anyhow::Result<()> {
    if name.trim().is_empty() || name.len() > 170 || name.chars().any(char::is_control) {
        bail!(
            "--function {:?} is not a Lambda function name (letters, digits, - and _, or an ARN)",
            clean(name)
        );
    }
    Ok(())
}

/// Runs the command. `source` is needed unless only log files are read.
pub async fn run(
    source: Option<&dyn Source>,
    req: &ColdStartsRequest,
) -> anyhow::Result<ColdStartsOutcome> {
    for f in &req.functions {
        validate_name(f)?;
    }
    if req.functions.is_empty() && req.api.is_none() && req.log_files.is_empty() {
        bail!("say which functions: --function NAME (repeatable), --api ID, or --log-file PATH");
    }
    let (checks, matchers) = selected(&req.extra_checks);
    let progress = Arc::new(Progress::default());
    let mut notes: Vec<String> = Vec::new();
    let mut configs: BTreeMap<String, FunctionConfig> = BTreeMap::new();

    // Window, API context and logs.
    let (window, period_s, now, region, api_ctx, digest, engine) = if req.log_files.is_empty() {
        let Some(source) = source else {
            bail!("no data source: pass --function/--api (AWS) or --log-file");
        };
        let now = source.now();
        let window = crate::window::resolve(
            now,
            req.window.since.as_deref(),
            req.window.start.as_deref(),
            req.window.end.as_deref(),
        )
        .map_err(anyhow::Error::msg)?;
        let period_s = crate::window::period_for(&window, now);
        let (api_ctx, from_api) = match &req.api {
            Some(a) => {
                let (ctx, fns) = api_context(source, a, req.stage.as_deref()).await?;
                (Some(ctx), fns)
            }
            None => (None, Vec::new()),
        };
        let mut names: Vec<String> = req.functions.clone();
        for f in &from_api {
            if !names.contains(f) {
                names.push(f.clone());
            }
        }
        if names.is_empty() {
            bail!(
                "API {} has no Lambda integration gwdoctor can resolve (stage variables it cannot substitute, or non-Lambda backends): pass --function NAME",
                req.api.as_deref().unwrap_or("")
            );
        }
        let mut targets = Vec::new();
        let mut missing_api_fns = Vec::new();
        let results =
            futures::future::join_all(names.iter().map(|n| source.function_config(n))).await;
        for (name, r) in names.iter().zip(results) {
            match r {
                Ok(c) => {
                    targets.push(Target {
                        function: name.clone(),
                        group: c.log_group.clone(),
                        json: c.is_json(),
                    });
                    configs.insert(name.clone(), c);
                }
                Err(e) if e.is_fatal() => {
                    return Err(fatal(e, &format!("reading the configuration of {name}")))
                }
                Err(SourceError::NotFound { .. }) if req.functions.contains(name) => bail!(
                    "no Lambda function {:?} in {} (lambda:GetFunctionConfiguration: not found): check the name and --region",
                    clean(name),
                    source.region()
                ),
                Err(SourceError::NotFound { .. }) => {
                    notes.push(format!("the API integrates with Lambda function {name}, which does not exist (deleted?)"));
                    missing_api_fns.push(name.clone());
                }
                Err(e) => {
                    let group = FunctionConfig::default_log_group(name);
                    notes.push(format!(
                        "the configuration of {name} could not be read ({e}); assuming log group {group} and the text log format"
                    ));
                    targets.push(Target {
                        function: name.clone(),
                        group,
                        json: false,
                    });
                }
            }
        }
        let groups: std::collections::BTreeSet<&str> =
            targets.iter().map(|t| t.group.as_str()).collect();
        let engine = req
            .engine
            .unwrap_or_else(|| Engine::auto(&window, groups.len()));
        if matchers
            .iter()
            .any(|m| !fetch::COVERED_MATCHERS.contains(&m.check_id.as_str()))
            && engine == Engine::Filter
        {
            notes.push("a --checks-dir log-match check needs every line: FilterLogEvents runs without a filter pattern".into());
        }
        let spinner = Spinner::start(progress.clone(), req.spinner);
        let mut digest = fetch::read(source, &targets, window, engine, &matchers, &progress).await;
        spinner.stop();
        for name in missing_api_fns {
            digest.function_mut(&name).unavailable = Some("the function does not exist".into());
        }
        (
            window,
            period_s,
            now,
            source.region(),
            api_ctx,
            digest,
            engine.as_str().to_string(),
        )
    } else {
        if req.window.since.is_some() {
            bail!("--since counts back from now, which means nothing for a log file: use --start/--end, or nothing to read the whole file");
        }
        let explicit = if req.window.start.is_some() || req.window.end.is_some() {
            Some(
                crate::window::resolve(
                    chrono::Utc::now(),
                    None,
                    req.window.start.as_deref(),
                    req.window.end.as_deref(),
                )
                .map_err(anyhow::Error::msg)?,
            )
        } else {
            None
        };
        let opts = FileOptions {
            function: (req.functions.len() == 1).then(|| req.functions[0].clone()),
            window: explicit.map(|w| (w.start.timestamp_millis(), w.end.timestamp_millis())),
            threads: req.threads.max(1),
        };
        let paths = req.log_files.clone();
        let spinner = Spinner::start(progress.clone(), req.spinner);
        progress.set_label("reading log files");
        let (m, p) = (matchers.clone(), progress.clone());
        let digest = tokio::task::spawn_blocking(move || file::read_files(&paths, &opts, &m, &p))
            .await
            .context("the log reader stopped")?;
        spinner.stop();
        let mut digest = digest?;
        if req.functions.len() > 1 {
            digest.functions.retain(|f| req.functions.contains(&f.name));
            for name in &req.functions {
                if digest.function(name).is_none() {
                    digest.function_mut(name).unavailable = Some(
                        "no events of this function in the files (events name their function through logGroupName; with one --function every event is that function's)".into(),
                    );
                }
            }
        }
        let window = explicit.unwrap_or_else(|| data_window(&digest));
        // The API's metrics still come from AWS (or a recording) when --api is given.
        let api_ctx = match (&req.api, source) {
            (Some(a), Some(s)) => Some(api_context(s, a, req.stage.as_deref()).await?.0),
            _ => None,
        };
        let region = source.map_or_else(|| "local files".to_string(), |s| s.region());
        (
            window,
            60,
            window.end,
            region,
            api_ctx,
            digest,
            "file".to_string(),
        )
    };

    // IntegrationLatency per minute, one GetMetricData batch.
    let metrics = match (&api_ctx, source) {
        (Some(ctx), Some(s)) => {
            let queries: Vec<_> = ctx
                .stages
                .iter()
                .map(|st| {
                    metrics::query(
                        APIGW,
                        "IntegrationLatency",
                        &metrics::stage_dims(&ctx.api, &st.name),
                        "p99",
                        period_s,
                    )
                })
                .collect();
            match s.metric_data(&queries, window).await {
                Ok(series) => {
                    let mut m = MetricSet::default();
                    for x in series {
                        m.insert(x.query, x.points);
                    }
                    Gathered::Ready(m)
                }
                Err(e) if e.is_fatal() => return Err(fatal(e, "reading CloudWatch metrics")),
                Err(e) => {
                    notes.push(format!(
                        "IntegrationLatency could not be read, so spikes are not correlated with the API: {e}"
                    ));
                    Gathered::Unavailable(e.to_string())
                }
            }
        }
        _ => Gathered::Unavailable("no --api: nothing to correlate with".into()),
    };

    // Whether anything usable was read.
    let unavailable: Vec<String> = digest
        .functions
        .iter()
        .filter_map(|f| f.unavailable.as_ref().map(|r| format!("{}: {r}", f.name)))
        .collect();
    let readable = digest.functions.iter().filter(|f| f.unavailable.is_none());
    let mut inconclusive = false;
    let mut quiet: Vec<String> = Vec::new();
    for f in readable {
        let anything = f.total_invocations()
            + f.init_starts
            + f.init_failures.count
            + f.memory_at_limit.count
            + f.matches.values().map(|m| m.count).sum::<u64>();
        if anything == 0 {
            quiet.push(f.name.clone());
        }
    }
    for u in &unavailable {
        notes.push(format!("logs could not be read for {u}"));
    }
    let all_unavailable =
        !digest.functions.is_empty() && unavailable.len() == digest.functions.len();
    if !unavailable.is_empty() {
        inconclusive = true;
    }
    let total_platform: usize = digest.functions.len() - unavailable.len() - quiet.len();
    if !quiet.is_empty() {
        notes.push(format!(
            "no Lambda platform lines (REPORT, INIT_START…) {} for {}: no invocations, or the logs are elsewhere",
            if engine == "file" {
                "in the files".to_string()
            } else {
                format!(
                    "between {} and {}",
                    window.start.format("%Y-%m-%d %H:%M"),
                    window.end.format("%H:%M UTC")
                )
            },
            quiet.join(", ")
        ));
        if total_platform == 0 {
            inconclusive = true;
        }
    }
    if digest.functions.is_empty() {
        inconclusive = true;
        notes.push("the files hold no Lambda log events".into());
    }
    let untimed: u64 = digest.functions.iter().map(|f| f.untimed_reports).sum();
    if untimed > 0 {
        notes.push(format!(
            "{untimed} REPORT line(s) had no timestamp: they count in the totals but not in the per-minute series (export with `aws logs tail` or as JSON to keep the times)"
        ));
    }
    if digest.outside_window > 0 {
        notes.push(format!(
            "{} event(s) outside the window were skipped",
            digest.outside_window
        ));
    }
    if let Some(f) = digest
        .functions
        .iter()
        .find(|f| f.insights.as_ref().is_some_and(|i| i.truncated))
    {
        notes.push(format!(
            "Logs Insights returned its {} row limit for {}: later cold starts were not read; narrow the window or use --engine filter",
            crate::logs::insights::ROW_LIMIT,
            f.name
        ));
    }
    let calls = progress.calls();
    let retries = progress.retries();
    if retries > 0 {
        notes.push(format!(
            "CloudWatch Logs throttled {retries} call(s); gwdoctor backed off and continued"
        ));
    }

    let logs = if all_unavailable {
        Gathered::Unavailable(unavailable.join("; "))
    } else {
        Gathered::Ready(digest.clone())
    };
    let obs = Observations {
        now,
        window,
        period_s,
        api: api_ctx.clone(),
        metrics,
        logs,
        settings: Settings::default(),
    };
    let check_refs: Vec<&dyn Check> = checks.iter().map(|c| c.as_ref()).collect();
    let results = crate::engine::run_checks(&check_refs, &obs);
    let analysis = cold_start_model::analyze(&obs);
    if analysis
        .functions
        .iter()
        .any(|f| f.unavailable.is_none() && f.baseline.is_none() && f.invocations > 0)
    {
        notes.push(format!(
            "spikes need at least {} timed minutes in the window; the per-minute analysis was skipped where the window was shorter",
            cold_start_model::MIN_MINUTES
        ));
    }
    let found = results
        .iter()
        .filter(|r| r.status == CheckStatus::Found)
        .count();
    let section = section(&obs, &analysis, &digest, &configs, &engine, calls, found);
    let mut report = Report {
        schema: SCHEMA,
        command: "cold-starts".into(),
        target: TargetInfo {
            api_id: api_ctx.as_ref().map(|c| c.api.id.clone()),
            api_name: api_ctx.as_ref().map(|c| c.api.name.clone()),
            api_kind: api_ctx.as_ref().map(|c| c.api.kind.as_str().to_string()),
            stage: req.stage.clone(),
            region,
            start: window.start,
            end: window.end,
        },
        checks: results,
        notes,
        section: Some(section),
    };
    report.sort();
    Ok(ColdStartsOutcome {
        report,
        inconclusive,
        analysis,
    })
}

/// The API, its stages (or the one asked for) and the functions behind its routes.
async fn api_context(
    source: &dyn Source,
    wanted: &str,
    stage: Option<&str>,
) -> anyhow::Result<(ApiContext, Vec<String>)> {
    let apis = source
        .list_apis()
        .await
        .map_err(|e| fatal(e, "listing the region's APIs"))?;
    let api = super::find_api(&apis, wanted)?;
    let (stages, routes) = tokio::join!(source.stages(&api), source.routes(&api));
    let stages = stages.map_err(|e| fatal(e, &format!("reading the stages of {}", api.id)))?;
    let routes = routes.map_err(|e| {
        fatal(
            e,
            &format!(
                "reading the integrations of {} (to find its functions)",
                api.id
            ),
        )
    })?;
    let stages = match stage {
        Some(s) => match stages.iter().find(|x| x.name == s) {
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
    let functions = super::functions_behind(&routes, &stages);
    let names = functions.iter().map(|f| f.name.clone()).collect();
    Ok((
        ApiContext {
            api,
            stages,
            routes: Gathered::Ready(routes),
            authorizers: Gathered::Unavailable("not read by cold-starts".into()),
            functions,
        },
        names,
    ))
}

/// The minutes the files cover (whole minutes), or one minute at the epoch without times.
fn data_window(d: &LogDigest) -> Window {
    let floor = |ms: i64| ms.div_euclid(60_000) * 60_000;
    let to = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    match (d.first_at, d.last_at) {
        (Some(a), Some(b)) => Window {
            start: to(floor(a)),
            end: to(floor(b) + 60_000),
        },
        _ => Window {
            start: to(0),
            end: to(60_000),
        },
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), fmt_value)
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |p| format!("{p:.1}%"))
}

fn section(
    obs: &Observations,
    a: &ColdStartAnalysis,
    digest: &LogDigest,
    configs: &BTreeMap<String, FunctionConfig>,
    engine: &str,
    calls: u64,
    found: usize,
) -> Section {
    let mut text = String::new();
    let mut md = String::new();
    let names: Vec<&str> = a.functions.iter().map(|f| f.name.as_str()).collect();
    let source = match engine {
        "filter" => format!(
            "FilterLogEvents, {calls} AWS call(s) for logs, {} event(s) read",
            digest.lines
        ),
        "insights" => format!(
            "Logs Insights, {calls} AWS call(s) for logs, {} raw row(s) read",
            digest.lines
        ),
        _ => format!(
            "{} lines, {:.1} MB",
            digest.lines,
            digest.bytes as f64 / 1e6
        ),
    };
    let _ = writeln!(
        text,
        "Cold starts of {} ({source})",
        clean(&names.join(", "))
    );
    let _ = writeln!(
        md,
        "Cold starts of {} ({source})\n",
        clean(&names.join(", "))
    );

    // Lines skipped because they could not be read: said up front, since every figure
    // below leaves them out.
    let unparsed: u64 = digest.functions.iter().map(|f| f.unparsed.count).sum();
    if unparsed > 0 {
        let per: Vec<String> = digest
            .functions
            .iter()
            .filter(|f| f.unparsed.count > 0)
            .map(|f| format!("{} {}", f.name, f.unparsed.count))
            .collect();
        let first = digest
            .functions
            .iter()
            .find_map(|f| f.unparsed.samples.first())
            .map(|s| {
                // One line of text output, not a 600-byte sample.
                let mut t: String = s.text.chars().take(100).collect();
                if t.len() < s.text.len() {
                    t.push('…');
                }
                t
            })
            .unwrap_or_default();
        let line = format!(
            "{unparsed} malformed platform line(s) skipped ({}), left out of the figures; first: {}",
            per.join(", "),
            first
        );
        let _ = writeln!(text, "  {}", clean(&line));
        let _ = writeln!(md, "- {}", clean(&line).replace('|', "\\|"));
    }

    // Verdict lines.
    for f in &a.functions {
        let line = verdict(f);
        let _ = writeln!(text, "  {}", clean(&line));
        let _ = writeln!(md, "- **{}**", clean(&line).replace('|', "\\|"));
    }
    if found > 0 && a.functions.iter().all(|f| f.spikes.is_empty()) {
        let _ = writeln!(
            text,
            "  No spike, but {found} check(s) found problems: see below."
        );
    }

    // Per-function table.
    let w = a
        .functions
        .iter()
        .map(|f| clean(&f.name).chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        text,
        "\nPer function (ms; Init = the cold starts' Init Duration, Restore = SnapStart p99)\n  {:<w$}  {:>7}  {:>5}  {:>6}  {:>8}  {:>6}  {:>6}  {:>6}  {:>7}  {:>7}  {:>6}  {:>6}  {:>5}",
        "function", "invoc.", "cold", "share", "Init p50", "p90", "p99", "max", "Restore", "Dur p50", "p99", "mem MB", "used"
    );
    let _ = writeln!(md, "\n| function | invocations | cold starts | share | Init p50 | p90 | p99 | max | Restore p99 | Duration p50 | p99 | memory MB | max used MB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for f in &a.functions {
        let mem = f
            .memory_mb
            .map(i64::from)
            .or_else(|| configs.get(&f.name).and_then(|c| c.memory_mb));
        let cols = [
            f.invocations.to_string(),
            f.cold_starts.to_string(),
            pct(f.cold_start_pct),
            opt(f.init_ms.p50),
            opt(f.init_ms.p90),
            opt(f.init_ms.p99),
            opt(f.init_ms.max),
            opt(f.restore_ms.and_then(|r| r.p99)),
            opt(f.duration_ms.p50),
            opt(f.duration_ms.p99),
            mem.map_or("-".into(), |m| m.to_string()),
            f.max_memory_used_mb.map_or("-".into(), |m| m.to_string()),
        ];
        let name = clean(&f.name);
        if f.unavailable.is_some() {
            let _ = writeln!(text, "  {name:<w$}  (logs could not be read)");
            let _ = writeln!(md, "| `{name}` | logs could not be read |||||||||||");
            continue;
        }
        let _ = writeln!(
            text,
            "  {name:<w$}  {:>7}  {:>5}  {:>6}  {:>8}  {:>6}  {:>6}  {:>6}  {:>7}  {:>7}  {:>6}  {:>6}  {:>5}",
            cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8], cols[9], cols[10], cols[11]
        );
        let _ = writeln!(md, "| `{name}` | {} |", cols.join(" | "));
    }

    // Spikes.
    let with_spikes: Vec<&FunctionColdStarts> = a
        .functions
        .iter()
        .filter(|f| !f.spikes.is_empty())
        .collect();
    if !with_spikes.is_empty() {
        let _ = writeln!(
            text,
            "\nSpikes (minutes above the function's own baseline: median + 3.5 robust SD)"
        );
        let _ = writeln!(md, "\n**Spikes** (minutes above the function's own baseline)\n\n| function | UTC | cold starts | invocations | Init max ms | IntegrationLatency p99 ms |\n|---|---|---:|---:|---:|---:|");
        for f in with_spikes {
            let b = f.baseline.as_ref();
            let _ = writeln!(
                text,
                "  {} (baseline {}/min, threshold {}; Init {} ms)",
                clean(&f.name),
                b.map_or("-".into(), |b| fmt_value(b.cold_starts_per_min)),
                b.map_or("-".into(), |b| fmt_value(b.cold_starts_threshold)),
                opt(b.and_then(|b| b.init_ms)),
            );
            let _ = writeln!(
                text,
                "    {:<6} {:>6} {:>7} {:>9} {:>12}",
                "UTC", "cold", "invoc.", "Init max", "Integr. p99"
            );
            for s in f.spikes.iter().take(20) {
                let _ = writeln!(
                    text,
                    "    {:<6} {:>6} {:>7} {:>9} {:>12}",
                    s.at.format("%H:%M"),
                    s.cold_starts,
                    s.invocations,
                    opt(s.init_ms_max),
                    opt(s.integration_latency_ms),
                );
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {} | {} | {} | {} |",
                    clean(&f.name),
                    s.at.format("%H:%M"),
                    s.cold_starts,
                    s.invocations,
                    opt(s.init_ms_max),
                    opt(s.integration_latency_ms)
                );
            }
            if f.spikes.len() > 20 {
                let _ = writeln!(text, "    … {} more minute(s)", f.spikes.len() - 20);
            }
        }
    }

    // Correlation without spikes: the API was slow, cold starts were not the cause.
    for f in &a.functions {
        if let Some(c) = &f.correlation {
            if f.spikes.is_empty() && !c.peak_minutes.is_empty() {
                let line = format!(
                    "{}: IntegrationLatency on stage {} peaked at {} but cold starts stayed at their baseline: the slowness is not cold starts of this function.",
                    f.name,
                    c.stage,
                    c.peak_minutes
                        .iter()
                        .take(5)
                        .map(|t| t.format("%H:%M").to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let _ = writeln!(text, "\n{}", clean(&line));
                let _ = writeln!(md, "\n{}", clean(&line));
            }
        }
    }

    let functions: Vec<Value> = a
        .functions
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                if let Some(c) = configs.get(&f.name) {
                    o.insert(
                        "config".into(),
                        json!({
                            "log_format": c.log_format,
                            "memory_mb": c.memory_mb,
                            "timeout_s": c.timeout_s,
                            "runtime": c.runtime,
                            "snap_start": c.snap_start,
                        }),
                    );
                }
                if let Some(spikes) = o.get_mut("spikes").and_then(Value::as_array_mut) {
                    for (sv, s) in spikes.iter_mut().zip(&f.spikes) {
                        if let Some(so) = sv.as_object_mut() {
                            so.insert(
                                "reports".into(),
                                json!(s.reports.iter().map(|r| clean(&r.text)).collect::<Vec<_>>()),
                            );
                        }
                    }
                }
            }
            v
        })
        .collect();
    let json = json!({
        "engine": engine,
        "period_s": 60,
        "functions": functions,
        "aws_calls": if engine == "file" { Value::Null } else { json!(calls) },
        "lines_read": digest.lines,
        "unparsed": unparsed,
        "bytes_read": if engine == "file" { json!(digest.bytes) } else { Value::Null },
        "api_stage_period_s": obs.period_s,
    });
    Section {
        name: "cold_starts".into(),
        json,
        text,
        markdown: md,
    }
}

/// One line per function: its spike, or why it is quiet.
fn verdict(f: &FunctionColdStarts) -> String {
    if let Some(why) = &f.unavailable {
        return format!("{}: logs could not be read ({why})", f.name);
    }
    if let Some(s) = lambda_cold_start_spike::describe(f) {
        return format!("{s}.");
    }
    if f.invocations == 0 {
        return format!("{}: no invocations in the window.", f.name);
    }
    match &f.baseline {
        Some(b) => format!(
            "{}: no cold-start spike: {} cold start(s) in {} invocations ({}), at most {}/min against a threshold of {}{}.",
            f.name,
            f.cold_starts,
            f.invocations,
            pct(f.cold_start_pct),
            f.minutes.iter().map(|m| m.cold_starts).max().unwrap_or(0),
            fmt_value(b.cold_starts_threshold),
            match (f.init_ms.p99, f.restore_ms.and_then(|r| r.p99)) {
                (Some(i), _) => format!("; Init Duration p99 {} ms", fmt_value(i)),
                (None, Some(r)) => format!("; Restore Duration p99 {} ms", fmt_value(r)),
                _ => String::new(),
            }
        ),
        None => format!(
            "{}: {} cold start(s) in {} invocations ({}); no per-minute baseline (fewer than {} timed minutes).",
            f.name,
            f.cold_starts,
            f.invocations,
            pct(f.cold_start_pct),
            cold_start_model::MIN_MINUTES
        ),
    }
}
