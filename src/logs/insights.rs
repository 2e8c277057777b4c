//! The CloudWatch Logs Insights strategy, as pure functions: the query strings, and how their
//! rows feed a [`LogDigest`]. Three queries per batch of at most 50 log groups:
//!
//! 1. **events**: the rare lines raw (cold-start `REPORT`s, `INIT_*`/`RESTORE_*`, timeouts,
//!    crashes, memory at the limit, and each log-match check's pattern), oldest first, at most
//!    10,000 rows; parsed by the same code as every other source.
//! 2. **minutes**: `REPORT` count per log group and minute (`stats … by @log, bin(1m)`).
//! 3. **stats**: per log group: invocations, Duration p50/p99, Memory Size, Max Memory Used.
//!
//! Text-format groups are matched through the fields Insights discovers for Lambda (`@type`,
//! `@duration`, `@maxMemoryUsed`/`@memorySize` in bytes), JSON-format ones through the JSON
//! fields (`type`, `record.metrics.*`).

use std::collections::HashMap;

use super::digest::{InsightsFigures, LogDigest, LogMatcher};
use super::file::parse_iso;

/// `StartQuery` accepts at most this many log groups.
pub const MAX_GROUPS: usize = 50;
/// Row limit of each query (Insights' default; the API allows up to 10,000 per call).
pub const ROW_LIMIT: u32 = 10_000;

/// The lines read raw: the same ones `FilterLogEvents` asks for.
const RARE: &str = r"Init Duration|Restore Duration|initDurationMs|restoreDurationMs|INIT_START|INIT_REPORT|RESTORE_START|RESTORE_REPORT|platform\.initStart|platform\.initReport|platform\.restoreStart|platform\.restoreReport|Task timed out|Runtime exited|Process exited|OutOfMemory";

/// A regex written for Rust's engine, made acceptable to Insights (`/…/`, no `(?P<`).
fn insights_regex(re: &str) -> String {
    re.replace("(?P<", "(?<").replace('/', "\\/")
}

/// Query 1: the rare lines, raw. `patterns` are the extra log-match checks' regexes.
pub fn events_query(patterns: &[String]) -> String {
    let mut filter = format!(
        "@message like /{RARE}/ or @maxMemoryUsed >= @memorySize or record.metrics.maxMemoryUsedMB >= record.metrics.memorySizeMB"
    );
    for p in patterns {
        filter.push_str(&format!(" or @message like /{}/", insights_regex(p)));
    }
    format!(
        "fields @timestamp, @log, @logStream, @message\n| filter {filter}\n| sort @timestamp asc\n| limit {ROW_LIMIT}"
    )
}

/// Query 2: invocations per log group and minute.
pub fn minutes_query() -> String {
    format!(
        "filter @type = \"REPORT\" or type = \"platform.report\"\n| stats count(*) as invocations by @log, bin(1m) as minute\n| limit {ROW_LIMIT}"
    )
}

/// Query 3: per log group figures.
pub fn stats_query() -> String {
    format!(
        "filter @type = \"REPORT\" or type = \"platform.report\"\n| fields coalesce(@duration, record.metrics.durationMs) as duration_ms, coalesce(@maxMemoryUsed / 1000 / 1000, record.metrics.maxMemoryUsedMB) as used_mb, coalesce(@memorySize / 1000 / 1000, record.metrics.memorySizeMB) as size_mb\n| stats count(*) as invocations, pct(duration_ms, 50) as duration_p50, pct(duration_ms, 99) as duration_p99, max(used_mb) as max_memory_used_mb, max(size_mb) as memory_size_mb by @log\n| limit {ROW_LIMIT}"
    )
}

/// Which function a row belongs to: `@log` is `account:group`; a group shared by several
/// functions is split by log stream (`…/<function>[$LATEST]…`).
pub struct Router {
    by_group: HashMap<String, Vec<String>>,
}

impl Router {
    /// `targets`: (function, log group).
    pub fn new<'a>(targets: impl IntoIterator<Item = (&'a str, &'a str)>) -> Router {
        let mut by_group: HashMap<String, Vec<String>> = HashMap::new();
        for (f, g) in targets {
            let v = by_group.entry(g.to_string()).or_default();
            if !v.iter().any(|x| x == f) {
                v.push(f.to_string());
            }
        }
        Router { by_group }
    }

    /// The functions that log to `group`.
    pub fn functions_of(&self, group: &str) -> Option<&[String]> {
        self.by_group.get(group).map(Vec::as_slice)
    }

    /// The function an event of `group`/`stream` belongs to.
    pub fn route<'r>(&'r self, group: &str, stream: &str) -> Option<&'r str> {
        let group = self.by_group.get(group).or_else(|| {
            group
                .split_once(':')
                .and_then(|(_, g)| self.by_group.get(g))
        })?;
        match group.as_slice() {
            [one] => Some(one),
            many => many
                .iter()
                .find(|f| stream.contains(&format!("/{f}[")) || stream.contains(&format!("{f}[")))
                .map(String::as_str),
        }
    }
}

