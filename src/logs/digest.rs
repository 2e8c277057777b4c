//! The streaming digest of Lambda log events: everything the cold-start checks need, in memory
//! that does not grow with the number of events (percentile sketches, per-minute counters and a
//! few sample lines per minute and per symptom). Digests of parts of a log merge, so a file can
//! be read by several threads and several pages or queries can feed one function.

use std::collections::BTreeMap;

use crate::checks::declarative::LogMatch;
use crate::logs::quantiles::Quantiles;
use crate::parse::lambda::{self, LambdaLine};

/// Sample lines kept per symptom (memory at limit, init failure, each log-match check).
pub const SAMPLES: usize = 5;
/// REPORT lines kept per minute as spike evidence (the slowest cold starts of the minute).
pub const MINUTE_SAMPLES: usize = 3;
/// Sample text is cut to this many bytes.
const SAMPLE_TEXT: usize = 600;

/// A log line kept as evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Epoch milliseconds, when the event had a time.
    pub at: Option<i64>,
    pub stream: String,
    /// The line with tabs and newlines turned into spaces, cut to a few hundred bytes. Not
    /// sanitized: renderers do that.
    pub text: String,
    /// What the sample is ranked by (Init Duration for spike evidence).
    pub value: f64,
}

impl Sample {
    pub fn new(at: Option<i64>, stream: &str, text: &str, value: f64) -> Sample {
        let mut t = String::with_capacity(text.len().min(SAMPLE_TEXT));
        let mut last_space = false;
        for c in text.trim().chars() {
            let c = if c == '\t' || c == '\n' || c == '\r' {
                ' '
            } else {
                c
            };
            if c == ' ' && last_space {
                continue;
            }
            last_space = c == ' ';
            if t.len() + c.len_utf8() > SAMPLE_TEXT {
                t.push('…');
                break;
            }
            t.push(c);
        }
        Sample {
            at,
            stream: stream.to_string(),
            text: t,
            value,
        }
    }
}

/// A count of matching lines and the earliest few of them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SampleSet {
    pub count: u64,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
    /// Earliest first (untimed lines first, in reading order).
    pub samples: Vec<Sample>,
}

impl SampleSet {
    /// Counts a line; `make` builds the sample only when it is kept.
    pub fn add(&mut self, at: Option<i64>, make: impl FnOnce() -> Sample) {
        self.count += 1;
        if let Some(t) = at {
            self.first_at = Some(self.first_at.map_or(t, |f| f.min(t)));
            self.last_at = Some(self.last_at.map_or(t, |l| l.max(t)));
        }
        if self.samples.len() < SAMPLES {
            self.samples.push(make());
            self.samples.sort_by_key(|s| s.at);
        } else if let (Some(t), Some(latest)) = (at, self.samples.last().and_then(|s| s.at)) {
            if t < latest {
                self.samples.pop();
                self.samples.push(make());
                self.samples.sort_by_key(|s| s.at);
            }
        }
    }

    pub fn merge(&mut self, other: &SampleSet) {
        self.count += other.count;
        self.first_at = min_opt(self.first_at, other.first_at);
        self.last_at = max_opt(self.last_at, other.last_at);
        self.samples.extend(other.samples.iter().cloned());
        self.samples.sort_by_key(|s| s.at);
        self.samples.truncate(SAMPLES);
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn max_f(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// One minute of one function.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MinuteAgg {
    pub invocations: u64,
    pub cold_starts: u64,
    /// Largest Init (or Restore) Duration of the minute's cold starts.
    pub init_max: Option<f64>,
    pub init_sum: f64,
    /// The minute's slowest cold-start REPORT lines, slowest first.
    pub top: Vec<Sample>,
}

impl MinuteAgg {
    fn add_cold(&mut self, init: f64, make: impl FnOnce() -> Sample) {
        self.cold_starts += 1;
        self.init_sum += init;
        self.init_max = max_f(self.init_max, Some(init));
        let weakest = self.top.last().map(|s| s.value);
        if self.top.len() < MINUTE_SAMPLES || weakest.is_some_and(|w| init > w) {
            self.top.push(make());
            self.top.sort_by(|a, b| b.value.total_cmp(&a.value));
            self.top.truncate(MINUTE_SAMPLES);
        }
    }

    fn merge(&mut self, o: &MinuteAgg) {
        self.invocations += o.invocations;
        self.cold_starts += o.cold_starts;
        self.init_sum += o.init_sum;
        self.init_max = max_f(self.init_max, o.init_max);
        self.top.extend(o.top.iter().cloned());
        self.top.sort_by(|a, b| b.value.total_cmp(&a.value));
        self.top.truncate(MINUTE_SAMPLES);
    }
}

/// A runtime version seen in `INIT_START` lines.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeSeen {
    pub version: String,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
    pub count: u64,
    /// The first INIT_START line with this version.
    pub sample: Sample,
}

/// Figures CloudWatch Logs Insights computed server-side (the `insights` engine reads only
/// the rare lines raw; invocation counts and Duration percentiles come from `stats`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InsightsFigures {
    pub invocations: u64,
    pub duration_p50: Option<f64>,
    pub duration_p99: Option<f64>,
    pub memory_mb: Option<u32>,
    pub max_memory_used_mb: Option<u32>,
    /// REPORT lines whose Max Memory Used reached Memory Size.
    pub at_limit: u64,
    /// The events query hit its row limit: later cold starts were not read.
    pub truncated: bool,
}

