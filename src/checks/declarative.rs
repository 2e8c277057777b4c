//! Declarative checks: a metric crossing a threshold, or a log line matching a pattern,
//! written as TOML in `checks/` (embedded at build time) or in the user's `--checks-dir`.
//! Exactly two kinds; anything needing statistics or state is a computed check in Rust.

use std::path::Path;

use anyhow::{bail, Context};
use regex::Regex;
use serde::Deserialize;

use super::{Check, CheckInfo, CheckOutcome, Gathered, Need, Observations};
use crate::finding::{Evidence, Finding, Severity};
use crate::metrics::{self, APIGW, LAMBDA};
use crate::model::MetricQuery;

/// The checks shipped with gwdoctor: one line per file (the registry test fails if a file in
/// `checks/` is missing here).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "apigw-5xx-rate.toml",
        include_str!("../../checks/apigw-5xx-rate.toml"),
    ),
    (
        "lambda-throttles.toml",
        include_str!("../../checks/lambda-throttles.toml"),
    ),
    (
        "lambda-errors.toml",
        include_str!("../../checks/lambda-errors.toml"),
    ),
    (
        "lambda-task-timeout.toml",
        include_str!("../../checks/lambda-task-timeout.toml"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: String,
    title: String,
    severity: Severity,
    summary: String,
    remedy: String,
    docs: String,
    #[serde(default)]
    commands: Vec<String>,
    #[serde(rename = "metric-threshold")]
    metric_threshold: Option<MetricThreshold>,
    #[serde(rename = "log-match")]
    log_match: Option<RawLogMatch>,
}

/// `[metric-threshold]`: fires when any datapoint of the metric crosses the threshold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricThreshold {
    /// `AWS/ApiGateway` (evaluated per stage) or `AWS/Lambda` (per function behind the API).
    pub namespace: String,
    /// REST spelling for API Gateway (`5XXError`); HTTP APIs' `5xx` is mapped automatically.
    pub metric: String,
    pub stat: String,
    /// `> 0`, `>= 0.05`, `< 10`…
    pub when: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogMatch {
    source: String,
    regex: String,
    #[serde(default = "one")]
    min_count: usize,
}

fn one() -> usize {
    1
}

/// `[log-match]`: fires when at least `min_count` log lines match.
#[derive(Debug, Clone)]
pub struct LogMatch {
    /// `lambda` (the functions' log groups) or `apigw-execution`.
    pub source: String,
    pub regex: Regex,
    pub min_count: usize,
}

#[derive(Debug, Clone)]
pub enum Kind {
    MetricThreshold {
        rule: MetricThreshold,
        op: Op,
        value: f64,
    },
    LogMatch(LogMatch),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn test(self, v: f64, t: f64) -> bool {
        match self {
            Op::Gt => v > t,
            Op::Ge => v >= t,
            Op::Lt => v < t,
            Op::Le => v <= t,
        }
    }
}

fn parse_when(s: &str) -> anyhow::Result<(Op, f64)> {
    let s = s.trim();
    let (op, rest) = if let Some(r) = s.strip_prefix(">=") {
        (Op::Ge, r)
    } else if let Some(r) = s.strip_prefix("<=") {
        (Op::Le, r)
    } else if let Some(r) = s.strip_prefix('>') {
        (Op::Gt, r)
    } else if let Some(r) = s.strip_prefix('<') {
        (Op::Lt, r)
    } else {
        bail!("`when = {s:?}`: expected an operator (>, >=, <, <=) and a number, e.g. \"> 0\"");
    };
    let value: f64 = rest
        .trim()
        .parse()
        .with_context(|| format!("`when = {s:?}`: {:?} is not a number", rest.trim()))?;
    Ok((op, value))
}

/// A loaded declarative check.
#[derive(Debug, Clone)]
pub struct DeclarativeCheck {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub summary: String,
    pub remedy: String,
    pub docs: String,
    pub commands: Vec<String>,
    pub kind: Kind,
    pub origin: String,
}

impl DeclarativeCheck {
    /// Parses one TOML definition; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Self> {
        let raw: Raw =
            toml::from_str(text).with_context(|| format!("{origin}: invalid check definition"))?;
        if raw.id.is_empty()
            || !raw
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            bail!("{origin}: id {:?} must be kebab-case (a-z, 0-9, -)", raw.id);
        }
        let kind = match (raw.metric_threshold, raw.log_match) {
            (Some(m), None) => {
                if m.namespace != APIGW && m.namespace != LAMBDA {
                    bail!(
                        "{origin}: namespace {:?} is not supported (AWS/ApiGateway or AWS/Lambda)",
                        m.namespace
                    );
                }
                let (op, value) = parse_when(&m.when).with_context(|| origin.to_string())?;
                Kind::MetricThreshold { rule: m, op, value }
            }
            (None, Some(l)) => {
                let regex =
                    Regex::new(&l.regex).with_context(|| format!("{origin}: invalid regex"))?;
                if l.source != "lambda" && l.source != "apigw-execution" {
                    bail!(
                        "{origin}: log source {:?} must be `lambda` or `apigw-execution`",
                        l.source
                    );
                }
                Kind::LogMatch(LogMatch {
                    source: l.source,
                    regex,
                    min_count: l.min_count.max(1),
                })
            }
            (Some(_), Some(_)) => {
                bail!("{origin}: a check has one kind: [metric-threshold] or [log-match], not both")
            }
            (None, None) => bail!("{origin}: missing [metric-threshold] or [log-match]"),
        };
        Ok(DeclarativeCheck {
            id: raw.id,
            title: raw.title,
            severity: raw.severity,
            summary: raw.summary,
            remedy: raw.remedy,
            docs: raw.docs.trim().to_string(),
            commands: if raw.commands.is_empty() {
                match &kind {
                    Kind::MetricThreshold { .. } => vec!["latency".into()],
                    Kind::LogMatch(_) => vec!["cold-starts".into(), "trace".into()],
                }
            } else {
                raw.commands
            },
            kind,
            origin: origin.into(),
        })
    }

    /// The metric queries this check needs for the API under diagnosis.
    pub fn queries(&self, api: &super::ApiContext, period_s: u32) -> Vec<MetricQuery> {
        let Kind::MetricThreshold { rule, .. } = &self.kind else {
            return Vec::new();
        };
        self.resources(api, period_s, rule)
            .into_iter()
            .map(|(_, q)| q)
            .collect()
    }

    fn resources(
        &self,
        api: &super::ApiContext,
        period_s: u32,
        rule: &MetricThreshold,
    ) -> Vec<(String, MetricQuery)> {
        if rule.namespace == APIGW {
            let name = metrics::apigw_metric_name(api.api.kind, &rule.metric);
            api.stages
                .iter()
                .map(|s| {
                    (
                        format!("apigw:{}/{}", api.api.id, s.name),
                        metrics::query(
                            APIGW,
                            &name,
                            &metrics::stage_dims(&api.api, &s.name),
                            &rule.stat,
                            period_s,
                        ),
                    )
                })
                .collect()
        } else {
            api.functions
                .iter()
                .map(|f| {
                    (
                        format!("lambda:{}", f.name),
                        metrics::query(
                            LAMBDA,
                            &rule.metric,
                            &metrics::function_dims(f),
                            &rule.stat,
                            period_s,
                        ),
                    )
                })
                .collect()
        }
    }
}

