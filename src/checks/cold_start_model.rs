//! The cold-start model shared by the cold-start checks and the `cold-starts` command: per
//! function figures from the log digest, the per-minute series, the function's own baseline
//! (median and MAD, robust to the spike itself) and the minutes above it, and, with an API,
//! whether those minutes coincide with IntegrationLatency peaks. Pure functions only.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Gathered, Observations};
use crate::logs::digest::{FunctionDigest, Sample};
use crate::metrics::{self, APIGW};

/// MAD → standard deviation for normally distributed data.
const MAD_SCALE: f64 = 1.4826;
/// How many robust standard deviations above the median make a spike (Iglewicz–Hoaglin's
/// modified z-score cut-off).
const Z: f64 = 3.5;
/// A baseline needs this many minutes in the window…
pub const MIN_MINUTES: usize = 10;
/// …and Init Duration's baseline this many minutes with cold starts.
pub const MIN_INIT_MINUTES: usize = 5;
/// Fewer cold starts than this in a minute is never a spike (noise floor, not the threshold).
pub const MIN_SPIKE_COLD_STARTS: u64 = 3;

/// Percentiles of a duration, ms.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Pcts {
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

/// Duration (handler time) percentiles, ms.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct DurationPcts {
    pub p50: Option<f64>,
    pub p99: Option<f64>,
}

/// The function's own normal: per-minute cold starts and Init Duration.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Baseline {
    /// Median cold starts per minute over the window (minutes without any count as 0).
    pub cold_starts_per_min: f64,
    /// Median absolute deviation of the same.
    pub cold_starts_mad: f64,
    /// A minute with more cold starts than this is a spike.
    pub cold_starts_threshold: f64,
    /// Median of the per-minute largest Init Duration (minutes with cold starts).
    pub init_ms: Option<f64>,
    pub init_threshold_ms: Option<f64>,
    /// Minutes the baseline was computed over.
    pub minutes: usize,
}

/// One minute above the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spike {
    pub at: DateTime<Utc>,
    pub cold_starts: u64,
    pub invocations: u64,
    pub init_ms_max: Option<f64>,
    /// `cold-starts` (count above its threshold), `init-duration`, or both.
    pub kinds: Vec<&'static str>,
    /// API Gateway IntegrationLatency p99 that minute (with `--api`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_latency_ms: Option<f64>,
    /// The minute's slowest cold-start REPORT lines (sanitized in the outputs).
    #[serde(skip)]
    pub reports: Vec<Sample>,
}

/// One minute of the series (only minutes with invocations are kept).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinuteRow {
    pub at: DateTime<Utc>,
    pub invocations: u64,
    pub cold_starts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_ms_max: Option<f64>,
}

/// A runtime version seen in INIT_START lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuntimeVersion {
    pub version: String,
    pub first_at: Option<DateTime<Utc>>,
    pub last_at: Option<DateTime<Utc>>,
    pub init_starts: u64,
}

/// Whether cold-start spikes and API Gateway IntegrationLatency peaks share minutes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlation {
    pub stage: String,
    /// Median IntegrationLatency p99 over the window.
    pub integration_latency_baseline_ms: Option<f64>,
    /// Minutes whose IntegrationLatency p99 is above its own robust threshold.
    pub peak_minutes: Vec<DateTime<Utc>>,
    pub spike_minutes: usize,
    /// Spike minutes within a minute of an IntegrationLatency peak.
    pub coinciding_minutes: usize,
    /// At least half of the spike minutes coincide with peaks.
    pub coincide: bool,
}

/// Everything about one function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionColdStarts {
    pub name: String,
    pub log_group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    pub invocations: u64,
    pub cold_starts: u64,
    /// Cold starts as a share of invocations, in percent.
    pub cold_start_pct: Option<f64>,
    pub init_ms: Pcts,
    /// SnapStart `Restore Duration`, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_ms: Option<Pcts>,
    pub duration_ms: DurationPcts,
    pub memory_mb: Option<u32>,
    pub max_memory_used_mb: Option<u32>,
    /// Execution environments started (`INIT_START`/`RESTORE_START` lines).
    pub init_starts: u64,
    pub runtime_versions: Vec<RuntimeVersion>,
    /// None when the window is too short or has no timestamps.
    pub baseline: Option<Baseline>,
    pub spikes: Vec<Spike>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation: Option<Correlation>,
    /// REPORT lines without a time (bare exported messages): not in `minutes`.
    #[serde(skip_serializing_if = "is_zero")]
    pub untimed_reports: u64,
    /// Lines that looked like platform records but could not be read (cut, garbled): left
    /// out of every figure above.
    pub unparsed: u64,
    pub minutes: Vec<MinuteRow>,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// The whole analysis.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ColdStartAnalysis {
    pub functions: Vec<FunctionColdStarts>,
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Median and median absolute deviation.
pub fn median_mad(values: &[f64]) -> Option<(f64, f64)> {
    let mut v = values.to_vec();
    let med = median(&mut v)?;
    let mut dev: Vec<f64> = values.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&mut dev)?;
    Some((med, mad))
}

