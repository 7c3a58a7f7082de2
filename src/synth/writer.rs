//! Writes a rendered series as real DICOM MR Image Storage files (one per slice), with
//! dicom-object, optionally JPEG-LS lossless compressed through dicom-pixeldata's codec.

use std::path::Path;

use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::{tags, uids};
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use dicom_pixeldata::Transcode;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use ndarray::{ArrayView2, Axis};
use rayon::prelude::*;

use super::noise::uid;
use crate::dicom::Rescale;
use crate::dicom::export::elements::decimal_string;
use crate::error::{Error, Result};
use crate::pipeline::geometry::Geometry;
use crate::pipeline::volume::Volume;

/// Transfer syntax of written files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    ExplicitLittleEndian,
    JpegLsLossless,
}

impl Encoding {
    fn uid(self) -> &'static str {
        match self {
            Encoding::ExplicitLittleEndian => uids::EXPLICIT_VR_LITTLE_ENDIAN,
            Encoding::JpegLsLossless => uids::JPEGLS_LOSSLESS,
        }
    }
}

/// Identity and acquisition facts written into every file of a series.
#[derive(Debug, Clone)]
pub struct SeriesHeader {
    pub patient_name: String,
    pub patient_id: String,
    pub patient_birth_date: String,
    pub patient_sex: String,
    pub study_uid: String,
    pub study_date: String,
    pub study_time: String,
    pub study_description: String,
    pub accession: String,
    pub series_uid: String,
    pub series_number: i32,
    pub series_description: String,
    pub frame_of_reference_uid: String,
    pub contrast_agent: Option<String>,
    pub field_strength_t: f64,
    pub rescale: Rescale,
    pub window: (f64, f64),
}

/// (7FE0,0003) Encapsulated Pixel Data Value Total Length.
const ENCAPSULATED_TOTAL_LENGTH: dicom_core::Tag = dicom_core::Tag(0x7FE0, 0x0003);

/// Bits stored in the written files.
const BITS_STORED: u16 = 12;

/// Writes `volume` as one file per slice into `dir` (created if missing). Slices are written
/// in parallel; file names follow slice order (`IM0001`...).
pub fn write_series(
    dir: &Path,
    volume: &Volume,
    header: &SeriesHeader,
    encoding: Encoding,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let geometry = *volume.geometry();
    volume
        .voxels()
        .axis_iter(Axis(0))
        .enumerate()
        .par_bridge()
        .try_for_each(|(k, slice)| {
            let path = dir.join(format!("IM{:04}", k + 1));
            write_slice(&path, slice, k, &geometry, header, encoding)
        })
}

