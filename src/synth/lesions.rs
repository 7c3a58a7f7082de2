//! The synthetic patient's MS plaques: where they are in the head, and how each one changes
//! between the baseline and the follow-up exam. This list is the sample pair's ground truth.

use serde::{Deserialize, Serialize};

use crate::geometry::Vec3;

/// How a lesion changes from baseline to follow-up (the vocabulary of CLINICAL.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    New,
    Enlarging,
    Persistent,
    Shrinking,
    Resolved,
}

/// An ellipsoidal plaque in head coordinates (mm, LPS axes, origin mid-brain).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lesion {
    pub id: u32,
    pub change: Change,
    /// Coarse location (McDonald-style region).
    pub region: String,
    pub centre_head_mm: Vec3,
    /// Semi-axes at baseline (`None`: absent).
    pub radii_baseline_mm: Option<Vec3>,
    /// Semi-axes at follow-up (`None`: absent).
    pub radii_followup_mm: Option<Vec3>,
    /// Enhances after gadolinium at follow-up.
    pub enhancing_followup: bool,
}

impl Lesion {
    /// Semi-axes at the given time point.
    pub fn radii(&self, followup: bool) -> Option<Vec3> {
        if followup {
            self.radii_followup_mm
        } else {
            self.radii_baseline_mm
        }
    }

    /// Ellipsoid volume (mm³) at the given time point.
    pub fn volume_mm3(&self, followup: bool) -> f64 {
        self.radii(followup).map_or(0.0, |r| {
            4.0 / 3.0 * std::f64::consts::PI * r[0] * r[1] * r[2]
        })
    }
}

/// Three persistent plaques, one enlarging plaque and two new enhancing plaques, placed where
/// MS puts them: periventricular (ovoid, perpendicular to the ventricles), juxtacortical and
/// deep white matter.
pub fn sample_lesions() -> Vec<Lesion> {
    let lesion = |id, change, region: &str, c, b, f, enh| Lesion {
        id,
        change,
        region: region.to_owned(),
        centre_head_mm: c,
        radii_baseline_mm: b,
        radii_followup_mm: f,
        enhancing_followup: enh,
    };
    use Change::*;
    vec![
        lesion(
            1,
            Persistent,
            "periventricular",
            [15.0, -6.0, 20.0],
            Some([3.5, 5.5, 3.5]),
            Some([3.5, 5.5, 3.5]),
            false,
        ),
        lesion(
            2,
            Persistent,
            "periventricular",
            [-16.0, 12.0, 16.0],
            Some([4.0, 6.0, 3.5]),
            Some([4.0, 6.0, 3.5]),
            false,
        ),
        lesion(
            3,
            Persistent,
            "deep white matter",
            [-27.0, -18.0, 32.0],
            Some([3.0, 3.0, 3.0]),
            Some([3.0, 3.0, 3.0]),
            false,
        ),
        lesion(
            4,
            Enlarging,
            "deep white matter",
            [26.0, 14.0, 30.0],
            Some([3.0, 3.0, 3.0]),
            Some([4.6, 4.6, 4.4]),
            false,
        ),
        lesion(
            5,
            New,
            "juxtacortical",
            [-36.0, 28.0, 22.0],
            None,
            Some([3.5, 3.5, 3.5]),
            true,
        ),
        lesion(
            6,
            New,
            "periventricular",
            [12.0, 24.0, 14.0],
            None,
            Some([3.0, 4.5, 3.0]),
            true,
        ),
    ]
}

/// The plaques present at baseline, unchanged at follow-up: a patient with stable disease.
pub fn stable_lesions() -> Vec<Lesion> {
    sample_lesions()
        .into_iter()
        .filter(|l| l.radii_baseline_mm.is_some())
        .map(|mut l| {
            l.change = Change::Persistent;
            l.radii_followup_mm = l.radii_baseline_mm;
            l.enhancing_followup = false;
            l
        })
        .collect()
}
