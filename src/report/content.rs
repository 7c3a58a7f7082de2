//! What the report says, in its words, built once as a [`Document`] that report.html and
//! report.pdf both render. It says what a follow-up report must say (CLINICAL.md): the
//! comparison exam and whether it is comparable, the technique, new T2/FLAIR lesions,
//! enlarging lesions (with the rule), enhancing lesions, the impression, key images, and the
//! settings used.

use super::document::{
    Block, Cell, Document, Figure, List, Meta, Paragraph, Role, Section, Span, Table, TableKind,
};
use super::report_file::{MeasurementRecord, ReadingSection, ReportFile};
use crate::compare::{ExamRef, PairReport, Report, SeriesRef};
use crate::counts::{CONTRAST_NOT_ASSESSED, T2_NOT_ASSESSED};
use crate::info::pretty_date;
use crate::reading::{Decision, MeasureKind, ReadLesion, ReadSummary, Source};

/// A key image for the report: which lesion, the caption, the PNG.
pub struct KeyImage {
    pub lesion_id: crate::ids::LesionId,
    pub caption: String,
    pub png: Vec<u8>,
}

/// Who the report is about (from the baseline series' headers; empty when absent).
#[derive(Debug, Clone, Default)]
pub struct Patient {
    pub name: String,
    pub id: String,
}

/// What the key images show.
const KEY_IMAGES_NOTE: &str = "Axial, baseline (left) and follow-up registered to the \
     baseline (right), 80 mm field, lesion outlined (dashed where that exam has none of it: its \
     outline at the other exam).";

const TITLE: &str = "MRI brain: multiple sclerosis follow-up";

/// The report of `file` about `patient`, with `images` as its key images.
pub fn report_document<'a>(
    file: &ReportFile,
    patient: &Patient,
    images: &'a [KeyImage],
) -> Document<'a> {
    let r = &file.comparison;
    let reading = &file.reading;
    let mut sections = vec![
        comparison(r),
        Section {
            heading: "Technique".into(),
            blocks: vec![Block::List(List {
                warning: false,
                items: r
                    .pairs
                    .iter()
                    .map(|p| vec![Span::plain(technique_text(p))])
                    .collect(),
            })],
        },
        findings(file),
        Section {
            heading: "Impression".into(),
            blocks: vec![Block::Paragraph(impression(&reading.summary))],
        },
    ];
    if !reading.notes.trim().is_empty() {
        sections.push(Section {
            heading: "Reader's notes".into(),
            blocks: vec![paragraph(Role::Body, &reading.notes)],
        });
    }
    if !reading.measurements.is_empty() {
        sections.push(Section {
            heading: "Measurements".into(),
            blocks: vec![Block::List(List {
                warning: false,
                items: reading
                    .measurements
                    .iter()
                    .enumerate()
                    .map(|(n, m)| vec![Span::plain(measurement_text(n + 1, m))])
                    .collect(),
            })],
        });
    }
    if !images.is_empty() {
        sections.push(Section {
            heading: "Key images".into(),
            blocks: vec![
                paragraph(Role::Small, KEY_IMAGES_NOTE),
                Block::Figures(images.iter().map(figure).collect()),
            ],
        });
    }
    sections.push(Section {
        heading: "Settings".into(),
        blocks: vec![paragraph(Role::Small, &settings_text(r))],
    });
    Document {
        title: TITLE.into(),
        short_title: "MRI brain follow-up report".into(),
        facts: facts(r, patient),
        sections,
        sign_off: Paragraph::new(
            Role::Small,
            vec![Span::plain(format!(
                "{} Written {} by Tandem {}.",
                closing_text(reading),
                reading.saved_at,
                reading.tandem
            ))],
        ),
        footer: footer(r, patient),
        meta: Meta {
            author: (!reading.reader.is_empty()).then(|| reading.reader.clone()),
            written_at: reading.saved_at.clone(),
            generator: format!("Tandem {}", reading.tandem),
        },
    }
}

