//! The Segmentation IOD's modules (PS3.3 A.51) as one data set: patient and study copied from
//! the source, series, equipment, image, segments, functional groups, dimensions and the
//! references back to the source images.

use std::path::Path;

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};
use dicom_object::{DefaultDicomObject, InMemDicomObject};

use super::checks::limits;
use super::elements::{Code, Item, Put, item, name_uid};
use super::frames::Frame;
use super::segments::{ALGORITHM_FAMILY, ALGORITHM_NAME, CATEGORY, SegOptions, SegmentSpec};
use super::uids::Uids;
use crate::dicom::attrs;
use crate::dicom::{Series, SliceRef, Stack};
use crate::error::Result;
use crate::pipeline::geometry::Geometry;

/// Everything the data set is made from.
pub(super) struct Context<'a> {
    pub source: &'a Series,
    pub stack: &'a Stack,
    /// The first source file's header (patient and study attributes are copied from it).
    pub header: &'a DefaultDicomObject,
    pub segments: &'a [SegmentSpec],
    pub options: &'a SegOptions,
    pub frames: &'a [Frame],
    pub uids: &'a Uids,
}

/// DCM 113076 "Segmentation": how each frame was derived from its source image.
const DERIVATION: Code = Code {
    value: "113076",
    scheme: "DCM",
    meaning: "Segmentation",
};

/// DCM 121322 "Source image for image processing operation".
const SOURCE_PURPOSE: Code = Code {
    value: "121322",
    scheme: "DCM",
    meaning: "Source image for image processing operation",
};

/// Builds the whole data set; `pixels` is the packed 1-bit pixel data of `frames`.
/// What DICOM cannot hold is refused as [`Error::Limits`] about `path`, the output.
pub(super) fn build(c: &Context<'_>, pixels: Vec<u8>, path: &Path) -> Result<InMemDicomObject> {
    let [columns, rows, _] = c.stack.dims;
    let edge = |n: usize, what: &str| {
        u16::try_from(n)
            .map_err(|_| limits(path, format!("{what} = {n} does not fit a segmentation")))
    };
    let (rows, columns) = (edge(rows, "rows")?, edge(columns, "columns")?);
    if u32::try_from(pixels.len()).is_err() {
        return Err(limits(
            path,
            format!("{} bytes of pixel data (at most 4 GiB)", pixels.len()),
        ));
    }
    let mut obj = InMemDicomObject::new_empty();
    patient_and_study(&mut obj, c.header, &c.source.facts.series_uid);
    series_and_equipment(&mut obj, c);
    let o = &mut obj;
    o.texts(tags::IMAGE_TYPE, VR::CS, &["DERIVED", "PRIMARY"]);
    o.text(tags::INSTANCE_NUMBER, VR::IS, "1");
    o.text(tags::CONTENT_LABEL, VR::CS, &c.options.content_label);
    o.text(
        tags::CONTENT_DESCRIPTION,
        VR::LO,
        &c.options.series_description,
    );
    let creator = c.options.creator.as_deref().unwrap_or("");
    o.text(tags::CONTENT_CREATOR_NAME, VR::PN, creator);
    o.us(tags::SAMPLES_PER_PIXEL, 1);
    o.text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    o.text(tags::NUMBER_OF_FRAMES, VR::IS, &c.frames.len().to_string());
    o.us(tags::ROWS, rows);
    o.us(tags::COLUMNS, columns);
    o.us(tags::BITS_ALLOCATED, 1);
    o.us(tags::BITS_STORED, 1);
    o.us(tags::HIGH_BIT, 0);
    o.us(tags::PIXEL_REPRESENTATION, 0);
    o.text(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00");
    o.text(tags::SEGMENTATION_TYPE, VR::CS, "BINARY");
    // One label per voxel: segments cannot overlap.
    o.text(tags::SEGMENTS_OVERLAP, VR::CS, "NO");
    o.seq(tags::SEGMENT_SEQUENCE, segment_items(c));
    o.seq(
        tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
        vec![shared_groups(&c.stack.geometry)],
    );
    let per_frame = c.frames.iter().map(|f| frame_groups(c, f)).collect();
    o.seq(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, per_frame);
    dimensions(o, &c.uids.dimension_organization);
    o.seq(tags::REFERENCED_SERIES_SEQUENCE, vec![referenced_series(c)]);
    o.put(dicom_core::DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        dicom_core::PrimitiveValue::U8(pixels.into()),
    ));
    Ok(obj)
}

