//! Mutation fuzzing, on stable Rust, of every entry point that reads a user's files (issue
//! #11): DICOM series of every transfer syntax we decode (seeds written by dcmtk, GDCM and
//! pydicom), DICOMDIR, DICOM SEG, NIfTI, sessions and teaching cases.
//!
//! Each execution takes seed `n % seeds`, mutates it deterministically from `(key, n)`
//! (`mutate`), writes it into a per-worker copy of the seed's folder and feeds it to the
//! target's entry points (`targets`). A panic is caught and recorded with its location, and
//! the input saved; a hang (an execution past `hang_after`) is saved and the process aborted,
//! since a thread cannot be stopped; an abort (an allocation that fails) ends the process and
//! leaves the input being executed in its worker folder. Errors are the expected outcome.
//!
//! Run it with `cargo bench --bench fuzz` (see README); a short run is part of the tests.

pub mod child;
pub mod mutate;
pub mod seeds;
pub mod targets;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::error::{Error, Result};
use mutate::{Rng, mutate};
use targets::{Seed, Target, exercise};

/// How a run is made.
#[derive(Debug, Clone)]
pub struct Config {
    /// The run's key: the same key, seeds and count give the same mutants.
    pub key: u64,
    /// The first execution's number (a run can go on where another stopped).
    pub first: u64,
    pub executions: u64,
    /// Where workers keep their copies of the seeds' folders.
    pub work: PathBuf,
    /// Where failing inputs are saved (none saved when `None`).
    pub failures: Option<PathBuf>,
    pub hang_after: Duration,
    /// Report each execution that raises the process's peak memory past 64 MiB, and save its
    /// input (run with one thread to know whose it is).
    pub trace_memory: bool,
    /// The `tandem` binary: when given, each DICOM series and DICOMDIR mutant is read by
    /// `tandem info --load` in its own process, whose peak memory is checked (`child`).
    pub child: Option<PathBuf>,
}

/// One failing execution.
#[derive(Debug, Clone)]
pub struct Failure {
    /// "panic" (in process or in a child), or a child's "abort", "hang", "memory" or "spawn".
    pub kind: &'static str,
    pub target: &'static str,
    pub seed: String,
    pub execution: u64,
    /// The panic's message and location.
    pub message: String,
    pub saved: Option<PathBuf>,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub executions: u64,
    pub seconds: f64,
    pub per_target: BTreeMap<&'static str, u64>,
    pub failures: Vec<Failure>,
    /// The largest peak resident memory a child process reported (KiB; 0 without children).
    pub child_peak_kib: u64,
}

impl Summary {
    pub fn per_second(&self) -> f64 {
        self.executions as f64 / self.seconds.max(1e-9)
    }

    /// Failures counted by kind and place (`kind at file:line`).
    pub fn failures_by_kind(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for f in &self.failures {
            let place = f.message.lines().next().unwrap_or_default().to_owned();
            *out.entry(format!("{} in {}: {place}", f.kind, f.target))
                .or_insert(0) += 1;
        }
        out
    }
}

thread_local! {
    /// The last panic's message and location on this thread (set by the run's panic hook).
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// One run at a time per process: a run replaces the panic hook and puts it back, and two runs
/// interleaving (two tests in one binary) would leave the wrong hook installed.
static ONE_RUN: Mutex<()> = Mutex::new(());

/// What each worker is executing, for the hang watchdog: start, execution, input path.
type Running = Mutex<HashMap<usize, (Instant, u64, PathBuf)>>;

/// Runs `config.executions` mutants of `seeds`. `tick` is called with the executions done so
/// far, now and then.
pub fn run(seeds: &[Seed], config: &Config, tick: &(dyn Fn(u64) + Sync)) -> Result<Summary> {
    if seeds.is_empty() {
        return Err(Error::Format {
            path: config.work.clone(),
            problem: "no seeds to fuzz".into(),
        });
    }
    std::fs::create_dir_all(&config.work).map_err(|e| Error::io(&config.work, e))?;
    if let Some(dir) = &config.failures {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let _one_run = ONE_RUN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let child_peak = std::sync::atomic::AtomicU64::new(0);
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|p| *p.borrow_mut() = info.to_string());
    }));
    let running: Running = Mutex::new(HashMap::new());
    let failures = Mutex::new(Vec::new());
    let counts: Mutex<BTreeMap<&'static str, u64>> = Mutex::new(BTreeMap::new());
    let done = std::sync::atomic::AtomicU64::new(0);
    let finished = std::sync::atomic::AtomicBool::new(false);
    let start = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| watchdog(&running, &finished, config));
        (config.first..config.first + config.executions)
            .into_par_iter()
            .for_each(|n| {
                let worker = rayon::current_thread_index().unwrap_or(0);
                if let Some(failure) = execute(seeds, config, n, worker, &running, &child_peak)
                    && let Ok(mut f) = failures.lock()
                {
                    f.push(failure);
                }
                let seed = seeds.get((n % seeds.len() as u64) as usize);
                if let (Some(seed), Ok(mut c)) = (seed, counts.lock()) {
                    *c.entry(seed.target.name()).or_insert(0) += 1;
                }
                let so_far = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if so_far.is_multiple_of(1000) {
                    tick(so_far);
                }
            });
        finished.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    std::panic::set_hook(previous_hook);
    Ok(Summary {
        executions: done.into_inner(),
        seconds: start.elapsed().as_secs_f64(),
        per_target: counts.into_inner().unwrap_or_default(),
        failures: failures.into_inner().unwrap_or_default(),
        child_peak_kib: child_peak.into_inner(),
    })
}

