//! Pixel data of one file to real-world `f32` values, one frame at a time.
//!
//! Native (uncompressed) pixel data is read straight from the parsed element; encapsulated
//! syntaxes go through dicom-pixeldata's codecs (JPEG, JPEG-LS, JPEG 2000, RLE). Either way the
//! stored values are masked to Bits Stored, sign-extended when signed, inverted for
//! MONOCHROME1 and then rescaled per frame.

use std::path::Path;

use dicom_core::value::{DicomValueType, PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use dicom_pixeldata::PixelDecoder;

use super::frame_problem::FrameProblem;
use super::header::{NATIVE_SYNTAXES, PixelFormat, Rescale, trim_uid};
use super::{codestream, jpeg12};
use crate::error::{Error, Result};

/// How to turn a stored sample into a real-world value.
#[derive(Debug, Clone, Copy)]
pub struct SampleMap {
    mask: u32,
    sign_bit: u32,
    signed: bool,
    invert: bool,
    max_stored: i64,
    min_stored: i64,
    slope: f64,
    intercept: f64,
}

impl SampleMap {
    pub fn new(pixel: &PixelFormat, rescale: Rescale) -> Self {
        let bits = u32::from(pixel.bits_stored.clamp(1, 32));
        let mask = if bits >= 32 {
            u32::MAX
        } else {
            (1u32 << bits) - 1
        };
        let (min_stored, max_stored) = if pixel.signed {
            (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
        } else {
            (0, i64::from(mask))
        };
        Self {
            mask,
            sign_bit: 1u32 << (bits - 1),
            signed: pixel.signed,
            invert: pixel.photometric == "MONOCHROME1",
            max_stored,
            min_stored,
            slope: rescale.slope,
            intercept: rescale.intercept,
        }
    }

    /// The real-world value of one raw sample word.
    #[inline]
    pub fn apply(&self, raw: u32) -> f32 {
        let bits = raw & self.mask;
        let mut value = if self.signed && bits & self.sign_bit != 0 {
            i64::from(bits) - i64::from(self.mask) - 1
        } else {
            i64::from(bits)
        };
        if self.invert {
            value = self.max_stored + self.min_stored - value;
        }
        (value as f64 * self.slope + self.intercept) as f32
    }
}

/// Decodes frame `frame` of a fully parsed file into `out` (rows × columns values).
pub fn decode_frame(
    path: &Path,
    obj: &DefaultDicomObject,
    pixel: &PixelFormat,
    frame: u32,
    rescale: Rescale,
    out: &mut [f32],
) -> Result<()> {
    let map = SampleMap::new(pixel, rescale);
    let syntax = trim_uid(&obj.meta().transfer_syntax);
    if NATIVE_SYNTAXES.contains(&syntax.as_str()) {
        return decode_native(path, obj, pixel, frame, &map, out);
    }
    let own_jpeg12 = syntax == JPEG_EXTENDED && pixel.bits_stored > 8;
    if syntax.starts_with(JPEG_FAMILY) {
        // Our 12-bit decoder copes with a missing end marker (pydicom's JPGExtended.dcm has
        // none); the other codecs are not asked to.
        check_compressed_frame(obj, pixel, frame, !own_jpeg12).map_err(|problem| {
            Error::Decode {
                path: path.to_owned(),
                reason: problem.to_string(),
            }
        })?;
    }
    if own_jpeg12 {
        // dicom-pixeldata 0.10 cannot decode 12-bit JPEG extended: our own decoder can.
        return isolated(path, || decode_jpeg12(obj, frame, &map, out)).and_then(|r| {
            r.map_err(|problem| Error::Decode {
                path: path.to_owned(),
                reason: problem.to_string(),
            })
        });
    }
    if syntax == RLE_LOSSLESS {
        check_rle_header(obj, frame).map_err(|problem| Error::Decode {
            path: path.to_owned(),
            reason: problem.to_string(),
        })?;
    }
    let decoded = match isolated(path, || obj.decode_pixel_data_frame(frame))? {
        Ok(decoded) => decoded,
        Err(e) => {
            return Err(Error::Decode {
                path: path.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let bytes = decoded.data();
    let bits = decoded.bits_allocated();
    fill_from_bytes(bytes, bits, &map, out).map_err(|problem| Error::Decode {
        path: path.to_owned(),
        reason: format!("frame {}: {problem}", frame + 1),
    })
}

/// Runs a decoder, turning a panic inside it into an error naming the file. The codecs
/// (dicom-rs adapters, CharLS, OpenJPEG, jpeg-decoder, our 12-bit JPEG) index into buffers sized
/// from the file's own offsets; a corrupted RLE segment table panicked in dicom-rs 0.10's RLE
/// adapter (issue #11) and took the whole process down. The decoders hold no state shared with
/// the caller beyond the output slice, which the caller discards on error, so unwinding past
/// them leaves nothing half-updated that is used again.
fn isolated<T>(path: &Path, decode: impl FnOnce() -> T) -> Result<T> {
    crate::error::contain(decode).map_err(|why| Error::Decode {
        path: path.to_owned(),
        reason: format!("the decoder failed on corrupt data ({why})"),
    })
}

/// Prefix of the JPEG, JPEG-LS and JPEG 2000 transfer syntaxes, whose codestreams all end
/// with the marker FF D9 (EOI / EOC) and declare their size in a header.
const JPEG_FAMILY: &str = "1.2.840.10008.1.2.4.";

/// Refuses a compressed frame whose codestream declares another size than the header's Rows ×
/// Columns or, with `end_marker`, was cut short (`codestream`). Where the frame's fragments cannot be told
/// apart (several frames, fragments not one per frame, no offset table), the first fragment,
/// which opens the first frame, is checked for its size.
fn check_compressed_frame(
    obj: &DefaultDicomObject,
    pixel: &PixelFormat,
    frame: u32,
    end_marker: bool,
) -> Result<(), FrameProblem> {
    let Some(Value::PixelSequence(seq)) = obj.get(tags::PIXEL_DATA).map(|e| e.value()) else {
        return Ok(());
    };
    let fragments = seq.fragments();
    let frames = obj
        .get(tags::NUMBER_OF_FRAMES)
        .and_then(|e| e.to_int::<u32>().ok())
        .unwrap_or(1);
    let own = if frames <= 1 {
        Some(fragments.concat())
    } else if fragments.len() == frames as usize {
        fragments.get(frame as usize).map(|f| f.to_vec())
    } else {
        frame_codestream(obj, frame).ok()
    };
    let what = |problem| FrameProblem::Codestream {
        frame: frame + 1,
        problem,
    };
    match own {
        Some(stream) if stream.is_empty() => Err(FrameProblem::Empty(frame + 1)),
        Some(stream) => {
            if end_marker {
                codestream::check_end(&stream).map_err(what)?;
            }
            codestream::check_size(&stream, pixel.columns, pixel.rows).map_err(what)
        }
        None => fragments.first().map_or(Ok(()), |first| {
            codestream::check_size(first, pixel.columns, pixel.rows).map_err(what)
        }),
    }
}

/// RLE Lossless.
const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// Refuses an RLE frame whose segment table does not describe its fragment (PS3.5 G.3: one
/// fragment per frame, a 64-byte header of a segment count, 1 to 15, and 15 offsets, the first
/// 64, rising, inside the fragment). The decoder trusts that table: a huge count asked it for a
/// 16 GiB table, which aborts the process where no panic handler can catch it.
fn check_rle_header(obj: &DefaultDicomObject, frame: u32) -> Result<(), FrameProblem> {
    let Some(Value::PixelSequence(seq)) = obj.get(tags::PIXEL_DATA).map(|e| e.value()) else {
        return Ok(());
    };
    let fragment = seq
        .fragments()
        .get(frame as usize)
        .ok_or(FrameProblem::RleNoFragment(frame + 1))?;
    let header = fragment.get(..64).ok_or(FrameProblem::RleShort {
        frame: frame + 1,
        bytes: fragment.len(),
    })?;
    let words: Vec<u32> = header
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    let (count, offsets) = words.split_first().ok_or(FrameProblem::RleEmptyHeader)?;
    let count = *count as usize;
    if !(1..=15).contains(&count) {
        return Err(FrameProblem::RleSegments {
            frame: frame + 1,
            count,
        });
    }
    let used = offsets.get(..count).unwrap_or_default();
    let rising = used.windows(2).all(|w| w[0] < w[1]);
    let inside = used.iter().all(|o| (*o as usize) < fragment.len());
    if used.first() != Some(&64) || !rising || !inside {
        return Err(FrameProblem::RleTable {
            frame: frame + 1,
            offsets: used.to_vec(),
            bytes: fragment.len(),
        });
    }
    Ok(())
}

/// JPEG Extended (Process 2 & 4).
const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";

/// Decodes one frame of encapsulated JPEG with the module [`jpeg12`].
fn decode_jpeg12(
    obj: &DefaultDicomObject,
    frame: u32,
    map: &SampleMap,
    out: &mut [f32],
) -> Result<(), FrameProblem> {
    let stream = frame_codestream(obj, frame)?;
    let image = jpeg12::decode(&stream)?;
    if image.samples.len() != out.len() {
        return Err(FrameProblem::JpegSize {
            width: image.width,
            height: image.height,
            declared: out.len(),
        });
    }
    for (o, s) in out.iter_mut().zip(&image.samples) {
        *o = map.apply(u32::from(*s));
    }
    Ok(())
}

/// The compressed bytes of one frame: all fragments for a single-frame object, one fragment
/// per frame when they match one to one, else the Basic Offset Table's split.
fn frame_codestream(obj: &DefaultDicomObject, frame: u32) -> Result<Vec<u8>, FrameProblem> {
    let element = obj.get(tags::PIXEL_DATA).ok_or(FrameProblem::NoPixelData)?;
    let Value::PixelSequence(seq) = element.value() else {
        return Err(FrameProblem::NotEncapsulated);
    };
    let fragments = seq.fragments();
    let frames = obj
        .get(tags::NUMBER_OF_FRAMES)
        .and_then(|e| e.to_int::<u32>().ok())
        .unwrap_or(1);
    if frames <= 1 {
        return Ok(fragments.concat());
    }
    if fragments.len() == frames as usize {
        return fragments
            .get(frame as usize)
            .cloned()
            .map(|f| f.to_vec())
            .ok_or(FrameProblem::NoFragment(frame + 1));
    }
    // Offsets are measured from the first fragment's item tag: 8 bytes of item header each.
    let table = seq.offset_table();
    let start = table
        .get(frame as usize)
        .copied()
        .ok_or(FrameProblem::NoOffsetEntry)?;
    let end = table.get(frame as usize + 1).copied().unwrap_or(u32::MAX);
    let mut offset = 0u32;
    let mut stream = Vec::new();
    for fragment in fragments {
        if offset >= start && offset < end {
            stream.extend_from_slice(fragment);
        }
        offset = offset
            .saturating_add(8)
            .saturating_add(fragment.len() as u32);
    }
    if stream.is_empty() {
        return Err(FrameProblem::NoFragments(frame + 1));
    }
    Ok(stream)
}

/// Native pixel data, read from the element as the parser stored it (bytes or words).
fn decode_native(
    path: &Path,
    obj: &DefaultDicomObject,
    pixel: &PixelFormat,
    frame: u32,
    map: &SampleMap,
    out: &mut [f32],
) -> Result<()> {
    let short = |have: usize, need: usize| Error::Limits {
        subject: path.display().to_string(),
        problem: format!(
            "pixel data shorter than declared: frame {} needs bytes up to {need}, the file \
             holds {have}",
            frame + 1
        ),
    };
    let element = obj.get(tags::PIXEL_DATA).ok_or_else(|| Error::Decode {
        path: path.to_owned(),
        reason: "no Pixel Data element".into(),
    })?;
    let Value::Primitive(value) = element.value() else {
        return Err(Error::Decode {
            path: path.to_owned(),
            reason: "native transfer syntax with encapsulated pixel data".into(),
        });
    };
    let n = out.len();
    let frame = frame as usize;
    match (value, pixel.bits_allocated) {
        (PrimitiveValue::U16(words), 16) => {
            let words = words
                .get(frame * n..(frame + 1) * n)
                .ok_or_else(|| short(words.len() * 2, (frame + 1) * n * 2))?;
            for (o, w) in out.iter_mut().zip(words) {
                *o = map.apply(u32::from(*w));
            }
        }
        (PrimitiveValue::I16(words), 16) => {
            let words = words
                .get(frame * n..(frame + 1) * n)
                .ok_or_else(|| short(words.len() * 2, (frame + 1) * n * 2))?;
            for (o, w) in out.iter_mut().zip(words) {
                *o = map.apply(u32::from(*w as u16));
            }
        }
        (PrimitiveValue::U8(bytes), bits) => {
            let size = frame_bytes(n, bits);
            let start = frame_start(frame, n, bits);
            let frame_bytes = bytes
                .get(start..start + size)
                .ok_or_else(|| short(bytes.len(), start + size))?;
            let bits = if bits == 1 { 1 } else { bits };
            fill_from_bytes_at(frame_bytes, bits, frame * n, map, out).map_err(|problem| {
                Error::Decode {
                    path: path.to_owned(),
                    reason: problem.to_string(),
                }
            })?;
        }
        (PrimitiveValue::U16(words), bits) => {
            // 8- or 32-bit samples read as OW: go back to the little-endian byte stream.
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            let size = frame_bytes(n, bits);
            let start = frame_start(frame, n, bits);
            let frame_bytes = bytes
                .get(start..start + size)
                .ok_or_else(|| short(bytes.len(), start + size))?;
            fill_from_bytes_at(frame_bytes, bits, frame * n, map, out).map_err(|problem| {
                Error::Decode {
                    path: path.to_owned(),
                    reason: problem.to_string(),
                }
            })?;
        }
        (other, bits) => {
            return Err(Error::Unsupported {
                path: path.to_owned(),
                what: format!(
                    "native pixel data stored as {:?} with {bits} bits allocated",
                    other.value_type()
                ),
            });
        }
    }
    Ok(())
}

fn frame_bytes(pixels: usize, bits: u16) -> usize {
    if bits == 1 {
        pixels.div_ceil(8)
    } else {
        pixels * usize::from(bits / 8)
    }
}

/// Byte offset of a frame. 1-bit frames are packed back to back without padding, so a frame
/// may start mid-byte: we start at the byte holding its first pixel.
fn frame_start(frame: usize, pixels: usize, bits: u16) -> usize {
    if bits == 1 {
        frame * pixels / 8
    } else {
        frame * frame_bytes(pixels, bits)
    }
}

/// Fills `out` from little-endian samples of `bits` bits.
pub fn fill_from_bytes(
    bytes: &[u8],
    bits: u16,
    map: &SampleMap,
    out: &mut [f32],
) -> Result<(), FrameProblem> {
    fill_from_bytes_at(bytes, bits, 0, map, out)
}

/// As [`fill_from_bytes`]; `first_pixel` locates 1-bit frames inside their first byte.
fn fill_from_bytes_at(
    bytes: &[u8],
    bits: u16,
    first_pixel: usize,
    map: &SampleMap,
    out: &mut [f32],
) -> Result<(), FrameProblem> {
    let n = out.len();
    let need = frame_bytes(n, bits);
    if bytes.len() < need {
        return Err(FrameProblem::Short {
            have: bytes.len(),
            need,
        });
    }
    match bits {
        1 => {
            let skip = first_pixel % 8;
            for (p, o) in out.iter_mut().enumerate() {
                let bit = p + skip;
                let byte = bytes.get(bit / 8).copied().unwrap_or(0);
                *o = map.apply(u32::from((byte >> (bit % 8)) & 1));
            }
        }
        8 => {
            for (o, b) in out.iter_mut().zip(bytes) {
                *o = map.apply(u32::from(*b));
            }
        }
        16 => {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = map.apply(u32::from(u16::from_le_bytes([c[0], c[1]])));
            }
        }
        32 => {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                *o = map.apply(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
            }
        }
        other => return Err(FrameProblem::Bits(other)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(bits_stored: u16, signed: bool, photometric: &str) -> PixelFormat {
        PixelFormat {
            rows: 1,
            columns: 1,
            samples_per_pixel: 1,
            bits_allocated: 16,
            bits_stored,
            signed,
            photometric: photometric.into(),
        }
    }

    #[test]
    fn masks_sign_extends_inverts_and_rescales() {
        let id = Rescale::IDENTITY;
        let unsigned12 = SampleMap::new(&format(12, false, "MONOCHROME2"), id);
        // Bits above Bits Stored are overlay or garbage: masked off.
        assert_eq!(unsigned12.apply(0xF123), 0x123 as f32);
        let signed12 = SampleMap::new(&format(12, true, "MONOCHROME2"), id);
        assert_eq!(signed12.apply(0x0FFF), -1.0);
        assert_eq!(signed12.apply(0x0800), -2048.0);
        assert_eq!(signed12.apply(0x07FF), 2047.0);
        let inverted = SampleMap::new(&format(12, false, "MONOCHROME1"), id);
        assert_eq!(inverted.apply(0), 4095.0);
        let rescaled = SampleMap::new(
            &format(16, false, "MONOCHROME2"),
            Rescale {
                slope: 1.5,
                intercept: -100.0,
            },
        );
        assert_eq!(rescaled.apply(100), 50.0);
    }

    #[test]
    fn short_buffers_are_errors_not_panics() {
        let map = SampleMap::new(&format(16, false, "MONOCHROME2"), Rescale::IDENTITY);
        let mut out = [0.0f32; 4];
        assert_eq!(
            fill_from_bytes(&[1, 2, 3], 16, &map, &mut out),
            Err(FrameProblem::Short { have: 3, need: 8 })
        );
        assert!(fill_from_bytes(&[1, 0, 2, 0, 3, 0, 4, 0], 16, &map, &mut out).is_ok());
        assert_eq!(out, [1.0, 2.0, 3.0, 4.0]);
    }
}