/// Patient and General Study modules from the source file; type 2 attributes stay empty when
/// the source lacks them (a source without a Study Instance UID gets one derived from its
/// series).
fn patient_and_study(obj: &mut Item, header: &DefaultDicomObject, series_uid: &str) {
    let study = attrs::text(header, tags::STUDY_INSTANCE_UID)
        .unwrap_or_else(|| name_uid(&format!("tandem study|{series_uid}")));
    obj.text(tags::STUDY_INSTANCE_UID, VR::UI, &study);
    let copied = [
        (tags::PATIENT_NAME, VR::PN),
        (tags::PATIENT_ID, VR::LO),
        (tags::PATIENT_BIRTH_DATE, VR::DA),
        (tags::PATIENT_SEX, VR::CS),
        (tags::STUDY_DATE, VR::DA),
        (tags::STUDY_TIME, VR::TM),
        (tags::STUDY_ID, VR::SH),
        (tags::ACCESSION_NUMBER, VR::SH),
        (tags::REFERRING_PHYSICIAN_NAME, VR::PN),
    ];
    for (tag, vr) in copied {
        obj.text(tag, vr, &attrs::text(header, tag).unwrap_or_default());
    }
    if let Some(description) = attrs::text(header, tags::STUDY_DESCRIPTION) {
        obj.text(tags::STUDY_DESCRIPTION, VR::LO, &description);
    }
}

/// SOP Common, General and Segmentation Series, Frame of Reference, (Enhanced) General
/// Equipment.
fn series_and_equipment(o: &mut Item, c: &Context<'_>) {
    let (date, time) = c.options.timestamp.split_at(8);
    // UTF-8, so any name copied from the source (decoded from its own character set) fits.
    o.text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    o.text(tags::SOP_CLASS_UID, VR::UI, uids::SEGMENTATION_STORAGE);
    o.text(tags::SOP_INSTANCE_UID, VR::UI, &c.uids.instance);
    for tag in [
        tags::INSTANCE_CREATION_DATE,
        tags::SERIES_DATE,
        tags::CONTENT_DATE,
    ] {
        o.text(tag, VR::DA, date);
    }
    for tag in [
        tags::INSTANCE_CREATION_TIME,
        tags::SERIES_TIME,
        tags::CONTENT_TIME,
    ] {
        o.text(tag, VR::TM, time);
    }
    o.text(tags::MODALITY, VR::CS, "SEG");
    o.text(tags::SERIES_INSTANCE_UID, VR::UI, &c.uids.series);
    o.text(
        tags::SERIES_NUMBER,
        VR::IS,
        &c.options.series_number.to_string(),
    );
    o.text(
        tags::SERIES_DESCRIPTION,
        VR::LO,
        &c.options.series_description,
    );
    o.text(
        tags::FRAME_OF_REFERENCE_UID,
        VR::UI,
        &c.uids.frame_of_reference,
    );
    o.text(tags::POSITION_REFERENCE_INDICATOR, VR::LO, "");
    o.text(tags::MANUFACTURER, VR::LO, "Tandem");
    o.text(tags::MANUFACTURER_MODEL_NAME, VR::LO, "Tandem");
    // Software, not a device: the "serial number" names the build.
    o.text(
        tags::DEVICE_SERIAL_NUMBER,
        VR::LO,
        crate::build_info::COMMIT,
    );
    o.text(tags::SOFTWARE_VERSIONS, VR::LO, crate::build_info::DESCRIBE);
}

