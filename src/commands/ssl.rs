//! `gwdoctor ssl HOST[:PORT]` (or `--file chain.pem`, or `--api ID` for every HTTP/HTTP_PROXY
//! integration backend): will API Gateway accept this backend's certificate chain? Explains
//! "Execution failed due to configuration error: General SSLEngine problem" before it happens.

use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::checks::tls_backend;
use crate::finding::{
    CheckResult, Evidence, Finding, Report, Section, Severity, TargetInfo, SCHEMA,
};
use crate::model::{ApiSummary, Route};
use crate::source::Source;
use crate::tls::{self, rules::Outcome, Options, TlsReport};

/// What the `ssl` subcommand was asked.
#[derive(Debug, Clone, Default)]
pub struct SslRequest {
    /// `host`, `host:port`, `[v6]:port` or an `https://` URL.
    pub target: Option<String>,
    pub sni: Option<String>,
    pub file: Option<PathBuf>,
    pub api: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub ca_replace: bool,
    pub ca_list: Option<PathBuf>,
    pub warn_days: i64,
    pub insecure_skip_verification: bool,
    pub timeout: Duration,
}

/// The report, and whether no verdict could be reached (exit 2).
pub struct SslOutcome {
    pub report: Report,
    pub inconclusive: bool,
}

/// Splits `host[:port]` (also `[v6]:port` and `https://host:port/path`); port 443 by default.
pub fn parse_target(s: &str) -> anyhow::Result<(String, u16)> {
    let s = s.trim();
    let s = s.strip_prefix("https://").unwrap_or(s);
    if s.starts_with("http://") {
        bail!("{s:?} is plain HTTP: there is no TLS to check (API Gateway calls it without TLS)");
    }
    let authority = s.split('/').next().unwrap_or(s);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (h, tail) = rest
            .split_once(']')
            .with_context(|| format!("{s:?}: unclosed '[' in an IPv6 address"))?;
        (format!("[{h}]"), tail.strip_prefix(':'))
    } else if authority.matches(':').count() == 1 {
        let (h, p) = authority.split_once(':').unwrap_or((authority, ""));
        (h.to_string(), Some(p))
    } else {
        (authority.to_string(), None)
    };
    if host.is_empty() || host == "[]" {
        bail!("{s:?}: no host name");
    }
    let port = match port {
        None | Some("") => 443,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .with_context(|| format!("{s:?}: {p:?} is not a TCP port"))?,
    };
    Ok((host, port))
}

/// One backend to check, and where it came from.
#[derive(Debug, Clone)]
struct Backend {
    host: String,
    port: u16,
    routes: Vec<String>,
    insecure_skip_verification: bool,
}

/// HTTPS backends of an API's HTTP / HTTP_PROXY integrations, stage variables resolved.
fn backends(
    routes: &[Route],
    stages: &[crate::model::StageInfo],
    notes: &mut Vec<String>,
) -> Vec<Backend> {
    let mut out: Vec<Backend> = Vec::new();
    for r in routes {
        let Some(i) = &r.integration else { continue };
        if !matches!(i.kind.as_str(), "HTTP" | "HTTP_PROXY") {
            continue;
        }
        let Some(uri) = &i.uri else { continue };
        let mut uris = vec![uri.clone()];
        if uri.contains("${stageVariables.") {
            uris = stages
                .iter()
                .map(|st| {
                    let mut u = uri.clone();
                    for (k, v) in &st.variables {
                        u = u.replace(&format!("${{stageVariables.{k}}}"), v);
                    }
                    u
                })
                .collect();
        }
        for u in uris {
            if u.contains("${") {
                notes.push(format!(
                    "{}: integration URI {u} has an unresolved stage variable; not checked",
                    r.key()
                ));
                continue;
            }
            if !u.starts_with("https://") {
                notes.push(format!("{}: {u} is not HTTPS; no TLS to check", r.key()));
                continue;
            }
            let Ok((host, port)) = parse_target(&u) else {
                continue;
            };
            let skip = i.tls_insecure_skip_verification.unwrap_or(false);
            match out
                .iter_mut()
                .find(|b| b.host == host && b.port == port && b.insecure_skip_verification == skip)
            {
                Some(b) => b.routes.push(r.key()),
                None => out.push(Backend {
                    host,
                    port,
                    routes: vec![r.key()],
                    insecure_skip_verification: skip,
                }),
            }
        }
    }
    out
}

