//! The reading's paperwork: who reads, notes and measurements for the report, saving the
//! session and the report, and what the last save said.

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
    measurements_ui(ui, reading, commands);
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

/// The reader's rulers and ellipses, each with its value on both exams and a delete button.
fn measurements_ui(ui: &mut Ui, reading: &Reading, commands: &mut Vec<Command>) {
    if reading.measurements.is_empty() {
        return;
    }
    ui.strong("Measurements");
    let pair = reading.marks_view();
    let volumes: Vec<_> = pair
        .map(|v| vec![&v.baseline, &v.followup])
        .unwrap_or_default();
    for (n, m) in reading.measurements.iter().enumerate() {
        ui.horizontal(|ui| {
            let delete = Command::DeleteMeasurement(n);
            if ui.small_button("×").on_hover_text(delete.text()).clicked() {
                commands.push(delete);
            }
            ui.label(format!(
                "{}. {} ({}): {}",
                n + 1,
                match m.kind {
                    tandem::reading::MeasureKind::Ruler => "Ruler",
                    tandem::reading::MeasureKind::Ellipse => "Ellipse",
                },
                m.plane.name().to_lowercase(),
                m.describe(&volumes, &["baseline", "follow-up"])
            ));
        });
    }
}
