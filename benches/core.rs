//! Speed of the comparison core on the bundled sample pair (3D FLAIR, 128×144×112 at 1.5 mm):
//! series load, rigid registration, resampling and the voxel-difference maps, each the median of
//! several runs, plus the machine's copy bandwidth as the yardstick for the memory-bound passes.
//!
//! `cargo bench --bench core` prints one JSON line per measurement. Peers: bench/run.sh (loading,
//! pydicom and SimpleITK) and bench/peer_registration.py (SimpleITK registration).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use tandem::dicom::{load_series, scan_paths};
use tandem::pipeline::change::{ChangeSettings, change_maps};
use tandem::pipeline::register::{RegistrationSettings, register_rigid};
use tandem::pipeline::resample::{Interpolation, resample};
use tandem::progress::Progress;

fn median_time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed().as_secs_f64());
        last = Some(black_box(out));
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last.unwrap())
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let load = |dir: &str| {
        let scan = scan_paths(&[root.join(dir)], &Progress::new());
        let series = scan.all_series().next().unwrap();
        load_series(series, &Progress::new()).unwrap()
    };
    let (t_load, baseline) = median_time(5, || load("baseline/FLAIR_3D"));
    let followup = load("followup/FLAIR_3D");
    let voxels = baseline.voxels().len();
    println!(
        "{}",
        serde_json::json!({"task": "load_jpegls_series", "voxels": voxels, "median_s": t_load})
    );

    let settings = RegistrationSettings::default();
    let (t_reg, registration) = median_time(3, || {
        register_rigid(&baseline, &followup, &settings, &Progress::new()).unwrap()
    });
    println!(
        "{}",
        serde_json::json!({"task": "rigid_registration", "median_s": t_reg,
                           "iterations": registration.iterations,
                           "correlation": registration.correlation})
    );

    let geometry = *baseline.geometry();
    let (t_resample, resampled) = median_time(5, || {
        resample(
            &followup,
            &geometry,
            baseline.dims(),
            &registration.transform,
            Interpolation::Linear,
            0.0,
        )
    });
    println!(
        "{}",
        serde_json::json!({"task": "resample_trilinear", "median_s": t_resample,
                           "mvoxels_per_s": voxels as f64 / t_resample / 1e6})
    );

    let covered = resampled.mapv(|_| true);
    let change = ChangeSettings::default();
    let (t_maps, maps) = median_time(5, || change_maps(&baseline, &resampled, &covered, &change));
    println!(
        "{}",
        serde_json::json!({"task": "change_maps", "median_s": t_maps,
                           "mvoxels_per_s": voxels as f64 / t_maps / 1e6,
                           "noise_sigma": maps.noise_sigma})
    );

    // The yardstick: how fast this machine copies memory (read + write of 256 MiB).
    let buffer = vec![1.0f32; 64 << 20];
    let (t_copy, copy) = median_time(5, || buffer.clone());
    let copy_gb_s = 2.0 * (copy.len() * 4) as f64 / t_copy / 1e9;
    // One pass over two f32 inputs writing one f32 output moves 12 bytes a voxel.
    let floor_s = 12.0 * voxels as f64 / (copy_gb_s * 1e9);
    println!(
        "{}",
        serde_json::json!({"task": "memory_copy", "gb_per_s": copy_gb_s,
                           "one_pass_floor_s": floor_s,
                           "change_maps_in_passes": t_maps / floor_s})
    );
}
