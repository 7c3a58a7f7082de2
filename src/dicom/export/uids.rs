//! The UIDs a Segmentation introduces (series, instance, dimension organisation, frame of
//! reference, one Tracking UID per segment), each derived from what it identifies, so the same
//! inputs give the same object.

use super::elements::{digest, name_uid};
use super::frames;
use super::segments::{SegOptions, SegmentSpec};
use crate::dicom::Series;

/// The UIDs the object introduces, each derived from what it identifies.
pub struct Uids {
    pub series: String,
    pub instance: String,
    pub dimension_organization: String,
    pub frame_of_reference: String,
    /// Per segment, in order.
    pub tracking: Vec<String>,
}

impl Uids {
    pub fn new(
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