fn paragraph(role: Role, text: &str) -> Block<'static> {
    Block::Paragraph(Paragraph::new(role, vec![Span::plain(text)]))
}

/// Who and which exams.
fn facts(r: &Report, patient: &Patient) -> Table {
    let exam = |e: &ExamRef| {
        format!(
            "{} {}",
            date(&e.date),
            e.description.as_deref().unwrap_or("")
        )
    };
    Table {
        kind: TableKind::Facts,
        header: Vec::new(),
        rows: vec![
            vec![
                Cell::header("Patient"),
                Cell::data(person_name(&patient.name)),
                Cell::header("Patient ID"),
                Cell::data(patient.id.clone()),
            ],
            vec![
                Cell::header("Follow-up exam"),
                Cell::data(exam(&r.followup)),
                Cell::header("Comparison exam"),
                Cell::data(exam(&r.baseline)),
            ],
        ],
    }
}

/// The comparison exam and whether it is comparable (with each reservation).
fn comparison(r: &Report) -> Section<'static> {
    let baseline = date(&r.baseline.date);
    let warnings = &r.comparability.warnings;
    let blocks = if warnings.is_empty() {
        vec![paragraph(
            Role::Body,
            &format!("Compared with the exam of {baseline}; the exams are comparable."),
        )]
    } else {
        vec![
            paragraph(
                Role::Body,
                &format!("Compared with the exam of {baseline}; comparable with reservations:"),
            ),
            Block::List(List {
                warning: true,
                items: warnings
                    .iter()
                    .map(|w| vec![Span::plain(w.clone())])
                    .collect(),
            }),
        ]
    };
    Section {
        heading: "Comparison".into(),
        blocks,
    }
}

/// The three counts (each a number or "not assessed"), unexplained changes, the lesion table.
fn findings(file: &ReportFile) -> Section<'static> {
    let c = &file.reading.summary.counts;
    let count = |anchor: &str, n: Option<usize>, not_assessed: &str| match n {
        Some(n) => Span::strong(n.to_string()).anchored(format!("count-{anchor}")),
        None => Span::plain(not_assessed).anchored(format!("count-{anchor}")),
    };
    let rule = if c.enlarging.is_some() {
        format!(" (rule: {}).", file.comparison.settings.enlarging_rule)
    } else {
        ".".to_owned()
    };
    let mut items = vec![
        vec![
            Span::plain("New T2/FLAIR lesions: "),
            count("new", c.new, T2_NOT_ASSESSED),
            Span::plain("."),
        ],
        vec![
            Span::plain("Enlarging T2/FLAIR lesions: "),
            count("enlarging", c.enlarging, T2_NOT_ASSESSED),
            Span::plain(rule),
        ],
        vec![
            Span::plain("Gadolinium-enhancing lesions: "),
            count("enhancing", c.enhancing, CONTRAST_NOT_ASSESSED),
            Span::plain("."),
        ],
    ];
    if c.unexplained > 0 {
        items.push(vec![
            Span::plain("Unexplained changes, not yet reviewed: "),
            Span::strong(c.unexplained.to_string()).anchored("count-unexplained"),
            Span::plain(" (significant increase that no lesion explains; listed below)."),
        ]);
    }
    Section {
        heading: "Findings".into(),
        blocks: vec![
            Block::List(List {
                warning: false,
                items,
            }),
            Block::Table(lesion_table(&file.reading.lesions)),
        ],
    }
}

/// Every lesion of the reading, one per row.
fn lesion_table(lesions: &[ReadLesion]) -> Table {
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
    ];
    Table {
        kind: TableKind::Lesions,
        header: header.into_iter().map(Cell::header).collect(),
        rows: lesions
            .iter()
            .map(|l| {
                [
                    l.id.to_string(),
                    format!("{}{}", l.status.name(), other_finding(l)),
                    l.location.map_or("—", |x| x.name()).to_owned(),
                    format!("{:.0}", l.volume_mm3.baseline),
                    format!("{:.0}", l.volume_mm3.followup),
                    if l.enhancing { "yes" } else { "no" }.to_owned(),
                    found_by(l).to_owned(),
                    l.decision.label().to_owned(),
                    l.note.clone(),
                ]
                .into_iter()
                .map(Cell::data)
                .collect()
            })
            .collect(),
    }
}

