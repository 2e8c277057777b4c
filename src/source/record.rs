//! `--record FILE`: wraps any [`Source`], passes every call through, and keeps what it
//! answered (errors included) so the run can be replayed later with `--replay FILE`.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use std::collections::HashMap;

use super::replay::{Incident, RecordedError, RecordedQuery};
use super::{Source, SourceError};
use crate::model::{
    ApiSummary, Authorizer, FunctionConfig, InsightsQuery, LogFilter, LogPage, MetricQuery,
    QueryResults, Route, Series, StageInfo, Window,
};

/// A pass-through [`Source`] that records every answer into an [`Incident`].
pub struct Recorder {
    inner: Arc<dyn Source>,
    incident: Mutex<Incident>,
    /// Insights queries in flight: id → the query and the rows of the pages read so far.
    queries: Mutex<HashMap<String, (InsightsQuery, QueryResults)>>,
}

impl Recorder {
    pub fn new(inner: Arc<dyn Source>) -> Self {
        let incident = Incident {
            recorded_by: Some(format!("gwdoctor {}", env!("CARGO_PKG_VERSION"))),
            region: inner.region(),
            now: inner.now(),
            ..Incident::default()
        };
        Recorder {
            inner,
            incident: Mutex::new(incident),
            queries: Mutex::new(HashMap::new()),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Incident) -> R) -> R {
        // A poisoned lock only means another task panicked mid-update; the data is still
        // the best record we have.
        let mut guard = self.incident.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    fn record_error(&self, call: &str, key: &str, error: &SourceError) {
        // A throttled call was retried: the retry's answer is what the run used.
        if error.is_transient() {
            return;
        }
        self.with(|i| {
            i.errors.push(RecordedError {
                call: call.into(),
                key: key.into(),
                error: error.clone(),
            })
        });
    }

    /// Sets the incident's "now" (the end of the window the run looked at), so a replay
    /// without `--end` looks at the same minutes.
    pub fn set_now(&self, now: DateTime<Utc>) {
        self.with(|i| i.now = now);
    }

    /// Sets the sentence describing the incident.
    pub fn set_about(&self, about: String) {
        self.with(|i| i.about = about);
    }

    /// Sets the arguments that replay the recording (`gwdoctor throttles`).
    pub fn set_replay_args(&self, args: Vec<String>) {
        self.with(|i| i.replay_args = args);
    }

    /// Writes the recording as pretty JSON.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let json = self.with(|i| {
            i.metrics.sort_by(|a, b| a.query.cmp(&b.query));
            i.metrics.dedup_by(|a, b| a.query == b.query);
            // Two filters over one group (e.g. by X-Ray id, then by request id) can return the
            // same event twice; a replay must see it once, in time order.
            for events in i.logs.values_mut() {
                let mut seen = std::collections::HashSet::new();
                events.retain(|e| seen.insert((e.timestamp, e.stream.clone(), e.message.clone())));
                events.sort_by_key(|e| e.timestamp);
            }
            serde_json::to_string_pretty(i)
        })?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("writing recording {}", path.display()))
    }
}

#[async_trait]
impl Source for Recorder {
    fn region(&self) -> String {
        self.inner.region()
    }

    fn now(&self) -> DateTime<Utc> {
        self.with(|i| i.now)
    }

    async fn list_apis(&self) -> Result<Vec<ApiSummary>, SourceError> {
        let r = self.inner.list_apis().await;
        match &r {
            Ok(apis) => self.with(|i| i.apis = Some(apis.clone())),
            Err(e) => self.record_error("list_apis", "", e),
        }
        r
    }

    async fn stages(&self, api: &ApiSummary) -> Result<Vec<StageInfo>, SourceError> {
        let r = self.inner.stages(api).await;
        match &r {
            Ok(v) => self
                .with(|i| i.stages.insert(api.id.clone(), v.clone()))
                .map_or((), drop),
            Err(e) => self.record_error("stages", &api.id, e),
        }
        r
    }

    async fn routes(&self, api: &ApiSummary) -> Result<Vec<Route>, SourceError> {
        let r = self.inner.routes(api).await;
        match &r {
            Ok(v) => self
                .with(|i| i.routes.insert(api.id.clone(), v.clone()))
                .map_or((), drop),
            Err(e) => self.record_error("routes", &api.id, e),
        }
        r
    }

    async fn authorizers(&self, api: &ApiSummary) -> Result<Vec<Authorizer>, SourceError> {
        let r = self.inner.authorizers(api).await;
        match &r {
            Ok(v) => self
                .with(|i| i.authorizers.insert(api.id.clone(), v.clone()))
                .map_or((), drop),
            Err(e) => self.record_error("authorizers", &api.id, e),
        }
        r
    }

    // ---- `gwdoctor throttles` ---------------------------------------------------------

