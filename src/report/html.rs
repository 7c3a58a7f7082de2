//! `report.html`: one self-contained page (styles inline, key images embedded as PNG data) that
//! a clinician can open and print. It says what a follow-up report must say (CLINICAL.md): the
//! comparison exam and whether it is comparable, the technique, new T2/FLAIR lesions,
//! enlarging lesions (with the rule), enhancing lesions, the impression, key images, and the
//! settings used.

use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::report_file::{ReadingSection, ReportFile};
use crate::counts::{CONTRAST_NOT_ASSESSED, T2_NOT_ASSESSED};
use crate::info::pretty_date;
use crate::reading::ReadLesion;

/// A key image for the page: which lesion, the caption, the PNG.
pub struct KeyImage {
    pub lesion_id: u32,
    pub caption: String,
    pub png: Vec<u8>,
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;\
color:#111;line-height:1.4}h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #ccc;\
margin-top:1.6em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;\
padding:.25em .5em;text-align:left}th{background:#f3f3f3}.impression{font-weight:bold;\
font-size:1.1em}.warn{color:#a50}figure{display:inline-block;margin:.5em;page-break-inside:avoid}\
figcaption{font-size:.9em}.small{font-size:.85em;color:#555}@media print{body{margin:0}}";

/// What the key images show.
pub(super) const KEY_IMAGES_NOTE: &str = "Axial, baseline (left) and follow-up registered to the \
     baseline (right), 80 mm field, lesion outlined (dashed where that exam has none of it: its \
     outline at the other exam).";

pub(super) fn date(d: &Option<String>) -> String {
    d.as_deref().map_or("(no date)".to_owned(), pretty_date)
}

pub(super) fn status_word(l: &ReadLesion) -> &'static str {
    l.status.name()
}

/// The whole page.
pub fn report_html(file: &ReportFile, patient: &Patient, images: &[KeyImage]) -> String {
    let r = &file.comparison;
    let reading = &file.reading;
    let s = &reading.summary;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>MRI brain follow-up report</title><style>{STYLE}</style></head><body>\n\
         <h1>MRI brain: multiple sclerosis follow-up</h1>\n"
    );
    let _ = writeln!(
        h,
        "<table><tr><th>Patient</th><td>{}</td><th>Patient ID</th><td>{}</td></tr>\
         <tr><th>Follow-up exam</th><td>{} {}</td><th>Comparison exam</th><td>{} {}</td></tr></table>",
        escape(&person_name(&patient.name)),
        escape(&patient.id),
        escape(&date(&r.followup.date)),
        escape(r.followup.description.as_deref().unwrap_or("")),
        escape(&date(&r.baseline.date)),
        escape(r.baseline.description.as_deref().unwrap_or("")),
    );

    h += "<h2>Comparison</h2>\n<p>";
    if r.comparability.warnings.is_empty() {
        let _ = write!(
            h,
            "Compared with the exam of {}; the exams are comparable.",
            escape(&date(&r.baseline.date))
        );
    } else {
        let _ = write!(
            h,
            "Compared with the exam of {}; comparable with reservations:</p><ul class=\"warn\">{}</ul><p>",
            escape(&date(&r.baseline.date)),
            r.comparability
                .warnings
                .iter()
                .map(|w| format!("<li>{}</li>", escape(w)))
                .collect::<String>()
        );
    }
    h += "</p>\n<h2>Technique</h2>\n<ul>";
    for p in &r.pairs {
        let _ = write!(h, "<li>{}</li>", escape(&technique_text(p)));
    }
    h += "</ul>\n<h2>Findings</h2>\n<ul>";
    let c = &s.counts;
    let count = |id: &str, n: Option<usize>, not_assessed: &str| match n {
        Some(n) => format!("<b id=\"count-{id}\">{n}</b>"),
        None => format!("<span id=\"count-{id}\">{}</span>", escape(not_assessed)),
    };
    let _ = write!(
        h,
        "<li>New T2/FLAIR lesions: {}.</li>",
        count("new", c.new, T2_NOT_ASSESSED)
    );
    let _ = write!(
        h,
        "<li>Enlarging T2/FLAIR lesions: {}{}.</li>",
        count("enlarging", c.enlarging, T2_NOT_ASSESSED),
        if c.enlarging.is_some() {
            format!(" (rule: {})", escape(&r.settings.enlarging_rule))
        } else {
            String::new()
        }
    );
    let _ = write!(
        h,
        "<li>Gadolinium-enhancing lesions: {}.</li>",
        count("enhancing", c.enhancing, CONTRAST_NOT_ASSESSED)
    );
    if c.unexplained > 0 {
        let _ = write!(
            h,
            "<li>Unexplained changes, not yet reviewed: <b id=\"count-unexplained\">{}</b> \
             (significant increase that no lesion explains; listed below).</li>",
            c.unexplained
        );
    }
    h += "</ul>\n<table><tr><th>Lesion</th><th>Status</th><th>Location</th><th>Baseline mm³</th>\
          <th>Follow-up mm³</th><th>Enhancing</th><th>Found by</th><th>Reader</th><th>Note</th></tr>\n";
    for l in &reading.lesions {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{:.0}</td><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            l.id,
            status_word(l),
            other_finding(l),
            l.location.map_or("—", |x| x.name()),
            l.volume_mm3.baseline,
            l.volume_mm3.followup,
            if l.enhancing { "yes" } else { "no" },
            found_by(l),
            l.decision.label(),
            escape(&l.note),
        );
    }
    h += "</table>\n<h2>Impression</h2>\n";
    let _ = writeln!(
        h,
        "<p class=\"impression\" id=\"impression\">{}{}.</p>",
        if s.counts.active() {
            "Radiologically active disease: "
        } else {
            ""
        },
        escape(&impression_detail(s)),
    );
    if !reading.notes.trim().is_empty() {
        let _ = write!(
            h,
            "<h2>Reader's notes</h2>\n<p>{}</p>\n",
            escape(&reading.notes).replace('\n', "<br>")
        );
    }
    if !images.is_empty() {
        let _ = writeln!(
            h,
            "<h2>Key images</h2>\n<p class=\"small\">{KEY_IMAGES_NOTE}</p>"
        );
        for image in images {
            let _ = writeln!(
                h,
                "<figure id=\"key-{}\"><img alt=\"Lesion {} baseline and follow-up\" src=\"data:image/png;base64,{}\">\
                 <figcaption>{}</figcaption></figure>",
                image.lesion_id,
                image.lesion_id,
                STANDARD.encode(&image.png),
                escape(&image.caption)
            );
        }
    }
    let _ = write!(
        h,
        "<h2>Settings</h2>\n<p class=\"small\">{}</p>\n",
        escape(&settings_text(r))
    );
    let closing = escape(&closing_text(reading));
    let _ = write!(
        h,
        "<p class=\"small\">{closing} Written {} by Tandem {}.</p>\n</body></html>\n",
        escape(&reading.saved_at),
        escape(&reading.tandem),
    );
    h
}