fn impression(s: &ReadSummary) -> Paragraph {
    let active = if s.counts.active() {
        "Radiologically active disease: "
    } else {
        ""
    };
    Paragraph {
        role: Role::Impression,
        anchor: Some("impression".into()),
        spans: vec![Span::plain(format!("{active}{}.", impression_detail(s)))],
    }
}

fn figure(image: &KeyImage) -> Figure<'_> {
    Figure {
        lesion_id: image.lesion_id,
        alt: format!("Lesion {} baseline and follow-up", image.lesion_id),
        caption: image.caption.clone(),
        png: &image.png,
    }
}

/// "MRI brain MS follow-up <date> · <name>, <id>".
fn footer(r: &Report, patient: &Patient) -> String {
    let name = person_name(&patient.name);
    let who = [name.as_str(), patient.id.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "MRI brain MS follow-up {}{}",
        date(&r.followup.date),
        if who.is_empty() {
            String::new()
        } else {
            format!(" · {who}")
        }
    )
}

fn date(d: &Option<String>) -> String {
    d.as_deref().map_or("(no date)".to_owned(), pretty_date)
}

/// A key image's caption (and the lesion's segment description in the SEG): id, status,
/// enhancement, location and both volumes.
pub(super) fn caption(l: &ReadLesion) -> String {
    let status = l.status.name();
    format!(
        "Lesion {}: {status}{}{}, {:.0} → {:.0} mm³",
        l.id,
        if l.enhancing { ", enhancing" } else { "" },
        l.location
            .map_or(String::new(), |x| format!(", {}", x.name())),
        l.volume_mm3.baseline,
        l.volume_mm3.followup
    )
}

/// One compared pair: the series, their grids and the registration.
fn technique_text(p: &PairReport) -> String {
    format!(
        "{}: baseline {}, follow-up {}; rigid registration {:.1}°, {:.1} mm, correlation {:.3}.",
        p.kind.name(),
        series_text(&p.baseline),
        series_text(&p.followup),
        p.registration.rotation_deg,
        p.registration.translation_mm,
        p.registration.correlation,
    )
}

/// One series: its description, grid size and voxel size.
fn series_text(s: &SeriesRef) -> String {
    format!(
        "“{}” ({}×{}×{}, {:.2}×{:.2}×{:.2} mm)",
        s.description.as_deref().unwrap_or(""),
        s.dims[0],
        s.dims[1],
        s.dims[2],
        s.spacing_mm[0],
        s.spacing_mm[1],
        s.spacing_mm[2],
    )
}

/// " (other finding)" for lesions the reader typed as other findings.
fn other_finding(l: &ReadLesion) -> &'static str {
    if l.kind == crate::marks::LesionKind::Other {
        " (other finding)"
    } else {
        ""
    }
}

/// Who found a lesion, as the lesion table says it.
fn found_by(l: &ReadLesion) -> &'static str {
    match l.source {
        Source::Algorithm => "comparison",
        Source::AlgorithmMarked => "comparison, marked by reader",
        Source::Reader => "reader",
    }
}

