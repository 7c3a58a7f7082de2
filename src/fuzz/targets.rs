//! The entry points a fuzzed file is fed to: each reads a user's file the way the app and the
//! command line do, and may fail with an error, never with a panic.

use std::path::{Path, PathBuf};

use crate::dicom::{decode_file, load_series, scan_paths};
use crate::progress::Progress;

/// What kind of file a seed is, and so which entry points read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// One file of a DICOM series (the rest of the series beside it, unmutated): folder scan,
    /// series load, whole-file decode.
    DicomSeries,
    /// A DICOMDIR (its referenced files beside it): the scan that follows it.
    Dicomdir,
    /// A DICOM SEG read as a lesion mask on a grid.
    Segmentation,
    /// A NIfTI lesion mask.
    Nifti,
    /// A saved reading session (JSON).
    Session,
    /// A teaching case's `case.json`.
    TeachingCase,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::DicomSeries => "dicom-series",
            Target::Dicomdir => "dicomdir",
            Target::Segmentation => "seg",
            Target::Nifti => "nifti",
            Target::Session => "session",
            Target::TeachingCase => "case-json",
        }
    }

    /// Whether the DICOM structure-aware mutations apply.
    pub fn is_dicom(self) -> bool {
        matches!(
            self,
            Target::DicomSeries | Target::Dicomdir | Target::Segmentation
        )
    }
}

/// A seed: a file to mutate, the folder it lives in (copied beside every mutant, so a series
/// or a DICOMDIR keeps its other files), and which entry points read it.
#[derive(Debug, Clone)]
pub struct Seed {
    pub target: Target,
    /// A name for reports: the seed's folder and file.
    pub name: String,
    /// The folder copied for each worker (the seed's own file replaced by each mutant).
    pub folder: PathBuf,
    /// The mutated file's path inside `folder`.
    pub file: PathBuf,
    pub bytes: Vec<u8>,
}

/// Feeds the file at `path` (in `folder`) to the target's entry points. Errors are expected
/// and ignored: only a panic, an abort or a hang is a failure.
pub fn exercise(target: Target, folder: &Path, path: &Path) {
    let progress = Progress::new();
    match target {
        Target::DicomSeries => {
            let scan = scan_paths(&[folder.to_path_buf()], &progress);
            for series in scan.all_series() {
                let _ = load_series(series, &progress);
            }
            let _ = decode_file(path);
        }
        Target::Dicomdir => {
            let _ = scan_paths(&[path.to_path_buf()], &progress);
        }
        Target::Segmentation => {
            let geometry = crate::pipeline::geometry::Geometry::axis_aligned([0.0; 3], [1.0; 3]);
            let _ = crate::dicom::seg_import::rasterise_segmentation(path, &geometry, [64, 64, 32]);
        }
        Target::Nifti => {
            let _ = crate::report::nifti::read_nifti(path);
            let _ = crate::training::sources::read_lesion_mask(path, None);
        }
        Target::Session => {
            let _ = crate::session::Session::load(path);
        }
        Target::TeachingCase => {
            let _ = crate::training::practice::Case::open(folder);
        }
    }
}
