//! Command-line interface: flags (clap derive; doc comments become `--help`) and dispatch.
//! `run` returns the exit status; only `main` turns errors into exit code 2.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::checks::{self, Settings};
use crate::commands;
use crate::exit::ExitStatus;
use crate::finding::Severity;
use crate::output::{self, Format};
use crate::source::aws::{AwsOptions, AwsSource};
use crate::source::record::Recorder;
use crate::source::replay::ReplaySource;
use crate::source::Source;

const AFTER_HELP: &str = "\
Exit codes: 0 healthy · 1 a finding at or above --fail-on · 2 inconclusive or error
Try it without an AWS account:
  gwdoctor latency --api demo --replay fixtures/demo/incident.json";

/// Find why an API Gateway + Lambda API is slow or failing. Read-only; no telemetry.
#[derive(Debug, Parser)]
#[command(name = "gwdoctor", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every subcommand accepts.
#[derive(Debug, Args)]
pub struct Global {
    /// AWS profile (as in ~/.aws/config; SSO and credential_process profiles work).
    #[arg(long, global = true, env = "AWS_PROFILE", hide_env_values = true)]
    pub profile: Option<String>,
    /// AWS region (default: AWS_REGION or the profile's region).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send AWS API calls to this endpoint (LocalStack, moto). AWS_ENDPOINT_URL works too.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// How far back to look: 90m, 3h, 2d (default 1h). Ignored with --start.
    #[arg(long, global = true, value_name = "DURATION", conflicts_with = "start")]
    pub since: Option<String>,
    /// Window start, RFC 3339 (2026-11-21T09:00:00Z).
    #[arg(long, global = true, value_name = "TIME")]
    pub start: Option<String>,
    /// Window end, RFC 3339 (default: now, or the recording's time with --replay).
    #[arg(long, global = true, value_name = "TIME")]
    pub end: Option<String>,
    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum, default_value = "text")]
    pub output: Format,
    /// No colours (also when NO_COLOR is set or stdout is not a terminal).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, global = true, value_name = "SEVERITY", default_value = "warning", value_parser = ["info", "warning", "error"])]
    pub fail_on: String,
    /// Answer from an incident file instead of AWS (no network, no credentials).
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "record")]
    pub replay: Option<PathBuf>,
    /// Write everything this run read from AWS to FILE, for --replay later.
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Time limit in seconds for each AWS operation, retries included (default 30), and for
    /// each TLS handshake (default 10).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Extra declarative checks (*.toml) to load.
    #[arg(long, global = true, value_name = "DIR")]
    pub checks_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Latency vs IntegrationLatency per minute, and where the time goes.
    Latency(LatencyArgs),
    /// Will API Gateway accept this HTTPS backend's certificate chain? (General SSLEngine problem)
    Ssl(SslArgs),
    /// Cold starts per function from REPORT lines: Init Duration, spikes above the function's
    /// own baseline, memory at the limit, init failures, runtime version changes.
    ColdStarts(ColdStartsArgs),
    /// Were requests throttled, by which limit (Lambda or API Gateway), and which function drove it.
    Throttles(ThrottlesArgs),
    /// Follow one request (the x-amzn-RequestId a client saw) through API Gateway into Lambda:
    /// timeline, where the time went, and why it failed.
    Trace(TraceArgs),
    /// List every check: id, title, the data it needs, its IAM actions.
    Checks,
    /// Print a check's documentation.
    Explain {
        /// Check id, e.g. apigw-backend-latency.
        id: String,
    },
    /// Terminal dashboard: every check on one screen, charts, refreshed (needs a terminal).
    Dash(DashArgs),
}

/// `cold-starts`: which functions, and where their logs come from.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["function", "api", "log_file"])))]
pub struct ColdStartsArgs {
    /// Lambda function name (repeatable).
    #[arg(long = "function", value_name = "NAME")]
    pub function: Vec<String>,
    /// Every function behind this API's Lambda integrations; spikes are also compared with the
    /// API's IntegrationLatency peaks.
    #[arg(long, value_name = "ID")]
    pub api: Option<String>,
    /// Only this stage of --api (default: every stage).
    #[arg(long, requires = "api")]
    pub stage: Option<String>,
    /// Read exported logs instead of CloudWatch (repeatable; `-` is stdin): `aws logs tail`
    /// output, JSON lines, or `aws logs filter-log-events` JSON.
    #[arg(long = "log-file", value_name = "PATH")]
    pub log_file: Vec<PathBuf>,
    /// How to read CloudWatch Logs (default: filter for windows up to 3 h and up to 5 log
    /// groups, insights beyond).
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
}

