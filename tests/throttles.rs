//! `gwdoctor throttles`: the binary's contract against recorded fixtures (exit codes, bad
//! input, the JSON `throttling` section, degraded data), and the live path against the
//! emulator (many functions, account settings set through the proxy, call counts, record →
//! replay, AccessDenied).

use std::process::Command as Std;

use predicates::prelude::*;
use serde_json::Value;

use crate::live::proxy;
use crate::util::{emulator, fixture, fixture_args, gwdoctor};

const CAUSES: [&str; 9] = [
    "account-concurrency",
    "reserved-concurrency",
    "provisioned-spillover",
    "scaling-rate",
    "apigw-usage-plan",
    "apigw-stage-limit",
    "apigw-account-limit",
    "unknown",
    "none",
];

/// Replays a fixture with its recorded arguments plus `extra`: (exit code, JSON, stderr).
fn replay(rel: &str, extra: &[&str]) -> (i32, Value, String) {
    let path = fixture(rel);
    let out = gwdoctor()
        .args(fixture_args(&path))
        .args(["-o", "json"])
        .args(extra)
        .arg("--replay")
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {json}"))
}

fn row<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["throttling"]["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no function {name} in {}", json["throttling"]))
}

/// Each cause's fixture gives that cause and exit 1; the quiet account gives none and 0.
#[test]
fn each_fixture_gives_its_cause() {
    for (rel, cause, culprit) in [
        (
            "lambda-account-concurrency/noisy-neighbour.json",
            "account-concurrency",
            Some("batch-fn"),
        ),
        (
            "lambda-account-concurrency/region-wide.json",
            "account-concurrency",
            Some("batch-fn"),
        ),
        (
            "lambda-reserved-concurrency/at-reservation.json",
            "reserved-concurrency",
            Some("orders-fn"),
        ),
        (
            "lambda-reserved-concurrency/switched-off.json",
            "reserved-concurrency",
            Some("legacy-fn"),
        ),
        (
            "lambda-provisioned-spillover/spillover.json",
            "provisioned-spillover",
            Some("orders-fn"),
        ),
        (
            "lambda-scaling-rate/burst.json",
            "scaling-rate",
            Some("orders-fn"),
        ),
        (
            "apigw-stage-throttling/stage-limit.json",
            "apigw-stage-limit",
            Some("stage prod"),
        ),
        (
            "apigw-usage-plan-throttling/usage-plan.json",
            "apigw-usage-plan",
            Some("usage plan partners"),
        ),
        (
            "apigw-account-throttling/account-limit.json",
            "apigw-account-limit",
            Some("partner-api"),
        ),
        ("lambda-account-concurrency/quiet.json", "none", None),
    ] {
        let (code, json, err) = replay(rel, &[]);
        let t = &json["throttling"];
        assert_eq!(t["cause"], cause, "{rel}: {err}");
        assert_eq!(t["culprit"].as_str(), culprit, "{rel}");
        assert_eq!(code, if cause == "none" { 0 } else { 1 }, "{rel}: {err}");
    }
}

#[test]
fn throttling_json_has_the_documented_shape() {
    for rel in [
        "lambda-account-concurrency/noisy-neighbour.json",
        "lambda-reserved-concurrency/switched-off.json",
        "apigw-stage-throttling/stage-limit.json",
        "lambda-scaling-rate/quiet.json",
    ] {
        let (_, v, _) = replay(rel, &[]);
        assert_eq!(v["schema"], 1);
        assert_eq!(v["command"], "throttles");
        let t = &v["throttling"];
        assert!(CAUSES.contains(&t["cause"].as_str().unwrap()), "{rel}");
        assert!(t.get("culprit").is_some(), "{rel}: culprit missing");
        for k in ["at", "concurrent_executions", "limit"] {
            assert!(t["peak"].get(k).is_some(), "{rel}: peak.{k} missing");
        }
        let fs = t["functions"].as_array().unwrap();
        assert!(!fs.is_empty(), "{rel}");
        for f in fs {
            for k in [
                "name",
                "throttles",
                "reserved",
                "provisioned",
                "est_concurrency",
            ] {
                assert!(f.get(k).is_some(), "{rel}: functions[].{k} missing: {f}");
            }
            assert!(
                ["read", "inferred", "not-read", "error"].contains(&f["config"].as_str().unwrap())
            );
        }
        // Busiest first.
        let est: Vec<f64> = fs
            .iter()
            .map(|f| f["est_concurrency"].as_f64().unwrap())
            .collect();
        assert!(est.windows(2).all(|w| w[0] >= w[1]), "{rel}: {est:?}");
        assert!(t["alarm_command"]
            .as_str()
            .unwrap()
            .starts_with("aws cloudwatch put-metric-alarm"));
    }
}