fn options(req: &SslRequest, insecure: bool) -> anyhow::Result<Options> {
    let mut o = Options {
        warn_days: req.warn_days,
        insecure_skip_verification: insecure,
        ..Options::default()
    };
    if let Some(p) = &req.ca_file {
        o.extra_anchors =
            tls::load_anchors(p).with_context(|| format!("--ca-file {}", p.display()))?;
        o.anchors_replace_list = req.ca_replace;
    } else if req.ca_replace {
        bail!("--ca-replace needs --ca-file");
    }
    if let Some(p) = &req.ca_list {
        o.ca_list =
            Some(tls::load_ca_list(p).with_context(|| format!("--ca-list {}", p.display()))?);
    }
    Ok(o)
}

/// Runs the command. `source` is needed only with `--api`.
pub async fn run(
    source: Option<&dyn Source>,
    req: &SslRequest,
    now: DateTime<Utc>,
) -> anyhow::Result<SslOutcome> {
    let mut notes = Vec::new();
    let mut api_info: Option<ApiSummary> = None;
    let mut region = String::new();
    let mut jobs: Vec<Backend> = Vec::new();
    let mut reports: Vec<(Backend, Result<TlsReport, String>)> = Vec::new();

    if let Some(file) = &req.file {
        let Some(target) = &req.target else {
            bail!("--file needs the host the integration calls, for the hostname check: gwdoctor ssl api.example.com --file {}", file.display());
        };
        let (host, port) = parse_target(target)?;
        let host_for_check = req.sni.clone().unwrap_or_else(|| {
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string()
        });
        let opts = options(req, req.insecure_skip_verification)?;
        let rep = tls::check_file(file, &host_for_check, now, &opts)
            .with_context(|| format!("judging {}", file.display()))?;
        let b = Backend {
            host,
            port,
            routes: vec![],
            insecure_skip_verification: req.insecure_skip_verification,
        };
        reports.push((b, Ok(rep)));
    } else if let Some(api) = &req.api {
        let Some(source) = source else {
            bail!("--api needs AWS access (or --replay)")
        };
        region = source.region();
        let apis = source
            .list_apis()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("listing the region's APIs")?;
        let api = super::find_api(&apis, api)?;
        let (stages, routes) = tokio::join!(source.stages(&api), source.routes(&api));
        let stages = stages
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("reading the API's stages")?;
        let routes = routes
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("reading the API's integrations")?;
        jobs = backends(&routes, &stages, &mut notes);
        if jobs.is_empty() {
            notes.push(format!("API {} has no HTTPS HTTP/HTTP_PROXY integration: nothing to check (Lambda and AWS integrations do not go through the backend TLS check)", api.id));
        }
        api_info = Some(api);
    } else {
        let Some(target) = &req.target else {
            bail!("name a backend: gwdoctor ssl HOST[:PORT], --file CHAIN.pem HOST, or --api ID");
        };
        let (host, port) = parse_target(target)?;
        jobs.push(Backend {
            host,
            port,
            routes: vec![],
            insecure_skip_verification: req.insecure_skip_verification,
        });
    }

    // Handshakes are blocking socket work: run them off the async threads, all at once.
    let mut handles = Vec::new();
    for b in jobs {
        let opts = options(
            req,
            b.insecure_skip_verification || req.insecure_skip_verification,
        )?;
        let sni = req.sni.clone();
        let timeout = req.timeout;
        handles.push((
            b.clone(),
            tokio::task::spawn_blocking(move || {
                tls::check_host(&b.host, b.port, sni.as_deref(), timeout, now, &opts)
                    .map_err(|e| e.to_string())
            }),
        ));
    }
    for (b, h) in handles {
        let r = h
            .await
            .unwrap_or_else(|e| Err(format!("the TLS probe failed: {e}")));
        reports.push((b, r));
    }

    let reached: Vec<&(Backend, Result<TlsReport, String>)> =
        reports.iter().filter(|(_, r)| r.is_ok()).collect();
    for (b, r) in &reports {
        if let Err(e) = r {
            notes.push(format!("{}:{}: no TLS verdict: {e}", b.host, b.port));
        }
    }
    let inconclusive = reached.is_empty();
    if inconclusive && req.api.is_none() {
        // One backend that could not be reached: an error, said once.
        let why = reports
            .iter()
            .filter_map(|(_, r)| r.as_ref().err())
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        bail!("no TLS verdict: {why}");
    }

    // One check result per rule family, findings from every backend.
    let mut checks: Vec<CheckResult> = Vec::new();
    for info in tls_backend::catalog() {
        if inconclusive {
            let reason = if reports.is_empty() {
                "no backend to check".to_string()
            } else {
                reports
                    .iter()
                    .filter_map(|(b, r)| {
                        r.as_ref()
                            .err()
                            .map(|e| format!("{}:{}: {e}", b.host, b.port))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            checks.push(CheckResult::skipped(&info.id, &info.title, reason));
            continue;
        }
        let mut findings = Vec::new();
        for (b, r) in &reached {
            let Ok(rep) = r else { continue };
            for p in rep
                .problem_details
                .iter()
                .filter(|p| tls_backend::check_for_problem(&p.id) == info.id)
            {
                let mut evidence = Vec::new();
                if let Some(c) = p.cert_index.and_then(|i| rep.chain.get(i).map(|c| (i, c))) {
                    evidence.push(Evidence::Certificate {
                        index: c.0,
                        subject: c.1.subject.clone(),
                        issuer: c.1.issuer.clone(),
                        not_after: c.1.not_after,
                        key: key_text(&c.1.key),
                        sha256: c.1.sha256.clone(),
                    });
                }
                if !b.routes.is_empty() {
                    evidence.push(Evidence::Note {
                        text: format!("used by {}", b.routes.join(", ")),
                    });
                }
                evidence.push(Evidence::Note {
                    text: format!("problem id: {}", p.id),
                });
                findings.push(Finding {
                    check: info.id.clone(),
                    severity: p.severity,
                    resource: format!("tls:{}:{}", b.host, b.port),
                    summary: p.summary.clone(),
                    evidence,
                    remedy: p.remedy.clone(),
                });
            }
        }
        checks.push(CheckResult::from_findings(&info.id, &info.title, findings));
    }

    let section = section(&reports, req.api.is_some());
    let (start, end) = (now, now);
    let mut report = Report {
        schema: SCHEMA,
        command: "ssl".into(),
        target: TargetInfo {
            api_id: api_info.as_ref().map(|a| a.id.clone()),
            api_name: api_info.as_ref().map(|a| a.name.clone()),
            api_kind: api_info.as_ref().map(|a| a.kind.as_str().to_string()),
            stage: None,
            region,
            start,
            end,
        },
        checks,
        notes,
        section: Some(section),
    };
    report.sort();
    Ok(SslOutcome {
        report,
        inconclusive,
    })
}

fn key_text(k: &crate::tls::cert::KeyInfo) -> String {
    match &k.curve {
        Some(c) => format!("{} {c}", k.algorithm),
        None => format!("{}-{}", k.algorithm, k.bits),
    }
}

/// The first six bytes of a colon-hex fingerprint and an ellipsis: enough to match the
/// certificate against `openssl x509 -fingerprint -sha256` or AWS's list by eye, short
/// enough for the table (the full value is in the JSON and markdown output).
fn short_fingerprint(fp: &str) -> String {
    let head: Vec<&str> = fp.split(':').take(6).collect();
    if head.len() < 6 {
        return fp.to_string();
    }
    format!("{}…", head.join(":"))
}

fn verdict_sentence(rep: &TlsReport) -> String {
    let first_fail = rep
        .problem_details
        .iter()
        .find(|p| p.severity == Severity::Error);
    let first_warn = rep
        .problem_details
        .iter()
        .find(|p| p.severity == Severity::Warning);
    match rep.verdict.as_str() {
        "fail" => format!(
            "Verdict: fail. API Gateway will not accept {} (expect \"General SSLEngine problem\" or a PKIX error). Next: {}",
            target(rep),
            first_fail.map_or("see the rules below.", |p| p.remedy.as_str())
        ),
        "warn" => format!(
            "Verdict: warn. {} will probably work, with a risk. Next: {}",
            target(rep),
            first_warn.map_or("see the rules below.", |p| p.remedy.as_str())
        ),
        _ => format!("Verdict: pass. API Gateway should accept {}.", target(rep)),
    }
}

fn target(rep: &TlsReport) -> String {
    match rep.port {
        Some(p) => format!("{}:{p}", rep.host),
        None => rep.host.clone(),
    }
}

fn one_text(rep: &TlsReport, text: &mut String, md: &mut String) {
    let _ = writeln!(text, "{}", verdict_sentence(rep));
    let _ = writeln!(md, "**{}**\n", verdict_sentence(rep));
    if let Some(p) = &rep.protocol {
        let _ = writeln!(
            text,
            "Negotiated {p}{}",
            rep.sni
                .as_ref()
                .map(|s| format!(", SNI {s}"))
                .unwrap_or_else(|| ", no SNI".into())
        );
    }
    let _ = writeln!(text, "\nRules");
    let _ = writeln!(md, "| rule | result | detail |\n|---|---|---|");
    for r in &rep.rules {
        let mark = match r.outcome {
            Outcome::Pass => "✓ pass",
            Outcome::Warn => "⚠ warn",
            Outcome::Fail => "✗ fail",
            Outcome::NotApplicable => "– n/a ",
        };
        let _ = writeln!(text, "  {mark}  {:<16} {}", r.rule, r.detail);
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            r.rule,
            mark,
            r.detail.replace('|', "\\|")
        );
    }
    if !rep.chain.is_empty() {
        let _ = writeln!(text, "\nChain as sent");
        let _ = writeln!(
            text,
            "  {:<2} {:<34} {:<10} {:<12} {:<24} {:<18} in API GW list",
            "#", "subject", "expires", "key", "signature", "SHA-256"
        );
        let _ = writeln!(md, "\n| # | subject | issuer | expires | key | signature | SHA-256 | in API Gateway list |\n|---|---|---|---|---|---|---|---|");
        for (i, c) in rep.chain.iter().enumerate() {
            let subject: String = c.subject.chars().take(34).collect();
            let _ = writeln!(
                text,
                "  {:<2} {:<34} {:<10} {:<12} {:<24} {:<18} {}",
                i,
                subject,
                c.not_after.format("%Y-%m-%d"),
                key_text(&c.key),
                c.signature,
                short_fingerprint(&c.sha256),
                c.in_apigw_list.as_deref().unwrap_or("-")
            );
            let _ = writeln!(
                md,
                "| {i} | {} | {} | {} | {} | {} | `{}` | {} |",
                c.subject.replace('|', "\\|"),
                c.issuer.replace('|', "\\|"),
                c.not_after.format("%Y-%m-%d"),
                key_text(&c.key),
                c.signature,
                c.sha256,
                c.in_apigw_list.as_deref().unwrap_or("-")
            );
        }
    }
}

fn section(reports: &[(Backend, Result<TlsReport, String>)], api_mode: bool) -> Section {
    let mut text = String::new();
    let mut md = String::new();
    let ok: Vec<(&Backend, &TlsReport)> = reports
        .iter()
        .filter_map(|(b, r)| r.as_ref().ok().map(|r| (b, r)))
        .collect();
    let json = if !api_mode && ok.len() == 1 {
        one_text(ok[0].1, &mut text, &mut md);
        serde_json::to_value(ok[0].1).unwrap_or_default()
    } else {
        let worst = ok
            .iter()
            .map(|(_, r)| r.verdict.as_str())
            .max_by_key(|v| match *v {
                "fail" => 2,
                "warn" => 1,
                _ => 0,
            })
            .unwrap_or("pass");
        for (b, r) in &ok {
            let _ = writeln!(
                text,
                "── {}:{}{}",
                b.host,
                b.port,
                if b.routes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", b.routes.join(", "))
                }
            );
            let _ = writeln!(md, "#### {}:{}\n", b.host, b.port);
            one_text(r, &mut text, &mut md);
            text.push('\n');
            md.push('\n');
        }
        json!({
            "verdict": if ok.is_empty() { "unknown" } else { worst },
            "backends": ok.iter().map(|(b, r)| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("routes".into(), json!(b.routes));
                    o.insert("insecure_skip_verification".into(), json!(b.insecure_skip_verification));
                }
                v
            }).collect::<Vec<_>>(),
        })
    };
    Section {
        name: "tls".into(),
        json,
        text,
        markdown: md,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_fingerprints_keep_the_first_six_bytes() {
        assert_eq!(
            short_fingerprint("AB:CD:EF:01:23:45:67:89:AA"),
            "AB:CD:EF:01:23:45…"
        );
        assert_eq!(short_fingerprint("AB:CD"), "AB:CD");
    }

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("example.com").unwrap(),
            ("example.com".into(), 443)
        );
        assert_eq!(
            parse_target("example.com:8443").unwrap(),
            ("example.com".into(), 8443)
        );
        assert_eq!(
            parse_target("https://api.example.com:9443/v1/orders").unwrap(),
            ("api.example.com".into(), 9443)
        );
        assert_eq!(parse_target("[::1]:8443").unwrap(), ("[::1]".into(), 8443));
        assert!(parse_target("example.com:0").is_err());
        assert!(parse_target("example.com:99999").is_err());
        assert!(parse_target("http://example.com")
            .unwrap_err()
            .to_string()
            .contains("plain HTTP"));
        assert!(parse_target(":443").is_err());
    }
}
