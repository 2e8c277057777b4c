//! Panel sources: how each gwdoctor command plugs into the dashboard.
//!
//! A panel is one command (`latency`, `ssl --api`, later `cold-starts`, `throttles`,
//! `trace`). Its [`PanelSpec`] says what it is and when it runs; its [`PanelSource`] runs the
//! command's own `run` function through the shared [`Source`] and returns [`PanelData`]: the
//! command's [`Report`] (the same one the CLI renders) plus the charts it wants drawn.
//!
//! Adding a command to the dashboard: a `PanelSource` impl here (call the command's `run`,
//! turn its typed data into [`ChartData`]), one line in [`sources`], and delete its entry in
//! [`planned`]. Nothing in the app state or the view changes (cold-starts, throttles and
//! trace were added this way after the dashboard; only their keys, `c` and `T`, are new in
//! the key handler and the help screen, and trace's prompt existed from the start).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::checks::apigw_client_path_latency::ApigwClientPathLatency;
use crate::checks::cold_start_model::ColdStartAnalysis;
use crate::checks::latency_model::LatencyAnalysis;
use crate::checks::throttle_model::{self, ThrottleAnalysis};
use crate::checks::{self, tls_backend};
use crate::commands::cold_starts::ColdStartsRequest;
use crate::commands::latency::LatencyRequest;
use crate::commands::ssl::SslRequest;
use crate::commands::throttles::ThrottlesRequest;
use crate::commands::trace::TraceRequest;
use crate::finding::Report;
use crate::model::{Series, Window};
use crate::source::Source;

/// Which command a panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PanelId {
    Latency,
    Tls,
    ColdStarts,
    Throttles,
    Trace,
}

impl PanelId {
    /// The short name shown in the panel bar.
    pub fn name(self) -> &'static str {
        match self {
            PanelId::Latency => "latency",
            PanelId::Tls => "tls",
            PanelId::ColdStarts => "cold-starts",
            PanelId::Throttles => "throttles",
            PanelId::Trace => "trace",
        }
    }
}

/// When a panel runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// On start, on `r` and on every `--refresh`.
    Auto,
    /// When its key is pressed (then also on refresh).
    OnKey(char),
    /// When a prompt opened by its key is answered (trace's request id); not on refresh.
    OnPrompt(char),
    /// The command is not built yet: the dashboard says so instead of faking it.
    NotYet {
        /// The issue that builds it.
        issue: u32,
    },
}

/// What the dashboard knows about a panel before it has run.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSpec {
    pub id: PanelId,
    /// The CLI command behind it (`gwdoctor latency`).
    pub command: &'static str,
    pub availability: Availability,
    /// The checks it runs (id, title): shown with a spinner while it loads.
    pub checks: Vec<(String, String)>,
    /// Charts it will draw: shown as "not available yet" for `NotYet` panels and as "press
    /// KEY" for on-key panels that have not run.
    pub planned_charts: Vec<&'static str>,
}

/// A time-series chart, independent of the command that produced it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChartData {
    /// `Latency vs IntegrationLatency`.
    pub title: String,
    /// Extra context after the title (`stage prod · p99`).
    pub subtitle: String,
    /// Unit of the y axis (`ms`).
    pub unit: String,
    /// The window the x axis spans.
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub series: Vec<ChartSeries>,
    /// A point to mark (the peak).
    pub mark: Option<ChartMark>,
    /// A horizontal line (a limit, e.g. account concurrency).
    pub limit: Option<ChartLimit>,
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    pub name: String,
    pub role: SeriesRole,
    /// Oldest first.
    pub points: Vec<(DateTime<Utc>, f64)>,
}

/// How prominent a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesRole {
    Primary,
    Secondary,
    /// Background context (dim).
    Context,
}

/// A marked point.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartMark {
    pub at: DateTime<Utc>,
    pub value: f64,
    pub label: String,
}

/// A horizontal line.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartLimit {
    pub value: f64,
    pub label: String,
}

/// What a panel load produced.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelData {
    /// The command's report, as the CLI would render it.
    pub report: Report,
    /// The command's analysis had no data at all.
    pub inconclusive: bool,
    /// One sentence for the top of the screen (the verdict).
    pub headline: Option<String>,
    pub charts: Vec<ChartData>,
}

/// Runs one command for the dashboard.
#[async_trait]
pub trait PanelSource: Send + Sync {
    fn spec(&self) -> PanelSpec;
    /// Runs the command. `arg` is what the user typed for commands that take one (trace's
    /// request id); `None` otherwise.
    async fn load(&self, source: &dyn Source, arg: Option<&str>) -> anyhow::Result<PanelData>;
}

