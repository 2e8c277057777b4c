//! Replay: answers every [`Source`] call from an incident file, with no network. Used by
//! `--replay`, the bundled demo, the fixtures and the CLI tests.
//!
//! The incident file is JSON, written by `--record` and meant to stay hand-editable:
//! `{"about", "region", "now", "apis", "stages": {api_id: [...]}, "routes": {...},
//! "authorizers": {...}, "metrics": [{"query": {...}, "points": [[time, value], ...]}],
//! "errors": [{"call", "key", "error"}]}`. A metric that is not in the file has no datapoints,
//! exactly as CloudWatch answers for a metric that does not exist.
//!
//! The log-reading commands add `"functions": {name: {name, log_group, log_format,
//! memory_mb, timeout_s, runtime, snap_start}}`, `"logs": {group: [{"timestamp", "stream",
//! "message"}]}` and `"insights": [{"query": {...}, "results": {...}}]`. Replayed
//! `FilterLogEvents` answers the group's events inside the window (the recording already holds
//! only what the filter pattern let through); a group that is not in the file does not exist.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Source, SourceError};
use crate::model::{
    ApiSummary, Authorizer, FunctionConfig, InsightsQuery, LogEvent, LogFilter, LogPage,
    MetricQuery, QueryResults, Route, Series, StageInfo, Window,
};

/// The on-disk incident format (also what `--record` writes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// A sentence on what this incident shows (fixtures use it to document the scenario).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub about: String,
    /// gwdoctor version that recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
    pub region: String,
    /// The time the recording was made: replays treat it as "now".
    pub now: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apis: Option<Vec<ApiSummary>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stages: BTreeMap<String, Vec<StageInfo>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routes: BTreeMap<String, Vec<Route>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub authorizers: BTreeMap<String, Vec<Authorizer>>,
    // ---- `gwdoctor throttles` ---------------------------------------------------------
    /// The region's usage plans (`usage_plans`); absent: not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_plans: Option<Vec<crate::model::UsagePlan>>,
    /// Lambda concurrency data (`list_functions`, `account_concurrency`,
    /// `reserved_concurrency` and `provisioned_concurrency`, the last two keyed by function).
    #[serde(default, skip_serializing_if = "LambdaRecord::is_empty")]
    pub lambda: LambdaRecord,
    /// The gwdoctor arguments the recording answers (`["throttles", "--since", "45m"]`),
    /// so tests and people can replay it with the same question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replay_args: Vec<String>,
    // ---- end of `gwdoctor throttles` ----------------------------------------------------
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Series>,
    /// Lambda function configurations, by function name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<String, FunctionConfig>,
    /// Log events by log group, oldest first.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub logs: BTreeMap<String, Vec<LogEvent>>,
    /// Logs Insights queries and their final results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insights: Vec<RecordedQuery>,
    /// Calls that failed when recorded, replayed as the same error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RecordedError>,
}

/// A Logs Insights query and what it returned (all pages, in order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedQuery {
    pub query: InsightsQuery,
    pub results: QueryResults,
}

/// What `gwdoctor throttles` read from Lambda, as `"lambda": {...}` in the incident file.
/// Hand-editing: a function missing from `reserved` has no reservation (`null` says the
/// same, `0` switches it off); one missing from `provisioned` has no provisioned concurrency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LambdaRecord {
    /// `ListFunctions`; absent: not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functions: Option<Vec<crate::model::LambdaFunction>>,
    /// `GetAccountSettings`; absent: not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<crate::model::AccountConcurrency>,
    /// `GetFunctionConcurrency` answers by function name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reserved: BTreeMap<String, Option<i64>>,
    /// `ListProvisionedConcurrencyConfigs` answers by function name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provisioned: BTreeMap<String, Vec<crate::model::ProvisionedConfig>>,
}

impl LambdaRecord {
    pub fn is_empty(&self) -> bool {
        self.functions.is_none()
            && self.account.is_none()
            && self.reserved.is_empty()
            && self.provisioned.is_empty()
    }
}

/// A call that failed while recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedError {
    /// `list_apis`, `stages`, `routes`, `authorizers`, `metric_data`, `function_config`
    /// (key: function name), `filter_log_events` (key: log group), `start_query`.
    pub call: String,
    /// The API id the call was about (empty for region-wide calls).
    #[serde(default)]
    pub key: String,
    pub error: SourceError,
}

impl Incident {
    /// Reads and validates an incident file.
    pub fn load(path: &Path) -> anyhow::Result<Incident> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading replay file {}", path.display()))?;
        let incident: Incident = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a gwdoctor incident file", path.display()))?;
        Ok(incident)
    }

    fn error_for(&self, call: &str, key: &str) -> Option<SourceError> {
        self.errors
            .iter()
            .find(|e| e.call == call && e.key == key)
            .map(|e| e.error.clone())
    }
}

