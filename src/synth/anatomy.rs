//! A procedural adult head in MR: scalp, skull, CSF, folded cortex, white matter, deep grey
//! nuclei, ventricles, cerebellum and brainstem, with MS plaques, as FLAIR or T1 signal.
//!
//! Coordinates are head coordinates in mm with LPS axes (+x left, +y posterior, +z superior),
//! origin mid-brain. Shapes are ellipsoids and folded sheets: simple, deterministic and
//! recognisable to a radiologist at a glance, which is all a demo and test phantom needs.

use crate::geometry::Vec3;

use super::lesions::Lesion;

/// Tissue classes of the phantom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tissue {
    Air,
    Scalp,
    Skull,
    Csf,
    GreyMatter,
    WhiteMatter,
    DeepGrey,
}

/// MR sequences the phantom can be imaged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sequence {
    /// 3D FLAIR: CSF dark, grey brighter than white, plaques bright.
    Flair,
    /// 3D T1 after gadolinium: white brighter than grey, plaques dark, active plaques bright.
    T1Post,
    /// The same 3D T1 before gadolinium: no plaque enhances.
    T1Pre,
}

impl Sequence {
    /// Signal of each tissue (arbitrary units, about 0..1200).
    pub fn signal(self, tissue: Tissue) -> f64 {
        use Tissue::*;
        let sequence = if self == Sequence::T1Pre {
            Sequence::T1Post
        } else {
            self
        };
        match (sequence, tissue) {
            (_, Air) => 0.0,
            (Sequence::Flair, Scalp) => 420.0,
            (Sequence::Flair, Skull) => 40.0,
            (Sequence::Flair, Csf) => 70.0,
            (Sequence::Flair, GreyMatter) => 510.0,
            (Sequence::Flair, WhiteMatter) => 420.0,
            (Sequence::Flair, DeepGrey) => 500.0,
            (Sequence::T1Post, Scalp) => 900.0,
            (Sequence::T1Post, Skull) => 60.0,
            (Sequence::T1Post, Csf) => 160.0,
            (Sequence::T1Post, GreyMatter) => 480.0,
            (Sequence::T1Post, WhiteMatter) => 700.0,
            (Sequence::T1Post, DeepGrey) => 560.0,
            (Sequence::T1Pre, _) => 0.0,
        }
    }

    /// Signal inside a plaque.
    fn plaque(self, enhancing: bool) -> f64 {
        match (self, enhancing) {
            (Sequence::Flair, _) => 860.0,
            (Sequence::T1Post, false) => 400.0,
            (Sequence::T1Post, true) => 1100.0,
            (Sequence::T1Pre, _) => 400.0,
        }
    }
}

