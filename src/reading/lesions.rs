//! The comparison's findings with the reader's decisions and marks applied. This
//! is the one place that decides what the lesion table lists and what the report counts, so
//! the screen, `report.json` and `report.html` never disagree.
//!
//! Rules (the reader always wins over the algorithm):
//! - a lesion the reader rejected is listed but never counted;
//! - a lesion the reader marked (drew, or accepted from a candidate) is measured on the marks:
//!   its status comes from its marked volumes at baseline and follow-up, with the comparison's
//!   enlargement rule;
//! - an algorithm lesion with no marks keeps the algorithm's status and volumes;
//! - enhancing lesions are the algorithm's enhancement foci that were not rejected, plus lesions
//!   the reader marked as enhancing that no kept focus already counts;
//! - nothing is counted that no compared series can show ([`Counts`]): new and enlarging
//!   lesions only when a FLAIR/T2 pair was compared, enhancing lesions only when a
//!   post-contrast series was, whatever the reader marked; otherwise "not assessed". With no
//!   T2/FLAIR pair, the comparison's lesions are its enhancing foci: they are enhancing
//!   lesions ([`LesionKind::Enhancing`]);
//! - an unexplained change (a significant increase no lesion explains) the reader confirmed is
//!   a new lesion (counted as new T2/FLAIR); one the reader rejected is nothing; one still
//!   pending is counted as an unexplained change, and while any is, the verdict is undecided,
//!   never inactive.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compare::{EnhancementReport, LesionReport, Report, Volumes};
use crate::counts::Counts;
use crate::ids::LesionId;
use crate::marks::{LesionKind, Marks};
use crate::pipeline::geometry::Vec3;
use crate::pipeline::lesion::Status;
use crate::pipeline::location::{Landmarks, Location};

/// The reader's word on a lesion flagged by the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    #[default]
    Pending,
    Confirmed,
    Rejected,
}

impl Decision {
    pub fn label(self) -> &'static str {
        match self {
            Decision::Pending => "—",
            Decision::Confirmed => "confirmed",
            Decision::Rejected => "rejected",
        }
    }
}

/// Who found a lesion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Found by the comparison, not marked by the reader.
    Algorithm,
    /// Found by the comparison and marked (accepted or edited) by the reader.
    AlgorithmMarked,
    /// Drawn by the reader alone.
    Reader,
}

/// One lesion as the reading stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadLesion {
    pub id: LesionId,
    pub status: Status,
    pub kind: LesionKind,
    pub enhancing: bool,
    pub source: Source,
    pub decision: Decision,
    pub location: Option<Location>,
    pub centroid_mm: Vec3,
    pub volume_mm3: Volumes,
    pub note: String,
}

impl ReadLesion {
    /// Counted in the report (not rejected).
    pub fn counted(&self) -> bool {
        self.decision != Decision::Rejected
    }

    /// Flagged for the reader's word: new, enlarging, an unexplained change, or enhancing.
    pub fn flagged(&self) -> bool {
        self.status.is_flagged() || self.enhancing
    }
}

/// The counts a follow-up report states, as the reading stands. In JSON the counts are flat
/// (`new`, `enlarging`, `enhancing`, `null` when not assessed; `t2_compared`,
/// `contrast_compared`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadSummary {
    #[serde(flatten)]
    pub counts: Counts,
    /// `counts.active()`, for readers of report.json.
    pub active: bool,
    /// Lesions the reader drew that the comparison had not found.
    pub reader_added: usize,
    pub rejected: usize,
}

/// The kind of an algorithm lesion the reader has not marked: with no T2/FLAIR pair compared,
/// the comparison's lesions are its enhancing foci.
fn algorithm_kind(report: &Report, lesion: &LesionReport) -> LesionKind {
    if !report.summary.counts.t2_compared() && lesion.enhancing {
        LesionKind::Enhancing
    } else {
        LesionKind::T2Flair
    }
}

/// Status of a marked lesion from its marked volumes (mm³) at baseline and follow-up, by the
/// comparison's enlargement rule (ratio and minimum growth).
pub fn status_from_volumes(baseline: f64, followup: f64, ratio: f64, min_mm3: f64) -> Status {
    match (baseline > 0.0, followup > 0.0) {
        (false, true) | (false, false) => Status::New,
        (true, false) => Status::Resolved,
        (true, true) if followup >= baseline * (1.0 + ratio) && followup - baseline >= min_mm3 => {
            Status::Enlarging
        }
        (true, true) if baseline >= followup * (1.0 + ratio) && baseline - followup >= min_mm3 => {
            Status::Shrinking
        }
        _ => Status::Persistent,
    }
}

/// Centroids (baseline-grid mm) of every marked lesion: of its follow-up voxels when it has
/// any, else of its baseline voxels (from the marks' running tallies: no pass over the volume).
pub fn marked_centroids(marks: &Marks) -> BTreeMap<LesionId, Vec3> {
    marks
        .ids()
        .into_iter()
        .filter_map(|id| {
            // The latest exam that holds it.
            let exams: Vec<_> = marks.exam_ids().collect();
            let index = exams
                .into_iter()
                .rev()
                .find_map(|exam| marks.centre_index(exam, id))?;
            Some((id, marks.geometry().index_to_mm(index)))
        })
        .collect()
}

