//! The dates of exceptions, strictly ISO 8601 (RFC 3339 for timestamps), and "now".
//!
//! - `2027-01-31`: a calendar day, UTC. As an `until`, the exception holds through the whole
//!   day and ends at the start of the next one; as `--now`, it is the start of the day.
//! - `2027-01-31T12:00:00Z`, `2027-01-31T12:00:00.5+02:00`: an instant (the zone is required).
//!
//! A small parser rather than a date crate: these two shapes are all that is accepted, and
//! anything else (`2027-1-31`, `2027-02-30`, a timestamp without a zone) is refused.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Moment(pub i64);

pub const SECONDS_PER_DAY: i64 = 86_400;

/// The variable that fixes "now" when `--now` is not given (tests, reproducible CI runs).
pub const NOW_VARIABLE: &str = "COMPOSEGUARD_NOW";

/// A parsed date as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Day(Moment),
    Instant(Moment),
}

impl Written {
    /// When an exception written with this `until` stops suppressing.
    pub fn end(self) -> Moment {
        match self {
            Written::Day(start) => Moment(start.0 + SECONDS_PER_DAY),
            Written::Instant(at) => at,
        }
    }

    /// The moment this date names as "now" (a day: its start).
    pub fn start(self) -> Moment {
        match self {
            Written::Day(at) | Written::Instant(at) => at,
        }
    }
}

/// Reads `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`.
pub fn parse(text: &str) -> Result<Written, String> {
    let bad = || {
        format!(
            "invalid date {text:?}: use ISO 8601, `2027-01-31` or `2027-01-31T12:00:00Z` (a timestamp needs its zone)"
        )
    };
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(bad());
    }
    let year = digits(&text[0..4]).ok_or_else(bad)?;
    let month = digits(&text[5..7]).ok_or_else(bad)?;
    let day = digits(&text[8..10]).ok_or_else(bad)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(format!("invalid date {text:?}: no such day"));
    }
    let midnight = days_from_civil(year, month, day) * SECONDS_PER_DAY;
    if bytes.len() == 10 {
        return Ok(Written::Day(Moment(midnight)));
    }
    let time = &text[10..];
    let Some(time) = time.strip_prefix('T') else {
        return Err(bad());
    };
    let tb = time.as_bytes();
    if tb.len() < 9 || tb[2] != b':' || tb[5] != b':' {
        return Err(bad());
    }
    let hour = digits(&time[0..2]).ok_or_else(bad)?;
    let minute = digits(&time[3..5]).ok_or_else(bad)?;
    let second = digits(&time[6..8]).ok_or_else(bad)?;
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!("invalid date {text:?}: no such time"));
    }
    let mut zone = &time[8..];
    if let Some(fraction) = zone.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return Err(bad());
        }
        zone = &fraction[end..];
    }
    let offset = if zone == "Z" {
        0
    } else {
        let (sign, rest) = match zone.as_bytes().first() {
            Some(b'+') => (1, &zone[1..]),
            Some(b'-') => (-1, &zone[1..]),
            _ => return Err(bad()),
        };
        if rest.len() != 5 || rest.as_bytes()[2] != b':' {
            return Err(bad());
        }
        let hours = digits(&rest[0..2]).ok_or_else(bad)?;
        let minutes = digits(&rest[3..5]).ok_or_else(bad)?;
        if hours > 23 || minutes > 59 {
            return Err(format!("invalid date {text:?}: no such zone offset"));
        }
        sign * (hours * 3600 + minutes * 60)
    };
    Ok(Written::Instant(Moment(
        midnight + hour * 3600 + minute * 60 + second - offset,
    )))
}

/// A window before an end date: `14d` (days) or `2w` (weeks); `0d` turns the warning off.
pub fn parse_window(text: &str) -> Result<i64, String> {
    let bad = || format!("invalid duration {text:?}: use days or weeks, `14d` or `2w`");
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let days = match unit {
        "d" => 1,
        "w" => 7,
        _ => return Err(bad()),
    };
    if number.is_empty() || number.len() > 5 {
        return Err(bad());
    }
    Ok(digits(number).ok_or_else(bad)? * days * SECONDS_PER_DAY)
}

