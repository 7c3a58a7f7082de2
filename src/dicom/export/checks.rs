//! What the SEG writer refuses before writing anything: a source that is not a referenceable
//! volume, labels on another grid, and strings or segments DICOM cannot hold.

use std::path::Path;

use ndarray::Array3;

use super::segments::{SegOptions, SegmentSpec};
use crate::dicom::{Series, Stack};
use crate::error::{Error, Result};

/// An error about the source series.
pub(super) fn inconsistent(source: &Series, problem: impl Into<String>) -> Error {
    Error::InconsistentSeries {
        series_uid: source.id.clone(),
        problem: problem.into(),
    }
}

/// A refusal of what DICOM cannot hold, about `path` (the output).
pub(super) fn limits(path: &Path, problem: impl Into<String>) -> Error {
    Error::Limits {
        subject: path.display().to_string(),
        problem: problem.into(),
    }
}

/// The source's stack, checked against the labels' shape and for referenceable slices.
pub(super) fn check_source<'a>(labels: &Array3<u16>, source: &'a Series) -> Result<&'a Stack> {
    let stack = source.stack.as_ref().map_err(|problem| {
        inconsistent(
            source,
            format!("no segmentation on a series that is not a volume: {problem}"),
        )
    })?;
    let [columns, rows, slices] = stack.dims;
    if labels.dim() != (slices, rows, columns) || stack.slices.len() != slices {
        return Err(inconsistent(
            source,
            format!(
                "labels of shape [slices, rows, columns] = {:?} do not match the series' grid \
                 [{slices}, {rows}, {columns}]",
                labels.shape()
            ),
        ));
    }
    if let Some(slice) = stack.slices.iter().find(|s| s.sop_instance_uid.is_none()) {
        return Err(inconsistent(
            source,
            format!(
                "{} has no SOP Instance UID to refer to",
                slice.file.display()
            ),
        ));
    }
    Ok(stack)
}

/// Checks what DICOM limits in the caller's strings and segments, for the output `path`.
pub(super) fn check_arguments(
    path: &Path,
    segments: &[SegmentSpec],
    options: &SegOptions,
) -> Result<()> {
    let refuse = |problem: String| Err(limits(path, problem));
    if segments.is_empty() {
        return refuse("no segments to write".into());
    }
    if segments.len() > usize::from(u16::MAX) {
        return refuse(format!("{} segments (at most 65535)", segments.len()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in segments {
        if s.number_in_labels == 0 {
            return refuse(format!(
                "segment {:?}: label value 0 is the background",
                s.label
            ));
        }
        if !seen.insert(s.number_in_labels) {
            return refuse(format!(
                "label value {} given to two segments",
                s.number_in_labels
            ));
        }
        long_string(path, "segment label", &s.label, 64)?;
        if s.label.is_empty() {
            return refuse("a segment label is empty".into());
        }
        if s.description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 1024)
        {
            return refuse(format!(
                "segment {:?}: description over 1024 characters",
                s.label
            ));
        }
    }
    long_string(path, "series description", &options.series_description, 64)?;
    if let Some(creator) = &options.creator {
        long_string(path, "creator name", creator, 64)?;
    }
    let label = &options.content_label;
    let allowed = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ' || c == '_';
    if label.is_empty() || label.len() > 16 || !label.chars().all(allowed) {
        return refuse(format!(
            "content label {label:?} is not 1-16 upper case letters, digits, spaces or underscores"
        ));
    }
    let t = &options.timestamp;
    if t.len() != 14 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return refuse(format!("timestamp {t:?} is not YYYYMMDDHHMMSS"));
    }
    Ok(())
}

/// An LO-like value: at most `max` characters, no backslash (the value separator) or controls.
fn long_string(path: &Path, what: &str, value: &str, max: usize) -> Result<()> {
    let refuse = |problem: String| Err(limits(path, problem));
    if value.chars().count() > max {
        return refuse(format!("{what} {value:?} is longer than {max} characters"));
    }
    if value.chars().any(|c| c == '\\' || c.is_control()) {
        return refuse(format!(
            "{what} {value:?} holds a backslash or control character"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dicom::export::{SegmentAlgorithm, SegmentKind};

    fn spec(number_in_labels: u16, label: &str) -> SegmentSpec {
        SegmentSpec {
            number_in_labels,
            label: label.into(),
            kind: SegmentKind::T2Lesion,
            algorithm: SegmentAlgorithm::Manual,
            description: None,
        }
    }

    fn options() -> SegOptions {
        SegOptions {
            series_number: 900,
            series_description: "Reader lesion marks".into(),
            content_label: "LESIONS".into(),
            creator: Some("Reader^Ann".into()),
            timestamp: "20250102030405".into(),
        }
    }

    #[test]
    fn arguments_dicom_cannot_hold_are_refused_with_the_reason() {
        assert!(check_arguments(Path::new("seg.dcm"), &[spec(7, "Lesion 7")], &options()).is_ok());
        let refused = |segments: &[SegmentSpec], options: &SegOptions| {
            let error = check_arguments(Path::new("seg.dcm"), segments, options).unwrap_err();
            assert!(matches!(error, Error::Limits { .. }), "{error}");
            error.to_string()
        };
        assert!(refused(&[], &options()).contains("no segments"));
        assert!(refused(&[spec(0, "x")], &options()).contains("background"));
        assert!(refused(&[spec(3, "a"), spec(3, "b")], &options()).contains("two segments"));
        assert!(refused(&[spec(3, "a\\b")], &options()).contains("backslash"));
        let lowercase = SegOptions {
            content_label: "lesions".into(),
            ..options()
        };
        assert!(refused(&[spec(3, "a")], &lowercase).contains("content label"));
        let bad_time = SegOptions {
            timestamp: "2025-01-02".into(),
            ..options()
        };
        assert!(refused(&[spec(3, "a")], &bad_time).contains("YYYYMMDDHHMMSS"));
    }
}
