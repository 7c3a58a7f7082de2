//! UI tests of the reader's own work: marking with the tools (by pointer and by keyboard),
//! undo/redo, accepting a candidate, saving and reopening a session, recovering an interrupted
//! reading, and saving the report without replacing one silently.

use std::path::Path;
use std::time::{Duration, Instant};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tandem::ids::{ExamId, LesionId};
use tandem::reading::{Decision, Source};

use super::TandemApp;
use super::command::Command;
use super::marking::{Mark, Tool};
use super::test_support::{compared_app, step_until};

const BASELINE: ExamId = ExamId::BASELINE;
const FOLLOWUP: ExamId = ExamId::FOLLOWUP;

fn app_with(setup: impl FnOnce(&mut TandemApp) + 'static) -> Harness<'static, TandemApp> {
    let (baseline, followup) = super::sample_pair();
    Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(move |cc| {
            let mut app = TandemApp::new(&cc.egui_ctx, Some(baseline), Some(followup));
            setup(&mut app);
            app
        })
}

/// Lesion id `n` (1..).
fn lesion_id(n: u16) -> LesionId {
    LesionId::from_label(n).unwrap()
}

fn compared(harness: &mut Harness<'_, TandemApp>) {
    step_until(harness, "the comparison", |app| {
        app.review.is_some() && !app.busy()
    });
}

fn marked_voxels(app: &TandemApp, exam: ExamId) -> u64 {
    let review = app.review.as_ref().unwrap();
    review
        .reading
        .marks
        .ids()
        .iter()
        .map(|id| review.reading.marks.voxel_count(exam, *id))
        .sum()
}

#[test]
fn painting_with_the_brush_then_undo_and_redo() {
    let mut harness = compared_app(|_| {});
    harness.get_by_label("Brush").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().review.as_ref().unwrap().marking.tool,
        Tool::Brush
    );
    // A drag across the middle of the follow-up view paints a lesion there.
    let rect = harness
        .get_by_label("Follow-up (registered) · Axial view")
        .rect();
    let from = rect.center() + egui::vec2(-10.0, -30.0);
    harness.hover_at(from);
    harness.drag_at(from);
    harness.run_steps(2);
    for step in 1..=6 {
        harness.hover_at(from + egui::vec2(4.0 * step as f32, 0.0));
        harness.run_steps(1);
    }
    harness.drop_at(from + egui::vec2(24.0, 0.0));
    harness.run_steps(3);
    let painted = marked_voxels(harness.state(), FOLLOWUP);
    assert!(painted > 20, "{painted} voxels painted");
    assert_eq!(
        marked_voxels(harness.state(), BASELINE),
        0,
        "the baseline is untouched"
    );
    {
        let review = harness.state().review.as_ref().unwrap();
        let drawn: Vec<_> = review
            .lesions()
            .iter()
            .filter(|l| l.source == Source::Reader)
            .collect();
        assert_eq!(drawn.len(), 1, "one reader lesion");
        assert_eq!(
            review.summary().counts.new,
            Some(3),
            "the reader's new lesion is counted"
        );
    }
    harness.get_by_label("New T2/FLAIR lesions: 3");
    // The whole drag is one undo step; Ctrl+Z and Ctrl+Y.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(2);
    assert_eq!(marked_voxels(harness.state(), FOLLOWUP), 0);
    harness.get_by_label("New T2/FLAIR lesions: 2");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    harness.run_steps(2);
    assert_eq!(marked_voxels(harness.state(), FOLLOWUP), painted);
    // The eraser takes it away again.
    harness
        .state_mut()
        .push_command(Command::Mark(Mark::SetTool(Tool::Eraser)));
    harness
        .state_mut()
        .push_command(Command::Mark(Mark::SetRadius(20.0)));
    let at = harness.state().review.as_ref().unwrap().viewport.cursor;
    let centre = {
        let review = harness.state().review.as_ref().unwrap();
        let id = review.reading.marks.ids()[0];
        let g = review.reading.marks.geometry();
        g.mm_to_index(tandem::reading::marked_centroids(&review.reading.marks)[&id])
    };
    let _ = at;
    for first in [true, false] {
        harness.state_mut().push_command(Command::Mark(Mark::Dab {
            exam: FOLLOWUP,
            at: centre,
            through: 2,
            first,
        }));
    }
    harness
        .state_mut()
        .push_command(Command::Mark(Mark::EndStroke));
    harness.run_steps(2);
    assert_eq!(marked_voxels(harness.state(), FOLLOWUP), 0, "erased");
}

