//! The dashboard's state and its update function: what each panel has loaded, the ranked
//! rows, what is selected, which screen is open. No drawing (that is `view.rs`) and no AWS
//! (the run loop in `mod.rs` carries out the [`Effect`]s `update` returns).
//!
//! Everything that arrives from a command is sanitized here, once, as it enters the state
//! ([`sanitize_report`]), so no view can forget to.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{
    Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};

use super::event::{AppEvent, Effect, Event};
use super::panels::{Availability, ChartData, PanelData, PanelId, PanelSpec};
use crate::checks::CheckInfo;
use crate::finding::{CheckStatus, Evidence, Finding, Report, Severity};
use crate::sanitize::clean;

/// Fixed facts about this dashboard run.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// The `--api` value.
    pub api: String,
    pub stage: Option<String>,
    /// Where the data comes from (`replay incident.json`, `AWS profile prod`).
    pub mode: String,
    /// `--refresh`; `None` is off.
    pub refresh: Option<Duration>,
    /// The dashboard's own log file, shown in the help screen.
    pub log_path: Option<String>,
    /// Colours on (off with `NO_COLOR` / `--no-color`: bold and reverse only).
    pub color: bool,
    /// Start the on-key panels (cold starts, throttles, TLS) with the automatic ones: every
    /// applicable check runs at once. Off (`--on-demand`), they wait for their key.
    pub start_all: bool,
}

/// The two panes of the main screen (`Tab` switches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Findings,
    Charts,
}

/// The data source's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conn {
    Connecting,
    Ready { region: String },
    Failed(String),
}

/// A panel's load state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelStatus {
    /// Never run (on-key panels before their key).
    Idle,
    Loading,
    Done,
    Failed,
}

/// One panel: its spec, its latest data (kept while a refresh runs) and its progress.
#[derive(Debug, Clone)]
pub struct PanelState {
    pub spec: PanelSpec,
    /// Generation of the load in flight or last finished; answers with another are stale.
    pub gen: u64,
    pub status: PanelStatus,
    pub data: Option<PanelData>,
    pub error: Option<String>,
    /// How long the last load took.
    pub took: Option<Duration>,
    pub calls_started: usize,
    pub calls_done: usize,
    /// Calls to the source that have started and not finished.
    pub in_flight: Vec<&'static str>,
    /// What the last load was given (trace's request id), so a refresh repeats it.
    pub last_arg: Option<String>,
}

impl PanelState {
    fn new(spec: PanelSpec) -> PanelState {
        PanelState {
            spec,
            gen: 0,
            status: PanelStatus::Idle,
            data: None,
            error: None,
            took: None,
            calls_started: 0,
            calls_done: 0,
            in_flight: Vec::new(),
            last_arg: None,
        }
    }

    /// One line of progress: `reading metrics · 4/5 calls`.
    pub fn progress(&self) -> String {
        let doing = match self.in_flight.as_slice() {
            [] if self.calls_started == 0 => "starting".to_string(),
            [] => "running checks".to_string(),
            many => format!("reading {}", many.join(", ")),
        };
        if self.calls_started == 0 {
            doing
        } else {
            format!(
                "{doing} · {}/{} calls done",
                self.calls_done, self.calls_started
            )
        }
    }
}

/// How a row is marked; declaration order is the ranking (worst first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mark {
    Error,
    Warning,
    Info,
    /// The check or the whole panel failed to run.
    Failed,
    Pending,
    Skipped,
    Passed,
    Note,
}

impl Mark {
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Error => "✗",
            Mark::Warning => "⚠",
            Mark::Info => "i",
            Mark::Failed => "!",
            Mark::Pending => "…",
            Mark::Skipped => "–",
            Mark::Passed => "✓",
            Mark::Note => "·",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Mark::Error => "error",
            Mark::Warning => "warning",
            Mark::Info => "info",
            Mark::Failed => "failed",
            Mark::Pending => "running",
            Mark::Skipped => "skipped",
            Mark::Passed => "passed",
            Mark::Note => "note",
        }
    }

    fn of(s: Severity) -> Mark {
        match s {
            Severity::Error => Mark::Error,
            Severity::Warning => Mark::Warning,
            Severity::Info => Mark::Info,
        }
    }
}

/// What a row points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowTarget {
    Finding {
        panel: usize,
        check: usize,
        finding: usize,
    },
    Check {
        panel: usize,
        check: usize,
    },
    Pending,
    PanelError {
        panel: usize,
    },
    /// Several checks of a panel skipped for the same reason (`check` is the first).
    SkippedGroup {
        panel: usize,
        check: usize,
    },
    Note {
        panel: usize,
        note: usize,
    },
}

/// One line of the findings list.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub mark: Mark,
    pub panel: PanelId,
    /// The check id (or the panel's name for notes and panel errors).
    pub check: String,
    pub text: String,
    pub target: RowTarget,
}

impl Row {
    fn identity(&self) -> (Mark, String, String) {
        (self.mark, self.check.clone(), self.text.clone())
    }

    fn matches(&self, needle: &str) -> bool {
        let hay = format!("{} {} {}", self.mark.word(), self.check, self.text).to_lowercase();
        hay.contains(needle)
    }
}

/// What the detail screen shows: a copy, so a refresh underneath does not change it.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailItem {
    pub mark: Mark,
    pub panel: PanelId,
    pub check: String,
    /// The check's title, when known.
    pub title: String,
    pub finding: Option<Finding>,
    /// For rows without a finding: the status and its reason, or the note.
    pub text: String,
}

/// The trace prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceState {
    pub input: String,
    /// The id last submitted.
    pub submitted: Option<String>,
    /// First line shown of the trace's text (arrows and PgUp/PgDn scroll it; letters type).
    pub scroll: usize,
}

/// Screens opened over the main screen; `esc` closes the top one.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Detail {
        item: Box<DetailItem>,
        scroll: usize,
    },
    Docs {
        check: String,
        scroll: usize,
    },
    Help,
    Trace(TraceState),
}

