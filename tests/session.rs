//! Sessions: save → load is lossless, a newer format or a damaged file is refused with a
//! message, moved exams are noticed, and killing a process in the middle of saving never
//! corrupts the session already on disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tandem::compare::CompareOptions;
use tandem::marks::tools::{BrushShape, brush};
use tandem::marks::{LesionKind, LesionRecord, Marks, Origin};
use tandem::progress::Progress;
use tandem::reading::{Decision, Reading};
use tandem::report::labels::primary_view;
use tandem::session::{ExamLocation, Session, locate_exam, study_at};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

/// A session over the bundled sample with decisions, notes and marks in both exams.
fn sample_session() -> (Session, Marks) {
    let comparison = crate::common::sample_comparison();
    let report = comparison.report.clone();
    let view = primary_view(&comparison.views).unwrap();
    let dims = view.baseline.dims();
    let mut marks = Marks::new(
        *view.baseline.geometry(),
        dims,
        &[
            report.baseline.study_uid.clone(),
            report.followup.study_uid.clone(),
        ],
    );
    let spacing = view.baseline.geometry().spacing;
    let centre = dims.map(|d| d as f64 / 2.0);
    marks.paint(
        tandem::ids::ExamId::BASELINE,
        &brush(dims, spacing, centre, 3.0, BrushShape::Sphere),
        7,
        true,
    );
    marks.paint(
        tandem::ids::ExamId::FOLLOWUP,
        &brush(dims, spacing, centre, 5.0, BrushShape::Sphere),
        7,
        true,
    );
    marks.paint(
        tandem::ids::ExamId::FOLLOWUP,
        &brush(
            dims,
            spacing,
            [20.0, 30.0, 40.0],
            2.0,
            BrushShape::Disc { through: 2 },
        ),
        8,
        true,
    );
    marks.set_record(
        tandem::ids::LesionId::from_label(8).unwrap(),
        Some(LesionRecord {
            kind: LesionKind::Enhancing,
            note: "ring ✓".into(),
            origin: Origin::Reader,
        }),
    );
    let exams = [sample().join("baseline"), sample().join("followup")];
    let mut reading = Reading::new(comparison.clone(), CompareOptions::default(), &exams);
    reading.reader = "Dr Test".into();
    reading.notes = "Line one\nline two".into();
    let id = |n| tandem::ids::LesionId::from_label(n).unwrap();
    reading.decisions = BTreeMap::from([(id(3), Decision::Confirmed), (id(6), Decision::Rejected)]);
    reading.marks = marks.clone();
    let session = Session::of(&reading);
    (session, marks)
}

#[test]
fn a_session_restores_its_reading_onto_a_fresh_comparison_and_says_what_it_could_not() {
    let (session, marks) = sample_session();
    let fresh = || {
        Reading::new(
            crate::common::sample_comparison(),
            CompareOptions::default(),
            &[],
        )
    };
    let mut reading = fresh();
    let warnings = session.restore_onto(&mut reading);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(reading.reader, "Dr Test");
    assert_eq!(reading.notes, "Line one\nline two");
    assert_eq!(reading.decisions, session.decisions);
    assert_eq!(
        reading.marks.labels(tandem::ids::ExamId::FOLLOWUP),
        marks.labels(tandem::ids::ExamId::FOLLOWUP)
    );
    // Saved again, it is the same session (but for the time it was saved).
    let again = Session::of(&reading);
    assert_eq!(again.decisions, session.decisions);
    assert_eq!(again.marks, session.marks);

    // Marks on another grid are not forced onto this one: the reader is told.
    let mut other = session.clone();
    if let Some(saved) = other.marks.as_mut() {
        saved.geometry.origin[0] += 1.0;
    }
    let mut reading = fresh();
    let warnings = other.restore_onto(&mut reading);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("another grid"), "{warnings:?}");
    assert_eq!(reading.marks.ids(), Vec::<tandem::ids::LesionId>::new());
    assert_eq!(
        reading.decisions, session.decisions,
        "the decisions still are"
    );
}