#[test]
fn accepting_a_candidate_and_editing_its_record() {
    let mut harness = compared_app(|_| {});
    harness.get_by_label("Lesion 4").click();
    harness.run_steps(2);
    harness.get_by_label("Mark as lesion").click();
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    let lesion = review.lesion(lesion_id(4)).unwrap();
    assert_eq!(lesion.source, Source::AlgorithmMarked);
    assert_eq!(lesion.decision, Decision::Confirmed);
    assert!(review.reading.marks.voxel_count(FOLLOWUP, lesion_id(4)) > 20);
    assert_eq!(
        review.reading.marks.voxel_count(BASELINE, lesion_id(4)),
        0,
        "new: nothing at baseline"
    );
    // Region growing from the lesion's centre at follow-up adds to it; a tight tolerance stays
    // inside the plaque (it does not leak into the brain).
    let centre = review
        .reading
        .marks
        .geometry()
        .mm_to_index(lesion.centroid_mm);
    let before = review.reading.marks.voxel_count(FOLLOWUP, lesion_id(4));
    harness
        .state_mut()
        .push_command(Command::Mark(Mark::SetTool(Tool::Grow)));
    harness.state_mut().push_command(Command::Mark(Mark::Grow {
        exam: FOLLOWUP,
        at: centre,
    }));
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    let grown = review.reading.marks.voxel_count(FOLLOWUP, lesion_id(4));
    assert!(
        grown >= before / 2 && grown < 20 * before,
        "{before} → {grown}"
    );
    // Type and note from the panel.
    harness.get_by_label("Note").click();
    harness.run_steps(1);
    harness.get_by_label("Note").type_text("ring enhancement");
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    assert_eq!(
        review.lesion(lesion_id(4)).unwrap().note,
        "ring enhancement"
    );
    harness.get_by_label("Delete marks").click();
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    assert_eq!(
        review.lesion(lesion_id(4)).unwrap().source,
        Source::Algorithm
    );
}

/// Paints a small lesion at follow-up and (with `reject`) rejects lesion 1 (new, periventricular
/// in the sample), through commands.
fn make_some_work(harness: &mut Harness<'_, TandemApp>, reject: bool) {
    let app = harness.state_mut();
    let centre = {
        let review = app.review.as_ref().unwrap();
        review.reading.marks.dims().map(|d| d as f64 / 2.0)
    };
    for command in [
        Command::Mark(Mark::SetTool(Tool::Brush)),
        Command::Mark(Mark::SetRadius(4.0)),
        Command::Mark(Mark::ToggleSphere),
        Command::Mark(Mark::Dab {
            exam: FOLLOWUP,
            at: centre,
            through: 2,
            first: true,
        }),
        Command::Mark(Mark::EndStroke),
        Command::SelectLesion(lesion_id(1)),
        Command::SetReader("Dr Kittest".into()),
    ] {
        app.push_command(command);
    }
    if reject {
        app.push_command(Command::RejectSelected);
    }
    harness.run_steps(3);
}

#[test]
fn the_reader_stays_and_the_notes_stay_with_their_exams_when_exams_are_loaded_again() {
    let mut harness = compared_app(|_| {});
    let (baseline, followup) = super::sample_pair();
    for command in [
        Command::SetReader("Dr Kittest".into()),
        Command::SetNotes("Compared with care.".into()),
    ] {
        harness.state_mut().push_command(command);
    }
    harness.run_steps(2);
    let reading = |app: &TandemApp| {
        let reading = &app.review.as_ref().unwrap().reading;
        (reading.reader.clone(), reading.notes.clone())
    };
    // The same exams loaded again (as when another series is chosen): the reading's reader
    // and notes are still there.
    harness
        .state_mut()
        .push_command(Command::OpenExam(super::command::Side::Followup, followup));
    harness.run_steps(2);
    compared(&mut harness);
    assert_eq!(
        reading(harness.state()),
        ("Dr Kittest".into(), "Compared with care.".into())
    );
    // Other exams: the same reader, but the notes were about the other exams.
    harness
        .state_mut()
        .push_command(Command::OpenExam(super::command::Side::Followup, baseline));
    harness.run_steps(2);
    compared(&mut harness);
    assert_eq!(
        reading(harness.state()),
        ("Dr Kittest".into(), String::new())
    );
}

