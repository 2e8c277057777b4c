//! The throttling model shared by the `throttles` checks and command: the metric queries, the
//! concurrency hunt (peak account concurrency, then functions ranked by estimated concurrency
//! over the six periods up to the peak), which limit throttled each function, the API Gateway
//! side (stage/method limits, usage plans, the account-level request rate) and the overall
//! cause. Pure functions only: the command gathers, this module reasons.
//!
//! The `throttles` checks are not [`Check`](super::Check)s over [`Observations`](super::Observations)
//! (that type is about one API's latency); they implement [`ThrottleCheck`] over
//! [`ThrottleObservations`] and are listed in the catalogue by [`catalog`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{CheckInfo, CheckOutcome, Gathered, MetricSet};
use crate::finding::CheckResult;
use crate::metrics::{self, APIGW, LAMBDA};
use crate::model::{
    AccountConcurrency, ApiKind, ApiSummary, MetricQuery, Point, ProvisionedConfig, Route,
    StageInfo, ThrottleLimit, UsagePlan, Window,
};

/// A minute is "at the limit" when concurrency reaches this share of it (per-minute Maximum
/// of a metric sampled within the minute, so a little headroom is normal).
pub const NEAR_LIMIT: f64 = 0.9;
/// A reserved function is "at its reservation" from this share of it.
pub const NEAR_RESERVATION: f64 = 0.8;
/// API Gateway traffic is "at a rate limit" from this share of it (per-minute averages hide
/// the bursts the token bucket refuses).
pub const NEAR_RATE: f64 = 0.8;
/// Periods (minutes) ranked before and including the peak.
pub const RANK_PERIODS: i64 = 6;
/// At most this many functions get their configuration read (reserved, provisioned): Lambda's
/// control-plane APIs share 15 requests per second per account and region, and gwdoctor
/// paces itself to 10 (see `source::aws`).
pub const CONFIG_READ_CAP: usize = 30;
/// API Gateway's default account-level throttle (requests per second, per region).
pub const APIGW_ACCOUNT_RPS: f64 = 10_000.0;

/// The account-level API Gateway rate for a region: 2,500 rps in Africa (Cape Town) and Europe
/// (Milan), 10,000 elsewhere (API Gateway quotas; raised accounts pass `--apigw-account-rps`).
pub fn default_apigw_account_rps(region: &str) -> f64 {
    match region {
        "af-south-1" | "eu-south-1" => 2_500.0,
        _ => APIGW_ACCOUNT_RPS,
    }
}

// ------------------------------------------------------------------------------ queries

fn fq(name: &str, function: &str, stat: &str, period_s: u32) -> MetricQuery {
    MetricQuery::new(LAMBDA, name, &[("FunctionName", function)], stat, period_s)
}

/// Account-wide (no dimension) Lambda metrics.
pub fn q_account_concurrency(period_s: u32) -> MetricQuery {
    MetricQuery::new(LAMBDA, "ConcurrentExecutions", &[], "Maximum", period_s)
}
pub fn q_account_unreserved(period_s: u32) -> MetricQuery {
    MetricQuery::new(
        LAMBDA,
        "UnreservedConcurrentExecutions",
        &[],
        "Maximum",
        period_s,
    )
}
pub fn q_throttles(f: &str, p: u32) -> MetricQuery {
    fq("Throttles", f, "Sum", p)
}
pub fn q_invocations(f: &str, p: u32) -> MetricQuery {
    fq("Invocations", f, "Sum", p)
}
pub fn q_duration(f: &str, p: u32) -> MetricQuery {
    fq("Duration", f, "Average", p)
}
pub fn q_concurrency(f: &str, p: u32) -> MetricQuery {
    fq("ConcurrentExecutions", f, "Maximum", p)
}
pub fn q_spillover(f: &str, p: u32) -> MetricQuery {
    fq("ProvisionedConcurrencySpilloverInvocations", f, "Sum", p)
}
pub fn q_provisioned_invocations(f: &str, p: u32) -> MetricQuery {
    fq("ProvisionedConcurrencyInvocations", f, "Sum", p)
}

/// The first batch: the account-wide concurrency series (`ConcurrentExecutions` and
/// `UnreservedConcurrentExecutions`, Maximum, no dimension) and, for every function, what the
/// hunt ranks on
/// (`Throttles` Sum, `Invocations` Sum, `Duration` Average).
pub fn hunt_queries(functions: &[String], period_s: u32) -> Vec<MetricQuery> {
    let mut q = vec![
        q_account_concurrency(period_s),
        q_account_unreserved(period_s),
    ];
    for f in functions {
        q.push(q_throttles(f, period_s));
        q.push(q_invocations(f, period_s));
        q.push(q_duration(f, period_s));
    }
    q
}

/// The second batch, for the functions that matter only: `ConcurrentExecutions` Maximum and
/// the provisioned-concurrency invocations (spill-over and served).
pub fn detail_queries(functions: &[String], period_s: u32) -> Vec<MetricQuery> {
    functions
        .iter()
        .flat_map(|f| {
            [
                q_concurrency(f, period_s),
                q_spillover(f, period_s),
                q_provisioned_invocations(f, period_s),
            ]
        })
        .collect()
}

fn api_level_dims(api: &ApiSummary) -> Vec<(String, String)> {
    match api.kind {
        ApiKind::Rest => vec![("ApiName".into(), metrics::rest_api_name_dimension(api))],
        ApiKind::Http => vec![("ApiId".into(), api.id.clone())],
    }
}

pub fn q_stage(side: &ApiSide, stage: &str, logical: &str, p: u32) -> MetricQuery {
    let name = metrics::apigw_metric_name(side.api.kind, logical);
    metrics::query(
        APIGW,
        &name,
        &metrics::stage_dims(&side.api, stage),
        "Sum",
        p,
    )
}

pub fn q_route(
    side: &ApiSide,
    stage: &StageInfo,
    route: &Route,
    logical: &str,
    p: u32,
) -> MetricQuery {
    let name = metrics::apigw_metric_name(side.api.kind, logical);
    metrics::query(
        APIGW,
        &name,
        &metrics::route_dims(&side.api, &stage.name, route),
        "Sum",
        p,
    )
}

pub fn q_api_count(api: &ApiSummary, p: u32) -> MetricQuery {
    metrics::query(APIGW, "Count", &api_level_dims(api), "Sum", p)
}

/// The API side: per stage `Count`, 4XX and 5XX (Sum), per route `Count` and 4XX where
/// detailed metrics are on, and `Count` of every API of the region (the account-level rate).
pub fn api_queries(side: &ApiSide, period_s: u32) -> Vec<MetricQuery> {
    let mut q = Vec::new();
    for st in &side.stages {
        for logical in ["Count", "4XXError", "5XXError"] {
            q.push(q_stage(side, &st.name, logical, period_s));
        }
        if st.detailed_metrics() {
            if let Gathered::Ready(routes) = &side.routes {
                for r in routes {
                    q.push(q_route(side, st, r, "Count", period_s));
                    q.push(q_route(side, st, r, "4XXError", period_s));
                }
            }
        }
    }
    for a in &side.region_apis {
        q.push(q_api_count(a, period_s));
    }
    let mut seen = BTreeSet::new();
    q.retain(|x| seen.insert(x.clone()));
    q
}

// ------------------------------------------------------------------------------ inputs

/// What is known about a function's reserved concurrency.
#[derive(Debug, Clone, PartialEq)]
pub enum Reservation {
    /// `GetFunctionConcurrency` answered (`None`: no reservation).
    Read(Option<i64>),
    /// Not asked, because it cannot have one: the account's reserved total
    /// (limit − unreserved) was already accounted for by other functions, and the function
    /// ran whenever it was throttled (a reservation of 0 runs nothing).
    InferredNone,
    /// Not read (not among the functions that matter, or over the read cap).
    NotRead,
    /// The call failed; the reason names the IAM action.
    Failed(String),
}

impl Reservation {
    pub fn value(&self) -> Option<i64> {
        match self {
            Reservation::Read(v) => *v,
            _ => None,
        }
    }
}

/// What is known about a function's provisioned concurrency.
#[derive(Debug, Clone, PartialEq)]
pub enum Provisioned {
    /// `ListProvisionedConcurrencyConfigs` answered.
    Read(Vec<ProvisionedConfig>),
    /// Not asked: no provisioned-concurrency invocation or spill-over in the window, so none
    /// served (or missed) traffic.
    NotInUse,
    NotRead,
    Failed(String),
}

impl Provisioned {
    /// The provisioned concurrency the function holds (sum over aliases/versions), if read
    /// and any.
    pub fn total(&self) -> Option<i64> {
        match self {
            Provisioned::Read(c) if !c.is_empty() => Some(c.iter().map(|x| x.effective()).sum()),
            _ => None,
        }
    }
}

/// A function's configured limits.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionLimits {
    pub reserved: Reservation,
    pub provisioned: Provisioned,
}

