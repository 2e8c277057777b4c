//! The check registry and the contract every check follows: a check is a pure function from
//! [`Observations`] (already gathered, no I/O, no clock) to findings.
//!
//! Computed checks live one per file here and their doc comment is the user documentation
//! (`gwdoctor explain <id>`). Threshold and log-pattern checks are declarative TOML files in
//! the repository's `checks/` folder, embedded at build time ([`declarative`]); users can add
//! their own with `--checks-dir`.

pub mod apigw_backend_latency;
pub mod apigw_client_path_latency;
pub mod apigw_gateway_overhead;
pub mod cold_start_model;
pub mod declarative;
pub mod lambda_cold_start_spike;
pub mod lambda_init_failure;
pub mod lambda_memory_at_limit;
pub mod lambda_runtime_version_change;
pub mod latency_model;
pub mod tls_backend;
pub mod trace_checks;
// `gwdoctor throttles`: the model and one file per check.
pub mod apigw_account_throttling;
pub mod apigw_stage_throttling;
pub mod apigw_usage_plan_throttling;
pub mod lambda_account_concurrency;
pub mod lambda_provisioned_spillover;
pub mod lambda_reserved_concurrency;
pub mod lambda_scaling_rate;
pub mod throttle_model;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::model::{
    ApiSummary, Authorizer, FunctionRef, MetricQuery, Point, Route, StageInfo, Window,
};

/// Data a check needs; the engine gathers each need once for all checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// API Gateway stage metrics (Latency, IntegrationLatency, Count, errors).
    ApiMetrics,
    /// Lambda metrics of the functions behind the API.
    LambdaMetrics,
    /// The API's resources, methods and integrations.
    Routes,
    /// The API's authorizers.
    Authorizers,
    /// Lambda log events.
    LambdaLogs,
}

impl Need {
    pub fn describe(self) -> &'static str {
        match self {
            Need::ApiMetrics => "API Gateway metrics (CloudWatch)",
            Need::LambdaMetrics => "Lambda metrics (CloudWatch)",
            Need::Routes => "API resources, methods and integrations",
            Need::Authorizers => "API authorizers",
            Need::LambdaLogs => "Lambda logs (CloudWatch Logs)",
        }
    }
}

/// What `gwdoctor checks` lists and `gwdoctor explain` prints.
#[derive(Debug, Clone, Serialize)]
pub struct CheckInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub needs: Vec<Need>,
    /// IAM actions the data behind it requires (for least-privilege policies and for
    /// AccessDenied messages).
    pub iam_actions: Vec<String>,
    /// Commands that run it.
    pub commands: Vec<String>,
    /// `builtin` (Rust), `declarative` (TOML shipped with gwdoctor) or the path of a user file.
    pub origin: String,
    /// Markdown documentation: What it checks / Why it matters / How to fix / Data used.
    pub docs: String,
}

/// What a check decided.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckOutcome {
    Findings(Vec<Finding>),
    /// It could not decide; the reason says why and what to do.
    Skipped(String),
}

impl From<Vec<Finding>> for CheckOutcome {
    fn from(f: Vec<Finding>) -> Self {
        CheckOutcome::Findings(f)
    }
}

/// A diagnosis step.
pub trait Check: Send + Sync {
    fn info(&self) -> CheckInfo;
    /// Pure: no I/O and no clock (`obs.now` is the only "now").
    fn run(&self, obs: &Observations) -> CheckOutcome;
}

/// Something gathered, or why it is not there.
#[derive(Debug, Clone, PartialEq)]
pub enum Gathered<T> {
    Ready(T),
    /// Could not be read; the reason is operator-facing (e.g. names the IAM action).
    Unavailable(String),
}

impl<T> Gathered<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Gathered::Ready(t) => Some(t),
            Gathered::Unavailable(_) => None,
        }
    }
}

/// All metric series of a run, looked up by query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricSet {
    series: HashMap<MetricQuery, Vec<Point>>,
}

impl MetricSet {
    pub fn insert(&mut self, q: MetricQuery, points: Vec<Point>) {
        self.series.insert(q, points);
    }

    /// The points of a query (empty when CloudWatch had none).
    pub fn get(&self, q: &MetricQuery) -> &[Point] {
        self.series.get(q).map_or(&[], Vec::as_slice)
    }
}

/// Thresholds and user-supplied figures, from flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// A minute is slow when Latency (at `stat`) reaches this.
    pub slow_ms: f64,
    /// Gateway overhead (Latency − IntegrationLatency) that is worth a finding.
    pub overhead_ms: f64,
    /// How far the client's figure must exceed API Gateway's slowest request.
    pub client_gap_ms: f64,
    /// The latency the client measured (`--client-ms`).
    pub client_ms: Option<f64>,
    /// Statistic the verdict reasons on (`p99` by default).
    pub stat: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            slow_ms: 1000.0,
            overhead_ms: 200.0,
            client_gap_ms: 500.0,
            client_ms: None,
            stat: "p99".into(),
        }
    }
}