#[test]
fn a_saved_session_reopens_with_its_marks_and_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reading.tandem");
    let mut harness = compared_app(|_| {});
    make_some_work(&mut harness, true);
    let voxels = marked_voxels(harness.state(), FOLLOWUP);
    assert!(voxels > 50);
    assert!(
        harness
            .state()
            .session
            .dirty(harness.state().review.as_ref())
    );
    harness
        .state_mut()
        .push_command(Command::SaveSessionTo(path.clone()));
    harness.run_steps(2);
    assert!(path.is_file());
    assert!(
        !harness
            .state()
            .session
            .dirty(harness.state().review.as_ref())
    );

    // A new app opens it: exams loaded and compared again, the reading put back.
    let reopen = path.clone();
    let mut harness = app_with(move |app| app.push_command(Command::OpenSession(reopen)));
    step_until(&mut harness, "reopening", |app| {
        app.review.is_some() && app.session.pending.is_none() && !app.busy()
    });
    let state = harness.state();
    assert_eq!(marked_voxels(state, FOLLOWUP), voxels);
    let review = state.review.as_ref().unwrap();
    assert_eq!(
        review.lesion(lesion_id(1)).unwrap().decision,
        Decision::Rejected
    );
    assert_eq!(state.review.as_ref().unwrap().reading.reader, "Dr Kittest");
    assert_eq!(state.session.path.as_deref(), Some(path.as_path()));
    assert!(
        !state.session.dirty(state.review.as_ref()),
        "just opened: nothing to save"
    );
    harness.get_by_label_contains("restored");
}

#[test]
fn an_interrupted_reading_is_offered_for_recovery() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_path_buf();
    let dir = data_dir.clone();
    let mut harness = compared_app(move |app| {
        app.enable_recovery(dir);
        app.session.autosave_after = Some(Duration::ZERO);
    });
    assert!(
        harness.state().session.recovery.is_none(),
        "nothing to recover at first"
    );
    make_some_work(&mut harness, true);
    let voxels = marked_voxels(harness.state(), FOLLOWUP);
    let recovery = tandem::session::recovery_path(&data_dir);
    step_until(&mut harness, "the autosave", |_| recovery.is_file());
    // "Crash": the app is dropped without closing; the next start offers the reading.
    drop(harness);
    let dir = data_dir.clone();
    let mut harness = app_with(move |app| app.enable_recovery(dir));
    harness.run_steps(2);
    harness.get_by_label_contains("Tandem closed before this reading was saved");
    harness.get_by_label("Recover").click();
    step_until(&mut harness, "recovery", |app| {
        app.review.is_some() && app.session.pending.is_none() && !app.busy()
    });
    let state = harness.state();
    assert_eq!(marked_voxels(state, FOLLOWUP), voxels);
    assert_eq!(state.review.as_ref().unwrap().reading.reader, "Dr Kittest");
    assert!(
        state.session.dirty(state.review.as_ref()),
        "recovered work is still unsaved"
    );
    // Discarding removes the file.
    let dir = data_dir.clone();
    let mut harness = app_with(move |app| app.enable_recovery(dir));
    harness.run_steps(2);
    harness.get_by_label("Discard").click();
    harness.run_steps(2);
    assert!(!tandem::session::recovery_path(&data_dir).exists());
}

