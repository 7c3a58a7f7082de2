//! A slice on screen: the image scaled to its true aspect (pixel spacing), in the acquisition
//! grid's orientation (first row at the top, first column left: patient right on screen left
//! for axial series), with an optional crosshair. Textures are cached per view and rebuilt only
//! when what they show changes.

use egui::{
    Color32, ColorImage, Pos2, Rect, Response, Sense, Stroke, TextureHandle, TextureOptions, Ui,
};
use std::sync::Arc;

use ndarray::Axis;
use tandem::display::Greyscale;
use tandem::pipeline::volume::Volume;

/// Texture of what a view showed last, keyed by whatever identifies its content.
#[derive(Default)]
pub struct SliceTexture {
    key: Option<u64>,
    texture: Option<TextureHandle>,
    /// The pixels uploaded last (shared with the texture, not copied): what the reader sees,
    /// for tests that check a view's content.
    #[cfg(test)]
    image: Option<Arc<ColorImage>>,
}

#[cfg(test)]
impl SliceTexture {
    /// The pixels the view shows, once drawn.
    pub fn image(&self) -> Option<&ColorImage> {
        self.image.as_deref()
    }
}

/// Greyscale pixels of slice `k`, windowed to `window`.
pub fn slice_image(volume: &Volume, k: usize, window: (f32, f32)) -> ColorImage {
    let voxels = volume.voxels();
    let (slices, rows, columns) = voxels.dim();
    let k = k.min(slices.saturating_sub(1));
    let grey = Greyscale::new(window);
    let plane = voxels.index_axis(Axis(0), k);
    let pixels: Vec<u8> = plane.iter().map(|v| grey.level(*v)).collect();
    ColorImage::from_gray([columns, rows], &pixels)
}

/// What a drawn view reports back.
pub struct ViewResponse {
    pub response: Response,
    /// Where the image is on screen.
    pub rect: Rect,
    /// Pixel (column, row) under a click, if the view was clicked.
    pub clicked_pixel: Option<(f64, f64)>,
    /// Pixel under the pointer (hovering, pressing or dragging), if over the image.
    pub pointer_pixel: Option<(f64, f64)>,
    /// Screen points per image pixel (x and y), for drawing tool outlines.
    pub points_per_pixel: [f32; 2],
    uv: Rect,
    size_px: [usize; 2],
}

impl ViewResponse {
    /// Image pixel (column, row) under a screen position, clamped onto the image.
    pub fn clamped_pixel(&self, p: Pos2) -> (f64, f64) {
        let u = self.uv.min.x + (p.x - self.rect.min.x) / self.rect.width() * self.uv.width();
        let v = self.uv.min.y + (p.y - self.rect.min.y) / self.rect.height() * self.uv.height();
        let [w, h] = self.size_px.map(|n| n as f64);
        (
            (f64::from(u) * w - 0.5).clamp(0.0, (w - 1.0).max(0.0)),
            (f64::from(v) * h - 0.5).clamp(0.0, (h - 1.0).max(0.0)),
        )
    }

    /// Screen position of image pixel (column, row).
    pub fn pixel_to_screen(&self, (x, y): (f64, f64)) -> Pos2 {
        let u = ((x + 0.5) / self.size_px[0].max(1) as f64) as f32;
        let v = ((y + 0.5) / self.size_px[1].max(1) as f64) as f32;
        Pos2::new(
            self.rect.min.x + (u - self.uv.min.x) / self.uv.width() * self.rect.width(),
            self.rect.min.y + (v - self.uv.min.y) / self.uv.height() * self.rect.height(),
        )
    }
}