/// Loads the built-in definitions. They are tested, so a broken one is a bug, not input.
pub fn builtin() -> Vec<DeclarativeCheck> {
    BUILTIN
        .iter()
        .filter_map(|(name, text)| DeclarativeCheck::parse(text, &format!("builtin:{name}")).ok())
        .collect()
}

/// Loads every `*.toml` in a user directory (`--checks-dir`).
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<DeclarativeCheck>> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading --checks-dir {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    entries.sort();
    for p in entries {
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        out.push(DeclarativeCheck::parse(&text, &p.display().to_string())?);
    }
    Ok(out)
}

/// Replaces `{name}` placeholders.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut s = template.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() < 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.1}")
    }
}

impl Check for DeclarativeCheck {
    fn info(&self) -> CheckInfo {
        let (needs, iam) = match &self.kind {
            Kind::MetricThreshold { rule, .. } if rule.namespace == APIGW => (
                vec![Need::ApiMetrics],
                vec!["cloudwatch:GetMetricData".to_string()],
            ),
            Kind::MetricThreshold { .. } => (
                vec![Need::LambdaMetrics, Need::Routes],
                vec![
                    "cloudwatch:GetMetricData".to_string(),
                    "apigateway:GET".to_string(),
                ],
            ),
            Kind::LogMatch(_) => (
                vec![Need::LambdaLogs],
                vec!["logs:FilterLogEvents".to_string()],
            ),
        };
        CheckInfo {
            id: self.id.clone(),
            title: self.title.clone(),
            severity: self.severity,
            needs,
            iam_actions: iam,
            commands: self.commands.clone(),
            origin: if self.origin.starts_with("builtin:") {
                "declarative".into()
            } else {
                self.origin.clone()
            },
            docs: self.docs.clone(),
        }
    }

