//! [`Timestamp`]: the date-times of ARI, e.g. `2026-11-23T19:35:30.123+0000`.
//!
//! Asterisk writes its `Date` fields as `%Y-%m-%dT%H:%M:%S.%3q%z`: milliseconds and an offset
//! without a colon, which is not RFC 3339. [`Timestamp`] parses that (and RFC 3339 variants:
//! any number of fraction digits, `Z`, `+HH:MM`) into a [`chrono::DateTime`] and writes it back
//! in the form it was read, so decoding and encoding an event gives the same text.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A date-time sent by Asterisk, with its UTC offset.
///
/// ```
/// use ari_client::time::Timestamp;
///
/// let t: Timestamp = "2026-11-23T19:35:30.123+0000".parse()?;
/// assert_eq!(t.to_datetime().timestamp_millis() % 1000, 123);
/// assert_eq!(t.to_string(), "2026-11-23T19:35:30.123+0000");
/// # Ok::<(), ari_client::time::TimestampError>(())
/// ```
///
/// Two timestamps are equal when they denote the same instant with the same offset; the
/// textual form (fraction digits, `Z` or `+00:00`) is kept for output only.
#[derive(Clone, Copy)]
pub struct Timestamp {
    /// Seconds since the Unix epoch, UTC.
    secs: i64,
    /// Nanoseconds within the second.
    nanos: u32,
    /// The UTC offset Asterisk gave, in seconds east.
    offset: i32,
    style: Style,
}

/// How a timestamp was written, so that it is written back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Style {
    /// Digits after the decimal point, 0 for none (at most 9).
    fraction_digits: u8,
    offset: OffsetStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OffsetStyle {
    /// `+0000`, as Asterisk writes it.
    Compact,
    /// `+00:00`.
    Colon,
    /// `Z`.
    Zulu,
}

/// Asterisk's own style: milliseconds, offset without a colon.
const ASTERISK_STYLE: Style = Style {
    fraction_digits: 3,
    offset: OffsetStyle::Compact,
};

/// The error of parsing a [`Timestamp`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    input: String,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid timestamp {:?}; expected e.g. 2026-11-23T19:35:30.123+0000",
            self.input
        )
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// Parses Asterisk's format (`2026-11-23T19:35:30.123+0000`) or RFC 3339.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        parse(text.as_bytes()).ok_or_else(|| TimestampError {
            input: text.to_owned(),
        })
    }

    /// The date-time with the offset Asterisk gave.
    ///
    /// Timestamps keep their parts as parsed (decoding an event is hot; building a chrono value
    /// is deferred to here).
    pub fn to_datetime(&self) -> DateTime<FixedOffset> {
        let offset = FixedOffset::east_opt(self.offset).unwrap_or(UTC);
        DateTime::from_timestamp(self.secs, self.nanos)
            .unwrap_or_default()
            .with_timezone(&offset)
    }

    /// The same instant in UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.secs, self.nanos).unwrap_or_default()
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds within the second.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// The UTC offset Asterisk gave, in seconds east of UTC.
    pub fn offset_seconds(&self) -> i32 {
        self.offset
    }

    /// The current time in UTC, written in Asterisk's style.
    pub fn now() -> Self {
        Self::from(Utc::now())
    }
}

/// `+00:00`.
const UTC: FixedOffset = match FixedOffset::east_opt(0) {
    Some(utc) => utc,
    None => panic!("a zero offset is valid"),
};

impl From<DateTime<FixedOffset>> for Timestamp {
    /// Wraps a date-time; it is written in Asterisk's style (milliseconds, `+0000`).
    fn from(at: DateTime<FixedOffset>) -> Self {
        Self {
            secs: at.timestamp(),
            nanos: at.timestamp_subsec_nanos(),
            offset: at.offset().local_minus_utc(),
            style: ASTERISK_STYLE,
        }
    }
}

impl From<DateTime<Utc>> for Timestamp {
    /// Wraps a UTC date-time; it is written in Asterisk's style (milliseconds, `+0000`).
    fn from(at: DateTime<Utc>) -> Self {
        Self::from(at.fixed_offset())
    }
}

