//! UI tests of the reading room as a reader meets it: what each view draws, which lesion the
//! tools add to, dialogs that cannot open, practice that gives nothing away, the report's word
//! on its review, and the viewer's basics (orientation, measuring, keys, cine, fill view).

use egui_kittest::kittest::Queryable;

use super::command::{Command, Layout, WindowPreset};
use super::test_support::{compared_app, drag};

/// The pixels of compare view `n` (in the layout's order).
fn view_pixels(app: &super::TandemApp, n: usize) -> Vec<egui::Color32> {
    app.compare_textures
        .get(n)
        .and_then(|t| t.image())
        .map(|image| image.pixels.clone())
        .unwrap_or_default()
}

#[test]
fn the_change_panel_shows_the_follow_up_in_its_window_in_every_layout() {
    let mut harness = compared_app(|app| app.prefs.layout = Layout::SideBySide);
    // With the overlay off, the change panel side by side is the follow-up beside it, pixel for pixel.
    harness.get_by_label("Change overlay").click();
    harness.run_steps(3);
    assert!(!harness.state().review.as_ref().unwrap().viewport.overlay);
    let same = |app: &super::TandemApp| {
        let (followup, change) = (view_pixels(app, 1), view_pixels(app, 2));
        !followup.is_empty() && followup == change
    };
    assert!(
        same(harness.state()),
        "side by side: the change panel is not the follow-up"
    );
    // It follows the follow-up's window: a preset, then a right-drag on the follow-up.
    harness
        .get_by_label(&Command::WindowPreset(WindowPreset::Flair).text())
        .click();
    harness.run_steps(3);
    assert!(same(harness.state()), "after the FLAIR preset");
    harness
        .state_mut()
        .push_command(Command::DragWindow(40.0, -30.0));
    harness.run_steps(3);
    assert!(same(harness.state()), "after windowing the follow-up");
    // The baseline panel differs from it (another exam), so the check can fail.
    assert_ne!(
        view_pixels(harness.state(), 0),
        view_pixels(harness.state(), 2)
    );
    // Single: the one view is the follow-up under the change map too.
    let followup_1x3 = view_pixels(harness.state(), 1);
    harness
        .state_mut()
        .push_command(Command::SetLayout(Layout::Single));
    harness.run_steps(3);
    assert_eq!(view_pixels(harness.state(), 0), followup_1x3);
}

#[test]
fn the_tools_add_to_the_lesion_the_reader_selected() {
    use super::marking::{Mark, Tool};
    use tandem::ids::ExamId;
    let mut harness = compared_app(|_| {});
    // The reader paints a lesion of their own first: a new number, selected.
    let centre = harness.state().review.as_ref().unwrap().viewport.cursor;
    for command in [
        Mark::NewLesion,
        Mark::Dab {
            exam: ExamId::FOLLOWUP,
            at: centre,
            through: 2,
            first: true,
        },
        Mark::EndStroke,
    ] {
        harness.state_mut().push_command(Command::Mark(command));
    }
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    let own = review.selected.expect("the new lesion is selected");
    let own_voxels = review.reading.marks.voxel_count(ExamId::FOLLOWUP, own);
    assert!(own_voxels > 0);
    // Then picks one of the comparison's lesions in the table and grows inside it.
    let found = review
        .report()
        .lesions
        .last()
        .expect("the sample has lesions")
        .clone();
    harness
        .get_by_label(&format!("Lesion {}", found.id))
        .click();
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    assert_eq!(review.selected, Some(found.id));
    let seed = review
        .reading
        .marks
        .geometry()
        .mm_to_index(found.centroid_mm);
    harness
        .state_mut()
        .push_command(Command::Mark(Mark::SetTool(Tool::Grow)));
    harness.run_steps(2);
    // The toolbar names the lesion the tool adds to: the selected one.
    harness.get_by_label(&format!("Adds to lesion {} (selected)", found.id));
    harness.state_mut().push_command(Command::Mark(Mark::Grow {
        exam: ExamId::FOLLOWUP,
        at: seed,
    }));
    harness.run_steps(2);
    let marks = &harness.state().review.as_ref().unwrap().reading.marks;
    assert!(
        marks.voxel_count(ExamId::FOLLOWUP, found.id) > 0,
        "lesion {} got nothing",
        found.id
    );
    assert_eq!(
        marks.voxel_count(ExamId::FOLLOWUP, own),
        own_voxels,
        "the reader's own lesion {own} took voxels meant for lesion {}",
        found.id
    );
}

