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
