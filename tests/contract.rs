//! The JSON contract (README "JSON output"): shape checks plus a full snapshot of the demo,
//! so any change to the contract shows up in review.

use serde_json::Value;

use crate::util::{fixture, gwdoctor};

fn demo_json() -> Value {
    let out = gwdoctor()
        .args(["latency", "--api", "demo", "-o", "json", "--replay"])
        .arg(fixture("demo/incident.json"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("--output json prints one JSON object")
}

#[test]
fn json_has_the_documented_shape() {
    let v = demo_json();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["command"], "latency");
    for k in ["api_id", "stage", "region", "start", "end"] {
        assert!(
            v["target"].get(k).is_some(),
            "target.{k} missing: {}",
            v["target"]
        );
    }
    let checks = v["checks"].as_array().unwrap();
    assert!(!checks.is_empty());
    for c in checks {
        assert!(c["id"].is_string());
        assert!(["passed", "found", "skipped", "error"].contains(&c["status"].as_str().unwrap()));
        assert_eq!(c["status"] == "skipped", c.get("reason").is_some(), "{c}");
        for f in c["findings"].as_array().unwrap() {
            for k in [
                "check", "severity", "resource", "summary", "evidence", "remedy",
            ] {
                assert!(f.get(k).is_some(), "finding.{k} missing: {f}");
            }
            assert!(["info", "warning", "error"].contains(&f["severity"].as_str().unwrap()));
        }
    }
    let l = &v["latency"];
    assert!(["backend", "gateway", "client-path", "healthy", "no-data"]
        .contains(&l["verdict"].as_str().unwrap()));
    for k in ["at", "latency_ms", "integration_latency_ms", "overhead_ms"] {
        assert!(l["peak"].get(k).is_some(), "latency.peak.{k} missing");
    }
}

#[test]
fn demo_json_snapshot() {
    insta::assert_json_snapshot!("demo_json", demo_json());
}

#[test]
fn demo_markdown_snapshot() {
    let out = gwdoctor()
        .args(["latency", "--api", "demo", "-o", "markdown", "--replay"])
        .arg(fixture("demo/incident.json"))
        .output()
        .unwrap();
    insta::assert_snapshot!("demo_markdown", String::from_utf8(out.stdout).unwrap());
}

/// The `trace` section (README "JSON output"): every documented key, with its type, on a
/// recorded request whose every hop is known.
#[test]
fn trace_json_has_the_documented_shape() {
    let f = fixture("request-failure-cause/malformed-proxy-response.json");
    let out = gwdoctor()
        .args(crate::util::fixture_args(&f))
        .args(["-o", "json", "--replay"])
        .arg(&f)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["command"], "trace");
    let t = &v["trace"];
    for k in [
        "request_id",
        "api_id",
        "stage",
        "lambda_request_id",
        "function",
    ] {
        assert!(t[k].is_string(), "trace.{k} is not a string: {t}");
    }
    assert_eq!(t["found"], true);
    assert_eq!(t["request_id"], f_arg(&f, 1));
    assert_eq!(t["api_id"], v["target"]["api_id"]);
    assert_eq!(t["stage"], "prod");
    assert_eq!(t["status"], 502);
    let c = &t["cause"];
    for k in ["id", "title", "severity", "explanation", "remedy"] {
        assert!(c[k].is_string(), "trace.cause.{k}: {c}");
    }
    assert!(c["lambda_reasons"].is_array(), "{c}");
    let timeline = t["timeline"].as_array().unwrap();
    assert!(timeline.len() >= 5, "{timeline:?}");
    for h in timeline {
        assert!(h["hop"].is_string() && h["detail"].is_string(), "{h}");
        let at = h["at"].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("{at}: {e}"));
    }
    // Time order, and the gap is the distance to the previous hop.
    for w in timeline.windows(2) {
        let (a, b) = (
            chrono::DateTime::parse_from_rfc3339(w[0]["at"].as_str().unwrap()).unwrap(),
            chrono::DateTime::parse_from_rfc3339(w[1]["at"].as_str().unwrap()).unwrap(),
        );
        assert_eq!(w[1]["gap_ms"], (b - a).num_milliseconds(), "{}", w[1]);
    }
    let lines = t["log_lines"].as_array().unwrap();
    assert!(!lines.is_empty());
    for l in lines {
        assert!(
            ["apigw", "lambda", "access"].contains(&l["source"].as_str().unwrap()),
            "{l}"
        );
        assert!(l["text"].is_string() && l["at"].is_string(), "{l}");
    }
    assert!(lines.iter().any(|l| l["source"] == "apigw"));
    assert!(lines.iter().any(|l| l["source"] == "lambda"));
}

/// The `n`th recorded replay argument of a fixture.
fn f_arg(f: &std::path::Path, n: usize) -> Value {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
    v["replay_args"][n].clone()
}
