//! Follow one request: API Gateway's execution-log lines of a request id, joined to the
//! Lambda invocation they name (`x-amzn-RequestId` in the endpoint response headers), turned
//! into a timeline with the gaps between hops, and a cause from the signature catalogue.
//! Pure: the `trace` command gathers the lines; this module only reads them.

pub mod signatures;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::LogEvent;
use crate::parse::exec_log::{self, ExecKind};
use crate::parse::lambda::{self, LambdaLine};
use crate::sanitize::clean;
use signatures::Signature;

/// One step of the request, in time order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    pub at: DateTime<Utc>,
    /// `request received`, `authorizer`, `integration request sent`, `lambda START`, …
    pub hop: String,
    pub detail: String,
    /// Milliseconds since the previous hop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap_ms: Option<i64>,
}

/// Where the time went, from the lines (each `None` when its lines were not seen).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Breakdown {
    /// From the first execution-log line to the integration request (authorizer, usage
    /// plan, request mapping).
    pub gateway_before_integration_ms: Option<i64>,
    /// API Gateway's own `Integration latency` figure.
    pub integration_latency_ms: Option<u64>,
    /// Lambda `Init Duration` (cold start) of this invocation.
    pub lambda_init_ms: Option<f64>,
    /// SnapStart `Restore Duration`.
    pub lambda_restore_ms: Option<f64>,
    /// Lambda handler `Duration`.
    pub lambda_duration_ms: Option<f64>,
    /// From the integration response to the method completion (response mapping).
    pub response_mapping_ms: Option<i64>,
    /// From the first to the last execution-log line.
    pub total_ms: Option<i64>,
}

/// The cause the catalogue names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cause {
    pub id: String,
    pub title: String,
    pub severity: crate::finding::Severity,
    pub explanation: String,
    pub remedy: String,
    /// Facts from the Lambda side that explain it (out of memory, timeout, crash).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lambda_reasons: Vec<String>,
}

/// A shown log line (sanitized, credentials redacted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub at: DateTime<Utc>,
    /// `apigw` or `lambda`.
    pub source: String,
    pub text: String,
}

/// Everything known about one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    pub request_id: String,
    /// `Method completed with status`.
    pub status: Option<u16>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub lambda_request_id: Option<String>,
    /// Function name (with qualifier) from the endpoint request URI.
    pub function: Option<String>,
    pub function_arn: Option<String>,
    pub xray_trace_id: Option<String>,
    pub cause: Option<Cause>,
    pub breakdown: Breakdown,
    pub timeline: Vec<Hop>,
    pub log_lines: Vec<Line>,
    /// Execution-log lines API Gateway cut at 1024 bytes.
    pub truncated_lines: usize,
}

/// The Lambda request id named in the execution log (endpoint response headers,
/// `AWS Integration Endpoint RequestId`, or a Lambda failure line).
pub fn lambda_request_id(exec: &[LogEvent]) -> Option<String> {
    exec.iter().find_map(|e| {
        let l = exec_log::parse_exec_event(&e.message)?;
        match l.kind {
            ExecKind::EndpointResponseHeaders {
                lambda_request_id: Some(id),
                ..
            } => Some(id.to_string()),
            ExecKind::AwsIntegrationRequestId(id) => Some(id.to_string()),
            ExecKind::LambdaInvocationFailed {
                lambda_request_id: Some(id),
                ..
            }
            | ExecKind::CustomerFunctionError {
                lambda_request_id: Some(id),
                ..
            } => Some(id.to_string()),
            _ => None,
        }
    })
}

/// The function ARN from the endpoint request URI.
pub fn function_arn(exec: &[LogEvent]) -> Option<String> {
    exec.iter()
        .find_map(|e| match exec_log::parse_exec_event(&e.message)?.kind {
            ExecKind::EndpointRequestUri {
                function_arn: Some(a),
                ..
            } => Some(a.to_string()),
            _ => None,
        })
}

