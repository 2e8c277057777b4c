//! The dashboard without a terminal: the app state driven by events, drawn into ratatui's
//! `TestBackend` and snapshotted (gitui's full-app snapshot test). The data is the bundled demo
//! incident run through the real `latency` and `ssl --api` panels.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use gwdoctor::checks::Settings;
use gwdoctor::commands::latency::{LatencyRequest, WindowSpec};
use gwdoctor::finding::{CheckResult, Evidence, Finding, Report, Severity, TargetInfo, SCHEMA};
use gwdoctor::source::replay::ReplaySource;
use gwdoctor::source::Source;
use gwdoctor::tui::app::{App, Pane, Screen};
use gwdoctor::tui::event::{AppEvent, Effect, Event};
use gwdoctor::tui::panels::{PanelData, PanelId, PanelSource};
use gwdoctor::tui::{self, view, DashOptions};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::util::{fixture, gwdoctor};

fn options(api: &str) -> DashOptions {
    DashOptions {
        // The key-driven tests below start each panel themselves; `every_check_starts_at_once`
        // covers the default (`start_all`).
        latency: LatencyRequest {
            api: api.into(),
            stage: None,
            window: WindowSpec::default(),
            settings: Settings::default(),
            top: 5,
            extra_checks: Vec::new(),
        },
        tls_timeout: Duration::from_secs(5),
        refresh: Some(Duration::from_secs(60)),
        log_file: None,
        replay: Some(fixture("demo/incident.json")),
        aws: Default::default(),
        color: false,
        start_all: false,
    }
}

/// A dashboard over the demo incident, with its panel sources and the replay source.
struct Harness {
    app: App,
    sources: Vec<Arc<dyn PanelSource>>,
    source: Arc<dyn Source>,
    now: Instant,
    rt: tokio::runtime::Runtime,
}

impl Harness {
    fn new() -> Harness {
        Harness::on("demo/incident.json")
    }

    fn on(replay: &str) -> Harness {
        Harness::on_api(replay, "demo")
    }

    fn on_api(replay: &str, api: &str) -> Harness {
        Harness::with(replay, options(api))
    }

