//! The synthetic MS patient: a baseline and a follow-up exam (3D FLAIR and post-contrast 3D
//! T1 each) of a real brain (the MNI ICBM152 template, `atlas`) in a whole head, with known
//! head motion between them, known plaques and their changes, written as real DICOM. `sample_data/` is this generator's output; the tests build their fixtures here.
//!
//! Deterministic: the same options give byte-identical files on every machine.

mod anatomy;
pub mod atlas;
pub mod corpus;
pub mod lesions;
pub(crate) mod noise;
pub mod writer;

use std::path::Path;

use ndarray::Array3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::counts::DiseaseActivity;
use crate::dicom::Rescale;
use crate::error::{Error, Result};
use crate::pipeline::geometry::{Geometry, Mat3, Vec3, add, mat_vec, scale, sub};
use crate::pipeline::transform::RigidTransform;
use crate::pipeline::volume::Volume;
pub use anatomy::{Sequence, Tissue, signal_at, tissue_at};
pub use lesions::{Change, Lesion, PlaquePlan, Region, place_plaques, sample_lesions};
pub use writer::Encoding;

/// How large and how compressed the generated exams are.
#[derive(Debug, Clone, Copy)]
pub struct SampleOptions {
    /// Multiplies every voxel spacing (and divides the matrix): 1.0 is the bundled sample
    /// (1.5 mm isotropic), 2.0 a quick test case (3 mm).
    pub voxel_scale: f64,
    /// Sub-samples per axis when rendering (partial-volume realism); 1 is fastest.
    pub supersample: usize,
    /// Image noise, as a fraction of white-matter signal.
    pub noise: f64,
    pub encoding: Encoding,
    /// `false`: the follow-up shows the same plaques as the baseline (no new, enlarging or
    /// enhancing lesion), for the no-change tests. Motion, noise and scanner differences stay.
    pub lesion_changes: bool,
    /// Also write a pre-contrast 3D T1 in the follow-up exam (same grid as its post-contrast T1).
    pub followup_t1_pre: bool,
    /// Put the follow-up on exactly the baseline's grids (same matrix, origin, orientation):
    /// only the head moves.
    pub followup_on_baseline_grid: bool,
    /// Replace the sample's head motion: rotation (degrees about x, y, z, about the baseline
    /// head centre) and translation (mm) of the follow-up head relative to the baseline.
    pub followup_motion: Option<(Vec3, Vec3)>,
    /// Mixed into every noise stream: another seed, another noise realisation.
    pub seed: u64,
    /// Multiplies the receive-coil bias field's amplitude (1: ±8%; 2: ±16%).
    pub bias: f64,
    /// Receiver gain of the follow-up relative to the baseline.
    pub followup_gain: f64,
    /// Acquire the baseline FLAIR as 2D axial slices this thick (mm, no gap) instead of 3D.
    pub baseline_flair_slice_mm: Option<f64>,
}

impl Default for SampleOptions {
    fn default() -> Self {
        Self {
            voxel_scale: 1.0,
            supersample: 2,
            noise: 0.015,
            encoding: Encoding::JpegLsLossless,
            lesion_changes: true,
            followup_t1_pre: false,
            followup_on_baseline_grid: false,
            followup_motion: None,
            seed: 0,
            bias: 1.0,
            followup_gain: 1.12,
            baseline_flair_slice_mm: None,
        }
    }
}

/// One series to render: sequence, grid and DICOM identity.
#[derive(Debug, Clone)]
pub struct SeriesPlan {
    pub folder: String,
    pub description: String,
    pub sequence: Sequence,
    pub geometry: Geometry,
    pub dims: [usize; 3],
    pub number: i32,
    pub rescale: Rescale,
}

/// One exam: a time point with its own head position, frame of reference and series.
#[derive(Debug, Clone)]
pub struct ExamPlan {
    pub label: String,
    pub followup: bool,
    pub date: String,
    pub time: String,
    /// Head coordinates → this exam's patient coordinates.
    pub head_pose: RigidTransform,
    /// Receiver gain: follow-ups are never scaled like their baseline.
    pub gain: f64,
    pub series: Vec<SeriesPlan>,
}