/// Why no system dialog opens, as a machine without a portal or zenity says it.
const NO_DIALOG: &str = "No file dialog can open on this machine (test)";

#[test]
fn without_a_system_file_dialog_the_app_says_so_and_takes_a_typed_path() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = compared_app(|app| app.dialog_missing = Some(NO_DIALOG.into()));
    // Open baseline… asks in the app, saying why.
    // (A window takes a few frames to appear: egui sizes it unseen first.)
    harness.get_by_label("Open baseline…").click();
    harness.run_steps(4);
    harness.get_by_label("Open baseline exam");
    harness.get_by_label(NO_DIALOG);
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert!(harness.state().path_prompt.is_none());
    // Save session as… (Ctrl+Shift+S): the typed path is where the session goes.
    harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::S,
    );
    harness.run_steps(4);
    harness.get_by_label(NO_DIALOG);
    let path = dir.path().join("typed.tandem");
    harness.get_by_label("Path").click();
    harness.run_steps(1);
    harness
        .get_by_label("Path")
        .type_text(&path.display().to_string());
    harness.run_steps(2);
    harness.get_by_label("OK").click();
    harness.run_steps(3);
    assert!(path.is_file(), "the session went to the typed path");
    assert!(harness.state().path_prompt.is_none());
}

#[test]
fn saving_the_report_asks_who_read_it_and_warns_of_undecided_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let mut harness = compared_app(|app| app.dialog_missing = Some(NO_DIALOG.into()));
    // One flag confirmed, the others left undecided; no name typed yet.
    let first = harness.state().review.as_ref().unwrap().flagged()[0];
    harness
        .state_mut()
        .push_command(Command::SelectLesion(first));
    harness.state_mut().push_command(Command::ConfirmSelected);
    harness.run_steps(2);
    let undecided = harness.state().review.as_ref().unwrap().undecided();
    assert!(undecided > 0, "the sample has more than one flag");
    harness.get_by_label("Save report…").click();
    harness.run_steps(4);
    harness.get_by_label_contains("The report names who read it");
    harness.get_by_label_contains(&format!("{undecided} flagged lesion(s) not yet confirmed"));
    // No name, no report: the button waits for it.
    harness.get_by_label("Report folder").click();
    harness.run_steps(1);
    harness
        .get_by_label("Report folder")
        .type_text(&out.display().to_string());
    harness.run_steps(2);
    harness.get_by_label("Save report").click();
    harness.run_steps(3);
    assert!(
        harness.state().session.report_form.is_some(),
        "not written unsigned"
    );
    // The form's reader field is the second one labelled Reader (the panel has one too).
    let field = harness.get_all_by_label("Reader").last().unwrap();
    field.click();
    harness.run_steps(1);
    harness
        .get_all_by_label("Reader")
        .last()
        .unwrap()
        .type_text("Dr Form");
    harness.run_steps(2);
    harness.get_by_label("Save report").click();
    super::test_support::step_until(&mut harness, "the report", |app| {
        app.session.status.is_some() && !app.busy()
    });
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Read by Dr Form."), "signed");
    assert!(
        html.contains(&format!(
            "{undecided} flagged lesion(s) were left undecided"
        )),
        "says what was left undecided"
    );
    assert!(!html.contains("not yet reviewed by a reader"));
}

#[test]
fn a_lesion_marked_at_follow_up_only_says_why_it_is_new() {
    use super::marking::Mark;
    use tandem::ids::ExamId;
    let mut harness = compared_app(|_| {});
    let centre = harness.state().review.as_ref().unwrap().viewport.cursor;
    let dab = |exam| Mark::Dab {
        exam,
        at: centre,
        through: 2,
        first: true,
    };
    for command in [Mark::NewLesion, dab(ExamId::FOLLOWUP), Mark::EndStroke] {
        harness.state_mut().push_command(Command::Mark(command));
    }
    harness.run_steps(2);
    harness.get_by_label_contains("marked at follow-up only");
    // Marked on the baseline too (the same extent): no longer new, and nothing to explain.
    for command in [dab(ExamId::BASELINE), Mark::EndStroke] {
        harness.state_mut().push_command(Command::Mark(command));
    }
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    let id = review.selected.unwrap();
    assert_ne!(
        review.lesion(id).unwrap().status,
        tandem::pipeline::lesion::Status::New
    );
    assert!(
        harness
            .query_by_label_contains("marked at follow-up only")
            .is_none()
    );
}