impl Default for FunctionLimits {
    fn default() -> Self {
        FunctionLimits {
            reserved: Reservation::NotRead,
            provisioned: Provisioned::NotRead,
        }
    }
}

/// The API under diagnosis (`--api`) and what was learnt about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiSide {
    pub api: ApiSummary,
    pub stages: Vec<StageInfo>,
    pub routes: Gathered<Vec<Route>>,
    pub usage_plans: Gathered<Vec<UsagePlan>>,
    /// Every API of the region: their `Count` adds up to the account-level request rate.
    pub region_apis: Vec<ApiSummary>,
}

/// Thresholds from flags.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleSettings {
    /// API Gateway's account-level steady rate for the region (requests per second).
    pub apigw_account_rps: f64,
    /// Ranked functions whose configuration is read and that the text output shows.
    pub top: usize,
}

/// Everything the `throttles` checks read. Filled by the command; no I/O here.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleObservations {
    pub now: DateTime<Utc>,
    pub window: Window,
    pub period_s: u32,
    pub region: String,
    pub account: Gathered<AccountConcurrency>,
    /// Every function looked at (the region's, from ListFunctions).
    pub functions: Vec<String>,
    /// The functions the question is about (`--function`, or those behind `--api`); empty
    /// means every function.
    pub focus: Vec<String>,
    pub metrics: Gathered<MetricSet>,
    /// Limits of the functions that matter (others are [`FunctionLimits::default`]).
    pub limits: BTreeMap<String, FunctionLimits>,
    pub api: Option<ApiSide>,
    pub settings: ThrottleSettings,
}

impl ThrottleObservations {
    fn limits_of(&self, f: &str) -> FunctionLimits {
        self.limits.get(f).cloned().unwrap_or_default()
    }
}

// ------------------------------------------------------------------------------ analysis

/// Which limit throttled the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The account's (unreserved) concurrency pool was full.
    AccountConcurrency,
    /// A function reached its own reserved concurrency (or it is 0: switched off).
    ReservedConcurrency,
    /// Traffic above a function's provisioned concurrency spilled over and was throttled.
    ProvisionedSpillover,
    /// Throttled below every concurrency limit: Lambda's per-function scaling rate.
    ScalingRate,
    /// 429s at API Gateway from a usage plan's per-key throttle or quota.
    ApigwUsagePlan,
    /// 429s at API Gateway: traffic at the stage's or a method's throttling limit.
    ApigwStageLimit,
    /// 429s at API Gateway: the region's APIs together at the account-level rate.
    ApigwAccountLimit,
    /// Throttled, but the data to tell which limit is missing (see the skipped checks).
    Unknown,
    /// No throttling in the window.
    None,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::AccountConcurrency => "account-concurrency",
            Cause::ReservedConcurrency => "reserved-concurrency",
            Cause::ProvisionedSpillover => "provisioned-spillover",
            Cause::ScalingRate => "scaling-rate",
            Cause::ApigwUsagePlan => "apigw-usage-plan",
            Cause::ApigwStageLimit => "apigw-stage-limit",
            Cause::ApigwAccountLimit => "apigw-account-limit",
            Cause::Unknown => "unknown",
            Cause::None => "none",
        }
    }
}

/// The minute of peak account concurrency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Peak {
    pub at: DateTime<Utc>,
    pub concurrent_executions: f64,
    /// The account's concurrency limit (`GetAccountSettings`), if read.
    pub limit: Option<i64>,
    /// The unreserved pool (limit minus every reservation), if read.
    pub unreserved: Option<i64>,
    /// `account`: the region-wide `ConcurrentExecutions` Maximum; `estimated`: no such
    /// datapoint, so the sum of the functions' estimated concurrency.
    pub source: &'static str,
}

/// One function of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionRow {
    pub name: String,
    /// 1-based position in the concurrency ranking (None: no invocation in the ranked minutes).
    pub rank: Option<usize>,
    /// Invocations per second × average duration (s), averaged over the ranked minutes.
    pub est_concurrency: f64,
    /// Throttles (Sum) over the whole window.
    pub throttles: f64,
    /// Invocations (Sum) over the whole window.
    pub invocations: f64,
    /// `ConcurrentExecutions` Maximum over the window (read for the functions that matter).
    pub max_concurrency: Option<f64>,
    /// Spill-over invocations (Sum) over the window.
    pub spillover: Option<f64>,
    /// Reserved concurrency: a number, or null (none, or not read: see `config`).
    pub reserved: Option<i64>,
    /// Provisioned concurrency held (all aliases/versions), or null.
    pub provisioned: Option<i64>,
    /// How `reserved`/`provisioned` are known: `read`, `inferred` (no reservation possible,
    /// not asked), `not-read`, `error`.
    pub config: &'static str,
    /// Which limit throttled it (throttled functions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// Minutes with throttles, oldest first.
    #[serde(skip)]
    pub throttled_minutes: Vec<DateTime<Utc>>,
    /// Throttled in a minute in which it did not run at all: the mark of a reservation of 0.
    #[serde(skip)]
    pub throttled_idle: bool,
    /// Why this cause, in one sentence.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

/// A route with its own (method-level) throttling limit and its traffic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodLimit {
    pub route: String,
    pub limit: ThrottleLimit,
    pub peak_rps: Option<f64>,
}

/// The API Gateway side of one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageThrottling {
    pub stage: String,
    /// Requests per second (per-minute `Count` / 60) at the busiest minute.
    pub peak_rps: Option<f64>,
    pub peak_at: Option<DateTime<Utc>>,
    /// Minutes whose 4XX rose above the window's baseline (429s are counted as 4XX).
    pub throttled_minutes: Vec<DateTime<Utc>>,
    /// 4XX in those minutes.
    pub throttled_requests: f64,
    /// The stage-wide throttling limit (`*/*` or `$default`), if set.
    pub stage_limit: Option<ThrottleLimit>,
    pub method_limits: Vec<MethodLimit>,
    /// Usage plans attached to this stage (names), with their key throttle/quota.
    pub usage_plans: Vec<String>,
    /// Lambda throttles of the API's functions during the throttled minutes.
    pub lambda_throttles: f64,
    pub cause: Cause,
    /// The stage, method or plan that limited, for messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited_by: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

/// The API Gateway side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiThrottling {
    pub stages: Vec<StageThrottling>,
    /// The region's API traffic (sum of every API's `Count` / 60) at its busiest minute.
    pub region_peak_rps: Option<f64>,
    pub region_peak_at: Option<DateTime<Utc>>,
    /// The API with the most traffic at that minute.
    pub busiest_api: Option<String>,
    pub account_rps_limit: f64,
}

/// Everything the `throttles` command and checks conclude.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThrottleAnalysis {
    pub cause: Cause,
    pub culprit: Option<String>,
    pub peak: Option<Peak>,
    /// The ranked minutes: `[peak − 5 periods, peak]`.
    pub ranking_window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Functions with invocations in the ranked minutes, busiest first (every one).
    #[serde(skip)]
    pub ranking: Vec<(String, f64)>,
    /// The functions that matter: the top of the ranking, the throttled and the focus ones.
    pub functions: Vec<FunctionRow>,
    /// Throttled requests per cause (Lambda throttles, API Gateway 4XX), largest first.
    pub by_cause: Vec<(Cause, f64)>,
    pub apigw: Option<ApiThrottling>,
    /// Throttles of functions outside the focus (not counted for the cause).
    pub other_throttles: f64,
    /// No Lambda (and API Gateway) datapoint at all: nothing to reason on.
    pub no_data: bool,
}

/// A sum that is 0.0, not -0.0, when empty (float `Sum` starts at -0.0).
pub fn total(it: impl Iterator<Item = f64>) -> f64 {
    it.fold(0.0, |a, b| a + b)
}

/// A series as a time → value map (one value per period).
fn series(m: &MetricSet, q: &MetricQuery) -> BTreeMap<DateTime<Utc>, f64> {
    m.get(q).iter().map(|p| (p.at, p.value)).collect()
}

fn sum(s: &BTreeMap<DateTime<Utc>, f64>) -> f64 {
    total(s.values().copied())
}

fn at(s: &BTreeMap<DateTime<Utc>, f64>, t: DateTime<Utc>) -> f64 {
    s.get(&t).copied().unwrap_or(0.0)
}

/// Estimated concurrency per period: invocations per second × average duration in seconds.
fn est_series(m: &MetricSet, f: &str, p: u32) -> BTreeMap<DateTime<Utc>, f64> {
    let inv = series(m, &q_invocations(f, p));
    let dur = series(m, &q_duration(f, p));
    inv.iter()
        .filter_map(|(t, n)| {
            let d = dur.get(t)?;
            Some((*t, n / f64::from(p.max(1)) * d / 1000.0))
        })
        .collect()
}

