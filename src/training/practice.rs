//! A practice round's outcome: the trainee's marks scored against the case's reference, the
//! summary answers checked, a score report (JSON and a self-contained HTML page) the trainee
//! keeps, and a history file that shows the trend over cases.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::score::Score;
use super::score_text::{metrics_sentence, rules_sentence, score_items};
use super::teach_pack::{Answers, CaseFile};
use crate::error::{Error, Result};
use crate::report::escape;

/// What a case folder holds for practice.
#[derive(Debug, Clone)]
pub struct Case {
    pub dir: PathBuf,
    pub file: CaseFile,
    /// The case note, shown after scoring.
    pub note: Option<String>,
}

impl Case {
    /// Reads `dir/case.json` (and `note.md`); refuses a folder that is not a case.
    pub fn open(dir: &Path) -> Result<Self> {
        let path = dir.join("case.json");
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let file: CaseFile = serde_json::from_slice(&bytes).map_err(|e| Error::Format {
            path: path.clone(),
            problem: format!("not a Tandem teaching case: {e}"),
        })?;
        if file.format != "tandem-case" || file.version > 1 {
            return Err(Error::Format {
                path,
                problem: format!(
                    "a {} version {} file; this build reads tandem-case version 1",
                    file.format, file.version
                ),
            });
        }
        let note = std::fs::read_to_string(dir.join("note.md")).ok();
        Ok(Self {
            dir: dir.to_path_buf(),
            file,
            note,
        })
    }

    pub fn baseline(&self) -> PathBuf {
        self.dir.join("baseline")
    }

    pub fn followup(&self) -> PathBuf {
        self.dir.join("followup")
    }

    pub fn reference(&self) -> PathBuf {
        self.dir.join(&self.file.reference)
    }
}

/// Each summary answer: given, expected, right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerCheck {
    pub given: Answers,
    pub expected: Answers,
    pub new_right: bool,
    pub enlarging_right: bool,
    pub enhancing_right: bool,
    pub activity_right: bool,
}

impl AnswerCheck {
    pub fn new(given: Answers, expected: Answers) -> Self {
        Self {
            given,
            expected,
            new_right: given.new == expected.new,
            enlarging_right: given.enlarging == expected.enlarging,
            enhancing_right: !expected.contrast_compared || given.enhancing == expected.enhancing,
            activity_right: given.active == expected.active,
        }
    }

    pub fn right(&self) -> usize {
        [
            self.new_right,
            self.enlarging_right,
            self.enhancing_right,
            self.activity_right,
        ]
        .iter()
        .filter(|r| **r)
        .count()
    }
}

/// One scored practice round: the score report's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PracticeResult {
    pub case: String,
    pub trainee: String,
    /// UTC, ISO 8601.
    pub finished_at: String,
    /// The trainee chose to see the comparison's candidates before scoring.
    pub candidates_shown: bool,
    pub score: Score,
    pub answers: AnswerCheck,
    pub tandem: String,
}

/// One line of the history: enough to plot the trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub finished_at: String,
    pub case: String,
    pub lesion_f1: f64,
    pub lesion_sensitivity: f64,
    pub lesion_ppv: f64,
    pub dice: f64,
    pub answers_right: usize,
    pub candidates_shown: bool,
}

impl From<&PracticeResult> for HistoryEntry {
    fn from(r: &PracticeResult) -> Self {
        Self {
            finished_at: r.finished_at.clone(),
            case: r.case.clone(),
            lesion_f1: r.score.lesion_f1,
            lesion_sensitivity: r.score.lesion_sensitivity,
            lesion_ppv: r.score.lesion_ppv,
            dice: r.score.dice,
            answers_right: r.answers.right(),
            candidates_shown: r.candidates_shown,
        }
    }
}

/// The history file of a trainee in `dir`.
pub fn history_path(dir: &Path, trainee: &str) -> PathBuf {
    let name: String = trainee
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let name = if name.is_empty() {
        "trainee".into()
    } else {
        name
    };
    dir.join(format!("history-{name}.json"))
}

