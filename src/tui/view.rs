//! Drawing: a pure function of the [`App`] state (no I/O, no awaiting, no mutation). It
//! returns the sizes it measured ([`Viewport`]) so the key handler can scroll within them.
//!
//! Long documents (a finding with thousands of log lines) are drawn virtually: only the lines
//! on screen are built, so a redraw costs the same with 10 or 10,000 lines of evidence.

use chrono::{DateTime, Utc};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Clear, Dataset, GraphType, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{
    App, ChartSlot, Conn, DetailItem, Mark, Pane, PanelStatus, Screen, TraceState, Viewport,
};
use super::panels::{Availability, ChartData, PanelId, SeriesRole};
use crate::finding::Evidence;
use crate::output::text::fmt_value;

/// Below this the dashboard shows only how big it needs to be.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// From this width the chart sits beside the findings instead of under them.
const SIDE_BY_SIDE: u16 = 110;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Colours, or only bold/reverse when colour is off (`NO_COLOR`, `--no-color`).
#[derive(Clone, Copy)]
struct Theme {
    color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    fn mark(self, m: Mark) -> Style {
        match m {
            Mark::Error | Mark::Failed => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Mark::Warning => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Mark::Info => self.fg(Color::Cyan),
            Mark::Pending => self.fg(Color::Blue),
            Mark::Passed => self.fg(Color::Green),
            Mark::Skipped | Mark::Note => self.dim(),
        }
    }

    fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    fn heading(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan)
        } else {
            self.dim()
        }
    }
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App) -> Viewport {
    let area = f.area();
    let theme = Theme {
        color: app.opts.color,
    };
    let mut vp = app.viewport;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(f, area);
        return vp;
    }
    let doc_screen = matches!(
        app.screen(),
        Some(Screen::Detail { .. } | Screen::Docs { .. })
    ) || trace_answered(app);
    let headline = if doc_screen {
        Vec::new()
    } else {
        headline_lines(
            app,
            theme,
            area.width as usize,
            if area.height >= 28 { 4 } else { 3 },
        )
    };
    let [header, head_area, body, bar, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(headline.len() as u16),
        Constraint::Min(5),
        Constraint::Length(if doc_screen { 0 } else { 1 }),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(f, header, app);
    f.render_widget(Paragraph::new(headline), head_area);
    match app.screen() {
        Some(Screen::Detail { item, scroll }) => {
            let has_docs = app.docs.contains_key(&item.check);
            let (rows, total) = draw_detail(f, body, item, *scroll, has_docs, theme);
            vp.doc_rows = rows;
            vp.doc_total = total;
        }
        Some(Screen::Docs { check, scroll }) => {
            let (rows, total) = draw_docs(f, body, app, check, *scroll, theme);
            vp.doc_rows = rows;
            vp.doc_total = total;
        }
        Some(Screen::Trace(t)) if trace_answered(app) => {
            let (rows, total) = draw_trace_result(f, body, app, t, theme);
            vp.doc_rows = rows;
            vp.doc_total = total;
        }
        _ => {
            vp.list_rows = draw_main(f, body, app, theme);
        }
    }
    if !doc_screen {
        draw_bar(f, bar, app, theme);
    }
    draw_footer(f, footer, app, theme);
    match app.screen() {
        Some(Screen::Help) => draw_help(f, body, app, theme),
        Some(Screen::Trace(t)) if !trace_answered(app) => draw_trace(f, body, app, t, theme),
        _ => {}
    }
    vp
}

fn too_small(f: &mut Frame, area: Rect) {
    let text = format!(
        "Terminal too small: {}×{}.\ngwdoctor dash needs at least {MIN_WIDTH}×{MIN_HEIGHT} (80×24 or more is best).\nq quits.",
        area.width, area.height
    );
    f.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .alignment(Alignment::Center),
        area,
    );
}

/// Untrusted text for one line: control characters dropped, tabs and newlines as spaces.
/// (The app sanitized everything on arrival; this is the belt to those braces, and cheap.)
fn flat(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\t' || c == '\n' { ' ' } else { c })
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

fn width_of(s: &str) -> usize {
    Span::raw(s).width()
}

/// Greedy word wrap to `width` columns (words longer than a line are split).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut w = 0;
        for word in flat(para).split(' ').filter(|x| !x.is_empty()) {
            let ww = width_of(word);
            if w > 0 && w + 1 + ww > width {
                out.push(std::mem::take(&mut line));
                w = 0;
            }
            if ww > width {
                for c in word.chars() {
                    let mut b = [0u8; 4];
                    let cw = width_of(c.encode_utf8(&mut b));
                    if w + cw > width {
                        out.push(std::mem::take(&mut line));
                        w = 0;
                    }
                    line.push(c);
                    w += cw;
                }
                continue;
            }
            if w > 0 {
                line.push(' ');
                w += 1;
            }
            line.push_str(word);
            w += ww;
        }
        out.push(line);
    }
    out
}

