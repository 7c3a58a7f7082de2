//! The validation corpus: pairs made from real anatomy in every class of follow-up a reader
//! meets, each with its own seed (noise, plaque places and contrasts), for the accuracy
//! benchmark (`bench/accuracy/run.sh`). No rule of detection is tuned to one of them: the
//! benchmark reports every class side by side with a peer pipeline.

use super::lesions::{Change, PlaquePlan, Region};
use super::{SampleOptions, lesions::Lesion, place_plaques};

/// One pair of the corpus.
#[derive(Debug, Clone)]
pub struct Case {
    /// `class-NN`.
    pub name: String,
    pub class: &'static str,
    pub options: SampleOptions,
    pub plaques: Vec<PlaquePlan>,
}

impl Case {
    /// The plaques placed on the atlas with this case's seed.
    pub fn lesions(&self) -> Vec<Lesion> {
        place_plaques(self.options.seed, &self.plaques)
    }
}

/// A deterministic value in `[lo, hi)` from a case seed and a slot.
fn pick(seed: u64, slot: u64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * super::noise::uniform(super::noise::mix64(seed) ^ slot)
}

/// Every region in turn.
const REGIONS: [Region; 4] = [
    Region::Periventricular,
    Region::Juxtacortical,
    Region::DeepWhiteMatter,
    Region::Infratentorial,
];

/// An active patient: persistent plaques, new plaques (some enhancing) and enlarging ones,
/// radii (mm) drawn per case so lesions of 3 to 15 mm diameter occur.
fn active_plaques(seed: u64, persistent: usize, new: usize, enlarging: usize) -> Vec<PlaquePlan> {
    let mut plans = Vec::new();
    for n in 0..persistent {
        let r = pick(seed, 100 + n as u64, 2.0, 5.0);
        let mut p = PlaquePlan::new(Change::Persistent, REGIONS[n % 4], r, r);
        p.black_hole = n % 3 == 0;
        plans.push(p);
    }
    for n in 0..new {
        let r = pick(seed, 200 + n as u64, 1.6, 5.5);
        let mut p = PlaquePlan::new(Change::New, REGIONS[(n + 1) % 4], 0.0, r);
        p.enhancing_followup = n % 2 == 0;
        plans.push(p);
    }
    for n in 0..enlarging {
        let r = pick(seed, 300 + n as u64, 2.0, 3.5);
        let grown = r * pick(seed, 400 + n as u64, 1.45, 1.9);
        plans.push(PlaquePlan::new(
            Change::Enlarging,
            REGIONS[(n + 2) % 4],
            r,
            grown,
        ));
    }
    plans
}

/// The corpus: 42 pairs in 7 classes.
pub fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add =
        |class: &'static str, n: usize, make: &dyn Fn(u64) -> (SampleOptions, Vec<PlaquePlan>)| {
            for k in 0..n {
                let seed = super::noise::mix64(0xC0_4905 ^ (cases.len() as u64 + 1));
                let (mut options, plaques) = make(seed);
                options.seed = seed;
                cases.push(Case {
                    name: format!("{class}-{:02}", k + 1),
                    class,
                    options,
                    plaques,
                });
            }
        };
    let motion = |seed: u64, max_deg: f64, max_mm: f64| {
        let a = |s| pick(seed, s, -max_deg, max_deg);
        let t = |s| pick(seed, s, -max_mm, max_mm);
        Some(([a(1), a(2), a(3)], [t(4), t(5), t(6)]))
    };
    let base = SampleOptions {
        supersample: 1,
        encoding: super::Encoding::ExplicitLittleEndian,
        ..SampleOptions::default()
    };
    // 3D FLAIR, 1 mm, at both exams.
    add("flair-1mm", 6, &|seed| {
        let options = SampleOptions {
            voxel_scale: 1.0 / 1.5,
            followup_motion: motion(seed, 6.0, 6.0),
            ..base
        };
        (options, active_plaques(seed, 3, 2, 1))
    });
    // 2D FLAIR with 3 mm slices at baseline, 3D at follow-up.
    add("flair-2d-3d", 6, &|seed| {
        let options = SampleOptions {
            baseline_flair_slice_mm: Some(3.0),
            followup_motion: motion(seed, 6.0, 6.0),
            ..base
        };
        (options, active_plaques(seed, 3, 2, 1))
    });
    // Whole exams: FLAIR, T1 pre and post at follow-up; some new plaques enhance.
    add("whole-exam", 6, &|seed| {
        let options = SampleOptions {
            followup_t1_pre: true,
            followup_motion: motion(seed, 8.0, 8.0),
            ..base
        };
        (options, active_plaques(seed, 4, 3, 1))
    });
    // Scanner differences: strong bias, gain change, double noise, large motion.
    add("scanner", 6, &|seed| {
        let options = SampleOptions {
            bias: 2.0,
            followup_gain: 1.1 * pick(seed, 7, 0.9, 1.1),
            noise: 0.03,
            followup_motion: motion(seed, 10.0, 10.0),
            ..base
        };
        (options, active_plaques(seed, 3, 2, 1))
    });
    // Stable disease: persistent plaques only; nothing may be flagged.
    add("stable", 6, &|seed| {
        let options = SampleOptions {
            bias: pick(seed, 8, 0.5, 2.0),
            noise: pick(seed, 9, 0.015, 0.03),
            followup_motion: motion(seed, 10.0, 10.0),
            ..base
        };
        (options, active_plaques(seed, 6, 0, 0))
    });
    // Long-standing MS: dozens of persistent plaques, black holes, one plaque enhancing at
    // baseline that no longer does; radiologically inactive.
    add("progressive", 6, &|seed| {
        let options = SampleOptions {
            followup_motion: motion(seed, 5.0, 5.0),
            ..base
        };
        let mut plans = active_plaques(seed, 24, 0, 0);
        for (n, p) in plans.iter_mut().enumerate() {
            if n % 4 == 0 {
                // Large confluent-looking periventricular plaques.
                p.region = Region::Periventricular;
                p.radius_baseline_mm *= 1.6;
                p.radius_followup_mm = p.radius_baseline_mm;
            }
        }
        if let Some(p) = plans.get_mut(1) {
            p.enhancing_baseline = true;
        }
        (options, plans)
    });
    // Sizes and places: small new plaques, a small enlarging one, each region.
    add("size-place", 6, &|seed| {
        let options = SampleOptions {
            followup_motion: motion(seed, 4.0, 4.0),
            ..base
        };
        let mut plans = active_plaques(seed, 2, 0, 0);
        for (n, region) in REGIONS.iter().enumerate() {
            let r = pick(seed, 500 + n as u64, 1.5, 7.5);
            plans.push(PlaquePlan::new(Change::New, *region, 0.0, r));
        }
        plans.push(PlaquePlan::new(
            Change::Enlarging,
            Region::DeepWhiteMatter,
            2.2,
            3.6,
        ));
        (options, plans)
    });
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_has_forty_pairs_in_seven_classes_with_distinct_names() {
        let cases = corpus();
        assert!(cases.len() >= 40);
        let mut names: Vec<_> = cases.iter().map(|c| c.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), cases.len());
        let mut classes: Vec<_> = cases.iter().map(|c| c.class).collect();
        classes.dedup();
        assert_eq!(classes.len(), 7);
    }
}
