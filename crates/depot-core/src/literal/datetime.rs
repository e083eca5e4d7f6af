//! Date, time and timestamp literals: parsing, checking, and the UTC form of a timestamptz.

use super::LiteralError;

/// Date is a calendar date of years 1..=9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Date {
    year: i64,
    month: i64,
    day: i64,
}

/// Time is a time of day with up to microseconds (the precision both engines keep).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Time {
    hour: i64,
    minute: i64,
    second: i64,
    /// Fraction digits without trailing zeros (`"5"` for `.500`).
    fraction: String,
}

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.hour, self.minute, self.second)?;
        if !self.fraction.is_empty() {
            write!(f, ".{}", self.fraction)?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn fixed_digits(s: &str) -> Option<i64> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

pub(super) fn parse_date(s: &str) -> Result<Date, LiteralError> {
    let bad = || LiteralError::NotDate(s.to_string());
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let year = fixed_digits(&s[0..4]).ok_or_else(bad)?;
    let month = fixed_digits(&s[5..7]).ok_or_else(bad)?;
    let day = fixed_digits(&s[8..10]).ok_or_else(bad)?;
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(LiteralError::NotCalendarDate(s.to_string()));
    }
    Ok(Date { year, month, day })
}

pub(super) fn parse_time(s: &str) -> Result<Time, LiteralError> {
    let bad = || LiteralError::NotTime(s.to_string());
    let (hms, fraction) = match s.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (s, None),
    };
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return Err(bad());
    }
    let hour = fixed_digits(&hms[0..2]).ok_or_else(bad)?;
    let minute = fixed_digits(&hms[3..5]).ok_or_else(bad)?;
    let second = fixed_digits(&hms[6..8]).ok_or_else(bad)?;
    if hour > 23 || minute > 59 || second > 59 {
        return Err(LiteralError::NotTimeOfDay(s.to_string()));
    }
    let fraction = match fraction {
        None => String::new(),
        Some(f) if !f.is_empty() && f.len() <= 6 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.trim_end_matches('0').to_string()
        }
        Some(_) => return Err(LiteralError::Fraction(s.to_string())),
    };
    Ok(Time {
        hour,
        minute,
        second,
        fraction,
    })
}

/// split_timestamp reads `date[T ]time[zone]`; zone is the offset in minutes (`Z` = 0).
pub(super) fn split_timestamp(s: &str) -> Result<(Date, Time, Option<i64>), LiteralError> {
    let bad = || LiteralError::NotTimestamp(s.to_string());
    if s.len() < 19 || !s.is_char_boundary(10) || !s.is_char_boundary(11) {
        return Err(bad());
    }
    let date = parse_date(&s[..10])?;
    if !matches!(s.as_bytes()[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    let rest = &s[11..];
    let (time_text, zone) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, Some(0))
    } else if let Some(i) = rest.rfind(['+', '-']) {
        (
            &rest[..i],
            Some(parse_offset(&rest[i..]).ok_or_else(|| LiteralError::Offset(s.to_string()))?),
        )
    } else {
        (rest, None)
    };
    let time = parse_time(time_text)?;
    Ok((date, time, zone))
}

/// parse_offset reads `±HH:MM`, `±HHMM` or `±HH` as minutes east of UTC.
fn parse_offset(s: &str) -> Option<i64> {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    // Only ASCII is sliced by byte below: a full-width digit would cut a character in two.
    let body = s.get(1..).filter(|b| b.is_ascii())?;
    let (h, m) = match body.len() {
        2 => (body, "00"),
        4 => (&body[..2], &body[2..]),
        5 if body.as_bytes()[2] == b':' => (&body[..2], &body[3..]),
        _ => return None,
    };
    let (h, m) = (fixed_digits(h)?, fixed_digits(m)?);
    (h <= 15 && m <= 59).then_some(sign * (h * 60 + m))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(super) fn days_from_civil(d: Date) -> i64 {
    let y = if d.month <= 2 { d.year - 1 } else { d.year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (d.month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d.day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01 (inverse of [`days_from_civil`]).
pub(super) fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date { year, month, day }
}

pub(super) fn to_utc(date: Date, time: Time, offset_minutes: i64) -> Result<String, LiteralError> {
    let minutes = days_from_civil(date) * 1440 + time.hour * 60 + time.minute - offset_minutes;
    let day = civil_from_days(minutes.div_euclid(1440));
    let of_day = minutes.rem_euclid(1440);
    if !(1..=9999).contains(&day.year) {
        return Err(LiteralError::OutOfYears(format!("{date}T{time}")));
    }
    let utc = Time {
        hour: of_day / 60,
        minute: of_day % 60,
        ..time
    };
    Ok(format!("{day}T{utc}Z"))
}
