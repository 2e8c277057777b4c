//! The binary's contract at the edges: exit codes, flags, error messages. Runs against replay
//! fixtures, so no network and no credentials are involved.

use predicates::prelude::*;

use crate::util::{fixture, fixture_api, gwdoctor};

fn demo() -> std::path::PathBuf {
    fixture("demo/incident.json")
}

#[test]
fn demo_incident_exits_one_with_a_verdict() {
    let out = gwdoctor()
        .args(["latency", "--api", "demo", "--replay"])
        .arg(demo())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Verdict: backend"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colour off a TTY / with NO_COLOR"
    );
}

#[test]
fn fail_on_error_ignores_warnings() {
    // The demo's findings are warnings and errors; with --fail-on error only errors count.
    let healthy = fixture("apigw-backend-latency/healthy.json");
    let api = fixture_api(&healthy);
    gwdoctor()
        .args(["latency", "--api", &api, "--replay"])
        .arg(&healthy)
        .assert()
        .code(0);
    let slow = fixture("apigw-backend-latency/cold-start.json");
    let api = fixture_api(&slow);
    gwdoctor()
        .args(["latency", "--api", &api, "--replay"])
        .arg(&slow)
        .assert()
        .code(1);
    // The cold-start finding is a warning: not enough with --fail-on error.
    gwdoctor()
        .args(["latency", "--api", &api, "--fail-on", "error", "--replay"])
        .arg(&slow)
        .assert()
        .code(0);
}

#[test]
fn no_data_is_inconclusive() {
    let f = fixture("apigw-backend-latency/no-metrics.json");
    let api = fixture_api(&f);
    gwdoctor()
        .args(["latency", "--api", &api, "--replay"])
        .arg(&f)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("Verdict: no data"));
}

#[test]
fn unknown_api_in_a_recording_names_the_nearest() {
    gwdoctor()
        .args(["latency", "--api", "dmeo", "--replay"])
        .arg(demo())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Nearest:").and(predicate::str::contains("demo")));
}

#[test]
fn unknown_stage_lists_the_stages() {
    gwdoctor()
        .args(["latency", "--api", "demo", "--stage", "prd", "--replay"])
        .arg(demo())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no stage \"prd\"").and(predicate::str::contains("prod")));
}

