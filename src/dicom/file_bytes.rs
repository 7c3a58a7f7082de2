//! A file's bytes, read once and only as far as its data set goes, checked by the guard, for
//! dicom-rs to parse from memory.
//!
//! Why: a 5 KB slice followed by 4 GB of zeros (a file grown by a broken copy, or a hostile
//! one) was read whole, twice (the guard, then dicom-rs), and dicom-rs then parsed the zeros as
//! half a billion empty elements: 4.2 GB resident and minutes of work (issue #11). Nothing
//! Tandem reads follows Pixel Data (only trailing padding and digital signatures may), so the
//! read stops where the top level's Pixel Data ends: at its declared length, or at the
//! delimiter after its fragments, found by reading only their 8-byte headers.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, OpenFileOptions, ReadError};

use super::guard::{HEADER_PREFIX, PixelsAt, check_lengths, fault_error, walk};
use crate::error::{Error, Result};

/// The most bytes one file may need read (its data set through Pixel Data): far above any MR
/// object (a 1,000-frame 512 × 512 enhanced MR is 500 MB), far below what would exhaust the
/// machine when a few files are read in parallel.
pub const MAX_READ: u64 = 2 << 30;

/// At most this many fragment headers are read to find where encapsulated pixel data ends;
/// past them the rest of the file is read (and still bounded by `MAX_READ`).
const MAX_FRAGMENTS: usize = 1 << 20;

/// The bytes of the file at `path` through its top level's Pixel Data (the whole file when it
/// has none, or when its data set is deflated), every element header checked by the guard.
pub fn read_checked(path: &Path) -> Result<Vec<u8>> {
    let io = |e| Error::io(path, e);
    let file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let mut reader = BufReader::new(file);
    let mut bytes = Vec::new();
    (&mut reader)
        .take(HEADER_PREFIX)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let pixels = walk(&bytes, file_len, true).map_err(|fault| fault_error(path, fault))?;
    let end = match pixels {
        Some(at) if at.length != u32::MAX => (at.value_start as u64)
            .saturating_add(u64::from(at.length))
            .min(file_len),
        Some(at) => fragments_end(&mut reader, at, file_len).map_err(io)?,
        None => file_len,
    };
    if end > MAX_READ {
        return Err(Error::Limits {
            subject: path.display().to_string(),
            problem: format!(
                "its data set is {} MiB, more than the {} MiB Tandem reads from one file",
                end >> 20,
                MAX_READ >> 20
            ),
        });
    }
    let held = bytes.len() as u64;
    if end <= held {
        bytes.truncate(end as usize);
    } else {
        reader.seek(SeekFrom::Start(held)).map_err(io)?;
        bytes
            .try_reserve_exact((end - held) as usize)
            .map_err(|_| Error::Limits {
                subject: path.display().to_string(),
                problem: format!("{} MiB do not fit in memory", end >> 20),
            })?;
        reader
            .take(end - held)
            .read_to_end(&mut bytes)
            .map_err(io)?;
    }
    check_lengths(&bytes, bytes.len() as u64, false).map_err(|fault| fault_error(path, fault))?;
    Ok(bytes)
}

/// `bytes` (from `read_checked`) parsed by dicom-rs as `open_file` parses a file, its preamble
/// skipped when there is one; only the header (before Pixel Data) with `until_pixels`.
pub fn parse(
    bytes: &[u8],
    until_pixels: bool,
) -> std::result::Result<DefaultDicomObject, ReadError> {
    let preamble = if bytes.get(128..132) == Some(b"DICM") {
        ReadPreamble::Always
    } else {
        ReadPreamble::Never
    };
    let options = OpenFileOptions::new().read_preamble(preamble);
    let options = if until_pixels {
        options.read_until(tags::PIXEL_DATA)
    } else {
        options
    };
    options.from_reader(bytes)
}

/// Where encapsulated pixel data starting at `at` ends: after its sequence delimiter, found by
/// reading each fragment's item header and skipping its value. Where that walk meets anything
/// else (or the end of the file, or `MAX_FRAGMENTS`), the end of the file: the guard's walk of
/// the bytes then says what is wrong, if anything.
fn fragments_end(
    reader: &mut BufReader<std::fs::File>,
    at: PixelsAt,
    file_len: u64,
) -> std::io::Result<u64> {
    let mut position = at.value_start as u64;
    reader.seek(SeekFrom::Start(position))?;
    for _ in 0..MAX_FRAGMENTS {
        let mut header = [0u8; 8];
        if position + 8 > file_len || reader.read_exact(&mut header).is_err() {
            return Ok(file_len);
        }
        let word = |i: usize| {
            let b = [header[i], header[i + 1]];
            if at.big_endian {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            }
        };
        let length = if at.big_endian {
            u32::from_be_bytes([header[4], header[5], header[6], header[7]])
        } else {
            u32::from_le_bytes([header[4], header[5], header[6], header[7]])
        };
        position += 8;
        match (word(0), word(2)) {
            (0xFFFE, 0xE0DD) => return Ok(position),
            (0xFFFE, 0xE000) if position + u64::from(length) <= file_len => {
                position += u64::from(length);
                reader.seek_relative(i64::from(length))?;
            }
            _ => return Ok(file_len),
        }
    }
    Ok(file_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(series: &str) -> std::path::PathBuf {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/external")
            .join(series);
        let mut files: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files.remove(0)
    }

    /// Native and encapsulated pixel data alike: the bytes end where Pixel Data ends, whatever
    /// follows it in the file.
    #[test]
    fn the_read_stops_where_pixel_data_ends() {
        for series in ["implicit_le", "explicit_be", "jpegls_lossless", "rle"] {
            let source = fixture(series);
            let original = std::fs::read(&source).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let grown = dir.path().join("GROWN");
            let mut bytes = original.clone();
            bytes.extend(std::iter::repeat_n(0u8, 3 << 20));
            std::fs::write(&grown, &bytes).unwrap();
            let read = read_checked(&grown).unwrap();
            assert!(
                read.len() <= original.len() && read.len() + 64 >= original.len(),
                "{series}: read {} of {} (the original {})",
                read.len(),
                bytes.len(),
                original.len()
            );
            assert_eq!(read[..], original[..read.len()], "{series}");
        }
    }

    #[test]
    fn a_file_cut_in_its_pixel_data_is_refused_as_cut() {
        let source = fixture("implicit_le");
        let original = std::fs::read(&source).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cut = dir.path().join("CUT");
        std::fs::write(&cut, &original[..original.len() - 100]).unwrap();
        let error = read_checked(&cut).unwrap_err().to_string();
        assert!(
            error.contains("CUT") && error.contains("shorter"),
            "{error}"
        );
    }
}
