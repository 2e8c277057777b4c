//! The verdict: would API Gateway (a Java/PKIX client with AWS's CA list) accept this
//! certificate chain for this host? Pure: the chain, the host, `now` and the options in,
//! problems and per-rule outcomes out.
//!
//! The rules follow AWS's knowledge-center article for "General SSLEngine problem" (supported
//! CA, not expired, chain order leaf → intermediate(s) → root, key not over 2048 bits) and the
//! `insecureSkipVerification` documentation. Where AWS is silent the judge models the JDK
//! (no AIA fetching, SHA-1 disabled below a root, hostname rules of Apache HttpClient).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::apigw_cas::{mozilla_roots, CaList, KnownRoot, MOZILLA_LABEL};
use super::cert::{names_match, verify_issued_by, CertInfo, SigCheck};

/// Problem ids (stable; the JSON `problems` array and `--fail-on` use them).
pub mod ids {
    pub const EXPIRED: &str = "expired";
    pub const NOT_YET_VALID: &str = "not-yet-valid";
    pub const EXPIRING_SOON: &str = "expiring-soon";
    pub const SELF_SIGNED: &str = "self-signed";
    pub const UNTRUSTED_ROOT: &str = "untrusted-root";
    pub const MISSING_INTERMEDIATE: &str = "missing-intermediate";
    pub const WRONG_ORDER: &str = "wrong-order";
    pub const EXTRA_CERT: &str = "extra-cert";
    pub const KEY_TOO_LARGE: &str = "key-too-large";
    pub const WEAK_KEY: &str = "weak-key";
    pub const SHA1_SIGNATURE: &str = "sha1-signature";
    pub const HOSTNAME_MISMATCH: &str = "hostname-mismatch";
    pub const HANDSHAKE_TIMEOUT: &str = "handshake-timeout";
    pub const NOT_TLS: &str = "not-tls";
    pub const CONNECTION_CLOSED: &str = "connection-closed";
    pub const OLD_TLS_VERSION: &str = "old-tls-version";
    /// Not in the original list: a TLS server whose certificate chain is too large
    /// to receive (rustls stops at 64 KiB; Java at 32 KiB by default).
    pub const CHAIN_TOO_LARGE: &str = "chain-too-large";
}

/// The crate-wide severity (info < warning < error): FAIL → error, WARN → warning, INFO → info.
pub use crate::finding::Severity;

/// Overall answer: FAIL = API Gateway will reject (documented or near certain), WARN = a
/// documented limit of uncertain scope or a likely failure, PASS = nothing found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictKind {
    Pass,
    Warn,
    Fail,
}

impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Pass => "pass",
            VerdictKind::Warn => "warn",
            VerdictKind::Fail => "fail",
        }
    }

    /// Worst severity among problems → verdict.
    pub fn from_problems(problems: &[Problem]) -> VerdictKind {
        match problems.iter().map(|p| p.severity).max() {
            Some(Severity::Error) => VerdictKind::Fail,
            Some(Severity::Warning) => VerdictKind::Warn,
            _ => VerdictKind::Pass,
        }
    }
}

/// One thing wrong (or worth knowing) about the chain or the connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// One of [`ids`].
    pub id: String,
    pub severity: Severity,
    /// Position in the chain as the server sent it (0 = leaf), when one certificate is at fault.
    pub cert_index: Option<usize>,
    /// One line, with numbers and the subject.
    pub summary: String,
    /// What to do about it.
    pub remedy: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    #[serde(rename = "pass")]
    Pass,
    #[serde(rename = "warn")]
    Warn,
    #[serde(rename = "fail")]
    Fail,
    #[serde(rename = "n/a")]
    NotApplicable,
}

/// How one rule came out, including passes (so the report shows what *was* checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleResult {
    pub rule: String,
    pub outcome: Outcome,
    pub detail: String,
}

/// The judge's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub verdict: VerdictKind,
    pub problems: Vec<Problem>,
    pub rules: Vec<RuleResult>,
}

/// Knobs from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// Warn when a certificate expires within this many days (default 30).
    pub warn_days: i64,
    /// Model API Gateway's `tlsConfig.insecureSkipVerification`: drop only the "supported CA"
    /// requirement; still check dates, hostname, and that a root with keyUsage keyCertSign
    /// and basicConstraints CA:TRUE is present.
    pub insecure_skip_verification: bool,
    /// `--ca-file` certificates (DER). They count as trusted anchors *in addition* to the
    /// list, which is how a private root is made known for a what-if check.
    pub extra_anchors: Vec<Vec<u8>>,
    /// With `--ca-file`: trust only those anchors and ignore the CA list.
    pub anchors_replace_list: bool,
    /// `--ca-list`: a replacement for the published fingerprint list.
    pub ca_list: Option<CaList>,
    /// Root certificate bodies used to find a root the server did not send and to say
    /// "browsers trust this root". `None` = Mozilla's store from `webpki-root-certs`.
    pub known_roots: Option<Vec<Vec<u8>>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            warn_days: 30,
            insecure_skip_verification: false,
            extra_anchors: Vec::new(),
            anchors_replace_list: false,
            ca_list: None,
            known_roots: None,
        }
    }
}