fn headline_lines(app: &App, theme: Theme, width: usize, max_lines: usize) -> Vec<Line<'static>> {
    let (text, style) = match (&app.conn, app.headline()) {
        (Conn::Failed(_), _) => (
            "Could not open the data source (why, below). q quits.".to_string(),
            theme.mark(Mark::Error),
        ),
        (_, Some(h)) => (h.to_string(), theme.heading()),
        (Conn::Connecting, None) => (
            "Connecting to the data source (credentials, region)…".to_string(),
            theme.dim(),
        ),
        (Conn::Ready { .. }, None) => {
            let p = app.panel(PanelId::Latency);
            match p {
                Some(p) if p.status == PanelStatus::Failed => (
                    format!(
                        "latency could not run: {}",
                        p.error.as_deref().unwrap_or("")
                    ),
                    theme.mark(Mark::Error),
                ),
                Some(p) => (
                    format!("Running the checks: {}…", p.progress()),
                    theme.dim(),
                ),
                None => (String::new(), theme.dim()),
            }
        }
    };
    let w = width.saturating_sub(2);
    // The verdict's "Next:" sentence is the part to act on: it keeps its own line(s) when the
    // whole does not fit, and the explanation before it is shortened instead.
    let (main, mut next) = match text.find(" Next: ") {
        Some(i) => (text[..i].to_string(), Some(text[i + 1..].to_string())),
        None => (text, None),
    };
    // The next step may be a command the dashboard runs on a key: say which.
    if let Some(n) = &mut next {
        for p in &app.panels {
            if let (Availability::OnKey(k), PanelStatus::Idle) = (p.spec.availability, p.status) {
                let cmd = p.spec.command.trim_end_matches(" --api");
                if n.contains(&format!("{cmd} ")) {
                    n.push_str(&format!(" (press {k})"));
                }
            }
        }
    }
    let mut lines: Vec<Line<'static>> = Vec::new();
    let next_lines = next.as_deref().map(|n| wrap(n, w)).unwrap_or_default();
    let main_budget = max_lines
        .saturating_sub(next_lines.len().min(max_lines - 1))
        .max(1);
    for l in clip(wrap(&main, w), main_budget, w) {
        lines.push(Line::styled(format!(" {l}"), style));
    }
    let left = max_lines.saturating_sub(lines.len());
    for l in clip(next_lines, left, w) {
        lines.push(Line::styled(format!(" {l}"), theme.key()));
    }
    lines
}

/// At most `max` lines; a cut is marked with an ellipsis that still fits in `width`.
fn clip(mut lines: Vec<String>, max: usize, width: usize) -> Vec<String> {
    if lines.len() > max {
        lines.truncate(max);
        if let Some(l) = lines.last_mut() {
            while width_of(l) + 1 > width && l.pop().is_some() {}
            l.push('…');
        }
    }
    lines
}

fn api_label(app: &App) -> String {
    for p in &app.panels {
        if let Some(d) = &p.data {
            let t = &d.report.target;
            if let Some(id) = &t.api_id {
                let kind = match t.api_kind.as_deref() {
                    Some("http") => "HTTP",
                    _ => "REST",
                };
                return format!(
                    "{} ({kind} {id})",
                    flat(t.api_name.as_deref().unwrap_or(""))
                );
            }
        }
    }
    flat(&app.opts.api)
}

fn window_label(app: &App) -> Option<String> {
    let p = app.panel(PanelId::Latency)?;
    let t = &p.data.as_ref()?.report.target;
    Some(format!(
        "{}–{} UTC",
        t.start.format("%H:%M"),
        t.end.format("%H:%M")
    ))
}

fn draw_header(f: &mut Frame, area: Rect, app: &App) {
    let right = if app.loading() {
        format!("{} loading ", SPINNER[app.spinner % SPINNER.len()])
    } else {
        match (app.opts.refresh, app.next_refresh) {
            (Some(_), Some(next)) => {
                let s = next.saturating_duration_since(app.now).as_secs();
                format!("↻ {s}s ")
            }
            _ => "↻ r ".to_string(),
        }
    };
    // (text, rank): when the line is too narrow the highest rank goes first. The region
    // outranks the window: a wrong region is the usual reason for "no such API".
    let mut parts: Vec<(String, u8)> = vec![(api_label(app), 0)];
    match app.opts.stage.as_deref() {
        Some(st) => parts.push((format!("stage {}", flat(st)), 1)),
        None => parts.push(("all stages".into(), 3)),
    }
    if let Conn::Ready { region } = &app.conn {
        parts.push((flat(region), 1));
    }
    if let Some(w) = window_label(app) {
        parts.push((w, 2));
    }
    if !app.opts.mode.is_empty() {
        parts.push((flat(&app.opts.mode), 4));
    }
    let room = (area.width as usize).saturating_sub(width_of(&right) + 1 + 16);
    let joined = |p: &[(String, u8)]| {
        p.iter()
            .map(|x| x.0.as_str())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    while parts.len() > 1 && width_of(&joined(&parts)) > room {
        if let Some(i) = parts
            .iter()
            .enumerate()
            .max_by_key(|(i, p)| (p.1, *i))
            .map(|(i, _)| i)
        {
            parts.remove(i);
        }
    }
    let parts: Vec<String> = parts.into_iter().map(|p| p.0).collect();
    let [left, r] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(width_of(&right) as u16 + 1),
    ])
    .areas(area);
    let bar = Style::new().add_modifier(Modifier::REVERSED);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" gwdoctor dash ", bar.add_modifier(Modifier::BOLD)),
            Span::styled(format!(" {}", parts.join(" · ")), bar),
        ]))
        .style(bar),
        left,
    );
    f.render_widget(
        Paragraph::new(right).style(bar).alignment(Alignment::Right),
        r,
    );
}

/// The findings list and the chart; returns the visible list rows.
fn draw_main(f: &mut Frame, body: Rect, app: &App, theme: Theme) -> usize {
    let (list_area, chart_area) = if body.width >= SIDE_BY_SIDE {
        let [a, b] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(body);
        (a, b)
    } else {
        // The list takes what its rows need, between 5 lines and 55% of the body; the chart
        // gets the rest.
        // (An empty list holds a message instead: give it the room.)
        let rows = if app.rows.is_empty() {
            body.height
        } else {
            app.rows.len() as u16 + 2
        };
        let list_h = rows.clamp(5, (body.height * 55 / 100).max(5));
        let [a, b] = Layout::vertical([Constraint::Length(list_h), Constraint::Min(3)]).areas(body);
        (a, b)
    };
    let rows = draw_list(f, list_area, app, theme);
    draw_chart_pane(f, chart_area, app, theme);
    rows
}

