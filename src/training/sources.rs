//! What can be scored, read into one mask on one grid: a Tandem session or report folder (the
//! new and enlarging lesions at follow-up, as the reading counts them), a NIfTI label map or a
//! DICOM Segmentation (every marked voxel). The reference's grid is the scoring grid; marks on
//! another grid are brought onto it by nearest neighbour through patient coordinates.

use std::collections::BTreeSet;
use std::path::Path;

use ndarray::Array3;

use crate::error::{Error, Result};
use crate::ids::LesionId;
use crate::marks::LesionKind;
use crate::pipeline::geometry::Geometry;
use crate::pipeline::image::{Image, array_shape, grid_dims};
use crate::pipeline::lesion::Status;
use crate::reading::{ReadLesion, marked_places, read_lesions};
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
        grid_dims(self.mask.dim())
    }

    /// The mask on another grid (nearest neighbour in patient mm); itself when the grid is
    /// the same.
    pub fn onto(&self, geometry: &Geometry, dims: [usize; 3]) -> Array3<bool> {
        if *geometry == self.geometry && dims == self.dims() {
            return self.mask.clone();
        }
        let own = self.dims();
        Array3::from_shape_fn(array_shape(dims), |(k, j, i)| {
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
pub fn scored_ids(lesions: &[ReadLesion]) -> BTreeSet<LesionId> {
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
            mask: labels.voxels().mapv(|l| {
                u16::try_from(l)
                    .ok()
                    .and_then(LesionId::from_label)
                    .is_some_and(|id| ids.contains(&id))
            }),
            geometry: *labels.geometry(),
            kind: "report folder",
        });
    }
    let name = path.to_string_lossy().to_lowercase();
    if name.ends_with(".nii") || name.ends_with(".nii.gz") {
        let labels = read_nifti(path)?;
        return Ok(LesionMask {
            mask: labels.voxels().mapv(|l| l != 0),
            geometry: *labels.geometry(),
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
    let scored = session_lesions(&session, path)?;
    let (labels, geometry) = scored.labels.into_parts();
    Ok(LesionMask {
        mask: labels.mapv(|l| l != 0),
        geometry,
        kind: "session",
    })
}

/// A session's scored lesions on its grid, and the reading they come from.
pub struct SessionLesions {
    /// One label per scored lesion, 0 elsewhere, on the comparison grid.
    pub labels: Image<u16>,
    /// Every lesion as the session's reading stands.
    pub lesions: Vec<ReadLesion>,
}

/// The new and enlarging lesions at follow-up as a session's reading counts them, one label
/// per lesion on the comparison grid: the reader's marks where marked and, for lesions the
/// reader kept without marking, the comparison's own outlines (the comparison is run again
/// with the session's settings for that; it is deterministic, and a mismatch is refused).
pub fn session_lesions(session: &Session, path: &Path) -> Result<SessionLesions> {
    let bad = |problem: &str| Error::Format {
        path: path.to_path_buf(),
        problem: problem.to_owned(),
    };
    let marks = match &session.marks {
        Some(saved) => Some(saved.to_marks().map_err(|e| bad(&e.to_string()))?),
        None => None,
    };
    let lesions = read_lesions(
        &session.report,
        &session.decisions,
        marks.as_ref(),
        &marks
            .as_ref()
            .map(|m| marked_places(m, None, &Default::default()))
            .unwrap_or_default(),
    );
    let ids = scored_ids(&lesions);
    let keep = |l: u16| LesionId::from_label(l).is_some_and(|id| ids.contains(&id));
    let needs_comparison = lesions
        .iter()
        .any(|l| ids.contains(&l.id) && l.source == crate::reading::Source::Algorithm);
    if !needs_comparison && let Some(marks) = &marks {
        let followup = marks
            .labels(crate::ids::ExamId::FOLLOWUP)
            .ok_or_else(|| bad("the session's marks have no follow-up exam"))?;
        return Ok(SessionLesions {
            labels: Image::new(
                followup.mapv(|l| if keep(l) { l } else { 0 }),
                *marks.geometry(),
                "the session's marks",
            )?,
            lesions,
        });
    }
    let comparison = crate::compare::compare_full(
        &session.baseline.path,
        &session.followup.path,
        &session.options,
        &crate::progress::Progress::new(),
    )?;
    let same = comparison.report.lesions.len() == session.report.lesions.len()
        && comparison
            .report
            .lesions
            .iter()
            .zip(&session.report.lesions)
            .all(|(a, b)| a.id == b.id && a.followup_labels == b.followup_labels);
    if !same {
        return Err(bad(
            "the comparison now finds other lesions than when the session was saved: open it \
             and mark the lesions you kept",
        ));
    }
    let view = crate::report::labels::primary_view(&comparison.views)
        .ok_or_else(|| bad("the comparison produced no images"))?;
    let labels = crate::report::labels::final_labels(
        &session.report,
        &lesions,
        view,
        marks.as_ref(),
        crate::ids::ExamId::FOLLOWUP,
    );
    Ok(SessionLesions {
        labels: labels.map(|l| if keep(*l) { *l } else { 0 }),
        lesions,
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
