//! The seeds a fuzzing run mutates: files written by tools no one here wrote (the external
//! fixtures: dcmtk, GDCM, pydicom, in every transfer syntax we decode), the DICOMDIR fixture,
//! the sample's teaching case, and the files a comparison of the sample writes (DICOM SEG,
//! NIfTI masks, a saved session).

use std::path::{Path, PathBuf};

use super::targets::{Seed, Target};
use crate::error::{Error, Result};

/// Seeds from the repository at `root` (its `tests/fixtures` and `sample_data`); the files a
/// comparison writes are made under `scratch` when `with_report` (a comparison of the sample
/// pair: seconds in a release build).
pub fn repository_seeds(root: &Path, scratch: &Path, with_report: bool) -> Result<Vec<Seed>> {
    let mut seeds = Vec::new();
    let external = root.join("tests/fixtures/external");
    let folders = sorted_entries(&external, |p| {
        p.is_dir() && p.file_name().is_some_and(|n| n != "expected")
    })?;
    for folder in folders {
        let files = sorted_entries(&folder, |p| {
            p.is_file() && p.extension().is_none_or(|e| e != "md")
        })?;
        for file in files {
            seeds.push(seed(Target::DicomSeries, &folder, &file)?);
        }
    }
    let dicomdir = root.join("tests/fixtures/dicomdir/medium");
    seeds.push(seed(
        Target::Dicomdir,
        &dicomdir,
        &dicomdir.join("DICOMDIR"),
    )?);
    let case = scratch.join("case");
    std::fs::create_dir_all(&case).map_err(|e| Error::io(&case, e))?;
    let case_json = case.join("case.json");
    copy(&root.join("sample_data/case.json"), &case_json)?;
    seeds.push(seed(Target::TeachingCase, &case, &case_json)?);
    if with_report {
        seeds.extend(report_seeds(root, &scratch.join("report"))?);
    }
    Ok(seeds)
}

/// The sample pair compared; its SEG, NIfTI masks and a session saved under `dir`, one folder
/// each (a mutant is read alone).
fn report_seeds(root: &Path, dir: &Path) -> Result<Vec<Seed>> {
    let progress = crate::progress::Progress::new();
    let options = crate::compare::CompareOptions::default();
    let baseline = root.join("sample_data/baseline");
    let followup = root.join("sample_data/followup");
    let comparison = crate::compare::compare_full(&baseline, &followup, &options, &progress)?;
    let mut reading = crate::reading::Reading::new(comparison, options, &[baseline, followup]);
    reading.reader = "Reader".into();
    reading.notes = "notes".into();
    let written = dir.join("written");
    crate::report::write_report_folder(&written, &reading, None, true)?;
    let mut seeds = Vec::new();
    for (target, name) in [
        (Target::Segmentation, "lesions-seg.dcm"),
        (Target::Nifti, "lesions-followup.nii.gz"),
    ] {
        let folder = dir.join(target.name());
        std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
        let file = folder.join(name);
        copy(&written.join(name), &file)?;
        seeds.push(seed(target, &folder, &file)?);
    }
    let folder = dir.join(Target::Session.name());
    std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
    let file = folder.join("reading.tandem");
    crate::session::Session::of(&reading).save(&file)?;
    seeds.push(seed(Target::Session, &folder, &file)?);
    Ok(seeds)
}

fn seed(target: Target, folder: &Path, file: &Path) -> Result<Seed> {
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let name = format!(
        "{}/{}",
        folder
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        file.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    Ok(Seed {
        target,
        name,
        folder: folder.to_path_buf(),
        file: file.to_path_buf(),
        bytes,
    })
}

/// The entries of `dir` that `keep` accepts, sorted (seeds in a fixed order on any machine).
fn sorted_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut kept: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| keep(p))
        .collect();
    kept.sort();
    Ok(kept)
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| Error::io(from, e))
}
