//! A real adult head in MR: the brain of the MNI ICBM152 template (grey matter, white matter,
//! CSF as partial-volume fractions, `atlas`), wrapped in dura, skull with fatty marrow, muscle,
//! subcutaneous fat and skin, with eyes, face and neck below it, and MS plaques; as FLAIR or
//! T1 signal before and after gadolinium.
//!
//! Coordinates are head coordinates in mm with LPS axes (+x left, +y posterior, +z superior),
//! origin mid-cerebrum.
//!
//! Signal ratios (relative to normal white matter) and where they come from:
//! - 3D FLAIR at 3 T: grey/white ≈ 1.1–1.3 (we use 1.2), CSF suppressed (≈ 0.1), fat bright,
//!   cortical bone dark; plaques 1.3–1.8× normal-appearing white matter (issue #10, as seen on
//!   published MS FLAIR; each plaque draws its own ratio).
//! - 3D T1 (MPRAGE) before gadolinium: white > grey ≈ 0.7 > CSF ≈ 0.25; fat and fatty marrow
//!   brighter than white matter; plaques iso- to hypointense (0.75–0.95), chronic "black holes"
//!   ≈ 0.45.
//! - After gadolinium: enhancing plaques +30–80% over normal white matter; dura and the venous
//!   sinuses enhance too (the post − pre subtraction must not call them lesions).

use crate::pipeline::geometry::Vec3;

use super::atlas::{Atlas, Sample, atlas};
use super::lesions::Lesion;

/// Tissues of the head outside the brain's partial-volume fractions, and the brain's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tissue {
    Air,
    Skin,
    Fat,
    Muscle,
    Bone,
    Marrow,
    Dura,
    Sinus,
    Vitreous,
    Csf,
    GreyMatter,
    WhiteMatter,
}

/// MR sequences the synthetic head can be imaged with.
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
    /// Signal of normal white matter (arbitrary units): every other signal is a ratio of it.
    fn white_matter(self) -> f64 {
        match self {
            Sequence::Flair => 420.0,
            Sequence::T1Post | Sequence::T1Pre => 700.0,
        }
    }

    /// Signal of each tissue (arbitrary units, about 0..1200).
    pub fn signal(self, tissue: Tissue) -> f64 {
        use Tissue::*;
        let post = self == Sequence::T1Post;
        let ratio = match (self, tissue) {
            (_, Air) => 0.0,
            (_, Bone) => 0.04,
            (_, WhiteMatter) => 1.0,
            (Sequence::Flair, Skin) => 0.6,
            (Sequence::Flair, Fat) => 0.95,
            (Sequence::Flair, Muscle) => 0.5,
            (Sequence::Flair, Marrow) => 0.8,
            (Sequence::Flair, Dura) => 0.35,
            (Sequence::Flair, Sinus) => 0.15,
            (Sequence::Flair, Vitreous) => 0.08,
            (Sequence::Flair, Csf) => 0.1,
            (Sequence::Flair, GreyMatter) => 1.2,
            (_, Skin) => 0.6,
            (_, Fat) => 1.35,
            (_, Muscle) => 0.55,
            (_, Marrow) => 1.15,
            (_, Dura) => {
                if post {
                    1.1
                } else {
                    0.45
                }
            }
            (_, Sinus) => {
                if post {
                    1.6
                } else {
                    0.3
                }
            }
            (_, Vitreous) => 0.2,
            (_, Csf) => 0.25,
            (_, GreyMatter) => 0.68,
        };
        ratio * self.white_matter()
    }

    /// Signal inside a plaque, from the plaque's own contrast.
    fn plaque(self, lesion: &Lesion, enhancing: bool) -> f64 {
        let ratio = match self {
            Sequence::Flair => lesion.flair_ratio,
            Sequence::T1Post if enhancing => lesion.enhancement_ratio,
            Sequence::T1Post | Sequence::T1Pre => lesion.t1_ratio,
        };
        ratio * self.white_matter()
    }
}

