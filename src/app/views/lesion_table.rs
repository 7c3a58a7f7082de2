//! The lesion table and the live summary: every lesion of the comparison with its status,
//! enhancement, volumes and the reader's decision; click a row to go there.

use egui::{Color32, RichText, Ui};
use tandem::counts::{CONTRAST_NOT_ASSESSED, T2_NOT_ASSESSED, Verdict, capitalised, count_text};
use tandem::pipeline::lesion::Status;
use tandem::reading::Source;

use crate::app::command::{Command, Decision};
use crate::app::review::Review;

/// Draws the summary, the decision buttons and the table.
pub fn lesion_table_ui(ui: &mut Ui, review: &Review, commands: &mut Vec<Command>) {
    if !review.hide_findings {
        summary_ui(ui, review);
        ui.separator();
    }
    if !review.hide_findings {
        ui.horizontal(|ui| {
            for command in Command::review_commands() {
                let enabled = match command {
                    Command::ConfirmSelected | Command::RejectSelected => review.selected.is_some(),
                    _ => !review.flagged().is_empty(),
                };
                if ui
                    .add_enabled(enabled, egui::Button::new(command.text()))
                    .on_hover_text(command.tooltip())
                    .clicked()
                {
                    commands.push(command);
                }
            }
        });
    }
    ui.separator();
    // Both ways: a narrow window scrolls the table rather than cutting its last columns off.
    // Solid bars take their own room: a floating one would lie over the last row.
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    egui::ScrollArea::both()
        .id_salt("lesion rows")
        .max_height(260.0)
        .show(ui, |ui| {
            egui::Grid::new("lesion table")
                .striped(true)
                .num_columns(7)
                .show(ui, |ui| {
                    for heading in [
                        "Lesion",
                        "Status",
                        "Gd+",
                        "Where",
                        "mm³ then / now",
                        "By",
                        "Reader",
                    ] {
                        ui.strong(heading);
                    }
                    ui.end_row();
                    // A blind practice round's reading holds only the trainee's lesions.
                    for lesion in review.lesions() {
                        let selected = review.selected == Some(lesion.id);
                        let row = Command::SelectLesion(lesion.id);
                        if ui
                            .selectable_label(selected, row.text())
                            .on_hover_text(row.tooltip())
                            .clicked()
                        {
                            commands.push(row);
                        }
                        let counted = lesion.counted();
                        let status = status_text(lesion.status);
                        ui.label(if counted {
                            status
                        } else {
                            status.strikethrough()
                        });
                        ui.label(if lesion.enhancing { "yes" } else { "" });
                        ui.label(lesion.location.map_or("", |l| l.name()));
                        ui.label(format!(
                            "{:.0} / {:.0}",
                            lesion.volume_mm3.baseline, lesion.volume_mm3.followup
                        ));
                        ui.label(match lesion.source {
                            Source::Algorithm => "auto",
                            Source::AlgorithmMarked => "marked",
                            Source::Reader => "reader",
                        })
                        .on_hover_text(
                            "auto: found by the comparison; marked: found by the comparison and \
                             outlined by you; reader: drawn by you",
                        );
                        let flagged = lesion.flagged();
                        let shown = flagged || lesion.source != Source::Algorithm;
                        ui.label(if shown { lesion.decision.label() } else { "" });
                        ui.end_row();
                    }
                });
        });
    if let Some(lesion) = review.selected.and_then(|id| review.lesion(id)) {
        ui.separator();
        super::lesion_detail::lesion_detail_ui(ui, review, lesion, commands);
    }
}

fn status_text(status: Status) -> RichText {
    let colour = match status {
        Status::New => Color32::from_rgb(255, 120, 60),
        Status::Enlarging => Color32::from_rgb(255, 190, 60),
        Status::Persistent => Color32::GRAY,
        Status::Shrinking | Status::Resolved => Color32::from_rgb(120, 170, 255),
        Status::Unexplained => Color32::from_rgb(220, 120, 255),
    };
    RichText::new(status.name()).color(colour)
}

/// What the report will say, with the reader's decisions applied.
fn summary_ui(ui: &mut Ui, review: &Review) {
    let summary = review.summary();
    let report = review.report();
    ui.heading("Summary");
    let date = |d: &Option<String>| {
        d.as_deref()
            .map_or("(no date)".to_owned(), tandem::info::pretty_date)
    };
    ui.label(format!(
        "Follow-up {} vs baseline {}",
        date(&report.followup.date),
        date(&report.baseline.date)
    ));
    if !report.comparability.warnings.is_empty() {
        for warning in &report.comparability.warnings {
            ui.colored_label(ui.visuals().warn_fg_color, warning);
        }
    }
    let c = &summary.counts;
    ui.label(format!(
        "New T2/FLAIR lesions: {}",
        count_text(c.new, T2_NOT_ASSESSED)
    ));
    ui.label(format!(
        "Enlarging lesions: {}",
        count_text(c.enlarging, T2_NOT_ASSESSED)
    ));
    ui.label(format!(
        "Enhancing lesions: {}",
        count_text(c.enhancing, CONTRAST_NOT_ASSESSED)
    ));
    let (text, colour) = match c.verdict() {
        Verdict::Active => ("Radiologically ACTIVE", Color32::from_rgb(255, 120, 60)),
        Verdict::Inactive => ("Radiologically inactive", Color32::from_rgb(120, 200, 120)),
        // Quiet on what was compared, but not everything was: no reassuring green.
        Verdict::InactiveOnWhatWasAssessed => {
            ("Inactive on what was assessed", ui.visuals().warn_fg_color)
        }
        Verdict::NotAssessed => ("Activity not assessed", ui.visuals().warn_fg_color),
        // Never a reassuring green while a change no lesion explains is undecided.
        Verdict::Undecided(_) => ("Undecided", ui.visuals().warn_fg_color),
    };
    ui.label(RichText::new(text).strong().color(colour));
    if c.unexplained > 0 {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "{} (not yet reviewed: C confirms as a lesion, R dismisses)",
                capitalised(&c.unexplained_text())
            ),
        );
    }
    for missing in c.not_assessed() {
        ui.weak(capitalised(&missing));
    }
    let pending = review
        .flagged()
        .iter()
        .filter(|id| {
            review
                .lesion(**id)
                .is_some_and(|l| l.decision == Decision::Pending)
        })
        .count();
    if pending > 0 {
        ui.weak(format!("{pending} flag(s) awaiting your decision"));
    }
    if summary.reader_added + summary.rejected > 0 {
        ui.weak(format!(
            "{} lesion(s) added by you, {} rejected",
            summary.reader_added, summary.rejected
        ));
    }
}
