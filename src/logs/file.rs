//! `--log-file`: Lambda logs exported from CloudWatch, read in one streaming pass in constant
//! memory. Accepted forms (detected from the first line):
//!
//! - **Text, one event per line**: `aws logs tail` output (`<ISO time> <stream> <message>`,
//!   `--format short`: `<ISO time> <message>`), or bare messages without a time (counted, but
//!   not placed in minutes). Continuation lines (the `XRAY TraceId` half of a REPORT event, the
//!   pretty-printed JSON of `aws logs tail --format json`) belong to the event above them.
//! - **JSON lines**: one object per line with `message` and `timestamp` (epoch ms or ISO),
//!   optionally `logStreamName` and `logGroupName` (the events of `aws logs filter-log-events`,
//!   e.g. through `jq -c '.events[]'`, or `aws logs tail --format none`); or raw JSON-format
//!   platform records (`{"time": …, "type": "platform.report", …}`).
//! - **A JSON document**: the output of `aws logs filter-log-events` (`{"events": [...]}`) or a
//!   JSON array of events, read element by element.
//!
//! Speed comes from not looking at most lines: each buffer (512 KiB) is searched once for the
//! few keywords that can change the digest (`REPORT`, `INIT_START`, …) and for each log-match
//! check's pattern; only those lines are parsed. Large files are cut at event boundaries into
//! chunks the threads take from a queue; the chunks' digests are merged in file order.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use serde::Deserialize;

use super::digest::{LogDigest, LogMatcher, Sample};
use crate::progress::Progress;

/// Read buffer per thread. Small enough to stay in a core's L2 cache between the `read` that
/// fills it and the searches over it: with 8 MiB buffers the searches ran from L3 and the
/// whole scan took ~20% longer (bench/cold-starts.sh).
const BUF: usize = 512 << 10;
/// What a thread takes from a large file at a time; files smaller than two chunks are read by
/// one thread.
#[cfg(not(test))]
const CHUNK: u64 = 32 << 20;
// Unit tests split files of a few MB the same way.
#[cfg(test)]
const CHUNK: u64 = 2 << 20;
/// How far back a continuation line may look for the line that starts its event.
const MAX_EVENT: usize = 256 << 10;

/// Each read buffer is searched in slices of about this size (cut at event boundaries), so
/// that the line count and the keyword and log-match searches all find the slice in cache.
const SLICE: usize = 256 << 10;

/// The lines that can change a digest (see [`super::digest::may_matter`]), searched
/// leftmost-first in this order.
const KEYWORDS: [&str; 11] = [
    "REPORT",
    "INIT_START",
    "RESTORE_START",
    "Runtime exited",
    "Process exited",
    "OutOfMemory",
    "platform.report",
    "platform.initStart",
    "platform.initReport",
    "platform.restoreStart",
    "platform.restoreReport",
];

/// How to read the files.
#[derive(Debug, Clone, Default)]
pub struct FileOptions {
    /// Every event belongs to this function (one `--function`); otherwise the function comes
    /// from an event's `logGroupName`, else from the file name.
    pub function: Option<String>,
    /// Only events in `[start, end)` (epoch ms).
    pub window: Option<(i64, i64)>,
    /// Threads for large files (1 = sequential).
    pub threads: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    JsonLines,
    JsonDocument,
}

