//! What a compressed frame says about itself, checked before any codec sees it.
//!
//! The codecs trust their codestream: jpeg-decoder 0.3 decodes a lossless JPEG at the size its
//! own frame header (SOF) declares, and a fuzzed SOF of 32,816 × 65,320 in a 48 × 40 series
//! kept it busy for minutes (issue #11; `tests/fixtures/fuzz/`).
//! A frame whose header disagrees with the DICOM Rows and Columns is refused here, as is one
//! cut short (no end marker).

/// What is wrong with a compressed frame's own header, or its end.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodestreamProblem {
    /// The codestream declares `width` × `height`, the DICOM header `columns` × `rows`.
    #[error("its codestream declares {width} × {height} pixels, the header {columns} × {rows}")]
    Size {
        width: u32,
        height: u32,
        columns: u32,
        rows: u32,
    },
    /// No FF D9 at the end.
    #[error("its codestream has no end marker (truncated)")]
    Truncated,
    /// No marker at this byte (counted from the SOI) of the header.
    #[error("the JPEG codestream has no marker at byte {0} of its header")]
    NoMarker(usize),
    #[error("the JPEG frame header leaves its height to a DNL marker, which is not supported")]
    HeightInDnl,
    #[error("the JPEG frame header is cut short")]
    FrameHeaderCut,
    #[error("the JPEG codestream has no frame header before its scan")]
    NoFrameHeader,
    #[error("a JPEG marker segment is cut short")]
    SegmentCut,
    /// A marker segment whose length is under 2.
    #[error("a JPEG marker segment (FF {marker:02X}) declares length {length}")]
    SegmentLength { marker: u8, length: u32 },
    #[error("the JPEG 2000 SIZ segment is cut short")]
    SizCut,
    /// The image offset (`x0`, `y0`) is past the size (`x`, `y`).
    #[error("the JPEG 2000 SIZ segment's image offset ({x0}, {y0}) lies past its size ({x}, {y})")]
    SizOffset { x: u32, y: u32, x0: u32, y0: u32 },
}

/// The width and height (columns, rows) a JPEG, JPEG-LS or JPEG 2000 codestream declares:
/// the first frame header (SOF0–SOF15 or JPEG-LS's SOF55) or JPEG 2000's SIZ segment. `None`
/// when `stream` is none of those (a JP2 file wrapper, say, which the codec reads itself).
pub fn declared_size(stream: &[u8]) -> Result<Option<(u32, u32)>, CodestreamProblem> {
    match stream {
        [0xFF, 0xD8, rest @ ..] => jpeg_frame_size(rest).map(Some),
        [0xFF, 0x4F, 0xFF, 0x51, rest @ ..] => siz_size(rest).map(Some),
        _ => Ok(None),
    }
}

/// Refuses a frame whose codestream declares another size than `columns` × `rows`.
pub fn check_size(stream: &[u8], columns: u32, rows: u32) -> Result<(), CodestreamProblem> {
    match declared_size(stream)? {
        Some((width, height)) if (width, height) != (columns, rows) => {
            Err(CodestreamProblem::Size {
                width,
                height,
                columns,
                rows,
            })
        }
        _ => Ok(()),
    }
}

/// Refuses a codestream that does not end with FF D9 (EOI / EOC; trailing zero padding
/// allowed): it was cut short, and handing it to a codec gives garbage or, for CharLS, seconds
/// of work.
pub fn check_end(last_fragment: &[u8]) -> Result<(), CodestreamProblem> {
    let end = last_fragment.iter().rposition(|b| *b != 0).unwrap_or(0);
    let marker = end
        .checked_sub(1)
        .and_then(|start| last_fragment.get(start..=end));
    if marker == Some(&[0xFF, 0xD9][..]) {
        Ok(())
    } else {
        Err(CodestreamProblem::Truncated)
    }
}

/// A big-endian u16 at `at`.
fn be16(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([
        *bytes.get(at)?,
        *bytes.get(at + 1)?,
    ])))
}

/// A big-endian u32 at `at`.
fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *bytes.get(at)?,
        *bytes.get(at + 1)?,
        *bytes.get(at + 2)?,
        *bytes.get(at + 3)?,
    ]))
}

