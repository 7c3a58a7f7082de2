//! Media with a DICOMDIR (written by dcmtk's dcmmkdir, see tests/fixtures/dicomdir/make.sh):
//! opening the DICOMDIR reads exactly the files it references; scanning the folder reads every
//! file and treats the DICOMDIR itself as an index, not as a broken image.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use tandem::dicom::{load_series, scan_paths};
use tandem::progress::Progress;

fn medium() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dicomdir/medium")
}

#[test]
fn a_dicomdir_yields_the_files_it_references() {
    let scan = scan_paths(&[medium().join("DICOMDIR")], &Progress::new());
    assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    assert_eq!(scan.files_seen, 6);
    let series: Vec<_> = scan.all_series().collect();
    assert_eq!(series.len(), 1);
    let volume = load_series(series[0], &Progress::new()).unwrap();
    assert_eq!(volume.dims(), [48, 40, 6]);
}

#[test]
fn scanning_the_folder_skips_the_dicomdir_and_lists_strays() {
    let scan = scan_paths(&[medium()], &Progress::new());
    assert_eq!(scan.all_series().count(), 1);
    assert_eq!(scan.problems.len(), 1, "{:?}", scan.problems);
    assert!(scan.problems[0].path.ends_with("AUTORUN.INF"));
}

#[test]
fn a_missing_referenced_file_is_named_and_the_rest_loads() {
    let copy = tempfile::tempdir().unwrap();
    let root = copy.path();
    std::fs::create_dir_all(root.join("DICOM/ST1/SE1")).unwrap();
    std::fs::copy(medium().join("DICOMDIR"), root.join("DICOMDIR")).unwrap();
    for i in [1, 2, 3, 4, 5] {
        let rel = format!("DICOM/ST1/SE1/IM{i}");
        std::fs::copy(medium().join(&rel), root.join(&rel)).unwrap();
    }
    let scan = scan_paths(&[root.join("DICOMDIR")], &Progress::new());
    assert_eq!(scan.problems.len(), 1, "{:?}", scan.problems);
    assert!(scan.problems[0].path.ends_with("IM6"));
    assert_eq!(scan.all_series().next().unwrap().files.len(), 5);
}

/// A DICOMDIR whose Referenced File ID climbs out of its medium ("..") is refused as a whole,
/// by name, before any file outside the folder is opened (issue #11).
#[test]
fn a_dicomdir_pointing_outside_its_folder_is_refused() {
    let copy = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(medium().join("DICOMDIR")).unwrap();
    let from = br"DICOM\ST1\SE1\IM4";
    let to = br"..\..\..\..\..\IM";
    assert_eq!(from.len(), to.len());
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    bytes[at..at + to.len()].copy_from_slice(to);
    let dicomdir = copy.path().join("DICOMDIR");
    std::fs::write(&dicomdir, bytes).unwrap();
    let scan = scan_paths(std::slice::from_ref(&dicomdir), &Progress::new());
    assert_eq!(scan.files_seen, 0);
    assert_eq!(scan.problems.len(), 1, "{:?}", scan.problems);
    assert!(
        scan.problems[0].path == dicomdir && scan.problems[0].problem.contains("not a plain path"),
        "{:?}",
        scan.problems
    );
}
