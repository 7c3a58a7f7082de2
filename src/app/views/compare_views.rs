//! The comparison on screen: baseline, follow-up registered onto the baseline grid, and the
//! change map, in the layout and planes the reader chose. Every view shares one cursor (a grid
//! index, so a position in baseline mm), one zoom and pan; the mouse wheel moves through a
//! view's slices, ctrl + wheel zooms, drag pans, right-drag sets the window.

use std::hash::{Hash, Hasher};

use egui::{Color32, ColorImage, PointerButton, Ui};
use tandem::compare::PairView;
use tandem::ids::ExamId;
use tandem::pipeline::lesion::Status;

use super::slice_view::{SliceTexture, image_view_ui};
use super::tool_gestures::{MARK, Place, tool_gestures};
use super::view_annotations::Annotations;
use crate::app::command::{Command, Layout, QcMode};
use crate::app::marking::Tool;
use crate::app::review::Review;
use tandem::display::Greyscale;
use tandem::display::orientation::{edge_letters, slice_position};
use tandem::display::plane::{
    Plane, extract, image_size, pixel_mm, plane_axes, to_grid, to_screen,
};

/// z-score from which change is coloured.
const CHANGE_SHOWN_FROM: f32 = 5.0;

/// What a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Content {
    Baseline,
    Followup,
    /// The follow-up with the change map over it: new lesions are bright there.
    Change,
}

impl Content {
    fn title(self) -> &'static str {
        match self {
            Content::Baseline => "Baseline",
            Content::Followup => "Follow-up (registered)",
            Content::Change => "Change",
        }
    }
}

/// The views of each layout: what, in which plane.
fn views_of(layout: Layout, plane: Plane) -> Vec<(Content, Plane)> {
    match layout {
        Layout::SideBySide => vec![
            (Content::Baseline, plane),
            (Content::Followup, plane),
            (Content::Change, plane),
        ],
        Layout::Planes => vec![
            (Content::Baseline, Plane::Axial),
            (Content::Change, Plane::Axial),
            (Content::Change, Plane::Coronal),
            (Content::Change, Plane::Sagittal),
        ],
        Layout::Single => vec![(Content::Change, plane)],
    }
}

/// Draws the layout's views and the controls above them.
pub fn compare_views_ui(
    ui: &mut Ui,
    review: &Review,
    (layout, panels_hidden): (Layout, bool),
    textures: &mut Vec<SliceTexture>,
    commands: &mut Vec<Command>,
) {
    let Some(view) = review.shown_view() else {
        ui.label("The comparison produced no images.");
        return;
    };
    controls(ui, review, (layout, panels_hidden), commands);
    super::marking_toolbar::marking_toolbar_ui(ui, review, commands);
    if review.viewport.overlay && !review.hide_findings {
        legend(ui);
    }
    if review.reference.is_some() {
        ui.horizontal(|ui| {
            ui.weak("Practice");
            let swatch = |ui: &mut Ui, colour: Color32, text: &str| {
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(12.0, 10.0), egui::Sense::hover());
                ui.painter().rect_filled(rect, 2.0, colour);
                ui.weak(text);
            };
            swatch(ui, MARK, "your marks");
            swatch(ui, REFERENCE, "expert reference");
        });
    }
    status_line(ui, review, view);
    let all = views_of(layout, review.viewport.plane);
    textures.resize_with(all.len(), SliceTexture::default);
    // One view may fill the area (double-click or M; again, or Escape, gives it back).
    let filled = review.viewport.filled.filter(|n| *n < all.len());
    if let Some(n) = filled
        && ui.input(|i| i.key_pressed(egui::Key::Escape))
    {
        commands.push(Command::ToggleFill(n));
    }
    let views: Vec<(usize, (Content, Plane))> = match filled {
        Some(n) => all.get(n).map(|v| (n, *v)).into_iter().collect(),
        None => all.iter().copied().enumerate().collect(),
    };
    // The views in reading order, in as many columns as make the images largest.
    let aspect = {
        let axes = plane_axes(view.baseline.geometry(), review.viewport.plane);
        let [w, h] = image_size(&axes, view.baseline.dims());
        let [sw, sh] = pixel_mm(&axes, view.baseline.geometry());
        (w as f64 * sw / (h as f64 * sh).max(1e-6)) as f32
    };
    let columns = best_columns(views.len(), ui.available_size(), aspect, VIEW_TITLE_HEIGHT);
    let rows = views.len().div_ceil(columns);
    let height = ui.available_height() / rows as f32;
    if ui.available_width() < 60.0 || height < 40.0 {
        // Too small to show anything useful (a window being resized).
        return;
    }
    for chunk in views.chunks(columns) {
        ui.allocate_ui(egui::vec2(ui.available_width(), height), |ui| {
            ui.columns(columns, |cols| {
                for (col, (index, (content, plane))) in cols.iter_mut().zip(chunk) {
                    if let Some(texture) = textures.get_mut(*index) {
                        one_view(
                            col,
                            review,
                            view,
                            (*index, *content, *plane),
                            layout,
                            texture,
                            commands,
                        );
                    }
                }
            });
        });
    }
}

