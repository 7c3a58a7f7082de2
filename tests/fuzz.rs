//! A short run of the fuzzing harness (`cargo bench --bench fuzz` runs the long ones, issue
//! #11): 10,000 mutants of every seed kind (DICOM series in every transfer syntax we decode,
//! written by dcmtk, GDCM and pydicom; a DICOMDIR; a SEG, NIfTI masks and a session from a
//! comparison of the sample; a teaching case), with no panic. The seed set and mutations are
//! fixed by the key, so a failure here is reproducible with the same key. A few hundred DICOM
//! mutants are also read the way a reader's `tandem` reads them, one process each, whose peak
//! memory must stay within the 256 MiB.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tandem::fuzz::{Config, run, seeds::repository_seeds};

/// Runs `executions` mutants of `seeds` (children read them when `child` names the binary) and
/// checks every one ran and none failed.
fn run_without_failure(
    seeds: &[tandem::fuzz::targets::Seed],
    scratch: &Path,
    key: u64,
    executions: u64,
    child: Option<PathBuf>,
) -> tandem::fuzz::Summary {
    let config = Config {
        key,
        first: 0,
        executions,
        work: scratch.join("work"),
        failures: Some(scratch.join("failures")),
        hang_after: Duration::from_secs(60),
        trace_memory: false,
        child,
    };
    let summary = run(seeds, &config, &|_| {}).unwrap();
    assert_eq!(summary.executions, executions);
    assert!(
        summary.failures.is_empty(),
        "{:#?}",
        summary.failures_by_kind()
    );
    summary
}

#[test]
fn ten_thousand_mutants_of_every_entry_point_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::tempdir().unwrap();
    let seeds = repository_seeds(root, &scratch.path().join("seeds"), true).unwrap();
    // Every kind of input is seeded.
    let mut kinds: Vec<_> = seeds.iter().map(|s| s.target).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    run_without_failure(&seeds, scratch.path(), 0x5EED, 10_000, None);
}

#[test]
fn mutants_read_by_their_own_tandem_process_stay_within_the_memory_bound() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::tempdir().unwrap();
    let seeds: Vec<_> = repository_seeds(root, &scratch.path().join("seeds"), false)
        .unwrap()
        .into_iter()
        .filter(|s| s.target.is_dicom())
        .collect();
    assert!(seeds.len() >= 10, "{} DICOM seeds", seeds.len());
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_tandem"));
    let summary = run_without_failure(&seeds, scratch.path(), 0xC41D, 300, Some(binary));
    if tandem::memory::peak_resident_kib().is_some() {
        assert!(
            summary.child_peak_kib > 0,
            "the children reported their peak memory"
        );
    }
}
