//! Small helpers the benchmarks share: medians, milliseconds, and whether the build measures
//! anything meaningful.

use std::time::Duration;

/// Median of `samples` (mean of the middle two for an even count; zero when empty).
pub fn median(samples: &[Duration]) -> Duration {
    let mut v = samples.to_vec();
    v.sort_unstable();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

/// `d` in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// How the measuring code was built, for the report's header line.
pub fn build_label() -> &'static str {
    if cfg!(debug_assertions) {
        "NO (debug assertions on: numbers are meaningless)"
    } else {
        "yes (debug assertions off)"
    }
}
