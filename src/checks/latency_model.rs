//! The latency model shared by the latency checks and the `latency` command: per-minute rows
//! built from the gathered series, the worst minute, and the seed procedure's reasoning
//! (backend slow, gateway overhead, client path, healthy). Pure functions only.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ApiContext, Gathered, MetricSet, Observations};
use crate::metrics::{self, APIGW, LAMBDA};
use crate::model::{ApiKind, FunctionRef, Route, StageInfo};

/// Latency at the five statistics gwdoctor fetches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Stats {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p90: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg: Option<f64>,
}

impl Stats {
    /// The value at `stat`, falling back to Maximum when that statistic has no datapoint
    /// (CloudWatch computes no percentile for some buckets).
    pub fn at(&self, stat: &str) -> Option<f64> {
        let v = match stat {
            "Maximum" => self.max,
            "p50" => self.p50,
            "p90" => self.p90,
            "p99" => self.p99,
            "Average" => self.avg,
            _ => None,
        };
        v.or(self.max)
    }

    fn is_empty(&self) -> bool {
        self.max.is_none()
            && self.p50.is_none()
            && self.p90.is_none()
            && self.p99.is_none()
            && self.avg.is_none()
    }
}

/// One minute (one period) of a stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Minute {
    pub at: DateTime<Utc>,
    pub latency: Stats,
    pub integration_latency: Stats,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<f64>,
    #[serde(rename = "4xx", skip_serializing_if = "Option::is_none")]
    pub errors_4xx: Option<f64>,
    #[serde(rename = "5xx", skip_serializing_if = "Option::is_none")]
    pub errors_5xx: Option<f64>,
    /// Slowest Lambda `Duration` (at the verdict statistic) among the stage's functions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_duration_ms: Option<f64>,
}

/// Why the backend was slow, as far as metrics can tell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "cause", rename_all = "kebab-case")]
pub enum BackendCause {
    /// Lambda Duration rose with IntegrationLatency: the handler itself got slow.
    Handler {
        function: String,
        duration_ms: f64,
        baseline_ms: Option<f64>,
    },
    /// Duration stayed low while IntegrationLatency rose: time went before the handler ran
    /// (initialisation / cold starts; Duration excludes Init Duration).
    Initialization {
        function: String,
        duration_ms: f64,
        integration_latency_ms: f64,
    },
    /// The integration is not Lambda (HTTP backend, AWS service...).
    NotLambda { integrations: Vec<String> },
    /// Lambda metrics were not available.
    Unknown { reason: String },
}

/// The verdict of the seed procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Backend,
    Gateway,
    ClientPath,
    Healthy,
    NoData,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Backend => "backend",
            Verdict::Gateway => "gateway",
            Verdict::ClientPath => "client-path",
            Verdict::Healthy => "healthy",
            Verdict::NoData => "no-data",
        }
    }
}

/// The slowest route at the peak, when detailed metrics exist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteAtPeak {
    pub route: String,
    pub latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
}

/// Backend slowness in a stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackendSlow {
    pub worst: Minute,
    pub integration_latency_ms: f64,
    pub slow_minutes: usize,
    pub cause: BackendCause,
    /// The integration timeout of the slowest route (29 s by default on REST APIs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<i64>,
}

/// Gateway overhead in a stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatewayOverhead {
    pub worst: Minute,
    pub overhead_ms: f64,
    pub minutes: usize,
    /// What the API does between client and integration: authorizers, mapping templates.
    pub contributors: Vec<String>,
}

/// The client's figure against API Gateway's slowest request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientPath {
    pub client_ms: f64,
    pub gateway_max_ms: f64,
    pub gap_ms: f64,
}

/// The whole analysis of one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageLatency {
    pub stage: String,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak: Option<Peak>,
    #[serde(skip)]
    pub minutes: Vec<Minute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendSlow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayOverhead>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientPath>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slowest_route: Option<RouteAtPeak>,
    /// Why there is no data, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_data_reason: Option<String>,
    /// Why the slowest route cannot be named when the stage had data: detailed (per-method)
    /// metrics are off, or on but without datapoints at the peak.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_method_note: Option<String>,
}

/// The worst minute, in the JSON contract's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Peak {
    pub at: DateTime<Utc>,
    pub latency_ms: f64,
    pub integration_latency_ms: Option<f64>,
    pub overhead_ms: Option<f64>,
}

/// Everything the latency command reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyAnalysis {
    pub verdict: Verdict,
    pub stat: String,
    pub peak: Option<Peak>,
    /// The stage the verdict comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    pub stages: Vec<StageLatency>,
}