/// The function a file's events belong to when they do not say: `--function`, else the file
/// name without its extension (`orders-fn.log` → `orders-fn`).
pub fn default_function(path: &Path, opts: &FileOptions) -> String {
    if let Some(f) = &opts.function {
        return f.clone();
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stdin".into());
    let mut stem = name.as_str();
    for ext in [".gz", ".log", ".txt", ".json", ".jsonl", ".ndjson"] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    if stem.is_empty() || stem == "-" {
        "stdin".into()
    } else {
        stem.to_string()
    }
}

/// Reads every file into one digest. `-` is standard input.
pub fn read_files(
    paths: &[PathBuf],
    opts: &FileOptions,
    matchers: &[LogMatcher],
    progress: &Arc<Progress>,
) -> anyhow::Result<LogDigest> {
    let mut total = LogDigest::new("file", opts.window);
    for p in paths {
        let mut d = read_one(p, opts, matchers, progress)
            .with_context(|| format!("reading --log-file {}", p.display()))?;
        if d.functions.is_empty() {
            // A file without a single platform line still names its function.
            d.function_mut(&default_function(p, opts));
        }
        total.merge(d);
    }
    total.finish();
    Ok(total)
}

fn read_one(
    path: &Path,
    opts: &FileOptions,
    matchers: &[LogMatcher],
    progress: &Arc<Progress>,
) -> anyhow::Result<LogDigest> {
    let function = default_function(path, opts);
    let scanner = Scanner::new(matchers, &function)?;
    if path.as_os_str() == "-" {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        let mut head = vec![0u8; 64 << 10];
        let n = read_full(&mut lock, &mut head)?;
        head.truncate(n);
        let format = sniff(&head);
        let reader = std::io::Cursor::new(head).chain(lock);
        return scanner.read_stream(reader, format, opts.window, progress);
    }
    let mut file = File::open(path).context("cannot open the file")?;
    let meta = file.metadata().context("cannot read the file's metadata")?;
    if meta.is_dir() {
        bail!("it is a directory");
    }
    let mut head = vec![0u8; 64 << 10];
    let n = read_full(&mut file, &mut head)?;
    head.truncate(n);
    if head.starts_with(&[0x1f, 0x8b]) {
        bail!("it is gzip-compressed: decompress it first, or pipe it: zcat FILE | gwdoctor cold-starts --log-file -");
    }
    let format = sniff(&head);
    file.seek(SeekFrom::Start(0))?;
    let size = meta.len();
    let threads = opts.threads.max(1);
    let splittable = format == Format::Text || format == Format::JsonLines;
    if !splittable || threads == 1 || size < 2 * CHUNK {
        return scanner.read_stream(file, format, opts.window, progress);
    }
    // Chunks of about CHUNK bytes cut at event boundaries, handed out one at a time: a thread
    // that loses its CPU for a while (a busy laptop, a VM's stolen time) takes fewer chunks
    // instead of holding up the end.
    let chunks = (size / CHUNK).max(threads as u64);
    let mut bounds = vec![0u64];
    for i in 1..chunks {
        let b = next_boundary(path, size / chunks * i, format)?;
        if b > *bounds.last().unwrap_or(&0) && b < size {
            bounds.push(b);
        }
    }
    bounds.push(size);
    let ranges: Vec<(u64, u64)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<anyhow::Result<Vec<(usize, LogDigest)>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.min(ranges.len()))
            .map(|_| {
                let (scanner, ranges, next) = (&scanner, &ranges, &next);
                s.spawn(move || -> anyhow::Result<Vec<(usize, LogDigest)>> {
                    let mut f = File::open(path)?;
                    let mut buf = Vec::new();
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(from, to)) = ranges.get(i) else {
                            return Ok(done);
                        };
                        f.seek(SeekFrom::Start(from))?;
                        let d = scanner.read_into(
                            (&mut f).take(to - from),
                            format,
                            opts.window,
                            progress,
                            &mut buf,
                        )?;
                        done.push((i, d));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a reader thread failed")))
            })
            .collect()
    });
    // Merged in file order, so the result does not depend on which thread read what.
    let mut parts = Vec::with_capacity(ranges.len());
    for r in results {
        parts.extend(r?);
    }
    parts.sort_by_key(|(i, _)| *i);
    let mut out = LogDigest::new("file", opts.window);
    for (_, d) in parts {
        out.merge(d);
    }
    Ok(out)
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn sniff(head: &[u8]) -> Format {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Format::Text;
    };
    let rest = &text[start..];
    match rest.first() {
        // A JSON array of events, not a Python `[INFO]` line.
        Some(b'[')
            if rest
                .iter()
                .skip(1)
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| *b == b'{' || *b == b']') =>
        {
            Format::JsonDocument
        }
        Some(b'{') => {
            let line = rest.split(|b| *b == b'\n').next().unwrap_or(rest);
            let complete = serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok();
            if complete {
                Format::JsonLines
            } else {
                Format::JsonDocument
            }
        }
        _ => Format::Text,
    }
}

/// The first event boundary at or after `pos`: the start of a line (for text, preferably one
/// that starts with a time, so continuation lines stay with their event).
fn next_boundary(path: &Path, pos: u64, format: Format) -> anyhow::Result<u64> {
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(pos))?;
    let mut buf = vec![0u8; MAX_EVENT];
    let n = read_full(&mut f, &mut buf)?;
    let buf = &buf[..n];
    let mut first_line = None;
    for nl in memchr::memchr_iter(b'\n', buf) {
        let next = &buf[nl + 1..];
        if first_line.is_none() {
            first_line = Some(nl + 1);
        }
        if format != Format::Text || parse_iso(next).is_some() {
            return Ok(pos + nl as u64 + 1);
        }
    }
    Ok(pos + first_line.unwrap_or(n) as u64)
}

/// What one line (or assembled event) says.
struct EventRef<'a> {
    at: Option<i64>,
    stream: Cow<'a, str>,
    group: Option<Cow<'a, str>>,
    message: Cow<'a, str>,
}

/// A JSON-lines event: the CLI's `{logStreamName, timestamp, message, …}` or a raw record.
#[derive(Deserialize)]
struct JsonEvent<'a> {
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    #[serde(default)]
    timestamp: Option<JsonTime<'a>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "logStreamName")]
    stream: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "logGroupName")]
    group: Option<Cow<'a, str>>,
}

/// `timestamp`: epoch milliseconds, or a time string.
enum JsonTime<'a> {
    Millis(f64),
    Text(Cow<'a, str>),
}

