//! Parses one API Gateway REST *execution log* event, `(<requestId>) <text>` from the
//! `API-Gateway-Execution-Logs_{apiId}/{stage}` log group, into an [`ExecLine`] without panicking
//! on truncated or garbage input.
//!
//! Catalogue and examples: `shared/reference/aws-formats.md` §3.2–3.3.
//!
//! # Decisions
//!
//! * **Shape.** `(<id>) <text>`. The id is non-empty, has no whitespace and is at most 128 bytes.
//!   The `YYYY-MM-DDTHH:MM:SS.mmmZ (<id>) <text>` form printed by awslogs or the console is also
//!   accepted. Anything else is `None`, including the test-invoke format
//!   `Thu Aug 31 01:07:25 UTC 2017 : …`.
//! * **Truncation.**
//!   - API Gateway cuts events at 1024 bytes and appends ` [TRUNCATED]`. The marker is stripped
//!     and reported as [`ExecLine::truncated`].
//!   - Numbers must be complete to count. A status is 3 digits in 100..=599, a latency needs its
//!     ` ms`. If a required number is unreadable the event is [`ExecKind::Other`].
//!   - Free text at the end of an event may come back cut: a body, a path, an error message,
//!     the `Burst` of a throttle line. The exception is a Lambda request id shaped like a cut UUID,
//!     which is dropped (`None`).
//! * **Header maps** (`{Date=Wed, 27 Feb 2019 …, x-amzn-RequestId=…}`). Entries are split at
//!   `, ` only where a header name and `=` follow, so commas inside values such as `Date`
//!   survive. In a map that is not closed by `}` (cut), the last entry may be incomplete and is
//!   dropped. [`HeaderMap::get`] ignores case.
//! * **Ids.**
//!   - The trace id from `X-Amzn-Trace-Id=root=1-…;sampled=1` and from
//!     `X-ray Tracing ID : Root=1-…` is the bare `1-…` id. That is the form the Lambda `REPORT`
//!     `XRAY TraceId:` uses, so the two can be joined.
//!   - `function_arn` is the text between `functions/` and `/invocations`, so it keeps an alias
//!     or version qualifier. If `/invocations` is missing (cut) it is `None`.
//!   - `x-amzn-RequestId` in *Endpoint response headers* is the **Lambda** request id (it joins
//!     to `START/REPORT RequestId:`). The `(…)` id of the line is API Gateway's own.
//! * Catalogue lines without a variant of their own are [`ExecKind::Other`] with the text:
//!   `Incoming identity`, `Authorizer result body…`, `API Key authorized because…`,
//!   `Method request …`, `Endpoint request body…`, `Method response …`.

// Panic-freedom is enforced mechanically: no indexing, no slicing of `str` by range, no unwrap.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

/// One execution-log event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExecLine<'a> {
    /// API Gateway's request id (`$context.requestId`), from the leading `(…)`.
    pub request_id: &'a str,
    pub kind: ExecKind<'a>,
    /// API Gateway cut the event at 1024 bytes (it ended in `[TRUNCATED]`).
    pub truncated: bool,
}