#[test]
fn saving_the_report_never_replaces_one_silently() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let mut harness = compared_app(|_| {});
    make_some_work(&mut harness, true);
    harness
        .state_mut()
        .push_command(Command::WriteReport(out.clone(), false));
    step_until(&mut harness, "the report", |app| {
        app.session.status.is_some() && !app.busy()
    });
    let status = harness.state().session.status.clone();
    assert!(
        status
            .as_ref()
            .is_some_and(|(t, e)| !e && t.contains("Report written")),
        "{status:?}"
    );
    harness.get_by_label_contains("Report written");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("id=\"count-new\">2<"),
        "1 rejected, 1 drawn: 2 new"
    );
    assert!(html.contains("Dr Kittest"));
    assert!(out.join("lesions-seg.dcm").is_file());
    let first = std::fs::read(out.join("report.json")).unwrap();
    // Again into the same folder: the app asks first.
    harness
        .state_mut()
        .push_command(Command::WriteReport(out.clone(), false));
    harness.run_steps(3);
    assert_eq!(
        harness.state().session.confirm_replace.as_deref(),
        Some(out.as_path())
    );
    assert_eq!(
        std::fs::read(out.join("report.json")).unwrap(),
        first,
        "untouched while asking"
    );
    harness.state_mut().session.status = None;
    harness.get_by_label("Replace it").click();
    step_until(&mut harness, "the second report", |app| {
        app.session.status.is_some() && !app.busy()
    });
    assert!(harness.state().session.confirm_replace.is_none());
    assert!(Path::new(&out.join("report.html")).is_file());
}

#[test]
fn a_session_whose_exam_moved_asks_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reading.tandem");
    let mut harness = compared_app(|_| {});
    make_some_work(&mut harness, true);
    harness
        .state_mut()
        .push_command(Command::SaveSessionTo(path.clone()));
    harness.run_steps(2);
    let voxels = marked_voxels(harness.state(), FOLLOWUP);
    // The baseline "moves": the session now points at a folder that is gone.
    let mut session = tandem::session::Session::load(&path).unwrap();
    let real = session.baseline.path.clone();
    session.baseline.path = dir.path().join("moved-away");
    session.save(&path).unwrap();
    let reopen = path.clone();
    let mut harness = app_with(move |app| app.push_command(Command::OpenSession(reopen)));
    harness.run_steps(3);
    harness.get_by_label_contains("The baseline exam of this reading is no longer at");
    // A wrong folder (the follow-up) is refused with a message; the right one continues.
    let followup = super::sample_pair().1;
    harness.state_mut().push_command(Command::RelocateExam(
        super::command::Side::Baseline,
        followup,
    ));
    harness.run_steps(3);
    harness.get_by_label_contains("does not hold the baseline exam");
    harness
        .state_mut()
        .push_command(Command::RelocateExam(super::command::Side::Baseline, real));
    step_until(&mut harness, "reopening", |app| {
        app.review.is_some() && app.session.pending.is_none() && !app.busy()
    });
    assert_eq!(marked_voxels(harness.state(), FOLLOWUP), voxels);
}

#[test]
fn a_session_from_a_newer_tandem_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.tandem");
    std::fs::write(
        &path,
        r#"{"format": "tandem-session", "version": 99, "tandem": "Tandem 9.0"}"#,
    )
    .unwrap();
    let reopen = path.clone();
    let mut harness = app_with(move |app| {
        app.auto_compare = false;
        app.push_command(Command::OpenSession(reopen));
    });
    harness.run_steps(3);
    harness.get_by_label_contains("version 99");
    assert!(
        harness.state().session.pending.is_none(),
        "nothing half-read"
    );
}