// By hand rather than `#[serde(untagged)]`, which buffers every value and tries each variant
// in turn: this runs once per matched event of a JSON-lines file. Same answers: any number is
// milliseconds, a string is a time, anything else fails the event's decoding.
impl<'de: 'a, 'a> Deserialize<'de> for JsonTime<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = JsonTime<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("epoch milliseconds or a time string")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(JsonTime::Millis(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(JsonTime::Millis(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(JsonTime::Millis(v))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(JsonTime::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JsonTime::Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(JsonTime::Text(Cow::Owned(v)))
            }
        }
        d.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

impl JsonTime<'_> {
    fn millis(&self) -> Option<i64> {
        match self {
            JsonTime::Millis(v) if v.is_finite() => Some(*v as i64),
            JsonTime::Millis(_) => None,
            JsonTime::Text(s) => parse_iso(s.as_bytes()).map(|(t, _)| t),
        }
    }
}

/// Owned form for the streamed JSON document.
#[derive(Deserialize)]
struct OwnedEvent {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    timestamp: Option<serde_json::Value>,
    #[serde(default, rename = "logStreamName")]
    stream: Option<String>,
    #[serde(default, rename = "logGroupName")]
    group: Option<String>,
}

/// The function a log group belongs to: `/aws/lambda/NAME` → `NAME`.
pub fn function_of_group(group: &str) -> Option<&str> {
    group
        .rsplit_once(':')
        .map_or(group, |(_, g)| g)
        .strip_prefix("/aws/lambda/")
        .filter(|n| !n.is_empty())
}

struct Scanner<'m> {
    keywords: aho_corasick::packed::Searcher,
    matchers: &'m [LogMatcher],
    function: String,
}

impl<'m> Scanner<'m> {
    fn new(matchers: &'m [LogMatcher], function: &str) -> anyhow::Result<Scanner<'m>> {
        Ok(Scanner {
            keywords: aho_corasick::packed::Searcher::new(KEYWORDS)
                .context("cannot build the keyword searcher")?,
            matchers,
            function: function.to_string(),
        })
    }

    fn read_stream(
        &self,
        reader: impl Read,
        format: Format,
        window: Option<(i64, i64)>,
        progress: &Progress,
    ) -> anyhow::Result<LogDigest> {
        self.read_into(reader, format, window, progress, &mut Vec::new())
    }

    /// [`Self::read_stream`] with a buffer the caller keeps between chunks.
    fn read_into(
        &self,
        reader: impl Read,
        format: Format,
        window: Option<(i64, i64)>,
        progress: &Progress,
        buf: &mut Vec<u8>,
    ) -> anyhow::Result<LogDigest> {
        let mut digest = LogDigest::new("file", window);
        if format == Format::JsonDocument {
            self.read_document(reader, &mut digest, progress)?;
            return Ok(digest);
        }
        let mut reader = reader;
        if buf.len() < BUF {
            buf.resize(BUF, 0);
        }
        let mut filled = 0usize;
        let mut eof = false;
        while !eof || filled > 0 {
            if !eof && filled < buf.len() {
                let n = loop {
                    match reader.read(&mut buf[filled..]) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e.into()),
                    }
                };
                if n == 0 {
                    eof = true;
                }
                filled += n;
                if !eof && filled < buf.len() {
                    continue;
                }
            }
            let cut = if eof {
                filled
            } else {
                match cut_point(&buf[..filled], format) {
                    Some(c) => c,
                    // One event larger than the buffer: grow it (bounded by the event).
                    None if buf.len() < (256 << 20) => {
                        buf.resize(buf.len() * 2, 0);
                        continue;
                    }
                    None => filled,
                }
            };
            // Slices of whole events: cut only before a line that starts an event.
            let mut done = 0;
            while done < cut {
                let end = slice_end(&buf[done..cut], format).map_or(cut, |e| done + e);
                self.scan(&buf[done..end], format, &mut digest);
                done = end;
            }
            digest.bytes += cut as u64;
            progress.add_bytes(cut as u64);
            buf.copy_within(cut..filled, 0);
            filled -= cut;
        }
        Ok(digest)
    }

    /// Searches one buffer of whole events.
    fn scan(&self, chunk: &[u8], format: Format, digest: &mut LogDigest) {
        let lines = memchr::memchr_iter(b'\n', chunk).count() as u64
            + u64::from(!chunk.is_empty() && chunk.last() != Some(&b'\n'));
        digest.lines += lines;
        // Platform lines.
        let mut pos = 0;
        while let Some(m) = self
            .keywords
            .find_in(chunk, aho_corasick::Span::from(pos..chunk.len()))
        {
            let (s, e) = event_bounds(chunk, m.start(), format);
            if let Some(ev) = decode(&chunk[s..e], format) {
                if digest.admit(ev.at) {
                    let f = digest.function_mut(self.function_for(&ev));
                    f.events += 1;
                    if super::digest::may_matter(&ev.message) {
                        f.observe_platform(ev.at, &ev.stream, &ev.message);
                    }
                }
            } else {
                // Only a JSON-lines event can fail to decode (cut or broken JSON): its
                // platform keyword is lost with it, and so is its function and time.
                let raw = to_str(&chunk[s..e]);
                digest
                    .function_mut(&self.function)
                    .unparsed
                    .add(None, || Sample::new(None, "", &raw, 0.0));
            }
            pos = e.max(m.end());
        }
        // Log-match checks.
        for m in self.matchers {
            let mut pos = 0;
            while let Some(hit) = m.buffer.find_at(chunk, pos) {
                let (s, e) = event_bounds(chunk, hit.start(), format);
                if let Some(ev) = decode(&chunk[s..e], format) {
                    if m.regex.is_match(&ev.message) && in_window(digest.window, ev.at) {
                        digest.function_mut(self.function_for(&ev)).record_match(
                            &m.check_id,
                            ev.at,
                            &ev.stream,
                            &ev.message,
                        );
                    }
                }
                pos = e.max(hit.end()).max(pos + 1);
            }
        }
    }

    fn function_for<'e>(&'e self, ev: &'e EventRef<'_>) -> &'e str {
        ev.group
            .as_deref()
            .and_then(function_of_group)
            .unwrap_or(&self.function)
    }

    fn read_document(
        &self,
        reader: impl Read,
        digest: &mut LogDigest,
        progress: &Progress,
    ) -> anyhow::Result<()> {
        let counting = CountingReader {
            inner: std::io::BufReader::with_capacity(1 << 20, reader),
            progress,
        };
        let mut de = serde_json::Deserializer::from_reader(counting);
        let mut sink = |ev: OwnedEvent| {
            digest.lines += 1;
            let at = ev.timestamp.as_ref().and_then(|t| match t {
                serde_json::Value::Number(n) => n.as_f64().map(|v| v as i64),
                serde_json::Value::String(s) => parse_iso(s.as_bytes()).map(|(t, _)| t),
                _ => None,
            });
            let Some(message) = ev.message else { return };
            if !digest.admit(at) {
                return;
            }
            let name = ev
                .group
                .as_deref()
                .and_then(function_of_group)
                .unwrap_or(&self.function);
            digest.function_mut(name).observe(
                at,
                ev.stream.as_deref().unwrap_or(""),
                &message,
                self.matchers,
            );
        };
        serde::de::DeserializeSeed::deserialize(Document { sink: &mut sink }, &mut de)
            .context("not a filter-log-events JSON document ({\"events\": [...]})")?;
        Ok(())
    }
}