/// The detection and registration settings in one sentence.
fn settings_text(r: &Report) -> String {
    format!(
        "Change z ≥ {} (grow {}), hyperintense at follow-up (z ≥ {} against normal white matter \
         and half-way to the brightest normal tissue); lesions z ≥ {} (grow {}) and above the \
         brightest normal tissue by the largest of 3 σ, half the normal contrast and the reach \
         of noise over their size; smallest lesion {} mm³; each exam's coil shading divided out \
         ({} mm white-matter field); enhancement measured as {}. Registration levels {:?} mm.",
        r.settings.change.z_seed,
        r.settings.change.z_grow,
        r.settings.change.hyperintense_z,
        r.settings.change.lesion_z_seed,
        r.settings.change.lesion_z_grow,
        r.settings.change.min_volume_mm3,
        r.settings.change.bias_sigma_mm,
        r.summary.enhancing_method.as_str(),
        r.settings.registration.levels_mm,
    )
}

/// "Ruler 1, axial, at (x, y, z) mm: 12.3 mm" (the centre between its two points).
fn measurement_text(n: usize, record: &MeasurementRecord) -> String {
    let m = &record.measurement;
    let what = match m.kind {
        MeasureKind::Ruler => "Ruler",
        MeasureKind::Ellipse => "Region",
    };
    let c: Vec<String> = (0..3)
        .map(|a| format!("{:.0}", (m.a_mm[a] + m.b_mm[a]) / 2.0))
        .collect();
    format!(
        "{what} {n}, {}, at ({}) mm: {}",
        m.plane.name().to_lowercase(),
        c.join(", "),
        record.text
    )
}

/// Who read it (or that nobody did yet), and what the reader left undecided. A reading with
/// decisions or marks was reviewed, named or not: only one with neither is the computer's alone.
fn closing_text(reading: &ReadingSection) -> String {
    let undecided = reading
        .lesions
        .iter()
        .filter(|l| l.source == Source::Algorithm && l.flagged())
        .filter(|l| l.decision == Decision::Pending)
        .count();
    let reviewed = !reading.decisions.is_empty() || reading.marks.lesions > 0;
    let mut text = match (reading.reader.trim(), reviewed) {
        ("", false) => {
            return "Computer-generated comparison (tandem compare); not yet reviewed by a reader."
                .to_owned();
        }
        ("", true) => "Reviewed by a reader who did not give their name. Computer-assisted \
                       comparison: every finding was shown to the reader, whose decisions take \
                       precedence."
            .to_owned(),
        (reader, _) => format!(
            "Read by {reader}. Computer-assisted comparison: every finding was shown to the \
             reader, whose decisions take precedence."
        ),
    };
    if undecided > 0 {
        text += &format!(
            " {undecided} flagged lesion(s) were left undecided and are counted as the \
             comparison found them."
        );
    }
    text
}

/// The impression in words, with the counts that make it and what was not assessed
/// ([`crate::counts::Counts::impression`]).
pub fn impression_detail(s: &ReadSummary) -> String {
    s.counts.impression()
}

