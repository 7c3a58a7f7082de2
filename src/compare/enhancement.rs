//! New enhancement: post- minus pre-contrast T1 at follow-up, its foci linked to the T2
//! lesions they sit in, and, when only post-contrast series were compared, the foci as lesions.

use crate::dicom::{Study, load_series};
use crate::error::Result;
use crate::ids::LesionId;
use crate::pipeline::change::{ChangeSettings, intensity_z, keep_regions_reaching, regions};
use crate::pipeline::geometry::{norm, sub};
use crate::pipeline::image::Image;
use crate::pipeline::lesion::{Status, TrackedLesion};
use crate::pipeline::location::Landmarks;
use crate::pipeline::register::register_rigid;
use crate::progress::Progress;

use super::change_step::{Change, Order, detect_change};
use super::options::CompareOptions;
use super::pairing::{SequenceKind, classify};
use super::report::EnhancementReport;

/// Enhancement at follow-up as post- minus pre-contrast T1, when the follow-up exam has both:
/// the pre-contrast series is registered onto the post-contrast one (same session, small
/// motion), subtracted, and bright new signal kept. Foci are returned in baseline mm.
pub(super) fn post_minus_pre(
    followup: &Study,
    to_baseline: &crate::pipeline::transform::RigidTransform,
    options: &CompareOptions,
    progress: &Progress,
) -> Result<Option<Vec<EnhancementReport>>> {
    let find = |kind| {
        followup
            .series
            .iter()
            .find(|s| s.stack.is_ok() && classify(s) == kind)
    };
    let (Some(pre), Some(post)) = (find(SequenceKind::T1Pre), find(SequenceKind::T1Post)) else {
        return Ok(None);
    };
    let pre = load_series(pre, progress)?;
    let post = load_series(post, progress)?;
    let registration = register_rigid(&post, &pre, &options.registration, progress)?;
    let settings = &options.settings;
    let Change {
        maps,
        labels,
        regions: foci,
        ..
    } = detect_change(
        &post,
        &pre,
        &registration.transform,
        Order::MovingIsBefore,
        settings,
    );
    let post_z = intensity_z(maps.followup.voxels(), maps.brain.voxels());
    let (_, foci) = keep_regions_reaching(&labels, foci, &post_z, settings.hyperintense_z);
    Ok(Some(
        foci.iter()
            .filter(|f| f.peak > 0.0)
            .map(|f| EnhancementReport {
                centroid_mm: to_baseline.apply(f.centroid_mm),
                volume_mm3: f.volume_mm3,
                peak_z: f.peak,
                lesion_id: None,
            })
            .collect(),
    ))
}

/// Marks lesions whose follow-up extent holds (or lies within 3 mm of) an enhancing focus.
pub(super) fn link_enhancement(
    enhancement: &mut [EnhancementReport],
    lesions: &mut [TrackedLesion],
    labels: Option<&Image<u32>>,
) {
    let Some(labels) = labels else {
        return;
    };
    let geometry = labels.geometry();
    for focus in enhancement.iter_mut() {
        let idx = geometry.mm_to_index(focus.centroid_mm);
        let reach = (3.0 / geometry.spacing[0]).ceil() as isize;
        let mut found = None;
        'search: for dk in -reach..=reach {
            for dj in -reach..=reach {
                for di in -reach..=reach {
                    let p = [
                        idx[0].round() as isize + di,
                        idx[1].round() as isize + dj,
                        idx[2].round() as isize + dk,
                    ];
                    if p.iter().any(|v| *v < 0) {
                        continue;
                    }
                    if let Some(&l) = labels.at(p.map(|v| v as usize))
                        && l > 0
                    {
                        found = Some(l);
                        break 'search;
                    }
                }
            }
        }
        if let Some(label) = found
            && let Some(lesion) = lesions
                .iter_mut()
                .find(|l| l.followup_labels.contains(&label))
        {
            lesion.enhancing = true;
            focus.lesion_id = Some(lesion.id);
        }
    }
}

/// The voxels of each new enhancing focus on a post-contrast pair's change map `z`: focus `n`
/// (in `foci`' order) labelled `n + 1`, 0 elsewhere.
///
/// The foci are the change regions `detect` kept, so the regions are found again the same way
/// (same map, same settings) and each focus takes the region whose centre is its own (within
/// 2 mm, in case detection's rules drift from this). A focus without one keeps no voxels.
pub(super) fn foci_labels(
    z: &Image<f32>,
    foci: &[EnhancementReport],
    settings: &ChangeSettings,
) -> Image<u32> {
    let (labels, found) = regions(z, settings.z_seed, settings.z_grow, settings.min_volume_mm3);
    let mut renumber = vec![0u32; found.len() + 1];
    for (n, focus) in foci.iter().enumerate() {
        let nearest = found
            .iter()
            .map(|r| (r, norm(sub(r.centroid_mm, focus.centroid_mm))))
            .filter(|(_, d)| *d <= 2.0)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((region, _)) = nearest
            && let Some(slot) = renumber.get_mut(region.label as usize)
            && *slot == 0
        {
            *slot = n as u32 + 1;
        }
    }
    labels.map(|l| renumber.get(*l as usize).copied().unwrap_or(0))
}

/// With no T2/FLAIR pair compared, each new enhancing focus is an enhancing lesion of its own
/// (new enhancement since baseline; never a "new T2 lesion", which a T1 cannot show), with its
/// voxels at follow-up (`labels` from [`foci_labels`]) and its location on the post-contrast
/// baseline. A focus with no voxels on the map is located by its centre alone.
pub(super) fn enhancement_as_lesions(
    enhancement: &mut [EnhancementReport],
    labels: &Image<u32>,
    landmarks: &Landmarks,
) -> Vec<TrackedLesion> {
    let mut present = std::collections::BTreeSet::new();
    for l in labels.voxels() {
        if *l != 0 {
            present.insert(*l);
        }
    }
    enhancement
        .iter_mut()
        .enumerate()
        .map(|(n, e)| {
            // Focus `n`'s label on the map (`foci_labels`), and its lesion's id.
            let focus = n as u32 + 1;
            let id = LesionId::nth(n + 1).unwrap_or(LesionId::MAX);
            e.lesion_id = Some(id);
            let voxels = present.contains(&focus);
            // `u32::MAX` is no focus's label: the location then rests on the centre alone.
            let label = if voxels { focus } else { u32::MAX };
            TrackedLesion {
                id,
                status: Status::New,
                enhancing: true,
                centroid_mm: e.centroid_mm,
                volume_baseline_mm3: 0.0,
                volume_followup_mm3: e.volume_mm3,
                baseline_labels: Vec::new(),
                followup_labels: if voxels { vec![focus] } else { Vec::new() },
                notes: vec![
                    "new enhancement on post-contrast T1 (no T2/FLAIR series compared)".into(),
                ],
                location: Some(landmarks.locate(labels, label, e.centroid_mm)),
            }
        })
        .collect()
}
