//! `gwdoctor dash`: the terminal dashboard (ratatui + crossterm), and the start screen of a
//! plain `gwdoctor` on a terminal.
//!
//! - [`app`]: state and `update` (no drawing, no AWS); [`view`]: drawing from state only;
//!   [`event`]: the events and effects between them; [`panels`]: how each command plugs in;
//!   [`progress`]: a `Source` wrapper reporting calls as data arrives; [`log`]: the log file.
//! - This module owns the terminal and the run loop: `draw → next event → update → start the
//!   loads update asked for`. Loads run as tokio tasks over an `Arc<dyn Source>` and answer on
//!   a channel; the loop never awaits the network, so keys work while data is in flight.
//! - The terminal is restored on every way out: normal quit, `q`/Ctrl-C (raw mode delivers it
//!   as a key), SIGTERM/SIGHUP/SIGINT from outside, an error (a drop guard) and a panic (a
//!   hook that restores before the panic message is printed).

pub mod app;
pub mod event;
pub mod log;
pub mod panels;
pub mod progress;
pub mod view;

use std::cell::Cell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

use self::app::{App, AppOptions};
use self::event::{AppEvent, Effect, Event};
use self::panels::{PanelId, PanelSource};
use crate::commands::latency::LatencyRequest;
use crate::source::aws::{AwsOptions, AwsSource};
use crate::source::replay::ReplaySource;
use crate::source::Source;

/// Everything `gwdoctor dash` was asked.
#[derive(Debug, Clone)]
pub struct DashOptions {
    /// The latency command's request (api, stage, window, thresholds, extra checks).
    pub latency: LatencyRequest,
    /// Limit for each TLS handshake of the `s` check.
    pub tls_timeout: Duration,
    /// Re-run every so often (`None`: only on `r`).
    pub refresh: Option<Duration>,
    pub log_file: Option<PathBuf>,
    /// `--replay FILE`; otherwise AWS with `aws`.
    pub replay: Option<PathBuf>,
    pub aws: AwsOptions,
    pub color: bool,
    /// Run every panel at start (the default); `--on-demand` leaves cold starts, throttles and
    /// TLS to their keys.
    pub start_all: bool,
}

/// Set by the panic hook: the terminal is already restored, the loop must stop drawing.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Held while a frame is drawn; the panic hook takes it before restoring the terminal.
static DRAWING: Mutex<()> = Mutex::new(());

thread_local! {
    /// Set on the thread that is drawing, while it draws: its own panic must not wait for
    /// [`DRAWING`].
    static IN_DRAW: Cell<bool> = const { Cell::new(false) };
}

/// Whether the terminal is in the dashboard's modes; restoring happens once, whoever gets
/// there first (the panic hook or the guard): a second "leave the alternate screen" on the
/// normal screen would move the cursor back over what was printed since.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Owns the terminal mode: entering sets raw mode, the alternate screen and mouse capture;
/// dropping restores all three and shows the cursor, whichever way the dashboard ends.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> anyhow::Result<(TerminalGuard, ratatui::DefaultTerminal)> {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(install_panic_hook);
        // The guard exists before anything changes, so a failure half-way is undone too.
        let guard = TerminalGuard;
        ACTIVE.store(true, Ordering::SeqCst);
        crossterm::terminal::enable_raw_mode().context("setting the terminal to raw mode")?;
        crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            EnableMouseCapture
        )
        .context("setting up the terminal")?;
        let terminal =
            ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
                .context("setting up the terminal")?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn restore_terminal() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    // Raw mode off first: it has more side effects than the alternate screen (ratatui's
    // documented order).
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        std::io::stdout(),
        DisableMouseCapture,
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// On a panic: tell the run loop to stop drawing, give the terminal back, then let the
/// previous hook print the message on the normal screen; the panic also goes to the log.
fn install_panic_hook() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, Ordering::SeqCst);
        // Wait for a frame being drawn on another thread to finish, so it does not land on
        // the normal screen over the panic message: a draw takes milliseconds, but a loaded
        // machine can stall it for longer, hence the generous bound. A panic inside the draw
        // itself (this thread) must not wait for its own lock.
        let deadline = Instant::now() + Duration::from_secs(5);
        let own_draw = IN_DRAW.with(Cell::get);
        let _drawing = loop {
            match DRAWING.try_lock() {
                Ok(g) => break Some(g),
                Err(TryLockError::Poisoned(p)) => break Some(p.into_inner()),
                Err(TryLockError::WouldBlock) if !own_draw && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(TryLockError::WouldBlock) => break None,
            }
        };
        restore_terminal();
        prev(info);
        log::info(&format!("panic: {info}"));
    }));
}

