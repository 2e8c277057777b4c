//! The findings model: the one contract every output (text, JSON, markdown, exit code, and
//! later the dashboard) renders. Nothing here knows about AWS, the network or the terminal.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How bad a finding is. Declaration order is severity order (`Info < Warning < Error`), which
/// `--fail-on` relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing; not a problem by itself.
    Info,
    /// Likely part of the problem.
    Warning,
    /// A problem that breaks or badly slows requests.
    Error,
}

impl Severity {
    /// The lowercase word used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!("unknown severity {other:?} (info, warning, error)")),
        }
    }
}

/// One thing a check noticed, with what it saw and what to do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The id of the check that produced it (stable, kebab-case).
    pub check: String,
    pub severity: Severity,
    /// What it is about: `apigw:a1b2c3/prod`, `lambda:orders-fn`, `apigw:a1b2c3/prod GET /orders`.
    pub resource: String,
    /// One line, with numbers and the resource; no advice (that goes in `remedy`).
    pub summary: String,
    /// What was seen, so a human can verify the claim.
    pub evidence: Vec<Evidence>,
    /// The next thing to try.
    pub remedy: String,
}

/// A piece of evidence behind a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Evidence {
    /// Metric datapoints (usually the worst minutes), oldest first.
    Metric {
        namespace: String,
        name: String,
        stat: String,
        dimensions: Vec<(String, String)>,
        period_s: u32,
        points: Vec<(DateTime<Utc>, f64)>,
    },
    /// A log line, already sanitized for display.
    LogLine {
        group: String,
        stream: String,
        at: DateTime<Utc>,
        text: String,
    },
    /// A certificate of a presented chain.
    Certificate {
        /// Position in the chain as sent (0 = leaf).
        index: usize,
        subject: String,
        issuer: String,
        not_after: DateTime<Utc>,
        key: String,
        sha256: String,
    },
    /// Free text: configuration facts, computed figures.
    Note { text: String },
}

/// What happened to one check in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    /// Ran and found nothing.
    Passed,
    /// Ran and produced findings.
    Found,
    /// Could not run: the data it needs was unavailable (access denied, not collected...).
    Skipped,
    /// Failed in an unexpected way.
    Error,
}

/// The outcome of one check, as it appears in the JSON `checks` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub status: CheckStatus,
    /// Why it was skipped or errored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub findings: Vec<Finding>,
}

impl CheckResult {
    /// Builds a result from the findings a check returned.
    pub fn from_findings(id: &str, title: &str, findings: Vec<Finding>) -> Self {
        let status = if findings.is_empty() {
            CheckStatus::Passed
        } else {
            CheckStatus::Found
        };
        CheckResult {
            id: id.to_string(),
            title: title.to_string(),
            status,
            reason: None,
            findings,
        }
    }

    /// A check that could not run, with the reason an operator can act on.
    pub fn skipped(id: &str, title: &str, reason: impl Into<String>) -> Self {
        CheckResult {
            id: id.to_string(),
            title: title.to_string(),
            status: CheckStatus::Skipped,
            reason: Some(reason.into()),
            findings: Vec::new(),
        }
    }

    /// The worst severity among this check's findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// What a run was about: the API, stage, region and time window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    /// REST (`rest`) or HTTP (`http`) API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_kind: Option<String>,
    /// The stage asked for, or `None` for every stage.
    pub stage: Option<String>,
    pub region: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Everything one command run produced. Every renderer and the exit code read only this.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Version of this JSON shape; bumped only on breaking changes.
    pub schema: u32,
    pub command: String,
    pub target: TargetInfo,
    /// Sorted: worst first, then by id.
    pub checks: Vec<CheckResult>,
    /// Non-fatal problems met while gathering data (shown, never fatal).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The command's own section (`latency`, later `trace`, `tls`...), pre-rendered by the
    /// command so this type does not depend on every command's data.
    #[serde(skip)]
    pub section: Option<Section>,
}

/// A command's own part of the report, in every output form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    /// The JSON key (`latency`).
    pub name: String,
    pub json: serde_json::Value,
    /// Plain text (colour applied by the text renderer's style markers, see `output::text`).
    pub text: String,
    pub markdown: String,
}

/// The JSON schema version.
pub const SCHEMA: u32 = 1;

impl Report {
    /// Sorts checks worst-first (errors, warnings, infos, then skipped, then passed) and by id.
    pub fn sort(&mut self) {
        fn rank(c: &CheckResult) -> (u8, std::cmp::Reverse<Option<Severity>>) {
            let status = match c.status {
                CheckStatus::Found => 0,
                CheckStatus::Error => 1,
                CheckStatus::Skipped => 2,
                CheckStatus::Passed => 3,
            };
            (status, std::cmp::Reverse(c.worst()))
        }
        self.checks.sort_by(|a, b| {
            rank(a)
                .0
                .cmp(&rank(b).0)
                .then(rank(a).1.cmp(&rank(b).1))
                .then(a.id.cmp(&b.id))
        });
        for c in &mut self.checks {
            c.findings.sort_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then(a.resource.cmp(&b.resource))
            });
        }
    }

    /// All findings of all checks, worst first.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.checks.iter().flat_map(|c| c.findings.iter())
    }
}
