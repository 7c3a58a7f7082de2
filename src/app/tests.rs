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

/// The sample pair, exams only: the comparison is not started by itself.
fn exams_only() -> Harness<'static, TandemApp> {
    let (baseline, followup) = super::sample_pair();
    Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(move |cc| {
            let mut app = TandemApp::new(&cc.egui_ctx, Some(baseline), Some(followup));
            app.auto_compare = false;
            app
        })
}

#[test]
fn opens_the_sample_pair_and_shows_both_exams() {
    let mut harness = exams_only();
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
    harness.get_by_label_contains("2025-03-10 — 3D FLAIR");
    harness.get_by_label_contains("2026-03-16 — 3D FLAIR");
}

#[test]
fn the_slice_slider_moves_both_views() {
    let mut harness = exams_only();
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
    let mut harness = exams_only();
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
    let mut harness = exams_only();
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
        assert!(matches!(baseline.activity, super::jobs::Activity::Idle));
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
        .push_command(Command::OpenExam(Side::Baseline, path));
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

/// Steps until the comparison of the sample pair is on screen.
fn wait_until_compared(harness: &mut Harness<'_, TandemApp>) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while harness.state().review.is_none() {
        assert!(Instant::now() < deadline, "comparison took too long");
        if let super::jobs::Activity::Failed(message) = &harness.state().comparison {
            panic!("comparison failed: {message}");
        }
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.run_steps(3);
}

#[test]
fn the_comparison_runs_by_itself_and_lists_the_lesions() {
    let mut harness = sample_app();
    wait_until_compared(&mut harness);
    harness.get_by_label("New T2/FLAIR lesions: 2");
    harness.get_by_label("Enlarging lesions: 1");
    harness.get_by_label("Enhancing lesions: 2");
    harness.get_by_label("Radiologically ACTIVE");
    for id in 1..=6 {
        harness.get_by_label(&format!("Lesion {id}"));
    }
    harness.get_by_label("Baseline · Axial view");
    harness.get_by_label("Follow-up (registered) · Axial view");
    harness.get_by_label("Change · Axial view");
}

#[test]
fn clicking_a_lesion_moves_the_views_there() {
    let mut harness = sample_app();
    wait_until_compared(&mut harness);
    let (id, centre) = {
        let review = harness.state().review.as_ref().unwrap();
        let lesion = review
            .report()
            .lesions
            .iter()
            .find(|l| l.status == tandem::pipeline::lesion::Status::New)
            .unwrap();
        (lesion.id, lesion.centroid_mm)
    };
    harness.get_by_label(&format!("Lesion {id}")).click();
    harness.run_steps(3);
    let state = harness.state();
    let review = state.review.as_ref().unwrap();
    assert_eq!(review.selected, Some(id));
    let view = &review.reading.comparison.views[review.viewport.view];
    let index = view.baseline.geometry().mm_to_index(centre);
    for a in 0..3 {
        assert!(
            (review.viewport.cursor[a] - index[a]).abs() < 1e-6,
            "{:?} vs {index:?}",
            review.viewport.cursor
        );
    }
    let slices = view.baseline.dims()[2];
    let k = (state.slice_fraction * (slices - 1) as f32).round();
    assert!(
        (f64::from(k) - index[2]).abs() <= 0.5,
        "slice {k} vs lesion at {}",
        index[2]
    );
    harness.get_by_label_contains(&format!(
        "voxel ({}, {}, {})",
        index[0].round() as usize + 1,
        index[1].round() as usize + 1,
        index[2].round() as usize + 1
    ));
}

#[test]
fn layouts_planes_window_and_zoom() {
    let mut harness = sample_app();
    wait_until_compared(&mut harness);
    harness.get_by_label("Baseline · Axial view");
    // Planes: baseline axial and the follow-up in all three planes.
    harness.key_press(egui::Key::Num2);
    harness.run_steps(3);
    for plane in ["Axial", "Coronal", "Sagittal"] {
        harness.get_by_label(&format!("Change · {plane} view"));
    }
    // Single view, sagittal.
    harness.get_by_label("Side by side").click();
    harness.run_steps(2);
    harness.get_by_label("Sagittal").click();
    harness.run_steps(2);
    harness.get_by_label("Baseline · Sagittal view");
    harness.get_by_label("Single").click();
    harness.run_steps(2);
    harness.get_by_label("Change · Sagittal view");
    assert!(harness.query_by_label("Baseline · Sagittal view").is_none());
    // The comparison opens in the FLAIR window (tissue-anchored, the exams alike).
    let opening = harness.state().review.as_ref().unwrap().viewport.windows;
    harness.get_by_label("FLAIR window").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().review.as_ref().unwrap().viewport.windows,
        opening
    );
    // Window: Auto differs from the scanner's, and back.
    harness.get_by_label("Scanner window").click();
    harness.run_steps(2);
    let scanner = harness.state().review.as_ref().unwrap().viewport.windows;
    harness.get_by_label("Auto window").click();
    harness.run_steps(2);
    assert_ne!(
        harness.state().review.as_ref().unwrap().viewport.windows,
        scanner
    );
    harness.get_by_label("Scanner window").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().review.as_ref().unwrap().viewport.windows,
        scanner
    );
    // Brain and lesion presets come from the brain's own percentiles.
    harness.get_by_label("Brain window").click();
    harness.run_steps(2);
    let brain = harness.state().review.as_ref().unwrap().viewport.windows;
    harness.get_by_label("FLAIR window").click();
    harness.run_steps(2);
    let lesions = harness.state().review.as_ref().unwrap().viewport.windows;
    assert_ne!(lesions, brain, "the FLAIR window is its own");
    harness.get_by_label("Scanner window").click();
    harness.run_steps(2);
    // The overlay opacity slider.
    harness.state_mut().push_command(Command::SetOpacity(0.3));
    harness.run_steps(2);
    assert_eq!(
        harness.state().review.as_ref().unwrap().viewport.opacity,
        0.3
    );
    assert!(harness.query_all_by_label("Overlay opacity").count() >= 1);
    // Right-drag widens both exams' windows alike (each by the same fraction of its width).
    harness
        .state_mut()
        .push_command(Command::DragWindow(40.0, -20.0));
    harness.run_steps(2);
    let dragged = harness.state().review.as_ref().unwrap().viewport.windows;
    let ratio = |n: usize| (dragged[n].1 - dragged[n].0) / (scanner[n].1 - scanner[n].0);
    assert!(ratio(0) > 1.1, "wider");
    assert!((ratio(0) - ratio(1)).abs() < 1e-4, "alike");
    // Zoom in, then F fits again.
    harness.state_mut().push_command(Command::Zoom(2.0));
    harness.run_steps(2);
    assert_eq!(harness.state().review.as_ref().unwrap().viewport.zoom, 2.0);
    harness.key_press(egui::Key::F);
    harness.run_steps(2);
    assert_eq!(harness.state().review.as_ref().unwrap().viewport.zoom, 1.0);
    // Scrolling a sagittal view moves the cursor left-right, not through axial slices.
    let before = harness.state().review.as_ref().unwrap().viewport.cursor;
    harness
        .state_mut()
        .push_command(Command::Scroll(tandem::display::Plane::Sagittal, 3));
    harness.run_steps(2);
    let after = harness.state().review.as_ref().unwrap().viewport.cursor;
    assert_eq!(after[0], before[0].round() + 3.0);
    assert_eq!((after[1], after[2]), (before[1], before[2]));
    // F1 shows the help.
    harness.key_press(egui::Key::F1);
    harness.run_steps(2);
    harness.get_by_label("Keyboard and mouse");
}

