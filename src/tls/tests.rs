//! Tests for the TLS engine: real TLS servers on 127.0.0.1 (rustls with rcgen chains, and
//! `openssl s_server` for what rcgen cannot make), hostile peers, the embedded CA list, and
//! the badssl.com chains from the shared reference pack (skipped when that folder is absent).
//! Row numbers refer to the failure table in tls.md §5.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, TimeZone, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, ServerConfig, ServerConnection};
use rustls::sign::CertifiedKey;

use super::rules::{dns_pattern_matches, hostname_matches, HostMatch};
use super::*;

const T: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------- certificate factory

/// Set notBefore/notAfter to today + the given day offsets (midnight UTC).
fn validity(p: &mut CertificateParams, from_days: i64, to_days: i64) {
    let d = |off: i64| {
        let t = (Utc::now() + chrono::Duration::days(off)).date_naive();
        rcgen::date_time_ymd(t.year(), t.month() as u8, t.day() as u8)
    };
    p.not_before = d(from_days);
    p.not_after = d(to_days);
}

struct Ca {
    der: Vec<u8>,
    pem: String,
    key_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca_params(cn: &str, is_ca: bool, key_cert_sign: bool) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.distinguished_name
        .push(DnType::OrganizationName, "gwdoctor tests");
    p.is_ca = if is_ca {
        IsCa::Ca(BasicConstraints::Unconstrained)
    } else {
        IsCa::ExplicitNoCa
    };
    p.key_usages = if key_cert_sign {
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]
    } else {
        vec![KeyUsagePurpose::DigitalSignature]
    };
    validity(&mut p, -30, 3650);
    p
}

fn make_root_full(cn: &str, is_ca: bool, kcs: bool, key: KeyPair) -> Ca {
    let p = ca_params(cn, is_ca, kcs);
    let cert = p.self_signed(&key).unwrap();
    Ca {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        key_pem: key.serialize_pem(),
        issuer: Issuer::new(p, key),
    }
}

fn make_root(cn: &str) -> Ca {
    make_root_full(cn, true, true, KeyPair::generate().unwrap())
}

fn make_int_with(cn: &str, parent: &Ca, adjust: impl FnOnce(&mut CertificateParams)) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut p = ca_params(cn, true, true);
    adjust(&mut p);
    let cert = p.signed_by(&key, &parent.issuer).unwrap();
    Ca {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        key_pem: key.serialize_pem(),
        issuer: Issuer::new(p, key),
    }
}

fn make_int(cn: &str, parent: &Ca) -> Ca {
    make_int_with(cn, parent, |_| {})
}

struct Leaf {
    der: Vec<u8>,
    pem: String,
    key: KeyPair,
}

fn make_leaf_with(
    sans: &[&str],
    parent: &Ca,
    key: KeyPair,
    adjust: impl FnOnce(&mut CertificateParams),
) -> Leaf {
    let mut p =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, sans[0]);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    validity(&mut p, -10, 365);
    adjust(&mut p);
    let cert = p.signed_by(&key, &parent.issuer).unwrap();
    Leaf {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        key,
    }
}

fn make_leaf(parent: &Ca) -> Leaf {
    make_leaf_with(
        &["localhost", "127.0.0.1"],
        parent,
        KeyPair::generate().unwrap(),
        |_| {},
    )
}

/// Root → intermediate → leaf for localhost/127.0.0.1.
struct Pki {
    root: Ca,
    int: Ca,
    leaf: Leaf,
}

fn pki() -> Pki {
    let root = make_root("gwdoctor Test Root");
    let int = make_int("gwdoctor Test Intermediate", &root);
    let leaf = make_leaf(&int);
    Pki { root, int, leaf }
}

// ---------------------------------------------------------------- rustls test server

fn certified(chain: &[Vec<u8>], key: &KeyPair) -> Arc<CertifiedKey> {
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&der).unwrap();
    Arc::new(CertifiedKey::new(
        chain
            .iter()
            .map(|d| CertificateDer::from(d.clone()))
            .collect(),
        signing,
    ))
}

#[derive(Debug)]
struct BySni {
    default: Option<Arc<CertifiedKey>>,
    named: Vec<(String, Arc<CertifiedKey>)>,
}

impl ResolvesServerCert for BySni {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        if let Some(name) = hello.server_name() {
            if let Some((_, ck)) = self.named.iter().find(|(n, _)| n == name) {
                return Some(ck.clone());
            }
        }
        self.default.clone()
    }
}

/// A rustls server on 127.0.0.1 that serves the chain exactly as given. Each connection is
/// handled on its own thread with 5 s socket timeouts, so nothing outlives the test long.
fn serve_resolver(resolver: BySni) -> u16 {
    serve_versions(
        resolver,
        &[&rustls::version::TLS13, &rustls::version::TLS12],
    )
}

fn serve_versions(resolver: BySni, versions: &[&'static rustls::SupportedProtocolVersion]) -> u16 {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = Arc::new(
        ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(resolver)),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { continue };
            let cfg = cfg.clone();
            thread::spawn(move || {
                let _ = sock.set_read_timeout(Some(T));
                let _ = sock.set_write_timeout(Some(T));
                let Ok(mut conn) = ServerConnection::new(cfg) else {
                    return;
                };
                while conn.is_handshaking() {
                    if conn.complete_io(&mut sock).is_err() {
                        return;
                    }
                }
                let _ = conn.complete_io(&mut sock);
            });
        }
    });
    port
}

fn serve(chain: &[Vec<u8>], key: &KeyPair) -> u16 {
    serve_resolver(BySni {
        default: Some(certified(chain, key)),
        named: Vec::new(),
    })
}

fn host_check(port: u16, sni: Option<&str>, opts: &Options) -> TlsReport {
    let r = check_host("127.0.0.1", port, sni, T, Utc::now(), opts).unwrap();
    if std::env::var("GWD_DUMP").is_ok() {
        eprintln!("DUMP {}", serde_json::to_string_pretty(&serde_json::json!({"verdict": r.verdict, "problems": r.problem_details, "rules": r.rules})).unwrap());
    }
    r
}

fn with_ca(der: &[u8]) -> Options {
    Options {
        extra_anchors: vec![der.to_vec()],
        ..Options::default()
    }
}

fn ids(r: &TlsReport) -> Vec<&str> {
    r.problems.iter().map(String::as_str).collect()
}

fn problem<'a>(r: &'a TlsReport, id: &str) -> &'a Problem {
    r.problem_details
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no {id} problem in {:#?}", r.problem_details))
}

fn rule<'a>(r: &'a TlsReport, name: &str) -> &'a RuleResult {
    r.rules
        .iter()
        .find(|x| x.rule == name)
        .unwrap_or_else(|| panic!("no rule {name}"))
}

// ---------------------------------------------------------------- openssl s_server

/// `openssl` from PATH (looked up once). Missing, the openssl rows skip locally but fail
/// under CI (`CI` set), like the live tests, so a CI image without openssl cannot pass them
/// silently.
fn openssl_bin() -> Option<&'static Path> {
    static BIN: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let found = BIN.get_or_init(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("openssl"))
                .find(|p| p.is_file())
        })
    });
    match found {
        Some(p) => Some(p.as_path()),
        None if std::env::var_os("CI").is_some() => {
            panic!("openssl is not on PATH but CI is set: the openssl s_server rows need it")
        }
        None => {
            eprintln!("SKIP: openssl not on PATH; this row needs openssl s_server");
            None
        }
    }
}

/// The openssl binary for a test that already checked `openssl_bin()`.
fn openssl() -> Command {
    Command::new(openssl_bin().expect("openssl_bin() checked by the test"))
}

