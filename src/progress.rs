//! Progress for anything over a moment: a spinner with counters on stderr, only on a
//! terminal, drawn by a background thread that starts after half a second (quick runs never
//! see it) and erases itself when done.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Counters the work updates; the spinner reads them.
#[derive(Debug, Default)]
pub struct Progress {
    bytes: AtomicU64,
    events: AtomicU64,
    calls: AtomicU64,
    retries: AtomicU64,
    label: Mutex<String>,
}

impl Progress {
    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }
    pub fn add_events(&self, n: u64) {
        self.events.fetch_add(n, Ordering::Relaxed);
    }
    /// One AWS call made.
    pub fn add_call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
    /// One throttled call retried after a pause.
    pub fn add_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }
    /// What is being done (`reading /aws/lambda/orders-fn`).
    pub fn set_label(&self, label: impl Into<String>) {
        *self.label.lock().unwrap_or_else(PoisonError::into_inner) = label.into();
    }

    fn line(&self, started: Instant) -> String {
        let label = self
            .label
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut parts = vec![label];
        let bytes = self.bytes.load(Ordering::Relaxed);
        if bytes > 0 {
            let secs = started.elapsed().as_secs_f64().max(0.001);
            parts.push(format!(
                "{:.0} MB ({:.0} MB/s)",
                bytes as f64 / 1e6,
                bytes as f64 / 1e6 / secs
            ));
        }
        let events = self.events.load(Ordering::Relaxed);
        if events > 0 {
            parts.push(format!("{events} events"));
        }
        let calls = self.calls();
        if calls > 0 {
            parts.push(format!("{calls} AWS calls"));
        }
        let retries = self.retries();
        if retries > 0 {
            parts.push(format!("{retries} throttled, backing off"));
        }
        parts.retain(|p| !p.is_empty());
        parts.join(" · ")
    }
}

/// The running spinner; [`Spinner::stop`] (or drop) erases it.
pub struct Spinner {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Starts drawing `progress` on stderr when `enabled` (stderr is a terminal).
    pub fn start(progress: Arc<Progress>, enabled: bool) -> Spinner {
        let stop = Arc::new(AtomicBool::new(false));
        if !enabled {
            return Spinner { stop, handle: None };
        }
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
            let started = Instant::now();
            let mut drawn = false;
            let mut i = 0usize;
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if started.elapsed() < Duration::from_millis(500) {
                    continue;
                }
                let line = progress.line(started);
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\u{1b}[K{} {}", FRAMES[i % FRAMES.len()], line);
                let _ = err.flush();
                drawn = true;
                i += 1;
            }
            if drawn {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\u{1b}[K");
                let _ = err.flush();
            }
        });
        Spinner {
            stop,
            handle: Some(handle),
        }
    }

    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.halt();
    }
}