/// `gwdoctor latency`: the report, the verdict and a Latency vs IntegrationLatency chart per
/// stage.
pub struct LatencyPanel {
    pub req: LatencyRequest,
}

#[async_trait]
impl PanelSource for LatencyPanel {
    fn spec(&self) -> PanelSpec {
        let all = checks::registry(self.req.extra_checks.clone());
        let checks = all
            .iter()
            .map(|c| c.info())
            .filter(|i| i.commands.iter().any(|x| x == "latency"))
            .filter(|i| i.id != ApigwClientPathLatency::ID || self.req.settings.client_ms.is_some())
            .map(|i| (i.id, i.title))
            .collect();
        PanelSpec {
            id: PanelId::Latency,
            command: "gwdoctor latency",
            availability: Availability::Auto,
            checks,
            planned_charts: Vec::new(),
        }
    }

    async fn load(&self, source: &dyn Source, _arg: Option<&str>) -> anyhow::Result<PanelData> {
        let o = crate::commands::latency::run(source, &self.req).await?;
        let headline = o.report.section.as_ref().and_then(|s| {
            let first = s.text.split("\n\n").next().unwrap_or("").trim();
            (!first.is_empty()).then(|| first.replace('\n', " "))
        });
        let charts = latency_charts(&o.analysis, &o.report);
        Ok(PanelData {
            report: o.report,
            inconclusive: o.inconclusive,
            headline,
            charts,
        })
    }
}

/// One chart per stage with data, the verdict's stage first: Latency and IntegrationLatency at
/// the verdict statistic, the slowest Lambda Duration as context, the peak marked.
pub fn latency_charts(a: &LatencyAnalysis, report: &Report) -> Vec<ChartData> {
    let stat = a.stat.as_str();
    let mut stages: Vec<_> = a.stages.iter().collect();
    stages.sort_by_key(|s| Some(&s.stage) != a.stage.as_ref());
    stages
        .into_iter()
        .map(|st| {
            let pick = |f: &dyn Fn(&crate::checks::latency_model::Minute) -> Option<f64>| {
                st.minutes
                    .iter()
                    .filter_map(|m| f(m).map(|v| (m.at, v)))
                    .collect::<Vec<_>>()
            };
            let mut series = vec![
                ChartSeries {
                    name: "Latency".into(),
                    role: SeriesRole::Primary,
                    points: pick(&|m| m.latency.at(stat)),
                },
                ChartSeries {
                    name: "IntegrationLatency".into(),
                    role: SeriesRole::Secondary,
                    points: pick(&|m| m.integration_latency.at(stat)),
                },
            ];
            let lambda = pick(&|m| m.lambda_duration_ms);
            if !lambda.is_empty() {
                series.push(ChartSeries {
                    name: "Lambda Duration".into(),
                    role: SeriesRole::Context,
                    points: lambda,
                });
            }
            ChartData {
                title: "Latency vs IntegrationLatency".into(),
                subtitle: format!("stage {} · {stat} · per minute", st.stage),
                unit: "ms".into(),
                start: Some(report.target.start),
                end: Some(report.target.end),
                series,
                mark: st.peak.as_ref().map(|p| ChartMark {
                    at: p.at,
                    value: p.latency_ms,
                    label: format!(
                        "peak {} ms at {}",
                        crate::output::text::fmt_value(p.latency_ms),
                        p.at.format("%H:%M")
                    ),
                }),
                limit: None,
            }
        })
        .collect()
}

/// `gwdoctor ssl --api`: every HTTPS backend of the API's HTTP integrations against API
/// Gateway's TLS rules. Runs on `s` (it opens connections to the backends).
pub struct TlsPanel {
    pub req: SslRequest,
}

impl TlsPanel {
    /// The TLS check of `api`'s backends with the CLI's defaults.
    pub fn new(api: &str, timeout: Duration) -> TlsPanel {
        TlsPanel {
            req: SslRequest {
                api: Some(api.to_string()),
                warn_days: 30,
                timeout,
                ..SslRequest::default()
            },
        }
    }
}

#[async_trait]
impl PanelSource for TlsPanel {
    fn spec(&self) -> PanelSpec {
        PanelSpec {
            id: PanelId::Tls,
            command: "gwdoctor ssl --api",
            availability: Availability::OnKey('s'),
            checks: tls_backend::catalog()
                .into_iter()
                .map(|i| (i.id, i.title))
                .collect(),
            planned_charts: Vec::new(),
        }
    }