    fn with(replay: &str, opts: DashOptions) -> Harness {
        let now = Instant::now();
        let (app, sources) = tui::build(&opts, "replay incident.json".into(), None, now);
        Harness {
            app,
            sources,
            source: Arc::new(ReplaySource::open(&fixture(replay)).unwrap()),
            now,
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    fn send(&mut self, ev: Event) -> Vec<Effect> {
        self.app.update(ev, self.now)
    }

    fn key(&mut self, code: KeyCode) -> Vec<Effect> {
        self.send(Event::Term(TermEvent::Key(KeyEvent::new(
            code,
            KeyModifiers::NONE,
        ))))
    }

    fn keys(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn connect(&mut self) -> Vec<Effect> {
        self.send(Event::App(AppEvent::Connected {
            region: "us-east-1".into(),
        }))
    }

    /// Runs the loads the app asked for (as the run loop does) and delivers their results,
    /// with a fixed duration so the snapshots are stable.
    fn run(&mut self, effects: Vec<Effect>) {
        for Effect::Load { panel, gen, arg } in effects {
            let ps = self
                .sources
                .iter()
                .find(|s| s.spec().id == panel)
                .unwrap()
                .clone();
            let src = self.source.clone();
            let result = self
                .rt
                .block_on(async move { ps.load(src.as_ref(), arg.as_deref()).await })
                .map(Box::new)
                .map_err(|e| format!("{e:#}"));
            self.send(Event::App(AppEvent::Loaded {
                panel,
                gen,
                took: Duration::from_millis(12),
                result,
            }));
        }
    }

    fn loaded() -> Harness {
        Harness::loaded_on("demo/incident.json")
    }

    fn loaded_on(replay: &str) -> Harness {
        let mut h = Harness::on(replay);
        let fx = h.connect();
        h.run(fx);
        h
    }

    fn draw(&mut self, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        // Twice, as the run loop converges: the first draw measures, the second uses it.
        for _ in 0..2 {
            let mut vp = self.app.viewport;
            t.draw(|f| vp = view::draw(f, &self.app)).unwrap();
            self.app.set_viewport(vp);
        }
        t
    }

    fn screen(&mut self, w: u16, h: u16) -> String {
        self.draw(w, h).backend().to_string()
    }
}

#[test]
fn loading() {
    let mut h = Harness::new();
    insta::assert_snapshot!("connecting", h.screen(100, 30));
    let fx = h.connect();
    assert_eq!(fx.len(), 1, "latency starts on its own; tls waits for s");
    h.send(Event::App(AppEvent::Call {
        panel: PanelId::Latency,
        gen: 1,
        call: "APIs",
        done: false,
    }));
    h.send(Event::App(AppEvent::Call {
        panel: PanelId::Latency,
        gen: 1,
        call: "APIs",
        done: true,
    }));
    h.send(Event::App(AppEvent::Call {
        panel: PanelId::Latency,
        gen: 1,
        call: "metrics",
        done: false,
    }));
    let s = h.screen(100, 30);
    assert!(s.contains("reading metrics · 1/2 calls done"), "{s}");
    insta::assert_snapshot!("loading", s);
}

#[test]
fn findings() {
    let mut h = Harness::loaded();
    let s = h.screen(100, 30);
    assert!(s.contains("Verdict: backend"), "{s}");
    assert!(
        s.contains("▶ ⚠ apigw-backend-latency"),
        "worst first, selected: {s}"
    );
    assert!(s.contains("peak 2491 ms at 09:38"), "{s}");
    insta::assert_snapshot!("findings_100x30", s);
    insta::assert_snapshot!("findings_80x24", h.screen(80, 24));
    insta::assert_snapshot!("findings_140x40", h.screen(140, 40));
}

#[test]
fn detail_and_docs() {
    let mut h = Harness::loaded();
    h.key(KeyCode::Enter);
    let s = h.screen(100, 30);
    assert!(s.contains("Remedy") && s.contains("Evidence (4)"), "{s}");
    insta::assert_snapshot!("detail", s);
    h.keys("e");
    let s = h.screen(100, 30);
    assert!(s.contains("Why it matters"), "{s}");
    insta::assert_snapshot!("docs", s);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.screen(), None);
}

#[test]
fn help() {
    let mut h = Harness::loaded();
    h.keys("?");
    insta::assert_snapshot!("help", h.screen(100, 30));
}

#[test]
fn trace_prompt() {
    let mut h = Harness::loaded();
    h.keys("t");
    h.keys("c0ffee00-1234-4d2f-9a8b-0123456789ab");
    insta::assert_snapshot!("trace_prompt", h.screen(100, 30));
}

/// `t`, an id, Enter: `gwdoctor trace` runs and its timeline fills the screen; a bad id says
/// why; `t` later shows the last trace again.
#[test]
fn trace_timeline() {
    let fixture = "request-failure-cause/malformed-proxy-response.json";
    let mut h = Harness::on_api(fixture, "vmw8sw9gac");
    let fx = h.connect();
    h.run(fx);
    h.keys("t");
    let trace = |h: &mut Harness, id: &str| {
        // Ctrl-U clears the prompt.
        h.send(Event::Term(TermEvent::Key(KeyEvent::new(
            KeyCode::Char('u'),
            KeyModifiers::CONTROL,
        ))));
        h.keys(id);
        let fx = h.key(KeyCode::Enter);
        h.run(fx);
        h.screen(100, 30)
    };
    let s = trace(&mut h, "bad;id");
    assert!(
        s.contains("Trace failed:") && s.contains("is not a request id"),
        "{s}"
    );
    let s = trace(&mut h, "0000aaaa-1111-2222-3333-444455556666");
    assert!(s.contains("was not found"), "{s}");
    h.send(Event::Term(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    ))));
    h.keys("582ce218-2024-7479-5843-13a2a62ff5b6");
    let fx = h.key(KeyCode::Enter);
    assert_eq!(fx.len(), 1);
    h.run(fx);
    let s = h.screen(100, 30);
    assert!(
        s.contains("Cause: malformed-proxy-response — Malformed Lambda proxy response"),
        "{s}"
    );
    assert!(s.contains("+4237 ms  lambda END"), "{s}");
    insta::assert_snapshot!("trace_timeline", s);
    h.key(KeyCode::PageDown);
    let s = h.screen(100, 30);
    assert!(
        s.contains("lambda runtime exited      signal: killed"),
        "{s}"
    );
    assert!(s.contains("Where the time went"), "{s}");
    // Back to the findings, where the cause is a finding too; t shows the trace again.
    h.key(KeyCode::Esc);
    let s = h.screen(100, 30);
    assert!(s.contains("request-failure-cause"), "{s}");
    h.keys("t");
    let s = h.screen(100, 30);
    assert!(s.contains("Cause: malformed-proxy-response"), "{s}");
}

