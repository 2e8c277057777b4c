//! The live source: the official AWS SDK for Rust. This is the only module that knows SDK
//! types, pagination and AWS error codes; everything it returns is gwdoctor's own model.
//!
//! Read-only by construction: it only calls Get*/List*/Describe*/Filter* operations.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use chrono::{DateTime, TimeZone, Utc};
use futures::future::try_join_all;

use super::{Source, SourceError};
use crate::model::{
    ApiKind, ApiSummary, Authorizer, FunctionConfig, InsightsQuery, Integration, LogEvent,
    LogFilter, LogPage, MethodSettings, MetricQuery, Point, QueryResults, Route, Series, StageInfo,
    Window,
};

/// GetMetricData accepts at most this many queries per call.
pub const MAX_QUERIES_PER_CALL: usize = 500;

/// FilterLogEvents is limited to 5 transactions per second per account and region; gwdoctor
/// paces itself below that instead of collecting ThrottlingExceptions.
pub const FILTER_LOG_EVENTS_INTERVAL: Duration = Duration::from_millis(210);

/// How to reach AWS: the global flags, resolved.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Bound on every operation, retries included.
    pub timeout: Duration,
}

/// The live [`Source`].
pub struct AwsSource {
    region: String,
    cloudwatch: aws_sdk_cloudwatch::Client,
    apigw: aws_sdk_apigateway::Client,
    apigw2: aws_sdk_apigatewayv2::Client,
    lambda: aws_sdk_lambda::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    /// The earliest time the next FilterLogEvents call may start (client-side pacing).
    next_filter_call: tokio::sync::Mutex<tokio::time::Instant>,
}

impl AwsSource {
    /// Loads the AWS configuration the way the AWS CLI does (profile, environment,
    /// `AWS_ENDPOINT_URL`, SSO, credential_process) and checks that credentials exist, so a
    /// missing login is reported once and clearly instead of by the first call that fails.
    pub async fn connect(opts: &AwsOptions) -> Result<AwsSource, SourceError> {
        let timeout = if opts.timeout.is_zero() {
            Duration::from_secs(30)
        } else {
            opts.timeout
        };
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(timeout.min(Duration::from_secs(5)))
                    .read_timeout(timeout)
                    .operation_attempt_timeout(timeout)
                    .operation_timeout(timeout)
                    .build(),
            )
            .retry_config(
                RetryConfig::standard().with_max_attempts(
                    // AWS_MAX_ATTEMPTS still wins when set (tests use 1).
                    std::env::var("AWS_MAX_ATTEMPTS")
                        .ok()
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(4),
                ),
            );
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(e) = &opts.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        let conf = loader.load().await;
        let Some(region) = conf.region().map(|r| r.to_string()) else {
            return Err(SourceError::NoCredentials {
                message: "no AWS region configured: pass --region, set AWS_REGION, or set a region in your profile".into(),
            });
        };
        let Some(provider) = conf.credentials_provider() else {
            return Err(no_credentials("no credentials provider is configured"));
        };
        use aws_credential_types::provider::ProvideCredentials;
        match tokio::time::timeout(timeout, provider.provide_credentials()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(no_credentials(&e.to_string())),
            Err(_) => return Err(no_credentials("timed out looking for credentials")),
        }
        Ok(AwsSource {
            region,
            cloudwatch: aws_sdk_cloudwatch::Client::new(&conf),
            apigw: aws_sdk_apigateway::Client::new(&conf),
            apigw2: aws_sdk_apigatewayv2::Client::new(&conf),
            lambda: aws_sdk_lambda::Client::new(&conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
            next_filter_call: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        })
    }
}

fn no_credentials(detail: &str) -> SourceError {
    SourceError::NoCredentials {
        message: format!(
            "no usable AWS credentials ({detail}). Log in (`aws sso login --profile NAME`), pass \
             --profile, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; to try gwdoctor without \
             an account, use --replay fixtures/demo/incident.json"
        ),
    }
}