/// Per function: the account is at its limit at `t`.
fn near_limit(
    acct: &BTreeMap<DateTime<Utc>, f64>,
    unres: &BTreeMap<DateTime<Utc>, f64>,
    account: Option<&AccountConcurrency>,
    t: DateTime<Utc>,
) -> bool {
    let Some(a) = account else { return false };
    let ce = at(acct, t);
    if a.limit > 0 && ce >= NEAR_LIMIT * a.limit as f64 {
        return true;
    }
    match a.unreserved {
        Some(u) if u > 0 => at(unres, t) >= NEAR_LIMIT * u as f64,
        _ => false,
    }
}

/// The hunt and the Lambda-side attribution.
pub fn analyze(obs: &ThrottleObservations) -> ThrottleAnalysis {
    let p = obs.period_s;
    let empty = MetricSet::default();
    let m = obs.metrics.ready().unwrap_or(&empty);
    let account = obs.account.ready();

    // Peak account concurrency: the region-wide series, else the functions' estimates.
    let acct = series(m, &q_account_concurrency(p));
    let unres = series(m, &q_account_unreserved(p));
    let ests: BTreeMap<&str, BTreeMap<DateTime<Utc>, f64>> = obs
        .functions
        .iter()
        .map(|f| (f.as_str(), est_series(m, f, p)))
        .collect();
    let (peak_series, source) = if acct.is_empty() {
        let mut total: BTreeMap<DateTime<Utc>, f64> = BTreeMap::new();
        for s in ests.values() {
            for (t, v) in s {
                *total.entry(*t).or_default() += v;
            }
        }
        (total, "estimated")
    } else {
        (acct.clone(), "account")
    };
    // The first minute of the highest value.
    let peak = peak_series
        .iter()
        .fold(None::<(DateTime<Utc>, f64)>, |best, (t, v)| match best {
            Some((_, b)) if *v <= b => best,
            _ => Some((*t, *v)),
        })
        .filter(|(_, v)| *v > 0.0)
        .map(|(t, v)| Peak {
            at: t,
            concurrent_executions: v,
            limit: account.map(|a| a.limit),
            unreserved: account.and_then(|a| a.unreserved),
            source,
        });

    // Rank over the six periods up to and including the peak.
    let ranking_window = peak.as_ref().map(|pk| {
        (
            pk.at - Duration::seconds(i64::from(p) * (RANK_PERIODS - 1)),
            pk.at,
        )
    });
    let mut ranking: Vec<(String, f64)> = match ranking_window {
        Some((from, to)) => ests
            .iter()
            .map(|(f, s)| {
                let busy = total(s.range(from..=to).map(|(_, v)| *v));
                (f.to_string(), busy / RANK_PERIODS as f64)
            })
            .filter(|(_, e)| *e > 0.0)
            .collect(),
        None => Vec::new(),
    };
    ranking.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let rank_of: BTreeMap<&str, usize> = ranking
        .iter()
        .enumerate()
        .map(|(i, (f, _))| (f.as_str(), i + 1))
        .collect();

    // Which functions matter: focus, top of the ranking, throttled.
    let throttles: BTreeMap<&str, BTreeMap<DateTime<Utc>, f64>> = obs
        .functions
        .iter()
        .map(|f| (f.as_str(), series(m, &q_throttles(f, p))))
        .collect();
    let mut shown: BTreeSet<&str> = obs.focus.iter().map(String::as_str).collect();
    shown.extend(
        ranking
            .iter()
            .take(obs.settings.top)
            .map(|(f, _)| f.as_str()),
    );
    shown.extend(
        throttles
            .iter()
            .filter(|(_, s)| sum(s) > 0.0)
            .map(|(f, _)| *f),
    );
    shown.extend(obs.limits.keys().map(String::as_str));

    let mut rows: Vec<FunctionRow> = shown
        .iter()
        .map(|f| {
            let lim = obs.limits_of(f);
            let thr = throttles.get(f).cloned().unwrap_or_default();
            let throttled_minutes: Vec<DateTime<Utc>> = thr
                .iter()
                .filter(|(_, v)| **v > 0.0)
                .map(|(t, _)| *t)
                .collect();
            let inv = series(m, &q_invocations(f, p));
            let throttled_idle = throttled_minutes.iter().any(|t| at(&inv, *t) <= 0.0);
            let ce = series(m, &q_concurrency(f, p));
            let spill = series(m, &q_spillover(f, p));
            // The functions that matter have limits and detailed metrics.
            let detail_read = obs.limits.contains_key(*f);
            let config = match (&lim.reserved, &lim.provisioned) {
                (Reservation::Failed(_), _) | (_, Provisioned::Failed(_)) => "error",
                (Reservation::Read(_), _) => "read",
                (Reservation::InferredNone, _) => "inferred",
                (Reservation::NotRead, _) => "not-read",
            };
            let mut row = FunctionRow {
                name: f.to_string(),
                rank: rank_of.get(f).copied(),
                est_concurrency: ranking
                    .iter()
                    .find(|(n, _)| n == f)
                    .map_or(0.0, |(_, e)| (e * 100.0).round() / 100.0),
                throttles: sum(&thr),
                invocations: sum(&inv),
                max_concurrency: (detail_read && !ce.is_empty())
                    .then(|| ce.values().copied().fold(0.0, f64::max)),
                spillover: detail_read.then(|| sum(&spill)),
                reserved: lim.reserved.value(),
                provisioned: lim.provisioned.total(),
                config,
                cause: None,
                throttled_minutes,
                throttled_idle,
                why: String::new(),
            };
            if row.throttles > 0.0 {
                let (cause, why) = attribute(obs, m, &acct, &unres, account, &row, &lim);
                row.cause = Some(cause);
                row.why = why;
            }
            row
        })
        .collect();
    rows.sort_by(|a, b| {
        b.est_concurrency
            .total_cmp(&a.est_concurrency)
            .then(b.throttles.total_cmp(&a.throttles))
            .then(a.name.cmp(&b.name))
    });

    let in_focus = |f: &str| obs.focus.is_empty() || obs.focus.iter().any(|x| x == f);
    let mut by_cause: BTreeMap<Cause, f64> = BTreeMap::new();
    let mut other_throttles = 0.0;
    for r in &rows {
        if let Some(c) = r.cause {
            if in_focus(&r.name) {
                *by_cause.entry(c).or_default() += r.throttles;
            } else {
                other_throttles += r.throttles;
            }
        }
    }

    let apigw = obs.api.as_ref().map(|side| api_side(obs, m, side));
    if let Some(a) = &apigw {
        for st in &a.stages {
            if st.cause != Cause::None && st.throttled_requests > 0.0 {
                *by_cause.entry(st.cause).or_default() += st.throttled_requests;
            }
        }
    }
    let mut by_cause: Vec<(Cause, f64)> = by_cause.into_iter().collect();
    by_cause.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let cause = by_cause.first().map_or(Cause::None, |(c, _)| *c);
    let culprit = culprit(cause, &rows, &ranking, apigw.as_ref(), &in_focus);

    let lambda_points =
        obs.functions.iter().any(|f| {
            !m.get(&q_invocations(f, p)).is_empty() || !m.get(&q_throttles(f, p)).is_empty()
        }) || !acct.is_empty();
    let api_points = apigw
        .as_ref()
        .is_some_and(|a| a.stages.iter().any(|s| s.peak_rps.is_some()));
    ThrottleAnalysis {
        cause,
        culprit,
        peak,
        ranking_window,
        ranking,
        functions: rows,
        by_cause,
        apigw,
        other_throttles,
        no_data: obs.metrics.ready().is_some() && !lambda_points && !api_points,
    }
}

fn fmt_n(v: f64) -> String {
    crate::output::text::fmt_value(v)
}

