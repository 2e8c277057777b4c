//! `gwdoctor cold-starts`: the JSON contract on the bundled demo, exit codes, `--log-file` in
//! every accepted form (checked against the same events replayed as a recording), and the live
//! path against the emulator: FilterLogEvents (pagination, empty pages, throttling, access
//! denied, JSON log format in a custom log group) and Logs Insights through canned answers.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::live::{proxy, seed_json, FAULTS};
use crate::util::{emulator, fixture, gwdoctor};

fn run(args: &[&str]) -> (i32, Value, String) {
    let out = gwdoctor().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn function<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["cold_starts"]["functions"]
        .as_array()
        .unwrap_or_else(|| panic!("no cold_starts.functions in {json}"))
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no function {name} in {json}"))
}

fn check<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {json}"))
}

fn demo() -> PathBuf {
    fixture("demo/cold-starts.json")
}

#[test]
fn demo_json_has_the_documented_shape() {
    let (code, v, err) = run(&[
        "cold-starts",
        "--api",
        "demo",
        "-o",
        "json",
        "--replay",
        demo().to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["command"], "cold-starts");
    assert_eq!(v["target"]["api_name"], "demo");
    let f = function(&v, "coldstart-fn");
    for k in [
        "invocations",
        "cold_starts",
        "init_ms",
        "spikes",
        "duration_ms",
        "memory_mb",
    ] {
        assert!(f.get(k).is_some(), "functions[].{k} missing: {f}");
    }
    for k in ["p50", "p90", "p99", "max"] {
        assert!(f["init_ms"][k].is_number(), "init_ms.{k}: {f}");
    }
    let spikes = f["spikes"].as_array().unwrap();
    let at: Vec<&str> = spikes.iter().map(|s| s["at"].as_str().unwrap()).collect();
    assert_eq!(
        at,
        [
            "2026-11-21T09:36:00Z",
            "2026-11-21T09:37:00Z",
            "2026-11-21T09:38:00Z",
            "2026-11-21T09:39:00Z",
            "2026-11-21T09:40:00Z",
            "2026-11-21T09:41:00Z",
            "2026-11-21T09:42:00Z"
        ]
    );
    for s in spikes {
        assert!(s["cold_starts"].as_u64().unwrap() >= 8, "{s}");
        assert!(s["init_ms_max"].as_f64().unwrap() > 1500.0, "{s}");
        let reports = s["reports"].as_array().unwrap();
        assert!(
            !reports.is_empty()
                && reports
                    .iter()
                    .all(|r| r.as_str().unwrap().contains("Init Duration")),
            "{s}"
        );
    }
    let c = &f["correlation"];
    assert_eq!(c["coincide"], true, "{c}");
    assert_eq!(c["coinciding_minutes"], 7, "{c}");
    assert_eq!(check(&v, "lambda-cold-start-spike")["status"], "found");
    assert_eq!(check(&v, "lambda-memory-at-limit")["status"], "passed");
    // The finding carries the REPORT lines as log-line evidence.
    let ev = check(&v, "lambda-cold-start-spike")["findings"][0]["evidence"].to_string();
    assert!(
        ev.contains("\"kind\":\"log-line\"") && ev.contains("Init Duration"),
        "{ev}"
    );
}

#[test]
fn demo_json_snapshot() {
    let (_, v, _) = run(&[
        "cold-starts",
        "--api",
        "demo",
        "-o",
        "json",
        "--replay",
        demo().to_str().unwrap(),
    ]);
    insta::assert_json_snapshot!("cold_starts_demo_json", v);
}

#[test]
fn demo_markdown_snapshot() {
    let out = gwdoctor()
        .args(["cold-starts", "--api", "demo", "-o", "markdown", "--replay"])
        .arg(demo())
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "cold_starts_demo_markdown",
        String::from_utf8(out.stdout).unwrap()
    );
}