fn ossl(dir: &Path, args: &[&str]) {
    let out = openssl().args(args).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `openssl s_server` on a free port; killed when dropped.
struct SServer {
    child: Child,
    port: u16,
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s_server(dir: &Path, args: &[&str]) -> SServer {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let errlog = fs::File::create(dir.join("s_server.err")).unwrap();
    let mut child = openssl()
        .arg("s_server")
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(errlog))
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    // Keep draining stdout so s_server never blocks on a full pipe.
    thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        while matches!(r.read_line(&mut line), Ok(n) if n > 0) {
            if line.contains("ACCEPT") {
                let _ = tx.send(());
            }
            line.clear();
        }
    });
    let server = SServer { child, port };
    if rx.recv_timeout(T).is_err() {
        panic!(
            "s_server did not start: {}",
            fs::read_to_string(dir.join("s_server.err")).unwrap_or_default()
        );
    }
    server
}

/// An RSA-2048 root written to `dir` as root.pem/root.key (openssl signs with it).
fn openssl_root(dir: &Path) -> Ca {
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    let root = make_root_full("gwdoctor OpenSSL Test Root", true, true, key);
    fs::write(dir.join("root.pem"), &root.pem).unwrap();
    fs::write(dir.join("root.key"), &root.key_pem).unwrap();
    root
}

const LEAF_EXT: &str = "[v3]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";

/// openssl-made leaf `name`.pem/.key with an RSA key of `bits`, signed by `ca` with `md`.
fn openssl_leaf(dir: &Path, name: &str, bits: u32, ca: &str, md: &str) {
    fs::write(dir.join("ext.cnf"), LEAF_EXT).unwrap();
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let pem = format!("{name}.pem");
    ossl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            &format!("rsa:{bits}"),
            "-nodes",
            "-keyout",
            &key,
            "-subj",
            "/CN=localhost",
            "-out",
            &csr,
        ],
    );
    ossl(
        dir,
        &[
            "x509",
            "-req",
            &format!("-{md}"),
            "-in",
            &csr,
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-days",
            "60",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "v3",
            "-out",
            &pem,
        ],
    );
}

fn pem_file_ders(path: &Path) -> Vec<Vec<u8>> {
    cert::pem_or_der_to_ders(&fs::read(path).unwrap()).unwrap()
}

// ---------------------------------------------------------------- the embedded CA list

#[test]
fn embedded_list_has_398_aliases_and_247_certificates() {
    let list = CaList::published();
    assert_eq!(list.alias_count(), 398);
    assert_eq!(list.distinct_sha256_count(), 247);
    assert!(list
        .provenance()
        .contains("fa382306b149c1a94c0b64eea6784035e7499d0a"));
    assert!(apigw_cas::PUBLISHED_LIST_TEXT.contains("2022-01-24"));
    // Duplicated aliases point at one certificate.
    let actalis = &list.entries()[2];
    assert_eq!(actalis.alias, "actalis");
    assert_eq!(
        list.aliases(&actalis.sha256),
        vec![
            "actalis",
            "actalisauthenticationrootca",
            "mozillacert90.pem"
        ]
    );
    // SHA-1 and SHA-256 are kept in AWS's colon format.
    assert_eq!(actalis.sha1.len(), 59);
    assert_eq!(actalis.sha256.len(), 95);
}

#[test]
fn known_listed_roots_are_recognised_by_fingerprint() {
    let find = |cn: &str| {
        apigw_cas::mozilla_roots()
            .iter()
            .find(|r| r.subject.contains(cn))
            .unwrap_or_else(|| panic!("{cn} not in webpki-root-certs"))
    };
    for (cn, alias) in [
        ("ISRG Root X1", "isrgrootx1"),
        ("Amazon Root CA 1", "amazon1"),
    ] {
        let root = find(cn);
        let info = cert::parse_der(&root.der).unwrap();
        assert_eq!(info.in_apigw_list.as_deref(), Some(alias), "{cn}");
        assert!(info.self_signed && info.is_ca && info.key_cert_sign, "{cn}");
        assert_eq!(info.sha256, root.sha256);
    }
    // ISRG Root X2 is trusted by Mozilla but not in the 2022 list.
    let x2 = cert::parse_der(&find("ISRG Root X2").der).unwrap();
    assert_eq!(x2.in_apigw_list, None);
    assert_eq!(x2.key.curve.as_deref(), Some("P-384"));
    let listed = apigw_cas::mozilla_roots()
        .iter()
        .filter(|r| CaList::published().contains_sha256(&r.sha256))
        .count();
    eprintln!(
        "{listed} of {} webpki-root-certs roots are on the AWS list",
        apigw_cas::mozilla_roots().len()
    );
    assert!(listed > 50);
}

#[test]
fn custom_ca_list_parsing() {
    let l = CaList::parse(
        "# comment\nmyroot\tAA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD\t0000000000000000000000000000000000000000000000000000000000000000\n",
        "test",
    )
    .unwrap();
    assert_eq!(l.alias_count(), 1);
    assert!(l.contains_sha256(&["00"; 32].join(":")));
    assert!(matches!(
        CaList::parse("x 1234\n", "t"),
        Err(CaListError::Malformed { line: 1, .. })
    ));
    assert!(matches!(
        CaList::parse("# only\n", "t"),
        Err(CaListError::Empty)
    ));
}

// ---------------------------------------------------------------- hostname rules (unit)

#[test]
fn rfc6125_wildcards() {
    assert!(dns_pattern_matches("*.test.local", "a.test.local"));
    assert!(dns_pattern_matches("*.Test.Local.", "A.test.local"));
    assert!(!dns_pattern_matches("*.test.local", "a.b.test.local"));
    assert!(!dns_pattern_matches("*.test.local", "test.local"));
    assert!(!dns_pattern_matches("*.local", "test.local"));
    assert!(!dns_pattern_matches("a*.test.local", "ab.test.local"));
    assert!(!dns_pattern_matches("a.*.local", "a.b.local"));
    assert!(dns_pattern_matches("api.example.com", "API.example.com"));
    assert!(!dns_pattern_matches("api.example.com", "api.example.co"));
}

#[test]
fn hostname_ip_literals_and_cn_fallback() {
    let root = make_root("r");
    let leaf = make_leaf_with(
        &["api.example.test", "10.0.0.5", "::1"],
        &root,
        KeyPair::generate().unwrap(),
        |_| {},
    );
    let info = cert::parse_der(&leaf.der).unwrap();
    assert_eq!(info.san_ip, vec!["10.0.0.5", "::1"]);
    assert!(matches!(
        hostname_matches(&info, "10.0.0.5"),
        HostMatch::IpAddress(_)
    ));
    assert!(matches!(
        hostname_matches(&info, "[::1]"),
        HostMatch::IpAddress(_)
    ));
    assert_eq!(hostname_matches(&info, "10.0.0.6"), HostMatch::NoMatch);
    // The CN is ignored when SANs exist...
    let no_cn_match = make_leaf_with(&["other.test"], &root, KeyPair::generate().unwrap(), |p| {
        p.distinguished_name
            .push(DnType::CommonName, "cn-only.test");
    });
    let info = cert::parse_der(&no_cn_match.der).unwrap();
    assert_eq!(hostname_matches(&info, "cn-only.test"), HostMatch::NoMatch);
    // ...and used (as Apache HttpClient does) when there is no SAN at all.
    let no_san = make_leaf_with(
        &["cn-only.test"],
        &root,
        KeyPair::generate().unwrap(),
        |p| {
            p.subject_alt_names.clear();
        },
    );
    let info = cert::parse_der(&no_san.der).unwrap();
    assert!(info.san_dns.is_empty());
    assert!(matches!(
        hostname_matches(&info, "cn-only.test"),
        HostMatch::CommonName(_)
    ));
}

#[test]
fn java_sni_rule() {
    assert!(java_sends_sni("api.example.com"));
    assert!(!java_sends_sni("localhost"));
    assert!(!java_sends_sni("10.1.2.3"));
    assert!(!java_sends_sni("[::1]"));
}

// ---------------------------------------------------------------- §5 rows over real TLS

