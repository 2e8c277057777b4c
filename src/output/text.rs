//! The human renderer: what an on-call engineer reads in a terminal. Also what the
//! snapshot tests show, so reviewers read what users read.

use std::fmt::Write;

use crate::finding::{CheckStatus, Evidence, Finding, Report, Severity};
use crate::sanitize::clean;

/// ANSI styling, or none (`--no-color`, `NO_COLOR`, not a TTY).
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\u{1b}[{code}m{s}\u{1b}[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn severity(&self, sev: Severity) -> String {
        match sev {
            Severity::Error => self.red("error"),
            Severity::Warning => self.yellow("warning"),
            Severity::Info => self.dim("info"),
        }
    }
}

fn header(report: &Report) -> String {
    let t = &report.target;
    let mut s = format!("gwdoctor {}", report.command);
    if let Some(id) = &t.api_id {
        let name = t.api_name.as_deref().unwrap_or("");
        let kind = match t.api_kind.as_deref() {
            Some("http") => "HTTP API",
            _ => "REST API",
        };
        let _ = write!(s, " · {} ({kind} {id})", clean(name));
    }
    if report.command == "ssl" {
        let _ = write!(s, " · checked {}", t.end.format("%Y-%m-%d %H:%M UTC"));
        return s;
    }
    // A region-wide run (`throttles` without --api) has no stage.
    if t.api_id.is_some() || t.stage.is_some() {
        let _ = write!(s, " · stage {}", clean(t.stage.as_deref().unwrap_or("all")));
    }
    let _ = write!(
        s,
        " · {}\nwindow {} → {} ({} min)",
        clean(&t.region),
        t.start.format("%Y-%m-%d %H:%M"),
        t.end.format("%Y-%m-%d %H:%M UTC"),
        (t.end - t.start).num_minutes()
    );
    s
}

fn evidence_line(e: &Evidence) -> String {
    match e {
        Evidence::Metric {
            name, stat, points, ..
        } => {
            let pts: Vec<String> = points
                .iter()
                .take(6)
                .map(|(t, v)| format!("{} {}", t.format("%H:%M"), fmt_value(*v)))
                .collect();
            format!("{name} {stat}: {}", pts.join(", "))
        }
        Evidence::LogLine {
            group, at, text, ..
        } => {
            format!(
                "{} {group}: {}",
                at.format("%H:%M:%S"),
                clean(text).trim_end().replace('\n', " ⏎ ")
            )
        }
        Evidence::Certificate {
            index,
            subject,
            not_after,
            key,
            ..
        } => format!(
            "#{index} {} · {key} · expires {}",
            clean(subject),
            not_after.format("%Y-%m-%d")
        ),
        Evidence::Note { text } => clean(text),
    }
}

/// A number as people read it in a table: integers without decimals.
pub fn fmt_value(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn finding_block(out: &mut String, f: &Finding, style: Style) {
    let _ = writeln!(
        out,
        "      {} {}",
        style.severity(f.severity),
        clean(&f.summary)
    );
    for e in f.evidence.iter().take(4) {
        let _ = writeln!(
            out,
            "        {}",
            style.dim(&format!("· {}", evidence_line(e)))
        );
    }
    let _ = writeln!(out, "        → {}", clean(&f.remedy));
}

/// Renders the whole report.
pub fn render(report: &Report, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", style.bold(&header(report)));
    if let Some(sec) = &report.section {
        out.push_str(&clean(&sec.text));
        if !sec.text.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", style.bold("Checks"));
    let width = report.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &report.checks {
        let (mark, tail) = match c.status {
            CheckStatus::Passed => (style.green("✓"), style.dim("passed")),
            CheckStatus::Found => match c.worst() {
                Some(Severity::Error) => {
                    (style.red("✗"), format!("{} finding(s)", c.findings.len()))
                }
                Some(Severity::Warning) => (
                    style.yellow("⚠"),
                    format!("{} finding(s)", c.findings.len()),
                ),
                _ => (style.dim("i"), format!("{} finding(s)", c.findings.len())),
            },
            CheckStatus::Skipped => (
                style.dim("–"),
                style.dim(&format!(
                    "skipped: {}",
                    clean(c.reason.as_deref().unwrap_or(""))
                )),
            ),
            CheckStatus::Error => (
                style.red("!"),
                format!("error: {}", clean(c.reason.as_deref().unwrap_or(""))),
            ),
        };
        let _ = writeln!(out, "  {mark} {:<width$}  {tail}", c.id);
        for f in &c.findings {
            finding_block(&mut out, f, style);
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Notes"));
        for n in &report.notes {
            let _ = writeln!(out, "  · {}", clean(n));
        }
    }
    out
}
