//! Parses one CloudWatch Logs event of a Lambda log group (platform lines such as `START`, `END`,
//! `REPORT`, `INIT_START`, `INIT_REPORT`, `EXTENSION`, in text or JSON log format, plus runtime
//! error and application lines) into a [`LambdaLine`], without panicking on truncated or garbage
//! input.
//!
//! Formats and examples: `shared/reference/aws-formats.md` §1 (text) and §2 (JSON).
//!
//! # Decisions
//!
//! * **Fields are found by key, not by position.** The RIE prints `Init Duration` first, and the
//!   separators vary: TAB, runs of spaces in the rendered docs, a stray space before a TAB. Each
//!   line is cut into whitespace-separated words and the known (multi-word) keys are matched
//!   among them. A value is everything between its key and the next known key.
//! * **One event, several lines.** A `REPORT` event may carry `\nXRAY TraceId: …` and/or
//!   `\nRequestId: … Error: Runtime exited with error: signal: killed\nRuntime.ExitError`. The
//!   trace id goes into [`Report::xray_trace_id`], the error into [`Report::exit_reason`] and
//!   [`Report::error_type`]. A `RequestId: … Error: …` event on its own becomes
//!   [`LambdaLine::RuntimeExited`], [`LambdaLine::Timeout`] or [`LambdaLine::OutOfMemory`].
//! * **Borrowed output.** Strings are `Cow<'a, str>`. Text lines always borrow. JSON borrows
//!   unless the JSON string held escapes. [`LambdaLine::into_owned`] detaches a line from its
//!   buffer.
//! * **Truncated input gives partial results or `Unknown`, never a misread.** A trailing
//!   ` [TRUNCATED]` marker is removed first, so a marked cut is judged like an unmarked one.
//!   - A number counts only when its unit follows (`38.66 ms`, `128 MB`, `3.00 seconds`), so a
//!     value cut mid-number is `None`, not a smaller number.
//!   - A request id that ends the line and is shaped like a UUID cut short (a strict prefix of
//!     8-4-4-4-12) is rejected.
//!   - An X-Ray trace id needs its full `1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx` shape.
//!   - Free text at the end of a line cannot be checked and may come back cut: `Version`, a
//!     runtime ARN, an extension name, an error reason, an application message.
//!   - A `REPORT` needs a request id and a `Duration`. Without them it is
//!     [`LambdaLine::Unknown`]. With them it is a partial [`Report`] whose unreadable fields are
//!     `None`.
//!   - `START`/`END` need a request id; otherwise the line is treated as free text (usually
//!     `Unknown`).
//!   - `INIT_START`, `INIT_REPORT` and `EXTENSION` are returned with whatever fields were
//!     readable.
//!   - `Task timed out` needs `<n> seconds`. Otherwise it is not a [`LambdaLine::Timeout`].
//! * **Numbers.** `1.2E8` is accepted. NaN, infinities, negatives and overflows are unreadable
//!   (`None`). Integer fields take `694`, `694.0` or `"694"` and round a fractional value.
//! * **JSON** is first parsed strictly with serde_json, with lenient field types: a field of the
//!   wrong type is `None` and does not fail the record. If strict parsing fails, a best-effort
//!   salvage scan reads only complete `"key": value` pairs (escape-free strings; numbers followed
//!   by a delimiter) and metrics only from inside the `"metrics"` object. Two inputs need the
//!   salvage: the AWS doc's own `platform.report` example (trailing comma, no `status`), which
//!   parses as a `Report` with `status: None`, and truncated events.
//! * `platform.initStart.instanceMaxMemory` is **bytes** in CloudWatch (268435456 = 256 MiB), even
//!   though the schema doc's example shows `256`. The value is passed through unchanged as
//!   `instance_max_memory_bytes`. Divide by 1 MiB yourself.
//! * The text `INIT_START` line has no phase, so `phase` is `None` there. In JSON it is the
//!   record's `phase` (`init|invoke|snap-start`); `initializationType` is separate.
//! * Text `REPORT` lines have no status, so `status` is normally `None` for text. A `Status:` /
//!   `Error Type:` key is read if present.
//! * Application lines with request id `undefined` (errors thrown during init) get
//!   `request_id: None`.
//! * OOM: explicit markers give [`LambdaLine::OutOfMemory`]. These are `Runtime.OutOfMemory`
//!   and the language messages: Go `fatal error: runtime: out of memory`,
//!   `java.lang.OutOfMemoryError`, Node `JavaScript heap out of memory`, Python `MemoryError`,
//!   Ruby `failed to allocate memory (NoMemoryError)`. `Runtime exited with error: signal:
//!   killed` stays [`LambdaLine::RuntimeExited`], because SIGKILL is not always OOM; cross-check
//!   with [`Report::memory_exhausted`], or use [`LambdaLine::suggests_oom`].
//! * Lines that are none of the above (a bare `print`, a partial keyword) are
//!   [`LambdaLine::Unknown`]. Platform JSON records of other types (`platform.initRuntimeDone`,
//!   `platform.logsDropped`, …) are [`LambdaLine::OtherPlatform`].

// Panic-freedom is enforced mechanically: no indexing, no slicing of `str` by range, no unwrap.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Which start-up path a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitKind {
    /// Normal init (`INIT_START`, `platform.initStart`, `platform.initReport`).
    Init,
    /// SnapStart restore (`RESTORE_START`, `platform.restoreStart`, `platform.restoreReport`).
    Restore,
}

/// Which registration line an [`LambdaLine::Extension`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionKind {
    /// `EXTENSION …` / `platform.extension`.
    Extension,
    /// `LOGS …` (Logs API subscription).
    Logs,
    /// `TELEMETRY …` / `platform.telemetrySubscription`.
    Telemetry,
}

/// The invocation summary of a `REPORT` line or `platform.report` record.
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    pub request_id: Cow<'a, str>,
    /// Handler time; excludes init and restore.
    pub duration_ms: f64,
    /// Never assume `ceil(duration_ms)`: INIT has been billed since 2025-08 and restore always.
    pub billed_ms: Option<u64>,
    pub memory_mb: Option<u32>,
    pub max_memory_mb: Option<u32>,
    /// Present on cold starts (not on SnapStart restores, nor after a failed init).
    pub init_ms: Option<f64>,
    /// SnapStart `Restore Duration` / `restoreDurationMs`.
    pub restore_ms: Option<f64>,
    /// SnapStart `Billed Restore Duration` (text only).
    pub billed_restore_ms: Option<u64>,
    /// `1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx`. In JSON it is the `Root=` part of `tracing.value`.
    pub xray_trace_id: Option<Cow<'a, str>>,
    /// `success|timeout|error|failure`. JSON only, apart from a rare `Status:` text key.
    pub status: Option<Cow<'a, str>>,
    /// JSON `errorType`, or the error-type line after `Runtime exited …` in a text event.
    pub error_type: Option<Cow<'a, str>>,
    /// The `Error:` text of a `RequestId: … Error: …` line in the same text event. For example
    /// `signal: killed`, with the `Runtime exited with error: ` prefix removed.
    pub exit_reason: Option<Cow<'a, str>>,
}

impl Report<'_> {
    /// True when Max Memory Used reached Memory Size: AWS's own cross-check for OOM.
    pub fn memory_exhausted(&self) -> bool {
        matches!((self.max_memory_mb, self.memory_mb), (Some(used), Some(size)) if size > 0 && used >= size)
    }

    /// Init or restore work was reported, i.e. this invocation paid a cold start.
    pub fn is_cold_start(&self) -> bool {
        self.init_ms.is_some() || self.restore_ms.is_some()
    }

    /// Copies every borrowed string so the report outlives the log buffer.
    pub fn into_owned(self) -> Report<'static> {
        Report {
            request_id: own(self.request_id),
            duration_ms: self.duration_ms,
            billed_ms: self.billed_ms,
            memory_mb: self.memory_mb,
            max_memory_mb: self.max_memory_mb,
            init_ms: self.init_ms,
            restore_ms: self.restore_ms,
            billed_restore_ms: self.billed_restore_ms,
            xray_trace_id: own_opt(self.xray_trace_id),
            status: own_opt(self.status),
            error_type: own_opt(self.error_type),
            exit_reason: own_opt(self.exit_reason),
        }
    }
}

