//! X.509 facts about one certificate (names, dates, key, signature, fingerprints, SANs),
//! parsed from DER or PEM with x509-parser. Pure: no I/O, no clock.

use std::net::IpAddr;

use aws_lc_rs::{digest, signature};
use chrono::{DateTime, Utc};
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::oid::Oid;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::RSAPublicKey;
use x509_parser::x509::{SubjectPublicKeyInfo, X509Name};

use super::apigw_cas::CaList;

/// What gwdoctor knows about one certificate. Serialised into the `tls.chain[]` JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertInfo {
    /// RFC 4514-style, as x509-parser prints it (`CN=..., O=...`).
    pub subject: String,
    pub issuer: String,
    /// Hex serial number, colon-separated.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub key: KeyInfo,
    /// OpenSSL-style name (`sha256WithRSAEncryption`, `ecdsa-with-SHA384`); dotted OID if unknown.
    pub signature: String,
    /// Whole-certificate fingerprints, uppercase colon-hex, as AWS and `openssl x509 -fingerprint` print them.
    pub sha256: String,
    pub sha1: String,
    pub san_dns: Vec<String>,
    pub san_ip: Vec<String>,
    /// basicConstraints CA:TRUE.
    pub is_ca: bool,
    /// keyUsage present and has keyCertSign (absent keyUsage counts as false: AWS's
    /// insecureSkipVerification rule asks for the extension to *have* keyCertSign).
    pub key_cert_sign: bool,
    /// Issuer equals subject and the certificate's signature verifies with its own key
    /// (name equality alone when the algorithm cannot be checked).
    pub self_signed: bool,
    /// First alias of this exact certificate in API Gateway's supported CA list.
    pub in_apigw_list: Option<String>,
    // Raw material the judge needs; not part of the JSON contract.
    #[serde(skip)]
    pub(crate) subject_raw: Vec<u8>,
    #[serde(skip)]
    pub(crate) issuer_raw: Vec<u8>,
    #[serde(skip)]
    pub(crate) common_names: Vec<String>,
    #[serde(skip)]
    pub(crate) weak_hash: Option<&'static str>,
    #[serde(skip)]
    pub(crate) ca_issuers_urls: Vec<String>,
}

/// The subject public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// `RSA`, `RSA-PSS`, `EC`, `Ed25519`, `Ed448`, `DSA` or the dotted OID.
    pub algorithm: String,
    /// Modulus bits for RSA, field size for EC (521 for P-521), 256 for Ed25519.
    pub bits: u32,
    /// `P-256`, `P-384`, `P-521`, `secp256k1`, or the curve OID; `None` for non-EC keys.
    pub curve: Option<String>,
}

impl KeyInfo {
    /// "RSA-2048", "EC P-256", "Ed25519".
    pub fn label(&self) -> String {
        match (&self.curve, self.algorithm.as_str()) {
            (Some(c), _) => format!("{} {c}", self.algorithm),
            (None, "Ed25519" | "Ed448") => self.algorithm.clone(),
            (None, _) => format!("{}-{}", self.algorithm, self.bits),
        }
    }
}

/// Why certificate bytes could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("not a valid X.509 certificate: {0}")]
    Parse(String),
    #[error("no CERTIFICATE block found (expected PEM or DER)")]
    NoCertificates,
    #[error("malformed PEM: {0}")]
    Pem(String),
}

/// Result of checking that one certificate was signed by a given key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigCheck {
    Valid,
    Invalid,
    /// The algorithm/key combination cannot be checked here (e.g. DSA, RSA < 1024).
    Unsupported,
}

/// Parse one DER certificate, marking `in_apigw_list` from the published list.
pub fn parse_der(der: &[u8]) -> Result<CertInfo, CertError> {
    parse_der_with_list(der, CaList::published())
}

