//! `gwdoctor ssl` end to end: the binary against real TLS servers on 127.0.0.1 serving
//! generated chains, an offline PEM chain, and `--api` over a recorded API whose integration
//! points at a local server. (The rule-by-rule cases of tls.md §5 are unit-tested in
//! src/tls/tests.rs against the same kind of servers.)

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use serde_json::Value;

use crate::util::{fixture, gwdoctor};

pub(crate) struct Pki {
    root_pem: String,
    root_der: Vec<u8>,
    int_pem: String,
    leaf_pem: String,
    /// leaf, intermediate (the root is not sent unless a test adds `root_der`).
    chain: Vec<Vec<u8>>,
    pub(crate) chain_pem: String,
    key: KeyPair,
}

/// root → intermediate → leaf for `localhost`, the leaf valid for `leaf_days` from a day ago.
pub(crate) fn pki(leaf_days: i64) -> Pki {
    pki_full(leaf_days, true, "localhost")
}

/// As `pki`, with the root's keyUsage keyCertSign optional (CA:TRUE is kept) and the leaf
/// issued for `leaf_name`.
fn pki_full(leaf_days: i64, root_key_cert_sign: bool, leaf_name: &str) -> Pki {
    let ca = |cn: &str, kcs: bool| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = if kcs {
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]
        } else {
            vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::CrlSign]
        };
        p
    };
    let root_key = KeyPair::generate().unwrap();
    let root_p = ca("gwdoctor test root", root_key_cert_sign);
    let root = root_p.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_p, root_key);
    let int_key = KeyPair::generate().unwrap();
    let int_p = ca("gwdoctor test intermediate", true);
    let int = int_p.signed_by(&int_key, &root_issuer).unwrap();
    let int_issuer = Issuer::new(int_p, int_key);
    let key = KeyPair::generate().unwrap();
    let mut lp = CertificateParams::new(vec![leaf_name.to_string()]).unwrap();
    lp.distinguished_name.push(DnType::CommonName, leaf_name);
    let day = |off: i64| {
        use chrono::Datelike;
        let t = (chrono::Utc::now() + chrono::Duration::days(off)).date_naive();
        rcgen::date_time_ymd(t.year(), t.month() as u8, t.day() as u8)
    };
    lp.not_before = day(if leaf_days < 0 { -400 } else { -1 });
    lp.not_after = day(leaf_days);
    let leaf = lp.signed_by(&key, &int_issuer).unwrap();
    Pki {
        root_pem: root.pem(),
        root_der: root.der().to_vec(),
        int_pem: int.pem(),
        leaf_pem: leaf.pem(),
        chain: vec![leaf.der().to_vec(), int.der().to_vec()],
        chain_pem: format!("{}{}", leaf.pem(), int.pem()),
        key,
    }
}

fn certified(chain: &[Vec<u8>], key: &KeyPair) -> Arc<CertifiedKey> {
    let der = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&der).unwrap();
    Arc::new(CertifiedKey::new(
        chain
            .iter()
            .map(|d| rustls::pki_types::CertificateDer::from(d.clone()))
            .collect(),
        signing,
    ))
}

/// Picks the certificate by the SNI the client sent (`default` without SNI or for other
/// names), like a virtual-hosting backend.
#[derive(Debug)]
struct BySni {
    default: Arc<CertifiedKey>,
    named: Vec<(String, Arc<CertifiedKey>)>,
}

impl ResolvesServerCert for BySni {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let sni = hello.server_name();
        Some(
            self.named
                .iter()
                .find(|(n, _)| Some(n.as_str()) == sni)
                .map_or(self.default.clone(), |(_, c)| c.clone()),
        )
    }
}

/// A rustls server that completes handshakes with `chain` until the test process ends.
fn serve(p: &Pki) -> u16 {
    serve_chain(&p.chain, &p.key)
}

fn serve_chain(chain: &[Vec<u8>], key: &KeyPair) -> u16 {
    serve_resolver(BySni {
        default: certified(chain, key),
        named: Vec::new(),
    })
}

