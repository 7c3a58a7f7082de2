//! The report folder from a real comparison of the bundled sample, with a reader's decisions
//! and marks: the counts in report.html, report.pdf and report.json follow the reader, every
//! new or enlarging lesion has a key image, the NIfTI labels hold the marks, and nothing is
//! replaced silently.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use tandem::compare::{CompareOptions, Comparison, compare_full};
use tandem::lesion::Status;
use tandem::marks::tools::{BrushShape, brush};
use tandem::marks::{LesionKind, Marks};
use tandem::progress::Progress;
use tandem::reading::Decision;
use tandem::report::{Reading, ReportFile, labels::primary_view, write_report_folder};

fn sample_comparison() -> Comparison {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    compare_full(
        &sample.join("baseline"),
        &sample.join("followup"),
        &CompareOptions::default(),
        &Progress::new(),
    )
    .unwrap()
}

/// Marks for the sample: lesion 3 accepted from the comparison, one lesion (id 50) drawn by
/// the reader at follow-up only, far from any other.
fn reader_marks(comparison: &Comparison) -> (Marks, usize) {
    let view = primary_view(&comparison.views).unwrap();
    let report = &comparison.report;
    let mut marks = Marks::new(
        *view.baseline.geometry(),
        view.baseline.dims(),
        &[
            report.baseline.study_uid.clone(),
            report.followup.study_uid.clone(),
        ],
    );
    let three = report.lesions.iter().find(|l| l.id == 3).unwrap();
    marks.accept_candidate(
        3,
        LesionKind::T2Flair,
        &[
            Some((&view.baseline_lesions, &three.baseline_labels)),
            Some((&view.followup_lesions, &three.followup_labels)),
        ],
    );
    let dims = view.baseline.dims();
    let centre = [
        dims[0] as f64 * 0.5,
        dims[1] as f64 * 0.3,
        dims[2] as f64 * 0.5,
    ];
    let ball = brush(
        dims,
        view.baseline.geometry().spacing,
        centre,
        3.0,
        BrushShape::Sphere,
    );
    marks.paint(1, &ball, 50, true);
    (marks, ball.len())
}

