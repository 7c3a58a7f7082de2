//! The reading: one owned model of a reader's work on a comparison. The exams (where each was
//! read from and the series compared), the comparison's options and result, the reader's
//! decisions and marks, the notes and the reader. The session file serialises it
//! ([`crate::session::Session::of`]), the report borrows it
//! ([`crate::report::write_report_folder`]), and the app holds one per comparison on screen.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | [`Reading`] and [`ExamLocation`]: what a reading owns, and carrying it over a rerun |
//! | `lesions.rs` | the findings with the decisions and marks applied: what the table lists and the report counts |
//! | `measurements.rs` | the reader's rulers and elliptical regions of interest, in patient mm |
//! | `withheld.rs` | the comparison's findings held back from a blind (practice) reading, given back renumbered |
//!
//! Exams are a list, the reference (baseline) first, so a reading of N exams keeps this shape.

mod lesions;
mod measurements;
mod withheld;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use lesions::{
    Decision, MarkedPlace, ReadLesion, ReadSummary, Source, marked_centroids, marked_places,
    read_lesions, read_summary, status_from_volumes, summary_of,
};
pub use measurements::{MeasureKind, Measurement, RegionStats};
pub use withheld::Withheld;

use crate::compare::{CompareOptions, Comparison, PairView, Report, primary_view};
use crate::ids::LesionId;
use crate::marks::{Marks, Origin};
use crate::pipeline::geometry::{Geometry, norm, sub};

/// Where an exam was read from, and which exam it must be.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExamLocation {
    pub path: PathBuf,
    pub study_uid: String,
    /// The series the comparison used (baseline or follow-up side of each pair).
    pub series_uids: Vec<String>,
}

/// A reader's whole work on one comparison.
#[derive(Clone)]
pub struct Reading {
    /// The exams compared, the reference (baseline) first.
    pub exams: Vec<ExamLocation>,
    /// How the comparison was run.
    pub options: CompareOptions,
    /// What it found: the report and the images it was made from.
    pub comparison: Comparison,
    /// The reader's word on the comparison's lesions, by lesion id.
    pub decisions: BTreeMap<LesionId, Decision>,
    /// The reader's marks, on the primary pair's reference grid, one label volume per exam.
    pub marks: Marks,
    pub reader: String,
    /// Free text for the report.
    pub notes: String,
    /// Rulers and regions of interest, in the order drawn.
    pub measurements: Vec<Measurement>,
}

impl Reading {
    /// A fresh reading of `comparison`, run with `options` on the exams at `paths` (reference
    /// first): no decisions, no marks, no reader yet.
    pub fn new(comparison: Comparison, options: CompareOptions, paths: &[PathBuf]) -> Self {
        let exams = exam_locations(&comparison.report, paths);
        let marks = match primary_view(&comparison.views) {
            Some(view) => {
                let studies: Vec<String> = exams.iter().map(|e| e.study_uid.clone()).collect();
                Marks::new(*view.baseline.geometry(), view.baseline.dims(), &studies)
            }
            // Nothing to mark on: a one-voxel grid that holds no exam.
            None => Marks::new(Geometry::axis_aligned([0.0; 3], [1.0; 3]), [1; 3], &[]),
        };
        Self {
            exams,
            options,
            comparison,
            decisions: BTreeMap::new(),
            marks,
            reader: String::new(),
            notes: String::new(),
            measurements: Vec::new(),
        }
    }

    pub fn report(&self) -> &Report {
        &self.comparison.report
    }

    /// Puts `report` in place of the comparison's (a session's, as it was reviewed); the exams
    /// keep their paths and take their studies and series from it.
    pub fn replace_report(&mut self, report: Report) {
        let paths: Vec<PathBuf> = self.exams.iter().map(|e| e.path.clone()).collect();
        self.exams = exam_locations(&report, &paths);
        self.comparison.report = report;
    }

    /// The compared pairs' images (may be empty).
    pub fn views(&self) -> &[PairView] {
        &self.comparison.views
    }

    /// The pair whose grid the marks live on.
    pub fn marks_view(&self) -> Option<&PairView> {
        primary_view(&self.comparison.views)
    }

