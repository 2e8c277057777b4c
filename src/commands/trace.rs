//! `gwdoctor trace REQUEST_ID [--api ID] [--stage S]`: what happened to one request, where the
//! time went and why it failed. The id is the `x-amzn-RequestId` a client saw (API Gateway's
//! request id).
//!
//! Calls with `--api ID --stage S`: GetStages, one FilterLogEvents (quoted id) on the stage's
//! execution-log group per page, GetFunctionConfiguration (the function's log group), one
//! FilterLogEvents (quoted Lambda request id) on the function's group. Without `--api`,
//! DescribeLogGroups lists every execution-log group of the region and they are searched
//! concurrently. The last hour is searched first, then the whole window.

use std::fmt::Write;

use anyhow::bail;
use chrono::{DateTime, Duration, Utc};
use futures::stream::{self, StreamExt};
use serde_json::json;

use crate::finding::{
    CheckResult, Evidence, Finding, Report, Section, Severity, TargetInfo, SCHEMA,
};
use crate::logs::fetch::with_backoff;
use crate::model::{ApiKind, ApiSummary, LogEvent, LogFilter, StageInfo, Window};
use crate::progress::Progress;
use crate::source::{Source, SourceError};
use crate::trace::{self, signatures::Signature, Trace};

/// The check id under which the cause is reported.
pub const CAUSE_CHECK: &str = "request-failure-cause";
/// The check id under which logging readiness is reported.
pub const READINESS_CHECK: &str = "apigw-execution-logging";

/// Execution-log groups are named `API-Gateway-Execution-Logs_{restApiId}/{stage}`.
pub const EXEC_PREFIX: &str = "API-Gateway-Execution-Logs_";

/// What `trace` was asked.
#[derive(Debug, Clone, Default)]
pub struct TraceRequest {
    pub request_id: String,
    pub api: Option<String>,
    pub stage: Option<String>,
    pub since: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub signatures: Vec<Signature>,
}

pub struct TraceOutcome {
    pub report: Report,
    pub inconclusive: bool,
    /// The id was not found: always exit 2, even when readiness findings explain why.
    pub not_found: bool,
}

/// Request ids are UUIDs (or the `UUID_REPLACED_INVALID_REQUEST_ID` form); anything with
/// quotes or spaces would break the filter pattern.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// What a stage's logging settings (or a missing log group) keep out of the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    /// Execution logging OFF: no lines at all.
    LoggingOff,
    /// Execution logging at ERROR: only the error lines of failed requests.
    ErrorOnly,
    /// Data tracing off: no headers or bodies (the Lambda request id, the error body).
    NoDataTrace,
    /// The stage's execution-log group does not exist.
    MissingGroup,
    /// HTTP API without access logging on any stage.
    NoAccessLogs,
    /// The HTTP stage's access-log format lacks fields a full trace needs.
    AccessFormatLacks,
}

/// One readiness finding before its severity is known: the severity depends on whether the
/// gap hid anything this trace needed (see [`gap_severity`]).
#[derive(Debug, Clone)]
struct Readiness {
    /// The stage it is about (`None`: the whole API).
    stage: Option<String>,
    gap: Gap,
    text: String,
}

/// How the search ended, for judging the readiness gaps.
enum Seen<'a> {
    NotFound,
    /// Found in `stage`; `named` when the catalogue named the cause (or `ok`).
    Found {
        stage: Option<&'a str>,
        named: bool,
    },
}

/// A gap is a warning only when it may have hidden what this trace needed: for an id not
/// found, the settings that keep requests out of the logs; for a request found but whose
/// cause no signature names, any gap of the stage that logged it. A request found and
/// explained lost nothing to them (another stage's logging OFF, data tracing off on a healthy
/// request): info, so they never turn a healthy trace into exit 1.
fn gap_severity(r: &Readiness, seen: &Seen) -> Severity {
    match seen {
        Seen::NotFound => match r.gap {
            Gap::LoggingOff | Gap::ErrorOnly | Gap::MissingGroup | Gap::NoAccessLogs => {
                Severity::Warning
            }
            Gap::NoDataTrace | Gap::AccessFormatLacks => Severity::Info,
        },
        Seen::Found { named: true, .. } => Severity::Info,
        Seen::Found {
            stage,
            named: false,
        } => {
            if r.stage.is_none() || r.stage.as_deref() == *stage {
                Severity::Warning
            } else {
                Severity::Info
            }
        }
    }
}

/// The stages' execution-log readiness: what the settings hide.
fn readiness(api: &ApiSummary, stage: &StageInfo) -> Vec<Readiness> {
    let mut out = Vec::new();
    if api.kind == ApiKind::Http {
        return out;
    }
    let default = stage
        .method_settings
        .iter()
        .find(|(k, _)| k == "*/*")
        .map(|(_, s)| s);
    let level = default
        .and_then(|s| s.logging_level.clone())
        .unwrap_or_else(|| "OFF".into());
    let fix = format!(
        "aws apigateway update-stage --rest-api-id {} --stage-name {} --patch-operations op=replace,path=/*/*/logging/loglevel,value=INFO op=replace,path=/*/*/logging/dataTrace,value=true (and set the account's CloudWatch role: aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=ROLE_ARN)",
        api.id, stage.name
    );
    let mut push = |gap, text| {
        out.push(Readiness {
            stage: Some(stage.name.clone()),
            gap,
            text,
        })
    };
    match level.as_str() {
        "OFF" => push(Gap::LoggingOff, format!("stage {}: execution logging is OFF: no execution-log lines exist to trace. Turn it on: {fix}", stage.name)),
        "ERROR" => push(Gap::ErrorOnly, format!("stage {}: execution logging is at ERROR: successful requests and the hops of failed ones are not logged (only the error lines). For full traces: {fix}", stage.name)),
        _ => {}
    }
    if level != "OFF" && default.and_then(|s| s.data_trace_enabled) != Some(true) {
        push(Gap::NoDataTrace, format!("stage {}: data tracing is off: request/response headers and bodies (the Lambda request id in the endpoint response headers, the function's error body) are not logged; gwdoctor falls back to the 'AWS Integration Endpoint RequestId' line. Turn it on: {fix}", stage.name));
    }
    out
}

