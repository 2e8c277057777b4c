//! gwdoctor's own view of the AWS world: APIs, stages, routes, functions, metric queries and
//! series. The `Source` returns these; checks read them. No SDK types ever appear here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// REST APIs (API Gateway v1) and HTTP APIs (v2) differ in metric dimensions and names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApiKind {
    Rest,
    Http,
}

impl ApiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKind::Rest => "rest",
            ApiKind::Http => "http",
        }
    }
}

/// An API as listed by GetRestApis / GetApis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSummary {
    pub id: String,
    pub name: String,
    pub kind: ApiKind,
}

/// Per-method (REST) or per-route (HTTP) stage settings that matter for diagnosis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_trace_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<i64>,
}

/// A deployed stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageInfo {
    pub name: String,
    /// Keyed as AWS keys them: `*/*` for the stage default, `orders/GET` for one method (REST);
    /// `$default` / route keys for HTTP APIs.
    #[serde(default)]
    pub method_settings: Vec<(String, MethodSettings)>,
    #[serde(default)]
    pub variables: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_destination: Option<String>,
    /// The access-log format (`$context.*` variables), when access logging is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_format: Option<String>,
    #[serde(default)]
    pub tracing_enabled: bool,
}

impl StageInfo {
    /// True when per-method (REST) or per-route (HTTP) metrics are on anywhere in the stage.
    pub fn detailed_metrics(&self) -> bool {
        self.method_settings
            .iter()
            .any(|(_, s)| s.metrics_enabled == Some(true))
    }
}

/// How a method reaches its backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// `AWS_PROXY`, `AWS`, `HTTP`, `HTTP_PROXY`, `MOCK`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<i64>,
    /// Content types that have a request mapping template (VTL): work API Gateway does on
    /// every request.
    #[serde(default)]
    pub request_templates: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_insecure_skip_verification: Option<bool>,
}

/// A resource + method (REST) or a route (HTTP), with what it calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// `GET`, `POST`, `ANY`…
    pub method: String,
    /// `/orders/{id}` (REST resource path) or the HTTP route path.
    pub path: String,
    /// REST resource id (used nowhere in metrics, kept for evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// `NONE`, `AWS_IAM`, `CUSTOM`, `COGNITO_USER_POOLS`, `JWT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<Integration>,
}

impl Route {
    /// `GET /orders`, the HTTP API route key form (also how REST methods are shown).
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// An authorizer configured on the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    /// `TOKEN`, `REQUEST`, `COGNITO_USER_POOLS` (REST); `REQUEST`, `JWT` (HTTP).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// 0 means the authorizer runs on every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_ttl_s: Option<i64>,
}

impl Authorizer {
    /// Lambda authorizers add a Lambda invocation (and its cold starts) in front of requests.
    pub fn is_lambda(&self) -> bool {
        matches!(self.kind.as_str(), "TOKEN" | "REQUEST")
            && self.uri.as_deref().is_some_and(|u| u.contains(":lambda:"))
    }
}

/// A Lambda function referenced by an integration URI.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FunctionRef {
    pub name: String,
    /// Alias or version from the ARN (`orders-fn:live`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
}

/// Extracts the function from a Lambda integration URI or a plain function ARN.
///
/// REST URIs look like `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/<fn-arn>/invocations`;
/// HTTP APIs may hold the bare function ARN. Stage variables (`${stageVariables.fn}`) are
/// substituted from `vars` when present, because that is how teams point stages at aliases.
pub fn function_from_uri(uri: &str, vars: &[(String, String)]) -> Option<FunctionRef> {
    let mut uri = uri.to_string();
    for (k, v) in vars {
        uri = uri.replace(&format!("${{stageVariables.{k}}}"), v);
    }
    let arn = match uri.find("functions/") {
        Some(i) => {
            let rest = &uri[i + "functions/".len()..];
            rest.split("/invocations").next().unwrap_or(rest)
        }
        None if uri.starts_with("arn:") && uri.contains(":function:") => uri.as_str(),
        None => return None,
    };
    if arn.contains("${") {
        return None;
    }
    // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]; a bare name is allowed too.
    let tail = match arn.find(":function:") {
        Some(i) => &arn[i + ":function:".len()..],
        None if !arn.contains(':') => arn,
        None => return None,
    };
    let mut parts = tail.splitn(2, ':');
    let name = parts.next()?.to_string();
    if name.is_empty() {
        return None;
    }
    let qualifier = parts.next().map(str::to_string).filter(|q| !q.is_empty());
    Some(FunctionRef { name, qualifier })
}