/// Which limit throttled one function, and why (one sentence).
fn attribute(
    obs: &ThrottleObservations,
    m: &MetricSet,
    acct: &BTreeMap<DateTime<Utc>, f64>,
    unres: &BTreeMap<DateTime<Utc>, f64>,
    account: Option<&AccountConcurrency>,
    row: &FunctionRow,
    lim: &FunctionLimits,
) -> (Cause, String) {
    let p = obs.period_s;
    let f = row.name.as_str();
    let ce = series(m, &q_concurrency(f, p));
    let during = |s: &BTreeMap<DateTime<Utc>, f64>| -> Option<f64> {
        row.throttled_minutes
            .iter()
            .filter_map(|t| s.get(t).copied())
            .reduce(f64::max)
    };
    match lim.reserved.value() {
        Some(0) => {
            return (
                Cause::ReservedConcurrency,
                "its reserved concurrency is 0: the function is switched off and every invocation is throttled".to_string(),
            )
        }
        Some(r) => {
            return match during(&ce) {
                Some(c) if c < NEAR_RESERVATION * r as f64 => (
                    Cause::ScalingRate,
                    format!("it has a reservation of {r} but ran at most {} concurrently while throttled", fmt_n(c)),
                ),
                Some(c) => (
                    Cause::ReservedConcurrency,
                    format!("it reached {} concurrent executions against its reserved concurrency of {r}", fmt_n(c)),
                ),
                None => (
                    Cause::ReservedConcurrency,
                    format!("it has a reserved concurrency of {r}, which caps it whatever the account has free"),
                ),
            }
        }
        None => {}
    }
    let spill = series(m, &q_spillover(f, p));
    let spilled = total(row.throttled_minutes.iter().map(|t| at(&spill, *t)));
    if let Some(pc) = lim.provisioned.total().filter(|v| *v > 0) {
        if spilled > 0.0 {
            return (
                Cause::ProvisionedSpillover,
                format!(
                    "{} invocations spilled over its provisioned concurrency of {pc} while it was throttled",
                    fmt_n(spilled)
                ),
            );
        }
    }
    let at_limit: Vec<&DateTime<Utc>> = row
        .throttled_minutes
        .iter()
        .filter(|t| near_limit(acct, unres, account, **t))
        .collect();
    if !at_limit.is_empty() {
        let a = account.map(|a| a.limit).unwrap_or_default();
        return (
            Cause::AccountConcurrency,
            format!(
                "it has no reservation and the account was at its concurrency limit ({a}) in {} of its {} throttled minutes",
                at_limit.len(),
                row.throttled_minutes.len()
            ),
        );
    }
    match (&lim.reserved, account) {
        (Reservation::Failed(e), _) => (
            Cause::Unknown,
            format!("its reserved concurrency could not be read ({e})"),
        ),
        (_, None) => (
            Cause::Unknown,
            "the account's concurrency limit could not be read".into(),
        ),
        (_, Some(a)) => {
            let peak = row
                .throttled_minutes
                .iter()
                .map(|t| at(acct, *t))
                .fold(0.0, f64::max);
            (
                Cause::ScalingRate,
                format!(
                    "it has no reservation and the account stayed at {} of {} concurrent executions while it was throttled",
                    fmt_n(peak),
                    a.limit
                ),
            )
        }
    }
}

fn culprit(
    cause: Cause,
    rows: &[FunctionRow],
    ranking: &[(String, f64)],
    apigw: Option<&ApiThrottling>,
    in_focus: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let most_throttled = |c: Cause| {
        rows.iter()
            .filter(|r| r.cause == Some(c) && in_focus(&r.name))
            .max_by(|a, b| {
                a.throttles
                    .total_cmp(&b.throttles)
                    .then(b.name.cmp(&a.name))
            })
            .map(|r| r.name.clone())
    };
    match cause {
        Cause::None => None,
        // The noisy neighbour: the biggest consumer before the peak.
        Cause::AccountConcurrency => ranking
            .first()
            .map(|(f, _)| f.clone())
            .or_else(|| most_throttled(cause)),
        Cause::ReservedConcurrency
        | Cause::ProvisionedSpillover
        | Cause::ScalingRate
        | Cause::Unknown => most_throttled(cause),
        Cause::ApigwAccountLimit => apigw.and_then(|a| a.busiest_api.clone()),
        Cause::ApigwStageLimit | Cause::ApigwUsagePlan => apigw.and_then(|a| {
            a.stages
                .iter()
                .filter(|s| s.cause == cause)
                .max_by(|x, y| x.throttled_requests.total_cmp(&y.throttled_requests))
                .and_then(|s| s.limited_by.clone())
        }),
    }
}

/// A stage's `*/*` / `$default` limit, and per-method limits keyed by route (`GET /orders`).
/// API Gateway reports unset limits as 0 or -1 (the SDK cannot tell 0 from unset): only
/// positive rates count.
fn stage_limits(
    kind: ApiKind,
    st: &StageInfo,
) -> (Option<ThrottleLimit>, Vec<(String, ThrottleLimit)>) {
    let mut stage = None;
    let mut methods = Vec::new();
    for (key, s) in &st.method_settings {
        let Some(rate) = s.throttling_rate_limit.filter(|r| *r > 0.0) else {
            continue;
        };
        let limit = ThrottleLimit {
            rate_limit: Some(rate),
            burst_limit: s.throttling_burst_limit.filter(|b| *b >= 0),
        };
        if key == "*/*" || key == "$default" {
            stage = Some(limit);
        } else if let Some(route) = route_of_setting(kind, key) {
            methods.push((route, limit));
        }
    }
    (stage, methods)
}

/// `orders/GET`, `~1orders/GET` (REST method settings) → `GET /orders`; HTTP route keys
/// (`GET /items`) stay as they are.
pub fn route_of_setting(kind: ApiKind, key: &str) -> Option<String> {
    match kind {
        ApiKind::Http => Some(key.to_string()),
        ApiKind::Rest => {
            let (path, method) = key.rsplit_once('/')?;
            if method == "*" || path.contains('*') {
                return None;
            }
            let path = path.replace("~1", "/");
            let path = if path.starts_with('/') {
                path
            } else {
                format!("/{path}")
            };
            Some(format!("{method} {path}"))
        }
    }
}

/// The `4XX` minutes that stand out: at least 10 errors and a rate of at least 5% and twice
/// the window's quiet level (its 25th percentile) + 2 points, so a steady trickle of 404s is
/// not taken for throttling.
pub fn throttled_minutes(
    count: &BTreeMap<DateTime<Utc>, f64>,
    e4: &BTreeMap<DateTime<Utc>, f64>,
) -> Vec<DateTime<Utc>> {
    let mut rates: Vec<f64> = count
        .iter()
        .filter(|(_, c)| **c > 0.0)
        .map(|(t, c)| at(e4, *t) / c)
        .collect();
    rates.sort_by(f64::total_cmp);
    let base = rates.get(rates.len() / 4).copied().unwrap_or(0.0);
    let floor = (2.0 * base + 0.02).max(0.05);
    e4.iter()
        .filter(|(t, n)| {
            let c = at(count, **t).max(**n);
            **n >= 10.0 && c > 0.0 && **n / c >= floor
        })
        .map(|(t, _)| *t)
        .collect()
}

