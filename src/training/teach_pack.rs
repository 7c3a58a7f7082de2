//! Teaching cases from an expert's finished reading: `tandem teach-pack SESSION --out CASE`.
//!
//! A case folder holds `baseline/` and `followup/` (every file of the two studies, de-identified
//! by [`crate::dicom::anonymise`] with one secret, so series still pair and dates keep their
//! interval), `reference/lesions-followup.nii.gz` (the expert's new and enlarging lesions at
//! follow-up, one label per lesion, on the comparison grid), `case.json` (the answers to the
//! summary questions) and, if given, `note.md`. The case is built in a temporary folder and
//! renamed into place, so a case folder is never half-written; an existing folder is never
//! replaced.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dicom::anonymise::Anonymiser;
use crate::error::{Error, Result};
use crate::reading::read_summary;
use crate::session::Session;

/// What `case.json` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFile {
    /// `"tandem-case"`.
    pub format: String,
    pub version: u32,
    /// The case's name (also the patient name and ID in its files).
    pub label: String,
    /// The build that made it.
    pub made_by: String,
    /// The expert's answers to the summary questions.
    pub answers: Answers,
    /// The reference label map, relative to the case folder.
    pub reference: String,
    /// Files de-identified per exam.
    pub files: [usize; 2],
}

/// The summary a follow-up report states, as questions a trainee answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers {
    pub new: usize,
    pub enlarging: usize,
    pub enhancing: usize,
    pub active: bool,
    pub contrast_compared: bool,
}

/// Makes the teaching case `out` from the session at `session_path`.
pub fn teach_pack(
    session_path: &Path,
    out: &Path,
    label: &str,
    secret: &str,
    note: Option<&str>,
) -> Result<CaseFile> {
    if out.exists() && std::fs::read_dir(out).map_or(true, |mut d| d.next().is_some()) {
        return Err(Error::Exists {
            path: out.to_path_buf(),
        });
    }
    let session = Session::load(session_path)?;
    // The reference: the new and enlarging lesions as the expert's reading counts them; the
    // answers: that reading's summary.
    let scored = crate::training::sources::session_lesions(&session, session_path)?;
    let summary = read_summary(&session.report, &scored.lesions);

    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let name = out
        .file_name()
        .map_or_else(|| "case".into(), |n| n.to_string_lossy().into_owned());
    let building = parent.join(format!(".{name}.building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let result = (|| {
        let anonymiser = Anonymiser::new(label, secret);
        let mut files = [0usize; 2];
        for (n, (exam, folder)) in [
            (&session.baseline, "baseline"),
            (&session.followup, "followup"),
        ]
        .into_iter()
        .enumerate()
        {
            let dir = building.join(folder);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            for (i, file) in study_files(&exam.path, &exam.study_uid).iter().enumerate() {
                // Numbered names: original file names can carry identifiers.
                anonymiser.anonymise_file(file, &dir.join(format!("IM{:05}.dcm", i + 1)))?;
                files[n] += 1;
            }
            if files[n] == 0 {
                return Err(Error::Format {
                    path: exam.path.clone(),
                    problem: "holds no file of the session's study".into(),
                });
            }
        }
        let reference = building.join("reference");
        std::fs::create_dir_all(&reference).map_err(|e| Error::io(&reference, e))?;
        crate::report::nifti::write_nifti_gz(
            &reference.join("lesions-followup.nii.gz"),
            &scored.labels,
            "Tandem teaching case reference: new and enlarging lesions at follow-up",
        )?;
        let case = CaseFile {
            format: "tandem-case".into(),
            version: 1,
            label: label.to_owned(),
            made_by: crate::build_info::describe(),
            answers: Answers {
                // A case's answers are numbers: what was not assessed is asked as 0 (the
                // question on enhancement is not asked then; `Answers` has no T2 flag yet).
                new: summary.counts.new.unwrap_or(0),
                enlarging: summary.counts.enlarging.unwrap_or(0),
                enhancing: summary.counts.enhancing.unwrap_or(0),
                active: summary.active,
                contrast_compared: summary.counts.contrast_compared(),
            },
            reference: "reference/lesions-followup.nii.gz".into(),
            files,
        };
        let json = serde_json::to_string_pretty(&case).unwrap_or_default();
        crate::fsutil::write_atomic(&building.join("case.json"), json.as_bytes())?;
        if let Some(note) = note {
            crate::fsutil::write_atomic(&building.join("note.md"), note.as_bytes())?;
        }
        if out.exists() {
            // An empty folder was there: replace it with the finished case.
            std::fs::remove_dir(out).map_err(|e| Error::io(out, e))?;
        }
        std::fs::rename(&building, out).map_err(|e| Error::io(out, e))?;
        Ok(case)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&building);
    }
    result
}

/// Every file of study `study_uid` under `path`, sorted.
fn study_files(path: &Path, study_uid: &str) -> Vec<PathBuf> {
    let scan = crate::dicom::scan_paths(&[path.to_path_buf()], &crate::progress::Progress::new());
    let mut files: Vec<PathBuf> = scan
        .patients
        .iter()
        .flat_map(|p| &p.studies)
        .filter(|s| s.uid == study_uid)
        .flat_map(|s| &s.series)
        .flat_map(|s| s.files.iter().cloned())
        .collect();
    files.sort();
    files.dedup();
    files
}

/// A secret for one case: unpredictable enough that UIDs and the date offset cannot be
/// recomputed from the originals (time, process and address mixed; no identifiers).
pub fn fresh_secret() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let local = 0u8;
    let address = std::ptr::addr_of!(local) as u64;
    let a = crate::synth::noise::mix64(nanos ^ u64::from(std::process::id()).rotate_left(32));
    let b = crate::synth::noise::mix64(a ^ address);
    format!("{a:016x}{b:016x}")
}
