//! Background work for the GUI: each job runs on its own named thread, reports progress and
//! can be cancelled through a shared [`Progress`], and sends one result over a channel. A
//! generation number lets the app drop the results of jobs it no longer wants.
//!
//! A job ends in a value or a [`JobError`]: cancelled, failed, or crashed. A job that panics (a
//! bug, or a library failing on data nobody foresaw) ends as `Crashed`, never as a closed
//! window: the panic is caught on the job's thread, and the app saves the reading for recovery
//! before anything else. The crash travels with the job's own result, so two apps in one
//! process (the UI tests) never see each other's crashes.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use tandem::dicom::{Scan, Series, load_series, scan_paths};
use tandem::pipeline::volume::Volume;
use tandem::progress::Progress;

/// Why a job produced no value.
#[derive(Debug, Clone, PartialEq)]
pub enum JobError {
    /// The reader (or the app) cancelled it: nothing to report.
    Cancelled,
    /// It could not do its work: the message says why, naming the file when there is one.
    Failed(String),
    /// It panicked: what it was doing and the panic's message.
    Crashed(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Cancelled => f.write_str("cancelled"),
            JobError::Failed(why) | JobError::Crashed(why) => f.write_str(why),
        }
    }
}

impl From<tandem::Error> for JobError {
    fn from(e: tandem::Error) -> Self {
        match e {
            tandem::Error::Cancelled => JobError::Cancelled,
            other => JobError::Failed(other.to_string()),
        }
    }
}

impl From<String> for JobError {
    fn from(why: String) -> Self {
        JobError::Failed(why)
    }
}

/// A running job that will produce a `T`.
pub struct Job<T> {
    pub generation: u64,
    pub progress: Arc<Progress>,
    /// What the job is doing, for the progress bar.
    pub label: String,
    receiver: Receiver<Result<T, JobError>>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new thread; `ctx` is asked to repaint when it finishes.
    pub fn spawn<E: Into<JobError>>(
        generation: u64,
        label: impl Into<String>,
        ctx: egui::Context,
        work: impl FnOnce(&Progress) -> Result<T, E> + Send + 'static,
    ) -> Self {
        let progress = Arc::new(Progress::new());
        let (sender, receiver) = channel();
        let shared = Arc::clone(&progress);
        let label: String = label.into();
        let doing = label.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("tandem-job-{generation}"))
            .spawn(move || {
                // The job owns everything it touches but `shared` (atomics): unwinding out of
                // it leaves nothing half-updated that the app reads again.
                let run = std::panic::AssertUnwindSafe(|| work(&shared).map_err(Into::into));
                let result = std::panic::catch_unwind(run).unwrap_or_else(|panic| {
                    let why = tandem::error::panic_message(panic.as_ref());
                    // The label names folders, which may carry a patient's name: not logged.
                    log::error!("a background job stopped on an internal error ({why})");
                    Err(JobError::Crashed(format!(
                        "{doing} stopped on an internal error ({why})"
                    )))
                });
                // The app may have dropped the job (cancelled): nobody to tell, nothing lost.
                let _ = sender.send(result);
                ctx.request_repaint();
            });
        let (sender_fallback, receiver_fallback) = channel();
        let receiver = match spawned {
            Ok(_) => receiver,
            Err(e) => {
                let why = format!("could not start a worker thread: {e}");
                let _ = sender_fallback.send(Err(JobError::Failed(why)));
                receiver_fallback
            }
        };
        Self {
            generation,
            progress,
            label,
            receiver,
        }
    }

    /// The result, once the job has finished.
    pub fn poll(&self) -> Option<Result<T, JobError>> {
        match self.receiver.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(JobError::Crashed(
                "the worker stopped unexpectedly".into(),
            ))),
        }
    }

    pub fn cancel(&self) {
        self.progress.cancel();
    }
}

/// What is happening to a piece of state right now.
#[derive(Default)]
pub enum Activity<T> {
    #[default]
    Idle,
    Running(Job<T>),
    Failed(String),
    /// The job panicked and the app has not yet saved the reading for recovery
    /// (`TandemApp::after_a_crash` turns it into `Failed` in the same frame).
    Crashed(String),
}