#[test]
fn unknown_function_and_bad_flags_exit_two_clearly() {
    let steady = fixture("lambda-cold-start-spike/steady.json");
    let (code, _, err) = run(&[
        "cold-starts",
        "--function",
        "stedy-fn",
        "--replay",
        steady.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no Lambda function \"stedy-fn\""), "{err}");
    let (code, _, err) = run(&["cold-starts"]);
    assert_eq!(code, 2);
    assert!(err.contains("--function"), "{err}");
    let (code, _, err) = run(&["cold-starts", "--function", "x", "--engine", "grep"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["cold-starts", "--log-file", "/nonexistent/fn.log"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("reading --log-file /nonexistent/fn.log"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("fn.log");
    std::fs::write(&f, "x\n").unwrap();
    let (code, _, err) = run(&[
        "cold-starts",
        "--log-file",
        f.to_str().unwrap(),
        "--since",
        "1h",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--since"), "{err}");
    let (code, _, err) = run(&[
        "cold-starts",
        "--log-file",
        f.to_str().unwrap(),
        "--record",
        "x.json",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--record and --replay"), "{err}");
}

#[test]
fn no_platform_lines_at_all_is_inconclusive() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("quiet-fn.log");
    std::fs::write(
        &f,
        "2026-11-21T09:00:00.000000+00:00 2026/11/21/[$LATEST]abcdef0123456789 hello\n",
    )
    .unwrap();
    let (code, v, err) = run(&[
        "cold-starts",
        "--log-file",
        f.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        v["notes"].to_string().contains("no Lambda platform lines"),
        "{}",
        v["notes"]
    );
    // A log group that does not exist: the check cannot run, exit 2 with the reason.
    let text = std::fs::read_to_string(fixture("lambda-cold-start-spike/steady.json")).unwrap();
    let mut inc: Value = serde_json::from_str(&text).unwrap();
    inc["logs"] = json!({});
    let gone = dir.path().join("gone.json");
    std::fs::write(&gone, inc.to_string()).unwrap();
    let (code, v, err) = run(&[
        "cold-starts",
        "--function",
        "steady-fn",
        "-o",
        "json",
        "--replay",
        gone.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    let c = check(&v, "lambda-cold-start-spike");
    assert_eq!(c["status"], "skipped", "{c}");
    assert!(
        c["reason"].as_str().unwrap().contains("does not exist"),
        "{c}"
    );
}

/// A realistic, damaged `aws logs tail` export: valid START/END/REPORT events, lines that are
/// not platform records at all (a binary blob, an application print that starts with
/// "REPORT", a request body a log pipeline cut at 1024 bytes and marked ` [TRUNCATED]`), and
/// platform lines that were cut: a marked REPORT, an INIT_REPORT, a JSON-format record (the
/// function switched log format) and an unterminated last line (copied while being written).
#[test]
fn unreadable_platform_lines_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let stream = "2026/11/21/[$LATEST]4f1c2a9e5b7d4e1f9a2b8c6d4e2f1a0b";
    let ts = |s: u32| {
        format!(
            "2026-11-21T09:{:02}:{:02}.{:03}000+00:00",
            s / 60,
            s % 60,
            s % 7 * 111
        )
    };
    let at = |s: u32, msg: &str| format!("{} {stream} {msg}\n", ts(s));
    let body = format!(
        "2026-11-21T09:00:01.250Z\t8f507cfc-1a2b-4697-b07a-ac58fc914c95\tINFO\treceived event: {{\"resource\":\"/orders\",\"httpMethod\":\"POST\",\"body\":\"{}\"",
        "eyJpdGVtcyI6W3sic2t1IjoiQTEwMCIsInF0eSI6Mn1dfQ==".repeat(30)
    );
    let cut_body = format!("{} [TRUNCATED]", &body[..1024]);
    let mut log = String::new();
    log += &at(0, "INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6");
    log += &at(
        1,
        "START RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c95 Version: $LATEST",
    );
    log += &at(1, &cut_body);
    log += &at(1, "END RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c95");
    log += &at(1, "REPORT RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c95\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 412.30 ms\t");
    log += "XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85\tSampled: true\n";
    let mut bytes = log.into_bytes();
    bytes.extend_from_slice(b"\x00\x13\xff\xfePK\x03\x04 binary pasted into the export\n");
    let mut log = String::new();
    log += &at(62, "REPORT generated for tenant 42 in 3.1 s");
    log += &at(
        63,
        "START RequestId: 3b0e5f2a-77c1-4d0e-9a4f-1c2d3e4f5a6b Version: $LATEST",
    );
    log += &at(63, "END RequestId: 3b0e5f2a-77c1-4d0e-9a4f-1c2d3e4f5a6b");
    log += &at(63, "REPORT RequestId: 3b0e5f2a-77c1-4d0e-9a4f-1c2d3e4f5a6b\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 57 MB\t");
    log += &at(
        64,
        "REPORT RequestId: 5d2c7f3a-9e1b-4c8d-a6f2-0b3e4d5c6a7b\tDuration: 41 [TRUNCATED]",
    );
    log += &at(65, "INIT_REPORT Init Dura [TRUNCATED]");
    log += &at(
        66,
        r#"{"time":"2026-11-21T09:01:06.000Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","metrics":{"durationMs":12 [TRUNCATED]"#,
    );
    log += &at(125, "REPORT RequestId: 0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9\tDuration: 8.12 ms\tBilled Duration: 9 ms\tMemory Size: 128 MB\tMax Memory Used: 57 MB\t");
    log += &format!(
        "{} {stream} REPORT RequestId: 1c2d3e4f-5061-4728-93a4-b5c6d7e8f9a0\tDuration: 8.1",
        ts(126)
    );
    bytes.extend_from_slice(log.as_bytes());
    let lines = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(lines, 16);
    let f = dir.path().join("orders-fn.log");
    std::fs::write(&f, &bytes).unwrap();

    let (code, v, err) = run(&[
        "cold-starts",
        "--log-file",
        f.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "damaged lines must not end the run: {err}\n{v}");
    let cs = &v["cold_starts"];
    assert_eq!(cs["lines_read"], 16, "{cs}");
    assert_eq!(cs["unparsed"], 4, "{cs}");
    let fn_ = function(&v, "orders-fn");
    assert_eq!(fn_["unparsed"], 4, "{fn_}");
    // Only the three whole REPORT lines count; the cut ones are in no figure.
    assert_eq!(
        (fn_["invocations"].as_u64(), fn_["cold_starts"].as_u64()),
        (Some(3), Some(1)),
        "{fn_}"
    );
    assert_eq!(fn_["duration_ms"]["p99"], 38.66, "{fn_}");

    let out = gwdoctor()
        .args(["cold-starts", "--log-file"])
        .arg(&f)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(16 lines, "), "{text}");
    assert!(
        text.contains("4 malformed platform line(s) skipped (orders-fn 4)")
            && text.contains("first: REPORT RequestId: 5d2c7f3a"),
        "{text}"
    );

    // JSON lines (`aws logs filter-log-events … | jq -c '.events[]'`): a message cut and
    // marked inside an intact event, and a last event whose JSON itself was cut.
    let ev = |t: i64, msg: &str| {
        json!({"logStreamName": stream, "timestamp": 1_795_251_600_000i64 + t, "message": msg,
               "ingestionTime": 1_795_251_600_000i64 + t + 412, "eventId": format!("3799{t:08}")})
        .to_string()
    };
    let mut jl = String::new();
    jl += &ev(1_000, "REPORT RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c95\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 412.30 ms\t\n");
    jl += "\n";
    jl += &ev(2_000, &cut_body);
    jl += "\n";
    jl += &ev(
        64_000,
        "REPORT RequestId: 5d2c7f3a-9e1b-4c8d-a6f2-0b3e4d5c6a7b\tDuration: 41 [TRUNCATED]",
    );
    jl += "\n";
    let whole = ev(65_000, "REPORT RequestId: 3b0e5f2a-77c1-4d0e-9a4f-1c2d3e4f5a6b\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 57 MB\t\n");
    jl += &whole[..whole.len() - 40];
    let j = dir.path().join("payments-fn.jsonl");
    std::fs::write(&j, &jl).unwrap();
    let (code, v, err) = run(&[
        "cold-starts",
        "--log-file",
        j.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}\n{v}");
    assert_eq!(v["cold_starts"]["lines_read"], 4);
    let p = function(&v, "payments-fn");
    assert_eq!(
        (p["invocations"].as_u64(), p["unparsed"].as_u64()),
        (Some(1), Some(2)),
        "{p}"
    );
}

/// The recording's events as the files people export.
fn export(incident: &Path, dir: &Path, name: &str) -> [PathBuf; 3] {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(incident).unwrap()).unwrap();
    let (group, events) = v["logs"].as_object().unwrap().iter().next().unwrap();
    let mut events: Vec<&Value> = events.as_array().unwrap().iter().collect();
    events.sort_by_key(|e| e["timestamp"].as_str().unwrap().to_string());
    let ms = |e: &Value| {
        chrono::DateTime::parse_from_rfc3339(e["timestamp"].as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    // `aws logs tail` (detailed): "<ISO µs+00:00> <stream> <message>", embedded newlines kept.
    let text = dir.join(format!("{name}.log"));
    let mut f = std::fs::File::create(&text).unwrap();
    for e in &events {
        let t = chrono::DateTime::from_timestamp_millis(ms(e)).unwrap();
        writeln!(
            f,
            "{} {} {}",
            t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00"),
            e["stream"].as_str().unwrap(),
            e["message"].as_str().unwrap().trim_end()
        )
        .unwrap();
    }
    // JSON lines, as `jq -c '.events[]'` prints filter-log-events output.
    let jsonl = dir.join(format!("{name}.jsonl"));
    let mut f = std::fs::File::create(&jsonl).unwrap();
    let mut doc_events = Vec::new();
    for e in &events {
        let ev = json!({"logStreamName": e["stream"], "timestamp": ms(e),
                        "message": e["message"], "ingestionTime": ms(e) + 250, "eventId": "1"});
        writeln!(f, "{ev}").unwrap();
        doc_events.push(ev);
    }
    // The filter-log-events document itself, pretty-printed.
    let doc = dir.join(format!("{name}.json"));
    std::fs::write(
        &doc,
        serde_json::to_string_pretty(&json!({"events": doc_events, "searchedLogStreams": []}))
            .unwrap(),
    )
    .unwrap();
    let _ = group;
    [text, jsonl, doc]
}

#[test]
fn log_files_in_every_form_agree_with_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    for (fixture_path, name, window) in [
        (
            fixture("lambda-cold-start-spike/spike-api.json"),
            "coldstart-fn",
            None,
        ),
        (
            fixture("lambda-task-timeout/symptoms.json"),
            "symptoms-fn",
            None,
        ),
        (
            fixture("lambda-cold-start-spike/snapstart-json.json"),
            "snapstart-fn",
            Some(("2026-11-21T09:00:00Z", "2026-11-21T10:00:00Z")),
        ),
    ] {
        let (_, replayed, err) = run(&[
            "cold-starts",
            "--function",
            name,
            "-o",
            "json",
            "--replay",
            fixture_path.to_str().unwrap(),
        ]);
        let want = function(&replayed, name);
        assert!(want["invocations"].as_u64().unwrap() > 0, "{err}");
        for file in export(&fixture_path, dir.path(), name) {
            let mut args = vec![
                "cold-starts",
                "--log-file",
                file.to_str().unwrap(),
                "-o",
                "json",
            ];
            // The recording's window is an hour; give the file the same one.
            let (s, e) = window.unwrap_or(("2026-11-21T09:00:00Z", "2026-11-21T10:00:00Z"));
            args.extend(["--start", s, "--end", e]);
            let (code, got, err) = run(&args);
            let f = function(&got, name);
            for k in [
                "invocations",
                "cold_starts",
                "init_ms",
                "restore_ms",
                "duration_ms",
                "spikes",
                "max_memory_used_mb",
                "runtime_versions",
                "baseline",
            ] {
                let strip = |v: &Value| {
                    let mut v = v.clone();
                    if let Some(a) = v.as_array_mut() {
                        for s in a {
                            if let Some(o) = s.as_object_mut() {
                                o.remove("integration_latency_ms");
                            }
                        }
                    }
                    v
                };
                assert_eq!(
                    strip(&f[k]),
                    strip(&want[k]),
                    "{}: {k} differs ({err})",
                    file.display()
                );
            }
            let statuses = |v: &Value| -> Vec<(String, String)> {
                let mut s: Vec<(String, String)> = v["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        (
                            c["id"].as_str().unwrap().into(),
                            c["status"].as_str().unwrap().into(),
                        )
                    })
                    .collect();
                s.sort();
                s
            };
            assert_eq!(statuses(&got), statuses(&replayed), "{}", file.display());
            assert_eq!(got["cold_starts"]["engine"], "file");
            assert!(code == 0 || code == 1, "{err}");
        }
    }
}

#[test]
fn hostile_log_lines_are_sanitized() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("evil-fn.log");
    let mut text = String::new();
    for m in 0..12 {
        for i in 0..6 {
            let init = if i < 5 && m == 8 {
                "Init Duration: 2400.00 ms\t"
            } else {
                ""
            };
            text.push_str(&format!(
                "2026-11-21T09:{m:02}:{:02}.000000+00:00 2026/11/21/[$LATEST]abcdef0123456789 REPORT RequestId: 8f507cfc-1a2b-4697-b07a-ac58fc914c{m:02}\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t{init}\u{1b}]0;pwned\u{7}\u{1b}[2J AKIAIOSFODNN7EXAMPLE\n",
                i * 5
            ));
        }
    }
    std::fs::write(&f, text).unwrap();
    for fmt in ["text", "markdown", "json"] {
        let out = gwdoctor()
            .args(["cold-starts", "--log-file"])
            .arg(&f)
            .args(["-o", fmt])
            .output()
            .unwrap();
        let s = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1), "{fmt}: {s}");
        assert!(s.contains("Init Duration: 2400.00 ms"), "{fmt}: {s}");
        assert!(
            !s.contains('\u{1b}') && !s.contains('\u{7}') && !s.contains("\\u001b"),
            "{fmt}: {s:?}"
        );
        assert!(!s.contains("AKIAIOSFODNN7EXAMPLE"), "{fmt}: {s}");
    }
}

// ------------------------------------------------------------------------------ live path

struct Live {
    endpoint: String,
    region: String,
    seed: Value,
}

fn live(region: &str) -> Option<Live> {
    let endpoint = emulator()?;
    let seed = seed_json(&endpoint, "cold-start-logs", region);
    Some(Live {
        endpoint,
        region: region.into(),
        seed,
    })
}

impl Live {
    /// Runs `cold-starts` over the 45 seeded minutes (ending at the seed's `now`).
    fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let end = self.minute(0);
        let out = gwdoctor()
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_MAX_ATTEMPTS", "1")
            .args([
                "cold-starts",
                "--region",
                &self.region,
                "--since",
                "45m",
                "--end",
                &end,
                "-o",
                "json",
            ])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn calls(&self) -> Vec<String> {
        let v: Value = serde_json::from_str(&proxy(
            &self.endpoint,
            "GET",
            &format!("/__calls?region={}", self.region),
            "",
        ))
        .unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["op"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    fn api(&self) -> String {
        self.seed["api_id"].as_str().unwrap().to_string()
    }

    /// The minute `k` minutes before the seed's `now`, as gwdoctor prints it.
    fn minute(&self, k: i64) -> String {
        let now = self.seed["now"].as_i64().unwrap();
        chrono::DateTime::from_timestamp(now - 60 * k, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }
}

fn spike_minutes(f: &Value) -> Vec<String> {
    f["spikes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["at"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn live_api_spike_is_found_and_lines_up_with_integration_latency() {
    let _g = FAULTS.read().unwrap();
    let Some(l) = live("us-west-2") else { return };
    let before = l.calls().len();
    let (code, v, err) = l.run(&["--api", &l.api()]);
    assert_eq!(code, 1, "{err}");
    let f = function(&v, "coldstart-fn-it");
    let want: Vec<String> = (18..=24).rev().map(|k| l.minute(k)).collect();
    assert_eq!(spike_minutes(f), want, "{f}");
    assert_eq!(f["correlation"]["coincide"], true, "{f}");
    assert_eq!(f["invocations"], 45 * 12);
    assert_eq!(v["cold_starts"]["engine"], "filter");
    let calls: Vec<String> = l.calls()[before..].to_vec();
    let count = |op: &str| calls.iter().filter(|c| *c == op).count();
    assert_eq!(count("GetFunctionConfiguration"), 1, "{calls:?}");
    assert_eq!(count("GetMetricData"), 1, "{calls:?}");
    assert_eq!(count("FilterLogEvents"), 1, "{calls:?}");
    assert!(calls.len() <= 8, "{calls:?}");
    assert!(
        calls.iter().all(|c| c.starts_with("Get")
            || c.starts_with("List")
            || c.starts_with("Filter")
            || c.starts_with("Describe")),
        "read-only: {calls:?}"
    );
}

#[test]
fn live_quiet_functions_symptoms_and_json_format() {
    let _g = FAULTS.read().unwrap();
    let Some(l) = live("ap-south-1") else { return };
    let (code, v, err) = l.run(&["--function", "steady-fn-it"]);
    assert_eq!(code, 0, "{err}\n{v}");
    assert!(function(&v, "steady-fn-it")["spikes"]
        .as_array()
        .unwrap()
        .is_empty());
    let (code, v, err) = l.run(&["--function", "snapstart-fn-it"]);
    assert_eq!(code, 0, "{err}\n{v}");
    let f = function(&v, "snapstart-fn-it");
    assert_eq!(f["log_group"], "/aws/lambda-custom/snapstart-fn-it");
    assert_eq!(f["config"]["log_format"], "JSON");
    assert_eq!(f["config"]["snap_start"], true);
    assert!(f["restore_ms"]["p99"].as_f64().unwrap() > 300.0, "{f}");
    assert_eq!(f["invocations"], 45 * 6);
    let (code, v, err) = l.run(&["--function", "symptoms-fn-it"]);
    assert_eq!(code, 1, "{err}");
    for id in [
        "lambda-memory-at-limit",
        "lambda-init-failure",
        "lambda-runtime-version-change",
        "lambda-task-timeout",
    ] {
        assert_eq!(check(&v, id)["status"], "found", "{id}: {}", check(&v, id));
    }
    let (code, _, err) = l.run(&["--function", "nope-fn"]);
    assert_eq!(code, 2);
    assert!(err.contains("no Lambda function \"nope-fn\""), "{err}");
}

#[test]
fn live_throttling_backs_off_and_small_pages_read_the_same() {
    let _g = FAULTS.write().unwrap();
    let Some(l) = live("eu-west-3") else { return };
    let (_, plain, err) = l.run(&["--function", "coldstart-fn-it"]);
    let base = function(&plain, "coldstart-fn-it").clone();
    assert!(base["invocations"].as_u64().unwrap() > 0, "{err}");
    // Three throttled FilterLogEvents calls, then answers: same result, a note, exit 1.
    proxy(
        &l.endpoint,
        "POST",
        "/__faults",
        r#"{"op":"FilterLogEvents","code":"ThrottlingException","status":400,"count":3,"message":"Rate exceeded"}"#,
    );
    let (code, v, err) = l.run(&["--function", "coldstart-fn-it"]);
    proxy(&l.endpoint, "DELETE", "/__faults", "");
    assert_eq!(code, 1, "{err}");
    assert_eq!(function(&v, "coldstart-fn-it")["spikes"], base["spikes"]);
    assert!(
        v["notes"].to_string().contains("throttled 3 call"),
        "{}",
        v["notes"]
    );
    // Pages of 50 events from moto, filtered by the proxy: many pages, some empty.
    proxy(&l.endpoint, "POST", "/__logs/page-size", r#"{"limit":50}"#);
    let before = l.calls().len();
    let (code, v, err) = l.run(&["--function", "coldstart-fn-it"]);
    let pages = l.calls()[before..]
        .iter()
        .filter(|c| *c == "FilterLogEvents")
        .count();
    proxy(&l.endpoint, "POST", "/__logs/page-size", r#"{"limit":0}"#);
    assert_eq!(code, 1, "{err}");
    let f = function(&v, "coldstart-fn-it");
    for k in [
        "invocations",
        "cold_starts",
        "init_ms",
        "spikes",
        "duration_ms",
    ] {
        assert_eq!(f[k], base[k], "{k}");
    }
    assert!(pages > 20, "{pages} pages");
}

#[test]
fn live_logs_access_denied_names_the_action() {
    let _g = FAULTS.write().unwrap();
    let Some(l) = live("ap-northeast-2") else {
        return;
    };
    proxy(
        &l.endpoint,
        "POST",
        "/__faults",
        r#"{"op":"FilterLogEvents","code":"AccessDeniedException","status":400,"count":-1,"message":"not authorized to perform: logs:FilterLogEvents"}"#,
    );
    let (code, v, err) = l.run(&["--function", "coldstart-fn-it"]);
    proxy(&l.endpoint, "DELETE", "/__faults", "");
    assert_eq!(code, 2, "{err}");
    let c = check(&v, "lambda-cold-start-spike");
    assert_eq!(c["status"], "skipped");
    let why = c["reason"].as_str().unwrap();
    assert!(
        why.contains("logs:FilterLogEvents") && why.contains("/aws/lambda/coldstart-fn-it"),
        "{why}"
    );
}

/// Logs Insights through canned answers: the queries gwdoctor builds (groups, window, limit,
/// query text) and how it reads the rows (polling while Running, paginated results).
#[test]
fn live_insights_queries_and_results() {
    // Exclusive: the second run injects faults, which would hit other live tests' calls.
    let _g = FAULTS.write().unwrap();
    let Some(l) = live("ap-southeast-2") else {
        return;
    };
    let group = "/aws/lambda/coldstart-fn-it";
    let log = format!("123456789012:{group}");
    let field = |k: &str, v: String| json!({"field": k, "value": v});
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
    let now = chrono::DateTime::from_timestamp(l.seed["now"].as_i64().unwrap(), 0).unwrap();
    let mut events = Vec::new();
    let mut minutes = Vec::new();
    for k in (1..=45i64).rev() {
        let t0 = now - chrono::Duration::minutes(k);
        let cold = if (18..=24).contains(&k) {
            9
        } else {
            i64::from(k % 5 == 0)
        };
        for i in 0..cold {
            let at = t0 + chrono::Duration::seconds(i * 5);
            let init = if (18..=24).contains(&k) {
                2100.0 + i as f64 * 40.0
            } else {
                310.0
            };
            events.push(vec![
                field("@timestamp", fmt(at)),
                field("@log", log.clone()),
                field("@logStream", "2026/11/21/[$LATEST]0123456789abcdef0123456789abcdef".into()),
                field("@message", format!("REPORT RequestId: 8f507cfc-1a2b-4697-b07a-{k:06}{i:06}\tDuration: 80.00 ms\tBilled Duration: 2181 ms\tMemory Size: 256 MB\tMax Memory Used: 90 MB\tInit Duration: {init:.2} ms\t")),
            ]);
        }
        minutes.push(vec![
            field("@log", log.clone()),
            field("bin(1m)", fmt(t0)),
            field("invocations", "12".into()),
        ]);
    }
    let stats = vec![vec![
        field("@log", log.clone()),
        field("invocations", "540".into()),
        field("duration_p50", "81.5".into()),
        field("duration_p99", "109.25".into()),
        field("memory_size_mb", "256".into()),
        field("max_memory_used_mb", "95".into()),
    ]];
    let answers = json!({"region": l.region, "answers": [
        {"match": "fields @timestamp, @log, @logStream, @message", "running_polls": 1, "page_size": 20, "rows": events},
        {"match": "bin(1m)", "running_polls": 2, "rows": minutes},
        {"match": "pct(duration_ms, 99)", "rows": stats},
    ]});
    proxy(
        &l.endpoint,
        "POST",
        "/__logs/insights",
        &answers.to_string(),
    );
    let before = l.calls().len();
    let (code, v, err) = l.run(&["--function", "coldstart-fn-it", "--engine", "insights"]);
    let calls: Vec<String> = l.calls()[before..].to_vec();
    let seen: Value = serde_json::from_str(&proxy(
        &l.endpoint,
        "GET",
        &format!("/__logs/insights?region={}", l.region),
        "",
    ))
    .unwrap();
    assert_eq!(code, 1, "{err}\n{v}");
    assert_eq!(v["cold_starts"]["engine"], "insights");
    let f = function(&v, "coldstart-fn-it");
    assert_eq!(f["invocations"], 540, "{f}");
    assert_eq!(f["cold_starts"], 7 * 9 + 8, "{f}");
    assert_eq!(f["duration_ms"]["p99"], 109.25);
    assert_eq!(f["max_memory_used_mb"], 95);
    let want: Vec<String> = (18..=24).rev().map(|k| l.minute(k)).collect();
    assert_eq!(spike_minutes(f), want);
    assert_eq!(f["spikes"][0]["invocations"], 12);
    // The queries: one log group, the window in epoch seconds, the row limit.
    let queries = seen["queries"].as_array().unwrap();
    assert_eq!(queries.len(), 3, "{seen}");
    let start = (now - chrono::Duration::minutes(45)).timestamp();
    for q in queries {
        assert_eq!(q["logGroupNames"], json!([group]), "{q}");
        assert_eq!(q["startTime"], start, "{q}");
        assert_eq!(q["endTime"], now.timestamp(), "{q}");
        assert_eq!(q["limit"], 10000, "{q}");
    }
    let texts: Vec<&str> = queries
        .iter()
        .map(|q| q["queryString"].as_str().unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("filter @message like /Init Duration|")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("stats count(*) as invocations by @log, bin(1m)")),
        "{texts:?}"
    );
    // Polling (Running first) and pagination (events in pages of 20).
    let polls = calls.iter().filter(|c| *c == "GetQueryResults").count();
    assert!(
        polls >= 3 + 1 + 2 + events.len() / 20,
        "{polls} polls: {calls:?}"
    );
    assert_eq!(calls.iter().filter(|c| *c == "StartQuery").count(), 3);
    assert_eq!(calls.iter().filter(|c| *c == "FilterLogEvents").count(), 0);

    // Throttled Insights: StartQuery refused twice for too many concurrent queries
    // (LimitExceededException) and GetQueryResults throttled twice. The real SDK error goes
    // through gwdoctor's mapping, backs off, and the run reads the same figures.
    proxy(
        &l.endpoint,
        "POST",
        "/__logs/insights",
        &answers.to_string(),
    );
    for fault in [
        r#"{"op":"StartQuery","code":"LimitExceededException","status":400,"count":2,"message":"Account maximum query concurrency limit of [30] reached."}"#,
        r#"{"op":"GetQueryResults","code":"ThrottlingException","status":400,"count":2,"message":"Rate exceeded"}"#,
    ] {
        proxy(&l.endpoint, "POST", "/__faults", fault);
    }
    let before = l.calls().len();
    let (code2, v2, err2) = l.run(&["--function", "coldstart-fn-it", "--engine", "insights"]);
    let calls2: Vec<String> = l.calls()[before..].to_vec();
    proxy(&l.endpoint, "DELETE", "/__faults", "");
    assert_eq!(code2, 1, "{err2}\n{v2}");
    let f2 = function(&v2, "coldstart-fn-it");
    for k in [
        "invocations",
        "cold_starts",
        "init_ms",
        "duration_ms",
        "spikes",
    ] {
        assert_eq!(f2[k], f[k], "{k}");
    }
    assert!(
        v2["notes"].to_string().contains("throttled 4 call(s)"),
        "{}",
        v2["notes"]
    );
    assert_eq!(calls2.iter().filter(|c| *c == "StartQuery").count(), 3 + 2);
}

#[test]
fn live_record_then_replay_gives_the_same_report() {
    let _g = FAULTS.read().unwrap();
    let Some(l) = live("eu-south-2") else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cold.json");
    let (code, recorded, err) = l.run(&["--api", &l.api(), "--record", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let out = gwdoctor()
        .args([
            "cold-starts",
            "--api",
            &l.api(),
            "--since",
            "45m",
            "-o",
            "json",
            "--replay",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let replayed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let strip = |v: &Value| {
        let mut v = v.clone();
        v["cold_starts"]["aws_calls"] = Value::Null;
        v
    };
    assert_eq!(strip(&recorded), strip(&replayed));
}
