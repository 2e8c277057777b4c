//! One module per subcommand: each gathers what its checks need through the [`Source`],
//! runs the checks and builds the [`Report`](crate::finding::Report).
//!
//! [`Source`]: crate::source::Source

pub mod catalog;
pub mod cold_starts;
pub mod latency;
pub mod ssl;
pub mod throttles;
pub mod trace;

use crate::model::{function_from_uri, ApiSummary, FunctionRef, Route, StageInfo};

/// The distinct Lambda functions the routes integrate with, in every given stage (stage
/// variables can point a route at another function or alias), sorted.
pub fn functions_behind(routes: &[Route], stages: &[StageInfo]) -> Vec<FunctionRef> {
    let mut functions: Vec<FunctionRef> = Vec::new();
    for st in stages {
        for r in routes {
            if let Some(f) = r
                .integration
                .as_ref()
                .and_then(|i| i.uri.as_deref())
                .and_then(|u| function_from_uri(u, &st.variables))
            {
                if !functions.contains(&f) {
                    functions.push(f);
                }
            }
        }
    }
    functions.sort();
    functions
}

/// Finds an API by id, else by exact name; an unknown value is an error that lists the
/// nearest ids and names, so a typo costs one more try, not a console visit.
pub fn find_api(apis: &[ApiSummary], wanted: &str) -> anyhow::Result<ApiSummary> {
    if let Some(a) = apis.iter().find(|a| a.id == wanted) {
        return Ok(a.clone());
    }
    let by_name: Vec<&ApiSummary> = apis.iter().filter(|a| a.name == wanted).collect();
    match by_name.as_slice() {
        [one] => return Ok((*one).clone()),
        [] => {}
        many => {
            let ids: Vec<String> = many
                .iter()
                .map(|a| format!("{} ({})", a.id, a.kind.as_str()))
                .collect();
            anyhow::bail!(
                "{} APIs are named {wanted:?}: {}. Pass the id with --api.",
                many.len(),
                ids.join(", ")
            );
        }
    }
    let mut scored: Vec<(usize, &ApiSummary)> = apis
        .iter()
        .map(|a| {
            let d = distance(&a.id.to_lowercase(), &wanted.to_lowercase())
                .min(distance(&a.name.to_lowercase(), &wanted.to_lowercase()));
            let bonus = usize::from(
                !(a.name.to_lowercase().contains(&wanted.to_lowercase())
                    || wanted.to_lowercase().contains(&a.name.to_lowercase())),
            );
            (d + bonus * 2, a)
        })
        .collect();
    scored.sort_by_key(|(d, a)| (*d, a.name.clone()));
    let near: Vec<String> = scored
        .iter()
        .take(5)
        .map(|(_, a)| {
            format!(
                "{} {} ({})",
                a.id,
                crate::sanitize::clean(&a.name),
                a.kind.as_str()
            )
        })
        .collect();
    if near.is_empty() {
        anyhow::bail!("no API {wanted:?} in this region: the region has no REST or HTTP APIs (wrong --region or --profile?)");
    }
    anyhow::bail!(
        "no API with id or name {wanted:?} in this region ({} APIs). Nearest: {}",
        apis.len(),
        near.join("; ")
    )
}

/// Levenshtein distance, for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ApiKind;

    fn apis() -> Vec<ApiSummary> {
        vec![
            ApiSummary {
                id: "a1b2c3d4e5".into(),
                name: "orders-api".into(),
                kind: ApiKind::Rest,
            },
            ApiSummary {
                id: "f6g7h8i9j0".into(),
                name: "payments".into(),
                kind: ApiKind::Rest,
            },
            ApiSummary {
                id: "x1y2z3".into(),
                name: "items".into(),
                kind: ApiKind::Http,
            },
        ]
    }

    #[test]
    fn by_id_then_name() {
        assert_eq!(find_api(&apis(), "x1y2z3").unwrap().name, "items");
        assert_eq!(find_api(&apis(), "orders-api").unwrap().id, "a1b2c3d4e5");
    }

    #[test]
    fn unknown_lists_nearest_first() {
        let e = find_api(&apis(), "order-api").unwrap_err().to_string();
        assert!(e.contains("Nearest: a1b2c3d4e5 orders-api (rest)"), "{e}");
    }

    #[test]
    fn duplicate_names_ask_for_the_id() {
        let mut a = apis();
        a.push(ApiSummary {
            id: "dup0000000".into(),
            name: "payments".into(),
            kind: ApiKind::Rest,
        });
        let e = find_api(&a, "payments").unwrap_err().to_string();
        assert!(
            e.contains("2 APIs are named") && e.contains("dup0000000"),
            "{e}"
        );
    }
}
