//! The app's state and the loop that applies commands. Views only draw and push commands.

use std::path::PathBuf;

use egui::Ui;

use super::command::{Command, Decision, Side};
use super::exam_slot::ExamSlot;
use super::file_dialog::{FileRequest, Pick};
use super::jobs::Activity;
use super::state::{PREFS_KEY, Prefs, TandemApp};
use super::views::{compare_views_ui, exam_panel_ui, lesion_table_ui, series_list_ui};

impl TandemApp {
    /// A new app that starts loading `baseline` and `followup`.
    pub fn new(ctx: &egui::Context, baseline: Option<PathBuf>, followup: Option<PathBuf>) -> Self {
        let mut app = Self {
            prefs: Prefs::default(),
            frame_times: std::collections::VecDeque::new(),
            exams: [ExamSlot::new(Side::Baseline), ExamSlot::new(Side::Followup)],
            slice_fraction: 0.5,
            review: None,
            comparison: Activity::Idle,
            auto_compare: true,
            compare_textures: Vec::new(),
            help: false,
            panels_hidden: false,
            startup: super::startup_clock::StartupClock::new(std::time::Instant::now()),
            pair_chosen: false,
            settings: tandem::pipeline::change::ChangeSettings::default(),
            show_native: false,
            compare_options: tandem::compare::CompareOptions::default(),
            session: Default::default(),
            practice: None,
            practice_dir: None,
            commands: Vec::new(),
            next_generation: 1,
            dialog_missing: super::file_dialog::system_dialog_missing(),
            path_prompt: None,
            dialog_answer: None,
        };
        for (side, path) in Side::BOTH.into_iter().zip([baseline, followup]) {
            if let Some(path) = path {
                app.commands.push(Command::OpenExam(side, path));
            }
        }
        app.apply_commands(ctx);
        app
    }

