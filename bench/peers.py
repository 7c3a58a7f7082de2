#!/usr/bin/env python3
"""Time peer DICOM series loaders on the benchmark folders.

For every series folder, each peer loads the whole series into a 3D float32
numpy array (slices, rows, columns) with RescaleSlope/RescaleIntercept applied
and slices sorted by ImagePositionPatient along the slice normal:

  pydicom    pydicom.dcmread every file, sort by IPP . (row x col), ds.pixel_array,
             rescale in float32, write into a preallocated array.  Compressed
             syntaxes are decoded with the first plugin pydicom itself would
             pick (see --pydicom-plugin); the plugin is reported in the output.
  simpleitk  sitk.ImageSeriesReader with GetGDCMSeriesFileNames (GDCM's
             IPP sorting), output pixel type float32, GetArrayFromImage.

Each (tool, folder) pair runs in its own fresh Python process: one warm-up
load (which also warms the page cache), then N timed loads; it reports the
median and minimum wall time and the process's peak RSS.  One JSON line per
(tool, folder) goes to stdout:

  {"tool": "pydicom", "path": ".../rle", "median_s": 0.41, "min_s": 0.40, "runs": 5, ...}

Afterwards the arrays of the two peers are compared and a warning is printed
(to stderr) unless they are identical.

Usage: python3 bench/peers.py [--runs N] [--tools pydicom,simpleitk] DIR...
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

TOOLS = ("pydicom", "simpleitk")


# --------------------------------------------------------------------------
# The loaders (what is timed)
# --------------------------------------------------------------------------


def series_files(folder: str) -> list[str]:
    """All regular, non-hidden files of the folder (a user's `ls`)."""
    with os.scandir(folder) as it:
        return sorted(e.path for e in it if e.is_file() and not e.name.startswith("."))


def load_pydicom(folder: str, plugin: str | None) -> np.ndarray:
    import pydicom

    datasets = [pydicom.dcmread(f) for f in series_files(folder)]
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=np.float64)
    normal = np.cross(iop[:3], iop[3:])
    datasets.sort(key=lambda ds: float(np.dot(normal, np.array(ds.ImagePositionPatient, dtype=np.float64))))

    first = datasets[0]
    vol = np.empty((len(datasets), int(first.Rows), int(first.Columns)), dtype=np.float32)
    for i, ds in enumerate(datasets):
        if plugin:
            ds.pixel_array_options(decoding_plugin=plugin)
        pix = ds.pixel_array
        slope = np.float32(getattr(ds, "RescaleSlope", 1.0))
        intercept = np.float32(getattr(ds, "RescaleIntercept", 0.0))
        np.multiply(pix, slope, out=vol[i], dtype=np.float32)
        vol[i] += intercept
    return vol


def load_simpleitk(folder: str) -> np.ndarray:
    import SimpleITK as sitk

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(folder))
    reader.SetOutputPixelType(sitk.sitkFloat32)
    image = reader.Execute()
    return sitk.GetArrayFromImage(image)  # (z, y, x), float32


# --------------------------------------------------------------------------
# Worker: one tool on one folder, in a fresh process
# --------------------------------------------------------------------------


def pick_pydicom_plugin(folder: str, requested: str) -> tuple[str | None, str]:
    """Return (plugin to force or None, label for the report)."""
    import pydicom
    from pydicom.pixels import get_decoder

    ds = pydicom.dcmread(series_files(folder)[0], stop_before_pixels=True)
    ts = ds.file_meta.TransferSyntaxUID
    if not ts.is_compressed:
        return None, "native"
    decoder = get_decoder(ts)
    # pydicom tries its available plugins in registration order (the public
    # `available_plugins` is sorted by name) and uses the first that succeeds.
    available = list(getattr(decoder, "_available", None) or decoder.available_plugins)
    if requested == "auto":
        # Force pydicom's own first choice so that the label is exact.
        if not available:
            raise RuntimeError(f"no pydicom decoding plugin available for {ts.name}")
        return available[0], available[0]
    if requested not in available:
        raise RuntimeError(f"pydicom plugin {requested!r} not available for {ts.name} (have {available})")
    return requested, requested