/// Height of a view's title line, points.
const VIEW_TITLE_HEIGHT: f32 = 22.0;

/// How many columns `n` views of width/height `aspect` fill `area` with the largest images
/// (each view under a title `title` high).
fn best_columns(n: usize, area: egui::Vec2, aspect: f32, title: f32) -> usize {
    let size = |columns: usize| {
        let rows = n.div_ceil(columns) as f32;
        let (w, h) = (area.x / columns as f32, area.y / rows - title);
        w.min(h * aspect.max(1e-3))
    };
    (1..=n.max(1))
        .max_by(|a, b| size(*a).total_cmp(&size(*b)).then(b.cmp(a)))
        .unwrap_or(1)
}

fn controls(
    ui: &mut Ui,
    review: &Review,
    (shown, panels_hidden): (Layout, bool),
    commands: &mut Vec<Command>,
) {
    // Short rows that wrap: a row wider than the views would widen them past their share.
    ui.horizontal_wrapped(|ui| {
        for layout in Layout::ALL {
            let command = Command::SetLayout(layout);
            if ui
                .selectable_label(shown == layout, command.text())
                .on_hover_text(command.tooltip())
                .clicked()
            {
                commands.push(command);
            }
        }
        ui.separator();
        for plane in Plane::ALL {
            let command = Command::SetPlane(plane);
            if ui
                .selectable_label(review.viewport.plane == plane, command.text())
                .on_hover_text(command.tooltip())
                .clicked()
            {
                commands.push(command);
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        use crate::app::command::WindowPreset;
        for command in [
            Command::WindowPreset(WindowPreset::Scanner),
            Command::WindowPreset(WindowPreset::Auto),
            Command::WindowPreset(WindowPreset::Brain),
            Command::WindowPreset(WindowPreset::Flair),
            Command::WindowPreset(WindowPreset::T1),
            Command::ResetZoom,
        ] {
            if ui
                .button(command.text())
                .on_hover_text(command.tooltip())
                .clicked()
            {
                commands.push(command);
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        let toggle = Command::ToggleOverlay;
        if ui
            .selectable_label(review.viewport.overlay, toggle.text())
            .on_hover_text(toggle.tooltip())
            .clicked()
        {
            commands.push(toggle);
        }
        ui.spacing_mut().slider_width = 80.0;
        let mut opacity = review.viewport.opacity;
        let command = Command::SetOpacity(opacity);
        if ui
            .add(egui::Slider::new(&mut opacity, 0.0..=1.0).text(command.text()))
            .on_hover_text(command.tooltip())
            .changed()
        {
            commands.push(Command::SetOpacity(opacity));
        }
        let qc = Command::CycleQc;
        if ui
            .selectable_label(review.viewport.qc != QcMode::Off, review.viewport.qc.name())
            .on_hover_text(qc.tooltip())
            .clicked()
        {
            commands.push(qc);
        }
        for (command, on) in [
            (Command::ToggleCine, review.viewport.cine.is_some()),
            (Command::TogglePanels, panels_hidden),
        ] {
            if ui
                .selectable_label(on, command.text())
                .on_hover_text(command.tooltip())
                .clicked()
            {
                commands.push(command);
            }
        }
        go_to_field(ui, commands);
    });
}

/// A field taking a patient position in mm ("12.5, -30, 4"); Enter puts the cursor there.
fn go_to_field(ui: &mut Ui, commands: &mut Vec<Command>) {
    let command = Command::GoToMm([0.0; 3]);
    let id = ui.scope_id().with("go to mm");
    let mut text: String = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    let label = ui.label(command.text());
    let field = ui
        .add(
            egui::TextEdit::singleline(&mut text)
                .desired_width(110.0)
                .hint_text("x, y, z"),
        )
        .labelled_by(label.id)
        .on_hover_text(command.tooltip());
    if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        match parse_mm(&text) {
            Some(mm) => commands.push(Command::GoToMm(mm)),
            None => text = "three numbers, please".to_owned(),
        }
    }
    ui.data_mut(|d| d.insert_temp(id, text));
}

/// "x, y, z" or "x y z" in mm.
fn parse_mm(text: &str) -> Option<[f64; 3]> {
    let numbers: Vec<f64> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [x, y, z] = numbers.as_slice() else {
        return None;
    };
    [*x, *y, *z]
        .iter()
        .all(|v| v.is_finite())
        .then_some([*x, *y, *z])
}

#[allow(clippy::too_many_arguments)]
fn one_view(
    ui: &mut Ui,
    review: &Review,
    view: &PairView,
    (index, content, plane): (usize, Content, Plane),
    layout: Layout,
    texture: &mut SliceTexture,
    commands: &mut Vec<Command>,
) {
    let geometry = view.baseline.geometry();
    let dims = view.baseline.dims();
    let axes = plane_axes(geometry, plane);
    let through = review.viewport.cursor[axes.through].round() as usize;
    let exam = if content == Content::Baseline {
        ExamId::BASELINE
    } else {
        ExamId::FOLLOWUP
    };
    // The change map lies over the follow-up in every layout, in the follow-up's window:
    // where a new lesion is bright, and looking like the follow-up beside it.
    let window = review.viewport.window(exam);
    let under = if exam == ExamId::BASELINE {
        &view.baseline
    } else {
        &view.followup
    };
    // In practice the change map and the comparison's outlines stay hidden until the trainee
    // asks for them or has scored.
    let overlay = content == Content::Change && review.viewport.overlay && !review.hide_findings;
    let marks_shown = review.marks_on_screen();
    let qc = if content == Content::Followup {
        review.viewport.qc
    } else {
        QcMode::Off
    };
    // Flicker shows the baseline every other half second.
    let flicker_baseline = qc == QcMode::Flicker && {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(100));
        (ui.input(|i| i.time) * 2.0) as u64 % 2 == 1
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (qc, flicker_baseline, review.selected).hash(&mut hasher);
    review.reading.marks.revision().hash(&mut hasher);
    review.viewport.opacity.to_bits().hash(&mut hasher);
    (
        review.viewport.windows[0].0.to_bits(),
        review.viewport.windows[0].1.to_bits(),
    )
        .hash(&mut hasher);
    (review.generation, content, plane, through, overlay, layout).hash(&mut hasher);
    (window.0.to_bits(), window.1.to_bits()).hash(&mut hasher);
    let key = hasher.finish();
    let title = match qc {
        QcMode::Off => format!("{} · {}", content.title(), plane.name()),
        other => format!("{} · {} · {}", content.title(), plane.name(), other.name()),
    };
    // One line, cut short in a narrow view (a wrapped title would push the image down): the
    // title, then the slice and its position.
    let slice = slice_position(geometry, &axes, dims, review.viewport.cursor);
    ui.horizontal(|ui| {
        ui.add(egui::Label::new(egui::RichText::new(&title).strong()).truncate());
        ui.add(egui::Label::new(egui::RichText::new(slice).weak()).truncate());
    });
    let size = image_size(&axes, dims);
    let cursor = to_screen(&axes, dims, review.viewport.cursor);
    let drawn = image_view_ui(
        ui,
        &format!("{} view", title),
        texture,
        key,
        size,
        pixel_mm(&axes, geometry),
        Some(cursor),
        review.viewport.zoom,
        review.viewport.pan,
        || match qc {
            QcMode::Checkerboard => checkerboard(
                size,
                &extract(view.baseline.voxels(), &axes, through),
                &extract(view.followup.voxels(), &axes, through),
                review.viewport.windows,
            ),
            QcMode::Flicker if flicker_baseline => compose(
                size,
                &extract(view.baseline.voxels(), &axes, through),
                None,
                review.viewport.windows[0],
                0.0,
            ),
            _ => {
                let grey = extract(under.voxels(), &axes, through);
                let z = overlay.then(|| extract(view.z.voxels(), &axes, through));
                let mut image = compose(size, &grey, z.as_deref(), window, review.viewport.opacity);
                if overlay {
                    let labels = extract(view.followup_lesions.voxels(), &axes, through);
                    outline(&mut image, &labels, |label| lesion_colour(review, label));
                }
                if marks_shown && let Some(marks) = review.reading.marks.labels(exam) {
                    draw_marks(&mut image, &extract(marks, &axes, through), review);
                }
                if exam == ExamId::FOLLOWUP
                    && let Some(reference) = &review.reference
                    && reference.dim() == view.followup_lesions.voxels().dim()
                {
                    let wide: Vec<u32> = extract(reference, &axes, through)
                        .iter()
                        .map(|r| u32::from(*r))
                        .collect();
                    outline(&mut image, &wide, |_| Some(REFERENCE));
                }
                image
            }
        },
    );
    let Some(drawn) = drawn else {
        return;
    };
    super::view_annotations::annotate(
        ui,
        &drawn,
        &Annotations {
            edges: edge_letters(geometry, &axes),
            mm_per_pixel: geometry.spacing[axes.across],
        },
    );
    // Measuring works on any pair; marking only on the pair the marks live on.
    let tool = if marks_shown || !review.marking.tool.marks() {
        review.marking.tool
    } else {
        Tool::Navigate
    };
    let grid_at =
        |(x, y): (f64, f64)| to_grid(&axes, dims, x, y, review.viewport.cursor[axes.through]);
    let mm_at = |pixel: (f64, f64)| geometry.index_to_mm(grid_at(pixel));
    super::measure_overlay::draw_measurements(
        ui,
        review,
        (view, exam),
        &drawn,
        (plane, &axes, through),
    );
    let place = Place {
        exam,
        plane,
        through: axes.through,
        grid_at: &grid_at,
        mm_at: &mm_at,
    };
    tool_gestures(ui, review, &drawn, tool, &place, commands);
    if let Some(pixel) = drawn
        .clicked_pixel
        .filter(|_| matches!(tool, Tool::Navigate | Tool::Grow))
    {
        commands.push(Command::SetCursor(grid_at(pixel)));
    }
    let response = &drawn.response;
    if response.double_clicked()
        || (response.hovered() && ui.input(|i| i.key_pressed(egui::Key::M)))
    {
        commands.push(Command::ToggleFill(index));
    }
    if response.hovered() {
        // Wheel events, not the smoothed scroll: one notch is one slice.
        let (scroll, ctrl) = ui.input(|i| {
            i.events
                .iter()
                .fold((0.0f32, false), |(sum, ctrl), event| match event {
                    egui::Event::MouseWheel {
                        delta, modifiers, ..
                    } => (sum + delta.y, ctrl || modifiers.command),
                    _ => (sum, ctrl),
                })
        });
        if scroll != 0.0 {
            if ctrl {
                commands.push(Command::Zoom(if scroll > 0.0 { 1.15 } else { 1.0 / 1.15 }));
            } else {
                commands.push(Command::Scroll(plane, if scroll > 0.0 { 1 } else { -1 }));
            }
        }
    }
    if response.dragged_by(PointerButton::Secondary) {
        let d = response.drag_delta();
        commands.push(Command::DragWindow(d.x, d.y));
    } else if response.dragged_by(PointerButton::Middle)
        || (tool == Tool::Navigate && response.dragged_by(PointerButton::Primary))
    {
        let d = response.drag_delta();
        let rect = drawn.rect;
        commands.push(Command::Pan(
            -d.x / rect.width() / review.viewport.zoom,
            -d.y / rect.height() / review.viewport.zoom,
        ));
    }
}

/// Squares of 12 pixels alternating baseline and follow-up, each in its own window.
fn checkerboard(
    size: [usize; 2],
    baseline: &[f32],
    followup: &[f32],
    windows: [(f32, f32); 2],
) -> ColorImage {
    let [w, _] = size;
    let [grey_b, grey_f] = windows.map(Greyscale::new);
    let pixels = baseline
        .iter()
        .zip(followup)
        .enumerate()
        .map(|(n, (b, f))| {
            let (x, y) = (n % w.max(1), n / w.max(1));
            if (x / 12 + y / 12) % 2 == 0 {
                Color32::from_gray(grey_b.level(*b))
            } else {
                Color32::from_gray(grey_f.level(*f))
            }
        })
        .collect();
    ColorImage::new(size, pixels)
}

/// The change map's colour scale and the outline colours, in one line.
fn legend(ui: &mut Ui) {
    let swatch = |ui: &mut Ui, colour: Color32, text: &str| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 10.0), egui::Sense::hover());
        ui.painter().rect_filled(rect, 2.0, colour);
        ui.weak(text);
    };
    // Two short rows rather than one long one, so the legend never widens the view area.
    ui.horizontal_wrapped(|ui| {
        ui.weak("Change");
        swatch(
            ui,
            Color32::from_rgb(255, 200, 0),
            &format!("z ≥ {CHANGE_SHOWN_FROM}"),
        );
        swatch(
            ui,
            Color32::from_rgb(255, 0, 0),
            &format!("z ≥ {}", 4.0 * CHANGE_SHOWN_FROM),
        );
        swatch(ui, Color32::from_rgb(0, 120, 255), "decrease");
    });
    ui.horizontal_wrapped(|ui| {
        ui.weak("Lesions");
        swatch(ui, Color32::from_rgb(255, 90, 40), "new");
        swatch(ui, Color32::from_rgb(255, 210, 40), "enlarging");
        swatch(ui, Color32::from_rgb(170, 170, 200), "persistent");
        swatch(ui, Color32::from_rgb(80, 255, 80), "selected");
    });
}

