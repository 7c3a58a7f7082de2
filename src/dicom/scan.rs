//! Indexes a folder (recursively) or a DICOMDIR into patient → study → series, reading headers
//! only, in parallel. Files that are not DICOM or are broken are listed with the reason and
//! never stop the scan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use rayon::prelude::*;
use serde::Serialize;

use super::attrs;
use super::header::{FileHeader, FileKind, read_header};
use super::series::{Series, build_series};
use crate::error::Error;
use crate::progress::Progress;

/// A file that could not be used, and why.
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    pub path: PathBuf,
    pub problem: String,
}

/// The result of scanning one or more paths.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scan {
    pub patients: Vec<Patient>,
    /// Files that were skipped, with the reason.
    pub problems: Vec<FileProblem>,
    /// Number of files looked at (DICOM or not).
    pub files_seen: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Patient {
    pub id: Option<String>,
    pub name: Option<String>,
    pub studies: Vec<Study>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Study {
    pub uid: String,
    pub date: Option<String>,
    pub time: Option<String>,
    pub description: Option<String>,
    pub series: Vec<Series>,
}

impl Scan {
    /// Every series of every study, in display order.
    pub fn all_series(&self) -> impl Iterator<Item = &Series> {
        self.patients
            .iter()
            .flat_map(|p| &p.studies)
            .flat_map(|s| &s.series)
    }

    /// Every study, in display order.
    pub fn all_studies(&self) -> impl Iterator<Item = &Study> {
        self.patients.iter().flat_map(|p| &p.studies)
    }
}

/// Scans files, folders (recursively) and DICOMDIR files.
pub fn scan_paths(paths: &[PathBuf], progress: &Progress) -> Scan {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        collect_files(path, &mut files, &mut problems, progress);
    }
    files.sort();
    files.dedup();
    progress.add_total(files.len());
    let results: Vec<(PathBuf, Result<FileKind, Error>)> = files
        .par_iter()
        .map(|path| {
            let result = if progress.is_cancelled() {
                Err(Error::Cancelled)
            } else {
                read_header(path)
            };
            progress.advance(1);
            (path.clone(), result)
        })
        .collect();
    let files_seen = results.len();
    let mut headers = Vec::new();
    for (path, result) in results {
        match result {
            Ok(FileKind::Image(header)) => headers.push(*header),
            Ok(FileKind::Directory) => {}
            Err(error) => problems.push(FileProblem {
                path,
                problem: problem_text(&error),
            }),
        }
    }
    let mut scan = organise(headers);
    scan.files_seen = files_seen;
    problems.extend(scan.problems);
    scan.problems = problems;
    scan
}

/// The message without the path prefix (the path is in its own field).
fn problem_text(error: &Error) -> String {
    match error {
        Error::NotDicom { reason, .. } => format!("not a readable DICOM file: {reason}"),
        Error::Unsupported { what, .. } => format!("unsupported: {what}"),
        Error::Io { source, .. } => source.to_string(),
        Error::Limits { problem, .. } => format!("refused: {problem}"),
        other => other.to_string(),
    }
}

/// Expands a path into the files to read: a DICOMDIR yields the files it references, a folder
/// every regular file below it (symbolic links to folders are not followed, to avoid loops).
/// A cancelled `progress` stops the walk (a huge tree on a slow share takes minutes to list).
fn collect_files(
    path: &Path,
    files: &mut Vec<PathBuf>,
    problems: &mut Vec<FileProblem>,
    progress: &Progress,
) {
    if progress.is_cancelled() {
        return;
    }
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => {
            problems.push(FileProblem {
                path: path.to_owned(),
                problem: e.to_string(),
            });
            return;
        }
    };
    if meta.is_file() {
        if is_dicomdir_name(path) {
            match dicomdir_files(path) {
                Ok(referenced) => files.extend(referenced),
                Err(problem) => problems.push(FileProblem {
                    path: path.to_owned(),
                    problem: problem.to_string(),
                }),
            }
        } else {
            files.push(path.to_owned());
        }
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(FileProblem {
                path: path.to_owned(),
                problem: e.to_string(),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let child = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if progress.is_cancelled() {
            return;
        }
        if kind.is_dir() {
            collect_files(&child, files, problems, progress);
        } else if kind.is_file() || (kind.is_symlink() && child.is_file()) {
            files.push(child);
        }
    }
}

fn is_dicomdir_name(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("DICOMDIR"))
}

