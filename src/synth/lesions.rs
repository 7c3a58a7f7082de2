//! The synthetic patient's MS plaques: where they are in the head, and how each one changes
//! between the baseline and the follow-up exam. This list is the sample pair's ground truth.
//!
//! Plaques are placed on the real anatomy of `atlas` where MS puts them (periventricular,
//! juxtacortical, deep white matter, infratentorial), by rules on the tissue fractions around
//! a candidate centre, from a deterministic random stream: the same seed gives the same patient.

use serde::{Deserialize, Serialize};

use crate::pipeline::geometry::Vec3;

use super::atlas::{Atlas, atlas};
use super::noise;

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
    /// Enhanced at baseline (an old active plaque that has since calmed down).
    #[serde(default)]
    pub enhancing_baseline: bool,
    /// FLAIR signal relative to normal-appearing white matter (1.3–1.8).
    #[serde(default = "default_flair_ratio")]
    pub flair_ratio: f64,
    /// T1 signal before gadolinium relative to white matter: 0.75–0.95 iso/hypointense, about
    /// 0.45 for a chronic "black hole".
    #[serde(default = "default_t1_ratio")]
    pub t1_ratio: f64,
    /// T1 signal after gadolinium while enhancing, relative to white matter (1.3–1.8).
    #[serde(default = "default_enhancement_ratio")]
    pub enhancement_ratio: f64,
}

fn default_flair_ratio() -> f64 {
    1.6
}

fn default_t1_ratio() -> f64 {
    0.85
}

fn default_enhancement_ratio() -> f64 {
    1.55
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

/// Where MS puts a plaque (McDonald regions, and deep white matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    Periventricular,
    Juxtacortical,
    DeepWhiteMatter,
    Infratentorial,
}

impl Region {
    /// The name the ground truth and the report use.
    pub fn name(self) -> &'static str {
        match self {
            Region::Periventricular => "periventricular",
            Region::Juxtacortical => "juxtacortical",
            Region::DeepWhiteMatter => "deep white matter",
            Region::Infratentorial => "infratentorial",
        }
    }
}

/// A plaque to place: how it changes, where, how large at each exam (semi-axis, mm; 0 =
/// absent), whether it enhances at follow-up and at baseline, and whether it is a T1 black hole.
#[derive(Debug, Clone, Copy)]
pub struct PlaquePlan {
    pub change: Change,
    pub region: Region,
    pub radius_baseline_mm: f64,
    pub radius_followup_mm: f64,
    pub enhancing_followup: bool,
    pub enhancing_baseline: bool,
    pub black_hole: bool,
}

impl PlaquePlan {
    pub fn new(change: Change, region: Region, baseline: f64, followup: f64) -> Self {
        Self {
            change,
            region,
            radius_baseline_mm: baseline,
            radius_followup_mm: followup,
            enhancing_followup: false,
            enhancing_baseline: false,
            black_hole: false,
        }
    }

    pub fn enhancing(mut self) -> Self {
        self.enhancing_followup = true;
        self
    }
}

/// Candidate centres tried per plaque: a large deep plaque fits in few places of the template.
const PLACEMENT_TRIES: usize = 100_000;

