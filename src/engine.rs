//! Runs checks over gathered observations: a check whose hard need could not be gathered is
//! `skipped` with the reason (for example the IAM action that was denied); the others run.

use crate::checks::{Check, CheckOutcome, Gathered, Need, Observations};
use crate::finding::CheckResult;

/// Why a need is unavailable, if it is.
fn unavailable(obs: &Observations, need: Need) -> Option<String> {
    let reason = |g: &Gathered<_>| match g {
        Gathered::Unavailable(r) => Some(r.clone()),
        Gathered::Ready(_) => None,
    };
    match need {
        Need::ApiMetrics | Need::LambdaMetrics => match &obs.metrics {
            Gathered::Unavailable(r) => Some(r.clone()),
            Gathered::Ready(_) => None,
        },
        Need::Routes | Need::Authorizers => match &obs.api {
            None => Some("no API given (--api)".into()),
            Some(api) if need == Need::Routes => reason(&api.routes.clone().map_unit()),
            Some(api) => reason(&api.authorizers.clone().map_unit()),
        },
        Need::LambdaLogs => match &obs.logs {
            Gathered::Unavailable(r) => Some(r.clone()),
            Gathered::Ready(_) => None,
        },
    }
}

impl<T> Gathered<T> {
    fn map_unit(self) -> Gathered<()> {
        match self {
            Gathered::Ready(_) => Gathered::Ready(()),
            Gathered::Unavailable(r) => Gathered::Unavailable(r),
        }
    }
}

/// Runs every check against the observations.
pub fn run_checks(checks: &[&dyn Check], obs: &Observations) -> Vec<CheckResult> {
    checks
        .iter()
        .map(|c| {
            let info = c.info();
            if let Some(reason) = info.needs.iter().find_map(|n| unavailable(obs, *n)) {
                return CheckResult::skipped(&info.id, &info.title, reason);
            }
            match c.run(obs) {
                CheckOutcome::Findings(f) => CheckResult::from_findings(&info.id, &info.title, f),
                CheckOutcome::Skipped(reason) => {
                    CheckResult::skipped(&info.id, &info.title, reason)
                }
            }
        })
        .collect()
}
