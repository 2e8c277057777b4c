//! The live path: reads the functions' log groups through the [`Source`] into a
//! [`LogDigest`], with either strategy:
//!
//! - `filter`: `FilterLogEvents` with a server-side filter pattern, one log group at a time
//!   (several concurrently), following `nextToken` to the end (pages may be empty).
//! - `insights`: Logs Insights, three queries per batch of ≤ 50 log groups, polled until done
//!   and read page by page.
//!
//! Throttling (`ThrottlingException`, FilterLogEvents' 5 TPS, Insights' concurrent-query
//! limit) backs off and retries the same call, for at most [`MAX_THROTTLE_WAIT`] per call.
//! A log group still throttled after that, or that cannot be read at all, marks its
//! functions unavailable with the reason (the command then exits 2), and the others go on.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, StreamExt};

use super::digest::{LogDigest, LogMatcher};
use super::insights::{self, Router};
use crate::model::{InsightsQuery, LogFilter, Window};
use crate::progress::Progress;
use crate::source::{Source, SourceError};

/// The log-match checks the filter pattern already lets through (the others need every line).
pub const COVERED_MATCHERS: &[&str] = &["lambda-task-timeout"];

/// How long throttling may hold up one call before the function is given up on: waiting
/// longer would hide an account-wide problem behind a hanging command.
pub const MAX_THROTTLE_WAIT: Duration = Duration::from_secs(120);
/// How long an Insights query may run (the service itself stops queries after 60 minutes).
const MAX_QUERY_WAIT: Duration = Duration::from_secs(15 * 60);

/// How the live path reads logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Filter,
    Insights,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Filter => "filter",
            Engine::Insights => "insights",
        }
    }

    /// `filter` for short windows and few functions (cheap, exact, every line seen);
    /// `insights` beyond 3 hours or 5 log groups (FilterLogEvents would need too many pages at
    /// 5 calls a second).
    pub fn auto(window: &Window, groups: usize) -> Engine {
        if window.seconds() <= 3 * 3600 && groups <= 5 {
            Engine::Filter
        } else {
            Engine::Insights
        }
    }
}

/// A function and where it logs.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub function: String,
    pub group: String,
    /// `LogFormat = JSON`.
    pub json: bool,
}

/// The server-side filter pattern: only lines the digest reads. Empty (every line) when a
/// log-match check needs lines the pattern cannot express.
pub fn filter_pattern(json: bool, matchers: &[LogMatcher]) -> String {
    if matchers
        .iter()
        .any(|m| !COVERED_MATCHERS.contains(&m.check_id.as_str()))
    {
        return String::new();
    }
    let terms: &[&str] = if json {
        &[
            "platform.report",
            "platform.initStart",
            "platform.initReport",
            "platform.restoreStart",
            "platform.restoreReport",
        ]
    } else {
        &[
            "REPORT",
            "INIT_START",
            "INIT_REPORT",
            "RESTORE_START",
            "RESTORE_REPORT",
        ]
    };
    let mut out: Vec<String> = terms.iter().map(|t| format!("?\"{t}\"")).collect();
    for t in ["Task timed out", "Runtime exited", "Process exited"] {
        out.push(format!("?\"{t}\""));
    }
    out.join(" ")
}

/// Calls `f` until it is not throttled (or throttling lasted too long), doubling the pause.
pub async fn with_backoff<T, F, Fut>(progress: &Progress, mut f: F) -> Result<T, SourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SourceError>>,
{
    let mut pause = Duration::from_millis(250);
    let mut waited = Duration::ZERO;
    loop {
        progress.add_call();
        match f().await {
            Err(e) if e.is_transient() && waited + pause <= MAX_THROTTLE_WAIT => {
                progress.add_retry();
                tokio::time::sleep(pause).await;
                waited += pause;
                pause = (pause * 2).min(Duration::from_secs(8));
            }
            r => return r,
        }
    }
}

