//! The `ssl` command's checks: one catalogue entry per rule family of API Gateway's backend
//! TLS requirements. The judging itself lives in [`crate::tls::rules`] (it needs the raw
//! certificates); these entries give each family a stable id, its documentation and the
//! problem ids it reports, so `gwdoctor checks`/`explain` and the findings agree.

use super::CheckInfo;
use crate::declare_check;

declare_check! {
    /// ## What it checks
    /// That the backend's chain reaches a certificate authority on API Gateway's published
    /// list of CAs supported for HTTP, HTTP proxy and private integrations (embedded in
    /// gwdoctor: 398 aliases / 247 certificates, awsdocs snapshot of 2022-01-24; `--ca-list`
    /// replaces it, `--ca-file` adds private anchors). A self-signed leaf and a private or
    /// newer root (e.g. ISRG Root X2 alone) fail. Problem ids: `untrusted-root`,
    /// `self-signed`. With `--insecure-skip-verification` the list is not required, but the
    /// root must be present with keyUsage keyCertSign and basicConstraints CA:TRUE.
    ///
    /// ## Why it matters
    /// API Gateway's backend client is Java: a chain to an unlisted root fails with "PKIX
    /// path building failed" or the generic "General SSLEngine problem" and the client gets
    /// a 500.
    ///
    /// ## How to fix
    /// Use a certificate from a public CA on the list (ACM public certificates chain to
    /// Amazon roots), serve a cross-signed chain to a listed root, or, for REST HTTP and
    /// HTTP_PROXY integrations with a private CA, set `tlsConfig.insecureSkipVerification`.
    ///
    /// ## Data used
    /// The certificates the backend presents in a TLS handshake from this machine (no AWS
    /// call); with `--api`, the API's integrations (`apigateway:GET`).
    pub struct TlsUntrustedCa {
        id: "tls-untrusted-ca",
        title: "Backend chain does not reach a CA API Gateway supports",
        severity: Error,
        needs: [],
        iam: ["apigateway:GET"],
        commands: ["ssl"],
    }
}

declare_check! {
    /// ## What it checks
    /// Every certificate's validity dates against now: expired or not yet valid fails, and
    /// a leaf or intermediate expiring within `--warn-days` (default 30) warns. Problem ids:
    /// `expired`, `not-yet-valid`, `expiring-soon`.
    ///
    /// ## Why it matters
    /// API Gateway checks dates even with `insecureSkipVerification` ("PKIX path validation
    /// failed … validity check failed").
    ///
    /// ## How to fix
    /// Renew and deploy the certificate (and the intermediate bundle); automate renewal.
    ///
    /// ## Data used
    /// The presented certificates (no AWS call).
    pub struct TlsCertValidity {
        id: "tls-cert-validity",
        title: "Backend certificate expired, not yet valid or expiring soon",
        severity: Error,
        needs: [],
        iam: ["apigateway:GET"],
        commands: ["ssl"],
    }
}

declare_check! {
    /// ## What it checks
    /// The chain as sent: each certificate's issuer is the next one's subject, a sent root
    /// is self-signed, no intermediate is missing and no unrelated certificate is included.
    /// Problem ids: `missing-intermediate`, `wrong-order`, `extra-cert`.
    ///
    /// ## Why it matters
    /// Browsers repair incomplete chains (AIA fetching, caches); API Gateway's Java client
    /// does not, so a backend that works in a browser can still fail behind API Gateway.
    /// AWS's knowledge-center article lists the order as a requirement.
    ///
    /// ## How to fix
    /// Serve the full chain in order: leaf, then intermediates (the "fullchain" file), and
    /// drop unrelated certificates.
    ///
    /// ## Data used
    /// The presented certificates (no AWS call).
    pub struct TlsChainOrder {
        id: "tls-chain-order",
        title: "Backend chain incomplete, out of order or with extra certificates",
        severity: Error,
        needs: [],
        iam: ["apigateway:GET"],
        commands: ["ssl"],
    }
}

