//! Regression tests on fixed pairs of the validation corpus (issue #10; `tandem synth
//! --list-cases`, `bench/accuracy/run.sh` runs all 42): one pair per class, generated in
//! process, compared with the default options, and held to the ground truth as the benchmark
//! holds it: every new and enlarging lesion detected and no false mark (scored lesion-wise as
//! `tandem score` scores a report folder, MSSEG-2 rules), no persistent plaque called new or
//! enlarging, the counts of new, enlarging and enhancing lesions, the verdict, and the plaques'
//! locations (at least 90% right).
//!
//! The pair of each class is the first one whose ground truth holds every change its class
//! plans (picked on the ground truth, not on Tandem's results): whole-exam-01 has no enlarging
//! lesion at all and size-place-01 no new deep white matter one, so those classes use their
//! second pair.

use std::collections::BTreeMap;
use std::path::Path;

use tandem::compare::{CompareOptions, Comparison, Report, compare_full};
use tandem::pipeline::geometry::{norm, sub};
use tandem::pipeline::lesion::Status;
use tandem::progress::Progress;
use tandem::reading::read_lesions;
use tandem::report::labels::{final_labels, primary_view};
use tandem::synth::{Change, GroundTruth, corpus::corpus, write_pair};
use tandem::training::sources::{LesionMask, read_lesion_mask, scored_ids};
use tandem::training::{Score, ScoreSettings, score};

/// A corpus pair generated into a temporary folder, compared, and scored.
struct Outcome {
    name: &'static str,
    truth: GroundTruth,
    comparison: Comparison,
    score: Score,
}

fn run_case(name: &'static str) -> Outcome {
    let case = corpus()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no corpus case {name}"));
    let dir = tempfile::tempdir().unwrap();
    let truth = write_pair(dir.path(), &case.options, &case.lesions()).unwrap();
    let comparison = compare_full(
        &dir.path().join("baseline"),
        &dir.path().join("followup"),
        &CompareOptions::default(),
        &Progress::new(),
    )
    .unwrap();
    let score = score_as_the_cli_does(&comparison, &dir.path().join("reference"));
    Outcome {
        name,
        truth,
        comparison,
        score,
    }
}

/// `tandem score --reference reference/lesions-followup.nii.gz --marks REPORT_FOLDER`, without
/// writing the report folder: the marks are the new and enlarging lesions the reading counts
/// (`scored_ids`), at follow-up on the comparison grid (`final_labels`, which the folder's
/// `lesions-followup.nii.gz` is written from), brought onto the reference's grid.
fn score_as_the_cli_does(comparison: &Comparison, reference_dir: &Path) -> Score {
    let reference = read_lesion_mask(&reference_dir.join("lesions-followup.nii.gz"), None).unwrap();
    let report = &comparison.report;
    let lesions = read_lesions(report, &BTreeMap::new(), None, &BTreeMap::new());
    let ids = scored_ids(&lesions);
    let view = primary_view(&comparison.views).unwrap();
    let labels = final_labels(report, &lesions, view, None, tandem::ids::ExamId::FOLLOWUP);
    let marks = LesionMask {
        mask: labels
            .voxels()
            .mapv(|l| tandem::ids::LesionId::from_label(l).is_some_and(|id| ids.contains(&id))),
        geometry: *view.baseline.geometry(),
        kind: "report folder",
    };
    let on_reference = marks.onto(&reference.geometry, reference.dims());
    score(
        &reference.mask,
        &on_reference,
        &reference.geometry,
        &ScoreSettings::default(),
    )
}

/// The verdict, asserted in one place (the statuses a reading can end in may grow).
fn assert_verdict(outcome: &Outcome) {
    let report = &outcome.comparison.report;
    assert_eq!(
        report.summary.activity, outcome.truth.summary.activity,
        "{}: verdict; lesions {:#?}",
        outcome.name, report.lesions
    );
}

/// A reference lesion Tandem is known to miss on a pair, pinned so that any other miss still
/// fails and so that finding it fails too (then remove the pin).
struct KnownMiss {
    /// The ground truth's status of the missed plaque.
    status: Change,
    /// Its volume in the reference (mm³), within 20%.
    volume_mm3: f64,
}

