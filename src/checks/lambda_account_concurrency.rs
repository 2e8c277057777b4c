//! `lambda-account-concurrency`: the account's concurrency pool was full and functions without
//! a reservation were throttled; names the function that filled it.

use super::throttle_model::{
    alarm_command, evidence, q_account_concurrency, q_invocations, shell_word, total, Cause,
    ThrottleAnalysis, ThrottleCheck, ThrottleObservations,
};
use super::{CheckInfo, CheckOutcome, Gathered};
use crate::declare_check;
use crate::finding::{Evidence, Finding, Severity};
use crate::output::text::fmt_value;

declare_check! {
    /// ## What it checks
    /// Whether functions without reserved concurrency were throttled while the region's
    /// concurrency was at its limit: the account-wide `ConcurrentExecutions` Maximum at 90% or
    /// more of `AccountLimit.ConcurrentExecutions`, or the account-wide
    /// `UnreservedConcurrentExecutions` at 90% or more of the unreserved pool (the limit minus
    /// every function's reservation), in a minute in which the function had `Throttles`.
    /// Then it runs the concurrency hunt: the minute of peak account concurrency, and every
    /// function of the region ranked by estimated concurrency (invocations per second ×
    /// average duration) over the six minutes up to and including that peak. The top of the
    /// ranking is named as the culprit.
    ///
    /// ## Why it matters
    /// Functions without a reservation share one pool. When a batch job or a retry storm fills
    /// it, every other function is throttled, including the ones behind your API, which
    /// answer 500/502 at once. The throttled function is the victim, not the cause: its own
    /// metrics look normal apart from `Throttles`.
    ///
    /// ## How to fix
    /// Cap the noisy function with reserved concurrency (`aws lambda put-function-concurrency`),
    /// reserve concurrency for the functions that must not fail, throttle the API stage that
    /// feeds the noisy function, and ask for a higher "Concurrent executions" quota (Service
    /// Quotas). Alarm before it happens again: account `ConcurrentExecutions` Maximum, 1-minute
    /// period, at 80% of the limit, 2 of 5 datapoints, missing data not breaching; gwdoctor
    /// prints the `aws cloudwatch put-metric-alarm` command (it never changes the account).
    ///
    /// ## Data used
    /// `lambda:GetAccountSettings` (limit, unreserved pool), `lambda:ListFunctions`,
    /// `lambda:GetFunctionConcurrency` for the throttled and top-ranked functions (skipped when
    /// the account's reservations are already accounted for), and CloudWatch `AWS/Lambda`
    /// `ConcurrentExecutions` and `UnreservedConcurrentExecutions` (Maximum, no dimension),
    /// `Throttles` and `Invocations` (Sum) and `Duration` (Average) per function, in batched
    /// `cloudwatch:GetMetricData` calls.
    pub struct LambdaAccountConcurrency {
        id: "lambda-account-concurrency",
        title: "Lambda account concurrency limit reached",
        severity: Error,
        needs: [LambdaMetrics],
        iam: ["lambda:GetAccountSettings", "lambda:ListFunctions", "lambda:GetFunctionConcurrency", "cloudwatch:GetMetricData"],
        commands: ["throttles"],
    }
}

impl ThrottleCheck for LambdaAccountConcurrency {
    fn info(&self) -> CheckInfo {
        Self::info()
    }