/// The API under diagnosis and what was learnt about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiContext {
    pub api: ApiSummary,
    /// The stages being diagnosed (all, or the one `--stage` named).
    pub stages: Vec<StageInfo>,
    pub routes: Gathered<Vec<Route>>,
    pub authorizers: Gathered<Vec<Authorizer>>,
    /// Distinct Lambda functions behind the routes.
    pub functions: Vec<FunctionRef>,
}

/// Everything checks may read. Filled by a command's gatherer; checks never do I/O.
#[derive(Debug, Clone, PartialEq)]
pub struct Observations {
    pub now: DateTime<Utc>,
    pub window: Window,
    pub period_s: u32,
    /// The API under diagnosis; `None` when a command looks at functions alone
    /// (`cold-starts --function`, `--log-file`).
    pub api: Option<ApiContext>,
    pub metrics: Gathered<MetricSet>,
    /// What the log-reading commands read from the functions' logs.
    pub logs: Gathered<crate::logs::LogDigest>,
    pub settings: Settings,
}

impl Observations {
    /// The reason log data is missing, for commands that do not read logs.
    pub const NO_LOGS: &'static str = "this command does not read Lambda logs";

    /// The id of the API under diagnosis (empty without one).
    pub fn api_id(&self) -> &str {
        self.api.as_ref().map_or("", |a| a.api.id.as_str())
    }
}

/// Declares a computed check: the doc comment becomes `CheckInfo::docs`, so
/// `gwdoctor explain` prints exactly what the developer wrote above the code (ruff's rule).
#[macro_export]
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])+
        pub struct $name:ident {
            id: $id:literal,
            title: $title:literal,
            severity: $sev:ident,
            needs: [$($need:ident),* $(,)?],
            iam: [$($iam:literal),* $(,)?],
            commands: [$($cmd:literal),* $(,)?] $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        pub struct $name;

        impl $name {
            pub const ID: &'static str = $id;
            pub const TITLE: &'static str = $title;
            pub fn info() -> $crate::checks::CheckInfo {
                $crate::checks::CheckInfo {
                    id: $id.into(),
                    title: $title.into(),
                    severity: $crate::finding::Severity::$sev,
                    needs: vec![$($crate::checks::Need::$need),*],
                    iam_actions: vec![$($iam.to_string()),*],
                    commands: vec![$($cmd.to_string()),*],
                    origin: "builtin".into(),
                    docs: $crate::checks::strip_doc(concat!($($doc, "\n"),+)),
                }
            }
        }
    };
}

/// `///` comments keep one leading space per line; drop it.
pub fn strip_doc(raw: &str) -> String {
    raw.lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Every check: computed ones, then the declarative ones shipped with gwdoctor, then the
/// user's (`extra`).
pub fn registry(extra: Vec<declarative::DeclarativeCheck>) -> Vec<Box<dyn Check>> {
    let mut all: Vec<Box<dyn Check>> = vec![
        Box::new(apigw_backend_latency::ApigwBackendLatency),
        Box::new(apigw_gateway_overhead::ApigwGatewayOverhead),
        Box::new(apigw_client_path_latency::ApigwClientPathLatency),
        Box::new(lambda_cold_start_spike::LambdaColdStartSpike),
        Box::new(lambda_memory_at_limit::LambdaMemoryAtLimit),
        Box::new(lambda_init_failure::LambdaInitFailure),
        Box::new(lambda_runtime_version_change::LambdaRuntimeVersionChange),
    ];
    for d in declarative::builtin() {
        all.push(Box::new(d));
    }
    for d in extra {
        all.push(Box::new(d));
    }
    all
}

/// Every check's catalogue entry: the registry's checks plus those judged outside it (TLS,
/// throttling).
pub fn catalog(all: &[Box<dyn Check>]) -> Vec<CheckInfo> {
    let mut v: Vec<CheckInfo> = all.iter().map(|c| c.info()).collect();
    v.extend(tls_backend::catalog());
    v.extend(throttle_model::catalog());
    v.extend(trace_checks::catalog());
    v
}

/// Old id → new id, so runbooks keep working after a rename.
pub static REDIRECTS: &[(&str, &str)] = &[];

/// Finds a check by id (following redirects).
pub fn find<'a>(all: &'a [Box<dyn Check>], id: &str) -> Option<&'a dyn Check> {
    let id = REDIRECTS
        .iter()
        .find(|(old, _)| *old == id)
        .map_or(id, |(_, new)| new);
    all.iter().find(|c| c.info().id == id).map(|c| c.as_ref())
}
