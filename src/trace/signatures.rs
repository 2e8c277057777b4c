//! The trace signature catalogue: declarative definitions (pattern → cause id, severity,
//! explanation, remedy) in `checks/trace/*.toml`, embedded at build time; users add their own
//! with `--checks-dir DIR` (files under `DIR/trace/`). Each definition carries example lines
//! that it must match — and that no other definition may match (tested).

use std::path::Path;

use anyhow::{bail, Context};
use regex::Regex;
use serde::Deserialize;

use crate::finding::Severity;

/// The built-in signatures, one line per file (a test fails if a file is missing here).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "authorizer-denied.toml",
        include_str!("../../checks/trace/authorizer-denied.toml"),
    ),
    (
        "integration-timeout.toml",
        include_str!("../../checks/trace/integration-timeout.toml"),
    ),
    (
        "invalid-lambda-permissions.toml",
        include_str!("../../checks/trace/invalid-lambda-permissions.toml"),
    ),
    (
        "kms-access-denied.toml",
        include_str!("../../checks/trace/kms-access-denied.toml"),
    ),
    (
        "lambda-function-error.toml",
        include_str!("../../checks/trace/lambda-function-error.toml"),
    ),
    (
        "lambda-throttled.toml",
        include_str!("../../checks/trace/lambda-throttled.toml"),
    ),
    (
        "lambda-timeout.toml",
        include_str!("../../checks/trace/lambda-timeout.toml"),
    ),
    (
        "malformed-proxy-response.toml",
        include_str!("../../checks/trace/malformed-proxy-response.toml"),
    ),
    (
        "missing-api-key.toml",
        include_str!("../../checks/trace/missing-api-key.toml"),
    ),
    ("ok.toml", include_str!("../../checks/trace/ok.toml")),
    (
        "sqs-access-denied.toml",
        include_str!("../../checks/trace/sqs-access-denied.toml"),
    ),
    (
        "sqs-unknown-operation.toml",
        include_str!("../../checks/trace/sqs-unknown-operation.toml"),
    ),
    (
        "ssl-engine.toml",
        include_str!("../../checks/trace/ssl-engine.toml"),
    ),
    (
        "usage-plan-throttled.toml",
        include_str!("../../checks/trace/usage-plan-throttled.toml"),
    ),
];

/// Which log a matcher reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogSource {
    /// The API Gateway execution log lines of the request.
    ApigwExecution,
    /// The Lambda log lines of the invocation.
    Lambda,
    /// Either.
    Any,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatcher {
    source: LogSource,
    regex: String,
    #[serde(default)]
    unless: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(default, rename = "apigw-execution")]
    pub apigw_execution: Vec<String>,
    #[serde(default)]
    pub lambda: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: String,
    title: String,
    severity: Severity,
    #[serde(default)]
    status: Vec<u16>,
    priority: i32,
    explanation: String,
    remedy: String,
    #[serde(rename = "match")]
    matchers: Vec<RawMatcher>,
    examples: Examples,
}

/// One matcher: `regex` must match the lines of `source`, and `unless` must match none.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub source: LogSource,
    pub regex: Regex,
    pub unless: Option<Regex>,
}

/// A cause of a failed (or successful) request.
#[derive(Debug, Clone)]
pub struct Signature {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// Method statuses this cause produces (documentation and display).
    pub status: Vec<u16>,
    /// Lower wins when several signatures match the same request.
    pub priority: i32,
    pub explanation: String,
    pub remedy: String,
    pub matchers: Vec<Matcher>,
    pub examples: Examples,
    pub origin: String,
}

impl Signature {
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Self> {
        let raw: Raw =
            toml::from_str(text).with_context(|| format!("{origin}: invalid trace signature"))?;
        if raw.matchers.is_empty() {
            bail!("{origin}: a signature needs at least one [[match]]");
        }
        if raw.examples.apigw_execution.is_empty() && raw.examples.lambda.is_empty() {
            bail!("{origin}: a signature needs [examples] lines (they are its tests)");
        }
        let matchers = raw
            .matchers
            .into_iter()
            .map(|m| {
                Ok(Matcher {
                    source: m.source,
                    regex: Regex::new(&m.regex)
                        .with_context(|| format!("{origin}: invalid regex"))?,
                    unless: m
                        .unless
                        .map(|u| {
                            Regex::new(&u)
                                .with_context(|| format!("{origin}: invalid `unless` regex"))
                        })
                        .transpose()?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Signature {
            id: raw.id,
            title: raw.title,
            severity: raw.severity,
            status: raw.status,
            priority: raw.priority,
            explanation: raw.explanation.trim().to_string(),
            remedy: raw.remedy.trim().to_string(),
            matchers,
            examples: raw.examples,
            origin: origin.into(),
        })
    }

    /// True when every matcher holds on these lines.
    pub fn matches(&self, exec: &str, lambda: &str) -> bool {
        self.matchers.iter().all(|m| {
            let hay_hit = match m.source {
                LogSource::ApigwExecution => m.regex.is_match(exec),
                LogSource::Lambda => m.regex.is_match(lambda),
                LogSource::Any => m.regex.is_match(exec) || m.regex.is_match(lambda),
            };
            hay_hit
                && !m
                    .unless
                    .as_ref()
                    .is_some_and(|u| u.is_match(exec) || u.is_match(lambda))
        })
    }
}

/// The built-in catalogue.
pub fn builtin() -> Vec<Signature> {
    BUILTIN
        .iter()
        .filter_map(|(name, text)| Signature::parse(text, &format!("builtin:trace/{name}")).ok())
        .collect()
}

/// Loads `DIR/trace/*.toml` (user signatures), if that folder exists.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<Signature>> {
    let dir = dir.join("trace");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Signature::parse(&text, &p.display().to_string())
        })
        .collect()
}