// ---- Lambda concurrency and API Gateway usage plans (`gwdoctor throttles`) ----------------

/// A Lambda function as `ListFunctions` lists it (the unqualified function).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LambdaFunction {
    pub name: String,
}

/// The region's Lambda concurrency quota (`GetAccountSettings` → `AccountLimit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountConcurrency {
    /// `ConcurrentExecutions`: the most executions that may run at once in the region.
    pub limit: i64,
    /// `UnreservedConcurrentExecutions`: the limit minus every function's reserved
    /// concurrency, i.e. the pool functions without a reservation share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreserved: Option<i64>,
}

/// One provisioned-concurrency configuration of a function (an alias or a version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionedConfig {
    /// The alias or version it applies to (from the ARN's qualifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
    /// `IN_PROGRESS`, `READY`, `FAILED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl ProvisionedConfig {
    /// The concurrency this configuration actually holds ready (allocated, else requested).
    pub fn effective(&self) -> i64 {
        self.allocated.or(self.requested).unwrap_or(0).max(0)
    }
}

/// A request-rate limit: API Gateway's token bucket (steady rate per second, burst size).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThrottleLimit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst_limit: Option<i64>,
}

/// A usage plan's request quota (`limit` requests per `period`: `DAY`, `WEEK`, `MONTH`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageQuota {
    pub limit: i64,
    pub period: String,
}

/// A stage a usage plan applies to, with its per-method throttles (`/orders/GET` keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsagePlanStage {
    pub api_id: String,
    pub stage: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub method_throttles: Vec<(String, ThrottleLimit)>,
}

/// A REST API usage plan (`GetUsagePlans`): per-API-key throttle and quota.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub stages: Vec<UsagePlanStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<ThrottleLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<UsageQuota>,
}

// ---- end of `gwdoctor throttles` types ------------------------------------------------------

/// One metric + statistic to fetch. Dimensions are kept sorted so equal queries compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MetricQuery {
    pub namespace: String,
    pub name: String,
    pub dimensions: Vec<(String, String)>,
    /// `Maximum`, `Average`, `Sum`, `SampleCount`, `Minimum`, `p50`, `p99`…
    pub stat: String,
    pub period_s: u32,
}

impl MetricQuery {
    pub fn new(
        namespace: &str,
        name: &str,
        dims: &[(&str, &str)],
        stat: &str,
        period_s: u32,
    ) -> Self {
        let mut dimensions: Vec<(String, String)> = dims
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        dimensions.sort();
        MetricQuery {
            namespace: namespace.to_string(),
            name: name.to_string(),
            dimensions,
            stat: stat.to_string(),
            period_s,
        }
    }

    /// `AWS/ApiGateway Latency p99 {ApiName=orders-api, Stage=prod}` for messages.
    pub fn describe(&self) -> String {
        let dims: Vec<String> = self
            .dimensions
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "{} {} {} {{{}}}",
            self.namespace,
            self.name,
            self.stat,
            dims.join(", ")
        )
    }
}

/// A metric datapoint: the start of its period and the value. Serialized as a compact
/// `["2026-11-21T10:00:00Z", 123.4]` pair so incident files stay readable and hand-editable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "(DateTime<Utc>, f64)", into = "(DateTime<Utc>, f64)")]
pub struct Point {
    pub at: DateTime<Utc>,
    pub value: f64,
}

impl From<(DateTime<Utc>, f64)> for Point {
    fn from((at, value): (DateTime<Utc>, f64)) -> Self {
        Point { at, value }
    }
}

