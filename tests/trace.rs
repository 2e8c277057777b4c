//! `gwdoctor trace` against the emulator: requests seeded by tests/emulator/seed_trace.py into
//! an execution-log group and the function's log group, traced with the real SDK path.

use serde_json::Value;

use crate::live::FAULTS;
use crate::util::{emulator, gwdoctor};

fn seed(ep: &str, scenario: &str, region: &str) -> Value {
    let py = std::env::var("GWDOCTOR_EMULATOR_PYTHON").unwrap();
    let script = std::env::var("GWDOCTOR_SEED").unwrap();
    let out = std::process::Command::new(py)
        .args([
            &script,
            scenario,
            "--endpoint",
            ep,
            "--region",
            region,
            "--suffix",
            "it",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn trace(ep: &str, region: &str, args: &[&str]) -> (i32, Value, String) {
    let out = gwdoctor()
        .env("AWS_ENDPOINT_URL", ep)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["trace", "--region", region, "-o", "json"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn calls(ep: &str, region: &str) -> Vec<String> {
    let out = std::process::Command::new("curl")
        .args(["-sf", &format!("{ep}/__calls?region={region}")])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["op"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn a_502_and_a_504_are_named_and_joined_to_their_lambda_invocation() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let region = "ap-south-2";
    let s = seed(&ep, "trace-requests", region);
    let api = s["api_id"].as_str().unwrap();
    for (cause, status) in [
        ("malformed-proxy-response", 502),
        ("integration-timeout", 504),
    ] {
        let id = s["requests"][cause].as_str().unwrap();
        let before = calls(&ep, region).len();
        let (code, v, err) = trace(&ep, region, &[id, "--api", api, "--stage", "prod"]);
        let made = &calls(&ep, region)[before..];
        assert_eq!(code, 1, "{cause}: {err}");
        let t = &v["trace"];
        assert_eq!(t["status"], status);
        assert_eq!(t["cause"]["id"], cause);
        assert_eq!(
            t["lambda_request_id"], s["lambda_requests"][cause],
            "{cause}"
        );
        assert!(
            t["log_lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["source"] == "lambda"),
            "{cause}: no Lambda lines"
        );
        // The goal of the issue: at most 6 calls with --api. The 504 has no Lambda id in the
        // execution log and costs one more FilterLogEvents (the X-Ray join).
        assert!(made.len() <= 6, "{cause}: {} calls: {made:?}", made.len());
        assert!(
            made.iter().all(|c| c.starts_with("Get")
                || c.starts_with("Filter")
                || c.starts_with("Describe")),
            "{made:?}"
        );
    }
    let malformed = trace(
        &ep,
        region,
        &[
            s["requests"]["malformed-proxy-response"].as_str().unwrap(),
            "--api",
            api,
        ],
    )
    .1;
    let reasons = malformed["trace"]["cause"]["lambda_reasons"].to_string();
    assert!(reasons.contains("out of memory"), "{reasons}");
}

#[test]
fn without_api_every_execution_log_group_is_searched() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let region = "ap-southeast-4";
    let s = seed(&ep, "trace-requests", region);
    let id = s["requests"]["lambda-throttled"].as_str().unwrap();
    let (code, v, err) = trace(&ep, region, &[id]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["trace"]["cause"]["id"], "lambda-throttled");
    assert_eq!(v["target"]["api_id"], s["api_id"]);
    let ok = s["requests"]["ok"].as_str().unwrap();
    let (code, v, _) = trace(&ep, region, &[ok]);
    assert_eq!(code, 0);
    assert_eq!(v["trace"]["cause"]["id"], "ok");
}

#[test]
fn unknown_id_says_where_it_looked_and_exits_two() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let region = "il-central-1";
    let s = seed(&ep, "trace-requests", region);
    let (code, v, err) = trace(
        &ep,
        region,
        &[
            "00000000-1111-2222-3333-444444444444",
            "--api",
            s["api_id"].as_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(v["trace"]["found"], false);
    let groups = v["trace"]["searched"]["groups"].to_string();
    assert!(groups.contains("API-Gateway-Execution-Logs_"), "{groups}");
    assert_eq!(
        v["trace"]["searched"]["windows"].as_array().unwrap().len(),
        2,
        "last hour, then the window"
    );
    // Not a request id: a clear usage error.
    let (code, _, err) = trace(&ep, region, &["x\" OR \"y"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a request id"), "{err}");
}

#[test]
fn stage_with_logging_off_is_explained() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let region = "me-central-1";
    let s = seed(&ep, "trace-logging-off", region);
    let (code, v, _) = trace(
        &ep,
        region,
        &[
            s["requests"]["unlogged"].as_str().unwrap(),
            "--api",
            s["api_id"].as_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "apigw-execution-logging")
        .unwrap();
    assert_eq!(c["status"], "found");
    let text = c["findings"].to_string();
    assert!(
        text.contains("execution logging is OFF") && text.contains("update-stage"),
        "{text}"
    );
}

#[test]
fn http_api_is_traced_from_its_access_log() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let region = "af-south-1";
    let s = seed(&ep, "trace-http", region);
    let id = s["requests"]["timeout"].as_str().unwrap();
    let (code, v, err) = trace(&ep, region, &[id, "--api", s["api_id"].as_str().unwrap()]);
    assert_eq!(code, 1, "{err} {v}");
    let t = &v["trace"];
    assert_eq!(t["status"], 500);
    assert_eq!(t["lambda_request_id"], s["lambda_requests"]["timeout"]);
    assert_eq!(t["cause"]["id"], "lambda-timeout", "{t}");
    assert_eq!(t["breakdown"]["integration_latency_ms"], 3004);
    // The stage whose access-log group held the record (not the group name's last segment,
    // "access"), and that stage's format: `live` logs without the integration error message,
    // `beta` (listed first) has the full format.
    assert_eq!(t["stage"], "live", "{t}");
    assert_eq!(v["target"]["stage"], "live");
    let ready = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "apigw-execution-logging")
        .unwrap();
    let lacks: Vec<&Value> = ready["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["summary"].as_str().unwrap().contains("format lacks"))
        .collect();
    assert_eq!(lacks.len(), 1, "{ready}");
    assert_eq!(
        lacks[0]["summary"],
        "stage live: the access-log format lacks $context.integrationErrorMessage for a full trace"
    );
    // The cause was named from the Lambda lines: what the format lacks hid nothing needed.
    assert_eq!(lacks[0]["severity"], "info");
    assert!(lacks[0]["remedy"]
        .as_str()
        .unwrap()
        .contains("--stage-name live"));
}

/// The readiness finding of `v` whose summary contains `what`.
fn readiness_finding<'a>(v: &'a Value, what: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "apigw-execution-logging")
        .and_then(|c| {
            c["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["summary"].as_str().unwrap().contains(what))
        })
        .unwrap_or_else(|| panic!("no readiness finding about {what:?}: {}", v["checks"]))
}

#[test]
fn stage_logging_at_error_is_explained() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let region = "eu-south-1";
    let s = seed(&ep, "trace-readiness", region);
    let api = s["api_id"].as_str().unwrap();
    let id = s["requests"]["error-level"].as_str().unwrap();
    let (code, v, err) = trace(&ep, region, &[id, "--api", api, "--stage", "errors"]);
    // Only the error lines were logged: a failure, but nothing a signature names.
    assert_eq!(code, 1, "{err} {v}");
    let t = &v["trace"];
    assert_eq!(t["status"], 500);
    assert_eq!(t["stage"], "errors");
    assert_eq!(t["cause"]["id"], "unclassified-failure");
    assert_eq!(t["log_lines"].as_array().unwrap().len(), 2, "{t}");
    // ERROR level hid the hops that could name the cause: a warning, with the fix.
    let f = readiness_finding(&v, "execution logging is at ERROR");
    assert_eq!(f["severity"], "warning", "{f}");
    let remedy = f["remedy"].as_str().unwrap();
    assert!(
        remedy.contains("--stage-name errors") && remedy.contains("loglevel,value=INFO"),
        "{remedy}"
    );
}

#[test]
fn data_tracing_off_is_explained() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let region = "ap-east-1";
    let s = seed(&ep, "trace-readiness", region);
    let api = s["api_id"].as_str().unwrap();
    let id = s["requests"]["no-data-trace"].as_str().unwrap();
    let (code, v, err) = trace(&ep, region, &[id, "--api", api, "--stage", "nodata"]);
    // Healthy and fully traced: data tracing off is worth knowing, not a failure.
    assert_eq!(code, 0, "{err} {v}");
    let t = &v["trace"];
    assert_eq!(t["cause"]["id"], "ok");
    assert_eq!(t["stage"], "nodata");
    // No endpoint response headers: the Lambda id comes from the closing
    // `AWS Integration Endpoint RequestId` line, and the function's lines are joined.
    assert_eq!(
        t["lambda_request_id"],
        s["lambda_requests"]["no-data-trace"]
    );
    assert!(
        t["log_lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["source"] == "lambda"),
        "{t}"
    );
    let f = readiness_finding(&v, "data tracing is off");
    assert_eq!(f["severity"], "info", "{f}");
    assert!(
        f["summary"].as_str().unwrap().starts_with("stage nodata:"),
        "{f}"
    );
    assert!(f["remedy"]
        .as_str()
        .unwrap()
        .contains("logging/dataTrace,value=true"));
}