/// A DICOM person name (`FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX`) as people write it.
pub fn person_name(pn: &str) -> String {
    let mut parts = pn.split('^').map(str::trim);
    let family = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
    if rest.is_empty() {
        family.to_owned()
    } else {
        format!("{family}, {}", rest.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::counts::Counts;
    use crate::report::document::Block;
    use crate::report::{MarksSummary, ReadingSection};

    /// A report of `counts` with no lesions, read by `reader`.
    fn file(counts: Counts, reader: &str) -> ReportFile {
        ReportFile {
            comparison: Report::for_tests(counts),
            reading: ReadingSection {
                reader: reader.into(),
                saved_at: "2026-11-27T07:05:09Z".into(),
                tandem: "0.1.0 (test)".into(),
                notes: String::new(),
                decisions: BTreeMap::new(),
                lesions: Vec::new(),
                summary: ReadSummary {
                    counts,
                    active: counts.active(),
                    reader_added: 0,
                    rejected: 0,
                },
                marks: MarksSummary::default(),
                measurements: Vec::new(),
            },
        }
    }

    fn headings(doc: &Document) -> Vec<String> {
        doc.sections.iter().map(|s| s.heading.clone()).collect()
    }

    /// The spans of the findings' `n`th item.
    fn finding(doc: &Document, n: usize) -> Vec<Span> {
        let Some(Block::List(list)) = doc.section("Findings").and_then(|s| s.blocks.first()) else {
            panic!("findings start with a list");
        };
        list.items[n].clone()
    }

    #[test]
    fn a_follow_up_report_has_its_sections_in_order() {
        let mut f = file(Counts::assessed(Some((2, 1)), Some(0)), "Dr Ann Reader");
        f.reading.notes = "Seen.\nTwice.".into();
        let images = [KeyImage {
            lesion_id: crate::ids::LesionId::from_label(4).unwrap(),
            caption: "Lesion 4: new".into(),
            png: vec![1, 2, 3],
        }];
        let patient = Patient {
            name: "DOE^JANE".into(),
            id: "P1".into(),
        };
        let doc = report_document(&f, &patient, &images);
        assert_eq!(
            headings(&doc),
            [
                "Comparison",
                "Technique",
                "Findings",
                "Impression",
                "Reader's notes",
                "Key images",
                "Settings"
            ]
        );
        assert_eq!(doc.facts.rows[0][1].text, "DOE, JANE");
        assert_eq!(
            finding(&doc, 0),
            [
                Span::plain("New T2/FLAIR lesions: "),
                Span::strong("2").anchored("count-new"),
                Span::plain("."),
            ]
        );
        let enlarging: String = finding(&doc, 1).iter().map(|s| s.text.as_str()).collect();
        assert!(enlarging.starts_with("Enlarging T2/FLAIR lesions: 1 (rule: "));
        let Some(Block::Table(table)) = doc.section("Findings").and_then(|s| s.blocks.get(1))
        else {
            panic!("the lesion table follows the counts");
        };
        assert_eq!(table.header.len(), 9);
        let Some(Block::Paragraph(impression)) =
            doc.section("Impression").and_then(|s| s.blocks.first())
        else {
            panic!("an impression");
        };
        assert!(
            impression
                .text()
                .starts_with("Radiologically active disease: ")
        );
        let ids: Vec<u16> = doc.figures().map(|f| f.lesion_id.label()).collect();
        assert_eq!(ids, [4]);
        assert!(doc.sign_off.text().starts_with("Read by Dr Ann Reader."));
        assert_eq!(doc.meta.author.as_deref(), Some("Dr Ann Reader"));
        assert_eq!(
            doc.footer,
            "MRI brain MS follow-up (no date) · DOE, JANE, P1"
        );
    }

    #[test]
    fn counts_a_series_cannot_show_are_not_assessed() {
        let doc = report_document(
            &file(Counts::assessed(None, None), ""),
            &Patient::default(),
            &[],
        );
        assert_eq!(
            headings(&doc),
            [
                "Comparison",
                "Technique",
                "Findings",
                "Impression",
                "Settings"
            ],
            "no notes, no key images"
        );
        for (n, anchor, words) in [
            (0, "count-new", T2_NOT_ASSESSED),
            (1, "count-enlarging", T2_NOT_ASSESSED),
            (2, "count-enhancing", CONTRAST_NOT_ASSESSED),
        ] {
            let spans = finding(&doc, n);
            assert_eq!(spans[1], Span::plain(words).anchored(anchor));
            assert_eq!(spans[2], Span::plain("."), "no rule without a count");
        }
        assert!(
            doc.sign_off
                .text()
                .starts_with("Computer-generated comparison")
        );
        assert_eq!(doc.meta.author, None);
        assert_eq!(doc.footer, "MRI brain MS follow-up (no date)");
    }

    #[test]
    fn reservations_are_listed_as_warnings() {
        let mut f = file(Counts::assessed(Some((0, 0)), None), "");
        f.comparison.comparability.warnings = vec!["Different field strength.".into()];
        let doc = report_document(&f, &Patient::default(), &[]);
        let blocks = &doc.section("Comparison").unwrap().blocks;
        assert!(matches!(&blocks[1], Block::List(l) if l.warning && l.items.len() == 1));
    }
}