/// Outside the intracranial volume: the layers of the skull vault by distance from it, then
/// the eyes, the face and the neck, which no distance to the brain describes.
fn outer_tissue(p: Vec3, s: &Sample) -> Tissue {
    let r = Atlas::head_to_ras(p);
    let eye = [-32.0, 32.0]
        .iter()
        .map(|x| ((r[0] - x).powi(2) + (r[1] - 52.0).powi(2) + (r[2] + 36.0).powi(2)).sqrt())
        .fold(f64::INFINITY, f64::min);
    if eye < 12.0 {
        return Tissue::Vitreous;
    }
    if eye < 17.0 {
        return Tissue::Fat;
    }
    let d = s.outside_mm;
    // Superior sagittal sinus: along the midline, just under the vault.
    if r[0].abs() < 3.5 && d < 4.0 && r[2] > 10.0 {
        return Tissue::Sinus;
    }
    let vault = match d {
        d if d < 1.0 => Some(Tissue::Dura),
        d if d < 2.5 => Some(Tissue::Bone),
        d if d < 5.0 => Some(Tissue::Marrow),
        d if d < 6.5 => Some(Tissue::Bone),
        d if d < 8.5 => Some(Tissue::Muscle),
        d if d < 12.5 => Some(Tissue::Fat),
        d if d < 14.0 => Some(Tissue::Skin),
        _ => None,
    };
    if let Some(t) = vault {
        return t;
    }
    // Face below the frontal lobes and the neck below the cerebellum: muscle in fat.
    let face =
        ((r[0] / 50.0).powi(2) + ((r[1] - 45.0) / 40.0).powi(2) + ((r[2] + 55.0) / 35.0).powi(2))
            .sqrt();
    let neck = ((r[0] / 58.0).powi(2) + ((r[1] + 20.0) / 52.0).powi(2)).sqrt();
    let below = r[2] < -45.0;
    match (face, neck) {
        (f, _) if f < 0.8 => Tissue::Muscle,
        (f, _) if f < 1.0 => Tissue::Fat,
        (_, n) if below && n < 0.85 => Tissue::Muscle,
        (_, n) if below && n < 1.0 => Tissue::Fat,
        _ => Tissue::Air,
    }
}

/// The tissue that dominates head position `p`, for tests and curiosity.
pub fn tissue_at(p: Vec3) -> Tissue {
    let Some(atlas) = atlas() else {
        return Tissue::Air;
    };
    let s = atlas.sample(p);
    let brain = s.grey + s.white + s.csf;
    if brain < 0.5 {
        return outer_tissue(p, &s);
    }
    if s.white >= s.grey && s.white >= s.csf {
        Tissue::WhiteMatter
    } else if s.grey >= s.csf {
        Tissue::GreyMatter
    } else {
        Tissue::Csf
    }
}

/// Signal at head position `p` for `sequence`, with the plaques present at that time point.
pub fn signal_at(p: Vec3, sequence: Sequence, lesions: &[Lesion], followup: bool) -> f64 {
    let Some(atlas) = atlas() else {
        return 0.0;
    };
    let s = atlas.sample(p);
    let brain = (s.grey + s.white + s.csf).min(1.0);
    let mut value = s.grey * sequence.signal(Tissue::GreyMatter)
        + s.white * sequence.signal(Tissue::WhiteMatter)
        + s.csf * sequence.signal(Tissue::Csf);
    if brain < 1.0 {
        value += (1.0 - brain) * sequence.signal(outer_tissue(p, &s));
    }
    // Plaques live in parenchyma: they take the place of white (and grey) matter, never of the
    // CSF beside them, so a periventricular plaque keeps a dark ventricle next to it.
    let parenchyma = (s.grey + s.white).min(1.0);
    if parenchyma <= 0.0 {
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
        let weight = ((1.15 - q) / 0.3).clamp(0.0, 1.0) * parenchyma;
        if weight > 0.0 {
            let enhancing = if followup {
                lesion.enhancing_followup
            } else {
                lesion.enhancing_baseline
            };
            let plaque = sequence.plaque(lesion, enhancing);
            value += weight * (plaque - value);
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anatomy_is_where_a_radiologist_expects_it() {
        let head = Atlas::ras_to_head;
        assert_eq!(tissue_at(head([0.0, -20.0, 130.0])), Tissue::Air);
        assert_eq!(
            tissue_at(head([28.0, -10.0, 30.0])),
            Tissue::WhiteMatter,
            "centrum semiovale"
        );
        assert_eq!(tissue_at(head([32.0, 52.0, -36.0])), Tissue::Vitreous);
        let flair = |r: Vec3| signal_at(head(r), Sequence::Flair, &[], false);
        let t1 = |r: Vec3| signal_at(head(r), Sequence::T1Pre, &[], false);
        // FLAIR: CSF (a lateral ventricle) far darker than white matter; on T1 too, less so.
        let (wm, csf) = ([28.0, -10.0, 30.0], [-8.0, -4.0, 21.0]);
        assert!(flair(csf) < 0.3 * flair(wm), "{} {}", flair(csf), flair(wm));
        assert!(t1(csf) < 0.5 * t1(wm));
    }

    #[test]
    fn plaques_are_bright_on_flair_and_enhance_only_when_active() {
        let lesions = super::super::lesions::sample_lesions();
        let new = lesions.iter().find(|l| l.enhancing_followup).unwrap();
        let c = new.centre_head_mm;
        let before = signal_at(c, Sequence::Flair, &lesions, false);
        let after = signal_at(c, Sequence::Flair, &lesions, true);
        assert!(after > before * 1.25, "{before} -> {after}");
        let t1 = signal_at(c, Sequence::T1Post, &lesions, true);
        assert!(t1 > 1.25 * Sequence::T1Post.signal(Tissue::WhiteMatter));
    }
}