impl<T: Send + 'static> Activity<T> {
    pub fn is_running(&self) -> bool {
        matches!(self, Activity::Running(_))
    }

    /// Takes a finished job's result; leaves `Idle`, `Failed` or `Crashed` behind.
    pub fn poll(&mut self) -> Option<(u64, T)> {
        let Activity::Running(job) = self else {
            return None;
        };
        let result = job.poll()?;
        let generation = job.generation;
        match result {
            Ok(value) => {
                *self = Activity::Idle;
                Some((generation, value))
            }
            Err(JobError::Cancelled) => {
                *self = Activity::Idle;
                None
            }
            Err(JobError::Failed(message)) => {
                *self = Activity::Failed(message);
                None
            }
            Err(JobError::Crashed(message)) => {
                *self = Activity::Crashed(message);
                None
            }
        }
    }

    /// What the job that crashed was doing, once: the activity becomes an ordinary failure.
    pub fn take_crash(&mut self) -> Option<String> {
        let Activity::Crashed(message) = self else {
            return None;
        };
        let what = std::mem::take(message);
        *self = Activity::Failed(what.clone());
        Some(what)
    }

    pub fn cancel(&mut self) {
        if let Activity::Running(job) = self {
            job.cancel();
            *self = Activity::Idle;
        }
    }
}

/// An exam as the viewer holds it: what the scan found, and the series on screen.
pub struct LoadedExam {
    pub scan: Scan,
    pub series_id: String,
    pub volume: Volume,
    /// Display window (low, high) from the volume's histogram.
    pub window: (f32, f32),
}

/// Scans `path` and loads the preferred series (or `series_id` when given).
pub fn load_exam(
    path: PathBuf,
    series_id: Option<String>,
    progress: &Progress,
) -> Result<LoadedExam, JobError> {
    let scan = scan_paths(std::slice::from_ref(&path), progress);
    progress.check()?;
    let series = match &series_id {
        Some(id) => scan.all_series().find(|s| &s.id == id),
        None => preferred_series(&scan),
    }
    .ok_or_else(|| {
        let problems = scan.problems.len();
        format!(
            "{}: no loadable series ({} file(s) read, {problems} problem(s))",
            path.display(),
            scan.files_seen
        )
    })?;
    let series_id = series.id.clone();
    let volume = load_series(series, progress)?;
    // The scanner's suggested window when there is one, else one from the histogram.
    let window = tandem::display::window::scanner_window(series.facts.window)
        .unwrap_or_else(|| tandem::display::auto_window(&volume));
    Ok(LoadedExam {
        scan,
        series_id,
        volume,
        window,
    })
}

/// FLAIR first (the core sequence for new T2 lesions), then any loadable series.
fn preferred_series(scan: &Scan) -> Option<&Series> {
    let loadable = || scan.all_series().filter(|s| s.stack.is_ok());
    let is_flair = |s: &&Series| {
        s.facts
            .series_description
            .as_deref()
            .is_some_and(|d| d.to_ascii_uppercase().contains("FLAIR"))
    };
    loadable().find(is_flair).or_else(|| loadable().next())
}

/// Runs the comparison of two exam folders (scan, load, register, diff, match) and makes a
/// fresh reading of it. `options` name the series the reader chose, if any.
pub fn run_comparison(
    exams: [PathBuf; 2],
    options: tandem::compare::CompareOptions,
    progress: &Progress,
) -> Result<tandem::reading::Reading, tandem::Error> {
    let [baseline, followup] = &exams;
    let comparison = tandem::compare::compare_full(baseline, followup, &options, progress)?;
    Ok(tandem::reading::Reading::new(comparison, options, &exams))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn finished<T: Send + 'static>(job: &Job<T>) -> Result<T, JobError> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(result) = job.poll() {
                return result;
            }
            assert!(Instant::now() < deadline, "the job never ended");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Each job's end is its own: a panic, a cancel and a failure come back as distinct
    /// variants from the job that had them, with nothing shared between jobs (two apps in one
    /// process once saw each other's crashes through a global slot).
    #[test]
    fn a_job_ends_in_its_own_value_cancel_failure_or_crash() {
        let ctx = egui::Context::default();
        let crash = Job::spawn(1, "Crashing", ctx.clone(), |_| -> Result<u8, JobError> {
            panic!("boom")
        });
        let fine = Job::spawn(2, "Working", ctx.clone(), |_| Ok::<u8, JobError>(7));
        let cancelled = Job::spawn(3, "Cancelled", ctx.clone(), |p| {
            p.cancel();
            p.check().map(|()| 0u8)
        });
        let failed = Job::spawn(4, "Failing", ctx, |_| {
            Err::<u8, _>("no such file".to_string())
        });
        assert_eq!(
            finished(&crash),
            Err(JobError::Crashed(
                "Crashing stopped on an internal error (boom)".into()
            ))
        );
        assert_eq!(finished(&fine), Ok(7));
        assert_eq!(finished(&cancelled), Err(JobError::Cancelled));
        assert_eq!(
            finished(&failed),
            Err(JobError::Failed("no such file".into()))
        );
    }
}