// Rule names, in report order.
const RULE_CA: &str = "supported-ca";
const RULE_VALIDITY: &str = "validity";
const RULE_ORDER: &str = "chain-order";
const RULE_KEY: &str = "key";
const RULE_SIGNATURE: &str = "signature";
const RULE_HOSTNAME: &str = "hostname";
const RULE_ROOT_CONSTRAINTS: &str = "root-constraints";

/// Where the chain found its trust anchor.
#[derive(Debug, Clone)]
enum Anchor {
    /// The server sent the anchor itself, at this chain index.
    Sent { index: usize, why: String },
    /// The anchor was not sent; it signed chain[`below`].
    NotSent {
        root: KnownRoot,
        below: usize,
        why: String,
    },
}

struct Ctx<'a> {
    chain: &'a [CertInfo],
    ders: &'a [Vec<u8>],
    list: &'a CaList,
    opts: &'a Options,
    ca_file: Vec<KnownRoot>,
    known: Vec<KnownRoot>,
    found: Vec<(&'static str, Problem)>,
    notes: Vec<(&'static str, String)>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        rule: &'static str,
        id: &str,
        severity: Severity,
        cert_index: Option<usize>,
        summary: String,
        remedy: impl Into<String>,
    ) {
        self.found.push((
            rule,
            Problem {
                id: id.to_string(),
                severity,
                cert_index,
                summary,
                remedy: remedy.into(),
            },
        ));
    }

    fn note(&mut self, rule: &'static str, text: impl Into<String>) {
        self.notes.push((rule, text.into()));
    }

    /// Is this exact certificate a trust anchor (listed, or given with --ca-file)?
    fn anchor_reason(&self, sha256: &str) -> Option<String> {
        if self.ca_file.iter().any(|r| r.sha256 == sha256) {
            return Some("given with --ca-file".into());
        }
        if !self.opts.anchors_replace_list {
            let aliases = self.list.aliases(sha256);
            if !aliases.is_empty() {
                return Some(format!("listed as {}", aliases.join(", ")));
            }
        }
        None
    }

    /// A trusted root the server did not send that signed `chain[i]`.
    fn unsent_anchor_for(&self, i: usize) -> Option<(KnownRoot, String)> {
        let c = &self.chain[i];
        let candidates = self
            .ca_file
            .iter()
            .map(|r| (r, "given with --ca-file".to_string()))
            .chain(self.known.iter().filter_map(|r| {
                if self.opts.anchors_replace_list {
                    return None;
                }
                let aliases = self.list.aliases(&r.sha256);
                (!aliases.is_empty()).then(|| {
                    (
                        r,
                        format!(
                            "listed as {}; certificate body from {MOZILLA_LABEL}",
                            aliases.join(", ")
                        ),
                    )
                })
            }));
        for (root, why) in candidates {
            if root.is_named(&c.issuer_raw) && self.signed_by(i, &root.der) != SigCheck::Invalid {
                return Some((root.clone(), why));
            }
        }
        None
    }

    /// Any known root (trusted or not) that signed `chain[i]`: used to explain an
    /// untrusted chain ("ends at a Mozilla root that AWS does not list").
    fn any_root_for(&self, i: usize) -> Option<(KnownRoot, &'static str)> {
        let c = &self.chain[i];
        let ca = self.ca_file.iter().map(|r| (r, "--ca-file"));
        let known = self.known.iter().map(|r| (r, MOZILLA_LABEL));
        for (root, src) in ca.chain(known) {
            if root.is_named(&c.issuer_raw) && self.signed_by(i, &root.der) != SigCheck::Invalid {
                return Some((root.clone(), src));
            }
        }
        None
    }

    fn signed_by(&self, child: usize, issuer_der: &[u8]) -> SigCheck {
        match self.ders.get(child) {
            Some(d) => verify_issued_by(d, issuer_der),
            None => SigCheck::Unsupported,
        }
    }
}