/// Places every plan on the atlas, in order, without overlaps (3 mm apart at least), from the
/// random stream `seed`. A plan for which no place is found in `PLACEMENT_TRIES` tries is left out (the
/// ground truth lists only what was drawn).
pub fn place_plaques(seed: u64, plans: &[PlaquePlan]) -> Vec<Lesion> {
    let mut placed: Vec<Lesion> = Vec::new();
    let Some(atlas) = atlas() else {
        return placed;
    };
    let mut key = noise::mix64(seed ^ 0x504C_4151_5545);
    for plan in plans {
        let r = plan
            .radius_baseline_mm
            .max(plan.radius_followup_mm)
            .max(0.5);
        for _ in 0..PLACEMENT_TRIES {
            key = noise::mix64(key);
            let u = |n: u64| noise::uniform(key ^ n);
            // Candidate centre anywhere in the template's brain box (RAS mm).
            let ras = [
                -70.0 + 140.0 * u(1),
                -105.0 + 175.0 * u(2),
                -60.0 + 140.0 * u(3),
            ];
            let centre = Atlas::ras_to_head(ras);
            let clear = placed.iter().all(|l| {
                let lr = l
                    .radii(true)
                    .or(l.radii(false))
                    .map_or(0.0, |v| v[0].max(v[1]).max(v[2]));
                crate::pipeline::geometry::norm(crate::pipeline::geometry::sub(
                    l.centre_head_mm,
                    centre,
                )) > r + lr + 3.0
            });
            // Ovoid, a little elongated along a random axis, as plaques are.
            let stretch = [1.0 + 0.4 * u(4), 1.0 + 0.4 * u(5), 1.0 + 0.4 * u(6)];
            let mean = (stretch[0] * stretch[1] * stretch[2]).cbrt();
            let radii = |radius: f64| (radius > 0.0).then(|| stretch.map(|s| radius * s / mean));
            let largest = radii(r).unwrap_or([r; 3]);
            if !clear
                || !fits(atlas, plan.region, centre, ras, r)
                || !surroundings_fit(atlas, plan.region, centre, largest)
            {
                continue;
            }
            placed.push(Lesion {
                id: placed.len() as u32 + 1,
                change: plan.change,
                region: plan.region.name().to_owned(),
                centre_head_mm: centre,
                radii_baseline_mm: radii(plan.radius_baseline_mm),
                radii_followup_mm: radii(plan.radius_followup_mm),
                enhancing_followup: plan.enhancing_followup,
                enhancing_baseline: plan.enhancing_baseline,
                flair_ratio: 1.3 + 0.5 * u(7),
                t1_ratio: if plan.black_hole {
                    0.4 + 0.1 * u(8)
                } else {
                    0.75 + 0.2 * u(8)
                },
                enhancement_ratio: 1.3 + 0.5 * u(9),
            });
            break;
        }
    }
    placed
}

/// Whether a plaque of radius `r` centred at `centre` sits in `region` on the atlas.
fn fits(atlas: &Atlas, region: Region, centre: Vec3, ras: Vec3, r: f64) -> bool {
    let at = |offset: Vec3| atlas.sample(crate::pipeline::geometry::add(centre, offset));
    let c = at([0.0; 3]);
    let axes = [
        [r, 0.0, 0.0],
        [-r, 0.0, 0.0],
        [0.0, r, 0.0],
        [0.0, -r, 0.0],
        [0.0, 0.0, r],
        [0.0, 0.0, -r],
    ];
    let rim: Vec<_> = axes.iter().map(|a| at(*a)).collect();
    let rim_white = rim.iter().filter(|s| s.white > 0.5).count();
    // Grey matter within `gap` mm of the plaque's surface, in 14 directions (axes and
    // diagonals): the McDonald sense of "touching the cortex" when `gap` is small.
    let grey_within = |gap: f64, level: f64| {
        let d = r + gap;
        let e = d / 3f64.sqrt();
        let diagonals = [
            [e, e, e],
            [e, e, -e],
            [e, -e, e],
            [e, -e, -e],
            [-e, e, e],
            [-e, e, -e],
            [-e, -e, e],
            [-e, -e, -e],
        ];
        axes.iter()
            .map(|a| a.map(|v| v / r * d))
            .chain(diagonals)
            .filter(|o| at(*o).grey > level)
            .count()
    };
    let posterior_fossa = ras[2] < -20.0 && ras[1] < -35.0;
    // Each region with a margin, so the truth is unambiguous: a reader (or a detector) that
    // follows the McDonald definitions must agree with it.
    match region {
        Region::Periventricular => {
            // Within 2 mm of a ventricle, clear of the cortex.
            c.white > 0.6
                && c.to_ventricle_mm >= r * 0.6
                && c.to_ventricle_mm <= r + 2.0
                && rim_white >= 4
                && grey_within(5.0, 0.5) == 0
                && !posterior_fossa
        }
        Region::Juxtacortical => {
            // In white matter, touching the cortex, far from the ventricles.
            c.white > 0.6
                && grey_within(1.0, 0.6) >= 1
                && rim_white >= 4
                && c.to_ventricle_mm > r + 12.0
                && c.outside_mm == 0.0
                && !posterior_fossa
                && ras[2] > -10.0
        }
        Region::DeepWhiteMatter => {
            // At least 5 mm of white matter all round; 8 mm from the ventricles.
            c.white > 0.9
                && rim.iter().all(|s| s.white > 0.75)
                && grey_within(5.0, 0.3) == 0
                && c.to_ventricle_mm > r + 8.0
                && !posterior_fossa
        }
        Region::Infratentorial => {
            posterior_fossa && c.white > 0.6 && rim_white >= 5 && ras[2] < -25.0
        }
    }
}

/// Directions spread evenly over the sphere (a Fibonacci lattice), for the dense checks of
/// `surroundings_fit`.
const SURROUND_DIRECTIONS: usize = 96;

