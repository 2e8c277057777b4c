//! The live path: the gwdoctor binary with the real AWS SDK against moto_server + cwproxy on
//! 127.0.0.1, seeded by tests/emulator/seed.py. Each test uses its own region so tests can run
//! in parallel; fault-injection tests take the write side of a lock because the proxy's faults
//! are global.

use std::process::Command as Std;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{emulator, gwdoctor};

pub(crate) static FAULTS: RwLock<()> = RwLock::new(());

struct Seeded {
    api_id: String,
    api_name: String,
    region: String,
    endpoint: String,
}

fn seed(endpoint: &str, scenario: &str, region: &str) -> Seeded {
    let v = seed_json(endpoint, scenario, region);
    Seeded {
        api_id: v["api_id"].as_str().unwrap().into(),
        api_name: v["api_name"].as_str().unwrap().into(),
        region: region.into(),
        endpoint: endpoint.into(),
    }
}

/// Seeds a scenario (names suffixed `-it`) and returns seed.py's description of it.
pub(crate) fn seed_json(endpoint: &str, scenario: &str, region: &str) -> Value {
    seed_json_with(endpoint, scenario, region, &[])
}

/// `seed_json` with scenario options (`--tls-backend URL`, ...).
pub(crate) fn seed_json_with(
    endpoint: &str,
    scenario: &str,
    region: &str,
    extra: &[&str],
) -> Value {
    let py = std::env::var("GWDOCTOR_EMULATOR_PYTHON")
        .expect("GWDOCTOR_EMULATOR_PYTHON (set by with-emulator.sh)");
    let script = std::env::var("GWDOCTOR_SEED").expect("GWDOCTOR_SEED (set by with-emulator.sh)");
    let out = Std::new(py)
        .args([
            &script,
            scenario,
            "--endpoint",
            endpoint,
            "--region",
            region,
            "--suffix",
            "it",
        ])
        .args(extra)
        .output()
        .expect("run seed.py");
    assert!(
        out.status.success(),
        "seed {scenario} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("seed.py prints JSON")
}

/// Runs `gwdoctor latency` against the emulator; returns (exit code, parsed JSON or Null, stderr).
fn latency(s: &Seeded, extra: &[&str]) -> (i32, Value, String) {
    let out = gwdoctor()
        .env("AWS_ENDPOINT_URL", &s.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_MAX_ATTEMPTS", "1")
        .args([
            "latency", "--api", &s.api_id, "--region", &s.region, "--since", "45m", "-o", "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn proxy(endpoint: &str, method: &str, path: &str, body: &str) -> String {
    let out = Std::new("curl")
        .args([
            "-sf",
            "-X",
            method,
            &format!("{endpoint}{path}"),
            "-d",
            body,
        ])
        .output()
        .expect("curl is installed by .ci/run");
    assert!(out.status.success(), "proxy {method} {path} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {json}"))
}

#[test]
fn slow_handler_on_a_rest_api_is_backend() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let s = seed(&ep, "backend-slow", "us-east-2");
    let (code, json, err) = latency(&s, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(json["latency"]["verdict"], "backend");
    assert_eq!(json["target"]["api_kind"], "rest");
    let peak = &json["latency"]["peak"];
    let l = peak["latency_ms"].as_f64().unwrap();
    assert!((3000.0..5000.0).contains(&l), "peak {peak}");
    assert!(peak["overhead_ms"].as_f64().unwrap() < 100.0, "peak {peak}");
    let backend = &json["latency"]["stages"][0]["backend"];
    assert_eq!(backend["cause"]["cause"], "handler", "{backend}");
    assert_eq!(backend["cause"]["function"], format!("orders-fn-it"));
    assert_eq!(check(&json, "apigw-backend-latency")["status"], "found");
    assert_eq!(check(&json, "apigw-gateway-overhead")["status"], "passed");
}

#[test]
fn flat_duration_on_a_rest_api_points_to_cold_starts() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let s = seed(&ep, "cold-start", "us-west-1");
    let (code, json, err) = latency(&s, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(json["latency"]["verdict"], "backend");
    assert_eq!(
        json["latency"]["stages"][0]["backend"]["cause"]["cause"],
        "initialization"
    );
}

#[test]
fn authorizer_and_mapping_template_overhead_is_gateway() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let s = seed(&ep, "gateway-overhead", "eu-west-1");
    let (code, json, err) = latency(&s, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(json["latency"]["verdict"], "gateway");
    let contributors = json["latency"]["stages"][0]["gateway"]["contributors"].to_string();
    assert!(
        contributors.contains("TOKEN authorizer") && contributors.contains("TTL 0"),
        "{contributors}"
    );
    assert!(contributors.contains("mapping templates"), "{contributors}");
}

#[test]
fn http_api_metrics_are_found_by_api_id() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let s = seed(&ep, "http-api", "eu-central-1");
    let (code, json, err) = latency(&s, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(json["target"]["api_kind"], "http");
    assert_eq!(json["latency"]["verdict"], "backend");
}

#[test]
fn healthy_api_exits_zero_and_a_client_figure_finds_the_client_path() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let s = seed(&ep, "healthy", "ap-southeast-1");
    let (code, json, err) = latency(&s, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["latency"]["verdict"], "healthy");
    let (code, json, _) = latency(&s, &["--client-ms", "2600"]);
    assert_eq!(code, 1);
    assert_eq!(json["latency"]["verdict"], "client-path");
    assert_eq!(check(&json, "apigw-client-path-latency")["status"], "found");
}

#[test]
fn no_datapoints_exits_two_and_says_why() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let s = seed(&ep, "no-metrics", "ap-northeast-1");
    let (code, json, _) = latency(&s, &[]);
    assert_eq!(code, 2);
    assert_eq!(json["latency"]["verdict"], "no-data");
    let why = json["latency"]["stages"][0]["no_data_reason"]
        .as_str()
        .unwrap();
    assert!(why.contains(&format!("ApiName={}", s.api_name)), "{why}");
}

#[test]
fn unknown_api_lists_the_nearest_ones() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let mut s = seed(&ep, "healthy", "sa-east-1");
    let name = s.api_name.clone();
    s.api_id = format!("{}x", &name[..name.len() - 1]);
    let (code, _, err) = latency(&s, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("Nearest:") && err.contains(&name), "{err}");
}

