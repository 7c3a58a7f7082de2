//! The reader's lesion marks as a DICOM Segmentation (SEG) object: BINARY, 1 bit per voxel,
//! explicit VR little endian, on the source series' own grid, so any SEG-aware viewer (OHIF,
//! 3D Slicer, highdicom) overlays them on the images they were drawn on.
//!
//! What goes in:
//! - one segment per [`SegmentSpec`], numbered 1..N in the order given; its lesion id goes in
//!   Tracking ID ("lesion 7") and a Tracking UID derived from the patient and the id, so the
//!   same lesion has the same UID in every exam's SEG (this assumes lesion ids are stable for
//!   the patient, as Tandem's tracked lesion ids are across the exams of a comparison);
//! - one frame per (segment, slice) with at least one voxel; a segment with no voxel is
//!   still listed (a lesion tracked but absent here, e.g. a new lesion on the baseline), and
//!   when no voxel at all is marked the object carries one empty frame so it stays valid;
//! - patient and study attributes copied from the first source file, the source's Frame of
//!   Reference (or, when the source has none, one derived from its series UID);
//! - every UID derived from names and content (`2.25.` UIDs), so the same inputs give the same
//!   bytes.
//!
//! Codes (the category is Morphologically Abnormal Structure, SCT 49755003, CID 7150; types
//! from CID 7194, "Morphologically Abnormal Structure Segmentation Property Type"):
//! - [`SegmentKind::T2Lesion`]: SCT 301766008 "Lesion of Brain";
//! - [`SegmentKind::EnhancingLesion`]: NCIt C113842 "Enhancing Lesion", anatomic region SCT
//!   12738006 "Brain";
//! - [`SegmentKind::OtherFinding`]: SCT 52988006 "Lesion" (no site implied).
//!
//! Who made each segment ([`SegmentAlgorithm`], Segment Algorithm Type): AUTOMATIC for what the
//! comparison found, SEMIAUTOMATIC for what a reader made with the comparison's help, MANUAL
//! for what a reader drew. AUTOMATIC and SEMIAUTOMATIC segments name the algorithm: Segment
//! Algorithm Name "Tandem", and a Segmentation Algorithm Identification item with the same
//! name, Tandem's exact build as Algorithm Version, and the family DCM 123105 "Histogram
//! Analysis" (CID 7162: the comparison thresholds noise-normalised z-scores taken from robust
//! intensity statistics).

use std::path::Path;

use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, OpenFileOptions};
use ndarray::Array3;

pub use super::segments::{
    ALGORITHM_FAMILY, ALGORITHM_NAME, BRAIN, CATEGORY, SegOptions, SegmentAlgorithm, SegmentKind,
    SegmentSpec,
};

use super::checks::{check_arguments, check_source, inconsistent};
use super::dataset::{self, Context};
use super::elements::name_uid;
use super::frames;
use super::uids::Uids;
use crate::dicom::Series;
use crate::error::{Error, Result};

/// Writes `labels` (indexed `[k, j, i]` = slice, row, column on `source`'s grid) as a DICOM
/// Segmentation at `path`, atomically. Voxels whose value is not any segment's
/// `number_in_labels` are ignored.
pub fn write_segmentation(
    path: &Path,
    labels: &Array3<u16>,
    source: &Series,
    segments: &[SegmentSpec],
    options: &SegOptions,
) -> Result<()> {
    let stack = check_source(labels, source)?;
    check_arguments(path, segments, options)?;
    let first = stack
        .slices
        .first()
        .ok_or_else(|| inconsistent(source, "no slices"))?;
    let header = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(&first.file)
        .map_err(|e| Error::NotDicom {
            path: first.file.clone(),
            reason: e.to_string(),
        })?;

    let values: Vec<u16> = segments.iter().map(|s| s.number_in_labels).collect();
    let frames = frames::plan(labels, &values);
    let pixels = frames::pack(labels, &values, &frames);
    let uids = Uids::new(source, segments, options, &frames, &pixels);
    let context = Context {
        source,
        stack,
        header: &header,
        segments,
        options,
        frames: &frames,
        uids: &uids,
    };
    let obj = dataset::build(&context, pixels, path)?;
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .implementation_class_uid(name_uid("tandem implementation"))
                .implementation_version_name("TANDEM_0"),
        )
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
    let mut bytes = Vec::new();
    file.write_all(&mut bytes)
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
    crate::fsutil::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_per_kind() {
        let kinds = [
            SegmentKind::T2Lesion,
            SegmentKind::EnhancingLesion,
            SegmentKind::OtherFinding,
        ];
        let types: std::collections::BTreeSet<_> =
            kinds.iter().map(|k| k.property_type().value).collect();
        assert_eq!(types.len(), 3);
    }
}