    fn run(&self, obs: &Observations) -> CheckOutcome {
        let (rule, op, value) = match &self.kind {
            Kind::MetricThreshold { rule, op, value } => (rule, op, value),
            Kind::LogMatch(lm) => return self.run_log_match(lm, obs),
        };
        let Some(api) = &obs.api else {
            return CheckOutcome::Skipped("needs an API (--api)".into());
        };
        let Gathered::Ready(m) = &obs.metrics else {
            return CheckOutcome::Skipped("metrics could not be read".into());
        };
        let mut out = Vec::new();
        for (resource, q) in self.resources(api, obs.period_s, rule) {
            let pts = m.get(&q);
            let hits: Vec<_> = pts.iter().filter(|p| op.test(p.value, *value)).collect();
            let Some(worst) = hits.iter().max_by(|a, b| a.value.total_cmp(&b.value)) else {
                continue;
            };
            let sum: f64 = pts.iter().map(|p| p.value).sum();
            let vars = [
                ("resource", resource.clone()),
                ("metric", q.name.clone()),
                ("stat", q.stat.clone()),
                ("count", hits.len().to_string()),
                ("max", fmt_num(worst.value)),
                ("max_pct", format!("{:.1}%", worst.value * 100.0)),
                ("sum", fmt_num(sum)),
                ("at", worst.at.format("%H:%M UTC").to_string()),
                ("threshold", rule.when.clone()),
                ("minutes", pts.len().to_string()),
            ];
            out.push(Finding {
                check: self.id.clone(),
                severity: self.severity,
                resource,
                summary: fill(&self.summary, &vars),
                evidence: vec![Evidence::Metric {
                    namespace: q.namespace.clone(),
                    name: q.name.clone(),
                    stat: q.stat.clone(),
                    dimensions: q.dimensions.clone(),
                    period_s: q.period_s,
                    points: hits.iter().take(10).map(|p| (p.at, p.value)).collect(),
                }],
                remedy: fill(&self.remedy, &vars),
            });
        }
        CheckOutcome::Findings(out)
    }
}