    pub(super) fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            match command {
                Command::BrowseExam(side) => self.browse_exam(side, false),
                Command::BrowseDicomdir(side) => self.browse_exam(side, true),
                Command::OpenExam(side, path) => {
                    self.pair_chosen = false;
                    self.start_load(ctx, side, path, None);
                }
                Command::ChooseSeries(side, id) => {
                    if let Some(path) = self.exams[side.index()].path.clone() {
                        let partner = self.partner_series(side, &id);
                        self.start_load(ctx, side, path, Some(id));
                        // The other exam follows with its series of the same kind, so the
                        // pair compared is always like with like.
                        let other = match side {
                            Side::Baseline => Side::Followup,
                            Side::Followup => Side::Baseline,
                        };
                        if let (Some(partner), Some(path)) =
                            (partner, self.exams[other.index()].path.clone())
                        {
                            self.start_load(ctx, other, path, Some(partner));
                        }
                        // From now on the comparison uses the series on screen.
                        self.pair_chosen = true;
                    }
                }
                Command::CancelLoad(side) => self.exams[side.index()].activity.cancel(),
                Command::RunComparison => self.start_comparison(ctx),
                Command::SetPromptPath(text) => {
                    if let Some(prompt) = &mut self.path_prompt {
                        prompt.text = text;
                    }
                }
                Command::SubmitPath => self.submit_path(),
                Command::CancelPrompt => self.path_prompt = None,
                Command::CancelComparison => {
                    self.comparison.cancel();
                    self.auto_compare = false;
                }
                Command::SelectLesion(id) => self.select_lesion(id),
                Command::NextLesion | Command::PreviousLesion => {
                    let forward = command == Command::NextLesion;
                    if let Some(id) = self.review.as_ref().and_then(|r| r.step(forward)) {
                        self.select_lesion(id);
                    }
                }
                Command::ConfirmSelected | Command::RejectSelected => {
                    let decision = if command == Command::ConfirmSelected {
                        Decision::Confirmed
                    } else {
                        Decision::Rejected
                    };
                    if let Some(review) = &mut self.review
                        && let Some(id) = review.selected
                    {
                        review.reading.decisions.insert(id, decision);
                    }
                }
                Command::SetLayout(layout) => {
                    self.prefs.layout = layout;
                    if let Some(review) = &mut self.review {
                        review.viewport.filled = None;
                    }
                }
                Command::TogglePanels => self.panels_hidden = !self.panels_hidden,
                command @ (Command::SetCursor(_)
                | Command::Scroll(..)
                | Command::StepSlice(_)
                | Command::ToggleCine
                | Command::ToggleFill(_)
                | Command::GoToMm(_)
                | Command::DragWindow(..)
                | Command::WindowPreset(_)
                | Command::Zoom(_)
                | Command::ResetZoom
                | Command::Pan(..)
                | Command::ToggleOverlay
                | Command::SetOpacity(_)
                | Command::CycleQc) => {
                    if let Some(review) = &mut self.review {
                        review.apply_view_command(command);
                    }
                }
                Command::SetPlane(plane) => {
                    self.prefs.plane = Some(plane);
                    if let Some(review) = &mut self.review {
                        review.viewport.plane = plane;
                    }
                }
                Command::ToggleHelp => self.help = !self.help,
                Command::SetThreshold(z) => {
                    let z = z.clamp(2.0, 60.0);
                    if (z - self.settings.z_seed).abs() > 1e-3 {
                        self.settings.z_seed = z;
                        // Growth stays below the seed, as hysteresis needs.
                        self.settings.z_grow = (z - 2.0).clamp(1.5, 3.0);
                        self.start_comparison(ctx);
                    }
                }
                Command::ToggleNative => self.show_native = !self.show_native,
                Command::AddMeasurement(measurement) => {
                    if let Some(review) = &mut self.review {
                        review.reading.measurements.push(measurement);
                    }
                }
                Command::DeleteMeasurement(n) => {
                    if let Some(review) = &mut self.review
                        && n < review.reading.measurements.len()
                    {
                        review.reading.measurements.remove(n);
                    }
                }
                Command::Mark(mark) => {
                    if let Some(review) = &mut self.review {
                        review.apply_mark(mark);
                    }
                }
                command @ (Command::OpenPractice(_)
                | Command::SetAnswers(_)
                | Command::ToggleCandidates
                | Command::ScorePractice
                | Command::JumpTo(_)
                | Command::ReplayMiss
                | Command::EndPractice) => self.apply_practice_command(ctx, command),
                other => self.apply_session_command(ctx, other),
            }
        }
        // Practice hides the comparison's findings until the trainee asks or has scored.
        self.sync_withheld();
        if let Some(review) = &mut self.review {
            review.sync();
        }
    }

    /// Moves every view to a lesion: its slice, and the cursor on its centre.
    fn select_lesion(&mut self, id: tandem::ids::LesionId) {
        let Some(review) = &mut self.review else {
            return;
        };
        // The reading's lesions: the comparison's and the reader's own.
        let Some(centre) = review.lesion(id).map(|l| l.centroid_mm) else {
            return;
        };
        // The selected lesion is also the one the marking tools add to.
        review.selected = Some(id);
        review.jump_to_mm(centre);
    }

    /// Asks for the folder (or DICOMDIR file) of an exam.
    fn browse_exam(&mut self, side: Side, dicomdir: bool) {
        let title = format!("Open {} exam", side.title().to_lowercase());
        let pick = if dicomdir { Pick::File } else { Pick::Folder };
        self.ask_for_path(FileRequest::new(title, pick, move |path| {
            Command::OpenExam(side, path)
        }));
    }

    /// A folder dropped on the left half opens as the baseline, on the right half as the
    /// follow-up.
    fn dropped_folders(&mut self, ctx: &egui::Context) {
        let (dropped, pointer, width) = ctx.input(|i| {
            (
                i.raw.dropped_files.clone(),
                i.pointer.latest_pos(),
                i.viewport_rect().width(),
            )
        });
        for file in dropped {
            let path = file.path();
            if path.as_os_str().is_empty() {
                continue;
            }
            let side = match pointer {
                Some(p) if p.x > width / 2.0 => Side::Followup,
                _ => Side::Baseline,
            };
            self.commands
                .push(Command::OpenExam(side, path.to_path_buf()));
        }
    }

    fn keyboard(&mut self, ctx: &egui::Context) {
        // Only typing into a text field takes the keys: a focused button (the lesion row just
        // clicked) must not swallow C or R.
        if ctx.text_edit_focused() {
            return;
        }
        for command in Command::with_shortcuts() {
            if let Some(shortcut) = command.shortcut()
                && ctx.input_mut(|i| i.consume_shortcut(&shortcut))
            {
                self.commands.push(command);
            }
        }
    }

    /// Draws the whole window.
    pub fn draw(&mut self, ui: &mut Ui) {
        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Tandem");
                ui.separator();
                ui.menu_button("File", |ui| {
                    let reading = self.review.is_some();
                    for (command, enabled) in [
                        (Command::BrowsePractice, true),
                        (Command::BrowseSession, true),
                        (Command::SaveSession, reading),
                        (Command::SaveSessionAs, reading),
                        (Command::SaveReport, reading),
                        (Command::MakeCase, reading),
                    ] {
                        if ui
                            .add_enabled(enabled, egui::Button::new(command.text()))
                            .on_hover_text(command.tooltip())
                            .clicked()
                        {
                            self.commands.push(command);
                            ui.close();
                        }
                    }
                    ui.separator();
                    for side in Side::BOTH {
                        for command in [Command::BrowseExam(side), Command::BrowseDicomdir(side)] {
                            if ui
                                .button(command.text())
                                .on_hover_text(command.tooltip())
                                .clicked()
                            {
                                self.commands.push(command);
                                ui.close();
                            }
                        }
                    }
                });
                for side in Side::BOTH {
                    let command = Command::BrowseExam(side);
                    if ui
                        .button(command.text())
                        .on_hover_text(command.tooltip())
                        .clicked()
                    {
                        self.commands.push(command);
                    }
                }
                if !self.prefs.recent.is_empty() {
                    ui.menu_button("Recent", |ui| {
                        for [b, f] in self.prefs.recent.clone() {
                            let text = format!("{}  ↔  {}", b.display(), f.display());
                            if ui.button(text).clicked() {
                                self.commands.push(Command::OpenExam(Side::Baseline, b));
                                self.commands.push(Command::OpenExam(Side::Followup, f));
                                ui.close();
                            }
                        }
                    });
                }
                ui.separator();
                self.comparison_controls(ui);
                // Without a review there is no report panel: session errors show here.
                if self.review.is_none()
                    && self.session.relocating.is_none()
                    && let Some((text, true)) = &self.session.status
                {
                    ui.colored_label(ui.visuals().error_fg_color, text);
                }
                if self.review.is_some() {
                    let toggle = Command::ToggleNative;
                    if ui
                        .selectable_label(self.show_native, toggle.text())
                        .on_hover_text(toggle.tooltip())
                        .clicked()
                    {
                        self.commands.push(toggle);
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.weak(format!("build {}", tandem::build_info::DESCRIBE));
                });
            });
        });
        // With a comparison on screen the slider moves the cursor through the axial slices of
        // the comparison grid; before, it moves both exams through their own stacks.
        let axial = self.review.as_ref().and_then(|r| {
            let view = r.shown_view()?;
            let axes = tandem::display::plane_axes(
                view.baseline.geometry(),
                tandem::display::Plane::Axial,
            );
            Some((axes.through, r.dims()[axes.through]))
        });
        if let (Some(review), Some((axis, n))) = (&self.review, axial) {
            self.slice_fraction = (review.viewport.cursor[axis] / (n.max(2) - 1) as f64) as f32;
        }
        egui::Panel::bottom("navigation").show(ui, |ui| {
            ui.horizontal(|ui| {
                let slider = egui::Slider::new(&mut self.slice_fraction, 0.0..=1.0)
                    .text("Slice")
                    .show_value(false);
                ui.spacing_mut().slider_width = (ui.available_width() - 190.0).max(100.0);
                let moved = ui
                    .add(slider)
                    .on_hover_text("Moves every view through the stack together")
                    .changed();
                if moved && let (Some(review), Some((axis, n))) = (&mut self.review, axial) {
                    let mut cursor = review.viewport.cursor;
                    cursor[axis] = (f64::from(self.slice_fraction) * (n.max(2) - 1) as f64).round();
                    review.set_cursor(cursor);
                }
                let slowest = self
                    .frame_times
                    .iter()
                    .map(|(_, ms)| *ms)
                    .fold(0.0, f32::max);
                ui.weak(format!("frame ≤ {slowest:.1} ms")).on_hover_text(
                    "CPU time to build the slowest frame of the last two seconds (target: 16 ms)",
                );
            });
        });
        let panels = !self.panels_hidden;
        if panels {
            egui::Panel::left("series")
                .resizable(true)
                .default_size(260.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        for slot in &self.exams {
                            series_list_ui(ui, slot, &mut self.commands);
                            ui.separator();
                        }
                    });
                });
        }
        let fraction = self.slice_fraction;
        if self.help {
            help_window(ui.ctx(), &mut self.help);
        }
        let native = self.show_native;
        let z_seed = self.settings.z_seed;
        let dirty = self.session.dirty(self.review.as_ref());
        super::views::session_dialogs_ui(ui.ctx(), &self.session, &mut self.commands);
        if let (Some(folder), Some(review)) = (&self.session.report_form, &self.review) {
            let missing = self.dialog_missing.as_deref();
            super::views::report_form_ui(ui.ctx(), folder, review, missing, &mut self.commands);
        }
        if let Some(prompt) = &self.path_prompt {
            super::views::path_prompt_ui(ui.ctx(), prompt, &mut self.commands);
        }
        egui::CentralPanel::default().show(ui, |ui| match &self.review {
            Some(review) if !native => {
                // Views on the left, the lesion table and histogram on the right, split here
                // (not with a right-hand panel) so the views always get exactly the room left.
                let full = ui.available_rect_before_wrap();
                let table_width = if panels {
                    540.0_f32.min(full.width() * 0.45)
                } else {
                    0.0
                };
                let split = (full.max.x - table_width).max(full.min.x + 1.0);
                let views_rect = egui::Rect::from_min_max(
                    full.min,
                    egui::pos2((split - 8.0).max(full.min.x + 1.0), full.max.y),
                );
                let table_rect = egui::Rect::from_min_max(egui::pos2(split, full.min.y), full.max);
                let commands = &mut self.commands;
                ui.scope_builder(egui::UiBuilder::new().max_rect(views_rect), |ui| {
                    compare_views_ui(
                        ui,
                        review,
                        (self.prefs.layout, !panels),
                        &mut self.compare_textures,
                        commands,
                    );
                });
                if !panels {
                    return;
                }
                ui.scope_builder(egui::UiBuilder::new().max_rect(table_rect), |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("lesion panel")
                        .show(ui, |ui| {
                            if let Some(practice) = &self.practice {
                                super::views::practice_panel_ui(ui, practice, commands);
                                ui.separator();
                            }
                            lesion_table_ui(ui, review, commands);
                            ui.separator();
                            super::views::report_panel_ui(
                                ui,
                                &self.session,
                                &review.reading,
                                dirty,
                                commands,
                            );
                            ui.separator();
                            if !review.hide_findings {
                                super::views::change_histogram_ui(ui, review, z_seed, commands);
                            }
                        });
                });
            }
            _ => {
                ui.columns(2, |columns| {
                    for (column, slot) in columns.iter_mut().zip(self.exams.iter_mut()) {
                        exam_panel_ui(column, slot, fraction, &mut self.commands);
                    }
                });
            }
        });
    }

    fn comparison_controls(&mut self, ui: &mut Ui) {
        match &self.comparison {
            Activity::Running(job) => {
                ui.add(
                    egui::ProgressBar::new(job.progress.fraction())
                        .desired_width(160.0)
                        .text(job.label.clone()),
                );
                let cancel = Command::CancelComparison;
                if ui
                    .button(cancel.text())
                    .on_hover_text(cancel.tooltip())
                    .clicked()
                {
                    self.commands.push(cancel);
                }
            }
            Activity::Failed(message) | Activity::Crashed(message) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("Comparison failed: {message}"),
                );
                let run = Command::RunComparison;
                if ui.button(run.text()).on_hover_text(run.tooltip()).clicked() {
                    self.commands.push(run);
                }
            }
            Activity::Idle => {
                let run = Command::RunComparison;
                let ready = self.exams.iter().all(|s| s.shown.is_some());
                if ui
                    .add_enabled(ready, egui::Button::new(run.text()))
                    .on_hover_text(run.tooltip())
                    .clicked()
                {
                    self.commands.push(run);
                }
            }
        }
    }
}

