//! A small flowing layout for report.pdf: styled text that wraps and breaks across A4 pages,
//! headings kept with what follows, tables whose rows split across pages (header repeated),
//! and image rows. Layout makes a plain display list per page ([`Item`]), which `pdf_draw.rs`
//! turns into PDF. Text is measured with the embedded fonts' own character maps and advances
//! (no shaping: Latin text needs none), and drawn glyph by glyph with the same advances, so
//! what is measured is what is drawn.

use krilla::text::Font;

use super::pdf_error::PdfError;
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size as FontSize};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

/// A4 in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
/// 20 mm side margins.
pub const LEFT: f32 = 56.7;
pub const WIDTH: f32 = PAGE_W - 2.0 * LEFT;
pub const TOP: f32 = 56.7;
/// The last baseline-plus-descent on a page; the footer sits below.
pub const BOTTOM: f32 = PAGE_H - 62.0;
const FOOTER_Y: f32 = PAGE_H - 34.0;
const LEADING: f32 = 1.32;

pub type Rgb = (u8, u8, u8);
pub const INK: Rgb = (0x11, 0x11, 0x11);
pub const GREY: Rgb = (0x55, 0x55, 0x55);
pub const WARN: Rgb = (0xaa, 0x55, 0x00);
const RULE: Rgb = (0xcc, 0xcc, 0xcc);
const SHADE: Rgb = (0xf3, 0xf3, 0xf3);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub size: f32,
    /// Drawn with a thin outline in the text colour: the embedded face has one weight.
    pub bold: bool,
    pub color: Rgb,
}

impl Style {
    pub const fn new(size: f32) -> Self {
        Self {
            size,
            bold: false,
            color: INK,
        }
    }
    pub const fn bold(self) -> Self {
        Self { bold: true, ..self }
    }
    pub const fn color(self, color: Rgb) -> Self {
        Self { color, ..self }
    }
    fn line_height(self) -> f32 {
        self.size * LEADING
    }
}

/// Text in one style; a paragraph is a slice of spans.
pub type Span = (String, Style);

/// One thing to draw; `y` of text is its baseline, of shapes their top (top-left origin).
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb,
    },
    Image {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// One embedded font: what it maps and how wide its glyphs are (in ems), and krilla's handle.
struct Typeface {
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    font: Font,
}

impl Typeface {
    fn new(data: &'static [u8]) -> Result<Self, PdfError> {
        let font_ref = FontRef::new(data).map_err(|e| PdfError::Font(e.to_string()))?;
        let font = Font::new(data.into(), 0)
            .ok_or_else(|| PdfError::Font("krilla could not read it".into()))?;
        Ok(Self {
            charmap: font_ref.charmap(),
            metrics: font_ref.glyph_metrics(FontSize::new(1.0), LocationRef::default()),
            font,
        })
    }
}

/// The text face: egui's own fonts, Ubuntu Light (Ubuntu Font Licence 1.0) with Hack (MIT and
/// Bitstream Vera licence) for the few characters it lacks (→). Both licences allow embedding;
/// only the glyphs used are embedded.
pub struct Face {
    fonts: [Typeface; 2],
    /// Of the first font, in ems.
    ascent: f32,
}

impl Face {
    pub fn new() -> Result<Self, PdfError> {
        let ubuntu = epaint_default_fonts::UBUNTU_LIGHT;
        let ascent = FontRef::new(ubuntu)
            .map_err(|e| PdfError::Font(e.to_string()))?
            .metrics(FontSize::new(1.0), LocationRef::default())
            .ascent;
        Ok(Self {
            fonts: [
                Typeface::new(ubuntu)?,
                Typeface::new(epaint_default_fonts::HACK_REGULAR)?,
            ],
            ascent,
        })
    }

    /// The font (index) that draws `c`, its glyph and its advance in ems; the first font's
    /// missing-glyph box when no font has it.
    pub(super) fn glyph(&self, c: char) -> (usize, u32, f32) {
        let found = self
            .fonts
            .iter()
            .enumerate()
            .find_map(|(i, f)| f.charmap.map(c).map(|id| (i, f, id)));
        match found {
            Some((i, f, id)) => (i, id.to_u32(), f.metrics.advance_width(id).unwrap_or(0.0)),
            None => {
                let advance = self
                    .fonts
                    .first()
                    .and_then(|f| f.metrics.advance_width(skrifa::GlyphId::NOTDEF));
                (0, 0, advance.unwrap_or(0.0))
            }
        }
    }

    /// krilla's handle on font `index` (as [`Face::glyph`] numbers them).
    pub(super) fn font(&self, index: usize) -> Option<&Font> {
        self.fonts.get(index).map(|f| &f.font)
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).2).sum::<f32>() * size
    }
}

