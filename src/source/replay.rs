//! Replay: answers every [`Source`] call from an incident file, with no network. Used by
//! `--replay`, the bundled demo, the fixtures and the CLI tests.
//!
//! The incident file is JSON, written by `--record` and meant to stay hand-editable:
//! `{"about", "region", "now", "apis", "stages": {api_id: [...]}, "routes": {...},
//! "authorizers": {...}, "metrics": [{"query": {...}, "points": [[time, value], ...]}],
//! "errors": [{"call", "key", "error"}]}`. A metric that is not in the file has no datapoints,
//! exactly as CloudWatch answers for a metric that does not exist.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Source, SourceError};
use crate::model::{ApiSummary, Authorizer, MetricQuery, Route, Series, StageInfo, Window};

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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Series>,
    /// Calls that failed when recorded, replayed as the same error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RecordedError>,
}

/// A call that failed while recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedError {
    /// `list_apis`, `stages`, `routes`, `authorizers`, `metric_data`.
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
}
