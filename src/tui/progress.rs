//! A [`Source`] wrapper that reports each call as it starts and ends, so the dashboard shows
//! progress while data arrives without the commands knowing about it.
//!
//! It must forward every method, the provided ones too: a method left to the trait's default
//! would answer "unsupported" for the wrapped source. A new `Source` method needs a line here
//! (the test below calls each through the wrapper).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;

use super::event::{AppEvent, Event};
use super::panels::PanelId;
use crate::model::{
    AccountConcurrency, ApiSummary, Authorizer, FunctionConfig, InsightsQuery, LambdaFunction,
    LogFilter, LogPage, MetricQuery, ProvisionedConfig, QueryResults, Route, Series, StageInfo,
    UsagePlan, Window,
};
use crate::source::{Source, SourceError};

/// Forwards to `inner`, sending [`AppEvent::Call`] before and after every call.
pub struct ProgressSource {
    pub inner: Arc<dyn Source>,
    pub panel: PanelId,
    pub gen: u64,
    pub tx: UnboundedSender<Event>,
}

impl ProgressSource {
    fn send(&self, call: &'static str, done: bool) {
        let _ = self.tx.send(Event::App(AppEvent::Call {
            panel: self.panel,
            gen: self.gen,
            call,
            done,
        }));
    }

    async fn around<T>(&self, call: &'static str, f: impl std::future::Future<Output = T>) -> T {
        self.send(call, false);
        let r = f.await;
        self.send(call, true);
        r
    }
}

#[async_trait]
impl Source for ProgressSource {
    fn region(&self) -> String {
        self.inner.region()
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.now()
    }

    async fn list_apis(&self) -> Result<Vec<ApiSummary>, SourceError> {
        self.around("APIs", self.inner.list_apis()).await
    }

    async fn stages(&self, api: &ApiSummary) -> Result<Vec<StageInfo>, SourceError> {
        self.around("stages", self.inner.stages(api)).await
    }

    async fn routes(&self, api: &ApiSummary) -> Result<Vec<Route>, SourceError> {
        self.around("routes", self.inner.routes(api)).await
    }

    async fn authorizers(&self, api: &ApiSummary) -> Result<Vec<Authorizer>, SourceError> {
        self.around("authorizers", self.inner.authorizers(api))
            .await
    }

    async fn list_functions(&self) -> Result<Vec<LambdaFunction>, SourceError> {
        self.around("functions", self.inner.list_functions()).await
    }

    async fn account_concurrency(&self) -> Result<AccountConcurrency, SourceError> {
        self.around("account settings", self.inner.account_concurrency())
            .await
    }

    async fn reserved_concurrency(&self, function: &str) -> Result<Option<i64>, SourceError> {
        self.around("concurrency", self.inner.reserved_concurrency(function))
            .await
    }

    async fn provisioned_concurrency(
        &self,
        function: &str,
    ) -> Result<Vec<ProvisionedConfig>, SourceError> {
        self.around("concurrency", self.inner.provisioned_concurrency(function))
            .await
    }

    async fn usage_plans(&self) -> Result<Vec<UsagePlan>, SourceError> {
        self.around("usage plans", self.inner.usage_plans()).await
    }

    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, SourceError> {
        self.around("log groups", self.inner.log_groups(prefix))
            .await
    }

    async fn metric_data(
        &self,
        queries: &[MetricQuery],
        window: Window,
    ) -> Result<Vec<Series>, SourceError> {
        self.around("metrics", self.inner.metric_data(queries, window))
            .await
    }

    async fn function_config(&self, name: &str) -> Result<FunctionConfig, SourceError> {
        self.around("functions", self.inner.function_config(name))
            .await
    }

    async fn filter_log_events(
        &self,
        filter: &LogFilter,
        next_token: Option<&str>,
    ) -> Result<LogPage, SourceError> {
        self.around("logs", self.inner.filter_log_events(filter, next_token))
            .await
    }

    async fn start_query(&self, query: &InsightsQuery) -> Result<String, SourceError> {
        self.around("Logs Insights", self.inner.start_query(query))
            .await
    }