    fn run(&self, obs: &ThrottleObservations, a: &ThrottleAnalysis) -> CheckOutcome {
        let in_focus = |f: &str| obs.focus.is_empty() || obs.focus.iter().any(|x| x == f);
        let mut victims: Vec<_> = a
            .functions
            .iter()
            .filter(|r| r.cause == Some(Cause::AccountConcurrency) && in_focus(&r.name))
            .collect();
        victims.sort_by(|x, y| {
            y.throttles
                .total_cmp(&x.throttles)
                .then(x.name.cmp(&y.name))
        });
        if victims.is_empty() {
            // Throttles that could not be attributed because the limit is unknown.
            if let Gathered::Unavailable(reason) = &obs.account {
                if a.functions
                    .iter()
                    .any(|r| r.cause == Some(Cause::Unknown) && in_focus(&r.name))
                {
                    return CheckOutcome::Skipped(format!(
                        "functions were throttled but the account's concurrency limit could not be read: {reason}"
                    ));
                }
            }
            return CheckOutcome::Findings(Vec::new());
        }
        let Some(m) = obs.metrics.ready() else {
            return CheckOutcome::Skipped("metrics could not be read".into());
        };
        let limit = obs.account.ready().map_or(0, |x| x.limit);
        let throttles = total(victims.iter().map(|r| r.throttles));
        let names: Vec<String> = victims
            .iter()
            .take(5)
            .map(|r| format!("{} {}", r.name, fmt_value(r.throttles)))
            .collect();
        let more = if victims.len() > 5 {
            format!(" and {} more", victims.len() - 5)
        } else {
            String::new()
        };
        let peak = a.peak.as_ref();
        let peak_txt = peak.map_or_else(String::new, |p| {
            format!(
                "Account concurrency peaked at {} of {limit} at {}",
                fmt_value(p.concurrent_executions),
                p.at.format("%H:%M UTC")
            )
        });
        let culprit = a.ranking.first();
        let culprit_txt = match (culprit, peak) {
            (Some((f, e)), Some(p)) if p.concurrent_executions > 0.0 => format!(
                "; the biggest consumer before the peak was {f} (est. {} concurrent, {:.0}% of the peak)",
                fmt_value(*e),
                100.0 * e / p.concurrent_executions
            ),
            _ => String::new(),
        };
        let mut evidence_list: Vec<Evidence> = evidence(m, &q_account_concurrency(obs.period_s), 8)
            .into_iter()
            .collect();
        if let Some((f, _)) = culprit {
            evidence_list.extend(evidence(m, &q_invocations(f, obs.period_s), 8));
        }
        if let Some((from, to)) = a.ranking_window {
            let top: Vec<String> = a
                .ranking
                .iter()
                .take(5)
                .enumerate()
                .map(|(i, (f, e))| format!("{}. {f} {}", i + 1, fmt_value(*e)))
                .collect();
            evidence_list.push(Evidence::Note {
                text: format!(
                    "estimated concurrency (invocations/s × average duration), {} → {} UTC: {}",
                    from.format("%H:%M"),
                    to.format("%H:%M"),
                    top.join(", ")
                ),
            });
        }
        let alarm = alarm_command(&obs.region, limit);
        let cap = ((limit as f64) * 0.1).round().max(1.0) as i64;
        let remedy = match culprit {
            Some((f, _)) => {
                let already = a
                    .functions
                    .iter()
                    .find(|r| &r.name == f)
                    .and_then(|r| r.reserved);
                let cap_txt = match already {
                    Some(r) => format!("{f} already has a reservation of {r}: lower it"),
                    None => format!(
                        "Cap {f} with reserved concurrency (`aws lambda put-function-concurrency --function-name {} --reserved-concurrent-executions {cap}`, 10% of the limit: size it to what it needs)",
                        shell_word(f)
                    ),
                };
                format!(
                    "{cap_txt}, reserve concurrency for the functions that must not be throttled, throttle the API stage that feeds {f} if one does, and request a higher Lambda \"Concurrent executions\" quota (Service Quotas). Alarm before the next time: `{alarm}`"
                )
            }
            None => format!(
                "Reserve concurrency for the functions that must not be throttled and request a higher Lambda \"Concurrent executions\" quota (Service Quotas). Alarm: `{alarm}`"
            ),
        };
        CheckOutcome::Findings(vec![Finding {
            check: Self::ID.into(),
            severity: Severity::Error,
            resource: format!("lambda:account/{}", obs.region),
            summary: format!(
                "{peak_txt}: {} invocations of {} function(s) without a reservation were throttled ({}{more}){culprit_txt}",
                fmt_value(throttles),
                victims.len(),
                names.join(", ")
            ),
            evidence: evidence_list,
            remedy,
        }])
    }
}