    async fn list_functions(&self) -> Result<Vec<crate::model::LambdaFunction>, SourceError> {
        let r = self.inner.list_functions().await;
        match &r {
            Ok(v) => self.with(|i| i.lambda.functions = Some(v.clone())),
            Err(e) => self.record_error("list_functions", "", e),
        }
        r
    }

    async fn account_concurrency(&self) -> Result<crate::model::AccountConcurrency, SourceError> {
        let r = self.inner.account_concurrency().await;
        match &r {
            Ok(v) => self.with(|i| i.lambda.account = Some(*v)),
            Err(e) => self.record_error("account_concurrency", "", e),
        }
        r
    }

    async fn reserved_concurrency(&self, function: &str) -> Result<Option<i64>, SourceError> {
        let r = self.inner.reserved_concurrency(function).await;
        match &r {
            Ok(v) => self
                .with(|i| i.lambda.reserved.insert(function.to_string(), *v))
                .map_or((), drop),
            Err(e) => self.record_error("reserved_concurrency", function, e),
        }
        r
    }

    async fn provisioned_concurrency(
        &self,
        function: &str,
    ) -> Result<Vec<crate::model::ProvisionedConfig>, SourceError> {
        let r = self.inner.provisioned_concurrency(function).await;
        match &r {
            Ok(v) => self
                .with(|i| i.lambda.provisioned.insert(function.to_string(), v.clone()))
                .map_or((), drop),
            Err(e) => self.record_error("provisioned_concurrency", function, e),
        }
        r
    }

    async fn usage_plans(&self) -> Result<Vec<crate::model::UsagePlan>, SourceError> {
        let r = self.inner.usage_plans().await;
        match &r {
            Ok(v) => self.with(|i| i.usage_plans = Some(v.clone())),
            Err(e) => self.record_error("usage_plans", "", e),
        }
        r
    }

    // ---- end of `gwdoctor throttles` ----------------------------------------------------

    async fn metric_data(
        &self,
        queries: &[MetricQuery],
        window: Window,
    ) -> Result<Vec<Series>, SourceError> {
        let r = self.inner.metric_data(queries, window).await;
        match &r {
            // Empty series are kept too: "this metric had no data" is part of the incident.
            Ok(series) => self.with(|i| i.metrics.extend(series.iter().cloned())),
            Err(e) => self.record_error("metric_data", "", e),
        }
        r
    }

    async fn function_config(&self, name: &str) -> Result<FunctionConfig, SourceError> {
        let r = self.inner.function_config(name).await;
        match &r {
            Ok(c) => self
                .with(|i| i.functions.insert(name.to_string(), c.clone()))
                .map_or((), drop),
            Err(e) => self.record_error("function_config", name, e),
        }
        r
    }

    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, SourceError> {
        let r = self.inner.log_groups(prefix).await;
        match &r {
            // A listed group with no recorded events still exists when replayed.
            Ok(groups) => self.with(|i| {
                for g in groups {
                    i.logs.entry(g.clone()).or_default();
                }
            }),
            Err(e) => self.record_error("log_groups", prefix, e),
        }
        r
    }

    async fn filter_log_events(
        &self,
        filter: &LogFilter,
        next_token: Option<&str>,
    ) -> Result<LogPage, SourceError> {
        let r = self.inner.filter_log_events(filter, next_token).await;
        match &r {
            Ok(page) => self.with(|i| {
                i.logs
                    .entry(filter.group.clone())
                    .or_default()
                    .extend(page.events.iter().cloned())
            }),
            Err(e) => self.record_error("filter_log_events", &filter.group, e),
        }
        r
    }

    async fn start_query(&self, query: &InsightsQuery) -> Result<String, SourceError> {
        let r = self.inner.start_query(query).await;
        match &r {
            Ok(id) => {
                let mut q = self.queries.lock().unwrap_or_else(PoisonError::into_inner);
                q.insert(id.clone(), (query.clone(), QueryResults::default()));
            }
            Err(e) => self.record_error("start_query", "", e),
        }
        r
    }

    async fn query_results(
        &self,
        query_id: &str,
        next_token: Option<&str>,
    ) -> Result<QueryResults, SourceError> {
        let r = self.inner.query_results(query_id, next_token).await;
        if let Ok(res) = &r {
            let done = {
                let mut q = self.queries.lock().unwrap_or_else(PoisonError::into_inner);
                let finished = match q.get_mut(query_id) {
                    Some((_, acc)) if res.is_terminal() => {
                        acc.status = res.status.clone();
                        acc.records_matched = res.records_matched;
                        acc.rows.extend(res.rows.iter().cloned());
                        res.next_token.is_none()
                    }
                    _ => false,
                };
                if finished {
                    q.remove(query_id)
                } else {
                    None
                }
            };
            if let Some((query, results)) = done {
                self.with(|i| i.insights.push(RecordedQuery { query, results }));
            }
        }
        r
    }
}