/// The Segment Sequence: number, label, codes and tracking identity of each segment.
fn segment_items(c: &Context<'_>) -> Vec<Item> {
    c.segments
        .iter()
        .zip(&c.uids.tracking)
        .enumerate()
        .map(|(n, (s, tracking_uid))| {
            item(|i| {
                i.us(
                    tags::SEGMENT_NUMBER,
                    u16::try_from(n + 1).unwrap_or(u16::MAX),
                );
                i.text(tags::SEGMENT_LABEL, VR::LO, &s.label);
                if let Some(description) = &s.description {
                    i.text(tags::SEGMENT_DESCRIPTION, VR::ST, description);
                }
                i.text(tags::SEGMENT_ALGORITHM_TYPE, VR::CS, s.algorithm.term());
                if s.algorithm.names_algorithm() {
                    i.text(tags::SEGMENT_ALGORITHM_NAME, VR::LO, ALGORITHM_NAME);
                    i.seq(
                        tags::SEGMENTATION_ALGORITHM_IDENTIFICATION_SEQUENCE,
                        vec![algorithm_identification()],
                    );
                }
                i.seq(
                    tags::SEGMENTED_PROPERTY_CATEGORY_CODE_SEQUENCE,
                    vec![CATEGORY.item()],
                );
                i.seq(
                    tags::SEGMENTED_PROPERTY_TYPE_CODE_SEQUENCE,
                    vec![s.kind.property_type().item()],
                );
                if let Some(region) = s.kind.region() {
                    i.seq(tags::ANATOMIC_REGION_SEQUENCE, vec![region.item()]);
                }
                // Tracking ID is UT in today's dictionary (it was LO once; dciodvfy insists on UT).
                i.text(
                    tags::TRACKING_ID,
                    VR::UT,
                    &format!("lesion {}", s.number_in_labels),
                );
                i.text(tags::TRACKING_UID, VR::UI, tracking_uid);
            })
        })
        .collect()
}

/// The Algorithm Identification Macro (PS3.3 Table 10-19): family, name and exact build.
fn algorithm_identification() -> Item {
    item(|a| {
        a.seq(
            tags::ALGORITHM_FAMILY_CODE_SEQUENCE,
            vec![ALGORITHM_FAMILY.item()],
        );
        a.text(tags::ALGORITHM_NAME, VR::LO, ALGORITHM_NAME);
        a.text(tags::ALGORITHM_VERSION, VR::LO, crate::build_info::DESCRIBE);
    })
}

/// Pixel Measures and Plane Orientation, the same for every frame.
fn shared_groups(g: &Geometry) -> Item {
    let (row, column) = (g.axis(0), g.axis(1));
    item(|i| {
        i.seq(
            tags::PIXEL_MEASURES_SEQUENCE,
            vec![item(|m| {
                // DICOM orders Pixel Spacing as (between rows, between columns).
                m.decimals(tags::PIXEL_SPACING, &[g.spacing[1], g.spacing[0]]);
                m.decimals(tags::SLICE_THICKNESS, &[g.spacing[2]]);
                m.decimals(tags::SPACING_BETWEEN_SLICES, &[g.spacing[2]]);
            })],
        );
        i.seq(
            tags::PLANE_ORIENTATION_SEQUENCE,
            vec![item(|p| {
                let iop = [row[0], row[1], row[2], column[0], column[1], column[2]];
                p.decimals(tags::IMAGE_ORIENTATION_PATIENT, &iop);
            })],
        );
    })
}

