//! The app's own path questions: a path typed where no system file dialog opens, and the report
//! form (the reader's name, flags still undecided, the folder) that comes before any report.

use egui::Ui;

use crate::app::command::Command;
use crate::app::file_dialog::{PathPrompt, typed_path};
use crate::app::review::Review;

/// A window asking for the path a system dialog would have asked for.
pub fn path_prompt_ui(ctx: &egui::Context, prompt: &PathPrompt, commands: &mut Vec<Command>) {
    egui::Window::new(prompt.request.title.as_str())
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.colored_label(ui.visuals().warn_fg_color, &prompt.why);
            let mut text = prompt.text.clone();
            let entered = path_field(ui, &mut text, commands);
            ui.horizontal(|ui| {
                let ok = Command::SubmitPath;
                let usable = !text.trim().is_empty();
                if ui
                    .add_enabled(usable, egui::Button::new(ok.text()))
                    .on_hover_text(ok.tooltip())
                    .clicked()
                    || (entered && usable)
                {
                    commands.push(ok);
                }
                button(ui, Command::CancelPrompt, commands);
            });
        });
}

/// A labelled one-line path field; true when Enter was pressed in it.
fn path_field(ui: &mut Ui, text: &mut String, commands: &mut Vec<Command>) -> bool {
    let command = Command::SetPromptPath(String::new());
    ui.horizontal(|ui| {
        let label = ui.label(command.text());
        let field = ui
            .add(egui::TextEdit::singleline(text).desired_width(420.0))
            .labelled_by(label.id)
            .on_hover_text(command.tooltip());
        if field.changed() {
            commands.push(Command::SetPromptPath(text.clone()));
        }
        field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
    })
    .inner
}

fn button(ui: &mut Ui, command: Command, commands: &mut Vec<Command>) {
    if ui
        .button(command.text())
        .on_hover_text(command.tooltip())
        .clicked()
    {
        commands.push(command);
    }
}

/// Before a report is written: who signs it, what is still undecided, and where it goes.
pub fn report_form_ui(
    ctx: &egui::Context,
    folder: &str,
    review: &Review,
    dialog_missing: Option<&str>,
    commands: &mut Vec<Command>,
) {
    egui::Window::new("Sign and save the report")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            let mut reader = review.reading.reader.clone();
            ui.horizontal(|ui| {
                let label = ui.label("Reader");
                if ui
                    .add(egui::TextEdit::singleline(&mut reader).desired_width(240.0))
                    .labelled_by(label.id)
                    .on_hover_text(Command::SetReader(String::new()).tooltip())
                    .changed()
                {
                    commands.push(Command::SetReader(reader.clone()));
                }
            });
            let signed = !reader.trim().is_empty();
            if !signed {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "The report names who read it: type your name.",
                );
            }
            let undecided = review.undecided();
            if undecided > 0 {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "{undecided} flagged lesion(s) not yet confirmed or rejected: the report \
                         counts them as the comparison found them and says they are undecided."
                    ),
                );
            }
            let mut text = folder.to_owned();
            ui.horizontal(|ui| {
                let command = Command::SetReportFolder(String::new());
                let label = ui.label(command.text());
                if ui
                    .add(egui::TextEdit::singleline(&mut text).desired_width(320.0))
                    .labelled_by(label.id)
                    .on_hover_text(command.tooltip())
                    .changed()
                {
                    commands.push(Command::SetReportFolder(text.clone()));
                }
                if dialog_missing.is_none() {
                    button(ui, Command::BrowseReportFolder, commands);
                }
            });
            if let Some(why) = dialog_missing {
                ui.weak(why);
            }
            ui.horizontal(|ui| {
                let write = Command::WriteReport(typed_path(&text), false);
                let ready = signed && !text.trim().is_empty();
                if ui
                    .add_enabled(ready, egui::Button::new(write.text()))
                    .on_hover_text(write.tooltip())
                    .clicked()
                {
                    commands.push(write);
                }
                button(ui, Command::CancelReport, commands);
            });
        });
}