/// What an execution-log line says, in the order lines appear for a normal request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExecKind<'a> {
    /// `Extended Request Id: <extId>` (`$context.extendedRequestId`).
    ExtendedRequestId(&'a str),
    /// `Starting authorizer: <authorizerId> for request: <requestId>`.
    AuthorizerStart { authorizer_id: &'a str },
    /// `Unauthorized request: <requestId>`: the authorizer returned 401.
    AuthorizerUnauthorized,
    /// `Using valid authorizer policy for principal: <masked>`.
    AuthorizerPolicyValid,
    /// `Successfully completed authorizer execution`.
    AuthorizerDone,
    /// `Verifying Usage Plan for request: <id>. API Key: <key> API Stage: <apiId>/<stage>`.
    /// `api_key` is often empty.
    UsagePlanVerify {
        api_key: Option<&'a str>,
        api_stage: Option<&'a str>,
    },
    /// `Usage Plan check succeeded for API Key and API Stage <apiId>/<stage>`.
    UsagePlanOk,
    /// `Key throttle limit exceeded for RestApi <api>, Stage <stage>, Resource <res>,
    /// HttpMethod <VERB>. Limit: <f> Burst: <n>`. A 429 follows. A field is `None` when the
    /// delimiter after it is missing (cut).
    KeyThrottleExceeded {
        api: Option<&'a str>,
        stage: Option<&'a str>,
        resource: Option<&'a str>,
        method: Option<&'a str>,
        limit: Option<f64>,
        burst: Option<u64>,
    },
    /// `Starting execution for request: <requestId>`.
    StartingExecution,
    /// `HTTP Method: <VERB>, Resource Path: <path>`.
    MethodAndPath { method: &'a str, path: &'a str },
    /// `Endpoint request URI: https://lambda.<region>.amazonaws.com/2015-03-31/functions/<arn>/invocations`.
    EndpointRequestUri {
        uri: &'a str,
        function_arn: Option<&'a str>,
    },
    /// `Endpoint request headers: {…}`.
    EndpointRequestHeaders(HeaderMap<'a>),
    /// `Sending request to <uri>`.
    SendingRequest { uri: &'a str },
    /// `Received response. [Status: <code>, ]Integration latency: <n> ms`. The `Status:` form
    /// is unverified (seen only in a third-party generator).
    ReceivedResponse {
        status: Option<u16>,
        integration_latency_ms: u64,
    },
    /// `Endpoint response body before transformations: <body>`. See [`lambda_throttle_reason`].
    EndpointResponseBody(&'a str),
    /// `Endpoint response headers: {…}`, with the fields gwdoctor joins on extracted.
    EndpointResponseHeaders {
        /// `x-amzn-RequestId`: the **Lambda** request id.
        lambda_request_id: Option<&'a str>,
        /// `X-Amz-Function-Error`: `Unhandled` or `Handled`.
        function_error: Option<&'a str>,
        /// The `root=` id of `X-Amzn-Trace-Id`.
        trace_id: Option<&'a str>,
        /// `x-amzn-ErrorType`, e.g. `TooManyRequestsException` when Lambda throttled. Text after
        /// a `:` is dropped.
        error_type: Option<&'a str>,
        /// Everything else (e.g. `X-Amz-Executed-Version`).
        headers: HeaderMap<'a>,
    },
    /// `Method completed with status: <code>`.
    MethodCompleted { status: u16 },
    /// `Successfully completed execution`.
    SuccessfullyCompleted,
    /// `AWS Integration Endpoint RequestId : <lambdaRequestId>`.
    AwsIntegrationRequestId(&'a str),
    /// `X-ray Tracing ID : <id>`. `Root=` is stripped, so the value is the bare `1-…` id.
    XrayTraceId(&'a str),
    /// `Execution failed due to <reason>`. See [`classify_failure`].
    ExecutionFailed { reason: &'a str },
    /// `Lambda invocation failed with status: <code>. Lambda request id: <id>`.
    LambdaInvocationFailed {
        status: Option<u16>,
        lambda_request_id: Option<&'a str>,
    },
    /// `Lambda execution failed with status <code> due to customer function error: <msg>.
    /// Lambda request id: <id>`.
    CustomerFunctionError {
        status: Option<u16>,
        message: &'a str,
        lambda_request_id: Option<&'a str>,
    },
    /// Any other text, including a catalogue line whose required parts were unreadable.
    Other(&'a str),
}

/// What an `Execution failed due to …` reason means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// `a timeout error`: the integration timed out (504).
    Timeout,
    /// `configuration error: Malformed Lambda proxy response` (502).
    MalformedProxyResponse,
    /// `configuration error: Invalid permissions on Lambda function` (500).
    InvalidPermissions,
    /// `configuration error: Rate Exceeded.`: Lambda throttled (500).
    RateExceeded,
    /// `configuration error: Unable to transform request`.
    UnableToTransformRequest,
    /// A TLS failure towards an HTTP backend (`General SSLEngine problem`; unverified wording).
    Tls,
    /// Anything else.
    Other,
}

/// Classifies the `reason` of [`ExecKind::ExecutionFailed`].
pub fn classify_failure(reason: &str) -> FailureClass {
    if reason.contains("timeout") {
        FailureClass::Timeout
    } else if reason.contains("Malformed Lambda proxy response") {
        FailureClass::MalformedProxyResponse
    } else if reason.contains("Invalid permissions") {
        FailureClass::InvalidPermissions
    } else if reason.contains("Rate Exceeded") {
        FailureClass::RateExceeded
    } else if reason.contains("Unable to transform request") {
        FailureClass::UnableToTransformRequest
    } else if reason.contains("SSL") {
        FailureClass::Tls
    } else {
        FailureClass::Other
    }
}

/// A Lambda throttle surfaced in an endpoint response body, e.g.
/// `{"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", …}`. Returns the reason.
pub fn lambda_throttle_reason(body: &str) -> Option<&'static str> {
    const REASONS: [&str; 2] = [
        "ReservedFunctionConcurrentInvocationLimitExceeded",
        // Account level; expected in the same body shape (no verbatim capture known).
        "ConcurrentInvocationLimitExceeded",
    ];
    REASONS.into_iter().find(|r| body.contains(r))
}

/// Parses one execution-log event. `None` if it is not of the `(<id>) <text>` shape.
pub fn parse_exec_event(message: &str) -> Option<ExecLine<'_>> {
    let message = message.trim_end_matches(['\n', '\r']);
    let body = match message.strip_prefix('(') {
        Some(body) => body,
        None => strip_iso_prefix(message)?.strip_prefix('(')?,
    };
    let close = body.find(')')?;
    let request_id = body.get(..close)?;
    if request_id.is_empty()
        || request_id.len() > 128
        || request_id.contains(|c: char| c.is_whitespace() || c == '(')
    {
        return None;
    }
    let after = body.get(close + 1..)?;
    let text = match after.strip_prefix(' ') {
        Some(text) => text,
        None if after.is_empty() => after,
        None => return None,
    };
    let (text, truncated) = match text.strip_suffix("[TRUNCATED]") {
        Some(t) => (t.strip_suffix(' ').unwrap_or(t), true),
        None => (text, false),
    };
    Some(ExecLine {
        request_id,
        kind: classify(text),
        truncated,
    })
}

/// `2019-02-27T11:31:11.456Z ` as printed by awslogs and the console.
fn strip_iso_prefix(s: &str) -> Option<&str> {
    let (ts, rest) = s.split_once(' ')?;
    let b = ts.as_bytes();
    let shape = b.len() >= 11
        && b.iter().take(4).all(u8::is_ascii_digit)
        && b.get(4) == Some(&b'-')
        && b.get(10) == Some(&b'T');
    shape.then_some(rest)
}

fn classify(text: &str) -> ExecKind<'_> {
    classify_known(text).unwrap_or(ExecKind::Other(text))
}

/// `None` when the text is not a catalogue line or its required parts are unreadable.
fn classify_known(text: &str) -> Option<ExecKind<'_>> {
    use ExecKind as K;
    // Dispatch on the first byte so that most lines try only a few prefixes.
    match text.as_bytes().first()? {
        b'E' => {
            if let Some(v) = text.strip_prefix("Extended Request Id:") {
                return Some(K::ExtendedRequestId(v.trim()));
            }
            if let Some(uri) = text.strip_prefix("Endpoint request URI:") {
                let uri = uri.trim();
                return Some(K::EndpointRequestUri {
                    uri,
                    function_arn: function_arn(uri),
                });
            }
            if let Some(h) = text.strip_prefix("Endpoint request headers:") {
                return Some(K::EndpointRequestHeaders(HeaderMap::parse(h)));
            }
            if let Some(body) = text.strip_prefix("Endpoint response body before transformations:")
            {
                return Some(K::EndpointResponseBody(body.trim_start()));
            }
            if let Some(h) = text.strip_prefix("Endpoint response headers:") {
                return Some(response_headers(HeaderMap::parse(h)));
            }
            if let Some(reason) = text.strip_prefix("Execution failed due to ") {
                return Some(K::ExecutionFailed {
                    reason: reason.trim(),
                });
            }
            None
        }
        b'S' => {
            if let Some(rest) = text.strip_prefix("Starting authorizer:") {
                let rest = rest.trim_start();
                let id = rest
                    .split_once(" for request:")
                    .map_or_else(|| rest.split_whitespace().next(), |(id, _)| Some(id.trim()))?;
                return Some(K::AuthorizerStart { authorizer_id: id });
            }
            if text.starts_with("Starting execution for request:") {
                return Some(K::StartingExecution);
            }
            if text.starts_with("Successfully completed authorizer execution") {
                return Some(K::AuthorizerDone);
            }
            if text.starts_with("Successfully completed execution") {
                return Some(K::SuccessfullyCompleted);
            }
            if let Some(uri) = text.strip_prefix("Sending request to ") {
                return Some(K::SendingRequest { uri: uri.trim() });
            }
            None
        }
        b'U' => {
            if text.starts_with("Unauthorized request:") {
                return Some(K::AuthorizerUnauthorized);
            }
            if text.starts_with("Using valid authorizer policy for principal") {
                return Some(K::AuthorizerPolicyValid);
            }
            if text.starts_with("Usage Plan check succeeded") {
                return Some(K::UsagePlanOk);
            }
            None
        }
        b'V' => {
            let rest = text.strip_prefix("Verifying Usage Plan for request:")?;
            let (api_key, api_stage) = match rest.split_once("API Key:") {
                Some((_, after_key)) => match after_key.split_once("API Stage:") {
                    Some((key, stage)) => (Some(key.trim()), Some(stage.trim())),
                    // Without `API Stage:` the key may be cut; report neither.
                    None => (None, None),
                },
                None => (None, None),
            };
            Some(K::UsagePlanVerify { api_key, api_stage })
        }
        b'K' => key_throttle(text.strip_prefix("Key throttle limit exceeded for ")?),
        b'H' => {
            let rest = text.strip_prefix("HTTP Method:")?;
            let (method, path) = rest.split_once(", Resource Path:")?;
            Some(K::MethodAndPath {
                method: method.trim(),
                path: path.trim(),
            })
        }
        b'R' => received_response(text.strip_prefix("Received response.")?),
        b'M' => {
            let code = text.strip_prefix("Method completed with status:")?;
            Some(K::MethodCompleted {
                status: http_status(code.trim())?,
            })
        }
        b'A' => {
            let id = text
                .strip_prefix("AWS Integration Endpoint RequestId")?
                .trim_start()
                .strip_prefix(':')?
                .trim();
            (!id.is_empty() && !is_cut_uuid(id)).then_some(K::AwsIntegrationRequestId(id))
        }
        b'X' => {
            let id = text
                .strip_prefix("X-ray Tracing ID")?
                .trim_start()
                .strip_prefix(':')?
                .trim();
            let cut_key = id.len() < 5
                && "root="
                    .get(..id.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(id));
            let id = trace_root(id);
            (!cut_key && !id.is_empty() && !is_cut_trace_id(id)).then_some(K::XrayTraceId(id))
        }
        b'L' => {
            if let Some(rest) = text.strip_prefix("Lambda invocation failed with status:") {
                let (code, tail) = rest.split_once('.').unwrap_or((rest, ""));
                return Some(K::LambdaInvocationFailed {
                    status: http_status(code.trim()),
                    lambda_request_id: lambda_request_id(tail),
                });
            }
            let rest = text.strip_prefix("Lambda execution failed with status ")?;
            let (code, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            let message = rest
                .split_once("customer function error:")
                .map_or(rest, |(_, m)| m)
                .trim_start();
            // The message may itself contain ". "; the request id is after the last marker.
            let (message, lambda_request_id) = match message.rfind(". Lambda request id:") {
                Some(at) => (
                    message.get(..at)?,
                    lambda_request_id(message.get(at + 1..)?),
                ),
                None => (message, None),
            };
            Some(K::CustomerFunctionError {
                status: http_status(code.trim()),
                message,
                lambda_request_id,
            })
        }
        _ => None,
    }
}

fn key_throttle(rest: &str) -> Option<ExecKind<'_>> {
    // Each value counts only if the delimiter after it survived truncation.
    let field = |s: &str, key: &str, end: &str| -> Option<(usize, usize)> {
        let start = s.find(key)? + key.len();
        let len = s.get(start..)?.find(end)?;
        Some((start, start + len))
    };
    let get = |r: Option<(usize, usize)>| r.and_then(|(a, b)| rest.get(a..b)).map(str::trim);
    let limit = field(rest, "Limit:", "Burst:")
        .and_then(|(a, b)| rest.get(a..b))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0);
    let burst = rest
        .split_once("Burst:")
        .and_then(|(_, b)| b.trim().parse::<u64>().ok());
    Some(ExecKind::KeyThrottleExceeded {
        api: get(field(rest, "RestApi ", ",")),
        stage: get(field(rest, "Stage ", ",")),
        resource: get(field(rest, "Resource ", ",")),
        method: get(field(rest, "HttpMethod ", ".")),
        limit,
        burst,
    })
}

fn received_response(rest: &str) -> Option<ExecKind<'_>> {
    let status = rest
        .split_once("Status:")
        .and_then(|(_, s)| http_status(s.split(',').next()?.trim()));
    let (_, latency) = rest.split_once("Integration latency:")?;
    let mut words = latency.split_whitespace();
    let n = words.next()?;
    if words.next()? != "ms" {
        return None;
    }
    Some(ExecKind::ReceivedResponse {
        status,
        integration_latency_ms: n.parse().ok()?,
    })
}

fn response_headers(headers: HeaderMap<'_>) -> ExecKind<'_> {
    let token = |name: &str, stop: &[char]| {
        headers
            .get(name)
            .and_then(|v| v.split(stop).next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    ExecKind::EndpointResponseHeaders {
        lambda_request_id: token("x-amzn-RequestId", &[',', ' ']),
        // A single word (`Unhandled|Handled`); anything after it is not the header.
        function_error: token("X-Amz-Function-Error", &[',', ' ']),
        trace_id: headers
            .get("X-Amzn-Trace-Id")
            .map(trace_root)
            .filter(|t| !t.is_empty() && !is_cut_trace_id(t)),
        error_type: token("x-amzn-ErrorType", &[':', ',', ' ']),
        headers,
    }
}

/// `functions/<arn>/invocations` → `<arn>`.
fn function_arn(uri: &str) -> Option<&str> {
    let (_, after) = uri.split_once("functions/")?;
    let (arn, _) = after.rsplit_once("/invocations")?;
    Some(arn).filter(|a| !a.is_empty())
}

/// ` Lambda request id: <id>` → the id, unless it is a cut UUID.
fn lambda_request_id(tail: &str) -> Option<&str> {
    let (_, id) = tail.split_once("Lambda request id:")?;
    let id = id.split_whitespace().next()?;
    let id = id.strip_suffix('.').unwrap_or(id);
    (!id.is_empty() && !is_cut_uuid(id)).then_some(id)
}

/// A complete 3-digit HTTP status.
fn http_status(s: &str) -> Option<u16> {
    if s.len() != 3 {
        return None;
    }
    s.parse::<u16>().ok().filter(|c| (100..=599).contains(c))
}

/// `Root=1-…;Parent=…` or `root=1-…;sampled=1` → `1-…`; a bare id is kept.
fn trace_root(v: &str) -> &str {
    let v = v.trim();
    let v = match v.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("root=") => v.get(5..).unwrap_or(""),
        _ => v,
    };
    v.split(';').next().unwrap_or(v).trim()
}

/// A strict prefix of the 8-4-4-4-12 UUID shape: an id cut by truncation.
fn is_cut_uuid(s: &str) -> bool {
    s.len() < 36
        && s.bytes().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_alphanumeric()
            }
        })
}