#[test]
fn throttling_json_snapshot() {
    let (_, v, _) = replay("lambda-account-concurrency/noisy-neighbour.json", &[]);
    insta::assert_json_snapshot!("throttles_noisy_neighbour_json", v);
}

#[test]
fn throttling_markdown_snapshot() {
    let path = fixture("lambda-account-concurrency/region-wide.json");
    let out = gwdoctor()
        .args(fixture_args(&path))
        .args(["-o", "markdown", "--replay"])
        .arg(&path)
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "throttles_region_wide_markdown",
        String::from_utf8(out.stdout).unwrap()
    );
}

#[test]
fn the_hunt_ranks_the_noisy_function_first_and_reads_what_matters() {
    let (_, v, _) = replay("lambda-account-concurrency/noisy-neighbour.json", &[]);
    let t = &v["throttling"];
    assert_eq!(t["peak"]["source"], "account");
    assert_eq!(t["peak"]["concurrent_executions"], 1000.0);
    assert_eq!(t["peak"]["limit"], 1000);
    // Six one-minute periods up to and including the peak.
    assert_eq!(t["ranking_window"]["end"], t["peak"]["at"]);
    assert_eq!(row(&v, "batch-fn")["rank"], 1);
    assert!(
        row(&v, "batch-fn")["est_concurrency"].as_f64().unwrap()
            > 5.0 * row(&v, "orders-fn")["est_concurrency"].as_f64().unwrap()
    );
    // No reservation anywhere in the account (limit = unreserved): nothing to ask.
    assert_eq!(t["reads"]["reserved_reads"], 0);
    assert_eq!(row(&v, "orders-fn")["config"], "inferred");
    // The account's reserved total is 60 in this one: every function that matters is asked.
    let (_, v, _) = replay("lambda-reserved-concurrency/at-reservation.json", &[]);
    assert_eq!(row(&v, "orders-fn")["reserved"], 60);
    assert_eq!(row(&v, "orders-fn")["config"], "read");
    assert_eq!(row(&v, "legacy-fn")["reserved"], 0);
    assert_eq!(row(&v, "legacy-fn")["cause"], "reserved-concurrency");
    // --api: only the API's functions count for the cause; legacy-fn's throttles are "other".
    assert!(v["throttling"]["other_throttles"].as_f64().unwrap() > 0.0);
    assert_eq!(
        v["throttling"]["focus"],
        serde_json::json!(["cart-fn", "orders-fn"])
    );
}

#[test]
fn api_gateway_side_is_reported_with_api_only() {
    let (_, v, _) = replay("lambda-account-concurrency/region-wide.json", &[]);
    assert!(v["throttling"]["apigw"].is_null());
    assert!(v["target"].get("api_id").is_none());
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(!ids.iter().any(|i| i.starts_with("apigw-")), "{ids:?}");
    let (_, v, _) = replay("apigw-stage-throttling/stage-limit.json", &[]);
    let st = &v["throttling"]["apigw"]["stages"][0];
    assert_eq!(st["stage_limit"]["rate_limit"], 100.0);
    assert_eq!(st["throttled_minutes"].as_array().unwrap().len(), 7);
    assert_eq!(st["lambda_throttles"], 0.0);
    assert_eq!(check(&v, "apigw-stage-throttling")["status"], "found");
}

#[test]
fn a_raised_apigw_account_quota_changes_the_verdict() {
    let (_, v, _) = replay(
        "apigw-account-throttling/account-limit.json",
        &["--apigw-account-rps", "20000"],
    );
    // 10,100 requests/s is half of a 20,000 quota: the 4XX are not the account limit.
    assert_ne!(v["throttling"]["cause"], "apigw-account-limit");
    assert_eq!(check(&v, "apigw-account-throttling")["status"], "passed");
}

#[test]
fn bad_arguments_exit_two_with_a_clear_message() {
    let f = fixture("lambda-account-concurrency/region-wide.json");
    for (args, msg) in [
        (
            vec!["throttles", "--api", "x", "--function", "y"],
            "cannot be used with",
        ),
        (
            vec!["throttles", "--function", "a b"],
            "expected a Lambda function name",
        ),
        (
            vec!["throttles", "--apigw-account-rps", "0"],
            "--apigw-account-rps",
        ),
        (
            vec!["throttles", "--apigw-account-rps", "abc"],
            "invalid value",
        ),
        (vec!["throttles", "--top", "0"], "--top"),
        (vec!["throttles", "--since", "5x"], "unknown unit"),
    ] {
        gwdoctor()
            .args(&args)
            .arg("--replay")
            .arg(&f)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(msg));
    }
}

