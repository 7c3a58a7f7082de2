//! `report.pdf`: report.html's content on A4 pages, for clinics that file PDFs. Same sections in
//! the same order and the same sentences (shared with `html.rs`): patient and exams,
//! comparison, technique, findings with the three counts, the lesion table, impression,
//! reader's notes, key images, settings and who read it. The font (egui's Ubuntu Light) is
//! embedded as a subset. The bytes depend only on the report: the dates are the exams' and
//! `saved_at`, and krilla derives the document ID from the content.

use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};

use super::html::{
    KEY_IMAGES_NOTE, KeyImage, Patient, closing_text, date, found_by, impression_detail,
    other_finding, person_name, settings_text, status_word, technique_text,
};
use super::pdf_error::PdfError;
use super::pdf_layout::{Cell, Face, Flow, GREY, Span, Style, WARN, WIDTH};
use super::report_file::ReportFile;
use crate::counts::{CONTRAST_NOT_ASSESSED, T2_NOT_ASSESSED};

const BODY: Style = Style::new(10.0);
const SMALL: Style = Style::new(8.5).color(GREY);
const TABLE: Style = Style::new(8.0);
/// Room kept under a heading so it never ends a page alone.
const KEEP: f32 = 30.0;

fn span(text: impl Into<String>, style: Style) -> Span {
    (text.into(), style)
}

fn cell(text: impl Into<String>, style: Style, shaded: bool) -> Cell {
    Cell {
        spans: vec![span(text, style)],
        shaded,
    }
}

