//! Sequential-DCT Huffman JPEG decoding for greyscale images with 8- or 12-bit samples.
//!
//! DICOM's "JPEG Extended (Process 2 & 4)" transfer syntax (1.2.840.10008.1.2.4.51) carries
//! sequential DCT JPEG with 12-bit samples, which many MRI scanners write. dicom-pixeldata 0.10
//! cannot decode it: the JPEG crates under it (jpeg-decoder, zune-jpeg) implement 8-bit DCT only.
//! This module decodes what such series need, following ITU-T T.81:
//!
//! - baseline (SOF0) and extended sequential Huffman (SOF1) frames with 8- or 12-bit precision;
//! - one component (any sampling factor: a lone component is coded as plain 8×8 blocks);
//! - 8- and 16-bit quantisation tables, up to four DC and four AC Huffman tables;
//! - restart intervals (DRI, RST0–RST7), byte stuffing, fill bytes, APPn and COM segments;
//! - image sizes that are not multiples of 8 (the edge blocks are cropped).
//!
//! Progressive, lossless, hierarchical and arithmetic-coded JPEG, and colour images, are refused
//! with an error. The inverse DCT is a separable floating-point one, closer to the exact transform
//! than libjpeg's integer IDCT: the two differ by at most one, in a few per cent of samples.
//! Malformed or truncated input gives `Err`, never a panic.

/// Decodes a baseline (SOF0) or extended sequential Huffman (SOF1) JPEG with one component and
/// 8- or 12-bit precision.
///
/// Decoding ends with the image's scan: what follows it (EOI, padding) is not read.
pub fn decode(data: &[u8]) -> Result<Decoded, Jpeg12Error> {
    if data.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return Err("not a JPEG stream: it does not start with an SOI marker".into());
    }
    let mut pos = 2;
    let mut tables = Tables::default();
    let mut frame: Option<Frame> = None;
    loop {
        let (marker, after) = read_marker(data, pos)?;
        pos = after;
        match marker {
            0xD8 => return Err("unexpected second SOI marker".into()),
            0xD9 => return Err("the JPEG stream ends (EOI) before any scan".into()),
            // Standalone markers: no segment follows.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let segment = read_segment(data, pos, marker)?;
        pos += 2 + segment.len();
        match marker {
            0xC0 | 0xC1 => {
                if frame.is_some() {
                    return Err("more than one frame header (SOF)".into());
                }
                frame = Some(Frame::parse(segment)?);
            }
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(unsupported_frame(marker));
            }
            0xC4 => tables.parse_dht(segment)?,
            0xDB => tables.parse_dqt(segment)?,
            0xDD => tables.parse_dri(segment)?,
            0xDA => {
                let frame = frame
                    .as_ref()
                    .ok_or("a scan (SOS) comes before the frame header")?;
                let scan = Scan::parse(segment, frame, &tables)?;
                let entropy = data.get(pos..).unwrap_or_default();
                return decode_scan(entropy, frame, &scan, tables.restart_interval)
                    .map_err(Jpeg12Error::Malformed);
            }
            // APPn, COM, DAC, DNL, DHP, EXP, JPGn and reserved markers: nothing we need.
            _ => {}
        }
    }
}

/// The error for a frame type this module does not decode.
fn unsupported_frame(marker: u8) -> Jpeg12Error {
    let kind = match marker {
        0xC2 => "progressive",
        0xC3 => "lossless",
        0xC5..=0xC7 => "hierarchical (differential)",
        _ => "arithmetic-coded",
    };
    Jpeg12Error::Unsupported(format!(
        "{kind} JPEG (SOF{}) is not supported: only baseline and extended sequential Huffman \
         JPEG (SOF0, SOF1) are",
        marker - 0xC0
    ))
}

/// Reads a marker at `pos`, skipping fill bytes: returns its code and the position after it.
fn read_marker(data: &[u8], pos: usize) -> Result<(u8, usize), String> {
    match data.get(pos) {
        Some(0xFF) => {}
        Some(byte) => {
            return Err(format!(
                "expected a marker at byte {pos}, found {byte:#04x}"
            ));
        }
        None => return Err("the JPEG stream ends without a scan".into()),
    }
    let mut p = pos + 1;
    while data.get(p) == Some(&0xFF) {
        p += 1;
    }
    match data.get(p) {
        Some(0) => Err(format!("invalid marker FF00 at byte {pos}")),
        Some(&marker) => Ok((marker, p + 1)),
        None => Err("the JPEG stream ends without a scan".into()),
    }
}

/// The payload of the marker segment whose length field starts at `pos`.
fn read_segment(data: &[u8], pos: usize, marker: u8) -> Result<&[u8], String> {
    let length = match data.get(pos..pos + 2) {
        Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
        _ => return Err(format!("marker FF{marker:02X}: segment truncated")),
    };
    if length < 2 {
        return Err(format!(
            "marker FF{marker:02X}: invalid segment length {length}"
        ));
    }
    data.get(pos + 2..pos + length)
        .ok_or_else(|| format!("marker FF{marker:02X}: segment truncated"))
}

mod blocks;
mod error;
mod huffman;
mod segments;

pub use blocks::Decoded;
use blocks::decode_scan;
pub use error::Jpeg12Error;
use segments::{Frame, Scan, Tables};
#[cfg(test)]
mod tests;
