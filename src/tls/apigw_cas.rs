//! API Gateway's published list of supported backend CAs (alias, SHA-1, SHA-256), embedded
//! in the binary, plus the root certificates gwdoctor knows bodies for.
//!
//! AWS publishes only alias names and fingerprints, no certificates. A chain that *sends*
//! its root can be matched by fingerprint directly; a chain that omits the root (the normal
//! case) needs the root's body to confirm who signed the top certificate. Those bodies come
//! from `webpki-root-certs` (Mozilla's store): a listed fingerprint whose body is there can
//! be recognised even when the server does not send it. Listed roots that Mozilla no longer
//! ships (mostly retired ones) can only be matched when the server sends them.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::cert::{fingerprint_sha256, names_match};

/// The published list, one `alias<TAB>sha1<TAB>sha256` line per alias, as AWS ordered it.
/// Its `#` header records where it came from.
pub const PUBLISHED_LIST_TEXT: &str = include_str!("apigw-supported-cas.txt");

/// Where the embedded list comes from; printed with every trust verdict, because the live
/// AWS page may have changed since this snapshot.
pub const PUBLISHED_PROVENANCE: &str = "AWS API Gateway developer guide, \"API Gateway-supported \
certificate authorities for HTTP and HTTP proxy integrations\" (awsdocs/amazon-api-gateway-developer-guide \
commit fa382306b149c1a94c0b64eea6784035e7499d0a, 2022-01-24 snapshot)";

/// Short provenance for one-line summaries.
pub const PUBLISHED_LABEL: &str = "AWS docs snapshot 2022-01-24";

/// One alias of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaEntry {
    pub alias: String,
    /// Uppercase colon-hex, or empty when a custom list gives only SHA-256.
    pub sha1: String,
    /// Uppercase colon-hex.
    pub sha256: String,
}

/// A list of accepted CA fingerprints: the published one, or a replacement (`--ca-list`).
#[derive(Debug, Clone)]
pub struct CaList {
    entries: Vec<CaEntry>,
    /// SHA-256 → indices into `entries`, in list order (several aliases share a cert).
    by_sha256: HashMap<String, Vec<usize>>,
    provenance: String,
    /// Short form of the provenance for one-line summaries.
    label: String,
}

/// Why a CA list file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaListError {
    #[error("CA list line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error("CA list has no entries")]
    Empty,
}