/// A strict prefix of the `1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx` X-Ray shape.
fn is_cut_trace_id(s: &str) -> bool {
    s.len() < 35
        && s.bytes().enumerate().all(|(i, b)| match i {
            0 => b == b'1',
            1 | 10 => b == b'-',
            _ => b.is_ascii_alphanumeric(),
        })
}

/// The inside of a `{k=v, k=v}` header map as API Gateway logs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderMap<'a> {
    inner: &'a str,
    complete: bool,
}

impl<'a> HeaderMap<'a> {
    /// Takes the text after `headers:`, e.g. ` {Date=…, Connection=keep-alive}`.
    pub fn parse(text: &'a str) -> Self {
        let t = text.trim();
        let t = t.strip_prefix('{').unwrap_or(t);
        match t.strip_suffix('}') {
            Some(inner) => HeaderMap {
                inner,
                complete: true,
            },
            None => HeaderMap {
                inner: t,
                complete: false,
            },
        }
    }

    /// The closing `}` was present, so no entry was cut.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// The text between the braces.
    pub fn raw(&self) -> &'a str {
        self.inner
    }

    /// The first value of `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// `(name, value)` pairs. In a cut map, the last entry is left out.
    pub fn iter(&self) -> HeaderIter<'a> {
        HeaderIter {
            rest: self.inner,
            complete: self.complete,
        }
    }
}

