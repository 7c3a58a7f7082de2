//! The study browser for one exam: its series (click to show one) and the problems the scan
//! found, always visible to the reader, never only in a log.

use egui::Ui;

use crate::app::command::Command;
use crate::app::exam_slot::ExamSlot;

/// Lists the series and problems of one exam.
pub fn series_list_ui(ui: &mut Ui, slot: &ExamSlot, commands: &mut Vec<Command>) {
    ui.strong(slot.side.title());
    if let Some(path) = &slot.path {
        ui.weak(path.display().to_string());
    }
    let Some(exam) = &slot.shown else {
        return;
    };
    for patient in &exam.scan.patients {
        // The reader checks it is the right patient; the name is shown, never logged.
        ui.label(format!(
            "{} · {}",
            patient.name.as_deref().unwrap_or("(no name)"),
            patient.id.as_deref().unwrap_or("(no ID)")
        ));
    }
    for study in exam.scan.all_studies() {
        let date = study
            .date
            .as_deref()
            .map_or("(no date)".to_owned(), tandem::info::pretty_date);
        ui.weak(format!(
            "Exam {date} {}",
            study.description.as_deref().unwrap_or("")
        ));
        for series in &study.series {
            let dims = series
                .stack
                .as_ref()
                .map(|s| format!("{}×{}×{}", s.dims[0], s.dims[1], s.dims[2]))
                .unwrap_or_else(|_| "not loadable".into());
            let contrast = if series.facts.contrast_agent.is_some() {
                " +C"
            } else {
                ""
            };
            let text = format!(
                "{} {}{contrast} ({dims})",
                series
                    .facts
                    .series_number
                    .map_or("?".into(), |n| n.to_string()),
                series
                    .facts
                    .series_description
                    .as_deref()
                    .unwrap_or("(no description)"),
            );
            let selected = series.id == exam.series_id;
            let enabled = series.stack.is_ok();
            let response = ui.add_enabled(enabled, egui::Button::selectable(selected, text));
            let response = match &series.stack {
                Err(problem) => response.on_disabled_hover_text(problem.to_string()),
                Ok(_) => response
                    .on_hover_text(Command::ChooseSeries(slot.side, String::new()).tooltip()),
            };
            if response.clicked() && !selected {
                commands.push(Command::ChooseSeries(slot.side, series.id.clone()));
            }
        }
    }
    let problems = &exam.scan.problems;
    if !problems.is_empty() {
        egui::CollapsingHeader::new(format!("Problems ({})", problems.len()))
            .id_salt((slot.side.title(), "problems"))
            .show(ui, |ui| {
                for p in problems {
                    ui.label(format!("{}: {}", p.path.display(), p.problem));
                }
            });
    }
}
