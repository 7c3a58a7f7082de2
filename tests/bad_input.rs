//! Bad input never crashes and never hides the good input: every malformed file, odd series or
//! impossible geometry is reported with the file and the problem, and the rest still loads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::path::{Path, PathBuf};

use dicom_core::VR;
use dicom_dictionary_std::tags;
use tandem::dicom::{Scan, load_series, scan_paths};
use tandem::progress::Progress;
use tandem::synth::Encoding;

/// A copy of the small baseline FLAIR series in its own folder.
fn flair_copy(encoding: Encoding) -> (tempfile::TempDir, tempfile::TempDir, Vec<PathBuf>) {
    let (pair, _) = common::small_pair(encoding);
    let dir = tempfile::tempdir().unwrap();
    let files = common::copy_series(&pair.path().join("baseline/FLAIR_3D"), dir.path());
    (pair, dir, files)
}

fn scan(dir: &Path) -> Scan {
    scan_paths(&[dir.to_path_buf()], &Progress::new())
}

/// The single series' stack error.
fn stack_error(scan: &Scan) -> String {
    let series: Vec<_> = scan.all_series().collect();
    assert_eq!(series.len(), 1, "{series:#?}");
    series[0]
        .stack
        .clone()
        .expect_err("series should be refused")
        .to_string()
}

fn problem_for<'a>(scan: &'a Scan, file: &Path) -> &'a str {
    &scan
        .problems
        .iter()
        .find(|p| p.path == file)
        .unwrap_or_else(|| {
            panic!(
                "no problem listed for {}: {:?}",
                file.display(),
                scan.problems
            )
        })
        .problem
}

#[test]
fn non_dicom_and_truncated_files_are_listed_and_the_series_still_loads() {
    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    let notes = dir.path().join("README.TXT");
    std::fs::write(&notes, "not an image").unwrap();
    // Cut the last file inside its header: it becomes unreadable, and the series shorter by
    // one slice at its end (still regular).
    let last = files.last().unwrap();
    let bytes = std::fs::read(last).unwrap();
    std::fs::write(last, &bytes[..300]).unwrap();
    let scan = scan(dir.path());
    assert!(problem_for(&scan, &notes).contains("not a readable DICOM file"));
    assert!(
        problem_for(&scan, last).contains("DICOM"),
        "{:?}",
        scan.problems
    );
    let series = scan.all_series().next().unwrap();
    let volume = load_series(series, &Progress::new()).unwrap();
    assert_eq!(volume.dims()[2], files.len() - 1);
}

#[test]
fn truncated_pixel_data_is_named() {
    // Grossly short pixel data is refused by the scan (the header alone proves it); a few
    // missing bytes are found when the file is decoded. Either way the file is named.
    for cut in [6000, 10] {
        let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
        let victim = &files[0];
        let bytes = std::fs::read(victim).unwrap();
        std::fs::write(victim, &bytes[..bytes.len() - cut]).unwrap();
        let scan = scan(dir.path());
        let message = match scan.problems.iter().find(|p| &p.path == victim) {
            Some(p) => p.problem.clone(),
            None => {
                let series = scan.all_series().next().unwrap();
                load_series(series, &Progress::new())
                    .unwrap_err()
                    .to_string()
            }
        };
        assert!(
            message.contains("pixel data shorter than declared"),
            "{message}"
        );
        assert!(message.contains("IM0001") || scan.problems.iter().any(|p| &p.path == victim));
    }
}

#[test]
fn absurd_dimensions_are_refused() {
    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    common::edit(&files[3], |obj| {
        obj.put(dicom_core::DataElement::new(
            tags::ROWS,
            VR::US,
            dicom_core::PrimitiveValue::from(60000u16),
        ));
    });
    common::edit(&files[4], |obj| {
        common::put_str(obj, tags::NUMBER_OF_FRAMES, VR::IS, "2000000000")
    });
    let scan = scan(dir.path());
    assert!(problem_for(&scan, &files[3]).contains("Rows = 60000"));
    assert!(problem_for(&scan, &files[4]).contains("Number of Frames"));
}

