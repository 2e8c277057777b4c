//! Exit codes: the contract runbooks depend on (`gwdoctor latency … || handle $?`).

use crate::finding::{CheckStatus, Report, Severity};

/// gwdoctor's exit status. The numbers are stable and documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: every check ran and nothing at or above `--fail-on` was found.
    Healthy = 0,
    /// 1: at least one finding at or above `--fail-on`.
    Findings = 1,
    /// 2: gwdoctor could not tell: bad arguments, no credentials, or a check could not run and
    /// nothing at or above `--fail-on` was found.
    Inconclusive = 2,
}

impl ExitStatus {
    /// Decides the exit status of a report. `inconclusive` is set by a command whose own
    /// analysis had no data (for example no datapoints at all): "no data" must never look
    /// like "healthy".
    pub fn of(report: &Report, fail_on: Severity, inconclusive: bool) -> ExitStatus {
        if report.findings().any(|f| f.severity >= fail_on) {
            return ExitStatus::Findings;
        }
        let could_not_run = report
            .checks
            .iter()
            .any(|c| matches!(c.status, CheckStatus::Skipped | CheckStatus::Error));
        if inconclusive || could_not_run {
            ExitStatus::Inconclusive
        } else {
            ExitStatus::Healthy
        }
    }

    /// As a process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}