/// Everything read about one function.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunctionDigest {
    pub name: String,
    pub log_group: String,
    /// Why its logs could not be read (access denied, no such log group...), if so.
    pub unavailable: Option<String>,
    /// Events routed to this function (live: every event read; files: the lines that could
    /// matter).
    pub events: u64,
    /// `REPORT` lines.
    pub invocations: u64,
    /// `REPORT` lines with `Init Duration` or `Restore Duration`.
    pub cold_starts: u64,
    pub init: Quantiles,
    pub restore: Quantiles,
    pub duration: Quantiles,
    pub memory_mb: Option<u32>,
    pub max_memory_used_mb: Option<u32>,
    /// REPORT lines at the memory limit, or with an out-of-memory exit.
    pub memory_at_limit: SampleSet,
    /// `INIT_REPORT … Status: error|timeout` (and JSON `platform.initReport` failures).
    pub init_failures: SampleSet,
    /// `INIT_START` / `RESTORE_START` lines (execution environments started).
    pub init_starts: u64,
    pub runtime_versions: Vec<RuntimeSeen>,
    /// REPORT lines without a timestamp: in the totals, not in the per-minute series.
    pub untimed_reports: u64,
    /// Lines that look like platform records (see [`looks_like_platform`]) but could not be
    /// read: cut, garbled, or broken JSON. Skipped, so the figures may be low by this much.
    pub unparsed: SampleSet,
    /// Per-minute counters, keyed by epoch minute.
    pub minutes: BTreeMap<i64, MinuteAgg>,
    /// Log-match checks: check id → matching lines.
    pub matches: BTreeMap<String, SampleSet>,
    pub insights: Option<InsightsFigures>,
    /// The minute being filled (events mostly arrive in time order).
    current: Option<(i64, MinuteAgg)>,
}

/// A declarative log-match check, compiled for both per-line and whole-buffer searches.
#[derive(Debug, Clone)]
pub struct LogMatcher {
    pub check_id: String,
    /// Per-line semantics, as written in the check.
    pub regex: regex::Regex,
    /// The same pattern with `^`/`$` at line boundaries, for searching whole buffers; every hit
    /// is confirmed with `regex` on its line.
    pub buffer: regex::bytes::Regex,
    pub min_count: usize,
}

impl LogMatcher {
    pub fn new(check_id: &str, m: &LogMatch) -> Option<LogMatcher> {
        let buffer = regex::bytes::Regex::new(&format!("(?m:{})", m.regex.as_str())).ok()?;
        Some(LogMatcher {
            check_id: check_id.to_string(),
            regex: m.regex.clone(),
            buffer,
            min_count: m.min_count,
        })
    }
}