/// One frame's groups: its source image, dimension indices, position and segment.
fn frame_groups(c: &Context<'_>, frame: &Frame) -> Item {
    let position = c.stack.geometry.index_to_mm([0.0, 0.0, frame.slice as f64]);
    let slice = c.stack.slices.get(frame.slice);
    item(|i| {
        if let Some(slice) = slice {
            i.seq(
                tags::DERIVATION_IMAGE_SEQUENCE,
                vec![item(|d| {
                    d.seq(tags::DERIVATION_CODE_SEQUENCE, vec![DERIVATION.item()]);
                    d.seq(
                        tags::SOURCE_IMAGE_SEQUENCE,
                        vec![source_image(c.stack, slice)],
                    );
                })],
            );
        }
        i.seq(
            tags::FRAME_CONTENT_SEQUENCE,
            vec![item(|f| {
                let values = [u32::from(frame.segment), frame.position_index];
                f.ul(tags::DIMENSION_INDEX_VALUES, &values);
            })],
        );
        i.seq(
            tags::PLANE_POSITION_SEQUENCE,
            vec![item(|p| {
                p.decimals(tags::IMAGE_POSITION_PATIENT, &position)
            })],
        );
        i.seq(
            tags::SEGMENT_IDENTIFICATION_SEQUENCE,
            vec![item(|s| {
                s.us(tags::REFERENCED_SEGMENT_NUMBER, frame.segment)
            })],
        );
    })
}

/// The Source Image Sequence item naming `slice` (and its frame, in a multi-frame source).
fn source_image(stack: &Stack, slice: &SliceRef) -> Item {
    let instance = slice.sop_instance_uid.as_deref().unwrap_or_default();
    let multi_frame = stack
        .slices
        .iter()
        .any(|s| s.frame > 0 && s.sop_instance_uid.as_deref() == Some(instance));
    item(|s| {
        s.text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, &slice.sop_class_uid);
        s.text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, instance);
        if multi_frame {
            s.text(
                tags::REFERENCED_FRAME_NUMBER,
                VR::IS,
                &(slice.frame + 1).to_string(),
            );
        }
        s.seq(
            tags::PURPOSE_OF_REFERENCE_CODE_SEQUENCE,
            vec![SOURCE_PURPOSE.item()],
        );
        s.text(tags::SPATIAL_LOCATIONS_PRESERVED, VR::CS, "YES");
    })
}

/// Multi-frame Dimension module: frames are indexed by segment, then by position.
fn dimensions(o: &mut Item, uid: &str) {
    o.seq(
        tags::DIMENSION_ORGANIZATION_SEQUENCE,
        vec![item(|d| {
            d.text(tags::DIMENSION_ORGANIZATION_UID, VR::UI, uid)
        })],
    );
    let index = |pointer, group, label: &str| {
        item(|d| {
            d.text(tags::DIMENSION_ORGANIZATION_UID, VR::UI, uid);
            d.at(tags::DIMENSION_INDEX_POINTER, pointer);
            d.at(tags::FUNCTIONAL_GROUP_POINTER, group);
            d.text(tags::DIMENSION_DESCRIPTION_LABEL, VR::LO, label);
        })
    };
    o.seq(
        tags::DIMENSION_INDEX_SEQUENCE,
        vec![
            index(
                tags::REFERENCED_SEGMENT_NUMBER,
                tags::SEGMENT_IDENTIFICATION_SEQUENCE,
                "Segment Number",
            ),
            index(
                tags::IMAGE_POSITION_PATIENT,
                tags::PLANE_POSITION_SEQUENCE,
                "Image Position Patient",
            ),
        ],
    );
}

/// Common Instance Reference: the source series and every instance in it.
fn referenced_series(c: &Context<'_>) -> Item {
    let mut seen = std::collections::BTreeSet::new();
    let instances = c
        .stack
        .slices
        .iter()
        .filter_map(|s| Some((s, s.sop_instance_uid.as_deref()?)))
        .filter(|(_, uid)| seen.insert(*uid))
        .map(|(s, uid)| {
            item(|r| {
                r.text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, &s.sop_class_uid);
                r.text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, uid);
            })
        })
        .collect();
    item(|r| {
        r.text(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            &c.source.facts.series_uid,
        );
        r.seq(tags::REFERENCED_INSTANCE_SEQUENCE, instances);
    })
}