#[test]
fn an_unknown_function_lists_the_nearest() {
    gwdoctor()
        .args(["throttles", "--function", "order-fn", "--replay"])
        .arg(fixture("lambda-account-concurrency/region-wide.json"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no Lambda function \"order-fn\"")
                .and(predicate::str::contains("Nearest: orders-fn")),
        );
}

#[test]
fn a_recording_without_lambda_data_is_inconclusive_not_a_crash() {
    // The demo was recorded by `latency`: no function list, no account settings.
    let out = gwdoctor()
        .args(["throttles", "--replay"])
        .arg(fixture("demo/incident.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Verdict: no data"), "{text}");
    assert!(text.contains("not in the recording"), "{text}");
}

/// Replays a fixture (with its recorded arguments) with `errors` recorded in it, as if those
/// calls had failed: (exit code, JSON).
fn replay_with_errors(rel: &str, errors: Value) -> (i32, Value) {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(rel)).unwrap()).unwrap();
    v["errors"] = errors;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("incident.json");
    std::fs::write(&f, serde_json::to_string(&v).unwrap()).unwrap();
    let out = gwdoctor()
        .args(fixture_args(&fixture(rel)))
        .args(["-o", "json", "--replay"])
        .arg(&f)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn denied(call: &str, key: &str, action: &str) -> Value {
    serde_json::json!([{"call": call, "key": key,
        "error": {"kind": "access-denied", "action": action, "resource": key}}])
}

#[test]
fn access_denied_skips_what_needs_it_and_names_the_action() {
    let (code, v) = replay_with_errors(
        "lambda-account-concurrency/noisy-neighbour.json",
        denied("account_concurrency", "", "lambda:GetAccountSettings"),
    );
    assert_eq!(code, 2, "throttled, but which limit cannot be told");
    assert_eq!(v["throttling"]["cause"], "unknown");
    let c = check(&v, "lambda-account-concurrency");
    assert_eq!(c["status"], "skipped");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("lambda:GetAccountSettings"),
        "{c}"
    );

    // A throttled function's reservation denied: the reserved check says so.
    let (code, v) = replay_with_errors(
        "lambda-reserved-concurrency/at-reservation.json",
        denied(
            "reserved_concurrency",
            "orders-fn",
            "lambda:GetFunctionConcurrency",
        ),
    );
    assert_eq!(code, 2);
    let c = check(&v, "lambda-reserved-concurrency");
    assert_eq!(c["status"], "skipped", "{c}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("lambda:GetFunctionConcurrency"),
        "{c}"
    );
    assert_eq!(row(&v, "orders-fn")["config"], "error");

    // The metrics denied: every check is skipped, exit 2.
    let (code, v) = replay_with_errors(
        "lambda-account-concurrency/quiet.json",
        denied("metric_data", "", "cloudwatch:GetMetricData"),
    );
    assert_eq!(code, 2);
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "skipped"
            && c["reason"]
                .as_str()
                .unwrap()
                .contains("cloudwatch:GetMetricData")));
}