fn field<'r>(row: &'r [(String, String)], name: &str) -> Option<&'r str> {
    row.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn number(row: &[(String, String)], name: &str) -> Option<f64> {
    field(row, name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// Feeds the rows of the events query. Returns rows that could not be attributed.
pub fn apply_events(
    rows: &[Vec<(String, String)>],
    router: &Router,
    digest: &mut LogDigest,
    matchers: &[LogMatcher],
) -> u64 {
    let mut unrouted = 0;
    for row in rows {
        let (Some(group), Some(message)) = (field(row, "@log"), field(row, "@message")) else {
            unrouted += 1;
            continue;
        };
        let stream = field(row, "@logStream").unwrap_or("");
        let at = field(row, "@timestamp").and_then(|t| parse_iso(t.as_bytes()).map(|x| x.0));
        let Some(f) = router.route(group, stream) else {
            unrouted += 1;
            continue;
        };
        if digest.admit(at) {
            digest.lines += 1;
            digest
                .function_mut(f)
                .observe(at, stream, message, matchers);
        }
    }
    unrouted
}

/// Feeds the per-minute invocation counts (call after the events, once the digest is
/// finished, so these counts replace the partial ones the raw lines gave).
pub fn apply_minutes(rows: &[Vec<(String, String)>], router: &Router, digest: &mut LogDigest) {
    for row in rows {
        let Some(group) = field(row, "@log") else {
            continue;
        };
        let Some(f) = router.route(group, "") else {
            continue;
        };
        let minute = field(row, "minute")
            .or_else(|| {
                row.iter()
                    .find(|(k, _)| k.starts_with("bin("))
                    .map(|(_, v)| v.as_str())
            })
            .and_then(|t| parse_iso(t.as_bytes()).map(|x| x.0));
        let (Some(at), Some(n)) = (minute, number(row, "invocations")) else {
            continue;
        };
        if let Some((s, e)) = digest.window {
            if at < s.div_euclid(60_000) * 60_000 || at >= e {
                continue;
            }
        }
        let fd = digest.function_mut(f);
        let agg = fd.minutes.entry(at.div_euclid(60_000)).or_default();
        agg.invocations = agg.invocations.max(n as u64);
    }
}

/// Feeds the per-group figures.
pub fn apply_stats(
    rows: &[Vec<(String, String)>],
    router: &Router,
    digest: &mut LogDigest,
    truncated_events: bool,
) {
    for row in rows {
        let Some(group) = field(row, "@log") else {
            continue;
        };
        let Some(f) = router.route(group, "") else {
            continue;
        };
        let fd = digest.function_mut(f);
        let mb = |n: &str| number(row, n).map(|v| v.round().min(f64::from(u32::MAX)) as u32);
        fd.insights = Some(InsightsFigures {
            invocations: number(row, "invocations").map_or(0, |v| v as u64),
            duration_p50: number(row, "duration_p50"),
            duration_p99: number(row, "duration_p99"),
            memory_mb: mb("memory_size_mb"),
            max_memory_used_mb: mb("max_memory_used_mb"),
            at_limit: fd.memory_at_limit.count,
            truncated: truncated_events,
        });
        if let Some(m) = fd.insights.as_ref().and_then(|i| i.memory_mb) {
            fd.memory_mb = Some(fd.memory_mb.map_or(m, |x| x.max(m)));
        }
        if let Some(m) = fd.insights.as_ref().and_then(|i| i.max_memory_used_mb) {
            fd.max_memory_used_mb = Some(fd.max_memory_used_mb.map_or(m, |x| x.max(m)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn queries_ask_for_what_the_digest_reads() {
        let q = events_query(&["Task timed out after (?P<secs>[\\d.]+) seconds".into()]);
        assert!(q.starts_with("fields @timestamp, @log, @logStream, @message"));
        assert!(q.contains("Init Duration|Restore Duration"));
        assert!(q.contains("(?<secs>"), "{q}");
        assert!(q.contains("| sort @timestamp asc\n| limit 10000"));
        assert!(minutes_query().contains("by @log, bin(1m)"));
        let s = stats_query();
        assert!(s.contains("pct(duration_ms, 99) as duration_p99"), "{s}");
        assert!(s.contains("record.metrics.durationMs"));
    }

    #[test]
    fn rows_feed_the_digest() {
        let router = Router::new([("orders-fn", "/aws/lambda/orders-fn")]);
        let mut d = LogDigest::new("insights", None);
        let events = vec![
            row(&[
                ("@timestamp", "2026-11-21 09:38:01.000"),
                ("@log", "123456789012:/aws/lambda/orders-fn"),
                ("@logStream", "2026/11/21/[$LATEST]abc"),
                ("@message", "REPORT RequestId: 3f1c2a9e-5b7d-4e1f-9a2b-8c6d4e2f1a0b\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 2203.69 ms\t"),
            ]),
            row(&[("@log", "123456789012:/aws/lambda/other"), ("@message", "REPORT")]),
        ];
        assert_eq!(apply_events(&events, &router, &mut d, &[]), 1);
        d.finish();
        apply_minutes(
            &[row(&[
                ("@log", "123456789012:/aws/lambda/orders-fn"),
                ("bin(1m)", "2026-11-21 09:38:00.000"),
                ("invocations", "212"),
            ])],
            &router,
            &mut d,
        );
        apply_stats(
            &[row(&[
                ("@log", "123456789012:/aws/lambda/orders-fn"),
                ("invocations", "6000"),
                ("duration_p50", "41.2"),
                ("duration_p99", "96.5"),
                ("memory_size_mb", "128"),
                ("max_memory_used_mb", "71"),
            ])],
            &router,
            &mut d,
            false,
        );
        let f = d.function("orders-fn").unwrap();
        assert_eq!(f.cold_starts, 1);
        assert_eq!(f.total_invocations(), 6000);
        let m = f.minutes.values().next().unwrap();
        assert_eq!((m.invocations, m.cold_starts), (212, 1));
        assert_eq!(f.insights.as_ref().unwrap().duration_p99, Some(96.5));
    }

    #[test]
    fn shared_groups_split_by_stream() {
        let r = Router::new([("a", "/shared"), ("b", "/shared")]);
        assert_eq!(r.route("1:/shared", "2026/11/21/b[$LATEST]x"), Some("b"));
        assert_eq!(r.route("/shared", "2026/11/21/[$LATEST]x"), None);
    }
}
