//! The `tandem info` report: what a scan found, as text for people and JSON for scripts,
//! optionally with every series decoded to prove it loads.

use std::fmt::Write as _;
use std::time::Instant;

use serde::Serialize;

use crate::dicom::{FileProblem, Scan, Series, load_series};
use crate::pipeline::geometry::{Mat3, Vec3};
use crate::progress::Progress;

/// The whole report.
#[derive(Debug, Serialize)]
pub struct InfoReport {
    pub tandem: String,
    pub files_seen: usize,
    pub patients: Vec<PatientInfo>,
    pub problems: Vec<FileProblem>,
}

#[derive(Debug, Serialize)]
pub struct PatientInfo {
    pub id: Option<String>,
    pub name: Option<String>,
    pub studies: Vec<StudyInfo>,
}

#[derive(Debug, Serialize)]
pub struct StudyInfo {
    pub study_uid: String,
    pub date: Option<String>,
    pub time: Option<String>,
    pub description: Option<String>,
    pub series: Vec<SeriesInfo>,
}

/// One series, flattened for printing.
#[derive(Debug, Serialize)]
pub struct SeriesInfo {
    /// The Series Instance UID (`#n` appended when the series was split).
    pub series_uid: String,
    pub number: Option<i64>,
    pub modality: Option<String>,
    pub description: Option<String>,
    pub date: Option<String>,
    pub time: Option<String>,
    /// `[columns, rows, slices]`.
    pub dims: Option<[usize; 3]>,
    pub spacing_mm: Option<Vec3>,
    /// Patient LPS position of the first voxel.
    pub origin_mm: Option<Vec3>,
    /// Row-major; column k is index axis k's unit vector in patient LPS (as ITK).
    pub direction: Option<Mat3>,
    pub transfer_syntax: String,
    pub files: usize,
    pub frames: usize,
    pub frame_of_reference_uid: Option<String>,
    pub contrast_agent: Option<String>,
    pub field_strength_t: Option<f64>,
    pub slice_thickness_mm: Option<f64>,
    pub loadable: bool,
    pub problems: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_seconds: Option<f64>,
}

impl InfoReport {
    /// Builds the report; with `load`, decodes every loadable series.
    pub fn new(scan: &Scan, load: bool) -> Self {
        let patients = scan
            .patients
            .iter()
            .map(|p| PatientInfo {
                id: p.id.clone(),
                name: p.name.clone(),
                studies: p
                    .studies
                    .iter()
                    .map(|s| StudyInfo {
                        study_uid: s.uid.clone(),
                        date: s.date.clone(),
                        time: s.time.clone(),
                        description: s.description.clone(),
                        series: s.series.iter().map(|x| series_info(x, load)).collect(),
                    })
                    .collect(),
            })
            .collect();
        Self {
            tandem: crate::build_info::describe(),
            files_seen: scan.files_seen,
            patients,
            problems: scan.problems.clone(),
        }
    }

    /// Number of series that can be (or were) loaded.
    pub fn loadable_series(&self) -> usize {
        self.patients
            .iter()
            .flat_map(|p| &p.studies)
            .flat_map(|s| &s.series)
            .filter(|s| s.loadable)
            .count()
    }

    /// The report as text for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "tandem {} — {} file(s) read",
            self.tandem, self.files_seen
        );
        for patient in &self.patients {
            let _ = writeln!(
                out,
                "\nPatient {} ({})",
                patient.name.as_deref().unwrap_or("(no name)"),
                patient.id.as_deref().unwrap_or("no ID")
            );
            for study in &patient.studies {
                let _ = writeln!(
                    out,
                    "  Study {} {} — {}",
                    study
                        .date
                        .as_deref()
                        .map_or("(no date)".into(), pretty_date),
                    study.description.as_deref().unwrap_or(""),
                    study.study_uid
                );
                for series in &study.series {
                    write_series(&mut out, series);
                }
            }
        }
        if !self.problems.is_empty() {
            let _ = writeln!(out, "\nProblems ({}):", self.problems.len());
            for p in &self.problems {
                let _ = writeln!(out, "  {}: {}", p.path.display(), p.problem);
            }
        }
        out
    }
}