/// A [`Source`] that answers from an [`Incident`].
pub struct ReplaySource {
    incident: Incident,
    index: BTreeMap<MetricQuery, usize>,
}

/// Replayed `FilterLogEvents` pages hold at most this many events (AWS: 10,000 or 1 MB).
const REPLAY_PAGE: usize = 10_000;

impl ReplaySource {
    pub fn new(incident: Incident) -> Self {
        let index = incident
            .metrics
            .iter()
            .enumerate()
            .map(|(i, s)| (s.query.clone(), i))
            .collect();
        ReplaySource { incident, index }
    }

    pub fn open(path: &Path) -> anyhow::Result<Self> {
        Ok(Self::new(Incident::load(path)?))
    }

    fn keyed<T: Clone>(
        &self,
        call: &str,
        map: &BTreeMap<String, Vec<T>>,
        api: &ApiSummary,
    ) -> Result<Vec<T>, SourceError> {
        if let Some(e) = self.incident.error_for(call, &api.id) {
            return Err(e);
        }
        // A recording that never asked has nothing; an API without authorizers is recorded
        // as an empty list, so "absent" means "not recorded" only for stages and routes.
        Ok(map.get(&api.id).cloned().unwrap_or_default())
    }
}

#[async_trait]
impl Source for ReplaySource {
    fn region(&self) -> String {
        self.incident.region.clone()
    }

    fn now(&self) -> DateTime<Utc> {
        self.incident.now
    }

    async fn list_apis(&self) -> Result<Vec<ApiSummary>, SourceError> {
        if let Some(e) = self.incident.error_for("list_apis", "") {
            return Err(e);
        }
        self.incident
            .apis
            .clone()
            .ok_or_else(|| SourceError::NotRecorded {
                what: "the list of APIs".into(),
            })
    }

    async fn stages(&self, api: &ApiSummary) -> Result<Vec<StageInfo>, SourceError> {
        self.keyed("stages", &self.incident.stages, api)
    }

    async fn routes(&self, api: &ApiSummary) -> Result<Vec<Route>, SourceError> {
        self.keyed("routes", &self.incident.routes, api)
    }

    async fn authorizers(&self, api: &ApiSummary) -> Result<Vec<Authorizer>, SourceError> {
        self.keyed("authorizers", &self.incident.authorizers, api)
    }

    // ---- `gwdoctor throttles` ---------------------------------------------------------

    async fn list_functions(&self) -> Result<Vec<crate::model::LambdaFunction>, SourceError> {
        if let Some(e) = self.incident.error_for("list_functions", "") {
            return Err(e);
        }
        self.incident
            .lambda
            .functions
            .clone()
            .ok_or_else(|| SourceError::NotRecorded {
                what: "the list of Lambda functions".into(),
            })
    }

    async fn account_concurrency(&self) -> Result<crate::model::AccountConcurrency, SourceError> {
        if let Some(e) = self.incident.error_for("account_concurrency", "") {
            return Err(e);
        }
        self.incident
            .lambda
            .account
            .ok_or_else(|| SourceError::NotRecorded {
                what: "the Lambda account settings".into(),
            })
    }

    async fn reserved_concurrency(&self, function: &str) -> Result<Option<i64>, SourceError> {
        if let Some(e) = self.incident.error_for("reserved_concurrency", function) {
            return Err(e);
        }
        Ok(self
            .incident
            .lambda
            .reserved
            .get(function)
            .copied()
            .flatten())
    }

    async fn provisioned_concurrency(
        &self,
        function: &str,
    ) -> Result<Vec<crate::model::ProvisionedConfig>, SourceError> {
        if let Some(e) = self.incident.error_for("provisioned_concurrency", function) {
            return Err(e);
        }
        Ok(self
            .incident
            .lambda
            .provisioned
            .get(function)
            .cloned()
            .unwrap_or_default())
    }

    async fn usage_plans(&self) -> Result<Vec<crate::model::UsagePlan>, SourceError> {
        if let Some(e) = self.incident.error_for("usage_plans", "") {
            return Err(e);
        }
        self.incident
            .usage_plans
            .clone()
            .ok_or_else(|| SourceError::NotRecorded {
                what: "the usage plans".into(),
            })
    }

    // ---- end of `gwdoctor throttles` ----------------------------------------------------

