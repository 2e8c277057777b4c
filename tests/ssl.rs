//! `gwdoctor ssl` end to end: the binary against real TLS servers on 127.0.0.1 serving
//! generated chains, an offline PEM chain, and `--api` over a recorded API whose integration
//! points at a local server. (The rule-by-rule cases of tls.md §5 are unit-tested in
//! src/tls/tests.rs against the same kind of servers.)

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::Value;

use crate::util::{fixture, gwdoctor};

pub(crate) struct Pki {
    root_pem: String,
    chain: Vec<Vec<u8>>,
    pub(crate) chain_pem: String,
    key: KeyPair,
}

/// root → intermediate → leaf for `localhost`, the leaf valid for `leaf_days` from a day ago.
pub(crate) fn pki(leaf_days: i64) -> Pki {
    let ca = |cn: &str| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p
    };
    let root_key = KeyPair::generate().unwrap();
    let root_p = ca("gwdoctor test root");
    let root = root_p.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_p, root_key);
    let int_key = KeyPair::generate().unwrap();
    let int_p = ca("gwdoctor test intermediate");
    let int = int_p.signed_by(&int_key, &root_issuer).unwrap();
    let int_issuer = Issuer::new(int_p, int_key);
    let key = KeyPair::generate().unwrap();
    let mut lp = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    lp.distinguished_name.push(DnType::CommonName, "localhost");
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
        chain: vec![leaf.der().to_vec(), int.der().to_vec()],
        chain_pem: format!("{}{}", leaf.pem(), int.pem()),
        key,
    }
}

/// A rustls server that completes handshakes with `chain` until the test process ends.
fn serve(p: &Pki) -> u16 {
    let certs = p
        .chain
        .iter()
        .map(|d| rustls::pki_types::CertificateDer::from(d.clone()))
        .collect();
    let key = rustls::pki_types::PrivateKeyDer::try_from(p.key.serialize_der()).unwrap();
    let cfg = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { continue };
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
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
