//! Benchmark (not a test) of the dashboard's drawing, in process, on ratatui's TestBackend:
//!
//! - time to first frame from a replay: open the incident file, build the app, draw the
//!   loading frame; and time until the frame with the findings (the latency panel run on the
//!   replay, its result applied, drawn);
//! - redraw time with 10,000 log lines loaded: a finding whose evidence is 10,000 log lines,
//!   its detail screen drawn at the top, the middle and the end, and the findings list.
//!
//!   cargo bench --bench dash                      # 100x30, 50 / 500 iterations
//!   DASH_BENCH_SIZE=200x60 cargo bench --bench dash
//!
//! The real terminal's figure (release binary under tmux) is `bench/dash.sh`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use gwdoctor::checks::Settings;
use gwdoctor::commands::latency::{LatencyRequest, WindowSpec};
use gwdoctor::finding::{CheckResult, Evidence, Finding, Report, Severity, TargetInfo, SCHEMA};
use gwdoctor::source::replay::ReplaySource;
use gwdoctor::source::Source;
use gwdoctor::tui::app::{App, Screen};
use gwdoctor::tui::event::{AppEvent, Effect, Event};
use gwdoctor::tui::panels::{PanelData, PanelId};
use gwdoctor::tui::{self, view, DashOptions};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn options(replay: &std::path::Path) -> DashOptions {
    DashOptions {
        latency: LatencyRequest {
            api: "demo".into(),
            stage: None,
            window: WindowSpec::default(),
            settings: Settings::default(),
            top: 5,
            extra_checks: Vec::new(),
        },
        tls_timeout: Duration::from_secs(5),
        refresh: Some(Duration::from_secs(60)),
        log_file: None,
        replay: Some(replay.to_path_buf()),
        aws: Default::default(),
        color: true,
        start_all: false,
    }
}

fn draw(t: &mut Terminal<TestBackend>, app: &mut App) {
    let mut vp = app.viewport;
    t.draw(|f| vp = view::draw(f, app)).expect("draw");
    app.set_viewport(vp);
}

fn key(app: &mut App, c: KeyCode) {
    app.update(
        Event::Term(TermEvent::Key(KeyEvent::new(c, KeyModifiers::NONE))),
        Instant::now(),
    );
}

struct Stats(Vec<Duration>);

impl Stats {
    fn line(mut self, what: &str) {
        self.0.sort();
        let n = self.0.len();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "{what:<52} n={n:<4} min {:>9.1} µs  median {:>9.1} µs  p95 {:>9.1} µs  max {:>9.1} µs",
            us(self.0[0]),
            us(self.0[n / 2]),
            us(self.0[(n * 95 / 100).min(n - 1)]),
            us(self.0[n - 1]),
        );
    }
}

fn log_report(lines: usize) -> Report {
    let t = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
        .expect("time")
        .with_timezone(&chrono::Utc);
    let evidence = (0..lines)
        .map(|i| Evidence::LogLine {
            group: "/aws/lambda/orders".into(),
            stream: "2026/11/21/[$LATEST]0123456789abcdef".into(),
            at: t + chrono::Duration::milliseconds(i as i64 * 37),
            text: format!(
                "{i:05} 2026-11-21T09:38:{:02}.{:03}Z c0ffee00-1234 INFO \u{1b}[32mGET /orders/{i}\u{1b}[0m upstream answered in {} ms",
                i % 60,
                i % 1000,
                i % 900
            ),
        })
        .collect();
    let mut r = Report {
        schema: SCHEMA,
        command: "latency".into(),
        target: TargetInfo {
            api_id: Some("x2mu8yetc8".into()),
            api_name: Some("demo".into()),
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
                resource: "lambda:orders".into(),
                summary: format!("{lines} log lines"),
                evidence,
                remedy: "Raise the function timeout or fix the slow call.".into(),
            }],
        )],
        notes: Vec::new(),
        section: None,
    };
    r.sort();
    r
}

