//! Time windows from `--since 90m|3h|2d` or `--start/--end` (RFC 3339), and the metric
//! period that CloudWatch can actually serve for that window.

use chrono::{DateTime, Duration, Utc};

use crate::model::Window;

/// Parses `90m`, `3h`, `2d`, `45s`, `1w` (one unit, as on-call people type it).
pub fn parse_since(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("--since {s:?}: missing unit (use e.g. 90m, 3h, 2d)"))?;
    let (num, unit) = s.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("--since {s:?}: expected a number followed by s, m, h, d or w"))?;
    if n <= 0 {
        return Err(format!("--since {s:?}: must be greater than zero"));
    }
    let d = match unit {
        "s" => Duration::try_seconds(n),
        "m" | "min" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        "w" => Duration::try_weeks(n),
        _ => {
            return Err(format!(
                "--since {s:?}: unknown unit {unit:?} (use s, m, h, d or w)"
            ))
        }
    };
    let d = d.ok_or_else(|| format!("--since {s:?}: too large"))?;
    if d > Duration::days(455) {
        return Err(format!(
            "--since {s:?}: CloudWatch keeps metrics for 455 days at most"
        ));
    }
    Ok(d)
}

/// Parses an RFC 3339 timestamp (`2026-11-21T09:30:00Z`).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{s:?} is not an RFC 3339 time like 2026-11-21T09:30:00Z: {e}"))
}

/// Resolves the window from the flags, relative to `now` (the source's clock).
pub fn resolve(
    now: DateTime<Utc>,
    since: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Window, String> {
    let end_t = match end {
        Some(e) => parse_time(e)?,
        None => now,
    };
    let start_t = match (start, since) {
        (Some(s), _) => parse_time(s)?,
        (None, Some(d)) => end_t - parse_since(d)?,
        (None, None) => end_t - Duration::hours(1),
    };
    if start_t >= end_t {
        return Err(format!(
            "the window is empty: start {} is not before end {}",
            start_t.to_rfc3339(),
            end_t.to_rfc3339()
        ));
    }
    Ok(Window {
        start: start_t,
        end: end_t,
    })
}

/// The finest period CloudWatch still serves for this window, widened so a series stays
/// within 1,440 points. One-minute data is kept 15 days, five-minute data 63 days, hourly
/// data 455 days (CloudWatch retention).
pub fn period_for(window: &Window, now: DateTime<Utc>) -> u32 {
    let age = now - window.start;
    let mut period: i64 = if age > Duration::days(63) {
        3600
    } else if age > Duration::days(15) {
        300
    } else {
        60
    };
    let secs = window.seconds().max(1);
    while secs / period > 1440 {
        // Keep the period a multiple of the retention tier's resolution.
        period += if period >= 3600 {
            3600
        } else if period >= 300 {
            300
        } else {
            60
        };
    }
    period as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    #[test]
    fn since_units() {
        assert_eq!(parse_since("90m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_since("3h").unwrap(), Duration::hours(3));
        assert_eq!(parse_since("2d").unwrap(), Duration::days(2));
        assert!(parse_since("3").unwrap_err().contains("missing unit"));
        assert!(parse_since("3y").unwrap_err().contains("unknown unit"));
        assert!(parse_since("0m").is_err());
        assert!(parse_since("-5m").is_err());
        assert!(parse_since("999999999999999999d").is_err());
        assert!(parse_since("500d").unwrap_err().contains("455"));
    }

    #[test]
    fn window_from_flags() {
        let now = t("2026-11-21T10:00:00Z");
        let w = resolve(now, Some("90m"), None, None).unwrap();
        assert_eq!(w.start, t("2026-11-21T08:30:00Z"));
        assert_eq!(w.end, now);
        let w = resolve(
            now,
            None,
            Some("2026-11-21T09:00:00Z"),
            Some("2026-11-21T09:30:00Z"),
        )
        .unwrap();
        assert_eq!(w.seconds(), 1800);
        assert!(resolve(now, None, Some("2026-11-21T11:00:00Z"), None)
            .unwrap_err()
            .contains("empty"));
        assert!(resolve(now, None, Some("yesterday"), None).is_err());
    }

    #[test]
    fn period_follows_retention_and_point_limit() {
        let now = t("2026-11-21T10:00:00Z");
        let w = resolve(now, Some("3h"), None, None).unwrap();
        assert_eq!(period_for(&w, now), 60);
        let w = resolve(now, Some("2d"), None, None).unwrap();
        assert_eq!(period_for(&w, now), 120);
        let w = resolve(now, Some("20d"), None, None).unwrap();
        assert_eq!(period_for(&w, now) % 300, 0);
        let w = resolve(now, Some("100d"), None, None).unwrap();
        assert_eq!(period_for(&w, now) % 3600, 0);
    }
}