/// Why a log group could not be read, for the operator.
fn unavailable_reason(group: &str, e: &SourceError) -> String {
    match e {
        SourceError::NotFound { .. } => format!(
            "log group {group} does not exist: the function has never run, or it logs elsewhere (LoggingConfig.LogGroup)"
        ),
        SourceError::Throttled { action } => format!(
            "{action} was still throttled after {} s of back-off, so {group} was not read; {}",
            MAX_THROTTLE_WAIT.as_secs(),
            if action.contains("FilterLogEvents") {
                "retry in a minute, or use --engine insights (fewer calls for long windows)"
            } else {
                "other Logs Insights queries in the account may hold its concurrent-query quota; retry when they finish"
            }
        ),
        other => other.to_string(),
    }
}

/// Reads the targets' logs over `window` with `engine`.
pub async fn read(
    source: &dyn Source,
    targets: &[Target],
    window: Window,
    engine: Engine,
    matchers: &[LogMatcher],
    progress: &Arc<Progress>,
) -> LogDigest {
    let w = Some((
        window.start.timestamp_millis(),
        window.end.timestamp_millis(),
    ));
    let mut digest = LogDigest::new(engine.as_str(), w);
    // Every function gets an entry, even without a single event.
    for t in targets {
        digest.function_mut(&t.function).log_group = t.group.clone();
    }
    let router = Router::new(
        targets
            .iter()
            .map(|t| (t.function.as_str(), t.group.as_str())),
    );
    let mut groups: Vec<(String, bool)> = Vec::new();
    for t in targets {
        match groups.iter_mut().find(|(g, _)| *g == t.group) {
            Some((_, json)) => *json |= t.json,
            None => groups.push((t.group.clone(), t.json)),
        }
    }
    match engine {
        Engine::Filter => {
            // The futures are built before the stream (not in a `.map` closure over
            // references) so the whole command stays `Send`: the dashboard runs it in a task.
            let pending: Vec<_> = groups
                .iter()
                .map(|(group, json)| {
                    filter_group(source, group, *json, window, matchers, &router, progress, w)
                })
                .collect();
            let parts: Vec<LogDigest> = stream::iter(pending).buffered(4).collect().await;
            for p in parts {
                digest.merge(p);
            }
        }
        Engine::Insights => {
            let names: Vec<String> = groups.iter().map(|(g, _)| g.clone()).collect();
            for batch in names.chunks(insights::MAX_GROUPS) {
                insights_batch(
                    source,
                    batch,
                    window,
                    matchers,
                    &router,
                    progress,
                    &mut digest,
                )
                .await;
            }
        }
    }
    digest.finish();
    digest
}

#[allow(clippy::too_many_arguments)]
async fn filter_group(
    source: &dyn Source,
    group: &str,
    json: bool,
    window: Window,
    matchers: &[LogMatcher],
    router: &Router,
    progress: &Progress,
    w: Option<(i64, i64)>,
) -> LogDigest {
    let mut digest = LogDigest::new("filter", w);
    let filter = LogFilter {
        group: group.to_string(),
        pattern: filter_pattern(json, matchers),
        window,
    };
    progress.set_label(format!("reading {group}"));
    let mut token: Option<String> = None;
    let mut unrouted = 0u64;
    loop {
        let page = with_backoff(progress, || {
            source.filter_log_events(&filter, token.as_deref())
        })
        .await;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                let reason = unavailable_reason(group, &e);
                for f in router_functions(router, group) {
                    let fd = digest.function_mut(&f);
                    fd.unavailable = Some(reason.clone());
                    fd.log_group = group.to_string();
                }
                return digest;
            }
        };
        progress.add_events(page.events.len() as u64);
        for ev in &page.events {
            digest.lines += 1;
            let at = Some(ev.timestamp.timestamp_millis());
            let Some(f) = router.route(group, &ev.stream) else {
                unrouted += 1;
                continue;
            };
            if digest.admit(at) {
                digest
                    .function_mut(f)
                    .observe(at, &ev.stream, &ev.message, matchers);
            }
        }
        match page.next_token {
            // A token that does not move would loop forever.
            Some(t) if Some(&t) != token.as_ref() => token = Some(t),
            _ => break,
        }
    }
    let _ = unrouted;
    digest
}