/// Colour of a lesion's outline by its status (and whether it is selected).
fn lesion_colour(review: &Review, label: u32) -> Option<Color32> {
    let lesion = review
        .report()
        .lesions
        .iter()
        .find(|l| l.followup_labels.contains(&label))?;
    if review.selected == Some(lesion.id) {
        return Some(Color32::from_rgb(80, 255, 80));
    }
    Some(match lesion.status {
        Status::New => Color32::from_rgb(255, 90, 40),
        Status::Enlarging => Color32::from_rgb(255, 210, 40),
        Status::Persistent => Color32::from_rgb(170, 170, 200),
        Status::Shrinking | Status::Resolved => Color32::from_rgb(80, 170, 255),
        Status::Unexplained => Color32::from_rgb(220, 110, 255),
    })
}

/// Draws the edge of each labelled region (a labelled pixel with a differently labelled
/// 4-neighbour) in its colour.
fn outline(image: &mut ColorImage, labels: &[u32], colour: impl Fn(u32) -> Option<Color32>) {
    let [w, h] = image.size;
    let at = |x: usize, y: usize| labels.get(y * w + x).copied().unwrap_or(0);
    for y in 0..h {
        for x in 0..w {
            let label = at(x, y);
            if label == 0 {
                continue;
            }
            let edge = x == 0
                || y == 0
                || x + 1 == w
                || y + 1 == h
                || at(x - 1, y) != label
                || at(x + 1, y) != label
                || at(x, y - 1) != label
                || at(x, y + 1) != label;
            if edge && let (Some(c), Some(pixel)) = (colour(label), image.pixels.get_mut(y * w + x))
            {
                *pixel = c;
            }
        }
    }
}

