//! `tandem batch`: every unfinished row of a manifest compared by its own `tandem compare`
//! process, `jobs` at a time, each into its report folder; then the summary CSV. A failed row's
//! message is kept in its folder (and the row is tried again next time); a finished row is
//! skipped. `--row N` does row N alone: one task of a cluster's array job.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tandem::batch::{
    FAILED_FILE, Row, RowState, read_manifest, row_folder, row_state, summary_csv,
};

/// Runs the batch; `Err` is the one message to print.
pub fn batch(
    manifest: &Path,
    out: &Path,
    jobs: usize,
    only: Option<usize>,
) -> Result<ExitCode, String> {
    let rows = read_manifest(manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    if let Some(n) = only
        && !(1..=rows.len()).contains(&n)
    {
        return Err(format!(
            "--row {n}: {} lists rows 1 to {}",
            manifest.display(),
            rows.len()
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let chosen: Vec<&Row> = rows
        .iter()
        .filter(|r| only.is_none_or(|n| r.number == n))
        .collect();
    let todo: Vec<&Row> = chosen
        .iter()
        .copied()
        .filter(|r| !matches!(row_state(out, r), RowState::Done(_)))
        .collect();
    let skipped = chosen.len() - todo.len();
    if skipped > 0 {
        eprintln!("tandem batch: {skipped} row(s) already done, skipped");
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find tandem itself: {e}"))?;
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(0usize);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, todo.len().max(1)) {
            scope.spawn(|| {
                while let Some(row) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let t = Instant::now();
                    let outcome = compare_row(&exe, out, row);
                    let (word, ok) = match &outcome {
                        Ok(()) => ("done".to_owned(), true),
                        Err(why) => (format!("failed: {why}"), false),
                    };
                    if !ok && let Ok(mut n) = failures.lock() {
                        *n += 1;
                    }
                    eprintln!(
                        "tandem batch: row {} ({}) {word} ({:.1} s)",
                        row.number,
                        row.id,
                        t.elapsed().as_secs_f64()
                    );
                }
            });
        }
    });
    let failed = failures.lock().map_or(0, |n| *n);
    // Every row of the manifest, not only this run's: an array task writes a summary too.
    let summary = summary_csv(out, &rows).map_err(|e| format!("the summary: {e}"))?;
    let path = out.join("summary.csv");
    tandem::fsutil::write_atomic(&path, &summary).map_err(|e| e.to_string())?;
    eprintln!(
        "tandem batch: {} compared, {failed} failed, {skipped} skipped in {:.1} s; summary: {}",
        todo.len() - failed,
        started.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One row compared by a child `tandem compare` into its folder. A failure's message (the
/// child's last words) is kept in the folder; a success clears an earlier one.
fn compare_row(exe: &PathBuf, out: &Path, row: &Row) -> Result<(), String> {
    let folder = row_folder(out, row);
    let failed_file = folder.join(FAILED_FILE);
    let result = Command::new(exe)
        .arg("compare")
        .arg(&row.baseline)
        .arg(&row.followup)
        .arg("--out")
        .arg(&folder)
        // Whatever an interrupted attempt left is replaced: the row is not done.
        .arg("--replace")
        .output();
    let why = match result {
        // Exit 2: written, but the registration failed; the summary says so.
        Ok(o) if o.status.success() || o.status.code() == Some(2) => {
            let _ = std::fs::remove_file(&failed_file);
            return Ok(());
        }
        Ok(o) => {
            let stderr = String::from_utf8_lossy(&o.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            last.map_or_else(
                || format!("tandem compare ended with {}", o.status),
                |l| l.trim_start_matches("tandem: ").to_owned(),
            )
        }
        Err(e) => format!("tandem compare did not start: {e}"),
    };
    let kept = std::fs::create_dir_all(&folder)
        .and_then(|()| std::fs::write(&failed_file, format!("{why}\n")));
    if let Err(e) = kept {
        eprintln!("tandem batch: {}: {e}", failed_file.display());
    }
    Err(why)
}
