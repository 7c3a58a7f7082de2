//! The process's own memory use, read from Linux's /proc: what the fuzzer and
//! `tandem info --peak-memory` report. Elsewhere (no /proc) there is nothing to read.

/// The line `tandem info --peak-memory` ends its error output with, before the peak in KiB.
pub const PEAK_LINE: &str = "peak resident memory (KiB): ";

/// The process's peak resident memory so far (the kernel's high-water mark, VmHWM), in KiB.
pub fn peak_resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_field_kib(&status, "VmHWM:")
}

/// A `NAME: N kB` line of a /proc status file.
fn status_field_kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find(|l| l.starts_with(name))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark_from_a_status_file() {
        let status = "Name:\ttandem\nVmPeak:\t  900 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n";
        assert_eq!(status_field_kib(status, "VmHWM:"), Some(12345));
        assert_eq!(status_field_kib("VmHWM:\tlots kB\n", "VmHWM:"), None);
        assert_eq!(status_field_kib("", "VmHWM:"), None);
    }

    #[test]
    fn the_peak_grows_with_what_the_process_touches() {
        let Some(before) = peak_resident_kib() else {
            return; // no /proc on this system
        };
        let touched = vec![1u8; 64 << 20];
        let after = peak_resident_kib().unwrap_or(0);
        assert!(touched.iter().all(|&b| b == 1));
        assert!(after >= before.max(64 << 10), "{before} → {after} KiB");
    }
}