    async fn load(&self, source: &dyn Source, _arg: Option<&str>) -> anyhow::Result<PanelData> {
        let o = crate::commands::ssl::run(Some(source), &self.req, source.now()).await?;
        let verdict = o
            .report
            .section
            .as_ref()
            .and_then(|s| s.json.get("verdict").and_then(|v| v.as_str()))
            .unwrap_or("unknown")
            .to_string();
        let backends = o
            .report
            .section
            .as_ref()
            .and_then(|s| s.json.get("backends").and_then(|v| v.as_array()))
            .map_or(0, Vec::len);
        let headline = Some(if backends == 0 {
            "TLS: no HTTPS backend was checked (see the notes)".to_string()
        } else {
            format!(
                "TLS: {verdict} ({backends} HTTPS backend(s) checked against API Gateway's rules)"
            )
        });
        Ok(PanelData {
            report: o.report,
            inconclusive: o.inconclusive,
            headline,
            charts: Vec::new(),
        })
    }
}

/// `gwdoctor cold-starts --api`: the REPORT lines of every function behind the API, cold
/// starts and Init Duration per minute against each function's own baseline. Runs on `c`
/// (it reads logs: FilterLogEvents or Logs Insights, which cost more than metrics).
pub struct ColdStartsPanel {
    pub req: ColdStartsRequest,
}

impl ColdStartsPanel {
    /// Cold starts of the functions behind the dashboard's API, over the same window.
    pub fn new(latency: &LatencyRequest) -> ColdStartsPanel {
        ColdStartsPanel {
            req: ColdStartsRequest {
                api: Some(latency.api.clone()),
                stage: latency.stage.clone(),
                window: latency.window.clone(),
                extra_checks: latency.extra_checks.clone(),
                threads: 1,
                // Its spinner draws on stderr: never under the dashboard.
                spinner: false,
                ..ColdStartsRequest::default()
            },
        }
    }
}

#[async_trait]
impl PanelSource for ColdStartsPanel {
    fn spec(&self) -> PanelSpec {
        let checks = checks::registry(self.req.extra_checks.clone())
            .iter()
            .map(|c| c.info())
            .filter(|i| i.commands.iter().any(|x| x == "cold-starts"))
            .map(|i| (i.id, i.title))
            .collect();
        PanelSpec {
            id: PanelId::ColdStarts,
            command: "gwdoctor cold-starts --api",
            availability: Availability::OnKey('c'),
            checks,
            planned_charts: vec!["Init Duration and cold starts per minute"],
        }
    }

    async fn load(&self, source: &dyn Source, _arg: Option<&str>) -> anyhow::Result<PanelData> {
        let o = crate::commands::cold_starts::run(Some(source), &self.req).await?;
        let charts = cold_start_charts(&o.analysis, &o.report);
        let headline = o
            .report
            .findings()
            .next()
            .map(|f| format!("Cold starts: {}", f.summary));
        Ok(PanelData {
            report: o.report,
            inconclusive: o.inconclusive,
            headline,
            charts,
        })
    }
}

/// Two charts per function with timed REPORT lines: the largest Init Duration per minute and
/// the cold starts per minute (with invocations), each against the function's own spike
/// threshold, the worst minute marked.
pub fn cold_start_charts(a: &ColdStartAnalysis, report: &Report) -> Vec<ChartData> {
    let fmt = crate::output::text::fmt_value;
    let mut out = Vec::new();
    for f in a.functions.iter().filter(|f| !f.minutes.is_empty()) {
        let init: Vec<(DateTime<Utc>, f64)> = f
            .minutes
            .iter()
            .filter_map(|m| m.init_ms_max.map(|v| (m.at, v)))
            .collect();
        if let Some(&(at, value)) = init.iter().max_by(|x, y| x.1.total_cmp(&y.1)) {
            out.push(ChartData {
                title: "Init Duration per minute".into(),
                subtitle: format!("{} · largest of the minute's cold starts", f.name),
                unit: "ms".into(),
                start: Some(report.target.start),
                end: Some(report.target.end),
                series: vec![ChartSeries {
                    name: "Init Duration".into(),
                    role: SeriesRole::Primary,
                    points: init,
                }],
                mark: Some(ChartMark {
                    at,
                    value,
                    label: format!("max {} ms at {}", fmt(value), at.format("%H:%M")),
                }),
                limit: f
                    .baseline
                    .as_ref()
                    .and_then(|b| b.init_threshold_ms)
                    .map(|v| ChartLimit {
                        value: v,
                        label: format!("spike threshold {} ms", fmt(v)),
                    }),
            });
        }
        let cold: Vec<(DateTime<Utc>, f64)> = f
            .minutes
            .iter()
            .map(|m| (m.at, m.cold_starts as f64))
            .collect();
        let worst = cold.iter().copied().max_by(|x, y| x.1.total_cmp(&y.1));
        out.push(ChartData {
            title: "Cold starts per minute".into(),
            subtitle: f.name.clone(),
            unit: "/min".into(),
            start: Some(report.target.start),
            end: Some(report.target.end),
            series: vec![
                ChartSeries {
                    name: "cold starts".into(),
                    role: SeriesRole::Primary,
                    points: cold,
                },
                ChartSeries {
                    name: "invocations".into(),
                    role: SeriesRole::Context,
                    points: f
                        .minutes
                        .iter()
                        .map(|m| (m.at, m.invocations as f64))
                        .collect(),
                },
            ],
            mark: worst.filter(|w| w.1 > 0.0).map(|(at, value)| ChartMark {
                at,
                value,
                label: format!("max {} at {}", fmt(value), at.format("%H:%M")),
            }),
            limit: f.baseline.as_ref().map(|b| ChartLimit {
                value: b.cold_starts_threshold,
                label: format!("spike threshold {}/min", fmt(b.cold_starts_threshold)),
            }),
        });
    }
    out
}

