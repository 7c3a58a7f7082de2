//! Marks on small grids: tool footprints in mm³, region growing stopping at its tolerance,
//! undo/redo round trips, lesion operations and the label encoding.

use ndarray::Array3;

use super::tools::{BrushShape, brush, region_grow, threshold_box};
use super::*;

/// Lesion id `n`.
fn id(n: u16) -> crate::ids::LesionId {
    crate::ids::LesionId::from_label(n).unwrap()
}

fn grid(spacing: [f64; 3]) -> Geometry {
    Geometry::axis_aligned([0.0; 3], spacing)
}

fn marks(dims: [usize; 3], spacing: [f64; 3]) -> Marks {
    Marks::new(
        grid(spacing),
        dims,
        &["1.2.3".to_owned(), "1.2.4".to_owned()],
    )
}

#[test]
fn sphere_brush_volume_matches_the_ball_in_mm3() {
    // A 5 mm ball on a 0.5 × 0.5 × 1 mm grid: (4/3)π5³ = 523.6 mm³.
    let spacing = [0.5, 0.5, 1.0];
    let voxels = brush(
        [64, 64, 32],
        spacing,
        [32.0, 32.0, 16.0],
        5.0,
        BrushShape::Sphere,
    );
    let volume = voxels.len() as f64 * 0.25;
    assert!((volume - 523.6).abs() / 523.6 < 0.03, "{volume} mm³");
}

#[test]
fn disc_brush_stays_in_its_slice_and_has_the_disc_area() {
    let spacing = [0.5, 0.5, 1.0];
    let dims = [64, 64, 32];
    let voxels = brush(
        dims,
        spacing,
        [32.0, 32.0, 10.2],
        4.0,
        BrushShape::Disc { through: 2 },
    );
    assert!(voxels.iter().all(|n| n / (64 * 64) == 10), "one slice only");
    let area = voxels.len() as f64 * 0.25;
    let disc = std::f64::consts::PI * 16.0;
    assert!((area - disc).abs() / disc < 0.05, "{area} mm²");
    // A tiny radius still paints the voxel under the pointer; outside the grid, nothing.
    assert_eq!(
        brush(dims, spacing, [3.0, 4.0, 5.0], 0.01, BrushShape::Sphere).len(),
        1
    );
    assert!(brush(dims, spacing, [-20.0, 4.0, 5.0], 1.0, BrushShape::Sphere).is_empty());
}

#[test]
fn region_growing_stops_at_the_tolerance() {
    // A bright 5×5×5 cube (value 100) inside a dimmer 9×9×9 shell (70) in background 0.
    let mut values = Array3::<f32>::zeros((20, 20, 20));
    for ((k, j, i), v) in values.indexed_iter_mut() {
        let inside = |lo: usize, hi: usize| {
            (lo..=hi).contains(&i) && (lo..=hi).contains(&j) && (lo..=hi).contains(&k)
        };
        *v = if inside(8, 12) {
            100.0
        } else if inside(6, 14) {
            70.0
        } else {
            0.0
        };
    }
    let tight = region_grow(&values, [1.0; 3], [10, 10, 10], 20.0, 50.0);
    assert_eq!(tight.voxels.len(), 125);
    assert_eq!(tight.seed_value, 100.0);
    assert!(!tight.hit_limit);
    let loose = region_grow(&values, [1.0; 3], [10, 10, 10], 35.0, 50.0);
    assert_eq!(loose.voxels.len(), 9 * 9 * 9);
    // A radius limit stops a leak and says so.
    let capped = region_grow(&values, [1.0; 3], [10, 10, 10], 200.0, 3.0);
    assert!(capped.hit_limit);
    assert!(capped.voxels.len() < 125);
    // A seed outside the grid grows nothing.
    assert!(
        region_grow(&values, [1.0; 3], [40, 0, 0], 5.0, 5.0)
            .voxels
            .is_empty()
    );
}