/// No credentials: the whole reason is on screen (not cut), nothing spins forever.
#[test]
fn source_failure() {
    let mut h = Harness::new();
    h.send(Event::App(AppEvent::ConnectFailed(
        "no usable AWS credentials (the credential provider was not enabled). Log in (`aws sso login --profile NAME`), pass --profile, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; to try gwdoctor without an account, use --replay fixtures/demo/incident.json".into(),
    )));
    let s = h.screen(80, 24);
    assert!(s.contains("--replay fixtures/demo/incident.json"), "{s}");
    assert!(!s.contains("waiting for latency"), "{s}");
    insta::assert_snapshot!("source_failed", s);
}

#[test]
fn narrow_terminal() {
    let mut h = Harness::loaded();
    let s = h.screen(50, 14);
    assert!(s.contains("Terminal too small: 50×14"), "{s}");
    insta::assert_snapshot!("too_small", s);
}

#[test]
fn filter_and_charts_pane() {
    let mut h = Harness::loaded();
    h.keys("/throttle");
    let s = h.screen(100, 30);
    assert!(s.contains("/throttle█"), "{s}");
    insta::assert_snapshot!("filter", s);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Esc);
    assert!(h.app.filter.is_empty());
    h.key(KeyCode::Tab);
    h.keys("j");
    let s = h.screen(100, 30);
    assert!(
        s.contains("Init Duration and cold starts per minute: press c to run"),
        "{s}"
    );
    h.keys("j");
    let s = h.screen(100, 30);
    assert!(
        s.contains("ConcurrentExecutions vs the limit, with throttles: press T to run"),
        "{s}"
    );
}

/// `T` runs throttles: the account's concurrency against its limit, and who was throttled.
#[test]
fn throttles_on_shift_t() {
    let mut h = Harness::on_api(
        "lambda-account-concurrency/noisy-neighbour.json",
        "shop-api",
    );
    let fx = h.connect();
    h.run(fx);
    let fx = h.key(KeyCode::Char('T'));
    assert_eq!(fx.len(), 1);
    h.run(fx);
    let s = h.screen(100, 30);
    assert!(s.contains("✗ lambda-account-concurrency"), "{s}");
    assert!(s.contains("throttles ✓"), "{s}");
    h.key(KeyCode::Tab);
    // Latency's chart, cold-starts' (not run), then throttles' two.
    h.keys("jj");
    let s = h.screen(100, 30);
    assert!(s.contains("ConcurrentExecutions vs the limit"), "{s}");
    assert!(s.contains("peak 1000 at 09:39"), "{s}");
    assert!(s.contains("account limit 1000"), "{s}");
    insta::assert_snapshot!("throttles_chart", s);
    h.keys("j");
    let s = h.screen(100, 30);
    assert!(s.contains("Throttles per minute"), "{s}");
    assert!(s.contains("orders-fn"), "{s}");
}