/// Whether a line the parser could not use was meant as a platform record, so that its loss
/// is worth counting. Text keywords need what the platform always writes after them (`START`,
/// `END` and `REPORT` are followed by `RequestId:`), so an application's `REPORT generated`
/// or `START job 12` is not counted; a JSON line needs a `platform.*` record type.
/// Only called on lines that failed to parse: never on the hot path.
pub fn looks_like_platform(message: &str) -> bool {
    let m = message.trim_start();
    if m.starts_with('{') {
        return m.contains("\"platform.");
    }
    for kw in ["REPORT", "START", "END"] {
        if let Some(rest) = m.strip_prefix(kw) {
            if rest.starts_with(char::is_whitespace) && rest.trim_start().starts_with("RequestId:")
            {
                return true;
            }
        }
    }
    [
        "INIT_START",
        "INIT_REPORT",
        "RESTORE_START",
        "RESTORE_REPORT",
    ]
    .iter()
    .any(|kw| {
        m.strip_prefix(kw)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
    })
}

/// Cheap test before parsing: only these events can change the digest.
pub fn may_matter(message: &str) -> bool {
    let b = message.as_bytes();
    match b.first() {
        Some(b'R') => {
            b.starts_with(b"REPORT") || b.starts_with(b"RESTORE_") || b.starts_with(b"RequestId:")
        }
        Some(b'I') => b.starts_with(b"INIT_"),
        Some(b'{') => message.contains("\"platform."),
        _ => false,
    }
}

impl FunctionDigest {
    pub fn new(name: &str, log_group: &str) -> FunctionDigest {
        FunctionDigest {
            name: name.to_string(),
            log_group: log_group.to_string(),
            ..FunctionDigest::default()
        }
    }

    fn minute(&mut self, at: i64) -> &mut MinuteAgg {
        let m = at.div_euclid(60_000);
        if self.current.as_ref().is_none_or(|(cm, _)| *cm != m) {
            self.flush_minute();
            let agg = self.minutes.remove(&m).unwrap_or_default();
            self.current = Some((m, agg));
        }
        match &mut self.current {
            Some((_, agg)) => agg,
            // Unreachable: set just above. Keep a harmless fallback instead of panicking.
            None => self.minutes.entry(m).or_default(),
        }
    }

    fn flush_minute(&mut self) {
        if let Some((m, agg)) = self.current.take() {
            self.minutes.insert(m, agg);
        }
    }

    /// Must be called before reading `minutes`.
    pub fn finish(&mut self) {
        self.flush_minute();
        self.runtime_versions
            .sort_by_key(|r| (r.first_at.unwrap_or(i64::MIN), r.version.clone()));
    }

    /// Feeds one event (already known to belong to this function and the window) through the
    /// platform-line parser and the log-match checks.
    pub fn observe(
        &mut self,
        at: Option<i64>,
        stream: &str,
        message: &str,
        matchers: &[LogMatcher],
    ) {
        self.events += 1;
        for m in matchers {
            if m.regex.is_match(message) {
                self.record_match(&m.check_id, at, stream, message);
            }
        }
        if may_matter(message) {
            self.observe_platform(at, stream, message);
        }
    }

    /// A line a log-match check matched.
    pub fn record_match(&mut self, check_id: &str, at: Option<i64>, stream: &str, text: &str) {
        if !self.matches.contains_key(check_id) {
            self.matches
                .insert(check_id.to_string(), SampleSet::default());
        }
        if let Some(set) = self.matches.get_mut(check_id) {
            set.add(at, || Sample::new(at, stream, text, 0.0));
        }
    }