    async fn metric_data(
        &self,
        queries: &[MetricQuery],
        window: Window,
    ) -> Result<Vec<Series>, SourceError> {
        if let Some(e) = self.incident.error_for("metric_data", "") {
            return Err(e);
        }
        Ok(queries
            .iter()
            .map(|q| {
                let points = self
                    .index
                    .get(q)
                    .map(|&i| {
                        self.incident.metrics[i]
                            .points
                            .iter()
                            .filter(|p| window.contains(p.at))
                            .copied()
                            .collect()
                    })
                    .unwrap_or_default();
                Series {
                    query: q.clone(),
                    points,
                }
            })
            .collect())
    }

    async fn function_config(&self, name: &str) -> Result<FunctionConfig, SourceError> {
        if let Some(e) = self.incident.error_for("function_config", name) {
            return Err(e);
        }
        self.incident
            .functions
            .get(name)
            .cloned()
            .ok_or_else(|| SourceError::NotFound {
                what: format!("Lambda function {name}"),
            })
    }

    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, SourceError> {
        if let Some(e) = self.incident.error_for("log_groups", prefix) {
            return Err(e);
        }
        Ok(self
            .incident
            .logs
            .keys()
            .filter(|g| g.starts_with(prefix))
            .cloned()
            .collect())
    }

    async fn filter_log_events(
        &self,
        filter: &LogFilter,
        next_token: Option<&str>,
    ) -> Result<LogPage, SourceError> {
        if let Some(e) = self.incident.error_for("filter_log_events", &filter.group) {
            return Err(e);
        }
        let Some(events) = self.incident.logs.get(&filter.group) else {
            return Err(SourceError::NotFound {
                what: format!("log group {}", filter.group),
            });
        };
        let skip: usize = match next_token {
            None => 0,
            Some(t) => t.parse().map_err(|_| SourceError::Service {
                action: "logs:FilterLogEvents".into(),
                code: "InvalidParameterException".into(),
                message: format!("invalid next token {t:?}"),
            })?,
        };
        let terms = quoted_terms(&filter.pattern);
        let mut matching = events
            .iter()
            .filter(|e| filter.window.contains(e.timestamp))
            .filter(|e| terms.iter().all(|t| e.message.contains(t.as_str())))
            .skip(skip);
        let page: Vec<LogEvent> = matching.by_ref().take(REPLAY_PAGE).cloned().collect();
        let more = matching.next().is_some();
        Ok(LogPage {
            next_token: more.then(|| (skip + page.len()).to_string()),
            events: page,
        })
    }

    async fn start_query(&self, query: &InsightsQuery) -> Result<String, SourceError> {
        if let Some(e) = self.incident.error_for("start_query", "") {
            return Err(e);
        }
        self.incident
            .insights
            .iter()
            .position(|r| r.query.groups == query.groups && r.query.query == query.query)
            .map(|i| format!("replay-{i}"))
            .ok_or_else(|| SourceError::NotRecorded {
                what: format!(
                    "a Logs Insights query over {} (record with the same flags, or use --engine filter)",
                    query.groups.join(", ")
                ),
            })
    }

    async fn query_results(
        &self,
        query_id: &str,
        _next_token: Option<&str>,
    ) -> Result<QueryResults, SourceError> {
        query_id
            .strip_prefix("replay-")
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| self.incident.insights.get(i))
            .map(|r| QueryResults {
                next_token: None,
                ..r.results.clone()
            })
            .ok_or_else(|| SourceError::NotRecorded {
                what: format!("Logs Insights query {query_id}"),
            })
    }
}

/// The terms of a filter pattern made only of quoted phrases (`"id" "Method completed"`), which
/// CloudWatch ANDs. Other patterns (`?a ?b`, JSON or space-delimited forms) return no terms:
/// the recording already holds only what they let through.
fn quoted_terms(pattern: &str) -> Vec<String> {
    let p = pattern.trim();
    if !p.starts_with('"') {
        return Vec::new();
    }
    let parts: Vec<&str> = p.split('"').collect();
    // "a" "b" splits into ["", a, " ", b, ""]: odd positions are terms, even ones blanks.
    if parts.iter().step_by(2).any(|gap| !gap.trim().is_empty()) {
        return Vec::new();
    }
    parts
        .iter()
        .skip(1)
        .step_by(2)
        .map(|t| t.to_string())
        .collect()
}

#[cfg(test)]
mod pattern_tests {
    use super::quoted_terms;

    #[test]
    fn quoted_terms_only_for_plain_quoted_patterns() {
        assert_eq!(quoted_terms("\"286364ab-3a83\""), vec!["286364ab-3a83"]);
        assert_eq!(quoted_terms("\"a b\" \"c\""), vec!["a b", "c"]);
        assert!(quoted_terms("?\"a\" ?\"b\"").is_empty());
        assert!(quoted_terms("{ $.level = \"ERROR\" }").is_empty());
        assert!(quoted_terms("").is_empty());
    }
}
