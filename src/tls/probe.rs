//! The live TLS probe: one rustls handshake over a blocking std `TcpStream` that records the
//! certificate chain exactly as the server sent it, even when it would not verify, and turns
//! transport failures into diagnosable kinds (timeout, plaintext, closed, old version).
//!
//! Design choice: the recording verifier *accepts* every chain (it judges nothing) so the
//! handshake can finish. That gives the negotiated protocol and separates "the certificate
//! is bad" (judged afterwards by `rules`, against API Gateway's CA list, not webpki's) from
//! "the transport is bad". The server's handshake signature is still verified, so a key
//! that does not match the certificate, or an RSA key under 2048 bits, still fails the
//! handshake; the chain is kept and the failure reported next to it.
//!
//! Every wait is bounded by one overall deadline (DNS, connect, each read and write), and
//! the bytes read are capped, so a peer that never answers, trickles, or floods ends in time.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::Resumption;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, ClientConfig, ClientConnection, DigitallySignedStruct, Error as TlsErr,
    InvalidMessage, PeerIncompatible, ProtocolVersion, SignatureScheme,
};

/// Most bytes read from a peer before giving up on the handshake: real chains are a few
/// KiB, rustls refuses handshake messages over 64 KiB, so this only stops floods.
pub const MAX_HANDSHAKE_BYTES: usize = 1024 * 1024;

/// What the server presented.
#[derive(Debug, Clone)]
pub struct Presented {
    /// DER certificates in the order the server sent them (leaf first).
    pub certs: Vec<Vec<u8>>,
    /// `TLSv1.3` / `TLSv1.2` when the handshake completed.
    pub protocol: Option<String>,
    pub cipher_suite: Option<String>,
    /// The SNI name sent, if any.
    pub sni: Option<String>,
    pub peer: SocketAddr,
    /// Set when the handshake failed *after* the chain was captured (e.g. RSA-1024 leaf:
    /// its handshake signature cannot be verified; or a key that does not match).
    pub handshake_error: Option<String>,
    pub elapsed: Duration,
}

/// Why no chain could be captured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetProblem {
    #[error("could not resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    #[error("could not connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error(
        "no complete TLS handshake within {after:?} ({phase}; {bytes_received} bytes received)"
    )]
    Timeout {
        phase: &'static str,
        after: Duration,
        bytes_received: usize,
    },
    #[error("the port does not speak TLS; it answered {preview:?}")]
    NotTls { preview: String },
    #[error("the peer sent invalid TLS: {detail}")]
    Malformed { detail: String },
    #[error("the peer closed the connection during the handshake ({detail})")]
    Closed { detail: String },
    #[error("the server only speaks an old TLS version ({detail})")]
    OldVersion { detail: String },
    #[error("the server aborted the handshake with alert {alert}")]
    Alert { alert: String },
    /// A TLS server (its ServerHello was accepted) then sent a handshake message larger than
    /// rustls accepts: in practice the Certificate message of an oversized chain.
    #[error("the server sent a handshake message over 64 KiB after its ServerHello ({bytes_received} bytes received); an oversized certificate chain")]
    Oversized { bytes_received: usize },
    #[error("local error: {0}")]
    Local(String),
}