/// Every new and enlarging lesion of the ground truth detected but the pinned misses, nothing
/// else flagged.
fn assert_lesion_wise(outcome: &Outcome, known: &[KnownMiss]) {
    let s = &outcome.score;
    let flagged = outcome
        .truth
        .lesions
        .iter()
        .filter(|l| matches!(l.status, Change::New | Change::Enlarging))
        .count();
    // Two touching plaques would score as one lesion: at most one reference lesion each.
    if flagged == 0 {
        assert_eq!(s.reference_lesions, 0, "{}", outcome.name);
    } else {
        assert!(
            (1..=flagged).contains(&s.reference_lesions),
            "{}: {} reference lesions for {flagged} new or enlarging plaques",
            outcome.name,
            s.reference_lesions
        );
    }
    let pinned = |m: &tandem::training::ScoredLesion| {
        known
            .iter()
            .any(|k| (m.volume_mm3 - k.volume_mm3).abs() <= 0.2 * k.volume_mm3)
    };
    assert!(
        s.misses.len() == known.len() && s.misses.iter().all(pinned),
        "{}: missed {:#?} (known misses: {} of about {:?} mm³)",
        outcome.name,
        s.misses,
        known.len(),
        known.iter().map(|k| k.volume_mm3).collect::<Vec<_>>()
    );
    assert!(
        s.false_marks.is_empty(),
        "{}: false positives {:#?}",
        outcome.name,
        s.false_marks
    );
    assert_eq!(
        s.detected.len() + known.len(),
        s.reference_lesions,
        "{}",
        outcome.name
    );
    if flagged > 0 && known.is_empty() {
        assert!(
            (s.lesion_f1 - 1.0).abs() < 1e-9,
            "{}: F1 {}",
            outcome.name,
            s.lesion_f1
        );
    }
}

/// No persistent plaque is called new or enlarging: no flagged lesion has its centre inside
/// one (baseline mm; the plaque's radius from its volume).
fn assert_persistent_stay_persistent(outcome: &Outcome) {
    let report: &Report = &outcome.comparison.report;
    for plaque in outcome
        .truth
        .lesions
        .iter()
        .filter(|l| l.status == Change::Persistent)
    {
        let radius = (3.0 * plaque.volume_baseline_mm3 / (4.0 * std::f64::consts::PI)).cbrt();
        for lesion in report
            .lesions
            .iter()
            .filter(|l| matches!(l.status, Status::New | Status::Enlarging))
        {
            assert!(
                norm(sub(lesion.centroid_mm, plaque.centre_baseline_mm)) > radius,
                "{}: persistent plaque {} called {:?} (lesion {})",
                outcome.name,
                plaque.id,
                lesion.status,
                lesion.id
            );
        }
    }
}

/// At least 90% of the plaques found (a report lesion within 5 mm of the plaque's centre) are
/// in the plaque's region (the benchmark's "location right", whose target is 90%).
fn assert_locations(outcome: &Outcome) {
    let report: &Report = &outcome.comparison.report;
    let (mut found, mut right, mut wrong) = (0, 0, Vec::new());
    for plaque in &outcome.truth.lesions {
        let nearest = report.lesions.iter().min_by(|a, b| {
            let da = norm(sub(a.centroid_mm, plaque.centre_baseline_mm));
            let db = norm(sub(b.centroid_mm, plaque.centre_baseline_mm));
            da.total_cmp(&db)
        });
        let Some(lesion) =
            nearest.filter(|l| norm(sub(l.centroid_mm, plaque.centre_baseline_mm)) <= 5.0)
        else {
            continue;
        };
        found += 1;
        if lesion.location.map(|l| l.name()) == Some(plaque.region.as_str()) {
            right += 1;
        } else {
            wrong.push((plaque.id, plaque.region.clone(), lesion.location));
        }
    }
    assert!(found > 0, "{}: no plaque found", outcome.name);
    assert!(
        right * 10 >= found * 9,
        "{}: {right} of {found} plaques located right; wrong (plaque, truth, found): {wrong:?}",
        outcome.name
    );
}