/// Translates an SDK error into an operator-facing [`SourceError`]. `action` is the IAM
/// action the call needs, so AccessDenied can name it.
fn map_err<E>(action: &str, resource: &str, err: SdkError<E, HttpResponse>) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let status = se.raw().status().as_u16();
            let code = e
                .code()
                .map_or_else(|| format!("HTTP {status}"), str::to_string);
            let message = e.message().unwrap_or("no message").to_string();
            match code.as_str() {
                "AccessDenied"
                | "AccessDeniedException"
                | "UnauthorizedOperation"
                | "UnauthorizedException" => SourceError::AccessDenied {
                    action: action.into(),
                    resource: resource.into(),
                },
                "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "InvalidSignatureException"
                | "SignatureDoesNotMatch"
                | "ExpiredToken"
                | "ExpiredTokenException" => no_credentials(&format!("AWS rejected them: {code}")),
                _ if status == 403 && e.code().is_none() => SourceError::AccessDenied {
                    action: action.into(),
                    resource: resource.into(),
                },
                "NotFoundException" | "ResourceNotFoundException" | "ResourceNotFound" => {
                    SourceError::NotFound {
                        what: if resource.is_empty() {
                            message
                        } else {
                            resource.into()
                        },
                    }
                }
                "Throttling"
                | "ThrottlingException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded" => SourceError::Throttled {
                    action: action.into(),
                },
                _ => SourceError::Service {
                    action: action.into(),
                    code,
                    message,
                },
            }
        }
        SdkError::TimeoutError(_) => SourceError::Network {
            message: format!("{action}: no answer within the timeout (see --timeout)"),
        },
        SdkError::DispatchFailure(d) => SourceError::Network {
            message: if d.is_timeout() {
                format!("{action}: no answer within the timeout (see --timeout)")
            } else {
                // The connector error's Display is short and free of response bodies.
                let detail = d
                    .as_connector_error()
                    .map(|c| {
                        let mut s = c.to_string();
                        let mut src = std::error::Error::source(c);
                        while let Some(e) = src {
                            s.push_str(": ");
                            s.push_str(&e.to_string());
                            src = e.source();
                        }
                        s
                    })
                    .unwrap_or_else(|| "dispatch failure".into());
                format!("{action}: could not reach the endpoint: {detail}")
            },
        },
        SdkError::ResponseError(_) => SourceError::Service {
            action: action.into(),
            code: "ResponseError".into(),
            message: "the response could not be read (is the endpoint an AWS API?)".into(),
        },
        // Credentials problems surface here (identity resolution happens while building
        // the request).
        SdkError::ConstructionFailure(_) => {
            let text = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
            if text.contains("credentials") {
                no_credentials("the credentials provider failed")
            } else {
                SourceError::Service {
                    action: action.into(),
                    code: "ConstructionFailure".into(),
                    message: "could not build the request".into(),
                }
            }
        }
        _ => SourceError::Service {
            action: action.into(),
            code: "Unknown".into(),
            message: "unexpected SDK error".into(),
        },
    }
}

/// Advances a pagination token (`position`, `nextToken`, `Marker`): false when the listing
/// is complete, or when the service hands back the token it was given (no endless loop).
fn next_page(token: &mut Option<String>, next: Option<&str>) -> bool {
    match next {
        Some(t) if !t.is_empty() && Some(t) != token.as_deref() => {
            *token = Some(t.to_string());
            true
        }
        _ => false,
    }
}

fn to_smithy(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs(t.timestamp())
}

fn from_smithy(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(t.secs(), t.subsec_nanos()).single()
}

fn sorted<K: Clone + Ord, V: Clone>(m: Option<&HashMap<K, V>>) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = m
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

impl AwsSource {
    async fn rest_apis(&self) -> Result<Vec<ApiSummary>, SourceError> {
        let mut out = Vec::new();
        let mut position: Option<String> = None;
        loop {
            let page = self
                .apigw
                .get_rest_apis()
                .limit(500)
                .set_position(position.clone())
                .send()
                .await
                .map_err(|e| map_err("apigateway:GET", "/restapis", e))?;
            out.extend(page.items().iter().filter_map(|a| {
                Some(ApiSummary {
                    id: a.id()?.to_string(),
                    name: a.name().unwrap_or_default().to_string(),
                    kind: ApiKind::Rest,
                })
            }));
            if !next_page(&mut position, page.position()) {
                break;
            }
        }
        Ok(out)
    }

