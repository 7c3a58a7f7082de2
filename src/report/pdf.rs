//! `report.pdf`: the report's [`Document`] on A4 pages, for clinics that file PDFs: the same
//! sections in the same order and the same words as report.html. `pdf_layout.rs` wraps and
//! flows it over pages, `pdf_draw.rs` draws it. The font (egui's Ubuntu Light) is embedded as a
//! subset. The bytes depend only on the report: the dates are the exams' and `saved_at`, and
//! krilla derives the document ID from the content.

use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};

use super::document::{Block, Document, Emphasis, List, Paragraph, Role, Section, Table};
use super::document::{Cell as DocCell, Span as DocSpan, TableKind};
use super::pdf_error::PdfError;
use super::pdf_layout::{Cell, Face, Flow, GREY, Span, Style, WARN, WIDTH};

const BODY: Style = Style::new(10.0);
const SMALL: Style = Style::new(8.5).color(GREY);
const TABLE: Style = Style::new(8.0);
const TITLE: Style = Style::new(17.0).bold();
const IMPRESSION: Style = Style::new(11.0).bold();
/// Room kept under a heading so it never ends a page alone.
const KEEP: f32 = 30.0;
/// Room kept under the key images' heading: the note and a row of images.
const KEEP_FIGURES: f32 = 150.0;