#[test]
fn every_view_names_its_edges_its_slice_and_its_scale() {
    use super::command::Plane;
    let mut harness = compared_app(|app| app.prefs.layout = Layout::SideBySide);
    // Axial, three views: patient right on the left, anterior at the top.
    for letter in ["R", "L", "A", "P"] {
        assert_eq!(harness.query_all_by_label(letter).count(), 3, "{letter}");
    }
    let slices = harness.query_all_by_label_contains("slice ").count();
    assert_eq!(slices, 3);
    harness
        .get_all_by_label_contains(" · S ")
        .next()
        .expect("the axial position is S mm");
    assert!(
        harness.query_all_by_label_contains("0 mm").count() >= 3,
        "a scale bar each"
    );
    harness
        .state_mut()
        .push_command(Command::SetPlane(Plane::Sagittal));
    harness.run_steps(3);
    for letter in ["A", "P", "S", "I"] {
        assert_eq!(harness.query_all_by_label(letter).count(), 3, "{letter}");
    }
    assert_eq!(harness.query_all_by_label("R").count(), 0);
}

#[test]
fn keys_step_through_slices_and_cine_plays() {
    use egui::Key;
    let mut harness = compared_app(|app| app.prefs.layout = Layout::SideBySide);
    let slice = |h: &egui_kittest::Harness<'_, super::TandemApp>| {
        h.state().review.as_ref().unwrap().viewport.cursor[2].round() as i64
    };
    let start = slice(&harness);
    harness.key_press(Key::ArrowDown);
    harness.run_steps(2);
    assert_eq!(slice(&harness), start + 1);
    harness.key_press(Key::PageUp);
    harness.run_steps(2);
    assert_eq!(slice(&harness), start - 9);
    harness.key_press(Key::ArrowUp);
    harness.run_steps(2);
    assert_eq!(slice(&harness), start - 10);
    // Space plays: a slice a frame at most (the harness's frames are a quarter second apart,
    // longer than cine's eighth of a second).
    harness.key_press(Key::Space);
    harness.run_steps(8);
    let moved = slice(&harness) - (start - 10);
    assert!(
        (6..=9).contains(&moved),
        "cine moved {moved} slices in 8 frames"
    );
    harness.key_press(Key::Space);
    harness.run_steps(2);
    let stopped = slice(&harness);
    harness.run_steps(30);
    assert_eq!(slice(&harness), stopped, "Space stops it");
    // A position typed in mm.
    let target = {
        let review = harness.state().review.as_ref().unwrap();
        let g = review.shown_view().unwrap().baseline.geometry();
        g.index_to_mm([20.0, 30.0, 40.0])
    };
    harness.get_by_label("Go to (mm)").click();
    harness.run_steps(1);
    harness.get_by_label("Go to (mm)").type_text(&format!(
        "{:.2}, {:.2} {:.2}",
        target[0], target[1], target[2]
    ));
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    let cursor = harness.state().review.as_ref().unwrap().viewport.cursor;
    for (a, want) in [20.0, 30.0, 40.0].iter().enumerate() {
        assert!((cursor[a] - want).abs() < 0.05, "{cursor:?}");
    }
}