/// Parse one DER certificate, marking `in_apigw_list` from `list`.
pub fn parse_der_with_list(der: &[u8], list: &CaList) -> Result<CertInfo, CertError> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|e| CertError::Parse(e.to_string()))?;
    let sha256 = fingerprint_sha256(der);
    let mut san_dns = Vec::new();
    let mut san_ip = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => san_dns.push((*d).to_string()),
                GeneralName::IPAddress(b) => {
                    if let Some(ip) = ip_from_bytes(b) {
                        san_ip.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let key_cert_sign = matches!(cert.key_usage(), Ok(Some(ku)) if ku.value.key_cert_sign());
    let subject_raw = cert.subject().as_raw().to_vec();
    let issuer_raw = cert.issuer().as_raw().to_vec();
    let self_signed = names_match(&subject_raw, &issuer_raw)
        && verify_signed_by(&cert, cert.public_key()) != SigCheck::Invalid;
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    let pss_hash = pss_hash_oid(&cert);
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before: to_utc(cert.validity().not_before.timestamp()),
        not_after: to_utc(cert.validity().not_after.timestamp()),
        key: key_info(cert.public_key()),
        signature: signature_name(&sig_oid, pss_hash.as_deref()),
        sha1: fingerprint_sha1(der),
        in_apigw_list: list.first_alias(&sha256).map(str::to_string),
        sha256,
        san_dns,
        san_ip,
        is_ca: cert.is_ca(),
        key_cert_sign,
        self_signed,
        common_names: cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok().map(str::to_string))
            .collect(),
        weak_hash: weak_hash(&sig_oid, pss_hash.as_deref()),
        ca_issuers_urls: ca_issuers_urls(&cert),
        subject_raw,
        issuer_raw,
    })
}

/// Split PEM text (any number of `CERTIFICATE` blocks; other blocks such as keys are
/// skipped) or a single DER certificate into DER blobs, in file order.
pub fn pem_or_der_to_ders(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CertError> {
    let looks_like_der = bytes.first() == Some(&0x30);
    if looks_like_der {
        return Ok(vec![bytes.to_vec()]);
    }
    let mut out = Vec::new();
    for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
        let pem = pem.map_err(|e| CertError::Pem(e.to_string()))?;
        if pem.label == "CERTIFICATE" || pem.label == "X509 CERTIFICATE" {
            out.push(pem.contents);
        }
    }
    if out.is_empty() {
        return Err(CertError::NoCertificates);
    }
    Ok(out)
}

/// SHA-256 of the whole DER certificate, uppercase colon-hex.
pub fn fingerprint_sha256(der: &[u8]) -> String {
    colon_hex(digest::digest(&digest::SHA256, der).as_ref())
}

/// SHA-1 of the whole DER certificate, uppercase colon-hex (AWS still publishes it).
pub fn fingerprint_sha1(der: &[u8]) -> String {
    colon_hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref())
}

/// `AB:CD:...` formatting shared by both fingerprints.
pub fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Was `child_der` signed by the key of `issuer_der`? Used to tell a real issuer from a
/// certificate that merely carries the same name (cross-signs, spoofed stand-ins).
pub fn verify_issued_by(child_der: &[u8], issuer_der: &[u8]) -> SigCheck {
    let (Ok((_, child)), Ok((_, issuer))) = (
        x509_parser::parse_x509_certificate(child_der),
        x509_parser::parse_x509_certificate(issuer_der),
    ) else {
        return SigCheck::Invalid;
    };
    verify_signed_by(&child, issuer.public_key())
}