/// Signed distance (mm, negative inside) to an axis-aligned ellipsoid, first-order accurate
/// near its surface.
fn ellipsoid(p: Vec3, centre: Vec3, radii: Vec3) -> f64 {
    let q = [
        (p[0] - centre[0]) / radii[0],
        (p[1] - centre[1]) / radii[1],
        (p[2] - centre[2]) / radii[2],
    ];
    let len = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt();
    if len < 1e-9 {
        return -radii.iter().copied().fold(f64::INFINITY, f64::min);
    }
    let g = [
        q[0] / radii[0] / len,
        q[1] / radii[1] / len,
        q[2] / radii[2] / len,
    ];
    (len - 1.0) / (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt()
}

fn inside_any(p: Vec3, shapes: &[(Vec3, Vec3)]) -> bool {
    shapes.iter().any(|(c, r)| ellipsoid(p, *c, *r) < 0.0)
}

/// Both hemispheres' copies of a shape given for the left one.
fn mirrored(c: Vec3, r: Vec3) -> [(Vec3, Vec3); 2] {
    [(c, r), ([-c[0], c[1], c[2]], r)]
}

/// Wave vectors (rad/mm) and phases of the plane waves whose zero set folds the cortex: a sum
/// of a few waves in assorted directions has a labyrinthine zero surface, much like gyri.
const FOLDS: [([f64; 3], f64); 6] = [
    ([0.20, 0.05, 0.07], 0.3),
    ([-0.06, 0.19, 0.08], 1.1),
    ([0.07, -0.08, 0.19], 2.0),
    ([0.15, 0.13, -0.05], 2.9),
    ([-0.12, 0.04, 0.16], 4.2),
    ([0.05, 0.16, 0.13], 5.1),
];

/// Approximate distance (mm) from `p` to the mid-plane of the nearest sulcus.
fn sulcal_distance(p: Vec3) -> f64 {
    let mut value = 0.0;
    let mut grad = [0.0; 3];
    for (k, phase) in FOLDS {
        let arg = k[0] * p[0] + k[1] * p[1] + k[2] * p[2] + phase;
        value += arg.sin();
        let c = arg.cos();
        grad = [grad[0] + c * k[0], grad[1] + c * k[1], grad[2] + c * k[2]];
    }
    let slope = (grad[0] * grad[0] + grad[1] * grad[1] + grad[2] * grad[2]).sqrt();
    value.abs() / slope.max(0.05)
}

/// The tissue at head position `p`.
pub fn tissue_at(p: Vec3) -> Tissue {
    let head = ellipsoid(p, [0.0, 6.0, -4.0], [78.0, 100.0, 92.0]);
    if head > 0.0 {
        return Tissue::Air;
    }
    if head > -5.0 {
        return Tissue::Scalp;
    }
    if head > -11.0 {
        return Tissue::Skull;
    }
    // Lateral ventricles (frontal horns, bodies, atria) and the third ventricle.
    let ventricles = [
        mirrored([6.5, -2.0, 14.0], [4.5, 20.0, 4.5]),
        mirrored([9.0, -22.0, 9.0], [4.5, 8.0, 7.0]),
        mirrored([14.0, 22.0, 8.0], [5.0, 10.0, 6.0]),
        [([0.0, 4.0, 0.0], [1.5, 12.0, 7.0]); 2],
    ];
    if ventricles.iter().any(|pair| inside_any(p, pair)) {
        return Tissue::Csf;
    }
    let deep_grey = [
        mirrored([10.0, 6.0, 2.0], [7.5, 13.0, 8.0]),
        mirrored([12.5, -17.0, 9.0], [4.0, 9.0, 7.0]),
        mirrored([24.0, -4.0, 2.0], [5.0, 13.0, 9.0]),
    ];
    if deep_grey.iter().any(|pair| inside_any(p, pair)) {
        return Tissue::DeepGrey;
    }
    let cerebrum = ellipsoid(p, [0.0, 2.0, 10.0], [66.0, 84.0, 60.0]);
    let falx = p[0].abs() < 1.2 && p[2] > -2.0 && cerebrum > -40.0;
    if cerebrum < 0.0 && !falx && p[2] > -28.0 {
        let depth = -cerebrum;
        let sulcus = sulcal_distance(p);
        let sulcus_depth = 16.0;
        if sulcus < 0.7 && depth < sulcus_depth {
            return Tissue::Csf;
        }
        if depth < 3.0 || (sulcus < 3.2 && depth < sulcus_depth + 2.5) {
            return Tissue::GreyMatter;
        }
        return Tissue::WhiteMatter;
    }
    let cerebellum = ellipsoid(p, [0.0, 44.0, -34.0], [48.0, 27.0, 22.0]);
    if cerebellum < 0.0 {
        let folia = (0.7 * (p[2] + 0.4 * p[1])).sin().abs();
        if cerebellum < -11.0 && folia > 0.3 {
            return Tissue::WhiteMatter;
        }
        return if folia < 0.12 {
            Tissue::Csf
        } else {
            Tissue::GreyMatter
        };
    }
    let stem_axis_y = 14.0 + 0.15 * p[2];
    let stem = ((p[0] / 11.0).powi(2) + ((p[1] - stem_axis_y) / 12.0).powi(2)).sqrt();
    if stem < 1.0 && p[2] < -2.0 {
        return Tissue::WhiteMatter;
    }
    Tissue::Csf
}

/// Signal at head position `p` for `sequence`, with the plaques present at that time point.
pub fn signal_at(p: Vec3, sequence: Sequence, lesions: &[Lesion], followup: bool) -> f64 {
    let tissue = tissue_at(p);
    let mut value = sequence.signal(tissue);
    if matches!(tissue, Tissue::Air | Tissue::Scalp | Tissue::Skull) {
        return value;
    }
    for lesion in lesions {
        let Some(radii) = lesion.radii(followup) else {
            continue;
        };
        let c = lesion.centre_head_mm;
        let q = (((p[0] - c[0]) / radii[0]).powi(2)
            + ((p[1] - c[1]) / radii[1]).powi(2)
            + ((p[2] - c[2]) / radii[2]).powi(2))
        .sqrt();
        // A soft 15% rim, as real plaques fade into the surrounding white matter.
        let weight = ((1.15 - q) / 0.3).clamp(0.0, 1.0);
        if weight > 0.0 {
            let enhancing = followup && lesion.enhancing_followup;
            value += weight * (sequence.plaque(enhancing) - value);
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anatomy_is_where_a_radiologist_expects_it() {
        assert_eq!(tissue_at([0.0, 0.0, 200.0]), Tissue::Air);
        assert_eq!(
            tissue_at([6.5, -2.0, 14.0]),
            Tissue::Csf,
            "lateral ventricle"
        );
        assert_eq!(tissue_at([10.0, 6.0, 2.0]), Tissue::DeepGrey, "thalamus");
        assert_eq!(
            tissue_at([28.0, 0.0, 25.0]),
            Tissue::WhiteMatter,
            "centrum semiovale"
        );
        assert_eq!(tissue_at([0.0, 6.0, 85.0]), Tissue::Scalp);
        assert_eq!(tissue_at([0.0, 6.0, 80.0]), Tissue::Skull);
    }

    #[test]
    fn plaques_are_bright_on_flair_and_enhance_only_when_active() {
        let lesions = super::super::lesions::sample_lesions();
        let new = lesions.iter().find(|l| l.enhancing_followup).unwrap();
        let c = new.centre_head_mm;
        let before = signal_at(c, Sequence::Flair, &lesions, false);
        let after = signal_at(c, Sequence::Flair, &lesions, true);
        assert!(after > before + 200.0, "{before} -> {after}");
        let t1 = signal_at(c, Sequence::T1Post, &lesions, true);
        assert!(t1 > 1000.0);
    }
}