/// `--engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineArg {
    /// FilterLogEvents with a server-side filter pattern.
    Filter,
    /// CloudWatch Logs Insights queries.
    Insights,
}

#[derive(Debug, Args)]
pub struct LatencyArgs {
    /// REST or HTTP API id (or its exact name).
    #[arg(long)]
    pub api: String,
    /// Only this stage (default: every stage).
    #[arg(long)]
    pub stage: Option<String>,
    /// The latency the client measured, in ms: tests the path between client and API Gateway.
    #[arg(long, value_name = "MS")]
    pub client_ms: Option<f64>,
    /// Statistic the verdict reasons on.
    #[arg(long, default_value = "p99", value_parser = ["p50", "p90", "p99", "Maximum", "Average"])]
    pub stat: String,
    /// A minute is slow when IntegrationLatency reaches this many ms.
    #[arg(long, value_name = "MS", default_value_t = 1000.0)]
    pub slow_ms: f64,
    /// Gateway overhead (Latency − IntegrationLatency) worth a finding, in ms.
    #[arg(long, value_name = "MS", default_value_t = 200.0)]
    pub overhead_ms: f64,
    /// How far --client-ms must exceed API Gateway's slowest request, in ms.
    #[arg(long, value_name = "MS", default_value_t = 500.0)]
    pub client_gap_ms: f64,
    /// Worst minutes shown in the table.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The request id: the `x-amzn-RequestId` response header (API Gateway's request id).
    pub request_id: String,
    /// REST or HTTP API id (or exact name): search only its stages' logs (fewer calls). Without
    /// it, every execution-log group of the region is searched.
    #[arg(long)]
    pub api: Option<String>,
    /// Only this stage.
    #[arg(long)]
    pub stage: Option<String>,
}

#[derive(Debug, Args)]
pub struct SslArgs {
    /// The backend: HOST[:PORT] (port 443 by default) or an https:// URL.
    pub target: Option<String>,
    /// Server name to send and verify (HTTP API private integrations' serverNameToVerify).
    /// Default: the host, sent only when it is a DNS name, as API Gateway does.
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
    /// Judge a chain from a PEM (or DER) file, leaf first, instead of connecting.
    #[arg(long, value_name = "PEM", conflicts_with = "api")]
    pub file: Option<PathBuf>,
    /// Check every HTTPS backend of this API's HTTP/HTTP_PROXY integrations, honouring each
    /// integration's tlsConfig.insecureSkipVerification.
    #[arg(long, value_name = "ID", conflicts_with = "target")]
    pub api: Option<String>,
    /// Extra trust anchors (PEM bundle or DER): a private CA, or a newer root.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// With --ca-file: trust only those anchors, not API Gateway's list.
    #[arg(long)]
    pub ca_replace: bool,
    /// Replace the embedded supported-CA list (alias<TAB>sha1<TAB>sha256 per line).
    #[arg(long, value_name = "FILE")]
    pub ca_list: Option<PathBuf>,
    /// Warn when a certificate expires within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub warn_days: i64,
    /// Judge as API Gateway does with tlsConfig.insecureSkipVerification (REST HTTP and
    /// HTTP_PROXY integrations): no CA list, but dates, hostname and a proper root still count.
    #[arg(long)]
    pub insecure_skip_verification: bool,
}

// ---- `gwdoctor throttles` --------------------------------------------------------------

#[derive(Debug, Args)]
pub struct ThrottlesArgs {
    /// Diagnose this REST or HTTP API (id or exact name): its functions, and API Gateway's own
    /// throttling (stage and method limits, usage plans, the account-level rate).
    #[arg(long, conflicts_with = "function")]
    pub api: Option<String>,
    /// Diagnose this function (repeatable). Default: every function of the region.
    #[arg(long, value_name = "NAME")]
    pub function: Vec<String>,
    /// Ranked functions whose configuration is read and shown (at most 30 functions are read
    /// in detail: these, the throttled ones, and those asked about).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// API Gateway's account-level rate for the region, if your quota was raised
    /// (default 10000 requests/s; 2500 in af-south-1 and eu-south-1).
    #[arg(long, value_name = "RPS")]
    pub apigw_account_rps: Option<f64>,
}

