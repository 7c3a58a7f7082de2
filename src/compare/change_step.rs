//! The change-detection step the T2/FLAIR path ([`super::pipeline`]) and the enhancement path
//! ([`super::enhancement`]) share: one exam resampled onto the other's grid, the change maps
//! from before to after, and the regions of significant increase.

use crate::pipeline::change::{ChangeMaps, ChangeSettings, Region, change_maps, regions};
use crate::pipeline::image::Image;
use crate::pipeline::resample::{Interpolation, resample};
use crate::pipeline::transform::RigidTransform;
use crate::pipeline::volume::Volume;

/// Which of the two volumes came later: the change maps run from before to after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    /// The resampled volume is the later one (a follow-up onto its baseline).
    MovingIsAfter,
    /// The resampled volume is the earlier one (pre-contrast onto post-contrast).
    MovingIsBefore,
}

/// What the step found, on the fixed volume's grid.
pub(super) struct Change {
    /// The moving volume on the fixed grid; 0 where it has no data.
    pub resampled: Volume,
    pub maps: ChangeMaps,
    /// Regions of significant increase (hysteresis on the z map) and their labels.
    pub labels: Image<u32>,
    pub regions: Vec<Region>,
}

/// `moving` onto `fixed`'s grid through `transform` (trilinear), then the change maps and the
/// regions of significant increase under `settings`.
pub(super) fn detect_change(
    fixed: &Volume,
    moving: &Volume,
    transform: &RigidTransform,
    order: Order,
    settings: &ChangeSettings,
) -> Change {
    let geometry = *fixed.geometry();
    let mut resampled = resample(
        moving,
        &geometry,
        fixed.dims(),
        transform,
        Interpolation::Linear,
        f32::NAN,
    );
    // Where the moving volume has no data is outside the comparison, not a change.
    let covered = resampled.mapv(|v| !v.is_nan());
    resampled.mapv_inplace(|v| if v.is_nan() { 0.0 } else { v });
    let resampled = fixed.derived(resampled);
    let (before, after) = match order {
        Order::MovingIsAfter => (fixed, resampled.voxels()),
        Order::MovingIsBefore => (&resampled, fixed.voxels()),
    };
    let maps = change_maps(before, after, &covered, settings);
    let (labels, regions) = regions(
        &maps.z,
        settings.z_seed,
        settings.z_grow,
        settings.min_volume_mm3,
    );
    Change {
        resampled,
        maps,
        labels,
        regions,
    }
}
