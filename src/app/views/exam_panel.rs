//! One side of the pair: title, the series shown, progress while loading, and the slice.

use egui::Ui;

use super::slice_view::slice_view_ui;
use crate::app::command::Command;
use crate::app::exam_slot::ExamSlot;
use crate::app::jobs::Activity;
use tandem::info::pretty_date;

/// Draws one exam column.
pub fn exam_panel_ui(ui: &mut Ui, slot: &mut ExamSlot, fraction: f32, commands: &mut Vec<Command>) {
    ui.vertical(|ui| {
        ui.heading(slot.side.title());
        match &slot.activity {
            Activity::Running(job) => {
                ui.horizontal(|ui| {
                    ui.add(
                        egui::ProgressBar::new(job.progress.fraction())
                            .show_percentage()
                            .desired_width(ui.available_width() - 90.0),
                    );
                    let cancel = Command::CancelLoad(slot.side);
                    if ui
                        .button(cancel.text())
                        .on_hover_text(cancel.tooltip())
                        .clicked()
                    {
                        commands.push(cancel);
                    }
                });
                ui.weak(&job.label);
            }
            Activity::Failed(message) | Activity::Crashed(message) => {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
            Activity::Idle => {}
        }
        let Some(exam) = &slot.shown else {
            if !slot.is_loading() {
                ui.label("No exam open. Use the Open button above.");
            }
            return;
        };
        let slices = exam.volume.dims()[2];
        let k = ((fraction * (slices.saturating_sub(1)) as f32).round() as usize).min(slices - 1);
        let series = exam.scan.all_series().find(|s| s.id == exam.series_id);
        let date = exam
            .scan
            .all_studies()
            .find(|st| st.series.iter().any(|s| s.id == exam.series_id))
            .and_then(|st| st.date.clone())
            .unwrap_or_default();
        ui.label(format!(
            "{} — {} — slice {} of {}",
            pretty_date(&date),
            series
                .and_then(|s| s.facts.series_description.clone())
                .unwrap_or_else(|| "(no description)".into()),
            k + 1,
            slices
        ));
        let id = format!("{} slice", slot.side.title());
        slice_view_ui(
            ui,
            &id,
            &mut slot.texture,
            &exam.volume,
            k,
            exam.window,
            slot.shown_generation,
        );
    });
}