def versions(tool: str) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    names = {
        "pydicom": ["pydicom", "numpy", "pylibjpeg", "pylibjpeg-libjpeg", "pylibjpeg-openjpeg",
                    "pylibjpeg-rle", "python-gdcm"],
        "simpleitk": ["SimpleITK", "numpy"],
    }[tool]
    out = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            pass
    return out


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def worker(tool: str, folder: str, runs: int, warmup: int, plugin_req: str, dump: str | None) -> int:
    import_t0 = time.perf_counter()
    if tool == "pydicom":
        plugin, label = pick_pydicom_plugin(folder, plugin_req)

        def load():
            return load_pydicom(folder, plugin)
    else:
        import SimpleITK  # noqa: F401  (import time is not load time)

        label = "gdcm"

        def load():
            return load_simpleitk(folder)
    import_s = time.perf_counter() - import_t0

    vol = None
    for _ in range(warmup):
        vol = load()
    times = []
    for _ in range(runs):
        del vol
        t0 = time.perf_counter()
        vol = load()
        times.append(time.perf_counter() - t0)

    if dump:
        np.save(dump, vol)
    rec = {
        "tool": tool,
        "path": folder,
        "median_s": round(statistics.median(times), 6),
        "min_s": round(min(times), 6),
        "runs": runs,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "decoder": label,
        "shape": list(vol.shape),
        "dtype": str(vol.dtype),
        "times_s": [round(t, 6) for t in times],
        "setup_s": round(import_s, 4),
        "versions": versions(tool),
    }
    print(json.dumps(rec), flush=True)
    return 0


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def compare(folder: str, dumps: dict[str, str]) -> bool:
    if len(dumps) < 2:
        return True
    (ta, pa), (tb, pb) = list(dumps.items())[:2]
    a, b = np.load(pa), np.load(pb)
    if a.shape != b.shape:
        print(f"WARNING: {folder}: {ta} shape {a.shape} != {tb} shape {b.shape}", file=sys.stderr)
        return False
    if a.dtype != b.dtype or not np.array_equal(a, b):
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
        flipped = np.array_equal(a, b[::-1])
        print(f"WARNING: {folder}: {ta} and {tb} arrays differ: max |diff| {diff.max():g} in "
              f"{int((diff > 0).sum())} voxels ({a.dtype} vs {b.dtype})"
              f"{'; they are equal with the slice order reversed' if flipped else ''}", file=sys.stderr)
        return False
    print(f"peers: {folder}: {ta} and {tb} arrays identical {a.shape} {a.dtype} "
          f"(min {a.min():g}, max {a.max():g})", file=sys.stderr)
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", help="series folders (one series each)")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 5)), help="timed runs (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed warm-up runs (default 1)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of: " + ", ".join(TOOLS))
    ap.add_argument("--pydicom-plugin", default="auto",
                    help="pydicom decoding plugin for compressed syntaxes: auto (pydicom's own first "
                         "choice among those installed), gdcm, pylibjpeg, pydicom, pyjpegls, pillow")
    ap.add_argument("--no-check", action="store_true", help="skip the array comparison")
    # Internal: run one (tool, folder) measurement in this process.
    ap.add_argument("--worker", choices=TOOLS, help=argparse.SUPPRESS)
    ap.add_argument("--dump", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")

    if args.worker:
        return worker(args.worker, args.dirs[0], args.runs, args.warmup, args.pydicom_plugin, args.dump)

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in tools:
        if t not in TOOLS:
            ap.error(f"unknown tool {t!r}")
    status = 0
    with tempfile.TemporaryDirectory(prefix="tandem-peers-") as tmp:
        for n, folder in enumerate(args.dirs):
            folder = os.path.abspath(folder)
            dumps = {}
            for tool in tools:
                dump = None if args.no_check else os.path.join(tmp, f"{n}-{tool}.npy")
                cmd = [sys.executable, os.path.abspath(__file__), "--worker", tool,
                       "--runs", str(args.runs), "--warmup", str(args.warmup),
                       "--pydicom-plugin", args.pydicom_plugin, folder]
                if dump:
                    cmd += ["--dump", dump]
                print(f"peers: {tool} on {folder} ({args.warmup} warm-up + {args.runs} runs)", file=sys.stderr)
                proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
                if proc.returncode != 0:
                    print(f"WARNING: {tool} failed on {folder} (exit {proc.returncode})", file=sys.stderr)
                    status = 1
                    continue
                sys.stdout.write(proc.stdout)
                sys.stdout.flush()
                if dump:
                    dumps[tool] = dump
            if not args.no_check:
                compare(folder, dumps)
                for d in dumps.values():
                    os.unlink(d)
    return status


if __name__ == "__main__":
    sys.exit(main())