impl From<Point> for (DateTime<Utc>, f64) {
    fn from(p: Point) -> Self {
        (p.at, p.value)
    }
}

/// The answer to one query, points oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub query: MetricQuery,
    pub points: Vec<Point>,
}

/// A time window `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && t < self.end
    }
}

/// A Lambda function's configuration, as far as the log-reading commands need it
/// (`GetFunctionConfiguration`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionConfig {
    pub name: String,
    /// `LoggingConfig.LogGroup`, or `/aws/lambda/<name>` when the function has none.
    pub log_group: String,
    /// `LoggingConfig.LogFormat`: `Text` or `JSON`.
    pub log_format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// SnapStart is on for published versions (`SnapStart.ApplyOn = PublishedVersions`).
    #[serde(default)]
    pub snap_start: bool,
}

impl FunctionConfig {
    /// The default log group of a function (no `LoggingConfig.LogGroup`).
    pub fn default_log_group(name: &str) -> String {
        format!("/aws/lambda/{name}")
    }

    /// True when the function writes its platform lines as JSON (`LogFormat = JSON`).
    pub fn is_json(&self) -> bool {
        self.log_format.eq_ignore_ascii_case("json")
    }
}

/// One CloudWatch Logs event. Incident files keep it as
/// `{"timestamp": "2026-11-21T09:38:01.123Z", "stream": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEvent {
    pub timestamp: DateTime<Utc>,
    #[serde(default)]
    pub stream: String,
    pub message: String,
}

/// A `FilterLogEvents` request over one log group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogFilter {
    pub group: String,
    /// CloudWatch Logs filter pattern (empty: every event).
    pub pattern: String,
    pub window: Window,
}

/// One page of `FilterLogEvents`: pages may be empty and still carry a token.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogPage {
    pub events: Vec<LogEvent>,
    pub next_token: Option<String>,
}

/// A CloudWatch Logs Insights query (`StartQuery`): at most 50 log groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsightsQuery {
    pub groups: Vec<String>,
    pub query: String,
    pub window: Window,
    /// Row limit (Insights' default is 10,000).
    pub limit: u32,
}

/// One `GetQueryResults` answer: the status, this page of rows (each a list of
/// `(field, value)`), and the token of the next page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryResults {
    /// `Scheduled`, `Running`, `Complete`, `Failed`, `Cancelled`, `Timeout`, `Unknown`.
    pub status: String,
    #[serde(default)]
    pub rows: Vec<Vec<(String, String)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_matched: Option<f64>,
}

impl QueryResults {
    /// The query will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.status.as_str(),
            "Complete" | "Failed" | "Cancelled" | "Timeout" | "Unknown"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_from_rest_uri_with_alias() {
        let uri = "arn:aws:apigateway:eu-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-2:958845080241:function:log-test-1-EchoFunction-175HKORAF18IO:live/invocations";
        let f = function_from_uri(uri, &[]).unwrap();
        assert_eq!(f.name, "log-test-1-EchoFunction-175HKORAF18IO");
        assert_eq!(f.qualifier.as_deref(), Some("live"));
    }

    #[test]
    fn function_from_plain_arn_and_stage_variable() {
        let f =
            function_from_uri("arn:aws:lambda:us-east-1:123456789012:function:items", &[]).unwrap();
        assert_eq!(
            f,
            FunctionRef {
                name: "items".into(),
                qualifier: None
            }
        );
        let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders:${stageVariables.alias}/invocations";
        let vars = vec![("alias".to_string(), "prod".to_string())];
        assert_eq!(
            function_from_uri(uri, &vars).unwrap().qualifier.as_deref(),
            Some("prod")
        );
        // Unresolved variables are not guessed at.
        assert_eq!(function_from_uri(uri, &[]), None);
    }

    #[test]
    fn non_lambda_uri_has_no_function() {
        assert_eq!(
            function_from_uri("https://backend.example.com/orders", &[]),
            None
        );
        assert_eq!(
            function_from_uri("arn:aws:apigateway:us-east-1:sqs:path/123/q", &[]),
            None
        );
    }
}