    /// Parses a platform line and counts what it says.
    pub fn observe_platform(&mut self, at: Option<i64>, stream: &str, message: &str) {
        match lambda::parse_event(message) {
            LambdaLine::Report(r) => {
                self.invocations += 1;
                self.duration.add(r.duration_ms);
                if let Some(m) = r.memory_mb {
                    self.memory_mb = Some(self.memory_mb.map_or(m, |x| x.max(m)));
                }
                if let Some(u) = r.max_memory_mb {
                    self.max_memory_used_mb = Some(self.max_memory_used_mb.map_or(u, |x| x.max(u)));
                }
                if r.memory_exhausted()
                    || r.error_type.as_deref() == Some("Runtime.OutOfMemory")
                    || r.exit_reason.as_deref().map(str::trim) == Some("signal: killed")
                {
                    let used = f64::from(r.max_memory_mb.unwrap_or(0));
                    self.memory_at_limit
                        .add(at, || Sample::new(at, stream, message, used));
                }
                let init = r.init_ms.or(r.restore_ms);
                if let Some(i) = r.init_ms {
                    self.init.add(i);
                }
                if let Some(i) = r.restore_ms {
                    self.restore.add(i);
                }
                if init.is_some() {
                    self.cold_starts += 1;
                }
                match at {
                    Some(t) => {
                        let agg = self.minute(t);
                        agg.invocations += 1;
                        if let Some(i) = init {
                            agg.add_cold(i, || Sample::new(at, stream, message, i));
                        }
                    }
                    None => self.untimed_reports += 1,
                }
            }
            LambdaLine::InitStart {
                runtime_version, ..
            } => {
                self.init_starts += 1;
                if let Some(v) = runtime_version {
                    let v = v.trim();
                    match self.runtime_versions.iter_mut().find(|r| r.version == v) {
                        Some(r) => {
                            r.count += 1;
                            r.first_at = min_opt(r.first_at, at);
                            r.last_at = max_opt(r.last_at, at);
                        }
                        None => self.runtime_versions.push(RuntimeSeen {
                            version: v.to_string(),
                            first_at: at,
                            last_at: at,
                            count: 1,
                            sample: Sample::new(at, stream, message, 0.0),
                        }),
                    }
                }
            }
            LambdaLine::InitReport {
                status: None,
                init_ms: None,
                ..
            } => {
                // Neither a duration nor a status survived: a cut line, not a success.
                self.unparsed
                    .add(at, || Sample::new(at, stream, message, 0.0));
            }
            LambdaLine::InitReport { status, .. } => {
                let failed = status
                    .as_deref()
                    .is_some_and(|s| matches!(s.trim(), "error" | "timeout" | "failure"));
                if failed {
                    self.init_failures
                        .add(at, || Sample::new(at, stream, message, 0.0));
                }
            }
            line @ (LambdaLine::RuntimeExited { .. } | LambdaLine::OutOfMemory { .. })
                if line.suggests_oom() =>
            {
                self.memory_at_limit
                    .add(at, || Sample::new(at, stream, message, 0.0));
            }
            // A platform keyword the parser could not read (a cut REPORT without its Duration,
            // a truncated JSON record) comes back as Unknown or as free text.
            LambdaLine::Unknown | LambdaLine::App { .. } if looks_like_platform(message) => {
                self.unparsed
                    .add(at, || Sample::new(at, stream, message, 0.0));
            }
            _ => {}
        }
    }

    /// Adds another digest of the same function (another part of the file, another page).
    pub fn merge(&mut self, mut o: FunctionDigest) {
        self.flush_minute();
        o.flush_minute();
        if self.unavailable.is_none() {
            self.unavailable = o.unavailable;
        }
        self.events += o.events;
        self.invocations += o.invocations;
        self.cold_starts += o.cold_starts;
        self.init.merge(&o.init);
        self.restore.merge(&o.restore);
        self.duration.merge(&o.duration);
        self.memory_mb = self.memory_mb.max(o.memory_mb);
        self.max_memory_used_mb = self.max_memory_used_mb.max(o.max_memory_used_mb);
        self.memory_at_limit.merge(&o.memory_at_limit);
        self.init_failures.merge(&o.init_failures);
        self.init_starts += o.init_starts;
        for r in o.runtime_versions {
            match self
                .runtime_versions
                .iter_mut()
                .find(|x| x.version == r.version)
            {
                Some(x) => {
                    x.count += r.count;
                    if r.first_at.is_some() && (x.first_at.is_none() || r.first_at < x.first_at) {
                        x.sample = r.sample;
                    }
                    x.first_at = min_opt(x.first_at, r.first_at);
                    x.last_at = max_opt(x.last_at, r.last_at);
                }
                None => self.runtime_versions.push(r),
            }
        }
        self.untimed_reports += o.untimed_reports;
        self.unparsed.merge(&o.unparsed);
        for (m, agg) in o.minutes {
            self.minutes.entry(m).or_default().merge(&agg);
        }
        for (id, set) in o.matches {
            self.matches.entry(id).or_default().merge(&set);
        }
        if self.insights.is_none() {
            self.insights = o.insights;
        }
    }

    /// Total invocations: counted REPORT lines, or Insights' count when it computed them.
    pub fn total_invocations(&self) -> u64 {
        self.insights
            .as_ref()
            .map_or(self.invocations, |i| i.invocations.max(self.cold_starts))
    }
}