impl CaList {
    /// Parse `alias<whitespace>fingerprint...` lines; `#` starts a comment. Each fingerprint
    /// is classified by length (40 hex digits = SHA-1, 64 = SHA-256), with or without
    /// colons, so a list copied from `keytool`/`openssl` output also works.
    pub fn parse(text: &str, provenance: impl Into<String>) -> Result<Self, CaListError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let alias = fields.next().unwrap_or_default().to_string();
            let (mut sha1, mut sha256) = (String::new(), String::new());
            for f in fields {
                let hex: String = f.chars().filter(|c| *c != ':').collect();
                if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(CaListError::Malformed {
                        line: i + 1,
                        reason: format!("{f:?} is not a hex fingerprint"),
                    });
                }
                match hex.len() {
                    40 => sha1 = colon_hex_str(&hex),
                    64 => sha256 = colon_hex_str(&hex),
                    n => {
                        return Err(CaListError::Malformed {
                            line: i + 1,
                            reason: format!("fingerprint with {n} hex digits (want 40 or 64)"),
                        })
                    }
                }
            }
            if sha256.is_empty() {
                return Err(CaListError::Malformed {
                    line: i + 1,
                    reason: "no SHA-256 fingerprint".into(),
                });
            }
            entries.push(CaEntry {
                alias,
                sha1,
                sha256,
            });
        }
        if entries.is_empty() {
            return Err(CaListError::Empty);
        }
        let mut by_sha256: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_sha256.entry(e.sha256.clone()).or_default().push(i);
        }
        let provenance: String = provenance.into();
        Ok(CaList {
            entries,
            by_sha256,
            label: provenance.clone(),
            provenance,
        })
    }

    /// The list embedded in the binary (parsed once).
    pub fn published() -> &'static CaList {
        static LIST: OnceLock<CaList> = OnceLock::new();
        LIST.get_or_init(|| {
            // The embedded file is checked by a test; an empty list here would only make
            // every chain "untrusted", never crash.
            let mut list =
                CaList::parse(PUBLISHED_LIST_TEXT, PUBLISHED_PROVENANCE).unwrap_or(CaList {
                    entries: Vec::new(),
                    by_sha256: HashMap::new(),
                    provenance: PUBLISHED_PROVENANCE.into(),
                    label: String::new(),
                });
            list.label = PUBLISHED_LABEL.into();
            list
        })
    }

    pub fn entries(&self) -> &[CaEntry] {
        &self.entries
    }

    pub fn alias_count(&self) -> usize {
        self.entries.len()
    }

    pub fn distinct_sha256_count(&self) -> usize {
        self.by_sha256.len()
    }

    pub fn provenance(&self) -> &str {
        &self.provenance
    }

    pub fn contains_sha256(&self, sha256: &str) -> bool {
        self.by_sha256.contains_key(&normalize(sha256))
    }

    /// All aliases for a certificate, in list order.
    pub fn aliases(&self, sha256: &str) -> Vec<&str> {
        self.by_sha256
            .get(&normalize(sha256))
            .map(|ix| ix.iter().map(|&i| self.entries[i].alias.as_str()).collect())
            .unwrap_or_default()
    }

    /// The first alias for a certificate (what `in_apigw_list` shows).
    pub fn first_alias(&self, sha256: &str) -> Option<&str> {
        self.aliases(sha256).into_iter().next()
    }

    /// "API Gateway's supported CA list (398 aliases / 247 certificates, AWS docs snapshot 2022-01-24)".
    pub fn describe(&self) -> String {
        format!(
            "API Gateway's supported CA list ({} aliases / {} certificates, {})",
            self.alias_count(),
            self.distinct_sha256_count(),
            self.label
        )
    }
}

/// A root certificate body gwdoctor knows, with what the judge needs precomputed.
#[derive(Debug, Clone)]
pub struct KnownRoot {
    pub der: Vec<u8>,
    pub sha256: String,
    pub subject: String,
    pub(crate) subject_raw: Vec<u8>,
}

impl KnownRoot {
    /// `None` when the bytes are not a certificate.
    pub fn from_der(der: &[u8]) -> Option<KnownRoot> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        Some(KnownRoot {
            der: der.to_vec(),
            sha256: fingerprint_sha256(der),
            subject: cert.subject().to_string(),
            subject_raw: cert.subject().as_raw().to_vec(),
        })
    }

    /// Does this root's subject equal `issuer_raw` (an issuer name from a child cert)?
    pub(crate) fn is_named(&self, issuer_raw: &[u8]) -> bool {
        names_match(&self.subject_raw, issuer_raw)
    }
}

/// Mozilla's root store as shipped by `webpki-root-certs` (full certificates, so their
/// fingerprints can be compared with the AWS list). Parsed once.
pub fn mozilla_roots() -> &'static [KnownRoot] {
    static ROOTS: OnceLock<Vec<KnownRoot>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .filter_map(|c| KnownRoot::from_der(c.as_ref()))
            .collect()
    })
}

/// Version label for messages ("Mozilla root store (webpki-root-certs)").
pub const MOZILLA_LABEL: &str = "Mozilla's root store (webpki-root-certs)";

fn normalize(fp: &str) -> String {
    let hex: String = fp.chars().filter(|c| *c != ':').collect();
    colon_hex_str(&hex)
}

fn colon_hex_str(hex: &str) -> String {
    let up = hex.to_ascii_uppercase();
    let chars: Vec<char> = up.chars().collect();
    chars
        .chunks(2)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(":")
}
