//! One mutant read in a child process: `tandem info --load --peak-memory INPUT`, the way a
//! reader's own `tandem` would read it. This is the issue's own measure of bounded memory (peak
//! resident memory of one process reading one mutated file), which an in-process run can only
//! approach: there, the peak is the whole run's and the allocator keeps what it freed.
//!
//! A child that dies on a signal (an abort, a failed allocation), exits with Rust's panic code,
//! runs past the hang limit, or reports a peak over [`PEAK_LIMIT_KIB`] is a failure.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::memory::PEAK_LINE;

/// The bound on one process reading one mutated file: 256 MiB.
pub const PEAK_LIMIT_KIB: u64 = 256 * 1024;

/// How one child's run went, when it went wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildFailure {
    /// "abort", "panic", "hang", "memory" or "spawn".
    pub kind: &'static str,
    pub message: String,
}

/// Runs `binary info --load --peak-memory input` (a series folder or a DICOMDIR), its error
/// output kept in `log` (a file, so
/// a chatty child never blocks on a full pipe). When it ended within bounds: the peak it
/// reported (KiB; `None` where there is no /proc).
pub fn read_in_child(
    binary: &Path,
    input: &Path,
    log: &Path,
    hang_after: Duration,
) -> Result<Option<u64>, ChildFailure> {
    let fail = |kind, message: String| Err(ChildFailure { kind, message });
    let stderr = match std::fs::File::create(log) {
        Ok(file) => file,
        Err(e) => return fail("spawn", format!("{}: {e}", log.display())),
    };
    let spawned = Command::new(binary)
        .args(["info", "--load", "--peak-memory"])
        .arg(input)
        // As a reader runs it: a backtrace asked for by the developer's shell is symbolised
        // on a panic, which costs hundreds of MB that are not the reading's.
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return fail("spawn", format!("{}: {e}", binary.display())),
    };
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > hang_after => {
                let _ = child.kill();
                let _ = child.wait();
                return fail("hang", format!("still running after {hang_after:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return fail("spawn", format!("waiting for the child: {e}"));
            }
        }
    };
    let said = std::fs::read_to_string(log).unwrap_or_default();
    let last = said
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    match status.code() {
        None => return fail("abort", format!("ended by a signal ({status}): {last}")),
        Some(101) => return fail("panic", panic_lines(&said)),
        Some(_) => {}
    }
    match peak_reported(&said) {
        Some(peak) if peak > PEAK_LIMIT_KIB => fail(
            "memory",
            format!(
                "peak resident memory {} MiB (limit {} MiB)",
                peak / 1024,
                PEAK_LIMIT_KIB / 1024
            ),
        ),
        Some(peak) => Ok(Some(peak)),
        // No /proc where the child ran: nothing to check, but nothing failed either.
        None if crate::memory::peak_resident_kib().is_none() => Ok(None),
        None => fail("memory", format!("no peak memory reported: {last}")),
    }
}

/// Where a child's panic happened and why: the "panicked at" line and the message after it.
fn panic_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    match lines.iter().position(|l| l.contains("panicked at")) {
        Some(at) => lines[at..]
            .iter()
            .take(2)
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        None => lines.last().copied().unwrap_or("").to_owned(),
    }
}

/// The peak a child reported on its error output.
pub fn peak_reported(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(PEAK_LINE)?.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reported_peak_is_the_last_line_that_says_it() {
        let said = format!("warning: odd file\n{PEAK_LINE}1000\nnoise\n{PEAK_LINE}2048\n");
        assert_eq!(peak_reported(&said), Some(2048));
        assert_eq!(peak_reported("tandem: nothing readable\n"), None);
    }

    #[test]
    fn a_childs_panic_is_told_by_where_and_why() {
        let said = "thread 'main' panicked at src/x.rs:1:2:\nindex out of bounds\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            panic_lines(said),
            "thread 'main' panicked at src/x.rs:1:2: index out of bounds"
        );
    }

    #[test]
    fn a_binary_that_is_not_there_is_a_spawn_failure() {
        let dir = tempfile::tempdir().unwrap();
        let failure = read_in_child(
            &dir.path().join("no-such-tandem"),
            dir.path(),
            &dir.path().join("log"),
            Duration::from_secs(5),
        );
        assert_eq!(failure.map_err(|f| f.kind), Err("spawn"));
    }
}
