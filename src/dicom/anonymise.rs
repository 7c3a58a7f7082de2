//! De-identification for teaching cases: DICOM PS3.15 Annex E, the Basic Application Level
//! Confidentiality Profile, with the Retain Longitudinal Temporal Information with Modified
//! Dates option (every date moved by one offset, so the interval between baseline and follow-up
//! stays) and the Clean Descriptors option as far as MR needs it (study and series
//! descriptions and protocol names are kept: they name sequences, and Tandem pairs series by
//! them).
//!
//! - names and IDs of the patient become the case label; birth date, sex, accession number,
//!   study ID and referring physician are emptied;
//! - everything else the basic profile removes (addresses, institutions, physicians, operators,
//!   station, serial numbers, comments, other IDs, requests, content sequences…) is removed,
//!   and so are all private attributes and overlay and curve groups;
//! - every UID that is not a standard one (`1.2.840.10008.…`) is remapped to a `2.25.` UID
//!   derived from it and the case's secret, the same way in every file, so series still pair
//!   and references still resolve;
//! - Patient Identity Removed = YES and De-identification Method say what was done.
//!
//! Burned-in text is not expected in MR and is not looked for. Pixel data is copied unchanged
//! (no transcoding: nothing like (7FE0,0003) is added).

use std::path::Path;

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;

use crate::error::{Error, Result};

