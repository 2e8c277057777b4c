//! `lambda-runtime-version-change`: the managed runtime version changed within the window.

use super::cold_start_model::{analyze, log_line};
use super::{Check, CheckInfo, CheckOutcome, Gathered, Observations};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};

declare_check! {
    /// ## What it checks
    /// The `Runtime Version` of the function's `INIT_START` lines (JSON log format:
    /// `platform.initStart` `runtimeVersion`). More than one version in the window means Lambda
    /// moved the function to another runtime version while it was serving: every new
    /// execution environment from then on runs the new version. The finding is a warning when
    /// the change falls within 10 minutes before (or during) a cold-start spike, information
    /// otherwise.
    ///
    /// ## Why it matters
    /// With the default runtime update mode (`Auto`), Lambda rolls out runtime patches on its
    /// own schedule. A rollout recycles environments (a burst of cold starts) and can change
    /// behaviour; it is the first thing to rule out when nothing was deployed but latency or
    /// errors changed.
    ///
    /// ## How to fix
    /// If the change lines up with the problem, pin the runtime version (runtime management:
    /// `Function update` or `Manual` mode, with the previous version's ARN from the
    /// `INIT_START` line) and report the regression to AWS; otherwise no action is needed.
    ///
    /// ## Data used
    /// `INIT_START` lines of the function's log group (`logs:FilterLogEvents`, or Logs
    /// Insights `logs:StartQuery`/`logs:GetQueryResults`, or `--log-file`); the log group from
    /// `lambda:GetFunctionConfiguration`.
    pub struct LambdaRuntimeVersionChange {
        id: "lambda-runtime-version-change",
        title: "Lambda runtime version changed",
        severity: Warning,
        needs: [LambdaLogs],
        iam: ["logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "lambda:GetFunctionConfiguration"],
        commands: ["cold-starts"],
    }
}

impl Check for LambdaRuntimeVersionChange {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &Observations) -> CheckOutcome {
        let Gathered::Ready(logs) = &obs.logs else {
            return CheckOutcome::Skipped(Observations::NO_LOGS.into());
        };
        let analysis = analyze(obs);
        let mut out = Vec::new();
        for f in logs.functions.iter().filter(|f| f.unavailable.is_none()) {
            let versions = &f.runtime_versions;
            if versions.len() < 2 {
                continue;
            }
            // When the newer versions first appeared.
            let changes: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> = versions
                .iter()
                .skip(1)
                .map(|v| {
                    (
                        v.version.clone(),
                        v.first_at.and_then(chrono::DateTime::from_timestamp_millis),
                    )
                })
                .collect();
            let spikes = analysis
                .functions
                .iter()
                .find(|a| a.name == f.name)
                .map(|a| a.spikes.as_slice())
                .unwrap_or(&[]);
            let near_spike = changes.iter().filter_map(|(_, t)| *t).any(|t| {
                spikes.iter().any(|s| {
                    s.at >= t - chrono::Duration::minutes(1)
                        && s.at <= t + chrono::Duration::minutes(10)
                })
            });
            let chain: Vec<String> = versions.iter().map(|v| v.version.clone()).collect();
            let when: Vec<String> = changes
                .iter()
                .map(|(v, t)| {
                    format!(
                        "{v} from {}",
                        t.map_or_else(|| "-".into(), |t| t.format("%H:%M UTC").to_string())
                    )
                })
                .collect();
            let mut evidence = vec![Evidence::Note {
                text: versions
                    .iter()
                    .map(|v| format!("{}: {} INIT_START line(s)", v.version, v.count))
                    .collect::<Vec<_>>()
                    .join("; "),
            }];
            evidence.extend(
                versions
                    .iter()
                    .map(|v| log_line(&f.log_group, &v.sample, obs.window.start)),
            );
            out.push(Finding {
                check: Self::ID.into(),
                severity: if near_spike {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                resource: format!("lambda:{}", f.name),
                summary: format!(
                    "{}: runtime version changed {} ({}){}",
                    f.name,
                    chain.join(" → "),
                    when.join(", "),
                    if near_spike {
                        "; the change lines up with a cold-start spike"
                    } else {
                        ""
                    }
                ),
                evidence,
                remedy: "If the change lines up with the problem, pin the previous runtime version (runtime management controls, Manual mode with the ARN from its INIT_START line) and report the regression; otherwise nothing to do.".into(),
            });
        }
        CheckOutcome::Findings(out)
    }
}