/// Finds the API by id without listing every API when possible (one GetStages call).
async fn resolve_api(
    source: &dyn Source,
    wanted: &str,
) -> anyhow::Result<(ApiSummary, Vec<StageInfo>)> {
    for kind in [ApiKind::Rest, ApiKind::Http] {
        let guess = ApiSummary {
            id: wanted.into(),
            name: wanted.into(),
            kind,
        };
        match source.stages(&guess).await {
            Ok(stages) if !stages.is_empty() || kind == ApiKind::Http => {
                return Ok((guess, stages))
            }
            Ok(_) => {}
            Err(SourceError::NotFound { .. }) => {}
            Err(e) if e.is_fatal() || matches!(e, SourceError::AccessDenied { .. }) => bail!("{e}"),
            Err(_) => {}
        }
    }
    let apis = source
        .list_apis()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let api = super::find_api(&apis, wanted)?;
    let stages = source
        .stages(&api)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((api, stages))
}

/// Every event of `group` matching `pattern` in `window`, following pages to the end.
async fn read_group(
    source: &dyn Source,
    progress: &Progress,
    group: &str,
    pattern: &str,
    window: Window,
) -> Result<Vec<LogEvent>, SourceError> {
    let filter = LogFilter {
        group: group.into(),
        pattern: pattern.into(),
        window,
    };
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = with_backoff(progress, || {
            source.filter_log_events(&filter, token.as_deref())
        })
        .await?;
        out.extend(page.events);
        match page.next_token {
            Some(t) if Some(&t) != token.as_ref() => token = Some(t),
            _ => break,
        }
    }
    Ok(out)
}

