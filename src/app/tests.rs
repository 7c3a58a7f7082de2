//! UI tests with egui_kittest: the app opened on the sample pair, headless, driven by labels.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use super::TandemApp;
use super::command::{Command, Side};

/// Steps the harness until both exams have finished loading (or a deadline passes).
fn wait_until_loaded(harness: &mut Harness<'_, TandemApp>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while harness.state().busy() {
        assert!(Instant::now() < deadline, "loading took too long");
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.run_steps(3);
}

fn sample_app() -> Harness<'static, TandemApp> {
    let (baseline, followup) = super::sample_pair();
    Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(move |cc| TandemApp::new(&cc.egui_ctx, Some(baseline), Some(followup)))
}

#[test]
fn opens_the_sample_pair_and_shows_both_exams() {
    let mut harness = sample_app();
    wait_until_loaded(&mut harness);
    for side in Side::BOTH {
        let slot = harness.state().exam(side);
        let exam = slot.shown.as_ref().expect("exam loaded");
        let description = exam
            .scan
            .all_series()
            .find(|s| s.id == exam.series_id)
            .and_then(|s| s.facts.series_description.clone())
            .unwrap_or_default();
        assert!(
            description.contains("FLAIR"),
            "{side:?} shows {description}"
        );
    }
    harness.get_by_label("Baseline slice");
    harness.get_by_label("Follow-up slice");
    harness.get_by_label_contains("2025-03-10");
    harness.get_by_label_contains("2026-03-16");
}

#[test]
fn the_slice_slider_moves_both_views() {
    let mut harness = sample_app();
    wait_until_loaded(&mut harness);
    assert_eq!(
        harness
            .query_all_by_label_contains("slice 57 of 112")
            .count(),
        2
    );
    harness.state_mut().slice_fraction = 0.0;
    harness.run_steps(2);
    assert_eq!(
        harness
            .query_all_by_label_contains("slice 1 of 112")
            .count(),
        2
    );
    let slider = harness.get_by_label("Slice");
    slider.focus();
    harness.run_steps(1);
    harness.key_press(egui::Key::ArrowRight);
    harness.run_steps(2);
    assert!(
        harness.state().slice_fraction > 0.0,
        "arrow key moved the slider"
    );
}

#[test]
fn choosing_another_series_loads_it() {
    let mut harness = sample_app();
    wait_until_loaded(&mut harness);
    harness
        .get_by_label_contains("3D T1 MPRAGE POST GD +C")
        .click();
    harness.run_steps(2);
    wait_until_loaded(&mut harness);
    let exam = harness.state().exam(Side::Baseline).shown.as_ref().unwrap();
    assert!(
        exam.scan
            .all_series()
            .any(|s| s.id == exam.series_id && s.facts.contrast_agent.is_some())
    );
}

#[test]
fn cancelling_a_load_keeps_the_window_usable() {
    let mut harness = sample_app();
    assert!(harness.state().exam(Side::Baseline).is_loading());
    let cancel = harness
        .query_all_by_label("Cancel")
        .next()
        .expect("a Cancel button");
    cancel.click();
    // One frame to see the click, one for the app to apply the command.
    harness.run_steps(2);
    let baseline = harness.state().exam(Side::Baseline);
    if baseline.shown.is_none() {
        // Cancelled in time: nothing shown, no error, and not loading any more.
        assert!(matches!(baseline.activity, super::app::Activity::Idle));
    }
    wait_until_loaded(&mut harness);
    assert!(
        harness.state().exam(Side::Followup).shown.is_some(),
        "the other side went on"
    );
    // Opening again works after a cancel.
    let (path, _) = super::sample_pair();
    harness
        .state_mut()
        .push(Command::OpenExam(Side::Baseline, path));
    harness.run_steps(2);
    wait_until_loaded(&mut harness);
    assert!(harness.state().exam(Side::Baseline).shown.is_some());
    harness.get_by_label("Open baseline…");
}

#[test]
fn a_folder_without_dicom_says_so() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.txt"), "hello").unwrap();
    let path = empty.path().to_path_buf();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(move |cc| TandemApp::new(&cc.egui_ctx, Some(path), None));
    wait_until_loaded(&mut harness);
    harness.get_by_label_contains("no loadable series");
}