/// Attributes the basic profile removes (action X, and X/Z, X/D, X/Z/D taken as X) that MR
/// files carry; private groups, overlays (60xx) and curves (50xx) go too.
pub const REMOVED: &[Tag] = &[
    Tag(0x0008, 0x0080), // Institution Name
    Tag(0x0008, 0x0081), // Institution Address
    Tag(0x0008, 0x0082), // Institution Code Sequence
    Tag(0x0008, 0x0092), // Referring Physician's Address
    Tag(0x0008, 0x0094), // Referring Physician's Telephone Numbers
    Tag(0x0008, 0x0096), // Referring Physician Identification Sequence
    Tag(0x0008, 0x0201), // Timezone Offset From UTC
    Tag(0x0008, 0x1010), // Station Name
    Tag(0x0008, 0x1040), // Institutional Department Name
    Tag(0x0008, 0x1048), // Physician(s) of Record
    Tag(0x0008, 0x1049), // Physician(s) of Record Identification Sequence
    Tag(0x0008, 0x1050), // Performing Physician's Name
    Tag(0x0008, 0x1052), // Performing Physician Identification Sequence
    Tag(0x0008, 0x1060), // Name of Physician(s) Reading Study
    Tag(0x0008, 0x1062), // Physician(s) Reading Study Identification Sequence
    Tag(0x0008, 0x1070), // Operators' Name
    Tag(0x0008, 0x1072), // Operator Identification Sequence
    Tag(0x0008, 0x1080), // Admitting Diagnoses Description
    Tag(0x0008, 0x1084), // Admitting Diagnoses Code Sequence
    Tag(0x0008, 0x1110), // Referenced Study Sequence
    Tag(0x0008, 0x1111), // Referenced Performed Procedure Step Sequence
    Tag(0x0008, 0x1120), // Referenced Patient Sequence
    Tag(0x0008, 0x2111), // Derivation Description
    Tag(0x0010, 0x0021), // Issuer of Patient ID
    Tag(0x0010, 0x0032), // Patient's Birth Time
    Tag(0x0010, 0x0050), // Patient's Insurance Plan Code Sequence
    Tag(0x0010, 0x1000), // Other Patient IDs
    Tag(0x0010, 0x1001), // Other Patient Names
    Tag(0x0010, 0x1002), // Other Patient IDs Sequence
    Tag(0x0010, 0x1005), // Patient's Birth Name
    Tag(0x0010, 0x1010), // Patient's Age
    Tag(0x0010, 0x1020), // Patient's Size
    Tag(0x0010, 0x1030), // Patient's Weight
    Tag(0x0010, 0x1040), // Patient's Address
    Tag(0x0010, 0x1060), // Patient's Mother's Birth Name
    Tag(0x0010, 0x1080), // Military Rank
    Tag(0x0010, 0x1081), // Branch of Service
    Tag(0x0010, 0x1090), // Medical Record Locator
    Tag(0x0010, 0x2150), // Country of Residence
    Tag(0x0010, 0x2152), // Region of Residence
    Tag(0x0010, 0x2154), // Patient's Telephone Numbers
    Tag(0x0010, 0x2160), // Ethnic Group
    Tag(0x0010, 0x2180), // Occupation
    Tag(0x0010, 0x21A0), // Smoking Status
    Tag(0x0010, 0x21B0), // Additional Patient History
    Tag(0x0010, 0x21C0), // Pregnancy Status
    Tag(0x0010, 0x21F0), // Patient's Religious Preference
    Tag(0x0010, 0x4000), // Patient Comments
    Tag(0x0018, 0x1000), // Device Serial Number
    Tag(0x0018, 0x1004), // Plate ID
    Tag(0x0018, 0x1005), // Generator ID
    Tag(0x0018, 0x1007), // Cassette ID
    Tag(0x0018, 0x4000), // Acquisition Comments
    Tag(0x0020, 0x4000), // Image Comments
    Tag(0x0020, 0x9158), // Frame Comments
    Tag(0x0032, 0x1032), // Requesting Physician
    Tag(0x0032, 0x1033), // Requesting Service
    Tag(0x0032, 0x1060), // Requested Procedure Description
    Tag(0x0032, 0x1064), // Requested Procedure Code Sequence
    Tag(0x0032, 0x4000), // Study Comments
    Tag(0x0038, 0x0010), // Admission ID
    Tag(0x0038, 0x0300), // Current Patient Location
    Tag(0x0038, 0x0400), // Patient's Institution Residence
    Tag(0x0038, 0x0500), // Patient State
    Tag(0x0040, 0x0006), // Scheduled Performing Physician's Name
    Tag(0x0040, 0x0241), // Performed Station AE Title
    Tag(0x0040, 0x0242), // Performed Station Name
    Tag(0x0040, 0x0243), // Performed Location
    Tag(0x0040, 0x0244), // Performed Procedure Step Start Date
    Tag(0x0040, 0x0245), // Performed Procedure Step Start Time
    Tag(0x0040, 0x0253), // Performed Procedure Step ID
    Tag(0x0040, 0x0254), // Performed Procedure Step Description
    Tag(0x0040, 0x0275), // Request Attributes Sequence
    Tag(0x0040, 0x1001), // Requested Procedure ID
    Tag(0x0040, 0x1400), // Requested Procedure Comments
    Tag(0x0040, 0x2016), // Placer Order Number / Imaging Service Request
    Tag(0x0040, 0x2017), // Filler Order Number / Imaging Service Request
    Tag(0x0040, 0x2400), // Imaging Service Request Comments
    Tag(0x0040, 0xA730), // Content Sequence
    Tag(0x0400, 0x0561), // Original Attributes Sequence
    Tag(0x4008, 0x0114), // Physician Approving Interpretation
    Tag(0x0008, 0x4000), // Identifying Comments
    Tag(0x0010, 0x1100), // Referenced Patient Photo Sequence
    Tag(0x0010, 0x2000), // Medical Alerts
    Tag(0x0010, 0x2110), // Allergies
    Tag(0x0010, 0x21D0), // Last Menstrual Date
    Tag(0x0010, 0x2203), // Patient's Sex Neutered
    Tag(0x0018, 0x1008), // Gantry ID
    Tag(0x0018, 0x700A), // Detector ID
    Tag(0x0018, 0x9424), // Acquisition Protocol Description
    Tag(0x0018, 0xA003), // Contribution Description
    Tag(0x0032, 0x0012), // Study ID Issuer
    Tag(0x0032, 0x1020), // Scheduled Study Location
    Tag(0x0032, 0x1021), // Scheduled Study Location AE Title
    Tag(0x0032, 0x1030), // Reason for Study
    Tag(0x0038, 0x0004), // Referenced Patient Alias Sequence
    Tag(0x0038, 0x0020), // Admitting Date
    Tag(0x0038, 0x0021), // Admitting Time
    Tag(0x0038, 0x0040), // Discharge Diagnosis Description
    Tag(0x0038, 0x0050), // Special Needs
    Tag(0x0038, 0x0060), // Service Episode ID
    Tag(0x0038, 0x0061), // Issuer of Service Episode ID
    Tag(0x0038, 0x0062), // Service Episode Description
    Tag(0x0038, 0x4000), // Visit Comments
    Tag(0x0040, 0x0001), // Scheduled Station AE Title
    Tag(0x0040, 0x0002), // Scheduled Procedure Step Start Date
    Tag(0x0040, 0x0003), // Scheduled Procedure Step Start Time
    Tag(0x0040, 0x0004), // Scheduled Procedure Step End Date
    Tag(0x0040, 0x0005), // Scheduled Procedure Step End Time
    Tag(0x0040, 0x0007), // Scheduled Procedure Step Description
    Tag(0x0040, 0x0010), // Scheduled Station Name
    Tag(0x0040, 0x0011), // Scheduled Procedure Step Location
    Tag(0x0040, 0x0250), // Performed Procedure Step End Date
    Tag(0x0040, 0x0251), // Performed Procedure Step End Time
    Tag(0x0040, 0x0280), // Comments on the Performed Procedure Step
    Tag(0x0040, 0x1002), // Reason for the Requested Procedure
    Tag(0x0040, 0x1004), // Patient Transport Arrangements
    Tag(0x0040, 0x1005), // Requested Procedure Location
    Tag(0x0040, 0x1010), // Names of Intended Recipients of Results
    Tag(0x0040, 0x3001), // Confidentiality Constraint on Patient Data Description
    Tag(0x0040, 0x4036), // Human Performer's Organization
    Tag(0x0040, 0x4037), // Human Performer's Name
    Tag(0x0040, 0xA027), // Verifying Organization
    Tag(0x0040, 0xA073), // Verifying Observer Sequence
    Tag(0x0040, 0xA075), // Verifying Observer Name
    Tag(0x0040, 0xA078), // Author Observer Sequence
    Tag(0x0040, 0xA088), // Verifying Observer Identification Code Sequence
    Tag(0x4008, 0x0119), // Distribution Name
    Tag(0x4008, 0x011A), // Distribution Address
];

