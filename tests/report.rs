//! The report folder from a real comparison of the bundled sample, with a reader's decisions
//! and marks: the counts in report.html, report.pdf and report.json follow the reader, every
//! new or enlarging lesion has a key image outlined at both exams, the NIfTI labels hold the
//! marks, the SEG says who made each lesion, and nothing is replaced silently. With only the
//! post-contrast pair compared, new and enlarging T2 lesions are "not assessed" everywhere.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use tandem::compare::{Comparison, compare_full};
use tandem::counts::plural;
use tandem::ids::LesionId;
use tandem::marks::tools::{BrushShape, brush};
use tandem::marks::{LesionKind, Marks};
use tandem::pipeline::lesion::Status;
use tandem::progress::Progress;
use tandem::reading::Decision;
use tandem::reading::Reading;
use tandem::report::{ReportFile, labels::primary_view, write_report_folder};

fn sample_comparison() -> Comparison {
    common::sample_comparison()
}

/// Marks for the sample: lesion `accepted` accepted from the comparison, one lesion (id 50)
/// drawn by the reader at follow-up only.
fn reader_marks(comparison: &Comparison, accepted: LesionId) -> (Marks, usize) {
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
    let lesion = report.lesions.iter().find(|l| l.id == accepted).unwrap();
    marks.accept_candidate(
        accepted,
        LesionKind::T2Flair,
        &[
            Some((&view.baseline_lesions, &lesion.baseline_labels)),
            Some((&view.followup_lesions, &lesion.followup_labels)),
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
    marks.paint(tandem::ids::ExamId::FOLLOWUP, &ball, 50, true);
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
    // The sample's truth: two new lesions, both enhancing, and one enlarging. The reader
    // accepts the first new one, rejects the other, confirms the enlarging one and draws one.
    let with = |status: Status| -> Vec<LesionId> {
        let of = report.lesions.iter().filter(|l| l.status == status);
        of.map(|l| l.id).collect()
    };
    let (new, enlarging) = (with(Status::New), with(Status::Enlarging));
    assert!(
        new.len() >= 2 && !enlarging.is_empty(),
        "{:#?}",
        report.lesions
    );
    let (accepted, rejected, enlarging) = (new[0], new[new.len() - 1], enlarging[0]);
    let (marks, ball) = reader_marks(&comparison, accepted);
    let decisions = BTreeMap::from([
        (rejected, Decision::Rejected),
        (enlarging, Decision::Confirmed),
    ]);
    // Counted: every new lesion but the rejected one, plus the drawn one; enhancement: every
    // focus but the rejected lesion's.
    let (want_new, want_enlarging) = (new.len(), with(Status::Enlarging).len());
    let foci = &report.enhancement;
    let want_enhancing = foci
        .iter()
        .filter(|f| f.lesion_id != Some(rejected))
        .count();
    let mut reading = Reading::new(comparison.clone(), Default::default(), &[]);
    reading.decisions = decisions.clone();
    reading.marks = marks.clone();
    reading.reader = "Dr Test Reader".into();
    reading.notes = "Compared <carefully>.".into();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let written = write_report_folder(&out, &reading, None, false).unwrap();
    assert!(written.warnings.is_empty(), "{:?}", written.warnings);

    // report.json: the comparison's schema plus the reading.
    let file: ReportFile =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let summary = file.reading.summary;
    let c = summary.counts;
    assert_eq!(
        (c.new, c.enlarging, c.enhancing),
        (Some(want_new), Some(want_enlarging), Some(want_enhancing))
    );
    assert!(summary.active);
    assert_eq!((summary.reader_added, summary.rejected), (1, 1));
    assert_eq!(
        file.comparison.summary.counts.new,
        Some(new.len()),
        "the algorithm's own counts are kept"
    );
    assert_eq!(file.reading.reader, "Dr Test Reader");
    let drawn = file
        .reading
        .lesions
        .iter()
        .find(|l| l.id.label() == 50)
        .unwrap();
    let voxel = view_voxel_mm3(&comparison);
    assert!((drawn.volume_mm3.followup - ball as f64 * voxel).abs() < 1e-6);
    assert_eq!(drawn.status, Status::New);

    // report.html: counts, impression, notes escaped, one embedded key image per counted new or
    // enlarging lesion (2, 3 and 50), each also a PNG file.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let impression = format!(
        "Radiologically active disease: {}, {}, {}",
        plural(want_new, "new T2/FLAIR lesion"),
        plural(want_enlarging, "enlarging lesion"),
        plural(want_enhancing, "enhancing lesion")
    );
    for needle in [
        &format!("id=\"count-new\">{want_new}<"),
        &format!("id=\"count-enlarging\">{want_enlarging}<"),
        &format!("id=\"count-enhancing\">{want_enhancing}<"),
        &impression,
        "Compared &lt;carefully&gt;.",
        "Read by Dr Test Reader",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    let shown: Vec<LesionId> = file
        .reading
        .lesions
        .iter()
        .filter(|l| l.counted() && (l.status.is_activity() || l.enhancing))
        .map(|l| l.id)
        .collect();
    let drawn_id = LesionId::from_label(50).unwrap();
    assert!(
        [enlarging, accepted, drawn_id]
            .iter()
            .all(|id| shown.contains(id))
    );
    assert!(!shown.contains(&rejected));
    let key = |id: LesionId| out.join(format!("key-images/lesion-{id:03}.png"));
    assert_eq!(
        html.matches("src=\"data:image/png;base64,").count(),
        shown.len()
    );
    for id in &shown {
        assert!(
            html.contains(&format!("id=\"key-{id}\"")),
            "no key image for lesion {id}"
        );
        let png = image::open(key(*id)).unwrap();
        assert_eq!((png.width(), png.height()), (518, 256));
    }
    // Outlined at both exams: the enlarging lesion as each exam has it, a new one dashed at
    // baseline where it appears.
    assert_eq!(outlined_panels(&key(enlarging)), [true, true]);
    assert_eq!(outlined_panels(&key(accepted)), [true, true]);
    assert!(!key(rejected).exists(), "rejected: no key image");

    // report.pdf, read by poppler: the same counts, impression, notes (unescaped) and reader,
    // the three key images, A4 pages.
    let pdf = out.join("report.pdf");
    assert!(written.files.contains(&pdf));
    let text = common::checkers::pdf_text(&pdf);
    for needle in [
        &format!("New T2/FLAIR lesions: {want_new}."),
        &format!("Enlarging T2/FLAIR lesions: {want_enlarging} (rule:"),
        &format!("Gadolinium-enhancing lesions: {want_enhancing}."),
        &format!("{impression}."),
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
    assert_eq!(common::checkers::pdf_images(&pdf).len(), shown.len());

    // NIfTI: the follow-up labels hold the drawn lesion with its exact voxel count, and no
    // voxel of the rejected lesion.
    let nii = inflate(&out.join("lesions-followup.nii.gz"));
    assert_eq!(&nii[344..348], b"n+1\0");
    let labels: Vec<u16> = nii[352..]
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert_eq!(labels.iter().filter(|l| **l == 50).count(), ball);
    let voxels_of = |id: LesionId| labels.iter().filter(|l| **l == id.label()).count();
    assert_eq!(voxels_of(rejected), 0);
    assert!(voxels_of(accepted) > 0);

    // The DICOM SEG: the counted lesions at follow-up, valid for dciodvfy, read by highdicom.
    let seg = out.join("lesions-seg.dcm");
    common::checkers::assert_no_dciodvfy_errors(&seg);
    let read = common::checkers::highdicom(&[seg.as_path()]);
    let segments = read[0]["segments"].as_array().unwrap();
    let labels: Vec<&str> = segments
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    // Who made each: the comparison alone, the reader from its outline, the reader alone.
    let made_by = |label: &str| {
        let segment = segments.iter().find(|s| s["label"] == label).unwrap();
        segment["algorithm_type"].as_str().unwrap().to_owned()
    };
    assert_eq!(made_by(&format!("Lesion {enlarging}")), "AUTOMATIC");
    assert_eq!(made_by(&format!("Lesion {accepted}")), "SEMIAUTOMATIC");
    assert_eq!(made_by("Lesion 50"), "MANUAL");
    assert!(
        !labels.contains(&format!("Lesion {rejected}").as_str()),
        "rejected lesions are not exported: {labels:?}"
    );

    // Never replaced silently: a second write is refused and leaves the files as they were.
    let before = std::fs::read(out.join("report.json")).unwrap();
    let refused = write_report_folder(&out, &reading, None, false).unwrap_err();
    assert!(refused.to_string().contains("already exists"), "{refused}");
    assert_eq!(std::fs::read(out.join("report.json")).unwrap(), before);
    assert!(write_report_folder(&out, &reading, None, true).is_ok());
}

/// Whether each panel of a key image (baseline, follow-up) has outline-coloured pixels.
fn outlined_panels(path: &Path) -> [bool; 2] {
    let image = image::open(path).unwrap().to_rgb8();
    let mut found = [false; 2];
    for (x, _, pixel) in image.enumerate_pixels() {
        if *pixel == tandem::report::key_images::OUTLINE {
            found[usize::from(x >= image.width() / 2)] = true;
        }
    }
    found
}

#[test]
fn a_post_contrast_pair_alone_is_reported_as_such() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let comparison = compare_full(
        &sample.join("baseline"),
        &sample.join("followup"),
        &common::t1_post_only(&sample),
        &Progress::new(),
    )
    .unwrap();
    let reading = Reading::new(comparison.clone(), Default::default(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let written = write_report_folder(&out, &reading, None, false).unwrap();
    assert!(written.warnings.is_empty(), "{:?}", written.warnings);

    // report.json: not assessed is null in both summaries; every lesion enhancing and located.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    for summary in [&json["summary"], &json["reading"]["summary"]] {
        assert!(
            summary["new"].is_null() && summary["enlarging"].is_null(),
            "{summary}"
        );
        assert_eq!(summary["t2_compared"], false);
        assert!(summary["enhancing"].as_u64().unwrap() >= 1, "{summary}");
    }
    let file: ReportFile = serde_json::from_value(json).unwrap();
    let enhancing = file.reading.summary.counts.enhancing.unwrap();
    assert_eq!(file.reading.lesions.len(), enhancing);
    for lesion in &file.reading.lesions {
        assert!(lesion.enhancing && lesion.kind == LesionKind::Enhancing);
        assert!(
            lesion.location.is_some(),
            "lesion {} has no location",
            lesion.id
        );
    }

    // report.html and report.pdf say "not assessed", never a number, and the impression says
    // what it rests on.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for needle in [
        "New T2/FLAIR lesions: <span id=\"count-new\">not assessed (no T2/FLAIR series compared)</span>.",
        "Enlarging T2/FLAIR lesions: <span id=\"count-enlarging\">not assessed (no T2/FLAIR series compared)</span>.",
        &format!("id=\"count-enhancing\">{enhancing}<"),
        "new and enlarging T2/FLAIR lesions not assessed (no T2/FLAIR series compared)",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    let text = common::checkers::pdf_text(&out.join("report.pdf"));
    for needle in [
        "New T2/FLAIR lesions: not assessed (no T2/FLAIR series compared).",
        &format!("Gadolinium-enhancing lesions: {enhancing}."),
        "not assessed",
    ] {
        assert!(text.contains(needle), "report.pdf lacks {needle}:\n{text}");
    }
    assert!(!text.contains("New T2/FLAIR lesions: 0") && !text.contains("inactive"));

    // Key images: each lesion outlined at follow-up, and where it appears at baseline.
    for lesion in &file.reading.lesions {
        let path = out.join(format!("key-images/lesion-{:03}.png", lesion.id));
        assert_eq!(outlined_panels(&path), [true, true], "lesion {}", lesion.id);
    }

    // The SEG holds the comparison's lesions, as AUTOMATIC segments made by Tandem.
    let seg = out.join("lesions-seg.dcm");
    common::checkers::assert_no_dciodvfy_errors(&seg);
    let read = common::checkers::highdicom(&[seg.as_path()]);
    let segments = read[0]["segments"].as_array().unwrap();
    assert_eq!(segments.len(), enhancing);
    for segment in segments {
        assert_eq!(segment["algorithm_type"], "AUTOMATIC", "{segment}");
        assert_eq!(segment["algorithm"]["name"], "Tandem");
        assert_eq!(
            segment["algorithm"]["version"],
            tandem::build_info::DESCRIBE
        );
    }
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
