//! `--output markdown`: what an on-call engineer pastes into an incident ticket.

use std::fmt::Write;

use crate::finding::{CheckStatus, Evidence, Report};
use crate::sanitize::clean;

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    clean(s).replace('|', "\\|").replace('\n', " ")
}

pub fn render(report: &Report) -> String {
    let t = &report.target;
    let mut out = String::new();
    let api = match (&t.api_name, &t.api_id) {
        (Some(n), Some(id)) => format!("{} (`{id}`)", cell(n)),
        (None, Some(id)) => format!("`{id}`"),
        _ => "-".into(),
    };
    let api = match (&report.section, report.command.as_str()) {
        (Some(sec), "ssl") if t.api_id.is_none() => {
            sec.json["host"].as_str().map_or(api, |h| format!("`{h}`"))
        }
        (Some(sec), "cold-starts") if t.api_id.is_none() => {
            let names: Vec<String> = sec.json["functions"]
                .as_array()
                .map(|fs| {
                    fs.iter()
                        .filter_map(|f| f["name"].as_str())
                        .map(|n| format!("`{}`", cell(n)))
                        .collect()
                })
                .unwrap_or_default();
            if names.is_empty() {
                api
            } else {
                names.join(", ")
            }
        }
        (_, "throttles") if t.api_id.is_none() => format!("region {}", cell(&t.region)),
        _ => api,
    };
    let _ = writeln!(out, "### gwdoctor {}: {api}\n", report.command);
    if report.command == "ssl" {
        let _ = writeln!(
            out,
            "- **Checked:** {}\n",
            t.end.format("%Y-%m-%d %H:%M UTC")
        );
    } else {
        // Runs about functions alone (cold-starts, region-wide throttles) have no stage.
        let stage = if t.api_id.is_some() || t.stage.is_some() {
            format!(
                "- **Stage:** {}\n",
                cell(t.stage.as_deref().unwrap_or("all"))
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "- **Window:** {} → {} ({} min)\n- **Region:** {}\n{stage}",
            t.start.format("%Y-%m-%d %H:%M"),
            t.end.format("%Y-%m-%d %H:%M UTC"),
            (t.end - t.start).num_minutes(),
            cell(&t.region),
        );
    }
    if let Some(sec) = &report.section {
        out.push_str(&clean(&sec.markdown));
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "#### Checks\n\n| check | status | detail |\n|---|---|---|"
    );
    for c in &report.checks {
        let (status, detail) = match c.status {
            CheckStatus::Passed => ("✅ passed", String::new()),
            CheckStatus::Found => (
                match c.worst() {
                    Some(crate::finding::Severity::Error) => "❌ error",
                    Some(crate::finding::Severity::Warning) => "⚠️ warning",
                    _ => "ℹ️ info",
                },
                format!("{} finding(s)", c.findings.len()),
            ),
            CheckStatus::Skipped => ("➖ skipped", cell(c.reason.as_deref().unwrap_or(""))),
            CheckStatus::Error => ("❗ error", cell(c.reason.as_deref().unwrap_or(""))),
        };
        let _ = writeln!(out, "| `{}` | {status} | {detail} |", c.id);
    }
    let findings: Vec<_> = report.findings().collect();
    if !findings.is_empty() {
        let _ = writeln!(out, "\n#### Findings\n");
        for f in findings {
            let _ = writeln!(
                out,
                "- **{}** `{}` — {}",
                f.severity.as_str(),
                f.check,
                cell(&f.summary)
            );
            for e in &f.evidence {
                let line = match e {
                    Evidence::Metric {
                        namespace,
                        name,
                        stat,
                        points,
                        ..
                    } => {
                        let pts: Vec<String> = points
                            .iter()
                            .take(6)
                            .map(|(t, v)| {
                                format!(
                                    "{} {}",
                                    t.format("%H:%M"),
                                    crate::output::text::fmt_value(*v)
                                )
                            })
                            .collect();
                        format!("{namespace} `{name}` {stat}: {}", pts.join(", "))
                    }
                    Evidence::LogLine {
                        group, at, text, ..
                    } => {
                        format!(
                            "`{}` {}: `{}`",
                            group,
                            at.format("%H:%M:%S"),
                            cell(text).replace('`', "'")
                        )
                    }
                    Evidence::Certificate {
                        index,
                        subject,
                        not_after,
                        key,
                        sha256,
                        ..
                    } => format!(
                        "#{index} {} · {key} · expires {} · SHA-256 `{sha256}`",
                        cell(subject),
                        not_after.format("%Y-%m-%d")
                    ),
                    Evidence::Note { text } => cell(text),
                };
                let _ = writeln!(out, "  - {line}");
            }
            let _ = writeln!(out, "  - **Next:** {}", cell(&f.remedy));
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "\n#### Notes\n");
        for n in &report.notes {
            let _ = writeln!(out, "- {}", cell(n));
        }
    }
    out
}