/// The trainee's past rounds, oldest first (none when there is no file yet).
pub fn read_history(path: &Path) -> Result<Vec<HistoryEntry>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Format {
            path: path.to_path_buf(),
            problem: format!("not a practice history: {e}"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Saves a round: `dir/score-<time>-<case>.json` and `.html`, and one more line in the
/// trainee's history. Returns the HTML report's path.
pub fn save_round(dir: &Path, result: &PracticeResult) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let stem: String = format!("score-{}-{}", result.finished_at, result.case)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let json = serde_json::to_string_pretty(result).unwrap_or_default();
    crate::fsutil::write_atomic(&dir.join(format!("{stem}.json")), json.as_bytes())?;
    let html_path = dir.join(format!("{stem}.html"));
    crate::fsutil::write_atomic(&html_path, result_html(result).as_bytes())?;
    let history = history_path(dir, &result.trainee);
    let mut entries = read_history(&history)?;
    entries.push(HistoryEntry::from(result));
    let json = serde_json::to_string_pretty(&entries).unwrap_or_default();
    crate::fsutil::write_atomic(&history, json.as_bytes())?;
    Ok(html_path)
}

/// The score report as one self-contained page.
pub fn result_html(r: &PracticeResult) -> String {
    let s = &r.score;
    let row = |what: &str, given: String, expected: String, right: bool| {
        format!(
            "<tr><td>{what}</td><td>{given}</td><td>{expected}</td><td>{}</td></tr>",
            if right { "right" } else { "<b>wrong</b>" }
        )
    };
    let a = &r.answers;
    let yes = |b: bool| if b { "active" } else { "inactive" }.to_owned();
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Practice score: {case}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:50em;margin:2em auto}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.2em .5em}}</style></head><body>\n\
         <h1>Practice score: {case}</h1>\n<p>{trainee}, {when}{shown}.</p>\n\
         <h2>Lesions</h2>\n<p id=\"metrics\">{metrics}</p>\n",
        metrics = escape(&metrics_sentence(s)),
        case = escape(&r.case),
        trainee = escape(if r.trainee.is_empty() {
            "Trainee"
        } else {
            &r.trainee
        }),
        when = escape(&r.finished_at),
        shown = if r.candidates_shown {
            "; the comparison's candidates were shown"
        } else {
            ""
        },
    );
    h += "<table><tr><th>Lesion</th><th>Position (mm, LPS)</th><th>Reference mm³</th><th>Marked mm³</th></tr>\n";
    for item in score_items(s) {
        let word = escape(item.outcome.word());
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            if item.outcome.is_error() {
                format!("<b>{word}</b>")
            } else {
                word
            },
            escape(&item.position()),
            escape(&item.reference_cell()),
            escape(&item.marked_cell()),
        );
    }
    h += "</table>\n<h2>Summary answers</h2>\n<table><tr><th>Question</th><th>Your answer</th><th>Expert</th><th></th></tr>\n";
    h += &row(
        "New T2/FLAIR lesions",
        a.given.new.to_string(),
        a.expected.new.to_string(),
        a.new_right,
    );
    h += &row(
        "Enlarging lesions",
        a.given.enlarging.to_string(),
        a.expected.enlarging.to_string(),
        a.enlarging_right,
    );
    if a.expected.contrast_compared {
        h += &row(
            "Enhancing lesions",
            a.given.enhancing.to_string(),
            a.expected.enhancing.to_string(),
            a.enhancing_right,
        );
    }
    h += &row(
        "Impression",
        yes(a.given.active),
        yes(a.expected.active),
        a.activity_right,
    );
    h += &format!(
        "</table>\n<p>Scored by Tandem {} ({}).</p>\n</body></html>\n",
        escape(&r.tandem),
        escape(&rules_sentence(s)),
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(new: usize, enlarging: usize, enhancing: usize, active: bool) -> Answers {
        Answers {
            new,
            enlarging,
            enhancing,
            active,
            contrast_compared: true,
        }
    }

    #[test]
    fn answers_are_checked_one_by_one() {
        let check = AnswerCheck::new(answers(2, 0, 2, true), answers(2, 1, 2, true));
        assert_eq!(
            (check.new_right, check.enlarging_right, check.activity_right),
            (true, false, true)
        );
        assert_eq!(check.right(), 3);
        // Enhancement not assessed in the case: any answer is right.
        let mut expected = answers(0, 0, 0, false);
        expected.contrast_compared = false;
        assert!(AnswerCheck::new(answers(0, 0, 5, false), expected).enhancing_right);
    }

    #[test]
    fn rounds_are_saved_and_the_history_grows() {
        let dir = tempfile::tempdir().unwrap();
        let score = crate::training::score(
            &ndarray::Array3::from_elem((4, 4, 4), false),
            &ndarray::Array3::from_elem((4, 4, 4), false),
            &crate::pipeline::geometry::Geometry::axis_aligned([0.0; 3], [1.0; 3]),
            &Default::default(),
        );
        let result = PracticeResult {
            case: "SAMPLE".into(),
            trainee: "Dr <Trainee>".into(),
            finished_at: "2026-11-27T08:00:00Z".into(),
            candidates_shown: false,
            score,
            answers: AnswerCheck::new(answers(1, 0, 0, true), answers(2, 1, 2, true)),
            tandem: "test".into(),
        };
        let html = save_round(dir.path(), &result).unwrap();
        assert!(
            std::fs::read_to_string(html)
                .unwrap()
                .contains("Dr &lt;Trainee&gt;")
        );
        save_round(dir.path(), &result).unwrap();
        let history = read_history(&history_path(dir.path(), "Dr <Trainee>")).unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].answers_right, 1);
    }
}
