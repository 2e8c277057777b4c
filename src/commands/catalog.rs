//! `gwdoctor checks` (the catalogue: id, title, data, IAM actions) and `gwdoctor explain ID`
//! (a check's documentation, from its doc comment or TOML `docs`).

use std::fmt::Write;

use anyhow::bail;

use crate::checks::{self, Check};
use crate::output::Format;

/// Renders the catalogue.
pub fn list(all: &[Box<dyn Check>], format: Format) -> String {
    let infos = checks::catalog(all);
    match format {
        Format::Json => {
            serde_json::to_string_pretty(
                &serde_json::json!({"schema": crate::finding::SCHEMA, "checks": infos}),
            )
            .unwrap_or_default()
                + "\n"
        }
        Format::Markdown => {
            let mut s = String::from("| id | title | severity | commands | data | IAM actions |\n|---|---|---|---|---|---|\n");
            for i in &infos {
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} | {} | {} | {} |",
                    i.id,
                    i.title,
                    i.severity.as_str(),
                    i.commands.join(", "),
                    i.needs
                        .iter()
                        .map(|n| n.describe())
                        .collect::<Vec<_>>()
                        .join("; "),
                    i.iam_actions
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            s
        }
        Format::Text => {
            let w = infos.iter().map(|i| i.id.len()).max().unwrap_or(0);
            let mut s = String::new();
            for i in &infos {
                let _ = writeln!(s, "{:<w$}  {} [{}]", i.id, i.title, i.severity.as_str());
                let _ = writeln!(
                    s,
                    "{:<w$}  runs in: {} · data: {} · IAM: {}{}",
                    "",
                    i.commands.join(", "),
                    i.needs
                        .iter()
                        .map(|n| n.describe())
                        .collect::<Vec<_>>()
                        .join("; "),
                    i.iam_actions.join(", "),
                    if i.origin == "builtin" || i.origin == "declarative" {
                        String::new()
                    } else {
                        format!(" · from {}", i.origin)
                    }
                );
            }
            let _ = write!(
                s,
                "\n{} checks. `gwdoctor explain <id>` prints one check's documentation.\n",
                infos.len()
            );
            s
        }
    }
}

/// A check's documentation.
pub fn explain(all: &[Box<dyn Check>], id: &str, format: Format) -> anyhow::Result<String> {
    let infos = checks::catalog(all);
    let id = checks::REDIRECTS
        .iter()
        .find(|(old, _)| *old == id)
        .map_or(id, |(_, new)| new);
    let Some(i) = infos.iter().find(|i| i.id == id).cloned() else {
        // A trace cause (signature) is explained from its definition.
        if let Some(s) = crate::trace::signatures::builtin()
            .into_iter()
            .find(|s| s.id == id)
        {
            let patterns: Vec<String> = s
                .matchers
                .iter()
                .map(|m| format!("`{}`", m.regex.as_str()))
                .collect();
            return Ok(match format {
                Format::Json => serde_json::to_string_pretty(&serde_json::json!({
                    "id": s.id, "title": s.title, "severity": s.severity, "status": s.status,
                    "explanation": s.explanation, "remedy": s.remedy, "patterns": patterns,
                }))
                .unwrap_or_default()
                    + "\n",
                _ => format!(
                    "# {} — {} (trace cause)\n\nseverity: {} · HTTP status: {}\n\n{}\n\n## How to fix\n{}\n\n## Matched by\n{}\n",
                    s.id,
                    s.title,
                    s.severity.as_str(),
                    s.status.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "),
                    s.explanation,
                    s.remedy,
                    patterns.join("\n")
                ),
            });
        }
        let ids: Vec<String> = infos.iter().map(|i| i.id.clone()).collect();
        bail!("no check {id:?}. Known checks: {}", ids.join(", "));
    };
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&i).unwrap_or_default() + "\n",
        _ => format!(
            "# {} — {}\n\nseverity: {} · runs in: {} · IAM: {}\n\n{}\n",
            i.id,
            i.title,
            i.severity.as_str(),
            i.commands.join(", "),
            i.iam_actions.join(", "),
            i.docs
        ),
    })
}
