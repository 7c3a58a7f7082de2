//! Draws the laid-out pages (`pdf_layout.rs`) with krilla: text as glyphs of the embedded
//! fonts (a bold style is the same face with a thin outline), rules, shaded cells and the key
//! images, which krilla embeds losslessly from their PNG data.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};

use super::pdf_error::PdfError;
use super::pdf_layout::{Face, Item, PAGE_H, PAGE_W, Rgb};

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: color(c).into(),
        ..Fill::default()
    }
}

fn stroke(c: Rgb, width: f32) -> Stroke {
    Stroke {
        paint: color(c).into(),
        width,
        opacity: NormalizedF32::ONE,
        ..Stroke::default()
    }
}

/// The pages as PDF bytes; `images` are the key images the items index.
pub fn render(
    face: &Face,
    pages: &[Vec<Item>],
    images: &[Image],
    metadata: Metadata,
) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new();
    document.set_metadata(metadata);
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::PageSize)?;
    for items in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for item in items {
            draw(&mut surface, face, images, item);
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Document(format!("{e:?}")))
}

fn draw(surface: &mut Surface, face: &Face, images: &[Image], item: &Item) {
    match item {
        Item::Text { x, y, style, text } => {
            surface.set_fill(Some(fill(style.color)));
            surface.set_stroke(style.bold.then(|| stroke(style.color, style.size * 0.045)));
            // One draw per run of characters in the same font.
            let glyphs: Vec<(usize, KrillaGlyph)> = text
                .char_indices()
                .map(|(i, c)| {
                    let (font, id, advance) = face.glyph(c);
                    let range = i..i + c.len_utf8();
                    let glyph =
                        KrillaGlyph::new(GlyphId::new(id), advance, 0.0, 0.0, 0.0, range, None);
                    (font, glyph)
                })
                .collect();
            let mut x = *x;
            for run in glyphs.chunk_by(|a, b| a.0 == b.0) {
                let Some((font, _)) = run.first() else {
                    continue;
                };
                let Some(font) = face.font(*font) else {
                    continue;
                };
                let run: Vec<KrillaGlyph> = run.iter().map(|(_, g)| g.clone()).collect();
                surface.draw_glyphs(
                    Point::from_xy(x, *y),
                    &run,
                    font.clone(),
                    text,
                    style.size,
                    false,
                );
                x += run.iter().map(|g| g.x_advance).sum::<f32>() * style.size;
            }
            surface.set_stroke(None);
        }
        Item::Rect { x, y, w, h, color } => {
            let mut path = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                path.push_rect(rect);
            }
            if let Some(path) = path.finish() {
                surface.set_fill(Some(fill(*color)));
                surface.draw_path(&path);
            }
        }
        Item::Line {
            x1,
            y1,
            x2,
            y2,
            color,
        } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y1);
            path.line_to(*x2, *y2);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*color, 0.6)));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        Item::Image { index, x, y, w, h } => {
            if let (Some(image), Some(size)) = (images.get(*index), Size::from_wh(*w, *h)) {
                surface.push_transform(&Transform::from_translate(*x, *y));
                surface.draw_image(image.clone(), size);
                surface.pop();
            }
        }
    }
}