fn draw_list(f: &mut Frame, area: Rect, app: &App, theme: Theme) -> usize {
    let focused = app.focus == Pane::Findings && app.screen().is_none();
    let counts = app.counts();
    let mut title = vec![Span::styled(" Findings ", theme.heading())];
    for m in [
        Mark::Error,
        Mark::Warning,
        Mark::Info,
        Mark::Failed,
        Mark::Pending,
        Mark::Skipped,
        Mark::Passed,
    ] {
        if let Some(n) = counts.get(&m) {
            title.push(Span::styled(format!("{}{n} ", m.symbol()), theme.mark(m)));
        }
    }
    if !app.filter.is_empty() {
        title.push(Span::styled(
            format!(
                "· filter /{} ({} shown) ",
                flat(&app.filter),
                app.rows.len()
            ),
            theme.key(),
        ));
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let h = inner.height as usize;
    if app.rows.is_empty() {
        let (msg, style) = match &app.conn {
            Conn::Connecting => ("Connecting to the data source…".to_string(), theme.dim()),
            Conn::Failed(e) => (format!("No data source: {e}"), theme.mark(Mark::Error)),
            Conn::Ready { .. } if !app.filter.is_empty() => (
                format!(
                    "No row matches /{} (esc clears the filter).",
                    flat(&app.filter)
                ),
                theme.dim(),
            ),
            Conn::Ready { .. } => ("Nothing to show yet.".to_string(), theme.dim()),
        };
        f.render_widget(
            Paragraph::new(msg).style(style).wrap(Wrap { trim: true }),
            inner,
        );
        return h;
    }
    let idw = app
        .rows
        .iter()
        .map(|r| width_of(&r.check))
        .max()
        .unwrap_or(0)
        .min(30);
    let offset = app
        .offset
        .min(app.selected)
        .max((app.selected + 1).saturating_sub(h));
    let lines: Vec<Line> = app
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, r)| {
            let sel = i == app.selected;
            let mark = if r.mark == Mark::Pending {
                SPINNER[app.spinner % SPINNER.len()]
            } else {
                r.mark.symbol()
            };
            let text_style = match r.mark {
                Mark::Skipped | Mark::Note | Mark::Pending => theme.dim(),
                _ => Style::new(),
            };
            let line = Line::from(vec![
                Span::raw(if sel { "▶ " } else { "  " }),
                Span::styled(format!("{mark} "), theme.mark(r.mark)),
                Span::styled(format!("{:<idw$} ", flat(&r.check)), theme.heading()),
                Span::styled(flat(&r.text), text_style),
            ]);
            if sel {
                line.style(if focused {
                    Style::new().add_modifier(Modifier::REVERSED)
                } else {
                    Style::new().add_modifier(Modifier::UNDERLINED)
                })
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
    h
}

fn draw_chart_pane(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let focused = app.focus == Pane::Charts && app.screen().is_none();
    let slots = app.charts();
    let n = slots.len();
    let i = app.chart.min(n.saturating_sub(1));
    let pos = if n > 1 {
        format!("({}/{n}) ", i + 1)
    } else {
        String::new()
    };
    let block = Block::bordered().border_style(theme.border(focused));
    match slots.get(i) {
        Some(ChartSlot::Data(c)) => draw_chart(f, area, c, block, &pos, theme),
        Some(ChartSlot::Loading(p)) => {
            let block = block.title(format!(" Charts {pos}"));
            let inner = block.inner(area);
            f.render_widget(block, area);
            f.render_widget(
                Paragraph::new(format!(
                    "{} waiting for {}…",
                    SPINNER[app.spinner % SPINNER.len()],
                    p.name()
                ))
                .style(theme.dim())
                .alignment(Alignment::Center),
                center_v(inner, 1),
            );
        }
        Some(ChartSlot::OnKey {
            title,
            command,
            key,
        }) => {
            let block = block.title(format!(" {title} {pos}"));
            let inner = block.inner(area);
            f.render_widget(block, area);
            let text = format!("{title}: press {key} to run `{command}`.");
            let lines = wrap(&text, inner.width.saturating_sub(2) as usize);
            let h = lines.len() as u16;
            f.render_widget(
                Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>())
                    .alignment(Alignment::Center),
                center_v(inner, h),
            );
        }
        Some(ChartSlot::Planned {
            title,
            command,
            issue,
        }) => {
            let block = block.title(format!(" {title} {pos}"));
            let inner = block.inner(area);
            f.render_widget(block, area);
            let text =
                format!("{title}: not available yet.\nIt comes with `{command}` (issue #{issue}).");
            let lines = wrap(&text, inner.width.saturating_sub(2) as usize);
            let h = lines.len() as u16;
            f.render_widget(
                Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>())
                    .style(theme.dim())
                    .alignment(Alignment::Center),
                center_v(inner, h),
            );
        }
        None => {
            let block = block.title(" Charts ");
            f.render_widget(block, area);
        }
    }
}

fn center_v(r: Rect, h: u16) -> Rect {
    let h = h.min(r.height);
    Rect {
        y: r.y + (r.height - h) / 2,
        height: h,
        ..r
    }
}

fn secs(at: DateTime<Utc>, start: DateTime<Utc>) -> f64 {
    (at - start).num_seconds() as f64
}

/// A round upper bound for the y axis (1, 2, 2.5 or 5 × 10^n above `v`).
fn nice_max(v: f64) -> f64 {
    if !v.is_finite() || v <= 0.0 {
        return 1.0;
    }
    let e = 10f64.powf(v.log10().floor());
    for m in [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * e >= v * 1.05 {
            return m * e;
        }
    }
    10.0 * e
}