#[test]
fn good_chain_passes_and_reports_protocol() {
    let k = pki();
    let port = serve(&[k.leaf.der.clone(), k.int.der.clone()], &k.leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert!(r.problems.is_empty());
    assert_eq!(r.protocol.as_deref(), Some("TLSv1.3"));
    assert_eq!(r.chain.len(), 2);
    assert_eq!(r.sni, None, "127.0.0.1 is an IP literal: no SNI, like Java");
    // Row 8: the root is not sent; that is fine and is explained.
    let ca = rule(&r, "supported-ca");
    assert_eq!(ca.outcome, Outcome::Pass);
    assert!(
        ca.detail.contains("does not send the root"),
        "{}",
        ca.detail
    );
    assert!(ca.detail.contains("--ca-file"), "{}", ca.detail);
}

#[test]
fn probe_keeps_the_chain_exactly_as_sent_and_reports_tls12() {
    let k = pki();
    // Out of order on purpose: the probe must not "fix" it.
    let chain = vec![k.leaf.der.clone(), k.root.der.clone(), k.int.der.clone()];
    let port = serve_versions(
        BySni {
            default: Some(certified(&chain, &k.leaf.key)),
            named: Vec::new(),
        },
        &[&rustls::version::TLS12],
    );
    let p = probe("127.0.0.1", port, Some("localhost"), T).unwrap();
    assert_eq!(p.certs, chain);
    assert_eq!(p.protocol.as_deref(), Some("TLSv1.2"));
    assert!(p
        .cipher_suite
        .as_deref()
        .unwrap_or_default()
        .contains("ECDHE"));
    assert_eq!(p.sni.as_deref(), Some("localhost"));
    assert_eq!(p.handshake_error, None);
    let p = probe("127.0.0.1", port, None, T).unwrap();
    assert_eq!(p.sni, None);
    // TLS 1.2 is fine for API Gateway: only the order problem remains.
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.protocol.as_deref(), Some("TLSv1.2"));
    assert_eq!(ids(&r), vec!["wrong-order"]);
}

#[test]
fn row01_expired_leaf_and_intermediate() {
    let root = make_root("gwdoctor Test Root");
    let int = make_int_with("Expired Intermediate", &root, |p| validity(p, -400, -5));
    let leaf = make_leaf_with(
        &["localhost", "127.0.0.1"],
        &int,
        KeyPair::generate().unwrap(),
        |p| validity(p, -100, -2),
    );
    let port = serve(&[leaf.der.clone(), int.der.clone()], &leaf.key);
    let r = host_check(port, None, &with_ca(&root.der));
    assert_eq!(r.verdict, "fail");
    let expired: Vec<_> = r
        .problem_details
        .iter()
        .filter(|p| p.id == "expired")
        .collect();
    assert_eq!(expired.len(), 2, "{expired:#?}");
    assert_eq!(expired[0].cert_index, Some(0));
    assert_eq!(expired[0].severity, Severity::Error);
    assert!(
        expired[0].summary.contains("expired on"),
        "{}",
        expired[0].summary
    );
    assert!(expired[0].summary.contains("CN=localhost"));
    assert_eq!(expired[1].cert_index, Some(1));
}

#[test]
fn row02_not_yet_valid() {
    let k = pki();
    let leaf = make_leaf_with(
        &["localhost", "127.0.0.1"],
        &k.int,
        KeyPair::generate().unwrap(),
        |p| validity(p, 20, 400),
    );
    let port = serve(&[leaf.der.clone(), k.int.der.clone()], &leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "fail");
    assert_eq!(ids(&r), vec!["not-yet-valid"]);
    assert!(problem(&r, "not-yet-valid")
        .summary
        .contains("not valid until"));
}

#[test]
fn row03_self_signed_leaf() {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    validity(&mut p, -1, 90);
    let cert = p.self_signed(&key).unwrap();
    let port = serve(&[cert.der().to_vec()], &key);
    let r = host_check(port, None, &Options::default());
    assert_eq!(r.verdict, "fail");
    assert_eq!(ids(&r), vec!["self-signed"], "{:#?}", r.problem_details);
    assert!(r.chain[0].self_signed);
    assert!(problem(&r, "self-signed")
        .summary
        .contains("PKIX path building failed"));

    // insecureSkipVerification: a self-signed leaf without CA:TRUE/keyCertSign still fails...
    let insecure = Options {
        insecure_skip_verification: true,
        ..Options::default()
    };
    let r = host_check(port, None, &insecure);
    assert_eq!(r.verdict, "fail");
    let p0 = problem(&r, "self-signed");
    assert_eq!(p0.severity, Severity::Error);
    assert!(p0.summary.contains("keyCertSign"), "{}", p0.summary);

    // ...and one that has them is accepted (info only).
    let mut p = ca_params("localhost", true, true);
    p.subject_alt_names = vec![rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap())];
    let key = KeyPair::generate().unwrap();
    let cert = p.self_signed(&key).unwrap();
    let port = serve(&[cert.der().to_vec()], &key);
    let r = host_check(port, None, &insecure);
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert_eq!(problem(&r, "self-signed").severity, Severity::Info);
}

#[test]
fn row04_private_root_not_on_the_list() {
    let k = pki();
    let chain = [k.leaf.der.clone(), k.int.der.clone(), k.root.der.clone()];
    let port = serve(&chain, &k.leaf.key);
    let r = host_check(port, None, &Options::default());
    assert_eq!(r.verdict, "fail");
    assert_eq!(ids(&r), vec!["untrusted-root"], "{:#?}", r.problem_details);
    let p = problem(&r, "untrusted-root");
    assert_eq!(p.cert_index, Some(2));
    let root_fp = cert::fingerprint_sha256(&k.root.der);
    assert!(p.summary.contains(&root_fp), "{}", p.summary);
    assert!(
        p.summary.contains("398 aliases / 247 certificates"),
        "{}",
        p.summary
    );
    assert!(!p.summary.contains("Mozilla"));

    // The same chain with the root as a --ca-file anchor passes (the rest of the chain is fine).
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);

    // insecureSkipVerification drops the list requirement; the root has CA:TRUE + keyCertSign.
    let insecure = Options {
        insecure_skip_verification: true,
        ..Options::default()
    };
    let r = host_check(port, None, &insecure);
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert_eq!(rule(&r, "supported-ca").outcome, Outcome::Pass);
    assert!(rule(&r, "root-constraints").detail.contains("keyCertSign"));
}

#[test]
fn row04_root_neither_sent_nor_known_counts_the_listed_roots_held() {
    // Root not sent and not in any store gwdoctor holds: the message says how many of the
    // list's certificates it can check against, so "not listed" is not over-claimed.
    let k = pki();
    let port = serve(&[k.leaf.der.clone(), k.int.der.clone()], &k.leaf.key);
    let list = CaList::published();
    // Counted straight from the root-certificate crate, not through gwdoctor's own index.
    let held = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter(|c| list.contains_sha256(&cert::fingerprint_sha256(c.as_ref())))
        .count();
    assert!(
        held > 0 && held < 247,
        "{held}: some listed roots are in no crate"
    );
    for (opts, n) in [
        (Options::default(), held),
        (
            Options {
                known_roots: Some(Vec::new()),
                ..Options::default()
            },
            0,
        ),
    ] {
        let r = host_check(port, None, &opts);
        assert_eq!(ids(&r), vec!["untrusted-root"], "{:#?}", r.problem_details);
        let p = problem(&r, "untrusted-root");
        assert_eq!(p.cert_index, Some(1));
        let want = format!(
            "which is neither sent nor a root gwdoctor has a certificate for ({n} of the list's 247 certificates are known here"
        );
        assert!(p.summary.contains(&want), "{}\nwant: {want}", p.summary);
        assert!(
            p.summary.contains("issued by 'CN=gwdoctor Test Root"),
            "{}",
            p.summary
        );
    }
}

