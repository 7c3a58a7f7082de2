#!/usr/bin/env python3
"""Peer benchmark for Tandem's rigid registration: SimpleITK, used carefully.

Loads two DICOM series (fixed = baseline, moving = follow-up) with
sitk.ImageSeriesReader as float32 and registers them rigidly with the classic
ITK v4 recipe:

  transform     Euler3DTransform, initialised by CenteredTransformInitializer
                (MOMENTS: centres of mass matched, no rotation)
  metric        Mattes mutual information, 50 bins, RANDOM sampling of 20 % of
                the fixed voxels (fixed seed), linear interpolator
  optimizer     RegularStepGradientDescent, scales from physical shift
                (SetOptimizerScalesFromPhysicalShift)
  pyramid       3 levels, shrink factors 4, 2, 1, smoothing sigmas 2, 1, 0
                voxels (SmoothingSigmasAreSpecifiedInPhysicalUnits off)
  threads       SimpleITK's default (all cores)

Only ImageRegistrationMethod.Execute() is timed (not loading, not the
initialiser); the script reports the median and minimum over --runs runs.

ITK's transform maps fixed physical points to moving physical points, so the
result is x_followup = R * x_baseline + t in LPS mm, the convention Tandem uses.
With --truth, the found transform is compared with `followup_from_baseline`
of the ground-truth JSON at every `lesions[*].centre_baseline_mm`, and the mean
|T_found(p) - T_true(p)| is reported in mm.

Output: one JSON line on stdout,
  {"tool": "simpleitk", "task": "rigid_registration", "fixed": ..., "moving": ...,
   "median_s": ..., "min_s": ..., "runs": n, "mean_displacement_mm": ... | null,
   "final_metric": ..., "iterations": ..., "versions": {...}, ...}
Progress and warnings go to stderr.

Usage:
  python3 bench/peer_registration.py BASELINE_SERIES_DIR FOLLOWUP_SERIES_DIR \
      [--truth GROUND_TRUTH_JSON] [--runs 3]

A note on loading: GDCM (ITK's DICOM reader, also in python-gdcm 3.2.6)
throws "An invalid logic behavior occurred" from gdcmStringFilter.cxx when a
file holds a binary element of VR UV, such as (7FE0,0003) Encapsulated Pixel
Data Value Total Length, which Tandem writes into its compressed sample
series.  GDCMImageIO turns every element into a string for the metadata
dictionary, so the whole read fails.  If that happens, this script copies the
series into a temporary folder with only that element removed (pydicom, pixel
data bytes untouched), reads the copy with the same ImageSeriesReader call,
and says so in "load_workaround".  Loading isn't timed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time

import numpy as np
import SimpleITK as sitk

# ---------------------------------------------------------------------------
# Registration settings (see bench/README.md for how they were chosen)
# ---------------------------------------------------------------------------

HIST_BINS = 50
SAMPLING_PERCENTAGE = 0.20
SAMPLING_SEED = 20250310
SHRINK_FACTORS = [4, 2, 1]
SMOOTHING_SIGMAS = [2.0, 1.0, 0.0]  # voxels
LEARNING_RATE = 1.0  # first step length, in the scaled (physical shift, mm) parameter space
MIN_STEP = 1e-3  # mm
RELAXATION = 0.5
GRADIENT_TOLERANCE = 1e-8
MAX_ITERATIONS = 200  # per level


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Loading (not timed)
# ---------------------------------------------------------------------------


def read_series(folder: str) -> sitk.Image:
    reader = sitk.ImageSeriesReader()
    files = reader.GetGDCMSeriesFileNames(folder)
    if not files:
        raise RuntimeError(f"no DICOM series found in {folder}")
    reader.SetFileNames(files)
    reader.SetOutputPixelType(sitk.sitkFloat32)
    return reader.Execute()


def strip_uv_copy(folder: str, dest: str) -> int:
    """Copy the series' files into dest without the element(s) GDCM can't stringify.

    Returns the number of files in which something was removed.
    """
    import pydicom

    changed = 0
    for name in sorted(os.listdir(folder)):
        src = os.path.join(folder, name)
        if name.startswith(".") or not os.path.isfile(src):
            continue
        try:
            ds = pydicom.dcmread(src)
        except Exception:  # not DICOM: leave it out, as GDCM would skip it
            continue
        removed = False
        for elem in list(ds):  # top level only, which is where (7FE0,0003) lives
            if elem.VR == "UV":
                del ds[elem.tag]
                removed = True
        changed += removed
        ds.save_as(os.path.join(dest, name), enforce_file_format=True)
    return changed


def load(folder: str, tmp_root: str) -> tuple[sitk.Image, str | None]:
    try:
        return read_series(folder), None
    except RuntimeError as e:
        if "gdcmStringFilter" not in str(e):
            raise
        first_line = str(e).strip().splitlines()[-1]
        dest = tempfile.mkdtemp(prefix="series_", dir=tmp_root)
        n = strip_uv_copy(folder, dest)
        note = (f"GDCM failed on the original files ({first_line!r} in gdcmStringFilter); "
                f"read a copy with the VR UV element(s) removed from {n} files")
        log(f"[peer_registration] {folder}: {note}")
        return read_series(dest), note


# ---------------------------------------------------------------------------
# Registration (Execute is timed)
# ---------------------------------------------------------------------------


def make_method(seed: int) -> sitk.ImageRegistrationMethod:
    reg = sitk.ImageRegistrationMethod()
    reg.SetMetricAsMattesMutualInformation(numberOfHistogramBins=HIST_BINS)
    reg.SetMetricSamplingStrategy(reg.RANDOM)
    reg.SetMetricSamplingPercentage(SAMPLING_PERCENTAGE, seed)
    reg.SetInterpolator(sitk.sitkLinear)
    reg.SetOptimizerAsRegularStepGradientDescent(
        learningRate=LEARNING_RATE,
        minStep=MIN_STEP,
        numberOfIterations=MAX_ITERATIONS,
        relaxationFactor=RELAXATION,
        gradientMagnitudeTolerance=GRADIENT_TOLERANCE,
    )
    reg.SetOptimizerScalesFromPhysicalShift()
    reg.SetShrinkFactorsPerLevel(SHRINK_FACTORS)
    reg.SetSmoothingSigmasPerLevel(SMOOTHING_SIGMAS)
    reg.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()
    return reg


def register_once(fixed: sitk.Image, moving: sitk.Image, initial: sitk.Transform, seed: int):
    reg = make_method(seed)
    # A fresh copy so every run starts from the same point (InPlace is the default).
    reg.SetInitialTransform(sitk.Euler3DTransform(initial), inPlace=False)

    per_level: list[int] = []
    counter = [0]

    def on_iter() -> None:  # a few microseconds per iteration; the count is reported
        counter[0] += 1

    def on_level() -> None:
        if reg.GetCurrentLevel() > 0:
            per_level.append(counter[0])
            counter[0] = 0

    reg.AddCommand(sitk.sitkIterationEvent, on_iter)
    reg.AddCommand(sitk.sitkMultiResolutionIterationEvent, on_level)

    c0 = time.process_time()
    t0 = time.perf_counter()
    out = reg.Execute(fixed, moving)
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
    per_level.append(counter[0])
    info = {
        "final_metric": reg.GetMetricValue(),
        "iterations": sum(per_level),
        "iterations_per_level": per_level,
        "stop": reg.GetOptimizerStopConditionDescription(),
        "cpu_s": cpu,
    }
    return dt, out, info


def as_euler(tx: sitk.Transform) -> sitk.Euler3DTransform:
    # Execute returns a CompositeTransform wrapping the Euler3DTransform.
    if tx.GetName() == "CompositeTransform":
        tx = sitk.CompositeTransform(tx).GetBackTransform()
    return sitk.Euler3DTransform(tx)


def matrix_offset(tx: sitk.Euler3DTransform) -> tuple[np.ndarray, np.ndarray]:
    m = np.array(tx.GetMatrix(), dtype=np.float64).reshape(3, 3)
    c = np.array(tx.GetCenter(), dtype=np.float64)
    t = np.array(tx.GetTranslation(), dtype=np.float64)
    return m, t + c - m @ c  # x' = m x + offset


def compare_with_truth(tx: sitk.Euler3DTransform, truth_path: str) -> dict:
    with open(truth_path) as f:
        truth = json.load(f)
    ft = truth["followup_from_baseline"]
    r_true = np.array(ft["matrix"], dtype=np.float64).reshape(3, 3)
    t_true = np.array(ft["offset_mm"], dtype=np.float64)
    pts = [np.array(les["centre_baseline_mm"], dtype=np.float64) for les in truth.get("lesions", [])]
    if not pts:
        raise RuntimeError(f"{truth_path}: no lesions[*].centre_baseline_mm")
    d = [float(np.linalg.norm(np.array(tx.TransformPoint(p.tolist())) - (r_true @ p + t_true))) for p in pts]
    r_found, t_found = matrix_offset(tx)
    rel = r_found @ r_true.T
    angle = math.degrees(math.acos(max(-1.0, min(1.0, (np.trace(rel) - 1.0) / 2.0))))
    return {
        "mean_displacement_mm": statistics.fmean(d),
        "max_displacement_mm": max(d),
        "points": len(d),
        "rotation_error_deg": angle,
        "offset_error_mm": float(np.linalg.norm(t_found - t_true)),
    }


def cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat (Linux only)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(v) - v[3] - v[4], sum(v)  # idle and iowait are not busy


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for n in ("SimpleITK", "numpy", "pydicom"):
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            pass
    out["ITK"] = sitk.Version.ITKVersionString()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("fixed", help="baseline series folder (fixed image)")
    ap.add_argument("moving", help="follow-up series folder (moving image)")
    ap.add_argument("--truth", help="ground-truth JSON with followup_from_baseline and lesions")
    ap.add_argument("--runs", type=int, default=3, help="timed registrations (default 3)")
    ap.add_argument("--seed", type=int, default=SAMPLING_SEED, help="metric sampling seed")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")

    with tempfile.TemporaryDirectory(prefix="peer_registration_") as tmp:
        fixed, note_f = load(args.fixed, tmp)
        moving, note_m = load(args.moving, tmp)

    initial = sitk.CenteredTransformInitializer(
        fixed, moving, sitk.Euler3DTransform(), sitk.CenteredTransformInitializerFilter.MOMENTS
    )
    initial = sitk.Euler3DTransform(initial)

    jiffies_before, own_before = cpu_jiffies(), time.process_time()
    times, cpu_times, params, result, info = [], [], [], None, None
    for i in range(args.runs):
        dt, out, inf = register_once(fixed, moving, initial, args.seed)
        times.append(dt)
        cpu_times.append(inf["cpu_s"])
        params.append(np.array(as_euler(out).GetParameters()))
        log(f"[peer_registration] run {i + 1}/{args.runs}: {dt:.3f} s wall, {inf['cpu_s']:.3f} s CPU, "
            f"metric {inf['final_metric']:.6f}, iterations {inf['iterations_per_level']}, {inf['stop']}")
        if result is None:
            result, info = out, inf
    jiffies_after, own_after = cpu_jiffies(), time.process_time()
    # Multi-threaded sums may be added up in another order from run to run.
    spread = float(max(np.max(np.abs(p - params[0])) for p in params))
    if spread > 0:
        log(f"[peer_registration] note: the runs' parameters differ by up to {spread:.3g}; reporting the first run")
    # CPU time used by other processes while the runs were going on, as a share
    # of all the CPUs' time: anything much above 0 inflates the wall times.
    others_pct = None
    if jiffies_before and jiffies_after:
        tick = os.sysconf("SC_CLK_TCK")
        busy_s = (jiffies_after[0] - jiffies_before[0]) / tick
        all_s = (jiffies_after[1] - jiffies_before[1]) / tick
        if all_s > 0:
            others_pct = max(0.0, 100.0 * (busy_s - (own_after - own_before)) / all_s)
            if others_pct > 10:
                log(f"[peer_registration] warning: other processes used {others_pct:.0f}% of the CPUs "
                    f"during the timed runs; wall times are inflated")

    tx = as_euler(result)
    accuracy = compare_with_truth(tx, args.truth) if args.truth else {}
    m, off = matrix_offset(tx)

    line = {
        "tool": "simpleitk",
        "task": "rigid_registration",
        "fixed": args.fixed,
        "moving": args.moving,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "runs": args.runs,
        "mean_displacement_mm": accuracy.get("mean_displacement_mm"),
        "final_metric": info["final_metric"],
        "iterations": info["iterations"],
        "versions": versions(),
        "times_s": times,
        "cpu_median_s": statistics.median(cpu_times),
        "cpu_times_s": cpu_times,
        "run_parameter_spread": spread,
        "others_cpu_busy_pct": others_pct,
        "iterations_per_level": info["iterations_per_level"],
        "stop_condition": info["stop"],
        "max_displacement_mm": accuracy.get("max_displacement_mm"),
        "rotation_error_deg": accuracy.get("rotation_error_deg"),
        "offset_error_mm": accuracy.get("offset_error_mm"),
        "found": {"matrix": m.tolist(), "offset_mm": off.tolist()},
        "threads": sitk.ProcessObject.GetGlobalDefaultNumberOfThreads(),
        "settings": {
            "transform": "Euler3DTransform, CenteredTransformInitializer MOMENTS",
            "metric": f"MattesMI bins={HIST_BINS} RANDOM {SAMPLING_PERCENTAGE:.0%} seed={args.seed}",
            "interpolator": "linear",
            "optimizer": (f"RegularStepGradientDescent lr={LEARNING_RATE} minStep={MIN_STEP} "
                          f"relax={RELAXATION} gradTol={GRADIENT_TOLERANCE} maxIter={MAX_ITERATIONS}/level, "
                          "scales from physical shift"),
            "pyramid": f"shrink {SHRINK_FACTORS} sigmas {SMOOTHING_SIGMAS} voxels",
        },
        "load_workaround": [n for n in (note_f, note_m) if n] or None,
    }
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