/// A run of text that may not be broken (fragments in their styles), and whether a space
/// precedes it.
struct Word {
    parts: Vec<Span>,
    space_before: Option<Style>,
    /// Line breaks in the text before it (two make an empty line).
    newlines_before: usize,
}

fn words(spans: &[Span]) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut space: Option<Style> = None;
    let mut newlines = 0;
    let mut open = false;
    for (text, style) in spans {
        for c in text.chars() {
            match c {
                '\n' => {
                    newlines += 1;
                    space = None;
                    open = false;
                }
                c if c.is_whitespace() => {
                    space = space.or(Some(*style));
                    open = false;
                }
                c if c.is_control() => {}
                c => {
                    let extend = open && space.is_none() && newlines == 0;
                    match out.last_mut() {
                        Some(word) if extend => match word.parts.last_mut() {
                            Some((s, st)) if st == style => s.push(c),
                            _ => word.parts.push((c.to_string(), *style)),
                        },
                        _ => {
                            out.push(Word {
                                parts: vec![(c.to_string(), *style)],
                                space_before: space.take(),
                                newlines_before: newlines,
                            });
                            newlines = 0;
                        }
                    }
                    open = true;
                }
            }
        }
    }
    out
}

/// A laid-out line: runs at x offsets, and its height.
#[derive(Debug, Clone, Default)]
pub struct Line {
    runs: Vec<(f32, Span)>,
    width: f32,
    height: f32,
    ascent: f32,
}

impl Line {
    fn push(&mut self, face: &Face, text: &str, style: Style) {
        let x = self.width;
        self.width += face.width(text, style.size);
        self.height = self.height.max(style.line_height());
        self.ascent = self.ascent.max(face.ascent * style.size);
        match self.runs.last_mut() {
            Some((_, (s, st))) if *st == style => s.push_str(text),
            _ => self.runs.push((x, (text.to_owned(), style))),
        }
    }
}

/// Breaks spans into lines no wider than `width` (a word wider than that is cut).
pub fn wrap(face: &Face, spans: &[Span], width: f32) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut line = Line::default();
    for word in words(spans) {
        let word_w: f32 = word.parts.iter().map(|(t, s)| face.width(t, s.size)).sum();
        let space_w = word.space_before.map_or(0.0, |s| face.width(" ", s.size));
        let empty = line.runs.is_empty();
        if word.newlines_before > 0 {
            lines.push(std::mem::take(&mut line));
            let blank = word.parts.first().map_or(0.0, |(_, s)| s.line_height());
            for _ in 1..word.newlines_before {
                lines.push(Line {
                    height: blank,
                    ..Line::default()
                });
            }
        } else if !empty && line.width + space_w + word_w > width {
            lines.push(std::mem::take(&mut line));
        } else if let (false, Some(style)) = (empty, word.space_before) {
            line.push(face, " ", style);
        }
        for (text, style) in &word.parts {
            for c in text.chars() {
                let mut buf = [0; 4];
                let c = c.encode_utf8(&mut buf);
                let w = face.width(c, style.size);
                if !line.runs.is_empty() && line.width + w > width && word_w > width {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(face, c, *style);
            }
        }
    }
    if !line.runs.is_empty() {
        lines.push(line);
    }
    lines
}

