//! Practice mode in the app: a teaching case opened with its reference and the comparison's
//! candidates hidden (showing them is the trainee's choice, and recorded), the summary
//! questions, scoring, and the result: every miss and false mark, a jump to each, the
//! reference outlined beside the trainee's marks, and the history of past rounds.

use std::path::PathBuf;

use tandem::pipeline::geometry::{norm, sub};
use tandem::training::practice::{
    AnswerCheck, Case, HistoryEntry, PracticeResult, history_path, read_history, save_round,
};
use tandem::training::sources::{read_lesion_mask, scored_ids};
use tandem::training::teach_pack::Answers;

use super::command::{Command, Side};
use super::practice_state::Practice;
use super::state::TandemApp;

impl TandemApp {
    /// Opens a teaching case for practice: its exams load and compare as usual, with findings
    /// hidden.
    pub(super) fn open_practice(&mut self, ctx: &egui::Context, dir: PathBuf) {
        match Case::open(&dir) {
            Ok(case) => {
                let (baseline, followup) = (case.baseline(), case.followup());
                self.practice = Some(Practice {
                    case,
                    candidates_shown: false,
                    answers: Answers {
                        new: 0,
                        enlarging: 0,
                        enhancing: 0,
                        active: false,
                        contrast_compared: true,
                    },
                    result: None,
                    replay: 0,
                    saved: None,
                    history: Vec::new(),
                    withheld: None,
                    yours: Vec::new(),
                });
                self.session.path = None;
                self.session.pending = None;
                self.auto_compare = true;
                self.pair_chosen = false;
                self.start_load(ctx, Side::Baseline, baseline, None);
                self.start_load(ctx, Side::Followup, followup, None);
            }
            Err(e) => self.session.status = Some((format!("Not a practice case: {e}"), true)),
        }
    }

    /// Scores the trainee's marks (their new and enlarging lesions at follow-up) and answers.
    pub(super) fn score_practice(&mut self) {
        let (Some(practice), Some(review)) = (self.practice.as_mut(), self.review.as_ref()) else {
            return;
        };
        let marks = &review.reading.marks;
        // The trainee's new and enlarging lesions, counted as `tandem score` counts a session's.
        let ids = scored_ids(review.lesions());
        let Some(followup) = marks.labels(tandem::ids::ExamId::FOLLOWUP) else {
            return;
        };
        let trainee = followup
            .mapv(|l| tandem::ids::LesionId::from_label(l).is_some_and(|id| ids.contains(&id)));
        // A SEG reference has no grid of its own: it is placed on the marks' grid.
        let grid = Some((marks.geometry(), marks.dims()));
        let reference = match read_lesion_mask(&practice.case.reference(), grid) {
            Ok(r) => r.onto(marks.geometry(), marks.dims()),
            Err(e) => {
                self.session.status = Some((format!("The case's reference: {e}"), true));
                return;
            }
        };
        let score =
            tandem::training::score(&reference, &trainee, marks.geometry(), &Default::default());
        let result = PracticeResult {
            case: practice.case.file.label.clone(),
            trainee: review.reading.reader.clone(),
            finished_at: tandem::clock::Utc::now().iso(),
            candidates_shown: practice.candidates_shown,
            score,
            answers: AnswerCheck::new(practice.answers, practice.case.file.answers),
            tandem: tandem::build_info::describe(),
        };
        if let Some(dir) = &self.practice_dir {
            practice.saved = Some(save_round(dir, &result));
            practice.history =
                read_history(&history_path(dir, &result.trainee)).unwrap_or_default();
        } else {
            practice.history.push(HistoryEntry::from(&result));
        }
        // Each found lesion and false mark by the trainee's own number: the lesion whose centre
        // is nearest the scored one's.
        let centres = tandem::reading::marked_centroids(marks);
        practice.yours = tandem::training::score_text::score_items(&result.score)
            .iter()
            .map(|item| {
                let is_mark = item.outcome != tandem::training::score_text::Outcome::Missed;
                let distance = |c: &[f64; 3]| norm(sub(*c, item.centroid_mm));
                centres
                    .iter()
                    .filter(|(id, _)| is_mark && ids.contains(id))
                    .min_by(|a, b| distance(a.1).total_cmp(&distance(b.1)))
                    .map(|(id, _)| *id)
            })
            .collect();
        practice.result = Some(result);
        practice.replay = 0;
        // The reference stays with the review (on its grid), outlined in the views.
        if let Some(review) = self.review.as_mut() {
            review.reference = Some(reference);
        }
    }

    /// Keeps the comparison's findings out of a blind round's reading (so the trainee's
    /// lesions are numbered from 1 and counted alone), and puts them back, numbered after the
    /// trainee's, once the candidates are shown or the round is scored. Called every frame.
    pub(super) fn sync_withheld(&mut self) {
        let Some(review) = self.review.as_mut() else {
            return;
        };
        let blind = self.practice.as_ref().is_some_and(Practice::blind);
        review.hide_findings = blind;
        review.own_counts = self.practice.is_some();
        let Some(practice) = self.practice.as_mut() else {
            return;
        };
        let current = practice
            .withheld
            .as_ref()
            .is_some_and(|(generation, _)| *generation == review.generation);
        if blind && !current {
            let findings = review.reading.withhold_findings();
            practice.withheld = Some((review.generation, findings));
            review.resync();
        } else if !blind
            && let Some((generation, findings)) = practice.withheld.take()
            && generation == review.generation
        {
            // (Findings of an earlier comparison, if any, are simply dropped.)
            review.reading.restore_findings(findings);
            review.resync();
        }
    }

    /// Applies the practice commands.
    pub(super) fn apply_practice_command(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::OpenPractice(dir) => self.open_practice(ctx, dir),
            Command::SetAnswers(answers) => {
                if let Some(p) = &mut self.practice
                    && p.result.is_none()
                {
                    p.answers = answers;
                }
            }
            // Once seen, the candidates stay: the score says they were shown.
            Command::ToggleCandidates => {
                if let Some(p) = &mut self.practice {
                    p.candidates_shown = true;
                }
            }
            Command::ScorePractice => self.score_practice(),
            Command::JumpTo(mm) => {
                if let Some(review) = &mut self.review {
                    review.jump_to_mm(mm);
                }
            }
            Command::ReplayMiss => {
                let next = self.practice.as_mut().and_then(|p| {
                    let misses = &p.result.as_ref()?.score.misses;
                    let miss = misses.get(p.replay % misses.len().max(1))?.centroid_mm;
                    p.replay = (p.replay + 1) % misses.len().max(1);
                    Some(miss)
                });
                if let Some(mm) = next {
                    self.apply_practice_command(ctx, Command::JumpTo(mm));
                }
            }
            Command::EndPractice => {
                // The findings a blind round held back come back with it, as when shown.
                if let Some(p) = &mut self.practice {
                    p.candidates_shown = true;
                }
                self.sync_withheld();
                self.practice = None;
                if let Some(review) = self.review.as_mut() {
                    review.reference = None;
                }
            }
            _ => {}
        }
    }
}