/// Judge a presented chain (leaf first, in the order the server sent it). `ders[i]` must
/// be the DER of `chain[i]`. `host` is the name API Gateway verifies (integration host or
/// `serverNameToVerify`).
pub fn judge(
    chain: &[CertInfo],
    ders: &[Vec<u8>],
    host: &str,
    now: DateTime<Utc>,
    opts: &Options,
) -> Verdict {
    let list = opts.ca_list.as_ref().unwrap_or_else(|| CaList::published());
    let known = match &opts.known_roots {
        Some(v) => v.iter().filter_map(|d| KnownRoot::from_der(d)).collect(),
        None => mozilla_roots().to_vec(),
    };
    let mut ctx = Ctx {
        chain,
        ders,
        list,
        opts,
        ca_file: opts
            .extra_anchors
            .iter()
            .filter_map(|d| KnownRoot::from_der(d))
            .collect(),
        known,
        found: Vec::new(),
        notes: Vec::new(),
    };
    if chain.is_empty() {
        ctx.push(
            RULE_CA,
            ids::UNTRUSTED_ROOT,
            Severity::Error,
            None,
            "no certificate was presented, so nothing chains to a supported CA".into(),
            "Configure the backend to send its certificate chain.",
        );
        return finish(ctx);
    }

    let path = build_path(&ctx);
    let anchor = find_anchor(&ctx, &path);
    // Certificates API Gateway validates: the path below the trust anchor (the leaf at
    // least). Those above it (a sent root, a cross-sign) are not used by a PKIX client.
    let pos_of = |idx: usize| path.iter().position(|&i| i == idx);
    let cut = match &anchor {
        Some(Anchor::Sent { index, .. }) => pos_of(*index).unwrap_or(path.len()).max(1),
        Some(Anchor::NotSent { below, .. }) => pos_of(*below).map_or(path.len(), |p| p + 1),
        None => {
            let top_is_root = path.len() > 1 && path.last().is_some_and(|&i| chain[i].self_signed);
            path.len() - usize::from(top_is_root)
        }
    };
    let judged: Vec<usize> = path[..cut].to_vec();
    let above: Vec<usize> = path[cut..].to_vec();

    for &i in above.iter().filter(|&&i| !chain[i].self_signed) {
        let text = format!(
            "certificate #{i} {} (issued by '{}') sits above the trust anchor, probably a cross-sign; API Gateway does not need it",
            short(&chain[i]),
            chain[i].issuer
        );
        ctx.note(RULE_ORDER, text);
    }
    let gap = check_trust(&mut ctx, &path, anchor.as_ref());
    check_order(&mut ctx, &path, gap);
    check_validity(&mut ctx, &judged, &above, now);
    check_keys(&mut ctx, &judged);
    check_signatures(&mut ctx, &judged, &path);
    check_hostname(&mut ctx, host);
    finish(ctx)
}

/// Follow issuer names from the leaf through the presented certificates. A candidate must
/// carry the issuer's name and (where the algorithm can be checked) its key must verify the
/// child's signature; the next certificate in sent order is preferred, as Java would find it.
fn build_path(ctx: &Ctx<'_>) -> Vec<usize> {
    let chain = ctx.chain;
    let mut path = vec![0usize];
    while let Some(&cur) = path.last() {
        if chain[cur].self_signed || path.len() > chain.len() {
            break;
        }
        let mut best: Option<(usize, bool)> = None; // (index, signature verified)
        for j in 0..chain.len() {
            if path.contains(&j) || !names_match(&chain[j].subject_raw, &chain[cur].issuer_raw) {
                continue;
            }
            let verified = match ctx.ders.get(j) {
                Some(issuer_der) => ctx.signed_by(cur, issuer_der),
                None => SigCheck::Unsupported,
            };
            if verified == SigCheck::Invalid {
                continue;
            }
            let ok = verified == SigCheck::Valid;
            let better = match best {
                None => true,
                Some((b, bok)) => (ok && !bok) || (ok == bok && j == cur + 1 && b != cur + 1),
            };
            if better {
                best = Some((j, ok));
            }
        }
        match best {
            Some((j, _)) => path.push(j),
            None => break,
        }
    }
    path
}

/// Walk up the path like PKIX: the first certificate that is itself an anchor, or whose
/// issuer is an anchor we hold a body for, ends the path.
fn find_anchor(ctx: &Ctx<'_>, path: &[usize]) -> Option<Anchor> {
    for &i in path {
        if let Some(why) = ctx.anchor_reason(&ctx.chain[i].sha256) {
            return Some(Anchor::Sent { index: i, why });
        }
        if ctx.chain[i].self_signed {
            return None;
        }
        if let Some((root, why)) = ctx.unsent_anchor_for(i) {
            // The server may have sent that very root further up: say so.
            if let Some(index) = path
                .iter()
                .copied()
                .find(|&j| ctx.chain[j].sha256 == root.sha256)
            {
                return Some(Anchor::Sent { index, why });
            }
            return Some(Anchor::NotSent {
                root,
                below: i,
                why,
            });
        }
    }
    None
}

/// The root an untrusted chain ends at (sent, or a known body that signed the top cert).
struct EndsAt {
    name: String,
    sha256: String,
    is_ca: bool,
    key_cert_sign: bool,
    /// Where its body came from when not sent (`--ca-file`, Mozilla) or "" when sent and unknown.
    source: &'static str,
    /// Chain index when the server sent it.
    index: Option<usize>,
}

fn short(c: &CertInfo) -> String {
    match c.common_names.first() {
        Some(cn) => format!("CN={cn}"),
        None if c.subject.is_empty() => "(empty subject)".into(),
        None => c.subject.clone(),
    }
}

fn root_constraint_gaps(is_ca: bool, key_cert_sign: bool) -> Vec<&'static str> {
    let mut gaps = Vec::new();
    if !is_ca {
        gaps.push("basicConstraints CA:TRUE");
    }
    if !key_cert_sign {
        gaps.push("keyUsage keyCertSign");
    }
    gaps
}