/// One classified Lambda log event. See the module docs for the truncation rules.
#[derive(Debug, Clone, PartialEq)]
pub enum LambdaLine<'a> {
    /// `START RequestId: … Version: …` / `platform.start`.
    Start {
        request_id: Cow<'a, str>,
        version: Option<Cow<'a, str>>,
        /// JSON only (undocumented `functionArn` seen in real captures).
        function_arn: Option<Cow<'a, str>>,
        /// JSON only: `Root=` of `tracing.value`.
        xray_trace_id: Option<Cow<'a, str>>,
    },
    /// `END RequestId: …` (text only).
    End { request_id: Cow<'a, str> },
    /// `REPORT …` / `platform.report`.
    Report(Report<'a>),
    /// `INIT_START` / `RESTORE_START` / `platform.initStart` / `platform.restoreStart`.
    InitStart {
        kind: InitKind,
        runtime_version: Option<Cow<'a, str>>,
        runtime_version_arn: Option<Cow<'a, str>>,
        /// Text: always `None`. JSON: `phase` (`init|invoke|snap-start`).
        phase: Option<Cow<'a, str>>,
        /// JSON only: `on-demand|provisioned-concurrency`.
        initialization_type: Option<Cow<'a, str>>,
        /// JSON only.
        function_name: Option<Cow<'a, str>>,
        /// JSON only.
        function_version: Option<Cow<'a, str>>,
        /// JSON only: in CloudWatch this is the log stream name.
        instance_id: Option<Cow<'a, str>>,
        /// JSON only. **Bytes** as CloudWatch writes them (268435456 for 256 MB), passed
        /// through unchanged. The schema doc's example `256` would come out as 256.
        instance_max_memory_bytes: Option<u64>,
    },
    /// `INIT_REPORT` / `RESTORE_REPORT` / `platform.initReport` / `platform.restoreReport`.
    InitReport {
        kind: InitKind,
        /// `Init Duration` (`Restore Duration` for RESTORE_REPORT) / `metrics.durationMs`.
        init_ms: Option<f64>,
        /// `init|invoke|snap-start`. `invoke` means a suppressed init re-run in the invoke phase.
        phase: Option<Cow<'a, str>>,
        /// `success|error|timeout|failure`. Text lines omit it on success (`None`).
        status: Option<Cow<'a, str>>,
        error_type: Option<Cow<'a, str>>,
    },
    /// `platform.runtimeDone` (JSON only; not emitted for Managed Instances).
    RuntimeDone {
        request_id: Cow<'a, str>,
        status: Option<Cow<'a, str>>,
        error_type: Option<Cow<'a, str>>,
        duration_ms: Option<f64>,
        produced_bytes: Option<u64>,
    },
    /// `… Task timed out after N.NN seconds`.
    Timeout {
        request_id: Option<Cow<'a, str>>,
        seconds: f64,
    },
    /// `RequestId: … Error: Runtime exited with error: <reason>[\n<ErrorType>]`,
    /// `RequestId: … Process exited before completing request`, and any other
    /// `RequestId: … Error: …` line. `reason` drops the `Runtime exited with error: ` prefix.
    RuntimeExited {
        request_id: Option<Cow<'a, str>>,
        reason: Cow<'a, str>,
        error_type: Option<Cow<'a, str>>,
    },
    /// An explicit out-of-memory marker. `signal` is the marker that matched, e.g.
    /// `"Runtime.OutOfMemory"` or `"java.lang.OutOfMemoryError"`.
    OutOfMemory {
        request_id: Option<Cow<'a, str>>,
        signal: &'static str,
    },
    /// `EXTENSION|LOGS|TELEMETRY\tName: …\tState: …\tEvents|Types: […]` / `platform.extension` /
    /// `platform.telemetrySubscription`.
    Extension {
        kind: ExtensionKind,
        name: Option<Cow<'a, str>>,
        state: Option<Cow<'a, str>>,
        /// The `Events:`/`Types:` list without brackets, e.g. `INVOKE, SHUTDOWN` (the spacing
        /// varies). JSON arrays are joined with `, `. See [`list_items`].
        events: Option<Cow<'a, str>>,
        error_type: Option<Cow<'a, str>>,
    },
    /// Application output from a managed runtime: the text form
    /// `<ISO>\t<requestId>\t<LEVEL>\t<msg>` (also Python's `[LEVEL]\t<ISO>\t<id>\t<msg>`, and
    /// the level-less `<ISO>\t<id>\t<msg>`), or a JSON object with `timestamp`/`level`/
    /// `requestId`/`message`. If JSON `message` is not a string (structured logging), `message`
    /// is the whole event.
    App {
        request_id: Option<Cow<'a, str>>,
        level: Option<Cow<'a, str>>,
        message: Cow<'a, str>,
    },
    /// A `platform.*` JSON record of a type not modelled above.
    OtherPlatform { record_type: Cow<'a, str> },
    /// Not recognised, or too damaged to use.
    Unknown,
}

impl<'a> LambdaLine<'a> {
    /// The Lambda request id this line belongs to, if it names one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            LambdaLine::Start { request_id, .. }
            | LambdaLine::End { request_id }
            | LambdaLine::RuntimeDone { request_id, .. } => Some(request_id),
            LambdaLine::Report(r) => Some(&r.request_id),
            LambdaLine::Timeout { request_id, .. }
            | LambdaLine::RuntimeExited { request_id, .. }
            | LambdaLine::OutOfMemory { request_id, .. }
            | LambdaLine::App { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// A hint, not a verdict: an explicit OOM marker, a `signal: killed` exit, or a report
    /// whose memory was exhausted or whose error type is `Runtime.OutOfMemory`.
    pub fn suggests_oom(&self) -> bool {
        match self {
            LambdaLine::OutOfMemory { .. } => true,
            LambdaLine::RuntimeExited { reason, .. } => reason.trim() == "signal: killed",
            LambdaLine::Report(r) => {
                r.memory_exhausted()
                    || r.error_type.as_deref() == Some("Runtime.OutOfMemory")
                    || r.exit_reason.as_deref().map(str::trim) == Some("signal: killed")
            }
            LambdaLine::RuntimeDone { error_type, .. }
            | LambdaLine::InitReport { error_type, .. } => {
                error_type.as_deref() == Some("Runtime.OutOfMemory")
            }
            _ => false,
        }
    }

    /// Copies every borrowed string so the line outlives the log buffer.
    pub fn into_owned(self) -> LambdaLine<'static> {
        match self {
            LambdaLine::Start {
                request_id,
                version,
                function_arn,
                xray_trace_id,
            } => LambdaLine::Start {
                request_id: own(request_id),
                version: own_opt(version),
                function_arn: own_opt(function_arn),
                xray_trace_id: own_opt(xray_trace_id),
            },
            LambdaLine::End { request_id } => LambdaLine::End {
                request_id: own(request_id),
            },
            LambdaLine::Report(r) => LambdaLine::Report(r.into_owned()),
            LambdaLine::InitStart {
                kind,
                runtime_version,
                runtime_version_arn,
                phase,
                initialization_type,
                function_name,
                function_version,
                instance_id,
                instance_max_memory_bytes,
            } => LambdaLine::InitStart {
                kind,
                runtime_version: own_opt(runtime_version),
                runtime_version_arn: own_opt(runtime_version_arn),
                phase: own_opt(phase),
                initialization_type: own_opt(initialization_type),
                function_name: own_opt(function_name),
                function_version: own_opt(function_version),
                instance_id: own_opt(instance_id),
                instance_max_memory_bytes,
            },
            LambdaLine::InitReport {
                kind,
                init_ms,
                phase,
                status,
                error_type,
            } => LambdaLine::InitReport {
                kind,
                init_ms,
                phase: own_opt(phase),
                status: own_opt(status),
                error_type: own_opt(error_type),
            },
            LambdaLine::RuntimeDone {
                request_id,
                status,
                error_type,
                duration_ms,
                produced_bytes,
            } => LambdaLine::RuntimeDone {
                request_id: own(request_id),
                status: own_opt(status),
                error_type: own_opt(error_type),
                duration_ms,
                produced_bytes,
            },
            LambdaLine::Timeout {
                request_id,
                seconds,
            } => LambdaLine::Timeout {
                request_id: own_opt(request_id),
                seconds,
            },
            LambdaLine::RuntimeExited {
                request_id,
                reason,
                error_type,
            } => LambdaLine::RuntimeExited {
                request_id: own_opt(request_id),
                reason: own(reason),
                error_type: own_opt(error_type),
            },
            LambdaLine::OutOfMemory { request_id, signal } => LambdaLine::OutOfMemory {
                request_id: own_opt(request_id),
                signal,
            },
            LambdaLine::Extension {
                kind,
                name,
                state,
                events,
                error_type,
            } => LambdaLine::Extension {
                kind,
                name: own_opt(name),
                state: own_opt(state),
                events: own_opt(events),
                error_type: own_opt(error_type),
            },
            LambdaLine::App {
                request_id,
                level,
                message,
            } => LambdaLine::App {
                request_id: own_opt(request_id),
                level: own_opt(level),
                message: own(message),
            },
            LambdaLine::OtherPlatform { record_type } => LambdaLine::OtherPlatform {
                record_type: own(record_type),
            },
            LambdaLine::Unknown => LambdaLine::Unknown,
        }
    }
}

/// Splits an `Events:`/`Types:` list (`INVOKE, SHUTDOWN` or `INVOKE,SHUTDOWN`) into items.
pub fn list_items(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// A cheap pre-filter to run on every event before [`parse_event`]: false means the event is
/// certainly not a report. True means it probably is. Every event that parses as
/// [`LambdaLine::Report`] passes this filter.
pub fn looks_like_report(message: &str) -> bool {
    let b = message.as_bytes();
    if let Some(rest) = b.strip_prefix(b"REPORT") {
        // `REPORT` followed by a separator; `REPORTS…` is someone's print.
        return rest.first().is_none_or(u8::is_ascii_whitespace);
    }
    b.first() == Some(&b'{') && message.contains("\"platform.report\"")
}

/// Classifies one CloudWatch log event of a Lambda log group. Never panics. See the module docs
/// for what comes back for truncated input.
pub fn parse_event(message: &str) -> LambdaLine<'_> {
    let message = strip_truncation_marker(message);
    if message.starts_with('{') {
        return parse_json(message);
    }
    let (first, rest) = split_line(message);
    if let Some(body) = strip_keyword(first, "REPORT") {
        return parse_report_text(body, rest).map_or(LambdaLine::Unknown, LambdaLine::Report);
    }
    // The first line with its `\n`, if any: a newline after a trailing id proves it complete.
    let first_nl = message.get(..=first.len()).unwrap_or(first);
    let platform = if let Some(body) = strip_keyword(first_nl, "START") {
        parse_start(body)
    } else if let Some(body) = strip_keyword(first_nl, "END") {
        parse_end(body)
    } else if let Some(body) = strip_keyword(first, "INIT_START") {
        Some(parse_init_start(body, InitKind::Init))
    } else if let Some(body) = strip_keyword(first, "RESTORE_START") {
        Some(parse_init_start(body, InitKind::Restore))
    } else if let Some(body) = strip_keyword(first, "INIT_REPORT") {
        Some(parse_init_report(body, InitKind::Init))
    } else if let Some(body) = strip_keyword(first, "RESTORE_REPORT") {
        // No verbatim RESTORE_REPORT text line is known; assumed to mirror INIT_REPORT.
        Some(parse_init_report(body, InitKind::Restore))
    } else if let Some(body) = strip_keyword(first, "EXTENSION") {
        parse_extension(body, ExtensionKind::Extension)
    } else if let Some(body) = strip_keyword(first, "LOGS") {
        parse_extension(body, ExtensionKind::Logs)
    } else if let Some(body) = strip_keyword(first, "TELEMETRY") {
        parse_extension(body, ExtensionKind::Telemetry)
    } else if first.starts_with("RequestId:") {
        parse_request_error(first, rest)
    } else {
        None
    };
    // A keyword that did not parse (e.g. an app printing "START job") is treated as free text.
    platform.unwrap_or_else(|| parse_free_text(first, message))
}

/// A line a logger cut (API Gateway at 1024 bytes, and log shippers copying it) ends in
/// ` [TRUNCATED]`. Without the marker the cut is at the end of the line, where the cut-value
/// rules above can see it; with it, `START RequestId: 57f2 [TRUNCATED]` would pass a cut id.
fn strip_truncation_marker(message: &str) -> &str {
    match message.trim_end().strip_suffix("[TRUNCATED]") {
        Some(rest) => rest.strip_suffix(' ').unwrap_or(rest),
        None => message,
    }
}

// ---------------------------------------------------------------------------------------------
// Text platform lines
// ---------------------------------------------------------------------------------------------

/// A key as its words separated by single spaces, e.g. `Max Memory Used:`; keys are matched
/// word-wise, which makes them immune to TAB-vs-space differences. Keys start with an ASCII
/// upper-case letter ([`scan_words`] skips other words without comparing) and end with their
/// only `:` (what lets [`scan_tab_fields`] find a field's key from its first colon).
type Key = &'static str;

const REPORT_KEYS: [Key; 13] = [
    "RequestId:",
    "Duration:",
    "Billed Duration:",
    "Memory Size:",
    "Max Memory Used:",
    "Init Duration:",
    "Restore Duration:",
    "Billed Restore Duration:",
    "XRAY TraceId:",
    "SegmentId:",
    "Sampled:",
    "Status:",
    "Error Type:",
];

const START_KEYS: [Key; 2] = ["RequestId:", "Version:"];
const END_KEYS: [Key; 1] = ["RequestId:"];
const INIT_START_KEYS: [Key; 2] = ["Runtime Version:", "Runtime Version ARN:"];
const INIT_REPORT_KEYS: [Key; 5] = [
    "Init Duration:",
    "Restore Duration:",
    "Phase:",
    "Status:",
    "Error Type:",
];
const EXTENSION_KEYS: [Key; 5] = ["Name:", "State:", "Events:", "Types:", "Error Type:"];

fn parse_report_text<'a>(line: &'a str, mut rest: &'a str) -> Option<Report<'a>> {
    let mut f = scan_fields(line, &REPORT_KEYS);
    let mut exit = None;
    // Continuation lines of the same event: the XRAY part and a runtime-exit message.
    while !rest.is_empty() {
        let (next, after) = split_line(rest);
        if next.starts_with("XRAY") {
            for (slot, extra) in f.iter_mut().zip(scan_fields(next, &REPORT_KEYS)) {
                if slot.is_none() {
                    *slot = extra;
                }
            }
        } else if next.starts_with("RequestId:") {
            exit = request_error_parts(next, after);
            break;
        }
        rest = after;
    }
    let [rid, dur, billed, mem, max_mem, init, restore, billed_restore, xray, _seg, _sampled, status, err_type] =
        f;
    let request_id = rid
        .and_then(first_word)
        .filter(|id| !maybe_cut_id(line, id))?;
    let duration_ms = dur.and_then(|v| num_with_unit(v, "ms"))?;
    let (exit_reason, exit_type) = match exit {
        Some(parts) => (Some(parts.reason()), parts.error_type),
        None => (None, None),
    };
    Some(Report {
        request_id: Cow::Borrowed(request_id),
        duration_ms,
        billed_ms: billed.and_then(|v| int_with_unit(v, "ms")),
        memory_mb: mem.and_then(|v| int_with_unit(v, "MB")).and_then(to_u32),
        max_memory_mb: max_mem
            .and_then(|v| int_with_unit(v, "MB"))
            .and_then(to_u32),
        init_ms: init.and_then(|v| num_with_unit(v, "ms")),
        restore_ms: restore.and_then(|v| num_with_unit(v, "ms")),
        billed_restore_ms: billed_restore.and_then(|v| int_with_unit(v, "ms")),
        xray_trace_id: xray
            .and_then(first_word)
            .filter(|t| is_xray_trace_id(t))
            .map(Cow::Borrowed),
        status: status.and_then(first_word).map(Cow::Borrowed),
        error_type: err_type
            .and_then(first_word)
            .or(exit_type)
            .map(Cow::Borrowed),
        exit_reason: exit_reason.map(Cow::Borrowed),
    })
}

fn parse_start(body: &str) -> Option<LambdaLine<'_>> {
    let [rid, version] = scan_fields(body, &START_KEYS);
    let request_id = rid
        .and_then(first_word)
        .filter(|id| !maybe_cut_id(body, id))?;
    Some(LambdaLine::Start {
        request_id: Cow::Borrowed(request_id),
        version: version.and_then(first_word).map(Cow::Borrowed),
        function_arn: None,
        xray_trace_id: None,
    })
}

fn parse_end(body: &str) -> Option<LambdaLine<'_>> {
    let [rid] = scan_fields(body, &END_KEYS);
    let request_id = rid
        .and_then(first_word)
        .filter(|id| !maybe_cut_id(body, id))?;
    Some(LambdaLine::End {
        request_id: Cow::Borrowed(request_id),
    })
}

fn parse_init_start(body: &str, kind: InitKind) -> LambdaLine<'_> {
    let [version, arn] = scan_fields(body, &INIT_START_KEYS);
    LambdaLine::InitStart {
        kind,
        runtime_version: version.and_then(first_word).map(Cow::Borrowed),
        // The doc example's ARN ends in a stray `I` (a typo); it is passed through as-is.
        runtime_version_arn: arn.and_then(first_word).map(Cow::Borrowed),
        phase: None,
        initialization_type: None,
        function_name: None,
        function_version: None,
        instance_id: None,
        instance_max_memory_bytes: None,
    }
}

fn parse_init_report(body: &str, kind: InitKind) -> LambdaLine<'_> {
    let [init, restore, phase, status, err] = scan_fields(body, &INIT_REPORT_KEYS);
    let init_ms = init.or(restore).and_then(|v| num_with_unit(v, "ms"));
    LambdaLine::InitReport {
        kind,
        init_ms,
        phase: phase.and_then(first_word).map(Cow::Borrowed),
        status: status.and_then(first_word).map(Cow::Borrowed),
        error_type: err.and_then(first_word).map(Cow::Borrowed),
    }
}

fn parse_extension(body: &str, kind: ExtensionKind) -> Option<LambdaLine<'_>> {
    let [name, state, events, types, err] = scan_fields(body, &EXTENSION_KEYS);
    // `Name:` is required so that an app line starting with "LOGS" is not mistaken for one.
    let name = name?;
    let events = events.or(types).and_then(|v| {
        // An unclosed list was cut: better absent than missing items.
        v.strip_prefix('[')?.strip_suffix(']').map(str::trim)
    });
    Some(LambdaLine::Extension {
        kind,
        name: Some(Cow::Borrowed(name)).filter(|n| !n.is_empty()),
        state: state.and_then(first_word).map(Cow::Borrowed),
        events: events.map(Cow::Borrowed),
        error_type: err.and_then(first_word).map(Cow::Borrowed),
    })
}

/// `RequestId: <id> Error: <text>` plus the optional error-type line that follows.
struct RequestError<'a> {
    request_id: &'a str,
    text: &'a str,
    error_type: Option<&'a str>,
}

impl<'a> RequestError<'a> {
    /// The error text without the generic `Runtime exited with error: ` prefix.
    fn reason(&self) -> &'a str {
        self.text
            .strip_prefix("Runtime exited with error:")
            .map_or(self.text, str::trim_start)
    }
}

fn request_error_parts<'a>(line: &'a str, following: &'a str) -> Option<RequestError<'a>> {
    let rest = line.strip_prefix("RequestId:")?.trim_start();
    let request_id = first_word(rest)?;
    let after = rest.get(request_id.len()..)?.trim();
    // Nothing after the id, or a cut `Error:`: the line was cut (or is not an error line).
    if after.is_empty() || is_strict_prefix(after, "Error:") {
        return None;
    }
    let text = after
        .strip_prefix("Error:")
        .map_or(after, str::trim_start)
        .trim_end();
    // A cut generic prefix would be misread as the reason itself.
    if text.is_empty() || is_strict_prefix(text, "Runtime exited with error:") {
        return None;
    }
    let error_type = following
        .split('\n')
        .map(str::trim)
        .find(|l| !l.is_empty())
        .and_then(first_word);
    Some(RequestError {
        request_id,
        text,
        error_type,
    })
}

fn parse_request_error<'a>(line: &'a str, following: &'a str) -> Option<LambdaLine<'a>> {
    let parts = request_error_parts(line, following)?;
    let request_id = Some(Cow::Borrowed(parts.request_id));
    if let Some(seconds) = timeout_seconds(parts.text) {
        return Some(LambdaLine::Timeout {
            request_id,
            seconds,
        });
    }
    if parts.error_type == Some("Runtime.OutOfMemory") {
        return Some(LambdaLine::OutOfMemory {
            request_id,
            signal: "Runtime.OutOfMemory",
        });
    }
    if let Some(signal) = oom_marker(parts.text) {
        return Some(LambdaLine::OutOfMemory { request_id, signal });
    }
    Some(LambdaLine::RuntimeExited {
        request_id,
        reason: Cow::Borrowed(parts.reason()),
        error_type: parts.error_type.map(Cow::Borrowed),
    })
}

// ---------------------------------------------------------------------------------------------
// Free text: timeouts, application lines, OOM markers
// ---------------------------------------------------------------------------------------------

fn parse_free_text<'a>(first: &'a str, message: &'a str) -> LambdaLine<'a> {
    if let Some(timeout) = parse_timeout_line(first) {
        return timeout;
    }
    if let Some(app) = parse_app_text(message) {
        return app;
    }
    if let Some(signal) = oom_marker(message) {
        return LambdaLine::OutOfMemory {
            request_id: None,
            signal,
        };
    }
    LambdaLine::Unknown
}

const TIMEOUT_NEEDLE: &str = "Task timed out after ";

/// `Task timed out after <n> seconds` at the start of `text` → n.
fn timeout_seconds(text: &str) -> Option<f64> {
    let mut words = text.strip_prefix(TIMEOUT_NEEDLE)?.split_ascii_whitespace();
    let secs = parse_f64(words.next()?)?;
    (words.next()? == "seconds").then_some(secs)
}

/// The standalone timeout line. Accepted prefixes: none, `Error:`, `<ISO> <id>`,
/// `RequestId: <id> [Error:]`. Any other text that only *mentions* a timeout is not one.
fn parse_timeout_line(line: &str) -> Option<LambdaLine<'_>> {
    let at = line.find(TIMEOUT_NEEDLE)?;
    let seconds = timeout_seconds(line.get(at..)?)?;
    let mut words = [""; 4];
    let mut n = 0;
    for w in line.get(..at)?.split_ascii_whitespace() {
        *words.get_mut(n)? = w;
        n += 1;
    }
    let request_id = match words.get(..n)? {
        [] | ["Error:"] => None,
        [ts, id] | [ts, id, "Error:"] if looks_like_iso(ts) => Some(*id),
        ["RequestId:", id] | ["RequestId:", id, "Error:"] => Some(*id),
        _ => return None,
    };
    Some(LambdaLine::Timeout {
        request_id: request_id.map(Cow::Borrowed),
        seconds,
    })
}