/// The summary's counts are the ground truth's.
fn assert_counts(outcome: &Outcome, known: &[KnownMiss]) {
    let counts = &outcome.comparison.report.summary.counts;
    let truth = &outcome.truth.summary;
    let name = outcome.name;
    let missed = |status| known.iter().filter(|k| k.status == status).count();
    assert_eq!(
        counts.new,
        Some(truth.new - missed(Change::New)),
        "{name}: new"
    );
    assert_eq!(
        counts.enlarging,
        Some(truth.enlarging - missed(Change::Enlarging)),
        "{name}: enlarging"
    );
    assert_eq!(counts.enhancing, Some(truth.enhancing), "{name}: enhancing");
}

fn check(name: &'static str) {
    check_with_known_misses(name, &[]);
}

fn check_with_known_misses(name: &'static str, known: &[KnownMiss]) {
    let outcome = run_case(name);
    assert!(
        outcome.comparison.report.registration.reliable,
        "{name}: registration {:?}",
        outcome.comparison.report.registration.warnings
    );
    assert_lesion_wise(&outcome, known);
    assert_persistent_stay_persistent(&outcome);
    assert_counts(&outcome, known);
    assert_locations(&outcome);
    assert_volumes(&outcome);
    assert_misses_reach_the_reader(&outcome, known);
    assert_verdict(&outcome);
}

/// Every detected lesion measures within 25% of its reference volume (issue #10's target).
fn assert_volumes(outcome: &Outcome) {
    for d in &outcome.score.detected {
        let Some(marked) = d.marked_volume_mm3 else {
            continue;
        };
        assert!(
            (marked - d.volume_mm3).abs() <= 0.25 * d.volume_mm3,
            "{}: the lesion at {:?} measures {marked} mm³, the reference {} mm³",
            outcome.name,
            d.centroid_mm,
            d.volume_mm3
        );
    }
}

/// A plaque detection misses still reaches the reader as an unexplained change (issue #10
/// §4): one lies within the plaque's radius + 2 mm of its centre.
fn assert_misses_reach_the_reader(outcome: &Outcome, known: &[KnownMiss]) {
    let report: &Report = &outcome.comparison.report;
    for miss in known {
        let Some(plaque) = outcome.truth.lesions.iter().find(|l| {
            l.status == miss.status
                && (l.volume_followup_mm3 - miss.volume_mm3).abs() <= 0.2 * miss.volume_mm3
        }) else {
            panic!(
                "{}: no plaque of the ground truth is the known miss",
                outcome.name
            );
        };
        let radius = (3.0 * plaque.volume_followup_mm3 / (4.0 * std::f64::consts::PI)).cbrt();
        assert!(
            report
                .lesions
                .iter()
                .any(|l| l.status == Status::Unexplained
                    && norm(sub(l.centroid_mm, plaque.centre_baseline_mm)) <= radius + 2.0),
            "{}: the missed plaque {} is not listed as an unexplained change: {:#?}",
            outcome.name,
            plaque.id,
            report.lesions
        );
    }
}

#[test]
fn flair_1mm() {
    check("flair-1mm-01");
}

#[test]
fn flair_2d_3d() {
    check("flair-2d-3d-01");
}

#[test]
fn whole_exam() {
    check("whole-exam-02");
}

#[test]
fn scanner() {
    check("scanner-01");
}

#[test]
fn stable() {
    check("stable-01");
}

#[test]
fn progressive() {
    check("progressive-01");
}

/// The benchmark's one size-place miss (README): the 20 mm³ (3.4 mm) new deep white matter
/// plaque of this pair is not found as a lesion, only listed as an unexplained change. Pinned,
/// not hidden: the pair stays the class's representative and every other assertion holds for
/// it.
#[test]
fn size_place() {
    check_with_known_misses(
        "size-place-02",
        &[KnownMiss {
            status: Change::New,
            volume_mm3: 20.25,
        }],
    );
}