/// Where a marked lesion is: its centre and, when the comparison left landmarks to tell it by,
/// its location.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkedPlace {
    pub centre_mm: Vec3,
    pub location: Option<Location>,
}

/// The place of every marked lesion: its centre ([`marked_centroids`]) and its location told by
/// `landmarks` (the compared pair's, on the marks' grid) from its voxels in the latest exam
/// that holds it, as the comparison's own lesions are located. Locating scans the grid, so a
/// lesion whose centre has not moved since `known` keeps the location found then.
pub fn marked_places(
    marks: &Marks,
    landmarks: Option<&Landmarks>,
    known: &BTreeMap<LesionId, MarkedPlace>,
) -> BTreeMap<LesionId, MarkedPlace> {
    marked_centroids(marks)
        .into_iter()
        .map(|(id, centre_mm)| {
            let location = match known.get(&id) {
                Some(place) if place.centre_mm == centre_mm => place.location,
                _ => landmarks.and_then(|landmarks| {
                    let exam = marks
                        .exam_ids()
                        .filter(|exam| marks.voxel_count(*exam, id) > 0)
                        .last()?;
                    let labels = marks.labels(exam)?;
                    Some(landmarks.locate_labels(labels, id.label(), centre_mm))
                }),
            };
            (
                id,
                MarkedPlace {
                    centre_mm,
                    location,
                },
            )
        })
        .collect()
}

/// The lesions as the reading stands, by id. `places` comes from [`marked_places`] (callers
/// cache it by the marks' revision).
pub fn read_lesions(
    report: &Report,
    decisions: &BTreeMap<LesionId, Decision>,
    marks: Option<&Marks>,
    places: &BTreeMap<LesionId, MarkedPlace>,
) -> Vec<ReadLesion> {
    let rule = &report.settings.change;
    let decision = |id: LesionId| decisions.get(&id).copied().unwrap_or_default();
    let marked = |id: LesionId| -> Option<(Volumes, LesionKind, String)> {
        let marks = marks?;
        let volumes = Volumes {
            baseline: marks.volume_mm3(crate::ids::ExamId::BASELINE, id),
            followup: marks.volume_mm3(crate::ids::ExamId::FOLLOWUP, id),
        };
        if volumes.baseline + volumes.followup <= 0.0 {
            return None;
        }
        let record = marks.record(id).cloned().unwrap_or_default();
        Some((volumes, record.kind, record.note))
    };
    let marked_status = |v: &Volumes| {
        status_from_volumes(
            v.baseline,
            v.followup,
            rule.enlarge_ratio,
            rule.enlarge_min_mm3,
        )
    };
    // Marking a lesion confirms it, unless the reader said otherwise.
    let marked_decision = |id: LesionId| match decision(id) {
        Decision::Pending => Decision::Confirmed,
        other => other,
    };
    let mut lesions: Vec<ReadLesion> = report
        .lesions
        .iter()
        .map(|l| match marked(l.id) {
            Some((volumes, kind, note)) => ReadLesion {
                id: l.id,
                status: marked_status(&volumes),
                kind,
                enhancing: l.enhancing || kind == LesionKind::Enhancing,
                source: Source::AlgorithmMarked,
                decision: marked_decision(l.id),
                location: l.location,
                centroid_mm: places.get(&l.id).map_or(l.centroid_mm, |p| p.centre_mm),
                volume_mm3: volumes,
                note: note.clone(),
            },
            None => ReadLesion {
                id: l.id,
                status: match (l.status, decision(l.id)) {
                    (Status::Unexplained, Decision::Confirmed) => Status::New,
                    (status, _) => status,
                },
                kind: algorithm_kind(report, l),
                enhancing: l.enhancing,
                source: Source::Algorithm,
                decision: decision(l.id),
                location: l.location,
                centroid_mm: l.centroid_mm,
                volume_mm3: l.volume_mm3.clone(),
                note: String::new(),
            },
        })
        .collect();
    if let Some(marks) = marks {
        for id in marks.ids() {
            if report.lesions.iter().any(|l| l.id == id) {
                continue;
            }
            let Some((volumes, kind, note)) = marked(id) else {
                continue;
            };
            lesions.push(ReadLesion {
                id,
                status: marked_status(&volumes),
                kind,
                enhancing: kind == LesionKind::Enhancing,
                source: Source::Reader,
                decision: marked_decision(id),
                location: places.get(&id).and_then(|p| p.location),
                centroid_mm: places.get(&id).map(|p| p.centre_mm).unwrap_or_default(),
                volume_mm3: volumes,
                note,
            });
        }
    }
    lesions.sort_by_key(|l| l.id);
    lesions
}