/// Distinguished-name equality as a Java/PKIX client sees it: identical bytes, or the
/// same attributes with values equal after case folding and whitespace collapsing (CAs
/// sometimes re-encode a name as UTF8String instead of PrintableString).
pub fn names_match(a_raw: &[u8], b_raw: &[u8]) -> bool {
    if a_raw == b_raw {
        return true;
    }
    match (normalized_name(a_raw), normalized_name(b_raw)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn normalized_name(raw: &[u8]) -> Option<Vec<(String, String)>> {
    let (_, name) = X509Name::from_der(raw).ok()?;
    Some(
        name.iter_attributes()
            .map(|a| {
                let value = match a.as_str() {
                    Ok(s) => s
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase(),
                    Err(_) => colon_hex(a.attr_value().data),
                };
                (a.attr_type().to_id_string(), value)
            })
            .collect(),
    )
}

fn to_utc(ts: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(ts, 0).unwrap_or_default()
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_ED448: &str = "1.3.101.113";
const OID_DSA: &str = "1.2.840.10040.4.1";

fn curve_name(oid: &str) -> Option<(&'static str, u32)> {
    Some(match oid {
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.3.132.0.10" => ("secp256k1", 256),
        "1.3.36.3.3.2.8.1.1.7" => ("brainpoolP256r1", 256),
        "1.3.36.3.3.2.8.1.1.11" => ("brainpoolP384r1", 384),
        "1.3.36.3.3.2.8.1.1.13" => ("brainpoolP512r1", 512),
        _ => return None,
    })
}

/// Bits of an RSA modulus: x509-parser's `key_size()` returns 0 when the modulus has no
/// leading zero byte, so count from the first non-zero byte instead.
fn rsa_bits(modulus: &[u8]) -> u32 {
    let m: &[u8] = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    (m.len() as u32) * 8 - m[0].leading_zeros()
}

fn key_info(spki: &SubjectPublicKeyInfo<'_>) -> KeyInfo {
    let alg = spki.algorithm.algorithm.to_id_string();
    let param_oid = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let data = &spki.subject_public_key.data;
    match alg.as_str() {
        OID_RSA | OID_RSA_PSS => {
            let bits = RSAPublicKey::from_der(data)
                .map(|(_, k)| rsa_bits(k.modulus))
                .unwrap_or(0);
            KeyInfo {
                algorithm: if alg == OID_RSA { "RSA" } else { "RSA-PSS" }.into(),
                bits,
                curve: None,
            }
        }
        OID_EC => {
            // The curve comes from the SPKI parameters: x509-parser's point-length estimate
            // says 528 for P-521.
            let (curve, bits) = match param_oid.as_deref().and_then(curve_name) {
                Some((name, bits)) => (name.to_string(), bits),
                None => (
                    param_oid.unwrap_or_else(|| "unknown".into()),
                    (data.len().saturating_sub(1) * 4) as u32,
                ),
            };
            KeyInfo {
                algorithm: "EC".into(),
                bits,
                curve: Some(curve),
            }
        }
        OID_ED25519 => KeyInfo {
            algorithm: "Ed25519".into(),
            bits: 256,
            curve: None,
        },
        OID_ED448 => KeyInfo {
            algorithm: "Ed448".into(),
            bits: 456,
            curve: None,
        },
        OID_DSA => KeyInfo {
            algorithm: "DSA".into(),
            bits: (data.len() as u32).saturating_sub(4) * 8,
            curve: None,
        },
        other => KeyInfo {
            algorithm: other.to_string(),
            bits: (data.len() * 8) as u32,
            curve: None,
        },
    }
}

/// Hash OID inside RSASSA-PSS parameters, when the signature is PSS.
fn pss_hash_oid(cert: &X509Certificate<'_>) -> Option<String> {
    use x509_parser::signature_algorithm::SignatureAlgorithm;
    match SignatureAlgorithm::try_from(&cert.signature_algorithm) {
        Ok(SignatureAlgorithm::RSASSA_PSS(params)) => {
            Some(params.hash_algorithm_oid().to_id_string())
        }
        _ => None,
    }
}

fn hash_name(oid: &str) -> &'static str {
    match oid {
        "1.3.14.3.2.26" => "sha1",
        "2.16.840.1.101.3.4.2.1" => "sha256",
        "2.16.840.1.101.3.4.2.2" => "sha384",
        "2.16.840.1.101.3.4.2.3" => "sha512",
        _ => "unknown-hash",
    }
}

fn signature_name(oid: &str, pss_hash: Option<&str>) -> String {
    let name = match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.3" => "md4WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.113549.1.1.10" => {
            return format!(
                "rsassaPss({})",
                hash_name(pss_hash.unwrap_or("1.3.14.3.2.26"))
            )
        }
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa_with_SHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        other => return other.to_string(),
    };
    name.to_string()
}

/// The weak digest a signature uses (`sha1`, `md5`, ...), if any.
fn weak_hash(oid: &str, pss_hash: Option<&str>) -> Option<&'static str> {
    match oid {
        "1.2.840.113549.1.1.2" => Some("md2"),
        "1.2.840.113549.1.1.3" => Some("md4"),
        "1.2.840.113549.1.1.4" => Some("md5"),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => {
            Some("sha1")
        }
        // RFC 4055: absent PSS hash parameters default to SHA-1.
        "1.2.840.113549.1.1.10" if pss_hash.unwrap_or("1.3.14.3.2.26") == "1.3.14.3.2.26" => {
            Some("sha1")
        }
        _ => None,
    }
}