/// The queries the latency analysis needs, for the gatherer to fetch in one batch.
pub fn queries(obs_api: &super::ApiContext, period_s: u32) -> Vec<crate::model::MetricQuery> {
    let api = &obs_api.api;
    let mut out = Vec::new();
    for stage in &obs_api.stages {
        let dims = metrics::stage_dims(api, &stage.name);
        for name in ["Latency", "IntegrationLatency"] {
            for stat in metrics::LATENCY_STATS {
                out.push(metrics::query(APIGW, name, &dims, stat, period_s));
            }
        }
        for logical in ["Count", "4XXError", "5XXError"] {
            let name = metrics::apigw_metric_name(api.kind, logical);
            out.push(metrics::query(APIGW, &name, &dims, "Sum", period_s));
        }
        if stage.detailed_metrics() {
            if let Gathered::Ready(routes) = &obs_api.routes {
                for r in routes {
                    let rd = metrics::route_dims(api, &stage.name, r);
                    for (name, stat) in [
                        ("Latency", "p99"),
                        ("Latency", "Maximum"),
                        ("IntegrationLatency", "p99"),
                    ] {
                        out.push(metrics::query(APIGW, name, &rd, stat, period_s));
                    }
                    out.push(metrics::query(APIGW, "Count", &rd, "Sum", period_s));
                }
            }
        }
    }
    for f in &obs_api.functions {
        let d = metrics::function_dims(f);
        for stat in ["Maximum", "p99", "Average"] {
            out.push(metrics::query(LAMBDA, "Duration", &d, stat, period_s));
        }
    }
    out
}

fn stats(
    m: &MetricSet,
    name: &str,
    dims: &[(String, String)],
    period: u32,
) -> Vec<(DateTime<Utc>, Stats)> {
    let mut rows: std::collections::BTreeMap<DateTime<Utc>, Stats> = Default::default();
    for stat in metrics::LATENCY_STATS {
        for p in m.get(&metrics::query(APIGW, name, dims, stat, period)) {
            let s = rows.entry(p.at).or_default();
            match stat {
                "Maximum" => s.max = Some(p.value),
                "p50" => s.p50 = Some(p.value),
                "p90" => s.p90 = Some(p.value),
                "p99" => s.p99 = Some(p.value),
                _ => s.avg = Some(p.value),
            }
        }
    }
    rows.into_iter().collect()
}

fn sum_at(m: &MetricSet, q: &crate::model::MetricQuery, at: DateTime<Utc>) -> Option<f64> {
    m.get(q).iter().find(|p| p.at == at).map(|p| p.value)
}

