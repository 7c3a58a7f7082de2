//! The library's error type: one variant per cause, each naming the file or series it is about.
//!
//! Messages never carry patient identifiers (names, IDs, birth dates): only paths, UIDs of
//! series and the technical problem.

use std::path::PathBuf;

/// Every failure the library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system refused a read or write.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a DICOM Part 10 file, or its structure is broken.
    #[error("{path}: not a readable DICOM file ({reason})")]
    NotDicom { path: PathBuf, reason: String },
    /// Valid DICOM, but something we do not handle (a transfer syntax, a pixel layout).
    #[error("{path}: unsupported: {what}")]
    Unsupported { path: PathBuf, what: String },
    /// The pixel data could not be decoded.
    #[error("{path}: pixel data could not be decoded: {reason}")]
    Decode { path: PathBuf, reason: String },
    /// The files of a series do not form one regular volume.
    #[error("series {series_uid}: {problem}")]
    InconsistentSeries { series_uid: String, problem: String },
    /// Geometry that cannot describe a real acquisition (zero spacing, degenerate orientation).
    #[error("{subject}: impossible geometry: {problem}")]
    Geometry { subject: String, problem: String },
    /// A header asks for more than we are willing to allocate, or less data than declared.
    #[error("{subject}: refused: {problem}")]
    Limits { subject: String, problem: String },
    /// One of Tandem's own files (a session) that this build cannot read, and why.
    #[error("{path}: {problem}")]
    Format { path: PathBuf, problem: String },
    /// An output that already exists and may not be replaced without asking.
    #[error("{path}: already exists; choose another name or allow replacing it")]
    Exists { path: PathBuf },
    /// Two exams that have no series pair a comparison could use (no FLAIR, T2 or
    /// post-contrast T1 on both sides, or none that loaded).
    #[error("{baseline} and {followup}: nothing comparable: {why}")]
    NothingCompared {
        baseline: PathBuf,
        followup: PathBuf,
        why: String,
    },
    /// The operation was cancelled by the user.
    #[error("cancelled")]
    Cancelled,
}

/// Shorthand used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

thread_local! {
    /// How many `contain` calls this thread is inside.
    static CONTAINED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Runs `work` and catches a panic inside it, returning its message. While `work` runs,
/// [`panic_is_contained`] is true on this thread, so the binary's panic hook stays quiet: the
/// caller reports the failure as an error naming the file, and no backtrace is printed (or
/// symbolised: with `RUST_BACKTRACE=1` that took 250 MB and most of a second per decoder
/// panic). `work` must leave nothing half-updated that its caller uses again.
pub fn contain<T>(work: impl FnOnce() -> T) -> std::result::Result<T, String> {
    CONTAINED.with(|c| c.set(c.get() + 1));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    CONTAINED.with(|c| c.set(c.get().saturating_sub(1)));
    outcome.map_err(|panic| panic_message(panic.as_ref()))
}

/// Whether the current thread is inside [`contain`] (for a panic hook).
pub fn panic_is_contained() -> bool {
    CONTAINED.with(|c| c.get() > 0)
}

/// The message a caught panic carries (`panic!` with a literal or a formatted string), or
/// "no message".
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

impl Error {
    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