fn serve_resolver(resolver: BySni) -> u16 {
    let cfg = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver)),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { continue };
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                // A client that stalls cannot pin this thread for longer than the test.
                let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = sock.set_write_timeout(Some(Duration::from_secs(5)));
                let Ok(mut conn) = rustls::ServerConnection::new(cfg) else {
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

fn json(args: &[&str]) -> (i32, Value, String) {
    let out = gwdoctor().args(args).args(["-o", "json"]).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn status<'a>(v: &'a Value, id: &str) -> &'a str {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()["status"]
        .as_str()
        .unwrap()
}

#[test]
fn private_root_fails_until_it_is_supplied() {
    let p = pki(200);
    let port = serve(&p);
    let target = format!("localhost:{port}");
    let (code, v, err) = json(&["ssl", &target]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["tls"]["verdict"], "fail");
    assert!(
        v["tls"]["problems"]
            .as_array()
            .unwrap()
            .contains(&Value::from("untrusted-root")),
        "{}",
        v["tls"]["problems"]
    );
    assert_eq!(status(&v, "tls-untrusted-ca"), "found");
    assert_eq!(v["tls"]["chain"].as_array().unwrap().len(), 2);
    assert!(v["tls"]["chain"][0]["sha256"]
        .as_str()
        .unwrap()
        .contains(':'));

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.pem");
    std::fs::write(&root, &p.root_pem).unwrap();
    let (code, v, err) = json(&["ssl", &target, "--ca-file", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err} {v}");
    assert_eq!(v["tls"]["verdict"], "pass");
    assert_eq!(status(&v, "tls-untrusted-ca"), "passed");
}

#[test]
fn expired_chain_from_a_file() {
    let p = pki(-30);
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("chain.pem");
    std::fs::write(&chain, &p.chain_pem).unwrap();
    let root = dir.path().join("root.pem");
    std::fs::write(&root, &p.root_pem).unwrap();
    let (code, v, err) = json(&[
        "ssl",
        "localhost",
        "--file",
        chain.to_str().unwrap(),
        "--ca-file",
        root.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["tls"]["problems"], serde_json::json!(["expired"]));
    assert_eq!(status(&v, "tls-cert-validity"), "found");
    // Without the host the hostname rule cannot be judged: a clear usage error.
    let out = gwdoctor()
        .args(["ssl", "--file", chain.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--file needs the host"));
}

#[test]
fn silent_port_is_a_handshake_timeout_within_the_limit() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let start = Instant::now();
    let (code, v, err) = json(&["ssl", &format!("127.0.0.1:{port}"), "--timeout", "2"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        v["tls"]["problems"],
        serde_json::json!(["handshake-timeout"])
    );
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn refused_port_is_an_error_not_a_verdict() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = gwdoctor()
        .args(["ssl", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no TLS verdict"));
}

/// `--api` finds the HTTPS backends of HTTP/HTTP_PROXY integrations in a recording (here the
/// demo incident with one integration pointed at a local server) and checks each.
#[test]
fn api_mode_checks_each_https_integration() {
    let p = pki(200);
    let port = serve(&p);
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("demo/incident.json")).unwrap())
            .unwrap();
    let api = v["apis"][0]["id"].as_str().unwrap().to_string();
    let routes = v["routes"][&api].as_array_mut().unwrap();
    routes[0]["integration"] = serde_json::json!({"type": "HTTP_PROXY", "uri": format!("https://localhost:{port}/orders"), "request_templates": []});
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("incident.json");
    std::fs::write(&f, serde_json::to_string(&v).unwrap()).unwrap();
    let (code, out, err) = json(&["ssl", "--api", "demo", "--replay", f.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let backends = out["tls"]["backends"].as_array().unwrap();
    assert_eq!(backends.len(), 1, "{out}");
    assert_eq!(backends[0]["port"], port);
    assert!(
        backends[0]["routes"][0]
            .as_str()
            .is_some_and(|r| r.ends_with("/orders")),
        "{}",
        backends[0]
    );
    assert_eq!(out["tls"]["verdict"], "fail");
}

/// Runs the binary with the default text output: (exit code, stdout, stderr).
fn text(args: &[&str]) -> (i32, String, String) {
    let out = gwdoctor().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `content` to `dir/name` and returns the path as a string for the command line.
fn file(dir: &tempfile::TempDir, name: &str, content: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    p.to_str().unwrap().to_string()
}

fn problems(v: &Value) -> Vec<&str> {
    v["tls"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect()
}

fn problem_summary<'a>(v: &'a Value, id: &str) -> &'a str {
    v["tls"]["problem_details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no problem {id}: {}", v["tls"]["problems"]))["summary"]
        .as_str()
        .unwrap()
}

fn rule<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["tls"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == name)
        .unwrap_or_else(|| panic!("no rule {name}"))
}

/// Lower-case hex digest of `der`, computed here rather than by gwdoctor.
fn hex_digest(alg: &'static aws_lc_rs::digest::Algorithm, der: &[u8]) -> String {
    aws_lc_rs::digest::digest(alg, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A `--ca-list` file with one entry: `alias` for `root_der`.
fn ca_list_for(dir: &tempfile::TempDir, alias: &str, root_der: &[u8]) -> String {
    let line = format!(
        "# test list\n{alias}\t{}\t{}\n",
        hex_digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, root_der),
        hex_digest(&aws_lc_rs::digest::SHA256, root_der)
    );
    file(dir, "list.tsv", &line)
}

#[test]
fn sni_flag_is_sent_and_verified() {
    // A virtual-hosting backend: api.example.test's certificate only for that SNI, another
    // name's certificate without SNI (what API Gateway gets for an IP-literal URI).
    let named = pki_full(200, true, "api.example.test");
    let other = pki_full(200, true, "default.example.test");
    let port = serve_resolver(BySni {
        default: certified(&other.chain, &other.key),
        named: vec![(
            "api.example.test".to_string(),
            certified(&named.chain, &named.key),
        )],
    });
    let dir = tempfile::tempdir().unwrap();
    let roots = file(
        &dir,
        "roots.pem",
        &format!("{}{}", named.root_pem, other.root_pem),
    );
    let target = format!("127.0.0.1:{port}");

    let (code, v, err) = json(&["ssl", &target, "--ca-file", &roots]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["tls"]["sni"], Value::Null);
    assert!(v["tls"]["chain"][0]["subject"]
        .as_str()
        .unwrap()
        .contains("default.example.test"));
    assert_eq!(problems(&v), vec!["hostname-mismatch"]);
    assert!(problem_summary(&v, "hostname-mismatch").contains("integration host '127.0.0.1'"));

    let (code, v, err) = json(&[
        "ssl",
        &target,
        "--ca-file",
        &roots,
        "--sni",
        "api.example.test",
    ]);
    assert_eq!(code, 0, "{err} {v}");
    assert_eq!(v["tls"]["verdict"], "pass");
    assert_eq!(v["tls"]["sni"], "api.example.test");
    assert!(v["tls"]["chain"][0]["subject"]
        .as_str()
        .unwrap()
        .contains("api.example.test"));
    // The hostname rule verified the SNI name, not the connect address.
    assert!(
        rule(&v, "hostname")["detail"]
            .as_str()
            .unwrap()
            .contains("'api.example.test' matches SAN api.example.test"),
        "{}",
        rule(&v, "hostname")
    );
    // The second handshake, without SNI, got the other certificate and says so.
    assert_eq!(v["tls"]["sni_comparison"]["same_chain"], false);
    assert!(rule(&v, "sni")["detail"]
        .as_str()
        .unwrap()
        .contains("default.example.test"));
}

#[test]
fn warn_days_sets_the_expiring_soon_threshold() {
    // The leaf ends at midnight 20 days from today: 19 whole days left, whatever the hour.
    let p = pki(20);
    let port = serve(&p);
    let dir = tempfile::tempdir().unwrap();
    let root = file(&dir, "root.pem", &p.root_pem);
    let target = format!("localhost:{port}");
    let base = ["ssl", target.as_str(), "--ca-file", root.as_str()];

    // Default 30 days: a warning, which is at the default --fail-on.
    let (code, v, err) = json(&base);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["tls"]["verdict"], "warn");
    assert_eq!(problems(&v), vec!["expiring-soon"]);
    assert!(problem_summary(&v, "expiring-soon").contains("expires in 19 days"));
    assert_eq!(status(&v, "tls-cert-validity"), "found");

    // "Within N days" is strict: 19 days left warns at 20, not at 19.
    let (code, v, err) = json(&[&base[..], &["--warn-days", "20"]].concat());
    assert_eq!(code, 1, "{err}");
    assert_eq!(problems(&v), vec!["expiring-soon"]);
    let (code, v, err) = json(&[&base[..], &["--warn-days", "19"]].concat());
    assert_eq!(code, 0, "{err} {v}");
    assert_eq!(v["tls"]["verdict"], "pass");
    assert!(problems(&v).is_empty());
    assert_eq!(status(&v, "tls-cert-validity"), "passed");
}

#[test]
fn ca_list_replaces_the_published_list() {
    // The server sends its root, so a list entry can be matched by fingerprint.
    let p = pki(200);
    let mut with_root = p.chain.clone();
    with_root.push(p.root_der.clone());
    let port = serve_chain(&with_root, &p.key);
    let dir = tempfile::tempdir().unwrap();
    let list = ca_list_for(&dir, "gwdoctortestroot", &p.root_der);
    let target = format!("localhost:{port}");

    let (code, v, err) = json(&["ssl", &target]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(problems(&v), vec!["untrusted-root"]);
    assert!(problem_summary(&v, "untrusted-root").contains("398 aliases / 247 certificates"));
    assert_eq!(v["tls"]["chain"][2]["in_apigw_list"], Value::Null);

    let (code, v, err) = json(&["ssl", &target, "--ca-list", &list]);
    assert_eq!(code, 0, "{err} {v}");
    assert_eq!(v["tls"]["verdict"], "pass");
    assert_eq!(v["tls"]["chain"][2]["in_apigw_list"], "gwdoctortestroot");
    assert!(rule(&v, "supported-ca")["detail"]
        .as_str()
        .unwrap()
        .contains("listed as gwdoctortestroot"));

    // Root not sent: gwdoctor holds no body for the listed root, and says how many of the
    // list's certificates it can check instead of calling the root unlisted.
    let port = serve(&p);
    let (code, v, err) = json(&["ssl", &format!("localhost:{port}"), "--ca-list", &list]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(problems(&v), vec!["untrusted-root"]);
    let s = problem_summary(&v, "untrusted-root");
    assert!(
        s.contains("which is neither sent nor a root gwdoctor has a certificate for (0 of the list's 1 certificates are known here; if it is a listed root, pass it with --ca-file to confirm)"),
        "{s}"
    );

    // A malformed list is a usage error naming the flag.
    let bad = file(&dir, "bad.tsv", "alias\tnot-hex\n");
    let (code, _, err) = text(&["ssl", &target, "--ca-list", &bad]);
    assert_eq!(code, 2);
    assert!(err.contains("--ca-list"), "{err}");
}

#[test]
fn ca_replace_trusts_only_the_ca_file() {
    let p = pki(200);
    let other = pki(200);
    let mut with_root = p.chain.clone();
    with_root.push(p.root_der.clone());
    let port = serve_chain(&with_root, &p.key);
    let dir = tempfile::tempdir().unwrap();
    let list = ca_list_for(&dir, "listedroot", &p.root_der);
    let other_root = file(&dir, "other.pem", &other.root_pem);
    let own_root = file(&dir, "own.pem", &p.root_pem);
    let target = format!("localhost:{port}");

    // --ca-file adds to the list: the listed root still counts.
    let (code, v, err) = json(&["ssl", &target, "--ca-list", &list, "--ca-file", &other_root]);
    assert_eq!(code, 0, "{err} {v}");
    // --ca-replace: only the --ca-file anchors, so the listed root no longer does.
    let (code, v, err) = json(&[
        "ssl",
        &target,
        "--ca-list",
        &list,
        "--ca-file",
        &other_root,
        "--ca-replace",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(problems(&v), vec!["untrusted-root"]);
    assert!(
        problem_summary(&v, "untrusted-root").contains("the --ca-file anchors (CA list ignored)")
    );
    // ... and the replacement anchors are trusted.
    let (code, v, err) = json(&["ssl", &target, "--ca-file", &own_root, "--ca-replace"]);
    assert_eq!(code, 0, "{err} {v}");
    assert!(rule(&v, "supported-ca")["detail"]
        .as_str()
        .unwrap()
        .contains("given with --ca-file"));

    let (code, _, err) = text(&["ssl", &target, "--ca-replace"]);
    assert_eq!(code, 2);
    assert!(err.contains("--ca-replace needs --ca-file"), "{err}");
}

#[test]
fn insecure_skip_verification_flag_checks_the_private_root() {
    let good = pki(200);
    let mut chain = good.chain.clone();
    chain.push(good.root_der.clone());
    let port = serve_chain(&chain, &good.key);
    let target = format!("localhost:{port}");

    let (code, v, _) = json(&["ssl", &target]);
    assert_eq!(code, 1);
    assert_eq!(problems(&v), vec!["untrusted-root"]);

    // The list is not required, the sent private root has CA:TRUE and keyCertSign.
    let (code, v, err) = json(&["ssl", &target, "--insecure-skip-verification"]);
    assert_eq!(code, 0, "{err} {v}");
    assert_eq!(v["tls"]["verdict"], "pass");
    assert_eq!(rule(&v, "root-constraints")["outcome"], "pass");
    assert!(rule(&v, "supported-ca")["detail"]
        .as_str()
        .unwrap()
        .contains("insecureSkipVerification is on"));

    // The hostname still counts: the leaf is for localhost, not 127.0.0.1.
    let (code, v, _) = json(&[
        "ssl",
        &format!("127.0.0.1:{port}"),
        "--insecure-skip-verification",
    ]);
    assert_eq!(code, 1);
    assert_eq!(problems(&v), vec!["hostname-mismatch"]);

    // A private root without keyUsage keyCertSign fails the insecureSkipVerification rule.
    let bad = pki_full(200, false, "localhost");
    let mut chain = bad.chain.clone();
    chain.push(bad.root_der.clone());
    let port = serve_chain(&chain, &bad.key);
    let (code, v, _) = json(&[
        "ssl",
        &format!("localhost:{port}"),
        "--insecure-skip-verification",
    ]);
    assert_eq!(code, 1);
    assert_eq!(problems(&v), vec!["untrusted-root"]);
    assert_eq!(rule(&v, "root-constraints")["outcome"], "fail");
    assert!(problem_summary(&v, "untrusted-root").contains("lacks keyUsage keyCertSign"));
}

/// The text report with the values that change between runs filtered out; dates and short
/// fingerprints keep their width so the snapshot shows the table's alignment.
fn stable_text(s: &str) -> String {
    let subs: [(&str, &str); 6] = [
        (r"(?:[0-9A-F]{2}:){31}[0-9A-F]{2}", "[SHA256]"),
        (r"(?:[0-9A-F]{2}:){5}[0-9A-F]{2}…", "XX:XX:XX:XX:XX:XX…"),
        (r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
        (r"\b\d{2}:\d{2} UTC", "HH:MM UTC"),
        (r"(localhost|127\.0\.0\.1):\d+", "$1:[PORT]"),
        (r"in \d+ ms", "in [N] ms"),
    ];
    let mut out = s.to_string();
    for (re, with) in subs {
        out = regex::Regex::new(re)
            .unwrap()
            .replace_all(&out, with)
            .into_owned();
    }
    out
}

#[test]
fn text_output_rules_chain_table_and_verdict() {
    let p = pki(20);
    let port = serve(&p);
    let dir = tempfile::tempdir().unwrap();
    let root = file(&dir, "root.pem", &p.root_pem);
    let target = format!("localhost:{port}");

    let (code, out, err) = text(&["ssl", &target, "--ca-file", &root]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let find = |prefix: &str| -> &str {
        lines
            .iter()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in\n{out}"))
    };
    assert_eq!(
        find("Verdict:"),
        format!("Verdict: warn. {target} will probably work, with a risk. Next: Renew before it expires; check that automatic renewal is running.")
    );
    // One line per rule, in order, each with its outcome.
    let rules: Vec<(&str, &str)> = lines
        .iter()
        .filter_map(|l| {
            let l = l.strip_prefix("  ")?;
            let (mark, rest) = [
                ("✓ pass", "pass"),
                ("⚠ warn", "warn"),
                ("✗ fail", "fail"),
                ("– n/a ", "n/a"),
            ]
            .iter()
            .find_map(|(m, o)| l.strip_prefix(m).map(|r| (*o, r)))?;
            Some((rest.split_whitespace().next()?, mark))
        })
        .collect();
    assert_eq!(
        rules,
        vec![
            ("supported-ca", "pass"),
            ("validity", "warn"),
            ("chain-order", "pass"),
            ("key", "pass"),
            ("signature", "pass"),
            ("hostname", "pass"),
            ("root-constraints", "n/a"),
            ("handshake", "pass"),
            // 'localhost' is single-label: judged without SNI, compared with SNI.
            ("sni", "pass"),
        ],
        "{out}"
    );
    assert!(find("⚠ warn  validity").contains("leaf #0 CN=localhost expires in 19 days"));
    // The chain table: both certificates, with the short SHA-256 AWS and openssl print.
    let (_, v, _) = json(&["ssl", &target, "--ca-file", &root]);
    let header = find("#  subject");
    assert!(
        header.contains("SHA-256") && header.contains("in API GW list"),
        "{header}"
    );
    let int_expires = v["tls"]["chain"][1]["not_after"].as_str().unwrap()[..10].to_string();
    for (i, (cn, expires)) in [
        (
            "CN=localhost",
            (chrono::Utc::now() + chrono::Duration::days(20))
                .format("%Y-%m-%d")
                .to_string(),
        ),
        ("CN=gwdoctor test intermediate", int_expires),
    ]
    .into_iter()
    .enumerate()
    {
        let row = find(&format!("{i}  {cn}"));
        let sha = v["tls"]["chain"][i]["sha256"].as_str().unwrap();
        assert!(row.contains(&format!("{}…", &sha[..17])), "{row} vs {sha}");
        assert!(
            row.contains("EC P-256") && row.contains("ecdsa-with-SHA256"),
            "{row}"
        );
        assert!(row.trim_end().ends_with(" -"), "not listed: {row}");
        assert!(row.contains(&expires), "{row}");
    }
    insta::assert_snapshot!("ssl_text_warn", stable_text(&out));

    // Without the private root: the failing rule, and the verdict names the next step.
    let (code, out, _) = text(&["ssl", &target]);
    assert_eq!(code, 1);
    assert!(
        out.contains(&format!("Verdict: fail. API Gateway will not accept {target} (expect \"General SSLEngine problem\" or a PKIX error). Next: If that issuer is a private root, pass it with --ca-file")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("  ✗ fail  supported-ca     chain ends at #1")),
        "{out}"
    );
}

#[test]
fn served_fingerprints_match_openssl() {
    let Some(openssl) = crate::util::openssl() else {
        return;
    };
    let p = pki(200);
    let mut chain = p.chain.clone();
    chain.push(p.root_der.clone());
    let port = serve_chain(&chain, &p.key);
    let target = format!("localhost:{port}");
    let (_, v, err) = json(&["ssl", &target]);
    assert_eq!(v["tls"]["chain"].as_array().map(Vec::len), Some(3), "{err}");
    let (_, out, _) = text(&["ssl", &target]);
    let dir = tempfile::tempdir().unwrap();
    for (i, pem) in [&p.leaf_pem, &p.int_pem, &p.root_pem]
        .into_iter()
        .enumerate()
    {
        let f = file(&dir, &format!("c{i}.pem"), pem);
        for (digest, key) in [("-sha1", "sha1"), ("-sha256", "sha256")] {
            let o = std::process::Command::new(&openssl)
                .args(["x509", "-noout", "-fingerprint", digest, "-in", &f])
                .output()
                .unwrap();
            assert!(o.status.success());
            // "sha1 Fingerprint=AB:CD:…" (OpenSSL 3) or "SHA1 Fingerprint=…" (1.1).
            let line = String::from_utf8_lossy(&o.stdout);
            let fp = line.trim().split_once('=').unwrap().1;
            assert_eq!(v["tls"]["chain"][i][key], fp, "#{i} {key}");
        }
        let sha = v["tls"]["chain"][i]["sha256"].as_str().unwrap();
        assert!(
            out.contains(&format!("{}…", &sha[..17])),
            "#{i} not in\n{out}"
        );
    }
}

/// `--api` against the emulator: moto stores an integration's tlsConfig, the SDK reads it
/// back, and each backend is judged with its own insecureSkipVerification.
#[test]
fn api_mode_honours_insecure_skip_verification_per_integration() {
    let Some(endpoint) = crate::util::emulator() else {
        return;
    };
    // Two backends with the same kind of chain (private root, sent, CA:TRUE + keyCertSign):
    // only the integration setting differs.
    let strict = pki(200);
    let private = pki(200);
    let port_of = |p: &Pki| {
        let mut chain = p.chain.clone();
        chain.push(p.root_der.clone());
        serve_chain(&chain, &p.key)
    };
    let (strict_port, private_port) = (port_of(&strict), port_of(&private));
    let region = "ca-west-1";
    let strict_url = format!("https://localhost:{strict_port}/v1");
    let private_url = format!("https://localhost:{private_port}/v1");
    let seeded = crate::live::seed_json_with(
        &endpoint,
        "ssl-backends",
        region,
        &[
            "--tls-backend",
            &strict_url,
            "--skip-tls-backend",
            &private_url,
        ],
    );
    // If moto ever drops tlsConfig, say so here rather than as a wrong verdict below.
    assert_eq!(
        seeded["tls_config"]["/private-0"]["insecureSkipVerification"], true,
        "moto did not store tlsConfig: {seeded}"
    );
    let api = seeded["api_id"].as_str().unwrap();
    let out = gwdoctor()
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["ssl", "--api", api, "--region", region, "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err} {v}");
    assert_eq!(v["tls"]["verdict"], "fail");
    let backends = v["tls"]["backends"].as_array().unwrap();
    assert_eq!(backends.len(), 2, "{v}");
    let by_port = |port: u16| {
        backends
            .iter()
            .find(|b| b["port"] == port)
            .unwrap_or_else(|| panic!("no backend on {port}: {v}"))
    };
    let s = by_port(strict_port);
    assert_eq!(s["insecure_skip_verification"], false);
    assert_eq!(s["routes"], serde_json::json!(["GET /strict-0"]));
    assert_eq!(s["verdict"], "fail");
    assert_eq!(s["problems"], serde_json::json!(["untrusted-root"]));
    let p = by_port(private_port);
    assert_eq!(p["insecure_skip_verification"], true);
    assert_eq!(p["routes"], serde_json::json!(["GET /private-0"]));
    assert_eq!(p["verdict"], "pass", "{p}");
    assert!(p["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule"] == "root-constraints" && r["outcome"] == "pass"));
    // The finding names the route it came from.
    assert!(v.to_string().contains("used by GET /strict-0"), "{v}");
}