const REMEDY_PUBLIC_CA: &str = "Use a certificate from a CA on API Gateway's supported list (e.g. ACM public, Let's Encrypt via ISRG Root X1, DigiCert, Sectigo/USERTrust), or for REST HTTP/HTTP_PROXY integrations set tlsConfig.insecureSkipVerification=true with a private root that has keyUsage keyCertSign and basicConstraints CA:TRUE.";

/// Supported-CA rule (and the insecureSkipVerification root rule). Returns whether a
/// missing intermediate was reported, so the order rule does not also call the stranded
/// certificates "extra".
fn check_trust(ctx: &mut Ctx<'_>, path: &[usize], anchor: Option<&Anchor>) -> bool {
    let chain = ctx.chain;
    let insecure = ctx.opts.insecure_skip_verification;
    let described = if ctx.opts.anchors_replace_list {
        "the --ca-file anchors (CA list ignored)".to_string()
    } else {
        ctx.list.describe()
    };
    let top = *path.last().unwrap_or(&0);

    if let Some(a) = anchor {
        let text = match a {
            Anchor::Sent { index, why } => format!(
                "path reaches certificate #{index} {} (SHA-256 {}), {why}; it was sent by the server",
                short(&chain[*index]),
                chain[*index].sha256
            ),
            Anchor::NotSent { root, below, why } => format!(
                "path reaches {} (SHA-256 {}), {why}; certificate #{below} is signed by it and the server does not send the root (normal)",
                root.subject, root.sha256
            ),
        };
        ctx.note(RULE_CA, text);
        ctx.note(
            RULE_ROOT_CONSTRAINTS,
            if insecure {
                "n/a: the chain reaches a supported CA, so the private-root constraints do not apply"
            } else {
                "n/a: insecureSkipVerification is off"
            },
        );
        return false;
    }

    // Not trusted. Find the root this chain ends at, if any, for the explanation.
    let leaf_self_signed = chain[0].self_signed;
    let ends_at: Option<EndsAt> = if chain[top].self_signed {
        let c = &chain[top];
        let in_mozilla = ctx.known.iter().any(|r| r.sha256 == c.sha256);
        Some(EndsAt {
            name: short(c),
            sha256: c.sha256.clone(),
            is_ca: c.is_ca,
            key_cert_sign: c.key_cert_sign,
            source: if in_mozilla { MOZILLA_LABEL } else { "" },
            index: Some(top),
        })
    } else {
        ctx.any_root_for(top).and_then(|(r, source)| {
            let (_, parsed) = x509_parser::parse_x509_certificate(&r.der).ok()?;
            Some(EndsAt {
                name: r.subject.clone(),
                sha256: r.sha256.clone(),
                is_ca: parsed.is_ca(),
                key_cert_sign: matches!(parsed.key_usage(), Ok(Some(ku)) if ku.value.key_cert_sign()),
                source,
                index: None,
            })
        })
    };

    if insecure {
        let Some(EndsAt {
            name,
            sha256: fp,
            is_ca,
            key_cert_sign: kcs,
            index: idx,
            ..
        }) = ends_at
        else {
            ctx.push(
                RULE_ROOT_CONSTRAINTS,
                ids::UNTRUSTED_ROOT,
                Severity::Error,
                Some(top),
                format!(
                    "insecureSkipVerification: no root certificate for {} (issuer '{}'): the server does not send it and it was not given with --ca-file",
                    short(&chain[top]),
                    chain[top].issuer
                ),
                "API Gateway still requires a root CA to be present: send the full chain including the root, or pass the root with --ca-file to check it.",
            );
            ctx.note(RULE_CA, "not required: insecureSkipVerification is on");
            return false;
        };
        ctx.note(RULE_CA, "not required: insecureSkipVerification is on");
        let gaps = root_constraint_gaps(is_ca, kcs);
        let root_is_leaf = idx == Some(0);
        if gaps.is_empty() {
            ctx.note(
                RULE_ROOT_CONSTRAINTS,
                format!("root {name} (SHA-256 {fp}) has basicConstraints CA:TRUE and keyUsage keyCertSign"),
            );
            if root_is_leaf {
                ctx.push(
                    RULE_ROOT_CONSTRAINTS,
                    ids::SELF_SIGNED,
                    Severity::Info,
                    Some(0),
                    format!("self-signed certificate {name}, accepted only because insecureSkipVerification is on"),
                    "Fine for a private backend; a certificate from a supported CA avoids the MITM risk AWS warns about.",
                );
            }
        } else {
            let id = if root_is_leaf {
                ids::SELF_SIGNED
            } else {
                ids::UNTRUSTED_ROOT
            };
            ctx.push(
                RULE_ROOT_CONSTRAINTS,
                id,
                Severity::Error,
                idx,
                format!(
                    "root {name} (SHA-256 {fp}) lacks {}, which insecureSkipVerification requires of a private root",
                    gaps.join(" and ")
                ),
                "Reissue the private root with basicConstraints CA:TRUE and keyUsage keyCertSign (and sign the server certificate with it).",
            );
        }
        return false;
    }
    ctx.note(
        RULE_ROOT_CONSTRAINTS,
        "n/a: insecureSkipVerification is off",
    );

    if leaf_self_signed {
        ctx.push(
            RULE_CA,
            ids::SELF_SIGNED,
            Severity::Error,
            Some(0),
            format!(
                "self-signed certificate {} (SHA-256 {}), not from a supported CA; API Gateway fails with 'PKIX path building failed ... unable to find valid certification path'",
                short(&chain[0]),
                chain[0].sha256
            ),
            REMEDY_PUBLIC_CA,
        );
        return false;
    }

    if let Some(EndsAt {
        name,
        sha256: fp,
        source: src,
        index: idx,
        ..
    }) = ends_at
    {
        let where_ = match idx {
            Some(i) => format!("sent as certificate #{i}"),
            None => format!("not sent; its certificate is in {src}"),
        };
        let trusted_elsewhere = if src == MOZILLA_LABEL {
            " It is in Mozilla's root store, so browsers trust it, but the CA list does not include it."
        } else {
            ""
        };
        ctx.push(
            RULE_CA,
            ids::UNTRUSTED_ROOT,
            Severity::Error,
            idx,
            format!(
                "chain ends at root {name} ({where_}) with SHA-256 {fp}, which is not in {described}.{trusted_elsewhere}"
            ),
            if src == MOZILLA_LABEL {
                "Serve a chain that reaches a listed root (often a cross-signed intermediate to an older root, e.g. ISRG Root X1 or a USERTrust/DigiCert root); compare with `openssl x509 -fingerprint -sha256`."
            } else {
                REMEDY_PUBLIC_CA
            },
        );
        return false;
    }

    // The top certificate's issuer is neither sent nor known.
    let c = &chain[top];
    let known_listed = ctx
        .known
        .iter()
        .filter(|r| ctx.list.contains_sha256(&r.sha256))
        .count();
    let stranded: Vec<usize> = (0..chain.len()).filter(|i| !path.contains(i)).collect();
    let aia = c
        .ca_issuers_urls
        .first()
        .map(|u| format!(" (its AIA caIssuers URL is {u})"))
        .unwrap_or_default();
    if path.len() == 1 || !stranded.is_empty() {
        let what = if chain.len() == 1 {
            "server sends only the leaf".to_string()
        } else {
            let listed: Vec<String> = stranded
                .iter()
                .map(|i| format!("#{i} {}", short(&chain[*i])))
                .collect();
            if listed.is_empty() {
                format!("certificate #{top} {} has no issuer in the chain", short(c))
            } else {
                format!(
                    "certificate #{top} {} has no issuer in the chain; {} not connected",
                    short(c),
                    listed.join(", ")
                )
            }
        };
        ctx.push(
            RULE_ORDER,
            ids::MISSING_INTERMEDIATE,
            Severity::Error,
            Some(top),
            format!(
                "{what}; issuer '{}' is missing{aia}. Browsers may fetch it via AIA, API Gateway (Java) does not",
                c.issuer
            ),
            "Configure the server to send the full chain: leaf, then every intermediate (e.g. nginx ssl_certificate = fullchain.pem; ACM/ALB do this automatically).",
        );
        // Not a pass: without the issuer the CA rule cannot be judged (the failure is
        // counted once, under chain-order).
        ctx.note(
            RULE_CA,
            format!(
                "n/a: cannot be judged, issuer '{}' is missing (see chain-order)",
                c.issuer
            ),
        );
        return true;
    }
    ctx.push(
        RULE_CA,
        ids::UNTRUSTED_ROOT,
        Severity::Error,
        Some(top),
        format!(
            "chain ends at #{top} {} issued by '{}', which is neither sent nor a root gwdoctor has a certificate for ({} of the list's {} certificates are known here; if it is a listed root, pass it with --ca-file to confirm)",
            short(c),
            c.issuer,
            known_listed,
            ctx.list.distinct_sha256_count()
        ),
        "If that issuer is a private root, pass it with --ca-file to check the rest of the chain, and see the supported-CA remedy; if it is an intermediate, send it.",
    );
    false
}