/// The `host[:port]` of an HTTP integration (for `gwdoctor ssl`), from the endpoint request
/// URI or `Sending request to`. AWS service endpoints (Lambda, SQS, …) are not backends of
/// the user's own, so they give `None`.
pub fn backend_host(exec: &[LogEvent]) -> Option<String> {
    exec.iter()
        .find_map(|e| match exec_log::parse_exec_event(&e.message)?.kind {
            ExecKind::SendingRequest { uri } | ExecKind::EndpointRequestUri { uri, .. }
                if uri.starts_with("https://") && !uri.contains(".amazonaws.com/") =>
            {
                let authority = uri
                    .strip_prefix("https://")?
                    .split(['/', '?', '#'])
                    .next()?;
                // Credentials in the URI (`user:pass@host`) are not part of the host.
                let host = authority.rsplit('@').next()?;
                // The host ends up in a command the user is told to run: only host
                // characters (names, IPv4, bracketed IPv6, a port) pass.
                let plain = !host.is_empty()
                    && host
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
                plain.then(|| host.to_string())
            }
            _ => None,
        })
}

/// The placeholder a signature's remedy may hold for the HTTP backend's `host[:port]`.
pub const BACKEND_HOST_PLACEHOLDER: &str = "<backend host>";

/// A signature's remedy with its placeholders filled from what the lines showed; a
/// placeholder stays as it is when the lines did not show the value.
fn fill_remedy(remedy: &str, backend_host: Option<&str>) -> String {
    match backend_host {
        Some(h) => remedy.replace(BACKEND_HOST_PLACEHOLDER, h),
        None => remedy.to_string(),
    }
}

/// The cause given to a request that failed but that no signature of the catalogue names.
/// It is not a catalogue file: it matches by the absence of every other match, which a
/// declarative definition cannot say (and the catalogue test would reject).
pub const UNCLASSIFIED: &str = "unclassified-failure";

/// Timeline hops that only a failed request has (API Gateway's own failure lines).
const FAILURE_HOPS: &[&str] = &[
    "execution failed",
    "function error",
    "integration error",
    "lambda invocation failed",
    "authorizer denied",
    "usage plan throttled",
];

/// Whether the lines show that the request failed: an error status, or one of API Gateway's
/// failure lines (a request cut before `Method completed` has no status).
pub fn failed(t: &Trace) -> bool {
    t.status.is_some_and(|s| s >= 400)
        || t.timeline
            .iter()
            .any(|h| FAILURE_HOPS.contains(&h.hop.as_str()))
}

/// The [`UNCLASSIFIED`] cause for a failed request no signature matched, else `None` (a
/// request that neither failed nor matched `ok` stays without a cause: inconclusive).
pub fn unclassified(t: &Trace, lambda_reasons: Vec<String>) -> Option<Cause> {
    if !failed(t) {
        return None;
    }
    let status = t
        .status
        .map_or("no final status".to_string(), |s| format!("status {s}"));
    Some(Cause {
        id: UNCLASSIFIED.into(),
        title: "The request failed; no signature names the cause".into(),
        severity: crate::finding::Severity::Error,
        explanation: format!(
            "The request failed ({status}) but no definition of the signature catalogue matches its lines,\nso gwdoctor cannot name the cause. Its last gateway lines are the evidence."
        ),
        remedy: "Read the last execution-log lines and the Lambda side of the timeline: the first `Execution failed`, error status or ERROR line is where it went wrong. An error status without an `Execution failed` line is the backend's (or the function's) own answer: look at its logs. When the pattern recurs, add a signature for it under `--checks-dir DIR/trace/` (`gwdoctor explain ssl-engine` shows the format).".into(),
        lambda_reasons,
    })
}

fn ms_between(a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    (b - a).num_milliseconds()
}