#[test]
fn a_missing_slice_is_named() {
    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    std::fs::remove_file(&files[10]).unwrap();
    let error = stack_error(&scan(dir.path()));
    assert!(error.contains("1 missing slice"), "{error}");
    assert!(
        error.contains("IM0010") && error.contains("IM0012"),
        "{error}"
    );
}

#[test]
fn duplicate_positions_are_named() {
    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    let copy = dir.path().join("COPY");
    std::fs::copy(&files[5], &copy).unwrap();
    common::edit(&copy, |obj| {
        common::put_str(obj, tags::SOP_INSTANCE_UID, VR::UI, "2.25.1")
    });
    let error = stack_error(&scan(dir.path()));
    assert!(error.contains("duplicate slice position"), "{error}");
    assert!(
        error.contains("COPY") && error.contains("IM0006"),
        "{error}"
    );
}

#[test]
fn uneven_spacing_and_shear_are_refused() {
    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    common::edit(&files[20], |obj| {
        let mut p = common::get_ds(obj, tags::IMAGE_POSITION_PATIENT);
        p[2] += 1.2;
        common::put_ds(obj, tags::IMAGE_POSITION_PATIENT, &p);
    });
    let error = stack_error(&scan(dir.path()));
    assert!(error.contains("uneven slice spacing"), "{error}");

    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    common::edit(&files[20], |obj| {
        let mut p = common::get_ds(obj, tags::IMAGE_POSITION_PATIENT);
        p[0] += 2.0;
        common::put_ds(obj, tags::IMAGE_POSITION_PATIENT, &p);
    });
    let error = stack_error(&scan(dir.path()));
    assert!(
        error.contains("shifted") && error.contains("IM0021"),
        "{error}"
    );
}

#[test]
fn mixed_orientations_split_the_series() {
    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    for f in &files[..3] {
        common::edit(f, |obj| {
            common::put_ds(
                obj,
                tags::IMAGE_ORIENTATION_PATIENT,
                &[1.0, 0.0, 0.0, 0.0, 0.0, -1.0],
            )
        });
    }
    let scan = scan(dir.path());
    let series: Vec<_> = scan.all_series().collect();
    assert_eq!(series.len(), 2);
    assert!(series.iter().all(|s| s.id.contains('#')));
    assert!(
        series
            .iter()
            .all(|s| s.warnings.iter().any(|w| w.contains("split")))
    );
    let sizes: Vec<usize> = series.iter().map(|s| s.files.len()).collect();
    assert!(sizes.contains(&3) && sizes.contains(&(files.len() - 3)));
    // The large part is still a regular volume.
    let big = series.iter().find(|s| s.files.len() > 3).unwrap();
    assert!(load_series(big, &Progress::new()).is_ok());
}

#[test]
fn missing_or_degenerate_geometry_is_named() {
    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    common::edit(&files[7], |obj| {
        obj.remove_element(tags::IMAGE_POSITION_PATIENT);
    });
    let error = stack_error(&scan(dir.path()));
    assert!(
        error.contains("IM0008") && error.contains("Image Position"),
        "{error}"
    );

    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    for f in &files {
        common::edit(f, |obj| {
            common::put_ds(
                obj,
                tags::IMAGE_ORIENTATION_PATIENT,
                &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            )
        });
    }
    let error = stack_error(&scan(dir.path()));
    assert!(error.contains("not two orthogonal directions"), "{error}");
}