fn validate_throttles(a: &ThrottlesArgs) -> anyhow::Result<()> {
    if let Some(r) = a.apigw_account_rps {
        if !r.is_finite() || r <= 0.0 {
            anyhow::bail!(
                "--apigw-account-rps must be a number of requests per second > 0, got {r}"
            );
        }
    }
    if a.top == 0 {
        anyhow::bail!("--top must be at least 1");
    }
    for f in &a.function {
        // Lambda accepts a name, a partial ARN or an ARN; gwdoctor works with names.
        if f.is_empty()
            || f.len() > 64
            || !f
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            anyhow::bail!(
                "--function {f:?}: expected a Lambda function name (letters, digits, - and _; at most 64)"
            );
        }
    }
    Ok(())
}

async fn run_throttles(
    g: &Global,
    a: &ThrottlesArgs,
    fail_on: Severity,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<ExitStatus> {
    validate_throttles(a)?;
    crate::window::resolve(
        chrono::Utc::now(),
        g.since.as_deref(),
        g.start.as_deref(),
        g.end.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let (source, recorder) = open_source(g).await?;
    let req = commands::throttles::ThrottlesRequest {
        api: a.api.clone(),
        functions: a.function.clone(),
        window: commands::latency::WindowSpec {
            since: g.since.clone(),
            start: g.start.clone(),
            end: g.end.clone(),
        },
        apigw_account_rps: a.apigw_account_rps,
        top: a.top,
    };
    let result = commands::throttles::run(source.as_ref(), &req).await;
    if let (Some(rec), Some(path)) = (&recorder, &g.record) {
        if let Ok(o) = &result {
            let t = &o.report.target;
            rec.set_now(t.end);
            let mut args = vec!["throttles".to_string()];
            if let Some(api) = &a.api {
                args.extend(["--api".to_string(), api.clone()]);
            }
            for f in &a.function {
                args.extend(["--function".to_string(), f.clone()]);
            }
            args.extend([
                "--since".to_string(),
                format!("{}m", (t.end - t.start).num_minutes().max(1)),
            ]);
            rec.set_about(format!(
                "gwdoctor {} recorded {}",
                args.join(" "),
                t.end.format("%Y-%m-%dT%H:%M:%SZ")
            ));
            rec.set_replay_args(args);
        }
        rec.write(path)
            .with_context(|| format!("writing --record {}", path.display()))?;
    }
    let outcome = result?;
    out.write_all(output::render(&outcome.report, g.output, use_color(g)).as_bytes())?;
    Ok(ExitStatus::of(
        &outcome.report,
        fail_on,
        outcome.inconclusive,
    ))
}

// ---- end of `gwdoctor throttles` -------------------------------------------------------

#[derive(Debug, Args)]
pub struct DashArgs {
    /// REST or HTTP API id (or its exact name).
    #[arg(long)]
    pub api: String,
    /// Only this stage (default: every stage).
    #[arg(long)]
    pub stage: Option<String>,
    /// Re-run the checks every N seconds (0: only when you press r).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub refresh: u64,
    /// The latency the client measured, in ms: tests the path between client and API Gateway.
    #[arg(long, value_name = "MS")]
    pub client_ms: Option<f64>,
    /// Statistic the verdict and the chart use.
    #[arg(long, default_value = "p99", value_parser = ["p50", "p90", "p99", "Maximum", "Average"])]
    pub stat: String,
    /// The dashboard's own log (default: $XDG_STATE_HOME/gwdoctor/dash.log, else
    /// ~/.local/state/gwdoctor/dash.log). Nothing is ever logged to the screen.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Run only `latency` at start; cold starts (c), throttles (T) and the TLS check (s) wait
    /// for their key. By default every check starts at once.
    #[arg(long)]
    pub on_demand: bool,
}

/// Whether to colour stdout: a terminal, no --no-color, no NO_COLOR (https://no-color.org).
fn use_color(g: &Global) -> bool {
    color_wanted(
        g.no_color,
        std::env::var_os("NO_COLOR").as_deref(),
        std::io::stdout().is_terminal(),
    )
}

/// The colour decision without the process state, so every combination can be tested. Per
/// no-color.org, NO_COLOR counts only when set to a non-empty value.
fn color_wanted(no_color_flag: bool, no_color_env: Option<&std::ffi::OsStr>, tty: bool) -> bool {
    !no_color_flag && no_color_env.is_none_or(|v| v.is_empty()) && tty
}

async fn open_source(g: &Global) -> anyhow::Result<(Arc<dyn Source>, Option<Arc<Recorder>>)> {
    if let Some(path) = &g.replay {
        return Ok((Arc::new(ReplaySource::open(path)?), None));
    }
    let opts = AwsOptions {
        profile: g.profile.clone(),
        region: g.region.clone(),
        endpoint_url: g.endpoint_url.clone(),
        timeout: Duration::from_secs(g.timeout.unwrap_or(30).max(1)),
    };
    let live: Arc<dyn Source> = Arc::new(
        AwsSource::connect(&opts)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    match &g.record {
        Some(_) => {
            let rec = Arc::new(Recorder::new(live));
            Ok((rec.clone(), Some(rec)))
        }
        None => Ok((live, None)),
    }
}

fn validate(a: &LatencyArgs) -> anyhow::Result<()> {
    for (flag, v) in [
        ("--slow-ms", a.slow_ms),
        ("--overhead-ms", a.overhead_ms),
        ("--client-gap-ms", a.client_gap_ms),
    ] {
        if !v.is_finite() || v < 0.0 {
            anyhow::bail!("{flag} must be a number of milliseconds ≥ 0, got {v}");
        }
    }
    if let Some(c) = a.client_ms {
        if !c.is_finite() || c < 0.0 {
            anyhow::bail!("--client-ms must be a number of milliseconds ≥ 0, got {c}");
        }
    }
    Ok(())
}

/// Runs the parsed command line; prints the report to `out`.
pub async fn run(cli: Cli, out: &mut dyn std::io::Write) -> anyhow::Result<ExitStatus> {
    let g = &cli.global;
    let fail_on: Severity = g.fail_on.parse().map_err(anyhow::Error::msg)?;
    let extra = match &g.checks_dir {
        Some(dir) => checks::declarative::load_dir(dir)?,
        None => Vec::new(),
    };
    let Some(command) = cli.command else {
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            crate::tui::start_screen().await?;
            return Ok(ExitStatus::Healthy);
        }
        anyhow::bail!("no command given. Start with:\n  gwdoctor latency --api <API id or name>\n  gwdoctor dash --api <API id or name>   (the dashboard, in a terminal)\n  gwdoctor latency --api demo --replay fixtures/demo/incident.json   (no AWS account needed)\n  gwdoctor --help");
    };
    match command {
        Command::Checks => {
            let all = checks::registry(extra);
            out.write_all(commands::catalog::list(&all, g.output).as_bytes())?;
            Ok(ExitStatus::Healthy)
        }
        Command::Dash(a) => {
            if let Some(c) = a.client_ms.filter(|c| !c.is_finite() || *c < 0.0) {
                anyhow::bail!("--client-ms must be a number of milliseconds ≥ 0, got {c}");
            }
            if g.record.is_some() {
                anyhow::bail!("--record works with one-shot commands: gwdoctor latency --api ID --record FILE");
            }
            crate::window::resolve(
                chrono::Utc::now(),
                g.since.as_deref(),
                g.start.as_deref(),
                g.end.as_deref(),
            )
            .map_err(anyhow::Error::msg)?;
            let opts = crate::tui::DashOptions {
                latency: commands::latency::LatencyRequest {
                    api: a.api.clone(),
                    stage: a.stage.clone(),
                    window: commands::latency::WindowSpec {
                        since: g.since.clone(),
                        start: g.start.clone(),
                        end: g.end.clone(),
                    },
                    settings: Settings {
                        client_ms: a.client_ms,
                        stat: a.stat.clone(),
                        ..Settings::default()
                    },
                    top: 5,
                    extra_checks: extra,
                },
                tls_timeout: Duration::from_secs(g.timeout.unwrap_or(10).max(1)),
                refresh: (a.refresh > 0).then(|| Duration::from_secs(a.refresh)),
                log_file: a.log_file.clone(),
                replay: g.replay.clone(),
                aws: AwsOptions {
                    profile: g.profile.clone(),
                    region: g.region.clone(),
                    endpoint_url: g.endpoint_url.clone(),
                    timeout: Duration::from_secs(g.timeout.unwrap_or(30).max(1)),
                },
                // The dashboard only runs on a terminal, so only the flag and NO_COLOR decide.
                color: color_wanted(g.no_color, std::env::var_os("NO_COLOR").as_deref(), true),
                start_all: !a.on_demand,
            };
            crate::tui::run(opts).await?;
            Ok(ExitStatus::Healthy)
        }
        Command::Explain { id } => {
            let all = checks::registry(extra);
            out.write_all(commands::catalog::explain(&all, &id, g.output)?.as_bytes())?;
            Ok(ExitStatus::Healthy)
        }
        Command::Ssl(a) => {
            let mut now = chrono::Utc::now();
            let source = match &a.api {
                Some(_) => {
                    let (s, _) = open_source(g).await?;
                    if g.replay.is_some() {
                        now = s.now();
                    }
                    Some(s)
                }
                None => None,
            };
            let req = commands::ssl::SslRequest {
                target: a.target.clone(),
                sni: a.sni.clone(),
                file: a.file.clone(),
                api: a.api.clone(),
                ca_file: a.ca_file.clone(),
                ca_replace: a.ca_replace,
                ca_list: a.ca_list.clone(),
                warn_days: a.warn_days,
                insecure_skip_verification: a.insecure_skip_verification,
                timeout: Duration::from_secs(g.timeout.unwrap_or(10).max(1)),
            };
            let outcome = commands::ssl::run(source.as_deref(), &req, now).await?;
            out.write_all(output::render(&outcome.report, g.output, use_color(g)).as_bytes())?;
            Ok(ExitStatus::of(
                &outcome.report,
                fail_on,
                outcome.inconclusive,
            ))
        }
        Command::ColdStarts(a) => {
            // Validate the window before touching the network.
            if a.log_file.is_empty() {
                crate::window::resolve(
                    chrono::Utc::now(),
                    g.since.as_deref(),
                    g.start.as_deref(),
                    g.end.as_deref(),
                )
                .map_err(anyhow::Error::msg)?;
            }
            let needs_source = a.log_file.is_empty() || a.api.is_some();
            if !needs_source && (g.record.is_some() || g.replay.is_some()) {
                anyhow::bail!("--record and --replay are about AWS answers; with --log-file (and no --api) there are none");
            }
            let (source, recorder) = if needs_source {
                let (s, r) = open_source(g).await?;
                (Some(s), r)
            } else {
                (None, None)
            };
            let req = commands::cold_starts::ColdStartsRequest {
                functions: a.function.clone(),
                api: a.api.clone(),
                stage: a.stage.clone(),
                log_files: a.log_file.clone(),
                engine: a.engine.map(|e| match e {
                    EngineArg::Filter => crate::logs::fetch::Engine::Filter,
                    EngineArg::Insights => crate::logs::fetch::Engine::Insights,
                }),
                window: commands::latency::WindowSpec {
                    since: g.since.clone(),
                    start: g.start.clone(),
                    end: g.end.clone(),
                },
                extra_checks: extra,
                threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
                spinner: std::io::stderr().is_terminal(),
            };
            let result = commands::cold_starts::run(source.as_deref(), &req).await;
            if let (Some(rec), Some(path)) = (&recorder, &g.record) {
                if let Ok(o) = &result {
                    rec.set_now(o.report.target.end);
                    let what = if a.function.is_empty() {
                        format!("--api {}", a.api.clone().unwrap_or_default())
                    } else {
                        a.function
                            .iter()
                            .map(|f| format!("--function {f}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    rec.set_about(format!(
                        "gwdoctor cold-starts {what} recorded {}",
                        o.report.target.end.format("%Y-%m-%dT%H:%M:%SZ")
                    ));
                }
                rec.write(path)
                    .with_context(|| format!("writing --record {}", path.display()))?;
            }
            let outcome = result?;
            out.write_all(output::render(&outcome.report, g.output, use_color(g)).as_bytes())?;
            Ok(ExitStatus::of(
                &outcome.report,
                fail_on,
                outcome.inconclusive,
            ))
        }
        Command::Throttles(a) => run_throttles(g, &a, fail_on, out).await,
        Command::Trace(a) => {
            let mut signatures = crate::trace::signatures::builtin();
            if let Some(dir) = &g.checks_dir {
                signatures.extend(crate::trace::signatures::load_dir(dir)?);
            }
            let (source, recorder) = open_source(g).await?;
            let req = commands::trace::TraceRequest {
                request_id: a.request_id.clone(),
                api: a.api.clone(),
                stage: a.stage.clone(),
                since: g.since.clone(),
                start: g.start.clone(),
                end: g.end.clone(),
                signatures,
            };
            let progress = std::sync::Arc::new(crate::progress::Progress::default());
            let spinner =
                crate::progress::Spinner::start(progress.clone(), std::io::stderr().is_terminal());
            let result = commands::trace::run(source.as_ref(), &req, &progress).await;
            drop(spinner);
            if let (Some(rec), Some(path)) = (&recorder, &g.record) {
                if let Ok(o) = &result {
                    rec.set_now(o.report.target.end);
                    rec.set_about(format!(
                        "gwdoctor trace {} recorded {}",
                        a.request_id,
                        o.report.target.end.format("%Y-%m-%dT%H:%M:%SZ")
                    ));
                    let mut args = vec!["trace".to_string(), a.request_id.clone()];
                    if let Some(api) = &a.api {
                        args.extend(["--api".to_string(), api.clone()]);
                    }
                    if let Some(s) = &a.stage {
                        args.extend(["--stage".to_string(), s.clone()]);
                    }
                    rec.set_replay_args(args);
                }
                rec.write(path)
                    .with_context(|| format!("writing --record {}", path.display()))?;
            }
            let outcome = result?;
            out.write_all(output::render(&outcome.report, g.output, use_color(g)).as_bytes())?;
            if outcome.not_found {
                return Ok(ExitStatus::Inconclusive);
            }
            Ok(ExitStatus::of(
                &outcome.report,
                fail_on,
                outcome.inconclusive,
            ))
        }
        Command::Latency(a) => {
            validate(&a)?;
            // Validate the window before touching the network.
            crate::window::resolve(
                chrono::Utc::now(),
                g.since.as_deref(),
                g.start.as_deref(),
                g.end.as_deref(),
            )
            .map_err(anyhow::Error::msg)?;
            let (source, recorder) = open_source(g).await?;
            let req = commands::latency::LatencyRequest {
                api: a.api.clone(),
                stage: a.stage.clone(),
                window: commands::latency::WindowSpec {
                    since: g.since.clone(),
                    start: g.start.clone(),
                    end: g.end.clone(),
                },
                settings: Settings {
                    slow_ms: a.slow_ms,
                    overhead_ms: a.overhead_ms,
                    client_gap_ms: a.client_gap_ms,
                    client_ms: a.client_ms,
                    stat: a.stat.clone(),
                },
                top: a.top.max(1),
                extra_checks: extra,
            };
            let result = commands::latency::run(source.as_ref(), &req).await;
            // Write the recording even when the run failed: a partial incident is still
            // evidence (and reproduces the failure under --replay).
            if let (Some(rec), Some(path)) = (&recorder, &g.record) {
                if let Ok(o) = &result {
                    rec.set_now(o.report.target.end);
                    rec.set_about(format!(
                        "gwdoctor latency --api {} recorded {}",
                        a.api,
                        o.report.target.end.format("%Y-%m-%dT%H:%M:%SZ")
                    ));
                }
                rec.write(path)
                    .with_context(|| format!("writing --record {}", path.display()))?;
            }
            let outcome = result?;
            let text = output::render(&outcome.report, g.output, use_color(g));
            out.write_all(text.as_bytes())?;
            Ok(ExitStatus::of(
                &outcome.report,
                fail_on,
                outcome.inconclusive,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::color_wanted;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        let set = Some(OsStr::new("1"));
        // NO_COLOR= (empty) means "not set" per no-color.org.
        let empty = Some(OsStr::new(""));
        for tty in [false, true] {
            for env in [None, empty, set] {
                for flag in [false, true] {
                    let want = tty && !flag && env != set;
                    assert_eq!(
                        color_wanted(flag, env, tty),
                        want,
                        "tty={tty} NO_COLOR={env:?} --no-color={flag}"
                    );
                }
            }
        }
        // The one combination that colours, spelled out.
        assert!(color_wanted(false, None, true));
        assert!(!color_wanted(false, None, false));
    }
}
