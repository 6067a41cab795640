//! Durations for people: row times, activity-log offsets, a token's time left, retry countdowns
//! and "expired ... ago" all go through [`human`], so they read and round the same everywhere.
//!
//! One rounding rule: truncate. An elapsed time never runs ahead of the clock and a time left
//! never promises more than there is. The smaller unit is zero-padded after a larger one, so a
//! ticking value keeps its width.

/// "0.4 s", "9.9 s", "42 s", "3 min 05 s", "2 h 07 min".
pub fn human(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        0..=9 => format!("{secs}.{} s", ms % 1000 / 100),
        10..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, secs % 3600 / 60),
    }
}

/// [`human`] for a count of whole seconds (token claims are in seconds).
pub fn human_secs(secs: u64) -> String {
    human(secs.saturating_mul(1000))
}

/// "+1.2 s": how long after a reference point (the session's first request) something happened.
pub fn offset(ms: u64) -> String {
    format!("+{}", human(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_format_one_rounding_rule() {
        let cases: &[(u64, &str)] = &[
            (0, "0.0 s"),
            (99, "0.0 s"),
            (150, "0.1 s"),
            (999, "0.9 s"),
            (4_250, "4.2 s"),
            (9_999, "9.9 s"),
            (10_000, "10 s"),
            (59_999, "59 s"),
            (60_000, "1 min 00 s"),
            (65_900, "1 min 05 s"),
            (3_599_999, "59 min 59 s"),
            (3_600_000, "1 h 00 min"),
            (3_720_000, "1 h 02 min"),
            (11_520_000, "3 h 12 min"),
            (u64::MAX, "5124095576030 h 25 min"),
        ];
        for (ms, expected) in cases {
            assert_eq!(human(*ms), *expected, "{ms} ms");
        }
        assert_eq!(human_secs(300), "5 min 00 s");
        assert_eq!(
            human_secs(u64::MAX),
            human(u64::MAX),
            "saturates, never wraps"
        );
        assert_eq!(offset(1_234), "+1.2 s");
    }
}