fn api_side(obs: &ThrottleObservations, m: &MetricSet, side: &ApiSide) -> ApiThrottling {
    let p = obs.period_s;
    let per_s = f64::from(p.max(1));
    // The region's traffic, per minute, and which API carried the most at its peak.
    let mut region: BTreeMap<DateTime<Utc>, f64> = BTreeMap::new();
    let per_api: Vec<(&ApiSummary, BTreeMap<DateTime<Utc>, f64>)> = side
        .region_apis
        .iter()
        .map(|a| (a, series(m, &q_api_count(a, p))))
        .collect();
    for (_, s) in &per_api {
        for (t, v) in s {
            *region.entry(*t).or_default() += v / per_s;
        }
    }
    let region_peak = region
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(t, v)| (*t, *v));
    let busiest_api = region_peak.and_then(|(t, _)| {
        per_api
            .iter()
            .max_by(|a, b| at(&a.1, t).total_cmp(&at(&b.1, t)))
            .map(|(a, _)| a.name.clone())
    });
    let account_rps = obs.settings.apigw_account_rps;
    let functions_behind: Vec<&String> = obs.focus.iter().collect();

    let stages = side
        .stages
        .iter()
        .map(|st| {
            let count = series(m, &q_stage(side, &st.name, "Count", p));
            let e4 = series(m, &q_stage(side, &st.name, "4XXError", p));
            let tm = throttled_minutes(&count, &e4);
            let throttled_requests = total(tm.iter().map(|t| at(&e4, *t)));
            let peak = count
                .iter()
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(t, v)| (*t, v / per_s));
            let (stage_limit, method_settings) = stage_limits(side.api.kind, st);
            let routes = side.routes.ready().cloned().unwrap_or_default();
            let method_limits: Vec<MethodLimit> = method_settings
                .into_iter()
                .map(|(route, limit)| {
                    let r = routes.iter().find(|r| r.key() == route);
                    let peak_rps = r.and_then(|r| {
                        let c = series(m, &q_route(side, st, r, "Count", p));
                        let mins: Vec<&DateTime<Utc>> = if tm.is_empty() {
                            c.keys().collect()
                        } else {
                            tm.iter().collect()
                        };
                        mins.iter().map(|t| at(&c, **t) / per_s).reduce(f64::max)
                    });
                    MethodLimit {
                        route,
                        limit,
                        peak_rps,
                    }
                })
                .collect();
            let plans: Vec<&UsagePlan> = side
                .usage_plans
                .ready()
                .map(|ps| {
                    ps.iter()
                        .filter(|u| {
                            u.stages
                                .iter()
                                .any(|s| s.api_id == side.api.id && s.stage == st.name)
                                && (u.throttle.is_some_and(|t| t.rate_limit.is_some_and(|r| r > 0.0))
                                    || u.quota.is_some()
                                    || u.stages.iter().any(|s| !s.method_throttles.is_empty()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let lambda_throttles: f64 = functions_behind
                .iter()
                .map(|f| {
                    let s = series(m, &q_throttles(f, p));
                    total(tm.iter().map(|t| at(&s, *t)))
                })
                .fold(0.0, |a, b| a + b);

            let stage_rps_in_tm = tm.iter().map(|t| at(&count, *t) / per_s).reduce(f64::max);
            let region_rps_in_tm = tm.iter().map(|t| at(&region, *t)).reduce(f64::max);
            let (cause, limited_by, why) = if tm.is_empty() {
                (Cause::None, None, String::new())
            } else if let Some((rate, rps)) = stage_limit
                .and_then(|l| l.rate_limit)
                .zip(stage_rps_in_tm)
                .filter(|(rate, rps)| *rps >= NEAR_RATE * rate)
            {
                (
                    Cause::ApigwStageLimit,
                    Some(format!("stage {}", st.name)),
                    format!(
                        "stage {} ran at {} requests/s against its throttling rate limit of {} requests/s",
                        st.name,
                        fmt_n(rps),
                        fmt_n(rate)
                    ),
                )
            } else if let Some(ml) = method_limits.iter().find(|ml| {
                ml.limit
                    .rate_limit
                    .zip(ml.peak_rps)
                    .is_some_and(|(rate, rps)| rps >= NEAR_RATE * rate)
            }) {
                (
                    Cause::ApigwStageLimit,
                    Some(format!("stage {} {}", st.name, ml.route)),
                    format!(
                        "{} ran at {} requests/s against its method throttling limit of {} requests/s",
                        ml.route,
                        fmt_n(ml.peak_rps.unwrap_or_default()),
                        fmt_n(ml.limit.rate_limit.unwrap_or_default())
                    ),
                )
            } else if let Some(rps) =
                region_rps_in_tm.filter(|rps| *rps >= NEAR_RATE * account_rps)
            {
                (
                    Cause::ApigwAccountLimit,
                    busiest_api.clone(),
                    format!(
                        "the region's APIs together ran at {} requests/s against the account-level limit of {} requests/s",
                        fmt_n(rps),
                        fmt_n(account_rps)
                    ),
                )
            } else if let Some(u) = plans.first() {
                (
                    Cause::ApigwUsagePlan,
                    Some(format!("usage plan {}", u.name)),
                    format!(
                        "traffic stayed below the stage and account limits, and usage plan {} limits each API key ({})",
                        u.name,
                        plan_limits(u)
                    ),
                )
            } else {
                (
                    Cause::None,
                    None,
                    "4XX rose, but no throttling limit of the stage, its methods, a usage plan or the account was reached: probably not throttling (403, 404, 400)".into(),
                )
            };
            StageThrottling {
                stage: st.name.clone(),
                peak_rps: peak.map(|(_, v)| v),
                peak_at: peak.map(|(t, _)| t),
                throttled_minutes: tm,
                throttled_requests,
                stage_limit,
                method_limits,
                usage_plans: plans.iter().map(|u| u.name.clone()).collect(),
                lambda_throttles,
                cause,
                limited_by,
                why,
            }
        })
        .collect();
    ApiThrottling {
        stages,
        region_peak_rps: region_peak.map(|(_, v)| v),
        region_peak_at: region_peak.map(|(t, _)| t),
        busiest_api,
        account_rps_limit: account_rps,
    }
}

/// `throttle 10 rps (burst 20), quota 1000/DAY`.
pub fn plan_limits(u: &UsagePlan) -> String {
    let mut parts = Vec::new();
    if let Some(t) = u.throttle {
        if let Some(r) = t.rate_limit.filter(|r| *r > 0.0) {
            parts.push(format!(
                "throttle {} requests/s{}",
                fmt_n(r),
                t.burst_limit
                    .filter(|b| *b > 0)
                    .map(|b| format!(" (burst {b})"))
                    .unwrap_or_default()
            ));
        }
    }
    if let Some(q) = &u.quota {
        parts.push(format!(
            "quota {} requests per {}",
            q.limit,
            q.period.to_lowercase()
        ));
    }
    if u.stages.iter().any(|s| !s.method_throttles.is_empty()) {
        parts.push("per-method throttles".into());
    }
    if parts.is_empty() {
        "no limits".into()
    } else {
        parts.join(", ")
    }
}

// ------------------------------------------------------------------------------ what to read

/// The functions whose configuration (reserved, provisioned) and detailed metrics are read:
/// the focus functions, the top of the ranking, the functions throttled while not running at
/// all (the mark of a reservation of 0), then the other throttled ones (most throttles
/// first), at most [`CONFIG_READ_CAP`].
pub fn functions_that_matter(a: &ThrottleAnalysis, focus: &[String], top: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |f: &str| {
        if !out.iter().any(|x| x == f) {
            out.push(f.to_string());
        }
    };
    for f in focus {
        push(f);
    }
    for (f, _) in a.ranking.iter().take(top) {
        push(f);
    }
    let mut throttled: Vec<&FunctionRow> =
        a.functions.iter().filter(|r| r.throttles > 0.0).collect();
    throttled.sort_by(|x, y| {
        y.throttled_idle
            .cmp(&x.throttled_idle)
            .then(y.throttles.total_cmp(&x.throttles))
            .then(x.name.cmp(&y.name))
    });
    for r in throttled {
        push(&r.name);
    }
    out.truncate(CONFIG_READ_CAP);
    out
}

/// Whether `GetFunctionConcurrency` must be asked for `f`, given how much of the account's
/// reserved total (limit − unreserved) is not yet accounted for. With nothing left, a
/// positive reservation is impossible, and a reservation of 0 would have let nothing run: a
/// function that ran in every minute it was throttled (or was not throttled) has none.
pub fn needs_reservation_read(
    obs: &ThrottleObservations,
    f: &str,
    unaccounted_reserved: Option<i64>,
) -> bool {
    if unaccounted_reserved.is_none_or(|r| r > 0) {
        return true;
    }
    let Some(m) = obs.metrics.ready() else {
        return true;
    };
    let p = obs.period_s;
    let inv = series(m, &q_invocations(f, p));
    series(m, &q_throttles(f, p))
        .iter()
        .any(|(t, n)| *n > 0.0 && at(&inv, *t) <= 0.0)
}

/// Whether `ListProvisionedConcurrencyConfigs` is worth asking for `f`: only functions that
/// served provisioned-concurrency invocations or spilled over in the window.
pub fn needs_provisioned_read(obs: &ThrottleObservations, f: &str) -> bool {
    let Some(m) = obs.metrics.ready() else {
        return false;
    };
    let p = obs.period_s;
    let any = |q: MetricQuery| m.get(&q).iter().any(|pt: &Point| pt.value > 0.0);
    any(q_spillover(f, p)) || any(q_provisioned_invocations(f, p))
}

// ------------------------------------------------------------------------------ checks

/// A check of `gwdoctor throttles`: pure, over the gathered data and its analysis.
pub trait ThrottleCheck: Send + Sync {
    fn info(&self) -> CheckInfo;
    fn run(&self, obs: &ThrottleObservations, a: &ThrottleAnalysis) -> CheckOutcome;
    /// Lambda-side checks run always; API Gateway ones only with `--api`.
    fn needs_api(&self) -> bool {
        false
    }
}

/// The `throttles` checks, in display order.
pub fn checks() -> Vec<Box<dyn ThrottleCheck>> {
    vec![
        Box::new(super::lambda_account_concurrency::LambdaAccountConcurrency),
        Box::new(super::lambda_reserved_concurrency::LambdaReservedConcurrency),
        Box::new(super::lambda_provisioned_spillover::LambdaProvisionedSpillover),
        Box::new(super::lambda_scaling_rate::LambdaScalingRate),
        Box::new(super::apigw_stage_throttling::ApigwStageThrottling),
        Box::new(super::apigw_usage_plan_throttling::ApigwUsagePlanThrottling),
        Box::new(super::apigw_account_throttling::ApigwAccountThrottling),
    ]
}

/// Their catalogue entries.
pub fn catalog() -> Vec<CheckInfo> {
    checks().iter().map(|c| c.info()).collect()
}

/// Runs the checks (those needing `--api` only when there is one).
pub fn run_checks(obs: &ThrottleObservations, a: &ThrottleAnalysis) -> Vec<CheckResult> {
    checks()
        .iter()
        .filter(|c| obs.api.is_some() || !c.needs_api())
        .map(|c| {
            let info = c.info();
            if let Gathered::Unavailable(r) = &obs.metrics {
                return CheckResult::skipped(&info.id, &info.title, r.clone());
            }
            match c.run(obs, a) {
                CheckOutcome::Findings(f) => CheckResult::from_findings(&info.id, &info.title, f),
                CheckOutcome::Skipped(r) => CheckResult::skipped(&info.id, &info.title, r),
            }
        })
        .collect()
}

/// Metric evidence for a finding: a series' non-zero points, at most `n`, up to and just after
/// its first maximum (none when the series has no non-zero point).
pub fn evidence(m: &MetricSet, q: &MetricQuery, n: usize) -> Option<crate::finding::Evidence> {
    let pts = m.get(q);
    let mut nz: Vec<&Point> = pts.iter().filter(|p| p.value > 0.0).collect();
    if nz.is_empty() {
        return None;
    }
    if nz.len() > n {
        // The first maximum, with the rise before it and a little of what followed.
        let imax = nz.iter().enumerate().fold(
            0,
            |best, (i, p)| if p.value > nz[best].value { i } else { best },
        );
        let from = imax.saturating_sub(n.saturating_sub(3)).min(nz.len() - n);
        nz = nz[from..from + n].to_vec();
    }
    Some(crate::finding::Evidence::Metric {
        namespace: q.namespace.clone(),
        name: q.name.clone(),
        stat: q.stat.clone(),
        dimensions: q.dimensions.clone(),
        period_s: q.period_s,
        points: nz.iter().map(|p| (p.at, p.value)).collect(),
    })
}

/// Quotes a word for a POSIX shell when it holds anything beyond `[A-Za-z0-9._:/=@+-]`
/// (names come from AWS or from hand-edited incident files).
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/=@+-".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The alarm the seed procedure recommends: account `ConcurrentExecutions` Maximum over
/// 1-minute periods at 80% of the limit, 2 of 5 datapoints, missing data not breaching.
pub fn alarm_command(region: &str, limit: i64) -> String {
    let threshold = (limit as f64 * 0.8).floor() as i64;
    format!(
        "aws cloudwatch put-metric-alarm --region {} --alarm-name lambda-account-concurrency-80pct \
--namespace AWS/Lambda --metric-name ConcurrentExecutions --statistic Maximum --period 60 \
--evaluation-periods 5 --datapoints-to-alarm 2 --threshold {threshold} \
--comparison-operator GreaterThanOrEqualToThreshold --treat-missing-data notBreaching",
        shell_word(region)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MethodSettings, UsagePlanStage};
    use chrono::TimeZone;

    const P: u32 = 60;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap()
    }
    fn minute(k: i64) -> DateTime<Utc> {
        t0() + Duration::minutes(k)
    }

    /// Builds observations over 30 minutes, 09:00-09:30.
    struct Fx {
        m: MetricSet,
        functions: Vec<String>,
        limits: BTreeMap<String, FunctionLimits>,
        account: Gathered<AccountConcurrency>,
        focus: Vec<String>,
        api: Option<ApiSide>,
    }

    impl Fx {
        fn new(limit: i64, unreserved: i64) -> Self {
            Fx {
                m: MetricSet::default(),
                functions: Vec::new(),
                limits: BTreeMap::new(),
                account: Gathered::Ready(AccountConcurrency {
                    limit,
                    unreserved: Some(unreserved),
                }),
                focus: Vec::new(),
                api: None,
            }
        }
        fn put(&mut self, q: MetricQuery, f: impl Fn(i64) -> Option<f64>) {
            let pts = (0..30)
                .filter_map(|k| {
                    f(k).map(|v| Point {
                        at: minute(k),
                        value: v,
                    })
                })
                .collect();
            self.m.insert(q, pts);
        }
        /// A function at `rps` requests/s of `ms` each, and its throttles per minute.
        fn function(
            &mut self,
            name: &str,
            rps: impl Fn(i64) -> f64,
            ms: f64,
            throttles: impl Fn(i64) -> f64,
        ) {
            self.functions.push(name.into());
            self.put(q_invocations(name, P), |k| Some(rps(k) * 60.0));
            self.put(q_duration(name, P), |_| Some(ms));
            self.put(q_throttles(name, P), |k| Some(throttles(k)));
            self.put(q_concurrency(name, P), |k| {
                Some((rps(k) * ms / 1000.0).ceil())
            });
        }
        fn account_series(&mut self, f: impl Fn(i64) -> f64) {
            self.put(q_account_concurrency(P), |k| Some(f(k)));
        }
        fn limits(&mut self, f: &str, reserved: Reservation, provisioned: Provisioned) {
            self.limits.insert(
                f.into(),
                FunctionLimits {
                    reserved,
                    provisioned,
                },
            );
        }
        fn obs(&self) -> ThrottleObservations {
            ThrottleObservations {
                now: minute(30),
                window: Window {
                    start: minute(0),
                    end: minute(30),
                },
                period_s: P,
                region: "us-east-1".into(),
                account: self.account.clone(),
                functions: self.functions.clone(),
                focus: self.focus.clone(),
                metrics: Gathered::Ready(self.m.clone()),
                limits: self.limits.clone(),
                api: self.api.clone(),
                settings: ThrottleSettings {
                    apigw_account_rps: 10_000.0,
                    top: 10,
                },
            }
        }
    }

    fn peak_minutes(k: i64) -> bool {
        (12..=18).contains(&k)
    }

    /// A noisy batch job fills the account: the API's function (no reservation) is throttled.
    fn noisy_neighbour() -> Fx {
        let mut fx = Fx::new(1000, 1000);
        // batch-fn: 2 rps of 3 s normally (6 concurrent), 300 rps of 3 s at the peak (900).
        fx.function(
            "batch-fn",
            |k| if peak_minutes(k) { 300.0 } else { 2.0 },
            3000.0,
            |k| {
                if k == 15 {
                    40.0
                } else {
                    0.0
                }
            },
        );
        // orders-fn: 500 rps of 300 ms = 150 concurrent; throttled at the peak.
        fx.function(
            "orders-fn",
            |_| 500.0,
            300.0,
            |k| if peak_minutes(k) { 900.0 } else { 0.0 },
        );
        fx.function("report-fn", |_| 1.0, 800.0, |_| 0.0);
        fx.account_series(|k| if peak_minutes(k) { 1000.0 } else { 160.0 });
        fx
    }

    #[test]
    fn noisy_neighbour_is_account_concurrency_and_names_the_batch_job() {
        let mut fx = noisy_neighbour();
        fx.limits(
            "orders-fn",
            Reservation::InferredNone,
            Provisioned::NotInUse,
        );
        fx.limits("batch-fn", Reservation::InferredNone, Provisioned::NotInUse);
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::AccountConcurrency);
        assert_eq!(a.culprit.as_deref(), Some("batch-fn"));
        let peak = a.peak.as_ref().unwrap();
        assert_eq!(peak.at, minute(12), "the first minute of the plateau");
        assert_eq!(peak.concurrent_executions, 1000.0);
        assert_eq!(peak.source, "account");
        assert_eq!(a.ranking_window, Some((minute(7), minute(12))));
        // batch-fn: 1 peak minute (900) + 5 quiet ones (6) over 6 = 155; orders-fn: 150.
        assert_eq!(a.ranking[0].0, "batch-fn");
        assert!((a.ranking[0].1 - 155.0).abs() < 1e-9, "{:?}", a.ranking);
        assert!((a.ranking[1].1 - 150.0).abs() < 1e-9, "{:?}", a.ranking);
        let orders = a.functions.iter().find(|r| r.name == "orders-fn").unwrap();
        assert_eq!(orders.cause, Some(Cause::AccountConcurrency));
        assert_eq!(orders.throttles, 7.0 * 900.0);
        assert!(
            orders.why.contains("7 of its 7 throttled minutes"),
            "{}",
            orders.why
        );
        assert_eq!(a.by_cause[0], (Cause::AccountConcurrency, 6300.0 + 40.0));
    }

    #[test]
    fn the_unreserved_pool_counts_as_the_limit_for_functions_without_reservations() {
        // Limit 1000 but 700 reserved elsewhere: the pool is 300, and the account-wide peak
        // (400) is far from 1000. UnreservedConcurrentExecutions at 300 is the evidence.
        let mut fx = Fx::new(1000, 300);
        fx.function(
            "orders-fn",
            |_| 500.0,
            300.0,
            |k| if peak_minutes(k) { 50.0 } else { 0.0 },
        );
        fx.account_series(|_| 400.0);
        fx.put(q_account_unreserved(P), |k| {
            Some(if peak_minutes(k) { 300.0 } else { 150.0 })
        });
        fx.limits("orders-fn", Reservation::Read(None), Provisioned::NotInUse);
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::AccountConcurrency);
    }

    #[test]
    fn reservation_zero_switches_a_function_off() {
        let mut fx = Fx::new(1000, 1000);
        fx.function("orders-fn", |_| 50.0, 100.0, |_| 0.0);
        fx.function(
            "legacy-fn",
            |_| 0.0,
            0.0,
            |k| if peak_minutes(k) { 30.0 } else { 0.0 },
        );
        fx.account_series(|_| 10.0);
        fx.limits(
            "legacy-fn",
            Reservation::Read(Some(0)),
            Provisioned::NotInUse,
        );
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::ReservedConcurrency);
        assert_eq!(a.culprit.as_deref(), Some("legacy-fn"));
        let r = a.functions.iter().find(|r| r.name == "legacy-fn").unwrap();
        assert!(r.why.contains("switched off"), "{}", r.why);
        assert_eq!(r.reserved, Some(0));
    }

    #[test]
    fn a_function_at_its_reservation_is_reserved_concurrency_below_it_scaling() {
        let mut fx = Fx::new(1000, 950);
        // 200 rps × 250 ms = 50 concurrent: exactly its reservation of 50.
        fx.function(
            "orders-fn",
            |_| 200.0,
            250.0,
            |k| if peak_minutes(k) { 120.0 } else { 0.0 },
        );
        fx.account_series(|_| 60.0);
        fx.limits(
            "orders-fn",
            Reservation::Read(Some(50)),
            Provisioned::NotInUse,
        );
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::ReservedConcurrency);
        assert!(
            a.functions[0]
                .why
                .contains("50 concurrent executions against its reserved concurrency of 50"),
            "{}",
            a.functions[0].why
        );
        // Same throttles with a reservation of 200: it never came near it.
        fx.limits(
            "orders-fn",
            Reservation::Read(Some(200)),
            Provisioned::NotInUse,
        );
        assert_eq!(analyze(&fx.obs()).cause, Cause::ScalingRate);
    }

    #[test]
    fn spillover_over_provisioned_concurrency() {
        let mut fx = Fx::new(1000, 1000);
        fx.function(
            "orders-fn",
            |k| if peak_minutes(k) { 600.0 } else { 300.0 },
            300.0,
            |k| {
                if peak_minutes(k) {
                    200.0
                } else {
                    0.0
                }
            },
        );
        fx.put(q_spillover("orders-fn", P), |k| {
            Some(if peak_minutes(k) { 5000.0 } else { 0.0 })
        });
        fx.account_series(|k| if peak_minutes(k) { 190.0 } else { 95.0 });
        fx.limits(
            "orders-fn",
            Reservation::Read(None),
            Provisioned::Read(vec![ProvisionedConfig {
                qualifier: Some("live".into()),
                requested: Some(100),
                allocated: Some(100),
                available: Some(100),
                status: Some("READY".into()),
            }]),
        );
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::ProvisionedSpillover);
        assert_eq!(a.functions[0].provisioned, Some(100));
        assert!(
            a.functions[0]
                .why
                .contains("35000 invocations spilled over"),
            "{}",
            a.functions[0].why
        );
    }

    #[test]
    fn throttles_far_below_every_limit_are_the_scaling_rate() {
        let mut fx = Fx::new(1000, 1000);
        fx.function(
            "orders-fn",
            |_| 100.0,
            300.0,
            |k| if k == 20 { 80.0 } else { 0.0 },
        );
        fx.account_series(|_| 40.0);
        fx.limits(
            "orders-fn",
            Reservation::InferredNone,
            Provisioned::NotInUse,
        );
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::ScalingRate);
        assert!(
            a.functions[0].why.contains("stayed at 40 of 1000"),
            "{}",
            a.functions[0].why
        );
    }

    #[test]
    fn without_the_account_limit_the_cause_is_unknown_not_guessed() {
        let mut fx = noisy_neighbour();
        fx.account = Gathered::Unavailable("access denied: lambda:GetAccountSettings".into());
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::Unknown);
        assert!(a.peak.as_ref().unwrap().limit.is_none());
    }

    #[test]
    fn a_quiet_account_has_no_cause() {
        let mut fx = Fx::new(1000, 1000);
        fx.function("orders-fn", |_| 100.0, 300.0, |_| 0.0);
        fx.function("batch-fn", |_| 1.0, 3000.0, |_| 0.0);
        fx.account_series(|_| 35.0);
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::None);
        assert_eq!(a.culprit, None);
        assert!(!a.no_data);
        assert_eq!(a.ranking[0].0, "orders-fn");
    }

    #[test]
    fn no_datapoints_at_all_is_no_data() {
        let mut fx = Fx::new(1000, 1000);
        fx.functions = vec!["a".into(), "b".into()];
        let a = analyze(&fx.obs());
        assert!(a.no_data);
        assert_eq!(a.cause, Cause::None);
    }

    #[test]
    fn without_the_account_series_the_peak_is_estimated() {
        let mut fx = noisy_neighbour();
        fx.m.insert(q_account_concurrency(P), Vec::new());
        let a = analyze(&fx.obs());
        let peak = a.peak.unwrap();
        assert_eq!(peak.source, "estimated");
        assert_eq!(peak.at, minute(12));
        // batch-fn 900 + orders-fn 150 + report-fn 0.8 (1 rps × 800 ms).
        assert!(
            (peak.concurrent_executions - 1050.8).abs() < 1e-9,
            "{peak:?}"
        );
    }

    #[test]
    fn focus_limits_the_cause_to_the_functions_asked_about() {
        let mut fx = noisy_neighbour();
        fx.function(
            "other-fn",
            |_| 10.0,
            100.0,
            |k| if k == 3 { 5000.0 } else { 0.0 },
        );
        fx.limits(
            "other-fn",
            Reservation::Read(Some(0)),
            Provisioned::NotInUse,
        );
        // Region-wide, orders-fn's and batch-fn's 6340 account throttles outweigh other-fn's 5000.
        assert_eq!(analyze(&fx.obs()).cause, Cause::AccountConcurrency);
        fx.focus = vec!["other-fn".into()];
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::ReservedConcurrency);
        assert_eq!(a.other_throttles, 6340.0);
        fx.focus = vec!["report-fn".into()];
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::None, "report-fn was never throttled");
    }

    #[test]
    fn the_functions_that_matter_and_reservation_inference() {
        let mut fx = noisy_neighbour();
        fx.function("zero-fn", |_| 0.0, 0.0, |k| if k == 20 { 3.0 } else { 0.0 });
        let a = analyze(&fx.obs());
        let m = functions_that_matter(&a, &[], 1);
        // The top of the ranking, then the one throttled without running (reservation 0?),
        // then the others by throttles.
        assert_eq!(m, vec!["batch-fn", "zero-fn", "orders-fn"]);
        let obs = fx.obs();
        // Reservations unaccounted for: every function must be asked.
        assert!(needs_reservation_read(&obs, "orders-fn", Some(100)));
        assert!(needs_reservation_read(&obs, "orders-fn", None));
        // All accounted for: a function that ran while throttled cannot have one...
        assert!(!needs_reservation_read(&obs, "orders-fn", Some(0)));
        assert!(!needs_reservation_read(&obs, "report-fn", Some(0)));
        // ...but one throttled without running may be switched off (reservation 0).
        assert!(needs_reservation_read(&obs, "zero-fn", Some(0)));
    }

    #[test]
    fn the_read_cap_keeps_the_switched_off_function() {
        let mut fx = Fx::new(1000, 1000);
        fx.account_series(|_| 1000.0);
        for i in 0..80 {
            let name = format!("f{i:02}");
            fx.function(&name, |_| 10.0, 100.0, move |_| 100.0 + f64::from(i));
        }
        // Throttled least, and never ran: a reservation of 0 is likely.
        fx.function("off-fn", |_| 0.0, 0.0, |k| if k == 3 { 1.0 } else { 0.0 });
        let a = analyze(&fx.obs());
        let m = functions_that_matter(&a, &[], 10);
        assert_eq!(m.len(), CONFIG_READ_CAP);
        assert!(m.contains(&"off-fn".to_string()), "{m:?}");
        // The top 10 of the ranking (all equal: by name, f00-f09), off-fn, then the most
        // throttled (f79 down to f61 with a cap of 30); the least throttled fall off.
        assert_eq!(m[..11].last().map(String::as_str), Some("off-fn"));
        assert!(m.contains(&"f79".to_string()) && m.contains(&"f61".to_string()));
        assert!(!m.contains(&"f60".to_string()) && !m.contains(&"f10".to_string()));
    }

    fn rest_api() -> ApiSummary {
        ApiSummary {
            id: "a1b2c3d4e5".into(),
            name: "shop-api".into(),
            kind: ApiKind::Rest,
        }
    }

    fn route(method: &str, path: &str) -> Route {
        Route {
            method: method.into(),
            path: path.into(),
            resource_id: None,
            authorization: None,
            authorizer_id: None,
            integration: None,
        }
    }

    fn stage(settings: Vec<(&str, Option<f64>)>) -> StageInfo {
        StageInfo {
            name: "prod".into(),
            method_settings: settings
                .into_iter()
                .map(|(k, rate)| {
                    (
                        k.to_string(),
                        MethodSettings {
                            metrics_enabled: Some(true),
                            throttling_rate_limit: rate,
                            throttling_burst_limit: rate.map(|r| (r * 2.0) as i64),
                            ..MethodSettings::default()
                        },
                    )
                })
                .collect(),
            ..StageInfo::default()
        }
    }

    /// An API at `rps` with `e4` 4XX per minute in the peak minutes (and 2/min otherwise).
    fn api_fx(st: StageInfo, plans: Vec<UsagePlan>, rps: f64, other_api_rps: f64) -> Fx {
        api_fx_of(rest_api(), st, plans, rps, other_api_rps)
    }

    fn api_fx_of(
        api: ApiSummary,
        st: StageInfo,
        plans: Vec<UsagePlan>,
        rps: f64,
        other_api_rps: f64,
    ) -> Fx {
        let mut fx = Fx::new(1000, 1000);
        fx.function("orders-fn", |_| 20.0, 100.0, |_| 0.0);
        fx.focus = vec!["orders-fn".into()];
        fx.account_series(|_| 5.0);
        let other = ApiSummary {
            id: "zzzzzzzzzz".into(),
            name: "partner-api".into(),
            kind: ApiKind::Rest,
        };
        let side = ApiSide {
            api: api.clone(),
            stages: vec![st],
            routes: Gathered::Ready(vec![route("GET", "/orders")]),
            usage_plans: Gathered::Ready(plans),
            region_apis: vec![api.clone(), other.clone()],
        };
        let n = |k: i64| {
            if peak_minutes(k) {
                rps * 60.0
            } else {
                rps * 30.0
            }
        };
        let e4 = |k: i64| {
            if peak_minutes(k) {
                rps * 60.0 * 0.2
            } else {
                2.0
            }
        };
        fx.put(q_stage(&side, "prod", "Count", P), |k| Some(n(k)));
        fx.put(q_stage(&side, "prod", "4XXError", P), |k| Some(e4(k)));
        let st = side.stages[0].clone();
        fx.put(
            q_route(&side, &st, &route("GET", "/orders"), "Count", P),
            |k| Some(n(k)),
        );
        fx.put(q_api_count(&api, P), |k| Some(n(k)));
        fx.put(q_api_count(&other, P), |k| {
            Some(if peak_minutes(k) {
                other_api_rps * 60.0
            } else {
                0.0
            })
        });
        fx.api = Some(side);
        fx
    }

    fn plan() -> UsagePlan {
        UsagePlan {
            id: "up1".into(),
            name: "partners".into(),
            stages: vec![UsagePlanStage {
                api_id: "a1b2c3d4e5".into(),
                stage: "prod".into(),
                method_throttles: Vec::new(),
            }],
            throttle: Some(ThrottleLimit {
                rate_limit: Some(20.0),
                burst_limit: Some(40),
            }),
            quota: None,
        }
    }

    #[test]
    fn stage_rate_limit_reached_is_apigw_stage_limit() {
        let fx = api_fx(stage(vec![("*/*", Some(100.0))]), vec![plan()], 100.0, 0.0);
        let a = analyze(&fx.obs());
        assert_eq!(a.cause, Cause::ApigwStageLimit);
        assert_eq!(a.culprit.as_deref(), Some("stage prod"));
        let st = &a.apigw.as_ref().unwrap().stages[0];
        assert_eq!(st.throttled_minutes.len(), 7);
        assert_eq!(st.throttled_requests, 7.0 * 1200.0);
        assert!(
            st.why
                .contains("100 requests/s against its throttling rate limit of 100"),
            "{}",
            st.why
        );
    }

    #[test]
    fn http_api_default_route_limit_is_the_stage_limit() {
        let api = ApiSummary {
            id: "x1y2z3".into(),
            name: "items".into(),
            kind: ApiKind::Http,
        };
        let a = analyze(
            &api_fx_of(
                api.clone(),
                stage(vec![("$default", Some(100.0))]),
                vec![],
                100.0,
                0.0,
            )
            .obs(),
        );
        assert_eq!(a.cause, Cause::ApigwStageLimit);
        // Its metrics were read by ApiId (and `4xx`, HTTP APIs' name for 4XXError).
        let side = ApiSide {
            api: api.clone(),
            stages: Vec::new(),
            routes: Gathered::Ready(Vec::new()),
            usage_plans: Gathered::Ready(Vec::new()),
            region_apis: Vec::new(),
        };
        let q = q_stage(&side, "prod", "4XXError", P);
        assert_eq!(q.name, "4xx");
        assert!(q
            .dimensions
            .contains(&("ApiId".to_string(), "x1y2z3".to_string())));
        // A route's own limit, keyed by its route key.
        let st = stage(vec![
            ("$default", Some(5000.0)),
            ("GET /orders", Some(50.0)),
        ]);
        let a = analyze(&api_fx_of(api, st, vec![], 60.0, 0.0).obs());
        assert_eq!(a.culprit.as_deref(), Some("stage prod GET /orders"));
    }

    #[test]
    fn method_rate_limit_reached_is_apigw_stage_limit_on_the_method() {
        let st = stage(vec![("*/*", Some(10_000.0)), ("orders/GET", Some(50.0))]);
        let a = analyze(&api_fx(st, vec![], 60.0, 0.0).obs());
        assert_eq!(a.cause, Cause::ApigwStageLimit);
        assert_eq!(a.culprit.as_deref(), Some("stage prod GET /orders"));
    }

    #[test]
    fn below_every_limit_with_a_usage_plan_is_the_usage_plan() {
        let st = stage(vec![("*/*", Some(10_000.0))]);
        let a = analyze(&api_fx(st, vec![plan()], 60.0, 0.0).obs());
        assert_eq!(a.cause, Cause::ApigwUsagePlan);
        assert_eq!(a.culprit.as_deref(), Some("usage plan partners"));
        assert!(a.apigw.unwrap().stages[0]
            .why
            .contains("throttle 20 requests/s (burst 40)"));
    }

    #[test]
    fn the_regions_apis_together_at_the_account_rate_is_apigw_account_limit() {
        let st = stage(vec![]);
        let a = analyze(&api_fx(st, vec![plan()], 600.0, 9_600.0).obs());
        assert_eq!(a.cause, Cause::ApigwAccountLimit);
        assert_eq!(a.culprit.as_deref(), Some("partner-api"));
        let api = a.apigw.unwrap();
        assert_eq!(api.region_peak_rps, Some(10_200.0));
    }

    #[test]
    fn a_4xx_rise_without_any_limit_is_not_called_throttling() {
        let a = analyze(&api_fx(stage(vec![]), vec![], 60.0, 0.0).obs());
        assert_eq!(a.cause, Cause::None);
        let st = &a.apigw.unwrap().stages[0];
        assert_eq!(st.throttled_minutes.len(), 7);
        assert!(st.why.contains("probably not throttling"), "{}", st.why);
    }

    #[test]
    fn a_steady_trickle_of_4xx_is_not_a_throttled_minute() {
        let count: BTreeMap<_, _> = (0..30).map(|k| (minute(k), 1000.0)).collect();
        // 8% 404s all along, one minute at 30%.
        let e4: BTreeMap<_, _> = (0..30)
            .map(|k| (minute(k), if k == 9 { 300.0 } else { 80.0 }))
            .collect();
        assert_eq!(throttled_minutes(&count, &e4), vec![minute(9)]);
        // Fewer than 10 errors never count.
        let small: BTreeMap<_, _> = (0..30).map(|k| (minute(k), 10.0)).collect();
        let e4: BTreeMap<_, _> = (0..30)
            .map(|k| (minute(k), if k == 9 { 9.0 } else { 0.0 }))
            .collect();
        assert!(throttled_minutes(&small, &e4).is_empty());
    }

    #[test]
    fn rest_method_setting_keys_become_routes() {
        assert_eq!(
            route_of_setting(ApiKind::Rest, "orders/GET").as_deref(),
            Some("GET /orders")
        );
        assert_eq!(
            route_of_setting(ApiKind::Rest, "~1orders~1{id}/GET").as_deref(),
            Some("GET /orders/{id}")
        );
        assert_eq!(route_of_setting(ApiKind::Rest, "*/*"), None);
        assert_eq!(
            route_of_setting(ApiKind::Http, "GET /items").as_deref(),
            Some("GET /items")
        );
    }

    #[test]
    fn unset_limits_are_ignored() {
        // API Gateway reports unset method throttles as -1 and the SDK reports absent ones as 0.
        let st = stage(vec![("*/*", Some(-1.0)), ("orders/GET", Some(0.0))]);
        let (s, m) = stage_limits(ApiKind::Rest, &st);
        assert!(s.is_none() && m.is_empty());
    }

    #[test]
    fn alarm_command_is_ready_to_paste() {
        let c = alarm_command("eu-west-1", 1000);
        for part in [
            "--region eu-west-1",
            "--namespace AWS/Lambda",
            "--metric-name ConcurrentExecutions",
            "--statistic Maximum",
            "--period 60",
            "--evaluation-periods 5",
            "--datapoints-to-alarm 2",
            "--threshold 800",
            "--treat-missing-data notBreaching",
        ] {
            assert!(c.contains(part), "{part} missing: {c}");
        }
        assert!(!c.contains("--dimensions"), "account-wide: no dimension");
        assert_eq!(shell_word("orders-fn"), "orders-fn");
        assert_eq!(shell_word("a b;rm -rf ~"), "'a b;rm -rf ~'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