/// The KC article's manual check: each certificate's issuer is the next one's subject;
/// unrelated certificates are flagged.
fn check_order(ctx: &mut Ctx<'_>, path: &[usize], missing_reported: bool) {
    let chain = ctx.chain;
    // A server that sends its own certificate after a CA certificate (reversed chain).
    let misplaced_leaf = (1..chain.len()).find(|&j| {
        !chain[j].is_ca
            && chain[0].is_ca
            && names_match(&chain[j].issuer_raw, &chain[0].subject_raw)
    });
    if let Some(j) = misplaced_leaf {
        ctx.push(
            RULE_ORDER,
            ids::WRONG_ORDER,
            Severity::Error,
            Some(0),
            format!(
                "certificate #0 is the CA certificate {}; the server's own certificate {} is sent as #{j}. Order must be leaf → intermediate(s) → root",
                short(&chain[0]),
                short(&chain[j])
            ),
            "Put the server certificate first, then the intermediates, in the server's certificate file.",
        );
    }
    let in_order = path.iter().enumerate().all(|(pos, &i)| pos == i);
    if !in_order {
        let pos = path
            .iter()
            .enumerate()
            .position(|(pos, &i)| pos != i)
            .unwrap_or(1);
        let child = path[pos - 1];
        let sent_next = chain
            .get(child + 1)
            .map(|c| format!("#{} is {}", child + 1, short(c)))
            .unwrap_or_default();
        ctx.push(
            RULE_ORDER,
            ids::WRONG_ORDER,
            Severity::Error,
            Some(child + 1),
            format!(
                "certificate #{child} {} is issued by {} which is sent as #{}, but {sent_next}; order must be leaf → intermediate(s) → root (AWS KC api-gateway-ssl-error)",
                short(&chain[child]),
                short(&chain[path[pos]]),
                path[pos]
            ),
            "Reorder the chain file: leaf, then its issuer, then that issuer's issuer. OpenSSL and browsers tolerate the wrong order; API Gateway's documented check does not.",
        );
    }
    if !missing_reported {
        for i in 0..chain.len() {
            if path.contains(&i) || Some(i) == misplaced_leaf {
                continue;
            }
            let dup = path.iter().any(|&p| chain[p].sha256 == chain[i].sha256);
            let why = if dup {
                "a duplicate of a certificate already in the path"
            } else {
                "not part of the path from the leaf"
            };
            ctx.push(
                RULE_ORDER,
                ids::EXTRA_CERT,
                Severity::Warning,
                Some(i),
                format!("certificate #{i} {} is {why}", short(&chain[i])),
                "Remove certificates that are not in the leaf's chain from the server's certificate file.",
            );
        }
    }
    if !ctx.found.iter().any(|(r, _)| *r == RULE_ORDER) {
        let root_sent = path.last().is_some_and(|&i| chain[i].self_signed && i != 0);
        let text = if chain.len() == 1 && chain[0].self_signed {
            "a single self-signed certificate".to_string()
        } else if chain.len() == 1 {
            "leaf only; its issuer is a root (not sent, which is normal)".to_string()
        } else if root_sent {
            format!(
                "{} certificates in order leaf → intermediate(s) → root (root sent, self-signed)",
                chain.len()
            )
        } else {
            format!("{} certificates in order leaf → intermediate(s); root not sent (normal: API Gateway uses its own copy)", chain.len())
        };
        ctx.note(RULE_ORDER, text);
    }
}

