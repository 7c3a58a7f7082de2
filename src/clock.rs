//! Wall-clock time as text, in UTC, without a date crate: ISO 8601 for files people read and
//! DICOM's `YYYYMMDD` / `HHMMSS` for exports.

use std::time::{SystemTime, UNIX_EPOCH};

/// A moment in UTC, broken into calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Utc {
    pub fn now() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Self::from_unix(secs)
    }

    /// Calendar fields of a Unix time (days to civil date after Howard Hinnant's algorithm).
    pub fn from_unix(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// `2026-11-27T07:05:09Z`.
    pub fn iso(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// DICOM DA `20261127`.
    pub fn dicom_date(&self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// DICOM TM `070509`.
    pub fn dicom_time(&self) -> String {
        format!("{:02}{:02}{:02}", self.hour, self.minute, self.second)
    }
}

/// Days since 1970-01-01 of a civil date (the inverse of [`Utc::from_unix`]'s calendar).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A DICOM date (`YYYYMMDD`) moved by `days`; `None` when it is not a valid date.
pub fn shift_dicom_date(date: &str, days: i64) -> Option<String> {
    let d = date.trim();
    if d.len() != 8 || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i64 = d.get(0..4)?.parse().ok()?;
    let month: u32 = d.get(4..6)?.parse().ok()?;
    let day: u32 = d.get(6..8)?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let shifted = Utc::from_unix((days_from_civil(year, month, day) + days) * 86_400);
    Some(shifted.dicom_date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_shift_across_months_and_leap_years() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(shift_dicom_date("20240228", 1).as_deref(), Some("20240229"));
        assert_eq!(
            shift_dicom_date("20240301", -1).as_deref(),
            Some("20240229")
        );
        assert_eq!(
            shift_dicom_date("20250310", -400).as_deref(),
            Some("20240204")
        );
        assert_eq!(shift_dicom_date("2025031", 1), None);
        assert_eq!(shift_dicom_date("20251340", 1), None);
    }

    #[test]
    fn known_moments() {
        assert_eq!(Utc::from_unix(0).iso(), "1970-01-01T00:00:00Z");
        assert_eq!(Utc::from_unix(951_782_400).iso(), "2000-02-29T00:00:00Z");
        let t = Utc::from_unix(1_795_763_109);
        assert_eq!(t.iso(), "2026-11-27T07:05:09Z");
        assert_eq!(
            (t.dicom_date(), t.dicom_time()),
            ("20261127".into(), "070509".into())
        );
    }
}