    async fn query_results(
        &self,
        query_id: &str,
        next_token: Option<&str>,
    ) -> Result<QueryResults, SourceError> {
        self.around(
            "Logs Insights",
            self.inner.query_results(query_id, next_token),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers every call with an error naming the method, so a call that reached it is
    /// told apart from the trait's defaults ("unsupported", "not recorded").
    struct Stub;

    fn stub<T>(method: &str) -> Result<T, SourceError> {
        Err(SourceError::NotFound {
            what: format!("stub {method}"),
        })
    }

    #[async_trait]
    impl Source for Stub {
        fn region(&self) -> String {
            "stub-region".into()
        }
        fn now(&self) -> DateTime<Utc> {
            DateTime::<Utc>::MIN_UTC
        }
        async fn list_apis(&self) -> Result<Vec<ApiSummary>, SourceError> {
            stub("list_apis")
        }
        async fn stages(&self, _: &ApiSummary) -> Result<Vec<StageInfo>, SourceError> {
            stub("stages")
        }
        async fn routes(&self, _: &ApiSummary) -> Result<Vec<Route>, SourceError> {
            stub("routes")
        }
        async fn authorizers(&self, _: &ApiSummary) -> Result<Vec<Authorizer>, SourceError> {
            stub("authorizers")
        }
        async fn list_functions(&self) -> Result<Vec<LambdaFunction>, SourceError> {
            stub("list_functions")
        }
        async fn account_concurrency(&self) -> Result<AccountConcurrency, SourceError> {
            stub("account_concurrency")
        }
        async fn reserved_concurrency(&self, _: &str) -> Result<Option<i64>, SourceError> {
            stub("reserved_concurrency")
        }
        async fn provisioned_concurrency(
            &self,
            _: &str,
        ) -> Result<Vec<ProvisionedConfig>, SourceError> {
            stub("provisioned_concurrency")
        }
        async fn usage_plans(&self) -> Result<Vec<UsagePlan>, SourceError> {
            stub("usage_plans")
        }
        async fn metric_data(
            &self,
            _: &[MetricQuery],
            _: Window,
        ) -> Result<Vec<Series>, SourceError> {
            stub("metric_data")
        }
        async fn function_config(&self, _: &str) -> Result<FunctionConfig, SourceError> {
            stub("function_config")
        }
        async fn filter_log_events(
            &self,
            _: &LogFilter,
            _: Option<&str>,
        ) -> Result<LogPage, SourceError> {
            stub("filter_log_events")
        }
        async fn log_groups(&self, _: &str) -> Result<Vec<String>, SourceError> {
            stub("log_groups")
        }
        async fn start_query(&self, _: &InsightsQuery) -> Result<String, SourceError> {
            stub("start_query")
        }
        async fn query_results(
            &self,
            _: &str,
            _: Option<&str>,
        ) -> Result<QueryResults, SourceError> {
            stub("query_results")
        }
    }

    fn reached<T: std::fmt::Debug>(r: Result<T, SourceError>, method: &str) {
        match r {
            Err(SourceError::NotFound { what }) if what == format!("stub {method}") => {}
            other => panic!("{method} did not reach the wrapped source: {other:?}"),
        }
    }

    #[tokio::test]
    async fn every_method_reaches_the_wrapped_source_and_reports_progress() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let p = ProgressSource {
            inner: Arc::new(Stub),
            panel: PanelId::Latency,
            gen: 7,
            tx,
        };
        let api = ApiSummary {
            id: "a".into(),
            name: "a".into(),
            kind: crate::model::ApiKind::Rest,
        };
        let t = DateTime::<Utc>::MIN_UTC;
        let window = Window { start: t, end: t };
        assert_eq!(p.region(), "stub-region");
        assert_eq!(p.now(), t);
        reached(p.list_apis().await, "list_apis");
        reached(p.stages(&api).await, "stages");
        reached(p.routes(&api).await, "routes");
        reached(p.authorizers(&api).await, "authorizers");
        reached(p.list_functions().await, "list_functions");
        reached(p.account_concurrency().await, "account_concurrency");
        reached(p.reserved_concurrency("f").await, "reserved_concurrency");
        reached(
            p.provisioned_concurrency("f").await,
            "provisioned_concurrency",
        );
        reached(p.usage_plans().await, "usage_plans");
        reached(p.metric_data(&[], window).await, "metric_data");
        reached(p.function_config("f").await, "function_config");
        let filter = LogFilter {
            group: "g".into(),
            pattern: String::new(),
            window,
        };
        reached(
            p.filter_log_events(&filter, None).await,
            "filter_log_events",
        );
        reached(p.log_groups("/aws").await, "log_groups");
        let q = InsightsQuery {
            groups: vec!["g".into()],
            query: String::new(),
            window,
            limit: 1,
        };
        reached(p.start_query(&q).await, "start_query");
        reached(p.query_results("q", None).await, "query_results");
        let mut events = 0;
        while let Ok(Event::App(AppEvent::Call { gen, .. })) = rx.try_recv() {
            assert_eq!(gen, 7);
            events += 1;
        }
        assert_eq!(events, 2 * 15, "a start and an end per call");
    }
}