fn check_validity(ctx: &mut Ctx<'_>, judged: &[usize], above: &[usize], now: DateTime<Utc>) {
    let chain = ctx.chain;
    let warn_days = ctx.opts.warn_days;
    let mut nearest: Option<(i64, usize)> = None;
    let mut check = |ctx: &mut Ctx<'_>, i: usize, is_root: bool| {
        let c = &chain[i];
        let role = if i == 0 {
            "leaf"
        } else if is_root && c.self_signed {
            "root"
        } else if is_root {
            "certificate above the trust anchor"
        } else {
            "intermediate"
        };
        let sev = if is_root {
            Severity::Warning
        } else {
            Severity::Error
        };
        let root_note = if is_root {
            " (a PKIX client such as API Gateway's stops at its own trust anchor and ignores it, but stricter clients fail on it)"
        } else {
            ""
        };
        if now > c.not_after {
            ctx.push(
                RULE_VALIDITY,
                ids::EXPIRED,
                sev,
                Some(i),
                format!(
                    "{role} #{i} {} expired on {} ({} days ago){root_note}",
                    short(c),
                    c.not_after.format("%Y-%m-%d %H:%M:%S UTC"),
                    (now - c.not_after).num_days()
                ),
                if is_root {
                    "Stop sending the expired root; serve leaf + intermediates only."
                } else {
                    "Renew the certificate and deploy it with its full chain. API Gateway reports 'PKIX path validation failed ... validity check failed'."
                },
            );
        } else if now < c.not_before {
            ctx.push(
                RULE_VALIDITY,
                ids::NOT_YET_VALID,
                sev,
                Some(i),
                format!(
                    "{role} #{i} {} is not valid until {} (in {} days)",
                    short(c),
                    c.not_before.format("%Y-%m-%d %H:%M:%S UTC"),
                    (c.not_before - now).num_days()
                ),
                "Check the issuing host's clock, or wait until notBefore before deploying this certificate.",
            );
        } else if !is_root {
            let left = (c.not_after - now).num_days();
            if nearest.is_none_or(|(d, _)| left < d) {
                nearest = Some((left, i));
            }
            if left < warn_days {
                ctx.push(
                    RULE_VALIDITY,
                    ids::EXPIRING_SOON,
                    Severity::Warning,
                    Some(i),
                    format!(
                        "{role} #{i} {} expires in {left} days ({})",
                        short(c),
                        c.not_after.format("%Y-%m-%d")
                    ),
                    "Renew before it expires; check that automatic renewal is running.",
                );
            }
        }
    };
    for &i in judged {
        check(ctx, i, false);
    }
    for &i in above {
        check(ctx, i, true);
    }
    if let Some((d, i)) = nearest {
        ctx.note(RULE_VALIDITY, format!("earliest expiry: #{i} in {d} days"));
    }
}