/// The (width, height) of the first frame header among the marker segments of `after_soi`
/// (a JPEG or JPEG-LS stream after its SOI).
fn jpeg_frame_size(after_soi: &[u8]) -> Result<(u32, u32), CodestreamProblem> {
    let mut at = 0;
    loop {
        // Fill bytes (FF) may precede a marker.
        while after_soi.get(at) == Some(&0xFF) && after_soi.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(0xFF), Some(&marker)) = (after_soi.get(at), after_soi.get(at + 1)) else {
            return Err(CodestreamProblem::NoMarker(at + 2));
        };
        at += 2;
        // Markers without a length: TEM and RSTn.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        let is_frame = matches!(marker, 0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC))
            || marker == 0xF7;
        if is_frame {
            // Length, precision, then height and width.
            return match (be16(after_soi, at + 3), be16(after_soi, at + 5)) {
                (Some(0), Some(_)) => Err(CodestreamProblem::HeightInDnl),
                (Some(height), Some(width)) => Ok((width, height)),
                _ => Err(CodestreamProblem::FrameHeaderCut),
            };
        }
        if matches!(marker, 0xD9 | 0xDA) {
            return Err(CodestreamProblem::NoFrameHeader);
        }
        let length = be16(after_soi, at).ok_or(CodestreamProblem::SegmentCut)?;
        if length < 2 {
            return Err(CodestreamProblem::SegmentLength { marker, length });
        }
        at += length as usize;
    }
}

/// The (width, height) of a JPEG 2000 SIZ segment (`after_siz`: from its length field on):
/// Xsiz − XOsiz by Ysiz − YOsiz.
fn siz_size(after_siz: &[u8]) -> Result<(u32, u32), CodestreamProblem> {
    // Lsiz (2), Rsiz (2), Xsiz, Ysiz, XOsiz, YOsiz (4 each).
    let field = |at| be32(after_siz, at).ok_or(CodestreamProblem::SizCut);
    let (x, y, x0, y0) = (field(4)?, field(8)?, field(12)?, field(16)?);
    match (x.checked_sub(x0), y.checked_sub(y0)) {
        (Some(width), Some(height)) => Ok((width, height)),
        _ => Err(CodestreamProblem::SizOffset { x, y, x0, y0 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, an APP0 segment, then a lossless SOF3 of `width` × `height`, 16 bits, one component.
    fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut s = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB];
        s.extend([0xFF, 0xFF, 0xC3, 0x00, 0x0B, 0x10]);
        s.extend(height.to_be_bytes());
        s.extend(width.to_be_bytes());
        s.extend([0x01, 0x01, 0x11, 0x00, 0xFF, 0xDA]);
        s
    }

    #[test]
    fn a_jpeg_frame_header_gives_its_size() {
        assert_eq!(declared_size(&jpeg(320, 240)), Ok(Some((320, 240))));
        assert!(check_size(&jpeg(320, 240), 320, 240).is_ok());
        let refused = check_size(&jpeg(32816, 65320), 512, 512).unwrap_err();
        assert!(
            matches!(refused, CodestreamProblem::Size { width: 32816, .. }),
            "{refused}"
        );
        assert!(refused.to_string().contains("32816 × 65320"), "{refused}");
    }

    #[test]
    fn a_jpeg_ls_frame_header_is_read_too() {
        let mut s = jpeg(64, 48);
        s[10] = 0xF7;
        assert_eq!(declared_size(&s), Ok(Some((64, 48))));
    }

    #[test]
    fn broken_jpeg_headers_are_errors() {
        let no_frame = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08];
        assert_eq!(
            declared_size(&no_frame),
            Err(CodestreamProblem::NoFrameHeader)
        );
        let cut = &jpeg(320, 240)[..14];
        assert!(declared_size(cut).is_err());
        let zero_length = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00];
        assert!(declared_size(&zero_length).is_err());
        assert!(declared_size(&jpeg(320, 0)).is_err(), "DNL height");
    }

    #[test]
    fn a_jpeg_2000_siz_gives_its_size_less_the_offset() {
        let mut s = vec![0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00];
        for v in [300u32, 200, 44, 0] {
            s.extend(v.to_be_bytes());
        }
        assert_eq!(declared_size(&s), Ok(Some((256, 200))));
        s[16..20].copy_from_slice(&400u32.to_be_bytes());
        assert!(declared_size(&s).is_err());
    }

    #[test]
    fn other_streams_are_left_to_their_codec() {
        assert_eq!(declared_size(b"\0\0\0\x0cjP  \r\n\x87\n"), Ok(None));
    }

    #[test]
    fn a_codestream_must_end_with_its_end_marker() {
        assert!(check_end(&[0xFF, 0xD9, 0, 0]).is_ok());
        assert!(check_end(&[0xFF, 0xD8, 0x12]).is_err());
        assert!(check_end(&[]).is_err());
    }
}