#[test]
fn confirming_and_rejecting_update_the_summary() {
    let mut harness = sample_app();
    wait_until_compared(&mut harness);
    // N selects the first flagged lesion, C confirms it.
    harness.key_press(egui::Key::N);
    harness.run_steps(2);
    let first = harness
        .state()
        .review
        .as_ref()
        .unwrap()
        .selected
        .expect("a lesion selected");
    harness.key_press(egui::Key::C);
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    assert_eq!(
        review.lesion(first).unwrap().decision,
        super::command::Decision::Confirmed
    );

    // Reject both new (enhancing) lesions with the buttons: the summary follows.
    let new_ids: Vec<tandem::ids::LesionId> = review
        .report()
        .lesions
        .iter()
        .filter(|l| l.status == tandem::pipeline::lesion::Status::New)
        .map(|l| l.id)
        .collect();
    for id in new_ids {
        harness.get_by_label(&format!("Lesion {id}")).click();
        harness.run_steps(2);
        harness.get_by_label("Reject").click();
        harness.run_steps(2);
    }
    harness.get_by_label("New T2/FLAIR lesions: 0");
    // Keys work right after clicking a row (the row button keeps the focus).
    let enlarging = harness
        .state()
        .review
        .as_ref()
        .unwrap()
        .report()
        .lesions
        .iter()
        .find(|l| l.status == tandem::pipeline::lesion::Status::Enlarging)
        .unwrap()
        .id;
    harness.get_by_label(&format!("Lesion {enlarging}")).click();
    harness.run_steps(2);
    harness.key_press(egui::Key::C);
    harness.run_steps(2);
    assert_eq!(
        harness
            .state()
            .review
            .as_ref()
            .unwrap()
            .lesion(enlarging)
            .unwrap()
            .decision,
        super::command::Decision::Confirmed
    );
    harness.get_by_label("Enhancing lesions: 0");
    // The enlarging lesion still makes the scan active.
    harness.get_by_label("Enlarging lesions: 1");
    harness.get_by_label("Radiologically ACTIVE");
}