fn check_keys(ctx: &mut Ctx<'_>, judged: &[usize]) {
    let chain = ctx.chain;
    let leaf = &chain[0];
    let k = &leaf.key;
    match k.algorithm.as_str() {
        "RSA" | "RSA-PSS" if k.bits > 2048 => ctx.push(
            RULE_KEY,
            ids::KEY_TOO_LARGE,
            Severity::Warning,
            Some(0),
            format!(
                "leaf {} key is {}; AWS KC api-gateway-ssl-error says the certificate 'can't exceed 2048 bits'",
                short(leaf),
                k.label()
            ),
            "If API Gateway reports 'General SSLEngine problem', reissue the certificate with an RSA-2048 or ECDSA P-256 key.",
        ),
        "RSA" | "RSA-PSS" if k.bits < 2048 => ctx.push(
            RULE_KEY,
            ids::WEAK_KEY,
            Severity::Error,
            Some(0),
            format!("leaf {} key is {}, below every current minimum (2048)", short(leaf), k.label()),
            "Reissue the certificate with an RSA-2048 or ECDSA P-256 key.",
        ),
        "RSA" | "RSA-PSS" => ctx.note(RULE_KEY, format!("leaf key {}", k.label())),
        "EC" if matches!(k.curve.as_deref(), Some("P-256" | "P-384")) => ctx.note(
            RULE_KEY,
            format!(
                "leaf key ECDSA {}; no documented API Gateway restriction, and its CA list includes ECDSA roots",
                k.curve.as_deref().unwrap_or_default()
            ),
        ),
        _ => ctx.push(
            RULE_KEY,
            ids::WEAK_KEY,
            Severity::Warning,
            Some(0),
            format!(
                "leaf {} key is {}, an uncommon key type for Java TLS servers (not weak, but possibly unsupported)",
                short(leaf),
                k.label()
            ),
            "Prefer ECDSA P-256/P-384 or RSA-2048 for a backend API Gateway calls.",
        ),
    }
    for &i in judged.iter().filter(|&&i| i != 0) {
        let c = &chain[i];
        if c.key.algorithm.starts_with("RSA") && c.key.bits < 2048 {
            ctx.push(
                RULE_KEY,
                ids::WEAK_KEY,
                Severity::Error,
                Some(i),
                format!(
                    "intermediate #{i} {} key is {}, below 2048 bits",
                    short(c),
                    c.key.label()
                ),
                "Use an intermediate CA with an RSA-2048+ or ECDSA key.",
            );
        }
    }
}

fn check_signatures(ctx: &mut Ctx<'_>, judged: &[usize], path: &[usize]) {
    let chain = ctx.chain;
    for &i in judged {
        let c = &chain[i];
        // A root's self-signature is not verified by anyone (roots are exempt, as in sslyze
        // and testssl); a self-signed leaf's is, so index 0 is never exempt.
        if i != 0 && c.self_signed {
            continue;
        }
        if let Some(h) = c.weak_hash {
            ctx.push(
                RULE_SIGNATURE,
                ids::SHA1_SIGNATURE,
                Severity::Error,
                Some(i),
                format!(
                    "certificate #{i} {} is signed with {} ({h}); modern JDK validators reject {h} below a CA root",
                    short(c),
                    c.signature
                ),
                "Reissue the certificate (and any SHA-1 intermediate) with a SHA-256 signature.",
            );
        }
    }
    if !ctx.found.iter().any(|(r, _)| *r == RULE_SIGNATURE) {
        let roots: Vec<String> = path
            .iter()
            .filter(|&&i| i != 0 && chain[i].self_signed && chain[i].weak_hash.is_some())
            .map(|&i| format!("#{i}"))
            .collect();
        let extra = if roots.is_empty() {
            String::new()
        } else {
            format!(
                "; root {} self-signed with SHA-1 (exempt)",
                roots.join(", ")
            )
        };
        let sigs: Vec<String> = judged
            .iter()
            .map(|&i| format!("#{i} {}", chain[i].signature))
            .collect();
        ctx.note(RULE_SIGNATURE, format!("{}{extra}", sigs.join(", ")));
    }
}

/// How the leaf matched the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMatch {
    Exact(String),
    Wildcard(String),
    CommonName(String),
    IpAddress(String),
    NoMatch,
}