fn draw_chart(f: &mut Frame, area: Rect, c: &ChartData, block: Block, pos: &str, theme: Theme) {
    let start = c.start.or_else(|| {
        c.series
            .iter()
            .filter_map(|s| s.points.first())
            .map(|p| p.0)
            .min()
    });
    let end = c.end.or_else(|| {
        c.series
            .iter()
            .filter_map(|s| s.points.last())
            .map(|p| p.0)
            .max()
    });
    let style_of = |r: SeriesRole| match r {
        SeriesRole::Primary => theme.fg(Color::Yellow),
        SeriesRole::Secondary => theme.fg(Color::Cyan),
        SeriesRole::Context => theme.fg(Color::Magenta),
    };
    let mut legend: Vec<Span> = Vec::new();
    for s in &c.series {
        legend.push(Span::styled("━ ", style_of(s.role)));
        legend.push(Span::raw(format!("{}  ", flat(&s.name))));
    }
    if let Some(m) = &c.mark {
        legend.push(Span::styled("▲ ", theme.mark(Mark::Error)));
        legend.push(Span::raw(format!("{} ", flat(&m.label))));
    }
    if let Some(l) = &c.limit {
        legend.push(Span::styled("┄ ", theme.mark(Mark::Error)));
        legend.push(Span::raw(format!("{} ", flat(&l.label))));
    }
    let block = block.title(Line::from(vec![
        Span::styled(format!(" {} ", flat(&c.title)), theme.heading()),
        Span::styled(format!("{} {pos}", flat(&c.subtitle)), theme.dim()),
    ]));
    let inner = block.inner(area);
    f.render_widget(block, area);
    // The legend sits on top of the plot, on as many lines as it needs (up to two).
    let legend = Line::from(legend);
    let legend_h = if inner.height >= 6 {
        legend
            .width()
            .div_ceil(inner.width.max(1) as usize)
            .clamp(1, 2) as u16
    } else {
        0
    };
    let [legend_area, plot] =
        Layout::vertical([Constraint::Length(legend_h), Constraint::Min(0)]).areas(inner);
    f.render_widget(
        Paragraph::new(legend).wrap(Wrap { trim: true }),
        legend_area,
    );
    let no_points = c.series.iter().all(|s| s.points.is_empty());
    let (Some(start), Some(end), false) = (start, end, no_points) else {
        f.render_widget(
            Paragraph::new("No datapoints in the window.")
                .style(theme.dim())
                .alignment(Alignment::Center),
            center_v(plot, 1),
        );
        return;
    };
    let x_max = secs(end, start).max(60.0);
    let data: Vec<Vec<(f64, f64)>> = c
        .series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .filter(|p| p.1.is_finite())
                .map(|p| (secs(p.0, start), p.1))
                .collect()
        })
        .collect();
    let mut y_top = data
        .iter()
        .flatten()
        .map(|p| p.1)
        .chain(c.limit.as_ref().map(|l| l.value))
        .chain(c.mark.as_ref().map(|m| m.value))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    y_top = nice_max(y_top);
    let mark_pts: Vec<(f64, f64)> = c
        .mark
        .iter()
        .map(|m| (secs(m.at, start), m.value))
        .collect();
    let mark_line: Vec<(f64, f64)> = c
        .mark
        .iter()
        .flat_map(|m| [(secs(m.at, start), 0.0), (secs(m.at, start), m.value)])
        .collect();
    let limit_line: Vec<(f64, f64)> = c
        .limit
        .iter()
        .flat_map(|l| [(0.0, l.value), (x_max, l.value)])
        .collect();
    let mut sets: Vec<Dataset> = Vec::new();
    if !mark_line.is_empty() {
        sets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.dim())
                .data(&mark_line),
        );
    }
    for (s, d) in c.series.iter().zip(&data) {
        sets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(style_of(s.role))
                .data(d),
        );
    }
    if !limit_line.is_empty() {
        sets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.mark(Mark::Error))
                .data(&limit_line),
        );
    }
    if !mark_pts.is_empty() {
        sets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(theme.mark(Mark::Error))
                .data(&mark_pts),
        );
    }
    let mid = start + chrono::Duration::seconds((x_max / 2.0) as i64);
    let unit = flat(&c.unit);
    let chart = Chart::new(sets)
        .legend_position(None)
        .x_axis(
            Axis::default()
                .bounds([0.0, x_max])
                .style(theme.dim())
                .labels([
                    start.format("%H:%M").to_string(),
                    mid.format("%H:%M").to_string(),
                    end.format("%H:%M").to_string(),
                ]),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, y_top])
                .style(theme.dim())
                .labels([
                    "0".to_string(),
                    fmt_value(y_top / 2.0),
                    format!("{} {unit}", fmt_value(y_top)),
                ]),
        );
    f.render_widget(chart, plot);
}