#[test]
fn save_then_load_is_lossless_and_newer_or_damaged_files_are_refused() {
    let (session, marks) = sample_session();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reading.tandem");
    session.save(&path).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(
        size < 200_000,
        "session is {size} bytes: label volumes must be compressed"
    );
    let loaded = Session::load(&path).unwrap();
    assert_eq!(loaded.to_json().unwrap(), session.to_json().unwrap());
    let restored = loaded.marks.as_ref().unwrap().to_marks().unwrap();
    for exam in tandem::ids::ExamId::first(2) {
        assert_eq!(restored.labels(exam), marks.labels(exam));
    }
    assert_eq!(restored.records(), marks.records());
    let eight = tandem::ids::LesionId::from_label(8).unwrap();
    assert_eq!(
        restored.voxel_count(tandem::ids::ExamId::FOLLOWUP, eight),
        marks.voxel_count(tandem::ids::ExamId::FOLLOWUP, eight)
    );
    let six = tandem::ids::LesionId::from_label(6).unwrap();
    assert_eq!(loaded.decisions.get(&six), Some(&Decision::Rejected));
    assert_eq!(loaded.report.lesions.len(), session.report.lesions.len());
    assert_eq!(
        loaded.report.lesions[0].followup_labels, session.report.lesions[0].followup_labels,
        "lesion map labels survive (viewers need them)"
    );

    // A session from a newer format: refused whole, with a message that says why.
    let mut json: serde_json::Value = serde_json::from_str(&session.to_json().unwrap()).unwrap();
    json["version"] = 2.into();
    let newer = dir.path().join("newer.tandem");
    std::fs::write(&newer, json.to_string()).unwrap();
    let message = Session::load(&newer).unwrap_err().to_string();
    assert!(
        message.contains("version 2") && message.contains("newer"),
        "{message}"
    );

    // Damaged: truncated, wrong format, label data that does not fit the grid.
    let text = session.to_json().unwrap();
    let cases = [
        ("truncated", text[..text.len() / 2].to_owned()),
        (
            "other",
            r#"{"format": "something-else", "version": 1}"#.to_owned(),
        ),
        ("labels", {
            let mut j = json.clone();
            j["version"] = 1.into();
            j["marks"]["dims"][0] = 3.into();
            j.to_string()
        }),
    ];
    for (name, content) in cases {
        let path = dir.path().join(format!("{name}.tandem"));
        std::fs::write(&path, content).unwrap();
        let err = Session::load(&path).unwrap_err().to_string();
        assert!(
            err.contains(&format!("{name}.tandem")),
            "message names the file: {err}"
        );
    }
}

#[test]
fn moved_exams_are_noticed_and_found_again() {
    let dir = tempfile::tempdir().unwrap();
    let moved = dir.path().join("moved-baseline");
    for f in std::fs::read_dir(sample().join("baseline")).unwrap() {
        let f = f.unwrap().path();
        let dest = moved.join(f.strip_prefix(sample().join("baseline")).unwrap());
        if f.is_dir() {
            copy_dir(&f, &dest);
        } else {
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&f, &dest).unwrap();
        }
    }
    let uid = tandem::dicom::scan_paths(std::slice::from_ref(&moved), &Progress::new()).patients[0]
        .studies[0]
        .uid
        .clone();
    let gone = ExamLocation {
        path: dir.path().join("was-here"),
        study_uid: uid.clone(),
        series_uids: Vec::new(),
    };
    assert_eq!(locate_exam(&gone), None);
    assert!(study_at(&moved, &uid));
    assert!(
        !study_at(&sample().join("followup"), &uid),
        "another study is not the exam"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Set in the child process this test starts (to "seed;target"): the child loads the seed
/// session and saves changed copies over the target in a loop until killed.
const WRITER_ENV: &str = "TANDEM_TEST_SESSION_WRITER";

#[test]
fn killing_a_save_never_corrupts_the_saved_session() {
    if let Ok(paths) = std::env::var(WRITER_ENV) {
        // The child: save ever-changing sessions as fast as possible.
        let (seed, target) = paths.split_once(';').unwrap();
        let mut session = Session::load(Path::new(seed)).unwrap();
        for n in 0u64.. {
            session.notes = format!("save {n}");
            session.save(Path::new(target)).unwrap();
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let seed_dir = tempfile::tempdir().unwrap();
    let seed = seed_dir.path().join("seed.tandem");
    let path = dir.path().join("reading.tandem");
    let (first, _) = sample_session();
    first.save(&seed).unwrap();
    first.save(&path).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut kills_mid_save = 0;
    for round in 0..8u64 {
        let mut child = std::process::Command::new(&exe)
            .args([
                "--exact",
                "session::killing_a_save_never_corrupts_the_saved_session",
                "--nocapture",
            ])
            .env(WRITER_ENV, format!("{};{}", seed.display(), path.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill it at a different moment each round (it starts saving within ~0.2 s).
        std::thread::sleep(Duration::from_millis(400 + 97 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        let loaded = Session::load(&path).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert!(loaded.notes.starts_with("save ") || loaded.notes == first.notes);
        let temporaries = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp-")
            })
            .count();
        kills_mid_save += usize::from(temporaries > 0);
        // Leftover temporaries from a killed save are harmless; clear them for the next round.
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let p = e.unwrap().path();
            if p.to_string_lossy().contains(".tmp-") {
                std::fs::remove_file(p).unwrap();
            }
        }
    }
    let loaded = Session::load(&path).unwrap();
    assert!(
        loaded.notes.starts_with("save "),
        "the child did save: {}",
        loaded.notes
    );
    // At least one kill landed inside a save (a temporary was left): the test exercised
    // the dangerous moment, not only the gaps between saves.
    assert!(
        kills_mid_save > 0,
        "no kill landed mid-save; lengthen the sessions"
    );
}
