//! `gwdoctor ssl`: will API Gateway accept this backend's TLS certificate chain? Explains the
//! causes behind "Execution failed due to configuration error: General SSLEngine problem".
//!
//! * [`probe`] captures the chain as the server sends it (rustls, std sockets, one deadline);
//! * [`cert`] turns each certificate into [`CertInfo`];
//! * [`rules`] judges the chain against API Gateway's requirements and CA list;
//! * [`apigw_cas`] embeds AWS's published CA list (398 aliases / 247 certificates).
//!
//! [`check_host`] and [`check_file`] put them together into a serialisable [`TlsReport`],
//! the `tls` section of the JSON output.

pub mod apigw_cas;
pub mod cert;
pub mod probe;
pub mod rules;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use apigw_cas::{CaList, CaListError};
pub use cert::{CertError, CertInfo, KeyInfo};
pub use probe::{java_sends_sni, probe, NetProblem, Presented};
pub use rules::{
    ids, judge, Options, Outcome, Problem, RuleResult, Severity, Verdict, VerdictKind,
};

/// The `tls` section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct TlsReport {
    pub host: String,
    /// `None` for an offline chain file.
    pub port: Option<u16>,
    /// `pass` | `warn` | `fail`.
    pub verdict: String,
    /// Problem ids, worst first (duplicates kept: two expired certificates give two entries).
    pub problems: Vec<String>,
    pub problem_details: Vec<Problem>,
    pub rules: Vec<RuleResult>,
    /// The chain as presented (leaf first); empty when no handshake got that far.
    pub chain: Vec<CertInfo>,
    /// Negotiated protocol (`TLSv1.3`), when the handshake completed.
    pub protocol: Option<String>,
    /// SNI sent in the judged handshake (the one API Gateway would make).
    pub sni: Option<String>,
    /// The other handshake (without SNI, or with it), to show SNI-dependent certificates.
    pub sni_comparison: Option<SniComparison>,
}

/// Result of the second handshake made to compare certificates with and without SNI.
#[derive(Debug, Clone, Serialize)]
pub struct SniComparison {
    /// SNI sent in this handshake (`None` = no SNI).
    pub sni: Option<String>,
    /// Whether it returned the same chain; `None` when it failed.
    pub same_chain: Option<bool>,
    /// Its leaf, when it differs.
    pub leaf: Option<CertInfo>,
    pub error: Option<String>,
}

/// Failures that leave no TLS verdict to give (the caller reports them as inconclusive).
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Cert(#[from] CertError),
    #[error(transparent)]
    CaList(#[from] CaListError),
    /// DNS failure, connection refused, or a local configuration error.
    #[error(transparent)]
    Network(NetProblem),
}

/// Judge a chain read from a PEM (or DER) file, leaf first, as if a server had sent it.
pub fn check_file(
    pem_path: &Path,
    host: &str,
    now: DateTime<Utc>,
    opts: &Options,
) -> Result<TlsReport, TlsError> {
    let bytes = std::fs::read(pem_path).map_err(|source| TlsError::Read {
        path: pem_path.to_path_buf(),
        source,
    })?;
    let ders = cert::pem_or_der_to_ders(&bytes)?;
    Ok(check_ders(ders, host, None, now, opts)?)
}

/// Read `--ca-file` anchors (PEM bundle or one DER certificate).
pub fn load_anchors(path: &Path) -> Result<Vec<Vec<u8>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(cert::pem_or_der_to_ders(&bytes)?)
}