/// One compared pair: the series, their grids and the registration.
pub(super) fn technique_text(p: &crate::compare::PairReport) -> String {
    format!(
        "{}: baseline “{}” ({}×{}×{}, {:.2}×{:.2}×{:.2} mm), follow-up “{}” ({}×{}×{}, \
         {:.2}×{:.2}×{:.2} mm); rigid registration {:.1}°, {:.1} mm, correlation {:.3}.",
        p.kind.name(),
        p.baseline.description.as_deref().unwrap_or(""),
        p.baseline.dims[0],
        p.baseline.dims[1],
        p.baseline.dims[2],
        p.baseline.spacing_mm[0],
        p.baseline.spacing_mm[1],
        p.baseline.spacing_mm[2],
        p.followup.description.as_deref().unwrap_or(""),
        p.followup.dims[0],
        p.followup.dims[1],
        p.followup.dims[2],
        p.followup.spacing_mm[0],
        p.followup.spacing_mm[1],
        p.followup.spacing_mm[2],
        p.registration.rotation_deg,
        p.registration.translation_mm,
        p.registration.correlation,
    )
}

/// " (other finding)" for lesions the reader typed as other findings.
pub(super) fn other_finding(l: &ReadLesion) -> &'static str {
    if l.kind == crate::marks::LesionKind::Other {
        " (other finding)"
    } else {
        ""
    }
}

/// Who found a lesion, as the lesion table says it.
pub(super) fn found_by(l: &ReadLesion) -> &'static str {
    match l.source {
        crate::reading::Source::Algorithm => "comparison",
        crate::reading::Source::AlgorithmMarked => "comparison, marked by reader",
        crate::reading::Source::Reader => "reader",
    }
}

/// The detection and registration settings in one sentence.
pub(super) fn settings_text(r: &crate::compare::Report) -> String {
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

/// Who read it (or that nobody did yet).
pub(super) fn closing_text(reading: &ReadingSection) -> String {
    if reading.reader.is_empty() {
        "Computer-generated comparison (tandem compare); not yet reviewed by a reader.".to_owned()
    } else {
        format!(
            "Read by {}. Computer-assisted comparison: every finding was shown to the reader, \
             whose decisions take precedence.",
            reading.reader
        )
    }
}

/// The impression in words, with the counts that make it and what was not assessed
/// ([`crate::counts::Counts::impression`]).
pub fn impression_detail(s: &crate::reading::ReadSummary) -> String {
    s.counts.impression()
}

/// Who the report is about (from the baseline series' headers; empty when absent).
#[derive(Debug, Clone, Default)]
pub struct Patient {
    pub name: String,
    pub id: String,
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