/// Runs the command.
pub async fn run(
    source: &dyn Source,
    req: &TraceRequest,
    progress: &Progress,
) -> anyhow::Result<TraceOutcome> {
    if !valid_id(&req.request_id) {
        bail!("{:?} is not a request id (expected the x-amzn-RequestId value, e.g. 286364ab-3a83-11e9-8dc8-db3cf4c83204)", req.request_id);
    }
    let now = source.now();
    let window = crate::window::resolve(
        now,
        Some(req.since.as_deref().unwrap_or("24h")).filter(|_| req.start.is_none()),
        req.start.as_deref(),
        req.end.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let mut notes: Vec<String> = Vec::new();
    let mut ready: Vec<Readiness> = Vec::new();
    let mut api_info: Option<ApiSummary> = None;
    let mut stages_seen: Vec<StageInfo> = Vec::new();

    // Where to look.
    let groups: Vec<(String, Option<String>)> = match &req.api {
        Some(wanted) => {
            let (api, stages) = resolve_api(source, wanted).await?;
            let stages: Vec<StageInfo> = match &req.stage {
                Some(s) => match stages.iter().find(|x| &x.name == s) {
                    Some(x) => vec![x.clone()],
                    None => bail!(
                        "API {} has no stage {s:?}; its stages: {}",
                        api.id,
                        stages
                            .iter()
                            .map(|x| x.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
                None => stages,
            };
            for st in &stages {
                ready.extend(readiness(&api, st));
            }
            stages_seen = stages.clone();
            let g: Vec<(String, Option<String>)> = match api.kind {
                ApiKind::Rest => stages
                    .iter()
                    .map(|s| {
                        (
                            format!("{EXEC_PREFIX}{}/{}", api.id, s.name),
                            Some(s.name.clone()),
                        )
                    })
                    .collect(),
                ApiKind::Http => {
                    let with_logs: Vec<(String, Option<String>)> = stages
                        .iter()
                        .filter_map(|s| {
                            let arn = s.access_log_destination.as_deref()?;
                            let group = arn
                                .split(":log-group:")
                                .nth(1)?
                                .trim_end_matches(":*")
                                .to_string();
                            Some((group, Some(s.name.clone())))
                        })
                        .collect();
                    if with_logs.is_empty() {
                        ready.push(Readiness { stage: None, gap: Gap::NoAccessLogs, text: format!("HTTP API {} has no execution logs and no stage has access logging: nothing records requests. Turn access logging on with a format that includes $context.requestId, $context.integration.requestId, $context.integrationLatency, $context.integrationErrorMessage and $context.status.", api.id) });
                    } else {
                        notes.push("HTTP APIs have no execution logs: searching the stages' access logs instead".into());
                    }
                    with_logs
                }
            };
            api_info = Some(api);
            g
        }
        None => {
            let all = with_backoff(progress, || source.log_groups(EXEC_PREFIX))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if all.is_empty() {
                bail!("no API Gateway execution-log group ({EXEC_PREFIX}*) in {}: execution logging is not enabled on any REST API stage here (HTTP APIs need --api ID to search their access logs)", source.region());
            }
            all.into_iter()
                .filter(|g| {
                    req.stage
                        .as_ref()
                        .is_none_or(|s| g.ends_with(&format!("/{s}")))
                })
                .map(|g| {
                    let stage = g.rsplit('/').next().map(str::to_string);
                    (g, stage)
                })
                .collect()
        }
    };

    // Search: the last hour first (recent ids answer fast), then the whole window.
    let pattern = format!("\"{}\"", req.request_id);
    let short = Window {
        start: window.start.max(window.end - Duration::hours(1)),
        end: window.end,
    };
    let mut searched = vec![short];
    if short.start > window.start {
        searched.push(window);
    }
    let mut found: Vec<(String, Option<String>, Vec<LogEvent>)> = Vec::new();
    let mut missing_groups: Vec<String> = Vec::new();
    let mut windows_used = Vec::new();
    for w in &searched {
        windows_used.push(*w);
        let results: Vec<_> = stream::iter(groups.iter().cloned())
            .map(|(g, stage)| {
                let pattern = pattern.clone();
                async move {
                    let r = read_group(source, progress, &g, &pattern, *w).await;
                    (g, stage, r)
                }
            })
            // FilterLogEvents allows 5 TPS per account and region.
            .buffer_unordered(4)
            .collect()
            .await;
        for (g, stage, r) in results {
            match r {
                Ok(ev) if !ev.is_empty() => found.push((g, stage, ev)),
                Ok(_) => {}
                Err(SourceError::NotFound { .. }) => {
                    if !missing_groups.contains(&g) {
                        missing_groups.push(g);
                    }
                }
                Err(e) if e.is_fatal() => bail!("{e}"),
                Err(e) => notes.push(format!("{g}: {e}")),
            }
        }
        if !found.is_empty() {
            break;
        }
    }
    for g in &missing_groups {
        let stage = groups
            .iter()
            .find(|(x, _)| x == g)
            .and_then(|(_, s)| s.clone());
        // An HTTP stage's group is its access-log destination, not an execution-log group.
        let text = if api_info.as_ref().is_some_and(|a| a.kind == ApiKind::Http) {
            format!("access-log group {g} does not exist: the stage names it as its destination but nothing was ever written there (or it was deleted)")
        } else {
            format!("log group {g} does not exist: execution logging was never enabled for that stage (or the account has no CloudWatch role for API Gateway)")
        };
        ready.push(Readiness {
            stage,
            gap: Gap::MissingGroup,
            text,
        });
    }

    let target = TargetInfo {
        api_id: api_info.as_ref().map(|a| a.id.clone()).or_else(|| {
            found.first().and_then(|(g, _, _)| {
                g.strip_prefix(EXEC_PREFIX)?
                    .split('/')
                    .next()
                    .map(str::to_string)
            })
        }),
        api_name: api_info.as_ref().map(|a| a.name.clone()),
        api_kind: api_info.as_ref().map(|a| a.kind.as_str().to_string()),
        stage: req
            .stage
            .clone()
            .or_else(|| found.first().and_then(|(_, s, _)| s.clone())),
        region: source.region(),
        start: window.start,
        end: window.end,
    };

    let Some((group, stage, exec)) = found.into_iter().next() else {
        // Not found: say where and when gwdoctor looked, and what may hide it.
        let mut text = format!("Request {} was not found.\nSearched {} log group(s) with the filter pattern {pattern}:\n", req.request_id, groups.len());
        for (g, _) in groups.iter().take(20) {
            let _ = writeln!(text, "  {g}");
        }
        if groups.len() > 20 {
            let _ = writeln!(text, "  … and {} more", groups.len() - 20);
        }
        for w in &windows_used {
            let _ = writeln!(
                text,
                "over {} → {}",
                w.start.format("%Y-%m-%d %H:%M"),
                w.end.format("%Y-%m-%d %H:%M UTC")
            );
        }
        text.push_str("Widen the window (--since 3d) if the request is older; check the id is API Gateway's x-amzn-RequestId (not the Lambda one or x-amz-apigw-id).\n");
        let report = Report {
            schema: SCHEMA,
            command: "trace".into(),
            target,
            checks: vec![
                CheckResult::skipped(
                    CAUSE_CHECK,
                    "Why the request failed",
                    "the request id was not found in the searched logs",
                ),
                readiness_result(&ready, &Seen::NotFound),
            ],
            notes,
            section: Some(Section {
                name: "trace".into(),
                json: json!({"request_id": req.request_id, "found": false, "searched": {"groups": groups.iter().map(|(g, _)| g).collect::<Vec<_>>(), "windows": windows_used.iter().map(|w| json!({"start": w.start, "end": w.end})).collect::<Vec<_>>()}}),
                markdown: text.clone(),
                text,
            }),
        };
        return Ok(TraceOutcome {
            report,
            inconclusive: true,
            not_found: true,
        });
    };

    if api_info.as_ref().is_some_and(|a| a.kind == ApiKind::Http) {
        return http_access_trace(
            source,
            req,
            progress,
            api_info.as_ref(),
            &stages_seen,
            target,
            group,
            stage,
            exec,
            notes,
            ready,
        )
        .await;
    }

    // Follow into the function's log group with the Lambda request id.
    let mut lambda_events = Vec::new();
    let mut lambda_join: Option<String> = None;
    let lambda_id = trace::lambda_request_id(&exec);
    let fn_arn = trace::function_arn(&exec).or_else(|| {
        exec.iter().find_map(|e| {
            let l = crate::parse::exec_log::parse_exec_event(&e.message)?;
            match l.kind {
                crate::parse::exec_log::ExecKind::SendingRequest { uri }
                    if uri.contains("functions/") =>
                {
                    uri.split("functions/")
                        .nth(1)?
                        .split("/invocations")
                        .next()
                        .map(str::to_string)
                }
                _ => None,
            }
        })
    });
    let function = fn_arn
        .as_deref()
        .and_then(|a| crate::model::function_from_uri(a, &[]));
    match (&lambda_id, &function) {
        (Some(lid), Some(f)) => {
            let log_group = match source.function_config(&f.name).await {
                Ok(c) => c.log_group,
                Err(e) if e.is_fatal() => bail!("{e}"),
                Err(e) => {
                    notes.push(format!(
                        "function {}: {e}; trying its default log group",
                        f.name
                    ));
                    crate::model::FunctionConfig::default_log_group(&f.name)
                }
            };
            let (first, last) = (
                exec.iter().map(|e| e.timestamp).min(),
                exec.iter().map(|e| e.timestamp).max(),
            );
            if let (Some(first), Some(last)) = (first, last) {
                let w = Window {
                    start: first - Duration::minutes(2),
                    end: last + Duration::minutes(2),
                };
                match read_group(source, progress, &log_group, &format!("\"{lid}\""), w).await {
                    Ok(ev) if ev.is_empty() => notes.push(format!(
                        "no line of Lambda request {lid} in {log_group} around the request"
                    )),
                    Ok(ev) => lambda_events = ev,
                    Err(e) if e.is_fatal() => bail!("{e}"),
                    Err(e) => notes.push(format!("Lambda log group {log_group}: {e}")),
                }
            }
        }
        (None, Some(f)) => {
            // No Lambda id (API Gateway timed out before the response headers, or data tracing
            // is off): join by the X-Ray trace id in the function's REPORT line, else by the
            // one START right after the integration request.
            let trace_id =
                exec.iter().find_map(|e| {
                    match crate::parse::exec_log::parse_exec_event(&e.message)?.kind {
                        crate::parse::exec_log::ExecKind::XrayTraceId(x) => Some(x.to_string()),
                        crate::parse::exec_log::ExecKind::EndpointResponseHeaders {
                            trace_id: Some(x),
                            ..
                        } => Some(x.to_string()),
                        _ => None,
                    }
                });
            let log_group = match source.function_config(&f.name).await {
                Ok(c) => c.log_group,
                Err(e) if e.is_fatal() => bail!("{e}"),
                Err(_) => crate::model::FunctionConfig::default_log_group(&f.name),
            };
            let first = exec.iter().map(|e| e.timestamp).min();
            let last = exec.iter().map(|e| e.timestamp).max();
            if let (Some(first), Some(last)) = (first, last) {
                let w = Window {
                    start: first - Duration::minutes(2),
                    end: last + Duration::minutes(2),
                };
                let mut joined: Option<(String, &str)> = None;
                if let Some(x) = &trace_id {
                    if let Ok(ev) =
                        read_group(source, progress, &log_group, &format!("\"{x}\""), w).await
                    {
                        joined = ev
                            .iter()
                            .find_map(|e| match crate::parse::lambda::parse_event(&e.message) {
                                crate::parse::lambda::LambdaLine::Report(r) => {
                                    Some(r.request_id.to_string())
                                }
                                _ => None,
                            })
                            .map(|id| (id, "its X-Ray trace id"));
                    }
                }
                if joined.is_none() {
                    let sent = exec
                        .iter()
                        .find(|e| e.message.contains(") Sending request to "))
                        .map(|e| e.timestamp)
                        .unwrap_or(first);
                    let near = Window {
                        start: sent,
                        end: sent + Duration::seconds(1),
                    };
                    if let Ok(ev) =
                        read_group(source, progress, &log_group, "\"START RequestId\"", near).await
                    {
                        let starts: Vec<String> = ev
                            .iter()
                            .filter_map(|e| match crate::parse::lambda::parse_event(&e.message) {
                                crate::parse::lambda::LambdaLine::Start { request_id, .. } => {
                                    Some(request_id.to_string())
                                }
                                _ => None,
                            })
                            .collect();
                        match starts.as_slice() {
                            [one] => joined = Some((one.clone(), "the only START within 1 s of the integration request")),
                            [] => {}
                            many => notes.push(format!("{} invocations started within 1 s of the integration request; not guessing which one: {}", many.len(), many.join(", "))),
                        }
                    }
                }
                match joined {
                    Some((lid, how)) => {
                        notes.push(format!("the execution log does not name the Lambda request id; joined to {lid} by {how}"));
                        match read_group(source, progress, &log_group, &format!("\"{lid}\""), w).await {
                            Ok(ev) => {
                                lambda_events = ev;
                                lambda_join = Some(lid);
                            }
                            Err(e) => notes.push(format!("Lambda log group {log_group}: {e}")),
                        }
                    }
                    None => notes.push("the execution log does not name the Lambda request id (API Gateway gave up before the response, or data tracing is off) and no invocation could be joined by X-Ray id or time".into()),
                }
            }
        }
        _ => {}
    }

    let mut t = trace::build(&req.request_id, &exec, &lambda_events, &req.signatures);
    if t.lambda_request_id.is_none() {
        t.lambda_request_id = lambda_join;
    }
    let seen = Seen::Found {
        stage: stage.as_deref(),
        named: named(&t),
    };
    let mut checks = vec![cause_result(&t, &group), readiness_result(&ready, &seen)];
    checks.sort_by(|a, b| a.id.cmp(&b.id));
    let inconclusive = t.cause.is_none();
    if t.cause.is_none() {
        notes.push("no signature in the catalogue matches this request's lines; the timeline and lines are shown as they are".into());
    }
    let mut report = Report {
        schema: SCHEMA,
        command: "trace".into(),
        target,
        checks,
        notes,
        section: Some(section(&t, &group, stage.as_deref(), api_info.as_ref())),
    };
    report.sort();
    Ok(TraceOutcome {
        report,
        inconclusive,
        not_found: false,
    })
}

/// Whether the catalogue named the cause (`ok` included): then nothing the trace needed was
/// missing.
fn named(t: &Trace) -> bool {
    t.cause
        .as_ref()
        .is_some_and(|c| c.id != trace::UNCLASSIFIED)
}

fn readiness_result(ready: &[Readiness], seen: &Seen) -> CheckResult {
    let findings = ready
        .iter()
        .map(|r| (gap_severity(r, seen), &r.text))
        .map(|(sev, text)| Finding {
            check: READINESS_CHECK.into(),
            severity: sev,
            resource: "apigw:logging".into(),
            summary: text.split(". Turn").next().unwrap_or(text).to_string(),
            evidence: Vec::new(),
            remedy: text
                .split("Turn it on: ")
                .nth(1)
                .or_else(|| text.split("For full traces: ").nth(1))
                .unwrap_or("Enable INFO execution logging with data tracing on the stage.")
                .to_string(),
        })
        .collect();
    CheckResult::from_findings(
        READINESS_CHECK,
        "Execution logging can show the request",
        findings,
    )
}

fn cause_result(t: &Trace, group: &str) -> CheckResult {
    let title = "Why the request failed";
    let Some(c) = &t.cause else {
        return CheckResult::skipped(
            CAUSE_CHECK,
            title,
            "no signature matched the request's log lines",
        );
    };
    if c.id == "ok" {
        return CheckResult::from_findings(CAUSE_CHECK, title, Vec::new());
    }
    let log_evidence = |l: &trace::Line| Evidence::LogLine {
        group: if l.source == "lambda" {
            t.function
                .clone()
                .map(|f| format!("lambda:{f}"))
                .unwrap_or_default()
        } else {
            group.to_string()
        },
        stream: String::new(),
        at: l.at,
        text: l.text.chars().take(400).collect(),
    };
    // No signature says which lines matter: the last gateway lines (up to the final status)
    // are where a failure shows. Four, the number the text output prints.
    let unclassified = c.id == trace::UNCLASSIFIED;
    let mut evidence: Vec<Evidence> = if unclassified {
        let gateway: Vec<&trace::Line> = t
            .log_lines
            .iter()
            .filter(|l| l.source != "lambda")
            .collect();
        gateway[gateway.len().saturating_sub(4)..]
            .iter()
            .map(|l| log_evidence(l))
            .collect()
    } else {
        Vec::new()
    };
    evidence.extend(
        t.log_lines
            .iter()
            .filter(|_| !unclassified)
            .filter(|l| {
                l.text.contains("Execution failed")
                    || l.text.contains("Method completed")
                    || l.text.contains("error")
                    || l.text.contains("REPORT")
                    || l.text.contains("Task timed out")
                    || l.text.contains("limit exceeded")
                    || l.text.contains("Unauthorized")
            })
            .take(6)
            .map(log_evidence),
    );
    for r in &c.lambda_reasons {
        evidence.push(Evidence::Note {
            text: format!("Lambda side: {r}"),
        });
    }
    let status = t
        .status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "?".into());
    CheckResult::from_findings(
        CAUSE_CHECK,
        title,
        vec![Finding {
            check: CAUSE_CHECK.into(),
            severity: c.severity,
            resource: format!("request:{}", t.request_id),
            summary: format!(
                "{status}: {} ({}){}",
                c.title,
                c.id,
                c.lambda_reasons
                    .first()
                    .map(|r| format!("; Lambda side: {r}"))
                    .unwrap_or_default()
            ),
            evidence,
            remedy: c.remedy.clone(),
        }],
    )
}

fn fmt_at(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S%.3f").to_string()
}

/// `stage` is the stage whose log group held the request's lines.
fn section(t: &Trace, group: &str, stage: Option<&str>, api: Option<&ApiSummary>) -> Section {
    let mut text = String::new();
    let mut md = String::new();
    let route = match (&t.method, &t.path) {
        (Some(m), Some(p)) => format!(" · {m} {p}"),
        _ => String::new(),
    };
    let status = t.status.map_or("no status".to_string(), |s| s.to_string());
    let _ = writeln!(text, "Request {} · {status}{route} · {group}", t.request_id);
    let _ = writeln!(md, "**Request `{}` · {status}{route}**\n", t.request_id);
    if let Some(c) = &t.cause {
        let _ = writeln!(text, "Cause: {} — {}", c.id, c.title);
        let _ = writeln!(md, "**Cause:** `{}` — {}\n", c.id, c.title);
        for l in c.explanation.lines() {
            let _ = writeln!(text, "  {l}");
        }
        let _ = writeln!(md, "{}\n", c.explanation.replace('\n', " "));
        for r in &c.lambda_reasons {
            let _ = writeln!(text, "  Lambda side: {r}");
            let _ = writeln!(md, "- Lambda side: {r}");
        }
        let _ = writeln!(text, "Next: {}", c.remedy);
        let _ = writeln!(md, "\n**Next:** {}\n", c.remedy);
    }
    if let Some(id) = &t.lambda_request_id {
        let _ = writeln!(
            text,
            "Lambda request {id}{}",
            t.function
                .as_ref()
                .map(|f| format!(" · function {f}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(text, "\nTimeline");
    let _ = writeln!(md, "| UTC | +ms | hop | detail |\n|---|---:|---|---|");
    for h in &t.timeline {
        let gap = h.gap_ms.map(|g| format!("+{g} ms")).unwrap_or_default();
        let detail: String = h.detail.chars().take(110).collect();
        let _ = writeln!(
            text,
            "  {}  {:>10}  {:<26} {detail}",
            fmt_at(h.at),
            gap,
            h.hop
        );
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            fmt_at(h.at),
            h.gap_ms.map(|g| g.to_string()).unwrap_or_default(),
            h.hop,
            detail.replace('|', "\\|")
        );
    }
    let b = &t.breakdown;
    let mut parts = Vec::new();
    if let Some(g) = b.gateway_before_integration_ms {
        parts.push(format!("gateway before integration {g} ms"));
    }
    if let Some(i) = b.integration_latency_ms {
        let mut s = format!("integration {i} ms");
        let mut inner = Vec::new();
        if let Some(x) = b.lambda_init_ms {
            inner.push(format!("init {x:.0} ms"));
        }
        if let Some(x) = b.lambda_restore_ms {
            inner.push(format!("restore {x:.0} ms"));
        }
        if let Some(x) = b.lambda_duration_ms {
            inner.push(format!("handler {x:.0} ms"));
        }
        if !inner.is_empty() {
            s.push_str(&format!(" ({})", inner.join(", ")));
        }
        parts.push(s);
    }
    if let Some(r) = b.response_mapping_ms {
        parts.push(format!("response mapping {r} ms"));
    }
    if !parts.is_empty() {
        let _ = writeln!(text, "\nWhere the time went: {}", parts.join(" · "));
        let _ = writeln!(md, "\n**Where the time went:** {}", parts.join(" · "));
    }
    let _ = writeln!(
        text,
        "\nLog lines ({}{})",
        t.log_lines.len(),
        if t.truncated_lines > 0 {
            format!("; {} cut at 1024 bytes by API Gateway", t.truncated_lines)
        } else {
            String::new()
        }
    );
    for l in t.log_lines.iter().take(60) {
        let line: String = l.text.replace('\n', " ⏎ ").chars().take(220).collect();
        let _ = writeln!(text, "  {} {:<6} {line}", fmt_at(l.at), l.source);
    }
    let json = json!({
        "request_id": t.request_id,
        "found": true,
        "api_id": api.map(|a| a.id.clone()).or_else(|| group.strip_prefix(EXEC_PREFIX).and_then(|g| g.split('/').next()).map(str::to_string)),
        "stage": stage,
        "log_group": group,
        "status": t.status,
        "method": t.method,
        "path": t.path,
        "lambda_request_id": t.lambda_request_id,
        "function": t.function,
        "xray_trace_id": t.xray_trace_id,
        "cause": t.cause,
        "breakdown": t.breakdown,
        "timeline": t.timeline,
        "log_lines": t.log_lines,
        "truncated_lines": t.truncated_lines,
    });
    Section {
        name: "trace".into(),
        json,
        text,
        markdown: md,
    }
}

/// What an HTTP API access-log record says, and which `$context` fields its format lacks for
/// a full trace.
#[derive(Debug, Default, PartialEq)]
pub struct AccessFacts {
    pub status: Option<u16>,
    pub integration_latency_ms: Option<u64>,
    pub response_latency_ms: Option<u64>,
    pub lambda_request_id: Option<String>,
    pub error: Option<String>,
    pub route_key: Option<String>,
    pub missing: Vec<&'static str>,
}

/// Reads a JSON access-log record by the usual key names (any nesting, any case), and checks
/// the stage's format for the variables a trace needs.
pub fn access_facts(message: &str, format: Option<&str>) -> AccessFacts {
    let mut f = AccessFacts::default();
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    walk(&format!("{prefix}{k}"), v, out);
                }
            }
            serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
            serde_json::Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
            _ => {}
        }
    }
    let mut pairs = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(message.trim()) {
        walk("", &v, &mut pairs);
    }
    let norm = |k: &str| {
        k.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    for (k, v) in &pairs {
        let v = v.trim();
        if v.is_empty() || v == "-" {
            continue;
        }
        match norm(k).as_str() {
            "status" => f.status = v.parse().ok(),
            "integrationlatency" => f.integration_latency_ms = v.parse().ok(),
            "responselatency" => f.response_latency_ms = v.parse().ok(),
            "integrationrequestid" | "awsendpointrequestid" => {
                f.lambda_request_id = Some(v.to_string())
            }
            "integrationerrormessage" | "integrationerror" | "errormessage" => {
                f.error = Some(v.to_string())
            }
            "routekey" => f.route_key = Some(v.to_string()),
            _ => {}
        }
    }
    let has = |vars: &[&str]| format.is_some_and(|fmt| vars.iter().any(|v| fmt.contains(v)));
    for (what, vars) in [
        ("$context.status", &["$context.status"][..]),
        (
            "$context.integrationLatency",
            &[
                "$context.integrationLatency",
                "$context.integration.latency",
            ][..],
        ),
        (
            "$context.integration.requestId (the Lambda request id)",
            &[
                "$context.integration.requestId",
                "$context.awsEndpointRequestId",
            ][..],
        ),
        (
            "$context.integrationErrorMessage",
            &[
                "$context.integrationErrorMessage",
                "$context.integration.error",
                "$context.error.message",
            ][..],
        ),
        ("$context.routeKey", &["$context.routeKey"][..]),
    ] {
        if !has(vars) {
            f.missing.push(what);
        }
    }
    f
}

/// HTTP APIs have no execution log: the stage's access-log record of the request is the
/// gateway side, and `$context.integration.requestId` (when the format has it) leads into
/// the function's log.
#[allow(clippy::too_many_arguments)]
async fn http_access_trace(
    source: &dyn Source,
    req: &TraceRequest,
    progress: &Progress,
    api: Option<&ApiSummary>,
    stages: &[StageInfo],
    target: TargetInfo,
    group: String,
    stage: Option<String>,
    records: Vec<LogEvent>,
    mut notes: Vec<String>,
    mut ready: Vec<Readiness>,
) -> anyhow::Result<TraceOutcome> {
    let record = records
        .iter()
        .find(|e| e.message.contains(&req.request_id))
        .unwrap_or(&records[0]);
    // The format of the stage whose log group held the record: stages can log in different
    // formats (and to different groups).
    let stage_info = stages.iter().find(|s| Some(&s.name) == stage.as_ref());
    let format = stage_info.and_then(|s| s.access_log_format.as_deref());
    let facts = access_facts(&record.message, format);
    if !facts.missing.is_empty() {
        let stage_name = stage.as_deref().unwrap_or("STAGE");
        ready.push(Readiness {
            stage: stage.clone(),
            gap: Gap::AccessFormatLacks,
            text: format!(
                "stage {stage_name}: the access-log format lacks {} for a full trace. Turn it on: aws apigatewayv2 update-stage --api-id {} --stage-name {stage_name} --access-log-settings 'DestinationArn={},Format={{\"requestId\":\"$context.requestId\",\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\",\"integrationLatency\":\"$context.integrationLatency\",\"responseLatency\":\"$context.responseLatency\",\"integrationRequestId\":\"$context.integration.requestId\",\"integrationError\":\"$context.integrationErrorMessage\"}}'",
                facts.missing.join(", "),
                api.map_or("API_ID", |a| a.id.as_str()),
                stage_info
                    .and_then(|s| s.access_log_destination.as_deref())
                    .unwrap_or("ARN"),
            ),
        });
    }
    // The function: the route's Lambda integration (or the only one).
    let mut lambda_events = Vec::new();
    let mut function = None;
    if let (Some(api), Some(lid)) = (api, &facts.lambda_request_id) {
        if let Ok(routes) = source.routes(api).await {
            let fns: Vec<(String, crate::model::FunctionRef)> = routes
                .iter()
                .filter_map(|r| {
                    let f = crate::model::function_from_uri(
                        r.integration.as_ref()?.uri.as_ref()?,
                        &[],
                    )?;
                    Some((r.key(), f))
                })
                .collect();
            function = fns
                .iter()
                .find(|(k, _)| facts.route_key.as_deref() == Some(k.as_str()))
                .or(if fns.len() == 1 { fns.first() } else { None })
                .map(|(_, f)| f.clone());
        }
        if let Some(f) = &function {
            let log_group = match source.function_config(&f.name).await {
                Ok(c) => c.log_group,
                Err(e) if e.is_fatal() => bail!("{e}"),
                Err(_) => crate::model::FunctionConfig::default_log_group(&f.name),
            };
            let w = Window {
                start: record.timestamp - Duration::minutes(2),
                end: record.timestamp + Duration::minutes(2),
            };
            match read_group(source, progress, &log_group, &format!("\"{lid}\""), w).await {
                Ok(ev) => lambda_events = ev,
                Err(e) if e.is_fatal() => bail!("{e}"),
                Err(e) => notes.push(format!("Lambda log group {log_group}: {e}")),
            }
        } else {
            notes.push("the record does not say which route/function served it and the API has several Lambda integrations".into());
        }
    }
    let mut t = trace::build(&req.request_id, &[], &lambda_events, &req.signatures);
    t.status = facts.status;
    t.lambda_request_id = facts.lambda_request_id.clone();
    t.function = function.map(|f| f.name);
    t.breakdown.integration_latency_ms = facts.integration_latency_ms;
    t.log_lines.insert(
        0,
        trace::Line {
            at: record.timestamp,
            source: "access".into(),
            text: crate::sanitize::clean(&record.message),
        },
    );
    t.timeline.insert(
        0,
        trace::Hop {
            at: record.timestamp,
            hop: "access log record".into(),
            detail: format!(
                "status {}, integration {} ms, response {} ms{}",
                facts.status.map_or("?".into(), |s| s.to_string()),
                facts
                    .integration_latency_ms
                    .map_or("?".into(), |v| v.to_string()),
                facts
                    .response_latency_ms
                    .map_or("?".into(), |v| v.to_string()),
                facts
                    .error
                    .as_ref()
                    .map(|e| format!(", error: {}", crate::sanitize::clean(e)))
                    .unwrap_or_default()
            ),
            gap_ms: None,
        },
    );
    if t.cause.is_none() {
        // No execution-log lines to match: fall back on the status the record gives.
        let by_status = match facts.status {
            Some(200..=399) if facts.error.is_none() => Some("ok"),
            Some(504) => Some("integration-timeout"),
            _ => None,
        };
        if let Some(sig) = by_status.and_then(|id| req.signatures.iter().find(|s| s.id == id)) {
            t.cause = Some(trace::Cause {
                id: sig.id.clone(),
                title: sig.title.clone(),
                severity: sig.severity,
                explanation: sig.explanation.clone(),
                remedy: sig.remedy.clone(),
                lambda_reasons: Vec::new(),
            });
        }
        // A failed status no signature explains is still a traced failure (exit 1).
        if t.cause.is_none() {
            t.cause = trace::unclassified(&t, Vec::new());
        }
    }
    notes.push(format!(
        "HTTP API: traced from the access-log record in {group}"
    ));
    let inconclusive = t.cause.is_none();
    let mut report = Report {
        schema: SCHEMA,
        command: "trace".into(),
        target,
        checks: vec![
            cause_result(&t, &group),
            readiness_result(
                &ready,
                &Seen::Found {
                    stage: stage.as_deref(),
                    named: named(&t),
                },
            ),
        ],
        notes,
        section: Some(section(&t, &group, stage.as_deref(), api)),
    };
    report.sort();
    Ok(TraceOutcome {
        report,
        inconclusive,
        not_found: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_record_fields_and_what_the_format_lacks() {
        let fmt = r#"{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }"#;
        let rec = r#"{"requestId":"Vwc2MGFUrPEFV_g=","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:31:01 +0000","httpMethod":"GET","routeKey":"GET /items","status":"504","protocol":"HTTP/1.1","responseLength":"41"}"#;
        let f = access_facts(rec, Some(fmt));
        assert_eq!(f.status, Some(504));
        assert_eq!(f.route_key.as_deref(), Some("GET /items"));
        assert_eq!(f.lambda_request_id, None);
        assert!(
            f.missing
                .iter()
                .any(|m| m.contains("integration.requestId")),
            "{:?}",
            f.missing
        );
        assert!(f.missing.iter().any(|m| m.contains("integrationLatency")));
        let full = r#"{"requestId":"$context.requestId","status":"$context.status","integrationLatency":"$context.integrationLatency","integration":{"requestId":"$context.integration.requestId","error":"$context.integration.error"},"routeKey":"$context.routeKey"}"#;
        let rec = r#"{"requestId":"x","status":"502","integrationLatency":"81","integration":{"requestId":"758a8c2f-1f2e-4a5b-8c7d-9e0f1a2b3c4d","error":"-"},"routeKey":"GET /items"}"#;
        let f = access_facts(rec, Some(full));
        assert_eq!(
            f.lambda_request_id.as_deref(),
            Some("758a8c2f-1f2e-4a5b-8c7d-9e0f1a2b3c4d")
        );
        assert_eq!(f.integration_latency_ms, Some(81));
        assert!(f.missing.is_empty(), "{:?}", f.missing);
        // Not JSON (CLF): nothing read, everything reported from the format.
        assert_eq!(
            access_facts("203.0.113.7 - - [21/Nov/2026] \"GET /items\" 200", None).status,
            None
        );
    }

    #[test]
    fn readiness_gaps_warn_only_when_they_hid_what_the_trace_needed() {
        let gap = |stage: Option<&str>, gap| Readiness {
            stage: stage.map(str::to_string),
            gap,
            text: String::new(),
        };
        let off_dev = gap(Some("dev"), Gap::LoggingOff);
        let no_data_prod = gap(Some("prod"), Gap::NoDataTrace);
        let error_prod = gap(Some("prod"), Gap::ErrorOnly);
        let traced = Seen::Found {
            stage: Some("prod"),
            named: true,
        };
        let unexplained = Seen::Found {
            stage: Some("prod"),
            named: false,
        };
        // Found and explained: nothing was hidden, whatever the settings.
        for r in [&off_dev, &no_data_prod, &error_prod] {
            assert_eq!(gap_severity(r, &traced), Severity::Info, "{:?}", r.gap);
        }
        // Found but unexplained: the gaps of the stage that logged it may hide the cause;
        // another stage's do not.
        assert_eq!(gap_severity(&no_data_prod, &unexplained), Severity::Warning);
        assert_eq!(gap_severity(&error_prod, &unexplained), Severity::Warning);
        assert_eq!(gap_severity(&off_dev, &unexplained), Severity::Info);
        // Not found: what keeps requests out of the logs is a warning, data tracing is not.
        assert_eq!(gap_severity(&off_dev, &Seen::NotFound), Severity::Warning);
        assert_eq!(
            gap_severity(&error_prod, &Seen::NotFound),
            Severity::Warning
        );
        assert_eq!(gap_severity(&no_data_prod, &Seen::NotFound), Severity::Info);
        assert_eq!(
            gap_severity(&gap(None, Gap::NoAccessLogs), &Seen::NotFound),
            Severity::Warning
        );
    }

    #[test]
    fn request_ids_are_checked_before_they_reach_a_filter_pattern() {
        assert!(valid_id("286364ab-3a83-11e9-8dc8-db3cf4c83204"));
        assert!(valid_id("UUID_REPLACED_INVALID_REQUEST_ID"));
        assert!(!valid_id("a\" OR \"b"));
        assert!(!valid_id(""));
        assert!(!valid_id(&"a".repeat(200)));
    }
}