const LEVELS: [&str; 8] = [
    "TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL",
];

/// `<ISO>\t<id>\t<LEVEL>\t<msg>`, `<ISO>\t<id>\t<msg>` or Python's `[LEVEL]\t<ISO>\t<id>\t<msg>`.
fn parse_app_text(message: &str) -> Option<LambdaLine<'_>> {
    let (py_level, rest) = match message.strip_prefix('[') {
        Some(after) => {
            let (level, rest) = after.split_once("]\t")?;
            (Some(level).filter(|l| LEVELS.contains(l)), rest)
        }
        None => (None, message),
    };
    let (ts, rest) = rest.split_once('\t')?;
    if !looks_like_iso(ts) {
        return None;
    }
    // The TAB after the id proves the id is complete.
    let (id, rest) = rest.split_once('\t')?;
    let (level, text) = match py_level {
        Some(level) => (Some(level), rest),
        None => match rest.split_once('\t') {
            Some((level, text)) if LEVELS.contains(&level) => (Some(level), text),
            _ => (None, rest),
        },
    };
    let id = id.trim();
    let request_id = Some(id).filter(|id| !id.is_empty() && *id != "undefined");
    Some(classify_app(
        request_id.map(Cow::Borrowed),
        level.map(Cow::Borrowed),
        trim_newlines(text),
    ))
}

fn trim_newlines(s: &str) -> Cow<'_, str> {
    Cow::Borrowed(s.trim_end_matches(['\n', '\r']))
}

/// An application message may still be a timeout or an OOM report.
fn classify_app<'a>(
    request_id: Option<Cow<'a, str>>,
    level: Option<Cow<'a, str>>,
    message: Cow<'a, str>,
) -> LambdaLine<'a> {
    if let Some(seconds) = timeout_seconds(message.trim_start()) {
        return LambdaLine::Timeout {
            request_id,
            seconds,
        };
    }
    if let Some(signal) = oom_marker(&message) {
        return LambdaLine::OutOfMemory { request_id, signal };
    }
    LambdaLine::App {
        request_id,
        level,
        message,
    }
}

const OOM_MARKERS: [&str; 5] = [
    "Runtime.OutOfMemory",
    "fatal error: runtime: out of memory",
    "java.lang.OutOfMemoryError",
    "JavaScript heap out of memory",
    "failed to allocate memory (NoMemoryError)",
];

/// Which explicit OOM marker `text` carries, if any.
fn oom_marker(text: &str) -> Option<&'static str> {
    // Every marker contains "emory": one scan rejects almost all lines.
    if !text.contains("emory") {
        return None;
    }
    if let Some(m) = OOM_MARKERS.into_iter().find(|m| text.contains(m)) {
        return Some(m);
    }
    // Python's `MemoryError` only as a whole identifier (not `OutOfMemoryError`, `MemoryErrors`).
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices("MemoryError")
        .any(|(i, m)| {
            let before = text.get(..i).and_then(|s| s.chars().next_back());
            let after = text.get(i + m.len()..).and_then(|s| s.chars().next());
            !before.is_some_and(ident) && !after.is_some_and(ident)
        })
        .then_some("MemoryError")
}

/// OOM as a JSON `errorType` value.
fn oom_error_type(error_type: &str) -> Option<&'static str> {
    [
        "Runtime.OutOfMemory",
        "java.lang.OutOfMemoryError",
        "MemoryError",
        "NoMemoryError",
    ]
    .into_iter()
    .find(|t| *t == error_type)
}

// ---------------------------------------------------------------------------------------------
// Small text helpers
// ---------------------------------------------------------------------------------------------

fn split_line(s: &str) -> (&str, &str) {
    match memchr::memchr(b'\n', s.as_bytes()) {
        // `\n` is ASCII: both sides are char boundaries.
        Some(i) => (s.get(..i).unwrap_or(s), s.get(i + 1..).unwrap_or("")),
        None => (s, ""),
    }
}

/// `line` starts with `keyword` as a whole word → the text after it.
fn strip_keyword<'a>(line: &'a str, keyword: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(keyword)?;
    match rest.as_bytes().first() {
        None => Some(rest),
        Some(b) if b.is_ascii_whitespace() => Some(rest),
        Some(_) => None,
    }
}

/// `part` is a shorter beginning of `whole`: what truncation leaves of a fixed phrase.
fn is_strict_prefix(part: &str, whole: &str) -> bool {
    part.len() < whole.len() && whole.starts_with(part)
}

fn first_word(s: &str) -> Option<&str> {
    split_word(s).map(|(w, _)| w)
}

/// The first whitespace-separated word and the text after it (a byte loop: this runs several
/// times per REPORT line).
fn split_word(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let start = b.iter().position(|c| !c.is_ascii_whitespace())?;
    let end = b
        .iter()
        .skip(start)
        .position(u8::is_ascii_whitespace)
        .map_or(b.len(), |e| start + e);
    // ASCII whitespace bounds: char boundaries.
    Some((s.get(start..end)?, s.get(end..)?))
}

/// Whitespace-separated words with their byte offsets. Whitespace is ASCII, so every offset is
/// a char boundary.
#[derive(Clone)]
struct Words<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.s.as_bytes();
        let mut i = self.pos;
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(|c| !c.is_ascii_whitespace()) {
            i += 1;
        }
        self.pos = i;
        if start == i {
            return None;
        }
        Some((start, self.s.get(start..i)?))
    }
}

/// Finds each key's value in `line`: the trimmed text from after the key to the next known key
/// (or the end). The longest key wins at each word, so `Billed Duration:` is not read as
/// `Duration:`. The first occurrence of a key is kept.
fn scan_fields<'a, const N: usize>(line: &'a str, keys: &[Key; N]) -> [Option<&'a str>; N] {
    // Lambda writes its platform lines as TAB-separated `Key: value` fields; reading them
    // field by field is several times faster than word by word, and `cold-starts --log-file`
    // parses a million REPORT lines per GB. Anything else takes the general path.
    scan_tab_fields(line, keys).unwrap_or_else(|| scan_words(line, keys))
}

/// [`scan_fields`] for the layout Lambda writes, or None when `line` is not in it: every
/// non-blank TAB-separated field starts with a key (its words single-space separated, so the
/// field's first `:` ends it) followed by whitespace, and no word of its value is the first
/// word of a key, so no key can hide in a value. On such lines the result equals
/// [`scan_words`]'s (a property test compares them).
fn scan_tab_fields<'a, const N: usize>(
    line: &'a str,
    keys: &[Key; N],
) -> Option<[Option<&'a str>; N]> {
    let mut out = [None; N];
    let mut from = 0;
    // Fields come in the keys' order: look for the next key first.
    let mut hint = 0;
    let ends = memchr::memchr_iter(b'\t', line.as_bytes()).chain(std::iter::once(line.len()));
    for to in ends {
        // TAB and `:` are ASCII: every cut below is at a char boundary.
        let field = line.get(from..to)?.trim_ascii();
        from = to + 1;
        if field.is_empty() {
            continue;
        }
        let colon = memchr::memchr(b':', field.as_bytes())?;
        let (key, value) = field.split_at(colon + 1);
        let k = match keys.get(hint) {
            Some(h) if same_text(h, key) => hint,
            _ => keys.iter().position(|k| same_text(k, key))?,
        };
        hint = k + 1;
        // The key's last word ends at the colon: whitespace or nothing follows.
        if value
            .as_bytes()
            .first()
            .is_some_and(|c| !c.is_ascii_whitespace())
        {
            return None;
        }
        let value = value.trim_ascii();
        // A value word that starts a key would end the value there (units like `MB` do not).
        // Only words starting upper-case can; they are rare, so look at those alone.
        // (A fold without early exit: the compiler vectorises it.)
        if value
            .bytes()
            .fold(false, |up, c| up | c.is_ascii_uppercase())
        {
            let hidden = value.split_ascii_whitespace().any(|w| {
                w.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
                    && keys.iter().any(|key| starts_with_word(key, w))
            });
            if hidden {
                return None;
            }
        }
        if let Some(slot) = out.get_mut(k) {
            slot.get_or_insert(value);
        }
    }
    Some(out)
}

/// `key`'s first word is `word`.
fn starts_with_word(key: Key, word: &str) -> bool {
    key.as_bytes().first() == word.as_bytes().first()
        && key.starts_with(word)
        && matches!(key.as_bytes().get(word.len()), None | Some(b' '))
}

/// `a == b`, with the length and first byte compared inline: most keys differ in one of them,
/// and a call to `memcmp` per key costs more than the parse of a field.
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// [`scan_fields`] word by word: any whitespace between and inside keys.
fn scan_words<'a, const N: usize>(line: &'a str, keys: &[Key; N]) -> [Option<&'a str>; N] {
    let mut out = [None; N];
    let mut open: Option<(usize, usize)> = None; // (key index, value start)
    let mut words = Words { s: line, pos: 0 };
    let store = |out: &mut [Option<&'a str>; N], key: usize, value: Option<&'a str>| {
        if let Some(slot) = out.get_mut(key) {
            if slot.is_none() {
                *slot = value.map(|v| v.trim_matches(|c: char| c.is_ascii_whitespace()));
            }
        }
    };
    while let Some((start, word)) = words.next() {
        // Every key starts with an upper-case letter; numbers, units and ids skip the key loop.
        if !word.as_bytes().first().is_some_and(u8::is_ascii_uppercase) {
            continue;
        }
        let mut best: Option<(usize, usize, Words<'a>)> = None;
        for (k, key) in keys.iter().enumerate() {
            let len = key.split(' ').count();
            if !starts_with_word(key, word) || best.as_ref().is_some_and(|b| b.1 >= len) {
                continue;
            }
            let mut it = words.clone();
            if key
                .split(' ')
                .skip(1)
                .all(|kw| it.next().is_some_and(|(_, w)| w == kw))
            {
                best = Some((k, len, it));
            }
        }
        if let Some((k, _, after_key)) = best {
            if let Some((prev, value_start)) = open.take() {
                store(&mut out, prev, line.get(value_start..start));
            }
            open = Some((k, after_key.pos));
            words = after_key;
        }
    }
    if let Some((prev, value_start)) = open {
        store(&mut out, prev, line.get(value_start..));
    }
    out
}

/// Finite and non-negative, else unreadable.
fn parse_f64(s: &str) -> Option<f64> {
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

fn f64_to_u64(v: f64) -> Option<u64> {
    // `as` saturates; the range check keeps absurd values out instead of clamping them.
    (0.0..18_446_744_073_709_551_615.0)
        .contains(&v)
        .then(|| v.round() as u64)
}

fn parse_u64(s: &str) -> Option<u64> {
    s.parse::<u64>()
        .ok()
        .or_else(|| parse_f64(s).and_then(f64_to_u64))
}

fn to_u32(v: u64) -> Option<u32> {
    u32::try_from(v).ok()
}

/// `<number> <unit>`: a value whose unit is missing or cut is unreadable.
fn num_with_unit(value: &str, unit: &str) -> Option<f64> {
    let (n, unit_ok) = number_and_unit(value, unit)?;
    unit_ok.then(|| parse_f64(n)).flatten()
}

fn int_with_unit(value: &str, unit: &str) -> Option<u64> {
    let (n, unit_ok) = number_and_unit(value, unit)?;
    unit_ok.then(|| parse_u64(n)).flatten()
}

/// The first word of `value` and whether its second word is `unit`.
fn number_and_unit<'a>(value: &'a str, unit: &str) -> Option<(&'a str, bool)> {
    // The usual case, `128 MB` exactly, without walking the words.
    if let Some(n) = value.strip_suffix(unit).and_then(|v| v.strip_suffix(' ')) {
        if !n.is_empty() && !n.bytes().any(|c| c.is_ascii_whitespace()) {
            return Some((n, true));
        }
    }
    let (n, rest) = split_word(value)?;
    Some((n, first_word(rest)? == unit))
}

/// The id ends the line (nothing, not even a separator, follows it) and is a strict prefix of
/// the UUID shape: truncation may have cut it. A short id followed by more text is complete.
fn maybe_cut_id(line: &str, id: &str) -> bool {
    let ends_line = line.ends_with(id)
        && line
            .rsplit(|c: char| c.is_ascii_whitespace())
            .next()
            .is_some_and(|last| last == id);
    ends_line && is_cut_uuid(id)
}

/// A strict prefix of the 8-4-4-4-12 UUID shape: a request id cut by truncation.
fn is_cut_uuid(s: &str) -> bool {
    s.len() < 36
        && s.bytes().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_alphanumeric()
            }
        })
}

/// `1-` + 8 + `-` + 24 alphanumerics (docs replace hex digits with `xmpl`).
fn is_xray_trace_id(s: &str) -> bool {
    s.len() == 35
        && s.starts_with("1-")
        && s.bytes().enumerate().all(|(i, b)| match i {
            1 | 10 => b == b'-',
            _ => b.is_ascii_alphanumeric(),
        })
}

/// `YYYY-MM-DD[T…]`.
fn looks_like_iso(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), None | Some(b'T'))
}

fn own(c: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(c.into_owned())
}

fn own_opt(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    c.map(own)
}

// ---------------------------------------------------------------------------------------------
// JSON (LogFormat=JSON)
// ---------------------------------------------------------------------------------------------

/// Every field is optional so that one shape serves platform records and application logs.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Top<'a> {
    #[serde(borrow, rename = "type")]
    ty: LStr<'a>,
    #[serde(borrow)]
    record: Lenient<Record<'a>>,
    #[serde(borrow)]
    timestamp: LStr<'a>,
    #[serde(borrow, alias = "log_level")]
    level: LStr<'a>,
    #[serde(borrow, rename = "requestId")]
    request_id: LStr<'a>,
    #[serde(borrow)]
    message: LStr<'a>,
    #[serde(borrow, rename = "errorType")]
    error_type: LStr<'a>,
    #[serde(borrow, rename = "errorMessage")]
    error_message: LStr<'a>,
}

/// The union of the `record` fields of every platform type used here.
#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Record<'a> {
    #[serde(borrow)]
    request_id: LStr<'a>,
    #[serde(borrow)]
    version: LStr<'a>,
    #[serde(borrow)]
    function_arn: LStr<'a>,
    #[serde(borrow)]
    status: LStr<'a>,
    #[serde(borrow)]
    error_type: LStr<'a>,
    #[serde(borrow)]
    initialization_type: LStr<'a>,
    #[serde(borrow)]
    phase: LStr<'a>,
    #[serde(borrow)]
    runtime_version: LStr<'a>,
    #[serde(borrow)]
    runtime_version_arn: LStr<'a>,
    #[serde(borrow)]
    function_name: LStr<'a>,
    #[serde(borrow)]
    function_version: LStr<'a>,
    #[serde(borrow)]
    instance_id: LStr<'a>,
    instance_max_memory: LNum,
    #[serde(borrow)]
    name: LStr<'a>,
    #[serde(borrow)]
    state: LStr<'a>,
    #[serde(borrow)]
    events: LList<'a>,
    #[serde(borrow)]
    types: LList<'a>,
    metrics: Lenient<Metrics>,
    #[serde(borrow)]
    tracing: Lenient<Tracing<'a>>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Metrics {
    duration_ms: LNum,
    billed_duration_ms: LNum,
    #[serde(rename = "memorySizeMB")]
    memory_size_mb: LNum,
    #[serde(rename = "maxMemoryUsedMB")]
    max_memory_used_mb: LNum,
    init_duration_ms: LNum,
    restore_duration_ms: LNum,
    billed_restore_duration_ms: LNum,
    produced_bytes: LNum,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Tracing<'a> {
    #[serde(borrow)]
    value: LStr<'a>,
}

