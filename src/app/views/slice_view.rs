//! One exam's slice on screen: the image, scaled to its true aspect (pixel spacing), with the
//! radiological convention of the acquisition grid (first row at the top, first column left).

use egui::{ColorImage, TextureHandle, TextureOptions, Ui};
use ndarray::Axis;
use tandem::volume::Volume;

/// Texture of the slice last shown, so scrolling only rebuilds what changed.
#[derive(Default)]
pub struct SliceTexture {
    key: Option<(usize, u64)>,
    texture: Option<TextureHandle>,
}

/// Greyscale pixels of slice `k`, windowed to `window`.
pub fn slice_image(volume: &Volume, k: usize, window: (f32, f32)) -> ColorImage {
    let [columns, rows, slices] = volume.dims();
    let k = k.min(slices.saturating_sub(1));
    let (lo, hi) = window;
    let scale = 255.0 / (hi - lo).max(f32::EPSILON);
    let plane = volume.voxels().index_axis(Axis(0), k);
    let pixels: Vec<u8> = plane
        .iter()
        .map(|v| ((v - lo) * scale).clamp(0.0, 255.0) as u8)
        .collect();
    ColorImage::from_gray([columns, rows], &pixels)
}

/// Draws slice `k` of `volume` filling the available space at the right aspect.
pub fn slice_view_ui(
    ui: &mut Ui,
    id: &str,
    cache: &mut SliceTexture,
    volume: &Volume,
    k: usize,
    window: (f32, f32),
    generation: u64,
) {
    let key = (k, generation);
    if cache.key != Some(key) || cache.texture.is_none() {
        let image = slice_image(volume, k, window);
        match &mut cache.texture {
            Some(texture) => texture.set(image, TextureOptions::LINEAR),
            None => {
                cache.texture = Some(ui.ctx().load_texture(id, image, TextureOptions::LINEAR));
            }
        }
        cache.key = Some(key);
    }
    let Some(texture) = &cache.texture else {
        return;
    };
    let [columns, rows, _] = volume.dims();
    let spacing = volume.geometry().spacing;
    let size_mm = egui::vec2(
        (columns as f64 * spacing[0]) as f32,
        (rows as f64 * spacing[1]) as f32,
    );
    let available = ui.available_size();
    let zoom = (available.x / size_mm.x)
        .min(available.y / size_mm.y)
        .max(0.01);
    ui.centered_and_justified(|ui| {
        ui.add(egui::Image::new((texture.id(), size_mm * zoom)).alt_text(id));
    });
}