impl<'a> IntoIterator for HeaderMap<'a> {
    type Item = (&'a str, &'a str);
    type IntoIter = HeaderIter<'a>;
    fn into_iter(self) -> HeaderIter<'a> {
        self.iter()
    }
}

/// Iterator over the entries of a [`HeaderMap`].
#[derive(Debug, Clone)]
pub struct HeaderIter<'a> {
    rest: &'a str,
    complete: bool,
}

impl<'a> Iterator for HeaderIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        while !self.rest.is_empty() {
            let (entry, terminated) = match next_entry_split(self.rest) {
                Some(at) => {
                    let entry = self.rest.get(..at).unwrap_or("");
                    self.rest = self.rest.get(at + 2..).unwrap_or("");
                    (entry, true)
                }
                None => (std::mem::take(&mut self.rest), self.complete),
            };
            if !terminated {
                return None;
            }
            if let Some((name, value)) = entry
                .split_once('=')
                .and_then(|(n, v)| Some((header_name(n)?, v)))
            {
                return Some((name, value.trim()));
            }
        }
        None
    }
}

fn is_header_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// The header name in the text before an entry's `=`. It is the last word, so that stray text
/// before it (the docs elide entries with `…`) does not hide the header.
fn header_name(before_eq: &str) -> Option<&str> {
    let name = before_eq.split_whitespace().next_back()?;
    name.bytes().all(is_header_name_byte).then_some(name)
}

