//! CloudWatch naming rules for API Gateway and Lambda metrics: which dimensions and metric
//! names a REST or HTTP API uses. Kept apart from the SDK adapter because replays and checks
//! need the same rules.

use crate::model::{ApiKind, ApiSummary, FunctionRef, MetricQuery, Route};

pub const APIGW: &str = "AWS/ApiGateway";
pub const LAMBDA: &str = "AWS/Lambda";

/// The latency statistics fetched per minute.
pub const LATENCY_STATS: [&str; 5] = ["Maximum", "p50", "p90", "p99", "Average"];

/// REST metrics are dimensioned by `ApiName`, from which API Gateway removes non-ASCII
/// characters; a name with no ASCII at all is replaced by the API id.
pub fn rest_api_name_dimension(api: &ApiSummary) -> String {
    let ascii: String = api.name.chars().filter(char::is_ascii).collect();
    if ascii.is_empty() {
        api.id.clone()
    } else {
        ascii
    }
}

/// The metric name for `logical` (REST spelling) on this kind of API: HTTP APIs publish
/// `4xx`/`5xx` instead of `4XXError`/`5XXError`.
pub fn apigw_metric_name(kind: ApiKind, logical: &str) -> String {
    match (kind, logical) {
        (ApiKind::Http, "4XXError") => "4xx".into(),
        (ApiKind::Http, "5XXError") => "5xx".into(),
        _ => logical.into(),
    }
}

/// Stage-level dimensions: `ApiName`+`Stage` (REST) or `ApiId`+`Stage` (HTTP).
pub fn stage_dims(api: &ApiSummary, stage: &str) -> Vec<(String, String)> {
    match api.kind {
        ApiKind::Rest => vec![
            ("ApiName".into(), rest_api_name_dimension(api)),
            ("Stage".into(), stage.into()),
        ],
        ApiKind::Http => vec![
            ("ApiId".into(), api.id.clone()),
            ("Stage".into(), stage.into()),
        ],
    }
}

/// Per-method (REST `Method`+`Resource`) or per-route (HTTP `Route`) dimensions, published only
/// with detailed metrics on.
pub fn route_dims(api: &ApiSummary, stage: &str, route: &Route) -> Vec<(String, String)> {
    let mut d = stage_dims(api, stage);
    match api.kind {
        ApiKind::Rest => {
            d.push(("Method".into(), route.method.clone()));
            d.push(("Resource".into(), route.path.clone()));
        }
        ApiKind::Http => d.push(("Route".into(), route.key())),
    }
    d
}

/// Lambda metrics by function name (all versions and aliases).
pub fn function_dims(f: &FunctionRef) -> Vec<(String, String)> {
    vec![("FunctionName".into(), f.name.clone())]
}

/// Builds a query from owned dimension pairs.
pub fn query(
    namespace: &str,
    name: &str,
    dims: &[(String, String)],
    stat: &str,
    period_s: u32,
) -> MetricQuery {
    let pairs: Vec<(&str, &str)> = dims.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    MetricQuery::new(namespace, name, &pairs, stat, period_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_name_drops_non_ascii() {
        let api = |name: &str| ApiSummary {
            id: "a1b2c3d4e5".into(),
            name: name.into(),
            kind: ApiKind::Rest,
        };
        assert_eq!(rest_api_name_dimension(&api("orders-api")), "orders-api");
        assert_eq!(rest_api_name_dimension(&api("café-api")), "caf-api");
        assert_eq!(rest_api_name_dimension(&api("注文")), "a1b2c3d4e5");
    }

    #[test]
    fn http_apis_use_api_id_and_lowercase_error_metrics() {
        let api = ApiSummary {
            id: "x1y2z3".into(),
            name: "items".into(),
            kind: ApiKind::Http,
        };
        assert_eq!(
            stage_dims(&api, "prod")[0],
            ("ApiId".into(), "x1y2z3".into())
        );
        assert_eq!(apigw_metric_name(ApiKind::Http, "5XXError"), "5xx");
        assert_eq!(apigw_metric_name(ApiKind::Rest, "5XXError"), "5XXError");
        let route = Route {
            method: "GET".into(),
            path: "/items".into(),
            resource_id: None,
            authorization: None,
            authorizer_id: None,
            integration: None,
        };
        assert!(route_dims(&api, "prod", &route).contains(&("Route".into(), "GET /items".into())));
    }
}
