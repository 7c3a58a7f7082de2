//! Teaching cases: every basic-profile attribute that was in the files is gone or emptied,
//! private data too; UIDs are remapped the same way everywhere and dates keep their interval,
//! so the de-identified pair still pairs and compares exactly as the original did; the
//! reference scores perfectly against the expert's session.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use tandem::compare::{CompareOptions, compare_full};
use tandem::dicom::anonymise::{EMPTIED, REMOVED};
use tandem::marks::{LesionKind, Marks};
use tandem::pipeline::lesion::Status;
use tandem::progress::Progress;
use tandem::report::labels::primary_view;
use tandem::session::Session;

/// Identifying attributes added to every file of the copy, as a hospital's files carry them.
fn add_identifiers(obj: &mut dicom_object::DefaultDicomObject) {
    let put = |obj: &mut dicom_object::DefaultDicomObject, tag, vr, value: &str| {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
    };
    put(obj, tags::INSTITUTION_NAME, VR::LO, "St Example Hospital");
    put(obj, tags::INSTITUTION_ADDRESS, VR::ST, "1 Example Road");
    put(obj, tags::OPERATORS_NAME, VR::PN, "Tech^Tina");
    put(obj, tags::PERFORMING_PHYSICIAN_NAME, VR::PN, "Doe^John");
    put(obj, tags::REFERRING_PHYSICIAN_NAME, VR::PN, "Smith^Anna");
    put(obj, tags::PATIENT_BIRTH_DATE, VR::DA, "19800102");
    put(obj, tags::PATIENT_SEX, VR::CS, "F");
    put(obj, tags::PATIENT_AGE, VR::AS, "045Y");
    put(obj, Tag(0x0010, 0x1000), VR::LO, "MRN-998877"); // Other Patient IDs (retired)
    put(obj, tags::ACCESSION_NUMBER, VR::SH, "ACC12345");
    put(obj, tags::STATION_NAME, VR::SH, "MR-SUITE-2");
    put(obj, tags::DEVICE_SERIAL_NUMBER, VR::LO, "SN-0042");
    put(obj, tags::IMAGE_COMMENTS, VR::LT, "patient anxious");
    put(obj, Tag(0x0029, 0x0010), VR::LO, "SIEMENS CSA HEADER");
    put(obj, Tag(0x0029, 0x1010), VR::LO, "private secrets");
    let request = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::REQUESTED_PROCEDURE_ID,
            VR::SH,
            PrimitiveValue::from("RP1"),
        ),
        DataElement::new(
            tags::REQUESTING_PHYSICIAN,
            VR::PN,
            PrimitiveValue::from("Who^Ever"),
        ),
    ]);
    obj.put(DataElement::new(
        tags::REQUEST_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![request]),
    ));
    // A kept sequence whose item holds a name and a UID: cleaned inside.
    let source = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::REFERENCED_SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.4"),
        ),
        DataElement::new(
            tags::REFERENCED_SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.4.5.6.7"),
        ),
        DataElement::new(
            tags::OPERATORS_NAME,
            VR::PN,
            PrimitiveValue::from("Tech^Tina"),
        ),
    ]);
    obj.put(DataElement::new(
        tags::SOURCE_IMAGE_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![source]),
    ));
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn text(obj: &InMemDicomObject, tag: Tag) -> String {
    obj.get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
        .unwrap_or_default()
}

/// Every tag anywhere in a data set (sequences included).
fn every_tag(obj: &InMemDicomObject, out: &mut Vec<Tag>) {
    for e in obj.iter() {
        out.push(e.tag());
        if let Some(items) = e.items() {
            for item in items {
                every_tag(item, out);
            }
        }
    }
}