fn main() {
    let (w, h) = std::env::var("DASH_BENCH_SIZE")
        .ok()
        .and_then(|s| {
            let (a, b) = s.split_once('x')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .unwrap_or((100u16, 30u16));
    let replay =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/incident.json");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("dashboard benchmark, TestBackend {w}x{h}");

    // 1. Time to first frame, and to the frame with the findings.
    let mut first = Vec::new();
    let mut findings = Vec::new();
    for _ in 0..50 {
        let t0 = Instant::now();
        let source: Arc<dyn Source> = Arc::new(ReplaySource::open(&replay).expect("replay"));
        let (mut app, sources) = tui::build(&options(&replay), "replay".into(), None, t0);
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let fx = app.update(
            Event::App(AppEvent::Connected {
                region: source.region(),
            }),
            Instant::now(),
        );
        draw(&mut term, &mut app);
        first.push(t0.elapsed());
        for Effect::Load { panel, gen, arg } in fx {
            let ps = sources
                .iter()
                .find(|s| s.spec().id == panel)
                .expect("panel")
                .clone();
            let src = source.clone();
            let started = Instant::now();
            let result = rt
                .block_on(async move { ps.load(src.as_ref(), arg.as_deref()).await })
                .map(Box::new)
                .map_err(|e| e.to_string());
            assert!(result.is_ok(), "{result:?}");
            app.update(
                Event::App(AppEvent::Loaded {
                    panel,
                    gen,
                    took: started.elapsed(),
                    result,
                }),
                Instant::now(),
            );
        }
        draw(&mut term, &mut app);
        findings.push(t0.elapsed());
        assert!(term.backend().to_string().contains("Verdict: backend"));
    }
    Stats(first).line("first frame (replay opened, loading frame drawn)");
    Stats(findings).line("frame with the findings (latency run on the replay)");

    // 2. Redraws with 10,000 log lines loaded.
    let lines = 10_000;
    let (mut app, _) = tui::build(&options(&replay), "replay".into(), None, Instant::now());
    app.update(
        Event::App(AppEvent::Connected {
            region: "us-east-1".into(),
        }),
        Instant::now(),
    );
    let t_ingest = Instant::now();
    app.update(
        Event::App(AppEvent::Loaded {
            panel: PanelId::Latency,
            gen: 1,
            took: Duration::ZERO,
            result: Ok(Box::new(PanelData {
                report: log_report(lines),
                inconclusive: false,
                headline: Some("Verdict: bench".into()),
                charts: Vec::new(),
            })),
        }),
        Instant::now(),
    );
    println!(
        "{:<52} {:>9.1} ms (sanitizing {lines} log lines, once)",
        "loading the result into the state",
        t_ingest.elapsed().as_secs_f64() * 1e3
    );
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let mut bench = |app: &mut App, what: &str| {
        draw(&mut term, app);
        let mut v = Vec::new();
        for _ in 0..500 {
            // A changed frame each time (the spinner and the countdown move), as in use.
            app.spinner = app.spinner.wrapping_add(1);
            let t = Instant::now();
            draw(&mut term, app);
            v.push(t.elapsed());
        }
        black_box(term.backend().buffer());
        Stats(v).line(what);
    };
    bench(&mut app, "redraw: findings list (10,000 log lines loaded)");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen(), Some(Screen::Detail { .. })));
    bench(&mut app, "redraw: detail, top of 10,000 log lines");
    for _ in 0..5_000 / (h as usize).max(1) {
        key(&mut app, KeyCode::PageDown);
    }
    bench(&mut app, "redraw: detail, middle of 10,000 log lines");
    key(&mut app, KeyCode::End);
    bench(&mut app, "redraw: detail, end of 10,000 log lines");
    let mut v = Vec::new();
    for _ in 0..500 {
        let t = Instant::now();
        key(&mut app, KeyCode::Up);
        draw(&mut term, &mut app);
        v.push(t.elapsed());
    }
    Stats(v).line("key k + redraw, detail of 10,000 log lines");
}