#[test]
fn hostile_function_names_are_sanitized_and_quoted() {
    let text =
        std::fs::read_to_string(fixture("lambda-account-concurrency/region-wide.json")).unwrap();
    let hostile = "batch-fn\\u001b]0;pwned\\u0007\\u001b[2J;rm -rf ~";
    let f_text = text.replace("\"batch-fn\"", &format!("\"{hostile}\""));
    assert_ne!(f_text, text);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("hostile.json");
    std::fs::write(&f, f_text).unwrap();
    for fmt in ["text", "markdown"] {
        let out = gwdoctor()
            .args(["throttles", "--since", "45m", "-o", fmt, "--replay"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(
            !s.contains('\u{1b}') && !s.contains('\u{7}'),
            "{fmt}: {s:?}"
        );
        // The name reaches the shell command quoted.
        assert!(s.contains("--function-name 'batch-fn"), "{fmt}: {s}");
    }
}

// ---------------------------------------------------------------------------- live path

/// Seeds a scenario; returns seed.py's JSON.
fn seed(endpoint: &str, scenario: &str, region: &str, extra: &[&str]) -> Value {
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
        ])
        .args(["--suffix", "it"])
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

fn live(endpoint: &str, region: &str, args: &[&str]) -> (i32, Value, String) {
    let out = gwdoctor()
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_MAX_ATTEMPTS", "1")
        .args([
            "throttles",
            "--region",
            region,
            "--since",
            "45m",
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

fn calls(endpoint: &str, region: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(&proxy(
        endpoint,
        "GET",
        &format!("/__calls?region={region}"),
        "",
    ))
    .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["op"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// 225 functions, account limit 800 set through the proxy, reservations set in moto: the
/// hunt finds the noisy function among them in a handful of GetMetricData calls.
#[test]
fn many_functions_live() {
    let Some(ep) = emulator() else { return };
    // Account settings are global in the proxy: nobody else may run meanwhile.
    let _g = crate::live::FAULTS.write().unwrap();
    let region = "ap-northeast-3";
    proxy(
        &ep,
        "POST",
        "/__lambda/account-settings",
        r#"{"ConcurrentExecutions": 800}"#,
    );
    let s = seed(
        &ep,
        "throttle-many",
        region,
        &["--functions", "220", "--account-limit", "800"],
    );
    let before = calls(&ep, region).len();
    let (code, v, err) = live(&ep, region, &[]);
    let made: Vec<String> = calls(&ep, region)[before..].to_vec();
    proxy(&ep, "DELETE", "/__lambda/account-settings", "");
    assert_eq!(code, 1, "{err}");
    let t = &v["throttling"];
    assert_eq!(t["cause"], "account-concurrency", "{t}");
    assert_eq!(t["culprit"], "fleet-fn-137-it");
    // The account-wide series (no dimension) came through the SDK and the proxy.
    assert_eq!(t["peak"]["source"], "account");
    assert_eq!(t["peak"]["limit"], 800);
    assert_eq!(
        t["account"]["unreserved"],
        800 - s["reserved_total"].as_i64().unwrap()
    );
    assert_eq!(
        t["reads"]["functions_listed"].as_u64().unwrap() as usize,
        s["functions"].as_array().unwrap().len()
    );
    // The switched-off function is found among them.
    assert_eq!(row(&v, "fleet-fn-013-it")["reserved"], 0);
    assert_eq!(row(&v, "fleet-fn-013-it")["cause"], "reserved-concurrency");
    // Calls: batched metrics, configuration for the functions that matter only, read-only.
    let n = |op: &str| made.iter().filter(|c| *c == op).count();
    let queries = t["reads"]["metric_queries"].as_u64().unwrap() as usize;
    assert!(queries > 500, "more than one batch is exercised: {queries}");
    assert!(n("GetMetricData") <= 3, "{made:?}");
    assert_eq!(n("GetAccountSettings"), 1, "{made:?}");
    assert!(n("ListFunctions") >= 1, "{made:?}");
    let reads = t["reads"]["reserved_reads"].as_u64().unwrap() as usize;
    assert_eq!(n("GetFunctionConcurrency"), reads, "{made:?}");
    assert!(reads <= 30, "{reads}");
    assert!(
        made.iter()
            .all(|c| c.starts_with("Get") || c.starts_with("List")),
        "{made:?}"
    );
}

#[test]
fn record_then_replay_gives_the_same_report_live() {
    let Some(ep) = emulator() else { return };
    let _g = crate::live::FAULTS.read().unwrap();
    let region = "me-south-1";
    let s = seed(&ep, "throttle-spillover", region, &[]);
    let api = s["api_id"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("incident.json");
    let (code, live_json, err) = live(
        &ep,
        region,
        &["--api", api, "--record", file.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(live_json["throttling"]["cause"], "provisioned-spillover");
    assert_eq!(row(&live_json, "orders-fn-it")["provisioned"], 100);
    let out = gwdoctor()
        .args(fixture_args(&file))
        .args(["-o", "json", "--replay"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let replayed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(live_json, replayed);
}

#[test]
fn account_settings_denied_live_names_the_action() {
    let Some(ep) = emulator() else { return };
    let _g = crate::live::FAULTS.write().unwrap();
    let region = "ap-southeast-3";
    seed(&ep, "throttle-account", region, &[]);
    proxy(
        &ep,
        "POST",
        "/__faults",
        r#"{"op":"lambda:GetAccountSettings","code":"AccessDeniedException","status":403,"count":-1}"#,
    );
    let (code, v, err) = live(&ep, region, &[]);
    proxy(&ep, "DELETE", "/__faults", "");
    assert_eq!(code, 2, "{err}");
    let c = check(&v, "lambda-account-concurrency");
    assert_eq!(c["status"], "skipped");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("lambda:GetAccountSettings"),
        "{c}"
    );
    assert!(
        v["notes"].to_string().contains("access denied"),
        "{}",
        v["notes"]
    );
}