/// Attributes the basic profile empties (action Z, and Z/D taken as Z).
pub const EMPTIED: &[Tag] = &[
    tags::PATIENT_BIRTH_DATE,
    tags::PATIENT_SEX,
    tags::ACCESSION_NUMBER,
    tags::STUDY_ID,
    tags::REFERRING_PHYSICIAN_NAME,
];

/// The de-identification of one teaching case: its label, date offset and UID secret.
#[derive(Debug, Clone)]
pub struct Anonymiser {
    label: String,
    secret: String,
    date_shift_days: i64,
}

impl Anonymiser {
    /// `label` becomes the patient's name and ID; `secret` keys the UID remapping and the
    /// date offset (a fresh random secret per case makes both unguessable; a fixed one makes
    /// the output reproducible, as tests need). The offset is between 1 and 3 years back.
    pub fn new(label: &str, secret: &str) -> Self {
        let hash = crate::synth::noise::mix64(secret.bytes().fold(0x5EED_u64, |h, b| {
            crate::synth::noise::mix64(h ^ u64::from(b))
        }));
        Self {
            label: label.to_owned(),
            secret: secret.to_owned(),
            date_shift_days: -(365 + (hash % 730) as i64),
        }
    }

    pub fn date_shift_days(&self) -> i64 {
        self.date_shift_days
    }

    /// The new UID for `uid` (standard UIDs are kept).
    pub fn uid(&self, uid: &str) -> String {
        let uid = uid.trim_end_matches(['\0', ' ']);
        if uid.starts_with("1.2.840.10008.") || uid.is_empty() {
            return uid.to_owned();
        }
        crate::synth::noise::uid(&format!("tandem anonymise|{}|{uid}", self.secret))
    }

