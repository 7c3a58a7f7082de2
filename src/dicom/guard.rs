//! A walk over a file's element headers before any parser allocates for them: every defined
//! length must fit in the bytes that are left, so no value can ask for more memory than the file
//! holds.
//!
//! Why: dicom-rs 0.10 sizes a string value's buffer from its header without `try_reserve`, so
//! one corrupted length field (found by fuzzing, issue #11: 4,294,967,100 bytes in an implicit
//! VR header) aborted the process with "memory allocation failed", or, where memory is
//! overcommitted, made it resident at 4.2 GB before the read failed. A length that runs past the
//! end of the file can never be read anyway: refusing it up front costs one pass over the
//! headers (values are skipped, not read) and names the element and its offset.
//!
//! The walk follows nesting (sequences, items, encapsulated pixel data, defined or undefined
//! length) so nested headers are checked too; it does not check what the values say.

use std::io::Read;
use std::path::Path;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_dictionary_std::uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN as DEFLATED_SYNTAX;

use crate::error::{Error, Result};

/// Largest dataset a deflated file may inflate to (bytes): far above any MR slice or
/// multi-frame series, far below a deflate bomb's gigabytes.
pub const MAX_INFLATED: u64 = 1 << 30;

/// The most deflate can inflate one byte to (RFC 1951: a 258-byte match per 2 bits, about
/// 1032:1).
const DEFLATE_MAX_RATIO: usize = 1032;

const UNDEFINED: u32 = u32::MAX;
const ITEM: Tag = Tag(0xFFFE, 0xE000);
const ITEM_END: Tag = Tag(0xFFFE, 0xE00D);
const SEQUENCE_END: Tag = Tag(0xFFFE, 0xE0DD);
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

/// How the data set after the file meta group is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Encoding {
    explicit: bool,
    big_endian: bool,
}

/// Why a file's headers cannot be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// A header or value runs past its file or container, or the nesting is broken.
    Structure(String),
    /// The pixel data (native or its fragments) ends before its declared length: the file was
    /// cut short after a header that reads.
    PixelsCut(String),
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Structure(s) | Fault::PixelsCut(s) => f.write_str(s),
        }
    }
}

impl From<String> for Fault {
    fn from(s: String) -> Self {
        Fault::Structure(s)
    }
}

/// How much of a file `check_header` reads when only the header matters (the scan): headers are
/// kilobytes; a walk that runs past this prefix stops there, undecided.
pub const HEADER_PREFIX: u64 = 4 << 20;

/// Checks the element headers of the file at `path` before Pixel Data, as far as its first
/// `HEADER_PREFIX` bytes reach (the scan). The error names the file. Loading reads and checks
/// the whole data set with `file_bytes::read_checked`.
pub fn check_header(path: &Path) -> Result<()> {
    let io = |e| Error::io(path, e);
    let file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let mut bytes = Vec::new();
    file.take(HEADER_PREFIX)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    check_lengths(&bytes, file_len, true).map_err(|fault| fault_error(path, fault))
}

/// A fault as the error that names its file: a broken structure is not DICOM we can read, pixel
/// data cut short cannot be decoded.
pub(super) fn fault_error(path: &Path, fault: Fault) -> Error {
    match fault {
        Fault::Structure(reason) => Error::NotDicom {
            path: path.to_owned(),
            reason,
        },
        Fault::PixelsCut(reason) => Error::Decode {
            path: path.to_owned(),
            reason,
        },
    }
}

/// Checks the element headers in `bytes`, the first bytes of a file of `file_len` bytes
/// (preamble included), stopping at the top level's Pixel Data when `until_pixels`. `Err` says
/// which element's length cannot be right, and where.
pub fn check_lengths(bytes: &[u8], file_len: u64, until_pixels: bool) -> Result<(), Fault> {
    walk(bytes, file_len, until_pixels).map(|_| ())
}

/// Where the top level's Pixel Data value starts (bytes from the start of the file), its
/// length as declared (`u32::MAX`: encapsulated) and its byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelsAt {
    pub value_start: usize,
    pub length: u32,
    pub big_endian: bool,
}