    async fn http_apis(&self) -> Result<Vec<ApiSummary>, SourceError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .apigw2
                .get_apis()
                .max_results("500")
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| map_err("apigateway:GET", "/v2/apis", e))?;
            out.extend(page.items().iter().filter_map(|a| {
                // WebSocket APIs have no Latency/IntegrationLatency; leave them out.
                if a.protocol_type().map(|p| p.as_str()) != Some("HTTP") {
                    return None;
                }
                Some(ApiSummary {
                    id: a.api_id()?.to_string(),
                    name: a.name().unwrap_or_default().to_string(),
                    kind: ApiKind::Http,
                })
            }));
            if !next_page(&mut token, page.next_token()) {
                break;
            }
        }
        Ok(out)
    }

    async fn rest_routes(&self, api: &ApiSummary) -> Result<Vec<Route>, SourceError> {
        let resource = format!("/restapis/{}/resources", api.id);
        let mut resources = Vec::new();
        let mut position: Option<String> = None;
        loop {
            // embed=methods returns each method with its integration, which saves one
            // GetIntegration call per method.
            let page = self
                .apigw
                .get_resources()
                .rest_api_id(&api.id)
                .limit(500)
                .embed("methods")
                .set_position(position.clone())
                .send()
                .await
                .map_err(|e| map_err("apigateway:GET", &resource, e))?;
            resources.extend(page.items().iter().cloned());
            if !next_page(&mut position, page.position()) {
                break;
            }
        }
        let mut routes = Vec::new();
        let mut missing = Vec::new();
        for r in &resources {
            let path = r.path().unwrap_or("/").to_string();
            for (verb, m) in sorted(r.resource_methods()) {
                let integration = m.method_integration().map(rest_integration);
                if integration.is_none() {
                    missing.push((
                        routes.len(),
                        r.id().unwrap_or_default().to_string(),
                        verb.clone(),
                    ));
                }
                routes.push(Route {
                    method: verb.clone(),
                    path: path.clone(),
                    resource_id: r.id().map(str::to_string),
                    authorization: m.authorization_type().map(str::to_string),
                    authorizer_id: m.authorizer_id().map(str::to_string),
                    integration,
                });
            }
        }
        // Fallback for endpoints that ignore `embed` or list methods without details:
        // fetch the missing integrations concurrently, in bounded batches.
        let resource = resource.as_str();
        for chunk in missing.chunks(8) {
            let fetched = try_join_all(chunk.iter().map(|(i, rid, verb)| async move {
                let r = self
                    .apigw
                    .get_integration()
                    .rest_api_id(&api.id)
                    .resource_id(rid)
                    .http_method(verb)
                    .send()
                    .await;
                match r {
                    Ok(out) => Ok((
                        *i,
                        Some(Integration {
                            kind: out
                                .r#type()
                                .map(|t| t.as_str().to_string())
                                .unwrap_or_default(),
                            uri: out.uri().map(str::to_string),
                            timeout_ms: Some(i64::from(out.timeout_in_millis())),
                            request_templates: sorted(out.request_templates())
                                .into_iter()
                                .map(|(k, _)| k)
                                .collect(),
                            tls_insecure_skip_verification: out
                                .tls_config()
                                .map(|t| t.insecure_skip_verification()),
                        }),
                    )),
                    Err(e) => match map_err("apigateway:GET", resource, e) {
                        SourceError::NotFound { .. } => Ok((*i, None)),
                        other => Err(other),
                    },
                }
            }))
            .await?;
            for (i, integ) in fetched {
                routes[i].integration = integ;
            }
        }
        Ok(routes)
    }

    async fn http_routes(&self, api: &ApiSummary) -> Result<Vec<Route>, SourceError> {
        let resource = format!("/v2/apis/{}/routes", api.id);
        let (routes, integrations) = tokio::try_join!(
            async {
                let mut out = Vec::new();
                let mut token: Option<String> = None;
                loop {
                    let page = self
                        .apigw2
                        .get_routes()
                        .api_id(&api.id)
                        .max_results("500")
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| map_err("apigateway:GET", &resource, e))?;
                    out.extend(page.items().iter().cloned());
                    if !next_page(&mut token, page.next_token()) {
                        break;
                    }
                }
                Ok::<_, SourceError>(out)
            },
            async {
                let mut out = Vec::new();
                let mut token: Option<String> = None;
                loop {
                    let page = self
                        .apigw2
                        .get_integrations()
                        .api_id(&api.id)
                        .max_results("500")
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| map_err("apigateway:GET", &resource, e))?;
                    out.extend(page.items().iter().cloned());
                    if !next_page(&mut token, page.next_token()) {
                        break;
                    }
                }
                Ok::<_, SourceError>(out)
            }
        )?;
        let by_id: HashMap<&str, &aws_sdk_apigatewayv2::types::Integration> = integrations
            .iter()
            .filter_map(|i| Some((i.integration_id()?, i)))
            .collect();
        let mut out: Vec<Route> = routes
            .iter()
            .map(|r| {
                let key = r.route_key().unwrap_or("$default");
                let (method, path) = key.split_once(' ').unwrap_or(("ANY", key));
                let integration = r
                    .target()
                    .and_then(|t| t.strip_prefix("integrations/"))
                    .and_then(|id| by_id.get(id))
                    .map(|i| Integration {
                        kind: i
                            .integration_type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        uri: i.integration_uri().map(str::to_string),
                        timeout_ms: i.timeout_in_millis().map(i64::from),
                        request_templates: sorted(i.request_templates())
                            .into_iter()
                            .map(|(k, _)| k)
                            .collect(),
                        tls_insecure_skip_verification: None,
                    });
                Route {
                    method: method.to_string(),
                    path: path.to_string(),
                    resource_id: r.route_id().map(str::to_string),
                    authorization: r.authorization_type().map(|a| a.as_str().to_string()),
                    authorizer_id: r.authorizer_id().map(str::to_string),
                    integration,
                }
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path).then(a.method.cmp(&b.method)));
        Ok(out)
    }

    /// One GetMetricData call chain (with NextToken pages) for at most 500 queries.
    async fn metric_chunk(
        &self,
        queries: &[MetricQuery],
        window: Window,
    ) -> Result<Vec<Series>, SourceError> {
        use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
        let built: Vec<MetricDataQuery> = queries
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let metric = Metric::builder()
                    .namespace(&q.namespace)
                    .metric_name(&q.name)
                    .set_dimensions(Some(
                        q.dimensions
                            .iter()
                            .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                            .collect(),
                    ))
                    .build();
                MetricDataQuery::builder()
                    .id(format!("q{i}"))
                    .metric_stat(
                        MetricStat::builder()
                            .metric(metric)
                            .period(q.period_s as i32)
                            .stat(&q.stat)
                            .build(),
                    )
                    .return_data(true)
                    .build()
            })
            .collect();
        let mut points: Vec<Vec<Point>> = vec![Vec::new(); queries.len()];
        let mut token: Option<String> = None;
        // Align to the period so every bucket is a whole minute (CloudWatch rounds anyway).
        let period = i64::from(queries.first().map_or(60, |q| q.period_s).max(1));
        let start = Utc
            .timestamp_opt(window.start.timestamp().div_euclid(period) * period, 0)
            .single()
            .unwrap_or(window.start);
        loop {
            let out = self
                .cloudwatch
                .get_metric_data()
                .set_metric_data_queries(Some(built.clone()))
                .start_time(to_smithy(start))
                .end_time(to_smithy(window.end))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| map_err("cloudwatch:GetMetricData", "", e))?;
            for r in out.metric_data_results() {
                let Some(idx) = r
                    .id()
                    .and_then(|id| id.strip_prefix('q'))
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|&n| n < queries.len())
                else {
                    continue;
                };
                for (t, v) in r.timestamps().iter().zip(r.values()) {
                    if let Some(at) = from_smithy(t) {
                        points[idx].push(Point { at, value: *v });
                    }
                }
            }
            if !next_page(&mut token, out.next_token()) {
                break;
            }
        }
        Ok(queries
            .iter()
            .zip(points)
            .map(|(q, mut pts)| {
                pts.sort_by_key(|p| p.at);
                pts.dedup_by_key(|p| p.at);
                Series {
                    query: q.clone(),
                    points: pts,
                }
            })
            .collect())
    }
}

