//! The report folder a clinic can file: `report.json` (the comparison's schema plus the
//! reading), `report.html` (self-contained, printable), `report.pdf` (the same on A4 pages),
//! `key-images/*.png`, the lesion marks as NIfTI (`lesions-baseline.nii.gz`,
//! `lesions-followup.nii.gz`) and as a DICOM Segmentation object (`lesions-seg.dcm`: the
//! lesions at follow-up, registered onto the baseline grid, referencing the baseline series).
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | writing the folder |
//! | `report_file.rs` | `ReportFile` (report.json) and `Reading`, what a report is made from |
//! | `labels.rs` | the final lesion label volumes (marks where marked, the comparison elsewhere) |
//! | `key_images.rs` | side-by-side key images with outlines |
//! | `document.rs` | `Document`: the report as sections of paragraphs, lists, tables and images |
//! | `content.rs` | what the report says: the `Document` built once from the report, all its words |
//! | `html.rs` | report.html: the `Document` rendered as one self-contained page |
//! | `pdf.rs` | report.pdf: the same `Document` on A4 pages |
//! | `pdf_layout.rs` | text wrapping and page flow (paragraphs, tables, image rows) for the PDF |
//! | `pdf_draw.rs` | the laid-out pages drawn with krilla |
//! | `pdf_error.rs` | `PdfError`: why report.pdf could not be made |
//! | `nifti.rs` | NIfTI-1 label maps, written and read (the `nifti` crate; the grid is ours) |
//!
//! Nothing is replaced silently: if the folder already holds a report, writing stops with
//! [`Error::Exists`] unless the caller says to replace it. Every file is written atomically.
//! The optional parts (key images, SEG, PDF) become warnings when they cannot be made.

pub mod content;
pub mod document;
pub mod html;
pub mod key_images;
pub mod labels;
pub mod nifti;
pub mod pdf;
mod pdf_draw;
mod pdf_error;
mod pdf_layout;
mod report_file;

pub use pdf_error::PdfError;

use std::path::{Path, PathBuf};

use crate::compare::{PairView, SequenceKind};
use crate::display::{Window, WindowPreset, pair_windows};
use crate::error::{Error, Result};
use crate::ids::ExamId;
use crate::reading::{Reading, Source};

pub use content::{KeyImage, Patient, impression_detail};
pub use html::escape;
pub use report_file::{MarksSummary, ReadingSection, ReportFile};

/// What writing the folder did.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub files: Vec<PathBuf>,
    /// Parts that could not be made (the rest was written).
    pub warnings: Vec<String>,
}

/// Names of the files a report folder holds; any of them present means "a report is here".
pub const REPORT_FILES: [&str; 6] = [
    "report.json",
    "report.html",
    "report.pdf",
    "lesions-seg.dcm",
    "lesions-baseline.nii.gz",
    "lesions-followup.nii.gz",
];

/// Whether `dir` already holds a report.
pub fn report_exists(dir: &Path) -> bool {
    REPORT_FILES.iter().any(|f| dir.join(f).exists())
}

/// The window preset the viewer opens a pair in: key images written without the reader's own
/// windows use it, so they match what the screen first showed. Tissue-anchored, so both exams
/// look alike whatever their scanners' scaling: FLAIR's for FLAIR and T2, the brain's range
/// for T1.
pub fn opening_preset(kind: SequenceKind) -> WindowPreset {
    match kind {
        SequenceKind::Flair | SequenceKind::T2 => WindowPreset::Flair,
        _ => WindowPreset::Brain,
    }
}