fn write_series(out: &mut String, s: &SeriesInfo) {
    let _ = writeln!(
        out,
        "    Series {} {} [{}] — {}",
        s.number.map_or("?".into(), |n| n.to_string()),
        s.description.as_deref().unwrap_or("(no description)"),
        s.modality.as_deref().unwrap_or("?"),
        s.series_uid
    );
    if let (Some(d), Some(sp), Some(o)) = (s.dims, s.spacing_mm, s.origin_mm) {
        let _ = writeln!(
            out,
            "      {}×{}×{} voxels, spacing {:.3}×{:.3}×{:.3} mm, origin ({:.2}, {:.2}, {:.2}) mm",
            d[0], d[1], d[2], sp[0], sp[1], sp[2], o[0], o[1], o[2]
        );
    }
    if let Some(m) = s.direction {
        let _ = writeln!(
            out,
            "      direction [{:.4} {:.4} {:.4}; {:.4} {:.4} {:.4}; {:.4} {:.4} {:.4}]",
            m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2], m[2][0], m[2][1], m[2][2]
        );
    }
    let _ = writeln!(
        out,
        "      {} file(s), {} frame(s), {}{}{}{}",
        s.files,
        s.frames,
        syntax_name(&s.transfer_syntax),
        s.field_strength_t
            .map_or(String::new(), |t| format!(", {t} T")),
        s.slice_thickness_mm
            .map_or(String::new(), |t| format!(", slice thickness {t} mm")),
        s.contrast_agent
            .as_deref()
            .map_or(String::new(), |c| format!(", contrast: {c}")),
    );
    if let (Some(min), Some(max), Some(mean), Some(secs)) = (s.min, s.max, s.mean, s.load_seconds) {
        let _ = writeln!(
            out,
            "      loaded in {:.3} s: values {min} .. {max}, mean {mean:.2}",
            secs
        );
    }
    for p in &s.problems {
        let _ = writeln!(out, "      ! {p}");
    }
}

fn series_info(series: &Series, load: bool) -> SeriesInfo {
    let stack = series.stack.as_ref().ok();
    let mut problems = series.warnings.clone();
    if let Err(e) = &series.stack {
        problems.insert(0, e.to_string());
    }
    let facts = &series.facts;
    let mut info = SeriesInfo {
        series_uid: series.id.clone(),
        number: facts.series_number,
        modality: facts.modality.clone(),
        description: facts.series_description.clone(),
        date: facts
            .series_date
            .clone()
            .or_else(|| facts.study_date.clone()),
        time: facts.series_time.clone(),
        dims: stack.map(|s| s.dims),
        spacing_mm: stack.map(|s| s.geometry.spacing),
        origin_mm: stack.map(|s| s.geometry.origin),
        direction: stack.map(|s| s.geometry.direction),
        transfer_syntax: series.transfer_syntaxes.join(" + "),
        files: series.files.len(),
        frames: series.frame_count(),
        frame_of_reference_uid: facts.frame_of_reference_uid.clone(),
        contrast_agent: facts.contrast_agent.clone(),
        field_strength_t: facts.field_strength_t,
        slice_thickness_mm: facts.slice_thickness_mm,
        loadable: stack.is_some(),
        problems,
        min: None,
        max: None,
        mean: None,
        load_seconds: None,
    };
    if load && stack.is_some() {
        let start = Instant::now();
        match load_series(series, &Progress::new()) {
            Ok(volume) => {
                let stats = volume.stats();
                info.min = Some(stats.min);
                info.max = Some(stats.max);
                info.mean = Some(stats.mean);
                info.load_seconds = Some(start.elapsed().as_secs_f64());
            }
            Err(e) => {
                info.loadable = false;
                info.problems.insert(0, format!("load failed: {e}"));
            }
        }
    }
    info
}

/// A DICOM date (`20250310`) as people write it (`2025-03-10`); anything else unchanged.
pub fn pretty_date(date: &str) -> String {
    match (date.get(0..4), date.get(4..6), date.get(6..8)) {
        (Some(y), Some(m), Some(d)) if date.len() == 8 => format!("{y}-{m}-{d}"),
        _ => date.to_owned(),
    }
}

/// A readable name for a transfer syntax UID.
pub fn syntax_name(uid: &str) -> String {
    let name = match uid {
        "1.2.840.10008.1.2" => "implicit VR little endian",
        "1.2.840.10008.1.2.1" => "explicit VR little endian",
        "1.2.840.10008.1.2.2" => "explicit VR big endian",
        "1.2.840.10008.1.2.1.99" => "deflated explicit VR little endian",
        "1.2.840.10008.1.2.5" => "RLE lossless",
        "1.2.840.10008.1.2.4.50" => "JPEG baseline",
        "1.2.840.10008.1.2.4.51" => "JPEG extended (12-bit)",
        "1.2.840.10008.1.2.4.57" => "JPEG lossless",
        "1.2.840.10008.1.2.4.70" => "JPEG lossless SV1",
        "1.2.840.10008.1.2.4.80" => "JPEG-LS lossless",
        "1.2.840.10008.1.2.4.81" => "JPEG-LS near-lossless",
        "1.2.840.10008.1.2.4.90" => "JPEG 2000 lossless",
        "1.2.840.10008.1.2.4.91" => "JPEG 2000",
        other => return other.to_owned(),
    };
    name.to_owned()
}
