//! What a caller puts in a DICOM Segmentation: its segments (`SegmentSpec`: label value, kind,
//! who made it), the codes each kind is written with, and the series-level `SegOptions`. The
//! writer (`seg`), its checks and the data set builder all read these; see `seg`'s module doc
//! for the codes' sources.

use super::elements::Code;

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
