#!/usr/bin/env python3
"""Peer for Tandem's new/enlarging lesion detection: a plain SimpleITK pipeline.

    python bench/accuracy/peer_pipeline.py BASELINE_SERIES_DIR FOLLOWUP_SERIES_DIR \\
        --out LABELS.nii.gz [--json OUT.json] [--debug-dir DIR]

It is the standard subtraction recipe a careful imaging scientist would write
with SimpleITK for two FLAIR exams of one patient.  The numbers (z 5/3,
15 mm^3, P95, 3 mm, 5 %) were fixed up front from the usual defaults of the
literature and of ITK, and none was tuned on any case.  Two choices of
*method* were changed after the first run on the bundled sample showed a
flaw in them, not to raise a score: the normalisation model (step 5) and the
growth gate (step 6).  Both are explained where they're used.  The steps, in
order:

1. Loading.  Each series is read with sitk.ImageSeriesReader
   (GetGDCMSeriesFileNames, GDCM's IPP sort) as float32.  The loader is the
   one in bench/peer_registration.py.  It falls back to a copy without the VR
   UV element only when GDCM fails on it (old Tandem sample files; see
   bench/README.md).

2. Rigid registration, follow-up (moving) to baseline (fixed).  This is the
   setup of bench/peer_registration.py: Euler3DTransform started by
   CenteredTransformInitializer (MOMENTS), Mattes MI with 50 bins,
   RegularStepGradientDescent (lr 1.0, min step 1e-3, relaxation 0.5, at most
   200 iterations per level, scales from physical shift), and a 3-level
   pyramid (shrink 4/2/1, smoothing 2/1/0 voxels).  The one change is RANDOM
   sampling of 5 % of the fixed voxels instead of 20 %, with a fixed seed
   (20250310), so runs repeat.  On whole-head volumes 5 % is still tens of
   thousands of samples per level.

3. Resampling.  The follow-up is resampled onto the baseline grid through the
   found transform (linear, 0 outside).  A ones image resampled the same way
   (nearest neighbour), then eroded by one voxel, marks where the follow-up's
   field of view covers the baseline grid.  Voxels outside it are never
   compared: an oblique or shorter follow-up would otherwise leave a bright
   false "change" along the edge of its slab.

4. Brain mask, on the baseline.  The images are whole heads (scalp, skull,
   brain), so the mask is: Otsu threshold (tissue against air and bone),
   binary opening with a ball of about 3 mm radius (rounded to whole voxels
   per axis, at least 1) to cut the thin links between brain and scalp, the
   largest 26-connected component, then hole filling (BinaryFillhole, which
   takes back the dark ventricles and sulcal CSF).  The mask is then
   intersected with the follow-up's field of view from step 3.  No atlas, no
   skull-stripping model: only what SimpleITK offers.

5. Intensity normalisation and z-map.  The two exams may differ in scanner
   gain and rescale.  MR intensity is proportional to signal (0 means no
   signal), so the model is a pure gain.  The follow-up is scaled by the
   median ratio inside the mask:
       f' = f * median_b / median_f
   The median is robust to the few percent of voxels that really changed.  A
   location-scale fit (matching IQR or SD) was the first choice and was
   dropped: in a brain mask that is mostly white matter, the spread mostly
   measures noise, and the linear resampling of the follow-up smooths that
   noise, so the scale comes out wrong.  On the sample pair, the
   follow-up/baseline scale came out as 1.19 against a gain of about 1.12 in
   white matter, and every persistent lesion came out as "brighter".  A
   least-squares fit has the opposite bias (regression dilution).  Then
       d = f' - b,   z = (d - median(d)) / (1.4826 * MAD(d))
   with the median and MAD (median absolute deviation) taken inside the mask.
   Outside the mask z = 0.

6. Candidates.  A hysteresis threshold (sitk.DoubleThreshold): voxels with
   z >= 5 are seeds, and each seed grows through the 26-connected voxels with
   z >= 3.  A z of 5 lies far out in the tail of a Gaussian noise difference
   (p ~ 3e-7 per voxel).  Only voxels whose follow-up intensity f' is at
   least the baseline brain's median can take part (z is set to 0
   elsewhere).  In FLAIR, voxels darker than typical brain are CSF or CSF
   partial volume, never lesion.  Without this gate, the z >= 3 growth
   from a periventricular lesion runs on along the ventricle wall, where
   interpolation and partial volume give positive differences at dark
   edges.  The component then averages out as "not hyperintense" and is
   lost (on the sample, the new periventricular lesion was lost this way
   before the gate).  Then come 26-connected components (ConnectedComponent,
   fullyConnected=True), and components smaller than 15 mm^3 are dropped.
   That is about 4.4 voxels at 1.5 mm and 15 voxels at 1 mm: the usual
   "3 voxels at 1 mm^3" MS convention, padded for the noise of a difference
   image.

7. Hyperintensity rule (one rule, fixed in advance).  New and enlarging MS
   lesions are FLAIR hyperintensities.  Positive differences that aren't
   hyperintense come from CSF/tissue partial volume at the ventricles and
   sulci, from residual misregistration or from a bias-field change.  So a
   component is kept only when its mean normalised follow-up intensity f' is
   above the 95th percentile of the baseline's intensities inside the brain
   mask.  That is the same reference for every case, and it's on the baseline
   because the baseline holds (by definition) none of the new lesions.  The
   rule is "brighter on average than 95 % of the baseline brain", a plain
   reading of "hyperintense".

8. Output.  The kept components are relabelled 1..N, largest first.  They're
   written as a uint16 label map on the baseline grid (geometry copied from the
   baseline series) to NIfTI (sitk.WriteImage, .nii.gz compressed).  With
   --json there's also a JSON file: each lesion's label, centroid (patient
   LPS mm, the DICOM/ITK convention), volume (mm^3), voxel count, mean and
   max z and mean f'.  The JSON also holds the registration result (x_followup
   = R x_baseline + t, LPS mm), the normalisation and z statistics, the
   settings, the versions and the wall-clock timings (load, registration,
   detection, write, total; plus this process's CPU time and the share of
   the CPUs that other processes used meanwhile, which inflates the wall
   times when high).  With --truth GROUND_TRUTH.json the registration is
   also compared with the true transform at the lesion centres (as in
   bench/peer_registration.py); nothing else reads the truth.  --debug-dir writes the intermediate images
   (brain mask, resampled follow-up, z-map, candidates) for inspection.

Progress goes to stderr.  The exit status is 0 on success and 1 on any error
(the message is printed).  No lesions is a result, not an error: the label map
is then all zeros.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time

import numpy as np
import SimpleITK as sitk

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # bench/, for peer_registration
sys.dont_write_bytecode = True  # no __pycache__ left in bench/
import peer_registration as pr  # noqa: E402

# ---------------------------------------------------------------------------
# Settings (fixed; see the docstring)
# ---------------------------------------------------------------------------

SAMPLING_PERCENTAGE = 0.05
SAMPLING_SEED = pr.SAMPLING_SEED  # 20250310
OPENING_RADIUS_MM = 3.0
Z_SEED = 5.0
Z_GROW = 3.0
MIN_VOLUME_MM3 = 15.0
HYPER_PERCENTILE = 95.0
MAD_TO_SD = 1.4826


def log(msg: str) -> None:
    print(f"[peer_pipeline] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------


def register(fixed: sitk.Image, moving: sitk.Image, seed: int) -> tuple[sitk.Euler3DTransform, dict]:
    initial = sitk.Euler3DTransform(
        sitk.CenteredTransformInitializer(
            fixed, moving, sitk.Euler3DTransform(), sitk.CenteredTransformInitializerFilter.MOMENTS
        )
    )
    reg = pr.make_method(seed)
    reg.SetMetricSamplingPercentage(SAMPLING_PERCENTAGE, seed)  # 5 % instead of bench's 20 %
    reg.SetInitialTransform(initial, inPlace=False)
    out = reg.Execute(fixed, moving)
    tx = pr.as_euler(out)
    m, off = pr.matrix_offset(tx)
    info = {
        "final_metric": reg.GetMetricValue(),
        "iterations_last_level": reg.GetOptimizerIteration(),
        "stop_condition": reg.GetOptimizerStopConditionDescription(),
        "followup_from_baseline": {"matrix": m.tolist(), "offset_mm": off.tolist()},
    }
    return tx, info


def field_of_view(fixed: sitk.Image, moving: sitk.Image, tx: sitk.Transform) -> sitk.Image:
    """1 where the follow-up's slab covers the baseline grid (eroded by one voxel), else 0."""
    ones = sitk.Image(moving.GetSize(), sitk.sitkUInt8) + 1
    ones.CopyInformation(moving)
    fov = sitk.Resample(ones, fixed, tx, sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8)
    return sitk.BinaryErode(fov, [1, 1, 1], sitk.sitkBall, 0, 1)


