//! Percentiles in constant memory: exact while small, then a log-bucketed histogram with
//! bounded relative error. Mergeable, so a log file can be read by several threads.

/// Values kept exactly before switching to the histogram.
const EXACT_MAX: usize = 4096;
/// Bucket growth factor: a reported percentile is within ±0.5% of a value of that rank.
const GAMMA: f64 = 1.01;
/// Values at or below this (ms) share the first bucket.
const MIN_VALUE: f64 = 0.01;
/// Buckets: MIN_VALUE · GAMMA^i up to ~10^7 ms (about 3 hours), the last one open-ended.
const BUCKETS: usize = 2100;

/// A percentile sketch over non-negative values (milliseconds).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quantiles {
    count: u64,
    max: Option<f64>,
    min: Option<f64>,
    sum: f64,
    /// Exact values while `count <= EXACT_MAX`.
    exact: Vec<f64>,
    /// Bucket counts once there are more values (empty until then).
    hist: Vec<u64>,
}

fn bucket(v: f64) -> usize {
    if v <= MIN_VALUE {
        return 0;
    }
    let i = ((v / MIN_VALUE).ln() / GAMMA.ln()).floor();
    if i.is_finite() && i >= 0.0 {
        (i as usize).min(BUCKETS - 1)
    } else {
        0
    }
}

/// The geometric middle of a bucket.
fn bucket_value(i: usize) -> f64 {
    MIN_VALUE * GAMMA.powf(i as f64 + 0.5)
}

impl Quantiles {
    /// Adds a value; NaN, infinities and negatives are ignored.
    pub fn add(&mut self, v: f64) {
        if !v.is_finite() || v < 0.0 {
            return;
        }
        self.count += 1;
        self.sum += v;
        self.max = Some(self.max.map_or(v, |m| m.max(v)));
        self.min = Some(self.min.map_or(v, |m| m.min(v)));
        if self.hist.is_empty() {
            self.exact.push(v);
            if self.exact.len() > EXACT_MAX {
                self.spill();
            }
        } else {
            self.hist[bucket(v)] += 1;
        }
    }

    fn spill(&mut self) {
        self.hist = vec![0; BUCKETS];
        for v in std::mem::take(&mut self.exact) {
            self.hist[bucket(v)] += 1;
        }
    }

    /// Adds another sketch's values.
    pub fn merge(&mut self, other: &Quantiles) {
        if other.count == 0 {
            return;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.min = match (self.min, other.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if self.hist.is_empty() && other.hist.is_empty() {
            self.exact.extend_from_slice(&other.exact);
            if self.exact.len() > EXACT_MAX {
                self.spill();
            }
            return;
        }
        if self.hist.is_empty() {
            self.spill();
        }
        for v in &other.exact {
            self.hist[bucket(*v)] += 1;
        }
        for (a, b) in self.hist.iter_mut().zip(&other.hist) {
            *a += b;
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max(&self) -> Option<f64> {
        self.max
    }

    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    /// Nearest-rank percentile (`q` in 0..=1): the value of rank ⌈q·n⌉. Exact for up to 4,096
    /// values, within ±0.5% beyond; never above the maximum nor below the minimum seen.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 || !q.is_finite() {
            return None;
        }
        let q = q.clamp(0.0, 1.0);
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        if self.hist.is_empty() {
            let mut v = self.exact.clone();
            let k = (rank - 1) as usize;
            let (_, nth, _) = v.select_nth_unstable_by(k, f64::total_cmp);
            return Some(*nth);
        }
        if rank == self.count {
            return self.max;
        }
        let mut seen = 0u64;
        for (i, c) in self.hist.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let v = bucket_value(i);
                let lo = self.min.unwrap_or(v);
                let hi = self.max.unwrap_or(v);
                return Some(v.clamp(lo, hi));
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_nearest_rank_while_small() {
        let mut q = Quantiles::default();
        for v in [5.0, 1.0, 4.0, 2.0, 3.0] {
            q.add(v);
        }
        assert_eq!(q.quantile(0.5), Some(3.0));
        assert_eq!(q.quantile(0.99), Some(5.0));
        assert_eq!(q.quantile(0.0), Some(1.0));
        assert_eq!(q.max(), Some(5.0));
        assert_eq!(Quantiles::default().quantile(0.5), None);
        q.add(f64::NAN);
        q.add(-1.0);
        assert_eq!(q.count(), 5);
    }

    #[test]
    fn histogram_stays_within_half_a_percent_and_merges() {
        let mut a = Quantiles::default();
        let mut b = Quantiles::default();
        let mut all = Vec::new();
        for i in 0..20_000u64 {
            // A skewed, realistic spread: 100..~3100 ms.
            let v = 100.0 + ((i * 7919) % 10_007) as f64 * 0.3;
            all.push(v);
            if i % 3 == 0 {
                a.add(v)
            } else {
                b.add(v)
            }
        }
        a.merge(&b);
        all.sort_by(f64::total_cmp);
        for q in [0.5, 0.9, 0.99] {
            let exact = all[((q * all.len() as f64).ceil() as usize) - 1];
            let got = a.quantile(q).unwrap();
            assert!(
                (got - exact).abs() / exact < 0.006,
                "q{q}: {got} vs {exact}"
            );
        }
        assert_eq!(a.quantile(1.0), all.last().copied());
        assert_eq!(a.count(), 20_000);
    }
}