/// Every function's digest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogDigest {
    pub functions: Vec<FunctionDigest>,
    /// Only events in `[start, end)` (epoch ms) are counted; `None`: all.
    pub window: Option<(i64, i64)>,
    /// Events skipped because they fell outside the window.
    pub outside_window: u64,
    /// Lines (files) or events (live) read in total.
    pub lines: u64,
    /// Bytes of log read (files).
    pub bytes: u64,
    /// `filter`, `insights` or `file`.
    pub engine: String,
    /// Earliest and latest event time seen (epoch ms).
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
    last_fn: usize,
}

impl LogDigest {
    pub fn new(engine: &str, window: Option<(i64, i64)>) -> LogDigest {
        LogDigest {
            engine: engine.to_string(),
            window,
            ..LogDigest::default()
        }
    }

    /// The digest of a function, created on first use.
    pub fn function_mut(&mut self, name: &str) -> &mut FunctionDigest {
        if self
            .functions
            .get(self.last_fn)
            .is_none_or(|f| f.name != name)
        {
            match self.functions.iter().position(|f| f.name == name) {
                Some(i) => self.last_fn = i,
                None => {
                    self.functions.push(FunctionDigest::new(
                        name,
                        &crate::model::FunctionConfig::default_log_group(name),
                    ));
                    self.last_fn = self.functions.len() - 1;
                }
            }
        }
        let i = self.last_fn;
        &mut self.functions[i]
    }

    pub fn function(&self, name: &str) -> Option<&FunctionDigest> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// True (and counted) when the event falls inside the window and should be read.
    pub fn admit(&mut self, at: Option<i64>) -> bool {
        if let Some(t) = at {
            if let Some((s, e)) = self.window {
                if t < s || t >= e {
                    self.outside_window += 1;
                    return false;
                }
            }
            self.first_at = min_opt(self.first_at, Some(t));
            self.last_at = max_opt(self.last_at, Some(t));
        }
        true
    }

    pub fn merge(&mut self, o: LogDigest) {
        self.outside_window += o.outside_window;
        self.lines += o.lines;
        self.bytes += o.bytes;
        self.first_at = min_opt(self.first_at, o.first_at);
        self.last_at = max_opt(self.last_at, o.last_at);
        for f in o.functions {
            let name = f.name.clone();
            match self.functions.iter_mut().find(|x| x.name == name) {
                Some(x) => x.merge(f),
                None => self.functions.push(f),
            }
        }
    }