/// Grey pixels windowed, with warm colours for increase and cool for decrease laid over.
fn compose(
    size: [usize; 2],
    grey: &[f32],
    z: Option<&[f32]>,
    window: (f32, f32),
    opacity: f32,
) -> ColorImage {
    let greyscale = Greyscale::new(window);
    let mut pixels: Vec<Color32> = grey
        .iter()
        .map(|v| Color32::from_gray(greyscale.level(*v)))
        .collect();
    if let Some(z) = z {
        for (pixel, value) in pixels.iter_mut().zip(z) {
            if value.abs() < CHANGE_SHOWN_FROM {
                continue;
            }
            let strength =
                ((value.abs() - CHANGE_SHOWN_FROM) / (3.0 * CHANGE_SHOWN_FROM)).clamp(0.0, 1.0);
            let colour = if *value > 0.0 {
                Color32::from_rgb(255, (200.0 * (1.0 - strength)) as u8, 0)
            } else {
                Color32::from_rgb(0, 120, 255)
            };
            *pixel = blend(*pixel, colour, opacity * (0.55 + 0.45 * strength));
        }
    }
    ColorImage::new(size, pixels)
}

fn blend(under: Color32, over: Color32, alpha: f32) -> Color32 {
    let mix = |a: u8, b: u8| (f32::from(a) * (1.0 - alpha) + f32::from(b) * alpha) as u8;
    Color32::from_rgb(
        mix(under.r(), over.r()),
        mix(under.g(), over.g()),
        mix(under.b(), over.b()),
    )
}