#[test]
fn bad_arguments_exit_two_with_a_clear_message() {
    gwdoctor()
        .args(["latency", "--api", "demo", "--since", "3 hours", "--replay"])
        .arg(demo())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown unit"));
    gwdoctor()
        .args([
            "latency",
            "--api",
            "demo",
            "--start",
            "2026-11-21T11:00:00Z",
            "--end",
            "2026-11-21T10:00:00Z",
            "--replay",
        ])
        .arg(demo())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("window is empty"));
    gwdoctor()
        .args(["latency", "--api", "demo", "--slow-ms", "-5", "--replay"])
        .arg(demo())
        .assert()
        .code(2);
    gwdoctor()
        .args(["latency"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--api"));
    gwdoctor()
        .args(["latency", "--api", "x", "--output", "yaml"])
        .assert()
        .code(2);
}

#[test]
fn unreadable_or_malformed_replay_files_are_errors() {
    gwdoctor()
        .args([
            "latency",
            "--api",
            "demo",
            "--replay",
            "/nonexistent/incident.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("reading replay file"));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"region\": 5").unwrap();
    gwdoctor()
        .args(["latency", "--api", "demo", "--replay"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a gwdoctor incident file"));
}

#[test]
fn no_command_shows_how_to_start() {
    gwdoctor().assert().code(2).stderr(predicate::str::contains(
        "gwdoctor latency --api demo --replay",
    ));
    gwdoctor()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Exit codes"));
}

#[test]
fn checks_and_explain() {
    gwdoctor().arg("checks").assert().code(0).stdout(
        predicate::str::contains("apigw-backend-latency")
            .and(predicate::str::contains("cloudwatch:GetMetricData")),
    );
    gwdoctor()
        .args(["explain", "apigw-gateway-overhead"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("## What it checks")
                .and(predicate::str::contains("authorizerResultTtlInSeconds")),
        );
    gwdoctor()
        .args(["explain", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Known checks:"));
    let out = gwdoctor().args(["checks", "-o", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["checks"].as_array().unwrap().len() >= 7);
}

#[test]
fn user_checks_dir_adds_a_declarative_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("count-floor.toml"),
        r###"id = "apigw-any-traffic"
title = "Any traffic"
severity = "info"
summary = "{resource}: up to {max} requests a minute"
remedy = "none"
docs = "## What it checks\nThat requests arrive."

[metric-threshold]
namespace = "AWS/ApiGateway"
metric = "Count"
stat = "Sum"
when = "> 0"
"###,
    )
    .unwrap();
    let out = gwdoctor()
        .args(["latency", "--api", "demo", "-o", "json", "--checks-dir"])
        .arg(dir.path())
        .arg("--replay")
        .arg(demo())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "apigw-any-traffic")
        .unwrap();
    assert_eq!(c["status"], "found", "{c}");
    // A broken user check is a clear error, not a panic.
    std::fs::write(dir.path().join("broken.toml"), "id = 3").unwrap();
    gwdoctor()
        .args(["checks", "--checks-dir"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.toml"));
}

#[test]
fn hostile_names_in_a_recording_are_sanitized() {
    // API names come from the account and may contain anything; a terminal must never
    // receive their escape sequences.
    let text = std::fs::read_to_string(demo()).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["apis"][0]["name"] = serde_json::json!("demo\u{1b}]0;pwned\u{7}\u{1b}[2J");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("hostile.json");
    std::fs::write(&f, serde_json::to_string(&v).unwrap()).unwrap();
    let id = v["apis"][0]["id"].as_str().unwrap().to_string();
    for fmt in ["text", "markdown"] {
        let out = gwdoctor()
            .args(["latency", "--api", &id, "-o", fmt, "--replay"])
            .arg(&f)
            .output()
            .unwrap();
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(
            !s.contains('\u{1b}') && !s.contains('\u{7}'),
            "{fmt}: {s:?}"
        );
    }
}

/// Runs the demo with stdout on a pseudo-terminal (util-linux `script`), NO_COLOR set to
/// `no_color` (None: unset) and `args` added; None when `script` is not available.
fn demo_on_a_tty(args: &str, no_color: Option<&str>) -> Option<String> {
    if !cfg!(target_os = "linux")
        || std::process::Command::new("script")
            .arg("--version")
            .output()
            .is_err()
    {
        eprintln!("skipping: util-linux `script` is not available");
        return None;
    }
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let cmd = format!(
        "{} latency --api demo --replay {} {args}",
        quote(env!("CARGO_BIN_EXE_gwdoctor")),
        quote(&demo().to_string_lossy())
    );
    let mut c = std::process::Command::new("script");
    c.args(["-qec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TERM", "xterm")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let out = c.output().unwrap();
    // `script -e` passes the child's exit code on: the demo has findings.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("Verdict: backend"), "{text}");
    Some(text)
}

#[test]
fn no_colour_when_stdout_is_a_pipe_even_without_no_color() {
    // util::gwdoctor() sets NO_COLOR for every other test; here only the pipe decides.
    let out = gwdoctor()
        .env_remove("NO_COLOR")
        .args(["latency", "--api", "demo", "--replay"])
        .arg(demo())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Verdict: backend"), "{text}");
    assert!(!text.contains('\u{1b}'), "ESC in piped output:\n{text}");
}

#[test]
fn colour_on_a_tty_unless_no_color_or_the_flag() {
    // The positive case first: without it the two negative ones would prove nothing.
    let Some(coloured) = demo_on_a_tty("", None) else {
        return;
    };
    assert!(
        coloured.contains("\u{1b}["),
        "no colour on a terminal:\n{coloured}"
    );
    let flag = demo_on_a_tty("--no-color", None).unwrap();
    assert!(
        !flag.contains('\u{1b}'),
        "--no-color still coloured:\n{flag}"
    );
    let env = demo_on_a_tty("", Some("1")).unwrap();
    assert!(!env.contains('\u{1b}'), "NO_COLOR=1 still coloured:\n{env}");
    // An empty NO_COLOR does not count (no-color.org).
    let empty = demo_on_a_tty("", Some("")).unwrap();
    assert!(
        empty.contains("\u{1b}["),
        "NO_COLOR= (empty) turned colour off"
    );
}

/// `gwdoctor trace` on a recorded fixture: its recorded arguments, JSON out.
fn trace_replay(rel: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let f = fixture(rel);
    let out = gwdoctor()
        .args(crate::util::fixture_args(&f))
        .args(["-o", "json"])
        .args(extra)
        .arg("--replay")
        .arg(&f)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn check<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {v}"))
}

#[test]
fn traced_failure_no_signature_names_exits_one() {
    // A function's own 503: nothing in the catalogue matches, but the request failed.
    let (code, v) = trace_replay("request-failure-cause/unclassified-failure.json", &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["trace"]["status"], 503);
    assert_eq!(v["trace"]["cause"]["id"], "unclassified-failure");
    let c = check(&v, "request-failure-cause");
    assert_eq!(c["status"], "found");
    let f = &c["findings"][0];
    assert_eq!(f["severity"], "error");
    assert!(f["summary"].as_str().unwrap().starts_with("503: "), "{f}");
    // The evidence ends with the final status line.
    let last = f["evidence"].as_array().unwrap().last().unwrap();
    assert!(
        last["text"]
            .as_str()
            .unwrap()
            .ends_with("Method completed with status: 503"),
        "{last}"
    );
    // An error: still exit 1 with --fail-on error.
    let (code, _) = trace_replay(
        "request-failure-cause/unclassified-failure.json",
        &["--fail-on", "error"],
    );
    assert_eq!(code, 1);
}

#[test]
fn healthy_trace_exits_zero_although_other_stages_log_less() {
    // Found and traced in prod; dev logs OFF (no group), errors at ERROR, nodata without data
    // tracing. Those settings hid nothing this trace needed.
    let (code, v) = trace_replay("apigw-execution-logging/other-stages-not-ready.json", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["trace"]["cause"]["id"], "ok");
    assert_eq!(v["trace"]["stage"], "prod");
    let c = check(&v, "apigw-execution-logging");
    let findings = c["findings"].as_array().unwrap();
    let text = c["findings"].to_string();
    for said in [
        "stage dev: execution logging is OFF",
        "stage errors: execution logging is at ERROR",
        "stage nodata: data tracing is off",
    ] {
        assert!(text.contains(said), "{said}: {text}");
    }
    assert!(
        findings.iter().all(|f| f["severity"] == "info"),
        "{findings:?}"
    );
    // --fail-on info makes them count: they are reported, not dropped.
    let (code, _) = trace_replay(
        "apigw-execution-logging/other-stages-not-ready.json",
        &["--fail-on", "info"],
    );
    assert_eq!(code, 1);
}