    /// Flushes every function; call once all events are in.
    pub fn finish(&mut self) {
        for f in &mut self.functions {
            f.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_251_600_000; // 2026-11-21T09:00:00Z

    fn report(init: Option<f64>, used: u32) -> String {
        let mut s = format!("REPORT RequestId: 3f1c2a9e-5b7d-4e1f-9a2b-8c6d4e2f1a0b\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: {used} MB\t");
        if let Some(i) = init {
            s.push_str(&format!("Init Duration: {i:.2} ms\t"));
        }
        s
    }

    #[test]
    fn counts_cold_starts_per_minute_and_keeps_the_slowest_lines() {
        let mut f = FunctionDigest::new("fn", "/aws/lambda/fn");
        for (i, init) in [None, Some(300.0), Some(2400.0), Some(310.0), Some(305.0)]
            .iter()
            .enumerate()
        {
            f.observe(Some(T + i as i64 * 1000), "s", &report(*init, 60), &[]);
        }
        f.observe(Some(T + 61_000), "s", &report(Some(280.0), 128), &[]);
        f.observe(None, "s", &report(None, 60), &[]);
        f.finish();
        assert_eq!(f.invocations, 7);
        assert_eq!(f.cold_starts, 5);
        assert_eq!(f.untimed_reports, 1);
        let m0 = &f.minutes[&(T / 60_000)];
        assert_eq!((m0.invocations, m0.cold_starts), (5, 4));
        assert_eq!(m0.init_max, Some(2400.0));
        assert_eq!(m0.top.len(), MINUTE_SAMPLES);
        assert!(m0.top[0].text.contains("Init Duration: 2400.00 ms"));
        assert_eq!(f.memory_at_limit.count, 1);
        assert_eq!(f.init.max(), Some(2400.0));
    }

    #[test]
    fn init_failures_runtime_versions_and_matches() {
        let lm = crate::checks::declarative::builtin()
            .into_iter()
            .find(|c| c.id == "lambda-task-timeout")
            .and_then(|c| match c.kind {
                crate::checks::declarative::Kind::LogMatch(m) => LogMatcher::new(&c.id, &m),
                _ => None,
            })
            .unwrap();
        let mut f = FunctionDigest::new("fn", "/aws/lambda/fn");
        let lines = [
            "INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:aaa",
            "INIT_REPORT Init Duration: 9999.56 ms\tPhase: init\tStatus: timeout",
            "INIT_START Runtime Version: python:3.12.v41\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:bbb",
            "2026-11-21T09:00:03.000Z 7c9567b5-107b-4a6c-8798-0157ac21db52 Task timed out after 3.00 seconds",
            "INIT_REPORT Init Duration: 229.04 ms",
        ];
        for (i, l) in lines.iter().enumerate() {
            f.observe(Some(T + i as i64), "s", l, std::slice::from_ref(&lm));
        }
        f.finish();
        assert_eq!(f.init_failures.count, 1);
        assert_eq!(f.init_starts, 2);
        let v: Vec<&str> = f
            .runtime_versions
            .iter()
            .map(|r| r.version.as_str())
            .collect();
        assert_eq!(v, ["python:3.12.v40", "python:3.12.v41"]);
        assert_eq!(f.matches["lambda-task-timeout"].count, 1);
    }

    #[test]
    fn merged_parts_equal_the_whole() {
        let lines: Vec<(i64, String)> = (0..200)
            .map(|i| {
                let init = (i % 7 == 0).then_some(200.0 + i as f64);
                (T + i * 7_000, report(init, 60 + (i % 70) as u32))
            })
            .collect();
        let mut whole = LogDigest::new("file", None);
        for (t, l) in &lines {
            whole.function_mut("fn").observe(Some(*t), "s", l, &[]);
        }
        whole.finish();
        let mut a = LogDigest::new("file", None);
        let mut b = LogDigest::new("file", None);
        for (i, (t, l)) in lines.iter().enumerate() {
            let d = if i < 77 { &mut a } else { &mut b };
            d.function_mut("fn").observe(Some(*t), "s", l, &[]);
        }
        a.merge(b);
        a.finish();
        assert_eq!(a.functions[0].minutes, whole.functions[0].minutes);
        assert_eq!(a.functions[0].cold_starts, whole.functions[0].cold_starts);
        assert_eq!(
            a.functions[0].init.quantile(0.5),
            whole.functions[0].init.quantile(0.5)
        );
    }

    #[test]
    fn cut_platform_lines_are_counted_application_lines_are_not() {
        let mut f = FunctionDigest::new("fn", "/aws/lambda/fn");
        let cut = [
            "REPORT RequestId: 3f1c2a9e-5b7d-4e1f-9a2b-8c6d4e2f1a0b\tDuration: 38",
            "REPORT RequestId: 3f1c2a9e-5b7d-4e1f",
            "INIT_REPORT Init Dur",
            r#"{"time":"2026-11-21T09:00:02.000Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"succ"#,
        ];
        let fine = [
            "REPORT generated for tenant 42",
            "START job 12",
            "RequestId: 3f1c2a9e-5b7d-4e1f-9a2b-8c6d4e2f1a0b Error: Runtime exited with error: exit status 1",
            r#"{"level":"INFO","message":"platform is up"}"#,
        ];
        for (i, l) in cut.iter().chain(fine.iter()).enumerate() {
            f.observe(Some(T + i as i64), "s", l, &[]);
        }
        f.observe(Some(T + 60_000), "s", &report(None, 60), &[]);
        f.finish();
        assert_eq!(f.unparsed.count, 4, "{:?}", f.unparsed.samples);
        assert_eq!(f.invocations, 1);
        assert!(f.unparsed.samples[0].text.ends_with("Duration: 38"));
        let mut other = FunctionDigest::new("fn", "/aws/lambda/fn");
        other.observe(None, "s", cut[0], &[]);
        f.merge(other);
        assert_eq!(f.unparsed.count, 5);
    }

    #[test]
    fn window_filter() {
        let mut d = LogDigest::new("file", Some((T, T + 60_000)));
        assert!(d.admit(Some(T)));
        assert!(!d.admit(Some(T + 60_000)));
        assert!(d.admit(None));
        assert_eq!(d.outside_window, 1);
    }
}
