//! What the tool in hand does with the mouse on a view: paint, erase, grow from a click, a
//! threshold box, a ruler or an ellipse dragged out; with the brush's outline and the shape
//! being dragged drawn as it goes.

use egui::{Color32, PointerButton, Ui};
use tandem::display::Plane;
use tandem::ids::ExamId;
use tandem::reading::{MeasureKind, Measurement};

use super::slice_view::ViewResponse;
use crate::app::command::Command;
use crate::app::marking::{Mark, Tool};
use crate::app::review::Review;

/// Colour of the reader's marks and of shapes being dragged.
pub const MARK: Color32 = Color32::from_rgb(0, 220, 255);

/// Where a gesture lands: the view's exam and plane, and its pixels as grid indices and mm.
pub struct Place<'a> {
    pub exam: ExamId,
    pub plane: Plane,
    /// The grid axis through the view's plane.
    pub through: usize,
    pub grid_at: &'a dyn Fn((f64, f64)) -> [f64; 3],
    pub mm_at: &'a dyn Fn((f64, f64)) -> [f64; 3],
}

/// Pushes what the tool in hand does with the mouse on `drawn`.
pub fn tool_gestures(
    ui: &Ui,
    review: &Review,
    drawn: &ViewResponse,
    tool: Tool,
    place: &Place<'_>,
    commands: &mut Vec<Command>,
) {
    let response = &drawn.response;
    let painter = ui.painter_at(drawn.rect);
    let (exam, through) = (place.exam, place.through);
    match tool {
        Tool::Navigate => {}
        Tool::Brush | Tool::Eraser => {
            let stroke_id = response.id.with("stroke");
            let was_down = ui.data(|d| d.get_temp::<bool>(stroke_id)).unwrap_or(false);
            let down = response.is_pointer_button_down_on()
                && ui.input(|i| i.pointer.button_down(PointerButton::Primary));
            if down && let Some(pixel) = drawn.pointer_pixel {
                commands.push(Command::Mark(Mark::Dab {
                    exam,
                    at: (place.grid_at)(pixel),
                    through,
                    first: !was_down,
                }));
            }
            if was_down && !down {
                commands.push(Command::Mark(Mark::EndStroke));
            }
            ui.data_mut(|d| d.insert_temp(stroke_id, down));
            if let Some(pixel) = drawn.pointer_pixel {
                let mm = pixel_mm_of(review, through);
                let radius = review.marking.radius_mm / mm.max(1e-3) * drawn.points_per_pixel[0];
                let colour = if tool == Tool::Eraser {
                    Color32::WHITE
                } else {
                    MARK
                };
                painter.circle_stroke(
                    drawn.pixel_to_screen(pixel),
                    radius,
                    egui::Stroke::new(1.0, colour),
                );
            }
        }
        Tool::Grow => {
            if let Some(pixel) = drawn.clicked_pixel {
                commands.push(Command::Mark(Mark::Grow {
                    exam,
                    at: (place.grid_at)(pixel),
                }));
            }
        }
        Tool::ThresholdBox | Tool::Ruler | Tool::Ellipse => {
            let Some((start, end, done)) = dragged(ui, drawn) else {
                return;
            };
            let (a, b) = (drawn.pixel_to_screen(start), drawn.pixel_to_screen(end));
            let stroke = egui::Stroke::new(1.0, MARK);
            let rect = egui::Rect::from_two_pos(a, b);
            match tool {
                Tool::Ruler => {
                    painter.line_segment([a, b], stroke);
                }
                Tool::Ellipse => {
                    painter.add(egui::epaint::EllipseShape::stroke(
                        rect.center(),
                        rect.size() / 2.0,
                        stroke,
                    ));
                }
                _ => {
                    painter.rect_stroke(rect, 0.0, stroke, egui::StrokeKind::Middle);
                }
            }
            if !done {
                return;
            }
            let kind = match tool {
                Tool::Ruler => MeasureKind::Ruler,
                Tool::Ellipse => MeasureKind::Ellipse,
                _ => {
                    commands.push(Command::Mark(Mark::Box {
                        exam,
                        a: (place.grid_at)(start),
                        b: (place.grid_at)(end),
                        through,
                    }));
                    return;
                }
            };
            // A click without a drag measures nothing.
            if start != end {
                commands.push(Command::AddMeasurement(Measurement {
                    kind,
                    plane: place.plane,
                    a_mm: (place.mm_at)(start),
                    b_mm: (place.mm_at)(end),
                }));
            }
        }
    }
}

/// An image pixel (column, row), fractional.
type Pixel = (f64, f64);

/// A primary drag on the view: its start and latest pixel (clamped onto the image), and
/// whether it has just ended. Both corners live in egui's memory: the release may come with
/// no pointer position (it left the window), and the shape still ends where it was.
fn dragged(ui: &Ui, drawn: &ViewResponse) -> Option<(Pixel, Pixel, bool)> {
    let response = &drawn.response;
    let id = response.id.with("dragged corners");
    let pointer = response
        .interact_pointer_pos()
        .map(|p| drawn.clamped_pixel(p));
    // A drag is known only once the pointer has moved a little: it starts where the button
    // went down.
    if response.drag_started_by(PointerButton::Primary)
        && let Some(pixel) = ui
            .input(|i| i.pointer.press_origin())
            .map(|p| drawn.clamped_pixel(p))
            .or(pointer)
    {
        ui.data_mut(|d| d.insert_temp(id, (pixel, pixel)));
    }
    let (start, mut end) = ui.data(|d| d.get_temp::<(Pixel, Pixel)>(id))?;
    if let Some(now) = pointer {
        end = now;
        ui.data_mut(|d| d.insert_temp(id, (start, end)));
    }
    let done = response.drag_stopped();
    if done {
        ui.data_mut(|d| d.remove::<(Pixel, Pixel)>(id));
    }
    Some((start, end, done))
}

/// Smallest in-plane voxel size (mm) of the marks' grid for a view through `through`.
fn pixel_mm_of(review: &Review, through: usize) -> f32 {
    let spacing = review.reading.marks.geometry().spacing;
    (0..3)
        .filter(|a| *a != through)
        .map(|a| spacing[a])
        .fold(f64::INFINITY, f64::min) as f32
}