/// A chart slot of the chart pane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChartSlot<'a> {
    Data(&'a ChartData),
    /// The panel that draws it is still loading for the first time.
    Loading(PanelId),
    /// A chart of a command that runs on a key, before it has run.
    OnKey {
        title: &'static str,
        command: &'static str,
        key: char,
    },
    /// A chart that comes with a command not built yet.
    Planned {
        title: &'static str,
        command: &'static str,
        issue: u32,
    },
}

/// Sizes the view measured on the last draw; the key handler scrolls within them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    /// Visible rows of the findings list.
    pub list_rows: usize,
    /// Visible lines of the detail or docs screen.
    pub doc_rows: usize,
    /// Total lines of the detail or docs document at the current width.
    pub doc_total: usize,
}

impl Default for Viewport {
    fn default() -> Self {
        Viewport {
            list_rows: 10,
            doc_rows: 10,
            doc_total: usize::MAX,
        }
    }
}

/// The dashboard's whole state.
#[derive(Debug)]
pub struct App {
    pub opts: AppOptions,
    pub conn: Conn,
    pub panels: Vec<PanelState>,
    /// The findings list: ranked, filtered.
    pub rows: Vec<Row>,
    pub selected: usize,
    /// First visible row of the findings list.
    pub offset: usize,
    pub focus: Pane,
    pub stack: Vec<Screen>,
    pub filter: String,
    pub filter_editing: bool,
    /// Index into [`App::charts`].
    pub chart: usize,
    /// Check documentation by id (`e`).
    pub docs: BTreeMap<String, CheckInfo>,
    /// Animation frame counter (one per tick).
    pub spinner: usize,
    pub now: Instant,
    pub next_refresh: Option<Instant>,
    pub viewport: Viewport,
    pub quit: bool,
    /// Rows by mark before filtering (the list title), kept by `rebuild`.
    counts: BTreeMap<Mark, usize>,
}

/// Cleans every string of a report that came from outside (AWS, log lines, certificates):
/// control sequences stripped, credentials redacted.
pub fn sanitize_report(r: &mut Report) {
    fn c(s: &mut String) {
        *s = clean(s);
    }
    for x in [
        &mut r.target.api_id,
        &mut r.target.api_name,
        &mut r.target.stage,
    ]
    .into_iter()
    .flatten()
    {
        c(x);
    }
    for n in &mut r.notes {
        c(n);
    }
    if let Some(s) = &mut r.section {
        c(&mut s.text);
    }
    for ch in &mut r.checks {
        c(&mut ch.id);
        c(&mut ch.title);
        if let Some(x) = &mut ch.reason {
            c(x);
        }
        for f in &mut ch.findings {
            c(&mut f.check);
            c(&mut f.resource);
            c(&mut f.summary);
            c(&mut f.remedy);
            for e in &mut f.evidence {
                match e {
                    Evidence::Metric {
                        namespace,
                        name,
                        stat,
                        dimensions,
                        ..
                    } => {
                        c(namespace);
                        c(name);
                        c(stat);
                        for (k, v) in dimensions {
                            c(k);
                            c(v);
                        }
                    }
                    Evidence::LogLine {
                        group,
                        stream,
                        text,
                        ..
                    } => {
                        c(group);
                        c(stream);
                        c(text);
                    }
                    Evidence::Certificate {
                        subject,
                        issuer,
                        key,
                        sha256,
                        ..
                    } => {
                        c(subject);
                        c(issuer);
                        c(key);
                        c(sha256);
                    }
                    Evidence::Note { text } => c(text),
                }
            }
        }
    }
}

fn sanitize_data(d: &mut PanelData) {
    sanitize_report(&mut d.report);
    if let Some(h) = &mut d.headline {
        *h = clean(h);
    }
    for ch in &mut d.charts {
        ch.title = clean(&ch.title);
        ch.subtitle = clean(&ch.subtitle);
        for s in &mut ch.series {
            s.name = clean(&s.name);
        }
        if let Some(m) = &mut ch.mark {
            m.label = clean(&m.label);
        }
        if let Some(l) = &mut ch.limit {
            l.label = clean(&l.label);
        }
    }
}

impl App {
    pub fn new(opts: AppOptions, specs: Vec<PanelSpec>, docs: Vec<CheckInfo>, now: Instant) -> App {
        let mut app = App {
            opts,
            conn: Conn::Connecting,
            panels: specs.into_iter().map(PanelState::new).collect(),
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            focus: Pane::Findings,
            stack: Vec::new(),
            filter: String::new(),
            filter_editing: false,
            chart: 0,
            docs: docs.into_iter().map(|d| (d.id.clone(), d)).collect(),
            spinner: 0,
            now,
            next_refresh: None,
            viewport: Viewport::default(),
            quit: false,
            counts: BTreeMap::new(),
        };
        app.rebuild();
        app
    }

    /// The panel with this id.
    pub fn panel(&self, id: PanelId) -> Option<&PanelState> {
        self.panels.iter().find(|p| p.spec.id == id)
    }

    /// The screen on top (`None` is the main screen).
    pub fn screen(&self) -> Option<&Screen> {
        self.stack.last()
    }

    /// Whether any panel is loading.
    pub fn loading(&self) -> bool {
        self.panels.iter().any(|p| p.status == PanelStatus::Loading)
    }

    /// The one sentence at the top: the first panel's headline that exists.
    pub fn headline(&self) -> Option<&str> {
        self.panels
            .iter()
            .filter_map(|p| p.data.as_ref()?.headline.as_deref())
            .next()
    }