#[test]
fn row04_insecure_mode_root_constraints() {
    // A private root without keyUsage keyCertSign (CA:TRUE kept).
    let root = make_root_full(
        "No KeyCertSign Root",
        true,
        false,
        KeyPair::generate().unwrap(),
    );
    let leaf = make_leaf(&root);
    let insecure = Options {
        insecure_skip_verification: true,
        ..Options::default()
    };
    let port = serve(&[leaf.der.clone(), root.der.clone()], &leaf.key);
    let r = host_check(port, None, &insecure);
    assert_eq!(r.verdict, "fail");
    let p = problem(&r, "untrusted-root");
    assert!(p.summary.contains("keyUsage keyCertSign"), "{}", p.summary);
    assert!(!p.summary.contains("basicConstraints"), "{}", p.summary);
    assert_eq!(rule(&r, "root-constraints").outcome, Outcome::Fail);

    // A root without CA:TRUE.
    let root = make_root_full("Not A CA Root", false, true, KeyPair::generate().unwrap());
    let leaf = make_leaf(&root);
    let port = serve(&[leaf.der.clone(), root.der.clone()], &leaf.key);
    let r = host_check(port, None, &insecure);
    assert!(problem(&r, "untrusted-root")
        .summary
        .contains("basicConstraints CA:TRUE"));

    // Root neither sent nor given: "presence of a root CA" cannot be shown.
    let k = pki();
    let port = serve(&[k.leaf.der.clone(), k.int.der.clone()], &k.leaf.key);
    let r = host_check(port, None, &insecure);
    assert_eq!(r.verdict, "fail");
    assert!(problem(&r, "untrusted-root")
        .summary
        .contains("no root certificate"));
    // Given with --ca-file, it is checked and passes.
    let r = host_check(
        port,
        None,
        &Options {
            insecure_skip_verification: true,
            ..with_ca(&k.root.der)
        },
    );
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
}

#[test]
fn row05_missing_intermediate() {
    let k = pki();
    let port = serve(std::slice::from_ref(&k.leaf.der), &k.leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "fail");
    assert_eq!(
        ids(&r),
        vec!["missing-intermediate"],
        "{:#?}",
        r.problem_details
    );
    let p = problem(&r, "missing-intermediate");
    assert!(
        p.summary.contains("server sends only the leaf"),
        "{}",
        p.summary
    );
    assert!(
        p.summary.contains("gwdoctor Test Intermediate"),
        "{}",
        p.summary
    );
    assert_eq!(rule(&r, "chain-order").outcome, Outcome::Fail);
    // The CA rule cannot be judged without the issuer: not shown as a pass.
    assert_eq!(rule(&r, "supported-ca").outcome, Outcome::NotApplicable);

    // Leaf + root sent, intermediate missing: still missing-intermediate, root not "extra".
    let port = serve(&[k.leaf.der.clone(), k.root.der.clone()], &k.leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(
        ids(&r),
        vec!["missing-intermediate"],
        "{:#?}",
        r.problem_details
    );
    assert!(problem(&r, "missing-intermediate").summary.contains("#1"));
}

#[test]
fn row06_wrong_order() {
    let k = pki();
    let chain = [k.leaf.der.clone(), k.root.der.clone(), k.int.der.clone()];
    let port = serve(&chain, &k.leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "fail");
    assert_eq!(ids(&r), vec!["wrong-order"], "{:#?}", r.problem_details);
    let p = problem(&r, "wrong-order");
    assert!(p.summary.contains("sent as #2"), "{}", p.summary);
    assert!(p.summary.contains("leaf → intermediate(s) → root"));

    // Reversed: intermediate first, then the leaf.
    let chain = [k.int.der.clone(), k.leaf.der.clone()];
    let port = serve(&chain, &k.leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert!(ids(&r).contains(&"wrong-order"), "{:#?}", r.problem_details);
    assert!(problem(&r, "wrong-order")
        .summary
        .contains("certificate #0 is the CA certificate"));
}

#[test]
fn row07_extra_unrelated_certificate() {
    let k = pki();
    let stranger = make_root("Unrelated CA");
    // At the end: a warning only.
    let chain = [k.leaf.der.clone(), k.int.der.clone(), stranger.der.clone()];
    let port = serve(&chain, &k.leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "warn", "{:#?}", r.problem_details);
    assert_eq!(ids(&r), vec!["extra-cert"]);
    let p = problem(&r, "extra-cert");
    assert_eq!(p.cert_index, Some(2));
    assert_eq!(p.severity, Severity::Warning);
    assert!(p.summary.contains("Unrelated CA"));

    // In the middle it also breaks the KC order rule.
    let chain = [k.leaf.der.clone(), stranger.der.clone(), k.int.der.clone()];
    let port = serve(&chain, &k.leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "fail");
    assert_eq!(
        ids(&r),
        vec!["wrong-order", "extra-cert"],
        "{:#?}",
        r.problem_details
    );
}

#[test]
fn row08_root_sent_or_not_both_pass() {
    let k = pki();
    let full = [k.leaf.der.clone(), k.int.der.clone(), k.root.der.clone()];
    let port = serve(&full, &k.leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert!(rule(&r, "supported-ca")
        .detail
        .contains("sent by the server"));
    assert!(rule(&r, "chain-order")
        .detail
        .contains("root sent, self-signed"));
}

#[test]
fn row09_rsa4096_leaf_warns_with_kc_limit() {
    let k = pki();
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_4096).unwrap();
    let leaf = make_leaf_with(&["localhost", "127.0.0.1"], &k.int, key, |_| {});
    let port = serve(&[leaf.der.clone(), k.int.der.clone()], &leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "warn", "{:#?}", r.problem_details);
    assert_eq!(ids(&r), vec!["key-too-large"]);
    assert!(problem(&r, "key-too-large").summary.contains("RSA-4096"));
    assert!(problem(&r, "key-too-large")
        .summary
        .contains("can't exceed 2048 bits"));
    assert_eq!(r.chain[0].key.bits, 4096);
}

#[test]
fn row09_large_root_and_intermediate_keys_are_fine() {
    let root_key =
        KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_4096).unwrap();
    let root = make_root_full("RSA-4096 Root", true, true, root_key);
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    let leaf = make_leaf_with(&["localhost", "127.0.0.1"], &root, key, |_| {});
    let port = serve(&[leaf.der.clone(), root.der.clone()], &leaf.key);
    let r = host_check(port, None, &with_ca(&root.der));
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert_eq!(r.chain[1].key.bits, 4096);
}

#[test]
fn row10_rsa1024_leaf_openssl() {
    if openssl_bin().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = openssl_root(dir.path());
    openssl_leaf(dir.path(), "leaf", 1024, "root", "sha256");
    let srv = s_server(
        dir.path(),
        &[
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
        ],
    );
    let r = host_check(srv.port, None, &with_ca(&root.der));
    assert_eq!(r.verdict, "fail");
    assert_eq!(
        r.chain.len(),
        1,
        "chain captured before the handshake failed"
    );
    assert_eq!(r.chain[0].key.bits, 1024);
    assert_eq!(ids(&r), vec!["weak-key"], "{:#?}", r.problem_details);
    assert!(problem(&r, "weak-key").summary.contains("RSA-1024"));
    let hs = rule(&r, "handshake");
    assert_eq!(hs.outcome, Outcome::Fail);
    assert!(hs.detail.contains("under 2048"), "{}", hs.detail);
}

#[test]
fn row11_ecdsa_leaves() {
    let k = pki();
    for (alg, curve, verdict) in [
        (&rcgen::PKCS_ECDSA_P256_SHA256, "P-256", "pass"),
        (&rcgen::PKCS_ECDSA_P384_SHA384, "P-384", "pass"),
        (&rcgen::PKCS_ECDSA_P521_SHA512, "P-521", "warn"),
    ] {
        let leaf = make_leaf_with(
            &["localhost", "127.0.0.1"],
            &k.int,
            KeyPair::generate_for(alg).unwrap(),
            |_| {},
        );
        let port = serve(&[leaf.der.clone(), k.int.der.clone()], &leaf.key);
        let r = host_check(port, None, &with_ca(&k.root.der));
        assert_eq!(r.verdict, verdict, "{curve}: {:#?}", r.problem_details);
        assert_eq!(r.chain[0].key.curve.as_deref(), Some(curve));
        if verdict == "pass" {
            assert!(rule(&r, "key").detail.contains(curve));
        } else {
            assert_eq!(ids(&r), vec!["weak-key"]);
            assert_eq!(problem(&r, "weak-key").severity, Severity::Warning);
            assert_eq!(r.chain[0].key.bits, 521);
        }
    }
    let leaf = make_leaf_with(
        &["localhost", "127.0.0.1"],
        &k.int,
        KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
        |_| {},
    );
    let port = serve(&[leaf.der.clone(), k.int.der.clone()], &leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.verdict, "warn", "{:#?}", r.problem_details);
    assert_eq!(r.chain[0].key.algorithm, "Ed25519");
    assert!(problem(&r, "weak-key").summary.contains("Ed25519"));
}

#[test]
fn row12_sha1_signatures_openssl() {
    if openssl_bin().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = openssl_root(d);
    // (a) SHA-1-signed leaf.
    openssl_leaf(d, "leaf", 2048, "root", "sha1");
    let srv = s_server(
        d,
        &[
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
        ],
    );
    let r = host_check(srv.port, None, &with_ca(&root.der));
    assert_eq!(r.verdict, "fail");
    assert_eq!(ids(&r), vec!["sha1-signature"], "{:#?}", r.problem_details);
    let p = problem(&r, "sha1-signature");
    assert_eq!(p.cert_index, Some(0));
    assert!(p.summary.contains("sha1WithRSAEncryption"));
    drop(srv);

    // (b) SHA-256 leaf under a SHA-1-signed intermediate.
    ossl(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "int.key",
            "-subj",
            "/CN=SHA1 Intermediate",
            "-out",
            "int.csr",
        ],
    );
    ossl(
        d,
        &[
            "x509",
            "-req",
            "-sha1",
            "-in",
            "int.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "60",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "ca",
            "-out",
            "int.pem",
        ],
    );
    openssl_leaf(d, "leaf2", 2048, "int", "sha256");
    let srv = s_server(
        d,
        &[
            "-cert",
            "leaf2.pem",
            "-key",
            "leaf2.key",
            "-cert_chain",
            "int.pem",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
        ],
    );
    let r = host_check(srv.port, None, &with_ca(&root.der));
    assert_eq!(ids(&r), vec!["sha1-signature"], "{:#?}", r.problem_details);
    assert_eq!(problem(&r, "sha1-signature").cert_index, Some(1));
}

