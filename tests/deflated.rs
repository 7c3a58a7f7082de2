//! Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99) series written by dcmtk's
//! `dcmconv +td` scan and load to exactly the voxels of the undeflated original, although each
//! file is smaller than the pixel data it declares; a deflated file cut short is still refused
//! with its name. The fixture and the script that made it live in tests/fixtures/deflated/.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use tandem::dicom::{Series, load_series, scan_paths};
use tandem::pipeline::volume::Volume;
use tandem::progress::Progress;

const DEFLATED: &str = "1.2.840.10008.1.2.1.99";
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

fn fixture(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/deflated")
        .join(folder)
}

/// Scans `dir`, which must hold exactly one series and nothing unreadable, and loads it.
fn scan_and_load(dir: &Path, syntax: &str) -> (Series, Volume) {
    let scan = scan_paths(&[dir.to_path_buf()], &Progress::new());
    assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    let series: Vec<_> = scan.all_series().cloned().collect();
    let [series] = series.as_slice() else {
        panic!("{} series in {}", series.len(), dir.display());
    };
    assert_eq!(series.transfer_syntaxes, [syntax.to_owned()]);
    let volume = load_series(series, &Progress::new()).unwrap();
    (series.clone(), volume)
}

#[test]
fn a_deflated_series_loads_bit_identical_to_its_source() {
    let (deflated_series, deflated) = scan_and_load(&fixture("deflated"), DEFLATED);
    let (_, source) = scan_and_load(&fixture("source"), EXPLICIT_LE);
    // The point of the fixture: every file is smaller than its pixel data.
    let stack = deflated_series.stack.as_ref().unwrap();
    let [columns, rows, _] = stack.dims;
    for slice in &stack.slices {
        let file_len = std::fs::metadata(&slice.file).unwrap().len();
        assert!(
            file_len < (columns * rows * 2) as u64,
            "{} ({file_len} bytes) no longer deflates below its pixel data",
            slice.file.display()
        );
    }
    assert_eq!(deflated.dims(), [128, 144, 3]);
    assert_eq!(deflated.dims(), source.dims());
    assert_eq!(deflated.geometry(), source.geometry());
    let differing = deflated
        .voxels()
        .iter()
        .zip(source.voxels())
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    assert_eq!(differing, 0, "voxels differ from the undeflated source");
    // Not a trivially empty image: the brain is there.
    assert!(source.voxels().iter().any(|v| *v > 100.0));
}

#[test]
fn a_cut_deflated_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("deflated")).unwrap() {
        let from = entry.unwrap().path();
        std::fs::copy(&from, dir.path().join(from.file_name().unwrap())).unwrap();
    }
    // Cut the middle file halfway through its deflated pixel data: the header still reads, so
    // the scan keeps it, and the load must name it rather than fill the slice with zeros.
    let victim = dir.path().join("IM0057");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let scan = scan_paths(&[dir.path().to_path_buf()], &Progress::new());
    assert!(
        scan.problems.is_empty(),
        "the header of a cut deflated file still reads: {:?}",
        scan.problems
    );
    let series = scan.all_series().next().unwrap();
    assert_eq!(series.frame_count(), 3);
    let message = load_series(series, &Progress::new())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("IM0057") && message.contains("pixel data shorter than declared"),
        "{message}"
    );
}