/// `c` runs cold-starts (the command that landed after the dashboard, plugged in as a panel
/// source): its findings join the list and its charts the chart pane.
#[test]
fn cold_starts_on_c() {
    let mut h = Harness::loaded_on("demo/dashboard.json");
    let s = h.screen(100, 30);
    assert!(
        s.contains("Next: gwdoctor cold-starts --function coldstart-fn. (press c)"),
        "{s}"
    );
    let fx = h.key(KeyCode::Char('c'));
    assert_eq!(fx.len(), 1);
    h.run(fx);
    let s = h.screen(100, 30);
    assert!(s.contains("⚠ lambda-cold-start-spike"), "{s}");
    assert!(s.contains("cold-starts ✓"), "{s}");
    assert!(!s.contains("(press c)"), "{s}");
    h.key(KeyCode::Tab);
    h.keys("j");
    let s = h.screen(100, 30);
    assert!(s.contains("Init Duration per minute"), "{s}");
    assert!(s.contains("max 2571 ms at 09:42"), "{s}");
    assert!(s.contains("spike threshold 662 ms"), "{s}");
    insta::assert_snapshot!("cold_starts_chart", s);
    h.keys("j");
    let s = h.screen(100, 30);
    assert!(s.contains("Cold starts per minute"), "{s}");
    assert!(s.contains("spike threshold 3/min"), "{s}");
}

/// The default (`gwdoctor dash` without `--on-demand`): every applicable command starts on
/// connect, concurrently, and each one's findings and charts join the screen; the keys then
/// re-run their command.
#[test]
fn every_check_starts_at_once() {
    let mut opts = options("demo");
    opts.start_all = true;
    let mut h = Harness::with("demo/dashboard.json", opts);
    let fx = h.connect();
    let started: Vec<PanelId> = fx.iter().map(|Effect::Load { panel, .. }| *panel).collect();
    assert_eq!(
        started,
        [
            PanelId::Latency,
            PanelId::ColdStarts,
            PanelId::Throttles,
            PanelId::Tls
        ],
        "every command but trace (which needs a request id) starts on connect"
    );
    let s = h.screen(100, 30);
    for name in ["latency", "cold-starts", "throttles", "tls"] {
        assert!(s.contains(name), "{name} is shown loading:\n{s}");
    }
    assert!(!s.contains("[c]"), "nothing waits for a key:\n{s}");
    h.run(fx);
    let s = h.screen(100, 30);
    assert!(s.contains("Verdict: backend"), "{s}");
    assert!(s.contains("⚠ lambda-cold-start-spike"), "{s}");
    for done in ["latency ✓", "cold-starts ✓", "throttles ✓", "tls ✓"] {
        assert!(s.contains(done), "{done}:\n{s}");
    }
    // The cold starts ran already: the next step no longer asks for a key.
    assert!(!s.contains("(press c)"), "{s}");
    insta::assert_snapshot!("every_check_at_once", s);
    // Throttles found the account quiet: its check passed, with the demo's four functions.
    h.keys("/account-concurrency");
    h.key(KeyCode::Enter);
    let s = h.screen(100, 30);
    assert!(s.contains("✓ lambda-account-concurrency"), "{s}");
    // Charts of every command are there without pressing anything: latency's, then cold
    // starts' two, then throttles' concurrency chart.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Tab);
    h.keys("jjj");
    let s = h.screen(100, 30);
    assert!(s.contains("ConcurrentExecutions vs the limit"), "{s}");
    assert!(s.contains("account limit 1000"), "{s}");
    // A key re-runs its command now.
    let fx = h.key(KeyCode::Char('c'));
    assert_eq!(fx.len(), 1);
    assert!(matches!(
        fx[0],
        Effect::Load {
            panel: PanelId::ColdStarts,
            gen: 2,
            ..
        }
    ));
}

