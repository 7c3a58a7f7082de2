//! What a reading viewer writes over each image: the patient direction at every edge (R/L,
//! A/P, S/I) and a scale bar (the slice number and position go on the title line, where they
//! cover nothing). Each is a small label over the image that takes no clicks, so the image
//! under it keeps every gesture.

use egui::{Align2, Color32, Pos2, Rect, RichText, Stroke, Ui, Vec2};

use super::slice_view::ViewResponse;

/// The texts of one view.
pub struct Annotations {
    /// Left, right, top, bottom.
    pub edges: [String; 4],
    /// Millimetres per image pixel across.
    pub mm_per_pixel: f64,
}

const TEXT: Color32 = Color32::from_rgb(255, 230, 120);

/// A label over the image, at `anchor` of a small box at `at`; it takes no clicks.
fn note(ui: &mut Ui, at: Pos2, anchor: Align2, text: &str) {
    let size = Vec2::new(9.0 * text.chars().count() as f32 + 6.0, 16.0);
    let rect = anchor.anchor_size(at, size);
    ui.place(
        rect,
        egui::Label::new(RichText::new(text).color(TEXT).small().strong())
            .selectable(false)
            .sense(egui::Sense::hover()),
    );
}

/// Draws the annotations inside the visible image of `drawn`.
pub fn annotate(ui: &mut Ui, drawn: &ViewResponse, a: &Annotations) {
    let clip = drawn.rect.intersect(ui.clip_rect());
    if clip.width() < 80.0 || clip.height() < 60.0 {
        return;
    }
    let inner = clip.shrink(3.0);
    let [left, right, top, bottom] = &a.edges;
    note(ui, inner.left_center(), Align2::LEFT_CENTER, left);
    note(ui, inner.right_center(), Align2::RIGHT_CENTER, right);
    note(ui, inner.center_top(), Align2::CENTER_TOP, top);
    note(ui, inner.center_bottom(), Align2::CENTER_BOTTOM, bottom);
    scale_bar(
        ui,
        inner,
        drawn.points_per_pixel[0] / a.mm_per_pixel.max(1e-6) as f32,
    );
}

/// A bar of a round length (1, 2, 5, 10, 20, 50 or 100 mm), the shortest at least 40 points
/// long, at the bottom right.
fn scale_bar(ui: &mut Ui, inner: Rect, points_per_mm: f32) {
    let Some(mm) = [1.0f32, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        .into_iter()
        .find(|mm| mm * points_per_mm >= 40.0)
    else {
        return;
    };
    let length = mm * points_per_mm;
    // A third of the width at most: the bottom edge's letter sits in the middle.
    if length > inner.width() / 3.0 {
        return;
    }
    let y = inner.bottom() - 18.0;
    let (x1, x0) = (inner.right() - 4.0, inner.right() - 4.0 - length);
    let stroke = Stroke::new(2.0, TEXT);
    let painter = ui.painter_at(inner);
    painter.line_segment([Pos2::new(x0, y), Pos2::new(x1, y)], stroke);
    for x in [x0, x1] {
        painter.line_segment([Pos2::new(x, y - 4.0), Pos2::new(x, y + 4.0)], stroke);
    }
    note(
        ui,
        Pos2::new((x0 + x1) / 2.0, y + 2.0),
        Align2::CENTER_TOP,
        &format!("{mm:.0} mm"),
    );
}