/// RFC 6125 DNS-ID matching: case-insensitive, trailing dot ignored, `*` only as the whole
/// left-most label, covering exactly one label (so never the apex), and only with at least
/// two labels after it (`*.com` never matches).
pub fn dns_pattern_matches(pattern: &str, host: &str) -> bool {
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if p.is_empty() || h.is_empty() {
        return false;
    }
    match p.strip_prefix("*.") {
        Some(rest) => {
            if rest.contains('*') || rest.split('.').count() < 2 {
                return false;
            }
            match h.split_once('.') {
                Some((first, tail)) => !first.is_empty() && tail == rest,
                None => false,
            }
        }
        None => !p.contains('*') && p == h,
    }
}

/// Match the leaf against `host` the way API Gateway's client does (Apache HttpClient's
/// verifier): IP literals against IP SANs; DNS names against DNS SANs; the subject CN only
/// when the certificate has no SAN at all.
pub fn hostname_matches(leaf: &CertInfo, host: &str) -> HostMatch {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        for s in &leaf.san_ip {
            if s.parse::<IpAddr>().ok() == Some(ip) {
                return HostMatch::IpAddress(s.clone());
            }
        }
        if leaf.san_ip.is_empty()
            && leaf.san_dns.is_empty()
            && leaf.common_names.iter().any(|cn| cn == host)
        {
            return HostMatch::CommonName(host.to_string());
        }
        return HostMatch::NoMatch;
    }
    for s in &leaf.san_dns {
        if dns_pattern_matches(s, host) {
            return if s.starts_with("*.") {
                HostMatch::Wildcard(s.clone())
            } else {
                HostMatch::Exact(s.clone())
            };
        }
    }
    if leaf.san_dns.is_empty() && leaf.san_ip.is_empty() {
        if let Some(cn) = leaf
            .common_names
            .iter()
            .find(|cn| dns_pattern_matches(cn, host))
        {
            return HostMatch::CommonName(cn.clone());
        }
    }
    HostMatch::NoMatch
}

fn check_hostname(ctx: &mut Ctx<'_>, host: &str) {
    let leaf = &ctx.chain[0];
    match hostname_matches(leaf, host) {
        HostMatch::Exact(s) => ctx.note(RULE_HOSTNAME, format!("'{host}' matches SAN {s}")),
        HostMatch::IpAddress(s) => ctx.note(RULE_HOSTNAME, format!("'{host}' matches IP SAN {s}")),
        HostMatch::Wildcard(s) => ctx.note(
            RULE_HOSTNAME,
            format!("'{host}' matched via wildcard SAN {s} (covers one label only, not the apex)"),
        ),
        HostMatch::CommonName(cn) => ctx.note(
            RULE_HOSTNAME,
            format!("'{host}' matches only the subject CN {cn} (certificate has no SAN); API Gateway's verifier accepts this fallback, most modern clients do not"),
        ),
        HostMatch::NoMatch => {
            let mut names: Vec<String> = leaf.san_dns.clone();
            names.extend(leaf.san_ip.iter().map(|i| format!("IP:{i}")));
            ctx.push(
                RULE_HOSTNAME,
                ids::HOSTNAME_MISMATCH,
                Severity::Error,
                Some(0),
                format!(
                    "integration host '{host}' not in SAN [{}] of {}; API Gateway reports \"Host name '{host}' does not match the certificate subject provided by the peer ({})\"",
                    names.join(", "),
                    short(leaf),
                    leaf.subject
                ),
                "Point the integration at a name the certificate covers, or reissue it with that name as a SAN (a wildcard covers one label, not the apex).",
            );
        }
    }
}

fn finish(ctx: Ctx<'_>) -> Verdict {
    let order = [
        RULE_CA,
        RULE_VALIDITY,
        RULE_ORDER,
        RULE_KEY,
        RULE_SIGNATURE,
        RULE_HOSTNAME,
        RULE_ROOT_CONSTRAINTS,
    ];
    let mut rules = Vec::new();
    for rule in order {
        let probs: Vec<&Problem> = ctx
            .found
            .iter()
            .filter(|(r, _)| *r == rule)
            .map(|(_, p)| p)
            .collect();
        let notes: Vec<&str> = ctx
            .notes
            .iter()
            .filter(|(r, _)| *r == rule)
            .map(|(_, n)| n.as_str())
            .collect();
        let outcome = match probs.iter().map(|p| p.severity).max() {
            Some(Severity::Error) => Outcome::Fail,
            Some(Severity::Warning) => Outcome::Warn,
            Some(Severity::Info) => Outcome::Pass,
            None if notes.iter().any(|n| n.starts_with("n/a")) => Outcome::NotApplicable,
            None if notes.is_empty() => Outcome::NotApplicable,
            None => Outcome::Pass,
        };
        let mut parts: Vec<String> = probs.iter().map(|p| p.summary.clone()).collect();
        parts.extend(notes.iter().map(|n| n.to_string()));
        rules.push(RuleResult {
            rule: rule.to_string(),
            outcome,
            detail: parts.join("; "),
        });
    }
    let mut problems: Vec<Problem> = ctx.found.into_iter().map(|(_, p)| p).collect();
    // Worst first; the sort is stable, so rule order is kept within a severity.
    problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
    Verdict {
        verdict: VerdictKind::from_problems(&problems),
        problems,
        rules,
    }
}