/// A table cell: its text and whether it is a header (shaded).
pub struct Cell {
    pub spans: Vec<Span>,
    pub shaded: bool,
}

const CELL_PAD: f32 = 3.0;

/// The document being laid out: pages of items and the cursor.
pub struct Flow<'f> {
    face: &'f Face,
    pub pages: Vec<Vec<Item>>,
    y: f32,
}

impl<'f> Flow<'f> {
    pub fn new(face: &'f Face) -> Self {
        Self {
            face,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn push(&mut self, item: Item) {
        if let Some(page) = self.pages.last_mut() {
            page.push(item);
        }
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `h` more fits on this one (or this one is still empty).
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    /// Vertical space, dropped at the top of a page.
    pub fn gap(&mut self, h: f32) {
        if self.y > TOP {
            self.y = (self.y + h).min(BOTTOM);
        }
    }

    fn draw_line(&mut self, line: &Line, x: f32, y: f32) {
        for (dx, (text, style)) in &line.runs {
            let text = text.trim_end();
            if !text.is_empty() {
                self.push(Item::Text {
                    x: x + dx,
                    y: y + line.ascent,
                    style: *style,
                    text: text.to_owned(),
                });
            }
        }
    }

    /// A wrapped paragraph at `indent` from the left margin, broken across pages.
    pub fn paragraph(&mut self, spans: &[Span], indent: f32) {
        for line in wrap(self.face, spans, WIDTH - indent) {
            self.ensure(line.height);
            self.draw_line(&line, LEFT + indent, self.y);
            self.y += line.height;
        }
    }

    /// A bulleted paragraph.
    pub fn bullet(&mut self, spans: &[Span]) {
        let style = spans.first().map_or(Style::new(10.0), |s| s.1);
        let lines = wrap(self.face, spans, WIDTH - 14.0);
        if let Some(first) = lines.first() {
            self.ensure(first.height);
            self.push(Item::Text {
                x: LEFT + 3.0,
                y: self.y + first.ascent,
                style: Style {
                    bold: false,
                    ..style
                },
                text: "•".into(),
            });
        }
        for line in lines {
            self.ensure(line.height);
            self.draw_line(&line, LEFT + 14.0, self.y);
            self.y += line.height;
        }
    }

    /// A section heading with a rule under it, kept with `keep` points of what follows.
    pub fn heading(&mut self, text: &str, keep: f32) {
        let style = Style::new(12.5).bold();
        self.gap(14.0);
        self.ensure(style.line_height() + 6.0 + keep);
        let line = wrap(self.face, &[(text.to_owned(), style)], WIDTH);
        for l in line {
            self.draw_line(&l, LEFT, self.y);
            self.y += l.height;
        }
        self.push(Item::Line {
            x1: LEFT,
            y1: self.y,
            x2: LEFT + WIDTH,
            y2: self.y,
            color: RULE,
        });
        self.y += 6.0;
    }

    /// A table with column `widths` (summing to at most [`WIDTH`]); rows split across pages
    /// line by line, and the header row (if any) is repeated on every page.
    pub fn table(&mut self, widths: &[f32], header: Option<&[Cell]>, rows: &[Vec<Cell>]) {
        let wrapped = |cells: &[Cell]| -> Vec<(Vec<Line>, bool)> {
            cells
                .iter()
                .zip(widths)
                .map(|(c, w)| (wrap(self.face, &c.spans, w - 2.0 * CELL_PAD), c.shaded))
                .collect()
        };
        let header = header.map(wrapped);
        let header_h = header
            .as_ref()
            .map_or(0.0, |h| block_height(h, 0, usize::MAX));
        // Room for rows on a page that starts with the header.
        let fresh_room = BOTTOM - TOP - header_h;
        let mut need_header = true;
        if let (true, Some(h)) = (rows.is_empty(), &header) {
            self.ensure(header_h);
            self.row(widths, h, 0, usize::MAX);
        }
        for row in rows {
            let cells = wrapped(row);
            let total = cells.iter().map(|(l, _)| l.len()).max().unwrap_or(0).max(1);
            // A row that fits on a page is never split: it moves to the next page whole.
            let whole = block_height(&cells, 0, total);
            let here = if need_header { header_h } else { 0.0 };
            if self.y + here + whole.min(fresh_room) > BOTTOM && self.y > TOP {
                self.new_page();
                need_header = true;
            }
            let mut from = 0;
            loop {
                if need_header {
                    if let Some(h) = &header {
                        self.row(widths, h, 0, usize::MAX);
                    }
                    need_header = false;
                }
                let to = self.fitting(&cells, from, total);
                self.row(widths, &cells, from, to);
                if to >= total {
                    break;
                }
                from = to;
                self.new_page();
                need_header = true;
            }
        }
    }

    /// The last line (exclusive) of `cells` from `from` that fits above the page bottom; at least
    /// one line.
    fn fitting(&self, cells: &[(Vec<Line>, bool)], from: usize, total: usize) -> usize {
        let mut to = from + 1;
        while to < total && self.y + block_height(cells, from, to + 1) <= BOTTOM {
            to += 1;
        }
        to
    }

    fn row(&mut self, widths: &[f32], cells: &[(Vec<Line>, bool)], from: usize, to: usize) {
        let h = block_height(cells, from, to);
        let mut x = LEFT;
        for ((lines, shaded), w) in cells.iter().zip(widths) {
            if *shaded {
                self.push(Item::Rect {
                    x,
                    y: self.y,
                    w: *w,
                    h,
                    color: SHADE,
                });
            }
            let mut y = self.y + CELL_PAD;
            for line in lines.iter().take(to).skip(from) {
                self.draw_line(line, x + CELL_PAD, y);
                y += line.height;
            }
            x += w;
        }
        let right = LEFT + widths.iter().sum::<f32>();
        for y in [self.y, self.y + h] {
            self.push(Item::Line {
                x1: LEFT,
                y1: y,
                x2: right,
                y2: y,
                color: RULE,
            });
        }
        let mut x = LEFT;
        for w in std::iter::once(&0.0).chain(widths) {
            x += w;
            self.push(Item::Line {
                x1: x,
                y1: self.y,
                x2: x,
                y2: self.y + h,
                color: RULE,
            });
        }
        self.y += h;
    }

    /// A row of images (each `w` wide, scaled from its pixel size) with wrapped captions
    /// under them, kept together on one page.
    pub fn image_row(&mut self, images: &[(usize, (u32, u32), &[Span])], w: f32, gap: f32) {
        let placed: Vec<(usize, f32, Vec<Line>)> = images
            .iter()
            .map(|(index, (pw, ph), caption)| {
                let h = w * *ph as f32 / (*pw).max(1) as f32;
                (*index, h, wrap(self.face, caption, w))
            })
            .collect();
        let height = placed
            .iter()
            .map(|(_, h, lines)| h + 3.0 + lines.iter().map(|l| l.height).sum::<f32>())
            .fold(0.0, f32::max);
        self.ensure(height);
        let mut x = LEFT;
        for (index, h, lines) in placed {
            self.push(Item::Image {
                index,
                x,
                y: self.y,
                w,
                h,
            });
            let mut y = self.y + h + 3.0;
            for line in &lines {
                self.draw_line(line, x, y);
                y += line.height;
            }
            x += w + gap;
        }
        self.y += height;
    }

    /// Adds `left` and "Page i of n" at the foot of every page.
    pub fn footers(&mut self, left: &str) {
        let style = Style::new(7.5).color(GREY);
        let n = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let right = format!("Page {} of {n}", i + 1);
            page.push(Item::Line {
                x1: LEFT,
                y1: FOOTER_Y - 10.0,
                x2: LEFT + WIDTH,
                y2: FOOTER_Y - 10.0,
                color: RULE,
            });
            page.push(Item::Text {
                x: LEFT,
                y: FOOTER_Y,
                style,
                text: left.to_owned(),
            });
            page.push(Item::Text {
                x: LEFT + WIDTH - self.face.width(&right, style.size),
                y: FOOTER_Y,
                style,
                text: right,
            });
        }
    }
}

fn block_height(cells: &[(Vec<Line>, bool)], from: usize, to: usize) -> f32 {
    let lines = cells
        .iter()
        .map(|(lines, _)| {
            lines
                .iter()
                .take(to)
                .skip(from)
                .map(|l| l.height)
                .sum::<f32>()
        })
        .fold(0.0, f32::max);
    lines + 2.0 * CELL_PAD
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn text_of(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.runs.iter().map(|(_, (t, _))| t.as_str()).collect())
            .collect()
    }

    #[test]
    fn every_character_the_report_uses_has_a_glyph() {
        let face = Face::new().unwrap();
        for c in "≥³×“”—°·•→µ±éüß".chars() {
            assert_ne!(face.glyph(c).1, 0, "no glyph for {c}");
        }
        assert_eq!(face.glyph('→').0, 1, "the arrow comes from Hack");
    }

    #[test]
    fn wrapping_keeps_words_whole_and_lines_narrow() {
        let face = Face::new().unwrap();
        let style = Style::new(10.0);
        let text = "Compared with the exam of 2025-03-10; the exams are comparable. ".repeat(6);
        let lines = wrap(&face, &[(text.clone(), style)], 200.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.width <= 200.0));
        let joined = text_of(&lines).join(" ");
        assert_eq!(
            joined.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        // Styled fragments without a space between them stay on one line; newlines break.
        let spans = [
            ("lesions: ".to_owned(), style),
            ("2".to_owned(), style.bold()),
            (".\nNext\n\nlast".to_owned(), style),
        ];
        let lines = wrap(&face, &spans, 500.0);
        assert_eq!(text_of(&lines), ["lesions: 2.", "Next", "", "last"]);
        assert!(
            lines.iter().all(|l| l.height > 0.0),
            "a blank line keeps its height"
        );
        // A word wider than the line is cut.
        let long = wrap(&face, &[("x".repeat(200), style)], 100.0);
        assert!(long.len() > 1 && long.iter().all(|l| l.width <= 100.0));
    }

    #[test]
    fn tables_break_across_pages_with_their_header() {
        let face = Face::new().unwrap();
        let style = Style::new(8.0);
        let cell = |t: &str| Cell {
            spans: vec![(t.to_owned(), style)],
            shaded: false,
        };
        let header = [cell("Lesion"), cell("Note")];
        let mut rows: Vec<Vec<Cell>> = (0..80)
            .map(|i| vec![cell(&i.to_string()), cell("short")])
            .collect();
        // A note longer than a page: split line by line.
        rows.insert(40, vec![cell("long"), cell(&"very long note ".repeat(600))]);
        let mut flow = Flow::new(&face);
        flow.paragraph(&[("Title".into(), style)], 0.0);
        flow.table(&[100.0, 200.0], Some(&header), &rows);
        assert!(flow.pages.len() >= 4, "{} pages", flow.pages.len());
        for page in &flow.pages {
            let texts: Vec<(&str, f32)> = page
                .iter()
                .filter_map(|i| match i {
                    Item::Text { text, y, .. } => Some((text.as_str(), *y)),
                    _ => None,
                })
                .collect();
            assert!(
                texts.iter().any(|(t, _)| *t == "Lesion"),
                "header on every page"
            );
            assert!(texts.iter().all(|(_, y)| *y > TOP && *y <= BOTTOM));
            for item in page {
                if let Item::Line { y1, y2, .. } = item {
                    assert!(*y1 >= TOP && *y2 <= BOTTOM);
                }
            }
        }
        let all: usize = flow
            .pages
            .iter()
            .flatten()
            .filter(|i| matches!(i, Item::Text { text, .. } if text == "short"))
            .count();
        assert_eq!(all, 80, "every row drawn once");
    }
}
