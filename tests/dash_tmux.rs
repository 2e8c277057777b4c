//! `gwdoctor dash` in a real terminal: tmux runs it on the dashboard demo replay in a 100×30 pane, the
//! test sends keys, reads the pane, quits three ways (`q`, Ctrl-C, SIGTERM), crashes once (a
//! panic, debug builds) and checks after each that the terminal was given back: the shell's line discipline is cooked again
//! (`stty` shows `icanon` and `echo`), and tmux reports the alternate screen off, the cursor
//! visible and mouse reporting off.
//!
//! Skips with a printed reason when tmux is missing, except under `CI` (which installs it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::fixture;

/// An isolated tmux server (its own socket, no user config), killed on drop.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket).arg("-f").arg("/dev/null");
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("running tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn pane(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "dash"])
    }

    fn flag(&self, name: &str) -> String {
        self.run(&[
            "display-message",
            "-p",
            "-t",
            "dash",
            &format!("#{{{name}}}"),
        ])
        .trim()
        .to_string()
    }

    /// Sends tmux key names one at a time, with a pause so that `Escape` followed by a key
    /// is not read as Alt+key.
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "dash", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Polls the pane until `ok` holds; panics with the last capture after `secs`.
    fn wait(&self, what: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let p = self.pane();
            if ok(&p) {
                return p;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the pane shows:\n{p}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// After a round: the shell printed its checks, and the terminal is back to normal.
    fn assert_restored(&self, round: u32, code: u8) -> String {
        let p = self.wait(&format!("round {round} to end"), 20, |p| {
            p.contains(&format!("round {round} done"))
        });
        let line = p
            .lines()
            .find(|l| l.starts_with(&format!("round {round}: ")))
            .unwrap_or_else(|| panic!("no round {round} line in:\n{p}"))
            .to_string();
        assert!(
            line.contains(&format!("exit={code} ")),
            "round {round}: dash did not exit {code}: {line}\n{p}"
        );
        assert!(
            line.contains(" icanon") && line.contains(" echo") && !line.contains("-icanon"),
            "round {round}: the tty is still raw: {line}"
        );
        assert_eq!(self.flag("alternate_on"), "0", "alternate screen left on");
        assert_eq!(self.flag("cursor_flag"), "1", "cursor left hidden");
        assert_eq!(self.flag("mouse_any_flag"), "0", "mouse reporting left on");
        assert_eq!(
            self.flag("mouse_standard_flag"),
            "0",
            "mouse reporting left on"
        );
        p
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn sh_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn dash_in_a_real_terminal() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("dash.log");
    let pid = dir.path().join("pid");
    // Each round runs the dashboard in the foreground (exec keeps the pid we record), then
    // reports its exit code and the tty modes, and waits for Enter before the next round.
    let script = format!(
        r#"#!/bin/sh
round() {{
  sh -c 'echo $$ > "$0"; exec "$@"' {pid} {bin} dash --api demo --replay {fixture} --refresh 0 --log-file {log}
  code=$?
  modes=$(stty -a | tr ' ;' '\n\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\n' ' ')
  echo "round $1: exit=$code modes: $modes"
  echo "round $1 done"
}}
round 1; read _; round 2; read _; round 3; read _
GWDOCTOR_DASH_TEST_PANIC=1 round 4
sleep 600
"#,
        pid = sh_quote(&pid),
        bin = sh_quote(Path::new(env!("CARGO_BIN_EXE_gwdoctor"))),
        fixture = sh_quote(&fixture("demo/dashboard.json")),
        log = sh_quote(&log),
    );
    let script_path = dir.path().join("run.sh");
    std::fs::write(&script_path, script).unwrap();
    let started = Instant::now();
    // RUST_BACKTRACE=0 (set by `start`): round 4's panic message, not a backtrace, should be
    // what is left on screen.
    let t = start(dir.path(), &format!("sh {}", sh_quote(&script_path)));

    // Round 1: every check starts at once (latency, cold starts, throttles, TLS); findings
    // arrive, keys work, q quits.
    let p = t.wait("the findings", 30, |p| {
        p.contains("Verdict: backend")
            && p.contains("▶ ⚠ apigw-backend-latency")
            && p.contains("⚠ lambda-cold-start-spike")
            && p.contains("throttles ✓")
    });
    eprintln!(
        "dash: findings on screen {} ms after tmux started it",
        started.elapsed().as_millis()
    );
    assert!(p.contains("peak 2448 ms at 09:38"), "chart legend:\n{p}");
    assert!(
        p.contains("cold-starts ✓") && p.contains("tls ✓") && p.contains("trace [t]"),
        "{p}"
    );
    assert_eq!(
        t.flag("alternate_on"),
        "1",
        "dash draws on the alternate screen"
    );
    assert!(
        !p.contains("dash started"),
        "log lines must go to the file, not the screen:\n{p}"
    );
    t.keys(&["j"]);
    t.wait("the selection to move", 5, |p| {
        p.contains("▶ ⚠ lambda-cold-start-spike")
    });
    t.keys(&["k", "Enter"]);
    let p = t.wait("the detail", 5, |p| p.contains("Remedy"));
    assert!(
        p.contains("Evidence (4)") && p.contains("coldstart-fn"),
        "{p}"
    );
    t.keys(&["?"]);
    t.wait("help", 5, |p| p.contains("Help · keys"));
    t.keys(&["Escape"]);
    t.wait("help to close", 5, |p| {
        !p.contains("Help · keys") && p.contains("Remedy")
    });
    t.keys(&["Escape"]);
    t.wait("the findings again", 5, |p| {
        p.contains("Findings") && !p.contains("Remedy")
    });
    // c re-runs cold-starts over the recorded REPORT lines; its charts follow latency's.
    t.keys(&["c"]);
    t.wait("the cold-start finding", 10, |p| {
        p.contains("⚠ lambda-cold-start-spike") && p.contains("cold-starts ✓")
    });
    t.keys(&["Tab", "j"]);
    t.wait("the Init Duration chart", 5, |p| {
        p.contains("Init Duration per minute") && p.contains("max 2571 ms at 09:42")
    });
    // The terminal shrinks to 80×24 (the smallest size the dashboard is drawn for): the
    // next frame fits it, nothing from the wider one is left over.
    t.run(&["resize-window", "-t", "dash", "-x", "80", "-y", "24"]);
    let p = t.wait("the redraw at 80×24", 5, |p| {
        let lines: Vec<&str> = p.lines().collect();
        lines.len() <= 24
            && lines.iter().any(|l| l.contains("Init Duration per minute"))
            && lines.last().is_some_and(|l| l.contains("? help"))
    });
    for l in p.lines() {
        assert!(l.chars().count() <= 80, "a line wider than the pane:\n{p}");
    }
    t.run(&["resize-window", "-t", "dash", "-x", "100", "-y", "30"]);
    t.wait("the redraw at 100×30", 5, |p| {
        p.lines().any(|l| l.chars().count() > 80) && p.contains("Init Duration per minute")
    });
    t.keys(&["q"]);
    t.assert_restored(1, 0);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("dash started") && logged.contains("latency loaded"),
        "{logged}"
    );

    // Round 2: Ctrl-C (a key in raw mode) quits and restores too.
    t.keys(&["Enter"]);
    t.wait("round 2's findings", 30, |p| p.contains("Verdict: backend"));
    t.keys(&["C-c"]);
    t.assert_restored(2, 0);

    // Round 3: SIGTERM from outside: the handler restores the terminal and exits 0 (the
    // default action would leave it raw and exit 143).
    t.keys(&["Enter"]);
    t.wait("round 3's findings", 30, |p| p.contains("Verdict: backend"));
    let pid = std::fs::read_to_string(&pid).unwrap();
    let status = Command::new("kill")
        .args(["-TERM", pid.trim()])
        .status()
        .unwrap();
    assert!(status.success());
    t.assert_restored(3, 0);

    // Round 4 (debug builds have a switch that makes a load panic): the panic hook restores
    // the terminal, the message lands on the normal screen, and the run exits 2.
    if cfg!(debug_assertions) {
        t.keys(&["Enter"]);
        let p = t.assert_restored(4, 2);
        assert!(p.contains("panics on purpose"), "the panic message:\n{p}");
        assert!(p.contains("the dashboard crashed"), "{p}");
    }
}

/// Starts `command` (a shell command line) in a fresh 100×30 tmux pane.
fn start(dir: &Path, command: &str) -> Tmux {
    let t = Tmux {
        socket: dir.join("tmux.sock"),
    };
    let out = t
        .cmd()
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .args(["new-session", "-d", "-s", "dash", "-x", "100", "-y", "30"])
        .arg(command)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tmux new-session: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t
}

fn skip_without_tmux() -> bool {
    if tmux_available() {
        return false;
    }
    if std::env::var_os("CI").is_some() {
        panic!("tmux is not installed but CI is set: .ci/run installs it");
    }
    eprintln!("skipping: tmux is not installed (the dashboard's real-terminal test needs it)");
    true
}

/// A bare `gwdoctor` on a terminal shows how to start, asks nothing, leaves on a key.
#[test]
fn start_screen_in_a_real_terminal() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = start(
        dir.path(),
        &format!(
            "sh -c '{}; echo \"start: exit=$? modes: $(stty -a | tr \" ;\" \"\\n\\n\" | grep -x -e icanon -e -icanon | tr \"\\n\" \" \")\"; echo \"round 1 done\"; sleep 600'",
            env!("CARGO_BIN_EXE_gwdoctor")
        ),
    );
    let p = t.wait("the start screen", 20, |p| p.contains("Open the dashboard"));
    assert!(
        p.contains("gwdoctor dash --api demo --replay fixtures/demo/incident.json"),
        "{p}"
    );
    assert_eq!(t.flag("alternate_on"), "1");
    t.keys(&["x"]);
    let p = t.wait("the start screen to close", 10, |p| {
        p.contains("round 1 done")
    });
    assert!(p.contains("start: exit=0 modes: icanon"), "{p}");
    assert_eq!(t.flag("alternate_on"), "0");
    assert_eq!(t.flag("cursor_flag"), "1");
    assert_eq!(t.flag("mouse_any_flag"), "0");
}

