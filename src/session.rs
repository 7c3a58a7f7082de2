//! The session file: the whole state of a reading, so a reader can stop and come back.
//!
//! Format (JSON, documented in `docs/session-format.md`): `format` = `"tandem-session"`,
//! `version` (this build writes and reads [`VERSION`]; a newer version is refused whole, never
//! half-read), the build that saved it, the time, the reader, the exams (path and Study /
//! Series Instance UIDs), the comparison's options and report (registration, settings,
//! candidates), the reader's decisions, notes and marks (label volumes as deflated run lengths
//! in base64, see [`crate::marks::encode_labels`]).
//!
//! Saves are atomic (temporary file, then rename). Autosaves go to one recovery file in the
//! user's data folder; it is deleted when the reading is saved or closed cleanly, so finding
//! it at start means the last reading was interrupted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::compare::{CompareOptions, Report};
use crate::error::{Error, Result};
use crate::ids::LesionId;
use crate::marks::{
    ExamLabels, LabelDataProblem, LesionRecord, Marks, decode_labels, encode_labels,
};
use crate::pipeline::geometry::{Geometry, GeometryProblem};
pub use crate::reading::ExamLocation;
use crate::reading::{Decision, Reading};

/// What the `format` field says.
pub const FORMAT: &str = "tandem-session";
/// The format version this build writes, and the newest it reads.
pub const VERSION: u32 = 1;
/// Usual file extension.
pub const EXTENSION: &str = "tandem";

/// One exam's marks as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedLabels {
    pub study_uid: String,
    /// How `labels` is encoded: `"rle-u16-deflate-base64"`.
    pub encoding: String,
    pub labels: String,
}

const LABEL_ENCODING: &str = "rle-u16-deflate-base64";

/// The marks as saved: the grid they live on, one label volume per exam, the lesion records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedMarks {
    pub geometry: Geometry,
    /// `[i, j, k]`.
    pub dims: [usize; 3],
    pub exams: Vec<SavedLabels>,
    pub lesions: BTreeMap<LesionId, LesionRecord>,
}

impl SavedMarks {
    pub fn from_marks(marks: &Marks) -> Self {
        Self {
            geometry: *marks.geometry(),
            dims: marks.dims(),
            exams: marks
                .exams()
                .iter()
                .map(|e| SavedLabels {
                    study_uid: e.study_uid.clone(),
                    encoding: LABEL_ENCODING.to_owned(),
                    labels: e.labels.as_slice().map(encode_labels).unwrap_or_else(|| {
                        encode_labels(&e.labels.iter().copied().collect::<Vec<_>>())
                    }),
                })
                .collect(),
            lesions: marks.records().clone(),
        }
    }

    /// The marks back, or what is wrong with them.
    pub fn to_marks(&self) -> std::result::Result<Marks, MarksProblem> {
        let [i, j, k] = self.dims;
        let len = i
            .checked_mul(j)
            .and_then(|n| n.checked_mul(k))
            .filter(|n| *n > 0 && (*n as u64) <= crate::dicom::series::MAX_VOXELS)
            .ok_or(MarksProblem::Grid(self.dims))?;
        self.geometry.validate()?;
        let mut exams = Vec::new();
        for saved in &self.exams {
            if saved.encoding != LABEL_ENCODING {
                return Err(MarksProblem::Encoding(saved.encoding.clone()));
            }
            let labels = decode_labels(&saved.labels, len)?;
            let labels = ndarray::Array3::from_shape_vec((k, j, i), labels)?;
            exams.push(ExamLabels {
                study_uid: saved.study_uid.clone(),
                labels,
            });
        }
        Ok(Marks::from_parts(
            self.geometry,
            exams,
            self.lesions.clone(),
        ))
    }
}