#[test]
fn a_teaching_case_is_de_identified_and_still_compares_the_same() {
    let work = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let original = work.path().join("hospital");
    copy_tree(&sample.join("baseline"), &original.join("baseline"));
    copy_tree(&sample.join("followup"), &original.join("followup"));
    for file in all_files(&original) {
        common::edit(&file, add_identifiers);
    }
    // The expert's reading: the comparison's lesions accepted, lesion 1 (new) rejected.
    let comparison = compare_full(
        &original.join("baseline"),
        &original.join("followup"),
        &CompareOptions::default(),
        &Progress::new(),
    )
    .unwrap();
    let report = comparison.report.clone();
    let view = primary_view(&comparison.views).unwrap();
    let mut marks = Marks::new(
        *view.baseline.geometry(),
        view.baseline.dims(),
        &[
            report.baseline.study_uid.clone(),
            report.followup.study_uid.clone(),
        ],
    );
    for l in &report.lesions {
        marks.accept_candidate(
            l.id,
            LesionKind::T2Flair,
            &[
                Some((&view.baseline_lesions, &l.baseline_labels)),
                Some((&view.followup_lesions, &l.followup_labels)),
            ],
        );
    }
    let exams = [original.join("baseline"), original.join("followup")];
    let mut reading =
        tandem::reading::Reading::new(comparison.clone(), CompareOptions::default(), &exams);
    reading.reader = "Dr Expert".into();
    let first = tandem::ids::LesionId::from_label(1).unwrap();
    reading.decisions = BTreeMap::from([(first, tandem::reading::Decision::Rejected)]);
    reading.marks = marks.clone();
    let session = Session::of(&reading);
    let session_path = work.path().join("expert.tandem");
    session.save(&session_path).unwrap();

    let case = work.path().join("case-001");
    let made = tandem::training::teach_pack::teach_pack(
        &session_path,
        &case,
        "CASE-001",
        "test secret",
        Some("Look at the juxtacortical lesion."),
    )
    .unwrap();
    // Answers: 2 new (1 and 4) and 1 enlarging (5) by the marks; 1 rejected: 1 new, 1 enlarging.
    assert_eq!((made.answers.new, made.answers.enlarging), (1, 1));
    assert!(made.answers.active);
    assert_eq!(made.files, [224, 216]);
    assert!(case.join("note.md").is_file() && case.join("case.json").is_file());

    // Every file: no basic-profile attribute left, emptied ones empty, private groups gone.
    let originals: BTreeMap<String, (String, String)> = all_files(&original)
        .iter()
        .map(|f| {
            let o = dicom_object::open_file(f).unwrap();
            (
                text(&o, tags::SOP_INSTANCE_UID),
                (
                    text(&o, tags::SERIES_INSTANCE_UID),
                    text(&o, tags::STUDY_DATE),
                ),
            )
        })
        .collect();
    let mut series_map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut date_offsets = BTreeSet::new();
    for file in all_files(&case.join("baseline"))
        .iter()
        .chain(&all_files(&case.join("followup")))
    {
        let obj = dicom_object::open_file(file).unwrap();
        let mut seen = Vec::new();
        every_tag(&obj, &mut seen);
        for tag in &seen {
            assert!(!REMOVED.contains(tag), "{tag} left in {}", file.display());
            assert!(
                tag.group() % 2 == 0,
                "private {tag} left in {}",
                file.display()
            );
        }
        for tag in EMPTIED {
            assert_eq!(text(&obj, *tag), "", "{tag} not emptied");
        }
        assert_eq!(text(&obj, tags::PATIENT_NAME), "CASE-001");
        assert_eq!(text(&obj, tags::PATIENT_ID), "CASE-001");
        assert_eq!(text(&obj, Tag(0x0012, 0x0062)), "YES");
        // The kept sequence's item was cleaned, its instance reference remapped.
        let source = obj
            .get(tags::SOURCE_IMAGE_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()[0]
            .clone();
        assert!(source.get(tags::OPERATORS_NAME).is_none());
        assert_ne!(
            text(&source, tags::REFERENCED_SOP_INSTANCE_UID),
            "1.2.3.4.5.6.7"
        );
        assert_eq!(
            text(&source, tags::REFERENCED_SOP_CLASS_UID),
            "1.2.840.10008.5.1.4.1.1.4"
        );
        // No original UID survives; each original series maps to exactly one new one.
        let new_instance = text(&obj, tags::SOP_INSTANCE_UID);
        assert!(!originals.contains_key(&new_instance));
        assert_eq!(
            obj.meta()
                .media_storage_sop_instance_uid
                .trim_end_matches('\0'),
            new_instance
        );
        let new_series = text(&obj, tags::SERIES_INSTANCE_UID);
        assert!(originals.values().all(|(s, _)| *s != new_series));
        series_map
            .entry(new_series)
            .or_default()
            .insert(text(&obj, tags::SERIES_DESCRIPTION));
        let date = text(&obj, tags::STUDY_DATE);
        date_offsets.insert(date);
    }
    assert_eq!(
        series_map.len(),
        4,
        "four series, each with one description"
    );
    // dciodvfy finds no error in a de-identified file that it did not find in the original.
    let errors = |path: &Path| -> Vec<String> {
        common::checkers::dciodvfy(path)
            .into_iter()
            .filter(|l| l.starts_with("Error"))
            .collect()
    };
    let before = errors(&all_files(&original.join("baseline"))[0]);
    let after = errors(&all_files(&case.join("baseline"))[0]);
    assert!(after.len() <= before.len(), "{after:#?}");
    assert!(series_map.values().all(|d| d.len() == 1));
    // Both study dates moved by one offset: the interval (371 days) is kept.
    let dates: Vec<String> = date_offsets.into_iter().collect();
    assert_eq!(dates.len(), 2);
    let days = |d: &str| {
        tandem::clock::days_from_civil(
            d[0..4].parse().unwrap(),
            d[4..6].parse().unwrap(),
            d[6..8].parse().unwrap(),
        )
    };
    assert_eq!(
        days(&dates[1]) - days(&dates[0]),
        days("20260316") - days("20250310")
    );
    assert!(dates[0] != "20250310" && dates[1] != "20260316");

    // The de-identified pair pairs and compares as the original did.
    let again = compare_full(
        &case.join("baseline"),
        &case.join("followup"),
        &CompareOptions::default(),
        &Progress::new(),
    )
    .unwrap()
    .report;
    let statuses = |r: &tandem::compare::Report| -> Vec<(tandem::ids::LesionId, Status, bool)> {
        r.lesions
            .iter()
            .map(|l| (l.id, l.status, l.enhancing))
            .collect()
    };
    assert_eq!(statuses(&again), statuses(&report));
    assert_eq!(again.pairs.len(), report.pairs.len());

    // The reference scores perfectly against the expert's session.
    let (reference, expert, geometry) = tandem::training::sources::read_pair(
        &case.join("reference/lesions-followup.nii.gz"),
        &session_path,
    )
    .unwrap();
    let score = tandem::training::score(&reference, &expert, &geometry, &Default::default());
    assert_eq!(
        (score.reference_lesions, score.lesion_f1, score.dice),
        (2, 1.0, 1.0)
    );

    // Never over an existing case.
    let refused = tandem::training::teach_pack::teach_pack(&session_path, &case, "X", "s", None);
    assert!(refused.unwrap_err().to_string().contains("already exists"));
}
