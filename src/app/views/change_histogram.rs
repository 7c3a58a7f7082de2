//! The change map's histogram (log counts of z in the brain) with the detection threshold on
//! it; the threshold can be changed, which reruns detection in the background.

use egui::Ui;
use egui_plot::{Bar, BarChart, Plot, VLine};

use crate::app::command::Command;
use crate::app::review::Review;

/// Draws the histogram and the threshold control.
pub fn change_histogram_ui(
    ui: &mut Ui,
    review: &Review,
    threshold: f32,
    commands: &mut Vec<Command>,
) {
    ui.strong("Change map (z in the brain)");
    let bars: Vec<Bar> = review
        .histogram
        .iter()
        .map(|(z, count)| Bar::new(*z, (1.0 + count).log10()).width(0.5))
        .collect();
    Plot::new("change histogram")
        .height(120.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show_y(false)
        .y_axis_label("log₁₀ voxels")
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("z", bars));
            plot.vline(VLine::new("threshold", f64::from(threshold)));
        });
    // While the slider is dragged its value lives in egui's memory; the app's threshold changes
    // (and detection reruns) once the reader lets go.
    let id = ui.scope_id().with("pending threshold");
    let mut value = ui.data(|d| d.get_temp::<f32>(id)).unwrap_or(threshold);
    let command = Command::SetThreshold(threshold);
    let response = ui
        .add(
            egui::Slider::new(&mut value, 2.0..=60.0)
                .step_by(0.5)
                .text(command.text()),
        )
        .on_hover_text(command.tooltip());
    if response.dragged() {
        ui.data_mut(|d| d.insert_temp(id, value));
    } else {
        ui.data_mut(|d| d.remove::<f32>(id));
        if (response.drag_stopped() || response.changed()) && (value - threshold).abs() > 1e-3 {
            commands.push(Command::SetThreshold(value));
        }
    }
}