/// Why saved marks cannot be restored ([`SavedMarks::to_marks`]).
#[derive(Debug, thiserror::Error)]
pub enum MarksProblem {
    /// `[i, j, k]` with no voxels, or more than a volume may hold.
    #[error("marks grid {} × {} × {} is impossible", .0[0], .0[1], .0[2])]
    Grid([usize; 3]),
    #[error(transparent)]
    Geometry(#[from] GeometryProblem),
    /// A label encoding this build does not know.
    #[error("marks encoded as {0:?}, which this build cannot read")]
    Encoding(String),
    #[error(transparent)]
    Labels(#[from] LabelDataProblem),
    #[error("marks do not fit their grid: {0}")]
    Shape(#[from] ndarray::ShapeError),
}

/// Why bytes are not a session this build can use ([`Session::from_json`]).
#[derive(Debug, thiserror::Error)]
pub enum SessionProblem {
    #[error("not a Tandem session (not JSON: {0})")]
    NotJson(serde_json::Error),
    /// JSON without `"format": "tandem-session"`.
    #[error("not a Tandem session (no \"format\": \"tandem-session\")")]
    NotSession,
    /// Saved in a newer format `version`, by the build `by`.
    #[error(
        "saved in session format version {version} (by {by}); this build reads up to version \
         {VERSION}: open it with a newer Tandem"
    )]
    Newer { version: u64, by: String },
    #[error("the session has no valid format version")]
    NoVersion,
    /// The right format and version, but fields missing or of the wrong kind.
    #[error("the session is damaged: {0}")]
    Damaged(serde_json::Error),
    #[error(transparent)]
    Marks(#[from] MarksProblem),
}

/// A whole reading.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub format: String,
    pub version: u32,
    /// The build that saved it.
    pub tandem: String,
    /// UTC, ISO 8601.
    pub saved_at: String,
    pub reader: String,
    /// The reader's free-text notes for the report.
    pub notes: String,
    pub baseline: ExamLocation,
    pub followup: ExamLocation,
    pub options: CompareOptions,
    /// The comparison as it was reviewed (registration, settings, candidates and their ids).
    pub report: Report,
    pub decisions: BTreeMap<LesionId, Decision>,
    pub marks: Option<SavedMarks>,
    /// Rulers and regions of interest (absent from sessions saved before they existed).
    #[serde(default)]
    pub measurements: Vec<crate::reading::Measurement>,
}

impl Session {
    /// The session file's content of `reading`, stamped with this build and the time now.
    pub fn of(reading: &Reading) -> Self {
        Self {
            marks: Some(SavedMarks::from_marks(&reading.marks)),
            ..Self::without_marks(reading)
        }
    }

    /// [`Session::of`] with the marks left out (`None`), for a caller that encodes them
    /// elsewhere (autosave does, on its own thread).
    pub fn without_marks(reading: &Reading) -> Self {
        let exam = |n: usize| reading.exams.get(n).cloned().unwrap_or_default();
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            tandem: crate::build_info::describe(),
            saved_at: crate::clock::Utc::now().iso(),
            reader: reading.reader.clone(),
            notes: reading.notes.clone(),
            baseline: exam(0),
            followup: exam(1),
            options: reading.options.clone(),
            report: reading.report().clone(),
            decisions: reading.decisions.clone(),
            marks: None,
            measurements: reading.measurements.clone(),
        }
    }

    /// Puts this session's reading onto `reading`, a fresh comparison of the same exams: the
    /// reader, notes and decisions, the comparison's candidates as reviewed, and the marks when
    /// they are on the same grid. Returns what could not be restored as it was.
    pub fn restore_onto(&self, reading: &mut Reading) -> Vec<&'static str> {
        let mut warnings = Vec::new();
        let same = |a: &Report, b: &Report| {
            a.lesions.len() == b.lesions.len()
                && a.lesions
                    .iter()
                    .zip(&b.lesions)
                    .all(|(x, y)| x.id == y.id && x.followup_labels == y.followup_labels)
        };
        if !same(reading.report(), &self.report) {
            warnings.push(
                "the comparison now finds other candidates than when saved; the saved ones are shown",
            );
        }
        reading.replace_report(self.report.clone());
        reading.decisions = self.decisions.clone();
        reading.reader = self.reader.clone();
        reading.notes = self.notes.clone();
        reading.measurements = self.measurements.clone();
        if let Some(saved) = &self.marks {
            match saved.to_marks() {
                Ok(marks)
                    if marks.dims() == reading.marks.dims()
                        && marks.geometry() == reading.marks.geometry() =>
                {
                    reading.marks = marks;
                }
                Ok(_) => warnings.push("the saved marks are on another grid and were not restored"),
                Err(_) => warnings.push("the saved marks could not be read"),
            }
        }
        warnings
    }

    /// The session file's text (pretty JSON).
    pub fn to_json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(self)
    }

    /// Writes the session atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = self.to_json().map_err(|e| Error::Format {
            path: path.to_path_buf(),
            problem: format!("the session could not be put into words (JSON): {e}"),
        })?;
        crate::fsutil::write_atomic(path, json.as_bytes())
    }

    /// Reads a session; a file of another format or a newer version is refused with a message
    /// that says so, before any of it is used.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&bytes).map_err(|problem| Error::Format {
            path: path.to_path_buf(),
            problem: problem.to_string(),
        })
    }

    /// A session from its file's bytes, or why they are not one this build can use.
    pub fn from_json(bytes: &[u8]) -> std::result::Result<Self, SessionProblem> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(SessionProblem::NotJson)?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(SessionProblem::NotSession);
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version > u64::from(VERSION) {
            let by = value
                .get("tandem")
                .and_then(|t| t.as_str())
                .unwrap_or("a newer Tandem")
                .to_owned();
            return Err(SessionProblem::Newer { version, by });
        }
        if version == 0 {
            return Err(SessionProblem::NoVersion);
        }
        let session: Session = serde_json::from_value(value).map_err(SessionProblem::Damaged)?;
        if let Some(marks) = &session.marks {
            marks.to_marks().map(drop)?;
        }
        Ok(session)
    }

    /// Counts of marked lesions and marked voxels (for the recovery prompt).
    pub fn marks_summary(&self) -> (usize, u64) {
        match self.marks.as_ref().map(SavedMarks::to_marks) {
            Some(Ok(marks)) => {
                let voxels = marks
                    .exams()
                    .iter()
                    .map(|e| e.labels.iter().filter(|l| **l != 0).count() as u64)
                    .sum();
                (marks.ids().len(), voxels)
            }
            _ => (0, 0),
        }
    }
}