fn router_functions(router: &Router, group: &str) -> Vec<String> {
    router
        .functions_of(group)
        .map(|v| v.to_vec())
        .unwrap_or_default()
}

/// Starts a query, waits for it and reads every page of rows.
async fn run_query(
    source: &dyn Source,
    query: &InsightsQuery,
    progress: &Progress,
) -> Result<(Vec<Vec<(String, String)>>, Option<f64>), SourceError> {
    let id = with_backoff(progress, || source.start_query(query)).await?;
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(500);
    let first = loop {
        let r = with_backoff(progress, || source.query_results(&id, None)).await?;
        if r.is_terminal() {
            break r;
        }
        if started.elapsed() > MAX_QUERY_WAIT {
            return Err(SourceError::Network {
                message: format!(
                    "logs:GetQueryResults: query {id} still {} after {} minutes",
                    r.status,
                    MAX_QUERY_WAIT.as_secs() / 60
                ),
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    };
    if first.status != "Complete" {
        return Err(SourceError::Service {
            action: "logs:StartQuery".into(),
            code: first.status.clone(),
            message: format!("the Logs Insights query ended as {}", first.status),
        });
    }
    let matched = first.records_matched;
    let mut rows = first.rows;
    let mut token = first.next_token;
    while let Some(t) = token.take() {
        let page = with_backoff(progress, || source.query_results(&id, Some(&t))).await?;
        rows.extend(page.rows);
        token = page.next_token.filter(|n| *n != t);
    }
    Ok((rows, matched))
}

async fn insights_batch(
    source: &dyn Source,
    groups: &[String],
    window: Window,
    matchers: &[LogMatcher],
    router: &Router,
    progress: &Progress,
    digest: &mut LogDigest,
) {
    progress.set_label(format!("Logs Insights over {} log group(s)", groups.len()));
    let patterns: Vec<String> = matchers
        .iter()
        .filter(|m| !COVERED_MATCHERS.contains(&m.check_id.as_str()))
        .map(|m| m.regex.as_str().to_string())
        .collect();
    let q = |query: String| InsightsQuery {
        groups: groups.to_vec(),
        query,
        window,
        limit: insights::ROW_LIMIT,
    };
    let (events, minutes, stats) = (
        q(insights::events_query(&patterns)),
        q(insights::minutes_query()),
        q(insights::stats_query()),
    );
    let (e, m, s) = tokio::join!(
        run_query(source, &events, progress),
        run_query(source, &minutes, progress),
        run_query(source, &stats, progress)
    );
    let (e, m, s) = match (e, m, s) {
        (Ok(e), Ok(m), Ok(s)) => (e, m, s),
        (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => {
            for g in groups {
                let reason = unavailable_reason(g, &err);
                for f in router_functions(router, g) {
                    digest.function_mut(&f).unavailable = Some(reason.clone());
                }
            }
            return;
        }
    };
    let truncated = e.0.len() >= insights::ROW_LIMIT as usize;
    progress.add_events(e.0.len() as u64);
    insights::apply_events(&e.0, router, digest, matchers);
    digest.finish();
    insights::apply_minutes(&m.0, router, digest);
    insights::apply_stats(&s.0, router, digest, truncated);
    // Functions Insights found nothing for still get figures: zero invocations.
    for g in groups {
        for f in router_functions(router, g) {
            let fd = digest.function_mut(&f);
            if fd.insights.is_none() && fd.unavailable.is_none() {
                fd.insights = Some(super::digest::InsightsFigures {
                    truncated,
                    ..Default::default()
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        ApiSummary, Authorizer, FunctionConfig, LogEvent, LogPage, MetricQuery, QueryResults,
        Route, Series, StageInfo,
    };
    use async_trait::async_trait;
    use chrono::{DateTime, TimeZone, Utc};
    use std::sync::Mutex;

    /// A source whose FilterLogEvents answers a script: empty pages with tokens, throttling,
    /// then events.
    struct Scripted {
        pages: Mutex<Vec<Result<LogPage, SourceError>>>,
        calls: Mutex<Vec<Option<String>>>,
    }

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_795_251_600 + s, 0).unwrap()
    }

    #[async_trait]
    impl Source for Scripted {
        fn region(&self) -> String {
            "us-east-1".into()
        }
        fn now(&self) -> DateTime<Utc> {
            t(3600)
        }
        async fn list_apis(&self) -> Result<Vec<ApiSummary>, SourceError> {
            Ok(vec![])
        }
        async fn stages(&self, _: &ApiSummary) -> Result<Vec<StageInfo>, SourceError> {
            Ok(vec![])
        }
        async fn routes(&self, _: &ApiSummary) -> Result<Vec<Route>, SourceError> {
            Ok(vec![])
        }
        async fn authorizers(&self, _: &ApiSummary) -> Result<Vec<Authorizer>, SourceError> {
            Ok(vec![])
        }
        async fn metric_data(
            &self,
            _: &[MetricQuery],
            _: Window,
        ) -> Result<Vec<Series>, SourceError> {
            Ok(vec![])
        }
        async fn function_config(&self, _: &str) -> Result<FunctionConfig, SourceError> {
            Err(SourceError::NotFound { what: "x".into() })
        }
        async fn filter_log_events(
            &self,
            _: &LogFilter,
            token: Option<&str>,
        ) -> Result<LogPage, SourceError> {
            self.calls.lock().unwrap().push(token.map(str::to_string));
            let mut p = self.pages.lock().unwrap();
            if p.is_empty() {
                Ok(LogPage::default())
            } else {
                p.remove(0)
            }
        }
        async fn start_query(&self, _: &InsightsQuery) -> Result<String, SourceError> {
            Ok("q".into())
        }
        async fn query_results(
            &self,
            _: &str,
            _: Option<&str>,
        ) -> Result<QueryResults, SourceError> {
            Ok(QueryResults::default())
        }
    }

    fn ev(s: i64, msg: &str) -> LogEvent {
        LogEvent {
            timestamp: t(s),
            stream: "2026/11/21/[$LATEST]abc".into(),
            message: msg.into(),
        }
    }

    #[tokio::test]
    async fn empty_pages_and_throttling_do_not_stop_the_read() {
        let report = "REPORT RequestId: 3f1c2a9e-5b7d-4e1f-9a2b-8c6d4e2f1a0b\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 203.69 ms\t";
        let throttled = || {
            Err(SourceError::Throttled {
                action: "logs:FilterLogEvents".into(),
            })
        };
        let src = Scripted {
            pages: Mutex::new(vec![
                Ok(LogPage {
                    events: vec![],
                    next_token: Some("a".into()),
                }),
                throttled(),
                throttled(),
                Ok(LogPage {
                    events: vec![ev(60, report), ev(61, "START RequestId: x Version: 1")],
                    next_token: Some("b".into()),
                }),
                Ok(LogPage {
                    events: vec![],
                    next_token: Some("c".into()),
                }),
                Ok(LogPage {
                    events: vec![ev(120, report)],
                    next_token: None,
                }),
            ]),
            calls: Mutex::new(vec![]),
        };
        let p = Arc::new(Progress::default());
        let targets = [Target {
            function: "fn".into(),
            group: "/aws/lambda/fn".into(),
            json: false,
        }];
        let w = Window {
            start: t(0),
            end: t(3600),
        };
        let d = read(&src, &targets, w, Engine::Filter, &[], &p).await;
        let f = d.function("fn").unwrap();
        assert_eq!(f.unavailable, None);
        assert_eq!((f.invocations, f.cold_starts), (2, 2));
        let calls = src.calls.lock().unwrap().clone();
        // The throttled page was asked again with the same token.
        assert_eq!(
            calls,
            [None, Some("a"), Some("a"), Some("a"), Some("b"), Some("c")]
                .map(|c| c.map(str::to_string))
        );
        assert_eq!(p.retries(), 2);
    }

    #[tokio::test]
    async fn a_missing_log_group_marks_the_function_unavailable() {
        let src = Scripted {
            pages: Mutex::new(vec![Err(SourceError::NotFound {
                what: "log group".into(),
            })]),
            calls: Mutex::new(vec![]),
        };
        let targets = [Target {
            function: "fn".into(),
            group: "/aws/lambda/fn".into(),
            json: false,
        }];
        let w = Window {
            start: t(0),
            end: t(60),
        };
        let d = read(
            &src,
            &targets,
            w,
            Engine::Filter,
            &[],
            &Arc::new(Progress::default()),
        )
        .await;
        let why = d.function("fn").unwrap().unavailable.clone().unwrap();
        assert!(why.contains("does not exist"), "{why}");
    }

    /// Logs Insights as a script: remembers each StartQuery's log groups and answers with one
    /// cold-start REPORT row, one minute row and one stats row per group of the query (the
    /// events query in two pages). The first `throttle_start` StartQuery calls and the first
    /// `throttle_results` GetQueryResults calls are throttled (StartQuery's
    /// LimitExceededException arrives as `Throttled`, as the AWS source maps it);
    /// FilterLogEvents is throttled for ever for the groups in `filter_throttled`.
    #[derive(Default)]
    struct Insights {
        queries: Mutex<Vec<InsightsQuery>>,
        throttle_start: Mutex<u32>,
        throttle_results: Mutex<u32>,
        filter_throttled: Vec<String>,
    }

    fn throttle(left: &Mutex<u32>, action: &str) -> Result<(), SourceError> {
        let mut n = left.lock().unwrap();
        if *n > 0 {
            *n -= 1;
            return Err(SourceError::Throttled {
                action: action.into(),
            });
        }
        Ok(())
    }

    #[async_trait]
    impl Source for Insights {
        fn region(&self) -> String {
            "us-east-1".into()
        }
        fn now(&self) -> DateTime<Utc> {
            t(3600)
        }
        async fn list_apis(&self) -> Result<Vec<ApiSummary>, SourceError> {
            Ok(vec![])
        }
        async fn stages(&self, _: &ApiSummary) -> Result<Vec<StageInfo>, SourceError> {
            Ok(vec![])
        }
        async fn routes(&self, _: &ApiSummary) -> Result<Vec<Route>, SourceError> {
            Ok(vec![])
        }
        async fn authorizers(&self, _: &ApiSummary) -> Result<Vec<Authorizer>, SourceError> {
            Ok(vec![])
        }
        async fn metric_data(
            &self,
            _: &[MetricQuery],
            _: Window,
        ) -> Result<Vec<Series>, SourceError> {
            Ok(vec![])
        }
        async fn function_config(&self, name: &str) -> Result<FunctionConfig, SourceError> {
            Ok(FunctionConfig {
                name: name.into(),
                log_group: FunctionConfig::default_log_group(name),
                log_format: "Text".into(),
                memory_mb: Some(128),
                timeout_s: Some(10),
                runtime: Some("python3.12".into()),
                snap_start: false,
            })
        }
        async fn filter_log_events(
            &self,
            f: &LogFilter,
            _: Option<&str>,
        ) -> Result<LogPage, SourceError> {
            if self.filter_throttled.contains(&f.group) {
                return Err(SourceError::Throttled {
                    action: "logs:FilterLogEvents".into(),
                });
            }
            Ok(LogPage {
                events: vec![ev(60, &cold_report(1))],
                next_token: None,
            })
        }
        async fn start_query(&self, q: &InsightsQuery) -> Result<String, SourceError> {
            throttle(&self.throttle_start, "logs:StartQuery")?;
            let mut qs = self.queries.lock().unwrap();
            qs.push(q.clone());
            Ok(format!("q{}", qs.len() - 1))
        }
        async fn query_results(
            &self,
            id: &str,
            token: Option<&str>,
        ) -> Result<QueryResults, SourceError> {
            throttle(&self.throttle_results, "logs:GetQueryResults")?;
            let i: usize = id[1..].parse().unwrap();
            let q = self.queries.lock().unwrap()[i].clone();
            let log = |g: &str| ("@log".to_string(), format!("123456789012:{g}"));
            let kv = |k: &str, v: String| (k.to_string(), v);
            let rows: Vec<Vec<(String, String)>> = if q.query.contains("@message like") {
                // Events in two pages: the first half of the groups, then the rest.
                let half = q.groups.len().div_ceil(2);
                let part = if token.is_none() {
                    &q.groups[..half]
                } else {
                    &q.groups[half..]
                };
                part.iter()
                    .enumerate()
                    .map(|(k, g)| {
                        vec![
                            kv("@timestamp", "2026-11-21 09:01:00.000".into()),
                            log(g),
                            kv("@logStream", "2026/11/21/[$LATEST]0123456789abcdef".into()),
                            kv("@message", cold_report(k)),
                        ]
                    })
                    .collect()
            } else if q.query.contains("bin(1m)") {
                q.groups
                    .iter()
                    .map(|g| {
                        vec![
                            log(g),
                            kv("bin(1m)", "2026-11-21 09:01:00.000".into()),
                            kv("invocations", "12".into()),
                        ]
                    })
                    .collect()
            } else {
                q.groups
                    .iter()
                    .map(|g| {
                        vec![
                            log(g),
                            kv("invocations", "12".into()),
                            kv("duration_p50", "38.5".into()),
                            kv("duration_p99", "61.25".into()),
                            kv("memory_size_mb", "128".into()),
                            kv("max_memory_used_mb", "70".into()),
                        ]
                    })
                    .collect()
            };
            let paged = q.query.contains("@message like") && token.is_none();
            Ok(QueryResults {
                status: "Complete".into(),
                rows,
                next_token: paged.then(|| "page-2".into()),
                records_matched: None,
            })
        }
    }

    fn cold_report(k: usize) -> String {
        format!("REPORT RequestId: 3f1c2a9e-5b7d-4e1f-9a2b-{k:012}\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 412.50 ms\t")
    }

    fn targets(n: usize) -> Vec<Target> {
        (0..n)
            .map(|i| Target {
                function: format!("fleet-fn-{i:03}"),
                group: format!("/aws/lambda/fleet-fn-{i:03}"),
                json: false,
            })
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn insights_queries_at_most_50_log_groups_each_and_routes_every_row() {
        let src = Insights::default();
        let targets = targets(120);
        let w = Window {
            start: t(0),
            end: t(6 * 3600),
        };
        let d = read(
            &src,
            &targets,
            w,
            Engine::Insights,
            &[],
            &Arc::new(Progress::default()),
        )
        .await;
        let queries = src.queries.lock().unwrap().clone();
        // Three queries (events, minutes, stats) per batch; batches of 50, 50 and 20 groups.
        assert_eq!(queries.len(), 9);
        let sizes: Vec<usize> = queries.iter().map(|q| q.groups.len()).collect();
        assert_eq!(sizes, [50, 50, 50, 50, 50, 50, 20, 20, 20]);
        // Each kind of query covers every log group exactly once.
        for kind in ["@message like", "bin(1m)", "pct(duration_ms, 99)"] {
            let mut seen: Vec<&str> = queries
                .iter()
                .filter(|q| q.query.contains(kind))
                .flat_map(|q| q.groups.iter().map(String::as_str))
                .collect();
            seen.sort_unstable();
            let mut want: Vec<&str> = targets.iter().map(|t| t.group.as_str()).collect();
            want.sort_unstable();
            assert_eq!(seen, want, "{kind}");
        }
        // Every function got its own rows, from both pages of the events query.
        assert_eq!(d.functions.len(), 120);
        for f in &d.functions {
            assert_eq!(f.unavailable, None, "{}", f.name);
            assert_eq!(
                (f.total_invocations(), f.cold_starts),
                (12, 1),
                "{}",
                f.name
            );
            assert_eq!(f.insights.as_ref().unwrap().duration_p99, Some(61.25));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn insights_throttling_backs_off_and_continues() {
        let src = Insights {
            throttle_start: Mutex::new(3),
            throttle_results: Mutex::new(4),
            ..Insights::default()
        };
        let p = Arc::new(Progress::default());
        let w = Window {
            start: t(0),
            end: t(6 * 3600),
        };
        let d = read(&src, &targets(3), w, Engine::Insights, &[], &p).await;
        assert_eq!(p.retries(), 7);
        assert_eq!(src.queries.lock().unwrap().len(), 3);
        for f in &d.functions {
            assert_eq!(f.unavailable, None, "{}", f.name);
            assert_eq!(f.cold_starts, 1, "{}", f.name);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn throttled_for_longer_than_the_bound_is_unavailable_and_exit_2() {
        let src = Insights {
            filter_throttled: vec!["/aws/lambda/fleet-fn-001".into()],
            ..Insights::default()
        };
        let p = Arc::new(Progress::default());
        let w = Window {
            start: t(0),
            end: t(3600),
        };
        let started = tokio::time::Instant::now();
        let d = read(&src, &targets(2), w, Engine::Filter, &[], &p).await;
        // The paused clock shows the bounded back-off: at least 2 minutes, not forever.
        let waited = started.elapsed();
        assert!(
            waited >= MAX_THROTTLE_WAIT - Duration::from_secs(8),
            "{waited:?}"
        );
        assert!(waited <= MAX_THROTTLE_WAIT, "{waited:?}");
        let gone = d.function("fleet-fn-001").unwrap();
        let why = gone.unavailable.as_deref().unwrap();
        assert!(why.contains("still throttled after 120 s"), "{why}");
        // The other function was read.
        let ok = d.function("fleet-fn-000").unwrap();
        assert_eq!((ok.unavailable.as_deref(), ok.cold_starts), (None, 1));

        // The command reports it and exits 2 (inconclusive), with the other function's data.
        let req = crate::commands::cold_starts::ColdStartsRequest {
            functions: vec!["fleet-fn-000".into(), "fleet-fn-001".into()],
            engine: Some(Engine::Filter),
            window: crate::commands::latency::WindowSpec {
                since: Some("1h".into()),
                ..Default::default()
            },
            threads: 1,
            ..Default::default()
        };
        let out = crate::commands::cold_starts::run(Some(&src), &req)
            .await
            .unwrap();
        assert!(out.inconclusive);
        let exit = crate::exit::ExitStatus::of(
            &out.report,
            crate::finding::Severity::Warning,
            out.inconclusive,
        );
        assert_eq!(exit as i32, 2);
        let notes = out.report.notes.join("\n");
        assert!(
            notes.contains("fleet-fn-001: logs:FilterLogEvents was still throttled"),
            "{notes}"
        );
        assert!(notes.contains("backed off and continued"), "{notes}");
    }

    #[test]
    fn patterns_and_engine_choice() {
        assert!(filter_pattern(false, &[]).contains("?\"REPORT\""));
        assert!(filter_pattern(true, &[]).contains("?\"platform.report\""));
        assert!(filter_pattern(false, &[]).contains("?\"Task timed out\""));
        let w = |h: i64| Window {
            start: t(0),
            end: t(h * 3600),
        };
        assert_eq!(Engine::auto(&w(1), 2), Engine::Filter);
        assert_eq!(Engine::auto(&w(6), 2), Engine::Insights);
        assert_eq!(Engine::auto(&w(1), 12), Engine::Insights);
    }
}