impl DeclarativeCheck {
    /// A `[log-match]` check over the lines the log-reading command matched while streaming
    /// (see `logs::digest`): one finding per function with at least `min_count` lines.
    fn run_log_match(&self, lm: &LogMatch, obs: &Observations) -> CheckOutcome {
        let Gathered::Ready(logs) = &obs.logs else {
            return CheckOutcome::Skipped(Observations::NO_LOGS.into());
        };
        if lm.source != "lambda" {
            return CheckOutcome::Skipped(format!(
                "reads {} logs, which this command does not read",
                lm.source
            ));
        }
        let mut out = Vec::new();
        for f in logs.functions.iter().filter(|f| f.unavailable.is_none()) {
            let Some(set) = f.matches.get(&self.id) else {
                continue;
            };
            if set.count < lm.min_count as u64 {
                continue;
            }
            let at = |t: Option<i64>| {
                t.and_then(chrono::DateTime::from_timestamp_millis)
                    .map_or_else(|| "-".to_string(), |t| t.format("%H:%M UTC").to_string())
            };
            let resource = format!("lambda:{}", f.name);
            let vars = [
                ("resource", resource.clone()),
                ("count", set.count.to_string()),
                ("at", at(set.first_at)),
                ("first", at(set.first_at)),
                ("last", at(set.last_at)),
                ("function", f.name.clone()),
            ];
            out.push(Finding {
                check: self.id.clone(),
                severity: self.severity,
                resource,
                summary: fill(&self.summary, &vars),
                evidence: set
                    .samples
                    .iter()
                    .map(|s| Evidence::LogLine {
                        group: f.log_group.clone(),
                        stream: s.stream.clone(),
                        at: s
                            .at
                            .and_then(chrono::DateTime::from_timestamp_millis)
                            .unwrap_or(obs.window.start),
                        text: crate::sanitize::clean(&s.text),
                    })
                    .collect(),
                remedy: fill(&self.remedy, &vars),
            });
        }
        CheckOutcome::Findings(out)
    }
}

/// Evaluates a log-match check over log lines (used by the log-reading commands and tests).
pub fn log_matches<'a>(check: &LogMatch, lines: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let hits: Vec<&str> = lines
        .into_iter()
        .filter(|l| check.regex.is_match(l))
        .collect();
    if hits.len() >= check.min_count {
        hits
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        assert_eq!(
            builtin().len(),
            BUILTIN.len(),
            "every shipped TOML must parse"
        );
    }

    #[test]
    fn bad_definitions_are_clear_errors() {
        let base = "id = \"x\"\ntitle = \"t\"\nseverity = \"warning\"\nsummary = \"s\"\nremedy = \"r\"\ndocs = \"d\"\n";
        let e = DeclarativeCheck::parse(base, "f.toml").unwrap_err();
        assert!(format!("{e:#}").contains("missing [metric-threshold]"));
        let bad_when = format!("{base}[metric-threshold]\nnamespace = \"AWS/Lambda\"\nmetric = \"Errors\"\nstat = \"Sum\"\nwhen = \"lots\"\n");
        assert!(format!(
            "{:#}",
            DeclarativeCheck::parse(&bad_when, "f.toml").unwrap_err()
        )
        .contains("operator"));
        let bad_ns = format!("{base}[metric-threshold]\nnamespace = \"AWS/EC2\"\nmetric = \"CPU\"\nstat = \"Sum\"\nwhen = \"> 1\"\n");
        assert!(format!(
            "{:#}",
            DeclarativeCheck::parse(&bad_ns, "f.toml").unwrap_err()
        )
        .contains("not supported"));
        let bad_id = base.replace("id = \"x\"", "id = \"Not Kebab\"")
            + "[log-match]\nsource = \"lambda\"\nregex = \"x\"\n";
        assert!(format!(
            "{:#}",
            DeclarativeCheck::parse(&bad_id, "f.toml").unwrap_err()
        )
        .contains("kebab-case"));
    }

    #[test]
    fn when_operators() {
        assert_eq!(parse_when("> 0").unwrap(), (Op::Gt, 0.0));
        assert_eq!(parse_when(">=0.05").unwrap(), (Op::Ge, 0.05));
        assert!(Op::Ge.test(0.05, 0.05) && !Op::Gt.test(0.05, 0.05));
    }

    #[test]
    fn task_timeout_pattern_matches_real_lines_only() {
        let c = builtin()
            .into_iter()
            .find(|c| c.id == "lambda-task-timeout")
            .unwrap();
        let Kind::LogMatch(lm) = &c.kind else {
            panic!("log-match expected")
        };
        let lines = [
            "2020-06-09T15:02:26.150Z 7c9567b5-107b-4a6c-8798-0157ac21db52 Task timed out after 3.00 seconds",
            "REPORT RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52\tDuration: 3003.15 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t",
            "2020-06-09T15:02:20.000Z 7c9567b5 INFO the task timed out? no",
        ];
        assert_eq!(log_matches(lm, lines.iter().copied()), vec![lines[0]]);
    }
}