/// The day of a moment as `YYYY-MM-DD` (UTC).
pub fn format_day(moment: Moment) -> String {
    let (y, m, d) = civil_from_days(moment.0.div_euclid(SECONDS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Now, from the clock.
pub fn clock() -> Moment {
    let seconds = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    Moment(seconds)
}

/// Now as `COMPOSEGUARD_NOW` fixes it, if it is set (an error names the variable).
pub fn now_from_env() -> Result<Option<Moment>, String> {
    match std::env::var(NOW_VARIABLE) {
        Ok(value) if !value.trim().is_empty() => parse(value.trim())
            .map(|w| Some(w.start()))
            .map_err(|why| format!("{NOW_VARIABLE}: {why}")),
        _ => Ok(None),
    }
}

/// Whole days from `now` to `end`, rounded up: 1 on the last day of a date-only `until`,
/// 0 or less once it has passed.
pub fn days_left(end: Moment, now: Moment) -> i64 {
    let seconds = end.0 - now.0;
    if seconds > 0 {
        (seconds + SECONDS_PER_DAY - 1) / SECONDS_PER_DAY
    } else {
        -((-seconds) / SECONDS_PER_DAY)
    }
}

fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_instants() {
        assert_eq!(parse("1970-01-01"), Ok(Written::Day(Moment(0))));
        assert_eq!(parse("2027-01-31"), Ok(Written::Day(Moment(1_801_353_600))));
        assert_eq!(
            parse("2027-01-31T12:00:00Z"),
            Ok(Written::Instant(Moment(1_801_353_600 + 12 * 3600)))
        );
        assert_eq!(
            parse("2027-01-31T12:00:00+02:00"),
            Ok(Written::Instant(Moment(1_801_353_600 + 10 * 3600)))
        );
        assert_eq!(
            parse("2027-01-31T12:00:00.250-01:30"),
            Ok(Written::Instant(Moment(1_801_353_600 + 13 * 3600 + 1800)))
        );
        assert_eq!(
            parse("2024-02-29").map(Written::start),
            Ok(Moment(1_709_164_800))
        );
        assert_eq!(format_day(Moment(1_801_353_600 + 3600)), "2027-01-31");
        assert_eq!(format_day(Moment(1_709_164_800)), "2024-02-29");
    }

    #[test]
    fn malformed_dates_are_refused() {
        for bad in [
            "",
            "2027-1-31",
            "2027/01/31",
            "2027-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-01-32",
            "2027-01-31T12:00:00",
            "2027-01-31T12:00Z",
            "2027-01-31T24:00:00Z",
            "2027-01-31T12:00:00+2:00",
            "2027-01-31T12:00:00.Z",
            "2027-01-31 12:00:00Z",
            "2027-01-31x",
            "tomorrow",
            "２０２７-01-31",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_day_lasts_until_its_end() {
        let until = parse("2027-01-31").unwrap();
        let day = |t: &str| parse(t).unwrap().start();
        assert_eq!(days_left(until.end(), day("2027-01-31")), 1);
        assert_eq!(days_left(until.end(), day("2027-01-18")), 14);
        assert_eq!(days_left(until.end(), day("2027-02-01")), 0);
        assert_eq!(days_left(until.end(), day("2027-02-03")), -2);
        assert_eq!(
            days_left(until.end(), day("2027-01-31T23:00:00Z")),
            1,
            "an hour left is a day left"
        );
    }

    #[test]
    fn windows() {
        assert_eq!(parse_window("14d"), Ok(14 * SECONDS_PER_DAY));
        assert_eq!(parse_window("2w"), Ok(14 * SECONDS_PER_DAY));
        assert_eq!(parse_window("0d"), Ok(0));
        for bad in ["", "d", "14", "14 d", "-1d", "1.5w", "14h", "999999d"] {
            assert!(parse_window(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