    /// The de-identified copy of one element, or `None` when it goes.
    fn element(&self, e: &InMemElement) -> Option<InMemElement> {
        let tag = e.tag();
        let vr = e.vr();
        if tag.group() % 2 == 1
            || (0x5000..=0x50FF).contains(&tag.group())
            || (0x6000..=0x60FF).contains(&tag.group())
            || REMOVED.contains(&tag)
        {
            return None;
        }
        if EMPTIED.contains(&tag) {
            return Some(DataElement::new(tag, vr, PrimitiveValue::Empty));
        }
        if tag == tags::PATIENT_NAME || tag == tags::PATIENT_ID {
            return Some(DataElement::new(
                tag,
                vr,
                PrimitiveValue::from(self.label.as_str()),
            ));
        }
        match e.value() {
            Value::Sequence(seq) => {
                let items: Vec<InMemDicomObject> = seq
                    .items()
                    .iter()
                    .map(|item| {
                        InMemDicomObject::from_element_iter(
                            item.iter().filter_map(|x| self.element(x)),
                        )
                    })
                    .collect();
                Some(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)))
            }
            Value::Primitive(_) if matches!(vr, VR::UI | VR::DA | VR::DT) => {
                let values = e.to_multi_str().ok()?;
                let changed: Vec<String> = values
                    .iter()
                    .map(|v| match vr {
                        VR::UI => self.uid(v),
                        VR::DA => crate::clock::shift_dicom_date(v, self.date_shift_days)
                            .unwrap_or_default(),
                        _ => {
                            // DT: YYYYMMDDHHMMSS…; the date part moves, the rest stays.
                            let date = v.get(..8).and_then(|d| {
                                crate::clock::shift_dicom_date(d, self.date_shift_days)
                            });
                            date.map(|d| d + v.get(8..).unwrap_or(""))
                                .unwrap_or_default()
                        }
                    })
                    .collect();
                Some(DataElement::new(
                    tag,
                    vr,
                    PrimitiveValue::Strs(changed.into()),
                ))
            }
            _ => Some(e.clone()),
        }
    }

    /// Writes the de-identified copy of the DICOM file `from` to `to` (atomically).
    /// Returns the new Study and Series Instance UIDs.
    pub fn anonymise_file(&self, from: &Path, to: &Path) -> Result<(String, String)> {
        let mut obj = dicom_object::open_file(from).map_err(|e| Error::NotDicom {
            path: from.to_path_buf(),
            reason: e.to_string(),
        })?;
        let replaced: Vec<(Tag, Option<InMemElement>)> =
            obj.iter().map(|e| (e.tag(), self.element(e))).collect();
        for (tag, element) in replaced {
            match element {
                Some(element) => {
                    obj.put(element);
                }
                None => {
                    obj.remove_element(tag);
                }
            }
        }
        obj.put(DataElement::new(
            Tag(0x0012, 0x0062),
            VR::CS,
            PrimitiveValue::from("YES"),
        ));
        obj.put(DataElement::new(
            Tag(0x0012, 0x0063),
            VR::LO,
            PrimitiveValue::Strs(
                [
                    "DICOM PS3.15 E.1 Basic Profile".to_owned(),
                    "Retain Longitudinal Temporal Info, Modified Dates".to_owned(),
                    "Clean Descriptors (kept: descriptions, protocol)".to_owned(),
                ]
                .into_iter()
                .collect(),
            ),
        ));
        obj.put(DataElement::new(
            Tag(0x0028, 0x0303),
            VR::CS,
            PrimitiveValue::from("MODIFIED"),
        ));
        let text = |tag| {
            obj.get(tag)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
                .unwrap_or_default()
        };
        let (study, series, instance) = (
            text(tags::STUDY_INSTANCE_UID),
            text(tags::SERIES_INSTANCE_UID),
            text(tags::SOP_INSTANCE_UID),
        );
        let meta = obj.meta_mut();
        meta.media_storage_sop_instance_uid = instance;
        meta.update_information_group_length();
        let mut bytes = Vec::new();
        obj.write_all(&mut bytes).map_err(|e| Error::Decode {
            path: to.to_path_buf(),
            reason: format!("could not be written: {e}"),
        })?;
        crate::fsutil::write_atomic(to, &bytes)?;
        Ok((study, series))
    }
}