/// Why a DICOMDIR gave no files.
#[derive(Debug, thiserror::Error)]
enum DicomdirProblem {
    /// The file could not be read (or is too large).
    #[error("not a readable DICOMDIR: {0}")]
    Unreadable(Error),
    /// The file is not DICOM.
    #[error("not a readable DICOMDIR: {0}")]
    NotDicom(dicom_object::ReadError),
    /// A Referenced File ID that could leave the medium (empty, `..`, a separator).
    #[error("Referenced File ID {0:?} is not a plain path")]
    NotPlainPath(Vec<String>),
    #[error("the DICOMDIR references no files")]
    NoFiles,
}

/// Paths of the image files a DICOMDIR references (Referenced File ID, relative to the
/// DICOMDIR's folder, components joined with the platform separator).
fn dicomdir_files(path: &Path) -> Result<Vec<PathBuf>, DicomdirProblem> {
    let bytes = super::file_bytes::read_checked(path).map_err(DicomdirProblem::Unreadable)?;
    let obj = super::file_bytes::parse(&bytes, false).map_err(DicomdirProblem::NotDicom)?;
    let root = path.parent().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    for record in attrs::items(&obj, tags::DIRECTORY_RECORD_SEQUENCE) {
        let Some(element) = record.get(tags::REFERENCED_FILE_ID) else {
            continue;
        };
        let Ok(parts) = element.to_multi_str() else {
            continue;
        };
        let mut file = root.to_path_buf();
        for part in parts.iter() {
            let part = part.trim();
            // Refuse anything that would escape the medium.
            if part.is_empty() || part == ".." || part.contains(['/', '\\']) {
                return Err(DicomdirProblem::NotPlainPath(parts.to_vec()));
            }
            file.push(part);
        }
        files.push(file);
    }
    if files.is_empty() {
        return Err(DicomdirProblem::NoFiles);
    }
    Ok(files)
}

/// Groups headers into patients, studies and series, each sorted for display.
pub fn organise(headers: Vec<FileHeader>) -> Scan {
    let mut by_study: BTreeMap<String, Vec<FileHeader>> = BTreeMap::new();
    for header in headers {
        by_study
            .entry(header.facts.study_uid.clone())
            .or_default()
            .push(header);
    }
    let mut patients: BTreeMap<(Option<String>, Option<String>), Vec<Study>> = BTreeMap::new();
    for (uid, study_headers) in by_study {
        let Some(first) = study_headers.first().map(|h| &h.facts) else {
            continue;
        };
        let key = (first.patient_id.clone(), first.patient_name.clone());
        let (date, time, description) = (
            first.study_date.clone(),
            first.study_time.clone(),
            first.study_description.clone(),
        );
        let series = build_series(study_headers);
        patients.entry(key).or_default().push(Study {
            uid,
            date,
            time,
            description,
            series,
        });
    }
    let patients = patients
        .into_iter()
        .map(|((id, name), mut studies)| {
            studies.sort_by(|a, b| (&a.date, &a.time, &a.uid).cmp(&(&b.date, &b.time, &b.uid)));
            Patient { id, name, studies }
        })
        .collect();
    Scan {
        patients,
        problems: Vec::new(),
        files_seen: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dicomdir_that_is_not_dicom_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("DICOMDIR");
        std::fs::write(&path, b"not a DICOMDIR").unwrap();
        let problem = dicomdir_files(&path).unwrap_err();
        assert!(
            matches!(
                problem,
                DicomdirProblem::Unreadable(_) | DicomdirProblem::NotDicom(_)
            ),
            "{problem}"
        );
        assert!(problem.to_string().starts_with("not a readable DICOMDIR: "));
    }
}