    /// Every lesion as the reading stands (decisions and marks applied), by id.
    pub fn lesions(&self) -> Vec<ReadLesion> {
        self.lesions_at(&self.marked_places(&BTreeMap::new()))
    }

    /// Where the marked lesions are ([`marked_places`], by the compared pair's landmarks),
    /// keeping the locations in `known` of lesions that have not moved.
    pub fn marked_places(
        &self,
        known: &BTreeMap<LesionId, MarkedPlace>,
    ) -> BTreeMap<LesionId, MarkedPlace> {
        let landmarks = self.marks_view().and_then(|v| v.landmarks.as_ref());
        marked_places(&self.marks, landmarks, known)
    }

    /// [`Reading::lesions`] with the marked lesions at `places`.
    pub fn lesions_at(&self, places: &BTreeMap<LesionId, MarkedPlace>) -> Vec<ReadLesion> {
        read_lesions(
            &self.comparison.report,
            &self.decisions,
            Some(&self.marks),
            places,
        )
    }

    /// Takes the comparison's findings out of the reading (a blind practice round): its
    /// lesions are then the reader's alone, numbered from 1.
    pub fn withhold_findings(&mut self) -> Withheld {
        Withheld::take_from(&mut self.comparison.report)
    }

    /// Puts withheld findings back, numbered after the reader's lesions (which keep theirs).
    /// Decisions need no renumbering: the withheld lesions were never on screen to decide.
    pub fn restore_findings(&mut self, withheld: Withheld) {
        let after = self.marks.ids().last().map_or(0, |id| id.label());
        withheld.restore_into(&mut self.comparison.report, after);
    }

    /// The highest id the comparison uses, if any; reader lesions are numbered above it.
    pub fn reserved_ids(&self) -> Option<LesionId> {
        self.report().lesions.iter().map(|l| l.id).max()
    }

    /// Takes over the reader's work from the reading this one replaces (the same exams
    /// compared again, say with another threshold): the reader, notes and measurements; decisions on lesions
    /// that kept their id and place (within 2 mm); the marks when they are on the same grid,
    /// with reader-drawn lesions renumbered above the new comparison's ids.
    pub fn carry_over(&mut self, old: Reading) {
        self.reader = old.reader;
        self.notes = old.notes;
        self.measurements = old.measurements;
        let same_place = |id: LesionId| match (
            old.comparison.report.lesions.iter().find(|l| l.id == id),
            self.comparison.report.lesions.iter().find(|l| l.id == id),
        ) {
            (Some(a), Some(b)) => norm(sub(a.centroid_mm, b.centroid_mm)) < 2.0,
            _ => false,
        };
        self.decisions = old
            .decisions
            .iter()
            .filter(|(id, _)| same_place(**id))
            .map(|(id, d)| (*id, *d))
            .collect();
        if old.marks.dims() == self.marks.dims() && old.marks.geometry() == self.marks.geometry() {
            let reserved = self.reserved_ids();
            let mut marks = old.marks;
            for id in marks.ids() {
                let reader_drawn = marks.record(id).is_none_or(|r| r.origin == Origin::Reader);
                if reader_drawn && Some(id) <= reserved {
                    let to = marks.next_id(reserved);
                    marks.relabel(id, to);
                }
            }
            self.marks = marks;
        }
    }
}

/// The exams `report` compared, at `paths` (reference first; a missing path is empty): each
/// with its study and the series of every compared pair on its side.
fn exam_locations(report: &Report, paths: &[PathBuf]) -> Vec<ExamLocation> {
    let exam = |n: usize, study_uid: &str, series_uids: Vec<String>| ExamLocation {
        path: paths.get(n).cloned().unwrap_or_default(),
        study_uid: study_uid.to_owned(),
        series_uids,
    };
    vec![
        exam(
            0,
            &report.baseline.study_uid,
            report
                .pairs
                .iter()
                .map(|p| p.baseline.series_uid.clone())
                .collect(),
        ),
        exam(
            1,
            &report.followup.study_uid,
            report
                .pairs
                .iter()
                .map(|p| p.followup.series_uid.clone())
                .collect(),
        ),
    ]
}
