//! The data seam: everything gwdoctor reads from the outside world goes through [`Source`],
//! which returns the project's own types. [`aws::AwsSource`] is the only code that knows SDK
//! types; [`replay::ReplaySource`] answers from an incident file; [`record::Recorder`] wraps a
//! source and writes what it answered into such a file.

pub mod aws;
pub mod record;
pub mod replay;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{
    ApiSummary, Authorizer, FunctionConfig, InsightsQuery, LogFilter, LogPage, MetricQuery,
    QueryResults, Route, Series, StageInfo, Window,
};

/// Everything gwdoctor reads, as its own types. Implementations must be cheap to share
/// (`Arc<dyn Source>`) because the dashboard runs checks from spawned tasks.
#[async_trait]
pub trait Source: Send + Sync {
    /// The region the data is read from.
    fn region(&self) -> String;
    /// "Now" for this source: the wall clock when live, the incident's time when replaying, so
    /// `--since 1h` means the hour before the incident.
    fn now(&self) -> DateTime<Utc>;
    /// REST and HTTP APIs of the region.
    async fn list_apis(&self) -> Result<Vec<ApiSummary>, SourceError>;
    /// The API's deployed stages.
    async fn stages(&self, api: &ApiSummary) -> Result<Vec<StageInfo>, SourceError>;
    /// Resources × methods (REST) or routes (HTTP), each with its integration.
    async fn routes(&self, api: &ApiSummary) -> Result<Vec<Route>, SourceError>;
    /// The API's authorizers.
    async fn authorizers(&self, api: &ApiSummary) -> Result<Vec<Authorizer>, SourceError>;

    // ---- `gwdoctor throttles`: Lambda concurrency and API Gateway usage plans ----------
    // Provided methods answer "unsupported" so a source written for other commands still
    // compiles; the AWS, replay and record sources implement all of them.

    /// Every Lambda function of the region (`lambda:ListFunctions`, all pages).
    async fn list_functions(&self) -> Result<Vec<crate::model::LambdaFunction>, SourceError> {
        Err(unsupported("lambda:ListFunctions"))
    }
    /// The region's concurrency limit and unreserved pool (`lambda:GetAccountSettings`).
    async fn account_concurrency(&self) -> Result<crate::model::AccountConcurrency, SourceError> {
        Err(unsupported("lambda:GetAccountSettings"))
    }
    /// A function's reserved concurrency (`lambda:GetFunctionConcurrency`): `None` when
    /// none is set, `Some(0)` when the function is switched off.
    async fn reserved_concurrency(&self, function: &str) -> Result<Option<i64>, SourceError> {
        let _ = function;
        Err(unsupported("lambda:GetFunctionConcurrency"))
    }
    /// A function's provisioned-concurrency configurations
    /// (`lambda:ListProvisionedConcurrencyConfigs`, all pages); empty when none.
    async fn provisioned_concurrency(
        &self,
        function: &str,
    ) -> Result<Vec<crate::model::ProvisionedConfig>, SourceError> {
        let _ = function;
        Err(unsupported("lambda:ListProvisionedConcurrencyConfigs"))
    }
    /// Every REST API usage plan of the region (`apigateway:GET /usageplans`).
    async fn usage_plans(&self) -> Result<Vec<crate::model::UsagePlan>, SourceError> {
        Err(unsupported("apigateway:GET"))
    }
    // ---- end of `gwdoctor throttles` reads ----------------------------------------------
    /// One series per query, in the same order, over `window`. Implementations batch: the
    /// whole slice should cost as few `GetMetricData` calls as the 500-query limit allows.
    async fn metric_data(
        &self,
        queries: &[MetricQuery],
        window: Window,
    ) -> Result<Vec<Series>, SourceError>;
    /// A Lambda function's configuration (`lambda:GetFunctionConfiguration`): its log group
    /// and log format, memory, timeout, runtime. Unknown function: [`SourceError::NotFound`].
    async fn function_config(&self, name: &str) -> Result<FunctionConfig, SourceError>;
    /// One page of `FilterLogEvents` (`logs:FilterLogEvents`). Pages may be empty and still
    /// carry a token; callers follow `next_token` until it is absent. Throttling comes back
    /// as [`SourceError::Throttled`] for the caller to back off and retry the same page.
    async fn filter_log_events(
        &self,
        filter: &LogFilter,
        next_token: Option<&str>,
    ) -> Result<LogPage, SourceError>;
    /// Names of the log groups starting with `prefix` (`logs:DescribeLogGroups`), e.g. every
    /// API Gateway execution-log group of the region.
    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, SourceError> {
        Err(SourceError::NotRecorded {
            what: format!("the log groups named {prefix}*"),
        })
    }
    /// Starts a Logs Insights query (`logs:StartQuery`); returns its id.
    async fn start_query(&self, query: &InsightsQuery) -> Result<String, SourceError>;
    /// The status and one page of rows of a query (`logs:GetQueryResults`).
    async fn query_results(
        &self,
        query_id: &str,
        next_token: Option<&str>,
    ) -> Result<QueryResults, SourceError>;
}

/// Why a source could not answer. Each variant is something an operator can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SourceError {
    /// The caller's IAM policy does not allow `action`.
    #[error(
        "access denied: the credentials in use may not call {action}{}",
        resource_suffix(resource)
    )]
    AccessDenied { action: String, resource: String },
    /// No credentials could be found, or AWS rejected them.
    #[error("{message}")]
    NoCredentials { message: String },
    /// The thing asked for does not exist.
    #[error("not found: {what}")]
    NotFound { what: String },
    /// AWS kept throttling the call after retries.
    #[error("throttled by AWS while calling {action}; retry in a minute or narrow the window")]
    Throttled { action: String },
    /// Could not reach the endpoint, or it did not answer in time.
    #[error("network: {message}")]
    Network { message: String },
    /// Any other service error, with AWS's code and message.
    #[error("{action} failed: {code}: {message}")]
    Service {
        action: String,
        code: String,
        message: String,
    },
    /// A replay file lacks what the run asked for.
    #[error("not in the recording: {what}")]
    NotRecorded { what: String },
}

fn resource_suffix(resource: &str) -> String {
    if resource.is_empty() {
        String::new()
    } else {
        format!(" on {resource}")
    }
}

/// What a [`Source`] that cannot answer a `gwdoctor throttles` read returns.
fn unsupported(action: &str) -> SourceError {
    SourceError::Service {
        action: action.into(),
        code: "Unsupported".into(),
        message: "this data source cannot answer this call".into(),
    }
}

impl SourceError {
    /// Errors that end the whole run rather than skipping one check: without credentials or
    /// a network nothing else will work either, so say it once, clearly.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            SourceError::NoCredentials { .. } | SourceError::Network { .. }
        )
    }

    /// Errors worth retrying after a pause (throttling); recordings leave them out because a
    /// retry followed them.
    pub fn is_transient(&self) -> bool {
        matches!(self, SourceError::Throttled { .. })
    }
}