fn draw_bar(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let mut spans: Vec<Span> = vec![Span::raw(" ")];
    let mut not_yet: Vec<String> = Vec::new();
    for p in &app.panels {
        let name = p.spec.id.name();
        if let Availability::NotYet { issue } = p.spec.availability {
            // Trace has its own key and prompt (`t`), which say it is not built yet.
            if p.spec.id != PanelId::Trace {
                not_yet.push(format!("{name} #{issue}"));
            }
            continue;
        }
        if spans.len() > 1 {
            spans.push(Span::styled(" │ ", theme.dim()));
        }
        match (p.spec.availability, p.status) {
            (_, PanelStatus::Loading) => {
                spans.push(Span::raw(format!("{name} ")));
                spans.push(Span::styled(
                    SPINNER[app.spinner % SPINNER.len()],
                    theme.mark(Mark::Pending),
                ));
            }
            (_, PanelStatus::Done) => {
                spans.push(Span::raw(format!("{name} ")));
                spans.push(Span::styled("✓", theme.mark(Mark::Passed)));
                if let Some(t) = p.took {
                    let t = if t.as_millis() < 1000 {
                        format!(" {} ms", t.as_millis())
                    } else {
                        format!(" {:.1} s", t.as_secs_f64())
                    };
                    spans.push(Span::styled(t, theme.dim()));
                }
            }
            (_, PanelStatus::Failed) => {
                spans.push(Span::raw(format!("{name} ")));
                spans.push(Span::styled("✗ failed", theme.mark(Mark::Error)));
            }
            // Not run yet: the key that runs it.
            (Availability::OnPrompt(k) | Availability::OnKey(k), PanelStatus::Idle) => {
                spans.push(Span::raw(format!("{name} [")));
                spans.push(Span::styled(k.to_string(), theme.key()));
                spans.push(Span::raw("]"));
            }
            (_, PanelStatus::Idle) => {
                let why = if matches!(app.conn, Conn::Failed(_)) {
                    "not run"
                } else {
                    "waiting"
                };
                spans.push(Span::styled(format!("{name}: {why}"), theme.dim()));
            }
        }
    }
    if !not_yet.is_empty() {
        spans.push(Span::styled(
            format!(" │ not yet: {}", not_yet.join(", ")),
            theme.dim(),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn keys_line(pairs: &[(&str, &str)], theme: Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (k, what) in pairs {
        spans.push(Span::styled(k.to_string(), theme.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

fn draw_footer(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    if app.filter_editing {
        let line = Line::from(vec![
            Span::styled(" /", theme.key()),
            Span::raw(flat(&app.filter)),
            Span::styled("█", theme.key()),
            Span::styled("   Enter keep · Esc clear", theme.dim()),
        ]);
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    let line = match app.screen() {
        None => keys_line(
            &[
                ("?", "help"),
                ("q", "quit"),
                ("⏎", "open"),
                ("e", "docs"),
                ("/", "filter"),
                ("Tab", "charts"),
                ("r", "refresh"),
                ("s", "tls"),
                ("t", "trace"),
                ("j/k", "move"),
            ],
            theme,
        ),
        Some(Screen::Detail { .. }) => keys_line(
            &[
                ("j/k", "scroll"),
                ("PgUp/PgDn", "page"),
                ("e", "docs"),
                ("esc", "back"),
                ("q", "quit"),
            ],
            theme,
        ),
        Some(Screen::Docs { .. }) => {
            keys_line(&[("j/k", "scroll"), ("esc", "back"), ("q", "quit")], theme)
        }
        Some(Screen::Help) => keys_line(&[("esc", "back"), ("q", "quit")], theme),
        Some(Screen::Trace(_)) => keys_line(
            &[
                ("⏎", "trace"),
                ("↑↓ PgUp PgDn", "scroll"),
                ("Ctrl-U", "clear"),
                ("esc", "back"),
                ("Ctrl-C", "quit"),
            ],
            theme,
        ),
    };
    f.render_widget(Paragraph::new(line), area);
}

// ---------------------------------------------------------------- detail (virtual document)

/// Lines an evidence item takes at `width` (`prev` decides whether a log group header is
/// needed).
fn evidence_height(e: &Evidence, prev: Option<&Evidence>, width: usize) -> usize {
    match e {
        Evidence::Metric { points, .. } => 1 + points.len(),
        Evidence::LogLine { group, stream, .. } => {
            1 + usize::from(!same_stream(prev, group, stream))
        }
        Evidence::Certificate { .. } => 2,
        Evidence::Note { text } => wrap(text, width.saturating_sub(4)).len(),
    }
}

fn same_stream(prev: Option<&Evidence>, group: &str, stream: &str) -> bool {
    matches!(prev, Some(Evidence::LogLine { group: g, stream: s, .. }) if g == group && s == stream)
}

fn evidence_lines(
    e: &Evidence,
    prev: Option<&Evidence>,
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let bullet = || Span::styled("  ▸ ", theme.dim());
    match e {
        Evidence::Metric {
            namespace,
            name,
            stat,
            dimensions,
            period_s,
            points,
        } => {
            let dims: Vec<String> = dimensions
                .iter()
                .map(|(k, v)| format!("{}={}", flat(k), flat(v)))
                .collect();
            let mut out = vec![Line::from(vec![
                bullet(),
                Span::styled(format!("{} {}", flat(name), flat(stat)), theme.heading()),
                Span::styled(
                    format!(
                        " · {} · {} · {period_s} s",
                        flat(namespace),
                        dims.join(", ")
                    ),
                    theme.dim(),
                ),
            ])];
            let max = points
                .iter()
                .map(|p| p.1)
                .filter(|v| v.is_finite())
                .fold(f64::NEG_INFINITY, f64::max);
            for (at, v) in points {
                let mut spans = vec![Span::raw(format!(
                    "      {}  {:>10}",
                    at.format("%Y-%m-%d %H:%M"),
                    fmt_value(*v)
                ))];
                if points.len() > 1 && *v == max {
                    spans.push(Span::styled("  ◀ max", theme.mark(Mark::Warning)));
                }
                out.push(Line::from(spans));
            }
            out
        }
        Evidence::LogLine {
            group,
            stream,
            at,
            text,
        } => {
            let mut out = Vec::new();
            if !same_stream(prev, group, stream) {
                out.push(Line::from(vec![
                    bullet(),
                    Span::styled("log ", theme.heading()),
                    Span::styled(format!("{} · {}", flat(group), flat(stream)), theme.dim()),
                ]));
            }
            out.push(Line::from(vec![
                Span::styled(format!("      {} ", at.format("%H:%M:%S%.3f")), theme.dim()),
                Span::raw(flat(text)),
            ]));
            out
        }
        Evidence::Certificate {
            index,
            subject,
            issuer,
            not_after,
            key,
            sha256,
        } => vec![
            Line::from(vec![
                bullet(),
                Span::styled(format!("certificate #{index} "), theme.heading()),
                Span::raw(flat(subject)),
            ]),
            Line::styled(
                format!(
                    "      issuer {} · expires {} · {} · SHA-256 {}",
                    flat(issuer),
                    not_after.format("%Y-%m-%d"),
                    flat(key),
                    flat(sha256)
                ),
                theme.dim(),
            ),
        ],
        Evidence::Note { text } => wrap(text, width.saturating_sub(4))
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                Line::from(vec![
                    if i == 0 { bullet() } else { Span::raw("    ") },
                    Span::raw(l),
                ])
            })
            .collect(),
    }
}

fn section(title: &str, theme: Theme) -> Line<'static> {
    Line::styled(
        title.to_string(),
        theme.heading().add_modifier(Modifier::UNDERLINED),
    )
}

fn indented(text: &str, width: usize) -> Vec<Line<'static>> {
    wrap(text, width.saturating_sub(2))
        .into_iter()
        .map(|l| Line::from(format!("  {l}")))
        .collect()
}

/// Draws a finding (or a check / note) as a scrollable document; returns (visible lines,
/// total lines).
fn draw_detail(
    f: &mut Frame,
    area: Rect,
    item: &DetailItem,
    scroll: usize,
    has_docs: bool,
    theme: Theme,
) -> (usize, usize) {
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::from(vec![
            Span::styled(
                format!(" {} {} ", item.mark.symbol(), item.mark.word()),
                theme.mark(item.mark),
            ),
            Span::styled(format!("· {} ", flat(&item.check)), theme.heading()),
            Span::styled(
                if item.title.is_empty() {
                    String::new()
                } else {
                    format!("— {} ", flat(&item.title))
                },
                theme.dim(),
            ),
        ]));
    let inner = block.inner(area);
    let width = inner.width as usize;
    let h = inner.height as usize;
    let mut head: Vec<Line> = Vec::new();
    let mut tail: Vec<Line> = Vec::new();
    let evidence: &[Evidence] = match &item.finding {
        Some(fd) => {
            head.push(Line::from(vec![
                Span::styled("Resource  ", theme.heading()),
                Span::raw(flat(&fd.resource)),
            ]));
            head.push(Line::raw(""));
            head.push(section("Summary", theme));
            head.extend(indented(&fd.summary, width));
            head.push(Line::raw(""));
            head.push(section(&format!("Evidence ({})", fd.evidence.len()), theme));
            tail.push(Line::raw(""));
            tail.push(section("Remedy", theme));
            tail.extend(indented(&fd.remedy, width));
            &fd.evidence
        }
        None => {
            head.push(section(
                &format!("{} · {}", item.panel.name(), item.mark.word()),
                theme,
            ));
            head.extend(indented(&item.text, width));
            &[]
        }
    };
    if has_docs {
        tail.push(Line::raw(""));
        tail.push(Line::styled(
            format!("e: documentation of {}", flat(&item.check)),
            theme.dim(),
        ));
    }
    // Heights first (cheap), then build only the visible lines.
    let ev_total: usize = evidence
        .iter()
        .enumerate()
        .map(|(i, e)| evidence_height(e, i.checked_sub(1).map(|j| &evidence[j]), width))
        .sum();
    let total = head.len() + ev_total + tail.len();
    let scroll = scroll.min(total.saturating_sub(h));
    let end = scroll + h;
    let mut lines: Vec<Line> = Vec::with_capacity(h);
    let mut at = 0usize;
    for l in head {
        if at >= scroll && at < end {
            lines.push(l);
        }
        at += 1;
    }
    for (i, e) in evidence.iter().enumerate() {
        if at >= end {
            break;
        }
        let prev = i.checked_sub(1).map(|j| &evidence[j]);
        let eh = evidence_height(e, prev, width);
        if at + eh > scroll {
            for (k, l) in evidence_lines(e, prev, width, theme)
                .into_iter()
                .enumerate()
            {
                if at + k >= scroll && at + k < end {
                    lines.push(l);
                }
            }
        }
        at += eh;
    }
    at = total - tail.len();
    for l in tail {
        if at >= scroll && at < end {
            lines.push(l);
        }
        at += 1;
    }
    let block = if total > h {
        block.title_bottom(
            Line::from(format!(
                " {}–{} of {total} ",
                scroll + 1,
                (scroll + h).min(total)
            ))
            .alignment(Alignment::Right),
        )
    } else {
        block
    };
    f.render_widget(block, area);
    f.render_widget(Paragraph::new(lines), inner);
    (h, total)
}

/// A check's markdown docs as lines: headings bold, paragraphs and list items re-flowed to
/// the width (the sources are wrapped at ~90 columns), code blocks as they are.
fn markdown_lines(md: &str, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    // The paragraph being collected: indent, whether it is a list item, its text.
    let mut para: Option<(usize, bool, String)> = None;
    let flush = |para: &mut Option<(usize, bool, String)>, out: &mut Vec<Line<'static>>| {
        if let Some((indent, item, text)) = para.take() {
            let hang = indent + if item { 2 } else { 0 };
            for (k, l) in wrap(&text, width.saturating_sub(hang))
                .into_iter()
                .enumerate()
            {
                let pad = if k == 0 { indent } else { hang };
                out.push(Line::raw(format!("{}{l}", " ".repeat(pad))));
            }
        }
    };
    let blank = |out: &mut Vec<Line<'static>>| {
        if out.last().is_some_and(|l| l.width() > 0) {
            out.push(Line::raw(""));
        }
    };
    let mut in_code = false;
    for raw in md.lines() {
        let t = raw.trim_start();
        if t.starts_with("```") {
            flush(&mut para, &mut out);
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push(Line::styled(format!("    {}", flat(raw)), theme.dim()));
            continue;
        }
        if let Some(h) = raw.strip_prefix("## ").or_else(|| raw.strip_prefix("# ")) {
            flush(&mut para, &mut out);
            blank(&mut out);
            out.push(section(h, theme));
            continue;
        }
        if t.is_empty() {
            flush(&mut para, &mut out);
            blank(&mut out);
            continue;
        }
        let indent = raw.len() - t.len();
        let item = t.starts_with("- ")
            || t.starts_with("* ")
            || t.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        match &mut para {
            Some((_, _, text)) if !item => {
                text.push(' ');
                text.push_str(t);
            }
            _ => {
                flush(&mut para, &mut out);
                para = Some((indent, item, t.to_string()));
            }
        }
    }
    flush(&mut para, &mut out);
    out
}

/// The check's documentation (`e`).
fn draw_docs(
    f: &mut Frame,
    area: Rect,
    app: &App,
    check: &str,
    scroll: usize,
    theme: Theme,
) -> (usize, usize) {
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(
            format!(" Documentation · {} ", flat(check)),
            theme.heading(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    match app.docs.get(check) {
        Some(i) => {
            lines.push(Line::styled(
                format!("{} — {}", flat(&i.id), flat(&i.title)),
                theme.heading(),
            ));
            lines.push(Line::styled(
                format!(
                    "severity {} · runs in {} · IAM {}",
                    i.severity.as_str(),
                    i.commands.join(", "),
                    i.iam_actions.join(", ")
                ),
                theme.dim(),
            ));
            lines.push(Line::raw(""));
            lines.extend(markdown_lines(&i.docs, width, theme));
        }
        None => lines.push(Line::raw(format!(
            "No documentation for {}: it is not a check id (`gwdoctor checks` lists them).",
            flat(check)
        ))),
    }
    let h = inner.height as usize;
    let total = lines.len();
    let scroll = scroll.min(total.saturating_sub(h));
    let visible: Vec<Line> = lines.into_iter().skip(scroll).take(h).collect();
    f.render_widget(Paragraph::new(visible), inner);
    (h, total)
}

fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn draw_help(f: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let every = app
        .opts
        .refresh
        .map_or("off".to_string(), |d| format!("every {}s", d.as_secs()));
    let rows: Vec<(&str, String)> = vec![
        ("?", "this help".into()),
        (
            "/",
            "filter the findings (Enter keeps it, esc clears)".into(),
        ),
        (
            "j k ↑ ↓",
            "move, scroll · g G top, bottom · PgUp PgDn page".into(),
        ),
        (
            "Tab",
            "findings ↔ charts (j/k or h/l then change chart)".into(),
        ),
        (
            "Enter",
            "open the finding: summary, evidence, remedy".into(),
        ),
        ("e", "the check's documentation".into()),
        ("esc", "back".into()),
        ("r", format!("refresh now (auto: {every})")),
        (
            "c",
            "(re)run cold starts of the API's functions (cold-starts)".into(),
        ),
        (
            "T",
            "(re)run throttling: which limit, which function (throttles)".into(),
        ),
        (
            "s",
            "(re)run the TLS check of the HTTPS backends (ssl --api)".into(),
        ),
        (
            "t",
            "trace a request id: timeline and cause (gwdoctor trace)".into(),
        ),
        ("q Ctrl-C", "quit".into()),
        (
            "mouse",
            "the wheel scrolls; shift+drag selects text to copy".into(),
        ),
    ];
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!(" {k:<9} "), theme.key()),
                Span::raw(v),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    let mut marks = vec![Span::raw(" ")];
    for m in [
        Mark::Error,
        Mark::Warning,
        Mark::Info,
        Mark::Failed,
        Mark::Skipped,
        Mark::Passed,
        Mark::Note,
    ] {
        marks.push(Span::styled(m.symbol(), theme.mark(m)));
        marks.push(Span::raw(format!(" {}  ", m.word())));
    }
    lines.push(Line::from(marks));
    if let Some(p) = &app.opts.log_path {
        lines.push(Line::styled(format!(" log: {}", flat(p)), theme.dim()));
    }
    let r = popup(area, 72, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(Span::styled(" Help · keys ", theme.heading()))
                .border_style(theme.border(true)),
        ),
        r,
    );
}

/// The trace screen is a whole screen once an id was submitted to a trace that exists.
fn trace_answered(app: &App) -> bool {
    matches!(app.screen(), Some(Screen::Trace(t)) if t.submitted.is_some())
        && app
            .panel(PanelId::Trace)
            .is_some_and(|p| !matches!(p.spec.availability, Availability::NotYet { .. }))
}

/// A trace as `gwdoctor trace` prints it (cause, timeline, where the time went, log lines),
/// under the prompt; long lines are cut, not wrapped, so the timeline's columns hold. Returns
/// (visible lines, total lines).
fn draw_trace_result(
    f: &mut Frame,
    area: Rect,
    app: &App,
    t: &TraceState,
    theme: Theme,
) -> (usize, usize) {
    let id = t.submitted.as_deref().unwrap_or("");
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(
            format!(" Trace · {} ", flat(id)),
            theme.heading(),
        ));
    let inner = block.inner(area);
    let [prompt, _, text] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("request id> ", theme.key()),
            Span::raw(flat(&t.input)),
            Span::styled("█", theme.key()),
        ])),
        prompt,
    );
    let width = text.width as usize;
    let h = text.height as usize;
    let p = app.panel(PanelId::Trace);
    let lines: Vec<Line> = match p.map(|p| p.status) {
        Some(PanelStatus::Loading) => vec![Line::styled(
            format!(
                "{} tracing {}: {}",
                SPINNER[app.spinner % SPINNER.len()],
                flat(id),
                p.map(|p| p.progress()).unwrap_or_default()
            ),
            theme.dim(),
        )],
        Some(PanelStatus::Failed) => wrap(
            &format!(
                "Trace failed: {}",
                p.and_then(|p| p.error.as_deref()).unwrap_or("")
            ),
            width,
        )
        .into_iter()
        .map(|l| Line::styled(l, theme.mark(Mark::Error)))
        .collect(),
        _ => match p.and_then(|p| p.data.as_ref()) {
            Some(d) => {
                let text = d
                    .report
                    .section
                    .as_ref()
                    .map(|s| s.text.as_str())
                    .unwrap_or("");
                let mut out: Vec<Line> = Vec::new();
                if text.trim().is_empty() {
                    out.extend(d.report.notes.iter().map(|n| Line::raw(flat(n))));
                }
                for l in text.lines() {
                    let l = flat(l);
                    let style = if l.starts_with("Cause:") || l.starts_with("Timeline") {
                        theme.heading()
                    } else if l.starts_with("Next:") {
                        theme.key()
                    } else {
                        Style::new()
                    };
                    // Timeline and log rows (`  09:22:30.000 …`) keep their columns and are
                    // cut at the edge; prose wraps under its own indent.
                    let body = l.trim_start();
                    if body.starts_with(|c: char| c.is_ascii_digit()) {
                        out.push(Line::styled(l, style));
                        continue;
                    }
                    let indent = l.len() - body.len();
                    for w in wrap(body, width.saturating_sub(indent)) {
                        out.push(Line::styled(format!("{}{w}", " ".repeat(indent)), style));
                    }
                }
                out
            }
            None => Vec::new(),
        },
    };
    let total = lines.len();
    let scroll = t.scroll.min(total.saturating_sub(h));
    let block = if total > h {
        block.title_bottom(
            Line::from(format!(
                " {}–{} of {total} · ↑↓ PgUp PgDn ",
                scroll + 1,
                (scroll + h).min(total)
            ))
            .alignment(Alignment::Right),
        )
    } else {
        block
    };
    f.render_widget(block, area);
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(scroll).take(h).collect::<Vec<_>>()),
        text,
    );
    (h, total)
}

