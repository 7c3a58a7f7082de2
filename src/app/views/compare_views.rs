//! The comparison on screen: baseline, follow-up registered onto the baseline grid, and the
//! change map over the baseline, all on one grid, so one slice index and one cursor serve all
//! three. A status line gives the cursor in mm and the values under it.

use egui::Ui;

use super::slice_view::{SliceTexture, change_image, image_view_ui, slice_image};
use crate::app::command::Command;
use crate::app::review::Review;

/// z-score from which change is coloured.
const CHANGE_SHOWN_FROM: f32 = 5.0;

/// Draws the three linked views.
pub fn compare_views_ui(
    ui: &mut Ui,
    review: &Review,
    fraction: f32,
    textures: &mut [SliceTexture; 3],
    commands: &mut Vec<Command>,
) {
    let Some(view) = review.comparison.views.get(review.view) else {
        ui.label("The comparison produced no images.");
        return;
    };
    let [columns, rows, slices] = view.baseline.dims();
    let k = ((fraction * slices.saturating_sub(1) as f32).round() as usize).min(slices - 1);
    let spacing = view.baseline.geometry().spacing;
    let baseline_window = window_of(&view.baseline, view.baseline_window);
    let followup_window = window_of(&view.followup, view.followup_window);
    let key = review
        .generation
        .wrapping_mul(1_000_003)
        .wrapping_add(k as u64);
    status_line(ui, review, k);
    let titles = ["Baseline", "Follow-up (registered)", "Change"];
    ui.columns(3, |cols| {
        for (n, col) in cols.iter_mut().enumerate() {
            col.vertical(|ui| {
                ui.strong(titles[n]);
                let id = format!("{} view", titles[n]);
                let drawn = image_view_ui(
                    ui,
                    &id,
                    &mut textures[n],
                    key,
                    [columns, rows],
                    [spacing[0], spacing[1]],
                    review.cursor,
                    || match n {
                        0 => slice_image(&view.baseline, k, baseline_window),
                        1 => slice_image(&view.followup, k, followup_window),
                        _ => change_image(
                            &view.baseline,
                            &view.z,
                            k,
                            baseline_window,
                            CHANGE_SHOWN_FROM,
                        ),
                    },
                );
                if let Some((x, y)) = drawn.and_then(|d| d.clicked_pixel) {
                    commands.push(Command::SetCursor(x, y));
                }
            });
        }
    });
}

/// Cursor position in mm and the values under it.
fn status_line(ui: &mut Ui, review: &Review, k: usize) {
    let Some(view) = review.comparison.views.get(review.view) else {
        return;
    };
    let slices = view.baseline.dims()[2];
    let text = match review.cursor {
        Some((x, y)) => {
            let mm = view.baseline.geometry().index_to_mm([x, y, k as f64]);
            let (i, j) = (x.round().max(0.0) as usize, y.round().max(0.0) as usize);
            let value = |v: Option<f32>| v.map_or("—".to_owned(), |v| format!("{v:.0}"));
            let z = view.z.get((k, j, i)).copied();
            format!(
                "slice {} of {slices} · cursor ({:.1}, {:.1}, {:.1}) mm LPS · baseline {} · follow-up {} · z {}",
                k + 1,
                mm[0],
                mm[1],
                mm[2],
                value(view.baseline.get(i, j, k)),
                value(view.followup.get(i, j, k)),
                z.map_or("—".to_owned(), |z| format!("{z:.1}"))
            )
        }
        None => format!(
            "slice {} of {slices} · click a view to place the cursor",
            k + 1
        ),
    };
    ui.label(text);
}

/// The scanner's window (centre, width) when the series has one, else one from the histogram.
fn window_of(volume: &tandem::volume::Volume, suggested: Option<[f64; 2]>) -> (f32, f32) {
    match suggested {
        Some([centre, width]) => ((centre - width / 2.0) as f32, (centre + width / 2.0) as f32),
        None => crate::app::jobs::auto_window(volume),
    }
}