/// caIssuers URLs from Authority Information Access: where the missing issuer can be
/// downloaded (browsers do this; API Gateway's Java client does not).
fn ca_issuers_urls(cert: &X509Certificate<'_>) -> Vec<String> {
    use x509_parser::extensions::ParsedExtension;
    let ca_issuers = Oid::from(&[1, 3, 6, 1, 5, 5, 7, 48, 2]).ok();
    let mut out = Vec::new();
    for ext in cert.extensions() {
        if let ParsedExtension::AuthorityInfoAccess(aia) = ext.parsed_extension() {
            for desc in &aia.accessdescs {
                if Some(&desc.access_method) == ca_issuers.as_ref() {
                    if let GeneralName::URI(u) = desc.access_location {
                        out.push(u.to_string());
                    }
                }
            }
        }
    }
    out
}

/// Verify `cert`'s signature with `issuer_key`, using aws-lc-rs (already linked by rustls).
/// Legacy variants are used on purpose: this decides *who signed what*, not whether the
/// algorithm is acceptable (the SHA-1 and key-size rules judge that separately).
fn verify_signed_by(cert: &X509Certificate<'_>, issuer_key: &SubjectPublicKeyInfo<'_>) -> SigCheck {
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    let key_alg = issuer_key.algorithm.algorithm.to_id_string();
    let key_bytes: &[u8] = &issuer_key.subject_public_key.data;
    let key = key_info(issuer_key);
    let rsa_legacy_ok = key.bits >= 1024;
    let rsa_modern_ok = key.bits >= 2048;
    let curve = key.curve.as_deref();
    let alg: &dyn signature::VerificationAlgorithm = match (sig_oid.as_str(), key_alg.as_str()) {
        ("1.2.840.113549.1.1.5" | "1.3.14.3.2.29", OID_RSA) if rsa_legacy_ok => {
            &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
        }
        ("1.2.840.113549.1.1.11", OID_RSA) if rsa_legacy_ok => {
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        }
        ("1.2.840.113549.1.1.12", OID_RSA) if rsa_modern_ok => {
            &signature::RSA_PKCS1_2048_8192_SHA384
        }
        ("1.2.840.113549.1.1.13", OID_RSA) if rsa_legacy_ok => {
            &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        }
        ("1.2.840.113549.1.1.10", OID_RSA | OID_RSA_PSS) if rsa_modern_ok => {
            match pss_hash_oid(cert).as_deref() {
                Some("2.16.840.1.101.3.4.2.1") => &signature::RSA_PSS_2048_8192_SHA256,
                Some("2.16.840.1.101.3.4.2.2") => &signature::RSA_PSS_2048_8192_SHA384,
                Some("2.16.840.1.101.3.4.2.3") => &signature::RSA_PSS_2048_8192_SHA512,
                _ => return SigCheck::Unsupported,
            }
        }
        (s, OID_EC) => match (s, curve) {
            ("1.2.840.10045.4.1", Some("P-256")) => &signature::ECDSA_P256_SHA1_ASN1,
            ("1.2.840.10045.4.3.2", Some("P-256")) => &signature::ECDSA_P256_SHA256_ASN1,
            ("1.2.840.10045.4.3.3", Some("P-256")) => &signature::ECDSA_P256_SHA384_ASN1,
            ("1.2.840.10045.4.3.4", Some("P-256")) => &signature::ECDSA_P256_SHA512_ASN1,
            ("1.2.840.10045.4.3.2", Some("P-384")) => &signature::ECDSA_P384_SHA256_ASN1,
            ("1.2.840.10045.4.3.3", Some("P-384")) => &signature::ECDSA_P384_SHA384_ASN1,
            ("1.2.840.10045.4.3.4", Some("P-384")) => &signature::ECDSA_P384_SHA512_ASN1,
            ("1.2.840.10045.4.1", Some("P-521")) => &signature::ECDSA_P521_SHA1_ASN1,
            ("1.2.840.10045.4.3.2", Some("P-521")) => &signature::ECDSA_P521_SHA256_ASN1,
            ("1.2.840.10045.4.3.3", Some("P-521")) => &signature::ECDSA_P521_SHA384_ASN1,
            ("1.2.840.10045.4.3.4", Some("P-521")) => &signature::ECDSA_P521_SHA512_ASN1,
            _ => return SigCheck::Unsupported,
        },
        ("1.3.101.112", OID_ED25519) => &signature::ED25519,
        _ => return SigCheck::Unsupported,
    };
    let tbs: &[u8] = cert.tbs_certificate.as_ref();
    match signature::UnparsedPublicKey::new(alg, key_bytes).verify(tbs, &cert.signature_value.data)
    {
        Ok(()) => SigCheck::Valid,
        Err(_) => SigCheck::Invalid,
    }
}