#[test]
fn row12_sha1_root_self_signature_is_exempt() {
    if openssl_bin().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("root.cnf"),
        format!("[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=SHA1 Root\n{LEAF_EXT}"),
    )
    .unwrap();
    ossl(
        d,
        &[
            "req",
            "-x509",
            "-sha1",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-days",
            "60",
            "-config",
            "root.cnf",
            "-extensions",
            "ca",
            "-out",
            "root.pem",
        ],
    );
    openssl_leaf(d, "leaf", 2048, "root", "sha256");
    let root_der = pem_file_ders(&d.join("root.pem")).remove(0);
    let srv = s_server(
        d,
        &[
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
            "-cert_chain",
            "root.pem",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
        ],
    );
    let r = host_check(srv.port, None, &with_ca(&root_der));
    assert_eq!(r.chain[1].signature, "sha1WithRSAEncryption");
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert!(rule(&r, "signature").detail.contains("exempt"));
}

#[test]
fn row13_hostname_mismatch() {
    let k = pki();
    let port = serve(&[k.leaf.der.clone(), k.int.der.clone()], &k.leaf.key);
    let r = host_check(port, Some("wrong.example"), &with_ca(&k.root.der));
    assert_eq!(r.verdict, "fail");
    assert_eq!(
        ids(&r),
        vec!["hostname-mismatch"],
        "{:#?}",
        r.problem_details
    );
    let p = problem(&r, "hostname-mismatch");
    assert!(
        p.summary
            .contains("'wrong.example' not in SAN [localhost, IP:127.0.0.1]"),
        "{}",
        p.summary
    );
    assert!(p
        .summary
        .contains("does not match the certificate subject provided by the peer"));
    assert_eq!(r.sni.as_deref(), Some("wrong.example"));
    // The matching name passes; so does the IP literal (IP SAN).
    assert_eq!(
        host_check(port, Some("localhost"), &with_ca(&k.root.der)).verdict,
        "pass"
    );
    let r = check_host(
        "localhost",
        port,
        None,
        T,
        Utc::now(),
        &with_ca(&k.root.der),
    )
    .unwrap();
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert_eq!(r.sni, None, "Java sends no SNI for single-label names");
    assert_eq!(
        r.sni_comparison.as_ref().and_then(|c| c.same_chain),
        Some(true)
    );
}

#[test]
fn row14_wildcards_over_tls() {
    let k = pki();
    let leaf = make_leaf_with(
        &["*.test.local"],
        &k.int,
        KeyPair::generate().unwrap(),
        |_| {},
    );
    let port = serve(&[leaf.der.clone(), k.int.der.clone()], &leaf.key);
    let opts = with_ca(&k.root.der);
    let ok = host_check(port, Some("a.test.local"), &opts);
    assert_eq!(ok.verdict, "pass", "{:#?}", ok.problem_details);
    assert!(rule(&ok, "hostname").detail.contains("wildcard"));
    for bad in ["a.b.test.local", "test.local"] {
        let r = host_check(port, Some(bad), &opts);
        assert_eq!(ids(&r), vec!["hostname-mismatch"], "{bad}");
    }
}

#[test]
fn row15_sni_dependent_certificates() {
    let k = pki();
    let named = make_leaf_with(
        &["api.example.test"],
        &k.int,
        KeyPair::generate().unwrap(),
        |_| {},
    );
    let default = make_leaf_with(
        &["default.example.test"],
        &k.int,
        KeyPair::generate().unwrap(),
        |_| {},
    );
    let port = serve_resolver(BySni {
        default: Some(certified(
            &[default.der.clone(), k.int.der.clone()],
            &default.key,
        )),
        named: vec![(
            "api.example.test".into(),
            certified(&[named.der.clone(), k.int.der.clone()], &named.key),
        )],
    });
    let opts = with_ca(&k.root.der);
    // An IP-literal integration: API Gateway sends no SNI and gets the default certificate.
    let r = host_check(port, None, &opts);
    assert_eq!(r.verdict, "fail");
    assert_eq!(ids(&r), vec!["hostname-mismatch"]);
    assert!(r.chain[0]
        .san_dns
        .contains(&"default.example.test".to_string()));
    assert!(problem(&r, "hostname-mismatch")
        .summary
        .contains("no SNI sent"));
    // With the name as SNI the right certificate comes back, and the no-SNI one is shown.
    let r = host_check(port, Some("api.example.test"), &opts);
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    let cmp = r.sni_comparison.as_ref().unwrap();
    assert_eq!(cmp.sni, None);
    assert_eq!(cmp.same_chain, Some(false));
    assert!(cmp
        .leaf
        .as_ref()
        .unwrap()
        .subject
        .contains("default.example.test"));
    assert!(rule(&r, "sni").detail.contains("different certificate"));

    // A server that requires SNI aborts the no-SNI handshake with an alert.
    let port = serve_resolver(BySni {
        default: None,
        named: vec![(
            "api.example.test".into(),
            certified(&[named.der.clone(), k.int.der.clone()], &named.key),
        )],
    });
    let r = host_check(port, None, &opts);
    assert_eq!(r.verdict, "fail");
    assert_eq!(ids(&r), vec!["connection-closed"]);
    assert!(
        problem(&r, "connection-closed").summary.contains("alert"),
        "{:#?}",
        r.problem_details
    );
    assert!(problem(&r, "connection-closed").remedy.contains("SNI"));
    let r = host_check(port, Some("api.example.test"), &opts);
    assert_eq!(r.verdict, "pass");
    assert!(r.sni_comparison.unwrap().error.is_some());
}