#[test]
fn errors_and_problems_never_carry_patient_identifiers() {
    let (_pair, dir, files) = flair_copy(Encoding::ExplicitLittleEndian);
    std::fs::remove_file(&files[10]).unwrap();
    let bytes = std::fs::read(&files[0]).unwrap();
    std::fs::write(&files[0], &bytes[..bytes.len() - 10]).unwrap();
    let scan = scan(dir.path());
    let mut texts: Vec<String> = scan.problems.iter().map(|p| p.problem.clone()).collect();
    texts.extend(
        scan.all_series()
            .filter_map(|s| s.stack.as_ref().err().map(ToString::to_string)),
    );
    std::fs::copy(&files[11], &files[10]).unwrap();
    common::edit(&files[10], |obj| {
        let mut p = common::get_ds(obj, tags::IMAGE_POSITION_PATIENT);
        p[2] -= 3.0;
        common::put_ds(obj, tags::IMAGE_POSITION_PATIENT, &p);
        common::put_str(obj, tags::SOP_INSTANCE_UID, VR::UI, "2.25.2");
    });
    let scan = scan_paths(&[dir.path().to_path_buf()], &Progress::new());
    let series = scan.all_series().next().unwrap();
    texts.push(
        load_series(series, &Progress::new())
            .unwrap_err()
            .to_string(),
    );
    assert!(texts.len() >= 2);
    for text in texts {
        assert!(
            !text.contains("SYNTHETIC") && !text.contains("TANDEM-SYN"),
            "{text}"
        );
    }
}

#[test]
fn corrupted_files_never_panic() {
    // Truncations and byte flips of a compressed and an uncompressed slice, each scanned and
    // loaded: any outcome but a panic is fine.
    for encoding in [Encoding::JpegLsLossless, Encoding::ExplicitLittleEndian] {
        let (_pair, dir, files) = flair_copy(encoding);
        let original = std::fs::read(&files[30]).unwrap();
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("slice");
        let len = original.len();
        let mut variants: Vec<Vec<u8>> =
            (1..40).map(|i| original[..len * i / 40].to_vec()).collect();
        for i in 0..60usize {
            let mut flipped = original.clone();
            let at = (i * 7919 + 131) % len;
            flipped[at] ^= 0x5A;
            flipped[(at * 3) % len] = 0xFF;
            variants.push(flipped);
        }
        for bytes in variants {
            std::fs::write(&target, &bytes).unwrap();
            let scan = scan_paths(std::slice::from_ref(&target), &Progress::new());
            for series in scan.all_series() {
                let _ = load_series(series, &Progress::new());
            }
        }
        drop(dir);
    }
}

#[test]
fn cancelled_loads_stop_with_cancelled() {
    let (_pair, dir, _files) = flair_copy(Encoding::ExplicitLittleEndian);
    let scan = scan(dir.path());
    let progress = Progress::new();
    progress.cancel();
    let result = load_series(scan.all_series().next().unwrap(), &progress);
    assert!(matches!(result, Err(tandem::Error::Cancelled)));
}

#[test]
fn a_cut_compressed_frame_is_called_truncated() {
    let (_pair, dir, files) = flair_copy(Encoding::JpegLsLossless);
    let victim = &files[30];
    let bytes = std::fs::read(victim).unwrap();
    std::fs::write(victim, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let scan = scan(dir.path());
    let series = scan.all_series().next().unwrap();
    let error = load_series(series, &Progress::new())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("IM0031") && error.contains("truncated"),
        "{error}"
    );
}