fn in_window(w: Option<(i64, i64)>, at: Option<i64>) -> bool {
    match (w, at) {
        (Some((s, e)), Some(t)) => t >= s && t < e,
        _ => true,
    }
}

/// The end of the last complete event in `buf` (exclusive), or None when there is none.
fn cut_point(buf: &[u8], format: Format) -> Option<usize> {
    let last_nl = memchr::memrchr(b'\n', buf)?;
    if format != Format::Text {
        return Some(last_nl + 1);
    }
    // Prefer cutting before a line that starts with a time: continuation lines stay with
    // their event. Look back at most MAX_EVENT.
    let floor = buf.len().saturating_sub(MAX_EVENT);
    let mut end = last_nl;
    while let Some(nl) = memchr::memrchr(b'\n', &buf[..end]) {
        if nl < floor {
            break;
        }
        if parse_iso(&buf[nl + 1..]).is_some() {
            return Some(nl + 1);
        }
        end = nl;
    }
    Some(last_nl + 1)
}

/// Where to end a slice of `chunk` of about [`SLICE`] bytes: the start of the first line at or
/// after that size that starts an event (for text, a line with a time, which no event extends
/// over). None: `chunk` is small, or no such line is near; search it whole.
fn slice_end(chunk: &[u8], format: Format) -> Option<usize> {
    let from = SLICE.checked_sub(1)?;
    let near = chunk.get(from..)?;
    let near = &near[..near.len().min(MAX_EVENT)];
    for nl in memchr::memchr_iter(b'\n', near) {
        let start = from + nl + 1;
        if start >= chunk.len() {
            return None;
        }
        if format != Format::Text || parse_iso(&chunk[start..]).is_some() {
            return Some(start);
        }
    }
    None
}

fn line_at(chunk: &[u8], pos: usize) -> (usize, usize) {
    let s = memchr::memrchr(b'\n', &chunk[..pos]).map_or(0, |i| i + 1);
    let e = memchr::memchr(b'\n', &chunk[pos..]).map_or(chunk.len(), |i| pos + i + 1);
    (s, e)
}

/// Continuation lines: indented text or JSON punctuation, not a new event.
fn is_continuation(line: &[u8]) -> bool {
    matches!(line.first(), Some(b' ' | b'\t' | b'"' | b'}' | b']' | b'{'))
        || line.starts_with(b"XRAY ")
}

/// The byte range of the event containing `pos`.
fn event_bounds(chunk: &[u8], pos: usize, format: Format) -> (usize, usize) {
    let (s, e) = line_at(chunk, pos);
    if format != Format::Text || !is_continuation(&chunk[s..e]) {
        return extend_forward(chunk, s, e, format);
    }
    // Walk back to the line that starts this event (one with a time).
    let floor = s.saturating_sub(MAX_EVENT);
    let mut start = s;
    while start > floor {
        let (ps, _) = line_at(chunk, start - 1);
        if parse_iso(&chunk[ps..]).is_some() {
            return extend_forward(chunk, ps, e, format);
        }
        if !is_continuation(&chunk[ps..start]) {
            break;
        }
        start = ps;
    }
    (s, e)
}