/// The report's counts over `lesions` (from [`read_lesions`]).
pub fn read_summary(report: &Report, lesions: &[ReadLesion]) -> ReadSummary {
    let foci = report
        .enhancement_post_minus_pre
        .as_ref()
        .unwrap_or(&report.enhancement);
    summary_of(report.summary.counts, foci, lesions)
}

/// The counts of `lesions` and the enhancing `foci`, bounded by what the comparison could
/// assess (`assessed`): [`read_summary`]'s work, for a caller that counts some lesions only (a
/// practice round counts the trainee's, with no foci of the comparison's).
pub fn summary_of(
    assessed: Counts,
    foci: &[EnhancementReport],
    lesions: &[ReadLesion],
) -> ReadSummary {
    let kept = |id: LesionId| {
        lesions
            .iter()
            .find(|l| l.id == id)
            .is_none_or(ReadLesion::counted)
    };
    let counted = |status: Status| {
        lesions
            .iter()
            .filter(|l| l.counted() && l.kind != LesionKind::Other && l.status == status)
            .count()
    };
    let kept_foci: Vec<_> = foci
        .iter()
        .filter(|f| f.lesion_id.is_none_or(kept))
        .collect();
    let reader_enhancing = lesions
        .iter()
        .filter(|l| l.counted() && l.kind == LesionKind::Enhancing)
        .filter(|l| !kept_foci.iter().any(|f| f.lesion_id == Some(l.id)))
        .count();
    // What the comparison could assess bounds what the reading counts.
    let counts = Counts::assessed(
        assessed
            .t2_compared()
            .then(|| (counted(Status::New), counted(Status::Enlarging))),
        assessed
            .contrast_compared()
            .then_some(kept_foci.len() + reader_enhancing),
    )
    .with_unexplained(if assessed.t2_compared() {
        counted(Status::Unexplained)
    } else {
        0
    });
    ReadSummary {
        counts,
        active: counts.active(),
        reader_added: lesions
            .iter()
            .filter(|l| l.source == Source::Reader && l.counted())
            .count(),
        rejected: lesions.iter().filter(|l| !l.counted()).count(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::compare::{LesionReport, Report};

    /// A FLAIR comparison (no contrast) whose only finding is an unexplained change, id 1.
    fn unexplained_report() -> Report {
        Report {
            lesions: vec![LesionReport {
                id: LesionId::nth(1).unwrap(),
                status: Status::Unexplained,
                enhancing: false,
                location: None,
                centroid_mm: [10.0, 20.0, 30.0],
                volume_mm3: Volumes {
                    baseline: 0.0,
                    followup: 80.0,
                },
                notes: vec![],
                baseline_labels: vec![],
                followup_labels: vec![1],
            }],
            ..Report::for_tests(Counts::assessed(Some((0, 0)), Some(0)).with_unexplained(1))
        }
    }

    fn read(report: &Report, decision: Decision) -> (Vec<ReadLesion>, ReadSummary) {
        let decisions = BTreeMap::from([(LesionId::nth(1).unwrap(), decision)]);
        let lesions = read_lesions(report, &decisions, None, &BTreeMap::new());
        let summary = read_summary(report, &lesions);
        (lesions, summary)
    }

    #[test]
    fn an_unexplained_change_is_undecided_until_the_reader_decides() {
        let report = unexplained_report();
        let (lesions, pending) = read(&report, Decision::Pending);
        assert_eq!(lesions[0].status, Status::Unexplained);
        assert_eq!(pending.counts.unexplained, 1);
        assert_eq!(pending.counts.new, Some(0));
        assert_eq!(
            pending.counts.verdict(),
            crate::counts::Verdict::Undecided(1)
        );
        assert_ne!(
            pending.counts.activity(),
            crate::counts::DiseaseActivity::Inactive
        );
        assert!(!pending.active);

        let (lesions, confirmed) = read(&report, Decision::Confirmed);
        assert_eq!(lesions[0].status, Status::New);
        assert_eq!(confirmed.counts.new, Some(1));
        assert_eq!(confirmed.counts.unexplained, 0);
        assert!(confirmed.active);

        let (_, rejected) = read(&report, Decision::Rejected);
        assert_eq!(rejected.counts.new, Some(0));
        assert_eq!(rejected.counts.unexplained, 0);
        assert_eq!(rejected.counts.verdict(), crate::counts::Verdict::Inactive);
        assert_eq!(rejected.rejected, 1);
    }

    #[test]
    fn marked_status_follows_the_enlargement_rule() {
        let s = |b, f| status_from_volumes(b, f, 0.5, 10.0);
        assert_eq!(s(0.0, 30.0), Status::New);
        assert_eq!(s(30.0, 0.0), Status::Resolved);
        assert_eq!(s(30.0, 45.0), Status::Enlarging);
        assert_eq!(s(30.0, 44.0), Status::Persistent);
        // 50 % more but only 5 mm³: too small to be unequivocal.
        assert_eq!(s(10.0, 15.0), Status::Persistent);
        assert_eq!(s(45.0, 30.0), Status::Shrinking);
    }
}