/// The live path in a real terminal: the dashboard opens the AWS SDK source in the
/// background (credentials from the environment, the emulator as endpoint) and shows the
/// seeded cold-start incident. Skips without the emulator, fails without it under CI.
#[test]
fn live_dash_against_the_emulator() {
    let Some(ep) = crate::util::emulator() else {
        return;
    };
    if skip_without_tmux() {
        return;
    }
    // A region no other live test seeds (tests run in parallel against one emulator).
    let region = "eu-central-2";
    let py = std::env::var("GWDOCTOR_EMULATOR_PYTHON").expect("set by with-emulator.sh");
    let seed = std::env::var("GWDOCTOR_SEED").expect("set by with-emulator.sh");
    let out = Command::new(py)
        .args([
            &seed,
            "cold-start",
            "--endpoint",
            &ep,
            "--region",
            region,
            "--suffix",
            "dash",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "seed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seeded: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = seeded["api_id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        r#"#!/bin/sh
export AWS_ENDPOINT_URL={ep} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_MAX_ATTEMPTS=1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE
{bin} dash --api {api} --region {region} --since 45m --refresh 0 --log-file {log}
echo "live: exit=$?"
sleep 600
"#,
        ep = sh_quote(Path::new(&ep)),
        bin = sh_quote(Path::new(env!("CARGO_BIN_EXE_gwdoctor"))),
        log = sh_quote(&dir.path().join("dash.log")),
    );
    let script_path = dir.path().join("live.sh");
    std::fs::write(&script_path, script).unwrap();
    let t = start(dir.path(), &format!("sh {}", sh_quote(&script_path)));
    // Other live tests inject faults into the shared proxy for a moment: if this run caught
    // one, `r` runs the checks again.
    let mut p = String::new();
    for attempt in 0..3 {
        p = t.wait("the live verdict", 60, |p| {
            p.contains("Verdict:") || p.contains("could not run") || p.contains("Could not open")
        });
        if p.contains("Verdict: backend") {
            break;
        }
        eprintln!("live dash attempt {attempt} did not get the verdict, refreshing:\n{p}");
        t.keys(&["r"]);
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(p.contains("Verdict: backend"), "{p}");
    assert!(p.contains("cold-starts --function"), "{p}");
    assert!(p.contains(region), "the header names the region:\n{p}");
    t.keys(&["q"]);
    t.wait("the exit", 20, |p| p.contains("live: exit=0"));
    assert_eq!(t.flag("alternate_on"), "0");
}