/// The document as PDF bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let face = Face::new()?;
    let pictures = doc
        .figures()
        .map(|f| {
            Image::from_png(f.png.to_vec().into(), true).map_err(|reason| PdfError::KeyImage {
                lesion_id: f.lesion_id,
                reason,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut flow = Flow::new(&face);
    layout(&mut flow, doc, &pictures);
    flow.footers(&doc.footer);
    let mut metadata = Metadata::new()
        .title(doc.title.clone())
        .language("en".into())
        .creator(doc.meta.generator.clone());
    if let Some(author) = &doc.meta.author {
        metadata = metadata.authors(vec![author.clone()]);
    }
    if let Some(when) = iso_date(&doc.meta.written_at) {
        metadata = metadata.creation_date(when);
    }
    super::pdf_draw::render(&face, &flow.pages, &pictures, metadata)
}

/// Spans in `style`, strong ones bold.
fn spans(spans: &[DocSpan], style: Style) -> Vec<Span> {
    spans
        .iter()
        .map(|s| {
            let style = match s.emphasis {
                Emphasis::Plain => style,
                Emphasis::Strong => style.bold(),
            };
            (s.text.clone(), style)
        })
        .collect()
}

/// Lays out the document; `pictures` are its figures, in order.
fn layout(flow: &mut Flow, doc: &Document, pictures: &[Image]) {
    flow.paragraph(&[(doc.title.clone(), TITLE)], 0.0);
    flow.gap(8.0);
    table(flow, &doc.facts);
    let mut next_picture = 0;
    for s in &doc.sections {
        section(flow, s, pictures, &mut next_picture);
    }
    flow.gap(10.0);
    paragraph(flow, &doc.sign_off);
}

fn section(flow: &mut Flow, s: &Section, pictures: &[Image], next_picture: &mut usize) {
    let figures = s.blocks.iter().any(|b| matches!(b, Block::Figures(_)));
    flow.heading(&s.heading, if figures { KEEP_FIGURES } else { KEEP });
    for (i, block) in s.blocks.iter().enumerate() {
        match block {
            Block::Paragraph(p) => paragraph(flow, p),
            Block::List(l) => list(flow, l),
            Block::Table(t) => {
                if i > 0 {
                    flow.gap(6.0);
                }
                table(flow, t);
            }
            Block::Figures(f) => {
                flow.gap(4.0);
                let gap = 14.0;
                let w = (WIDTH - gap) / 2.0;
                let entries: Vec<(usize, (u32, u32), Vec<Span>)> = f
                    .iter()
                    .filter_map(|f| {
                        let index = *next_picture;
                        *next_picture += 1;
                        let size = pictures.get(index)?.size();
                        Some((index, size, vec![(f.caption.clone(), SMALL)]))
                    })
                    .collect();
                for pair in entries.chunks(2) {
                    let row: Vec<(usize, (u32, u32), &[Span])> = pair
                        .iter()
                        .map(|(i, size, caption)| (*i, *size, caption.as_slice()))
                        .collect();
                    flow.image_row(&row, w, gap);
                    flow.gap(8.0);
                }
            }
        }
    }
}

fn paragraph(flow: &mut Flow, p: &Paragraph) {
    let style = match p.role {
        Role::Body => BODY,
        Role::Small => SMALL,
        Role::Impression => IMPRESSION,
    };
    flow.paragraph(&spans(&p.spans, style), 0.0);
}

fn list(flow: &mut Flow, l: &List) {
    let style = if l.warning { BODY.color(WARN) } else { BODY };
    for item in &l.items {
        flow.bullet(&spans(item, style));
    }
}

fn table(flow: &mut Flow, t: &Table) {
    let (style, widths) = match t.kind {
        TableKind::Facts => (BODY, facts_widths(t)),
        TableKind::Lesions => (TABLE, lesion_widths(t.header.len())),
    };
    let cell = |c: &DocCell| Cell {
        spans: vec![(c.text.clone(), if c.header { style.bold() } else { style })],
        shaded: c.header,
    };
    let header: Vec<Cell> = t.header.iter().map(cell).collect();
    let rows: Vec<Vec<Cell>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(cell).collect())
        .collect();
    flow.table(&widths, (!header.is_empty()).then_some(&header[..]), &rows);
}

/// Name columns narrower than value columns, across the page.
fn facts_widths(t: &Table) -> Vec<f32> {
    let columns = t.rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let w = WIDTH / columns as f32;
    (0..columns)
        .map(|i| if i % 2 == 0 { w * 0.85 } else { w * 1.15 })
        .collect()
}

/// Each just wider than its longest word at 8 pt ("periventricular", "comparison,"), so
/// words never break; the note (last) takes the rest. Another number of columns shares the
/// page evenly.
fn lesion_widths(columns: usize) -> Vec<f32> {
    let fixed = [30.0, 44.0, 60.0, 38.0, 43.0, 44.0, 51.0, 44.0];
    if columns != fixed.len() + 1 {
        return vec![WIDTH / columns.max(1) as f32; columns];
    }
    let mut widths = fixed.to_vec();
    widths.push(WIDTH - fixed.iter().sum::<f32>());
    widths
}

/// `2026-11-27T07:05:09Z` → a PDF date in UTC.
fn iso_date(iso: &str) -> Option<DateTime> {
    let num = |range: std::ops::Range<usize>| iso.get(range)?.parse::<u16>().ok();
    let small = |range| num(range).and_then(|n| u8::try_from(n).ok());
    Some(
        DateTime::new(num(0..4)?)
            .month(small(5..7)?)
            .day(small(8..10)?)
            .hour(small(11..13)?)
            .minute(small(14..16)?)
            .second(small(17..19)?)
            .utc_offset_hour(0),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;

    use super::*;
    use crate::compare::{Comparability, ExamRef, Report, Volumes};
    use crate::counts::Counts;
    use crate::reading::{Decision, ReadLesion, ReadSummary, Source};
    use crate::report::content::{KeyImage, Patient, report_document};
    use crate::report::{MarksSummary, ReadingSection, ReportFile};

    fn exam(date: &str) -> ExamRef {
        ExamRef {
            path: "exam".into(),
            study_uid: "2.25.1".into(),
            date: Some(date.into()),
            description: Some("MRI BRAIN MS".into()),
        }
    }

    /// A reading with `lesions` lesions (every fifth with a long note) and notes on two lines.
    fn report_file(lesions: u32) -> ReportFile {
        let comparison = Report {
            baseline: exam("20250310"),
            followup: exam("20260316"),
            comparability: Comparability {
                comparable: false,
                warnings: vec!["Different field strength (1.5 T and 3 T).".into()],
            },
            ..Report::for_tests(Counts::assessed(Some((1, 0)), Some(0)))
        };
        let lesions = (1..=lesions)
            .map(|n| ReadLesion {
                id: crate::ids::LesionId::nth(n as usize).unwrap(),
                status: crate::pipeline::lesion::Status::New,
                kind: crate::marks::LesionKind::T2Flair,
                enhancing: n % 3 == 0,
                source: Source::Algorithm,
                decision: Decision::Pending,
                location: None,
                centroid_mm: [0.0; 3],
                volume_mm3: Volumes {
                    baseline: 0.0,
                    followup: 40.0 + f64::from(n),
                },
                note: if n % 5 == 0 {
                    "Seen on two slices; check against the next exam. ".repeat(8)
                } else {
                    String::new()
                },
            })
            .collect();
        ReportFile {
            comparison,
            reading: ReadingSection {
                reader: "Dr Ann Reader".into(),
                saved_at: "2026-11-27T07:05:09Z".into(),
                tandem: "0.1.0 (test)".into(),
                notes: "First line.\nSecond line.".into(),
                decisions: BTreeMap::new(),
                lesions,
                summary: ReadSummary {
                    counts: Counts::assessed(Some((7, 1)), Some(2)),
                    active: true,
                    reader_added: 0,
                    rejected: 0,
                },
                marks: MarksSummary::default(),
                measurements: Vec::new(),
            },
        }
    }

    fn key_image(id: u32) -> KeyImage {
        let image = image::RgbImage::from_fn(518, 256, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        KeyImage {
            lesion_id: crate::ids::LesionId::nth(id as usize).unwrap(),
            caption: format!("Lesion {id}: new, 0 → 41 mm³"),
            png: crate::report::key_images::png_bytes(&image).unwrap(),
        }
    }

    #[test]
    fn the_pdf_is_deterministic_and_flows_over_pages() {
        let file = report_file(70);
        let patient = Patient {
            name: "DOE^JANE".into(),
            id: "P1".into(),
        };
        let images: Vec<KeyImage> = (1..=3).map(key_image).collect();
        let doc = report_document(&file, &patient, &images);
        let pdf = render(&doc).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(
            pdf,
            render(&report_document(&file, &patient, &images)).unwrap(),
            "same bytes"
        );

        // The layout: more than a page, nothing below the bottom margin, the sections in order.
        let face = Face::new().unwrap();
        let pictures: Vec<Image> = images
            .iter()
            .map(|k| Image::from_png(k.png.clone().into(), true).unwrap())
            .collect();
        let mut flow = Flow::new(&face);
        layout(&mut flow, &doc, &pictures);
        assert!(flow.pages.len() >= 3, "{} pages", flow.pages.len());
        let mut texts = Vec::new();
        for item in flow.pages.iter().flatten() {
            match item {
                super::super::pdf_layout::Item::Text { text, y, .. } => {
                    assert!(*y <= super::super::pdf_layout::BOTTOM, "{text} at {y}");
                    texts.push(text.clone());
                }
                super::super::pdf_layout::Item::Image { y, h, .. } => {
                    assert!(y + h <= super::super::pdf_layout::BOTTOM);
                }
                _ => {}
            }
        }
        let at = |needle: &str| texts.iter().position(|t| t.contains(needle)).unwrap();
        let order = [
            "MRI brain: multiple sclerosis",
            "Comparison",
            "Different field strength",
            "Technique",
            "Findings",
            "Enlarging T2/FLAIR lesions:",
            "Radiologically active disease:",
            "Reader's notes",
            "Second line.",
            "Key images",
            "Lesion 3: new",
            "Settings",
            "Read by Dr Ann Reader.",
        ];
        for pair in order.windows(2) {
            assert!(at(pair[0]) < at(pair[1]), "{} before {}", pair[0], pair[1]);
        }
        let headers = texts.iter().filter(|t| *t == "Lesion").count();
        assert!(
            headers >= 2,
            "the table header repeats on its pages ({headers})"
        );
    }

    #[test]
    fn creation_date_comes_from_saved_at() {
        assert!(iso_date("2026-11-27T07:05:09Z").is_some());
        assert!(iso_date("not a date").is_none());
    }
}