def brain_mask(baseline: sitk.Image) -> tuple[sitk.Image, dict]:
    otsu = sitk.OtsuThresholdImageFilter()
    otsu.SetInsideValue(0)  # below the threshold: air, bone
    otsu.SetOutsideValue(1)  # above: tissue
    fg = otsu.Execute(baseline)
    radius = [max(1, int(round(OPENING_RADIUS_MM / s))) for s in baseline.GetSpacing()]
    opened = sitk.BinaryMorphologicalOpening(fg, radius, sitk.sitkBall, 0, 1)
    cc = sitk.ConnectedComponent(opened, True)
    largest = sitk.RelabelComponent(cc, sortByObjectSize=True) == 1
    filled = sitk.BinaryFillhole(largest, fullyConnected=False, foregroundValue=1)
    return sitk.Cast(filled, sitk.sitkUInt8), {"otsu_threshold": otsu.GetThreshold(), "opening_radius_vox": radius}


def detect(baseline: sitk.Image, followup_on_baseline: sitk.Image, mask: sitk.Image, debug: dict):
    b = sitk.GetArrayViewFromImage(baseline).astype(np.float64)
    f = sitk.GetArrayViewFromImage(followup_on_baseline).astype(np.float64)
    m = sitk.GetArrayViewFromImage(mask).astype(bool)
    if m.sum() < 1000:
        raise RuntimeError(f"brain mask has only {int(m.sum())} voxels")

    med_b = float(np.median(b[m]))
    med_f = float(np.median(f[m]))
    if med_b <= 0 or med_f <= 0:
        raise RuntimeError("non-positive median intensity inside the brain mask")
    gain = med_b / med_f
    fn = f * gain

    d = fn - b
    dm = d[m]
    med_d = float(np.median(dm))
    mad = float(np.median(np.abs(dm - med_d)))
    sd = MAD_TO_SD * mad
    if sd <= 0:
        raise RuntimeError("zero MAD of the difference inside the brain mask")
    z = np.zeros_like(d, dtype=np.float32)
    z[m] = ((dm - med_d) / sd).astype(np.float32)
    # Only voxels at least as bright as the typical baseline brain in the
    # follow-up may join a candidate (keeps growth out of CSF edges).
    eligible = m & (fn >= med_b)
    z_cand = np.where(eligible, z, np.float32(0))

    z_img = sitk.GetImageFromArray(z)
    z_img.CopyInformation(baseline)
    zc_img = sitk.GetImageFromArray(z_cand)
    zc_img.CopyInformation(baseline)
    cand = sitk.DoubleThreshold(zc_img, Z_GROW, Z_SEED, 1e30, 1e30, 1, 0, True)
    cc = sitk.ConnectedComponent(cand, True)
    voxel_mm3 = float(np.prod(baseline.GetSpacing()))
    min_voxels = int(math.ceil(MIN_VOLUME_MM3 / voxel_mm3 - 1e-9))
    cc = sitk.RelabelComponent(cc, minimumObjectSize=min_voxels, sortByObjectSize=True)

    hyper_threshold = float(np.percentile(b[m], HYPER_PERCENTILE))
    lab = sitk.GetArrayFromImage(cc)
    n = int(lab.max())
    count = np.bincount(lab.ravel(), minlength=n + 1)
    sum_f = np.bincount(lab.ravel(), weights=fn.ravel(), minlength=n + 1)
    sum_z = np.bincount(lab.ravel(), weights=z.ravel().astype(np.float64), minlength=n + 1)
    max_z = np.zeros(n + 1)
    np.maximum.at(max_z, lab.ravel(), z.ravel())

    keep = [i for i in range(1, n + 1) if sum_f[i] / count[i] > hyper_threshold]
    rejected = n - len(keep)
    if len(keep) > np.iinfo(np.uint16).max:
        raise RuntimeError(f"{len(keep)} lesions do not fit a uint16 label map")
    remap = np.zeros(n + 1, dtype=np.uint16)
    for new, old in enumerate(keep, start=1):  # RelabelComponent's order: largest first
        remap[old] = new
    out = sitk.GetImageFromArray(remap[lab])
    out.CopyInformation(baseline)

    shape = sitk.LabelShapeStatisticsImageFilter()
    shape.Execute(out)
    lesions = []
    for new, old in enumerate(keep, start=1):
        lesions.append({
            "label": new,
            "centroid_mm": list(shape.GetCentroid(new)),  # LPS, physical
            "volume_mm3": shape.GetPhysicalSize(new),
            "voxels": int(shape.GetNumberOfPixels(new)),
            "mean_z": float(sum_z[old] / count[old]),
            "max_z": float(max_z[old]),
            "mean_followup": float(sum_f[old] / count[old]),
        })

    if debug is not None:
        fimg = sitk.GetImageFromArray(fn.astype(np.float32))
        fimg.CopyInformation(baseline)
        debug.update({"followup_normalised": fimg, "z": z_img, "candidates": sitk.Cast(cc, sitk.sitkUInt16)})

    stats = {
        "mask_voxels": int(m.sum()),
        "mask_volume_ml": float(m.sum()) * voxel_mm3 / 1000.0,
        "normalisation": {"median_baseline": med_b, "median_followup": med_f, "gain": gain},
        "difference": {"median": med_d, "mad": mad, "robust_sd": sd},
        "hyperintensity_threshold": hyper_threshold,
        "candidates": n,
        "rejected_not_hyperintense": rejected,
        "min_voxels": min_voxels,
    }
    return out, lesions, stats


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "ITK": sitk.Version.ITKVersionString()}
    for n in ("SimpleITK", "numpy", "pydicom"):
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            pass
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("baseline", help="baseline series folder (fixed; the output grid)")
    ap.add_argument("followup", help="follow-up series folder (moving)")
    ap.add_argument("--out", required=True, help="label map to write (.nii.gz)")
    ap.add_argument("--json", help="per-lesion JSON and timings")
    ap.add_argument("--debug-dir", help="also write intermediate images here")
    ap.add_argument("--truth", help="ground_truth.json: also report the registration error (not used otherwise)")
    ap.add_argument("--seed", type=int, default=SAMPLING_SEED, help="metric sampling seed")
    args = ap.parse_args()

    t_start = time.perf_counter()
    cpu_start, jiffies_start = time.process_time(), pr.cpu_jiffies()
    try:
        with tempfile.TemporaryDirectory(prefix="peer_pipeline_") as tmp:
            baseline, note_b = pr.load(args.baseline, tmp)
            followup, note_f = pr.load(args.followup, tmp)
        t_loaded = time.perf_counter()

        tx, reg_info = register(baseline, followup, args.seed)
        t_registered = time.perf_counter()
        if args.truth:
            try:
                reg_info["error_vs_truth"] = pr.compare_with_truth(tx, args.truth)
            except Exception as e:  # noqa: BLE001  (a report, never a reason to fail)
                reg_info["error_vs_truth"] = {"error": f"{type(e).__name__}: {e}"}
        log(f"registration: {t_registered - t_loaded:.2f} s, metric {reg_info['final_metric']:.4f}, "
            f"{reg_info['stop_condition']}")

        moved = sitk.Resample(followup, baseline, tx, sitk.sitkLinear, 0.0, sitk.sitkFloat32)
        fov = field_of_view(baseline, followup, tx)
        mask, mask_info = brain_mask(baseline)
        mask = sitk.And(mask, fov)
        debug = {} if args.debug_dir else None
        labels, lesions, stats = detect(baseline, moved, mask, debug)
        stats.update(mask_info)
        t_detected = time.perf_counter()
        log(f"detection: {t_detected - t_registered:.2f} s, {stats['candidates']} candidate(s), "
            f"{len(lesions)} kept")

        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        sitk.WriteImage(labels, args.out, useCompression=True)
        if args.debug_dir:
            os.makedirs(args.debug_dir, exist_ok=True)
            debug.update({"brain_mask": mask, "followup_resampled": moved})
            for name, img in debug.items():
                sitk.WriteImage(img, os.path.join(args.debug_dir, f"{name}.nii.gz"), useCompression=True)
        t_end = time.perf_counter()
        cpu_s, jiffies_end = time.process_time() - cpu_start, pr.cpu_jiffies()
    except Exception as e:  # noqa: BLE001  (one message, exit 1)
        log(f"error: {type(e).__name__}: {e}")
        return 1

    others_pct = None
    if jiffies_start and jiffies_end:
        tick = os.sysconf("SC_CLK_TCK")
        busy_s = (jiffies_end[0] - jiffies_start[0]) / tick
        all_s = (jiffies_end[1] - jiffies_start[1]) / tick
        if all_s > 0:
            others_pct = max(0.0, 100.0 * (busy_s - cpu_s) / all_s)
    if args.json:
        doc = {
            "tool": "simpleitk-peer",
            "task": "new_enlarging_lesions",
            "baseline": args.baseline,
            "followup": args.followup,
            "labels": args.out,
            "lesions": lesions,
            "timings_s": {
                "load": t_loaded - t_start,
                "registration": t_registered - t_loaded,
                "detection": t_detected - t_registered,
                "write": t_end - t_detected,
                "total": t_end - t_start,
                "cpu": cpu_s,
                "others_cpu_busy_pct": others_pct,
            },
            "registration": reg_info,
            "stats": stats,
            "settings": {
                "registration": (f"Euler3D MOMENTS init, MattesMI bins={pr.HIST_BINS} RANDOM "
                                 f"{SAMPLING_PERCENTAGE:.0%} seed={args.seed}, RSGD lr={pr.LEARNING_RATE} "
                                 f"minStep={pr.MIN_STEP} relax={pr.RELAXATION} maxIter={pr.MAX_ITERATIONS}, "
                                 f"shrink {pr.SHRINK_FACTORS} sigmas {pr.SMOOTHING_SIGMAS} vox"),
                "brain_mask": f"Otsu, opening ball {OPENING_RADIUS_MM} mm, largest 26-CC, fill holes, ∩ FOV",
                "normalisation": "follow-up x median(baseline)/median(follow-up) inside mask",
                "z": f"(d - median) / ({MAD_TO_SD} MAD) inside mask",
                "hysteresis": {"seed_z": Z_SEED, "grow_z": Z_GROW, "connectivity": 26,
                               "eligible": "follow-up f' >= median of baseline in mask"},
                "min_volume_mm3": MIN_VOLUME_MM3,
                "hyperintense": f"mean normalised follow-up > P{HYPER_PERCENTILE:g} of baseline in mask",
            },
            "threads": sitk.ProcessObject.GetGlobalDefaultNumberOfThreads(),
            "versions": versions(),
            "load_workaround": [n for n in (note_b, note_f) if n] or None,
        }
        with open(args.json, "w") as fh:
            json.dump(doc, fh, indent=2)
            fh.write("\n")
    log(f"wrote {args.out}: {len(lesions)} lesion(s), total {t_end - t_start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
