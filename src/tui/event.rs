//! Events the dashboard reacts to, and the effects it asks the run loop to carry out.
//!
//! The shape follows ratatui's event-driven template (`Tick`, terminal input, application
//! events) with stu's Load/Complete pairs: the app asks for a load ([`Effect::Load`] with a
//! generation number), a background task answers with [`AppEvent::Loaded`] carrying the same
//! generation, and an answer whose generation is not the panel's current one is stale and
//! dropped.

use std::time::Duration;

use super::panels::{PanelData, PanelId};

/// Everything the app's `update` takes.
#[derive(Debug)]
pub enum Event {
    /// A timer tick (spinners, the refresh countdown).
    Tick,
    /// Keyboard, mouse, resize.
    Term(crossterm::event::Event),
    App(AppEvent),
}

/// Events produced by background work.
#[derive(Debug)]
pub enum AppEvent {
    /// The data source is ready (AWS credentials found, or the replay file read).
    Connected { region: String },
    /// The data source could not be opened; nothing can load.
    ConnectFailed(String),
    /// A panel's load started or finished one call to the source (progress).
    Call {
        panel: PanelId,
        gen: u64,
        call: &'static str,
        done: bool,
    },
    /// A panel's load finished.
    Loaded {
        panel: PanelId,
        gen: u64,
        took: Duration,
        result: Result<Box<PanelData>, String>,
    },
    /// SIGTERM, SIGHUP or SIGINT from outside the terminal.
    Quit,
}

/// Work the app asks the run loop to do (the app itself never touches the network).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Run a panel's command; its answer must carry `gen`.
    Load {
        panel: PanelId,
        gen: u64,
        arg: Option<String>,
    },
}