/// An RLE file (written by dcmtk, from the external fixtures) with its segment table rewritten
/// by `edit`, which gets the fragment's header as 16 little-endian words.
fn rle_with_table(edit: impl Fn(&mut [u32; 16])) -> (tempfile::TempDir, PathBuf) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/external/rle/IM7");
    let mut bytes = std::fs::read(source).unwrap();
    // 16-bit greyscale: two segments, the first at 64.
    let header = [2u32, 64].map(u32::to_le_bytes).concat();
    let at = bytes
        .windows(header.len())
        .position(|w| w == header.as_slice())
        .expect("the RLE header");
    let mut words = [0u32; 16];
    for (n, w) in words.iter_mut().enumerate() {
        let b = &bytes[at + 4 * n..at + 4 * n + 4];
        *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    edit(&mut words);
    for (n, w) in words.iter().enumerate() {
        bytes[at + 4 * n..at + 4 * n + 4].copy_from_slice(&w.to_le_bytes());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("IM7");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn a_corrupt_rle_segment_is_an_error_naming_the_file_not_a_crash() {
    // A first segment of two bytes decodes to far fewer bytes than the frame needs: dicom-rs
    // 0.10's RLE adapter indexes past its buffer and panics (found by fuzzing, issue #11).
    let (_dir, path) = rle_with_table(|w| w[2] = 66);
    let error = tandem::dicom::decode_file(&path).unwrap_err().to_string();
    assert!(
        error.contains("IM7") && error.contains("decoder failed"),
        "{error}"
    );
    // The command line says so as that file's problem, with no "thread panicked" and no
    // backtrace even when one is asked for (symbolising it took 250 MB per corrupt file).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["info", "--load", "--peak-memory"])
        .arg(&path)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stdout.contains("IM7: pixel data could not be decoded"),
        "{stdout}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let peak = tandem::fuzz::child::peak_reported(&stderr).unwrap_or(0);
    assert!(peak < 64 * 1024, "{peak} KiB");
    // A segment count no RLE frame can have is refused before any decoder sees it.
    for count in [0, 16, u32::MAX] {
        let (_dir, path) = rle_with_table(|w| w[0] = count);
        let error = tandem::dicom::decode_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("IM7") && error.contains(&format!("declares {count} segments")),
            "{error}"
        );
    }
    // Offsets out of order or past the fragment's end.
    let (_dir, path) = rle_with_table(|w| w[2] = 1 << 30);
    let error = tandem::dicom::decode_file(&path).unwrap_err().to_string();
    assert!(error.contains("broken segment table"), "{error}");
}

/// The fuzzing harness's hang (issue #11, execution 410,099 of key 3): a lossless JPEG whose
/// frame header (SOF3) declares 32,816 × 65,320 pixels in a 48 × 40 series kept jpeg-decoder
/// busy for minutes. The frame's size is checked against Rows × Columns before any codec.
#[test]
fn a_codestream_larger_than_its_header_is_refused_before_decoding() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let found = fixtures.join("fuzz/jpeg-lossless-sof-larger-than-rows-columns.dcm");
    let error = tandem::dicom::decode_file(&found).unwrap_err().to_string();
    assert!(
        error.contains("jpeg-lossless-sof-larger") && error.contains("declares 32816 × 65320"),
        "{error}"
    );
    // The same lie in each family's own header: SOF (JPEG), SOF55 (JPEG-LS), SIZ (JPEG 2000).
    for (series, marker, width_at) in [
        ("jpeg_lossless_sv1", &[0xFF, 0xC3][..], 7),
        ("jpeg_extended_12bit", &[0xFF, 0xC1][..], 7),
        ("jpegls_lossless", &[0xFF, 0xF7][..], 7),
        ("j2k_lossless", &[0xFF, 0x51][..], 8),
    ] {
        let folder = fixtures.join("external").join(series);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut bytes = std::fs::read(&files[0]).unwrap();
        let at = bytes
            .windows(2)
            .position(|w| w == marker)
            .unwrap_or_else(|| panic!("{series}: no {marker:02X?} marker"));
        // Width: 2 bytes (JPEG family) or the low 2 of 4 bytes (SIZ's Xsiz), big-endian.
        bytes[at + width_at..at + width_at + 2].copy_from_slice(&4000u16.to_be_bytes());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("LIAR");
        std::fs::write(&path, bytes).unwrap();
        let error = tandem::dicom::decode_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("LIAR") && error.contains("codestream declares"),
            "{series}: {error}"
        );
    }
}

/// The fuzzing harness's memory find (issue #11, `--trace-memory` key 8, execution 22,956):
/// an item of undefined length inside a sequence of defined length, without its delimiter
/// there. dicom-rs read on past the sequence's end, out of step, to 894 MB at scan time; the
/// guard now refuses it by name before dicom-rs sees it.
#[test]
fn an_undelimited_item_in_a_defined_sequence_is_refused_at_scan() {
    let found = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz/enhanced-mr-undefined-item-in-defined-sequence.dcm");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ENHANCED");
    std::fs::copy(&found, &copy).unwrap();
    let scan = scan(dir.path());
    let problem = problem_for(&scan, &copy);
    assert!(
        problem.contains("undefined length in sequence (0020,9113) has no delimiter"),
        "{problem}"
    );
}
