//! Shared test helpers.

use std::path::PathBuf;

use assert_cmd::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// The gwdoctor binary with an environment that cannot reach a real AWS account: no
/// profiles, no instance metadata, no colour.
pub fn gwdoctor() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gwdoctor"));
    c.env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(120));
    c
}

/// The API id a replay fixture is about (its first recorded API).
pub fn fixture_api(path: &std::path::Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["apis"][0]["id"].as_str().unwrap().to_string()
}

/// The command that replays a fixture: `latency --api ID` for an API incident, and
/// `cold-starts --function F… [--api ID]` for an incident with Lambda functions and logs.
///
/// A recording that stores its own `replay_args` (`gwdoctor throttles --record`) wins.
pub fn fixture_args(path: &std::path::Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    if let Some(a) = v["replay_args"].as_array().filter(|a| !a.is_empty()) {
        return a.iter().map(|x| x.as_str().unwrap().to_string()).collect();
    }
    let api = v["apis"][0]["id"].as_str().map(str::to_string);
    match v["functions"].as_object() {
        Some(fns) if !fns.is_empty() => {
            let mut args = vec!["cold-starts".to_string()];
            match api {
                Some(id) => args.extend(["--api".to_string(), id]),
                None => {
                    for name in fns.keys() {
                        args.extend(["--function".to_string(), name.clone()]);
                    }
                }
            }
            args
        }
        _ => vec![
            "latency".to_string(),
            "--api".to_string(),
            api.expect("an API incident"),
        ],
    }
}

/// The emulator endpoint, or None (skip) when it is not running. Under CI a missing
/// emulator fails the test instead, so the live suite can never pass silently.
pub fn emulator() -> Option<String> {
    match std::env::var("GWDOCTOR_TEST_ENDPOINT") {
        Ok(e) if !e.is_empty() => Some(e),
        _ if std::env::var_os("CI").is_some() => {
            panic!("GWDOCTOR_TEST_ENDPOINT is unset but CI is set: run the tests through tests/emulator/with-emulator.sh")
        }
        _ => {
            eprintln!("skipping: GWDOCTOR_TEST_ENDPOINT is unset (run through tests/emulator/with-emulator.sh)");
            None
        }
    }
}

/// `openssl` from PATH, or None (skip) when it is not installed. Under CI a missing openssl
/// fails the test instead, as a missing emulator does.
pub fn openssl() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("openssl"))
            .find(|p| p.is_file())
    });
    match found {
        Some(p) => Some(p),
        None if std::env::var_os("CI").is_some() => {
            panic!("openssl is not on PATH but CI is set: the fingerprint tests need it")
        }
        None => {
            eprintln!("skipping: openssl is not on PATH");
            None
        }
    }
}