/// The next `, ` that starts a new entry: `<header-name>=` follows before any other comma. A
/// comma inside a value (`Date=Wed, 27 Feb 2019 …`) is followed by text with no `=` before the
/// next comma, so it does not split.
fn next_entry_split(s: &str) -> Option<usize> {
    s.match_indices(", ").map(|(i, _)| i).find(|&i| {
        let after = s.get(i + 2..).unwrap_or("");
        // Stops at the next comma, so the scans of all candidates together stay linear.
        match after.find([',', '=']) {
            Some(end) if after.as_bytes().get(end) == Some(&b'=') => {
                after.get(..end).and_then(header_name).is_some()
            }
            _ => false,
        }
    })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ---- verbatim examples from aws-formats.md §3.3 -------------------------------------------

    const EXT_ID: &str =
        "(286364ab-3a83-11e9-8dc8-db3cf4c83204) Extended Request Id: Vwc2MGFUrPEFV_g=";
    const AUTH_START: &str = "(9cef3834-…) Starting authorizer: 4hugyv for request: 9cef3834-f42c-46d7-83fe-a6401a431398";
    const AUTH_IDENTITY: &str = "(cf101403-…) Incoming identity: ****…I1BUdE";
    const AUTH_BODY: &str = r#"(cf101403-…) Authorizer result body before parsing: {"policyDocument": …, "principalId": "…"}"#;
    const AUTH_POLICY: &str = "… Using valid authorizer policy for principal: ****bkwef5";
    const AUTH_DONE: &str = "Successfully completed authorizer execution";
    const AUTH_401: &str =
        "(9cef3834-…) Unauthorized request: 9cef3834-f42c-46d7-83fe-a6401a431398";
    const USAGE_VERIFY: &str = "(286364ab-…) Verifying Usage Plan for request: 286364ab-3a83-11e9-8dc8-db3cf4c83204. API Key: API Stage: uwe3g5jm54/Prod";
    const USAGE_VERIFY_DOUBLE_SPACE: &str = "API Key:  API Stage:";
    const KEY_THROTTLE: &str = "(4f3e3b0f-…) Key throttle limit exceeded for RestApi uwe3g5jm54, Stage Prod, Resource k0w8mc, HttpMethod POST. Limit: 1.00 Burst: 1";
    const METHOD_PATH: &str = "HTTP Method: GET, Resource Path: /echo";
    const METHOD_REQ_PATH: &str = "Method request path: {resource=user_info}";
    const ENDPOINT_URI: &str = "Endpoint request URI: https://lambda.eu-west-2.amazonaws.com/2015-03-31/functions/arn:aws:lambda:eu-west-2:958845080241:function:log-test-1-EchoFunction-175HKORAF18IO/invocations";
    const ENDPOINT_REQ_HEADERS: &str = "Endpoint request headers: {x-amzn-lambda-integration-tag=<requestId>, Authorization=****…, X-Amz-Date=…, x-amzn-apigateway-api-id=<apiId>, X-Amz-Source-Arn=arn:aws:execute-api:<region>:<acct>:<apiId>/<stage>/<VERB>/<path>, Accept=application/json, User-Agent=AmazonAPIGateway_<apiId>, X-Amz-Security-Token=… [TRUNCATED]";
    const RECEIVED_OLD: &str = "Received response. Integration latency: 11029 ms";
    const RECEIVED_NEW: &str = "Received response. Status: 200, Integration latency: 5639 ms";
    const ENDPOINT_BODY_TIMEOUT: &str = r#"Endpoint response body before transformations: {"errorMessage":"2019-02-27T11:31:11.456Z 71952965-… Task timed out after 10.00 seconds"}"#;
    const RESP_HEADERS_EXAMPLE: &str = "… x-amzn-RequestId=71952965-d5cc-4974-ae08-6e2138b2275c, X-Amz-Function-Error=Unhandled, … X-Amz-Executed-Version=$LATEST, X-Amzn-Trace-Id=root=1-5c7674f4-a3491d0a9c8012c191821b83;sampled=1}";
    const METHOD_502: &str = "Method completed with status: 502";
    const AWS_INTEGRATION_ID: &str =
        "AWS Integration Endpoint RequestId : 71952965-d5cc-4974-ae08-6e2138b2275c";
    const XRAY_2019: &str = "X-ray Tracing ID : 1-5c7674f4-a3491d0a9c8012c191821b83";
    const XRAY_2026: &str = "X-ray Tracing ID : Root=1-6962324d-273b8749616a929c8bd4fd14";
    const FAIL_MALFORMED: &str =
        "Execution failed due to configuration error: Malformed Lambda proxy response";
    const FAIL_TIMEOUT: &str = "Execution failed due to a timeout error";
    const FAIL_PERMISSIONS: &str =
        "Execution failed due to configuration error: Invalid permissions on Lambda function";
    const FAIL_RATE: &str = "Execution failed due to configuration error: Rate Exceeded.";
    const FAIL_TRANSFORM: &str =
        "Execution failed due to configuration error: Unable to transform request";
    const CUSTOMER_APP_ERROR: &str = "… customer function error: Application error in a Lambda function. Lambda request id: 758a8c2f-…";
    const CUSTOMER_TIMEOUT: &str = "… 2019-02-27T11:31:11.456Z 71952965-… Task timed out after 10.00 seconds. Lambda request id: 71952965-…";
    const THROTTLE_BODY: &str = r#"Endpoint response body before transformations: {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": "Rate Exceeded."}"#;
    const TEST_INVOKE: &str =
        "Thu Aug 31 01:07:25 UTC 2017 : Starting execution for request: test-invoke-request";

    const ID: &str = "(71952965-d5cc-4974-ae08-6e2138b2275c) ";

    /// `(id) text`. Leaked so that parsed lines can outlive the statement (tests only).
    fn line(text: &str) -> &'static str {
        Box::leak(format!("{ID}{text}").into_boxed_str())
    }

    /// Every example as a full event, for the cut and mutation tests.
    fn examples() -> Vec<&'static str> {
        let mut v: Vec<&'static str> = vec![
            EXT_ID,
            AUTH_START,
            AUTH_IDENTITY,
            AUTH_BODY,
            AUTH_401,
            USAGE_VERIFY,
            KEY_THROTTLE,
        ];
        v.extend(
            [
                AUTH_POLICY,
                AUTH_DONE,
                METHOD_PATH,
                METHOD_REQ_PATH,
                ENDPOINT_URI,
                ENDPOINT_REQ_HEADERS,
                RECEIVED_OLD,
                RECEIVED_NEW,
                ENDPOINT_BODY_TIMEOUT,
                METHOD_502,
                AWS_INTEGRATION_ID,
                XRAY_2019,
                XRAY_2026,
                FAIL_MALFORMED,
                FAIL_TIMEOUT,
                FAIL_PERMISSIONS,
                FAIL_RATE,
                FAIL_TRANSFORM,
                THROTTLE_BODY,
            ]
            .iter()
            .map(|s| line(s)),
        );
        v.push(line(&format!(
            "Endpoint response headers: {{{RESP_HEADERS_EXAMPLE}"
        )));
        v.push(line(&format!(
            "Lambda execution failed with status 200 due to customer function error: {}",
            CUSTOMER_APP_ERROR.trim_start_matches("… customer function error: ")
        )));
        v.push(line(&format!(
            "Lambda execution failed with status 200 due to customer function error:{}",
            CUSTOMER_TIMEOUT.trim_start_matches('…')
        )));
        v.push(line(
            "Lambda invocation failed with status: 429. Lambda request id: 758a8c2f-d5cc-4974-ae08-6e2138b2275c",
        ));
        v.push(line(RESP_HEADERS_FULL));
        v
    }

    const RESP_HEADERS_FULL: &str = "Endpoint response headers: {Date=Wed, 27 Feb 2019 11:31:11 GMT, Content-Type=application/json, Content-Length=107, Connection=keep-alive, x-amzn-RequestId=71952965-d5cc-4974-ae08-6e2138b2275c, X-Amz-Function-Error=Unhandled, x-amzn-Remapped-Content-Length=0, X-Amz-Executed-Version=$LATEST, X-Amzn-Trace-Id=root=1-5c7674f4-a3491d0a9c8012c191821b83;sampled=1}";

    fn kind(msg: &str) -> ExecKind<'_> {
        parse_exec_event(msg)
            .unwrap_or_else(|| panic!("not an exec line: {msg:?}"))
            .kind
    }

    // ---- shape ------------------------------------------------------------------------------

    #[test]
    fn line_shape() {
        let l = parse_exec_event(EXT_ID).unwrap();
        assert_eq!(l.request_id, "286364ab-3a83-11e9-8dc8-db3cf4c83204");
        assert_eq!(l.kind, ExecKind::ExtendedRequestId("Vwc2MGFUrPEFV_g="));
        assert!(!l.truncated);
        // The awslogs/console print form.
        let printed = format!("2019-02-27T11:31:11.456Z {EXT_ID}");
        assert_eq!(parse_exec_event(&printed), Some(l));
        // Test-invoke format, its header line, garbage: not execution-log events.
        for bad in [
            TEST_INVOKE,
            "Execution log for request test-request",
            AUTH_POLICY,
            "",
            "(",
            "()",
            "() text",
            "(a b) text",
            "(id)text",
            "2019-02-27 (id) text",
        ] {
            assert_eq!(parse_exec_event(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_exec_event("(id)"),
            Some(ExecLine {
                request_id: "id",
                kind: ExecKind::Other(""),
                truncated: false
            })
        );
    }

    // ---- catalogue rows ---------------------------------------------------------------------

    #[test]
    fn authorizer_lines() {
        let l = parse_exec_event(AUTH_START).unwrap();
        assert_eq!(l.request_id, "9cef3834-…");
        assert_eq!(
            l.kind,
            ExecKind::AuthorizerStart {
                authorizer_id: "4hugyv"
            }
        );
        assert_eq!(
            kind(AUTH_IDENTITY),
            ExecKind::Other("Incoming identity: ****…I1BUdE")
        );
        assert!(
            matches!(kind(AUTH_BODY), ExecKind::Other(t) if t.starts_with("Authorizer result body"))
        );
        // The policy example is quoted without its `(id)`; with one it parses.
        let policy = AUTH_POLICY.replacen("… ", "(cf101403-…) ", 1);
        assert_eq!(kind(&policy), ExecKind::AuthorizerPolicyValid);
        assert_eq!(kind(line(AUTH_DONE)), ExecKind::AuthorizerDone);
        assert_eq!(kind(AUTH_401), ExecKind::AuthorizerUnauthorized);
    }

    #[test]
    fn usage_plan_lines() {
        assert_eq!(
            kind(USAGE_VERIFY),
            ExecKind::UsagePlanVerify {
                api_key: Some(""),
                api_stage: Some("uwe3g5jm54/Prod")
            }
        );
        let double = line(&format!(
            "Verifying Usage Plan for request: 286364ab-3a83-11e9-8dc8-db3cf4c83204. {USAGE_VERIFY_DOUBLE_SPACE} uwe3g5jm54/Prod"
        ));
        assert_eq!(
            kind(double),
            ExecKind::UsagePlanVerify {
                api_key: Some(""),
                api_stage: Some("uwe3g5jm54/Prod")
            }
        );
        let with_key = line("Verifying Usage Plan for request: 286364ab-3a83-11e9-8dc8-db3cf4c83204. API Key: ****abcdef API Stage: uwe3g5jm54/Prod");
        assert_eq!(
            kind(with_key),
            ExecKind::UsagePlanVerify {
                api_key: Some("****abcdef"),
                api_stage: Some("uwe3g5jm54/Prod")
            }
        );
        // Row 9 (template with placeholders filled) and row 10.
        let not_required = line("API Key authorized because method 'GET /echo' does not require API Key. Request will not contribute to throttle or quota limits");
        assert!(matches!(kind(not_required), ExecKind::Other(_)));
        assert_eq!(
            kind(line(
                "Usage Plan check succeeded for API Key and API Stage uwe3g5jm54/Prod"
            )),
            ExecKind::UsagePlanOk
        );
    }

    #[test]
    fn key_throttle_line() {
        assert_eq!(
            kind(KEY_THROTTLE),
            ExecKind::KeyThrottleExceeded {
                api: Some("uwe3g5jm54"),
                stage: Some("Prod"),
                resource: Some("k0w8mc"),
                method: Some("POST"),
                limit: Some(1.0),
                burst: Some(1)
            }
        );
        // Cut inside the stage: the kind survives, later fields are absent.
        let cut = "(4f3e3b0f-…) Key throttle limit exceeded for RestApi uwe3g5jm54, Stage Pr";
        assert_eq!(
            kind(cut),
            ExecKind::KeyThrottleExceeded {
                api: Some("uwe3g5jm54"),
                stage: None,
                resource: None,
                method: None,
                limit: None,
                burst: None
            }
        );
    }

    #[test]
    fn execution_flow_lines() {
        assert_eq!(
            kind(line(
                "Starting execution for request: 71952965-d5cc-4974-ae08-6e2138b2275c"
            )),
            ExecKind::StartingExecution
        );
        assert_eq!(
            kind(line(METHOD_PATH)),
            ExecKind::MethodAndPath {
                method: "GET",
                path: "/echo"
            }
        );
        for text in [
            METHOD_REQ_PATH,
            "Method request query string: {}",
            "Method request headers: {Accept=*/*, Host=uwe3g5jm54.execute-api.eu-west-2.amazonaws.com}",
            "Method request body before transformations: ",
            "Endpoint request body after transformations: {\"resource\":\"/echo\" [TRUNCATED]",
            "Method response body after transformations: {}",
            "Method response headers: {X-Amzn-Trace-Id=Root=1-5c7674f4-a3491d0a9c8012c191821b83}",
        ] {
            assert!(matches!(kind(line(text)), ExecKind::Other(_)), "{text}");
        }
        assert_eq!(
            kind(line(ENDPOINT_URI)),
            ExecKind::EndpointRequestUri {
                uri: "https://lambda.eu-west-2.amazonaws.com/2015-03-31/functions/arn:aws:lambda:eu-west-2:958845080241:function:log-test-1-EchoFunction-175HKORAF18IO/invocations",
                function_arn: Some("arn:aws:lambda:eu-west-2:958845080241:function:log-test-1-EchoFunction-175HKORAF18IO")
            }
        );
        let uri = ENDPOINT_URI.trim_start_matches("Endpoint request URI: ");
        assert_eq!(
            kind(line(&format!("Sending request to {uri}"))),
            ExecKind::SendingRequest { uri }
        );
        // Alias qualifier kept; cut URI has no ARN.
        let alias = line("Endpoint request URI: https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:api:live/invocations");
        assert!(matches!(
            kind(alias),
            ExecKind::EndpointRequestUri {
                function_arn: Some("arn:aws:lambda:us-east-1:123456789012:function:api:live"),
                ..
            }
        ));
        let cut = line("Endpoint request URI: https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:1234");
        assert!(matches!(
            kind(cut),
            ExecKind::EndpointRequestUri {
                function_arn: None,
                ..
            }
        ));
        assert_eq!(
            kind(line("Successfully completed execution")),
            ExecKind::SuccessfullyCompleted
        );
        assert_eq!(
            kind(line(METHOD_502)),
            ExecKind::MethodCompleted { status: 502 }
        );
        assert!(matches!(
            kind(line("Method completed with status: 50")),
            ExecKind::Other(_)
        ));
    }

    #[test]
    fn endpoint_request_headers_truncated() {
        let l = parse_exec_event(line(ENDPOINT_REQ_HEADERS)).unwrap();
        assert!(l.truncated);
        let ExecKind::EndpointRequestHeaders(h) = l.kind else {
            panic!("{:?}", l.kind)
        };
        assert!(!h.is_complete());
        assert_eq!(h.get("x-amzn-apigateway-api-id"), Some("<apiId>"));
        assert_eq!(h.get("user-agent"), Some("AmazonAPIGateway_<apiId>"));
        assert_eq!(h.get("Authorization"), Some("****…"));
        // The entry the cut fell into is dropped.
        assert_eq!(h.get("X-Amz-Security-Token"), None);
        assert_eq!(h.iter().count(), 7);
    }

    #[test]
    fn received_response_both_forms() {
        assert_eq!(
            kind(line(RECEIVED_OLD)),
            ExecKind::ReceivedResponse {
                status: None,
                integration_latency_ms: 11029
            }
        );
        assert_eq!(
            kind(line(RECEIVED_NEW)),
            ExecKind::ReceivedResponse {
                status: Some(200),
                integration_latency_ms: 5639
            }
        );
        assert!(matches!(
            kind(line("Received response. Integration latency: 110")),
            ExecKind::Other(_)
        ));
    }

    #[test]
    fn endpoint_response_body_and_headers() {
        let body = kind(line(ENDPOINT_BODY_TIMEOUT));
        assert_eq!(
            body,
            ExecKind::EndpointResponseBody(
                r#"{"errorMessage":"2019-02-27T11:31:11.456Z 71952965-… Task timed out after 10.00 seconds"}"#
            )
        );
        let ExecKind::EndpointResponseHeaders {
            lambda_request_id,
            function_error,
            trace_id,
            error_type,
            headers,
        } = kind(line(RESP_HEADERS_FULL))
        else {
            panic!()
        };
        assert_eq!(
            lambda_request_id,
            Some("71952965-d5cc-4974-ae08-6e2138b2275c")
        );
        assert_eq!(function_error, Some("Unhandled"));
        assert_eq!(trace_id, Some("1-5c7674f4-a3491d0a9c8012c191821b83"));
        assert_eq!(error_type, None);
        assert_eq!(headers.get("Date"), Some("Wed, 27 Feb 2019 11:31:11 GMT"));
        assert_eq!(headers.get("x-amz-executed-version"), Some("$LATEST"));
        assert_eq!(headers.into_iter().count(), 9);

        // The doc's elided example (`…` in place of entries).
        let ExecKind::EndpointResponseHeaders {
            lambda_request_id,
            function_error,
            trace_id,
            headers,
            ..
        } = kind(line(&format!(
            "Endpoint response headers: {{{RESP_HEADERS_EXAMPLE}"
        )))
        else {
            panic!()
        };
        assert_eq!(
            lambda_request_id,
            Some("71952965-d5cc-4974-ae08-6e2138b2275c")
        );
        assert_eq!(function_error, Some("Unhandled"));
        assert_eq!(trace_id, Some("1-5c7674f4-a3491d0a9c8012c191821b83"));
        assert_eq!(headers.get("X-Amz-Executed-Version"), Some("$LATEST"));

        // Lambda throttled (N): x-amzn-ErrorType.
        let throttled = line("Endpoint response headers: {Connection=keep-alive, x-amzn-RequestId=758a8c2f-d5cc-4974-ae08-6e2138b2275c, x-amzn-ErrorType=TooManyRequestsException, Content-Type=application/json}");
        assert!(matches!(
            kind(throttled),
            ExecKind::EndpointResponseHeaders {
                error_type: Some("TooManyRequestsException"),
                ..
            }
        ));
        // Template row 21 with the optional Handled error.
        let template = line("Endpoint response headers: {Date=Wed, 27 Feb 2019 11:31:11 GMT, Content-Type=application/json, Content-Length=4, Connection=keep-alive, x-amzn-RequestId=758a8c2f-d5cc-4974-ae08-6e2138b2275c, X-Amz-Function-Error=Handled, x-amzn-Remapped-Content-Length=0, X-Amz-Executed-Version=7, X-Amzn-Trace-Id=root=1-5c7674f4-a3491d0a9c8012c191821b83;sampled=1}");
        assert!(matches!(
            kind(template),
            ExecKind::EndpointResponseHeaders {
                function_error: Some("Handled"),
                ..
            }
        ));
        // Cut inside the request id entry (API Gateway truncation): the id is dropped.
        let cut = line("Endpoint response headers: {Date=Wed, 27 Feb 2019 11:31:11 GMT, x-amzn-RequestId=71952965-d5cc [TRUNCATED]");
        let l = parse_exec_event(cut).unwrap();
        assert!(l.truncated);
        assert!(matches!(
            l.kind,
            ExecKind::EndpointResponseHeaders {
                lambda_request_id: None,
                ..
            }
        ));
    }

    #[test]
    fn ids_and_trace() {
        assert_eq!(
            kind(line(AWS_INTEGRATION_ID)),
            ExecKind::AwsIntegrationRequestId("71952965-d5cc-4974-ae08-6e2138b2275c")
        );
        assert_eq!(
            kind(line(XRAY_2019)),
            ExecKind::XrayTraceId("1-5c7674f4-a3491d0a9c8012c191821b83")
        );
        assert_eq!(
            kind(line(XRAY_2026)),
            ExecKind::XrayTraceId("1-6962324d-273b8749616a929c8bd4fd14")
        );
        assert!(matches!(
            kind(line("X-ray Tracing ID : Root=1-6962324d-273b")),
            ExecKind::Other(_)
        ));
        assert!(matches!(
            kind(line(
                "AWS Integration Endpoint RequestId : 71952965-d5cc-49"
            )),
            ExecKind::Other(_)
        ));
    }

    #[test]
    fn failure_lines() {
        for (text, class) in [
            (FAIL_MALFORMED, FailureClass::MalformedProxyResponse),
            (FAIL_TIMEOUT, FailureClass::Timeout),
            (FAIL_PERMISSIONS, FailureClass::InvalidPermissions),
            (FAIL_RATE, FailureClass::RateExceeded),
            (FAIL_TRANSFORM, FailureClass::UnableToTransformRequest),
        ] {
            let ExecKind::ExecutionFailed { reason } = kind(line(text)) else {
                panic!("{text}")
            };
            assert_eq!(Some(reason), text.strip_prefix("Execution failed due to "));
            assert_eq!(classify_failure(reason), class, "{text}");
        }
        assert_eq!(
            classify_failure("General SSLEngine problem"),
            FailureClass::Tls
        );
        assert_eq!(classify_failure("something new"), FailureClass::Other);

        assert_eq!(
            kind(line("Lambda invocation failed with status: 429. Lambda request id: 758a8c2f-d5cc-4974-ae08-6e2138b2275c")),
            ExecKind::LambdaInvocationFailed {
                status: Some(429),
                lambda_request_id: Some("758a8c2f-d5cc-4974-ae08-6e2138b2275c")
            }
        );
        // Doc quotes start with "…"; the template supplies the prefix.
        let app = line(&format!(
            "Lambda execution failed with status 200 due to customer function error: {}",
            CUSTOMER_APP_ERROR.trim_start_matches("… customer function error: ")
        ));
        assert_eq!(
            kind(app),
            ExecKind::CustomerFunctionError {
                status: Some(200),
                message: "Application error in a Lambda function",
                lambda_request_id: Some("758a8c2f-…")
            }
        );
        let timeout = line(&format!(
            "Lambda execution failed with status 200 due to customer function error:{}",
            CUSTOMER_TIMEOUT.trim_start_matches('…')
        ));
        assert_eq!(
            kind(timeout),
            ExecKind::CustomerFunctionError {
                status: Some(200),
                message: "2019-02-27T11:31:11.456Z 71952965-… Task timed out after 10.00 seconds",
                lambda_request_id: Some("71952965-…")
            }
        );
        // Verbatim quotes (no `(id)` prefix) are not lines.
        assert_eq!(parse_exec_event(CUSTOMER_APP_ERROR), None);
        assert_eq!(parse_exec_event(CUSTOMER_TIMEOUT), None);
    }

    #[test]
    fn throttle_in_body() {
        let ExecKind::EndpointResponseBody(body) = kind(line(THROTTLE_BODY)) else {
            panic!()
        };
        assert_eq!(
            lambda_throttle_reason(body),
            Some("ReservedFunctionConcurrentInvocationLimitExceeded")
        );
        // The source pretty-printed it over several lines.
        let pretty = line("Endpoint response body before transformations: {\n  \"Reason\": \"ConcurrentInvocationLimitExceeded\",\n  \"Type\": \"User\",\n  \"message\": \"Rate Exceeded.\"\n}");
        let ExecKind::EndpointResponseBody(body) = kind(pretty) else {
            panic!()
        };
        assert_eq!(
            lambda_throttle_reason(body),
            Some("ConcurrentInvocationLimitExceeded")
        );
        assert_eq!(lambda_throttle_reason("{}"), None);
    }

    #[test]
    fn header_map_edge_cases() {
        let h = HeaderMap::parse(" {}");
        assert!(h.is_complete());
        assert_eq!(h.iter().count(), 0);
        let h = HeaderMap::parse("{A=1, B=x, y, C=}");
        assert_eq!(
            h.iter().collect::<Vec<_>>(),
            [("A", "1"), ("B", "x, y"), ("C", "")]
        );
        let h = HeaderMap::parse("{A=1, B=2");
        assert_eq!(h.iter().collect::<Vec<_>>(), [("A", "1")]);
        assert_eq!(h.raw(), "A=1, B=2");
    }

    // ---- truncation: every char boundary of every example ------------------------------------

    fn check_cut(full: &ExecKind<'_>, cut: &ExecKind<'_>, text: &str) {
        use ExecKind as K;
        let none_or_eq = |c: Option<&str>, f: Option<&str>| c.is_none() || c == f;
        match (cut, full) {
            (K::MethodCompleted { status: c }, K::MethodCompleted { status: f }) => {
                assert_eq!(c, f, "{text:?}")
            }
            (
                K::ReceivedResponse {
                    status: cs,
                    integration_latency_ms: cl,
                },
                K::ReceivedResponse {
                    status: fs,
                    integration_latency_ms: fl,
                },
            ) => {
                assert_eq!(cl, fl, "{text:?}");
                assert!(cs.is_none() || cs == fs, "{text:?}");
            }
            (
                K::EndpointResponseHeaders {
                    lambda_request_id: ci,
                    function_error: ce,
                    trace_id: ct,
                    ..
                },
                K::EndpointResponseHeaders {
                    lambda_request_id: fi,
                    function_error: fe,
                    trace_id: ft,
                    ..
                },
            ) => {
                assert!(none_or_eq(*ci, *fi), "{text:?}");
                assert!(none_or_eq(*ce, *fe), "{text:?}");
                assert!(none_or_eq(*ct, *ft), "{text:?}");
            }
            (
                K::LambdaInvocationFailed {
                    status: cs,
                    lambda_request_id: ci,
                },
                K::LambdaInvocationFailed {
                    status: fs,
                    lambda_request_id: fi,
                },
            )
            | (
                K::CustomerFunctionError {
                    status: cs,
                    lambda_request_id: ci,
                    ..
                },
                K::CustomerFunctionError {
                    status: fs,
                    lambda_request_id: fi,
                    ..
                },
            ) => {
                assert!(cs.is_none() || cs == fs, "{text:?}");
                assert!(none_or_eq(*ci, *fi), "{text:?}");
            }
            (
                K::KeyThrottleExceeded {
                    api: ca,
                    stage: cs,
                    resource: cr,
                    method: cm,
                    limit: cl,
                    ..
                },
                K::KeyThrottleExceeded {
                    api: fa,
                    stage: fs,
                    resource: fr,
                    method: fm,
                    limit: fl,
                    ..
                },
            ) => {
                assert!(none_or_eq(*ca, *fa) && none_or_eq(*cs, *fs), "{text:?}");
                assert!(none_or_eq(*cr, *fr) && none_or_eq(*cm, *fm), "{text:?}");
                assert!(cl.is_none() || cl == fl, "{text:?}");
            }
            (K::AwsIntegrationRequestId(c), K::AwsIntegrationRequestId(f))
            | (K::XrayTraceId(c), K::XrayTraceId(f)) => assert_eq!(c, f, "{text:?}"),
            (
                K::EndpointRequestUri {
                    function_arn: c, ..
                },
                K::EndpointRequestUri {
                    function_arn: f, ..
                },
            ) => {
                assert!(none_or_eq(*c, *f), "{text:?}")
            }
            _ => {}
        }
    }

    #[test]
    fn every_cut_of_every_example_is_safe() {
        for ex in examples() {
            let full = parse_exec_event(ex).unwrap().kind;
            for (i, _) in ex.char_indices().chain([(ex.len(), ' ')]) {
                let cut = &ex[..i];
                if let Some(l) = parse_exec_event(cut) {
                    check_cut(&full, &l.kind, cut);
                    if let ExecKind::EndpointRequestHeaders(h) = l.kind {
                        let _ = h.iter().count();
                    }
                }
            }
        }
    }

    // ---- property tests ---------------------------------------------------------------------

    fn mutate(base: &str, ops: &[(usize, u8, char)]) -> String {
        let mut chars: Vec<char> = base.chars().collect();
        for &(pos, op, c) in ops {
            let at = if chars.is_empty() {
                0
            } else {
                pos % (chars.len() + 1)
            };
            match op % 4 {
                0 => chars.insert(at, c),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                2 if at < chars.len() => chars[at] = c,
                _ => {
                    let end = (at + 8).min(chars.len());
                    let dup: Vec<char> = chars[at..end].to_vec();
                    chars.splice(at..at, dup);
                }
            }
        }
        chars.into_iter().collect()
    }

    fn exercise(s: &str) {
        if let Some(l) = parse_exec_event(s) {
            match l.kind {
                ExecKind::EndpointRequestHeaders(h)
                | ExecKind::EndpointResponseHeaders { headers: h, .. } => {
                    for (n, v) in h {
                        let _ = (n.len(), v.len());
                    }
                    let _ = h.get("x-amzn-RequestId");
                }
                ExecKind::ExecutionFailed { reason } => {
                    let _ = classify_failure(reason);
                }
                ExecKind::EndpointResponseBody(b) => {
                    let _ = lambda_throttle_reason(b);
                }
                _ => {}
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn never_panics_on_arbitrary_strings(s in any::<String>()) {
            exercise(&s);
            exercise(&format!("{ID}{s}"));
        }

        #[test]
        fn never_panics_on_mutated_examples(
            idx in 0usize..64,
            ops in proptest::collection::vec(
                (any::<usize>(), any::<u8>(), prop_oneof![Just(','), Just(' '), Just('='), Just('{'), Just('}'), Just('('), Just(')'), Just('…'), any::<char>()]),
                1..8,
            ),
        ) {
            let all = examples();
            let s = mutate(all[idx % all.len()], &ops);
            exercise(&s);
        }
    }
}