#[test]
fn threshold_box_takes_only_bright_voxels_inside_the_box() {
    let mut values = Array3::<f32>::zeros((10, 10, 10));
    values[(5, 5, 5)] = 10.0;
    values[(5, 5, 6)] = 10.0;
    values[(1, 1, 1)] = 10.0; // outside the box
    let found = threshold_box(&values, [7, 7, 7], [4, 4, 4], 5.0);
    assert_eq!(found, vec![(5 * 10 + 5) * 10 + 5, (5 * 10 + 5) * 10 + 6]);
    // Corners beyond the grid are clamped, not a panic.
    assert_eq!(
        threshold_box(&values, [0, 0, 0], [99, 99, 99], 5.0).len(),
        3
    );
}

#[test]
fn undo_and_redo_round_trip_every_edit() {
    let mut m = marks([16, 16, 16], [1.0; 3]);
    let empty = m.labels(crate::ids::ExamId::FOLLOWUP).cloned();
    let ball = brush([16; 3], [1.0; 3], [8.0; 3], 3.0, BrushShape::Sphere);
    m.begin_stroke();
    m.paint(
        crate::ids::ExamId::FOLLOWUP,
        &ball[..ball.len() / 2],
        5,
        true,
    );
    m.paint(
        crate::ids::ExamId::FOLLOWUP,
        &ball[ball.len() / 2..],
        5,
        true,
    );
    m.end_stroke();
    let painted = m.labels(crate::ids::ExamId::FOLLOWUP).cloned();
    assert_eq!(
        m.voxel_count(crate::ids::ExamId::FOLLOWUP, id(5)),
        ball.len() as u64
    );
    assert_eq!(
        m.centre_index(crate::ids::ExamId::FOLLOWUP, id(5)),
        Some([8.0; 3]),
        "running tallies give the centre"
    );
    assert_eq!(m.record(id(5)).map(|r| r.origin), Some(Origin::Reader));
    // Erase part, then undo twice back to empty: one stroke is one step.
    m.paint(crate::ids::ExamId::FOLLOWUP, &ball[..10], 0, false);
    assert_eq!(
        m.voxel_count(crate::ids::ExamId::FOLLOWUP, id(5)),
        ball.len() as u64 - 10
    );
    assert!(m.undo());
    assert_eq!(m.labels(crate::ids::ExamId::FOLLOWUP).cloned(), painted);
    assert!(m.undo());
    assert_eq!(m.labels(crate::ids::ExamId::FOLLOWUP).cloned(), empty);
    assert_eq!(m.voxel_count(crate::ids::ExamId::FOLLOWUP, id(5)), 0);
    assert_eq!(m.centre_index(crate::ids::ExamId::FOLLOWUP, id(5)), None);
    assert!(m.record(id(5)).is_none());
    assert!(!m.undo());
    assert!(m.redo());
    assert_eq!(m.labels(crate::ids::ExamId::FOLLOWUP).cloned(), painted);
    assert_eq!(m.record(id(5)).map(|r| r.kind), Some(LesionKind::T2Flair));
    // A new edit clears the redo history.
    m.set_record(
        id(5),
        Some(LesionRecord {
            kind: LesionKind::Enhancing,
            note: "ring".into(),
            origin: Origin::Reader,
        }),
    );
    assert!(!m.can_redo());
    assert!(m.undo());
    assert_eq!(m.record(id(5)).map(|r| r.kind), Some(LesionKind::T2Flair));
}

#[test]
fn painting_never_eats_a_neighbour() {
    let mut m = marks([8, 8, 8], [1.0; 3]);
    m.paint(crate::ids::ExamId::FOLLOWUP, &[0, 1, 2], 1, true);
    assert_eq!(m.paint(crate::ids::ExamId::FOLLOWUP, &[2, 3], 2, true), 1);
    assert_eq!(m.label_at(crate::ids::ExamId::FOLLOWUP, [2, 0, 0]), 1);
    assert_eq!(m.label_at(crate::ids::ExamId::FOLLOWUP, [3, 0, 0]), 2);
}