#[test]
fn access_denied_skips_the_checks_that_need_it_and_names_the_action() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.write().unwrap();
    let s = seed(&ep, "backend-slow", "ca-central-1");
    // Only this API's resources call is denied (REST faults match a path substring).
    let path = format!("/restapis/{}/resources", s.api_id);
    proxy(
        &ep,
        "POST",
        "/__faults",
        &format!(
            r#"{{"op":"{path}","code":"AccessDeniedException","status":403,"count":-1,"message":"User is not authorized to perform: apigateway:GET"}}"#
        ),
    );
    let (code, json, err) = latency(&s, &[]);
    proxy(&ep, "DELETE", "/__faults", "");
    assert_eq!(
        code, 1,
        "the metric checks still run and find the slow backend: {err}"
    );
    let throttles = check(&json, "lambda-throttles");
    assert_eq!(throttles["status"], "skipped");
    assert!(
        throttles["reason"]
            .as_str()
            .unwrap()
            .contains("apigateway:GET"),
        "{throttles}"
    );
    assert_eq!(check(&json, "apigw-backend-latency")["status"], "found");
    assert!(
        json["notes"].to_string().contains("access denied"),
        "{}",
        json["notes"]
    );
}

#[test]
fn metrics_access_denied_is_inconclusive() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.write().unwrap();
    let s = seed(&ep, "backend-slow", "eu-west-2");
    proxy(
        &ep,
        "POST",
        "/__faults",
        r#"{"op":"GetMetricData","code":"AccessDenied","status":403,"count":-1}"#,
    );
    let (code, json, err) = latency(&s, &[]);
    proxy(&ep, "DELETE", "/__faults", "");
    assert_eq!(code, 2, "{err}");
    let b = check(&json, "apigw-backend-latency");
    assert_eq!(b["status"], "skipped");
    assert!(
        b["reason"]
            .as_str()
            .unwrap()
            .contains("cloudwatch:GetMetricData"),
        "{b}"
    );
}

#[test]
fn one_get_metric_data_call_and_concurrent_discovery() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let s = seed(&ep, "backend-slow", "eu-north-1");
    let before: Value =
        serde_json::from_str(&proxy(&ep, "GET", "/__calls?region=eu-north-1", "")).unwrap();
    let (code, _, err) = latency(&s, &[]);
    assert_eq!(code, 1, "{err}");
    let after: Value =
        serde_json::from_str(&proxy(&ep, "GET", "/__calls?region=eu-north-1", "")).unwrap();
    let calls: Vec<String> = after.as_array().unwrap()[before.as_array().unwrap().len()..]
        .iter()
        .map(|c| c["op"].as_str().unwrap_or("?").to_string())
        .collect();
    assert_eq!(
        calls.iter().filter(|c| *c == "GetMetricData").count(),
        1,
        "{calls:?}"
    );
    assert!(
        calls.len() <= 6,
        "latency made {} calls: {calls:?}",
        calls.len()
    );
    // Read-only: nothing but Get/List/Describe.
    assert!(
        calls
            .iter()
            .all(|c| c.starts_with("Get") || c.starts_with("List") || c.starts_with("Describe")),
        "{calls:?}"
    );
}

#[test]
fn record_then_replay_gives_the_same_report() {
    let Some(ep) = emulator() else { return };
    let _g = FAULTS.read().unwrap();
    let s = seed(&ep, "gateway-overhead", "us-east-1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("incident.json");
    let (code, live, err) = latency(&s, &["--record", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let out = gwdoctor()
        .args([
            "latency",
            "--api",
            &s.api_id,
            "--since",
            "45m",
            "-o",
            "json",
            "--replay",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let replayed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(live, replayed);
}

/// No emulator needed: a closed port fails fast and clearly.
#[test]
fn unreachable_endpoint_is_an_error_within_the_timeout() {
    let start = Instant::now();
    let out = gwdoctor()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .args([
            "latency",
            "--api",
            "x",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--timeout",
            "3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("could not reach the endpoint") || err.contains("no answer"),
        "{err}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
}

/// No emulator needed: a server that accepts and never answers is cut off by --timeout.
#[test]
fn silent_endpoint_is_cut_off_by_the_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_secs(40);
        while Instant::now() < until {
            if let Ok((c, _)) = listener.accept() {
                held.push(c);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let start = Instant::now();
    let out = gwdoctor()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_MAX_ATTEMPTS", "1")
        .args([
            "latency",
            "--api",
            "x",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &format!("http://{addr}"),
            "--timeout",
            "2",
        ])
        .output()
        .unwrap();
    let took = start.elapsed();
    drop(hold);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no answer within the timeout"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

/// No emulator needed: no credentials anywhere is one clear message.
#[test]
fn missing_credentials_are_reported_clearly() {
    let out = gwdoctor()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .args([
            "latency",
            "--api",
            "x",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no usable AWS credentials") && err.contains("--replay"),
        "{err}"
    );
}