impl From<Timestamp> for DateTime<FixedOffset> {
    fn from(t: Timestamp) -> Self {
        t.to_datetime()
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Timestamp {}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    /// Orders by instant, then by offset.
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl Timestamp {
    /// What equality and order look at: the instant and the offset, not the textual form.
    fn key(&self) -> (i64, u32, i32) {
        (self.secs, self.nanos, self.offset)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.secs + i64::from(self.offset);
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let second_of_day = local.rem_euclid(86_400);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )?;
        let digits = usize::from(self.style.fraction_digits.min(9));
        if digits > 0 {
            let all = format!("{:09}", self.nanos % 1_000_000_000);
            f.write_char('.')?;
            f.write_str(all.get(..digits).unwrap_or(&all))?;
        }
        if self.offset == 0 && self.style.offset == OffsetStyle::Zulu {
            return f.write_char('Z');
        }
        let sign = if self.offset < 0 { '-' } else { '+' };
        let minutes = self.offset.unsigned_abs() / 60;
        let (hh, mm) = (minutes / 60, minutes % 60);
        match self.style.offset {
            OffsetStyle::Colon | OffsetStyle::Zulu => write!(f, "{sign}{hh:02}:{mm:02}"),
            OffsetStyle::Compact => write!(f, "{sign}{hh:02}{mm:02}"),
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp such as 2026-11-23T19:35:30.123+0000")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

/// Reads `n` ASCII digits at `*pos`, advancing it.
fn digits(bytes: &[u8], pos: &mut usize, n: usize) -> Option<u32> {
    let slice = bytes.get(*pos..*pos + n)?;
    let mut value = 0u32;
    for &b in slice {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(b - b'0');
    }
    *pos += n;
    Some(value)
}

fn expect(bytes: &[u8], pos: &mut usize, what: &[u8]) -> Option<()> {
    let b = *bytes.get(*pos)?;
    if what.contains(&b) {
        *pos += 1;
        Some(())
    } else {
        None
    }
}

/// Asterisk's own layout, `YYYY-MM-DDTHH:MM:SS.mmm±HHMM`, read at fixed positions: every event
/// carries one or two timestamps, all in this layout.
fn parse_asterisk(bytes: &[u8]) -> Option<Timestamp> {
    let b: &[u8; 28] = bytes.try_into().ok()?;
    let sign = b[23];
    if b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || !(sign == b'+' || sign == b'-')
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut value = 0u32;
        for &c in b.get(range)? {
            if !c.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(c - b'0');
        }
        Some(value)
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let millis = num(20..23)?;
    let (offset_hours, offset_minutes) = (num(24..26)?, num(26..28)?);
    let offset_seconds = i32::try_from(offset_hours * 3600 + offset_minutes * 60).ok()?;
    let offset_seconds = if sign == b'-' {
        -offset_seconds
    } else {
        offset_seconds
    };
    finish(
        (year, month, day),
        (hour, minute, second),
        millis * 1_000_000,
        offset_seconds,
        ASTERISK_STYLE,
    )
}

/// Checks the parts of a date-time and builds the timestamp.
fn finish(
    (year, month, day): (u32, u32, u32),
    (hour, minute, second): (u32, u32, u32),
    nanos: u32,
    offset_seconds: i32,
    style: Style,
) -> Option<Timestamp> {
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
        || offset_seconds.abs() >= 86_400
    {
        return None;
    }
    let local = days_from_civil(i64::from(year), month, day) * 86_400
        + i64::from(hour * 3600 + minute * 60 + second);
    Some(Timestamp {
        secs: local - i64::from(offset_seconds),
        nanos,
        offset: offset_seconds,
        style,
    })
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}](Z|±HHMM|±HH:MM|±HH)`, by hand: chrono's format-string
/// parser is several times slower, and every event carries timestamps.
fn parse(bytes: &[u8]) -> Option<Timestamp> {
    if let Some(t) = parse_asterisk(bytes) {
        return Some(t);
    }
    let mut pos = 0;
    let year = digits(bytes, &mut pos, 4)?;
    expect(bytes, &mut pos, b"-")?;
    let month = digits(bytes, &mut pos, 2)?;
    expect(bytes, &mut pos, b"-")?;
    let day = digits(bytes, &mut pos, 2)?;
    expect(bytes, &mut pos, b"Tt ")?;
    let hour = digits(bytes, &mut pos, 2)?;
    expect(bytes, &mut pos, b":")?;
    let minute = digits(bytes, &mut pos, 2)?;
    expect(bytes, &mut pos, b":")?;
    let second = digits(bytes, &mut pos, 2)?;
    let mut nanos = 0u32;
    let mut fraction_digits = 0u8;
    if expect(bytes, &mut pos, b".,").is_some() {
        while let Some(&b) = bytes.get(pos) {
            if !b.is_ascii_digit() {
                break;
            }
            if fraction_digits < 9 {
                nanos = nanos * 10 + u32::from(b - b'0');
                fraction_digits += 1;
            }
            pos += 1;
        }
        if fraction_digits == 0 {
            return None;
        }
        nanos *= 10u32.pow(9 - u32::from(fraction_digits));
    }
    let (offset_seconds, offset_style) = match bytes.get(pos)? {
        b'Z' | b'z' => {
            pos += 1;
            (0, OffsetStyle::Zulu)
        }
        &sign @ (b'+' | b'-') => {
            pos += 1;
            let hh = digits(bytes, &mut pos, 2)?;
            let (mm, style) = if expect(bytes, &mut pos, b":").is_some() {
                (digits(bytes, &mut pos, 2)?, OffsetStyle::Colon)
            } else if pos == bytes.len() {
                (0, OffsetStyle::Compact)
            } else {
                (digits(bytes, &mut pos, 2)?, OffsetStyle::Compact)
            };
            let seconds = i32::try_from(hh * 3600 + mm * 60).ok()?;
            (if sign == b'-' { -seconds } else { seconds }, style)
        }
        _ => return None,
    };
    if pos != bytes.len() {
        return None;
    }
    finish(
        (year, month, day),
        (hour, minute, second),
        nanos,
        offset_seconds,
        Style {
            fraction_digits,
            offset: offset_style,
        },
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn parses_asterisk_format() {
        let t = Timestamp::parse("2026-11-23T19:35:30.123+0000").unwrap();
        assert_eq!(
            t.to_utc(),
            Utc.with_ymd_and_hms(2026, 11, 23, 19, 35, 30).unwrap()
                + chrono::Duration::milliseconds(123)
        );
        assert_eq!(t.to_string(), "2026-11-23T19:35:30.123+0000");
    }

    #[test]
    fn keeps_offset_and_form() {
        for text in [
            "2026-11-23T19:35:30.123-0530",
            "2026-11-23T19:35:30+0200",
            "2026-11-23T19:35:30.123456Z",
            "2026-11-23T19:35:30.5+01:00",
        ] {
            let t = Timestamp::parse(text).unwrap();
            assert_eq!(t.to_string(), text);
        }
        let t = Timestamp::parse("2026-11-23T19:35:30.123-0530").unwrap();
        assert_eq!(
            t.to_datetime().offset().local_minus_utc(),
            -(5 * 3600 + 30 * 60)
        );
    }

    #[test]
    fn equal_instants_with_equal_offsets_are_equal() {
        let a = Timestamp::parse("2026-11-23T19:35:30.100+0000").unwrap();
        let b = Timestamp::parse("2026-11-23T19:35:30.1Z").unwrap();
        let c = Timestamp::parse("2026-11-23T20:35:30.100+0100").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.to_utc(), c.to_utc());
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-800_000, -1, 0, 1, 59, 60, 365, 10_957, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m as u32, d as u32), days, "{y}-{m}-{d}");
        }
        let t = Timestamp::parse("2024-02-29T23:59:59.999+0000").unwrap();
        assert_eq!(
            t.to_utc(),
            Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap()
                + chrono::Duration::milliseconds(999)
        );
        let chrono_now = Utc::now();
        assert_eq!(Timestamp::from(chrono_now).to_utc(), chrono_now);
    }

    #[test]
    fn asterisk_layout_reads_like_the_general_parser() {
        for text in [
            "2026-11-23T19:35:30.123+0000",
            "2024-02-29T23:59:59.999-0530",
            "1970-01-01T00:00:00.000+1400",
            "2026-11-23T19:35:30.123+0130",
        ] {
            let fast = parse_asterisk(text.as_bytes()).unwrap();
            let general = parse(text.as_bytes()).unwrap();
            assert_eq!(fast, general, "{text}");
            assert_eq!(fast.style, general.style, "{text}");
            assert_eq!(fast.to_string(), text);
        }
        for text in [
            "2026-11-23 19:35:30.123+0000",
            "2026-11-23T19:35:30.123Z0000",
            "2026-13-23T19:35:30.123+0000",
            "2026-11-23T19:35:30.12x+0000",
            "2026-11-23T19:35:30.123+0000 ",
        ] {
            assert!(parse_asterisk(text.as_bytes()).is_none(), "{text}");
        }
    }

    #[test]
    fn rejects_garbage() {
        for text in [
            "",
            "2026-11-23",
            "2026-11-23T19:35:30.123",
            "2026-13-23T19:35:30.123+0000",
            "2025-02-29T19:35:30.123+0000",
            "2026-11-23T24:00:00.000+0000",
            "2026-11-23T19:35:30.+0000",
            "2026-11-23T19:35:30.123+0000 ",
            "yesterday",
        ] {
            assert!(Timestamp::parse(text).is_err(), "{text}");
        }
        let err = Timestamp::parse("x").unwrap_err();
        assert!(err.to_string().contains("invalid timestamp"));
    }

    #[test]
    fn serde_round_trip() {
        let json = "\"2026-11-23T19:35:30.123+0000\"";
        let t: Timestamp = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), json);
        assert!(serde_json::from_str::<Timestamp>("\"nope\"").is_err());
        let from_chrono = Timestamp::from(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap());
        assert_eq!(from_chrono.to_string(), "2026-01-02T03:04:05.000+0000");
    }
}
