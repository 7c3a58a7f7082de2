//! Label volumes as compact text for session files: run lengths (label, count) as
//! little-endian u16/u32 pairs, deflated, then base64. Marks are sparse, so a 256³ volume
//! with a few lesions takes a few hundred bytes.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use super::label::Label;

/// Encodes labels (in memory order) as base64 of deflated runs.
pub fn encode_labels(labels: &[Label]) -> String {
    let mut runs = Vec::new();
    let mut iter = labels.iter().copied().peekable();
    while let Some(value) = iter.next() {
        let mut count: u32 = 1;
        while count < u32::MAX && iter.peek() == Some(&value) {
            iter.next();
            count += 1;
        }
        runs.extend_from_slice(&value.to_le_bytes());
        runs.extend_from_slice(&count.to_le_bytes());
    }
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail; an empty result would fail to decode, never silently.
    let deflated = encoder
        .write_all(&runs)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    STANDARD.encode(deflated)
}

/// What is wrong with label data ([`decode_labels`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LabelDataProblem {
    #[error("label data is not base64: {0}")]
    NotBase64(#[from] base64::DecodeError),
    /// The deflate stream is broken (the inflater's message).
    #[error("label data does not inflate: {0}")]
    NoInflate(String),
    #[error("label data ends inside a run")]
    CutRun,
    /// More labels than the grid's `0` voxels.
    #[error("label data holds more than the grid's {0} voxels")]
    TooMany(usize),
    #[error("label data holds {found} voxels, the grid has {len}")]
    WrongCount { found: usize, len: usize },
}

/// Decodes [`encode_labels`]'s text into exactly `len` labels, or says what is wrong.
pub fn decode_labels(text: &str, len: usize) -> Result<Vec<Label>, LabelDataProblem> {
    let deflated = STANDARD.decode(text.trim())?;
    let mut runs = Vec::new();
    DeflateDecoder::new(deflated.as_slice())
        .read_to_end(&mut runs)
        .map_err(|e| LabelDataProblem::NoInflate(e.to_string()))?;
    if runs.len() % 6 != 0 {
        return Err(LabelDataProblem::CutRun);
    }
    let mut labels = Vec::with_capacity(len);
    for run in runs.chunks_exact(6) {
        let value = Label::from_le_bytes([run[0], run[1]]);
        let count = u32::from_le_bytes([run[2], run[3], run[4], run[5]]) as usize;
        if labels.len() + count > len {
            return Err(LabelDataProblem::TooMany(len));
        }
        labels.resize(labels.len() + count, value);
    }
    if labels.len() != len {
        return Err(LabelDataProblem::WrongCount {
            found: labels.len(),
            len,
        });
    }
    Ok(labels)
}