/// Read a `--ca-list` replacement (same format as the embedded list).
pub fn load_ca_list(path: &Path) -> Result<CaList, TlsError> {
    let text = std::fs::read_to_string(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(CaList::parse(
        &text,
        format!("--ca-list {}", path.display()),
    )?)
}

/// Judge already-captured DER certificates.
pub fn check_ders(
    ders: Vec<Vec<u8>>,
    host: &str,
    port: Option<u16>,
    now: DateTime<Utc>,
    opts: &Options,
) -> Result<TlsReport, CertError> {
    let list = opts.ca_list.as_ref().unwrap_or_else(|| CaList::published());
    let chain = ders
        .iter()
        .map(|d| cert::parse_der_with_list(d, list))
        .collect::<Result<Vec<_>, _>>()?;
    let v = judge(&chain, &ders, host, now, opts);
    Ok(report(host, port, v, chain))
}

fn report(host: &str, port: Option<u16>, v: Verdict, chain: Vec<CertInfo>) -> TlsReport {
    TlsReport {
        host: host.to_string(),
        port,
        verdict: v.verdict.as_str().to_string(),
        problems: v.problems.iter().map(|p| p.id.clone()).collect(),
        problem_details: v.problems,
        rules: v.rules,
        chain,
        protocol: None,
        sni: None,
        sni_comparison: None,
    }
}

/// Connect to `host:port` the way API Gateway would and judge what the server presents.
///
/// * `sni`: `serverNameToVerify` (HTTP API private integrations): sent as SNI and used for
///   the hostname check. Without it, SNI follows Java: the host for DNS names, none for IP
///   literals and single-label names; the hostname check uses `host`.
/// * A second handshake with the opposite SNI choice shows SNI-dependent certificates.
/// * `timeout` bounds each handshake, so the call takes at most twice `timeout`.
pub fn check_host(
    host: &str,
    port: u16,
    sni: Option<&str>,
    timeout: Duration,
    now: DateTime<Utc>,
    opts: &Options,
) -> Result<TlsReport, TlsError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let verify_name = sni.unwrap_or(bare);
    let primary_sni: Option<&str> = sni.or(java_sends_sni(bare).then_some(bare));
    let sni_note = match (sni, primary_sni) {
        (Some(s), _) => format!("SNI '{s}' sent (serverNameToVerify)"),
        (None, Some(s)) => format!("SNI '{s}' sent, as API Gateway does for DNS names"),
        (None, None) => format!(
            "no SNI sent: API Gateway (Java) sends none for '{bare}' (IP literal or single-label name)"
        ),
    };

    let presented = match probe(bare, port, primary_sni, timeout) {
        Ok(p) => p,
        Err(np) => return net_report(host, port, primary_sni, np, &sni_note),
    };
    let mut rep = check_ders(presented.certs.clone(), verify_name, Some(port), now, opts)?;
    rep.host = host.to_string();
    rep.protocol = presented.protocol.clone();
    rep.sni = presented.sni.clone();

    // Which SNI was sent decides which certificate a multi-certificate server returns.
    for p in rep
        .problem_details
        .iter_mut()
        .filter(|p| p.id == ids::HOSTNAME_MISMATCH)
    {
        p.summary.push_str(&format!(" [{sni_note}]"));
    }
    let mut extra_rules = Vec::new();
    match &presented.handshake_error {
        None => extra_rules.push(RuleResult {
            rule: "handshake".into(),
            outcome: Outcome::Pass,
            detail: format!(
                "{} {} with {} in {} ms; {sni_note}",
                presented.protocol.as_deref().unwrap_or("TLS"),
                presented.cipher_suite.as_deref().unwrap_or(""),
                presented.peer,
                presented.elapsed.as_millis()
            ),
        }),
        Some(err) => {
            // An RSA key under 2048 bits cannot sign a handshake rustls accepts: the weak-key
            // problem already explains that failure.
            let explained = rep
                .chain
                .first()
                .is_some_and(|c| c.key.algorithm.starts_with("RSA") && c.key.bits < 2048)
                && err.contains("BadSignature");
            let summary = format!(
                "handshake with {} failed after the certificate chain was received: {err}",
                presented.peer
            );
            if !explained {
                rep.problem_details.push(Problem {
                    id: ids::CONNECTION_CLOSED.into(),
                    severity: Severity::Error,
                    cert_index: None,
                    summary: summary.clone(),
                    remedy: "Check that the server's private key matches its certificate and that it signs with RSA-2048+ or ECDSA.".into(),
                });
            }
            extra_rules.push(RuleResult {
                rule: "handshake".into(),
                outcome: Outcome::Fail,
                detail: if explained {
                    format!(
                        "{summary} (explained by the leaf's RSA key under 2048 bits); {sni_note}"
                    )
                } else {
                    format!("{summary}; {sni_note}")
                },
            });
        }
    }

    // Compare with the other SNI choice.
    let other_sni: Option<Option<&str>> = match primary_sni {
        Some(_) => Some(None),
        None if bare.parse::<std::net::IpAddr>().is_err() => Some(Some(bare)),
        None => None,
    };
    if let Some(alt) = other_sni {
        let alt_desc = alt
            .map(|s| format!("SNI '{s}'"))
            .unwrap_or_else(|| "no SNI".into());
        let cmp = match probe(bare, port, alt, timeout) {
            Ok(p) => {
                let same = p.certs == presented.certs;
                SniComparison {
                    sni: alt.map(str::to_string),
                    same_chain: Some(same),
                    leaf: if same {
                        None
                    } else {
                        p.certs.first().and_then(|d| cert::parse_der(d).ok())
                    },
                    error: None,
                }
            }
            Err(e) => SniComparison {
                sni: alt.map(str::to_string),
                same_chain: None,
                leaf: None,
                error: Some(e.to_string()),
            },
        };
        let detail = match (&cmp.same_chain, &cmp.leaf, &cmp.error) {
            (Some(true), _, _) => format!("same chain with {alt_desc}"),
            (Some(false), leaf, _) => format!(
                "with {alt_desc} the server returns a different certificate ({}); API Gateway's handshake is the judged one ({sni_note})",
                leaf.as_ref().map(|l| l.subject.as_str()).unwrap_or("unparsable")
            ),
            (None, _, Some(e)) => format!("with {alt_desc} the handshake fails: {e}; API Gateway's handshake is the judged one ({sni_note})"),
            (None, _, None) => format!("with {alt_desc}: no result"),
        };
        // A difference matters only through the judged handshake, which already carries any
        // hostname problem; surface it on that problem so the cause is visible.
        if cmp.same_chain == Some(false) || cmp.error.is_some() {
            for p in rep
                .problem_details
                .iter_mut()
                .filter(|p| p.id == ids::HOSTNAME_MISMATCH)
            {
                p.summary.push_str(&format!(" [{detail}]"));
            }
        }
        extra_rules.push(RuleResult {
            rule: "sni".into(),
            outcome: Outcome::Pass,
            detail,
        });
        rep.sni_comparison = Some(cmp);
    } else {
        extra_rules.push(RuleResult {
            rule: "sni".into(),
            outcome: Outcome::NotApplicable,
            detail: sni_note.clone(),
        });
    }
    rep.rules.extend(extra_rules);
    finalize(&mut rep);
    Ok(rep)
}