/// One execution: mutant `n` of its seed, written and read by worker `worker`.
fn execute(
    seeds: &[Seed],
    config: &Config,
    n: u64,
    worker: usize,
    running: &Running,
    child_peak: &std::sync::atomic::AtomicU64,
) -> Option<Failure> {
    let index = (n % seeds.len() as u64) as usize;
    let seed = seeds.get(index)?;
    let folder = config.work.join(format!("worker-{worker}/seed-{index}"));
    if !folder.exists() && copy_folder(&seed.folder, &folder).is_err() {
        return None;
    }
    let relative = seed.file.strip_prefix(&seed.folder).ok()?;
    let path = folder.join(relative);
    let mut rng = Rng::new(config.key ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mutant = mutate(&seed.bytes, &mut rng, seed.target.is_dicom());
    std::fs::write(&path, &mutant).ok()?;
    if let Some(binary) = &config.child
        && matches!(seed.target, Target::DicomSeries | Target::Dicomdir)
    {
        let log = config.work.join(format!("worker-{worker}.log"));
        // A series is read as its folder; a DICOMDIR through itself, as a reader opens it.
        let read = if seed.target == Target::Dicomdir {
            &path
        } else {
            &folder
        };
        match child::read_in_child(binary, read, &log, config.hang_after) {
            Ok(peak) => {
                child_peak.fetch_max(peak.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
            }
            Err(failure) => {
                return Some(Failure {
                    kind: failure.kind,
                    target: seed.target.name(),
                    seed: seed.name.clone(),
                    execution: n,
                    message: failure.message,
                    saved: save_input(config, failure.kind, n, &path),
                });
            }
        }
        // Then in process as well, so a child run drives every entry point a plain run does.
    }
    if let Ok(mut r) = running.lock() {
        r.insert(worker, (Instant::now(), n, path.clone()));
    }
    let outcome = std::panic::catch_unwind(|| exercise(seed.target, &folder, &path));
    if config.trace_memory {
        trace_memory(n, seed, &path, config);
    }
    if let Ok(mut r) = running.lock() {
        r.remove(&worker);
    }
    outcome.err().map(|_| {
        let message = LAST_PANIC.with(|p| p.borrow().clone());
        Failure {
            kind: "panic",
            target: seed.target.name(),
            seed: seed.name.clone(),
            execution: n,
            message,
            saved: save_input(config, seed.target.name(), n, &path),
        }
    })
}

/// Peak memory after the last traced execution (kB).
static TRACED_PEAK: Mutex<u64> = Mutex::new(0);

fn trace_memory(n: u64, seed: &Seed, path: &Path, config: &Config) {
    let peak = crate::memory::peak_resident_kib().unwrap_or(0);
    let Ok(mut last) = TRACED_PEAK.lock() else {
        return;
    };
    if peak > *last && peak > 64 * 1024 {
        let saved = save_input(config, "memory", n, path);
        eprintln!(
            "fuzz: execution {n} ({}) raised peak memory to {} MiB; input {saved:?}",
            seed.name,
            peak / 1024
        );
    }
    *last = peak;
}

/// Aborts the process when an execution runs past `hang_after`, its input saved first.
fn watchdog(running: &Running, finished: &std::sync::atomic::AtomicBool, config: &Config) {
    while !finished.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(200));
        let Ok(r) = running.lock() else {
            continue;
        };
        for (start, n, path) in r.values() {
            if start.elapsed() > config.hang_after {
                let saved = save_input(config, "hang", *n, path);
                eprintln!(
                    "fuzz: execution {n} hangs (over {:?}) on {}; input saved as {:?}",
                    config.hang_after,
                    path.display(),
                    saved
                );
                std::process::abort();
            }
        }
    }
}

/// Copies the input of execution `n` at `path` into the failures folder as `KIND-N-NAME`;
/// where it went, if it was saved.
fn save_input(config: &Config, kind: &str, n: u64, path: &Path) -> Option<PathBuf> {
    let to = config
        .failures
        .as_ref()?
        .join(format!("{kind}-{n}-{}", file_name(path)));
    std::fs::copy(path, &to).ok().map(|_| to)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Copies the files of `from` (recursively) into `to`.
fn copy_folder(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_folder(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
