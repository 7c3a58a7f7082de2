//! Valid but hostile inputs (issue #11): a file grown to gigabytes, a data set larger than
//! Tandem reads, symbolic-link loops, thousands of tiny files, a folder that cannot be read.
//! Each is named with its problem or read as far as it makes sense; nothing hangs or balloons.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tandem::dicom::{load_series, scan_paths};
use tandem::progress::Progress;

/// A copy of the external implicit-VR series (six 48 × 40 slices, written by dcmtk).
fn series_copy() -> (tempfile::TempDir, Vec<PathBuf>) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/external/implicit_le");
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(source).unwrap() {
        let from = entry.unwrap().path();
        let to = dir.path().join(from.file_name().unwrap());
        std::fs::copy(&from, &to).unwrap();
        files.push(to);
    }
    files.sort();
    (dir, files)
}

fn load_only_series(dir: &Path) -> Result<tandem::pipeline::volume::Volume, tandem::Error> {
    let scan = scan_paths(&[dir.to_path_buf()], &Progress::new());
    let series: Vec<_> = scan.all_series().collect();
    assert_eq!(series.len(), 1, "{:#?}", scan.problems);
    load_series(series[0], &Progress::new())
}

/// A slice followed by 4 GiB of zeros (sparse: no disk is used) loads from what its pixel data
/// needs: the read stops where Pixel Data ends. Before, the file was read whole twice and
/// dicom-rs parsed the zeros for minutes at 4.2 GB resident.
#[test]
fn a_file_grown_to_4_gib_loads_from_the_bytes_its_data_set_holds() {
    let (dir, files) = series_copy();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&files[0])
        .unwrap();
    file.set_len(4 << 30).unwrap();
    let volume = load_only_series(dir.path()).unwrap();
    assert_eq!(volume.dims(), [48, 40, 6]);
}

/// An element of 3 GiB before the pixel data (sparse) asks for more than one file may need
/// read: refused with the file's name and the limit, before any of it is read.
#[test]
fn a_data_set_beyond_what_tandem_reads_is_refused_by_name() {
    let (dir, files) = series_copy();
    let bytes = std::fs::read(&files[0]).unwrap();
    // Implicit VR little endian: Pixel Data's tag is E0 7F 10 00.
    let pixels = bytes
        .windows(4)
        .rposition(|w| w == [0xE0, 0x7F, 0x10, 0x00])
        .unwrap();
    let huge: u32 = 3 << 30;
    let mut file = std::fs::File::create(&files[0]).unwrap();
    file.write_all(&bytes[..pixels]).unwrap();
    // A private element (0009,1010) of `huge` bytes, then the pixel data after it.
    file.write_all(&[0x09, 0x00, 0x10, 0x10]).unwrap();
    file.write_all(&huge.to_le_bytes()).unwrap();
    file.seek(SeekFrom::Current(i64::from(huge))).unwrap();
    file.write_all(&bytes[pixels..]).unwrap();
    drop(file);
    let error = load_only_series(dir.path()).unwrap_err().to_string();
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        error.contains(&name) && error.contains("MiB Tandem reads from one file"),
        "{error}"
    );
}

/// Links to the folder itself and to its parent (loops for a walk that follows them) and a
/// dangling link: the scan ends, the series loads, and the links are not read as files.
#[cfg(unix)]
#[test]
fn symbolic_link_loops_are_not_followed() {
    let (dir, _) = series_copy();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("self")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("parent")).unwrap();
    std::os::unix::fs::symlink("nowhere", dir.path().join("dangling")).unwrap();
    std::os::unix::fs::symlink("loop-b", dir.path().join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", dir.path().join("loop-b")).unwrap();
    let scan = scan_paths(&[dir.path().to_path_buf()], &Progress::new());
    assert_eq!(scan.files_seen, 6, "{:#?}", scan.problems);
    let volume = load_only_series(dir.path()).unwrap();
    assert_eq!(volume.dims(), [48, 40, 6]);
    // A loop given as the path itself is named, not followed.
    let scan = scan_paths(&[dir.path().join("loop-a")], &Progress::new());
    assert_eq!(scan.problems.len(), 1, "{:#?}", scan.problems);
}

/// 10,000 tiny files that are not DICOM beside the series: each is listed with its problem and
/// the series still loads (one pass, in parallel; no file is read past its first bytes).
#[test]
fn ten_thousand_tiny_files_are_listed_and_the_series_loads() {
    let (dir, _) = series_copy();
    let junk = dir.path().join("junk");
    std::fs::create_dir(&junk).unwrap();
    for n in 0..10_000 {
        std::fs::write(junk.join(format!("f{n:05}")), [n as u8; 16]).unwrap();
    }
    let scan = scan_paths(&[dir.path().to_path_buf()], &Progress::new());
    assert_eq!(scan.files_seen, 10_006);
    assert_eq!(scan.problems.len(), 10_000);
    assert!(
        scan.problems
            .iter()
            .all(|p| p.path.starts_with(&junk) && !p.problem.is_empty())
    );
    let volume = load_only_series(dir.path()).unwrap();
    assert_eq!(volume.dims(), [48, 40, 6]);
}

/// A folder that cannot be read is named with the system's reason; the rest loads. (Run as
/// root, permissions do not bind and the folder reads: then only the loading is checked.)
#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_named_and_the_rest_loads() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, _) = series_copy();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("inside"), b"x").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let binding = std::fs::read_dir(&locked).is_err();
    let scan = scan_paths(&[dir.path().to_path_buf()], &Progress::new());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    if binding {
        let problem = scan
            .problems
            .iter()
            .find(|p| p.path == locked)
            .unwrap_or_else(|| panic!("{:#?}", scan.problems));
        assert!(problem.problem.contains("ermission"), "{problem:?}");
    }
    let volume = load_only_series(dir.path()).unwrap();
    assert_eq!(volume.dims(), [48, 40, 6]);
}

/// Files that change between the scan and the load (a copy still running, a medium swapped):
/// each is named with what is wrong with it now, never read as what the scan saw.
#[test]
fn a_file_changed_after_the_scan_is_named_at_load() {
    let (dir, files) = series_copy();
    let scan = scan_paths(&[dir.path().to_path_buf()], &Progress::new());
    let series = scan.all_series().next().unwrap().clone();
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    // Cut in half: the pixel data is short now.
    let bytes = std::fs::read(&files[1]).unwrap();
    std::fs::write(&files[1], &bytes[..bytes.len() / 2]).unwrap();
    let error = load_series(&series, &Progress::new())
        .unwrap_err()
        .to_string();
    assert!(error.contains(&name(&files[1])), "{error}");
    std::fs::write(&files[1], &bytes).unwrap();
    // Another image in its place: another size than the series'.
    let other = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/baseline/FLAIR_3D/IM0001");
    std::fs::copy(&other, &files[2]).unwrap();
    let error = load_series(&series, &Progress::new())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&name(&files[2])) && error.contains("changed since the scan"),
        "{error}"
    );
}

/// A cancelled scan stops while it is still listing the folder (a huge tree on a slow share
/// takes minutes to list): nothing is read.
#[test]
fn a_cancelled_scan_stops_listing() {
    let (dir, _) = series_copy();
    let progress = Progress::new();
    progress.cancel();
    let scan = scan_paths(&[dir.path().to_path_buf()], &progress);
    assert_eq!(scan.files_seen, 0, "{:#?}", scan.problems);
}