/// Cursor position in mm and the values under it.
fn status_line(ui: &mut Ui, review: &Review, view: &PairView) {
    let [x, y, k] = review.viewport.cursor;
    let mm = view.baseline.geometry().index_to_mm([x, y, k]);
    let (i, j, k) = (x.round() as usize, y.round() as usize, k.round() as usize);
    let value = |v: Option<f32>| v.map_or("—".to_owned(), |v| format!("{v:.0}"));
    // A blind practice round does not say where the change is.
    let z = view.z.get(i, j, k).filter(|_| !review.hide_findings);
    let dims = view.baseline.dims();
    ui.add(
        egui::Label::new(format!(
            "cursor ({:.1}, {:.1}, {:.1}) mm LPS · voxel ({}, {}, {}) of {}×{}×{} · baseline {} · \
         follow-up {}{}",
            mm[0],
            mm[1],
            mm[2],
            i + 1,
            j + 1,
            k + 1,
            dims[0],
            dims[1],
            dims[2],
            value(view.baseline.get(i, j, k)),
            value(view.followup.get(i, j, k)),
            z.map_or(String::new(), |z| format!(" · change z {z:.1}"))
        ))
        .wrap(),
    );
}

/// Colour of the expert reference in practice mode.
const REFERENCE: Color32 = Color32::from_rgb(255, 0, 200);

