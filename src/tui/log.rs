//! The dashboard's own log: a plain file, never the screen (anything written to the terminal
//! while the dashboard draws would corrupt it). Default location:
//! `$XDG_STATE_HOME/gwdoctor/dash.log`, else `~/.local/state/gwdoctor/dash.log`, else the
//! temporary directory. Messages are sanitized, so `cat dash.log` is safe too.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

static LOG: OnceLock<Mutex<std::fs::File>> = OnceLock::new();

/// Files larger than this are started afresh instead of appended to.
const MAX_BYTES: u64 = 5 * 1024 * 1024;

/// Where the log goes when `--log-file` is not given.
pub fn default_path() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local").join("state"))
        });
    match state {
        Some(s) => s.join("gwdoctor").join("dash.log"),
        None => std::env::temp_dir().join("gwdoctor-dash.log"),
    }
}

/// Opens the log file (once per process). Returns the path in use, or the reason it could
/// not be opened (the dashboard then runs without a log).
pub fn init(path: Option<PathBuf>) -> Result<PathBuf, String> {
    let path = path.unwrap_or_else(default_path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let fresh = std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_BYTES);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(!fresh)
        .write(true)
        .truncate(fresh)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let _ = LOG.set(Mutex::new(file));
    info(&format!(
        "gwdoctor {} dash started (pid {})",
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    ));
    Ok(path)
}

/// Appends one line (a no-op when no log is open, e.g. in tests).
pub fn info(msg: &str) {
    let Some(m) = LOG.get() else { return };
    let line = crate::sanitize::strip_controls(msg).replace('\n', " ⏎ ");
    if let Ok(mut f) = m.lock() {
        let _ = writeln!(
            f,
            "{} {line}",
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
        );
    }
}