    /// Every chart slot, in panel order: real charts, first loads, then planned ones.
    pub fn charts(&self) -> Vec<ChartSlot<'_>> {
        let mut out = Vec::new();
        for p in &self.panels {
            match (&p.data, p.spec.availability) {
                (Some(d), _) => out.extend(d.charts.iter().map(ChartSlot::Data)),
                (None, Availability::Auto)
                    if p.status != PanelStatus::Failed && !matches!(self.conn, Conn::Failed(_)) =>
                {
                    out.push(ChartSlot::Loading(p.spec.id))
                }
                (None, Availability::OnKey(key)) => match p.status {
                    PanelStatus::Loading if !p.spec.planned_charts.is_empty() => {
                        out.push(ChartSlot::Loading(p.spec.id))
                    }
                    PanelStatus::Idle => {
                        out.extend(p.spec.planned_charts.iter().map(|t| ChartSlot::OnKey {
                            title: t,
                            command: p.spec.command,
                            key,
                        }))
                    }
                    _ => {}
                },
                (None, Availability::NotYet { issue }) => {
                    out.extend(p.spec.planned_charts.iter().map(|t| ChartSlot::Planned {
                        title: t,
                        command: p.spec.command,
                        issue,
                    }))
                }
                _ => {}
            }
        }
        out
    }

    /// Counts of rows by mark (for the list title), ignoring the filter.
    pub fn counts(&self) -> &BTreeMap<Mark, usize> {
        &self.counts
    }

    /// Rebuilds the ranked, filtered rows, keeping the selection on the same row if it is
    /// still there.
    pub fn rebuild(&mut self) {
        let keep = self.rows.get(self.selected).map(Row::identity);
        let mut rows = self.all_rows();
        self.counts.clear();
        for r in &rows {
            *self.counts.entry(r.mark).or_insert(0) += 1;
        }
        let needle = self.filter.to_lowercase();
        if !needle.is_empty() {
            rows.retain(|r| r.matches(&needle));
        }
        self.rows = rows;
        if let Some(k) = keep {
            if let Some(i) = self.rows.iter().position(|r| r.identity() == k) {
                self.selected = i;
            }
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.clamp_offset();
    }

    fn all_rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for (pi, p) in self.panels.iter().enumerate() {
            let panel = p.spec.id;
            if let Some(d) = &p.data {
                // Checks skipped for one reason (a TLS run with no HTTPS backend skips all
                // six) make one row, not a wall of identical ones.
                let mut same_reason: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
                for (ci, c) in d.report.checks.iter().enumerate() {
                    if c.status == CheckStatus::Skipped {
                        same_reason
                            .entry(c.reason.as_deref().unwrap_or(""))
                            .or_default()
                            .push(ci);
                    }
                }
                for (ci, c) in d.report.checks.iter().enumerate() {
                    let group = same_reason
                        .get(c.reason.as_deref().unwrap_or(""))
                        .filter(|g| c.status == CheckStatus::Skipped && g.len() >= 3);
                    if let Some(g) = group {
                        if g.first() == Some(&ci) {
                            rows.push(Row {
                                mark: Mark::Skipped,
                                panel,
                                check: format!("{} ({} checks)", panel.name(), g.len()),
                                text: format!("skipped: {}", c.reason.as_deref().unwrap_or("")),
                                target: RowTarget::SkippedGroup {
                                    panel: pi,
                                    check: ci,
                                },
                            });
                        }
                        continue;
                    }
                    match c.status {
                        CheckStatus::Found => {
                            for (fi, f) in c.findings.iter().enumerate() {
                                rows.push(Row {
                                    mark: Mark::of(f.severity),
                                    panel,
                                    check: c.id.clone(),
                                    text: f.summary.clone(),
                                    target: RowTarget::Finding {
                                        panel: pi,
                                        check: ci,
                                        finding: fi,
                                    },
                                });
                            }
                        }
                        status => {
                            let (mark, text) = match status {
                                CheckStatus::Passed => (Mark::Passed, "passed".to_string()),
                                CheckStatus::Skipped => (
                                    Mark::Skipped,
                                    format!("skipped: {}", c.reason.as_deref().unwrap_or("")),
                                ),
                                _ => (
                                    Mark::Failed,
                                    format!("error: {}", c.reason.as_deref().unwrap_or("")),
                                ),
                            };
                            rows.push(Row {
                                mark,
                                panel,
                                check: c.id.clone(),
                                text,
                                target: RowTarget::Check {
                                    panel: pi,
                                    check: ci,
                                },
                            });
                        }
                    }
                }
                for (ni, n) in d.report.notes.iter().enumerate() {
                    rows.push(Row {
                        mark: Mark::Note,
                        panel,
                        check: panel.name().to_string(),
                        text: n.clone(),
                        target: RowTarget::Note {
                            panel: pi,
                            note: ni,
                        },
                    });
                }
            } else if p.status == PanelStatus::Loading {
                for (id, _) in &p.spec.checks {
                    rows.push(Row {
                        mark: Mark::Pending,
                        panel,
                        check: id.clone(),
                        text: p.progress(),
                        target: RowTarget::Pending,
                    });
                }
            }
            if p.status == PanelStatus::Failed {
                let e = p.error.as_deref().unwrap_or("failed");
                rows.push(Row {
                    mark: Mark::Failed,
                    panel,
                    check: panel.name().to_string(),
                    text: if p.data.is_some() {
                        format!("refresh failed (showing the previous result): {e}")
                    } else {
                        format!("could not run: {e}")
                    },
                    target: RowTarget::PanelError { panel: pi },
                });
            }
        }
        // Stable: within a mark, panel order then the report's own order (worst first, id).
        rows.sort_by_key(|r| r.mark);
        rows
    }

    fn clamp_offset(&mut self) {
        let h = self.viewport.list_rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        }
        if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
        let max = self.rows.len().saturating_sub(h);
        self.offset = self.offset.min(max);
    }

    /// Records the sizes the view measured, so scrolling stays inside them.
    pub fn set_viewport(&mut self, v: Viewport) {
        self.viewport = v;
        self.clamp_offset();
        let max = v.doc_total.saturating_sub(v.doc_rows);
        if let Some(
            Screen::Detail { scroll, .. }
            | Screen::Docs { scroll, .. }
            | Screen::Trace(TraceState { scroll, .. }),
        ) = self.stack.last_mut()
        {
            *scroll = (*scroll).min(max);
        }
    }

    /// Applies one event; returns the loads to start.
    pub fn update(&mut self, ev: Event, now: Instant) -> Vec<Effect> {
        self.now = now;
        match ev {
            Event::Tick => self.on_tick(),
            Event::Term(TermEvent::Key(k)) => self.on_key(k),
            Event::Term(TermEvent::Mouse(m)) => match m.kind {
                MouseEventKind::ScrollDown => self.scroll(3),
                MouseEventKind::ScrollUp => self.scroll(-3),
                _ => Vec::new(),
            },
            Event::Term(_) => Vec::new(),
            Event::App(a) => self.on_app(a),
        }
    }

    fn on_tick(&mut self) -> Vec<Effect> {
        self.spinner = self.spinner.wrapping_add(1);
        match (self.opts.refresh, self.next_refresh) {
            (Some(_), Some(next)) if self.now >= next && !self.loading() => self.refresh(),
            _ => Vec::new(),
        }
    }

    fn on_app(&mut self, ev: AppEvent) -> Vec<Effect> {
        match ev {
            AppEvent::Connected { region } => {
                super::log::info(&format!("source ready ({region})"));
                self.conn = Conn::Ready { region };
                self.refresh()
            }
            AppEvent::ConnectFailed(e) => {
                super::log::info(&format!("source failed: {e}"));
                self.conn = Conn::Failed(clean(&e));
                Vec::new()
            }
            AppEvent::Call {
                panel,
                gen,
                call,
                done,
            } => {
                if let Some(p) = self.current(panel, gen) {
                    if done {
                        p.calls_done += 1;
                        if let Some(i) = p.in_flight.iter().position(|c| *c == call) {
                            p.in_flight.remove(i);
                        }
                    } else {
                        p.calls_started += 1;
                        p.in_flight.push(call);
                    }
                    self.rebuild();
                }
                Vec::new()
            }
            AppEvent::Loaded {
                panel,
                gen,
                took,
                result,
            } => {
                let Some(p) = self.current(panel, gen) else {
                    super::log::info(&format!(
                        "dropping a stale {} result (generation {gen})",
                        panel.name()
                    ));
                    return Vec::new();
                };
                p.took = Some(took);
                p.in_flight.clear();
                match result {
                    Ok(mut d) => {
                        sanitize_data(&mut d);
                        p.data = Some(*d);
                        p.status = PanelStatus::Done;
                        p.error = None;
                    }
                    Err(e) => {
                        p.status = PanelStatus::Failed;
                        p.error = Some(clean(&e));
                    }
                }
                super::log::info(&format!(
                    "{} {} in {} ms",
                    panel.name(),
                    if p.status == PanelStatus::Done {
                        "loaded"
                    } else {
                        "failed"
                    },
                    took.as_millis()
                ));
                let n = self.charts().len();
                self.chart = self.chart.min(n.saturating_sub(1));
                self.rebuild();
                Vec::new()
            }
            AppEvent::Quit => {
                self.quit = true;
                Vec::new()
            }
        }
    }

    /// The panel, if `gen` is its current generation.
    fn current(&mut self, panel: PanelId, gen: u64) -> Option<&mut PanelState> {
        self.panels
            .iter_mut()
            .find(|p| p.spec.id == panel && p.gen == gen)
    }

    fn start(&mut self, i: usize, arg: Option<String>) -> Option<Effect> {
        if !matches!(self.conn, Conn::Ready { .. }) {
            return None;
        }
        let p = self.panels.get_mut(i)?;
        p.gen += 1;
        p.status = PanelStatus::Loading;
        p.calls_started = 0;
        p.calls_done = 0;
        p.in_flight.clear();
        p.last_arg.clone_from(&arg);
        Some(Effect::Load {
            panel: p.spec.id,
            gen: p.gen,
            arg,
        })
    }

    /// Reloads the automatic panels and the on-key ones that have run (or all of them, with
    /// `start_all`).
    pub fn refresh(&mut self) -> Vec<Effect> {
        let mut out = Vec::new();
        for i in 0..self.panels.len() {
            let p = &self.panels[i];
            let again = match p.spec.availability {
                Availability::Auto => true,
                Availability::OnKey(_) => self.opts.start_all || p.gen > 0,
                // A trace is of one request: it does not change, and re-reading logs costs.
                Availability::OnPrompt(_) | Availability::NotYet { .. } => false,
            };
            if again {
                let arg = self.panels[i].last_arg.clone();
                out.extend(self.start(i, arg));
            }
        }
        if let Some(every) = self.opts.refresh {
            self.next_refresh = Some(self.now + every);
        }
        self.rebuild();
        out
    }

    fn run_on_key(&mut self, key: char) -> Vec<Effect> {
        let Some(i) = self
            .panels
            .iter()
            .position(|p| p.spec.availability == Availability::OnKey(key))
        else {
            return Vec::new();
        };
        if self.panels[i].status == PanelStatus::Loading {
            return Vec::new();
        }
        let out: Vec<Effect> = self.start(i, None).into_iter().collect();
        self.rebuild();
        out
    }

    fn on_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if k.kind == KeyEventKind::Release {
            return Vec::new();
        }
        // Terminals send Alt+x as ESC x, and so does a quick `esc` then `x`: gwdoctor binds
        // nothing to Alt, so read it as the two keys the user most likely pressed.
        if k.modifiers.contains(KeyModifiers::ALT) {
            let mut out = self.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            let mut rest = k;
            rest.modifiers.remove(KeyModifiers::ALT);
            out.extend(self.on_key(rest));
            return out;
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(k.code, KeyCode::Char('c')) {
            self.quit = true;
            return Vec::new();
        }
        // Help is a glance: any key other than its own closes it and then does its job.
        if self.screen() == Some(&Screen::Help)
            && !matches!(k.code, KeyCode::Char('?') | KeyCode::Esc)
        {
            self.stack.pop();
        }
        // Text inputs take every printable key.
        if self.filter_editing {
            match k.code {
                KeyCode::Esc => {
                    self.filter_editing = false;
                    self.filter.clear();
                }
                KeyCode::Enter => self.filter_editing = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char('u') if ctrl => self.filter.clear(),
                KeyCode::Char(c) if !ctrl && !c.is_control() => self.filter.push(c),
                _ => {}
            }
            self.selected = 0;
            self.offset = 0;
            self.rebuild();
            return Vec::new();
        }
        if let Some(Screen::Trace(t)) = self.stack.last_mut() {
            match k.code {
                KeyCode::Esc => {
                    self.stack.pop();
                }
                KeyCode::Enter => {
                    let id = t.input.trim().to_string();
                    if !id.is_empty() {
                        t.submitted = Some(id.clone());
                        t.scroll = 0;
                        return self.trace(id);
                    }
                }
                KeyCode::Up => return self.scroll(-1),
                KeyCode::Down => return self.scroll(1),
                KeyCode::PageUp => return self.page(-1),
                KeyCode::PageDown => return self.page(1),
                KeyCode::Backspace => {
                    t.input.pop();
                }
                KeyCode::Char('u') if ctrl => t.input.clear(),
                KeyCode::Char(c) if !ctrl && !c.is_control() && t.input.chars().count() < 200 => {
                    t.input.push(c)
                }
                _ => {}
            }
            return Vec::new();
        }
        match k.code {
            KeyCode::Char('q') => {
                self.quit = true;
                Vec::new()
            }
            KeyCode::Esc => {
                if self.stack.pop().is_none() && !self.filter.is_empty() {
                    self.filter.clear();
                    self.rebuild();
                }
                Vec::new()
            }
            KeyCode::Char('?') => {
                if self.screen() == Some(&Screen::Help) {
                    self.stack.pop();
                } else {
                    self.stack.push(Screen::Help);
                }
                Vec::new()
            }
            KeyCode::Char('r') => self.refresh(),
            KeyCode::Char(k @ ('s' | 'c' | 'T')) => self.run_on_key(k),
            KeyCode::Char('t') => {
                // Reopening shows the last trace again, its id ready to edit.
                let last = self.panel(PanelId::Trace).and_then(|p| p.last_arg.clone());
                self.stack.push(Screen::Trace(TraceState {
                    input: last.clone().unwrap_or_default(),
                    submitted: last,
                    scroll: 0,
                }));
                Vec::new()
            }
            KeyCode::Char('e') => {
                if let Some(check) = self.context_check() {
                    self.stack.push(Screen::Docs { check, scroll: 0 });
                }
                Vec::new()
            }
            KeyCode::Char('/') if self.stack.is_empty() => {
                self.filter_editing = true;
                self.focus = Pane::Findings;
                Vec::new()
            }
            KeyCode::Tab | KeyCode::BackTab if self.stack.is_empty() => {
                self.focus = match self.focus {
                    Pane::Findings => Pane::Charts,
                    Pane::Charts => Pane::Findings,
                };
                Vec::new()
            }
            KeyCode::Enter if self.stack.is_empty() && self.focus == Pane::Findings => {
                if let Some(item) = self.detail_of_selected() {
                    self.stack.push(Screen::Detail {
                        item: Box::new(item),
                        scroll: 0,
                    });
                }
                Vec::new()
            }
            KeyCode::Char('j') | KeyCode::Down => self.scroll(1),
            KeyCode::Char('k') | KeyCode::Up => self.scroll(-1),
            KeyCode::Char('l') | KeyCode::Right if self.focus == Pane::Charts => self.scroll(1),
            KeyCode::Char('h') | KeyCode::Left if self.focus == Pane::Charts => self.scroll(-1),
            KeyCode::Char('d') if ctrl => self.page(1),
            KeyCode::Char('u') if ctrl => self.page(-1),
            KeyCode::PageDown => self.page(1),
            KeyCode::PageUp => self.page(-1),
            KeyCode::Char('g') | KeyCode::Home => self.scroll(isize::MIN / 2),
            KeyCode::Char('G') | KeyCode::End => self.scroll(isize::MAX / 2),
            _ => Vec::new(),
        }
    }

    fn trace(&mut self, id: String) -> Vec<Effect> {
        let Some(i) = self.panels.iter().position(|p| p.spec.id == PanelId::Trace) else {
            return Vec::new();
        };
        if matches!(
            self.panels[i].spec.availability,
            Availability::NotYet { .. }
        ) {
            super::log::info("trace asked for, but trace is not built yet");
            return Vec::new();
        }
        self.start(i, Some(id)).into_iter().collect()
    }

    fn page(&mut self, dir: isize) -> Vec<Effect> {
        let rows = match self.screen() {
            None => self.viewport.list_rows,
            _ => self.viewport.doc_rows,
        };
        self.scroll(dir * rows.max(1) as isize)
    }

    /// Moves the selection, the chart or the open document by `by` lines.
    fn scroll(&mut self, by: isize) -> Vec<Effect> {
        let max_doc = self
            .viewport
            .doc_total
            .saturating_sub(self.viewport.doc_rows);
        match self.stack.last_mut() {
            Some(
                Screen::Detail { scroll, .. }
                | Screen::Docs { scroll, .. }
                | Screen::Trace(TraceState { scroll, .. }),
            ) => {
                *scroll = scroll.saturating_add_signed(by).min(max_doc);
            }
            Some(_) => {}
            None if self.focus == Pane::Charts => {
                let n = self.charts().len();
                if n > 0 {
                    let step = by.signum();
                    self.chart = (self.chart as isize + step).rem_euclid(n as isize) as usize;
                }
            }
            None => {
                let last = self.rows.len().saturating_sub(1);
                self.selected = self.selected.saturating_add_signed(by).min(last);
                self.clamp_offset();
            }
        }
        Vec::new()
    }

    /// The check the user is looking at (for `e`).
    fn context_check(&self) -> Option<String> {
        let check = match self.screen() {
            Some(Screen::Detail { item, .. }) => &item.check,
            Some(_) => return None,
            None => &self.rows.get(self.selected)?.check,
        };
        // Notes, panel errors and grouped rows name a panel, not a check.
        self.docs.contains_key(check).then(|| check.clone())
    }

    fn detail_of_selected(&self) -> Option<DetailItem> {
        let r = self.rows.get(self.selected)?;
        let title = self
            .docs
            .get(&r.check)
            .map(|d| d.title.clone())
            .unwrap_or_default();
        let report = |pi: usize| self.panels.get(pi)?.data.as_ref().map(|d| &d.report);
        let mut item = DetailItem {
            mark: r.mark,
            panel: r.panel,
            check: r.check.clone(),
            title,
            finding: None,
            text: r.text.clone(),
        };
        match r.target {
            RowTarget::Pending => return None,
            RowTarget::Finding {
                panel,
                check,
                finding,
            } => {
                let c = report(panel)?.checks.get(check)?;
                item.title = c.title.clone();
                item.finding = Some(c.findings.get(finding)?.clone());
            }
            RowTarget::Check { panel, check } => {
                item.title = report(panel)?.checks.get(check)?.title.clone();
            }
            RowTarget::SkippedGroup { panel, check } => {
                let r = report(panel)?;
                let reason = &r.checks.get(check)?.reason;
                let ids: Vec<&str> = r
                    .checks
                    .iter()
                    .filter(|c| c.status == CheckStatus::Skipped && &c.reason == reason)
                    .map(|c| c.id.as_str())
                    .collect();
                item.text = format!("{}\n\nChecks: {}", item.text, ids.join(", "));
            }
            RowTarget::Note { .. } | RowTarget::PanelError { .. } => {}
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{CheckResult, TargetInfo, SCHEMA};
    use crate::tui::panels;

    fn key(c: KeyCode) -> Event {
        Event::Term(TermEvent::Key(KeyEvent::new(c, KeyModifiers::NONE)))
    }

    fn ch(c: char) -> Event {
        key(KeyCode::Char(c))
    }

    fn report(checks: Vec<CheckResult>) -> Report {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut r = Report {
            schema: SCHEMA,
            command: "latency".into(),
            target: TargetInfo {
                api_id: Some("abc".into()),
                api_name: Some("demo".into()),
                api_kind: Some("rest".into()),
                stage: None,
                region: "us-east-1".into(),
                start: t,
                end: t,
            },
            checks,
            notes: vec!["a note".into()],
            section: None,
        };
        r.sort();
        r
    }

    fn finding(check: &str, sev: Severity, summary: &str) -> Finding {
        Finding {
            check: check.into(),
            severity: sev,
            resource: "apigw:abc/prod".into(),
            summary: summary.into(),
            evidence: vec![Evidence::LogLine {
                group: "/aws/lambda/f".into(),
                stream: "s".into(),
                at: chrono::Utc::now(),
                text: "\u{1b}]0;owned\u{7}Task timed out\u{1b}[2J after 3.00 seconds".into(),
            }],
            remedy: "fix it".into(),
        }
    }

    fn spec(id: PanelId, availability: Availability) -> PanelSpec {
        PanelSpec {
            id,
            command: "gwdoctor x",
            availability,
            checks: vec![
                ("check-a".into(), "A".into()),
                ("check-b".into(), "B".into()),
            ],
            planned_charts: vec!["planned chart"],
        }
    }

    fn app() -> (App, Instant) {
        let now = Instant::now();
        let specs = vec![
            spec(PanelId::Latency, Availability::Auto),
            spec(PanelId::Tls, Availability::OnKey('s')),
            spec(PanelId::Trace, Availability::NotYet { issue: 4 }),
        ];
        let opts = AppOptions {
            refresh: Some(Duration::from_secs(60)),
            ..AppOptions::default()
        };
        (App::new(opts, specs, Vec::new(), now), now)
    }

    fn loaded(gen: u64, r: Report) -> Event {
        Event::App(AppEvent::Loaded {
            panel: PanelId::Latency,
            gen,
            took: Duration::from_millis(5),
            result: Ok(Box::new(panels::PanelData {
                report: r,
                inconclusive: false,
                headline: Some("Verdict: \u{1b}[31mbackend".into()),
                charts: Vec::new(),
            })),
        })
    }

    fn connected() -> Event {
        Event::App(AppEvent::Connected {
            region: "us-east-1".into(),
        })
    }

    fn sample() -> Report {
        report(vec![
            CheckResult::from_findings("check-a", "A", vec![]),
            CheckResult::from_findings(
                "check-b",
                "B",
                vec![
                    finding("check-b", Severity::Warning, "slow"),
                    finding("check-b", Severity::Error, "broken \u{1b}[31mred"),
                ],
            ),
            CheckResult::skipped("check-c", "C", "access denied"),
        ])
    }

    #[test]
    fn loads_start_only_once_connected_and_pending_rows_show_progress() {
        let (mut a, now) = app();
        assert!(a.update(ch('r'), now).is_empty(), "no source yet");
        let fx = a.update(connected(), now);
        assert_eq!(
            fx,
            vec![Effect::Load {
                panel: PanelId::Latency,
                gen: 1,
                arg: None
            }]
        );
        assert_eq!(a.rows.len(), 2);
        assert!(a.rows.iter().all(|r| r.mark == Mark::Pending));
        a.update(
            Event::App(AppEvent::Call {
                panel: PanelId::Latency,
                gen: 1,
                call: "metrics",
                done: false,
            }),
            now,
        );
        assert!(
            a.rows[0].text.contains("reading metrics"),
            "{:?}",
            a.rows[0]
        );
    }

    #[test]
    fn rows_are_ranked_and_sanitized() {
        let (mut a, now) = app();
        a.update(connected(), now);
        a.update(loaded(1, sample()), now);
        let marks: Vec<Mark> = a.rows.iter().map(|r| r.mark).collect();
        assert_eq!(
            marks,
            vec![
                Mark::Error,
                Mark::Warning,
                Mark::Skipped,
                Mark::Passed,
                Mark::Note
            ]
        );
        assert_eq!(a.rows[0].text, "broken red");
        assert_eq!(a.headline(), Some("Verdict: backend"));
        let d = a.panels[0].data.as_ref().unwrap();
        let Evidence::LogLine { text, .. } = &d.report.checks[0].findings[0].evidence[0] else {
            panic!()
        };
        assert_eq!(text, "Task timed out after 3.00 seconds");
    }

    #[test]
    fn stale_results_are_dropped() {
        let (mut a, now) = app();
        a.update(connected(), now);
        a.update(ch('r'), now); // gen 2
        a.update(loaded(1, sample()), now);
        assert!(a.panels[0].data.is_none(), "generation 1 is stale");
        a.update(loaded(2, sample()), now);
        assert!(a.panels[0].data.is_some());
    }

    #[test]
    fn navigation_enter_docs_and_esc() {
        let (mut a, now) = app();
        a.docs.insert(
            "check-b".into(),
            CheckInfo {
                id: "check-b".into(),
                title: "B".into(),
                severity: Severity::Error,
                needs: vec![],
                iam_actions: vec![],
                commands: vec![],
                origin: "builtin".into(),
                docs: "## What it checks".into(),
            },
        );
        a.update(connected(), now);
        a.update(loaded(1, sample()), now);
        a.update(ch('j'), now);
        assert_eq!(a.selected, 1);
        a.update(key(KeyCode::Down), now);
        a.update(key(KeyCode::Up), now);
        a.update(ch('k'), now);
        a.update(ch('k'), now);
        assert_eq!(a.selected, 0, "stops at the top");
        a.update(ch('G'), now);
        assert_eq!(a.selected, a.rows.len() - 1);
        a.update(ch('g'), now);
        a.update(key(KeyCode::Enter), now);
        let Some(Screen::Detail { item, .. }) = a.screen() else {
            panic!("{:?}", a.stack)
        };
        assert_eq!(item.check, "check-b");
        assert_eq!(item.finding.as_ref().unwrap().severity, Severity::Error);
        a.update(ch('e'), now);
        assert!(matches!(a.screen(), Some(Screen::Docs { check, .. }) if check == "check-b"));
        a.update(key(KeyCode::Esc), now);
        assert!(matches!(a.screen(), Some(Screen::Detail { .. })));
        a.update(key(KeyCode::Esc), now);
        assert_eq!(a.screen(), None);
        assert!(!a.quit);
        a.update(ch('q'), now);
        assert!(a.quit);
    }

    #[test]
    fn filter_types_into_the_input_and_esc_clears_it() {
        let (mut a, now) = app();
        a.update(connected(), now);
        a.update(loaded(1, sample()), now);
        a.update(ch('/'), now);
        for c in "slow".chars() {
            a.update(ch(c), now);
        }
        assert_eq!(a.filter, "slow");
        assert_eq!(a.rows.len(), 1);
        // `q` while typing is text, not quit.
        a.update(ch('q'), now);
        assert!(!a.quit);
        assert_eq!(a.rows.len(), 0);
        a.update(key(KeyCode::Backspace), now);
        a.update(key(KeyCode::Enter), now);
        assert!(!a.filter_editing);
        assert_eq!(a.rows.len(), 1);
        a.update(key(KeyCode::Esc), now);
        assert!(a.filter.is_empty());
        assert_eq!(a.rows.len(), 5);
    }

    #[test]
    fn help_toggles_and_tab_switches_panes() {
        let (mut a, now) = app();
        a.update(ch('?'), now);
        assert_eq!(a.screen(), Some(&Screen::Help));
        a.update(ch('?'), now);
        assert_eq!(a.screen(), None);
        a.update(key(KeyCode::Tab), now);
        assert_eq!(a.focus, Pane::Charts);
        a.update(key(KeyCode::Tab), now);
        assert_eq!(a.focus, Pane::Findings);
    }

    #[test]
    fn trace_prompt_takes_text_and_says_not_yet() {
        let (mut a, now) = app();
        a.update(connected(), now);
        a.update(ch('t'), now);
        for c in "c0ffee-1\u{7}q".chars() {
            a.update(ch(c), now);
        }
        assert!(!a.quit, "q is text in the prompt");
        let fx = a.update(key(KeyCode::Enter), now);
        assert!(fx.is_empty(), "trace is not built: nothing to load");
        let Some(Screen::Trace(t)) = a.screen() else {
            panic!()
        };
        assert_eq!(t.submitted.as_deref(), Some("c0ffee-1q"));
        a.update(key(KeyCode::Esc), now);
        assert_eq!(a.screen(), None);
    }

    #[test]
    fn s_runs_tls_once_and_refresh_includes_it_afterwards() {
        let (mut a, now) = app();
        a.update(connected(), now);
        let fx = a.update(ch('s'), now);
        assert_eq!(
            fx,
            vec![Effect::Load {
                panel: PanelId::Tls,
                gen: 1,
                arg: None
            }]
        );
        assert!(a.update(ch('s'), now).is_empty(), "already running");
        let fx = a.update(ch('r'), now);
        assert_eq!(fx.len(), 2);
    }

    #[test]
    fn ticks_refresh_when_due_and_not_loading() {
        let (mut a, now) = app();
        a.update(connected(), now);
        let later = now + Duration::from_secs(61);
        assert!(a.update(Event::Tick, later).is_empty(), "still loading");
        a.update(loaded(1, sample()), later);
        let fx = a.update(Event::Tick, later);
        assert_eq!(fx.len(), 1);
        assert!(a
            .update(Event::Tick, later + Duration::from_secs(1))
            .is_empty());
    }

    #[test]
    fn ctrl_c_quits_even_while_typing() {
        let (mut a, now) = app();
        a.update(ch('/'), now);
        a.update(
            Event::Term(TermEvent::Key(KeyEvent::new(
                KeyCode::Char('c'),
                KeyModifiers::CONTROL,
            ))),
            now,
        );
        assert!(a.quit);
    }

    #[test]
    fn charts_pane_cycles_through_slots() {
        let (mut a, now) = app();
        // Latency's first load, tls's chart waiting for its key, trace's planned chart.
        let slots = a.charts();
        assert_eq!(slots.len(), 3);
        assert!(matches!(slots[0], ChartSlot::Loading(PanelId::Latency)));
        assert!(matches!(slots[1], ChartSlot::OnKey { key: 's', .. }));
        assert!(matches!(slots[2], ChartSlot::Planned { issue: 4, .. }));
        a.update(key(KeyCode::Tab), now);
        a.update(ch('j'), now);
        assert_eq!(a.chart, 1);
        a.update(ch('k'), now);
        a.update(ch('k'), now);
        assert_eq!(a.chart, 2, "wraps");
    }

    #[test]
    fn failed_panel_shows_a_row_with_the_error() {
        let (mut a, now) = app();
        a.update(connected(), now);
        a.update(
            Event::App(AppEvent::Loaded {
                panel: PanelId::Latency,
                gen: 1,
                took: Duration::ZERO,
                result: Err("no API \u{1b}[2Jdmeo".into()),
            }),
            now,
        );
        assert_eq!(a.rows.len(), 1);
        assert_eq!(a.rows[0].mark, Mark::Failed);
        assert_eq!(a.rows[0].text, "could not run: no API dmeo");
    }

    /// An on-key panel's refresh repeats what its last load was given.
    #[test]
    fn refresh_repeats_the_last_argument() {
        let now = Instant::now();
        let mut a = App::new(
            AppOptions::default(),
            vec![spec(PanelId::Tls, Availability::OnKey('s'))],
            Vec::new(),
            now,
        );
        a.update(connected(), now);
        a.panels[0].last_arg = Some("x".into());
        a.update(ch('s'), now);
        let fx = a.update(ch('r'), now);
        assert_eq!(
            fx,
            vec![Effect::Load {
                panel: PanelId::Tls,
                gen: 2,
                arg: None
            }],
            "s starts without an argument, and r repeats that"
        );
    }

    /// `trace`: the prompt's id goes to its load; a refresh does not trace again.
    #[test]
    fn the_prompt_id_goes_to_trace_and_refresh_leaves_it() {
        let now = Instant::now();
        let specs = vec![spec(PanelId::Trace, Availability::OnPrompt('t'))];
        let mut a = App::new(AppOptions::default(), specs, Vec::new(), now);
        a.update(connected(), now);
        a.update(ch('t'), now);
        for c in "abc-123".chars() {
            a.update(ch(c), now);
        }
        let want = |gen| Effect::Load {
            panel: PanelId::Trace,
            gen,
            arg: Some("abc-123".into()),
        };
        assert_eq!(a.update(key(KeyCode::Enter), now), vec![want(1)]);
        a.update(key(KeyCode::Esc), now);
        assert!(a.update(ch('r'), now).is_empty());
        // `t` again brings the last id back; Enter traces it again (a new generation).
        a.update(ch('t'), now);
        let Some(Screen::Trace(t)) = a.screen() else {
            panic!()
        };
        assert_eq!(t.input, "abc-123");
        assert_eq!(a.update(key(KeyCode::Enter), now), vec![want(2)]);
    }

    #[test]
    fn e_on_a_note_opens_nothing() {
        let (mut a, now) = app();
        a.update(connected(), now);
        a.update(loaded(1, sample()), now);
        a.update(ch('G'), now);
        assert_eq!(a.rows[a.selected].mark, Mark::Note);
        a.update(ch('e'), now);
        assert_eq!(a.screen(), None);
        a.update(key(KeyCode::Enter), now);
        a.update(ch('e'), now);
        assert!(matches!(a.screen(), Some(Screen::Detail { .. })));
    }

    #[test]
    fn alt_key_is_esc_then_the_key() {
        // tmux and terminals deliver a quick `esc` `t` as Alt+t.
        let (mut a, now) = app();
        a.update(ch('t'), now);
        let alt_t = Event::Term(TermEvent::Key(KeyEvent::new(
            KeyCode::Char('t'),
            KeyModifiers::ALT,
        )));
        a.update(alt_t, now);
        // esc closed the prompt, then t opened a fresh one: one prompt, not "t" typed.
        assert_eq!(a.stack.len(), 1);
        assert_eq!(a.screen(), Some(&Screen::Trace(TraceState::default())));
    }

    #[test]
    fn other_keys_close_help_and_act() {
        let (mut a, now) = app();
        a.update(ch('?'), now);
        a.update(ch('t'), now);
        assert_eq!(a.stack, vec![Screen::Trace(TraceState::default())]);
    }

    #[test]
    fn mouse_scroll_moves_the_selection() {
        let (mut a, now) = app();
        a.update(connected(), now);
        a.update(loaded(1, sample()), now);
        a.update(
            Event::Term(TermEvent::Mouse(crossterm::event::MouseEvent {
                kind: MouseEventKind::ScrollDown,
                column: 0,
                row: 0,
                modifiers: KeyModifiers::NONE,
            })),
            now,
        );
        assert_eq!(a.selected, 3);
    }
}
