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

use super::checks::{check_arguments, check_source, inconsistent};
use super::dataset::{self, Context};
use super::elements::{Code, digest, name_uid};
use super::frames;
use crate::dicom::Series;
use crate::error::{Error, Result};

/// One segment: a lesion (or other finding) with its label value in the volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSpec {
    /// The label value in the volume (a lesion id). Not 0, and unique among the segments.
    pub number_in_labels: u16,
    /// Segment Label, e.g. "Lesion 7" (at most 64 characters, no backslash).
    pub label: String,
    pub kind: SegmentKind,
    /// Who made it: the comparison, a reader helped by it, or a reader alone.
    pub algorithm: SegmentAlgorithm,
    /// Segment Description (at most 1024 characters).
    pub description: Option<String>,
}

/// How a segment was made (Segment Algorithm Type, PS3.3 C.8.20.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentAlgorithm {
    /// Found by Tandem's comparison, untouched by a reader.
    Automatic,
    /// Made by a reader from Tandem's output (an accepted outline, region growing, a
    /// threshold box).
    SemiAutomatic,
    /// Drawn by a reader (brush, eraser).
    Manual,
}

impl SegmentAlgorithm {
    /// The defined term DICOM writes.
    pub fn term(self) -> &'static str {
        match self {
            SegmentAlgorithm::Automatic => "AUTOMATIC",
            SegmentAlgorithm::SemiAutomatic => "SEMIAUTOMATIC",
            SegmentAlgorithm::Manual => "MANUAL",
        }
    }

    /// Whether an algorithm took part (then the segment names it).
    pub fn names_algorithm(self) -> bool {
        self != SegmentAlgorithm::Manual
    }
}

/// Segment Algorithm Name and Algorithm Name of the segments Tandem's algorithm took part in.
pub const ALGORITHM_NAME: &str = "Tandem";

/// DCM 123105 "Histogram Analysis" (CID 7162, Surface Processing Algorithm Family): the
/// comparison's thresholds are z-scores from robust intensity statistics.
pub const ALGORITHM_FAMILY: Code = Code {
    value: "123105",
    scheme: "DCM",
    meaning: "Histogram Analysis",
};

/// What a segment is; decides its coded property type (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    T2Lesion,
    EnhancingLesion,
    OtherFinding,
}

/// SCT 49755003: the category of every segment we write (CID 7150).
pub const CATEGORY: Code = Code {
    value: "49755003",
    scheme: "SCT",
    meaning: "Morphologically Abnormal Structure",
};

/// SCT 12738006 "Brain" (CID 4030 and 7151), the site of enhancing lesions.
pub const BRAIN: Code = Code {
    value: "12738006",
    scheme: "SCT",
    meaning: "Brain",
};

impl SegmentKind {
    /// Segmented Property Type (CID 7194).
    pub fn property_type(self) -> Code {
        match self {
            SegmentKind::T2Lesion => Code {
                value: "301766008",
                scheme: "SCT",
                meaning: "Lesion of Brain",
            },
            SegmentKind::EnhancingLesion => Code {
                value: "C113842",
                scheme: "NCIt",
                meaning: "Enhancing Lesion",
            },
            SegmentKind::OtherFinding => Code {
                value: "52988006",
                scheme: "SCT",
                meaning: "Lesion",
            },
        }
    }

    /// Anatomic Region, where the type does not already say it.
    pub fn region(self) -> Option<Code> {
        (self == SegmentKind::EnhancingLesion).then_some(BRAIN)
    }
}

/// Series-level choices of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegOptions {
    pub series_number: i32,
    /// Series Description (at most 64 characters, no backslash).
    pub series_description: String,
    /// Content Label: a DICOM CS, upper case letters, digits, space or underscore, 1-16 long.
    pub content_label: String,
    /// The reader's name (Content Creator's Name); empty when `None`.
    pub creator: Option<String>,
    /// "YYYYMMDDHHMMSS": content, series and instance creation date and time. Given by the
    /// caller so the output is deterministic.
    pub timestamp: String,
}

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
    check_arguments(segments, options).map_err(|problem| Error::Limits {
        subject: path.display().to_string(),
        problem,
    })?;
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
    let obj = dataset::build(&context, pixels).map_err(|problem| Error::Limits {
        subject: path.display().to_string(),
        problem,
    })?;
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

/// The UIDs the object introduces, each derived from what it identifies.
pub(super) struct Uids {
    pub series: String,
    pub instance: String,
    pub dimension_organization: String,
    pub frame_of_reference: String,
    /// Per segment, in order.
    pub tracking: Vec<String>,
}

impl Uids {
    fn new(
        source: &Series,
        segments: &[SegmentSpec],
        options: &SegOptions,
        frames: &[frames::Frame],
        pixels: &[u8],
    ) -> Self {
        let facts = &source.facts;
        // Re-exports of the same source with the same series number and label share a series.
        let series = name_uid(&format!(
            "tandem seg series|{}|{}|{}",
            source.id, options.series_number, options.content_label
        ));
        // Everything the object says enters its instance UID: a changed mark, label or time
        // makes a new instance, the same inputs the same one.
        let mut content = format!(
            "tandem seg instance|{series}|{}|{}|{}|{}|{:032x}",
            options.series_description,
            options.creator.as_deref().unwrap_or(""),
            options.timestamp,
            crate::build_info::DESCRIBE,
            digest(pixels)
        );
        for f in frames {
            content += &format!("|{}@{}", f.segment, f.slice);
        }
        for s in segments {
            let description = s.description.as_deref().unwrap_or("");
            let code = s.kind.property_type().value;
            content += &format!(
                "|{}:{}:{code}:{}:{description}",
                s.number_in_labels,
                s.label,
                s.algorithm.term()
            );
        }
        let instance = name_uid(&content);
        let frame_of_reference = facts.frame_of_reference_uid.clone().unwrap_or_else(|| {
            name_uid(&format!("tandem frame of reference|{}", facts.series_uid))
        });
        // Same patient, same lesion id: same Tracking UID in every exam's SEG.
        let patient = facts.patient_id.as_deref().unwrap_or(&facts.study_uid);
        let tracking = segments
            .iter()
            .map(|s| name_uid(&format!("tandem lesion|{patient}|{}", s.number_in_labels)))
            .collect();
        Self {
            dimension_organization: name_uid(&format!("tandem seg dimensions|{instance}")),
            series,
            instance,
            frame_of_reference,
            tracking,
        }
    }
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