/// The best-matching signature (lowest priority number), if any.
pub fn classify<'a>(sigs: &'a [Signature], exec: &str, lambda: &str) -> Option<&'a Signature> {
    sigs.iter()
        .filter(|s| s.matches(exec, lambda))
        .min_by_key(|s| s.priority)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_ids_match_file_names() {
        let sigs = builtin();
        assert_eq!(
            sigs.len(),
            BUILTIN.len(),
            "every shipped signature must parse"
        );
        for (s, (file, _)) in sigs.iter().zip(BUILTIN) {
            assert_eq!(format!("{}.toml", s.id), *file);
        }
    }

    #[test]
    fn the_issue_catalogue_is_covered() {
        let ids: Vec<String> = builtin().into_iter().map(|s| s.id).collect();
        for want in [
            "malformed-proxy-response",
            "integration-timeout",
            "lambda-throttled",
            "lambda-function-error",
            "authorizer-denied",
            "usage-plan-throttled",
            "missing-api-key",
            "invalid-lambda-permissions",
            "ssl-engine",
            "sqs-unknown-operation",
            "sqs-access-denied",
            "kms-access-denied",
            "ok",
        ] {
            assert!(ids.iter().any(|i| i == want), "missing signature {want}");
        }
    }

    /// ast-grep's "noisy / missing": each definition matches its own example, and no other
    /// definition matches it.
    #[test]
    fn each_signature_matches_its_example_and_no_other() {
        let sigs = builtin();
        for s in &sigs {
            let exec = s.examples.apigw_execution.join("\n");
            let lambda = s.examples.lambda.join("\n");
            assert!(
                s.matches(&exec, &lambda),
                "{} does not match its own example",
                s.id
            );
            let others: Vec<&str> = sigs
                .iter()
                .filter(|o| o.id != s.id && o.matches(&exec, &lambda))
                .map(|o| o.id.as_str())
                .collect();
            assert!(
                others.is_empty(),
                "{}'s example also matches {others:?}",
                s.id
            );
            assert_eq!(
                classify(&sigs, &exec, &lambda).map(|c| c.id.as_str()),
                Some(s.id.as_str())
            );
        }
    }

    #[test]
    fn crash_behind_a_proxy_is_malformed_not_function_error() {
        // Both lines appear when a proxy-integrated function throws: the 502 the client saw
        // is the malformed response; the function error is its reason.
        let sigs = builtin();
        let exec = "(x) Endpoint response headers: {x-amzn-RequestId=758a8c2f-1f2e-4a5b-8c7d-9e0f1a2b3c4d, X-Amz-Function-Error=Unhandled}\n(x) Execution failed due to configuration error: Malformed Lambda proxy response\n(x) Method completed with status: 502";
        assert_eq!(
            classify(&sigs, exec, "").unwrap().id,
            "malformed-proxy-response"
        );
    }

    #[test]
    fn bad_definitions_are_rejected() {
        assert!(Signature::parse("id = 1", "x.toml").is_err());
        let no_examples = "id='a'\ntitle='t'\nseverity='error'\npriority=1\nexplanation='e'\nremedy='r'\n[[match]]\nsource='lambda'\nregex='x'\n[examples]\n";
        assert!(
            format!("{:#}", Signature::parse(no_examples, "x.toml").unwrap_err())
                .contains("examples")
        );
        let bad_re = "id='a'\ntitle='t'\nseverity='error'\npriority=1\nexplanation='e'\nremedy='r'\n[[match]]\nsource='lambda'\nregex='('\n[examples]\nlambda=['x']\n";
        assert!(
            format!("{:#}", Signature::parse(bad_re, "x.toml").unwrap_err())
                .contains("invalid regex")
        );
    }
}