#[test]
fn split_merge_relabel_delete_keep_identity_across_exams() {
    let mut m = marks([20, 20, 20], [1.0; 3]);
    let a = brush([20; 3], [1.0; 3], [4.0; 3], 2.0, BrushShape::Sphere);
    let b = brush([20; 3], [1.0; 3], [14.0; 3], 1.0, BrushShape::Sphere);
    for exam in crate::ids::ExamId::first(2) {
        m.paint(exam, &a, 3, true);
        m.paint(exam, &b, 3, true);
    }
    let parts = m.split(id(3), Some(id(10)));
    assert_eq!(
        parts,
        vec![id(3), id(11)],
        "largest keeps its id, the other gets one above 10"
    );
    for exam in crate::ids::ExamId::first(2) {
        assert_eq!(m.voxel_count(exam, id(3)), a.len() as u64);
        assert_eq!(m.voxel_count(exam, id(11)), b.len() as u64);
    }
    m.merge(id(11), id(3));
    assert_eq!(
        m.voxel_count(crate::ids::ExamId::FOLLOWUP, id(3)),
        (a.len() + b.len()) as u64
    );
    assert!(m.record(id(11)).is_none());
    m.relabel(id(3), id(40));
    assert_eq!(
        m.voxel_count(crate::ids::ExamId::BASELINE, id(40)),
        (a.len() + b.len()) as u64
    );
    assert_eq!(m.ids(), vec![id(40)]);
    m.delete(id(40));
    assert!(m.ids().is_empty());
    // All four undo back to the split state.
    for _ in 0..3 {
        assert!(m.undo());
    }
    assert_eq!(
        m.voxel_count(crate::ids::ExamId::BASELINE, id(11)),
        b.len() as u64
    );
}

#[test]
fn accepting_a_candidate_copies_its_regions_in_each_exam() {
    let mut m = marks([6, 6, 6], [1.0; 3]);
    let mut followup = Array3::<u32>::zeros((6, 6, 6));
    followup[(1, 1, 1)] = 4;
    followup[(1, 1, 2)] = 4;
    followup[(3, 3, 3)] = 9;
    let baseline = Array3::<u32>::zeros((6, 6, 6));
    let on_grid = |labels| crate::pipeline::image::Image::new(labels, *m.geometry(), "t").unwrap();
    let (baseline, followup) = (on_grid(baseline), on_grid(followup));
    m.accept_candidate(
        id(2),
        LesionKind::T2Flair,
        &[Some((&baseline, &[])), Some((&followup, &[4]))],
    );
    assert_eq!(m.voxel_count(crate::ids::ExamId::BASELINE, id(2)), 0);
    assert_eq!(m.voxel_count(crate::ids::ExamId::FOLLOWUP, id(2)), 2);
    assert_eq!(m.record(id(2)).map(|r| r.origin), Some(Origin::Candidate));
    assert!(m.undo());
    assert!(m.ids().is_empty());
}

#[test]
fn labels_encode_compactly_and_decode_exactly() {
    let mut labels = vec![0u16; 256 * 256 * 100];
    for (n, l) in labels.iter_mut().enumerate().skip(1_000_000).take(5000) {
        *l = 1 + (n % 3) as u16;
    }
    let text = encode_labels(&labels);
    assert!(text.len() < 20_000, "{} bytes", text.len());
    assert_eq!(decode_labels(&text, labels.len()), Ok(labels.clone()));
    assert_eq!(
        decode_labels(&text, labels.len() + 1),
        Err(LabelDataProblem::WrongCount {
            found: labels.len(),
            len: labels.len() + 1
        })
    );
    assert!(matches!(
        decode_labels("not base64!", 10),
        Err(LabelDataProblem::NotBase64(_))
    ));
    assert!(decode_labels(&encode_labels(&[]), 0).is_ok_and(|l| l.is_empty()));
}