/// Every shortcut and mouse gesture, from the commands themselves.
fn help_window(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard and mouse")
        .open(open)
        .collapsible(false)
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                for command in Command::with_shortcuts() {
                    if let Some(shortcut) = command.shortcut() {
                        ui.strong(super::command::shortcut_name(&shortcut));
                        ui.label(command.tooltip());
                        ui.end_row();
                    }
                }
                for (gesture, meaning) in [
                    ("Click", "Place the cursor (all views follow)"),
                    ("Mouse wheel", "Next / previous slice in that view's plane"),
                    ("Ctrl + wheel", "Zoom every view"),
                    ("Drag", "Pan every view"),
                    ("Right-drag", "Window: left/right width, up/down level"),
                    (
                        "Double-click, or M",
                        "The view under the pointer fills the area (again: back)",
                    ),
                ] {
                    ui.strong(gesture);
                    ui.label(meaning);
                    ui.end_row();
                }
            });
        });
}

impl eframe::App for TandemApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.dropped_folders(ctx);
        self.poll();
        self.poll_session(ctx);
        // After both polls, so a crash of any job (the report's too) is saved for in this frame.
        self.after_a_crash();
        self.keyboard(ctx);
        self.apply_commands(ctx);
        let now = ctx.input(|i| i.time);
        if self.review.as_mut().is_some_and(|r| r.cine_tick(now)) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(
                1.0 / super::viewing::CINE_RATE,
            ));
        }
        if self.busy() {
            // Keep the progress bars moving.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        let start = std::time::Instant::now();
        self.draw(ui);
        let image = self.exams.iter().any(|slot| slot.shown.is_some());
        let table = self.review.is_some() && !self.show_native;
        if self.startup.frame(image, table) {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let now = ui.input(|i| i.time);
        self.frame_times
            .push_back((now, start.elapsed().as_secs_f32() * 1000.0));
        while self.frame_times.front().is_some_and(|(t, _)| now - t > 2.0) {
            self.frame_times.pop_front();
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PREFS_KEY, &self.prefs);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.on_close();
    }
}
