//! Exams and the comparison in the background: loading an exam (and the partner series of the
//! same kind on the other side), running the comparison, collecting finished jobs, and saving
//! the reading when a job crashed.

use std::path::PathBuf;

use super::command::{Command, Plane, Side};
use super::jobs::{Activity, Job, load_exam, run_comparison};
use super::review::Review;
use super::state::TandemApp;

impl TandemApp {
    /// Loads `series` (or the preferred one) of the exam at `path` into `side`, dropping the
    /// comparison (its unsaved work goes to the recovery file first).
    pub(super) fn start_load(
        &mut self,
        ctx: &egui::Context,
        side: Side,
        path: PathBuf,
        series: Option<String>,
    ) {
        let generation = self.next_generation();
        let slot = &mut self.exams[side.index()];
        slot.activity.cancel();
        slot.path = Some(path.clone());
        let label = format!("Loading {}", path.display());
        slot.activity = Activity::Running(Job::spawn(generation, label, ctx.clone(), move |p| {
            load_exam(path, series, p)
        }));
        // A new exam makes the old comparison meaningless; unsaved marks go to the recovery
        // file first, so opening another exam never loses work.
        self.comparison.cancel();
        self.keep_for_recovery();
        if let Some(old) = self.review.take() {
            let reading = old.reading;
            self.session.carried = Some(super::session_state::Carried {
                exams: reading.exams.into_iter().map(|e| e.path).collect(),
                reader: reading.reader,
                notes: reading.notes,
            });
        }
    }

    pub(super) fn start_comparison(&mut self, ctx: &egui::Context) {
        let (Some(baseline), Some(followup)) =
            (self.exams[0].path.clone(), self.exams[1].path.clone())
        else {
            return;
        };
        let shown = |n: usize| self.exams[n].shown.as_ref().map(|e| e.series_id.clone());
        let pair = match (self.pair_chosen, shown(0), shown(1)) {
            (true, Some(b), Some(f)) => Some((b, f)),
            _ => None,
        };
        let options = self.options_for(pair);
        self.compare_options = options.clone();
        let generation = self.next_generation();
        self.comparison.cancel();
        self.comparison = Activity::Running(Job::spawn(
            generation,
            "Registering and comparing",
            ctx.clone(),
            move |p| run_comparison([baseline, followup], options, p),
        ));
    }

    /// The other exam's series of the same kind as `id` (FLAIR, post-contrast T1...), when the
    /// other exam is not already showing one.
    pub(super) fn partner_series(&self, side: Side, id: &str) -> Option<String> {
        use tandem::compare::classify;
        let chosen = self.exams[side.index()]
            .shown
            .as_ref()?
            .scan
            .all_series()
            .find(|s| s.id == id)?;
        let kind = classify(chosen);
        let other = match side {
            Side::Baseline => &self.exams[1],
            Side::Followup => &self.exams[0],
        };
        let exam = other.shown.as_ref()?;
        let showing = exam.scan.all_series().find(|s| s.id == exam.series_id)?;
        if classify(showing) == kind {
            return None;
        }
        exam.scan
            .all_series()
            .find(|s| s.stack.is_ok() && classify(s) == kind)
            .map(|s| s.id.clone())
    }

    /// Collects finished jobs.
    pub(super) fn poll(&mut self) {
        for slot in &mut self.exams {
            if let Some((generation, exam)) = slot.activity.poll() {
                slot.shown = Some(exam);
                slot.shown_generation = generation;
            }
        }
        if let Some((generation, reading)) = self.comparison.poll() {
            let mut review = Review::new(reading, generation);
            review.viewport.plane = self.prefs.plane.unwrap_or(Plane::Axial);
            let previous = self.review.take();
            let rerun = previous.is_some() && self.session.pending.is_none();
            match (previous, self.session.carried.take()) {
                (Some(old), _) if rerun => review.carry_over(old),
                // Exams loaded anew: the same reader; the notes too when the exams are the
                // same (another series chosen), else a reading of its own. A session being
                // opened puts its own back (`restore_pending`).
                (_, Some(carried)) => {
                    let reading = &mut review.reading;
                    if reading.exams.iter().map(|e| &e.path).eq(&carried.exams) {
                        reading.notes = carried.notes;
                    }
                    reading.reader = carried.reader;
                }
                _ => {}
            }
            self.review = Some(review);
            if !rerun {
                self.restore_pending();
            }
            if let (Some(b), Some(f)) = (self.exams[0].path.clone(), self.exams[1].path.clone()) {
                let pair = [b, f];
                self.prefs.recent.retain(|p| p != &pair);
                self.prefs.recent.insert(0, pair);
                self.prefs.recent.truncate(8);
            }
        }
        let both_open = self
            .exams
            .iter()
            .all(|s| s.shown.is_some() && !s.is_loading());
        let idle = matches!(self.comparison, Activity::Idle);
        if self.auto_compare && both_open && idle && self.review.is_none() {
            self.commands.push(Command::RunComparison);
        }
    }

    /// A background job that panicked (`Activity::Crashed`): the reading is written to the
    /// recovery file at once, before anything else can go wrong, and the reader is told.
    pub(super) fn after_a_crash(&mut self) {
        let mut crashes: Vec<String> = self
            .exams
            .iter_mut()
            .filter_map(|slot| slot.activity.take_crash())
            .collect();
        crashes.extend(self.comparison.take_crash());
        if let Some(what) = self.session.report_job.take_crash() {
            // The status line below tells it; "Report not written" would hide the recovery.
            self.session.report_job = Activity::Idle;
            crashes.push(what);
        }
        if crashes.is_empty() {
            return;
        }
        let what = crashes.join("; ");
        self.keep_for_recovery();
        let kept = if self.session.data_dir.is_some() {
            "your reading is kept and saved for recovery"
        } else {
            "your reading is kept"
        };
        self.session.status = Some((format!("{what}; {kept}."), true));
    }
}