/// The cold-start count threshold: `median + max(3.5 · 1.4826 · MAD, 3 · √median)`. The
/// second term is Poisson noise, so a function whose minutes mostly have no cold start (MAD 0)
/// does not flag every minute with a few.
pub fn count_threshold(med: f64, mad: f64) -> f64 {
    med + (Z * MAD_SCALE * mad).max(3.0 * med.max(1.0).sqrt())
}

/// The Init Duration threshold: `median + max(3.5 · 1.4826 · MAD, median)`; an init must at
/// least double to count.
pub fn init_threshold(med: f64, mad: f64) -> f64 {
    med + (Z * MAD_SCALE * mad).max(med)
}

fn ms_to_time(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

fn minute_time(m: i64) -> Option<DateTime<Utc>> {
    ms_to_time(m.saturating_mul(60_000))
}

fn pcts(q: &crate::logs::quantiles::Quantiles) -> Pcts {
    Pcts {
        p50: q.quantile(0.5),
        p90: q.quantile(0.9),
        p99: q.quantile(0.99),
        max: q.max(),
    }
}

/// Analyses every function of the digest.
pub fn analyze(obs: &Observations) -> ColdStartAnalysis {
    let Gathered::Ready(logs) = &obs.logs else {
        return ColdStartAnalysis::default();
    };
    let mut functions: Vec<FunctionColdStarts> =
        logs.functions.iter().map(|f| function(obs, f)).collect();
    functions.sort_by(|a, b| a.name.cmp(&b.name));
    ColdStartAnalysis { functions }
}

fn function(obs: &Observations, f: &FunctionDigest) -> FunctionColdStarts {
    let invocations = f.total_invocations();
    let duration_ms = match &f.insights {
        Some(i) => DurationPcts {
            p50: i.duration_p50,
            p99: i.duration_p99,
        },
        None => DurationPcts {
            p50: f.duration.quantile(0.5),
            p99: f.duration.quantile(0.99),
        },
    };
    let mut out = FunctionColdStarts {
        name: f.name.clone(),
        log_group: f.log_group.clone(),
        unavailable: f.unavailable.clone(),
        invocations,
        cold_starts: f.cold_starts,
        cold_start_pct: (invocations > 0)
            .then(|| (10_000.0 * f.cold_starts as f64 / invocations as f64).round() / 100.0),
        init_ms: pcts(&f.init),
        restore_ms: (f.restore.count() > 0).then(|| pcts(&f.restore)),
        duration_ms,
        memory_mb: f.memory_mb,
        max_memory_used_mb: f.max_memory_used_mb,
        init_starts: f.init_starts,
        runtime_versions: f
            .runtime_versions
            .iter()
            .map(|r| RuntimeVersion {
                version: r.version.clone(),
                first_at: r.first_at.and_then(ms_to_time),
                last_at: r.last_at.and_then(ms_to_time),
                init_starts: r.count,
            })
            .collect(),
        baseline: None,
        spikes: Vec::new(),
        correlation: None,
        untimed_reports: f.untimed_reports,
        unparsed: f.unparsed.count,
        minutes: f
            .minutes
            .iter()
            .filter(|(_, a)| a.invocations > 0 || a.cold_starts > 0)
            .filter_map(|(m, a)| {
                Some(MinuteRow {
                    at: minute_time(*m)?,
                    invocations: a.invocations,
                    cold_starts: a.cold_starts,
                    init_ms_max: a.init_max,
                })
            })
            .collect(),
    };
    if f.unavailable.is_some() {
        return out;
    }
    // The series over every minute of the window (no cold start = 0).
    let first = obs.window.start.timestamp().div_euclid(60);
    let last = (obs.window.end.timestamp() - 1).div_euclid(60);
    let span = (last - first + 1).max(0) as usize;
    if !(MIN_MINUTES..=60 * 24 * 31).contains(&span) {
        return out;
    }
    let counts: Vec<f64> = (first..=last)
        .map(|m| f.minutes.get(&m).map_or(0.0, |a| a.cold_starts as f64))
        .collect();
    let Some((med, mad)) = median_mad(&counts) else {
        return out;
    };
    let threshold = count_threshold(med, mad);
    let inits: Vec<f64> = f.minutes.values().filter_map(|a| a.init_max).collect();
    let init_base = (inits.len() >= MIN_INIT_MINUTES)
        .then(|| median_mad(&inits))
        .flatten();
    let init_thr = init_base.map(|(m, d)| init_threshold(m, d));
    out.baseline = Some(Baseline {
        cold_starts_per_min: med,
        cold_starts_mad: mad,
        cold_starts_threshold: threshold,
        init_ms: init_base.map(|b| b.0),
        init_threshold_ms: init_thr,
        minutes: span,
    });
    for (m, a) in &f.minutes {
        if *m < first || *m > last {
            continue;
        }
        let mut kinds = Vec::new();
        if a.cold_starts as f64 > threshold && a.cold_starts >= MIN_SPIKE_COLD_STARTS {
            kinds.push("cold-starts");
        }
        if let (Some(t), Some(v)) = (init_thr, a.init_max) {
            if v > t {
                kinds.push("init-duration");
            }
        }
        if kinds.is_empty() {
            continue;
        }
        let Some(at) = minute_time(*m) else { continue };
        out.spikes.push(Spike {
            at,
            cold_starts: a.cold_starts,
            invocations: a.invocations,
            init_ms_max: a.init_max,
            kinds,
            integration_latency_ms: None,
            reports: a.top.clone(),
        });
    }
    correlate(obs, &mut out);
    out
}

/// IntegrationLatency p99 per stage, the robust peaks, and the overlap with spike minutes.
fn correlate(obs: &Observations, f: &mut FunctionColdStarts) {
    let (Some(api), Gathered::Ready(m)) = (&obs.api, &obs.metrics) else {
        return;
    };
    type Points = Vec<(DateTime<Utc>, f64)>;
    let mut best: Option<(Correlation, Points)> = None;
    for stage in &api.stages {
        let q = metrics::query(
            APIGW,
            "IntegrationLatency",
            &metrics::stage_dims(&api.api, &stage.name),
            "p99",
            obs.period_s,
        );
        let pts: Vec<(DateTime<Utc>, f64)> = m
            .get(&q)
            .iter()
            .filter(|p| obs.window.contains(p.at))
            .map(|p| (p.at, p.value))
            .collect();
        let values: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let Some((med, mad)) = median_mad(&values) else {
            continue;
        };
        let thr = med + (Z * MAD_SCALE * mad).max(0.5 * med);
        let peaks: Vec<DateTime<Utc>> = pts.iter().filter(|p| p.1 > thr).map(|p| p.0).collect();
        let period = chrono::Duration::seconds(i64::from(obs.period_s.max(60)));
        let near = |t: DateTime<Utc>| {
            peaks.iter().any(|p| {
                t >= *p - chrono::Duration::minutes(1)
                    && t < *p + period + chrono::Duration::minutes(1)
            })
        };
        let coinciding = f.spikes.iter().filter(|s| near(s.at)).count();
        let c = Correlation {
            stage: stage.name.clone(),
            integration_latency_baseline_ms: Some(med),
            peak_minutes: peaks.clone(),
            spike_minutes: f.spikes.len(),
            coinciding_minutes: coinciding,
            coincide: !f.spikes.is_empty() && coinciding * 2 >= f.spikes.len(),
        };
        let better = match &best {
            None => true,
            Some((b, _)) => {
                (c.coinciding_minutes, c.peak_minutes.len())
                    > (b.coinciding_minutes, b.peak_minutes.len())
            }
        };
        if better {
            best = Some((c, pts));
        }
    }
    if let Some((c, pts)) = best {
        for s in &mut f.spikes {
            let period = chrono::Duration::seconds(i64::from(obs.period_s.max(60)));
            s.integration_latency_ms = pts
                .iter()
                .filter(|p| s.at >= p.0 && s.at < p.0 + period)
                .map(|p| p.1)
                .next();
        }
        f.correlation = Some(c);
    }
}

/// `09:36–09:42 UTC` (consecutive spike minutes grouped), at most a few ranges.
pub fn spike_ranges(spikes: &[Spike]) -> String {
    let mut ranges: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for s in spikes {
        match ranges.last_mut() {
            Some((_, end)) if s.at - *end <= chrono::Duration::minutes(1) => *end = s.at,
            _ => ranges.push((s.at, s.at)),
        }
    }
    let shown: Vec<String> = ranges
        .iter()
        .take(4)
        .map(|(a, b)| {
            if a == b {
                a.format("%H:%M").to_string()
            } else {
                format!("{}–{}", a.format("%H:%M"), b.format("%H:%M"))
            }
        })
        .collect();
    let more = ranges.len().saturating_sub(4);
    format!(
        "{} UTC{}",
        shown.join(", "),
        if more > 0 {
            format!(" (+{more} more)")
        } else {
            String::new()
        }
    )
}

/// A kept log line as evidence (sanitized).
pub fn log_line(group: &str, s: &Sample, fallback: DateTime<Utc>) -> crate::finding::Evidence {
    crate::finding::Evidence::LogLine {
        group: group.to_string(),
        stream: s.stream.clone(),
        at: s.at.and_then(ms_to_time).unwrap_or(fallback),
        text: crate::sanitize::clean(&s.text),
    }
}

/// `09:38 UTC` for an epoch-ms time, `-` without one.
pub fn hhmm(ms: Option<i64>) -> String {
    ms.and_then(ms_to_time)
        .map_or_else(|| "-".into(), |t| t.format("%H:%M UTC").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::checks::{Gathered, Settings};
    use crate::logs::LogDigest;
    use crate::model::Window;

    const T: i64 = 1_795_251_600_000; // 2026-11-21T09:00:00Z

    /// 60 minutes of a function: `per_min` invocations, `cold(m)` of them cold starts with
    /// Init Duration `init(m)`.
    fn obs(per_min: u32, cold: impl Fn(i64) -> u32, init: impl Fn(i64) -> f64) -> Observations {
        let mut d = LogDigest::new("file", None);
        for m in 0..60i64 {
            for i in 0..per_min {
                let at = T + m * 60_000 + i64::from(i) * 100;
                let init = (i < cold(m)).then(|| format!("Init Duration: {:.2} ms\t", init(m)));
                let line = format!(
                    "REPORT RequestId: 3f1c2a9e-5b7d-4e1f-9a2b-{m:06}{i:06}\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t{}",
                    init.unwrap_or_default()
                );
                d.function_mut("fn").observe(Some(at), "s", &line, &[]);
            }
        }
        d.finish();
        let start = chrono::DateTime::from_timestamp_millis(T).unwrap();
        Observations {
            now: start + chrono::Duration::hours(1),
            window: Window {
                start,
                end: start + chrono::Duration::hours(1),
            },
            period_s: 60,
            api: None,
            metrics: Gathered::Unavailable("none".into()),
            logs: Gathered::Ready(d),
            settings: Settings::default(),
        }
    }

    /// Deterministic noise in 0..n.
    fn noise(m: i64, n: u32) -> u32 {
        ((m * 7919 + 13) % i64::from(n)) as u32
    }

    #[test]
    fn a_long_burst_is_found_against_the_calm_minutes() {
        // 20 of 60 minutes at 30-40 cold starts: a third of the window is the spike.
        let a = analyze(&obs(
            60,
            |m| {
                if (30..50).contains(&m) {
                    30 + noise(m, 10)
                } else {
                    noise(m, 3)
                }
            },
            |m| {
                if (30..50).contains(&m) {
                    2400.0
                } else {
                    300.0 + noise(m, 40) as f64
                }
            },
        ));
        let f = &a.functions[0];
        assert_eq!(f.spikes.len(), 20, "{:?}", f.baseline);
        assert!(f.spikes.iter().all(|s| s.kinds.contains(&"cold-starts")));
        let b = f.baseline.as_ref().unwrap();
        assert!(b.cold_starts_per_min <= 2.0, "{b:?}");
        assert!(!f.spikes[0].reports.is_empty());
    }

    #[test]
    fn a_busy_steady_function_stays_quiet() {
        // 0-5 cold starts every minute at 300-340 ms: scaling noise, not a spike.
        let a = analyze(&obs(200, |m| noise(m, 6), |m| 300.0 + noise(m, 40) as f64));
        let f = &a.functions[0];
        assert!(f.spikes.is_empty(), "{:?} {:?}", f.baseline, f.spikes);
        // One slow init (x4) in a calm function is an Init Duration spike on its own.
        let a = analyze(&obs(
            20,
            |m| u32::from(m.rem_euclid(3) == 0),
            |m| {
                if m == 30 {
                    1300.0
                } else {
                    300.0 + noise(m, 30) as f64
                }
            },
        ));
        let s = &a.functions[0].spikes;
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].kinds, ["init-duration"]);
    }

    #[test]
    fn robust_thresholds() {
        assert_eq!(median_mad(&[0.0, 0.0, 0.0, 1.0, 40.0]), Some((0.0, 0.0)));
        // Mostly-zero minutes: a minute needs 4+ cold starts.
        assert_eq!(count_threshold(0.0, 0.0), 3.0);
        // A busy steady function: 1–3 a minute is normal.
        assert!(count_threshold(2.0, 1.0) > 6.0);
        assert_eq!(init_threshold(300.0, 10.0), 600.0);
        assert!(init_threshold(300.0, 100.0) > 800.0);
    }
}