fn inflate(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

#[test]
fn the_report_folder_follows_the_reader() {
    let comparison = sample_comparison();
    let report = &comparison.report;
    // The sample's truth: lesions 3 and 6 new and enhancing, 2 enlarging.
    let status = |id: u32| report.lesions.iter().find(|l| l.id == id).unwrap().status;
    assert_eq!(
        (status(2), status(3), status(6)),
        (Status::Enlarging, Status::New, Status::New)
    );
    let (marks, ball) = reader_marks(&comparison);
    let decisions = BTreeMap::from([(6, Decision::Rejected), (2, Decision::Confirmed)]);
    let reading = Reading {
        report,
        views: &comparison.views,
        decisions: &decisions,
        marks: Some(&marks),
        reader: "Dr Test Reader",
        notes: "Compared <carefully>.",
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let written = write_report_folder(&out, &reading, false).unwrap();
    assert!(written.warnings.is_empty(), "{:?}", written.warnings);

    // report.json: the comparison's schema plus the reading.
    let file: ReportFile =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let summary = file.reading.summary;
    // New: 3 (marked) + 50 (drawn); 6 rejected. Enlarging: 2. Enhancing: only 3's focus.
    assert_eq!(
        (summary.new, summary.enlarging, summary.enhancing),
        (2, 1, 1)
    );
    assert!(summary.active);
    assert_eq!((summary.reader_added, summary.rejected), (1, 1));
    assert_eq!(
        file.comparison.summary.new, 2,
        "the algorithm's own counts are kept"
    );
    assert_eq!(file.reading.reader, "Dr Test Reader");
    let drawn = file.reading.lesions.iter().find(|l| l.id == 50).unwrap();
    let voxel = view_voxel_mm3(&comparison);
    assert!((drawn.volume_mm3.followup - ball as f64 * voxel).abs() < 1e-6);
    assert_eq!(drawn.status, Status::New);

    // report.html: counts, impression, notes escaped, one embedded key image per counted new or
    // enlarging lesion (2, 3 and 50), each also a PNG file.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for needle in [
        "id=\"count-new\">2<",
        "id=\"count-enlarging\">1<",
        "id=\"count-enhancing\">1<",
        "Radiologically active disease: 2 new T2/FLAIR lesions, 1 enlarging lesion, 1 enhancing lesion",
        "Compared &lt;carefully&gt;.",
        "Read by Dr Test Reader",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 3);
    for id in [2, 3, 50] {
        assert!(
            html.contains(&format!("id=\"key-{id}\"")),
            "no key image for lesion {id}"
        );
        let png = image::open(out.join(format!("key-images/lesion-{id:03}.png"))).unwrap();
        assert_eq!((png.width(), png.height()), (518, 256));
    }
    assert!(
        !out.join("key-images/lesion-006.png").exists(),
        "rejected: no key image"
    );

    // report.pdf, read by poppler: the same counts, impression, notes (unescaped) and reader,
    // the three key images, A4 pages.
    let pdf = out.join("report.pdf");
    assert!(written.files.contains(&pdf));
    let text = common::checkers::pdf_text(&pdf);
    for needle in [
        "New T2/FLAIR lesions: 2.",
        "Enlarging T2/FLAIR lesions: 1 (rule:",
        "Gadolinium-enhancing lesions: 1.",
        "Radiologically active disease: 2 new T2/FLAIR lesions, 1 enlarging lesion, 1 enhancing lesion.",
        "Compared <carefully>.",
        "Read by Dr Test Reader.",
        "Lesion 50: new",
        "Baseline mm³",
    ] {
        assert!(text.contains(needle), "report.pdf lacks {needle}:\n{text}");
    }
    let info = common::checkers::pdf_info(&pdf);
    assert_eq!(info["Page size"], "595.28 x 841.89 pts (A4)", "{info:?}");
    let pages: usize = info["Pages"].parse().unwrap();
    assert!((1..=3).contains(&pages), "{pages} pages");
    assert_eq!(common::checkers::pdf_images(&pdf).len(), 3);

    // NIfTI: the follow-up labels hold the drawn lesion with its exact voxel count, and no
    // voxel of the rejected lesion.
    let nii = inflate(&out.join("lesions-followup.nii.gz"));
    assert_eq!(&nii[344..348], b"n+1\0");
    let labels: Vec<u16> = nii[352..]
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert_eq!(labels.iter().filter(|l| **l == 50).count(), ball);
    assert_eq!(labels.iter().filter(|l| **l == 6).count(), 0);
    assert!(labels.iter().filter(|l| **l == 3).count() > 0);

    // The DICOM SEG: the counted lesions at follow-up, valid for dciodvfy, read by highdicom.
    let seg = out.join("lesions-seg.dcm");
    common::checkers::assert_no_dciodvfy_errors(&seg);
    let read = common::checkers::highdicom(&[seg.as_path()]);
    let labels: Vec<&str> = read[0]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"Lesion 50") && labels.contains(&"Lesion 3"),
        "{labels:?}"
    );
    assert!(
        !labels.contains(&"Lesion 6"),
        "rejected lesions are not exported: {labels:?}"
    );

    // Never replaced silently: a second write is refused and leaves the files as they were.
    let before = std::fs::read(out.join("report.json")).unwrap();
    let refused = write_report_folder(&out, &reading, false).unwrap_err();
    assert!(refused.to_string().contains("already exists"), "{refused}");
    assert_eq!(std::fs::read(out.join("report.json")).unwrap(), before);
    assert!(write_report_folder(&out, &reading, true).is_ok());
}

fn view_voxel_mm3(comparison: &Comparison) -> f64 {
    primary_view(&comparison.views)
        .unwrap()
        .baseline
        .geometry()
        .spacing
        .iter()
        .product()
}
