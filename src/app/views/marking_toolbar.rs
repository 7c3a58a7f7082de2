//! The tools above the views (marking and measuring): the tool in hand, its settings, a new
//! lesion, undo and redo, and what the last tool use had to say.

use egui::Ui;

use crate::app::command::Command;
use crate::app::marking::{Mark, Tool};
use crate::app::review::Review;

/// A button for a marking request, with its tooltip.
pub(super) fn mark_button(ui: &mut Ui, mark: Mark, enabled: bool, commands: &mut Vec<Command>) {
    let command = Command::Mark(mark);
    if ui
        .add_enabled(enabled, egui::Button::new(command.text()))
        .on_hover_text(command.tooltip())
        .clicked()
    {
        commands.push(command);
    }
}

/// Two short rows: tools, then the settings of the tool in hand.
pub fn marking_toolbar_ui(ui: &mut Ui, review: &Review, commands: &mut Vec<Command>) {
    let marking = &review.marking;
    let usable = review.marks_on_screen();
    ui.horizontal_wrapped(|ui| {
        ui.weak("Marks");
        for tool in Tool::ALL {
            let command = Command::Mark(Mark::SetTool(tool));
            if ui
                .add_enabled(
                    usable || !tool.marks(),
                    egui::Button::selectable(marking.tool == tool, command.text()),
                )
                .on_hover_text(command.tooltip())
                .clicked()
            {
                commands.push(command);
            }
        }
        ui.separator();
        mark_button(ui, Mark::NewLesion, usable, commands);
        mark_button(ui, Mark::Undo, review.reading.marks.can_undo(), commands);
        mark_button(ui, Mark::Redo, review.reading.marks.can_redo(), commands);
    });
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().slider_width = 90.0;
        match marking.tool {
            Tool::Navigate => {
                ui.weak("Choose a tool to mark or to measure.");
            }
            Tool::Ruler | Tool::Ellipse => {
                ui.weak("Drag on a view; the report panel lists the measurements.");
            }
            Tool::Brush | Tool::Eraser => {
                let mut radius = marking.radius_mm;
                let command = Command::Mark(Mark::SetRadius(radius));
                if ui
                    .add(egui::Slider::new(&mut radius, 0.5..=10.0).text(command.text()))
                    .on_hover_text(command.tooltip())
                    .changed()
                {
                    commands.push(Command::Mark(Mark::SetRadius(radius)));
                }
                let sphere = Command::Mark(Mark::ToggleSphere);
                if ui
                    .selectable_label(marking.sphere, sphere.text())
                    .on_hover_text(sphere.tooltip())
                    .clicked()
                {
                    commands.push(sphere);
                }
            }
            Tool::Grow => {
                let (lo, hi) = review
                    .viewport
                    .windows
                    .get(1)
                    .copied()
                    .unwrap_or((0.0, 1.0));
                let mut tolerance = marking.tolerance;
                let command = Command::Mark(Mark::SetTolerance(tolerance));
                if ui
                    .add(
                        egui::Slider::new(&mut tolerance, 0.0..=(hi - lo).max(1.0))
                            .text(command.text()),
                    )
                    .on_hover_text(command.tooltip())
                    .changed()
                {
                    commands.push(Command::Mark(Mark::SetTolerance(tolerance)));
                }
            }
            Tool::ThresholdBox => {
                let (lo, hi) = review
                    .viewport
                    .windows
                    .get(1)
                    .copied()
                    .unwrap_or((0.0, 1.0));
                let mut threshold = marking.threshold;
                let command = Command::Mark(Mark::SetThreshold(threshold));
                if ui
                    .add(egui::Slider::new(&mut threshold, lo..=hi).text(command.text()))
                    .on_hover_text(command.tooltip())
                    .changed()
                {
                    commands.push(Command::Mark(Mark::SetThreshold(threshold)));
                }
                let mut depth = marking.box_depth_mm;
                let command = Command::Mark(Mark::SetBoxDepth(depth));
                if ui
                    .add(egui::Slider::new(&mut depth, 0.0..=30.0).text(command.text()))
                    .on_hover_text(command.tooltip())
                    .changed()
                {
                    commands.push(Command::Mark(Mark::SetBoxDepth(depth)));
                }
            }
        }
        if marking.tool.marks() && marking.tool != Tool::Eraser {
            ui.separator();
            ui.label(match review.selected {
                Some(id) => format!("Adds to lesion {id} (selected)"),
                None => "Adds to a new lesion".to_owned(),
            });
        }
        if let Some(message) = &marking.message {
            ui.weak(message);
        }
        if !usable {
            ui.weak("Marks live on the FLAIR grid: show that pair to edit them.");
        }
    });
}