/// Re-derive verdict and id list after problems were added.
fn finalize(rep: &mut TlsReport) {
    rep.problem_details
        .sort_by_key(|p| std::cmp::Reverse(p.severity));
    rep.problems = rep.problem_details.iter().map(|p| p.id.clone()).collect();
    rep.verdict = VerdictKind::from_problems(&rep.problem_details)
        .as_str()
        .to_string();
}

/// A report for a handshake that produced no chain.
fn net_report(
    host: &str,
    port: u16,
    sni: Option<&str>,
    np: NetProblem,
    sni_note: &str,
) -> Result<TlsReport, TlsError> {
    let target = format!("{host}:{port}");
    let (id, severity, summary, remedy) = match &np {
        NetProblem::Timeout { phase, after, bytes_received } => (
            ids::HANDSHAKE_TIMEOUT,
            Severity::Error,
            format!("{target}: {phase} within {:.1}s ({bytes_received} bytes received)", after.as_secs_f64()),
            "Check security groups/NACLs and that the port is a TLS listener; an NLB TCP listener to a dead target, or a non-TLS port, hangs like this. API Gateway allows ports 80, 443 and 1024-65535.",
        ),
        NetProblem::NotTls { preview } => (
            ids::NOT_TLS,
            Severity::Error,
            format!("{target} speaks plaintext, not TLS: it answered {preview:?}"),
            "Use an http:// integration URI for this port, or point https:// at the TLS port (80/443/1024-65535 only).",
        ),
        NetProblem::Malformed { detail } => (
            ids::NOT_TLS,
            Severity::Error,
            format!("{target} did not complete a valid TLS handshake: {detail}"),
            "Check that the port is a TLS listener.",
        ),
        NetProblem::Oversized { bytes_received } => (
            ids::CHAIN_TOO_LARGE,
            Severity::Error,
            format!("{target} is a TLS server, but after its ServerHello it sent a handshake message over 64 KiB ({bytes_received} bytes received before stopping): an oversized certificate chain. Java clients such as API Gateway's refuse handshake messages over 32 KiB by default (jdk.tls.maxHandshakeMessageSize); no chain was captured"),
            "Serve only the leaf and its intermediates (a few KiB): remove duplicate, unrelated and root certificates from the server's certificate file.",
        ),
        NetProblem::Closed { detail } => (
            ids::CONNECTION_CLOSED,
            Severity::Error,
            format!("{target}: peer closed the connection during the handshake ({detail}); {sni_note}"),
            "Often the server's SNI or cipher policy: check its logs, and compare with `gwdoctor ssl --sni NAME` or a TLS 1.2 client.",
        ),
        NetProblem::OldVersion { detail } => (
            ids::OLD_TLS_VERSION,
            Severity::Error,
            format!("{target} accepts neither TLS 1.2 nor TLS 1.3 ({detail}): likely a TLS 1.0/1.1-only server; no certificate chain was captured"),
            "Enable TLS 1.2 (and 1.3) on the backend. API Gateway's backend TLS versions are undocumented, but current Java clients disable TLS 1.0/1.1.",
        ),
        NetProblem::Alert { alert } => {
            let cannot_negotiate = matches!(alert.as_str(), "HandshakeFailure" | "InsufficientSecurity");
            if cannot_negotiate {
                (
                    ids::CONNECTION_CLOSED,
                    Severity::Warning,
                    format!("{target} rejected rustls's offer with alert {alert}: could not test with rustls (it offers only TLS 1.3 and TLS 1.2 ECDHE with AES-GCM/ChaCha20); a Java client may still succeed"),
                    "Check the backend's cipher configuration; enabling TLS 1.2 ECDHE-GCM suites makes it testable and is recommended anyway.",
                )
            } else {
                (
                    ids::CONNECTION_CLOSED,
                    Severity::Error,
                    format!("{target} aborted the handshake with alert {alert}; {sni_note}"),
                    if sni.is_none() {
                        "The server seems to require SNI. API Gateway sends none for an IP-literal host: use a DNS name in the integration URI, or give the server a default certificate."
                    } else {
                        "Check which names the server's SNI configuration accepts."
                    },
                )
            }
        }
        NetProblem::Resolve { .. } | NetProblem::Connect { .. } | NetProblem::Local(_) => {
            return Err(TlsError::Network(np))
        }
    };
    let problem = Problem {
        id: id.to_string(),
        severity,
        cert_index: None,
        summary,
        remedy: remedy.to_string(),
    };
    let mut rep = TlsReport {
        host: host.to_string(),
        port: Some(port),
        verdict: String::new(),
        problems: Vec::new(),
        problem_details: vec![problem],
        rules: vec![RuleResult {
            rule: "handshake".into(),
            outcome: if severity == Severity::Error {
                Outcome::Fail
            } else {
                Outcome::Warn
            },
            detail: np.to_string(),
        }],
        chain: Vec::new(),
        protocol: None,
        sni: sni.map(str::to_string),
        sni_comparison: None,
    };
    finalize(&mut rep);
    Ok(rep)
}