fn parse_json(message: &str) -> LambdaLine<'_> {
    match serde_json::from_str::<Top<'_>>(message) {
        Ok(top) => from_top(top, message),
        Err(_) => from_top(salvage_top(message), message),
    }
}

fn from_top<'a>(top: Top<'a>, whole: &'a str) -> LambdaLine<'a> {
    match top.ty {
        LStr::Str(ty) if ty.starts_with("platform.") => {
            from_record(ty, top.record.0.unwrap_or_default())
        }
        _ => from_app_json(top, whole),
    }
}

fn from_record<'a>(ty: Cow<'a, str>, r: Record<'a>) -> LambdaLine<'a> {
    let m = r.metrics.0.unwrap_or_default();
    let trace = r.tracing.0.and_then(|t| t.value.get()).and_then(trace_root);
    match &*ty {
        "platform.report" => {
            let (Some(request_id), Some(duration_ms)) = (
                r.request_id.get().filter(|id| !id.is_empty()),
                m.duration_ms.f64(),
            ) else {
                return LambdaLine::Unknown;
            };
            LambdaLine::Report(Report {
                request_id,
                duration_ms,
                billed_ms: m.billed_duration_ms.u64(),
                memory_mb: m.memory_size_mb.u64().and_then(to_u32),
                max_memory_mb: m.max_memory_used_mb.u64().and_then(to_u32),
                init_ms: m.init_duration_ms.f64(),
                restore_ms: m.restore_duration_ms.f64(),
                billed_restore_ms: m.billed_restore_duration_ms.u64(),
                xray_trace_id: trace,
                status: r.status.get(),
                error_type: r.error_type.get(),
                exit_reason: None,
            })
        }
        "platform.start" => match r.request_id.get().filter(|id| !id.is_empty()) {
            Some(request_id) => LambdaLine::Start {
                request_id,
                version: r.version.get(),
                function_arn: r.function_arn.get(),
                xray_trace_id: trace,
            },
            None => LambdaLine::Unknown,
        },
        "platform.runtimeDone" => match r.request_id.get().filter(|id| !id.is_empty()) {
            Some(request_id) => LambdaLine::RuntimeDone {
                request_id,
                status: r.status.get(),
                error_type: r.error_type.get(),
                duration_ms: m.duration_ms.f64(),
                produced_bytes: m.produced_bytes.u64(),
            },
            None => LambdaLine::Unknown,
        },
        "platform.initStart" | "platform.restoreStart" => LambdaLine::InitStart {
            kind: if &*ty == "platform.initStart" {
                InitKind::Init
            } else {
                InitKind::Restore
            },
            runtime_version: r.runtime_version.get(),
            runtime_version_arn: r.runtime_version_arn.get(),
            phase: r.phase.get(),
            initialization_type: r.initialization_type.get(),
            function_name: r.function_name.get(),
            function_version: r.function_version.get(),
            instance_id: r.instance_id.get(),
            instance_max_memory_bytes: r.instance_max_memory.u64(),
        },
        "platform.initReport" | "platform.restoreReport" => LambdaLine::InitReport {
            kind: if &*ty == "platform.initReport" {
                InitKind::Init
            } else {
                InitKind::Restore
            },
            init_ms: m.duration_ms.f64(),
            phase: r.phase.get(),
            status: r.status.get(),
            error_type: r.error_type.get(),
        },
        "platform.extension" | "platform.telemetrySubscription" => LambdaLine::Extension {
            kind: if &*ty == "platform.extension" {
                ExtensionKind::Extension
            } else {
                ExtensionKind::Telemetry
            },
            name: r.name.get(),
            state: r.state.get(),
            events: r.events.0.or(r.types.0),
            error_type: r.error_type.get(),
        },
        _ => LambdaLine::OtherPlatform { record_type: ty },
    }
}

fn from_app_json<'a>(top: Top<'a>, whole: &'a str) -> LambdaLine<'a> {
    let app_shaped = [
        &top.timestamp,
        &top.level,
        &top.request_id,
        &top.message,
        &top.error_message,
        &top.error_type,
    ]
    .iter()
    .any(|f| !matches!(f, LStr::Missing));
    if !app_shaped {
        return LambdaLine::Unknown;
    }
    let request_id = top
        .request_id
        .get()
        .filter(|id| !id.is_empty() && id != "undefined");
    if let Some(signal) = top.error_type.get().as_deref().and_then(oom_error_type) {
        return LambdaLine::OutOfMemory { request_id, signal };
    }
    let message = match top.message {
        LStr::Str(s) => s,
        // Structured `message` (an object): keep the whole event rather than lose it.
        LStr::Other => Cow::Borrowed(whole),
        LStr::Missing => top.error_message.get().unwrap_or(Cow::Borrowed(whole)),
    };
    classify_app(request_id, top.level.get(), message)
}

/// `Root=1-…;Parent=…;Sampled=1` → `1-…`. A value without `Root=` is kept whole.
fn trace_root(value: Cow<'_, str>) -> Option<Cow<'_, str>> {
    let range = |s: &str| -> Option<(usize, usize)> {
        let lower_start = s.match_indices(['R', 'r']).map(|(i, _)| i).find(|&i| {
            s.get(i..i + 5)
                .is_some_and(|p| p.eq_ignore_ascii_case("root="))
        });
        let start = match lower_start {
            Some(i) => i + 5,
            None => 0,
        };
        let end = s
            .get(start..)
            .and_then(|t| t.find(';'))
            .map_or(s.len(), |e| start + e);
        Some((start, end)).filter(|(a, b)| a < b)
    };
    match value {
        Cow::Borrowed(s) => {
            let (a, b) = range(s)?;
            s.get(a..b).map(Cow::Borrowed)
        }
        Cow::Owned(s) => {
            let (a, b) = range(&s)?;
            s.get(a..b).map(|t| Cow::Owned(t.to_owned()))
        }
    }
}

// --- lenient field types: a wrong type gives "absent", never a failed record ---------------

/// A JSON field read as a string: absent, a string, or present with another type.
#[derive(Default)]
enum LStr<'a> {
    #[default]
    Missing,
    Str(Cow<'a, str>),
    Other,
}

impl<'a> LStr<'a> {
    fn get(self) -> Option<Cow<'a, str>> {
        match self {
            LStr::Str(s) => Some(s),
            _ => None,
        }
    }

    fn from_opt(s: Option<&'a str>) -> Self {
        s.map_or(LStr::Missing, |s| LStr::Str(Cow::Borrowed(s)))
    }
}

/// A JSON number (int, float or numeric string).
#[derive(Default)]
struct LNum(Option<f64>);

impl LNum {
    fn f64(&self) -> Option<f64> {
        self.0.filter(|v| v.is_finite() && *v >= 0.0)
    }

    fn u64(&self) -> Option<u64> {
        self.0.and_then(f64_to_u64)
    }
}

/// A JSON array of strings joined with `, ` (or a lone string).
#[derive(Default)]
struct LList<'a>(Option<Cow<'a, str>>);

/// A nested object, or `None` if the value is not an object.
struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

/// Visitor methods shared by the lenient types: every scalar becomes `$other`, and
/// containers are drained and become `$other` too.
macro_rules! lenient_scalars {
    ($other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
    };
}

macro_rules! lenient_containers {
    ($other:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($other)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($other)
        }
    };
}

impl<'de: 'a, 'a> Deserialize<'de> for LStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LStr::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LStr::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(LStr::Str(Cow::Owned(v)))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                LStr::deserialize(d)
            }
            lenient_scalars!(LStr::Other);
            lenient_containers!(LStr::Other);
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de> Deserialize<'de> for LNum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LNum;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LNum(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LNum(Some(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(LNum(Some(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LNum(v.trim().parse().ok()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LNum(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LNum(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LNum(None))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                LNum::deserialize(d)
            }
            lenient_containers!(LNum(None));
        }
        d.deserialize_any(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LList<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items: Vec<Cow<'a, str>> = Vec::new();
                while let Some(item) = seq.next_element::<LStr<'a>>()? {
                    items.extend(item.get());
                }
                Ok(LList(Some(if items.len() == 1 {
                    items.swap_remove(0)
                } else {
                    Cow::Owned(items.join(", "))
                })))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LList(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LList(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                LList::deserialize(d)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LList(None))
            }
            lenient_scalars!(LList(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| Lenient(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                Lenient::deserialize(d)
            }
            lenient_scalars!(Lenient(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

// --- salvage: best effort for JSON that serde_json rejects ----------------------------------

/// Rebuilds a [`Top`] from the complete `"key": value` pairs found in broken JSON (the AWS doc's
/// trailing-comma example, truncated events). Strings with escapes are skipped, not decoded.
fn salvage_top(text: &str) -> Top<'_> {
    let s = |key: &str| LStr::from_opt(json_str(text, key));
    let metrics = json_object_after(text, "metrics").map(|m| {
        let n = |key: &str| LNum(json_num(m, key));
        Metrics {
            duration_ms: n("durationMs"),
            billed_duration_ms: n("billedDurationMs"),
            memory_size_mb: n("memorySizeMB"),
            max_memory_used_mb: n("maxMemoryUsedMB"),
            init_duration_ms: n("initDurationMs"),
            restore_duration_ms: n("restoreDurationMs"),
            billed_restore_duration_ms: n("billedRestoreDurationMs"),
            produced_bytes: n("producedBytes"),
        }
    });
    let tracing = json_object_after(text, "tracing").map(|t| Tracing {
        value: LStr::from_opt(json_str(t, "value")),
    });
    let ty = json_values(text, "type")
        .filter_map(json_string_at)
        .find(|t| t.starts_with("platform."));
    Top {
        ty: LStr::from_opt(ty),
        record: Lenient(Some(Record {
            request_id: s("requestId"),
            version: s("version"),
            function_arn: s("functionArn"),
            status: s("status"),
            error_type: s("errorType"),
            initialization_type: s("initializationType"),
            phase: s("phase"),
            runtime_version: s("runtimeVersion"),
            runtime_version_arn: s("runtimeVersionArn"),
            function_name: s("functionName"),
            function_version: s("functionVersion"),
            instance_id: s("instanceId"),
            instance_max_memory: LNum(json_num(text, "instanceMaxMemory")),
            name: s("name"),
            state: s("state"),
            events: LList(None),
            types: LList(None),
            metrics: Lenient(metrics),
            tracing: Lenient(tracing),
        })),
        timestamp: s("timestamp"),
        level: match json_str(text, "level") {
            Some(l) => LStr::Str(Cow::Borrowed(l)),
            None => s("log_level"),
        },
        request_id: s("requestId"),
        message: s("message"),
        error_type: s("errorType"),
        error_message: s("errorMessage"),
    }
}

fn json_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// For each `"key":` in `text` (not inside an escaped string), the text after the colon.
fn json_values<'a, 'k>(text: &'a str, key: &'k str) -> impl Iterator<Item = &'a str> + use<'a, 'k> {
    text.match_indices(key).filter_map(move |(i, _)| {
        let b = text.as_bytes();
        let open = i.checked_sub(1)?;
        if b.get(open) != Some(&b'"') || open.checked_sub(1).and_then(|j| b.get(j)) == Some(&b'\\')
        {
            return None;
        }
        let after = text.get(i + key.len()..)?.strip_prefix('"')?;
        let after = after.trim_start_matches(json_ws).strip_prefix(':')?;
        Some(after.trim_start_matches(json_ws))
    })
}

/// A complete, escape-free JSON string at the start of `at`.
fn json_string_at(at: &str) -> Option<&str> {
    let body = at.strip_prefix('"')?;
    let end = body.find(['"', '\\'])?;
    (body.as_bytes().get(end) == Some(&b'"'))
        .then(|| body.get(..end))
        .flatten()
}

fn json_str<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    json_values(text, key).find_map(json_string_at)
}

/// A number at `key` that is followed by a delimiter, i.e. was not cut. Whitespace alone is
/// not proof: truncators append ` [TRUNCATED]` right at the cut, so `"durationMs":12
/// [TRUNCATED]` may have been 12.5 or 1234; the next non-blank character must be `,`, `}` or
/// `]`.
fn json_num(text: &str, key: &str) -> Option<f64> {
    json_values(text, key).find_map(|v| {
        let end =
            v.find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))?;
        let delimiter = v.get(end..)?.chars().find(|c| !json_ws(*c))?;
        if !matches!(delimiter, ',' | '}' | ']') {
            return None;
        }
        v.get(..end)?.parse::<f64>().ok().filter(|n| n.is_finite())
    })
}