// ---- `gwdoctor throttles`: pacing of Lambda's control-plane calls ------------------------

/// Lambda's control-plane APIs (all but invocations, GetFunction and GetPolicy) share 15
/// requests per second per account and region, deploys included: gwdoctor keeps to 10.
pub const LAMBDA_CONTROL_PLANE_INTERVAL: Duration = Duration::from_millis(100);

/// The earliest start of the next Lambda control-plane call of this process.
static LAMBDA_NEXT_CALL: tokio::sync::Mutex<Option<tokio::time::Instant>> =
    tokio::sync::Mutex::const_new(None);

/// Waits for this call's slot.
async fn lambda_control_plane_slot() {
    let mut next = LAMBDA_NEXT_CALL.lock().await;
    let now = tokio::time::Instant::now();
    let slot = next.map_or(now, |n| n.max(now));
    *next = Some(slot + LAMBDA_CONTROL_PLANE_INTERVAL);
    drop(next);
    tokio::time::sleep_until(slot).await;
}

// ---- end of `gwdoctor throttles` pacing ---------------------------------------------------

fn rest_integration(i: &aws_sdk_apigateway::types::Integration) -> Integration {
    Integration {
        kind: i
            .r#type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        uri: i.uri().map(str::to_string),
        timeout_ms: Some(i64::from(i.timeout_in_millis())),
        request_templates: sorted(i.request_templates())
            .into_iter()
            .map(|(k, _)| k)
            .collect(),
        tls_insecure_skip_verification: i.tls_config().map(|t| t.insecure_skip_verification()),
    }
}

