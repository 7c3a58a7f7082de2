//! One comparison per input for the whole UI test run. Most UI tests need a compared sample
//! pair on screen, not a fresh run of the comparison (about 8 s each in the dev profile), so
//! `jobs::run_comparison` asks here first in test builds. The first job for an input computes
//! it through the app's own job, exactly as in use; later jobs for the same folders and options
//! get a copy of that result (the comparison is deterministic). A test that is about running
//! the comparison gives it folders no other test uses ([`private_sample_pair`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tandem::compare::{CompareOptions, Comparison, PairView, Report};
use tandem::progress::Progress;

type Shared = (Report, Arc<[PairView]>);
type Cell = Arc<Mutex<Option<Shared>>>;

static RESULTS: Mutex<Option<HashMap<String, Cell>>> = Mutex::new(None);

/// The comparison of `baseline` and `followup` with `options`: computed by `compute` the first
/// time, a copy of that result afterwards. Only successes are kept (a cancelled run is not a
/// result); concurrent jobs for the same input wait for the first one.
pub(super) fn comparison(
    baseline: &Path,
    followup: &Path,
    options: &CompareOptions,
    progress: &Progress,
    compute: impl FnOnce(&Progress) -> Result<Comparison, String>,
) -> Result<Comparison, String> {
    let key = format!("{baseline:?} {followup:?} {options:?}");
    let cell: Cell = {
        let mut all = RESULTS.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(all.get_or_insert_with(HashMap::new).entry(key).or_default())
    };
    let mut slot = cell.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((report, views)) = slot.as_ref() {
        return Ok(Comparison {
            report: report.clone(),
            views: Arc::clone(views),
        });
    }
    let comparison = compute(progress)?;
    *slot = Some((comparison.report.clone(), Arc::clone(&comparison.views)));
    Ok(comparison)
}

/// A copy of the bundled sample pair in a fresh folder, so the comparison of it is computed
/// by the test that opens it, never shared.
pub(super) fn private_sample_pair() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (baseline, followup) = super::sample_pair();
    for (from, to) in [(baseline, "baseline"), (followup, "followup")] {
        copy_tree(&from, &dir.path().join(to));
    }
    let (b, f) = (dir.path().join("baseline"), dir.path().join("followup"));
    (dir, b, f)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}