declare_check! {
    /// ## What it checks
    /// Key and signature of each certificate: an RSA leaf key over 2048 bits warns (AWS's
    /// knowledge-center article says the certificate "can't exceed 2048 bits"), RSA under
    /// 2048 fails, unusual leaf keys (P-521, Ed25519) warn, and SHA-1 (or MD5) signatures
    /// below the root fail. Problem ids: `key-too-large`, `weak-key`, `sha1-signature`.
    ///
    /// ## Why it matters
    /// Current JDKs reject SHA-1 signed certificates and small RSA keys; the 2048-bit limit
    /// is documented for the "General SSLEngine problem" error.
    ///
    /// ## How to fix
    /// Reissue with RSA-2048 or ECDSA P-256/P-384 and SHA-256 signatures.
    ///
    /// ## Data used
    /// The presented certificates (no AWS call).
    pub struct TlsKeyAndSignature {
        id: "tls-key-and-signature",
        title: "Backend key size or signature algorithm API Gateway may reject",
        severity: Warning,
        needs: [],
        iam: ["apigateway:GET"],
        commands: ["ssl"],
    }
}

declare_check! {
    /// ## What it checks
    /// The integration's host against the leaf's subjectAltNames (RFC 6125 wildcards: the
    /// left-most label only, one label, apex not covered), and what a client without SNI
    /// receives: API Gateway (Java) sends SNI only for DNS names, so an IP-literal URI gets
    /// the server's default certificate. Problem id: `hostname-mismatch`.
    ///
    /// ## Why it matters
    /// API Gateway verifies the hostname even with `insecureSkipVerification` ("Host name
    /// '…' does not match the certificate subject provided by the peer").
    ///
    /// ## How to fix
    /// Put the integration's host in the certificate's SANs, or call the backend by a name
    /// the certificate covers (for HTTP API private integrations, `serverNameToVerify`).
    ///
    /// ## Data used
    /// The presented certificates, with and without SNI (no AWS call).
    pub struct TlsHostname {
        id: "tls-hostname",
        title: "Backend certificate does not cover the integration's host",
        severity: Error,
        needs: [],
        iam: ["apigateway:GET"],
        commands: ["ssl"],
    }
}

declare_check! {
    /// ## What it checks
    /// That a TLS handshake completes within `--timeout`: a port that hangs, answers in
    /// plaintext, closes the connection, offers only TLS 1.0/1.1, or sends a certificate
    /// chain too large to receive fails. Problem ids: `handshake-timeout`, `not-tls`,
    /// `connection-closed`, `old-tls-version`, `chain-too-large`.
    ///
    /// ## Why it matters
    /// API Gateway reports all of these as "General SSLEngine problem" or a timeout; they
    /// are network and listener problems, not certificate ones.
    ///
    /// ## How to fix
    /// Check security groups/NACLs and that the port is a TLS listener (ports 80, 443 and
    /// 1024-65535 only); enable TLS 1.2 or 1.3 on the server; serve only the leaf and its
    /// intermediates.
    ///
    /// ## Data used
    /// A TLS handshake from this machine (no AWS call).
    pub struct TlsHandshake {
        id: "tls-handshake",
        title: "TLS handshake with the backend fails",
        severity: Error,
        needs: [],
        iam: ["apigateway:GET"],
        commands: ["ssl"],
    }
}

/// The catalogue entries, in display order.
pub fn catalog() -> Vec<CheckInfo> {
    vec![
        TlsUntrustedCa::info(),
        TlsCertValidity::info(),
        TlsChainOrder::info(),
        TlsKeyAndSignature::info(),
        TlsHostname::info(),
        TlsHandshake::info(),
    ]
}

/// The check a TLS problem id belongs to.
pub fn check_for_problem(problem: &str) -> &'static str {
    match problem {
        "untrusted-root" | "self-signed" => TlsUntrustedCa::ID,
        "expired" | "not-yet-valid" | "expiring-soon" => TlsCertValidity::ID,
        "missing-intermediate" | "wrong-order" | "extra-cert" => TlsChainOrder::ID,
        "key-too-large" | "weak-key" | "sha1-signature" => TlsKeyAndSignature::ID,
        "hostname-mismatch" => TlsHostname::ID,
        _ => TlsHandshake::ID,
    }
}
