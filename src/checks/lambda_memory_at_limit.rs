//! `lambda-memory-at-limit`: invocations that used all of the function's memory.

use super::cold_start_model::{hhmm, log_line};
use super::{Check, CheckInfo, CheckOutcome, Gathered, Observations};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};

declare_check! {
    /// ## What it checks
    /// `REPORT` lines whose `Max Memory Used` reached `Memory Size` (AWS's own test for an
    /// out-of-memory invocation), `REPORT` events that end with `Runtime exited with error:
    /// signal: killed` or `Runtime.OutOfMemory`, and standalone out-of-memory exits.
    ///
    /// ## Why it matters
    /// An invocation at the memory limit is killed or close to it: the request fails (502 from
    /// API Gateway), the execution environment is thrown away and the next request pays a cold
    /// start. Memory pressure also slows garbage-collected runtimes long before the kill.
    ///
    /// ## How to fix
    /// Raise the function's memory (CPU scales with it, so it often gets cheaper per request),
    /// or find what grows: payload sizes, caches without bounds, objects kept across
    /// invocations in global scope.
    ///
    /// ## Data used
    /// The function's `REPORT` lines (`logs:FilterLogEvents`, or Logs Insights
    /// `logs:StartQuery`/`logs:GetQueryResults`, or `--log-file`); the log group from
    /// `lambda:GetFunctionConfiguration`.
    pub struct LambdaMemoryAtLimit {
        id: "lambda-memory-at-limit",
        title: "Lambda memory at its limit (out of memory)",
        severity: Warning,
        needs: [LambdaLogs],
        iam: ["logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "lambda:GetFunctionConfiguration"],
        commands: ["cold-starts"],
    }
}

impl Check for LambdaMemoryAtLimit {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &Observations) -> CheckOutcome {
        let Gathered::Ready(logs) = &obs.logs else {
            return CheckOutcome::Skipped(Observations::NO_LOGS.into());
        };
        let mut out = Vec::new();
        for f in logs.functions.iter().filter(|f| f.unavailable.is_none()) {
            let set = &f.memory_at_limit;
            if set.count == 0 {
                continue;
            }
            let size = f
                .memory_mb
                .map_or_else(|| "its".to_string(), |m| format!("all {m} MB of"));
            let invocations = f.total_invocations();
            let mut evidence = vec![Evidence::Note {
                text: format!(
                    "{} of {} invocations at the limit; Max Memory Used peaked at {} MB of {} MB",
                    set.count,
                    invocations,
                    f.max_memory_used_mb.map_or("-".into(), |m| m.to_string()),
                    f.memory_mb.map_or("-".into(), |m| m.to_string()),
                ),
            }];
            evidence.extend(
                set.samples
                    .iter()
                    .map(|s| log_line(&f.log_group, s, obs.window.start)),
            );
            out.push(Finding {
                check: Self::ID.into(),
                severity: Severity::Warning,
                resource: format!("lambda:{}", f.name),
                summary: format!(
                    "{}: {} invocation(s) used {size} memory (Max Memory Used = Memory Size), first at {}: out of memory or about to be",
                    f.name,
                    set.count,
                    hhmm(set.first_at)
                ),
                evidence,
                remedy: "Raise the function's memory (CPU scales with it), or find what grows per invocation (payloads, unbounded caches, globals kept across invocations).".into(),
            });
        }
        CheckOutcome::Findings(out)
    }
}