fn write_slice(
    path: &Path,
    slice: ArrayView2<'_, f32>,
    k: usize,
    geometry: &Geometry,
    header: &SeriesHeader,
    encoding: Encoding,
) -> Result<()> {
    let (rows, columns) = slice.dim();
    let max_stored = f64::from((1u16 << BITS_STORED) - 1);
    let Rescale { slope, intercept } = header.rescale;
    let pixels: Vec<u16> = slice
        .iter()
        .map(|v| {
            ((f64::from(*v) - intercept) / slope)
                .round()
                .clamp(0.0, max_stored) as u16
        })
        .collect();
    let position = geometry.index_to_mm([0.0, 0.0, k as f64]);
    let row_cos = geometry.axis(0);
    let col_cos = geometry.axis(1);
    let normal = geometry.axis(2);
    let slice_location = crate::pipeline::geometry::dot(position, normal);
    let sop_uid = uid(&format!("{}/{k}", header.series_uid));

    let mut obj = InMemDicomObject::new_empty();
    let mut put = |tag, vr, value: PrimitiveValue| {
        obj.put(DataElement::new(tag, vr, value));
    };
    let text = |s: &str| PrimitiveValue::from(s.to_owned());
    put(tags::SPECIFIC_CHARACTER_SET, VR::CS, text("ISO_IR 100"));
    put(
        tags::IMAGE_TYPE,
        VR::CS,
        dicom_value!(Strs, ["ORIGINAL", "PRIMARY", "M", "ND"]),
    );
    put(tags::SOP_CLASS_UID, VR::UI, text(uids::MR_IMAGE_STORAGE));
    put(tags::SOP_INSTANCE_UID, VR::UI, text(&sop_uid));
    put(tags::STUDY_DATE, VR::DA, text(&header.study_date));
    put(tags::SERIES_DATE, VR::DA, text(&header.study_date));
    put(tags::STUDY_TIME, VR::TM, text(&header.study_time));
    put(tags::SERIES_TIME, VR::TM, text(&header.study_time));
    put(tags::ACCESSION_NUMBER, VR::SH, text(&header.accession));
    put(tags::MODALITY, VR::CS, text("MR"));
    put(tags::MANUFACTURER, VR::LO, text("Tandem synthetic phantom"));
    put(
        tags::STUDY_DESCRIPTION,
        VR::LO,
        text(&header.study_description),
    );
    put(
        tags::SERIES_DESCRIPTION,
        VR::LO,
        text(&header.series_description),
    );
    put(tags::PATIENT_NAME, VR::PN, text(&header.patient_name));
    put(tags::PATIENT_ID, VR::LO, text(&header.patient_id));
    put(
        tags::PATIENT_BIRTH_DATE,
        VR::DA,
        text(&header.patient_birth_date),
    );
    put(tags::PATIENT_SEX, VR::CS, text(&header.patient_sex));
    if let Some(agent) = &header.contrast_agent {
        put(tags::CONTRAST_BOLUS_AGENT, VR::LO, text(agent));
    }
    // The MR Image and General Series/Study modules complete (dciodvfy checks them): the
    // protocol a 3T scanner would use for this sequence, and the type 2 attributes empty.
    let protocol = Protocol::for_series(&header.series_description);
    put(
        tags::SCANNING_SEQUENCE,
        VR::CS,
        text(protocol.scanning_sequence),
    );
    put(
        tags::SEQUENCE_VARIANT,
        VR::CS,
        text(protocol.sequence_variant),
    );
    put(tags::SCAN_OPTIONS, VR::CS, PrimitiveValue::Empty);
    put(tags::MR_ACQUISITION_TYPE, VR::CS, text("3D"));
    put(
        tags::REPETITION_TIME,
        VR::DS,
        text(&decimal_string(protocol.tr_ms)),
    );
    put(
        tags::ECHO_TIME,
        VR::DS,
        text(&decimal_string(protocol.te_ms)),
    );
    put(
        tags::INVERSION_TIME,
        VR::DS,
        text(&decimal_string(protocol.ti_ms)),
    );
    put(
        tags::ECHO_TRAIN_LENGTH,
        VR::IS,
        text(&protocol.echo_train.to_string()),
    );
    put(tags::STUDY_ID, VR::SH, text("1"));
    put(
        tags::REFERRING_PHYSICIAN_NAME,
        VR::PN,
        PrimitiveValue::Empty,
    );
    put(tags::PATIENT_POSITION, VR::CS, text("HFS"));
    // An unpaired body part: Laterality is not required.
    put(tags::BODY_PART_EXAMINED, VR::CS, text("BRAIN"));
    put(
        tags::POSITION_REFERENCE_INDICATOR,
        VR::LO,
        PrimitiveValue::Empty,
    );
    put(
        tags::SLICE_THICKNESS,
        VR::DS,
        text(&decimal_string(geometry.spacing[2])),
    );
    put(
        tags::SPACING_BETWEEN_SLICES,
        VR::DS,
        text(&decimal_string(geometry.spacing[2])),
    );
    put(
        tags::MAGNETIC_FIELD_STRENGTH,
        VR::DS,
        text(&decimal_string(header.field_strength_t)),
    );
    put(tags::STUDY_INSTANCE_UID, VR::UI, text(&header.study_uid));
    put(tags::SERIES_INSTANCE_UID, VR::UI, text(&header.series_uid));
    put(
        tags::SERIES_NUMBER,
        VR::IS,
        text(&header.series_number.to_string()),
    );
    put(tags::INSTANCE_NUMBER, VR::IS, text(&(k + 1).to_string()));
    put(tags::IMAGE_POSITION_PATIENT, VR::DS, ds_multi(&position));
    let orientation = [
        row_cos[0], row_cos[1], row_cos[2], col_cos[0], col_cos[1], col_cos[2],
    ];
    put(
        tags::IMAGE_ORIENTATION_PATIENT,
        VR::DS,
        ds_multi(&orientation),
    );
    put(
        tags::FRAME_OF_REFERENCE_UID,
        VR::UI,
        text(&header.frame_of_reference_uid),
    );
    put(
        tags::SLICE_LOCATION,
        VR::DS,
        text(&decimal_string(slice_location)),
    );
    put(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16));
    put(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        text("MONOCHROME2"),
    );
    put(tags::ROWS, VR::US, PrimitiveValue::from(rows as u16));
    put(tags::COLUMNS, VR::US, PrimitiveValue::from(columns as u16));
    // DICOM orders Pixel Spacing as (between rows, between columns).
    put(
        tags::PIXEL_SPACING,
        VR::DS,
        ds_multi(&[geometry.spacing[1], geometry.spacing[0]]),
    );
    put(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16));
    put(tags::BITS_STORED, VR::US, PrimitiveValue::from(BITS_STORED));
    put(
        tags::HIGH_BIT,
        VR::US,
        PrimitiveValue::from(BITS_STORED - 1),
    );
    put(
        tags::PIXEL_REPRESENTATION,
        VR::US,
        PrimitiveValue::from(0u16),
    );
    put(
        tags::WINDOW_CENTER,
        VR::DS,
        text(&decimal_string(header.window.0)),
    );
    put(
        tags::WINDOW_WIDTH,
        VR::DS,
        text(&decimal_string(header.window.1)),
    );
    put(
        tags::RESCALE_INTERCEPT,
        VR::DS,
        text(&decimal_string(intercept)),
    );
    put(tags::RESCALE_SLOPE, VR::DS, text(&decimal_string(slope)));
    put(tags::RESCALE_TYPE, VR::LO, text("US"));
    put(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(pixels.into()));

    let mut file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .implementation_class_uid(uid("tandem implementation"))
                .implementation_version_name("TANDEM_0"),
        )
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
    if encoding != Encoding::ExplicitLittleEndian {
        let ts = TransferSyntaxRegistry
            .get(encoding.uid())
            .ok_or_else(|| Error::Unsupported {
                path: path.to_owned(),
                what: format!("no encoder for {}", encoding.uid()),
            })?;
        file.transcode(ts).map_err(|e| Error::Decode {
            path: path.to_owned(),
            reason: format!("encoding failed: {e}"),
        })?;
        // dicom-pixeldata adds Encapsulated Pixel Data Value Total Length (7FE0,0003, VR UV),
        // which GDCM (and so ITK, SimpleITK, 3D Slicer) fails to read: leave it out.
        file.remove_element(ENCAPSULATED_TOTAL_LENGTH);
    }
    file.write_to_file(path)
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))
}

fn ds_multi(values: &[f64]) -> PrimitiveValue {
    PrimitiveValue::Strs(values.iter().map(|v| decimal_string(*v)).collect())
}

/// Acquisition parameters of the synthetic protocol, as a 3T scanner runs these sequences.
struct Protocol {
    scanning_sequence: &'static str,
    sequence_variant: &'static str,
    tr_ms: f64,
    te_ms: f64,
    ti_ms: f64,
    echo_train: u32,
}

impl Protocol {
    /// 3D FLAIR (SPACE-like inversion recovery turbo spin echo) or 3D T1 (MPRAGE).
    fn for_series(description: &str) -> Self {
        if description.to_uppercase().contains("FLAIR") {
            Self {
                scanning_sequence: "SE\\IR",
                sequence_variant: "SK\\SP\\MP",
                tr_ms: 5000.0,
                te_ms: 388.0,
                ti_ms: 1800.0,
                echo_train: 240,
            }
        } else {
            Self {
                scanning_sequence: "GR\\IR",
                sequence_variant: "SP\\MP",
                tr_ms: 2300.0,
                te_ms: 2.98,
                ti_ms: 900.0,
                echo_train: 1,
            }
        }
    }
}