#[test]
fn row16_tls10_and_tls11_only_servers_openssl() {
    if openssl_bin().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = openssl_root(dir.path());
    openssl_leaf(dir.path(), "leaf", 2048, "root", "sha256");
    // Debian's OpenSSL 3.0 serves both only at SECLEVEL=0 (tls.md 3.3).
    for version in ["-tls1", "-tls1_1"] {
        let srv = s_server(
            dir.path(),
            &[
                "-cert",
                "leaf.pem",
                "-key",
                "leaf.key",
                version,
                "-cipher",
                "DEFAULT@SECLEVEL=0",
            ],
        );
        let start = Instant::now();
        let r = host_check(srv.port, None, &with_ca(&root.der));
        assert!(start.elapsed() < T, "{version}");
        assert_eq!(r.verdict, "fail", "{version}");
        assert_eq!(
            ids(&r),
            vec!["old-tls-version"],
            "{version}: {:#?}",
            r.problem_details
        );
        assert!(r.chain.is_empty(), "{version}");
        assert!(
            problem(&r, "old-tls-version")
                .summary
                .contains("no certificate chain was captured"),
            "{version}"
        );
    }
}

/// A raw TCP server on 127.0.0.1 whose connections are handled by `f` on their own threads.
fn raw_server(f: impl Fn(TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let f = Arc::new(f);
    thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let f = f.clone();
            thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(15)));
                let _ = s.set_write_timeout(Some(Duration::from_secs(15)));
                f(s)
            });
        }
    });
    port
}

/// Probe with a short timeout and check it ends in time with the expected id.
fn hostile(port: u16, timeout: Duration, want: &str) -> TlsReport {
    let start = Instant::now();
    let r = check_host(
        "127.0.0.1",
        port,
        None,
        timeout,
        Utc::now(),
        &Options::default(),
    )
    .unwrap();
    let took = start.elapsed();
    assert!(
        took < timeout + Duration::from_millis(700),
        "took {took:?} with a {timeout:?} timeout"
    );
    assert_eq!(r.verdict, "fail");
    assert_eq!(ids(&r), vec![want], "{:#?}", r.problem_details);
    r
}

#[test]
fn row17_server_that_never_answers() {
    let port = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    });
    let start = Instant::now();
    let r = hostile(port, Duration::from_millis(1500), "handshake-timeout");
    assert!(
        start.elapsed() >= Duration::from_millis(1400),
        "gave up early"
    );
    assert!(problem(&r, "handshake-timeout")
        .summary
        .contains("no ServerHello within 1.5s"));
}

#[test]
fn row17_trickling_server_is_bounded_in_total() {
    // One byte every 100 ms: a per-read timeout would never fire.
    let port = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let hello = [0x16u8, 0x03, 0x03, 0x10, 0x00];
        for i in 0..600 {
            let b = hello.get(i).copied().unwrap_or(0x02);
            if s.write_all(&[b]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let r = hostile(port, Duration::from_millis(1500), "handshake-timeout");
    assert!(problem(&r, "handshake-timeout")
        .summary
        .contains("handshake incomplete"));
}

#[test]
fn row18_plaintext_http_reply() {
    let port = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let _ = s.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        thread::sleep(Duration::from_millis(200));
    });
    let r = hostile(port, T, "not-tls");
    assert!(problem(&r, "not-tls")
        .summary
        .contains("HTTP/1.1 400 Bad Request"));
}

#[test]
fn row18_binary_garbage() {
    let port = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let junk: Vec<u8> = (0..2048u32)
            .map(|i| (i * 7919 % 251) as u8 | 0x80)
            .collect();
        let _ = s.write_all(&junk);
        thread::sleep(Duration::from_millis(200));
    });
    hostile(port, T, "not-tls");
    // TLS-looking garbage (a handshake record full of nonsense) is invalid TLS, also not-tls.
    let port = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let mut rec = vec![0x16, 0x03, 0x03, 0x00, 0x20];
        rec.extend([0xEEu8; 32]);
        let _ = s.write_all(&rec);
        thread::sleep(Duration::from_millis(200));
    });
    hostile(port, T, "not-tls");
}

#[test]
fn row19_closed_after_client_hello() {
    let port = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        drop(s);
    });
    let r = hostile(port, T, "connection-closed");
    assert!(problem(&r, "connection-closed")
        .summary
        .contains("during the handshake"));
}

#[test]
fn hostile_flood_claiming_a_huge_handshake_message() {
    // A Certificate message that claims 16 MiB, then an endless stream of records.
    let port = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let mut first = vec![0x16, 0x03, 0x03, 0x40, 0x00, 0x0b, 0xff, 0xff, 0xff];
        first.resize(5 + 0x4000, 0x30);
        if s.write_all(&first).is_err() {
            return;
        }
        let mut rec = vec![0x16, 0x03, 0x03, 0x40, 0x00];
        rec.resize(5 + 0x4000, 0x30);
        for _ in 0..1000 {
            if s.write_all(&rec).is_err() {
                return;
            }
        }
    });
    // No ServerHello came first, so this is not a TLS server with a big chain.
    let r = hostile(port, Duration::from_secs(3), "not-tls");
    assert!(
        problem(&r, "not-tls")
            .summary
            .contains("before any ServerHello"),
        "{:#?}",
        r.problem_details
    );
}

#[test]
fn hostile_huge_but_real_certificate_chain() {
    // A real TLS server sending ~300 certificates (well over the 64 KiB handshake limit).
    let k = pki();
    let mut chain = vec![k.leaf.der.clone()];
    chain.extend(std::iter::repeat_n(k.int.der.clone(), 300));
    let total: usize = chain.iter().map(Vec::len).sum();
    assert!(total > 100_000, "{total}");
    let port = serve(&chain, &k.leaf.key);
    // A working TLS server with a chain too large to receive: named as such, not "not-tls".
    let r = hostile(port, Duration::from_secs(3), "chain-too-large");
    let p = problem(&r, "chain-too-large");
    assert_eq!(p.severity, Severity::Error);
    assert!(
        p.summary.contains("is a TLS server") && p.summary.contains("over 64 KiB"),
        "{p:#?}"
    );
    assert!(p.summary.contains("32 KiB"), "{p:#?}");
    assert!(r.chain.is_empty());
    assert_eq!(rule(&r, "handshake").outcome, Outcome::Fail);
}

#[test]
fn a_chain_under_the_limit_is_not_too_large() {
    // The boundary seen from the other side: 20 copies of the intermediate (a few KiB) pass
    // through, and the duplicates are named as extra certificates instead.
    let k = pki();
    let mut chain = vec![k.leaf.der.clone()];
    chain.extend(std::iter::repeat_n(k.int.der.clone(), 20));
    let port = serve(&chain, &k.leaf.key);
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert!(
        !ids(&r).contains(&"chain-too-large"),
        "{:#?}",
        r.problem_details
    );
    assert!(ids(&r).contains(&"extra-cert"), "{:#?}", r.problem_details);
    assert_eq!(r.chain.len(), 21);
}

#[test]
fn connection_refused_is_a_network_error_not_a_verdict() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = check_host("127.0.0.1", port, None, T, Utc::now(), &Options::default()).unwrap_err();
    assert!(
        matches!(err, TlsError::Network(NetProblem::Connect { .. })),
        "{err:?}"
    );
}