/// Draws an image of `columns × rows` pixels of `spacing_mm`, rebuilding the texture with
/// `build` only when `key` changes; draws a crosshair at pixel `cursor` when given. `zoom`
/// (1 = fit) and `pan` (fraction of the image, from the centre) pick the part shown.
#[allow(clippy::too_many_arguments)]
pub fn image_view_ui(
    ui: &mut Ui,
    id: &str,
    cache: &mut SliceTexture,
    key: u64,
    size_px: [usize; 2],
    spacing_mm: [f64; 2],
    cursor: Option<(f64, f64)>,
    zoom_in: f32,
    pan: [f32; 2],
    build: impl FnOnce() -> ColorImage,
) -> Option<ViewResponse> {
    if cache.key != Some(key) || cache.texture.is_none() {
        let image = Arc::new(build());
        match &mut cache.texture {
            Some(texture) => texture.set(Arc::clone(&image), TextureOptions::LINEAR),
            None => {
                cache.texture = Some(ui.ctx().load_texture(
                    id,
                    Arc::clone(&image),
                    TextureOptions::LINEAR,
                ));
            }
        }
        #[cfg(test)]
        {
            cache.image = Some(image);
        }
        cache.key = Some(key);
    }
    let texture = cache.texture.as_ref()?;
    let size_mm = egui::vec2(
        (size_px[0] as f64 * spacing_mm[0]) as f32,
        (size_px[1] as f64 * spacing_mm[1]) as f32,
    );
    let available = ui.available_size();
    let zoom = (available.x / size_mm.x)
        .min(available.y / size_mm.y)
        .max(0.01);
    // The visible part of the image, in texture coordinates.
    let zoom_in = zoom_in.max(1.0);
    let half = 0.5 / zoom_in;
    let centre = egui::pos2(
        (0.5 + pan[0]).clamp(half, 1.0 - half),
        (0.5 + pan[1]).clamp(half, 1.0 - half),
    );
    let uv = Rect::from_center_size(centre, egui::vec2(2.0 * half, 2.0 * half));
    let inner = ui.centered_and_justified(|ui| {
        ui.add(
            egui::Image::new((texture.id(), size_mm * zoom))
                .uv(uv)
                .alt_text(id)
                .sense(Sense::click_and_drag()),
        )
    });
    let response = inner.inner;
    // The layout hands the image the whole cell; the picture is centred in it at its own size.
    let rect = egui::Rect::from_center_size(response.rect.center(), size_mm * zoom);
    // Screen ↔ pixel through the visible part `uv`.
    let to_pixel = |p: Pos2| {
        let u = uv.min.x + (p.x - rect.min.x) / rect.width() * uv.width();
        let v = uv.min.y + (p.y - rect.min.y) / rect.height() * uv.height();
        (
            f64::from(u) * size_px[0] as f64 - 0.5,
            f64::from(v) * size_px[1] as f64 - 0.5,
        )
    };
    let clicked_pixel = response
        .clicked()
        .then(|| response.interact_pointer_pos())
        .flatten()
        .filter(|p| rect.contains(*p))
        .map(to_pixel);
    if let Some((x, y)) = cursor {
        let u = ((x + 0.5) / size_px[0] as f64) as f32;
        let v = ((y + 0.5) / size_px[1] as f64) as f32;
        let sx = rect.min.x + (u - uv.min.x) / uv.width() * rect.width();
        let sy = rect.min.y + (v - uv.min.y) / uv.height() * rect.height();
        let stroke = Stroke::new(1.0, Color32::from_rgba_unmultiplied(80, 255, 80, 160));
        let painter = ui.painter_at(rect);
        painter.line_segment([Pos2::new(rect.min.x, sy), Pos2::new(sx - 6.0, sy)], stroke);
        painter.line_segment([Pos2::new(sx + 6.0, sy), Pos2::new(rect.max.x, sy)], stroke);
        painter.line_segment([Pos2::new(sx, rect.min.y), Pos2::new(sx, sy - 6.0)], stroke);
        painter.line_segment([Pos2::new(sx, sy + 6.0), Pos2::new(sx, rect.max.y)], stroke);
    }
    let pointer_pixel = response
        .interact_pointer_pos()
        .or_else(|| response.hover_pos())
        .filter(|p| rect.contains(*p))
        .map(to_pixel);
    let points_per_pixel = [
        rect.width() / (uv.width() * size_px[0].max(1) as f32),
        rect.height() / (uv.height() * size_px[1].max(1) as f32),
    ];
    Some(ViewResponse {
        response,
        rect,
        clicked_pixel,
        pointer_pixel,
        points_per_pixel,
        uv,
        size_px,
    })
}

/// Draws slice `k` of `volume` (the exam's own grid), as before a comparison exists.
pub fn slice_view_ui(
    ui: &mut Ui,
    id: &str,
    cache: &mut SliceTexture,
    volume: &Volume,
    k: usize,
    window: (f32, f32),
    generation: u64,
) {
    let [columns, rows, _] = volume.dims();
    let spacing = volume.geometry().spacing;
    let key = generation.wrapping_mul(1_000_003).wrapping_add(k as u64);
    image_view_ui(
        ui,
        id,
        cache,
        key,
        [columns, rows],
        [spacing[0], spacing[1]],
        None,
        1.0,
        [0.0; 2],
        || slice_image(volume, k, window),
    );
}
