//! The reading's paperwork: who reads, notes for the report, saving the session and the
//! report, and what the last save said.

use egui::Ui;

use crate::app::command::Command;
use crate::app::jobs::Activity;
use crate::app::session_state::SessionState;
use tandem::reading::Reading;

pub fn report_panel_ui(
    ui: &mut Ui,
    session: &SessionState,
    reading: &Reading,
    dirty: bool,
    commands: &mut Vec<Command>,
) {
    ui.heading("Report");
    ui.horizontal(|ui| {
        let label = ui.label("Reader");
        let mut reader = reading.reader.clone();
        if ui
            .add(egui::TextEdit::singleline(&mut reader).desired_width(200.0))
            .labelled_by(label.id)
            .on_hover_text(Command::SetReader(String::new()).tooltip())
            .changed()
        {
            commands.push(Command::SetReader(reader));
        }
    });
    let label = ui.label("Notes");
    let mut notes = reading.notes.clone();
    if ui
        .add(
            egui::TextEdit::multiline(&mut notes)
                .desired_rows(3)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id)
        .on_hover_text(Command::SetNotes(String::new()).tooltip())
        .changed()
    {
        commands.push(Command::SetNotes(notes));
    }
    ui.horizontal(|ui| {
        for command in [Command::SaveSession, Command::SaveReport] {
            let busy = command == Command::SaveReport && session.report_job.is_running();
            if ui
                .add_enabled(!busy, egui::Button::new(command.text()))
                .on_hover_text(command.tooltip())
                .clicked()
            {
                commands.push(command);
            }
        }
        if dirty {
            ui.weak(if session.data_dir.is_some() {
                "unsaved changes (kept for recovery)"
            } else {
                "unsaved changes"
            });
        }
    });
    if let Activity::Running(job) = &session.report_job {
        ui.add(
            egui::ProgressBar::new(job.progress.fraction())
                .text(job.label.clone())
                .animate(true),
        );
    }
    if let Some((text, error)) = &session.status {
        if *error {
            ui.colored_label(ui.visuals().error_fg_color, text);
        } else {
            ui.weak(text);
        }
    }
}