#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    seen: Mutex<Option<Vec<Vec<u8>>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsErr> {
        let mut chain = vec![end_entity.to_vec()];
        chain.extend(intermediates.iter().map(|c| c.to_vec()));
        match self.seen.lock() {
            Ok(mut g) => *g = Some(chain),
            Err(poisoned) => *poisoned.into_inner() = Some(chain),
        }
        // Accept: the chain is judged later against API Gateway's rules, not webpki's.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsErr> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsErr> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl Recorder {
    fn take(&self) -> Option<Vec<Vec<u8>>> {
        match self.seen.lock() {
            Ok(mut g) => g.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

/// Connect to `host:port`, handshake with SNI `sni` (`None` sends no SNI, as Java does for
/// IP literals and single-label names), and return the presented chain. `timeout` bounds
/// the whole call: resolution, connect and handshake together.
pub fn probe(
    host: &str,
    port: u16,
    sni: Option<&str>,
    timeout: Duration,
) -> Result<Presented, NetProblem> {
    let start = Instant::now();
    let deadline = start + timeout;
    let host_bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs = resolve(host_bare, port, deadline, timeout)?;
    let mut sock = connect_any(&addrs, deadline, timeout)?;
    let peer = sock.peer_addr().unwrap_or_else(|_| {
        addrs
            .first()
            .copied()
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], port)))
    });
    // Nagle would delay our small records; harmless if it fails.
    let _ = sock.set_nodelay(true);

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let recorder = Arc::new(Recorder {
        provider: provider.clone(),
        seen: Mutex::new(None),
    });
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| NetProblem::Local(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    // A fresh config per probe, and no resumption: a resumed TLS 1.3 session carries no
    // certificate, which would hide the chain.
    config.resumption = Resumption::disabled();
    config.enable_sni = sni.is_some();
    let name_str = sni.unwrap_or(host_bare);
    let server_name = match name_str.parse::<IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => match ServerName::try_from(name_str.to_string()) {
            Ok(n) => n,
            // A name rustls cannot carry as SNI (e.g. with '_'): only an error when asked to send it.
            Err(e) if sni.is_some() => {
                return Err(NetProblem::Local(format!(
                    "invalid SNI name {name_str:?}: {e}"
                )))
            }
            Err(_) => ServerName::IpAddress(IpAddr::from([0, 0, 0, 0]).into()),
        },
    };
    let mut conn = ClientConnection::new(Arc::new(config), server_name)
        .map_err(|e| NetProblem::Local(e.to_string()))?;

    let outcome = handshake(&mut conn, &mut sock, deadline, timeout);
    let captured = recorder.take();
    let elapsed = start.elapsed();
    let sent_sni = sni.map(str::to_string);
    match (outcome, captured) {
        (Ok(()), Some(certs)) => {
            // Polite close; the verdict does not depend on it.
            conn.send_close_notify();
            let _ = sock.set_write_timeout(Some(Duration::from_millis(200)));
            let _ = conn.write_tls(&mut sock);
            Ok(Presented {
                certs,
                protocol: conn.protocol_version().map(version_name),
                cipher_suite: conn
                    .negotiated_cipher_suite()
                    .map(|s| format!("{:?}", s.suite())),
                sni: sent_sni,
                peer,
                handshake_error: None,
                elapsed,
            })
        }
        (Ok(()), None) => Err(NetProblem::Malformed {
            detail: "handshake completed without a server certificate".into(),
        }),
        // The chain arrived before the failure: keep it, the judge can still explain.
        (Err(fail), Some(certs)) => Ok(Presented {
            certs,
            protocol: conn.protocol_version().map(version_name),
            cipher_suite: None,
            sni: sent_sni,
            peer,
            handshake_error: Some(match fail {
                HsFail::Tls(e) => e.to_string(),
                other => other.into_problem().to_string(),
            }),
            elapsed,
        }),
        (Err(fail), _) => Err(fail.into_problem()),
    }
}

/// Whether a Java client (API Gateway) sends SNI for this host: only for DNS names with a
/// dot, never for IP literals or single-label names such as `localhost`.
pub fn java_sends_sni(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.parse::<IpAddr>().is_err() && h.trim_end_matches('.').contains('.')
}

fn version_name(v: ProtocolVersion) -> String {
    match v {
        ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}

fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    // set_read_timeout rejects zero; below a millisecond we are out of time anyway.
    (left >= Duration::from_millis(1)).then_some(left)
}

fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, NetProblem> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    // getaddrinfo has no timeout: run it on a helper thread and stop waiting at the
    // deadline (the thread finishes on its own and its answer is dropped).
    let (tx, rx) = mpsc::channel();
    let target = format!("{host}:{port}");
    std::thread::spawn(move || {
        let r = target.to_socket_addrs().map(|a| a.collect::<Vec<_>>());
        let _ = tx.send(r);
    });
    let wait = remaining(deadline).unwrap_or_default();
    match rx.recv_timeout(wait) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(NetProblem::Resolve {
            host: host.into(),
            reason: "no addresses".into(),
        }),
        Ok(Err(e)) => Err(NetProblem::Resolve {
            host: host.into(),
            reason: e.to_string(),
        }),
        Err(_) => Err(NetProblem::Timeout {
            phase: "DNS resolution",
            after: timeout,
            bytes_received: 0,
        }),
    }
}

fn connect_any(
    addrs: &[SocketAddr],
    deadline: Instant,
    timeout: Duration,
) -> Result<TcpStream, NetProblem> {
    let mut last = None;
    for addr in addrs {
        let Some(left) = remaining(deadline) else {
            break;
        };
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => return Ok(s),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                last = Some(NetProblem::Timeout {
                    phase: "TCP connect (no SYN-ACK; firewall, security group or dead target?)",
                    after: timeout,
                    bytes_received: 0,
                })
            }
            Err(e) => {
                last = Some(NetProblem::Connect {
                    addr: addr.to_string(),
                    reason: e.to_string(),
                })
            }
        }
    }
    Err(last.unwrap_or(NetProblem::Timeout {
        phase: "TCP connect",
        after: timeout,
        bytes_received: 0,
    }))
}

enum HsFail {
    Timeout {
        phase: &'static str,
        after: Duration,
        bytes: usize,
    },
    Eof {
        bytes: usize,
    },
    Io(io::Error),
    Tls(TlsErr),
    /// rustls rejected bytes that are not TLS at all; `first` is what the peer sent.
    NotTls {
        first: Vec<u8>,
    },
    TooMuch {
        bytes: usize,
    },
    /// rustls refused a handshake message over its 64 KiB limit after the ServerHello.
    Oversized {
        bytes: usize,
    },
}