/// `gwdoctor throttles --api`: which limit throttled requests and which function drove it.
/// Runs on `T` (it looks at every function of the region).
pub struct ThrottlesPanel {
    pub req: ThrottlesRequest,
}

impl ThrottlesPanel {
    /// Throttling around the dashboard's API, over the same window.
    pub fn new(latency: &LatencyRequest) -> ThrottlesPanel {
        ThrottlesPanel {
            req: ThrottlesRequest {
                api: Some(latency.api.clone()),
                functions: Vec::new(),
                window: latency.window.clone(),
                apigw_account_rps: None,
                top: 10,
            },
        }
    }
}

#[async_trait]
impl PanelSource for ThrottlesPanel {
    fn spec(&self) -> PanelSpec {
        let checks = checks::registry(Vec::new())
            .iter()
            .map(|c| c.info())
            .filter(|i| i.commands.iter().any(|x| x == "throttles"))
            .map(|i| (i.id, i.title))
            .collect();
        PanelSpec {
            id: PanelId::Throttles,
            command: "gwdoctor throttles --api",
            availability: Availability::OnKey('T'),
            checks,
            planned_charts: vec!["ConcurrentExecutions vs the limit, with throttles"],
        }
    }

    async fn load(&self, source: &dyn Source, _arg: Option<&str>) -> anyhow::Result<PanelData> {
        let o = crate::commands::throttles::run(source, &self.req).await?;
        // The per-minute series behind the analysis, which the command read too: one more
        // GetMetricData call live, answered from the recording on a replay.
        let window = Window {
            start: o.report.target.start,
            end: o.report.target.end,
        };
        let period = crate::window::period_for(&window, source.now());
        let mut queries = vec![throttle_model::q_account_concurrency(period)];
        queries.extend(
            o.analysis
                .functions
                .iter()
                .filter(|f| f.throttles > 0.0)
                .take(3)
                .map(|f| throttle_model::q_throttles(&f.name, period)),
        );
        let mut report = o.report;
        let series = match source.metric_data(&queries, window).await {
            Ok(s) => s,
            Err(e) => {
                report
                    .notes
                    .push(format!("the throttling charts could not be drawn: {e}"));
                Vec::new()
            }
        };
        let charts = throttle_charts(&o.analysis, &series, &report);
        let headline = report
            .findings()
            .next()
            .map(|f| format!("Throttles: {}", f.summary));
        Ok(PanelData {
            report,
            inconclusive: o.inconclusive,
            headline,
            charts,
        })
    }
}