#[test]
fn tls_on_s_with_no_https_backend() {
    let mut h = Harness::loaded();
    let fx = h.key(KeyCode::Char('s'));
    assert_eq!(fx.len(), 1);
    h.run(fx);
    let s = h.screen(100, 30);
    assert!(s.contains("tls (6 checks)"), "{s}");
    assert!(s.contains("skipped: no backend to check"), "{s}");
    insta::assert_snapshot!("tls_no_backend", s);
}

/// A TLS finding opened in the dashboard shows the certificate it is about: `ssl` judges a
/// generated chain whose leaf expires in 10 days (and whose private root is on no list).
#[test]
fn tls_finding_shows_its_certificate() {
    let pki = crate::ssl::pki(10);
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("chain.pem");
    std::fs::write(&chain, &pki.chain_pem).unwrap();
    let req = gwdoctor::commands::ssl::SslRequest {
        target: Some("localhost".into()),
        file: Some(chain),
        warn_days: 30,
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let mut h = Harness::loaded();
    let outcome =
        h.rt.block_on(gwdoctor::commands::ssl::run(None, &req, chrono::Utc::now()))
            .unwrap();
    let fx = h.key(KeyCode::Char('s'));
    let [Effect::Load { gen, .. }] = fx.as_slice() else {
        panic!("s starts the tls panel: {fx:?}")
    };
    h.send(Event::App(AppEvent::Loaded {
        panel: PanelId::Tls,
        gen: *gen,
        took: Duration::from_millis(12),
        result: Ok(Box::new(PanelData {
            report: outcome.report,
            inconclusive: outcome.inconclusive,
            headline: None,
            charts: Vec::new(),
        })),
    }));
    h.keys("/expir");
    h.key(KeyCode::Enter);
    let s = h.screen(120, 30);
    assert!(s.contains("⚠ tls-"), "the expiry warning is listed:\n{s}");
    h.key(KeyCode::Enter);
    let s = h.screen(120, 30);
    assert!(s.contains("certificate #0 CN=localhost"), "{s}");
    assert!(s.contains("issuer CN=gwdoctor test intermediate"), "{s}");
    let sha = s
        .lines()
        .find_map(|l| l.split("SHA-256 ").nth(1))
        .unwrap_or_else(|| panic!("a SHA-256 fingerprint:\n{s}"));
    assert!(
        sha.split(':')
            .take(4)
            .all(|b| b.len() == 2 && b.chars().all(|c| c.is_ascii_hexdigit())),
        "colon-hex fingerprint: {sha}"
    );
    assert!(s.contains("Remedy"), "{s}");
}

/// Every screen at every size from 1×1 up draws without panicking (and keeps the selection
/// and scroll inside what the view measured).
#[test]
fn every_size_draws() {
    let mut h = Harness::loaded();
    // Every chart slot too: the latency chart, and the ones waiting for `c` and `T`.
    let chart = |i: usize| {
        move |h: &mut Harness| {
            h.app.focus = Pane::Charts;
            h.app.chart = i;
        }
    };
    let (c0, c1, c2) = (chart(0), chart(1), chart(2));
    let screens: [&dyn Fn(&mut Harness); 9] = [
        &c0,
        &c1,
        &c2,
        &|h| h.app.focus = Pane::Findings,
        &|h| {
            h.key(KeyCode::Enter);
        },
        &|h| h.keys("e"),
        &|h| h.keys("?"),
        &|h| h.keys("tabc"),
        &|h| h.keys("/x"),
    ];
    for open in screens {
        while h.app.screen().is_some() || h.app.filter_editing || !h.app.filter.is_empty() {
            h.key(KeyCode::Esc);
        }
        open(&mut h);
        for w in (1..=130).step_by(7) {
            for ht in (1..=45).step_by(4) {
                h.draw(w, ht);
                h.key(KeyCode::Char('G'));
                h.draw(w, ht);
            }
        }
    }
}

fn hostile_report() -> Report {
    let t = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let evil =
        "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\u{1b}[0m\u{202e}txt\ttab\nnewline\u{9b}1m";
    let mut ev: Vec<Evidence> = (0..10_000)
        .map(|i| Evidence::LogLine {
            group: "/aws/lambda/orders".into(),
            stream: "2026/11/21/[$LATEST]abc".into(),
            at: t,
            text: format!("line {i} {evil} AKIAIOSFODNN7EXAMPLE"),
        })
        .collect();
    ev.insert(
        0,
        Evidence::Note {
            text: evil.to_string(),
        },
    );
    let mut r = Report {
        schema: SCHEMA,
        command: "latency".into(),
        target: TargetInfo {
            api_id: Some("abc".into()),
            api_name: Some(format!("evil{evil}")),
            api_kind: Some("rest".into()),
            stage: None,
            region: "us-east-1".into(),
            start: t,
            end: t,
        },
        checks: vec![CheckResult::from_findings(
            "lambda-task-timeout",
            "Lambda task timeouts",
            vec![Finding {
                check: "lambda-task-timeout".into(),
                severity: Severity::Error,
                resource: format!("lambda:orders{evil}"),
                summary: format!("timeouts {evil}"),
                evidence: ev,
                remedy: format!("raise the timeout {evil}"),
            }],
        )],
        notes: vec![evil.into()],
        section: None,
    };
    r.sort();
    r
}

/// Text from AWS reaches the screen without a single control character, and credentials in
/// log lines are redacted; a finding with 10,000 log lines scrolls to its end.
#[test]
fn hostile_text_is_sanitized_and_long_evidence_scrolls() {
    let mut h = Harness::new();
    h.connect();
    h.send(Event::App(AppEvent::Loaded {
        panel: PanelId::Latency,
        gen: 1,
        took: Duration::from_millis(1),
        result: Ok(Box::new(PanelData {
            report: hostile_report(),
            inconclusive: false,
            headline: Some("Verdict: \u{1b}[5mblink".into()),
            charts: Vec::new(),
        })),
    }));
    let check = |t: &Terminal<TestBackend>| {
        for c in t.backend().buffer().content.iter() {
            assert!(
                !c.symbol().chars().any(|ch| ch.is_control()
                    || matches!(ch, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
                "control character {:?} on screen",
                c.symbol()
            );
        }
        let s = t.backend().to_string();
        assert!(
            !s.contains("pwned") && !s.contains("AKIAIOSFODNN7EXAMPLE"),
            "{s}"
        );
    };
    let t = h.draw(100, 30);
    check(&t);
    h.key(KeyCode::Enter);
    let t = h.draw(100, 30);
    check(&t);
    h.key(KeyCode::Char('G'));
    let t = h.draw(100, 30);
    check(&t);
    let s = t.backend().to_string();
    assert!(s.contains("line 9999 red"), "{s}");
    assert!(s.contains("of 100"), "{s}");
    insta::assert_snapshot!("detail_10k_log_lines_end", s);
    let Some(Screen::Detail { scroll, .. }) = h.app.screen() else {
        panic!()
    };
    assert!(*scroll > 9_000, "{scroll}");
}

/// Off a terminal (a pipe, CI) `dash` refuses with a pointer to the scriptable command
/// instead of drawing escape sequences into a file, and a plain `gwdoctor` keeps its hint.
#[test]
fn dash_needs_a_terminal() {
    let out = gwdoctor()
        .args(["dash", "--api", "demo", "--replay"])
        .arg(fixture("demo/incident.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs a terminal") && err.contains("gwdoctor latency"),
        "{err}"
    );
    let out = gwdoctor().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gwdoctor dash --api"));
}
