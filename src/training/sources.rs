//! What can be scored, read into one mask on one grid: a Tandem session or report folder (the
//! new and enlarging lesions at follow-up, as the reading counts them), a NIfTI label map or a
//! DICOM Segmentation (every marked voxel). The reference's grid is the scoring grid; marks on
//! another grid are brought onto it by nearest neighbour through patient coordinates.

use std::collections::BTreeSet;
use std::path::Path;

use ndarray::Array3;

use crate::error::{Error, Result};
use crate::geometry::Geometry;
use crate::lesion::Status;
use crate::marks::LesionKind;
use crate::reading::{ReadLesion, marked_centroids, read_lesions};
use crate::report::ReportFile;
use crate::report::nifti::read_nifti;
use crate::session::Session;

/// A mask on its grid, and what it is.
#[derive(Debug, Clone)]
pub struct LesionMask {
    pub mask: Array3<bool>,
    pub geometry: Geometry,
    /// "session", "report folder", "NIfTI", "DICOM SEG".
    pub kind: &'static str,
}

impl LesionMask {
    /// `[i, j, k]`.
    pub fn dims(&self) -> [usize; 3] {
        let (k, j, i) = self.mask.dim();
        [i, j, k]
    }

    /// The mask on another grid (nearest neighbour in patient mm); itself when the grid is
    /// the same.
    pub fn onto(&self, geometry: &Geometry, dims: [usize; 3]) -> Array3<bool> {
        if *geometry == self.geometry && dims == self.dims() {
            return self.mask.clone();
        }
        let own = self.dims();
        Array3::from_shape_fn((dims[2], dims[1], dims[0]), |(k, j, i)| {
            let mm = geometry.index_to_mm([i as f64, j as f64, k as f64]);
            let at = self.geometry.mm_to_index(mm).map(f64::round);
            at.iter().zip(own).all(|(v, d)| *v >= 0.0 && *v < d as f64)
                && self
                    .mask
                    .get((at[2] as usize, at[1] as usize, at[0] as usize))
                    .copied()
                    .unwrap_or(false)
        })
    }
}

/// Lesions that make a follow-up active and that the reading counts: new or enlarging
/// T2/FLAIR (or enhancing) lesions, not rejected.
fn scored_ids(lesions: &[ReadLesion]) -> BTreeSet<u32> {
    lesions
        .iter()
        .filter(|l| l.counted() && l.kind != LesionKind::Other)
        .filter(|l| matches!(l.status, Status::New | Status::Enlarging))
        .map(|l| l.id)
        .collect()
}

fn is_dicom(path: &Path) -> bool {
    let mut head = [0u8; 132];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| &head[128..132] == b"DICM")
}

/// Reads `path` as a lesion mask. `grid` is needed only for a DICOM SEG (which has no grid of
/// its own here): its voxels are placed on it.
pub fn read_lesion_mask(path: &Path, grid: Option<(&Geometry, [usize; 3])>) -> Result<LesionMask> {
    let bad = |problem: &str| Error::Format {
        path: path.to_path_buf(),
        problem: problem.to_owned(),
    };
    if path.is_dir() {
        let json = path.join("report.json");
        let file: ReportFile =
            serde_json::from_slice(&std::fs::read(&json).map_err(|e| Error::io(&json, e))?)
                .map_err(|e| Error::Format {
                    path: json.clone(),
                    problem: format!("not a Tandem report: {e}"),
                })?;
        let ids = scored_ids(&file.reading.lesions);
        let labels = read_nifti(&path.join("lesions-followup.nii.gz"))?;
        return Ok(LesionMask {
            mask: labels.labels.mapv(|l| ids.contains(&l)),
            geometry: labels.geometry,
            kind: "report folder",
        });
    }
    let name = path.to_string_lossy().to_lowercase();
    if name.ends_with(".nii") || name.ends_with(".nii.gz") {
        let labels = read_nifti(path)?;
        return Ok(LesionMask {
            mask: labels.labels.mapv(|l| l != 0),
            geometry: labels.geometry,
            kind: "NIfTI",
        });
    }
    if is_dicom(path) {
        let (geometry, dims) = grid.ok_or_else(|| {
            bad(
                "a DICOM SEG has no grid of its own here: score it against a session, report \
                 folder or NIfTI",
            )
        })?;
        let mask = crate::dicom::seg_import::rasterise_segmentation(path, geometry, dims)?;
        return Ok(LesionMask {
            mask,
            geometry: *geometry,
            kind: "DICOM SEG",
        });
    }
    let session = Session::load(path)?;
    let marks = session
        .marks
        .as_ref()
        .ok_or_else(|| bad("the session holds no marks"))?
        .to_marks()
        .map_err(|e| bad(&e))?;
    let lesions = read_lesions(
        &session.report,
        &session.decisions,
        Some(&marks),
        &marked_centroids(&marks),
    );
    let ids = scored_ids(&lesions);
    let followup = marks
        .labels(1)
        .ok_or_else(|| bad("the session's marks have no follow-up exam"))?;
    Ok(LesionMask {
        mask: followup.mapv(|l| ids.contains(&u32::from(l))),
        geometry: *marks.geometry(),
        kind: "session",
    })
}

/// Reads a reference and marks and brings the marks onto the reference's grid (or, when the
/// reference is a SEG, the reference onto the marks' grid).
pub fn read_pair(reference: &Path, marks: &Path) -> Result<(Array3<bool>, Array3<bool>, Geometry)> {
    match read_lesion_mask(reference, None) {
        Ok(r) => {
            let m = read_lesion_mask(marks, Some((&r.geometry, r.dims())))?;
            let on_ref = m.onto(&r.geometry, r.dims());
            Ok((r.mask, on_ref, r.geometry))
        }
        Err(first) => {
            // A SEG reference: use the marks' grid.
            let Ok(m) = read_lesion_mask(marks, None) else {
                return Err(first);
            };
            let r = read_lesion_mask(reference, Some((&m.geometry, m.dims())))?;
            Ok((r.mask, m.mask, m.geometry))
        }
    }
}