/// Adds the continuation lines that follow (pretty-printed JSON messages, XRAY halves).
fn extend_forward(chunk: &[u8], s: usize, mut e: usize, format: Format) -> (usize, usize) {
    if format != Format::Text {
        return (s, e);
    }
    let limit = s + MAX_EVENT;
    while e < chunk.len() && e < limit {
        let (_, ne) = line_at(chunk, e);
        let next = &chunk[e..ne];
        if !is_continuation(next) || parse_iso(next).is_some() {
            break;
        }
        e = ne;
    }
    (s, e)
}

fn to_str(b: &[u8]) -> Cow<'_, str> {
    // The SIMD validator first; replacement characters only for broken input.
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// Splits an event into time, stream and message.
fn decode(raw: &[u8], format: Format) -> Option<EventRef<'_>> {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    match format {
        Format::JsonLines => decode_json(raw),
        _ => Some(decode_text(raw)),
    }
}

fn decode_text(raw: &[u8]) -> EventRef<'_> {
    let Some((at, used)) = parse_iso(raw) else {
        return EventRef {
            at: None,
            stream: Cow::Borrowed(""),
            group: None,
            message: to_str(raw),
        };
    };
    let rest = &raw[used..];
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    // `aws logs tail` (detailed) puts the log stream next: `2026/11/21/[$LATEST]abc…`.
    let (stream, message) = match memchr::memchr2(b' ', b'\n', rest) {
        Some(i) if looks_like_stream(&rest[..i]) => (&rest[..i], &rest[i + 1..]),
        None if looks_like_stream(rest) => (rest, &b""[..]),
        _ => (&b""[..], rest),
    };
    let message = match to_str(message) {
        // Pretty-printed JSON continues on the next lines.
        Cow::Borrowed(m) => Cow::Borrowed(m.trim_start_matches([' ', '\n', '\r'])),
        Cow::Owned(m) => Cow::Owned(m.trim_start_matches([' ', '\n', '\r']).to_string()),
    };
    EventRef {
        at: Some(at),
        stream: to_str(stream),
        group: None,
        message,
    }
}

fn looks_like_stream(tok: &[u8]) -> bool {
    tok.len() > 11
        && tok.get(4) == Some(&b'/')
        && tok.get(7) == Some(&b'/')
        && tok[..4].iter().all(u8::is_ascii_digit)
}

fn decode_json(raw: &[u8]) -> Option<EventRef<'_>> {
    let text = std::str::from_utf8(raw).ok()?;
    let ev: JsonEvent<'_> = serde_json::from_str(text).ok()?;
    match ev.message {
        Some(message) => Some(EventRef {
            at: ev.timestamp.as_ref().and_then(JsonTime::millis),
            stream: ev.stream.unwrap_or(Cow::Borrowed("")),
            group: ev.group,
            message,
        }),
        // A raw record: the whole line is the message.
        None => Some(EventRef {
            at: ev
                .time
                .as_deref()
                .and_then(|t| parse_iso(t.as_bytes()).map(|(v, _)| v))
                .or_else(|| ev.timestamp.as_ref().and_then(JsonTime::millis)),
            stream: ev.stream.unwrap_or(Cow::Borrowed("")),
            group: ev.group,
            message: Cow::Borrowed(text),
        }),
    }
}

struct CountingReader<'p, R> {
    inner: R,
    progress: &'p Progress,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.add_bytes(n as u64);
        Ok(n)
    }
}

/// Streams the events of `{"events": [...]}` (or `[...]`) to a callback.
struct Document<'s, F: FnMut(OwnedEvent)> {
    sink: &'s mut F,
}

impl<'de, F: FnMut(OwnedEvent)> serde::de::DeserializeSeed<'de> for Document<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(OwnedEvent)> serde::de::Visitor<'de> for Document<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with \"events\" or an array of events")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(ev) = seq.next_element::<Option<OwnedEvent>>()? {
            if let Some(ev) = ev {
                (self.sink)(ev);
            }
        }
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "events" {
                map.next_value_seed(Document {
                    sink: &mut *self.sink,
                })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
}