/// The account's ConcurrentExecutions per minute against its limit, the peak marked; and the
/// throttles per minute of the (up to three) throttled functions.
pub fn throttle_charts(a: &ThrottleAnalysis, series: &[Series], report: &Report) -> Vec<ChartData> {
    let fmt = crate::output::text::fmt_value;
    let points = |s: &Series| -> Vec<(DateTime<Utc>, f64)> {
        s.points.iter().map(|p| (p.at, p.value)).collect()
    };
    let mut out = Vec::new();
    if let Some(account) = series.first() {
        out.push(ChartData {
            title: "ConcurrentExecutions vs the limit".into(),
            subtitle: "account · Maximum per minute".into(),
            unit: String::new(),
            start: Some(report.target.start),
            end: Some(report.target.end),
            series: vec![ChartSeries {
                name: "ConcurrentExecutions".into(),
                role: SeriesRole::Primary,
                points: points(account),
            }],
            mark: a.peak.as_ref().map(|p| ChartMark {
                at: p.at,
                value: p.concurrent_executions,
                label: format!(
                    "peak {} at {}",
                    fmt(p.concurrent_executions),
                    p.at.format("%H:%M")
                ),
            }),
            limit: a.peak.as_ref().and_then(|p| p.limit).map(|l| ChartLimit {
                value: l as f64,
                label: format!("account limit {l}"),
            }),
        });
    }
    let throttled: Vec<ChartSeries> = series
        .iter()
        .skip(1)
        .zip([
            SeriesRole::Primary,
            SeriesRole::Secondary,
            SeriesRole::Context,
        ])
        .map(|(s, role)| ChartSeries {
            name: s
                .query
                .dimensions
                .iter()
                .find(|(k, _)| k == "FunctionName")
                .map_or_else(|| "Throttles".to_string(), |(_, v)| v.clone()),
            role,
            points: points(s),
        })
        .collect();
    if !throttled.is_empty() {
        out.push(ChartData {
            title: "Throttles per minute".into(),
            subtitle: "the throttled functions · Sum".into(),
            unit: "/min".into(),
            start: Some(report.target.start),
            end: Some(report.target.end),
            series: throttled,
            mark: None,
            limit: None,
        });
    }
    out
}

/// `gwdoctor trace REQUEST_ID --api`: one request through the execution log into its Lambda
/// invocation. Runs when the `t` prompt is answered; its screen shows the command's own text
/// (cause, timeline, where the time went, the log lines).
pub struct TracePanel {
    pub req: TraceRequest,
}

impl TracePanel {
    /// Traces in the dashboard's API and stage; the window is the dashboard's when one was
    /// given, else trace's own default (the last 24 hours).
    pub fn new(latency: &LatencyRequest) -> TracePanel {
        TracePanel {
            req: TraceRequest {
                request_id: String::new(),
                api: Some(latency.api.clone()),
                stage: latency.stage.clone(),
                since: latency.window.since.clone(),
                start: latency.window.start.clone(),
                end: latency.window.end.clone(),
                signatures: crate::trace::signatures::builtin(),
            },
        }
    }
}

#[async_trait]
impl PanelSource for TracePanel {
    fn spec(&self) -> PanelSpec {
        let checks = checks::registry(Vec::new())
            .iter()
            .map(|c| c.info())
            .filter(|i| i.commands.iter().any(|x| x == "trace"))
            .map(|i| (i.id, i.title))
            .collect();
        PanelSpec {
            id: PanelId::Trace,
            command: "gwdoctor trace",
            availability: Availability::OnPrompt('t'),
            checks,
            planned_charts: Vec::new(),
        }
    }

    async fn load(&self, source: &dyn Source, arg: Option<&str>) -> anyhow::Result<PanelData> {
        let mut req = self.req.clone();
        req.request_id = arg.unwrap_or_default().trim().to_string();
        // Its counters feed the CLI's spinner; the dashboard shows calls through the source.
        let progress = crate::progress::Progress::default();
        let o = crate::commands::trace::run(source, &req, &progress).await?;
        let headline = o.report.findings().next().map(|f| {
            format!(
                "Trace {}: {}",
                crate::sanitize::clean(&req.request_id),
                f.summary
            )
        });
        Ok(PanelData {
            report: o.report,
            inconclusive: o.inconclusive,
            headline,
            charts: Vec::new(),
        })
    }
}

/// Commands not built yet, shown as "not available yet" (none today: every command of the
/// roadmap has landed; the mechanism stays for the next one).
pub fn planned() -> Vec<PanelSpec> {
    Vec::new()
}

/// The panels that can run today.
pub fn sources(latency: LatencyRequest, tls_timeout: Duration) -> Vec<Box<dyn PanelSource>> {
    let api = latency.api.clone();
    let cold_starts = ColdStartsPanel::new(&latency);
    let throttles = ThrottlesPanel::new(&latency);
    let trace = TracePanel::new(&latency);
    vec![
        Box::new(LatencyPanel { req: latency }),
        Box::new(cold_starts),
        Box::new(throttles),
        Box::new(TlsPanel::new(&api, tls_timeout)),
        Box::new(trace),
    ]
}