/// `check_lengths`, also saying where the top level's Pixel Data is, when the walk reached it
/// in the file's own bytes (never in a deflated data set).
pub(super) fn walk(
    bytes: &[u8],
    file_len: u64,
    until_pixels: bool,
) -> Result<Option<PixelsAt>, Fault> {
    let start = if bytes.get(128..132) == Some(b"DICM") {
        132
    } else {
        0
    };
    let file_len = usize::try_from(file_len).unwrap_or(usize::MAX);
    let mut walker = Walker {
        bytes,
        whole: bytes.len() >= file_len,
        at: start,
        // The file meta group: explicit VR little endian, group 0002 only.
        encoding: Encoding {
            explicit: true,
            big_endian: false,
        },
        until_pixels,
        pixels: None,
    };
    let mut syntax = String::new();
    // The meta group ends where its group length says (as dicom-rs reads it), or, without one,
    // at the first element of another group. Inside that extent every element is group 0002:
    // a fuzz-found file had Pixel Data's tag there, and a walk that took it for the end of the
    // meta group passed a length dicom-rs then allocated 300 MB for.
    let mut meta_end: Option<usize> = None;
    while meta_end.map_or(walker.u16_at(walker.at) == Some(0x0002), |end| {
        walker.at < end
    }) {
        let Some(header) = walker.header()? else {
            return Ok(None);
        };
        if header.tag.group() != 0x0002 {
            return Err(Fault::Structure(format!(
                "the file meta group holds {} at byte {}",
                header.tag,
                walker.at.saturating_sub(8)
            )));
        }
        let end = walker.end_of(&header, file_len)?;
        if header.tag == Tag(0x0002, 0x0000) && meta_end.is_none() {
            let length = walker.u32_at(walker.at).unwrap_or(0) as usize;
            meta_end = Some(end.saturating_add(length));
        }
        if header.tag == Tag(0x0002, 0x0010) {
            let value = bytes.get(walker.at..end).unwrap_or_default();
            syntax = String::from_utf8_lossy(value)
                .trim_end_matches(['\0', ' '])
                .to_owned();
        }
        walker.at = end;
    }
    walker.encoding = match syntax.as_str() {
        "1.2.840.10008.1.2" => Encoding {
            explicit: false,
            big_endian: false,
        },
        "1.2.840.10008.1.2.2" => Encoding {
            explicit: true,
            big_endian: true,
        },
        _ => walker.encoding,
    };
    if syntax != DEFLATED_SYNTAX {
        walker.data_set(file_len, 0)?;
        return Ok(walker.pixels);
    }
    // The scan needs only the header: it inflates no more than a header's prefix, and a
    // stream cut short (a file truncated in its pixel data) is the load's to refuse.
    let cap = if until_pixels {
        HEADER_PREFIX
    } else {
        MAX_INFLATED
    };
    let rest = bytes.get(walker.at..).unwrap_or_default();
    let mut inflated = Vec::new();
    let inflating = flate2::read::DeflateDecoder::new(rest)
        .take(cap + 1)
        .read_to_end(&mut inflated);
    let complete = match inflating {
        Ok(_) if inflated.len() as u64 > cap && !until_pixels => {
            return Err(Fault::Structure(format!(
                "the deflated data set inflates to more than {} MiB",
                MAX_INFLATED >> 20
            )));
        }
        Ok(_) => walker.whole && inflated.len() as u64 <= cap,
        Err(e) if !until_pixels => {
            return Err(Fault::PixelsCut(format!(
                "pixel data shorter than declared (the deflated data set ends early: {e})"
            )));
        }
        Err(_) => false,
    };
    // Where the stream is cut (or corrupt), no length can exceed what deflate's best ratio
    // (1032:1) makes of the bytes there are: a corrupt stream's garbage lengths were read by
    // dicom-rs for 1.6 GB.
    let inflated_len = if complete {
        inflated.len()
    } else {
        rest.len()
            .saturating_mul(DEFLATE_MAX_RATIO)
            .min(MAX_INFLATED as usize)
    };
    Walker {
        bytes: &inflated,
        whole: complete,
        at: 0,
        encoding: walker.encoding,
        until_pixels,
        pixels: None,
    }
    .data_set(inflated_len, 0)
    .map(|_| None)
}

/// One element header.
struct Header {
    tag: Tag,
    vr: Option<VR>,
    length: u32,
}