#[test]
fn a_threshold_box_dragged_on_a_view_takes_bright_voxels_in_its_slab() {
    let mut harness = compared_app(|_| {});
    // Lesion 3 selected to go there, then a new lesion (L): the box adds to that, not to 3.
    harness.get_by_label("Lesion 3").click();
    harness.run_steps(2);
    harness.key_press(Key::L);
    harness.run_steps(2);
    harness.get_by_label("Threshold box").click();
    harness.run_steps(2);
    let (k, threshold) = {
        let review = harness.state().review.as_ref().unwrap();
        assert_eq!(review.marking.tool, Tool::ThresholdBox);
        (
            review.viewport.cursor[2].round() as usize,
            review.marking.threshold,
        )
    };
    let rect = harness
        .get_by_label("Follow-up (registered) · Axial view")
        .rect();
    let (from, to) = (
        rect.min + egui::vec2(2.0, 2.0),
        rect.max - egui::vec2(2.0, 2.0),
    );
    super::test_support::drag(&mut harness, from, to);
    let review = harness.state().review.as_ref().unwrap();
    let id = review.selected.expect("the box made a lesion");
    let labels = review.reading.marks.labels(FOLLOWUP).unwrap();
    let values = review.exam_values(FOLLOWUP).unwrap();
    let depth_slices = (6.0 / 2.0 / review.reading.marks.geometry().spacing[2]).round() as usize;
    let mut taken = 0;
    for ((kk, j, i), label) in labels.indexed_iter() {
        if *label == id.label() {
            taken += 1;
            assert!(
                kk.abs_diff(k) <= depth_slices,
                "slice {kk} outside the box's slab"
            );
            assert!(values[(kk, j, i)] >= threshold);
        }
    }
    assert!(taken > 10, "{taken} voxels");
    // Lesion 3's bright centre is inside the box, so it is taken.
    let centre = review
        .reading
        .marks
        .geometry()
        .mm_to_index(review.lesion(lesion_id(3)).unwrap().centroid_mm);
    let c = centre.map(|v| v.round() as usize);
    assert_eq!(labels[(c[2], c[1], c[0])], id.label());
}

#[test]
fn a_practice_round_on_the_sample_case() {
    let dir = tempfile::tempdir().unwrap();
    let practice_dir = dir.path().to_path_buf();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let mut harness = compared_app(move |app| {
        app.practice_dir = Some(practice_dir);
        app.push_command(Command::OpenPractice(sample));
    });
    // Blind: no comparison lesion in the table, no summary, keys do not find them.
    assert!(harness.state().review.as_ref().unwrap().hide_findings);
    assert!(harness.query_by_label("Lesion 3").is_none());
    assert!(
        harness
            .query_by_label_contains("Radiologically ACTIVE")
            .is_none()
    );
    harness.key_press(Key::N);
    harness.run_steps(2);
    assert_eq!(harness.state().review.as_ref().unwrap().selected, None);
    // The trainee marks the two new lesions (3D balls at their centres) and misses the
    // enlarging one, and answers 2 new, 0 enlarging, 2 enhancing, active.
    // (Where they are, from the comparison: the blind round's reading does not hold it.)
    let comparison = super::test_support::sample_reading();
    let centres: Vec<[f64; 3]> = {
        let review = harness.state().review.as_ref().unwrap();
        assert!(
            review.report().lesions.is_empty(),
            "the findings are withheld"
        );
        let g = review.reading.marks.geometry();
        comparison
            .report()
            .lesions
            .iter()
            .filter(|l| l.status == tandem::pipeline::lesion::Status::New)
            .map(|l| g.mm_to_index(l.centroid_mm))
            .collect()
    };
    assert_eq!(centres.len(), 2);
    harness
        .state_mut()
        .push_command(Command::Mark(Mark::ToggleSphere));
    for centre in centres {
        for command in [
            Command::Mark(Mark::NewLesion),
            Command::Mark(Mark::SetRadius(4.0)),
            Command::Mark(Mark::Dab {
                exam: FOLLOWUP,
                at: centre,
                through: 2,
                first: true,
            }),
            Command::Mark(Mark::EndStroke),
        ] {
            harness.state_mut().push_command(command);
        }
        harness.run_steps(2);
    }
    // The trainee's own lesions are listed, numbered from 1: nothing says how many are hidden.
    harness.get_by_label("Lesion 1");
    harness.get_by_label("Lesion 2");
    harness.get_by_label_contains("cursor (");
    assert!(harness.query_by_label_contains("change z").is_none());
    harness
        .state_mut()
        .push_command(Command::SetAnswers(tandem::training::teach_pack::Answers {
            new: 2,
            enlarging: 0,
            enhancing: 2,
            active: true,
            contrast_compared: true,
        }));
    harness.run_steps(2);
    harness.get_by_label("Score").click();
    harness.run_steps(3);
    let (miss, result) = {
        let practice = harness.state().practice.as_ref().unwrap();
        let result = practice.result.clone().expect("scored");
        (result.score.misses[0].centroid_mm, result)
    };
    let s = &result.score;
    assert_eq!((s.reference_lesions, s.marked_lesions), (3, 2));
    assert!((s.lesion_sensitivity - 2.0 / 3.0).abs() < 1e-9, "{s:?}");
    assert_eq!(s.lesion_ppv, 1.0);
    assert_eq!(s.misses.len(), 1);
    assert!(!result.candidates_shown);
    assert!(
        !result.answers.enlarging_right
            && result.answers.new_right
            && result.answers.activity_right
    );
    // The miss is the enlarging lesion (lesion 5 of the comparison).
    let enlarging = {
        let review = harness.state().review.as_ref().unwrap();
        review
            .report()
            .lesions
            .iter()
            .find(|l| l.status == tandem::pipeline::lesion::Status::Enlarging)
            .unwrap()
            .centroid_mm
    };
    assert!(
        (0..3).all(|a| (miss[a] - enlarging[a]).abs() < 3.0),
        "{miss:?} vs {enlarging:?}"
    );
    // Findings and the reference are shown now; clicking the miss goes there.
    assert!(!harness.state().review.as_ref().unwrap().hide_findings);
    assert!(harness.state().review.as_ref().unwrap().reference.is_some());
    // The summary is the trainee's (2 new), not the trainee's and the comparison's mixed; the
    // comparison's lesions are back, numbered after the trainee's; the result names the
    // trainee's lesions by their table numbers.
    harness.get_by_label("New T2/FLAIR lesions: 2");
    let review = harness.state().review.as_ref().unwrap();
    let ids: Vec<u16> = review
        .report()
        .lesions
        .iter()
        .map(|l| l.id.label())
        .collect();
    let first = comparison.report().lesions.len() as u16;
    assert_eq!(ids, (3..3 + first).collect::<Vec<_>>());
    harness.get_by_label_contains("Your lesion 1 at");
    harness.get_by_label_contains("Your lesion 2 at");
    harness
        .get_by_label_contains("Missed: the expert's lesion at")
        .click();
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    let index = review.reading.marks.geometry().mm_to_index(miss);
    assert!((0..3).all(|a| (review.viewport.cursor[a] - index[a]).abs() < 1e-6));
    harness.get_by_label_contains("Enlarging: you 0, expert 1 (wrong)");
    // The score report and the history were saved.
    let practice = harness.state().practice.as_ref().unwrap();
    let report = practice.saved.as_ref().unwrap().as_ref().unwrap();
    assert!(std::fs::read_to_string(report).unwrap().contains("missed"));
    assert_eq!(practice.history.len(), 1);
}