/// Reads terminal input on its own thread (crossterm's reader blocks) and forwards it.
fn spawn_input(tx: UnboundedSender<Event>) {
    let spawned = std::thread::Builder::new()
        .name("gwdoctor-input".into())
        .spawn(move || {
            while !tx.is_closed() {
                match crossterm::event::poll(Duration::from_millis(100)) {
                    Ok(true) => match crossterm::event::read() {
                        Ok(ev) => {
                            if tx.send(Event::Term(ev)).is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            log::info(&format!("terminal input failed: {e}"));
                            let _ = tx.send(Event::App(AppEvent::Quit));
                            break;
                        }
                    },
                    Ok(false) => {}
                    Err(e) => {
                        log::info(&format!("terminal input failed: {e}"));
                        let _ = tx.send(Event::App(AppEvent::Quit));
                        break;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        log::info(&format!("cannot start the input thread: {e}"));
    }
}

/// Termination signals from outside the terminal (raw mode turns Ctrl-C into a key, so
/// SIGINT only comes from `kill`).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => {}
                _ = self.hup.recv() => {}
                _ = self.int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn need_terminal(what: &str) -> anyhow::Result<()> {
    if !(std::io::stdout().is_terminal() && std::io::stdin().is_terminal()) {
        bail!("{what} is interactive and needs a terminal; for scripts and pipes use `gwdoctor latency --api ID` (text, --output json or markdown)");
    }
    Ok(())
}

/// The app state and the panel sources for `opts`: what [`run`] starts with (tests and the
/// benchmark build the same thing without a terminal).
pub fn build(
    opts: &DashOptions,
    mode: String,
    log_path: Option<String>,
    now: Instant,
) -> (App, Vec<Arc<dyn PanelSource>>) {
    let sources: Vec<Arc<dyn PanelSource>> =
        panels::sources(opts.latency.clone(), opts.tls_timeout)
            .into_iter()
            .map(Arc::from)
            .collect();
    let mut specs: Vec<panels::PanelSpec> = sources.iter().map(|s| s.spec()).collect();
    specs.extend(panels::planned());
    let docs = crate::checks::catalog(&crate::checks::registry(opts.latency.extra_checks.clone()));
    let app = App::new(
        AppOptions {
            api: opts.latency.api.clone(),
            stage: opts.latency.stage.clone(),
            mode,
            refresh: opts.refresh,
            log_path,
            color: opts.color,
            start_all: opts.start_all,
        },
        specs,
        docs,
        now,
    );
    (app, sources)
}

/// Runs the dashboard until the user quits.
pub async fn run(opts: DashOptions) -> anyhow::Result<()> {
    need_terminal("gwdoctor dash")?;
    // A replay file is read before the terminal changes: a wrong path is an ordinary error.
    let replay: Option<Arc<dyn Source>> = match &opts.replay {
        Some(p) => Some(Arc::new(ReplaySource::open(p)?)),
        None => None,
    };
    let log_path = match log::init(opts.log_file.clone()) {
        Ok(p) => Some(p.display().to_string()),
        // An explicit --log-file that cannot be written is an error; the default location
        // failing only means no log.
        Err(e) if opts.log_file.is_some() => bail!("--log-file {e}"),
        Err(e) => Some(format!("unavailable ({e})")),
    };
    let mode = match (&opts.replay, &opts.aws.profile) {
        (Some(p), _) => format!(
            "replay {}",
            p.file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
        ),
        (None, Some(profile)) => format!("AWS profile {profile}"),
        (None, None) => "AWS".to_string(),
    };
    let (app, sources) = build(&opts, mode, log_path, Instant::now());
    let aws = opts.aws.clone();
    let open = async move {
        match replay {
            Some(s) => Ok(s),
            None => AwsSource::connect(&aws)
                .await
                .map(|s| Arc::new(s) as Arc<dyn Source>)
                .map_err(|e| e.to_string()),
        }
    };
    log::info(&format!(
        "dash --api {} ({})",
        opts.latency.api, app.opts.mode
    ));
    let (_guard, mut terminal) = TerminalGuard::enter()?;
    let result = event_loop(&mut terminal, app, sources, open).await;
    log::info(&match &result {
        Ok(()) => "dash ended".to_string(),
        Err(e) => format!("dash ended with an error: {e:#}"),
    });
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    mut app: App,
    sources: Vec<Arc<dyn PanelSource>>,
    open: impl std::future::Future<Output = Result<Arc<dyn Source>, String>> + Send + 'static,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    spawn_input(tx.clone());
    let (stx, mut srx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let _ = stx.send(open.await);
    });
    let ids: Vec<PanelId> = sources.iter().map(|s| s.spec().id).collect();
    let mut source: Option<Arc<dyn Source>> = None;
    let mut opened = false;
    let mut tasks: HashMap<PanelId, JoinHandle<()>> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = Signals::new()?;
    loop {
        let mut vp = app.viewport;
        {
            let _drawing = DRAWING.lock().unwrap_or_else(PoisonError::into_inner);
            if PANICKED.load(Ordering::SeqCst) {
                bail!("the dashboard crashed; the terminal was restored (details in the log file)");
            }
            IN_DRAW.with(|c| c.set(true));
            let drawn = terminal.draw(|f| vp = view::draw(f, &app));
            IN_DRAW.with(|c| c.set(false));
            drawn?;
        }
        app.set_viewport(vp);
        if app.quit {
            break;
        }
        let ev = tokio::select! {
            ev = rx.recv() => match ev {
                Some(e) => e,
                None => break,
            },
            _ = tick.tick() => Event::Tick,
            r = &mut srx, if !opened => {
                opened = true;
                match r {
                    Ok(Ok(s)) => {
                        let region = s.region();
                        source = Some(s);
                        Event::App(AppEvent::Connected { region })
                    }
                    Ok(Err(e)) => Event::App(AppEvent::ConnectFailed(e)),
                    Err(_) => Event::App(AppEvent::ConnectFailed("the source task ended".into())),
                }
            }
            _ = signals.recv() => {
                log::info("signal received: quitting");
                Event::App(AppEvent::Quit)
            }
        };
        let mut effects = app.update(ev, Instant::now());
        // Apply everything already queued before drawing again (key repeat, progress bursts).
        while !app.quit {
            let Ok(ev) = rx.try_recv() else { break };
            effects.extend(app.update(ev, Instant::now()));
        }
        for Effect::Load { panel, gen, arg } in effects {
            let Some(src) = &source else { continue };
            let Some(ps) = ids
                .iter()
                .position(|id| *id == panel)
                .and_then(|i| sources.get(i))
                .cloned()
            else {
                continue;
            };
            if let Some(h) = tasks.remove(&panel) {
                h.abort();
            }
            let wrapped = progress::ProgressSource {
                inner: src.clone(),
                panel,
                gen,
                tx: tx.clone(),
            };
            let tx = tx.clone();
            log::info(&format!("loading {} (generation {gen})", panel.name()));
            tasks.insert(
                panel,
                tokio::spawn(async move {
                    // Debug builds only: lets the end-to-end test crash a load on purpose
                    // and check the terminal comes back.
                    #[cfg(debug_assertions)]
                    if std::env::var_os("GWDOCTOR_DASH_TEST_PANIC").is_some() {
                        panic!("GWDOCTOR_DASH_TEST_PANIC is set: a load panics on purpose");
                    }
                    let t0 = Instant::now();
                    let result = ps
                        .load(&wrapped, arg.as_deref())
                        .await
                        .map(Box::new)
                        .map_err(|e| format!("{e:#}"));
                    let _ = tx.send(Event::App(AppEvent::Loaded {
                        panel,
                        gen,
                        took: t0.elapsed(),
                        result,
                    }));
                }),
            );
        }
    }
    for (_, h) in tasks {
        h.abort();
    }
    Ok(())
}

/// Plain `gwdoctor` on a terminal: a screen that shows how to start, asks nothing, and
/// closes on any key.
pub async fn start_screen() -> anyhow::Result<()> {
    need_terminal("the start screen")?;
    let (_guard, mut terminal) = TerminalGuard::enter()?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    spawn_input(tx);
    let mut signals = Signals::new()?;
    loop {
        {
            let _drawing = DRAWING.lock().unwrap_or_else(PoisonError::into_inner);
            if PANICKED.load(Ordering::SeqCst) {
                bail!("the start screen crashed");
            }
            IN_DRAW.with(|c| c.set(true));
            let drawn = terminal.draw(view::draw_start);
            IN_DRAW.with(|c| c.set(false));
            drawn?;
        }
        let ev = tokio::select! {
            ev = rx.recv() => ev,
            _ = signals.recv() => None,
        };
        match ev {
            None => break,
            Some(Event::Term(crossterm::event::Event::Key(k)))
                if k.kind != crossterm::event::KeyEventKind::Release =>
            {
                break
            }
            Some(_) => {}
        }
    }
    Ok(())
}
