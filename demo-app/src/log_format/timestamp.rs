//! The log line's timestamp, as tracing-subscriber's `SystemTime` writes it: RFC 3339 in
//! UTC with microseconds (`2026-12-04T01:24:46.043418Z`). The date and the time of day are
//! worked out once a second on each thread and kept; a line writes them and its
//! microseconds. The stock timer formats all seven numbers through `write!` on every line,
//! and every answer writes a line, every error two (docs/performance.md).

use std::cell::RefCell;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime as _;

/// The first second of the year 10000: from there on the stock timer writes a `+` and a
/// five-digit year, and this one leaves such times to it (as it does times before 1970).
const YEAR_10000: u64 = 253_402_300_800;

/// One thread's last second: its Unix time, and the text up to the fraction's dot.
struct Second {
    unix: u64,
    text: String,
}

thread_local! {
    static LAST_SECOND: RefCell<Second> = const {
        RefCell::new(Second { unix: u64::MAX, text: String::new() })
    };
}

/// Writes the current time.
pub fn write_now(writer: &mut Writer<'_>) -> fmt::Result {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since_epoch) if since_epoch.as_secs() < YEAR_10000 => write_at(writer, since_epoch),
        _ => tracing_subscriber::fmt::time::SystemTime.format_time(writer),
    }
}

/// Writes the time `since_epoch` after 1970 (before the year 10000).
fn write_at(writer: &mut impl fmt::Write, since_epoch: Duration) -> fmt::Result {
    let unix = since_epoch.as_secs();
    LAST_SECOND.with_borrow_mut(|second| {
        if second.unix != unix {
            second.text = date_and_time(unix);
            second.unix = unix;
        }
        writer.write_str(&second.text)
    })?;
    let mut fraction = *b"000000Z";
    let mut micros = since_epoch.subsec_micros();
    for digit in fraction[..6].iter_mut().rev() {
        *digit = b'0' + (micros % 10) as u8;
        micros /= 10;
    }
    // Digits and a `Z`: ASCII.
    writer.write_str(std::str::from_utf8(&fraction).map_err(|_| fmt::Error)?)
}

/// `YYYY-MM-DDTHH:MM:SS.` for a Unix time between 1970 and the year 10000.
fn date_and_time(unix: u64) -> String {
    let days = unix / 86_400;
    let seconds = unix % 86_400;
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`,
/// for days on or after the epoch).
fn civil_date(days: u64) -> (u64, u64, u64) {
    // Counted from 0000-03-01, so that a leap day ends its year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
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
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_seconds_have_their_calendar_date() {
        for (unix, text) in [
            (0, "1970-01-01T00:00:00."),
            (951_782_400, "2000-02-29T00:00:00."),
            (951_868_799, "2000-02-29T23:59:59."),
            (1_000_000_000, "2001-09-09T01:46:40."),
            (1_796_347_486, "2026-12-04T01:24:46."),
            (4_107_542_399, "2100-02-28T23:59:59."),
            (4_107_542_400, "2100-03-01T00:00:00."),
            (YEAR_10000 - 1, "9999-12-31T23:59:59."),
        ] {
            assert_eq!(date_and_time(unix), text, "{unix}");
        }
    }

    #[test]
    fn every_day_follows_the_one_before() {
        // 1970 to 9999, day by day: the date advances by one (month and year rolling over
        // as the calendar says), so no day is skipped or repeated.
        let mut previous = civil_date(0);
        assert_eq!(previous, (1970, 1, 1));
        for days in 1..(YEAR_10000 / 86_400) {
            let (year, month, day) = civil_date(days);
            let (py, pm, pd) = previous;
            let leap = py % 4 == 0 && (py % 100 != 0 || py % 400 == 0);
            let month_days = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            let expected = if pd < month_days[pm as usize - 1] {
                (py, pm, pd + 1)
            } else if pm < 12 {
                (py, pm + 1, 1)
            } else {
                (py + 1, 1, 1)
            };
            assert_eq!((year, month, day), expected, "day {days}");
            previous = (year, month, day);
        }
        assert_eq!(previous, (9999, 12, 31));
    }

    fn at(unix: u64, micros: u32) -> String {
        let mut text = String::new();
        write_at(&mut text, Duration::new(unix, micros * 1000 + 999)).expect("written");
        text
    }

    #[test]
    fn a_kept_second_is_written_again_until_the_clock_leaves_it() {
        // Within one second the kept text is reused; the next second, or a clock stepped
        // back, works the date out again.
        let second = 1_796_399_999; // 2026-12-04T15:59:59
        assert_eq!(at(second, 0), "2026-12-04T15:59:59.000000Z");
        assert_eq!(at(second, 42), "2026-12-04T15:59:59.000042Z");
        assert_eq!(at(second, 999_999), "2026-12-04T15:59:59.999999Z");
        assert_eq!(at(second + 1, 0), "2026-12-04T16:00:00.000000Z");
        assert_eq!(at(second + 1, 7), "2026-12-04T16:00:00.000007Z");
        assert_eq!(at(second, 500_000), "2026-12-04T15:59:59.500000Z");
        assert_eq!(at(0, 1), "1970-01-01T00:00:00.000001Z");
        assert_eq!(at(YEAR_10000 - 1, 999_999), "9999-12-31T23:59:59.999999Z");
    }

    #[test]
    fn the_line_timestamp_reads_as_the_stock_timer_writes_it() {
        // Both timers read the clock themselves: compared within one second, up to the
        // fraction (their microseconds differ).
        for _ in 0..100 {
            let before = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("after 1970");
            let mut ours = String::new();
            write_now(&mut Writer::new(&mut ours)).expect("written");
            let mut stock = String::new();
            tracing_subscriber::fmt::time::SystemTime
                .format_time(&mut Writer::new(&mut stock))
                .expect("written");
            let after = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("after 1970");
            if before.as_secs() != after.as_secs() {
                continue;
            }
            assert_eq!(ours.len(), stock.len(), "{ours} / {stock}");
            assert_eq!(ours[..20], stock[..20], "{ours} / {stock}");
            assert!(ours.ends_with('Z') && ours[20..26].bytes().all(|b| b.is_ascii_digit()));
            return;
        }
        panic!("the second changed under every one of 100 tries");
    }
}