#[test]
fn an_expert_makes_a_teaching_case_from_the_saved_reading() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = compared_app(|_| {});
    make_some_work(&mut harness, true);
    // Not before the reading is saved.
    harness.state_mut().push_command(Command::MakeCase);
    harness.run_steps(2);
    let status = harness.state().session.status.clone();
    assert!(status.is_some_and(|(t, e)| e && t.contains("Save the session first")));
    harness
        .state_mut()
        .push_command(Command::SaveSessionTo(dir.path().join("expert.tandem")));
    harness.run_steps(2);
    harness.state_mut().session.status = None;
    let case = dir.path().join("case-7");
    harness
        .state_mut()
        .push_command(Command::WriteCase(case.clone()));
    step_until(&mut harness, "the teaching case", |app| {
        app.session.status.is_some() && !app.busy()
    });
    harness.get_by_label_contains("Teaching case written to");
    let opened = tandem::training::practice::Case::open(&case).unwrap();
    assert_eq!(opened.file.label, "CASE-7");
    assert_eq!(opened.file.files, [224, 216]);
    // New: lesion 4 (kept without marking) and the drawn one; 1 rejected. The reference holds
    // both, plus the enlarging lesion 5: three lesions, as the answers count them.
    assert_eq!(
        (opened.file.answers.new, opened.file.answers.enlarging),
        (2, 1)
    );
    let reference = tandem::report::nifti::read_nifti(&opened.reference()).unwrap();
    let ids: std::collections::BTreeSet<u32> = reference
        .voxels()
        .iter()
        .copied()
        .filter(|l| *l != 0)
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.contains(&5) && ids.contains(&4) && !ids.contains(&1));
}