impl HsFail {
    fn into_problem(self) -> NetProblem {
        match self {
            HsFail::Timeout {
                phase,
                after,
                bytes,
            } => NetProblem::Timeout {
                phase,
                after,
                bytes_received: bytes,
            },
            HsFail::Eof { bytes } => NetProblem::Closed {
                detail: format!("unexpected EOF after {bytes} bytes"),
            },
            HsFail::Io(e) => NetProblem::Closed {
                detail: e.to_string(),
            },
            HsFail::NotTls { first } => NetProblem::NotTls {
                preview: preview(&first),
            },
            HsFail::Oversized { bytes } => NetProblem::Oversized {
                bytes_received: bytes,
            },
            HsFail::TooMuch { bytes } => NetProblem::Malformed {
                detail: format!("more than {bytes} bytes without completing the handshake"),
            },
            HsFail::Tls(e) => match e {
                TlsErr::AlertReceived(AlertDescription::ProtocolVersion) => {
                    NetProblem::OldVersion {
                        detail: "the server answered TLS 1.2/1.3 with alert protocol_version"
                            .into(),
                    }
                }
                TlsErr::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13) => {
                    NetProblem::OldVersion {
                        detail: "the server chose a version below TLS 1.2".into(),
                    }
                }
                TlsErr::AlertReceived(a) => NetProblem::Alert {
                    alert: format!("{a:?}"),
                },
                // Before any ServerHello (a real server's oversized chain is caught in
                // `handshake` as `Oversized`): a peer that is not a working TLS server.
                TlsErr::InvalidMessage(InvalidMessage::HandshakePayloadTooLarge)
                | TlsErr::InvalidMessage(InvalidMessage::MessageTooLarge) => {
                    NetProblem::Malformed {
                        detail: "a handshake message over 64 KiB before any ServerHello".into(),
                    }
                }
                other => NetProblem::Malformed {
                    detail: other.to_string(),
                },
            },
        }
    }
}

fn preview(bytes: &[u8]) -> String {
    let text: String = bytes
        .iter()
        .take(48)
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    text.trim_end_matches('.').to_string()
}

/// Does this look like the start of a TLS record (content type 20-24, major version 3)?
fn looks_like_tls(first: &[u8]) -> bool {
    match first {
        [t, v, ..] => (20..=24).contains(t) && *v == 3,
        [t] => (20..=24).contains(t),
        [] => true,
    }
}

fn handshake(
    conn: &mut ClientConnection,
    sock: &mut TcpStream,
    deadline: Instant,
    timeout: Duration,
) -> Result<(), HsFail> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut received = 0usize;
    let mut first: Vec<u8> = Vec::new();
    let timed_out = |received: usize| HsFail::Timeout {
        phase: if received == 0 {
            "no ServerHello"
        } else {
            "handshake incomplete"
        },
        after: timeout,
        bytes: received,
    };
    while conn.is_handshaking() {
        while conn.wants_write() {
            let Some(left) = remaining(deadline) else {
                return Err(timed_out(received));
            };
            sock.set_write_timeout(Some(left)).map_err(HsFail::Io)?;
            match conn.write_tls(sock) {
                Ok(_) => {}
                Err(e) if is_timeout(&e) => return Err(timed_out(received)),
                Err(e) => return Err(HsFail::Io(e)),
            }
        }
        if !conn.is_handshaking() {
            break;
        }
        let Some(left) = remaining(deadline) else {
            return Err(timed_out(received));
        };
        sock.set_read_timeout(Some(left)).map_err(HsFail::Io)?;
        let n = match sock.read(&mut buf) {
            Ok(0) => return Err(HsFail::Eof { bytes: received }),
            Ok(n) => n,
            Err(e) if is_timeout(&e) => return Err(timed_out(received)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(HsFail::Io(e)),
        };
        if first.len() < 64 {
            let take = (64 - first.len()).min(n);
            first.extend_from_slice(&buf[..take]);
        }
        received += n;
        if received > MAX_HANDSHAKE_BYTES {
            return Err(HsFail::TooMuch {
                bytes: MAX_HANDSHAKE_BYTES,
            });
        }
        let mut rd: &[u8] = &buf[..n];
        while !rd.is_empty() {
            if let Err(e) = conn.read_tls(&mut rd) {
                return Err(HsFail::Io(e));
            }
            if let Err(e) = conn.process_new_packets() {
                // Flush our alert so the server logs a reason; best-effort.
                let _ = conn.write_tls(sock);
                if !looks_like_tls(&first) {
                    return Err(HsFail::NotTls { first });
                }
                // A negotiated version means rustls accepted a ServerHello: this is a TLS
                // server, and the message over the limit is in practice its Certificate message (a
                // CertificateRequest with a vast CA-name list is the rare other case), not garbage.
                let oversized = matches!(
                    e,
                    TlsErr::InvalidMessage(
                        InvalidMessage::HandshakePayloadTooLarge | InvalidMessage::MessageTooLarge
                    )
                );
                if oversized && conn.protocol_version().is_some() {
                    return Err(HsFail::Oversized { bytes: received });
                }
                return Err(HsFail::Tls(e));
            }
        }
    }
    // Flush the client Finished so the server completes too.
    while conn.wants_write() {
        let Some(left) = remaining(deadline) else {
            break;
        };
        if sock.set_write_timeout(Some(left)).is_err() || conn.write_tls(sock).is_err() {
            break;
        }
    }
    let _ = sock.flush();
    Ok(())
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