#[test]
fn row20_trusted_by_mozilla_but_not_listed_offline_stand_in() {
    // A stand-in for ISRG Root X2 / GlobalSign R46 / DigiCert G5: a root whose body the
    // judge knows (as it knows Mozilla's), but whose fingerprint is not on the CA list.
    let x2 = make_root("ISRG Root X2 (stand-in)");
    let int = make_int("E5 (stand-in)", &x2);
    let leaf = make_leaf(&int);
    let port = serve(&[leaf.der.clone(), int.der.clone()], &leaf.key);
    let opts = Options {
        known_roots: Some(vec![x2.der.clone()]),
        ..Options::default()
    };
    let r = host_check(port, None, &opts);
    assert_eq!(r.verdict, "fail");
    assert_eq!(ids(&r), vec!["untrusted-root"], "{:#?}", r.problem_details);
    let p = problem(&r, "untrusted-root");
    assert!(
        p.summary.contains("ISRG Root X2 (stand-in)"),
        "{}",
        p.summary
    );
    assert!(p.summary.contains("browsers trust it"), "{}", p.summary);
    assert!(p.summary.contains(&cert::fingerprint_sha256(&x2.der)));
    assert!(p.remedy.contains("cross-signed"));

    // A --ca-list that does list it: the unsent root is found by body and accepted.
    let list = CaList::parse(
        &format!(
            "isrgrootx2-standin\t{}\n",
            cert::fingerprint_sha256(&x2.der)
        ),
        "test list",
    )
    .unwrap();
    let r = host_check(
        port,
        None,
        &Options {
            ca_list: Some(list),
            ..opts
        },
    );
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert!(rule(&r, "supported-ca")
        .detail
        .contains("isrgrootx2-standin"));
}

#[test]
fn ca_file_can_replace_the_list_and_files_load() {
    let root = make_root("Listed Stand-in Root");
    let int = make_int("Stand-in Intermediate", &root);
    let leaf = make_leaf(&int);
    let ders = vec![leaf.der.clone(), int.der.clone()];
    let dir = tempfile::tempdir().unwrap();
    let list_path = dir.path().join("cas.txt");
    fs::write(
        &list_path,
        format!(
            "# my list\nstandin\t{}\n",
            cert::fingerprint_sha256(&root.der)
        ),
    )
    .unwrap();
    let listed = Options {
        ca_list: Some(load_ca_list(&list_path).unwrap()),
        known_roots: Some(vec![root.der.clone()]),
        ..Options::default()
    };
    let r = check_ders(ders.clone(), "localhost", None, Utc::now(), &listed).unwrap();
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert!(rule(&r, "supported-ca")
        .detail
        .contains("listed as standin"));
    // --ca-file in replace mode ignores the list: without anchors nothing is trusted...
    let replace = Options {
        anchors_replace_list: true,
        ..listed.clone()
    };
    let r = check_ders(ders.clone(), "localhost", None, Utc::now(), &replace).unwrap();
    assert_eq!(ids(&r), vec!["untrusted-root"], "{:#?}", r.problem_details);
    assert!(problem(&r, "untrusted-root")
        .summary
        .contains("CA list ignored"));
    // ...and with the root in the (DER) --ca-file it is.
    let ca_path = dir.path().join("root.der");
    fs::write(&ca_path, &root.der).unwrap();
    let replace = Options {
        extra_anchors: load_anchors(&ca_path).unwrap(),
        ..replace
    };
    let r = check_ders(ders, "localhost", None, Utc::now(), &replace).unwrap();
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    // A single DER certificate is also accepted by check_file.
    let leaf_path = dir.path().join("leaf.der");
    fs::write(&leaf_path, &leaf.der).unwrap();
    let r = check_file(&leaf_path, "localhost", Utc::now(), &replace).unwrap();
    assert_eq!(r.chain.len(), 1);
    assert_eq!(ids(&r), vec!["missing-intermediate"]);
}

#[test]
fn row21_expiring_soon() {
    let root = make_root("gwdoctor Test Root");
    let int = make_int_with("Short Intermediate", &root, |p| validity(p, -300, 16));
    let leaf = make_leaf_with(
        &["localhost", "127.0.0.1"],
        &int,
        KeyPair::generate().unwrap(),
        |p| validity(p, -80, 11),
    );
    let port = serve(&[leaf.der.clone(), int.der.clone()], &leaf.key);
    let r = host_check(port, None, &with_ca(&root.der));
    assert_eq!(r.verdict, "warn", "{:#?}", r.problem_details);
    assert_eq!(ids(&r), vec!["expiring-soon", "expiring-soon"]);
    let leaf_p = &r.problem_details[0];
    assert_eq!(leaf_p.cert_index, Some(0));
    assert!(
        leaf_p.summary.contains("expires in 10 days"),
        "{}",
        leaf_p.summary
    );
    assert!(r.problem_details[1].summary.contains("expires in 15 days"));
    // Below the threshold nothing is said.
    let r = host_check(
        port,
        None,
        &Options {
            warn_days: 7,
            ..with_ca(&root.der)
        },
    );
    assert_eq!(r.verdict, "pass");
}

// ---------------------------------------------------------------- offline chains and JSON

#[test]
fn check_file_and_json_shape() {
    let k = pki();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.pem");
    let pem = format!("{}{}", k.leaf.pem, k.int.pem);
    fs::write(&path, pem).unwrap();
    let r = check_file(&path, "localhost", Utc::now(), &with_ca(&k.root.der)).unwrap();
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    let v = serde_json::to_value(&r).unwrap();
    for key in [
        "host", "port", "verdict", "problems", "chain", "rules", "protocol",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let c0 = &v["chain"][0];
    for key in [
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "key",
        "signature",
        "sha256",
        "sha1",
        "in_apigw_list",
    ] {
        assert!(c0.get(key).is_some(), "chain[0] missing {key}");
    }
    assert_eq!(c0["key"]["algorithm"], "EC");
    assert_eq!(c0["key"]["bits"], 256);
    assert_eq!(c0["key"]["curve"], "P-256");
    assert_eq!(c0["signature"], "ecdsa-with-SHA256");
    assert!(c0.get("subject_raw").is_none());
    assert_eq!(v["port"], serde_json::Value::Null);
    assert_eq!(v["rules"][0]["outcome"], "pass");
    // Fingerprints agree with openssl's format.
    if openssl_bin().is_some() {
        fs::write(dir.path().join("leaf.pem"), &k.leaf.pem).unwrap();
        let out = openssl()
            .args([
                "x509",
                "-in",
                "leaf.pem",
                "-noout",
                "-fingerprint",
                "-sha256",
            ])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&r.chain[0].sha256), "{text}");
        assert_eq!(
            r.chain[0].sha1,
            openssl_fingerprint(dir.path(), "leaf.pem", "sha1")
        );
    }
    // Garbage in, clear error out.
    fs::write(&path, "not a certificate").unwrap();
    assert!(matches!(
        check_file(&path, "h", Utc::now(), &Options::default()),
        Err(TlsError::Cert(CertError::NoCertificates))
    ));
}