/// Builds the trace. `exec` are the execution-log events of the request (any order);
/// `lambda_events` the function log events of its invocation.
pub fn build(
    request_id: &str,
    exec: &[LogEvent],
    lambda_events: &[LogEvent],
    sigs: &[Signature],
) -> Trace {
    let host = backend_host(exec);
    let mut exec: Vec<&LogEvent> = exec.iter().collect();
    // CloudWatch sorts by timestamp; equal timestamps keep their ingestion order.
    exec.sort_by_key(|e| e.timestamp);
    let mut lambda_sorted: Vec<&LogEvent> = lambda_events.iter().collect();
    lambda_sorted.sort_by_key(|e| e.timestamp);

    let mut t = Trace {
        request_id: request_id.to_string(),
        status: None,
        method: None,
        path: None,
        lambda_request_id: None,
        function: None,
        function_arn: None,
        xray_trace_id: None,
        cause: None,
        breakdown: Breakdown::default(),
        timeline: Vec::new(),
        log_lines: Vec::new(),
        truncated_lines: 0,
    };
    let mut hops: Vec<Hop> = Vec::new();
    let hop = |hops: &mut Vec<Hop>, at, name: &str, detail: String| {
        hops.push(Hop {
            at,
            hop: name.into(),
            detail,
            gap_ms: None,
        });
    };
    let mut first: Option<DateTime<Utc>> = None;
    let mut last: Option<DateTime<Utc>> = None;
    let mut sent_at = None;
    let mut received_at = None;
    let mut completed_at = None;
    for e in &exec {
        first.get_or_insert(e.timestamp);
        last = Some(e.timestamp);
        t.log_lines.push(Line {
            at: e.timestamp,
            source: "apigw".into(),
            text: clean(&e.message),
        });
        let Some(l) = exec_log::parse_exec_event(&e.message) else {
            continue;
        };
        if l.truncated {
            t.truncated_lines += 1;
        }
        match l.kind {
            ExecKind::ExtendedRequestId(x) => hop(
                &mut hops,
                e.timestamp,
                "request received",
                format!("extended request id {x}"),
            ),
            ExecKind::AuthorizerStart { authorizer_id } => hop(
                &mut hops,
                e.timestamp,
                "authorizer started",
                format!("authorizer {authorizer_id}"),
            ),
            ExecKind::AuthorizerDone => hop(
                &mut hops,
                e.timestamp,
                "authorizer done",
                "policy accepted".into(),
            ),
            ExecKind::AuthorizerUnauthorized => hop(
                &mut hops,
                e.timestamp,
                "authorizer denied",
                "401 Unauthorized".into(),
            ),
            ExecKind::UsagePlanVerify { api_stage, .. } => hop(
                &mut hops,
                e.timestamp,
                "usage plan",
                format!("verifying for {}", api_stage.unwrap_or("?")),
            ),
            ExecKind::KeyThrottleExceeded { limit, burst, .. } => hop(
                &mut hops,
                e.timestamp,
                "usage plan throttled",
                format!(
                    "key limit {} rps, burst {}",
                    limit.map_or("?".into(), |l| l.to_string()),
                    burst.map_or("?".into(), |b| b.to_string())
                ),
            ),
            ExecKind::StartingExecution => {
                hop(&mut hops, e.timestamp, "execution started", String::new())
            }
            ExecKind::MethodAndPath { method, path } => {
                t.method = Some(method.into());
                t.path = Some(path.into());
            }
            ExecKind::EndpointRequestUri {
                function_arn: Some(a),
                ..
            } => {
                t.function_arn = Some(a.into());
                t.function = a.split(":function:").nth(1).map(str::to_string);
            }
            ExecKind::SendingRequest { uri } => {
                sent_at.get_or_insert(e.timestamp);
                if t.function_arn.is_none() {
                    if let Some(f) = crate::model::function_from_uri(uri, &[]) {
                        t.function_arn = uri
                            .split("functions/")
                            .nth(1)
                            .and_then(|r| r.split("/invocations").next())
                            .map(str::to_string);
                        t.function = Some(match f.qualifier {
                            Some(q) => format!("{}:{q}", f.name),
                            None => f.name,
                        });
                    }
                }
                hop(
                    &mut hops,
                    e.timestamp,
                    "integration request sent",
                    clean(uri),
                );
            }
            ExecKind::ReceivedResponse {
                status,
                integration_latency_ms,
            } => {
                received_at = Some(e.timestamp);
                t.breakdown.integration_latency_ms = Some(integration_latency_ms);
                hop(
                    &mut hops,
                    e.timestamp,
                    "integration response",
                    format!(
                        "{integration_latency_ms} ms{}",
                        status.map(|s| format!(", status {s}")).unwrap_or_default()
                    ),
                );
            }
            ExecKind::EndpointResponseHeaders {
                lambda_request_id,
                trace_id,
                function_error,
                error_type,
                ..
            } => {
                if let Some(id) = lambda_request_id {
                    t.lambda_request_id = Some(id.into());
                }
                if let Some(x) = trace_id {
                    t.xray_trace_id = Some(x.into());
                }
                if let Some(fe) = function_error {
                    hop(
                        &mut hops,
                        e.timestamp,
                        "function error",
                        format!("X-Amz-Function-Error: {fe}"),
                    );
                }
                if let Some(et) = error_type {
                    hop(&mut hops, e.timestamp, "integration error", et.to_string());
                }
            }
            ExecKind::AwsIntegrationRequestId(id) => {
                t.lambda_request_id.get_or_insert_with(|| id.into());
            }
            ExecKind::XrayTraceId(x) => {
                t.xray_trace_id.get_or_insert_with(|| x.into());
            }
            ExecKind::ExecutionFailed { reason } => {
                hop(&mut hops, e.timestamp, "execution failed", clean(reason))
            }
            ExecKind::LambdaInvocationFailed {
                status,
                lambda_request_id,
            } => {
                if let Some(id) = lambda_request_id {
                    t.lambda_request_id.get_or_insert_with(|| id.into());
                }
                hop(
                    &mut hops,
                    e.timestamp,
                    "lambda invocation failed",
                    format!("status {}", status.map_or("?".into(), |s| s.to_string())),
                );
            }
            ExecKind::CustomerFunctionError {
                message,
                lambda_request_id,
                ..
            } => {
                if let Some(id) = lambda_request_id {
                    t.lambda_request_id.get_or_insert_with(|| id.into());
                }
                hop(&mut hops, e.timestamp, "function error", clean(message));
            }
            ExecKind::MethodCompleted { status } => {
                t.status = Some(status);
                completed_at = Some(e.timestamp);
                hop(
                    &mut hops,
                    e.timestamp,
                    "method completed",
                    format!("status {status}"),
                );
            }
            _ => {}
        }
    }
    if first.is_some() && !hops.iter().any(|h| h.hop == "request received") {
        if let Some(f) = first {
            hops.insert(
                0,
                Hop {
                    at: f,
                    hop: "request received".into(),
                    detail: "first execution-log line".into(),
                    gap_ms: None,
                },
            );
        }
    }

    // The Lambda side: only this invocation's lines (START/END/REPORT carry the id; app
    // lines carry it in text format; lines between START and END belong to it).
    let mut lambda_reasons = Vec::new();
    let lambda_id = t.lambda_request_id.clone();
    let mut inside = false;
    for e in &lambda_sorted {
        let parsed = lambda::parse_event(&e.message);
        let rid = parsed.request_id().map(|r| r.to_string());
        let mine = match (&lambda_id, &rid) {
            (Some(want), Some(got)) => want == got,
            (Some(_), None) => inside,
            (None, _) => true,
        };
        match &parsed {
            LambdaLine::Start { .. } if mine => inside = true,
            LambdaLine::End { .. } if mine => inside = false,
            _ => {}
        }
        if !mine && !matches!(parsed, LambdaLine::End { .. }) {
            continue;
        }
        if !mine {
            continue;
        }
        t.log_lines.push(Line {
            at: e.timestamp,
            source: "lambda".into(),
            text: clean(&e.message),
        });
        match parsed {
            LambdaLine::Start { version, .. } => hop(
                &mut hops,
                e.timestamp,
                "lambda START",
                format!("version {}", version.as_deref().unwrap_or("?")),
            ),
            LambdaLine::End { .. } => hop(&mut hops, e.timestamp, "lambda END", String::new()),
            LambdaLine::Report(r) => {
                t.breakdown.lambda_duration_ms = Some(r.duration_ms);
                t.breakdown.lambda_init_ms = r.init_ms;
                t.breakdown.lambda_restore_ms = r.restore_ms;
                let mut d = format!("duration {:.0} ms", r.duration_ms);
                if let Some(i) = r.init_ms {
                    d.push_str(&format!(", init {i:.0} ms (cold start)"));
                }
                if let Some(rs) = r.restore_ms {
                    d.push_str(&format!(", restore {rs:.0} ms (SnapStart)"));
                }
                if let (Some(used), Some(size)) = (r.max_memory_mb, r.memory_mb) {
                    d.push_str(&format!(", memory {used}/{size} MB"));
                }
                if r.memory_exhausted() {
                    lambda_reasons.push(format!(
                        "Max Memory Used reached Memory Size ({} MB): out of memory",
                        r.memory_mb.unwrap_or(0)
                    ));
                }
                if let Some(x) = &r.exit_reason {
                    lambda_reasons.push(format!("Runtime exited with error: {}", clean(x)));
                }
                if r.status.as_deref() == Some("timeout") {
                    lambda_reasons.push("the invocation timed out".into());
                }
                hop(&mut hops, e.timestamp, "lambda REPORT", d);
            }
            LambdaLine::Timeout { seconds, .. } => {
                lambda_reasons.push(format!(
                    "Task timed out after {seconds:.2} seconds (the function's own timeout)"
                ));
                hop(
                    &mut hops,
                    e.timestamp,
                    "lambda timeout",
                    format!("after {seconds:.2} s"),
                );
            }
            LambdaLine::RuntimeExited {
                reason, error_type, ..
            } => {
                lambda_reasons.push(format!(
                    "Runtime exited: {}{}",
                    clean(&reason),
                    error_type.map(|t| format!(" ({t})")).unwrap_or_default()
                ));
                hop(
                    &mut hops,
                    e.timestamp,
                    "lambda runtime exited",
                    clean(&reason),
                );
            }
            LambdaLine::OutOfMemory { signal, .. } => {
                lambda_reasons.push(format!("out of memory ({signal})"));
                hop(
                    &mut hops,
                    e.timestamp,
                    "lambda out of memory",
                    signal.to_string(),
                );
            }
            LambdaLine::App {
                level: Some(level),
                message,
                ..
            } if level.eq_ignore_ascii_case("error") => {
                let m: String = clean(&message).chars().take(200).collect();
                lambda_reasons.push(format!("ERROR: {m}"));
            }
            _ => {}
        }
    }

    hops.sort_by_key(|h| h.at);
    let mut prev: Option<DateTime<Utc>> = None;
    for h in &mut hops {
        h.gap_ms = prev.map(|p| ms_between(p, h.at));
        prev = Some(h.at);
    }
    t.timeline = hops;
    t.log_lines.sort_by_key(|l| l.at);
    t.breakdown.gateway_before_integration_ms = first.zip(sent_at).map(|(a, b)| ms_between(a, b));
    t.breakdown.response_mapping_ms = received_at.zip(completed_at).map(|(a, b)| ms_between(a, b));
    t.breakdown.total_ms = first.zip(last).map(|(a, b)| ms_between(a, b));

    let exec_text = exec
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let lambda_text = t
        .log_lines
        .iter()
        .filter(|l| l.source == "lambda")
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    t.cause = signatures::classify(sigs, &exec_text, &lambda_text).map(|s| Cause {
        id: s.id.clone(),
        title: s.title.clone(),
        severity: s.severity,
        explanation: s.explanation.clone(),
        remedy: fill_remedy(&s.remedy, host.as_deref()),
        lambda_reasons: if s.id == "ok" {
            Vec::new()
        } else {
            lambda_reasons.clone()
        },
    });
    if t.cause.is_none() {
        t.cause = unclassified(&t, lambda_reasons);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ev(ms: i64, msg: &str) -> LogEvent {
        LogEvent {
            timestamp: Utc.timestamp_millis_opt(1_795_252_800_000 + ms).unwrap(),
            stream: "e369853df766fa44e1ed0ff613f563bd".into(),
            message: msg.into(),
        }
    }

    const RID: &str = "286364ab-3a83-11e9-8dc8-db3cf4c83204";
    const LID: &str = "71952965-d5cc-4974-ae08-6e2138b2275c";

    /// A 2019-style timeout through a Lambda proxy integration: the function's own 10 s
    /// timeout fires before API Gateway's 29 s.
    fn timeout_exec() -> Vec<LogEvent> {
        vec![
            ev(0, &format!("({RID}) Extended Request Id: Vwc2MGFUrPEFV_g=")),
            ev(1, &format!("({RID}) Verifying Usage Plan for request: {RID}. API Key: API Stage: uwe3g5jm54/Prod")),
            ev(2, &format!("({RID}) API Key authorized because method 'GET /echo' does not require API Key. Request will not contribute to throttle or quota limits")),
            ev(3, &format!("({RID}) Starting execution for request: {RID}")),
            ev(3, &format!("({RID}) HTTP Method: GET, Resource Path: /echo")),
            ev(5, &format!("({RID}) Endpoint request URI: https://lambda.eu-west-2.amazonaws.com/2015-03-31/functions/arn:aws:lambda:eu-west-2:958845080241:function:log-test-1-EchoFunction-175HKORAF18IO/invocations")),
            ev(6, &format!("({RID}) Endpoint request headers: {{x-amzn-lambda-integration-tag={RID}, Authorization=*****************************************************************************************************************************************************************************************************************************************************************************************************************************************4f8c02, X-Amz-Date=20190227T113101Z, x-amzn-apigateway-api-id=uwe3g5jm54, X-Amz-Source-Arn=arn:aws:execute-api:eu-west-2:958845080241:uwe3g5jm54/Prod/GET/echo, Accept=application/json, User-Agent=AmazonAPIGateway_uwe3g5jm54, X-Amz-Security-Token=FQoGZXIvYXdzEJr//////////wEaDOp3JKBkSqFQ2hJpwCK3A1P8QZh [TRUNCATED]")),
            ev(7, &format!("({RID}) Sending request to https://lambda.eu-west-2.amazonaws.com/2015-03-31/functions/arn:aws:lambda:eu-west-2:958845080241:function:log-test-1-EchoFunction-175HKORAF18IO/invocations")),
            ev(11036, &format!("({RID}) Received response. Integration latency: 11029 ms")),
            ev(11037, &format!("({RID}) Endpoint response body before transformations: {{\"errorMessage\":\"2019-02-27T11:31:11.456Z {LID} Task timed out after 10.00 seconds\"}}")),
            ev(11037, &format!("({RID}) Endpoint response headers: {{Date=Wed, 27 Feb 2019 11:31:12 GMT, Content-Type=application/json, Content-Length=101, Connection=keep-alive, x-amzn-RequestId={LID}, X-Amz-Function-Error=Unhandled, x-amzn-Remapped-Content-Length=0, X-Amz-Executed-Version=$LATEST, X-Amzn-Trace-Id=root=1-5c7674f4-a3491d0a9c8012c191821b83;sampled=1}}")),
            ev(11038, &format!("({RID}) Lambda execution failed with status 200 due to customer function error: 2019-02-27T11:31:11.456Z {LID} Task timed out after 10.00 seconds. Lambda request id: {LID}")),
            ev(11039, &format!("({RID}) Method completed with status: 502")),
            ev(11039, &format!("({RID}) AWS Integration Endpoint RequestId : {LID}")),
            ev(11040, &format!("({RID}) X-ray Tracing ID : 1-5c7674f4-a3491d0a9c8012c191821b83")),
        ]
    }

    fn timeout_lambda() -> Vec<LogEvent> {
        vec![
            ev(1020, "START RequestId: 0f2c3a10-1111-4a4a-9a9a-aaaaaaaaaaaa Version: $LATEST"),
            ev(1030, "END RequestId: 0f2c3a10-1111-4a4a-9a9a-aaaaaaaaaaaa"),
            ev(1040, &format!("START RequestId: {LID} Version: $LATEST")),
            ev(1100, &format!("2019-02-27T11:31:01.512Z\t{LID}\tINFO\tcalling the slow dependency")),
            ev(11020, &format!("END RequestId: {LID}")),
            ev(11021, &format!("REPORT RequestId: {LID}\tDuration: 10010.65 ms\tBilled Duration: 10000 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tInit Duration: 951.05 ms\t")),
            ev(11022, &format!("2019-02-27T11:31:11.456Z {LID} Task timed out after 10.00 seconds")),
        ]
    }

    #[test]
    fn timeout_trace_joins_the_lambda_invocation_and_names_the_cause() {
        let t = build(
            RID,
            &timeout_exec(),
            &timeout_lambda(),
            &signatures::builtin(),
        );
        assert_eq!(t.status, Some(502));
        assert_eq!(t.lambda_request_id.as_deref(), Some(LID));
        assert_eq!(
            t.function.as_deref(),
            Some("log-test-1-EchoFunction-175HKORAF18IO")
        );
        assert_eq!(
            t.xray_trace_id.as_deref(),
            Some("1-5c7674f4-a3491d0a9c8012c191821b83")
        );
        assert_eq!(t.truncated_lines, 1);
        let c = t.cause.as_ref().unwrap();
        assert_eq!(c.id, "lambda-timeout");
        assert!(
            c.lambda_reasons
                .iter()
                .any(|r| r.contains("Task timed out after 10.00")),
            "{:?}",
            c.lambda_reasons
        );
        assert_eq!(t.breakdown.integration_latency_ms, Some(11029));
        assert_eq!(t.breakdown.lambda_init_ms, Some(951.05));
        assert_eq!(t.breakdown.gateway_before_integration_ms, Some(7));
        // The other invocation's lines are not part of this trace.
        assert!(!t.log_lines.iter().any(|l| l.text.contains("0f2c3a10")));
        assert!(t
            .log_lines
            .iter()
            .any(|l| l.text.contains("calling the slow dependency")));
        // Credentials in the headers line are redacted before display.
        assert!(!t
            .log_lines
            .iter()
            .any(|l| l.text.contains("FQoGZXIvYXdzEJr")));
        let hops: Vec<&str> = t.timeline.iter().map(|h| h.hop.as_str()).collect();
        assert_eq!(hops.first(), Some(&"request received"));
        assert!(
            hops.contains(&"lambda REPORT") && hops.contains(&"method completed"),
            "{hops:?}"
        );
        let resp = t
            .timeline
            .iter()
            .find(|h| h.hop == "integration response")
            .unwrap();
        assert!(resp.gap_ms.unwrap() > 0);
    }

    #[test]
    fn healthy_request_is_ok() {
        let exec = vec![
            ev(0, &format!("({RID}) Starting execution for request: {RID}")),
            ev(4, &format!("({RID}) Sending request to https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations")),
            ev(90, &format!("({RID}) Received response. Integration latency: 86 ms")),
            ev(91, &format!("({RID}) Endpoint response headers: {{x-amzn-RequestId={LID}, X-Amz-Executed-Version=$LATEST}}")),
            ev(93, &format!("({RID}) Successfully completed execution")),
            ev(93, &format!("({RID}) Method completed with status: 200")),
        ];
        let t = build(RID, &exec, &[], &signatures::builtin());
        assert_eq!(t.cause.unwrap().id, "ok");
        assert_eq!(t.breakdown.response_mapping_ms, Some(3));
        assert_eq!(t.function.as_deref(), Some("orders"));
    }

    #[test]
    fn garbage_and_truncated_lines_do_not_break_a_trace() {
        let exec = vec![
            ev(0, "not an execution log line at all \u{1b}[31m"),
            ev(1, &format!("({RID}) Endpoint response body before transformations: {{\"a\": \"{} [TRUNCATED]", "x".repeat(990))),
            ev(2, &format!("({RID}) Method completed with status: 5")),
        ];
        let t = build(
            RID,
            &exec,
            &[ev(3, "REPORT RequestId: \tDuration: ")],
            &signatures::builtin(),
        );
        // "status: 5" is not an HTTP status, the body line is only counted as cut, and the
        // broken REPORT line gives no figures: nothing says the request failed or succeeded.
        assert_eq!(t.status, None);
        assert_eq!(t.cause, None);
        assert_eq!(t.truncated_lines, 1);
        assert_eq!(
            t.breakdown,
            Breakdown {
                total_ms: Some(2),
                ..Breakdown::default()
            }
        );
        let hops: Vec<(&str, &str)> = t
            .timeline
            .iter()
            .map(|h| (h.hop.as_str(), h.detail.as_str()))
            .collect();
        assert_eq!(hops, [("request received", "first execution-log line")]);
        assert_eq!(t.timeline[0].at, ev(0, "").timestamp);
        // Every line is still shown, in order, without the escape sequence.
        let sources: Vec<&str> = t.log_lines.iter().map(|l| l.source.as_str()).collect();
        assert_eq!(sources, ["apigw", "apigw", "apigw", "lambda"]);
        assert_eq!(t.log_lines[0].text, "not an execution log line at all ");
    }

    #[test]
    fn a_failure_no_signature_matches_is_unclassified_not_silent() {
        let exec = vec![
            ev(0, &format!("({RID}) Starting execution for request: {RID}")),
            ev(4, &format!("({RID}) Sending request to https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations")),
            ev(90, &format!("({RID}) Received response. Integration latency: 86 ms")),
            ev(93, &format!("({RID}) Method completed with status: 503")),
        ];
        let lambda = vec![
            ev(5, &format!("START RequestId: {LID} Version: $LATEST")),
            ev(
                6,
                &format!("2026-11-21T09:31:01.012Z\t{LID}\tERROR\tinventory unavailable"),
            ),
            ev(80, &format!("END RequestId: {LID}")),
        ];
        let t = build(RID, &exec, &lambda, &signatures::builtin());
        let c = t.cause.as_ref().unwrap();
        assert_eq!(c.id, UNCLASSIFIED);
        assert_eq!(c.severity, crate::finding::Severity::Error);
        assert!(c.explanation.contains("status 503"), "{}", c.explanation);
        assert_eq!(c.lambda_reasons, ["ERROR: inventory unavailable"]);
        // A failure line without a final status is a failure too.
        let cut = vec![
            ev(0, &format!("({RID}) Starting execution for request: {RID}")),
            ev(9, &format!("({RID}) Execution failed due to configuration error: Unable to transform request")),
        ];
        let t = build(RID, &cut, &[], &signatures::builtin());
        let c = t.cause.unwrap();
        assert_eq!(c.id, UNCLASSIFIED);
        assert!(
            c.explanation.contains("no final status"),
            "{}",
            c.explanation
        );
        // A healthy request is never unclassified.
        assert!(!failed(&build(
            RID,
            &exec[..3],
            &[],
            &signatures::builtin()
        )));
    }

    #[test]
    fn ssl_engine_remedy_names_the_backend_host() {
        let sig = signatures::builtin()
            .into_iter()
            .find(|s| s.id == "ssl-engine")
            .unwrap();
        assert!(sig.remedy.contains(BACKEND_HOST_PLACEHOLDER));
        let lines = |uri: &str| {
            vec![
                ev(0, &format!("({RID}) Endpoint request URI: {uri}")),
                ev(1, &format!("({RID}) Execution failed due to configuration error: General SSLEngine problem")),
                ev(1, &format!("({RID}) Method completed with status: 500")),
            ]
        };
        let t = build(
            RID,
            &lines("https://backend.example.com:8443/orders?x=1"),
            &[],
            std::slice::from_ref(&sig),
        );
        let c = t.cause.unwrap();
        assert_eq!(c.id, "ssl-engine");
        assert!(
            c.remedy.contains("`gwdoctor ssl backend.example.com:8443`"),
            "{}",
            c.remedy
        );
        // Unknown host (the URI line is missing): the generic text stays.
        let t = build(RID, &lines("")[1..], &[], std::slice::from_ref(&sig));
        assert_eq!(t.cause.unwrap().remedy, sig.remedy);
    }

    #[test]
    fn lambda_id_and_backend_host_helpers() {
        assert_eq!(lambda_request_id(&timeout_exec()).as_deref(), Some(LID));
        let exec = vec![ev(
            0,
            &format!("({RID}) Sending request to https://backend.example.com:8443/orders"),
        )];
        assert_eq!(
            backend_host(&exec).as_deref(),
            Some("backend.example.com:8443")
        );
        assert_eq!(backend_host(&timeout_exec()), None);
        let host =
            |uri: &str| backend_host(&[ev(0, &format!("({RID}) Endpoint request URI: {uri}"))]);
        assert_eq!(
            host("https://api.example.com?q=1").as_deref(),
            Some("api.example.com")
        );
        assert_eq!(
            host("https://u:p@api.example.com/x").as_deref(),
            Some("api.example.com")
        );
        assert_eq!(
            host("https://[2001:db8::1]:443/").as_deref(),
            Some("[2001:db8::1]:443")
        );
        // Not a host: never pasted into a command.
        assert_eq!(host("https://a$(id)b/"), None);
        assert_eq!(host("http://plain.example.com/"), None);
    }
}
