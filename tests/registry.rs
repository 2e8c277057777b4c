//! Keeps the check registry, its docs, the declarative files, the fixtures and the README
//! consistent (cargo-deny's `codes_unique`, ast-grep's noisy/missing idea).

use std::collections::BTreeSet;

use gwdoctor::checks::{self, declarative};
use serde_json::Value;

use crate::util::{fixture_args, gwdoctor, root};

#[test]
fn ids_are_unique_kebab_case_and_documented() {
    let all = checks::registry(Vec::new());
    let mut seen = BTreeSet::new();
    for i in checks::catalog(&all) {
        assert!(seen.insert(i.id.clone()), "duplicate check id {}", i.id);
        assert!(
            i.id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{} is not kebab-case",
            i.id
        );
        for heading in [
            "## What it checks",
            "## Why it matters",
            "## How to fix",
            "## Data used",
        ] {
            assert!(i.docs.contains(heading), "{}: docs lack {heading:?}", i.id);
        }
        assert!(!i.iam_actions.is_empty(), "{}: no IAM actions listed", i.id);
    }
    insta::assert_snapshot!("check_ids", seen.into_iter().collect::<Vec<_>>().join("\n"));
}

#[test]
fn every_trace_signature_file_is_embedded() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(root().join("checks/trace"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    let embedded: BTreeSet<String> = gwdoctor::trace::signatures::BUILTIN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(
        on_disk, embedded,
        "add the file to trace::signatures::BUILTIN"
    );
    // Each cause has a recorded fixture that the trace command attributes to it.
    for (file, _) in gwdoctor::trace::signatures::BUILTIN {
        let f = root()
            .join("fixtures/request-failure-cause")
            .join(file.replace(".toml", ".json"));
        assert!(
            f.exists(),
            "no fixture {} for the {file} signature",
            f.display()
        );
        let out = gwdoctor()
            .args(crate::util::fixture_args(&f))
            .args(["-o", "json", "--replay"])
            .arg(&f)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            v["trace"]["cause"]["id"].as_str(),
            Some(file.trim_end_matches(".toml")),
            "{}",
            f.display()
        );
    }
}

#[test]
fn every_toml_in_checks_is_embedded() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(root().join("checks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    let embedded: BTreeSet<String> = declarative::BUILTIN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(on_disk, embedded, "add the file to declarative::BUILTIN");
    assert_eq!(declarative::builtin().len(), declarative::BUILTIN.len());
}

#[test]
fn readme_lists_every_check() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for i in checks::catalog(&checks::registry(Vec::new())) {
        let id = i.id;
        assert!(
            readme.contains(&format!("`{id}`")),
            "README does not list `{id}`"
        );
    }
}

/// Each check the `latency`, `cold-starts` and `throttles` commands run has a fixture where it
/// fires and one where it stays quiet, in its own fixtures/<id>/ folder. A fixture is
/// replayed with its recorded `replay_args` (throttles), else by `fixture_args`.
#[test]
fn each_command_check_has_firing_and_quiet_fixtures() {
    let mut covered = BTreeSet::new();
    for info in checks::catalog(&checks::registry(Vec::new())) {
        if !info
            .commands
            .iter()
            .any(|x| x == "latency" || x == "cold-starts" || x == "throttles" || x == "trace")
        {
            continue;
        }
        covered.insert(info.commands[0].clone());
        let dir = root().join("fixtures").join(&info.id);
        let mut statuses = BTreeSet::new();
        for e in
            std::fs::read_dir(&dir).unwrap_or_else(|_| panic!("fixtures/{} is missing", info.id))
        {
            let p = e.unwrap().path();
            let mut cmd = gwdoctor();
            cmd.args(fixture_args(&p))
                .args(["-o", "json", "--replay"])
                .arg(&p);
            if info.id == "apigw-client-path-latency" {
                // The client's figure is part of that scenario: 2.6 s as the client saw it.
                cmd.args(["--client-ms", "2600"]);
            }
            let out = cmd.output().unwrap();
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            if let Some(r) = v["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == info.id.as_str())
            {
                statuses.insert(r["status"].as_str().unwrap().to_string());
            }
        }
        assert!(
            statuses.contains("found"),
            "{}: no fixture where it fires ({statuses:?})",
            info.id
        );
        assert!(
            statuses.contains("passed"),
            "{}: no fixture where it stays quiet ({statuses:?})",
            info.id
        );
    }
    assert_eq!(
        covered.into_iter().collect::<Vec<_>>(),
        ["cold-starts", "latency", "throttles", "trace"],
        "every command's checks are covered"
    );
}

/// Live tests run in parallel against one emulator and isolate themselves by region (moto
/// keeps one backend per region): two test files seeding the same region would see each
/// other's APIs and functions.
#[test]
fn live_test_files_seed_distinct_regions() {
    let re = regex::Regex::new(r#"(?:let region = |seed\(&ep, "[^"]+", )"([a-z]{2}-[a-z]+-\d)""#)
        .unwrap();
    let mut owner: std::collections::BTreeMap<String, String> = Default::default();
    for e in std::fs::read_dir(root().join("tests")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&p).unwrap();
        for c in re.captures_iter(&text) {
            let region = c[1].to_string();
            if let Some(other) = owner.insert(region.clone(), name.clone()) {
                assert_eq!(other, name, "{region} is seeded by both {other} and {name}");
            }
        }
    }
    assert!(
        owner.len() >= 10,
        "the pattern still finds the live tests' regions: {owner:?}"
    );
}
