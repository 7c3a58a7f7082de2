//! The questions a reading's files raise: recover an interrupted reading, find an exam that
//! moved, replace a report already in the chosen folder.

use crate::app::command::{Command, Side};
use crate::app::session_state::SessionState;

pub fn session_dialogs_ui(
    ctx: &egui::Context,
    session: &SessionState,
    commands: &mut Vec<Command>,
) {
    if let Some(found) = &session.recovery {
        egui::Window::new("Interrupted reading")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                match found {
                    Ok(s) => {
                        let (lesions, _) = s.marks_summary();
                        let date = |d: &Option<String>| {
                            d.as_deref()
                                .map_or("(no date)".to_owned(), tandem::info::pretty_date)
                        };
                        ui.label(format!(
                            "Tandem closed before this reading was saved (last autosave {}).",
                            s.saved_at
                        ));
                        ui.label(format!(
                            "Follow-up of {} against {}; {} marked lesion(s), {} decision(s){}.",
                            date(&s.report.followup.date),
                            date(&s.report.baseline.date),
                            lesions,
                            s.decisions.len(),
                            if s.reader.is_empty() {
                                String::new()
                            } else {
                                format!(", reader {}", s.reader)
                            }
                        ));
                    }
                    Err(e) => {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            format!("An interrupted reading was found but cannot be read: {e}"),
                        );
                    }
                }
                ui.horizontal(|ui| {
                    for command in [Command::RecoverSession, Command::DiscardRecovery] {
                        let enabled = command != Command::RecoverSession || found.is_ok();
                        if ui
                            .add_enabled(enabled, egui::Button::new(command.text()))
                            .on_hover_text(command.tooltip())
                            .clicked()
                        {
                            commands.push(command);
                        }
                    }
                });
            });
    }
    if let Some((pending, side)) = &session.relocating {
        let exam = match side {
            Side::Baseline => &pending.baseline,
            Side::Followup => &pending.followup,
        };
        egui::Window::new("Where is the exam now?")
            .collapsible(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(format!(
                    "The {} exam of this reading is no longer at {}.",
                    side.title().to_lowercase(),
                    exam.path.display()
                ));
                ui.label("Choose the folder (or DICOMDIR's folder) it has moved to.");
                let side = *side;
                if ui
                    .button(Command::RelocateExam(side, Default::default()).text())
                    .on_hover_text(Command::RelocateExam(side, Default::default()).tooltip())
                    .clicked()
                {
                    // An empty path asks the app to open the folder dialog (off this thread).
                    commands.push(Command::RelocateExam(side, Default::default()));
                }
                if let Some((text, true)) = &session.status {
                    ui.colored_label(ui.visuals().error_fg_color, text);
                }
            });
    }
    if let Some(dir) = &session.confirm_replace {
        egui::Window::new("Replace the report?")
            .collapsible(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(format!("{} already holds a report.", dir.display()));
                ui.horizontal(|ui| {
                    if ui.button("Replace it").clicked() {
                        commands.push(Command::WriteReport(dir.clone(), true));
                    }
                    if ui.button("Choose another folder…").clicked() {
                        commands.push(Command::SaveReport);
                    }
                });
            });
    }
}