#[async_trait]
impl Source for AwsSource {
    fn region(&self) -> String {
        self.region.clone()
    }

    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn list_apis(&self) -> Result<Vec<ApiSummary>, SourceError> {
        let (mut rest, http) = tokio::try_join!(self.rest_apis(), self.http_apis())?;
        rest.extend(http);
        Ok(rest)
    }

    async fn stages(&self, api: &ApiSummary) -> Result<Vec<StageInfo>, SourceError> {
        match api.kind {
            ApiKind::Rest => {
                let resource = format!("/restapis/{}/stages", api.id);
                let out = self
                    .apigw
                    .get_stages()
                    .rest_api_id(&api.id)
                    .send()
                    .await
                    .map_err(|e| map_err("apigateway:GET", &resource, e))?;
                let mut stages: Vec<StageInfo> = out
                    .item()
                    .iter()
                    .map(|s| StageInfo {
                        name: s.stage_name().unwrap_or_default().to_string(),
                        method_settings: sorted(s.method_settings())
                            .into_iter()
                            .map(|(k, m)| {
                                (
                                    k,
                                    MethodSettings {
                                        metrics_enabled: Some(m.metrics_enabled()),
                                        logging_level: m.logging_level().map(str::to_string),
                                        data_trace_enabled: Some(m.data_trace_enabled()),
                                        throttling_rate_limit: Some(m.throttling_rate_limit()),
                                        throttling_burst_limit: Some(i64::from(
                                            m.throttling_burst_limit(),
                                        )),
                                    },
                                )
                            })
                            .collect(),
                        variables: sorted(s.variables()),
                        access_log_destination: s
                            .access_log_settings()
                            .and_then(|a| a.destination_arn())
                            .map(str::to_string),
                        access_log_format: s
                            .access_log_settings()
                            .and_then(|a| a.format())
                            .map(str::to_string),
                        tracing_enabled: s.tracing_enabled(),
                    })
                    .collect();
                stages.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(stages)
            }
            ApiKind::Http => {
                let resource = format!("/v2/apis/{}/stages", api.id);
                let mut stages = Vec::new();
                let mut token: Option<String> = None;
                loop {
                    let page = self
                        .apigw2
                        .get_stages()
                        .api_id(&api.id)
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| map_err("apigateway:GET", &resource, e))?;
                    for s in page.items() {
                        let conv =
                            |r: &aws_sdk_apigatewayv2::types::RouteSettings| MethodSettings {
                                metrics_enabled: r.detailed_metrics_enabled(),
                                logging_level: r.logging_level().map(|l| l.as_str().to_string()),
                                data_trace_enabled: r.data_trace_enabled(),
                                throttling_rate_limit: r.throttling_rate_limit(),
                                throttling_burst_limit: r.throttling_burst_limit().map(i64::from),
                            };
                        let mut settings: Vec<(String, MethodSettings)> = Vec::new();
                        if let Some(d) = s.default_route_settings() {
                            settings.push(("$default".into(), conv(d)));
                        }
                        settings.extend(
                            sorted(s.route_settings())
                                .into_iter()
                                .map(|(k, r)| (k, conv(&r))),
                        );
                        stages.push(StageInfo {
                            name: s.stage_name().unwrap_or_default().to_string(),
                            method_settings: settings,
                            variables: sorted(s.stage_variables()),
                            access_log_destination: s
                                .access_log_settings()
                                .and_then(|a| a.destination_arn())
                                .map(str::to_string),
                            access_log_format: s
                                .access_log_settings()
                                .and_then(|a| a.format())
                                .map(str::to_string),
                            tracing_enabled: false,
                        });
                    }
                    if !next_page(&mut token, page.next_token()) {
                        break;
                    }
                }
                stages.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(stages)
            }
        }
    }

    async fn routes(&self, api: &ApiSummary) -> Result<Vec<Route>, SourceError> {
        match api.kind {
            ApiKind::Rest => self.rest_routes(api).await,
            ApiKind::Http => self.http_routes(api).await,
        }
    }

    async fn authorizers(&self, api: &ApiSummary) -> Result<Vec<Authorizer>, SourceError> {
        match api.kind {
            ApiKind::Rest => {
                let resource = format!("/restapis/{}/authorizers", api.id);
                let out = self
                    .apigw
                    .get_authorizers()
                    .rest_api_id(&api.id)
                    .limit(500)
                    .send()
                    .await
                    .map_err(|e| map_err("apigateway:GET", &resource, e))?;
                Ok(out
                    .items()
                    .iter()
                    .map(|a| Authorizer {
                        id: a.id().unwrap_or_default().to_string(),
                        name: a.name().unwrap_or_default().to_string(),
                        kind: a
                            .r#type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        uri: a.authorizer_uri().map(str::to_string),
                        result_ttl_s: a.authorizer_result_ttl_in_seconds().map(i64::from),
                    })
                    .collect())
            }
            ApiKind::Http => {
                let resource = format!("/v2/apis/{}/authorizers", api.id);
                let out = self
                    .apigw2
                    .get_authorizers()
                    .api_id(&api.id)
                    .max_results("500")
                    .send()
                    .await
                    .map_err(|e| map_err("apigateway:GET", &resource, e))?;
                Ok(out
                    .items()
                    .iter()
                    .map(|a| Authorizer {
                        id: a.authorizer_id().unwrap_or_default().to_string(),
                        name: a.name().unwrap_or_default().to_string(),
                        kind: a
                            .authorizer_type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        uri: a.authorizer_uri().map(str::to_string),
                        result_ttl_s: a.authorizer_result_ttl_in_seconds().map(i64::from),
                    })
                    .collect())
            }
        }
    }

    // ---- `gwdoctor throttles`: Lambda concurrency and API Gateway usage plans ----------

    async fn list_functions(&self) -> Result<Vec<crate::model::LambdaFunction>, SourceError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            // ListFunctions returns at most 50 functions per page whatever MaxItems says.
            lambda_control_plane_slot().await;
            let page = self
                .lambda
                .list_functions()
                .max_items(50)
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| map_err("lambda:ListFunctions", "", e))?;
            out.extend(page.functions().iter().filter_map(|f| {
                Some(crate::model::LambdaFunction {
                    name: f.function_name()?.to_string(),
                })
            }));
            if !next_page(&mut marker, page.next_marker()) {
                break;
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    async fn account_concurrency(&self) -> Result<crate::model::AccountConcurrency, SourceError> {
        lambda_control_plane_slot().await;
        let out = self
            .lambda
            .get_account_settings()
            .send()
            .await
            .map_err(|e| map_err("lambda:GetAccountSettings", "", e))?;
        let Some(limit) = out.account_limit() else {
            return Err(SourceError::Service {
                action: "lambda:GetAccountSettings".into(),
                code: "MissingAccountLimit".into(),
                message: "the answer has no AccountLimit".into(),
            });
        };
        Ok(crate::model::AccountConcurrency {
            limit: i64::from(limit.concurrent_executions()),
            unreserved: limit.unreserved_concurrent_executions().map(i64::from),
        })
    }

    async fn reserved_concurrency(&self, function: &str) -> Result<Option<i64>, SourceError> {
        lambda_control_plane_slot().await;
        let out = self
            .lambda
            .get_function_concurrency()
            .function_name(function)
            .send()
            .await
            .map_err(|e| map_err("lambda:GetFunctionConcurrency", function, e))?;
        Ok(out.reserved_concurrent_executions().map(i64::from))
    }

    async fn provisioned_concurrency(
        &self,
        function: &str,
    ) -> Result<Vec<crate::model::ProvisionedConfig>, SourceError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            lambda_control_plane_slot().await;
            let page = self
                .lambda
                .list_provisioned_concurrency_configs()
                .function_name(function)
                .max_items(50)
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| map_err("lambda:ListProvisionedConcurrencyConfigs", function, e))?;
            out.extend(page.provisioned_concurrency_configs().iter().map(|c| {
                crate::model::ProvisionedConfig {
                    // arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER
                    qualifier: c
                        .function_arn()
                        .and_then(|a| a.splitn(8, ':').nth(7))
                        .map(str::to_string),
                    requested: c
                        .requested_provisioned_concurrent_executions()
                        .map(i64::from),
                    allocated: c
                        .allocated_provisioned_concurrent_executions()
                        .map(i64::from),
                    available: c
                        .available_provisioned_concurrent_executions()
                        .map(i64::from),
                    status: c.status().map(|s| s.as_str().to_string()),
                }
            }));
            if !next_page(&mut marker, page.next_marker()) {
                break;
            }
        }
        Ok(out)
    }

    async fn usage_plans(&self) -> Result<Vec<crate::model::UsagePlan>, SourceError> {
        use crate::model::{ThrottleLimit, UsagePlan, UsagePlanStage, UsageQuota};
        let limit = |t: &aws_sdk_apigateway::types::ThrottleSettings| ThrottleLimit {
            rate_limit: Some(t.rate_limit()),
            burst_limit: Some(i64::from(t.burst_limit())),
        };
        let mut out = Vec::new();
        let mut position: Option<String> = None;
        loop {
            let page = self
                .apigw
                .get_usage_plans()
                .limit(500)
                .set_position(position.clone())
                .send()
                .await
                .map_err(|e| map_err("apigateway:GET", "/usageplans", e))?;
            out.extend(page.items().iter().map(|p| {
                UsagePlan {
                    id: p.id().unwrap_or_default().to_string(),
                    name: p.name().unwrap_or_default().to_string(),
                    stages: p
                        .api_stages()
                        .iter()
                        .map(|s| UsagePlanStage {
                            api_id: s.api_id().unwrap_or_default().to_string(),
                            stage: s.stage().unwrap_or_default().to_string(),
                            method_throttles: sorted(s.throttle())
                                .into_iter()
                                .map(|(k, t)| (k, limit(&t)))
                                .collect(),
                        })
                        .collect(),
                    throttle: p.throttle().map(limit),
                    quota: p.quota().map(|q| UsageQuota {
                        limit: i64::from(q.limit()),
                        period: q
                            .period()
                            .map(|x| x.as_str().to_string())
                            .unwrap_or_default(),
                    }),
                }
            }));
            if !next_page(&mut position, page.position()) {
                break;
            }
        }
        Ok(out)
    }

    // ---- end of `gwdoctor throttles` reads ----------------------------------------------

    async fn metric_data(
        &self,
        queries: &[MetricQuery],
        window: Window,
    ) -> Result<Vec<Series>, SourceError> {
        // One call per 500 queries (GetMetricData's limit), all chunks at once. Queries must
        // share a period within a chunk because the start time is aligned to it; group first.
        let mut by_period: Vec<(u32, Vec<usize>)> = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            match by_period.iter_mut().find(|(p, _)| *p == q.period_s) {
                Some((_, v)) => v.push(i),
                None => by_period.push((q.period_s, vec![i])),
            }
        }
        let mut jobs = Vec::new();
        for (_, idxs) in &by_period {
            for chunk in idxs.chunks(MAX_QUERIES_PER_CALL) {
                let qs: Vec<MetricQuery> = chunk.iter().map(|&i| queries[i].clone()).collect();
                jobs.push((chunk.to_vec(), qs));
            }
        }
        let results =
            try_join_all(jobs.iter().map(|(_, qs)| self.metric_chunk(qs, window))).await?;
        let mut out: Vec<Option<Series>> = vec![None; queries.len()];
        for ((idxs, _), series) in jobs.iter().zip(results) {
            for (i, s) in idxs.iter().zip(series) {
                out[*i] = Some(s);
            }
        }
        Ok(out
            .into_iter()
            .zip(queries)
            .map(|(s, q)| {
                s.unwrap_or_else(|| Series {
                    query: q.clone(),
                    points: Vec::new(),
                })
            })
            .collect())
    }

    async fn function_config(&self, name: &str) -> Result<FunctionConfig, SourceError> {
        let out = self
            .lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(|e| map_err("lambda:GetFunctionConfiguration", name, e))?;
        let logging = out.logging_config();
        Ok(FunctionConfig {
            name: out.function_name().unwrap_or(name).to_string(),
            log_group: logging
                .and_then(|l| l.log_group())
                .filter(|g| !g.is_empty())
                .map_or_else(|| FunctionConfig::default_log_group(name), str::to_string),
            log_format: logging
                .and_then(|l| l.log_format())
                .map_or_else(|| "Text".to_string(), |f| f.as_str().to_string()),
            memory_mb: out.memory_size().map(i64::from),
            timeout_s: out.timeout().map(i64::from),
            runtime: out.runtime().map(|r| r.as_str().to_string()),
            snap_start: out
                .snap_start()
                .and_then(|s| s.apply_on())
                .is_some_and(|a| a.as_str() == "PublishedVersions"),
        })
    }

    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, SourceError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .logs
                .describe_log_groups()
                .log_group_name_prefix(prefix)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| map_err("logs:DescribeLogGroups", prefix, e))?;
            out.extend(
                page.log_groups()
                    .iter()
                    .filter_map(|g| g.log_group_name().map(str::to_string)),
            );
            if !next_page(&mut token, page.next_token()) {
                break;
            }
        }
        Ok(out)
    }

    async fn filter_log_events(
        &self,
        filter: &LogFilter,
        next_token: Option<&str>,
    ) -> Result<LogPage, SourceError> {
        {
            // Pace calls (5 TPS account-wide): take the next slot, then wait for it.
            let mut next = self.next_filter_call.lock().await;
            let now = tokio::time::Instant::now();
            let slot = (*next).max(now);
            *next = slot + FILTER_LOG_EVENTS_INTERVAL;
            drop(next);
            tokio::time::sleep_until(slot).await;
        }
        let mut req = self
            .logs
            .filter_log_events()
            .log_group_name(&filter.group)
            .start_time(filter.window.start.timestamp_millis())
            // endTime is inclusive in CloudWatch Logs; the window is [start, end).
            .end_time(filter.window.end.timestamp_millis() - 1)
            .limit(10_000)
            .set_next_token(next_token.map(str::to_string));
        if !filter.pattern.is_empty() {
            req = req.filter_pattern(&filter.pattern);
        }
        let out = req
            .send()
            .await
            .map_err(|e| map_err("logs:FilterLogEvents", &filter.group, e))?;
        let events = out
            .events()
            .iter()
            .filter_map(|e| {
                Some(LogEvent {
                    timestamp: Utc.timestamp_millis_opt(e.timestamp()?).single()?,
                    stream: e.log_stream_name().unwrap_or_default().to_string(),
                    message: e.message()?.to_string(),
                })
            })
            .collect();
        Ok(LogPage {
            events,
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }

    async fn start_query(&self, query: &InsightsQuery) -> Result<String, SourceError> {
        let resource = query.groups.join(", ");
        let out = self
            .logs
            .start_query()
            .set_log_group_names(Some(query.groups.clone()))
            .start_time(query.window.start.timestamp())
            .end_time(query.window.end.timestamp())
            .query_string(&query.query)
            .limit(i32::try_from(query.limit).unwrap_or(10_000))
            .send()
            .await
            .map_err(|e| match map_err("logs:StartQuery", &resource, e) {
                // Too many concurrent queries (30 per account): wait and retry.
                SourceError::Service { code, .. } if code == "LimitExceededException" => {
                    SourceError::Throttled {
                        action: "logs:StartQuery".into(),
                    }
                }
                other => other,
            })?;
        out.query_id()
            .map(str::to_string)
            .ok_or_else(|| SourceError::Service {
                action: "logs:StartQuery".into(),
                code: "NoQueryId".into(),
                message: "StartQuery answered without a query id".into(),
            })
    }

    async fn query_results(
        &self,
        query_id: &str,
        next_token: Option<&str>,
    ) -> Result<QueryResults, SourceError> {
        let mut req = self.logs.get_query_results().query_id(query_id);
        if let Some(t) = next_token {
            req = req.next_token(t);
        }
        let out = req
            .send()
            .await
            .map_err(|e| map_err("logs:GetQueryResults", query_id, e))?;
        Ok(QueryResults {
            status: out
                .status()
                .map_or_else(|| "Unknown".to_string(), |s| s.as_str().to_string()),
            rows: out
                .results()
                .iter()
                .map(|row| {
                    row.iter()
                        .filter_map(|f| Some((f.field()?.to_string(), f.value()?.to_string())))
                        .collect()
                })
                .collect(),
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            records_matched: out.statistics().map(|s| s.records_matched()),
        })
    }
}