fn draw_trace(f: &mut Frame, area: Rect, app: &App, t: &TraceState, theme: Theme) {
    let r = popup(area, 72, 12);
    let block = Block::bordered()
        .title(Span::styled(" Trace a request ", theme.heading()))
        .border_style(theme.border(true));
    let inner = block.inner(r);
    f.render_widget(Clear, r);
    f.render_widget(block, r);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = vec![
        Line::raw("Paste the request id a client saw (x-amzn-RequestId header):"),
        Line::from(vec![
            Span::styled("> ", theme.key()),
            Span::raw(flat(&t.input)),
            Span::styled("█", theme.key()),
        ]),
        Line::raw(""),
    ];
    if let Some(id) = &t.submitted {
        let panel = app.panel(PanelId::Trace);
        let msg = match panel.map(|p| (p.spec.availability, p.status)) {
            Some((Availability::NotYet { issue }, _)) => format!(
                "Trace is not available yet: `gwdoctor trace` is being built (issue #{issue}). Once it lands, this shows request {}'s timeline: API Gateway, authorizer, integration, Lambda init and handler, with the gaps between them.",
                flat(id)
            ),
            None => "Trace is not available in this build.".to_string(),
            Some((_, PanelStatus::Loading)) => format!("Tracing {}…", flat(id)),
            Some((_, PanelStatus::Failed)) => format!(
                "Trace failed: {}",
                panel.and_then(|p| p.error.as_deref()).unwrap_or("")
            ),
            Some(_) => panel
                .and_then(|p| p.data.as_ref()?.headline.clone())
                .unwrap_or_default(),
        };
        lines.extend(
            wrap(&msg, width)
                .into_iter()
                .map(|l| Line::styled(l, theme.dim())),
        );
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The start screen of a plain `gwdoctor` on a terminal: how to begin, nothing asked.
pub fn draw_start(f: &mut Frame) {
    let area = f.area();
    let k = Style::new().add_modifier(Modifier::BOLD);
    let d = Style::new().add_modifier(Modifier::DIM);
    let lines = vec![
        Line::styled("gwdoctor", k),
        Line::raw("Why is my API Gateway + Lambda API slow or failing?"),
        Line::raw(""),
        Line::raw("Open the dashboard on your API:"),
        Line::styled("  gwdoctor dash --api <API id or name> [--stage prod]", k),
        Line::raw("Try it without an AWS account (from the source tree):"),
        Line::styled(
            "  gwdoctor dash --api demo --replay fixtures/demo/incident.json",
            k,
        ),
        Line::raw(""),
        Line::raw("One-shot reports, for scripts and tickets:"),
        Line::raw("  gwdoctor latency --api ID      Latency vs IntegrationLatency, verdict"),
        Line::raw("  gwdoctor cold-starts --api ID  Init Duration spikes from REPORT lines"),
        Line::raw("  gwdoctor throttles --api ID    which limit throttled, which function"),
        Line::raw("  gwdoctor trace REQUEST_ID      one request: timeline and cause"),
        Line::raw("  gwdoctor ssl --api ID          backend TLS against API Gateway's rules"),
        Line::raw("  gwdoctor checks                every check; explain ID for one"),
        Line::raw(""),
        Line::styled(
            "Credentials: --profile or AWS_PROFILE, --region. Read-only, no telemetry.",
            d,
        ),
        Line::styled(
            "gwdoctor --help lists every flag. Press any key to leave.",
            d,
        ),
    ];
    let w = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 4;
    let r = popup(area, w, lines.len() as u16 + 2);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" gwdoctor ")),
        r,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_splits_words_and_long_tokens() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("x\ny", 10), vec!["x", "y"]);
        assert_eq!(wrap("", 10), vec![""]);
        assert_eq!(wrap("a\tb\u{1b}c", 10), vec!["a bc"]);
    }

    #[test]
    fn nice_max_rounds_up() {
        assert_eq!(nice_max(2491.0), 3000.0);
        assert_eq!(nice_max(900.0), 1000.0);
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
        assert_eq!(nice_max(180.0), 200.0);
    }
}