#[test]
fn a_view_fills_the_area_and_the_panels_fold_away() {
    use egui::Key;
    let mut harness = compared_app(|app| app.prefs.layout = Layout::SideBySide);
    let width = |h: &egui_kittest::Harness<'_, super::TandemApp>| {
        h.get_by_label("Change · Axial view").rect().width()
    };
    let in_layout = width(&harness);
    // The views keep to their share: none reaches under the lesion table (a toolbar row wider
    // than the views once pushed them there, and clicks meant for the table hit the image).
    let table = harness.get_by_label("Lesion 1").rect().min.x;
    let views = harness.get_by_label("Change · Axial view").rect().max.x;
    assert!(
        views <= table,
        "views end at {views}, the table starts at {table}"
    );
    // Double-click the change view: it alone fills the area.
    // (Both clicks in one frame: the harness's frames are a quarter second apart, longer than
    // a double click may take.)
    let at = harness.get_by_label("Change · Axial view").rect().center();
    let events = &mut harness.input_mut().events;
    events.push(egui::Event::PointerMoved(at));
    for pressed in [true, false, true, false] {
        events.push(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    harness.run_steps(3);
    assert!(harness.query_by_label("Baseline · Axial view").is_none());
    let filled = width(&harness);
    assert!(filled > 1.5 * in_layout, "{in_layout} → {filled}");
    // Escape gives the area back.
    harness.key_press(Key::Escape);
    harness.run_steps(3);
    harness.get_by_label("Baseline · Axial view");
    // M over a view fills it too.
    harness
        .get_by_label("Follow-up (registered) · Axial view")
        .hover();
    harness.run_steps(1);
    harness.key_press(Key::M);
    harness.run_steps(3);
    assert!(harness.query_by_label("Change · Axial view").is_none());
    harness.key_press(Key::Escape);
    harness.run_steps(3);
    // H folds the side panels away: the images get the width.
    harness.key_press(Key::H);
    harness.run_steps(3);
    assert!(
        harness.query_by_label("Lesion 1").is_none(),
        "the table is hidden"
    );
    assert!(width(&harness) > 1.2 * in_layout);
    harness.key_press(Key::H);
    harness.run_steps(3);
    harness.get_by_label("Lesion 1");
}

#[test]
fn a_lesion_the_reader_draws_is_located_as_the_comparison_locates_its_own() {
    use tandem::ids::ExamId;
    let mut harness = compared_app(|_| {});
    // The reader draws, as a lesion of their own, exactly the voxels of each of the
    // comparison's lesions: each gets the location the comparison gave.
    let (found, drawn): (Vec<_>, Vec<_>) = {
        let review = harness.state_mut().review.as_mut().unwrap();
        let view = review.marks_view().unwrap();
        let labels = view.followup_lesions.voxels().clone();
        let lesions: Vec<_> = review
            .report()
            .lesions
            .iter()
            .filter(|l| l.location.is_some() && !l.followup_labels.is_empty())
            .cloned()
            .collect();
        let mut ids = Vec::new();
        for lesion in &lesions {
            let voxels: Vec<usize> = labels
                .iter()
                .enumerate()
                .filter(|(_, l)| lesion.followup_labels.contains(l))
                .map(|(n, _)| n)
                .collect();
            let id = review.reading.marks.next_id(review.reserved_ids());
            review
                .reading
                .marks
                .paint(ExamId::FOLLOWUP, &voxels, id.label(), true);
            ids.push(id);
        }
        (lesions, ids)
    };
    assert!(found.len() >= 3, "the sample's lesions have locations");
    harness.run_steps(2);
    let review = harness.state().review.as_ref().unwrap();
    for (lesion, id) in found.iter().zip(&drawn) {
        let read = review.lesion(*id).unwrap();
        assert_eq!(read.source, tandem::reading::Source::Reader);
        assert_eq!(
            read.location, lesion.location,
            "lesion {} drawn as {id}",
            lesion.id
        );
    }
    // The table says where.
    let name = found[0].location.unwrap().name();
    assert!(harness.query_all_by_label_contains(name).count() >= 2);
}

#[test]
fn a_ruler_and_an_ellipse_measure_both_exams_and_go_into_the_session_and_report() {
    use egui::Key;
    use tandem::reading::MeasureKind;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = compared_app(|app| app.prefs.layout = Layout::SideBySide);
    // D: the ruler, dragged 60 points across the follow-up view.
    harness.key_press(Key::D);
    harness.run_steps(2);
    let rect = harness
        .get_by_label("Follow-up (registered) · Axial view")
        .rect();
    let centre = rect.center();
    drag(
        &mut harness,
        centre - egui::vec2(30.0, 0.0),
        centre + egui::vec2(30.0, 0.0),
    );
    let (length, pixel_mm) = {
        let review = harness.state().review.as_ref().unwrap();
        let m = review.reading.measurements.first().expect("a ruler");
        assert_eq!(m.kind, MeasureKind::Ruler);
        let view = review.shown_view().unwrap();
        // The image fits its cell (the widget's rect) at its true aspect.
        let (dims, spacing) = (view.baseline.dims(), view.baseline.geometry().spacing);
        let points_per_mm = (rect.width() as f64 / (dims[0] as f64 * spacing[0]))
            .min(rect.height() as f64 / (dims[1] as f64 * spacing[1]));
        (m.length_mm(), 60.0 / points_per_mm)
    };
    assert!(
        (length - pixel_mm).abs() < 0.1 * pixel_mm,
        "{length} mm for {pixel_mm}"
    );
    // It shows, with its length, on all three views at that place.
    let label = format!("1: {length:.1} mm");
    assert_eq!(harness.query_all_by_label(&label).count(), 3, "{label}");
    // A: an ellipse over the middle of the brain; each exam's view states its own values.
    harness.key_press(Key::A);
    harness.run_steps(2);
    drag(
        &mut harness,
        centre - egui::vec2(20.0, 20.0),
        centre + egui::vec2(20.0, 20.0),
    );
    let review = harness.state().review.as_ref().unwrap();
    let ellipse = review
        .reading
        .measurements
        .get(1)
        .expect("an ellipse")
        .clone();
    assert_eq!(ellipse.kind, MeasureKind::Ellipse);
    let view = review.shown_view().unwrap();
    let (at_baseline, at_followup) = (
        ellipse.region_stats(&view.baseline).unwrap(),
        ellipse.region_stats(&view.followup).unwrap(),
    );
    assert!(at_baseline.pixels > 20);
    let shown = |s: tandem::reading::RegionStats| {
        format!(
            "2: {:.0} mm² · {:.0} ± {:.0}",
            ellipse.area_mm2(&view.baseline),
            s.mean,
            s.sd
        )
    };
    harness.get_by_label(&shown(at_baseline));
    assert_eq!(
        harness.query_all_by_label(&shown(at_followup)).count(),
        2,
        "follow-up and change"
    );
    // Listed in the panel; saved with the session and read back; printed in the report.
    harness.get_by_label_contains("1. Ruler (axial)");
    let session = dir.path().join("measured.tandem");
    harness
        .state_mut()
        .push_command(Command::SaveSessionTo(session.clone()));
    harness
        .state_mut()
        .push_command(Command::SetReader("Dr Ruler".into()));
    harness
        .state_mut()
        .push_command(Command::WriteReport(dir.path().join("report"), false));
    super::test_support::step_until(&mut harness, "the report", |app| {
        app.session
            .status
            .as_ref()
            .is_some_and(|(t, _)| t.contains("Report"))
            && !app.busy()
    });
    let saved = tandem::session::Session::load(&session).unwrap();
    assert_eq!(saved.measurements.len(), 2);
    assert_eq!(saved.measurements[1], ellipse);
    let html = std::fs::read_to_string(dir.path().join("report/report.html")).unwrap();
    assert!(
        html.contains("Ruler 1, axial, at"),
        "the report lists the ruler"
    );
    assert!(html.contains(&format!("{length:.1} mm")));
    assert!(html.contains("Region 2, axial, at"));
    // The × beside a measurement deletes it.
    harness.get_all_by_label("×").next().unwrap().click();
    harness.run_steps(2);
    let left = &harness
        .state()
        .review
        .as_ref()
        .unwrap()
        .reading
        .measurements;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0], ellipse);
}

#[test]
fn the_help_lists_the_viewing_keys_and_a_long_title_stays_on_one_line() {
    use egui::Key;
    let mut harness = compared_app(|app| app.prefs.layout = Layout::SideBySide);
    harness.key_press(Key::F1);
    harness.run_steps(4);
    // Each row: the key, then what it does ending with the key again.
    for key in ["Down", "PageDown", "Space", "H", "D", "A"] {
        harness.get_by_label_contains(&format!("({key})"));
    }
    harness.get_by_label("Double-click, or M");
    harness.key_press(Key::F1);
    harness.run_steps(2);
    // The checkerboard's long title is cut short, not wrapped over the image.
    harness.state_mut().push_command(Command::CycleQc);
    harness.run_steps(3);
    let title = harness.get_by_label("Follow-up (registered) · Axial · Checkerboard");
    assert!(title.rect().height() < 24.0, "{:?}", title.rect());
}