/// Writes the report folder of `reading`. Key images show the primary view in `windows` (the
/// reader's, baseline first; `None`: [`opening_preset`]'s). Refuses (before writing anything)
/// when `dir` already holds a report and `replace` is false.
pub fn write_report_folder(
    dir: &Path,
    reading: &Reading,
    windows: Option<[Window; 2]>,
    replace: bool,
) -> Result<Written> {
    if !replace && report_exists(dir) {
        return Err(Error::Exists {
            path: dir.join("report.json"),
        });
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Written::default();
    let file = ReportFile::of(reading);
    let json = serde_json::to_string_pretty(&file).map_err(|e| Error::Format {
        path: dir.join("report.json"),
        problem: format!("could not be written as JSON: {e}"),
    })?;
    let path = dir.join("report.json");
    crate::fsutil::write_atomic(&path, json.as_bytes())?;
    written.files.push(path);

    let view = reading.marks_view();
    let finals = view.map(|v| {
        [ExamId::BASELINE, ExamId::FOLLOWUP].map(|exam| {
            labels::final_labels(
                reading.report(),
                &file.reading.lesions,
                v,
                Some(&reading.marks),
                exam,
            )
        })
    });
    let mut images = Vec::new();
    if let (Some(view), Some(finals)) = (view, &finals) {
        let windows = windows.unwrap_or_else(|| pair_windows(view, opening_preset(view.kind)));
        let shown = file
            .reading
            .lesions
            .iter()
            .filter(|l| l.counted() && l.flagged());
        let image_dir = dir.join("key-images");
        for lesion in shown {
            let Some(image) =
                key_images::key_image(view, [&finals[0], &finals[1]], windows, lesion)
            else {
                written.warnings.push(format!(
                    "lesion {}: no key image (centre off the grid)",
                    lesion.id
                ));
                continue;
            };
            let Some(png) = key_images::png_bytes(&image) else {
                written.warnings.push(format!(
                    "lesion {}: key image could not be encoded",
                    lesion.id
                ));
                continue;
            };
            std::fs::create_dir_all(&image_dir).map_err(|e| Error::io(&image_dir, e))?;
            let path = image_dir.join(format!("lesion-{:03}.png", lesion.id));
            crate::fsutil::write_atomic(&path, &png)?;
            written.files.push(path);
            images.push(KeyImage {
                lesion_id: lesion.id,
                caption: content::caption(lesion),
                png,
            });
        }
        match write_seg(
            &dir.join("lesions-seg.dcm"),
            reading,
            &file,
            view,
            &finals[1],
        ) {
            Ok(path) => written.files.push(path),
            Err(e) => written.warnings.push(format!("no DICOM SEG: {e}")),
        }
        for (exam, name) in [
            (0, "lesions-baseline.nii.gz"),
            (1, "lesions-followup.nii.gz"),
        ] {
            let path = dir.join(name);
            let what = if exam == 0 {
                "baseline"
            } else {
                "follow-up, registered to baseline"
            };
            if let Some(labels) = finals.get(exam) {
                nifti::write_nifti_gz(&path, labels, &format!("Tandem lesions, {what}"))?;
                written.files.push(path);
            }
        }
    } else {
        written
            .warnings
            .push("no images: key images and label exports were not made".into());
    }
    let patient = view
        .map(|v| Patient {
            name: v
                .baseline_series
                .facts
                .patient_name
                .clone()
                .unwrap_or_default(),
            id: v
                .baseline_series
                .facts
                .patient_id
                .clone()
                .unwrap_or_default(),
        })
        .unwrap_or_default();
    let document = content::report_document(&file, &patient, &images);
    let page = html::render(&document);
    let path = dir.join("report.html");
    crate::fsutil::write_atomic(&path, page.as_bytes())?;
    written.files.push(path);
    let path = dir.join("report.pdf");
    let pdf = match pdf::render(&document) {
        Ok(bytes) => crate::fsutil::write_atomic(&path, &bytes).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match pdf {
        Ok(()) => written.files.push(path),
        Err(e) => {
            // A replaced report must not keep the previous report's PDF.
            let _ = std::fs::remove_file(&path);
            written.warnings.push(format!("no report.pdf: {e}"));
        }
    }
    Ok(written)
}

/// The lesions at follow-up (registered onto the baseline grid) as a DICOM Segmentation that
/// references the baseline series, one segment per counted (not rejected) lesion with voxels:
/// the comparison's own lesions as AUTOMATIC segments, the reader's as MANUAL or
/// SEMIAUTOMATIC ones (see [`segment_algorithm`]).
fn write_seg(
    path: &Path,
    reading: &Reading,
    file: &ReportFile,
    view: &PairView,
    followup: &crate::pipeline::image::Image<u16>,
) -> Result<PathBuf> {
    use crate::dicom::export::seg::{SegOptions, SegmentKind, SegmentSpec, write_segmentation};
    use crate::marks::LesionKind;
    let mut present = std::collections::BTreeSet::new();
    for v in followup.voxels() {
        if *v != 0 {
            present.insert(*v);
        }
    }
    let segments: Vec<SegmentSpec> = file
        .reading
        .lesions
        .iter()
        .filter(|l| l.counted() && present.contains(&l.id.label()))
        .map(|l| SegmentSpec {
            number_in_labels: l.id.label(),
            label: format!("Lesion {}", l.id),
            kind: match l.kind {
                // Not yet called a lesion: a finding for the next reader to look at.
                LesionKind::T2Flair if l.status == crate::pipeline::lesion::Status::Unexplained => {
                    SegmentKind::OtherFinding
                }
                LesionKind::T2Flair if l.enhancing => SegmentKind::EnhancingLesion,
                LesionKind::T2Flair => SegmentKind::T2Lesion,
                LesionKind::Enhancing => SegmentKind::EnhancingLesion,
                LesionKind::Other => SegmentKind::OtherFinding,
            },
            algorithm: segment_algorithm(l.source),
            description: Some(content::caption(l)),
        })
        .collect();
    if segments.is_empty() {
        return Err(Error::Limits {
            subject: path.display().to_string(),
            problem: "no counted lesion has voxels at follow-up".into(),
        });
    }
    let now = crate::clock::Utc::now();
    let followup_date = reading.report().followup.date.clone().unwrap_or_default();
    let options = SegOptions {
        series_number: 9901,
        series_description: format!("Tandem MS lesions at follow-up {followup_date} (registered)"),
        content_label: "MS_LESIONS".into(),
        creator: (!reading.reader.is_empty()).then(|| reading.reader.clone()),
        timestamp: format!("{}{}", now.dicom_date(), now.dicom_time()),
    };
    write_segmentation(
        path,
        followup.voxels(),
        &view.baseline_series,
        &segments,
        &options,
    )?;
    Ok(path.to_path_buf())
}

/// Who made a lesion's outline, as the SEG says it. The marks do not record which tool drew
/// them, so this goes by where the outline started: the comparison's own (unmarked) lesions are
/// AUTOMATIC; a comparison lesion the reader marked started from (or was checked against) the
/// comparison's outline, SEMIAUTOMATIC; a lesion the reader added is MANUAL, even when region
/// growing or a threshold box helped draw it.
fn segment_algorithm(source: Source) -> crate::dicom::export::SegmentAlgorithm {
    use crate::dicom::export::SegmentAlgorithm;
    match source {
        Source::Algorithm => SegmentAlgorithm::Automatic,
        Source::AlgorithmMarked => SegmentAlgorithm::SemiAutomatic,
        Source::Reader => SegmentAlgorithm::Manual,
    }
}
