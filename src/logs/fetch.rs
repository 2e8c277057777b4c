//! The live path: reads the functions' log groups through the [`Source`] into a
//! [`LogDigest`], with either strategy:
//!
//! - `filter`: `FilterLogEvents` with a server-side filter pattern, one log group at a time
//!   (several concurrently), following `nextToken` to the end (pages may be empty).
//! - `insights`: Logs Insights, three queries per batch of ≤ 50 log groups, polled until done
//!   and read page by page.
//!
//! Throttling (`ThrottlingException`, FilterLogEvents' 5 TPS, Insights' concurrent-query
//! limit) backs off and retries the same call; it never ends the run. A log group that cannot
//! be read marks its functions unavailable with the reason, and the others go on.

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

/// How long throttling may hold up one call before the function is given up on.
const MAX_THROTTLE_WAIT: Duration = Duration::from_secs(120);
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