/// The whole report as PDF bytes.
pub fn report_pdf(
    file: &ReportFile,
    patient: &Patient,
    images: &[KeyImage],
) -> Result<Vec<u8>, PdfError> {
    let face = Face::new()?;
    let pictures = images
        .iter()
        .map(|k| {
            Image::from_png(k.png.clone().into(), true).map_err(|reason| PdfError::KeyImage {
                lesion_id: k.lesion_id,
                reason,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut flow = Flow::new(&face);
    layout(&mut flow, file, patient, images, &pictures);
    let r = &file.comparison;
    let name = person_name(&patient.name);
    let who = [name.as_str(), patient.id.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    flow.footers(&format!(
        "MRI brain MS follow-up {}{}",
        date(&r.followup.date),
        if who.is_empty() {
            String::new()
        } else {
            format!(" · {who}")
        }
    ));
    let mut metadata = Metadata::new()
        .title("MRI brain: multiple sclerosis follow-up".into())
        .language("en".into())
        .creator(format!("Tandem {}", file.reading.tandem));
    if !file.reading.reader.is_empty() {
        metadata = metadata.authors(vec![file.reading.reader.clone()]);
    }
    if let Some(when) = iso_date(&file.reading.saved_at) {
        metadata = metadata.creation_date(when);
    }
    super::pdf_draw::render(&face, &flow.pages, &pictures, metadata)
}

fn layout(
    flow: &mut Flow,
    file: &ReportFile,
    patient: &Patient,
    images: &[KeyImage],
    pictures: &[Image],
) {
    let r = &file.comparison;
    let reading = &file.reading;
    let s = &reading.summary;
    flow.paragraph(
        &[span(
            "MRI brain: multiple sclerosis follow-up",
            Style::new(17.0).bold(),
        )],
        0.0,
    );
    flow.gap(8.0);
    let th = BODY.bold();
    let exam = |e: &crate::compare::ExamRef| {
        format!(
            "{} {}",
            date(&e.date),
            e.description.as_deref().unwrap_or("")
        )
    };
    let w = WIDTH / 4.0;
    flow.table(
        &[w * 0.85, w * 1.15, w * 0.85, w * 1.15],
        None,
        &[
            vec![
                cell("Patient", th, true),
                cell(person_name(&patient.name), BODY, false),
                cell("Patient ID", th, true),
                cell(patient.id.clone(), BODY, false),
            ],
            vec![
                cell("Follow-up exam", th, true),
                cell(exam(&r.followup), BODY, false),
                cell("Comparison exam", th, true),
                cell(exam(&r.baseline), BODY, false),
            ],
        ],
    );

    flow.heading("Comparison", KEEP);
    let baseline = date(&r.baseline.date);
    if r.comparability.warnings.is_empty() {
        flow.paragraph(
            &[span(
                format!("Compared with the exam of {baseline}; the exams are comparable."),
                BODY,
            )],
            0.0,
        );
    } else {
        flow.paragraph(
            &[span(
                format!("Compared with the exam of {baseline}; comparable with reservations:"),
                BODY,
            )],
            0.0,
        );
        for w in &r.comparability.warnings {
            flow.bullet(&[span(w.clone(), BODY.color(WARN))]);
        }
    }

    flow.heading("Technique", KEEP);
    for p in &r.pairs {
        flow.bullet(&[span(technique_text(p), BODY)]);
    }

    flow.heading("Findings", KEEP);
    let c = &s.counts;
    let rule = format!(" (rule: {})", r.settings.enlarging_rule);
    for (what, count, not_assessed, after) in [
        ("New T2/FLAIR lesions: ", c.new, T2_NOT_ASSESSED, ""),
        (
            "Enlarging T2/FLAIR lesions: ",
            c.enlarging,
            T2_NOT_ASSESSED,
            rule.as_str(),
        ),
        (
            "Gadolinium-enhancing lesions: ",
            c.enhancing,
            CONTRAST_NOT_ASSESSED,
            "",
        ),
    ] {
        match count {
            Some(n) => flow.bullet(&[
                span(what, BODY),
                span(n.to_string(), BODY.bold()),
                span(format!("{after}."), BODY),
            ]),
            None => flow.bullet(&[span(format!("{what}{not_assessed}."), BODY)]),
        }
    }
    if c.unexplained > 0 {
        flow.bullet(&[
            span("Unexplained changes, not yet reviewed: ", BODY),
            span(c.unexplained.to_string(), BODY.bold()),
            span(
                " (significant increase that no lesion explains; listed below).",
                BODY,
            ),
        ]);
    }
    flow.gap(6.0);
    lesion_table(flow, file);

    flow.heading("Impression", KEEP);
    flow.paragraph(
        &[span(
            format!(
                "{}{}.",
                if s.counts.active() {
                    "Radiologically active disease: "
                } else {
                    ""
                },
                impression_detail(s)
            ),
            Style::new(11.0).bold(),
        )],
        0.0,
    );
    if !reading.notes.trim().is_empty() {
        flow.heading("Reader's notes", KEEP);
        flow.paragraph(&[span(reading.notes.clone(), BODY)], 0.0);
    }
    if !images.is_empty() {
        flow.heading("Key images", 150.0);
        flow.paragraph(&[span(KEY_IMAGES_NOTE, SMALL)], 0.0);
        flow.gap(4.0);
        let gap = 14.0;
        let w = (WIDTH - gap) / 2.0;
        let entries: Vec<(usize, (u32, u32), Vec<Span>)> = images
            .iter()
            .zip(pictures)
            .enumerate()
            .map(|(i, (k, p))| (i, p.size(), vec![span(k.caption.clone(), SMALL)]))
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
    flow.heading("Settings", KEEP);
    flow.paragraph(&[span(settings_text(r), SMALL)], 0.0);
    flow.gap(10.0);
    flow.paragraph(
        &[span(
            format!(
                "{} Written {} by Tandem {}.",
                closing_text(reading),
                reading.saved_at,
                reading.tandem
            ),
            SMALL,
        )],
        0.0,
    );
}

/// The lesion table, as report.html has it.
fn lesion_table(flow: &mut Flow, file: &ReportFile) {
    let th = TABLE.bold();
    let header = [
        "Lesion",
        "Status",
        "Location",
        "Baseline mm³",
        "Follow-up mm³",
        "Enhancing",
        "Found by",
        "Reader",
        "Note",
    ]
    .map(|h| cell(h, th, true));
    // Each just wider than its longest word at 8 pt ("periventricular", "comparison,"), so
    // words never break; the note takes the rest.
    let fixed = [30.0, 44.0, 60.0, 38.0, 43.0, 44.0, 51.0, 44.0];
    let mut widths = fixed.to_vec();
    widths.push(WIDTH - fixed.iter().sum::<f32>());
    let rows: Vec<Vec<Cell>> = file
        .reading
        .lesions
        .iter()
        .map(|l| {
            vec![
                cell(l.id.to_string(), TABLE, false),
                cell(
                    format!("{}{}", status_word(l), other_finding(l)),
                    TABLE,
                    false,
                ),
                cell(l.location.map_or("—", |x| x.name()), TABLE, false),
                cell(format!("{:.0}", l.volume_mm3.baseline), TABLE, false),
                cell(format!("{:.0}", l.volume_mm3.followup), TABLE, false),
                cell(if l.enhancing { "yes" } else { "no" }, TABLE, false),
                cell(found_by(l), TABLE, false),
                cell(l.decision.label(), TABLE, false),
                cell(l.note.clone(), TABLE, false),
            ]
        })
        .collect();
    flow.table(&widths, Some(&header), &rows);
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
    use crate::report::{MarksSummary, ReadingSection};

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
            },
        }
    }

    fn key_image(id: u32) -> KeyImage {
        let image = image::RgbImage::from_fn(518, 256, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        KeyImage {
            lesion_id: id,
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
        let pdf = report_pdf(&file, &patient, &images).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(
            pdf,
            report_pdf(&file, &patient, &images).unwrap(),
            "same bytes"
        );

        // The layout: more than a page, nothing below the bottom margin, the sections in order.
        let face = Face::new().unwrap();
        let pictures: Vec<Image> = images
            .iter()
            .map(|k| Image::from_png(k.png.clone().into(), true).unwrap())
            .collect();
        let mut flow = Flow::new(&face);
        layout(&mut flow, &file, &patient, &images, &pictures);
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