/// The folder for autosaves: `$TANDEM_DATA_DIR`, else `$XDG_DATA_HOME/tandem`, else
/// `~/.local/share/tandem`.
pub fn data_dir() -> Option<PathBuf> {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("TANDEM_DATA_DIR")
        .or_else(|| env("XDG_DATA_HOME").map(|d| d.join("tandem")))
        .or_else(|| env("HOME").map(|h| h.join(".local/share/tandem")))
}

/// The recovery file autosaves write, in `dir` (see [`data_dir`]).
pub fn recovery_path(dir: &Path) -> PathBuf {
    dir.join(format!("recovery.{EXTENSION}"))
}

/// Writes the recovery file in `dir` (creating it).
pub fn autosave(session: &Session, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = recovery_path(dir);
    session.save(&path)?;
    Ok(path)
}

/// Removes the recovery file (after a save, or a close with nothing unsaved).
pub fn clear_recovery(dir: &Path) {
    let _ = std::fs::remove_file(recovery_path(dir));
}

/// The interrupted reading, if one was left in `dir`: the session, or why it cannot be read.
pub fn pending_recovery(dir: &Path) -> Option<(PathBuf, Result<Session>)> {
    let path = recovery_path(dir);
    path.exists().then(|| {
        let session = Session::load(&path);
        (path, session)
    })
}

/// Where an exam is now: its saved path if the study is still there, else `None` (the caller
/// asks the reader for the new location and checks it with [`study_at`]).
pub fn locate_exam(exam: &ExamLocation) -> Option<PathBuf> {
    study_at(&exam.path, &exam.study_uid).then(|| exam.path.clone())
}

/// Whether `path` holds the study `study_uid` (headers only).
pub fn study_at(path: &Path, study_uid: &str) -> bool {
    if !path.exists() {
        return false;
    }
    let scan = crate::dicom::scan_paths(&[path.to_path_buf()], &crate::progress::Progress::new());
    scan.patients
        .iter()
        .flat_map(|p| &p.studies)
        .any(|s| s.uid == study_uid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_session_says_why_by_variant() {
        let problem = |text: &str| Session::from_json(text.as_bytes()).unwrap_err();
        assert!(matches!(problem("{"), SessionProblem::NotJson(_)));
        assert!(matches!(
            problem(r#"{"format": "other"}"#),
            SessionProblem::NotSession
        ));
        let newer = problem(r#"{"format": "tandem-session", "version": 9, "tandem": "T 9"}"#);
        assert!(
            matches!(&newer, SessionProblem::Newer { version: 9, by } if by == "T 9"),
            "{newer}"
        );
        assert_eq!(
            newer.to_string(),
            "saved in session format version 9 (by T 9); this build reads up to version 1: \
             open it with a newer Tandem"
        );
        assert!(matches!(
            problem(r#"{"format": "tandem-session"}"#),
            SessionProblem::NoVersion
        ));
        assert!(matches!(
            problem(r#"{"format": "tandem-session", "version": 1}"#),
            SessionProblem::Damaged(_)
        ));
    }

    #[test]
    fn impossible_marks_say_why_by_variant() {
        let mut saved = SavedMarks {
            geometry: Geometry {
                origin: [0.0; 3],
                spacing: [1.0; 3],
                direction: crate::pipeline::geometry::IDENTITY,
            },
            dims: [0, 2, 2],
            exams: Vec::new(),
            lesions: BTreeMap::new(),
        };
        let grid = saved.to_marks().unwrap_err();
        assert!(matches!(grid, MarksProblem::Grid([0, 2, 2])), "{grid}");
        assert_eq!(grid.to_string(), "marks grid 0 × 2 × 2 is impossible");
        saved.dims = [2, 2, 2];
        saved.exams.push(SavedLabels {
            study_uid: "1.2".into(),
            encoding: LABEL_ENCODING.into(),
            labels: encode_labels(&[0; 7]),
        });
        assert!(matches!(
            saved.to_marks(),
            Err(MarksProblem::Labels(LabelDataProblem::WrongCount {
                found: 7,
                len: 8
            }))
        ));
        saved.geometry.spacing[0] = 0.0;
        assert!(matches!(
            saved.to_marks(),
            Err(MarksProblem::Geometry(GeometryProblem::Spacing(_)))
        ));
    }
}