/// Nesting deeper than this is refused: no real file nests sequences more than a few levels,
/// and the walk recurses once per level.
const MAX_DEPTH: usize = 64;

/// How a walk of a data set, a sequence or pixel data ended without a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walked {
    /// To its end.
    Whole,
    /// To an item's delimiter (an item of undefined length must end with one).
    Delimited,
    /// At the top level's Pixel Data (with `until_pixels`) or the end of the bytes held.
    Stopped,
}

struct Walker<'a> {
    /// The file's bytes, or its first bytes (`whole` false): past them the walk stops.
    bytes: &'a [u8],
    whole: bool,
    at: usize,
    encoding: Encoding,
    until_pixels: bool,
    /// The top level's Pixel Data, once the walk has met it.
    pixels: Option<PixelsAt>,
}

impl Walker<'_> {
    fn u16_at(&self, at: usize) -> Option<u16> {
        let b = self.bytes.get(at..at.checked_add(2)?)?;
        let b = [*b.first()?, *b.get(1)?];
        Some(if self.encoding.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let (first, second) = (self.u16_at(at)?, self.u16_at(at + 2)?);
        Some(if self.encoding.big_endian {
            (u32::from(first) << 16) | u32::from(second)
        } else {
            (u32::from(second) << 16) | u32::from(first)
        })
    }

    /// The next header, the position moved past it. `Ok(None)` when it lies past the bytes
    /// held of a file that goes on (undecided); an error when the file itself ends in it.
    fn header(&mut self) -> Result<Option<Header>, Fault> {
        let at = self.at;
        let read = |value: Option<u32>| -> Result<Option<u32>, Fault> {
            match value {
                Some(v) => Ok(Some(v)),
                None if self.whole => Err(Fault::Structure(format!(
                    "an element header at byte {at} is cut off by the end of the file"
                ))),
                None => Ok(None),
            }
        };
        let (Some(group), Some(element)) = (
            read(self.u16_at(at).map(u32::from))?,
            read(self.u16_at(at + 2).map(u32::from))?,
        ) else {
            return Ok(None);
        };
        let tag = Tag(group as u16, element as u16);
        // Items and delimiters have no VR in any encoding; implicit VR has none at all.
        if tag.group() == 0xFFFE || !self.encoding.explicit {
            let Some(length) = read(self.u32_at(at + 4))? else {
                return Ok(None);
            };
            self.at = at + 8;
            return Ok(Some(Header {
                tag,
                vr: None,
                length,
            }));
        }
        // An unknown VR is read as UN (a 4-byte length after 2 reserved bytes), as dicom-rs
        // reads it: a walk that read it otherwise passed a length dicom-rs then allocated
        // gigabytes for (a fuzz-found LO length made odd, which shifts every header after it).
        let vr = self.bytes.get(at + 4..at + 6).map(|b| match b {
            [a, b] => VR::from_binary([*a, *b]).unwrap_or(VR::UN),
            _ => VR::UN,
        });
        let long = matches!(
            vr,
            Some(
                VR::OB
                    | VR::OD
                    | VR::OF
                    | VR::OL
                    | VR::OV
                    | VR::OW
                    | VR::SQ
                    | VR::SV
                    | VR::UC
                    | VR::UN
                    | VR::UR
                    | VR::UT
                    | VR::UV
            )
        );
        let (length, size) = if long {
            (read(self.u32_at(at + 8))?, 12)
        } else {
            (read(self.u16_at(at + 6).map(u32::from))?, 8)
        };
        let Some(length) = length else {
            return Ok(None);
        };
        self.at = at + size;
        Ok(Some(Header { tag, vr, length }))
    }

    /// Where the value of `header`, starting here, ends; an error unless that is by `limit`.
    fn end_of(&self, header: &Header, limit: usize) -> Result<usize, Fault> {
        let end = self.at.saturating_add(header.length as usize);
        if end > limit {
            return Err(Fault::Structure(format!(
                "element {} at byte {} declares {} bytes, but only {} are left",
                header.tag,
                self.at,
                header.length,
                limit.saturating_sub(self.at)
            )));
        }
        Ok(end)
    }

    /// A binary value's length must be a whole number of its numbers: dicom-rs reads
    /// `length / size` numbers but moves on by `length`, so a UL of 2 bytes (fuzz-found) put
    /// every later header out of step and it allocated 1.3 GB. Implicit VR takes the VR from
    /// the dictionary, as dicom-rs does.
    fn check_value_size(&self, header: &Header) -> Result<(), Fault> {
        let vr = header.vr.or_else(|| {
            StandardDataDictionary
                .by_tag(header.tag)
                .map(|e| e.vr().relaxed())
        });
        let size = match vr {
            Some(VR::OW | VR::SS | VR::US) => 2,
            Some(VR::AT | VR::FL | VR::OF | VR::OL | VR::SL | VR::UL) => 4,
            Some(VR::FD | VR::OD | VR::OV | VR::SV | VR::UV) => 8,
            _ => 1,
        };
        if header.length != UNDEFINED && !header.length.is_multiple_of(size) {
            return Err(Fault::Structure(format!(
                "element {} (value at byte {}) is {} bytes, not a whole number of {size}-byte values",
                header.tag, self.at, header.length
            )));
        }
        Ok(())
    }

    /// Whether an element holds a sequence of items that are data sets.
    fn is_sequence(&self, header: &Header) -> bool {
        match header.vr {
            Some(vr) => vr == VR::SQ,
            None => {
                header.tag != PIXEL_DATA
                    && (header.length == UNDEFINED
                        || StandardDataDictionary
                            .by_tag(header.tag)
                            .is_some_and(|e| e.vr().relaxed() == VR::SQ))
            }
        }
    }

    /// Walks a data set up to `limit`, or to its item's delimiter.
    fn data_set(&mut self, limit: usize, depth: usize) -> Result<Walked, Fault> {
        if depth > MAX_DEPTH {
            return Err(Fault::Structure(format!(
                "sequences nest more than {MAX_DEPTH} levels deep"
            )));
        }
        // Trailing padding shorter than a header ends the data set.
        while limit.saturating_sub(self.at) >= 8 {
            let Some(header) = self.header()? else {
                return Ok(Walked::Stopped);
            };
            // An item ends with its delimiter; the top level has none (a fuzz-found file had
            // one there, and the walk stopped while dicom-rs read on into gigabytes).
            if header.tag == ITEM_END && depth > 0 {
                return Ok(Walked::Delimited);
            }
            if header.tag.group() == 0xFFFE {
                return Err(Fault::Structure(format!(
                    "an item tag {} at byte {} sits outside any sequence",
                    header.tag,
                    self.at - 8
                )));
            }
            if depth == 0 && header.tag == PIXEL_DATA {
                self.pixels = Some(PixelsAt {
                    value_start: self.at,
                    length: header.length,
                    big_endian: self.encoding.big_endian,
                });
                if self.until_pixels {
                    return Ok(Walked::Stopped);
                }
            }
            self.check_value_size(&header)?;
            let walked = if self.is_sequence(&header) {
                self.items(&header, limit, depth)?
            } else if header.length == UNDEFINED {
                // Only a sequence, UN, or Pixel Data may have an undefined length: dicom-rs
                // read a fuzz-found OB of another tag for 800 MB before it failed.
                if header.tag != PIXEL_DATA && header.vr != Some(VR::UN) {
                    return Err(Fault::Structure(format!(
                        "element {} at byte {} has an undefined length, which only sequences \
                         and pixel data may have",
                        header.tag,
                        self.at.saturating_sub(12)
                    )));
                }
                // Encapsulated pixel data (or UN of undefined length): raw fragments.
                self.fragments(limit)?
            } else if depth == 0 && header.tag == PIXEL_DATA {
                self.at = self.end_of(&header, limit).map_err(|_| {
                    Fault::PixelsCut(format!(
                        "pixel data shorter than declared: {} bytes declared, the file has {} left",
                        header.length,
                        limit.saturating_sub(self.at)
                    ))
                })?;
                Walked::Whole
            } else {
                self.at = self.end_of(&header, limit)?;
                Walked::Whole
            };
            if walked == Walked::Stopped {
                return Ok(Walked::Stopped);
            }
        }
        Ok(Walked::Whole)
    }

    /// The items of a sequence.
    fn items(&mut self, sequence: &Header, limit: usize, depth: usize) -> Result<Walked, Fault> {
        let end = if sequence.length == UNDEFINED {
            limit
        } else {
            self.end_of(sequence, limit)?
        };
        while self.at < end {
            let Some(header) = self.header()? else {
                return Ok(Walked::Stopped);
            };
            let walked = match header.tag {
                SEQUENCE_END => return Ok(Walked::Whole),
                ITEM if header.length == UNDEFINED => {
                    // Its delimiter must come before its sequence ends: dicom-rs reads such an
                    // item on to its delimiter past a defined-length sequence's end, out of
                    // step (a fuzz-found enhanced MR: 894 MB at scan time).
                    let walked = self.data_set(end, depth + 1)?;
                    if walked == Walked::Whole {
                        return Err(Fault::Structure(format!(
                            "an item of undefined length in sequence {} has no delimiter \
                             before byte {end}",
                            sequence.tag
                        )));
                    }
                    walked
                }
                ITEM => {
                    let item_end = self.end_of(&header, end)?;
                    let walked = self.data_set(item_end, depth + 1)?;
                    // Its elements must fill the item exactly: dicom-rs reads on from where the
                    // last element ends, not from the item's end, so a fuzz-found odd length
                    // inside an item put the rest of the file out of step for it (2 GB read).
                    if walked != Walked::Stopped && self.at != item_end {
                        return Err(Fault::Structure(format!(
                            "the item at byte {} holds {} bytes its elements do not fill",
                            item_end.saturating_sub(header.length as usize + 8),
                            item_end.saturating_sub(self.at)
                        )));
                    }
                    walked
                }
                other => {
                    return Err(Fault::Structure(format!(
                        "sequence {} holds {other} at byte {} where an item belongs",
                        sequence.tag,
                        self.at - 8
                    )));
                }
            };
            if walked == Walked::Stopped {
                return Ok(Walked::Stopped);
            }
        }
        Ok(Walked::Whole)
    }

    /// The fragments of encapsulated pixel data, up to the sequence delimiter.
    fn fragments(&mut self, limit: usize) -> Result<Walked, Fault> {
        let cut = |fault: Fault| match fault {
            Fault::Structure(what) | Fault::PixelsCut(what) => {
                Fault::PixelsCut(format!("compressed pixel data is truncated ({what})"))
            }
        };
        while self.at < limit {
            let Some(header) = self.header().map_err(cut)? else {
                return Ok(Walked::Stopped);
            };
            match header.tag {
                SEQUENCE_END => return Ok(Walked::Whole),
                ITEM => self.at = self.end_of(&header, limit).map_err(cut)?,
                other => {
                    return Err(Fault::Structure(format!(
                        "pixel data holds {other} at byte {} where a fragment belongs",
                        self.at - 8
                    )));
                }
            }
        }
        Ok(Walked::Whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file: preamble, the meta group naming `syntax`, then `body`.
    fn file(syntax: &str, body: &[u8]) -> Vec<u8> {
        let mut uid = syntax.as_bytes().to_vec();
        if uid.len() % 2 == 1 {
            uid.push(0);
        }
        let mut bytes = vec![0u8; 128];
        bytes.extend_from_slice(b"DICM");
        bytes.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
        bytes.extend_from_slice(&(uid.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&uid);
        bytes.extend_from_slice(body);
        bytes
    }

    /// An implicit VR little-endian element.
    fn implicit(group: u16, element: u16, length: u32, value: &[u8]) -> Vec<u8> {
        let mut e = group.to_le_bytes().to_vec();
        e.extend_from_slice(&element.to_le_bytes());
        e.extend_from_slice(&length.to_le_bytes());
        e.extend_from_slice(value);
        e
    }

    const IMPLICIT: &str = "1.2.840.10008.1.2";

    fn check(bytes: &[u8]) -> Result<(), Fault> {
        check_lengths(bytes, bytes.len() as u64, false)
    }

    #[test]
    fn a_sound_implicit_file_with_a_nested_sequence_passes() {
        let item = implicit(0x0008, 0x0100, 4, b"T-A0");
        let mut sequence = implicit(0xFFFE, 0xE000, item.len() as u32, &item);
        // An undefined-length item too, closed by its delimiter.
        sequence.extend(implicit(0xFFFE, 0xE000, UNDEFINED, &item));
        sequence.extend(implicit(0xFFFE, 0xE00D, 0, &[]));
        let mut body = implicit(0x0010, 0x0010, 4, b"DOE^");
        body.extend(implicit(0x0008, 0x1032, sequence.len() as u32, &sequence));
        body.extend(implicit(0x7FE0, 0x0010, 4, &[1, 2, 3, 4]));
        assert_eq!(check(&file(IMPLICIT, &body)), Ok(()));
    }

    #[test]
    fn a_length_past_the_end_of_the_file_is_refused_with_its_tag_and_offset() {
        // The fuzz-found case of issue #11: a name's length corrupted to 4,294,967,100.
        let mut body = implicit(0x0010, 0x0010, 0xFFFF_FF3C, b"DOE^");
        body.extend(implicit(0x7FE0, 0x0010, 4, &[1, 2, 3, 4]));
        let error = check(&file(IMPLICIT, &body)).unwrap_err().to_string();
        assert!(
            error.contains("(0010,0010)") && error.contains("declares 4294967100 bytes"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_length_inside_a_sequence_item_is_found() {
        let item = implicit(0x0008, 0x0100, 4000, b"T-A0");
        let sequence = implicit(0xFFFE, 0xE000, item.len() as u32, &item);
        let body = implicit(0x0008, 0x1032, sequence.len() as u32, &sequence);
        let error = check(&file(IMPLICIT, &body)).unwrap_err().to_string();
        assert!(error.contains("(0008,0100)"), "{error}");
    }

    #[test]
    fn the_scan_stops_undecided_where_its_prefix_ends_and_at_pixel_data() {
        let mut body = implicit(0x0010, 0x0010, 4, b"DOE^");
        body.extend(implicit(0x7FE0, 0x0010, 4, &[1, 2, 3, 4]));
        let bytes = file(IMPLICIT, &body);
        // Only the first bytes are held; the file is longer: no verdict on what is not held.
        for cut in [140, 160, bytes.len() - 3] {
            assert_eq!(
                check_lengths(&bytes[..cut], bytes.len() as u64, true),
                Ok(())
            );
        }
        // The whole file ending inside a value is cut short.
        let error = check(&bytes[..bytes.len() - 3]).unwrap_err().to_string();
        assert!(
            error.contains("pixel data shorter than declared"),
            "{error}"
        );
        // Pixel data of a wrong length is not the scan's business (it stops before it).
        let mut body = implicit(0x0010, 0x0010, 4, b"DOE^");
        body.extend(implicit(0x7FE0, 0x0010, 1 << 20, &[1, 2, 3, 4]));
        let bytes = file(IMPLICIT, &body);
        assert_eq!(check_lengths(&bytes, bytes.len() as u64, true), Ok(()));
        assert!(check(&bytes).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_recursed() {
        // 100 levels of undefined-length sequences and items.
        let mut body = Vec::new();
        for _ in 0..100 {
            body.extend(implicit(0x0008, 0x1032, UNDEFINED, &[]));
            body.extend(implicit(0xFFFE, 0xE000, UNDEFINED, &[]));
        }
        let error = check(&file(IMPLICIT, &body)).unwrap_err().to_string();
        assert!(error.contains("nest"), "{error}");
    }

    #[test]
    fn an_unknown_vr_is_read_as_un_with_a_four_byte_length() {
        // The fuzz-found case: a LO length made odd shifts the next header by a byte, whose
        // "VR" is then two bytes of nothing; dicom-rs reads it as UN with a 4-byte length
        // (here 3.7 GB), and allocated that much before it failed.
        let mut body = vec![0x08, 0x00, 0x20, 0x00, b'?', b'x', 0, 0];
        body.extend_from_slice(&0xDE00_0000u32.to_le_bytes());
        body.extend_from_slice(&[0; 16]);
        let explicit = "1.2.840.10008.1.2.1";
        let error = check(&file(explicit, &body)).unwrap_err().to_string();
        assert!(
            error.contains("(0008,0020)") && error.contains("3724541952"),
            "{error}"
        );
    }
}