fn duration_at(
    m: &MetricSet,
    f: &FunctionRef,
    stat: &str,
    period: u32,
    at: DateTime<Utc>,
) -> Option<f64> {
    let d = metrics::function_dims(f);
    let get = |s: &str| sum_at(m, &metrics::query(LAMBDA, "Duration", &d, s, period), at);
    match stat {
        "Maximum" | "p99" | "Average" => get(stat).or_else(|| get("Maximum")),
        _ => get("p99").or_else(|| get("Maximum")),
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Functions that serve a stage (stage variables can point routes at other functions).
fn stage_functions(routes: &[Route], stage: &StageInfo) -> Vec<(String, FunctionRef)> {
    routes
        .iter()
        .filter_map(|r| {
            let uri = r.integration.as_ref()?.uri.as_ref()?;
            Some((
                r.key(),
                crate::model::function_from_uri(uri, &stage.variables)?,
            ))
        })
        .collect()
}

/// Runs the seed procedure over the observations.
pub fn analyze(obs: &Observations) -> LatencyAnalysis {
    let s = &obs.settings;
    let stages: Vec<StageLatency> = match &obs.api {
        Some(ctx) => ctx
            .stages
            .iter()
            .map(|st| analyze_stage(obs, ctx, st))
            .collect(),
        None => Vec::new(),
    };
    // The verdict comes from the worst unhealthy stage; "no data" only if no stage had data.
    let pick = stages
        .iter()
        .filter(|x| !matches!(x.verdict, Verdict::Healthy | Verdict::NoData))
        .max_by(|a, b| peak_ms(a).total_cmp(&peak_ms(b)))
        .or_else(|| {
            stages
                .iter()
                .filter(|x| x.verdict == Verdict::Healthy)
                .max_by(|a, b| peak_ms(a).total_cmp(&peak_ms(b)))
        })
        .or(stages.first());
    LatencyAnalysis {
        verdict: pick.map_or(Verdict::NoData, |x| x.verdict),
        stat: s.stat.clone(),
        peak: pick.and_then(|x| x.peak.clone()),
        stage: pick.map(|x| x.stage.clone()),
        stages,
    }
}

fn peak_ms(s: &StageLatency) -> f64 {
    s.peak.as_ref().map_or(0.0, |p| p.latency_ms)
}

fn analyze_stage(obs: &Observations, ctx: &ApiContext, stage: &StageInfo) -> StageLatency {
    let s = &obs.settings;
    let api = &ctx.api;
    let period = obs.period_s;
    let empty = StageLatency {
        stage: stage.name.clone(),
        verdict: Verdict::NoData,
        peak: None,
        minutes: Vec::new(),
        backend: None,
        gateway: None,
        client: None,
        slowest_route: None,
        no_data_reason: None,
        per_method_note: None,
    };
    let Gathered::Ready(m) = &obs.metrics else {
        return StageLatency {
            no_data_reason: Some("metrics could not be read".into()),
            ..empty
        };
    };
    let dims = metrics::stage_dims(api, &stage.name);
    let lat = stats(m, "Latency", &dims, period);
    let il: std::collections::BTreeMap<_, _> = stats(m, "IntegrationLatency", &dims, period)
        .into_iter()
        .collect();
    let routes: &[Route] = ctx.routes.ready().map_or(&[], Vec::as_slice);
    let fns = stage_functions(routes, stage);
    let mut distinct: Vec<FunctionRef> = fns.iter().map(|(_, f)| f.clone()).collect();
    distinct.sort();
    distinct.dedup();
    let q = |logical: &str| {
        metrics::query(
            APIGW,
            &metrics::apigw_metric_name(api.kind, logical),
            &dims,
            "Sum",
            period,
        )
    };
    let minutes: Vec<Minute> = lat
        .iter()
        .filter(|(at, l)| !l.is_empty() && obs.window.contains(*at))
        .map(|(at, l)| Minute {
            at: *at,
            latency: *l,
            integration_latency: il.get(at).copied().unwrap_or_default(),
            count: sum_at(m, &q("Count"), *at),
            errors_4xx: sum_at(m, &q("4XXError"), *at),
            errors_5xx: sum_at(m, &q("5XXError"), *at),
            lambda_duration_ms: distinct
                .iter()
                .filter_map(|f| duration_at(m, f, &s.stat, period, *at))
                .max_by(f64::total_cmp),
        })
        .collect();
    if minutes.is_empty() {
        return StageLatency {
            no_data_reason: Some(no_data_reason(obs, ctx, stage)),
            ..empty
        };
    }
    let stat = s.stat.as_str();
    let lat_v = |x: &Minute| x.latency.at(stat).unwrap_or(0.0);
    let il_v = |x: &Minute| x.integration_latency.at(stat);
    let Some(worst) = minutes
        .iter()
        .max_by(|a, b| lat_v(a).total_cmp(&lat_v(b)))
        .cloned()
    else {
        return StageLatency {
            no_data_reason: Some(no_data_reason(obs, ctx, stage)),
            ..empty
        };
    };
    let peak = Peak {
        at: worst.at,
        latency_ms: lat_v(&worst),
        integration_latency_ms: il_v(&worst),
        overhead_ms: il_v(&worst).map(|i| (lat_v(&worst) - i).max(0.0)),
    };

    // Slowest route at the peak (detailed metrics only).
    let slowest_route = if stage.detailed_metrics() {
        routes
            .iter()
            .filter_map(|r| {
                let rd = metrics::route_dims(api, &stage.name, r);
                let l = sum_at(
                    m,
                    &metrics::query(APIGW, "Latency", &rd, "p99", period),
                    worst.at,
                )
                .or_else(|| {
                    sum_at(
                        m,
                        &metrics::query(APIGW, "Latency", &rd, "Maximum", period),
                        worst.at,
                    )
                })?;
                Some(RouteAtPeak {
                    route: r.key(),
                    latency_ms: l,
                    integration_latency_ms: sum_at(
                        m,
                        &metrics::query(APIGW, "IntegrationLatency", &rd, "p99", period),
                        worst.at,
                    ),
                    function: fns
                        .iter()
                        .find(|(k, _)| *k == r.key())
                        .map(|(_, f)| f.name.clone()),
                })
            })
            .max_by(|a, b| a.latency_ms.total_cmp(&b.latency_ms))
    } else {
        None
    };
    let per_method_note = match (&slowest_route, &ctx.routes) {
        (None, Gathered::Ready(rs)) if !rs.is_empty() => Some(per_method_note(ctx, stage)),
        _ => None,
    };

    // Backend: IntegrationLatency itself is slow.
    let slow: Vec<&Minute> = minutes
        .iter()
        .filter(|x| il_v(x).is_some_and(|v| v >= s.slow_ms))
        .collect();
    let backend = slow
        .iter()
        .max_by(|a, b| il_v(a).unwrap_or(0.0).total_cmp(&il_v(b).unwrap_or(0.0)))
        .map(|w| {
            let il_ms = il_v(w).unwrap_or(0.0);
            let slow_at: Vec<DateTime<Utc>> = slow.iter().map(|x| x.at).collect();
            let cause = backend_cause(
                obs,
                routes,
                &fns,
                &distinct,
                &minutes,
                &slow_at,
                slowest_route.as_ref(),
                il_ms,
            );
            let timeout_ms = slowest_route
                .as_ref()
                .and_then(|sr| routes.iter().find(|r| r.key() == sr.route))
                .or_else(|| routes.iter().find(|r| r.integration.is_some()))
                .and_then(|r| r.integration.as_ref()?.timeout_ms);
            BackendSlow {
                worst: (*w).clone(),
                integration_latency_ms: il_ms,
                slow_minutes: slow.len(),
                cause,
                timeout_ms,
            }
        });

    // Gateway: time between Latency and IntegrationLatency.
    let over = |x: &Minute| il_v(x).map(|i| (lat_v(x) - i).max(0.0));
    let heavy: Vec<&Minute> = minutes
        .iter()
        .filter(|x| over(x).is_some_and(|o| o >= s.overhead_ms))
        .collect();
    let gateway = heavy
        .iter()
        .max_by(|a, b| over(a).unwrap_or(0.0).total_cmp(&over(b).unwrap_or(0.0)))
        .map(|w| GatewayOverhead {
            worst: (*w).clone(),
            overhead_ms: over(w).unwrap_or(0.0),
            minutes: heavy.len(),
            contributors: gateway_contributors(ctx, routes),
        });

    // Client path: the client's figure against the slowest request API Gateway measured.
    let gateway_max = minutes
        .iter()
        .filter_map(|x| x.latency.max.or(x.latency.at(stat)))
        .fold(0.0, f64::max);
    let client = s.client_ms.and_then(|c| {
        let gap = c - gateway_max;
        (gap >= s.client_gap_ms).then_some(ClientPath {
            client_ms: c,
            gateway_max_ms: gateway_max,
            gap_ms: gap,
        })
    });

    // Verdict: the largest component among those that fired.
    let mut parts: Vec<(Verdict, f64)> = Vec::new();
    if let Some(b) = &backend {
        parts.push((Verdict::Backend, b.integration_latency_ms));
    }
    if let Some(g) = &gateway {
        parts.push((Verdict::Gateway, g.overhead_ms));
    }
    if let Some(c) = &client {
        parts.push((Verdict::ClientPath, c.gap_ms));
    }
    let verdict = parts
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(Verdict::Healthy, |p| p.0);

    StageLatency {
        stage: stage.name.clone(),
        verdict,
        peak: Some(peak),
        minutes,
        backend,
        gateway,
        client,
        slowest_route,
        no_data_reason: None,
        per_method_note,
    }
}

#[allow(clippy::too_many_arguments)]
fn backend_cause(
    obs: &Observations,
    routes: &[Route],
    fns: &[(String, FunctionRef)],
    distinct: &[FunctionRef],
    minutes: &[Minute],
    slow_at: &[DateTime<Utc>],
    slowest: Option<&RouteAtPeak>,
    il_ms: f64,
) -> BackendCause {
    if distinct.is_empty() {
        let mut integrations: Vec<String> = routes
            .iter()
            .filter_map(|r| {
                let i = r.integration.as_ref()?;
                Some(format!(
                    "{} {} → {}",
                    r.key(),
                    i.kind,
                    i.uri.as_deref().unwrap_or("-")
                ))
            })
            .collect();
        integrations.dedup();
        if integrations.is_empty() {
            return BackendCause::Unknown {
                reason: "no integrations could be read".into(),
            };
        }
        return BackendCause::NotLambda { integrations };
    }
    let Gathered::Ready(m) = &obs.metrics else {
        return BackendCause::Unknown {
            reason: "metrics could not be read".into(),
        };
    };
    let stat = obs.settings.stat.as_str();
    let period = obs.period_s;
    // Prefer the function behind the slowest route; otherwise the one slowest during the peak.
    let chosen = slowest
        .and_then(|sr| sr.function.as_ref())
        .and_then(|name| distinct.iter().find(|f| &f.name == name))
        .or_else(|| {
            distinct.iter().max_by(|a, b| {
                let d = |f: &FunctionRef| {
                    slow_at
                        .iter()
                        .filter_map(|t| duration_at(m, f, stat, period, *t))
                        .fold(0.0, f64::max)
                };
                d(a).total_cmp(&d(b))
            })
        });
    let _ = fns;
    let Some(f) = chosen else {
        return BackendCause::Unknown {
            reason: "no Lambda function found".into(),
        };
    };
    let during: Vec<f64> = slow_at
        .iter()
        .filter_map(|t| duration_at(m, f, stat, period, *t))
        .collect();
    if during.is_empty() {
        return BackendCause::Unknown {
            reason: format!(
                "no Lambda Duration datapoints for {} during the slow minutes",
                f.name
            ),
        };
    }
    let d_slow = during.iter().copied().fold(0.0, f64::max);
    let baseline = median(
        minutes
            .iter()
            .filter(|x| !slow_at.contains(&x.at))
            .filter_map(|x| duration_at(m, f, stat, period, x.at))
            .collect(),
    );
    // Duration excludes Init Duration. If the handler accounts for at least half of the
    // integration time, the handler is the slow part; otherwise time went before it ran.
    if d_slow >= 0.5 * il_ms {
        BackendCause::Handler {
            function: f.name.clone(),
            duration_ms: d_slow,
            baseline_ms: baseline,
        }
    } else {
        BackendCause::Initialization {
            function: f.name.clone(),
            duration_ms: d_slow,
            integration_latency_ms: il_ms,
        }
    }
}

fn gateway_contributors(ctx: &ApiContext, routes: &[Route]) -> Vec<String> {
    let mut out = Vec::new();
    match &ctx.authorizers {
        Gathered::Ready(auths) => {
            for a in auths.iter().filter(|a| a.is_lambda()) {
                let used = routes
                    .iter()
                    .filter(|r| r.authorizer_id.as_deref() == Some(a.id.as_str()))
                    .count();
                let cache = match a.result_ttl_s {
                    Some(0) => "results not cached (TTL 0): runs on every request".to_string(),
                    Some(t) => format!("results cached {t} s"),
                    None => "cache TTL unknown".to_string(),
                };
                out.push(format!(
                    "Lambda {} authorizer '{}' on {used} route(s), {cache}",
                    a.kind, a.name
                ));
            }
        }
        Gathered::Unavailable(why) => out.push(format!("authorizers unknown ({why})")),
    }
    let templated: Vec<String> = routes
        .iter()
        .filter(|r| {
            r.integration
                .as_ref()
                .is_some_and(|i| !i.request_templates.is_empty() && !i.kind.ends_with("_PROXY"))
        })
        .map(|r| r.key())
        .collect();
    if !templated.is_empty() {
        let shown: Vec<&str> = templated.iter().take(5).map(String::as_str).collect();
        out.push(format!(
            "request mapping templates (VTL) on {} route(s): {}{}",
            templated.len(),
            shown.join(", "),
            if templated.len() > 5 { ", …" } else { "" }
        ));
    }
    out
}

/// Why no route can be named at the peak. API Gateway always publishes the stage-level
/// series; per-method (REST) and per-route (HTTP) series only with detailed metrics on.
fn per_method_note(ctx: &ApiContext, stage: &StageInfo) -> String {
    let api = &ctx.api;
    let (unit, enable) = match api.kind {
        ApiKind::Rest => (
            "method",
            format!(
                "aws apigateway update-stage --rest-api-id {} --stage-name {} --patch-operations op=replace,path=/*/*/metrics/enabled,value=true",
                api.id, stage.name
            ),
        ),
        ApiKind::Http => (
            "route",
            format!(
                "aws apigatewayv2 update-stage --api-id {} --stage-name {} --default-route-settings DetailedMetricsEnabled=true",
                api.id, stage.name
            ),
        ),
    };
    if stage.detailed_metrics() {
        format!(
            "detailed metrics are on in stage {}, but CloudWatch has no per-{unit} datapoint at the peak minute (turned on after it, or only for other {unit}s), so the slowest {unit} cannot be named",
            stage.name
        )
    } else {
        format!(
            "detailed metrics are off in stage {}: API Gateway publishes only the stage-level series, so the slowest {unit} cannot be named (they cost extra CloudWatch metrics; to turn them on: {enable})",
            stage.name
        )
    }
}

fn no_data_reason(obs: &Observations, ctx: &ApiContext, stage: &StageInfo) -> String {
    let api = &ctx.api;
    let dims: Vec<String> = metrics::stage_dims(api, &stage.name)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut why = format!(
        "no Latency datapoints for {} between {} and {}. Possible causes: no traffic in the window (widen --since); ",
        dims.join(", "),
        obs.window.start.format("%Y-%m-%d %H:%M"),
        obs.window.end.format("%Y-%m-%d %H:%M UTC")
    );
    match api.kind {
        ApiKind::Rest => {
            why.push_str("REST metrics are published under the API *name*");
            if metrics::rest_api_name_dimension(api) != api.name {
                why.push_str(" with non-ASCII characters removed");
            }
            why.push_str(", so two APIs with the same name share metrics and a renamed API starts a new series; ");
        }
        ApiKind::Http => why.push_str("HTTP API metrics are published under ApiId; "),
    }
    let names: Vec<&str> = ctx.stages.iter().map(|s| s.name.as_str()).collect();
    why.push_str(&format!(
        "traffic may go to another stage (diagnosed: {}). Not a cause: the stage's metrics setting, since API Gateway publishes these stage-level metrics whether or not detailed metrics are on (they only add per-{} series)",
        names.join(", "),
        match api.kind {
            ApiKind::Rest => "method",
            ApiKind::Http => "route",
        }
    ));
    why
}

#[cfg(test)]
mod tests {
    //! Verdict logic over realistic per-minute series: a calm baseline with jitter and a
    //! peak lasting a few minutes, as CloudWatch reports an incident.
    use super::*;
    use crate::checks::{ApiContext, Settings};
    use crate::model::{ApiSummary, Authorizer, Integration, MethodSettings, Point, Window};
    use chrono::TimeZone;

    const PERIOD: u32 = 60;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap()
    }

    /// A latency-shaped series: `base` with ±8% deterministic jitter, `peak` during minutes
    /// 40..46 (ramping up and down).
    fn shape(base: f64, peak: f64) -> Vec<f64> {
        (0..60)
            .map(|i| {
                let jitter = 1.0 + 0.08 * (((i * 37) % 17) as f64 / 8.5 - 1.0);
                let level = match i {
                    40 | 46 => base + (peak - base) * 0.5,
                    41..=45 => peak,
                    _ => base,
                };
                level * jitter
            })
            .collect()
    }

    struct Scenario {
        api: ApiSummary,
        routes: Vec<Route>,
        authorizers: Vec<Authorizer>,
        metrics: MetricSet,
    }

    impl Scenario {
        fn rest() -> Self {
            let api = ApiSummary {
                id: "a1b2c3d4e5".into(),
                name: "orders-api".into(),
                kind: ApiKind::Rest,
            };
            let routes = vec![Route {
                method: "GET".into(),
                path: "/orders".into(),
                resource_id: Some("abc123".into()),
                authorization: Some("NONE".into()),
                authorizer_id: None,
                integration: Some(Integration {
                    kind: "AWS_PROXY".into(),
                    uri: Some("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders-fn/invocations".into()),
                    timeout_ms: Some(29000),
                    request_templates: vec![],
                    tls_insecure_skip_verification: None,
                }),
            }];
            Scenario {
                api,
                routes,
                authorizers: vec![],
                metrics: MetricSet::default(),
            }
        }

        /// Puts a latency metric at all five statistics (p50/p90 below p99, Maximum above).
        fn latency(mut self, name: &str, values: &[f64]) -> Self {
            let dims = metrics::stage_dims(&self.api, "prod");
            for (stat, factor) in [
                ("Maximum", 1.15),
                ("p99", 1.0),
                ("p90", 0.8),
                ("p50", 0.5),
                ("Average", 0.6),
            ] {
                let pts = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Point {
                        at: t0() + chrono::Duration::minutes(i as i64),
                        value: v * factor,
                    })
                    .collect();
                self.metrics
                    .insert(metrics::query(APIGW, name, &dims, stat, PERIOD), pts);
            }
            self
        }

        fn duration(mut self, values: &[f64]) -> Self {
            let f = FunctionRef {
                name: "orders-fn".into(),
                qualifier: None,
            };
            for (stat, factor) in [("Maximum", 1.1), ("p99", 1.0), ("Average", 0.7)] {
                let pts = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Point {
                        at: t0() + chrono::Duration::minutes(i as i64),
                        value: v * factor,
                    })
                    .collect();
                self.metrics.insert(
                    metrics::query(
                        LAMBDA,
                        "Duration",
                        &metrics::function_dims(&f),
                        stat,
                        PERIOD,
                    ),
                    pts,
                );
            }
            self
        }

        fn obs(&self, settings: Settings) -> Observations {
            Observations {
                now: t0() + chrono::Duration::hours(1),
                window: Window {
                    start: t0(),
                    end: t0() + chrono::Duration::hours(1),
                },
                period_s: PERIOD,
                api: Some(ApiContext {
                    api: self.api.clone(),
                    stages: vec![StageInfo {
                        name: "prod".into(),
                        ..StageInfo::default()
                    }],
                    routes: Gathered::Ready(self.routes.clone()),
                    authorizers: Gathered::Ready(self.authorizers.clone()),
                    functions: vec![FunctionRef {
                        name: "orders-fn".into(),
                        qualifier: None,
                    }],
                }),
                metrics: Gathered::Ready(self.metrics.clone()),
                logs: Gathered::Unavailable(Observations::NO_LOGS.into()),
                settings,
            }
        }
    }

    #[test]
    fn slow_handler_is_backend_handler() {
        let s = Scenario::rest()
            .latency("Latency", &shape(130.0, 3900.0))
            .latency("IntegrationLatency", &shape(110.0, 3860.0))
            .duration(&shape(95.0, 3800.0));
        let a = analyze(&s.obs(Settings::default()));
        assert_eq!(a.verdict, Verdict::Backend);
        let st = &a.stages[0];
        let b = st.backend.as_ref().unwrap();
        assert!(
            matches!(&b.cause, BackendCause::Handler { function, baseline_ms: Some(base), .. } if function == "orders-fn" && *base < 150.0),
            "{:?}",
            b.cause
        );
        assert_eq!(b.slow_minutes, 7);
        let peak = a.peak.unwrap();
        assert!(
            peak.at >= t0() + chrono::Duration::minutes(41)
                && peak.at <= t0() + chrono::Duration::minutes(45)
        );
        assert!(peak.overhead_ms.unwrap() < 100.0);
        assert!(st.gateway.is_none());
    }

    #[test]
    fn flat_duration_points_to_initialisation() {
        let s = Scenario::rest()
            .latency("Latency", &shape(130.0, 2600.0))
            .latency("IntegrationLatency", &shape(110.0, 2570.0))
            .duration(&shape(90.0, 95.0));
        let a = analyze(&s.obs(Settings::default()));
        assert_eq!(a.verdict, Verdict::Backend);
        assert!(matches!(
            a.stages[0].backend.as_ref().unwrap().cause,
            BackendCause::Initialization { .. }
        ));
    }

    #[test]
    fn authorizer_overhead_is_gateway_and_named() {
        let mut s = Scenario::rest()
            .latency("Latency", &shape(140.0, 1800.0))
            .latency("IntegrationLatency", &shape(80.0, 85.0))
            .duration(&shape(60.0, 62.0));
        s.routes[0].authorizer_id = Some("auth1".into());
        s.authorizers.push(Authorizer {
            id: "auth1".into(),
            name: "jwt-check".into(),
            kind: "TOKEN".into(),
            uri: Some("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations".into()),
            result_ttl_s: Some(0),
        });
        let a = analyze(&s.obs(Settings::default()));
        assert_eq!(a.verdict, Verdict::Gateway);
        let g = a.stages[0].gateway.as_ref().unwrap();
        assert!(g.overhead_ms > 1500.0);
        assert!(
            g.contributors[0].contains("jwt-check") && g.contributors[0].contains("TTL 0"),
            "{:?}",
            g.contributors
        );
        assert!(a.stages[0].backend.is_none());
    }

    #[test]
    fn client_figure_far_above_gateway_is_client_path() {
        let s = Scenario::rest()
            .latency("Latency", &shape(120.0, 180.0))
            .latency("IntegrationLatency", &shape(100.0, 160.0));
        let a = analyze(&s.obs(Settings {
            client_ms: Some(2500.0),
            ..Settings::default()
        }));
        assert_eq!(a.verdict, Verdict::ClientPath);
        let c = a.stages[0].client.as_ref().unwrap();
        assert!(c.gap_ms > 2000.0);
        // A client figure within the gateway's own range is not a client-path problem.
        let a = analyze(&s.obs(Settings {
            client_ms: Some(220.0),
            ..Settings::default()
        }));
        assert_eq!(a.verdict, Verdict::Healthy);
    }

    #[test]
    fn calm_api_is_healthy_and_thresholds_are_flags() {
        let s = Scenario::rest()
            .latency("Latency", &shape(130.0, 700.0))
            .latency("IntegrationLatency", &shape(110.0, 650.0));
        assert_eq!(
            analyze(&s.obs(Settings::default())).verdict,
            Verdict::Healthy
        );
        let strict = Settings {
            slow_ms: 500.0,
            ..Settings::default()
        };
        assert_eq!(analyze(&s.obs(strict)).verdict, Verdict::Backend);
    }

    #[test]
    fn no_datapoints_is_no_data_with_a_reason() {
        let s = Scenario::rest();
        let a = analyze(&s.obs(Settings::default()));
        assert_eq!(a.verdict, Verdict::NoData);
        let why = a.stages[0].no_data_reason.as_ref().unwrap();
        assert!(
            why.contains("ApiName=orders-api") && why.contains("Stage=prod"),
            "{why}"
        );
        // Stage-level metrics do not depend on the metrics setting: the text must not send
        // the user to turn on detailed metrics for this.
        assert!(
            why.contains("Not a cause: the stage's metrics setting"),
            "{why}"
        );
        assert!(
            why.contains("traffic may go to another stage (diagnosed: prod)"),
            "{why}"
        );
    }

    #[test]
    fn missing_percentiles_fall_back_to_maximum() {
        let mut s = Scenario::rest();
        let dims = metrics::stage_dims(&s.api, "prod");
        for name in ["Latency", "IntegrationLatency"] {
            let v = if name == "Latency" { 3000.0 } else { 2950.0 };
            s.metrics.insert(
                metrics::query(APIGW, name, &dims, "Maximum", PERIOD),
                vec![Point { at: t0(), value: v }],
            );
        }
        let a = analyze(&s.obs(Settings::default()));
        assert_eq!(a.verdict, Verdict::Backend);
        assert_eq!(a.peak.unwrap().latency_ms, 3000.0);
    }

    #[test]
    fn per_method_metrics_name_the_slowest_route() {
        let mut s = Scenario::rest()
            .latency("Latency", &shape(130.0, 3900.0))
            .latency("IntegrationLatency", &shape(110.0, 3860.0))
            .duration(&shape(95.0, 3800.0));
        s.routes.push(Route {
            method: "POST".into(),
            path: "/orders".into(),
            ..s.routes[0].clone()
        });
        let mut o = s.obs(Settings::default());
        o.api.as_mut().unwrap().stages[0].method_settings = vec![(
            "*/*".into(),
            MethodSettings {
                metrics_enabled: Some(true),
                ..Default::default()
            },
        )];
        let api = o.api.as_ref().unwrap().api.clone();
        let mut m = s.metrics.clone();
        for (r, v) in [(&s.routes[0], 3950.0), (&s.routes[1], 240.0)] {
            let rd = metrics::route_dims(&api, "prod", r);
            m.insert(
                metrics::query(APIGW, "Latency", &rd, "p99", PERIOD),
                (0..60)
                    .map(|i| Point {
                        at: t0() + chrono::Duration::minutes(i),
                        value: v,
                    })
                    .collect(),
            );
        }
        o.metrics = Gathered::Ready(m);
        let a = analyze(&o);
        let r = a.stages[0].slowest_route.as_ref().unwrap();
        assert_eq!(r.route, "GET /orders");
        assert_eq!(r.function.as_deref(), Some("orders-fn"));
        assert_eq!(a.stages[0].per_method_note, None);
    }

    #[test]
    fn without_per_method_data_the_reason_is_said() {
        let s = Scenario::rest()
            .latency("Latency", &shape(130.0, 3900.0))
            .latency("IntegrationLatency", &shape(110.0, 3860.0))
            .duration(&shape(95.0, 3800.0));
        // Detailed metrics off (the default): stage-level data, no per-method series.
        let a = analyze(&s.obs(Settings::default()));
        assert_eq!(a.verdict, Verdict::Backend);
        let note = a.stages[0].per_method_note.as_deref().unwrap();
        assert!(
            note.starts_with("detailed metrics are off in stage prod"),
            "{note}"
        );
        assert!(
            note.contains("--rest-api-id a1b2c3d4e5 --stage-name prod --patch-operations op=replace,path=/*/*/metrics/enabled,value=true"),
            "{note}"
        );
        // On, but no per-method datapoint at the peak (turned on after the incident).
        let mut o = s.obs(Settings::default());
        o.api.as_mut().unwrap().stages[0].method_settings = vec![(
            "orders/GET".into(),
            MethodSettings {
                metrics_enabled: Some(true),
                ..Default::default()
            },
        )];
        let a = analyze(&o);
        let note = a.stages[0].per_method_note.as_deref().unwrap();
        assert!(
            note.starts_with("detailed metrics are on in stage prod, but"),
            "{note}"
        );
        // HTTP APIs say route and name their own command.
        let mut o = s.obs(Settings::default());
        o.api.as_mut().unwrap().api.kind = ApiKind::Http;
        let a = analyze(&o);
        // The metrics are keyed by REST dimensions, so this is the no-data path: it says
        // detailed metrics are not the cause.
        let why = a.stages[0].no_data_reason.as_deref().unwrap();
        assert!(
            why.contains("HTTP API metrics are published under ApiId"),
            "{why}"
        );
        assert!(
            why.contains("whether or not detailed metrics are on (they only add per-route series)"),
            "{why}"
        );
        assert_eq!(a.stages[0].per_method_note, None);
        assert!(per_method_note(o.api.as_ref().unwrap(), &o.api.as_ref().unwrap().stages[0])
            .contains("aws apigatewayv2 update-stage --api-id a1b2c3d4e5 --stage-name prod --default-route-settings DetailedMetricsEnabled=true"));
    }
}
