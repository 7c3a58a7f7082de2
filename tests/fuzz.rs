//! A short run of the fuzzing harness (`cargo bench --bench fuzz` runs the long ones, issue
//! #11): 10,000 mutants of every seed kind (DICOM series in every transfer syntax we decode,
//! written by dcmtk, GDCM and pydicom; a DICOMDIR; a SEG, NIfTI masks and a session from a
//! comparison of the sample; a teaching case), with no panic. The seed set and mutations are
//! fixed by the key, so a failure here is reproducible with the same key. A few hundred DICOM
//! mutants are also read the way a reader's `tandem` reads them, one process each, whose peak
//! memory must stay within the 256 MiB.

use std::path::Path;
use std::time::Duration;

use tandem::fuzz::{Config, run, seeds::repository_seeds};

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
    let config = Config {
        key: 0x5EED,
        first: 0,
        executions: 10_000,
        work: scratch.path().join("work"),
        failures: Some(scratch.path().join("failures")),
        hang_after: Duration::from_secs(60),
        trace_memory: false,
        child: None,
    };
    let summary = run(&seeds, &config, &|_| {}).unwrap();
    assert_eq!(summary.executions, 10_000);
    assert!(
        summary.failures.is_empty(),
        "{:#?}",
        summary.failures_by_kind()
    );
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
    let config = Config {
        key: 0xC41D,
        first: 0,
        executions: 300,
        work: scratch.path().join("work"),
        failures: Some(scratch.path().join("failures")),
        hang_after: Duration::from_secs(60),
        trace_memory: false,
        child: Some(env!("CARGO_BIN_EXE_tandem").into()),
    };
    let summary = run(&seeds, &config, &|_| {}).unwrap();
    assert_eq!(summary.executions, 300);
    assert!(
        summary.child_peak_kib > 0,
        "the children reported their peak memory"
    );
    assert!(
        summary.failures.is_empty(),
        "{:#?}",
        summary.failures_by_kind()
    );
}