/// The flat object at `key`, from after its `{` to its `}` (or the end of a cut event).
fn json_object_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    json_values(text, key).find_map(|v| {
        let body = v.strip_prefix('{')?;
        // Keep the `}` so that the last number still has its delimiter.
        Some(body.find('}').and_then(|e| body.get(..=e)).unwrap_or(body))
    })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ---- verbatim examples from aws-formats.md (TABs as real `\t`) --------------------------

    // §1.2 raw get-log-events JSON string (LDG gettingstarted-awscli.md).
    const R_RAW_2019: &str = "REPORT RequestId: 4ce9340a-...\tDuration: 26.73 ms\tBilled Duration: 27 ms \tMemory Size: 128 MB\tMax Memory Used: 75 MB\t\n";
    // §1.2 rendered with spaces (LDG python-logging.md), elided with "...".
    const R_RENDERED_ELIDED: &str =
        "REPORT RequestId: 57f231fb-...  Duration: 79.67 ms      Billed Duration: 80 ms ...";
    // §1.2 XRAY continuation, as quoted (an event fragment starting with "...").
    const R_XRAY_FRAGMENT: &str = "...Init Duration: 156.08 ms\t\nXRAY TraceId: 1-5d88ad26-...\tSegmentId: 2ea934c013374041\tSampled: false\t\n";
    // §1.3 fragments.
    const F_100MS_DOC: &str = "Duration: 12.34 ms ... Billed Duration: 100 ms";
    const F_100MS_DD: &str = "Duration: 0.62 ms\tBilled Duration: 100 ms";
    const F_JAN_2025: &str =
        "Duration: 1776.81 ms Billed Duration: 1777 ms ... Init Duration: 1987.45 ms";
    const R_SNAPSTART: &str = "REPORT RequestId: 8c360c87-...\tDuration: 2338.66 ms\tBilled Duration: 2521 ms\tMemory Size: 3009 MB\tMax Memory Used: 173 MB\tRestore Duration: 398.97 ms\tBilled Restore Duration: 182 ms\t";
    // §1.3 verbatim era examples; lines shown apart in the doc are one CloudWatch event.
    const R_GO: &str = "REPORT RequestId: dbda340c-xmpl-4031-8810-11bb609b4c71\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 54 MB\tInit Duration: 203.69 ms\t\nXRAY TraceId: 1-5e7d7595-212fxmpl9ee07c4884191322\tSegmentId: 42ffxmpl0645f474\tSampled: true";
    const R_NODE_100MS: &str = "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 128.83 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true";
    const R_2019: &str = "REPORT RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf\tDuration: 26.73 ms\tBilled Duration: 27 ms \tMemory Size: 128 MB\tMax Memory Used: 75 MB\t";
    const R_PYTHON_RENDERED: &str = "REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95  Duration: 15.74 ms  Billed Duration: 16 ms Memory Size: 128 MB Max Memory Used: 56 MB  Init Duration: 130.49 ms\nXRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1   SegmentId: 07f5xmpl2d1f6f85 Sampled: true";
    // §1.4
    const START: &str = "START RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8 Version: $LATEST";
    const END: &str = "END RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8";
    // §1.5
    const INIT_START_DOC: &str = "INIT_START Runtime Version: python:3.13.v14    Runtime Version ARN: arn:aws:lambda:eu-south-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6I";
    const INIT_START_PY: &str = "INIT_START Runtime Version: python:3.13.v43\tRuntime Version ARN: arn:aws:lambda:eu-west-2::runtime:df8f…7af";
    const INIT_START_NODE: &str =
        "INIT_START Runtime Version: nodejs:20.v15\tRuntime Version ARN: …";
    const RESTORE_START: &str = "RESTORE_START Runtime Version: java:21.mainline.v82\tRuntime Version ARN: arn:aws:lambda:ap-southeast-2::runtime:1a7a…204e";
    const INIT_REPORT_IMPORT: &str = "INIT_REPORT Init Duration: 229.04 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError";
    const INIT_REPORT_INVOKE: &str = "INIT_REPORT Init Duration: 8431.38 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError";
    const INIT_REPORT_TIMEOUT: &str =
        "INIT_REPORT Init Duration: 9999.56 ms\tPhase: init\tStatus: timeout";
    const INIT_REPORT_SNAP_OK: &str = "INIT_REPORT Init Duration: 13316.04 ms";
    const EXT_ADAPTER: &str = "EXTENSION\tName: lambda-adapter\tState: Ready\tEvents: []";
    const EXT_AGENT: &str =
        "EXTENSION\tName: cloudwatch_lambda_agent\tState: Ready\tEvents: [INVOKE, SHUTDOWN]";
    const LOGS_AGENT: &str =
        "LOGS\tName: cloudwatch_lambda_agent\tState: Subscribed\tTypes: [Platform]";
    const TELEMETRY: &str = "TELEMETRY\tName: … \tState: Subscribed\tTypes: [Platform]";
    const APP_INFO: &str = "2019-06-05T19:30:03.173Z\t4ce9340a-…\tINFO\tENVIRONMENT VARIABLES…";
    const APP_INIT_ERROR: &str =
        "2022-02-01T20:08:56.333Z\tundefined\tERROR\tUncaught Exception \t…";
    // §1.6
    const TIMEOUT_DD: &str = "2020-06-09T15:02:26.150Z 7c9567b5-107b-4a6c-8798-0157ac21db52 Task timed out after 3.00 seconds";
    const TIMEOUT_ERICALLAM: &str =
        "2019-02-27T11:31:11.456Z 71952965-… Task timed out after 10.00 seconds";
    const TIMEOUT_DOC_PROSE: &str = "Error: Task timed out after 10.00 seconds";
    // §1.7
    const REPORT_OOM_KILLED: &str = "REPORT RequestId: bafb0f6a-…\tDuration: 4237.92 ms\tBilled Duration: 4238 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t\nRequestId: bafb0f6a-… Error: Runtime exited with error: signal: killed\nRuntime.ExitError";
    const KILLED_LINE: &str = "RequestId: abc-123 Error: Runtime exited with error: signal: killed";
    const EXIT_ERROR_LINE: &str = "Runtime.ExitError";
    const OOM_GO: &str = "fatal error: runtime: out of memory";
    const OOM_JAVA: &str = "java.lang.OutOfMemoryError";
    const OOM_NODE: &str =
        "FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory";
    const OOM_PYTHON: &str = "MemoryError";
    const OOM_RUBY: &str = "failed to allocate memory (NoMemoryError)";
    // §2 AWS doc examples (telemetry-schema-reference).
    const J_DOC_INIT_START: &str = r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"nodejs-14.v3","runtimeVersionArn":"arn","functionName":"myFunction","functionVersion":"$LATEST","instanceId":"82561ce0-53dd-47d1-90e0-c8f5e063e62e","instanceMaxMemory":256}}"#;
    const J_DOC_INIT_REPORT: &str = r#"{"time":"2022-10-12T00:01:15.000Z","type":"platform.initReport","record":{"initializationType":"on-demand","status":"success","phase":"init","metrics":{"durationMs":125.33},"spans":[{"name":"someTimeSpan","start":"2022-06-02T12:02:33.913Z","durationMs":90.1}]}}"#;
    const J_DOC_START: &str = r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.start","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","version":"$LATEST","tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"}}}"#;
    const J_DOC_RUNTIME_DONE: &str = r#"{"time":"2022-10-12T00:01:15.000Z","type":"platform.runtimeDone","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","status":"success", ... ,"metrics":{"durationMs":140.0,"producedBytes":16}}}"#;
    const J_DOC_REPORT_MALFORMED: &str = r#"{"time": "2022-10-12T00:01:15.000Z","type": "platform.report","record": {"metrics": {"billedDurationMs": 694,"durationMs": 693.92,"initDurationMs": 397.68,"maxMemoryUsedMB": 84,"memorySizeMB": 128},"requestId": "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",}}"#;
    // §2 real CloudWatch captures.
    const J_REAL_INIT_START: &str = r#"{"time":"2026-10-08T07:30:27.768Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"nodejs:22.mainline.v122","runtimeVersionArn":"arn:aws:lambda:eu-central-1::runtime:775dab0d…69e4","functionName":"tenner-notifier","functionVersion":"$LATEST","instanceId":"2026/10/08/tenner-notifier[$LATEST]22be53a8cfde4e68b844f8ec293b2543","instanceMaxMemory":268435456}}"#;
    const J_REAL_START: &str = r#"{"time":"2026-10-08T07:30:28.235Z","type":"platform.start","record":{"requestId":"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","functionArn":"arn:aws:lambda:eu-central-1:825765399535:function:tenner-notifier","version":"$LATEST"}}"#;
    const J_REAL_REPORT: &str = r#"{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{"requestId":"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","metrics":{"durationMs":1233.96,"billedDurationMs":1698,"memorySizeMB":256,"maxMemoryUsedMB":123,"initDurationMs":463.512},"status":"success"}}"#;
    // §2 DataDog forwarder fixture.
    const J_DD_TIMEOUT: &str = r#"{"time": "2024-10-18T19:38:39.661Z", "type": "platform.report", "record": {"requestId": "b441820a-…", "metrics": {"durationMs": 30000.0, "billedDurationMs": 30000, "memorySizeMB": 128, "maxMemoryUsedMB": 74, "initDurationMs": 985.413}, "status": "timeout"}}"#;

    /// Every verbatim example, for the cut and mutation tests.
    const EXAMPLES: &[&str] = &[
        R_RAW_2019,
        R_RENDERED_ELIDED,
        R_XRAY_FRAGMENT,
        F_100MS_DOC,
        F_100MS_DD,
        F_JAN_2025,
        R_SNAPSTART,
        R_GO,
        R_NODE_100MS,
        R_2019,
        R_PYTHON_RENDERED,
        START,
        END,
        INIT_START_DOC,
        INIT_START_PY,
        INIT_START_NODE,
        RESTORE_START,
        INIT_REPORT_IMPORT,
        INIT_REPORT_INVOKE,
        INIT_REPORT_TIMEOUT,
        INIT_REPORT_SNAP_OK,
        EXT_ADAPTER,
        EXT_AGENT,
        LOGS_AGENT,
        TELEMETRY,
        APP_INFO,
        APP_INIT_ERROR,
        TIMEOUT_DD,
        TIMEOUT_ERICALLAM,
        TIMEOUT_DOC_PROSE,
        REPORT_OOM_KILLED,
        KILLED_LINE,
        EXIT_ERROR_LINE,
        OOM_GO,
        OOM_JAVA,
        OOM_NODE,
        OOM_PYTHON,
        OOM_RUBY,
        J_DOC_INIT_START,
        J_DOC_INIT_REPORT,
        J_DOC_START,
        J_DOC_RUNTIME_DONE,
        J_DOC_REPORT_MALFORMED,
        J_REAL_INIT_START,
        J_REAL_START,
        J_REAL_REPORT,
        J_DD_TIMEOUT,
    ];

    fn report(msg: &str) -> Report<'_> {
        match parse_event(msg) {
            LambdaLine::Report(r) => r,
            other => panic!("expected Report for {msg:?}, got {other:?}"),
        }
    }

    /// For events built in the test: the report must outlive the temporary string.
    fn report_owned(msg: &str) -> Report<'static> {
        report(msg).into_owned()
    }

    fn s(v: &str) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(v))
    }

    // ---- §1.2 / §1.3 REPORT -----------------------------------------------------------------

    #[test]
    fn report_raw_2019_space_before_tab_and_trailing_newline() {
        let r = report(R_RAW_2019);
        assert_eq!(r.request_id, "4ce9340a-...");
        assert_eq!(r.duration_ms, 26.73);
        assert_eq!(r.billed_ms, Some(27));
        assert_eq!(r.memory_mb, Some(128));
        assert_eq!(r.max_memory_mb, Some(75));
        assert_eq!(r.init_ms, None);
        assert_eq!(r.xray_trace_id, None);
        assert_eq!(r.status, None);
        assert!(!r.is_cold_start());
    }

    #[test]
    fn report_2019_full_id() {
        let r = report(R_2019);
        assert_eq!(r.request_id, "4ce9340a-b765-490f-ad8a-02ab3415e2bf");
        assert_eq!(
            (r.duration_ms, r.billed_ms, r.memory_mb, r.max_memory_mb),
            (26.73, Some(27), Some(128), Some(75))
        );
    }

    #[test]
    fn report_rendered_with_space_runs_and_elision() {
        let r = report(R_RENDERED_ELIDED);
        assert_eq!(r.request_id, "57f231fb-...");
        assert_eq!(r.duration_ms, 79.67);
        assert_eq!(r.billed_ms, Some(80));
        assert_eq!(r.memory_mb, None);
    }

    #[test]
    fn report_go_doc_with_xray_after_newline() {
        let r = report(R_GO);
        assert_eq!(r.request_id, "dbda340c-xmpl-4031-8810-11bb609b4c71");
        assert_eq!(r.duration_ms, 38.66);
        assert_eq!(r.billed_ms, Some(39));
        assert_eq!(r.memory_mb, Some(128));
        assert_eq!(r.max_memory_mb, Some(54));
        assert_eq!(r.init_ms, Some(203.69));
        assert_eq!(r.xray_trace_id, s("1-5e7d7595-212fxmpl9ee07c4884191322"));
        assert!(r.is_cold_start());
        // The XRAY line alone (as the console shows it) is not a report.
        let xray = R_GO.split_once('\n').unwrap().1;
        assert_eq!(parse_event(xray), LambdaLine::Unknown);
        // The REPORT line alone still parses.
        let line = R_GO.split_once('\n').unwrap().0;
        assert_eq!(report(line).xray_trace_id, None);
    }

    #[test]
    fn report_node_100ms_era_with_xray_on_same_line() {
        let r = report(R_NODE_100MS);
        assert_eq!(r.duration_ms, 128.83);
        assert_eq!(r.billed_ms, Some(200));
        assert_eq!(r.init_ms, Some(166.62));
        assert_eq!(r.max_memory_mb, Some(74));
        assert_eq!(r.xray_trace_id, s("1-5d9d007f-0a8c7fd02xmpl480aed55ef0"));
    }

    #[test]
    fn report_python_rendered_spaces_and_xray_line() {
        let r = report(R_PYTHON_RENDERED);
        assert_eq!(r.request_id, "8f507cfc-xmpl-4697-b07a-ac58fc914c95");
        assert_eq!(r.duration_ms, 15.74);
        assert_eq!(r.billed_ms, Some(16));
        assert_eq!(r.memory_mb, Some(128));
        assert_eq!(r.max_memory_mb, Some(56));
        assert_eq!(r.init_ms, Some(130.49));
        assert_eq!(r.xray_trace_id, s("1-5e34a614-10bdxmplf1fb44f07bc535a1"));
    }

    #[test]
    fn report_xray_fragment_from_forwarder_tests() {
        // Verbatim it starts with "..." and is not an event on its own.
        assert_eq!(parse_event(R_XRAY_FRAGMENT), LambdaLine::Unknown);
        // Completed into an event: the elided trace id is not a full id, so it is dropped.
        let ev = format!(
            "REPORT RequestId: 2f37fd85-2f0c-4c3b-9bd8-3b2cf4f0cb2e\tDuration: 1.00 ms\t{}",
            R_XRAY_FRAGMENT.trim_start_matches("...")
        );
        let r = report(&ev);
        assert_eq!(r.init_ms, Some(156.08));
        assert_eq!(r.xray_trace_id, None);
    }

    #[test]
    fn report_100ms_billing_fragments() {
        let id = "REPORT RequestId: 11111111-2222-3333-4444-555555555555\t";
        let r = report_owned(&format!("{id}{F_100MS_DOC}"));
        assert_eq!((r.duration_ms, r.billed_ms), (12.34, Some(100)));
        let r = report_owned(&format!("{id}{F_100MS_DD}"));
        assert_eq!((r.duration_ms, r.billed_ms), (0.62, Some(100)));
        for f in [F_100MS_DOC, F_100MS_DD, F_JAN_2025] {
            assert_eq!(parse_event(f), LambdaLine::Unknown, "{f}");
        }
    }

    #[test]
    fn report_init_not_billed_jan_2025() {
        let r = report_owned(&format!(
            "REPORT RequestId: 11111111-2222-3333-4444-555555555555 {F_JAN_2025}"
        ));
        assert_eq!(r.duration_ms, 1776.81);
        assert_eq!(r.billed_ms, Some(1777));
        assert_eq!(r.init_ms, Some(1987.45));
    }

    #[test]
    fn report_snapstart_restore_without_init() {
        let r = report(R_SNAPSTART);
        assert_eq!(r.request_id, "8c360c87-...");
        assert_eq!(r.duration_ms, 2338.66);
        assert_eq!(r.billed_ms, Some(2521));
        assert_eq!(r.memory_mb, Some(3009));
        assert_eq!(r.max_memory_mb, Some(173));
        assert_eq!(r.init_ms, None);
        assert_eq!(r.restore_ms, Some(398.97));
        assert_eq!(r.billed_restore_ms, Some(182));
        assert!(r.is_cold_start());
    }

    #[test]
    fn report_rie_init_first_and_managed_instances_duration_only() {
        // RIE (handlers.go) prints Init Duration before Duration.
        let r = report("REPORT RequestId: 6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\tInit Duration: 0.52 ms\tDuration: 1.65 ms\tBilled Duration: 2 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t");
        assert_eq!((r.init_ms, r.duration_ms), (Some(0.52), 1.65));
        assert!(r.memory_exhausted());
        // Managed Instances RIE: `REPORT RequestId: %s\tDuration: %.2f ms`.
        let r =
            report("REPORT RequestId: 6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\tDuration: 12.50 ms");
        assert_eq!(r.duration_ms, 12.5);
        assert_eq!(
            (r.billed_ms, r.memory_mb, r.max_memory_mb),
            (None, None, None)
        );
    }

    #[test]
    fn report_timeout_ordering_capture() {
        // §1.6: REPORT first (Duration 10010.65 ms, Billed 10000 ms), then the timeout line.
        let r = report("REPORT RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52\tDuration: 10010.65 ms\tBilled Duration: 10000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t");
        assert_eq!((r.duration_ms, r.billed_ms), (10010.65, Some(10000)));
    }

    #[test]
    fn report_with_runtime_exit_in_same_event() {
        let r = report(REPORT_OOM_KILLED);
        assert_eq!(r.request_id, "bafb0f6a-…");
        assert_eq!(r.duration_ms, 4237.92);
        assert_eq!(r.memory_mb, Some(128));
        assert_eq!(r.max_memory_mb, Some(128));
        assert_eq!(r.exit_reason, s("signal: killed"));
        assert_eq!(r.error_type, s("Runtime.ExitError"));
        assert!(r.memory_exhausted());
        assert!(parse_event(REPORT_OOM_KILLED).suggests_oom());
    }

    #[test]
    fn report_text_status_key_if_present() {
        let r = report("REPORT RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\tStatus: timeout");
        assert_eq!(r.status, s("timeout"));
    }

    #[test]
    fn report_numbers_exponent_negative_nan() {
        let base = "REPORT RequestId: 11111111-2222-3333-4444-555555555555\t";
        let r = report_owned(&format!("{base}Duration: 1.2E8 ms\tBilled Duration: 1.2E8 ms\tMemory Size: -5 MB\tMax Memory Used: NaN MB\tInit Duration: inf ms"));
        assert_eq!(r.duration_ms, 1.2e8);
        assert_eq!(r.billed_ms, Some(120_000_000));
        assert_eq!(
            (r.memory_mb, r.max_memory_mb, r.init_ms),
            (None, None, None)
        );
        assert_eq!(
            parse_event(&format!("{base}Duration: NaN ms")),
            LambdaLine::Unknown
        );
        assert_eq!(
            parse_event(&format!("{base}Duration: -1.0 ms")),
            LambdaLine::Unknown
        );
        assert_eq!(
            report(&format!(
                "{base}Duration: 1 ms\tMemory Size: 99999999999 MB"
            ))
            .memory_mb,
            None
        );
    }

    #[test]
    fn marked_and_blank_padded_cuts_are_not_misread() {
        let head = r#"{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{"requestId":"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","metrics":{"durationMs":12"#;
        // The cut number could have been 12.5 or 1234: neither marker nor blank vouches for it.
        for tail in [" [TRUNCATED]", " ", " …"] {
            let cut = format!("{head}{tail}");
            assert_eq!(parse_event(&cut), LambdaLine::Unknown, "{cut}");
        }
        // A structural delimiter after blanks does (pretty-printed JSON).
        let pretty = format!("{head} ,\n \"billedDurationMs\":13}}}}");
        assert!(matches!(parse_event(&pretty), LambdaLine::Report(r) if r.duration_ms == 12.0));
        assert_eq!(
            parse_event("START RequestId: 57f231fb-1730 [TRUNCATED]"),
            LambdaLine::Unknown
        );
    }

    #[test]
    fn report_cut_value_is_dropped_not_misread() {
        let r = report("REPORT RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf\tDuration: 26.73 ms\tBilled Duration: 27 ms \tMemory Size: 12");
        assert_eq!(r.memory_mb, None);
        assert_eq!(r.billed_ms, Some(27));
        assert_eq!(
            parse_event("REPORT RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf\tDuration: 26.7"),
            LambdaLine::Unknown
        );
        assert_eq!(
            parse_event("REPORT RequestId: 4ce9340a-b765"),
            LambdaLine::Unknown
        );
    }

    // ---- §1.4 START / END -------------------------------------------------------------------

    #[test]
    fn start_and_end() {
        assert_eq!(
            parse_event(START),
            LambdaLine::Start {
                request_id: Cow::Borrowed("57f231fb-1730-4395-85cb-4f71bd2b87b8"),
                version: s("$LATEST"),
                function_arn: None,
                xray_trace_id: None
            }
        );
        // RIE managed-instances prints a TAB before Version; a real SnapStart capture has `56`.
        match parse_event("START RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8\tVersion: 56") {
            LambdaLine::Start { version, .. } => assert_eq!(version, s("56")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_event(END),
            LambdaLine::End {
                request_id: Cow::Borrowed("57f231fb-1730-4395-85cb-4f71bd2b87b8")
            }
        );
        assert_eq!(
            parse_event("END RequestId: 57f231fb-17"),
            LambdaLine::Unknown
        );
        assert_eq!(parse_event("START job 12"), LambdaLine::Unknown);
        // A short id is only suspicious where it ends the line.
        assert_eq!(
            parse_event("START RequestId: req1 Version: 1").request_id(),
            Some("req1")
        );
        assert_eq!(
            parse_event("START RequestId: req1\n").request_id(),
            Some("req1")
        );
        assert_eq!(parse_event("START RequestId: req1"), LambdaLine::Unknown);
        assert_eq!(
            report("REPORT RequestId: x\tDuration: 1.00 ms").request_id,
            "x"
        );
    }

    // ---- §1.5 INIT_START / RESTORE_START / INIT_REPORT / EXTENSION ------------------------------

    fn init_start(msg: &str) -> (InitKind, Option<Cow<'_, str>>, Option<Cow<'_, str>>) {
        match parse_event(msg) {
            LambdaLine::InitStart {
                kind,
                runtime_version,
                runtime_version_arn,
                phase,
                ..
            } => {
                assert_eq!(phase, None, "text INIT_START has no phase");
                (kind, runtime_version, runtime_version_arn)
            }
            other => panic!("expected InitStart for {msg:?}, got {other:?}"),
        }
    }

    #[test]
    fn init_start_doc_example_with_spaces_and_typo() {
        let (kind, v, arn) = init_start(INIT_START_DOC);
        assert_eq!(kind, InitKind::Init);
        assert_eq!(v, s("python:3.13.v14"));
        assert_eq!(
            arn,
            s("arn:aws:lambda:eu-south-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6I")
        );
    }

    #[test]
    fn init_start_real_tab_lines_and_version_forms() {
        let (_, v, arn) = init_start(INIT_START_PY);
        assert_eq!(v, s("python:3.13.v43"));
        assert_eq!(arn, s("arn:aws:lambda:eu-west-2::runtime:df8f…7af"));
        let (_, v, arn) = init_start(INIT_START_NODE);
        assert_eq!((v, arn), (s("nodejs:20.v15"), s("…")));
        for version in [
            "python:3.11.v14",
            "python:3.12.mainlinev2.v7",
            "nodejs:22.mainline.v122",
            "java:21.v27",
            "java:21.mainline.v82",
        ] {
            let line = format!("INIT_START Runtime Version: {version}\tRuntime Version ARN: arn:aws:lambda:eu-west-2::runtime:df8f");
            assert_eq!(init_start(&line).1.as_deref(), Some(version));
        }
        let (kind, v, arn) = init_start(RESTORE_START);
        assert_eq!(kind, InitKind::Restore);
        assert_eq!(v, s("java:21.mainline.v82"));
        assert_eq!(arn, s("arn:aws:lambda:ap-southeast-2::runtime:1a7a…204e"));
    }

    fn init_report(msg: &str) -> LambdaLine<'_> {
        let l = parse_event(msg);
        assert!(
            matches!(l, LambdaLine::InitReport { .. }),
            "{msg:?} → {l:?}"
        );
        l
    }

    #[test]
    fn init_report_lines() {
        assert_eq!(
            init_report(INIT_REPORT_IMPORT),
            LambdaLine::InitReport {
                kind: InitKind::Init,
                init_ms: Some(229.04),
                phase: s("init"),
                status: s("error"),
                error_type: s("Runtime.ImportModuleError")
            }
        );
        assert_eq!(
            init_report(INIT_REPORT_INVOKE),
            LambdaLine::InitReport {
                kind: InitKind::Init,
                init_ms: Some(8431.38),
                phase: s("invoke"),
                status: s("error"),
                error_type: s("Runtime.ExitError")
            }
        );
        assert_eq!(
            init_report(INIT_REPORT_TIMEOUT),
            LambdaLine::InitReport {
                kind: InitKind::Init,
                init_ms: Some(9999.56),
                phase: s("init"),
                status: s("timeout"),
                error_type: None
            }
        );
        assert_eq!(
            init_report(INIT_REPORT_SNAP_OK),
            LambdaLine::InitReport {
                kind: InitKind::Init,
                init_ms: Some(13316.04),
                phase: None,
                status: None,
                error_type: None
            }
        );
        // Unverified RESTORE_REPORT shape, assumed to mirror INIT_REPORT.
        match init_report("RESTORE_REPORT Restore Duration: 398.97 ms") {
            LambdaLine::InitReport { kind, init_ms, .. } => {
                assert_eq!((kind, init_ms), (InitKind::Restore, Some(398.97)))
            }
            _ => unreachable!(),
        }
    }

    #[test]
    fn extension_lines() {
        assert_eq!(
            parse_event(EXT_ADAPTER),
            LambdaLine::Extension {
                kind: ExtensionKind::Extension,
                name: s("lambda-adapter"),
                state: s("Ready"),
                events: s(""),
                error_type: None
            }
        );
        match parse_event(EXT_AGENT) {
            LambdaLine::Extension { name, events, .. } => {
                assert_eq!(name, s("cloudwatch_lambda_agent"));
                assert_eq!(
                    list_items(events.as_deref().unwrap()).collect::<Vec<_>>(),
                    ["INVOKE", "SHUTDOWN"]
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            list_items("INVOKE,SHUTDOWN").collect::<Vec<_>>(),
            ["INVOKE", "SHUTDOWN"]
        );
        assert_eq!(
            parse_event(LOGS_AGENT),
            LambdaLine::Extension {
                kind: ExtensionKind::Logs,
                name: s("cloudwatch_lambda_agent"),
                state: s("Subscribed"),
                events: s("Platform"),
                error_type: None
            }
        );
        assert_eq!(
            parse_event(TELEMETRY),
            LambdaLine::Extension {
                kind: ExtensionKind::Telemetry,
                name: s("…"),
                state: s("Subscribed"),
                events: s("Platform"),
                error_type: None
            }
        );
        // RIE template `EXTENSION\tName: %s\tState: %s\tEvents: [%s]\tError Type: %s`.
        match parse_event("EXTENSION\tName: my-ext\tState: LaunchError\tEvents: [INVOKE,SHUTDOWN]\tError Type: Extension.LaunchError") {
            LambdaLine::Extension { state, events, error_type, .. } => {
                assert_eq!(state, s("LaunchError"));
                assert_eq!(events, s("INVOKE,SHUTDOWN"));
                assert_eq!(error_type, s("Extension.LaunchError"));
            }
            other => panic!("{other:?}"),
        }
        // A cut list is absent rather than short.
        match parse_event("EXTENSION\tName: a\tState: Ready\tEvents: [INVOKE, SHU") {
            LambdaLine::Extension { events, .. } => assert_eq!(events, None),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_event("LOGS were rotated"), LambdaLine::Unknown);
    }

    // ---- application lines ------------------------------------------------------------------

    #[test]
    fn app_lines() {
        assert_eq!(
            parse_event(APP_INFO),
            LambdaLine::App {
                request_id: s("4ce9340a-…"),
                level: s("INFO"),
                message: Cow::Borrowed("ENVIRONMENT VARIABLES…")
            }
        );
        assert_eq!(
            parse_event(APP_INIT_ERROR),
            LambdaLine::App {
                request_id: None,
                level: s("ERROR"),
                message: Cow::Borrowed("Uncaught Exception \t…")
            }
        );
        // Python's `[LEVEL]` first form, and a level-less old Node line with a trailing newline.
        assert_eq!(
            parse_event("[INFO]\t2020-01-31T22:12:58.534Z\t1c8df7d3-xmpl-46da-9778-518e6eca8125\t## ENVIRONMENT VARIABLES\n"),
            LambdaLine::App {
                request_id: s("1c8df7d3-xmpl-46da-9778-518e6eca8125"),
                level: s("INFO"),
                message: Cow::Borrowed("## ENVIRONMENT VARIABLES")
            }
        );
        assert_eq!(
            parse_event("2019-06-05T19:30:03.173Z\t4ce9340a-b765-490f-ad8a-02ab3415e2bf\thello\n"),
            LambdaLine::App {
                request_id: s("4ce9340a-b765-490f-ad8a-02ab3415e2bf"),
                level: None,
                message: Cow::Borrowed("hello")
            }
        );
        assert_eq!(parse_event("hello world"), LambdaLine::Unknown);
        assert_eq!(parse_event(""), LambdaLine::Unknown);
    }

    // ---- §1.6 timeouts ----------------------------------------------------------------------

    #[test]
    fn timeouts() {
        assert_eq!(
            parse_event(TIMEOUT_DD),
            LambdaLine::Timeout {
                request_id: s("7c9567b5-107b-4a6c-8798-0157ac21db52"),
                seconds: 3.0
            }
        );
        assert_eq!(
            parse_event(TIMEOUT_ERICALLAM),
            LambdaLine::Timeout {
                request_id: s("71952965-…"),
                seconds: 10.0
            }
        );
        assert_eq!(
            parse_event(TIMEOUT_DOC_PROSE),
            LambdaLine::Timeout {
                request_id: None,
                seconds: 10.0
            }
        );
        // RIE `Task timed out after %.2f seconds`.
        assert_eq!(
            parse_event("Task timed out after 900.00 seconds"),
            LambdaLine::Timeout {
                request_id: None,
                seconds: 900.0
            }
        );
        assert_eq!(
            parse_event("RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52 Error: Task timed out after 3.00 seconds"),
            LambdaLine::Timeout {
                request_id: s("7c9567b5-107b-4a6c-8798-0157ac21db52"),
                seconds: 3.0
            }
        );
        // Cut before the unit: not a timeout with a wrong number.
        assert_eq!(
            parse_event("2020-06-09T15:02:26.150Z 7c9567b5-107b-4a6c-8798-0157ac21db52 Task timed out after 3.0"),
            LambdaLine::Unknown
        );
        // Text that merely mentions a timeout is not one.
        assert_eq!(
            parse_event("retrying because Task timed out after 3.00 seconds"),
            LambdaLine::Unknown
        );
    }

    // ---- §1.7 crashes and OOM ---------------------------------------------------------------

    #[test]
    fn runtime_exit_lines() {
        let pair = format!("{KILLED_LINE}\n{EXIT_ERROR_LINE}");
        let l = parse_event(&pair);
        assert_eq!(
            l,
            LambdaLine::RuntimeExited {
                request_id: s("abc-123"),
                reason: Cow::Borrowed("signal: killed"),
                error_type: s("Runtime.ExitError")
            }
        );
        assert!(l.suggests_oom());
        assert_eq!(
            parse_event(KILLED_LINE),
            LambdaLine::RuntimeExited {
                request_id: s("abc-123"),
                reason: Cow::Borrowed("signal: killed"),
                error_type: None
            }
        );
        assert_eq!(parse_event(EXIT_ERROR_LINE), LambdaLine::Unknown);
        // The second line of the OOM event on its own (`RequestId: … Error: …\nRuntime.ExitError`).
        let tail = REPORT_OOM_KILLED.split_once('\n').unwrap().1;
        assert_eq!(
            parse_event(tail),
            LambdaLine::RuntimeExited {
                request_id: s("bafb0f6a-…"),
                reason: Cow::Borrowed("signal: killed"),
                error_type: s("Runtime.ExitError")
            }
        );
        // Older runtimes (LDG invocation-async.md).
        let l = parse_event("RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8 Process exited before completing request");
        assert_eq!(
            l,
            LambdaLine::RuntimeExited {
                request_id: s("57f231fb-1730-4395-85cb-4f71bd2b87b8"),
                reason: Cow::Borrowed("Process exited before completing request"),
                error_type: None
            }
        );
        assert!(!l.suggests_oom());
        // RIE `Runtime exited with error: %s` with a non-signal cause.
        match parse_event("RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8 Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n") {
            LambdaLine::RuntimeExited { reason, error_type, .. } => {
                assert_eq!((reason.as_ref(), error_type), ("exit status 1", s("Runtime.ExitError")));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oom_markers() {
        assert_eq!(
            parse_event("RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8 Error: Runtime exited with error: signal: killed\nRuntime.OutOfMemory"),
            LambdaLine::OutOfMemory {
                request_id: s("57f231fb-1730-4395-85cb-4f71bd2b87b8"),
                signal: "Runtime.OutOfMemory"
            }
        );
        for (text, marker) in [
            (OOM_GO, OOM_GO),
            (OOM_JAVA, OOM_JAVA),
            (OOM_NODE, "JavaScript heap out of memory"),
            (OOM_PYTHON, "MemoryError"),
            (OOM_RUBY, OOM_RUBY),
        ] {
            assert_eq!(
                parse_event(text),
                LambdaLine::OutOfMemory {
                    request_id: None,
                    signal: marker
                },
                "{text}"
            );
        }
        // Inside an application line the request id is kept.
        assert_eq!(
            parse_event("2024-01-01T00:00:00.000Z\t4ce9340a-b765-490f-ad8a-02ab3415e2bf\tERROR\tException in thread \"main\" java.lang.OutOfMemoryError: Java heap space"),
            LambdaLine::OutOfMemory {
                request_id: s("4ce9340a-b765-490f-ad8a-02ab3415e2bf"),
                signal: "java.lang.OutOfMemoryError"
            }
        );
        assert_eq!(
            parse_event("[ERROR] MemoryError\nTraceback"),
            LambdaLine::OutOfMemory {
                request_id: None,
                signal: "MemoryError"
            }
        );
        // Not a whole identifier, or no marker.
        assert_eq!(
            parse_event("MyMemoryErrorHandler ready"),
            LambdaLine::Unknown
        );
        assert_eq!(parse_event("memory is fine"), LambdaLine::Unknown);
    }

    // ---- §2 JSON ----------------------------------------------------------------------------

    #[test]
    fn json_doc_init_start_memory_passed_through() {
        assert_eq!(
            parse_event(J_DOC_INIT_START),
            LambdaLine::InitStart {
                kind: InitKind::Init,
                runtime_version: s("nodejs-14.v3"),
                runtime_version_arn: s("arn"),
                phase: s("init"),
                initialization_type: s("on-demand"),
                function_name: s("myFunction"),
                function_version: s("$LATEST"),
                instance_id: s("82561ce0-53dd-47d1-90e0-c8f5e063e62e"),
                instance_max_memory_bytes: Some(256),
            }
        );
    }

    #[test]
    fn json_real_init_start_bytes() {
        match parse_event(J_REAL_INIT_START) {
            LambdaLine::InitStart {
                runtime_version,
                instance_id,
                instance_max_memory_bytes,
                ..
            } => {
                assert_eq!(runtime_version, s("nodejs:22.mainline.v122"));
                assert_eq!(
                    instance_id,
                    s("2026/10/08/tenner-notifier[$LATEST]22be53a8cfde4e68b844f8ec293b2543")
                );
                assert_eq!(instance_max_memory_bytes, Some(268_435_456));
                assert_eq!(268_435_456 / (1024 * 1024), 256);
            }
            other => panic!("{other:?}"),
        }
        // 2025 Java capture: 1879048192 bytes for 1792 MB.
        let java = J_REAL_INIT_START.replace("268435456", "1879048192");
        match parse_event(&java) {
            LambdaLine::InitStart {
                instance_max_memory_bytes,
                ..
            } => assert_eq!(instance_max_memory_bytes.map(|b| b >> 20), Some(1792)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_doc_init_report_ignores_span_duration() {
        assert_eq!(
            parse_event(J_DOC_INIT_REPORT),
            LambdaLine::InitReport {
                kind: InitKind::Init,
                init_ms: Some(125.33),
                phase: s("init"),
                status: s("success"),
                error_type: None
            }
        );
    }

    #[test]
    fn json_start_doc_and_real() {
        assert_eq!(
            parse_event(J_DOC_START),
            LambdaLine::Start {
                request_id: Cow::Borrowed("6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"),
                version: s("$LATEST"),
                function_arn: None,
                xray_trace_id: s("1-62e900b2-710d76f009d6e7785905449a"),
            }
        );
        assert_eq!(
            parse_event(J_REAL_START),
            LambdaLine::Start {
                request_id: Cow::Borrowed("79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36"),
                version: s("$LATEST"),
                function_arn: s(
                    "arn:aws:lambda:eu-central-1:825765399535:function:tenner-notifier"
                ),
                xray_trace_id: None,
            }
        );
    }

    #[test]
    fn json_doc_runtime_done_elided_is_salvaged() {
        // The doc elides fields with `... ,`, which is not JSON; the salvage scan still reads it.
        assert_eq!(
            parse_event(J_DOC_RUNTIME_DONE),
            LambdaLine::RuntimeDone {
                request_id: Cow::Borrowed("6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"),
                status: s("success"),
                error_type: None,
                duration_ms: Some(140.0),
                produced_bytes: Some(16),
            }
        );
        let valid = J_DOC_RUNTIME_DONE.replace(" ... ,", "");
        assert_eq!(parse_event(&valid), parse_event(J_DOC_RUNTIME_DONE));
    }

    #[test]
    fn json_doc_report_with_trailing_comma_is_salvaged() {
        assert!(serde_json::from_str::<serde_json::Value>(J_DOC_REPORT_MALFORMED).is_err());
        assert!(looks_like_report(J_DOC_REPORT_MALFORMED));
        let r = report(J_DOC_REPORT_MALFORMED);
        assert_eq!(r.request_id, "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa");
        assert_eq!(r.duration_ms, 693.92);
        assert_eq!(r.billed_ms, Some(694));
        assert_eq!(r.init_ms, Some(397.68));
        assert_eq!(r.max_memory_mb, Some(84));
        assert_eq!(r.memory_mb, Some(128));
        assert_eq!(r.status, None);
    }

    #[test]
    fn json_real_report_init_billed() {
        let r = report(J_REAL_REPORT);
        assert!(matches!(r.request_id, Cow::Borrowed(_)));
        assert_eq!(r.request_id, "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36");
        assert_eq!(r.duration_ms, 1233.96);
        assert_eq!(r.billed_ms, Some(1698));
        assert_eq!(r.memory_mb, Some(256));
        assert_eq!(r.max_memory_mb, Some(123));
        assert_eq!(r.init_ms, Some(463.512));
        assert_eq!(r.status, s("success"));
        // Init billed since 2025-08: billed = ceil(duration + init), not ceil(duration).
        assert_eq!((r.duration_ms + r.init_ms.unwrap()).ceil() as u64, 1698);
    }

    #[test]
    fn json_datadog_timeout_report() {
        let r = report(J_DD_TIMEOUT);
        assert_eq!(r.request_id, "b441820a-…");
        assert_eq!(r.duration_ms, 30000.0);
        assert_eq!(r.billed_ms, Some(30000));
        assert_eq!(r.init_ms, Some(985.413));
        assert_eq!(r.status, s("timeout"));
    }

    #[test]
    fn json_metrics_as_floats_and_managed_instances() {
        let floats = r#"{"time":"2026-01-01T00:00:00.000Z","type":"platform.report","record":{"requestId":"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","metrics":{"durationMs":1233.96,"billedDurationMs":1698.0,"memorySizeMB":256.0,"maxMemoryUsedMB":"123","restoreDurationMs":12},"status":"error","errorType":"Runtime.OutOfMemory","tracing":{"type":"X-Amzn-Trace-Id","value":"Root=1-5e7d7595-212fxmpl9ee07c4884191322;Parent=1;Sampled=1"}}}"#;
        let r = report(floats);
        assert_eq!(
            (r.billed_ms, r.memory_mb, r.max_memory_mb),
            (Some(1698), Some(256), Some(123))
        );
        assert_eq!(r.restore_ms, Some(12.0));
        assert_eq!(r.error_type, s("Runtime.OutOfMemory"));
        assert_eq!(r.xray_trace_id, s("1-5e7d7595-212fxmpl9ee07c4884191322"));
        assert!(parse_event(floats).suggests_oom());
        // Managed Instances: only durationMs, spans with responseLatency/responseDuration.
        let mi = r#"{"time":"2025-12-01T00:00:00.000Z","type":"platform.report","record":{"requestId":"b441820a-0000-4000-8000-000000000000","metrics":{"durationMs":12.5},"spans":[{"name":"responseLatency","start":"2025-12-01T00:00:00.000Z","durationMs":3.1},{"name":"responseDuration","start":"2025-12-01T00:00:00.003Z","durationMs":0.2}],"status":"success"}}"#;
        let r = report(mi);
        assert_eq!(r.duration_ms, 12.5);
        assert_eq!((r.billed_ms, r.memory_mb, r.init_ms), (None, None, None));
        // Wrong types and absurd numbers degrade per field.
        let odd = r#"{"type":"platform.report","record":{"requestId":"x-1","metrics":{"durationMs":1.2E8,"billedDurationMs":-3,"memorySizeMB":true,"maxMemoryUsedMB":[1],"initDurationMs":{"a":1}},"status":7}}"#;
        let r = report(odd);
        assert_eq!(r.duration_ms, 1.2e8);
        assert_eq!(
            (
                r.billed_ms,
                r.memory_mb,
                r.max_memory_mb,
                r.init_ms,
                r.status
            ),
            (None, None, None, None, None)
        );
        assert_eq!(
            parse_event(
                r#"{"type":"platform.report","record":{"requestId":"x-1","metrics":{"durationMs":1e999}}}"#
            ),
            LambdaLine::Unknown
        );
    }

    #[test]
    fn json_other_schema_types() {
        let rec = |ty: &str, record: &str| {
            format!(r#"{{"time":"2025-01-01T00:00:00.000Z","type":"{ty}","record":{record}}}"#)
        };
        assert_eq!(
            parse_event(&rec(
                "platform.restoreStart",
                r#"{"runtimeVersion":"java:21.mainline.v82","runtimeVersionArn":"arn:x","functionName":"f","functionVersion":"56"}"#
            )),
            LambdaLine::InitStart {
                kind: InitKind::Restore,
                runtime_version: s("java:21.mainline.v82"),
                runtime_version_arn: s("arn:x"),
                phase: None,
                initialization_type: None,
                function_name: s("f"),
                function_version: s("56"),
                instance_id: None,
                instance_max_memory_bytes: None,
            }
        );
        assert_eq!(
            parse_event(&rec(
                "platform.restoreReport",
                r#"{"status":"failure","errorType":"Runtime.Unknown","metrics":{"durationMs":400.5}}"#
            )),
            LambdaLine::InitReport {
                kind: InitKind::Restore,
                init_ms: Some(400.5),
                phase: None,
                status: s("failure"),
                error_type: s("Runtime.Unknown")
            }
        );
        assert_eq!(
            parse_event(&rec(
                "platform.extension",
                r#"{"name":"agent","state":"Ready","events":["INVOKE","SHUTDOWN"]}"#
            )),
            LambdaLine::Extension {
                kind: ExtensionKind::Extension,
                name: s("agent"),
                state: s("Ready"),
                events: Some(Cow::Owned("INVOKE, SHUTDOWN".into())),
                error_type: None
            }
        );
        assert_eq!(
            parse_event(&rec(
                "platform.telemetrySubscription",
                r#"{"name":"agent","state":"Subscribed","types":["platform"]}"#
            )),
            LambdaLine::Extension {
                kind: ExtensionKind::Telemetry,
                name: s("agent"),
                state: s("Subscribed"),
                events: s("platform"),
                error_type: None
            }
        );
        for ty in [
            "platform.initRuntimeDone",
            "platform.restoreRuntimeDone",
            "platform.logsDropped",
        ] {
            assert_eq!(
                parse_event(&rec(
                    ty,
                    r#"{"droppedBytes":1,"droppedRecords":1,"reason":"x"}"#
                )),
                LambdaLine::OtherPlatform {
                    record_type: Cow::Borrowed(ty)
                }
            );
        }
        let done = rec(
            "platform.runtimeDone",
            r#"{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","status":"error","errorType":"Runtime.OutOfMemory"}"#,
        );
        assert!(parse_event(&done).suggests_oom());
    }

    #[test]
    fn json_application_logs() {
        let app = r#"{"timestamp":"2023-10-27T19:17:45.586Z","level":"INFO","message":"Inside the handler function","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189"}"#;
        assert_eq!(
            parse_event(app),
            LambdaLine::App {
                request_id: s("79b4f56e-95b1-4643-9700-2807f4e68189"),
                level: s("INFO"),
                message: Cow::Borrowed("Inside the handler function")
            }
        );
        // Escapes force an owned message.
        let esc = r#"{"timestamp":"2023-10-27T19:17:45.586Z","level":"ERROR","message":"line1\nline2","requestId":"undefined"}"#;
        assert_eq!(
            parse_event(esc),
            LambdaLine::App {
                request_id: None,
                level: s("ERROR"),
                message: Cow::Owned("line1\nline2".into())
            }
        );
        // Structured message → whole event; errorType marker → OutOfMemory.
        let structured = r#"{"level":"INFO","message":{"a":1},"requestId":"r-1"}"#;
        assert_eq!(
            parse_event(structured),
            LambdaLine::App {
                request_id: s("r-1"),
                level: s("INFO"),
                message: Cow::Borrowed(structured)
            }
        );
        let oom = r#"{"timestamp":"2023-10-27T19:17:45.586Z","log_level":"ERROR","errorMessage":"","errorType":"MemoryError","requestId":"r-1","stackTrace":[]}"#;
        assert_eq!(
            parse_event(oom),
            LambdaLine::OutOfMemory {
                request_id: s("r-1"),
                signal: "MemoryError"
            }
        );
        assert_eq!(parse_event(r#"{"foo":1}"#), LambdaLine::Unknown);
        assert_eq!(parse_event("{"), LambdaLine::Unknown);
        assert_eq!(parse_event("{}"), LambdaLine::Unknown);
    }

    // ---- pre-filter, helpers ----------------------------------------------------------------

    #[test]
    fn prefilter() {
        for r in [
            R_RAW_2019,
            R_GO,
            R_SNAPSTART,
            J_REAL_REPORT,
            J_DD_TIMEOUT,
            J_DOC_REPORT_MALFORMED,
        ] {
            assert!(looks_like_report(r), "{r}");
        }
        for r in [
            START,
            END,
            INIT_REPORT_SNAP_OK,
            J_REAL_START,
            APP_INFO,
            "REPORTS ready",
            "",
        ] {
            assert!(!looks_like_report(r), "{r}");
        }
    }

    #[test]
    fn into_owned_and_request_id() {
        let owned = {
            let buf = String::from(R_GO);
            parse_event(&buf).into_owned()
        };
        assert_eq!(
            owned.request_id(),
            Some("dbda340c-xmpl-4031-8810-11bb609b4c71")
        );
        for ex in EXAMPLES {
            let l = parse_event(ex);
            assert_eq!(l.clone().into_owned(), l);
        }
    }

    // ---- truncation: every char boundary of every example ------------------------------------

    fn prefix_of(part: Option<&str>, full: Option<&str>) -> bool {
        match (part, full) {
            (None, _) => true,
            (Some(p), Some(f)) => f.starts_with(p),
            (Some(_), None) => false,
        }
    }

    /// What a cut event may return: anything, but never a number or id that differs from the
    /// uncut event, and a Report only if the whole event is one.
    fn check_cut(full: &LambdaLine<'_>, cut: &LambdaLine<'_>, text: &str) {
        let none_or_eq = |a: Option<f64>, b: Option<f64>| a.is_none() || a == b;
        match (cut, full) {
            (LambdaLine::Report(c), LambdaLine::Report(f)) => {
                assert_eq!(c.request_id, f.request_id, "{text:?}");
                assert_eq!(c.duration_ms, f.duration_ms, "{text:?}");
                assert!(
                    c.billed_ms.is_none() || c.billed_ms == f.billed_ms,
                    "{text:?}"
                );
                assert!(
                    c.memory_mb.is_none() || c.memory_mb == f.memory_mb,
                    "{text:?}"
                );
                assert!(
                    c.max_memory_mb.is_none() || c.max_memory_mb == f.max_memory_mb,
                    "{text:?}"
                );
                assert!(none_or_eq(c.init_ms, f.init_ms), "{text:?}");
                assert!(none_or_eq(c.restore_ms, f.restore_ms), "{text:?}");
                assert!(
                    c.billed_restore_ms.is_none() || c.billed_restore_ms == f.billed_restore_ms,
                    "{text:?}"
                );
                assert!(
                    c.xray_trace_id.is_none() || c.xray_trace_id == f.xray_trace_id,
                    "{text:?}"
                );
                assert!(
                    prefix_of(c.status.as_deref(), f.status.as_deref()),
                    "{text:?}"
                );
                assert!(
                    prefix_of(c.error_type.as_deref(), f.error_type.as_deref()),
                    "{text:?}"
                );
                assert!(
                    prefix_of(c.exit_reason.as_deref(), f.exit_reason.as_deref()),
                    "{text:?}"
                );
            }
            (LambdaLine::Report(_), _) => panic!("cut {text:?} is a Report, the full event is not"),
            (LambdaLine::Start { request_id: c, .. }, LambdaLine::Start { request_id: f, .. })
            | (LambdaLine::End { request_id: c }, LambdaLine::End { request_id: f }) => {
                assert_eq!(c, f, "{text:?}")
            }
            (
                LambdaLine::InitReport { init_ms: c, .. },
                LambdaLine::InitReport { init_ms: f, .. },
            ) => assert!(none_or_eq(*c, *f), "{text:?}"),
            (LambdaLine::Timeout { seconds: c, .. }, LambdaLine::Timeout { seconds: f, .. }) => {
                assert_eq!(c, f, "{text:?}")
            }
            (
                LambdaLine::RuntimeDone {
                    duration_ms: c,
                    produced_bytes: cp,
                    ..
                },
                LambdaLine::RuntimeDone {
                    duration_ms: f,
                    produced_bytes: fp,
                    ..
                },
            ) => {
                assert!(none_or_eq(*c, *f), "{text:?}");
                assert!(cp.is_none() || cp == fp, "{text:?}");
            }
            (
                LambdaLine::InitStart {
                    instance_max_memory_bytes: c,
                    ..
                },
                LambdaLine::InitStart {
                    instance_max_memory_bytes: f,
                    ..
                },
            ) => assert!(c.is_none() || c == f, "{text:?}"),
            _ => {}
        }
    }

    #[test]
    fn every_cut_of_every_example_is_safe() {
        for ex in EXAMPLES {
            let full = parse_event(ex);
            for (i, _) in ex.char_indices().chain([(ex.len(), ' ')]) {
                let cut = &ex[..i];
                let l = parse_event(cut);
                check_cut(&full, &l, cut);
                // The same cut as a truncating logger marks it (API Gateway's 1024-byte limit
                // writes this marker): the space after a cut number must not vouch for it.
                let marked = format!("{cut} [TRUNCATED]");
                check_cut(&full, &parse_event(&marked), &marked);
                let _ = looks_like_report(cut);
                if matches!(l, LambdaLine::Report(_)) {
                    assert!(looks_like_report(cut), "{cut:?}");
                }
            }
        }
    }

    // ---- property tests ---------------------------------------------------------------------

    fn mutate(base: &str, ops: &[(usize, u8, char)]) -> String {
        let mut chars: Vec<char> = base.chars().collect();
        for &(pos, op, c) in ops {
            let at = if chars.is_empty() {
                0
            } else {
                pos % (chars.len() + 1)
            };
            match op % 4 {
                0 => chars.insert(at, c),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                2 if at < chars.len() => chars[at] = c,
                // Duplicate a slice: repeats keys and separators.
                _ => {
                    let end = (at + 8).min(chars.len());
                    let dup: Vec<char> = chars[at..end].to_vec();
                    chars.splice(at..at, dup);
                }
            }
        }
        chars.into_iter().collect()
    }

    fn interesting_char() -> impl Strategy<Value = char> {
        prop_oneof![
            Just('\t'),
            Just('\n'),
            Just(' '),
            Just('"'),
            Just('{'),
            Just('}'),
            Just(','),
            Just(':'),
            Just('\\'),
            Just('…'),
            Just('-'),
            any::<char>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn never_panics_on_arbitrary_strings(s in any::<String>()) {
            let l = parse_event(&s);
            if matches!(l, LambdaLine::Report(_)) {
                prop_assert!(looks_like_report(&s));
            }
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..400)) {
            let s = String::from_utf8_lossy(&b);
            let _ = parse_event(&s);
            let _ = looks_like_report(&s);
        }

        #[test]
        fn never_panics_on_mutated_examples(
            idx in 0..EXAMPLES.len(),
            ops in proptest::collection::vec((any::<usize>(), any::<u8>(), interesting_char()), 1..8),
        ) {
            let s = mutate(EXAMPLES[idx], &ops);
            let l = parse_event(&s);
            if matches!(l, LambdaLine::Report(_)) {
                prop_assert!(looks_like_report(&s));
            }
            let _ = l.into_owned();
        }
    }

    // ---- the TAB-field fast path of scan_fields ---------------------------------------------

    const KEY_SETS: [&[Key]; 6] = [
        &REPORT_KEYS,
        &START_KEYS,
        &END_KEYS,
        &INIT_START_KEYS,
        &INIT_REPORT_KEYS,
        &EXTENSION_KEYS,
    ];

    /// Both scanners over one key set (scan_fields is generic over the array length).
    fn both(line: &str, set: usize) -> (Option<Vec<Option<&str>>>, Vec<Option<&str>>) {
        fn run<'a, const N: usize>(
            line: &'a str,
            keys: &[Key; N],
        ) -> (Option<Vec<Option<&'a str>>>, Vec<Option<&'a str>>) {
            (
                scan_tab_fields(line, keys).map(Vec::from),
                scan_words(line, keys).to_vec(),
            )
        }
        match set {
            0 => run(line, &REPORT_KEYS),
            1 => run(line, &START_KEYS),
            2 => run(line, &END_KEYS),
            3 => run(line, &INIT_START_KEYS),
            4 => run(line, &INIT_REPORT_KEYS),
            _ => run(line, &EXTENSION_KEYS),
        }
    }

    #[test]
    fn keys_have_the_shape_the_scanners_rely_on() {
        for key in KEY_SETS.iter().flat_map(|s| s.iter()) {
            assert!(key.starts_with(|c: char| c.is_ascii_uppercase()), "{key}");
            assert_eq!(
                key.find(':'),
                Some(key.len() - 1),
                "{key}: one `:`, at the end"
            );
            assert!(!key.contains("  ") && !key.contains(['\t', '\n']), "{key}");
        }
    }

    #[test]
    fn fast_path_reads_the_lines_lambda_writes() {
        // The fast path must engage on real lines (else it only costs time) and agree.
        for (line, set) in [
            (R_RAW_2019, 0),
            (R_GO, 0),
            (R_SNAPSTART, 0),
            (R_NODE_100MS, 0),
            (INIT_START_PY, 3),
            (INIT_REPORT_TIMEOUT, 4),
        ] {
            let first = line.split('\n').next().unwrap();
            let body = first.split_once(' ').map_or(first, |(_, b)| b);
            let (fast, slow) = both(body, set);
            assert_eq!(fast.as_ref(), Some(&slow), "{body:?}");
            assert!(slow.iter().flatten().count() >= 2, "{body:?} -> {slow:?}");
        }
    }

    #[test]
    fn fast_path_declines_other_layouts() {
        for body in [
            " RequestId: abc Duration: 1.0 ms Billed Duration: 2 ms", // spaces, not TABs
            " RequestId: abc\tDuration:1.0 ms",                       // no space after the key
            " RequestId: abc\tBilled  Duration: 2 ms",                // two spaces inside a key
            " Note: x\tRequestId: abc",                               // text before the first key
            " RequestId: abc\tStatus: Error Type",                    // a key inside a value
        ] {
            assert_eq!(scan_tab_fields(body, &REPORT_KEYS), None, "{body:?}");
        }
    }

    /// Lines of `Key: value` fields, mostly in Lambda's layout and sometimes not: keys of every
    /// set (and near-keys), values with units, key words and junk, TABs and other separators.
    fn field_text(set: usize) -> impl Strategy<Value = String> {
        let key = prop_oneof![
            8 => any::<prop::sample::Index>().prop_map(move |i| {
                KEY_SETS[set][i.index(KEY_SETS[set].len())].to_string()
            }),
            1 => (0..KEY_SETS.len(), any::<prop::sample::Index>()).prop_map(|(set, i)| {
                KEY_SETS[set][i.index(KEY_SETS[set].len())].to_string()
            }),
            1 => Just("Billed  Duration:".to_string()),
            1 => Just("Duration:1".to_string()),
            1 => Just("Runtime Version".to_string()),
            1 => "[A-Za-z:]{0,5}",
        ];
        let word = prop_oneof![
            4 => "[a-f0-9.\\-]{1,8}",
            2 => Just("ms".to_string()),
            2 => Just("MB".to_string()),
            1 => Just("Duration:".to_string()),
            1 => Just("Billed".to_string()),
            1 => Just("Runtime".to_string()),
            1 => Just("Status:".to_string()),
            1 => Just("XRAY".to_string()),
            1 => "[A-Z][a-z]{0,3}:?",
        ];
        let value = proptest::collection::vec(word, 0..3).prop_map(|w| w.join(" "));
        let sep = prop_oneof![
            6 => Just("\t"),
            1 => Just(" "),
            1 => Just(" \t"),
            1 => Just("\t\t"),
            1 => Just("\t \r"),
        ];
        proptest::collection::vec((key, value, sep), 0..8).prop_map(|fields| {
            fields
                .into_iter()
                .map(|(k, v, s)| format!("{k} {v}{s}"))
                .collect::<String>()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        #[test]
        fn fast_path_agrees_with_the_word_scanner(
            (set, line) in (0..KEY_SETS.len()).prop_flat_map(|set| (Just(set), field_text(set)))
        ) {
            let (fast, slow) = both(&line, set);
            if let Some(fast) = fast {
                prop_assert_eq!(fast, slow);
            }
        }

        #[test]
        fn number_and_unit_agrees_with_the_word_split(v in "[0-9.a-zMB \t-]{0,12}") {
            let reference = split_word(&v).and_then(|(n, rest)| Some((n, first_word(rest)? == "MB")));
            prop_assert_eq!(number_and_unit(&v, "MB"), reference);
        }

        #[test]
        fn fast_path_agrees_on_mutated_examples(
            idx in 0..EXAMPLES.len(),
            ops in proptest::collection::vec((any::<usize>(), any::<u8>(), interesting_char()), 0..6),
            set in 0..KEY_SETS.len(),
        ) {
            let line = mutate(EXAMPLES[idx], &ops);
            let (fast, slow) = both(&line, set);
            if let Some(fast) = fast {
                prop_assert_eq!(fast, slow);
            }
        }
    }

    // ---- throughput (informational; run with `cargo test --release -- --ignored --nocapture`) --

    #[test]
    #[ignore = "throughput micro-check; prints MB/s"]
    fn throughput_report_lines() {
        let lines: Vec<String> = (0..1_000_000u32)
            .map(|i| {
                let cold = if i % 10 == 0 { format!("Init Duration: {}.{:02} ms\t", 100 + i % 900, i % 100) } else { String::new() };
                format!(
                    "REPORT RequestId: {:08x}-b765-490f-ad8a-02ab3415e2bf\tDuration: {}.{:02} ms\tBilled Duration: {} ms\tMemory Size: 128 MB\tMax Memory Used: {} MB\t{cold}\n",
                    i, i % 3000, i % 100, i % 3000 + 1, 60 + i % 60
                )
            })
            .collect();
        let bytes: usize = lines.iter().map(String::len).sum();
        // Best of several passes over the same lines: a shared machine's noise only adds time.
        let mut best = f64::INFINITY;
        let mut total = 0.0;
        for _ in 0..7 {
            let start = std::time::Instant::now();
            let mut n = 0usize;
            for l in &lines {
                if looks_like_report(l) {
                    if let LambdaLine::Report(r) = parse_event(std::hint::black_box(l)) {
                        total += r.duration_ms;
                        n += 1;
                    }
                }
            }
            best = best.min(start.elapsed().as_secs_f64());
            assert_eq!(n, lines.len());
        }
        let n = lines.len();
        println!(
            "text REPORT: {} lines, {:.1} MB, best of 7 passes {:.3} s = {:.0} MB/s, {:.0} ns/line (checksum {total})",
            n,
            bytes as f64 / 1e6,
            best,
            bytes as f64 / 1e6 / best,
            best * 1e9 / n as f64
        );

        let json: Vec<String> = (0..200_000u32)
            .map(|i| format!(r#"{{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{{"requestId":"{:08x}-9cdd-4145-b1f6-7c50ef8a2a36","metrics":{{"durationMs":{}.96,"billedDurationMs":1698,"memorySizeMB":256,"maxMemoryUsedMB":123}},"status":"success"}}}}"#, i, i % 3000))
            .collect();
        let jbytes: usize = json.iter().map(String::len).sum();
        let start = std::time::Instant::now();
        let n = json
            .iter()
            .filter(|l| {
                looks_like_report(l)
                    && matches!(parse_event(std::hint::black_box(l)), LambdaLine::Report(_))
            })
            .count();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(n, json.len());
        println!(
            "JSON platform.report: {} lines, {:.0} MB/s, {:.0} ns/line",
            n,
            jbytes as f64 / 1e6 / secs,
            secs * 1e9 / n as f64
        );

        // The pre-filter on lines that are not reports (the common case).
        let apps: Vec<String> = (0..1_000_000u32)
            .map(|i| format!("2019-06-05T19:30:03.173Z\t{i:08x}-b765-490f-ad8a-02ab3415e2bf\tINFO\tprocessing item {i} of the batch\n"))
            .collect();
        let abytes: usize = apps.iter().map(String::len).sum();
        let start = std::time::Instant::now();
        let n = apps
            .iter()
            .filter(|l| looks_like_report(std::hint::black_box(l)))
            .count();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(n, 0);
        println!(
            "pre-filter on app lines: {:.0} MB/s",
            abytes as f64 / 1e6 / secs
        );
    }
}