/// A change no lesion explains (a faint new plaque, no brighter than the cortex, on a FLAIR-only
/// 3 mm pair, with the change thresholds lowered so its change counts) is listed as an
/// unexplained change, keeps the verdict undecided, is reached with N and confirmed with C:
/// then it is a new lesion and the scan is active.
#[test]
fn an_unexplained_change_is_walked_to_and_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let mut plaque = tandem::synth::sample_lesions()[3].clone();
    plaque.change = tandem::synth::Change::New;
    plaque.radii_baseline_mm = None;
    plaque.radii_followup_mm = Some([6.0; 3]);
    plaque.enhancing_followup = false;
    plaque.flair_ratio = 1.16;
    let options = tandem::synth::SampleOptions {
        voxel_scale: 2.0,
        supersample: 1,
        ..tandem::synth::SampleOptions::default()
    };
    tandem::synth::write_pair(dir.path(), &options, &[plaque]).unwrap();
    for exam in ["baseline", "followup"] {
        std::fs::remove_dir_all(dir.path().join(exam).join("T1_3D_POST")).unwrap();
    }
    let (baseline, followup) = (dir.path().join("baseline"), dir.path().join("followup"));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(move |cc| {
            let mut app = TandemApp::new(&cc.egui_ctx, Some(baseline), Some(followup));
            app.settings.z_seed = 3.5;
            app.settings.hyperintense_z = 0.5;
            app.settings.min_volume_mm3 = 100.0;
            app
        });
    compared(&mut harness);
    let summary = harness.state().review.as_ref().unwrap().summary();
    assert_eq!(summary.counts.unexplained, 1);
    assert_eq!(
        summary.counts.verdict(),
        tandem::counts::Verdict::Undecided(1)
    );
    harness.get_by_label("unexplained change");
    harness.get_by_label("Undecided");
    harness.key_press(Key::N);
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    let id = review.selected.expect("N selects the unexplained change");
    assert_eq!(
        review.lesion(id).unwrap().status,
        tandem::pipeline::lesion::Status::Unexplained
    );
    harness.key_press(Key::C);
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    assert_eq!(review.lesion(id).unwrap().decision, Decision::Confirmed);
    assert_eq!(
        review.lesion(id).unwrap().status,
        tandem::pipeline::lesion::Status::New
    );
    let summary = review.summary();
    assert_eq!(summary.counts.new, Some(1));
    assert_eq!(summary.counts.unexplained, 0);
    assert!(summary.active);
    harness.get_by_label("Radiologically ACTIVE");
}

/// A background job that panics (issue #11) never takes the window down: it ends as a failed
/// job, the reading is written to the recovery file at once, and the reader is told why.
#[test]
fn a_job_that_panics_leaves_the_window_and_saves_the_reading() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_path_buf();
    let dir = data_dir.clone();
    let mut harness = compared_app(move |app| {
        app.enable_recovery(dir);
        // Long enough that only the crash can write the recovery file in this test.
        app.session.autosave_after = Some(Duration::from_secs(3600));
    });
    make_some_work(&mut harness, true);
    let voxels = marked_voxels(harness.state(), FOLLOWUP);
    let recovery = tandem::session::recovery_path(&data_dir);
    harness.run_steps(3);
    assert!(!recovery.exists(), "no autosave yet");
    let ctx = harness.ctx.clone();
    harness.state_mut().comparison = super::jobs::Activity::Running(super::jobs::Job::spawn(
        99,
        "Comparing again",
        ctx,
        |_| -> Result<_, super::jobs::JobError> { panic!("a bug in a library") },
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !matches!(harness.state().comparison, super::jobs::Activity::Failed(_)) {
        assert!(Instant::now() < deadline, "the job never ended");
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.run_steps(3);
    assert!(recovery.is_file(), "the reading is saved for recovery");
    assert_eq!(
        marked_voxels(harness.state(), FOLLOWUP),
        voxels,
        "the marks stay"
    );
    let told = harness
        .query_all_by_label_contains("stopped on an internal error (a bug in a library)")
        .count();
    assert!(told >= 1, "the reader is told");
}
