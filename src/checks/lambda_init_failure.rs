//! `lambda-init-failure`: execution environments whose initialisation failed or timed out.

use super::cold_start_model::{hhmm, log_line};
use super::{Check, CheckInfo, CheckOutcome, Gathered, Observations};
use crate::declare_check;
use crate::finding::{Finding, Severity};

declare_check! {
    /// ## What it checks
    /// `INIT_REPORT … Status: error` and `Status: timeout` lines (JSON log format:
    /// `platform.initReport` records whose status is not `success`): the init phase of an
    /// execution environment failed (an exception while importing the handler, a crash) or
    /// ran into the 10-second init limit.
    ///
    /// ## Why it matters
    /// The request that triggered the init fails or waits while Lambda retries the init inside
    /// the invoke phase (`Phase: invoke`, a "suppressed init"), and the failure repeats for
    /// every new environment: under load, most cold starts become errors or very slow requests.
    ///
    /// ## How to fix
    /// Read the lines just before each `INIT_REPORT` in the same log stream (import errors,
    /// missing environment variables or permissions, a dependency unreachable from the VPC).
    /// Keep init well under 10 seconds: move slow set-up out of init or make it lazy.
    ///
    /// ## Data used
    /// `INIT_REPORT` lines of the function's log group (`logs:FilterLogEvents`, or Logs
    /// Insights `logs:StartQuery`/`logs:GetQueryResults`, or `--log-file`); the log group from
    /// `lambda:GetFunctionConfiguration`.
    pub struct LambdaInitFailure {
        id: "lambda-init-failure",
        title: "Lambda initialisation failures",
        severity: Error,
        needs: [LambdaLogs],
        iam: ["logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "lambda:GetFunctionConfiguration"],
        commands: ["cold-starts"],
    }
}

impl Check for LambdaInitFailure {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &Observations) -> CheckOutcome {
        let Gathered::Ready(logs) = &obs.logs else {
            return CheckOutcome::Skipped(Observations::NO_LOGS.into());
        };
        let mut out = Vec::new();
        for f in logs.functions.iter().filter(|f| f.unavailable.is_none()) {
            let set = &f.init_failures;
            if set.count == 0 {
                continue;
            }
            out.push(Finding {
                check: Self::ID.into(),
                severity: Severity::Error,
                resource: format!("lambda:{}", f.name),
                summary: format!(
                    "{}: {} initialisation(s) failed or timed out (INIT_REPORT Status: error/timeout), first at {}, last at {}",
                    f.name,
                    set.count,
                    hhmm(set.first_at),
                    hhmm(set.last_at)
                ),
                evidence: set
                    .samples
                    .iter()
                    .map(|s| log_line(&f.log_group, s, obs.window.start))
                    .collect(),
                remedy: "Read the lines before each INIT_REPORT in its log stream (import error, missing configuration, unreachable dependency); keep init well under the 10 s limit.".into(),
            });
        }
        CheckOutcome::Findings(out)
    }
}
