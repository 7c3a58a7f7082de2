//! Nothing the change map shows is silently dropped (issue #10, §4): a region of significant
//! increase that no lesion explains (here a faint new plaque, no brighter than the cortex, with
//! the change thresholds lowered so its change counts) is reported as an unexplained change,
//! counted apart, and the verdict is undecided, never inactive.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use tandem::compare::{CompareOptions, Report, compare};
use tandem::counts::DiseaseActivity;
use tandem::counts::Verdict;
use tandem::pipeline::lesion::Status;
use tandem::progress::Progress;
use tandem::synth::lesions::{Change, sample_lesions};
use tandem::synth::{SampleOptions, write_pair};

/// Writes a quick (3 mm) FLAIR-only pair into `dir` (the post-contrast series removed) whose
/// follow-up has one faint new plaque, and returns its centre in head coordinates.
pub fn faint_plaque_pair(dir: &Path) -> [f64; 3] {
    let mut lesion = sample_lesions()[3].clone();
    lesion.change = Change::New;
    lesion.radii_baseline_mm = None;
    lesion.radii_followup_mm = Some([6.0; 3]);
    lesion.enhancing_followup = false;
    lesion.flair_ratio = 1.16;
    let options = SampleOptions {
        voxel_scale: 2.0,
        supersample: 1,
        ..SampleOptions::default()
    };
    write_pair(dir, &options, std::slice::from_ref(&lesion)).unwrap();
    for exam in ["baseline", "followup"] {
        std::fs::remove_dir_all(dir.join(exam).join("T1_3D_POST")).unwrap();
    }
    lesion.centre_head_mm
}

/// Options under which the faint plaque's change counts as significant and hyperintense.
fn sensitive() -> CompareOptions {
    let mut options = CompareOptions::default();
    options.settings.z_seed = 3.5;
    options.settings.hyperintense_z = 0.5;
    options.settings.min_volume_mm3 = 100.0;
    options
}

fn run(dir: &Path) -> Report {
    compare(
        &dir.join("baseline"),
        &dir.join("followup"),
        &sensitive(),
        &Progress::new(),
    )
    .unwrap()
}

#[test]
fn a_change_no_lesion_explains_is_reported_as_unexplained() {
    let dir = tempfile::tempdir().unwrap();
    faint_plaque_pair(dir.path());
    let report = run(dir.path());
    let unexplained: Vec<_> = report
        .lesions
        .iter()
        .filter(|l| l.status == Status::Unexplained)
        .collect();
    assert_eq!(unexplained.len(), 1, "{:?}", report.lesions);
    let finding = unexplained[0];
    assert!(finding.volume_mm3.followup > 100.0);
    assert_eq!(finding.volume_mm3.baseline, 0.0);
    assert_eq!(finding.followup_labels.len(), 1);
    assert!(finding.location.is_some());
    let counts = report.summary.counts;
    assert_eq!(counts.unexplained, 1);
    assert_eq!(
        counts.new,
        Some(0),
        "not counted as new: {:?}",
        report.lesions
    );
    assert_eq!(counts.verdict(), Verdict::Undecided(1));
    assert_eq!(report.summary.activity, DiseaseActivity::Undecided);
    let text = report.summary_text();
    assert!(
        text.contains("Unexplained changes (unreviewed): 1"),
        "{text}"
    );
    assert!(!text.contains("inactive"), "{text}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["summary"]["unexplained"], 1);
    assert!(
        json["lesions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["status"] == "unexplained")
    );
}
