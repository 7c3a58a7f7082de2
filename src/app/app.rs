//! The app's state and the loop that applies commands. Views only draw and push commands.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};

use egui::Ui;

use super::command::{Command, Side};
use super::jobs::{Job, LoadedExam, load_exam};
use super::views::{exam_panel_ui, series_list_ui};

/// What is happening to one side right now.
pub enum Activity {
    Idle,
    Loading(Job<LoadedExam>),
    Failed(String),
}

/// One exam of the pair: what is shown, and any work in progress.
pub struct ExamSlot {
    pub side: Side,
    pub path: Option<PathBuf>,
    /// The exam on screen; kept while another loads, so a cancel loses nothing.
    pub shown: Option<LoadedExam>,
    /// Changes whenever `shown` does (texture cache key).
    pub shown_generation: u64,
    pub activity: Activity,
    pub texture: super::views::SliceTexture,
}

impl ExamSlot {
    fn new(side: Side) -> Self {
        Self {
            side,
            path: None,
            shown: None,
            shown_generation: 0,
            activity: Activity::Idle,
            texture: Default::default(),
        }
    }

    pub fn is_loading(&self) -> bool {
        matches!(self.activity, Activity::Loading(_))
    }
}

/// The reading room.
pub struct TandemApp {
    pub exams: [ExamSlot; 2],
    /// Position through the stack, 0..=1, shared by both views.
    pub slice_fraction: f32,
    commands: Vec<Command>,
    next_generation: u64,
    browse: Option<Receiver<(Side, PathBuf)>>,
}

impl TandemApp {
    /// A new app that starts loading `baseline` and `followup`.
    pub fn new(ctx: &egui::Context, baseline: Option<PathBuf>, followup: Option<PathBuf>) -> Self {
        let mut app = Self {
            exams: [ExamSlot::new(Side::Baseline), ExamSlot::new(Side::Followup)],
            slice_fraction: 0.5,
            commands: Vec::new(),
            next_generation: 1,
            browse: None,
        };
        for (side, path) in Side::BOTH.into_iter().zip([baseline, followup]) {
            if let Some(path) = path {
                app.commands.push(Command::OpenExam(side, path));
            }
        }
        app.apply_commands(ctx);
        app
    }

    /// Queues a command, applied after the current frame is drawn.
    #[cfg(test)]
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    #[cfg(test)]
    pub fn exam(&self, side: Side) -> &ExamSlot {
        &self.exams[side.index()]
    }

    /// True while any exam is loading.
    pub fn busy(&self) -> bool {
        self.exams.iter().any(ExamSlot::is_loading)
    }

    fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            match command {
                Command::BrowseExam(side) => self.browse_exam(side),
                Command::OpenExam(side, path) => self.start_load(ctx, side, path, None),
                Command::ChooseSeries(side, id) => {
                    if let Some(path) = self.exams[side.index()].path.clone() {
                        self.start_load(ctx, side, path, Some(id));
                    }
                }
                Command::CancelLoad(side) => {
                    let slot = &mut self.exams[side.index()];
                    if let Activity::Loading(job) = &slot.activity {
                        job.cancel();
                        slot.activity = Activity::Idle;
                    }
                }
            }
        }
    }

    fn start_load(
        &mut self,
        ctx: &egui::Context,
        side: Side,
        path: PathBuf,
        series: Option<String>,
    ) {
        let generation = self.next_generation;
        self.next_generation += 1;
        let slot = &mut self.exams[side.index()];
        if let Activity::Loading(old) = &slot.activity {
            old.cancel();
        }
        slot.path = Some(path.clone());
        let label = format!("Loading {}", path.display());
        slot.activity = Activity::Loading(Job::spawn(generation, label, ctx.clone(), move |p| {
            load_exam(path, series, p)
        }));
    }

    /// Opens a native folder dialog on a helper thread, so the window keeps drawing.
    fn browse_exam(&mut self, side: Side) {
        let (sender, receiver) = channel();
        let spawned = std::thread::Builder::new()
            .name("tandem-folder-dialog".into())
            .spawn(move || {
                if let Some(folder) = rfd::FileDialog::new()
                    .set_title(format!("Open {} exam", side.title().to_lowercase()))
                    .pick_folder()
                {
                    let _ = sender.send((side, folder));
                }
            });
        if spawned.is_ok() {
            self.browse = Some(receiver);
        }
    }

    /// Collects finished jobs and dialog answers.
    fn poll(&mut self) {
        if let Some(receiver) = &self.browse
            && let Ok((side, folder)) = receiver.try_recv()
        {
            self.commands.push(Command::OpenExam(side, folder));
            self.browse = None;
        }
        for slot in &mut self.exams {
            let Activity::Loading(job) = &slot.activity else {
                continue;
            };
            let Some(result) = job.poll() else {
                continue;
            };
            let generation = job.generation;
            slot.activity = match result {
                Ok(exam) => {
                    slot.shown = Some(exam);
                    slot.shown_generation = generation;
                    Activity::Idle
                }
                Err(message) if message == "cancelled" => Activity::Idle,
                Err(message) => Activity::Failed(message),
            };
        }
    }

    /// Draws the whole window.
    pub fn draw(&mut self, ui: &mut Ui) {
        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Tandem");
                ui.separator();
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
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.weak(format!("build {}", tandem::build_info::DESCRIBE));
                });
            });
        });
        egui::Panel::bottom("navigation").show(ui, |ui| {
            ui.horizontal(|ui| {
                let slider = egui::Slider::new(&mut self.slice_fraction, 0.0..=1.0)
                    .text("Slice")
                    .show_value(false);
                ui.spacing_mut().slider_width = (ui.available_width() - 80.0).max(100.0);
                ui.add(slider)
                    .on_hover_text("Moves both exams through their stacks together");
            });
        });
        egui::Panel::left("series")
            .resizable(true)
            .default_size(280.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    for slot in &self.exams {
                        series_list_ui(ui, slot, &mut self.commands);
                        ui.separator();
                    }
                });
            });
        let fraction = self.slice_fraction;
        egui::CentralPanel::default().show(ui, |ui| {
            ui.columns(2, |columns| {
                for (column, slot) in columns.iter_mut().zip(self.exams.iter_mut()) {
                    exam_panel_ui(column, slot, fraction, &mut self.commands);
                }
            });
        });
    }
}

impl eframe::App for TandemApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll();
        self.apply_commands(ctx);
        if self.busy() {
            // Keep the progress bars moving.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }
}
