//! The reader's rulers and ellipses drawn over every view that shows their plane and slice, each
//! numbered with its value: a ruler's length, an ellipse's area and the mean ± SD of the exam
//! that view shows (so the baseline and the follow-up side by side give both).

use egui::{Align2, Color32, RichText, Stroke, Ui};
use tandem::compare::PairView;
use tandem::display::Plane;
use tandem::display::plane::{PlaneAxes, to_screen};
use tandem::ids::ExamId;
use tandem::reading::MeasureKind;

use super::slice_view::ViewResponse;
use crate::app::review::Review;

const COLOUR: Color32 = Color32::from_rgb(255, 200, 60);

/// Draws the measurements of `plane` that lie on slice `through` of `drawn`.
pub fn draw_measurements(
    ui: &mut Ui,
    review: &Review,
    (view, exam): (&PairView, ExamId),
    drawn: &ViewResponse,
    (plane, axes, through): (Plane, &PlaneAxes, usize),
) {
    let geometry = view.baseline.geometry();
    let dims = view.baseline.dims();
    let volume = if exam == ExamId::BASELINE {
        &view.baseline
    } else {
        &view.followup
    };
    let painter = ui.painter_at(drawn.rect);
    let stroke = Stroke::new(1.5, COLOUR);
    for (n, m) in review.reading.measurements.iter().enumerate() {
        if m.plane != plane {
            continue;
        }
        let (a, b) = (geometry.mm_to_index(m.a_mm), geometry.mm_to_index(m.b_mm));
        let slice = ((a[axes.through] + b[axes.through]) / 2.0).round();
        if slice != through as f64 {
            continue;
        }
        let (sa, sb) = (
            drawn.pixel_to_screen(to_screen(axes, dims, a)),
            drawn.pixel_to_screen(to_screen(axes, dims, b)),
        );
        let text = match m.kind {
            MeasureKind::Ruler => {
                painter.line_segment([sa, sb], stroke);
                format!("{}: {:.1} mm", n + 1, m.length_mm())
            }
            MeasureKind::Ellipse => {
                let rect = egui::Rect::from_two_pos(sa, sb);
                painter.add(egui::epaint::EllipseShape::stroke(
                    rect.center(),
                    rect.size() / 2.0,
                    stroke,
                ));
                let area = m.area_mm2(volume);
                match m.region_stats(volume) {
                    Some(s) => format!("{}: {area:.0} mm² · {:.0} ± {:.0}", n + 1, s.mean, s.sd),
                    None => format!("{}: {area:.0} mm²", n + 1),
                }
            }
        };
        let at = egui::pos2(sa.x.max(sb.x) + 4.0, sa.y.min(sb.y));
        if drawn.rect.contains(at) {
            let size = egui::vec2(7.0 * text.chars().count() as f32 + 8.0, 16.0);
            ui.place(
                Align2::LEFT_TOP.anchor_size(at, size),
                egui::Label::new(RichText::new(text).color(COLOUR).small().strong())
                    .selectable(false)
                    .sense(egui::Sense::hover()),
            );
        }
    }
}