/// What the sample pair contains, for tests and for the reader's curiosity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroundTruth {
    pub description: String,
    /// `x_followup = R · x_baseline + t`, patient LPS mm.
    pub followup_from_baseline: RigidTransform,
    pub exams: Vec<ExamTruth>,
    pub lesions: Vec<LesionTruth>,
    pub summary: SummaryTruth,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExamTruth {
    pub label: String,
    pub study_uid: String,
    pub date: String,
    pub series: Vec<SeriesTruth>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesTruth {
    pub folder: String,
    pub series_uid: String,
    pub description: String,
    pub dims: [usize; 3],
    pub geometry: Geometry,
    pub contrast: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LesionTruth {
    pub id: u32,
    pub status: Change,
    pub region: String,
    pub enhancing: bool,
    pub centre_baseline_mm: Vec3,
    pub centre_followup_mm: Vec3,
    pub volume_baseline_mm3: f64,
    pub volume_followup_mm3: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryTruth {
    pub new: usize,
    pub enlarging: usize,
    pub enhancing: usize,
    pub activity: DiseaseActivity,
}

/// Fixed identity of the synthetic patient.
const PATIENT_NAME: &str = "SYNTHETIC^MS PATIENT";
const PATIENT_ID: &str = "TANDEM-SYN-0001";

/// The two exams of the sample pair at the given scale.
pub fn sample_plan(options: &SampleOptions) -> Vec<ExamPlan> {
    let s = options.voxel_scale.max(0.25);
    let n = |count: f64| ((count / s).round() as usize).max(2);
    let baseline_pose = RigidTransform::from_euler_deg([2.0, 0.0, -1.5], [1.5, -12.0, 38.0]);
    let followup_pose = match options.followup_motion {
        None => RigidTransform::from_euler_deg([-3.5, 2.5, 4.0], [4.5, -16.0, 45.0]),
        Some((angles, shift)) => {
            // Rotate about the head centre as it lay at baseline, then shift.
            let centre = baseline_pose.apply([0.0; 3]);
            let about_centre = RigidTransform::from_euler_deg(angles, [0.0; 3]);
            let motion = RigidTransform {
                matrix: about_centre.matrix,
                offset_mm: add(sub(centre, about_centre.apply(centre)), shift),
            };
            motion.then_after(&baseline_pose)
        }
    };
    let axial = crate::pipeline::geometry::IDENTITY;
    let tilted = tilt_about_x(8.0);
    let grid = |centre: Vec3, direction: Mat3, spacing: Vec3, dims: [usize; 3]| {
        // Centre the grid on `centre`, as a technologist centres the field of view.
        let half = [
            spacing[0] * (dims[0] as f64 - 1.0) / 2.0,
            spacing[1] * (dims[1] as f64 - 1.0) / 2.0,
            spacing[2] * (dims[2] as f64 - 1.0) / 2.0,
        ];
        Geometry {
            origin: add(centre, scale(mat_vec(&direction, half), -1.0)),
            spacing,
            direction,
        }
    };
    let iso = 1.5 * s;
    let base_dims = [n(128.0), n(144.0), n(112.0)];
    let base_centre = add(baseline_pose.apply([0.0, 0.0, 0.0]), [0.0, 0.0, -2.0]);
    let follow_centre = add(followup_pose.apply([0.0, 0.0, 0.0]), [2.0, 3.0, -9.0]);
    let same_grid = options.followup_on_baseline_grid;
    let (follow_centre, tilted, other_dims_f, other_spacing_f) = if same_grid {
        (base_centre, axial, base_dims, [iso; 3])
    } else {
        (
            follow_centre,
            tilted,
            [n(120.0), n(136.0), n(104.0)],
            [1.6 * s, 1.6 * s, iso],
        )
    };
    // Stored-value steps of a few units of signal keep the files small; the follow-up scanner
    // scales differently, as real ones do.
    let identity_rescale = Rescale {
        slope: 2.0,
        intercept: 0.0,
    };
    let other_rescale = Rescale {
        slope: 2.5,
        intercept: -24.0,
    };
    let mut exams = vec![
        ExamPlan {
            label: "baseline".into(),
            followup: false,
            date: "20250310".into(),
            time: "091500".into(),
            head_pose: baseline_pose,
            gain: 1.0,
            series: vec![
                match options.baseline_flair_slice_mm {
                    None => SeriesPlan {
                        folder: "FLAIR_3D".into(),
                        description: "3D FLAIR AX 1.5mm".into(),
                        sequence: Sequence::Flair,
                        geometry: grid(base_centre, axial, [iso; 3], base_dims),
                        dims: base_dims,
                        number: 3,
                        rescale: identity_rescale,
                    },
                    Some(thick) => {
                        let slices = ((base_dims[2] as f64 * iso / thick).round() as usize).max(2);
                        let dims = [base_dims[0], base_dims[1], slices];
                        SeriesPlan {
                            folder: "FLAIR_2D".into(),
                            description: format!("AX FLAIR 2D {thick:.0}mm"),
                            sequence: Sequence::Flair,
                            geometry: grid(base_centre, axial, [iso, iso, thick], dims),
                            dims,
                            number: 3,
                            rescale: identity_rescale,
                        }
                    }
                },
                SeriesPlan {
                    folder: "T1_3D_POST".into(),
                    description: "3D T1 MPRAGE POST GD".into(),
                    sequence: Sequence::T1Post,
                    geometry: grid(base_centre, axial, [iso; 3], base_dims),
                    dims: base_dims,
                    number: 7,
                    rescale: identity_rescale,
                },
            ],
        },
        ExamPlan {
            label: "followup".into(),
            followup: true,
            date: "20260316".into(),
            time: "143000".into(),
            head_pose: followup_pose,
            gain: options.followup_gain,
            series: vec![
                SeriesPlan {
                    folder: "FLAIR_3D".into(),
                    description: "3D FLAIR 1.5mm".into(),
                    sequence: Sequence::Flair,
                    geometry: grid(follow_centre, tilted, [iso; 3], base_dims),
                    dims: base_dims,
                    number: 4,
                    rescale: other_rescale,
                },
                SeriesPlan {
                    folder: "T1_3D_POST".into(),
                    description: "T1 3D POST CONTRAST".into(),
                    sequence: Sequence::T1Post,
                    geometry: grid(follow_centre, axial, other_spacing_f, other_dims_f),
                    dims: other_dims_f,
                    number: 9,
                    rescale: other_rescale,
                },
            ],
        },
    ];
    if options.followup_t1_pre
        && let Some(followup) = exams.get_mut(1)
    {
        followup.series.push(SeriesPlan {
            folder: "T1_3D_PRE".into(),
            description: "T1 3D PRE".into(),
            sequence: Sequence::T1Pre,
            geometry: grid(follow_centre, axial, other_spacing_f, other_dims_f),
            dims: other_dims_f,
            number: 8,
            rescale: other_rescale,
        });
    }
    exams
}

/// Rotation of the slice stack about the patient's left-right axis (an oblique acquisition).
fn tilt_about_x(degrees: f64) -> Mat3 {
    RigidTransform::from_euler_deg([degrees, 0.0, 0.0], [0.0; 3]).matrix
}

/// Renders one series of one exam.
pub fn render_series(
    exam: &ExamPlan,
    series: &SeriesPlan,
    lesions: &[Lesion],
    options: &SampleOptions,
) -> Result<Volume> {
    let [ni, nj, nk] = series.dims;
    let to_head = exam.head_pose.inverse();
    // Sub-samples per axis, more along thick slices (their partial volume is the point).
    let finest = series
        .geometry
        .spacing
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let ss = series
        .geometry
        .spacing
        .map(|s| ((options.supersample.max(1) as f64 * s / finest).round() as usize).max(1));
    let stream = noise::mix64(
        u64::from(series.number as u32) ^ (u64::from(exam.followup) << 40) ^ options.seed,
    );
    let wm = series.sequence.signal(Tissue::WhiteMatter);
    let mut voxels = Array3::<f32>::zeros((nk, nj, ni));
    voxels
        .axis_iter_mut(ndarray::Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(k, mut plane)| {
            for ((j, i), out) in plane.indexed_iter_mut() {
                let mut sum = 0.0;
                let [si, sj, sk] = ss;
                for s in 0..si * sj * sk {
                    let offset = |d: usize, n: usize| (d as f64 + 0.5) / n as f64 - 0.5;
                    let idx = [
                        i as f64 + offset(s % si, si),
                        j as f64 + offset((s / si) % sj, sj),
                        k as f64 + offset(s / (si * sj), sk),
                    ];
                    let head = to_head.apply(series.geometry.index_to_mm(idx));
                    sum += signal_at(head, series.sequence, lesions, exam.followup);
                }
                let clean = sum / (si * sj * sk) as f64;
                let p = series.geometry.index_to_mm([i as f64, j as f64, k as f64]);
                // A smooth receive-coil bias, fixed to the scanner (patient coordinates).
                let bias = 1.0
                    + options.bias
                        * (0.05 * (0.011 * p[0] + 0.3).sin() * (0.009 * p[1] - 0.2).cos()
                            + 0.03 * (0.013 * p[2]).sin());
                let sigma = options.noise * wm;
                let re = clean * bias + sigma * noise::gaussian(noise::voxel_key(stream, i, j, k));
                let im = sigma * noise::gaussian(noise::voxel_key(stream ^ 0xFF, i, j, k));
                // Magnitude images: Rician noise, as MR scanners produce.
                *out = ((re * re + im * im).sqrt() * exam.gain) as f32;
            }
        });
    Volume::new(voxels, series.geometry, &series.folder)
}

/// Writes the sample pair into `dir/baseline` and `dir/followup`, plus `dir/ground_truth.json`.
pub fn write_sample_pair(dir: &Path, options: &SampleOptions) -> Result<GroundTruth> {
    let lesions = if options.lesion_changes {
        sample_lesions()
    } else {
        lesions::stable_lesions()
    };
    write_pair(dir, options, &lesions)
}

/// Writes a pair with the given plaques (the ground truth) into `dir`, as the sample is written.
pub fn write_pair(dir: &Path, options: &SampleOptions, lesions: &[Lesion]) -> Result<GroundTruth> {
    let lesions = lesions.to_vec();
    let exams = sample_plan(options);
    let mut exam_truths = Vec::new();
    for exam in &exams {
        let study_uid = noise::uid(&format!("tandem sample study {}", exam.label));
        let frame_uid = noise::uid(&format!("tandem sample frame {}", exam.label));
        let mut series_truths = Vec::new();
        for series in &exam.series {
            let volume = render_series(exam, series, &lesions, options)?;
            let series_uid = noise::uid(&format!(
                "tandem sample series {} {}",
                exam.label, series.folder
            ));
            let contrast = series.sequence == Sequence::T1Post;
            let header = writer::SeriesHeader {
                patient_name: PATIENT_NAME.into(),
                patient_id: PATIENT_ID.into(),
                patient_birth_date: "19880412".into(),
                patient_sex: "F".into(),
                study_uid: study_uid.clone(),
                study_date: exam.date.clone(),
                study_time: exam.time.clone(),
                study_description: "MRI BRAIN MS FOLLOW-UP".into(),
                accession: format!("SYN{}", exam.date),
                series_uid: series_uid.clone(),
                series_number: series.number,
                series_description: series.description.clone(),
                frame_of_reference_uid: frame_uid.clone(),
                contrast_agent: contrast.then(|| "GADOTERATE MEGLUMINE 0.1 mmol/kg".to_owned()),
                field_strength_t: 3.0,
                rescale: series.rescale,
                window: match series.sequence {
                    Sequence::Flair => (460.0, 640.0),
                    Sequence::T1Post | Sequence::T1Pre => (520.0, 900.0),
                },
            };
            let folder = dir.join(&exam.label).join(&series.folder);
            writer::write_series(&folder, &volume, &header, options.encoding)?;
            series_truths.push(SeriesTruth {
                folder: format!("{}/{}", exam.label, series.folder),
                series_uid,
                description: series.description.clone(),
                dims: series.dims,
                geometry: series.geometry,
                contrast,
            });
        }
        exam_truths.push(ExamTruth {
            label: exam.label.clone(),
            study_uid,
            date: exam.date.clone(),
            series: series_truths,
        });
    }
    let truth = ground_truth(&exams, &lesions, exam_truths)?;
    let json = serde_json::to_string_pretty(&truth)
        .map_err(|e| Error::io(dir, std::io::Error::other(e)))?;
    let path = dir.join("ground_truth.json");
    std::fs::write(&path, json + "\n").map_err(|e| Error::io(&path, e))?;
    write_case(dir, &exams, &lesions, &truth)?;
    Ok(truth)
}

/// Makes the sample pair a teaching case too: the new and enlarging lesions at follow-up,
/// drawn from the ground truth onto the baseline's first (FLAIR) grid, as the reference, and
/// the ground truth's summary as the answers.
fn write_case(
    dir: &Path,
    exams: &[ExamPlan],
    lesions: &[Lesion],
    truth: &GroundTruth,
) -> Result<()> {
    let Some((baseline, series)) = exams
        .iter()
        .find(|e| !e.followup)
        .and_then(|e| e.series.first().map(|s| (e, s)))
    else {
        return Ok(());
    };
    let to_head = baseline.head_pose.inverse();
    let [ni, nj, nk] = series.dims;
    let labels = Array3::from_shape_fn((nk, nj, ni), |(k, j, i)| {
        let head = to_head.apply(series.geometry.index_to_mm([i as f64, j as f64, k as f64]));
        lesions
            .iter()
            .filter(|l| matches!(l.change, Change::New | Change::Enlarging))
            .find(|l| {
                l.radii(true).is_some_and(|r| {
                    let c = l.centre_head_mm;
                    // The plaque's half-intensity surface (its rim fades from 0.85 to 1.15).
                    (0..3)
                        .map(|a| ((head[a] - c[a]) / r[a]).powi(2))
                        .sum::<f64>()
                        <= 1.0
                })
            })
            .map_or(0, |l| l.id as u16)
    });
    let reference = dir.join("reference");
    std::fs::create_dir_all(&reference).map_err(|e| Error::io(&reference, e))?;
    let labels = crate::pipeline::image::Image::new(labels, series.geometry, "the reference")?;
    crate::report::nifti::write_nifti_gz(
        &reference.join("lesions-followup.nii.gz"),
        &labels,
        "Tandem sample case reference: new and enlarging lesions at follow-up",
    )?;
    let files = [false, true].map(|followup| {
        exams
            .iter()
            .filter(|e| e.followup == followup)
            .flat_map(|e| &e.series)
            .map(|s| s.dims[2])
            .sum()
    });
    let case = crate::training::teach_pack::CaseFile {
        format: "tandem-case".into(),
        version: 1,
        label: "SAMPLE".into(),
        made_by: "tandem synth (the ground truth)".into(),
        answers: crate::training::teach_pack::Answers {
            new: truth.summary.new,
            enlarging: truth.summary.enlarging,
            enhancing: truth.summary.enhancing,
            active: truth.summary.activity == DiseaseActivity::Active,
            contrast_compared: true,
        },
        reference: "reference/lesions-followup.nii.gz".into(),
        files,
    };
    let json = serde_json::to_string_pretty(&case)
        .map_err(|e| Error::io(dir, std::io::Error::other(e)))?;
    let path = dir.join("case.json");
    std::fs::write(&path, json + "\n").map_err(|e| Error::io(&path, e))
}

fn ground_truth(
    exams: &[ExamPlan],
    lesions: &[Lesion],
    exam_truths: Vec<ExamTruth>,
) -> Result<GroundTruth> {
    let (Some(baseline), Some(followup)) = (exams.first(), exams.get(1)) else {
        return Err(Error::Geometry {
            subject: "sample plan".into(),
            problem: "needs two exams".into(),
        });
    };
    let followup_from_baseline = followup.head_pose.then_after(&baseline.head_pose.inverse());
    let lesions: Vec<LesionTruth> = lesions
        .iter()
        .map(|l| LesionTruth {
            id: l.id,
            status: l.change,
            region: l.region.clone(),
            enhancing: l.enhancing_followup,
            centre_baseline_mm: baseline.head_pose.apply(l.centre_head_mm),
            centre_followup_mm: followup.head_pose.apply(l.centre_head_mm),
            volume_baseline_mm3: l.volume_mm3(false),
            volume_followup_mm3: l.volume_mm3(true),
        })
        .collect();
    let count = |c: Change| lesions.iter().filter(|l| l.status == c).count();
    let (new, enlarging) = (count(Change::New), count(Change::Enlarging));
    let enhancing = lesions.iter().filter(|l| l.enhancing).count();
    Ok(GroundTruth {
        description: "Synthetic MS patient made by `tandem synth` (the MNI ICBM152 2009 brain in \
                      a synthetic head, assets/anatomy/LICENSE-MNI-ICBM152.txt). \
                      Baseline 2025-03-10, follow-up 2026-03-16 with head motion, its own frame of \
                      reference, an oblique FLAIR, another T1 grid and another rescale."
            .into(),
        followup_from_baseline,
        exams: exam_truths,
        summary: SummaryTruth {
            new,
            enlarging,
            enhancing,
            activity: if new + enlarging + enhancing > 0 {
                DiseaseActivity::Active
            } else {
                DiseaseActivity::Inactive
            },
        },
        lesions,
    })
}