#[test]
fn registration_checks_and_remembered_exams() {
    let mut harness = sample_app();
    wait_until_compared(&mut harness);
    harness.key_press(egui::Key::Q);
    harness.run_steps(2);
    harness.get_by_label("Follow-up (registered) · Axial · Checkerboard view");
    harness.key_press(egui::Key::Q);
    harness.run_steps(2);
    harness.get_by_label("Follow-up (registered) · Axial · Flicker view");
    harness.key_press(egui::Key::Q);
    harness.run_steps(2);
    harness.get_by_label("Follow-up (registered) · Axial view");
    // The pair is remembered for the Recent menu, and the layout for next time.
    let (baseline, followup) = super::sample_pair();
    assert_eq!(
        harness.state().prefs.recent.first(),
        Some(&[baseline, followup])
    );
    harness.key_press(egui::Key::Num3);
    harness.run_steps(2);
    assert_eq!(harness.state().prefs.layout, super::command::Layout::Single);
    harness.get_by_label("Recent");
    harness.get_by_label("File");
    harness.get_by_label_contains("frame");
    assert_eq!(
        harness
            .query_all_by_label_contains("SYNTHETIC^MS PATIENT")
            .count(),
        2
    );
    harness.get_by_label_contains("Exam 2025-03-10");
}

#[test]
fn choosing_a_series_compares_like_with_like() {
    let mut harness = sample_app();
    wait_until_compared(&mut harness);
    harness
        .get_by_label_contains("3D T1 MPRAGE POST GD +C")
        .click();
    harness.run_steps(2);
    // The follow-up follows with its own post-contrast T1, and the comparison reruns.
    wait_until_loaded(&mut harness);
    wait_until_compared(&mut harness);
    let state = harness.state();
    let followup = state.exam(Side::Followup).shown.as_ref().unwrap();
    let shown = followup
        .scan
        .all_series()
        .find(|s| s.id == followup.series_id)
        .unwrap();
    assert!(
        shown.facts.contrast_agent.is_some(),
        "follow-up shows its post-contrast T1"
    );
    let review = state.review.as_ref().unwrap();
    assert_eq!(review.reading.comparison.views.len(), 1);
    assert_eq!(
        review.reading.comparison.views[0].kind,
        tandem::compare::SequenceKind::T1Post
    );
    assert_eq!(review.report().summary.counts.enhancing, Some(2));
}

#[test]
fn changing_the_threshold_reruns_detection() {
    let mut harness = sample_app();
    wait_until_compared(&mut harness);
    harness.get_by_label_contains("Change map (z in the brain)");
    assert!(
        !harness
            .state()
            .review
            .as_ref()
            .unwrap()
            .histogram
            .is_empty()
    );
    let first = harness.state().review.as_ref().unwrap().generation;
    // A threshold above most changes' peaks (z 34 to 63 on the sample): fewer flags.
    harness
        .state_mut()
        .push_command(Command::SetThreshold(45.0));
    harness.run_steps(2);
    assert!(harness.state().comparison.is_running());
    let deadline = Instant::now() + Duration::from_secs(300);
    while harness.state().review.as_ref().unwrap().generation == first {
        assert!(Instant::now() < deadline, "rerun took too long");
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.run_steps(3);
    assert_eq!(harness.state().settings.z_seed, 45.0);
    let summary = harness
        .state()
        .review
        .as_ref()
        .unwrap()
        .report()
        .summary
        .clone();
    assert!(
        summary.counts.new.unwrap_or(0) + summary.counts.enlarging.unwrap_or(0) < 3,
        "{summary:?}"
    );
}

#[test]
fn the_original_exams_stay_viewable() {
    let mut harness = sample_app();
    wait_until_compared(&mut harness);
    harness.key_press(egui::Key::E);
    harness.run_steps(3);
    // Each exam on its own grid, as before the comparison.
    harness.get_by_label("Baseline slice");
    harness.get_by_label("Follow-up slice");
    harness.get_by_label("Original exams").click();
    harness.run_steps(3);
    harness.get_by_label("Change · Axial view");
}

#[test]
fn a_small_window_draws_without_panicking() {
    let (baseline, followup) = super::sample_pair();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(640.0, 420.0))
        .build_eframe(move |cc| TandemApp::new(&cc.egui_ctx, Some(baseline), Some(followup)));
    wait_until_compared(&mut harness);
    for layout in [egui::Key::Num1, egui::Key::Num2, egui::Key::Num3] {
        harness.key_press(layout);
        harness.run_steps(3);
    }
    harness.set_size(egui::vec2(320.0, 200.0));
    harness.run_steps(3);
    assert!(harness.state().review.is_some());
}