/// `openssl x509 -noout -fingerprint -<digest>` of a PEM file: the colon-hex after '='.
fn openssl_fingerprint(dir: &Path, pem_file: &str, digest: &str) -> String {
    let out = openssl()
        .args(["x509", "-in", pem_file, "-noout", "-fingerprint"])
        .arg(format!("-{digest}"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .split_once('=')
        .unwrap_or_else(|| panic!("no fingerprint in {text:?}"))
        .1
        .to_string()
}

#[test]
fn served_chain_fingerprints_match_openssl_sha1_and_sha256() {
    if openssl_bin().is_none() {
        return;
    }
    // Root sent too, so all three kinds of certificate are compared as they came off the wire.
    let k = pki();
    let port = serve(
        &[k.leaf.der.clone(), k.int.der.clone(), k.root.der.clone()],
        &k.leaf.key,
    );
    let r = host_check(port, None, &with_ca(&k.root.der));
    assert_eq!(r.chain.len(), 3);
    let dir = tempfile::tempdir().unwrap();
    for (i, pem) in [&k.leaf.pem, &k.int.pem, &k.root.pem]
        .into_iter()
        .enumerate()
    {
        let f = format!("c{i}.pem");
        fs::write(dir.path().join(&f), pem).unwrap();
        assert_eq!(
            r.chain[i].sha1,
            openssl_fingerprint(dir.path(), &f, "sha1"),
            "#{i}"
        );
        assert_eq!(
            r.chain[i].sha256,
            openssl_fingerprint(dir.path(), &f, "sha256"),
            "#{i}"
        );
    }
}

// ---------------------------------------------------------------- real-world chains (read-only)

/// Third-party reference data is read where it lies (never copied into the repository):
/// `$GWDOCTOR_SHARED`, the `shared/` folder beside the checkout (CI), or `/work/shared`.
fn external(rel: &str) -> Option<PathBuf> {
    let mut bases: Vec<PathBuf> = std::env::var_os("GWDOCTOR_SHARED")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    bases.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    bases.push(PathBuf::from("/work/shared"));
    let found = bases
        .iter()
        .map(|b| b.join("fixtures-external").join(rel))
        .find(|p| p.exists());
    if found.is_none() {
        eprintln!("SKIP: fixtures-external/{rel} not present");
    }
    found
}

/// Root bodies for every listed root that has a public PEM (156), read from the shared
/// fixtures so verdicts do not depend on what the current Mozilla store still carries.
fn listed_roots() -> Option<Vec<Vec<u8>>> {
    Some(pem_file_ders(&external(
        "apigw-roots/apigw-listed-roots.pem",
    )?))
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single().unwrap()
}

#[test]
fn all_156_listed_root_pems_match_the_published_fingerprints() {
    let Some(roots) = listed_roots() else { return };
    assert_eq!(roots.len(), 156);
    for der in &roots {
        let info = cert::parse_der(der).unwrap();
        assert!(
            info.in_apigw_list.is_some(),
            "{} not recognised",
            info.subject
        );
    }
}

#[test]
fn badssl_chains_parse_with_expected_keys_and_signatures() {
    let Some(dir) = external("badssl/chain") else {
        return;
    };
    let leaf = |f: &str| cert::parse_der(&pem_file_ders(&dir.join(f))[0]).unwrap();
    assert_eq!(leaf("wildcard-rsa2048.pem").key.label(), "RSA-2048");
    assert_eq!(leaf("wildcard-rsa4096.pem").key.label(), "RSA-4096");
    assert_eq!(leaf("wildcard-rsa8192.pem").key.label(), "RSA-8192");
    assert_eq!(leaf("wildcard-ecc256.pem").key.label(), "EC P-256");
    let e384 = leaf("wildcard-ecc384.pem");
    assert_eq!(e384.key.label(), "EC P-384");
    assert_eq!(
        leaf("wildcard-sha1-2016.pem").signature,
        "sha1WithRSAEncryption"
    );
    assert_eq!(
        leaf("wildcard-sha384.pem").signature,
        "sha384WithRSAEncryption"
    );
    assert_eq!(
        leaf("wildcard-sha512.pem").signature,
        "sha512WithRSAEncryption"
    );
    assert!(leaf("wildcard-self-signed.pem").self_signed);
    assert!(!leaf("wildcard-rsa2048.pem").self_signed);
    assert_eq!(leaf("subdomain-1000-sans.pem").san_dns.len(), 1000);
    let Some(crt) = external("badssl/src-crt/ca-superfish.crt") else {
        return;
    };
    let superfish = cert::parse_der(&pem_file_ders(&crt)[0]).unwrap();
    assert_eq!(superfish.key.label(), "RSA-1024");
    assert_eq!(superfish.signature, "sha1WithRSAEncryption");
    assert!(superfish.self_signed && superfish.is_ca);
}

#[test]
fn badssl_offline_verdicts() {
    let (Some(dir), Some(roots)) = (external("badssl/chain"), listed_roots()) else {
        return;
    };
    let opts = Options {
        known_roots: Some(roots),
        ..Options::default()
    };
    let run = |f: &str, host: &str, now: DateTime<Utc>| {
        check_file(&dir.join(f), host, now, &opts).unwrap()
    };
    // Healthy public chain, root not sent: reaches a listed root by body.
    let r = run("wildcard-rsa2048.pem", "rsa2048.badssl.com", at(2021, 1, 1));
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    assert!(rule(&r, "supported-ca")
        .detail
        .contains("digicertglobalrootca"));
    // Row 1: expired leaf.
    let r = run("wildcard-expired.pem", "expired.badssl.com", at(2016, 1, 1));
    assert_eq!(ids(&r), vec!["expired"], "{:#?}", r.problem_details);
    // Row 3: self-signed.
    let r = run(
        "wildcard-self-signed.pem",
        "self-signed.badssl.com",
        at(2021, 1, 1),
    );
    assert_eq!(ids(&r)[0], "self-signed");
    // Row 5: incomplete chain, with the AIA URL a browser would fetch.
    let r = run(
        "wildcard-incomplete-chain.pem",
        "incomplete-chain.badssl.com",
        at(2021, 1, 1),
    );
    assert_eq!(
        ids(&r),
        vec!["missing-intermediate"],
        "{:#?}",
        r.problem_details
    );
    assert!(problem(&r, "missing-intermediate")
        .summary
        .contains("http://"));
    // Row 9: RSA-4096 / RSA-8192 leaves.
    let r = run("wildcard-rsa4096.pem", "rsa4096.badssl.com", at(2021, 1, 1));
    assert_eq!(ids(&r), vec!["key-too-large"], "{:#?}", r.problem_details);
    let r = run("wildcard-rsa8192.pem", "rsa8192.badssl.com", at(2022, 6, 1));
    assert!(problem(&r, "key-too-large").summary.contains("RSA-8192"));
    // Row 11: ECDSA leaves pass.
    let r = run("wildcard-ecc384.pem", "ecc384.badssl.com", at(2021, 1, 1));
    assert_eq!(r.verdict, "pass", "{:#?}", r.problem_details);
    // Row 12: SHA-1 intermediate (its AddTrust root is listed; body from the fixtures).
    let r = run(
        "wildcard-sha1-intermediate.pem",
        "sha1-intermediate.badssl.com",
        at(2018, 1, 1),
    );
    assert_eq!(ids(&r), vec!["sha1-signature"], "{:#?}", r.problem_details);
    assert_eq!(problem(&r, "sha1-signature").cert_index, Some(1));
    // Row 13: wrong host.
    let r = run("wildcard-rsa2048.pem", "badssl.example.org", at(2021, 1, 1));
    assert_eq!(ids(&r), vec!["hostname-mismatch"]);
    // Row 14: *.badssl.com does not cover a.b.badssl.com (badssl.com is a separate SAN).
    let r = run("wildcard-rsa2048.pem", "a.b.badssl.com", at(2021, 1, 1));
    assert_eq!(ids(&r), vec!["hostname-mismatch"]);
    // A cross-signed CA above the anchor is not "extra" and its expiry is only a warning.
    let r = run("old/wildcard-main-old.pem", "badssl.com", at(2020, 7, 1));
    assert!(!ids(&r).contains(&"extra-cert"), "{:#?}", r.problem_details);
    assert!(rule(&r, "chain-order")
        .detail
        .contains("above the trust anchor"));
}

#[test]
fn row20_real_chain_with_a_list_that_lacks_its_root() {
    let (Some(dir), Some(roots)) = (external("badssl/chain"), listed_roots()) else {
        return;
    };
    let list = CaList::parse(
        "amazon1\t8D:A7:F9:65:EC:5E:FC:37:91:0F:1C:6E:59:FD:C1:CC:6A:6E:DE:16\t8E:CD:E6:88:4F:3D:87:B1:12:5B:A3:1A:C3:FC:B1:3D:70:16:DE:7F:57:CC:90:4F:E1:CB:97:C6:AE:98:19:6E\n",
        "test: Amazon Root CA 1 only",
    )
    .unwrap();
    let opts = Options {
        known_roots: Some(roots),
        ca_list: Some(list),
        ..Options::default()
    };
    let r = check_file(
        &dir.join("wildcard-rsa2048.pem"),
        "rsa2048.badssl.com",
        at(2021, 1, 1),
        &opts,
    )
    .unwrap();
    assert_eq!(ids(&r), vec!["untrusted-root"], "{:#?}", r.problem_details);
    let p = problem(&r, "untrusted-root");
    assert!(
        p.summary.contains("DigiCert Global Root CA"),
        "{}",
        p.summary
    );
    assert!(p.summary.contains("browsers trust it"), "{}", p.summary);
    assert!(
        p.summary.contains("1 aliases / 1 certificates"),
        "{}",
        p.summary
    );
}