/// The nearest gap (mm, in 0.5 mm steps up to `max_gap`) between the surface of the ovoid with
/// semi-axes `radii` at `centre` and a point where `hit` holds, over `SURROUND_DIRECTIONS`.
fn nearest_gap(
    atlas: &Atlas,
    centre: Vec3,
    radii: Vec3,
    max_gap: f64,
    hit: impl Fn(&super::atlas::Sample) -> bool,
) -> Option<f64> {
    let mut nearest: Option<f64> = None;
    for n in 0..SURROUND_DIRECTIONS {
        let z = 1.0 - 2.0 * (n as f64 + 0.5) / SURROUND_DIRECTIONS as f64;
        let ring = (1.0 - z * z).sqrt();
        let phi = n as f64 * GOLDEN_ANGLE;
        let u = [ring * phi.cos(), ring * phi.sin(), z];
        // Distance from the centre to the ovoid's surface along `u`.
        let surface = 1.0
            / ((u[0] / radii[0]).powi(2) + (u[1] / radii[1]).powi(2) + (u[2] / radii[2]).powi(2))
                .sqrt();
        let mut gap = 0.0;
        while gap <= max_gap && nearest.is_none_or(|g| gap < g) {
            let p = crate::pipeline::geometry::add(centre, u.map(|c| c * (surface + gap)));
            if hit(&atlas.sample(p)) {
                nearest = Some(gap);
                break;
            }
            gap += 0.5;
        }
    }
    nearest
}

/// The golden angle (radians), the step of a Fibonacci lattice.
const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;

/// The region's margins checked all round the plaque's real (ovoid) surface. `fits` samples
/// 14 points of a sphere of the plan's radius; a stretched plaque reaches past that sphere, and
/// grey matter slips between the 14 points: in the corpus of session 5, a third of the "deep"
/// plaques had grey matter within 2 mm of their surface, some touching it, so the truth called
/// deep what a reader (and the locator) calls juxtacortical.
fn surroundings_fit(atlas: &Atlas, region: Region, centre: Vec3, radii: Vec3) -> bool {
    let grey_gap =
        |level: f64, max_gap: f64| nearest_gap(atlas, centre, radii, max_gap, |s| s.grey > level);
    match region {
        // Touching the cortex: grey matter within 1 mm of the surface somewhere.
        Region::Juxtacortical => grey_gap(0.6, 1.0).is_some(),
        // Within 2 mm of a ventricle somewhere (periventricular comes first in the McDonald
        // regions, so a large plaque may touch the cortex too).
        Region::Periventricular => {
            nearest_gap(atlas, centre, radii, 0.0, |s| s.to_ventricle_mm <= 2.0).is_some()
        }
        // White matter all round: no grey matter within 3 mm of the surface, so a reader sees
        // white matter between plaque and cortex even on 3 mm slices.
        Region::DeepWhiteMatter => grey_gap(0.3, 3.0).is_none(),
        Region::Infratentorial => true,
    }
}

/// The sample patient: three persistent plaques (two periventricular, one deep), an
/// enlarging deep plaque, two new enhancing plaques (juxtacortical and periventricular) and a
/// persistent infratentorial one.
pub fn sample_lesions() -> Vec<Lesion> {
    use Change::*;
    use Region::*;
    place_plaques(
        2025,
        &[
            PlaquePlan::new(Persistent, Periventricular, 4.0, 4.0),
            PlaquePlan::new(Persistent, Periventricular, 4.5, 4.5),
            PlaquePlan::new(Persistent, DeepWhiteMatter, 3.0, 3.0),
            PlaquePlan::new(Enlarging, DeepWhiteMatter, 3.0, 4.6),
            PlaquePlan::new(New, Juxtacortical, 0.0, 3.5).enhancing(),
            PlaquePlan::new(New, Periventricular, 0.0, 3.5).enhancing(),
            PlaquePlan::new(Persistent, Infratentorial, 3.5, 3.5),
        ],
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_planned_plaque_of_the_sample_finds_its_place() {
        let lesions = sample_lesions();
        assert_eq!(lesions.len(), 7);
        let atlas = atlas().unwrap();
        for l in &lesions {
            let s = atlas.sample(l.centre_head_mm);
            assert!(
                s.white > 0.5,
                "lesion {} ({}) at {:?}: {s:?}",
                l.id,
                l.region,
                l.centre_head_mm
            );
        }
        // Deterministic: the same seed places the same plaques.
        assert_eq!(
            serde_json::to_string(&lesions).unwrap(),
            serde_json::to_string(&sample_lesions()).unwrap()
        );
    }
}