/// The reader's marks: every marked lesion outlined, the selected one (which the tools add
/// to) lightly filled.
fn draw_marks(image: &mut ColorImage, labels: &[u16], review: &Review) {
    if let Some(active) = review.selected {
        for (pixel, label) in image.pixels.iter_mut().zip(labels) {
            if *label == active.label() {
                *pixel = blend(*pixel, MARK, 0.35);
            }
        }
    }
    let wide: Vec<u32> = labels.iter().map(|l| u32::from(*l)).collect();
    outline(image, &wide, |_| Some(MARK));
}

#[cfg(test)]
mod tests {
    use super::best_columns;

    #[test]
    fn views_take_the_columns_that_make_them_largest() {
        let area = |w, h| egui::vec2(w, h);
        // Three square views: a row when the area is wide, two rows when it is not.
        assert_eq!(best_columns(3, area(1300.0, 480.0), 1.0, 22.0), 3);
        assert_eq!(best_columns(3, area(530.0, 480.0), 1.0, 22.0), 2);
        assert_eq!(best_columns(3, area(300.0, 900.0), 1.0, 22.0), 1);
        // Four: 2×2 in a square area; one view alone fills it.
        assert_eq!(best_columns(4, area(800.0, 800.0), 1.0, 22.0), 2);
        assert_eq!(best_columns(1, area(800.0, 300.0), 1.0, 22.0), 1);
    }
}