/// Parses `YYYY-MM-DD[T ]HH:MM:SS[.fff…][Z|±HH[:MM]]` at the start of `b`: epoch milliseconds
/// and the bytes used. No zone means UTC (CloudWatch and the AWS CLI print UTC).
pub fn parse_iso(b: &[u8]) -> Option<(i64, usize)> {
    let h = b.get(..19)?;
    if h[4] != b'-'
        || h[7] != b'-'
        || !(h[10] == b'T' || h[10] == b' ')
        || h[13] != b':'
        || h[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(&h[0..4])?, num(&h[5..7])?, num(&h[8..10])?);
    let (hh, mi, ss) = (num(&h[11..13])?, num(&h[14..16])?, num(&h[17..19])?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || hh > 23 || mi > 59 || ss > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if matches!(b.get(i), Some(b'.' | b',')) {
        i += 1;
        let mut digits = 0;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if digits < 3 {
                ms = ms * 10 + i64::from(c - b'0');
            }
            digits += 1;
            i += 1;
        }
        if digits == 0 {
            return None;
        }
        for _ in digits..3 {
            ms *= 10;
        }
    }
    let mut offset = 0i64;
    match b.get(i) {
        Some(b'Z') => i += 1,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(b.get(i + 1..i + 3)?)?;
            let mut j = i + 3;
            if b.get(j) == Some(&b':') {
                j += 1;
            }
            let om = b.get(j..j + 2).and_then(num).unwrap_or(0);
            if b.get(j..j + 2).and_then(num).is_some() {
                j += 2;
            }
            offset = (oh * 60 + om) * 60_000;
            if sign == b'-' {
                offset = -offset;
            }
            i = j;
        }
        _ => {}
    }
    let days = days_from_civil(y, mo, d);
    let t = ((days * 24 + hh) * 60 + mi) * 60_000 + ss * 1000 + ms - offset;
    Some((t, i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const T: i64 = 1_795_251_600_000; // 2026-11-21T09:00:00Z

    #[test]
    fn iso_times() {
        assert_eq!(parse_iso(b"2026-11-21T09:00:00Z x"), Some((T, 20)));
        assert_eq!(
            parse_iso(b"2026-11-21T09:00:00.123000+00:00 s").map(|x| x.0),
            Some(T + 123)
        );
        assert_eq!(
            parse_iso(b"2026-11-21T10:00:00+01:00").map(|x| x.0),
            Some(T)
        );
        assert_eq!(
            parse_iso(b"2026-11-21 09:00:00.5").map(|x| x.0),
            Some(T + 500)
        );
        assert_eq!(parse_iso(b"2026-11-21T09:00:00").map(|x| x.0), Some(T));
        assert_eq!(parse_iso(b"2026-13-21T09:00:00Z"), None);
        assert_eq!(parse_iso(b"REPORT RequestId: x"), None);
        assert_eq!(parse_iso(b"2026-11-21T09:0"), None);
        assert_eq!(parse_iso("2026-11-21T09:00:00.é".as_bytes()), None);
    }

    #[test]
    fn json_line_timestamps() {
        let at = |line: &str| decode_json(line.as_bytes()).map(|e| e.at);
        let msg = r#""message":"REPORT RequestId: x\tDuration: 1.00 ms""#;
        assert_eq!(
            at(&format!(r#"{{"timestamp":1763715600123,{msg}}}"#)),
            Some(Some(1_763_715_600_123))
        );
        assert_eq!(
            at(&format!(r#"{{"timestamp":1763715600123.9,{msg}}}"#)),
            Some(Some(1_763_715_600_123))
        );
        assert_eq!(at(&format!(r#"{{"timestamp":-5,{msg}}}"#)), Some(Some(-5)));
        // A time string, also with an escape (then serde hands it over owned).
        assert_eq!(
            at(&format!(
                r#"{{"timestamp":"2025-11-21T09:00:00.123Z",{msg}}}"#
            )),
            Some(Some(1_763_715_600_123))
        );
        assert_eq!(
            at(&format!(
                r#"{{"timestamp":"2025-11-21T09:00:00.123\u005a",{msg}}}"#
            )),
            Some(Some(1_763_715_600_123))
        );
        assert_eq!(
            at(&format!(r#"{{"timestamp":"yesterday",{msg}}}"#)),
            Some(None)
        );
        assert_eq!(at(&format!(r#"{{"timestamp":null,{msg}}}"#)), Some(None));
        // Neither a number nor a string: the event does not decode (counted unparsed).
        assert_eq!(at(&format!(r#"{{"timestamp":true,{msg}}}"#)), None);
        assert_eq!(at(&format!(r#"{{"timestamp":[1],{msg}}}"#)), None);
        // The message keeps its escapes' meaning.
        let line = format!(r#"{{"timestamp":1,{msg}}}"#);
        let ev = decode_json(line.as_bytes()).unwrap();
        assert_eq!(ev.message, "REPORT RequestId: x\tDuration: 1.00 ms");
    }

    #[test]
    fn groups_name_functions() {
        assert_eq!(
            function_of_group("/aws/lambda/orders-fn"),
            Some("orders-fn")
        );
        assert_eq!(function_of_group("123456789012:/aws/lambda/x"), Some("x"));
        assert_eq!(function_of_group("/custom/shared"), None);
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::File::create(&p)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        p
    }

    fn matchers() -> Vec<LogMatcher> {
        crate::checks::declarative::builtin()
            .into_iter()
            .filter_map(|c| match &c.kind {
                crate::checks::declarative::Kind::LogMatch(m) => LogMatcher::new(&c.id, m),
                _ => None,
            })
            .collect()
    }

    fn read(paths: &[PathBuf], threads: usize) -> LogDigest {
        read_files(
            paths,
            &FileOptions {
                threads,
                ..FileOptions::default()
            },
            &matchers(),
            &Arc::new(Progress::default()),
        )
        .unwrap()
    }

    const TAIL: &str = "2026-11-21T09:00:01.000000+00:00 2026/11/21/[$LATEST]0a1b2c3d4e5f START RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c95 Version: $LATEST
2026-11-21T09:00:01.100000+00:00 2026/11/21/[$LATEST]0a1b2c3d4e5f 2026-11-21T09:00:01.100Z\t8f507cfc-1a2b-4697-b07a-ac58fc914c95\tINFO\thandling REPORT export
2026-11-21T09:00:01.200000+00:00 2026/11/21/[$LATEST]0a1b2c3d4e5f END RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c95
2026-11-21T09:00:01.200000+00:00 2026/11/21/[$LATEST]0a1b2c3d4e5f REPORT RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c95\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t
XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85\tSampled: true
2026-11-21T09:01:03.000000+00:00 2026/11/21/[$LATEST]0a1b2c3d4e5f 2026-11-21T09:01:03.000Z 7c9567b5-107b-4a6c-8798-0157ac21db52 Task timed out after 3.00 seconds
2026-11-21T09:01:03.000000+00:00 2026/11/21/[$LATEST]0a1b2c3d4e5f REPORT RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52\tDuration: 3003.15 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t
";

    #[test]
    fn aws_logs_tail_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "orders-fn.log", TAIL);
        let d = read(&[p], 1);
        assert_eq!(d.functions.len(), 1);
        let f = &d.functions[0];
        assert_eq!(f.name, "orders-fn");
        assert_eq!((f.invocations, f.cold_starts), (2, 1));
        assert_eq!(f.init.max(), Some(130.49));
        assert_eq!(f.matches["lambda-task-timeout"].count, 1);
        assert_eq!(f.minutes.len(), 2);
        assert_eq!(d.lines, 7);
    }

    #[test]
    fn json_lines_and_documents_and_pretty_tail() {
        let dir = tempfile::tempdir().unwrap();
        let rep = "REPORT RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c95\\tDuration: 15.74 ms\\tBilled Duration: 16 ms\\tMemory Size: 128 MB\\tMax Memory Used: 128 MB\\tInit Duration: 130.49 ms\\t\\n";
        let lines = format!(
            "{{\"logStreamName\":\"s\",\"timestamp\":{},\"message\":\"{rep}\",\"logGroupName\":\"/aws/lambda/a-fn\"}}\n{{\"time\":\"2026-11-21T09:00:02.000Z\",\"type\":\"platform.report\",\"record\":{{\"requestId\":\"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36\",\"metrics\":{{\"durationMs\":1233.96,\"billedDurationMs\":1698,\"memorySizeMB\":256,\"maxMemoryUsedMB\":123,\"initDurationMs\":463.512}},\"status\":\"success\"}}}}\n",
            T + 1000
        );
        let a = write(dir.path(), "b-fn.jsonl", &lines);
        let doc = format!(
            "{{\n    \"events\": [\n        {{\n            \"logStreamName\": \"s\",\n            \"timestamp\": {},\n            \"message\": \"{rep}\",\n            \"ingestionTime\": 1\n        }}\n    ],\n    \"searchedLogStreams\": []\n}}\n",
            T + 2000
        );
        let b = write(dir.path(), "c-fn.json", &doc);
        let pretty = "2026-11-21T09:00:05+00:00 2026/11/21/[$LATEST]abcdef0123 \n{\n    \"time\": \"2026-11-21T09:00:05.000Z\",\n    \"type\": \"platform.report\",\n    \"record\": {\n        \"requestId\": \"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36\",\n        \"metrics\": {\"durationMs\": 10.0, \"billedDurationMs\": 10, \"memorySizeMB\": 128, \"maxMemoryUsedMB\": 60, \"initDurationMs\": 900.5},\n        \"status\": \"success\"\n    }\n}\n2026-11-21T09:00:06+00:00 2026/11/21/[$LATEST]abcdef0123 {\"time\":\"2026-11-21T09:00:06.000Z\",\"type\":\"platform.start\",\"record\":{\"requestId\":\"x\"}}\n";
        let c = write(dir.path(), "d-fn.log", pretty);
        let d = read(&[a, b, c], 1);
        let names: Vec<&str> = d.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a-fn", "b-fn", "c-fn", "d-fn"]);
        for f in &d.functions {
            assert_eq!((f.invocations, f.cold_starts), (1, 1), "{}", f.name);
        }
        assert_eq!(d.function("a-fn").unwrap().memory_at_limit.count, 1);
        assert_eq!(d.function("d-fn").unwrap().init.max(), Some(900.5));
        assert_eq!(
            d.function("c-fn").unwrap().minutes.keys().next(),
            Some(&(T / 60_000))
        );
    }

    #[test]
    fn threads_give_the_same_digest_as_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        let mut i = 0u64;
        // Three chunks: with two threads one of them takes a second chunk from the queue.
        while text.len() < (CHUNK as usize) * 3 + 12345 {
            let t = T + (i as i64) * 250;
            let ts = chrono::DateTime::from_timestamp_millis(t)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.6f+00:00");
            let init = if i.is_multiple_of(13) {
                format!("Init Duration: {}.25 ms\t", 200 + i % 500)
            } else {
                String::new()
            };
            text.push_str(&format!("{ts} 2026/11/21/[$LATEST]0a1b2c3d4e5f REPORT RequestId: 8f507cfc-1a2b-4697-b07a-{i:012}\tDuration: {}.5 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t{init}\nXRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85\tSampled: true\n", i % 90));
            if i.is_multiple_of(1000) {
                text.push_str(&format!("{ts} 2026/11/21/[$LATEST]0a1b2c3d4e5f {ts} 7c9567b5-107b-4a6c-8798-0157ac21db52 Task timed out after 3.00 seconds\n"));
            }
            i += 1;
        }
        let p = write(dir.path(), "big-fn.log", &text);
        let one = read(std::slice::from_ref(&p), 1);
        assert_eq!(one.functions[0].invocations, i);
        for threads in [2, 3] {
            let many = read(std::slice::from_ref(&p), threads);
            let (a, b) = (&one.functions[0], &many.functions[0]);
            assert_eq!(a.invocations, b.invocations);
            assert_eq!(a.cold_starts, b.cold_starts);
            assert_eq!(a.minutes, b.minutes);
            assert_eq!(a.init.quantile(0.99), b.init.quantile(0.99));
            assert_eq!(a.matches, b.matches);
            assert_eq!(one.lines, many.lines);
            assert_eq!(one.bytes, many.bytes);
        }
    }

    #[test]
    fn slices_give_the_same_digest_as_one_search() {
        // Events with continuation lines (XRAY halves, pretty-printed JSON, untimed lines)
        // over many slices: searching slice by slice must equal searching the whole buffer.
        let mut text = String::new();
        let mut i = 0u64;
        while text.len() < SLICE * 5 + 777 {
            let ts = format!(
                "2026-11-21T09:{:02}:{:02}.000000+00:00",
                (i / 60) % 60,
                i % 60
            );
            let s = "2026/11/21/[$LATEST]0a1b2c3d4e5f";
            text.push_str(&format!("{ts} {s} REPORT RequestId: 8f507cfc-1a2b-4697-b07a-{i:012}\tDuration: {}.5 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: {} MB\tInit Duration: {}.25 ms\t\n", i % 90, 100 + i % 29, i % 700));
            if i.is_multiple_of(3) {
                text.push_str("XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85\tSampled: true\n");
            }
            if i.is_multiple_of(7) {
                text.push_str(&format!("{ts} {s} \n{{\n    \"time\": \"2026-11-21T09:00:05.000Z\",\n    \"type\": \"platform.report\",\n    \"record\": {{\"requestId\": \"r{i}\", \"metrics\": {{\"durationMs\": 10.0, \"initDurationMs\": 9.5}}}}\n}}\n"));
            }
            if i.is_multiple_of(11) {
                text.push_str(&format!("{ts} {s} RequestId: 7c9567b5-107b-4a6c-8798-{i:012} Error: Runtime exited with error: signal: killed\nRuntime.ExitError\n"));
                text.push_str(&format!(
                    "{ts} {s} {ts} 7c9567b5 Task timed out after 3.00 seconds\n"
                ));
            }
            i += 1;
        }
        let m = matchers();
        let scanner = Scanner::new(&m, "fn").unwrap();
        let sliced = scanner
            .read_stream(text.as_bytes(), Format::Text, None, &Progress::default())
            .unwrap();
        let mut whole = LogDigest::new("file", None);
        scanner.scan(text.as_bytes(), Format::Text, &mut whole);
        whole.bytes = text.len() as u64;
        assert!(whole.functions[0].invocations > 1000);
        assert_eq!(sliced, whole);
    }

    #[test]
    fn garbage_and_gzip_are_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bin.log");
        std::fs::write(
            &p,
            [
                0xff, 0xfe, b'\n', b'{', 0x80, b'R', b'E', b'P', b'O', b'R', b'T',
            ],
        )
        .unwrap();
        let d = read(&[p], 1);
        assert_eq!(d.functions.iter().map(|f| f.invocations).sum::<u64>(), 0);
        // A Python `[INFO]` first line is text, not a JSON array.
        let py = dir.path().join("py-fn.log");
        std::fs::write(&py, "[INFO]\t2026-11-21T09:00:00.000Z\tx\thello\nREPORT RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c95\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t\n").unwrap();
        assert_eq!(read(&[py], 1).functions[0].invocations, 1);
        let gz = dir.path().join("x.log.gz");
        std::fs::write(&gz, [0x1f, 0x8b, 8, 0]).unwrap();
        let e = read_files(
            &[gz],
            &FileOptions::default(),
            &[],
            &Arc::new(Progress::default()),
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("gzip"), "{e:#}");
    }
}
