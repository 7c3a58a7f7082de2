#!/usr/bin/env python3
"""Make the synthetic MR series used by the load benchmark.

Writes a 256 (columns) x 256 (rows) x 176 (slices) sagittal T1-like brain
series, one single-frame MR Image Storage file per slice, Explicit VR Little
Endian, 16 bits allocated / 12 stored, unsigned, MONOCHROME2, into
``<out>/uncompressed/``, then transcodes it with Debian's DICOM tools into

    <out>/rle/            RLE Lossless                 (gdcmconv --rle)
    <out>/jpegls/         JPEG-LS Lossless             (gdcmconv --jpegls)
    <out>/j2k/            JPEG 2000 Lossless only      (gdcmconv --j2k)
    <out>/jpeg_lossless/  JPEG Lossless, process 14 SV1 (dcmcjpeg)

Everything is deterministic (fixed seeds, UIDs derived from fixed strings), so
two runs produce byte-identical uncompressed files.  A variant folder is only
ever created by renaming a finished temporary folder, and a stamp file
``<out>/.<variant>.done`` records the generator version, so an existing
complete variant is skipped.  ``--force`` regenerates everything.

Usage: python3 bench/make_data.py [--out DIR] [--force] [--no-verify] [-j N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# Bump when the content or the header changes, so old data is regenerated.
GENERATOR_VERSION = "tandem-bench-data-1"

COLS = 256  # anterior -> posterior
ROWS = 256  # superior -> inferior
SLICES = 176  # right -> left (sagittal)
PIXEL_SPACING = (1.0, 1.0)  # row spacing, column spacing (mm)
SLICE_THICKNESS = 1.0
RESCALE_SLOPE = 1.5
RESCALE_INTERCEPT = -20.0
BITS_STORED = 12
MAX_STORED = (1 << BITS_STORED) - 1

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"

# name -> (transfer syntax UID, argv prefix; input and output paths follow)
VARIANTS = {
    "rle": ("1.2.840.10008.1.2.5", ["gdcmconv", "--rle"]),
    "jpegls": ("1.2.840.10008.1.2.4.80", ["gdcmconv", "--jpegls"]),
    "j2k": ("1.2.840.10008.1.2.4.90", ["gdcmconv", "--j2k"]),
    # dcmcjpeg defaults: lossless, process 14 selection value 1 (+e1), point transform 0.
    "jpeg_lossless": ("1.2.840.10008.1.2.4.70", ["dcmcjpeg", "--encode-lossless-sv1"]),
}
ALL_VARIANTS = ["uncompressed", *VARIANTS]


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------
# Synthetic anatomy
# --------------------------------------------------------------------------


def smooth_field(shape: tuple[int, ...], rng: np.random.Generator, n_waves: int, kmax: float):
    """Sum of random low-frequency cosines on a grid normalised to [-1, 1]."""
    axes = [np.linspace(-1.0, 1.0, n, dtype=np.float32) for n in shape]
    grids = np.meshgrid(*axes, indexing="ij", sparse=True)
    out = np.zeros(shape, dtype=np.float32)
    for _ in range(n_waves):
        k = rng.uniform(-kmax, kmax, size=len(shape))
        phase = rng.uniform(0, 2 * np.pi)
        arg = np.float32(phase)
        for g, kk in zip(grids, k):
            arg = arg + np.float32(np.pi * kk) * g
        out += np.cos(arg) * np.float32(1.0 / n_waves)
    return out / (np.abs(out).max() + 1e-12)


def sstep(d: np.ndarray, width: float) -> np.ndarray:
    """Smooth step from 0 (d << 0) to 1 (d >> 0) over about `width`."""
    return 0.5 * (1.0 + np.tanh(d / width))


def make_volume(seed: int = 20240611) -> np.ndarray:
    """Return the stored values, shape (SLICES, ROWS, COLS), uint16 in [0, 4095].

    Axis 0 runs right -> left, axis 1 superior -> inferior (rows), axis 2
    anterior -> posterior (columns).  1 mm isotropic voxels.
    """
    rng = np.random.default_rng(seed)
    # Physical coordinates in mm, centred on the head.
    x = (np.arange(SLICES) - (SLICES - 1) / 2.0)[:, None, None]  # R-L
    z = -(np.arange(ROWS) - (ROWS - 1) / 2.0 - 10.0)[None, :, None]  # up = +
    y = (np.arange(COLS) - (COLS - 1) / 2.0 + 8.0)[None, None, :]  # A-P

    # Radial "ellipsoid coordinate": 1.0 on the outer skin surface.
    a, b, c = 72.0, 96.0, 88.0  # semi-axes R-L, A-P, S-I (mm)
    shape_wobble = 0.025 * smooth_field((SLICES, ROWS, COLS), rng, 12, 3.0)
    r = np.sqrt((x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2) + shape_wobble
    # Flatten the head underneath (neck / skull base) a little.
    r = r + 0.25 * sstep(-z - 55.0, 8.0) * np.clip((-z - 55.0) / 40.0, 0, 1)

    # Depth from the skin in mm (approximately), positive inside.
    depth = (1.0 - r) * 80.0

    # Cortical folding: the GM/WM boundary ripples with a smooth random field
    # and thin CSF-filled sulci dive in where that field crosses zero.
    gyri = smooth_field((SLICES, ROWS, COLS), rng, 40, 14.0)
    sulci = np.exp(-((gyri / 0.12) ** 2))

    scalp = sstep(depth, 0.8)  # skin and fat, bright on T1
    skull = sstep(depth - 5.0, 0.7)  # inner table of the skull starts at ~5 mm
    brain = sstep(depth - 9.0 - 9.0 * sulci, 0.7)  # brain (GM) under ~2 mm CSF
    wm = sstep(depth - 16.0 - 5.0 * gyri - 4.0 * sulci, 1.0)  # white matter core

    # Lateral ventricles: two curved ellipsoids either side of the midline.
    vent = np.zeros_like(depth)
    for side in (-1.0, 1.0):
        d = ((x - side * 8.0) / 6.0) ** 2 + ((y + 5.0 + 0.004 * z**2) / 28.0) ** 2 + ((z - 12.0) / 11.0) ** 2
        vent = np.maximum(vent, sstep(1.0 - d, 0.12))
    # Deep grey nuclei (thalami / basal ganglia), medium grey.
    deep = np.zeros_like(depth)
    for side in (-1.0, 1.0):
        d = ((x - side * 14.0) / 9.0) ** 2 + ((y - 6.0) / 13.0) ** 2 + ((z + 2.0) / 10.0) ** 2
        deep = np.maximum(deep, sstep(1.0 - d, 0.15))
    # Interhemispheric fissure: CSF sheet on the midline above the corpus callosum.
    fissure = sstep(0.45 - np.abs(x), 0.15) * sstep(z - 22.0, 3.0)

    # T1-weighted intensities (stored-value units before the bias field).
    BG, FAT, BONE, CSF, GM, WM = 0.0, 1900.0, 180.0, 320.0, 1150.0, 1650.0
    tissue = GM + (WM - GM) * wm
    tissue = tissue + (1050.0 - tissue) * deep
    tissue = tissue + (CSF - tissue) * np.maximum(vent, fissure * 0.7)
    inside = CSF + (tissue - CSF) * brain
    # Subtle texture within tissue (~2 %).
    texture = 1.0 + 0.02 * smooth_field((SLICES, ROWS, COLS), rng, 60, 40.0)
    inside = inside * texture
    img = BG + (FAT - BG) * scalp
    img = img + (BONE - img) * skull
    img = img + (inside - img) * sstep(depth - 7.0, 0.8)

    # Smooth receive-coil bias field (+-12 %).
    bias = 1.0 + 0.12 * smooth_field((SLICES, ROWS, COLS), rng, 6, 1.2)
    img = img * bias

    # Magnitude image of complex Gaussian noise (Rician): realistic background.
    sigma = 9.0
    noise_rng = np.random.default_rng(seed + 1)
    re = img + noise_rng.normal(0.0, sigma, img.shape)
    im = noise_rng.normal(0.0, sigma, img.shape)
    mag = np.sqrt(re * re + im * im)
    return np.clip(np.rint(mag), 0, MAX_STORED).astype(np.uint16)


# --------------------------------------------------------------------------
# DICOM writing
# --------------------------------------------------------------------------


def write_uncompressed(dest: Path, vol: np.ndarray) -> None:
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID, generate_uid

    def uid(*parts: str) -> str:
        return generate_uid(entropy_srcs=[GENERATOR_VERSION, *parts])

    study_uid = uid("study")
    series_uid = uid("series")
    for_uid = uid("frame-of-reference")

    # Sagittal, LPS: along a row (column index +1) we go anterior -> posterior
    # (+y), down a column (row index +1) superior -> inferior (-z); the slice
    # normal row x col is (-1, 0, 0), towards the patient's right.  Volume axis
    # 0 runs right -> left, i.e. *against* the normal, and instance i+1 holds
    # vol[i]: instance 1 is the rightmost slice, so instance order is the
    # *reverse* of ascending position along the normal and a loader must sort
    # by IPP.  A 3 degree oblique tilt makes the IPP/IOP arithmetic non-trivial.
    t = np.deg2rad(3.0)
    row_dir = np.array([0.0, np.cos(t), -np.sin(t)])
    col_dir = np.array([0.0, -np.sin(t), -np.cos(t)])
    normal = np.cross(row_dir, col_dir)  # ~(-1, 0, 0)
    centre = np.array([2.0, -12.0, 18.0])
    origin0 = (
        centre
        - row_dir * PIXEL_SPACING[1] * (COLS - 1) / 2.0
        - col_dir * PIXEL_SPACING[0] * (ROWS - 1) / 2.0
        - normal * SLICE_THICKNESS * (SLICES - 1) / 2.0
    )
    iop = [round(float(v), 6) for v in (*row_dir, *col_dir)]

    for i in range(SLICES):
        k = SLICES - 1 - i  # index of vol[i] in ascending order along the normal
        ipp = origin0 + normal * SLICE_THICKNESS * k
        inst = i + 1
        sop_uid = uid("sop", str(inst))

        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MR_IMAGE_STORAGE
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        meta.ImplementationVersionName = "TANDEM_BENCH"

        ds = Dataset()
        ds.file_meta = meta
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND"]
        ds.SOPClassUID = MR_IMAGE_STORAGE
        ds.SOPInstanceUID = sop_uid
        ds.StudyDate = "20240611"
        ds.SeriesDate = "20240611"
        ds.ContentDate = "20240611"
        ds.StudyTime = "101500"
        ds.SeriesTime = "102233"
        ds.ContentTime = "102233"
        ds.AccessionNumber = ""
        ds.Modality = "MR"
        ds.Manufacturer = "Tandem synthetic"
        ds.InstitutionName = "Nowhere"
        ds.ReferringPhysicianName = ""
        ds.StudyDescription = "BENCH BRAIN"
        ds.SeriesDescription = "T1 3D sag 1mm (synthetic)"
        ds.ManufacturerModelName = "make_data.py"
        ds.PatientName = "Bench^Synthetic"
        ds.PatientID = "BENCH0001"
        ds.PatientBirthDate = ""
        ds.PatientSex = "O"
        ds.ScanningSequence = ["GR", "IR"]
        ds.SequenceVariant = ["SP", "MP"]
        ds.ScanOptions = ["IR"]
        ds.MRAcquisitionType = "3D"
        ds.SliceThickness = f"{SLICE_THICKNESS:g}"
        ds.RepetitionTime = "2300"
        ds.EchoTime = "2.98"
        ds.InversionTime = "900"
        ds.NumberOfAverages = "1"
        ds.ImagingFrequency = "123.2"
        ds.ImagedNucleus = "1H"
        ds.MagneticFieldStrength = "3"
        ds.SpacingBetweenSlices = f"{SLICE_THICKNESS:g}"
        ds.EchoTrainLength = "1"
        ds.FlipAngle = "9"
        ds.PatientPosition = "HFS"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.StudyID = "1"
        ds.SeriesNumber = 3
        ds.AcquisitionNumber = 1
        ds.InstanceNumber = inst
        ds.ImagePositionPatient = [f"{v:.6f}" for v in ipp]
        ds.ImageOrientationPatient = [f"{v:.6f}" for v in iop]
        ds.FrameOfReferenceUID = for_uid
        ds.PositionReferenceIndicator = ""
        ds.SliceLocation = f"{float(np.dot(ipp, normal)):.6f}"
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = ROWS
        ds.Columns = COLS
        ds.PixelSpacing = [f"{PIXEL_SPACING[0]:g}", f"{PIXEL_SPACING[1]:g}"]
        ds.BitsAllocated = 16
        ds.BitsStored = BITS_STORED
        ds.HighBit = BITS_STORED - 1
        ds.PixelRepresentation = 0
        ds.WindowCenter = "1400"
        ds.WindowWidth = "2800"
        ds.RescaleIntercept = f"{RESCALE_INTERCEPT:g}"
        ds.RescaleSlope = f"{RESCALE_SLOPE:g}"
        ds.RescaleType = "US"
        ds.LossyImageCompression = "00"
        ds.PixelData = np.ascontiguousarray(vol[i]).astype("<u2").tobytes()

        pydicom.dcmwrite(dest / f"IM_{inst:04d}.dcm", ds, enforce_file_format=True)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def stamp_path(out: Path, variant: str) -> Path:
    return out / f".{variant}.done"


def is_complete(out: Path, variant: str) -> bool:
    folder = out / variant
    stamp = stamp_path(out, variant)
    if not folder.is_dir() or not stamp.is_file():
        return False
    try:
        info = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix == ".dcm"]
    return info.get("generator") == GENERATOR_VERSION and len(files) == SLICES


def mark_complete(out: Path, variant: str, extra: dict) -> None:
    info = {"generator": GENERATOR_VERSION, "variant": variant, "slices": SLICES, **extra}
    stamp_path(out, variant).write_text(json.dumps(info, indent=1) + "\n")


def fresh_tmp(out: Path, variant: str) -> Path:
    tmp = out / f".{variant}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def publish(out: Path, variant: str, tmp: Path) -> None:
    final = out / variant
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)


def transcode(src: Path, dst: Path, argv: list[str], jobs: int) -> None:
    names = sorted(p.name for p in src.iterdir() if p.suffix == ".dcm")
    # xargs runs `argv... SRC/NAME DST/NAME` for each file, `jobs` at a time.
    cmd = ["xargs", "-0", "-P", str(jobs), "-I{}", *argv, f"{src}/{{}}", f"{dst}/{{}}"]
    subprocess.run(cmd, input="\0".join(names).encode(), check=True)
    made = sorted(p.name for p in dst.iterdir())
    if made != names:
        raise RuntimeError(f"{argv[0]} produced {len(made)} of {len(names)} files in {dst}")


def read_ts(path: Path) -> str:
    import pydicom

    return str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)


def verify(folder: Path, vol: np.ndarray, ts_uid: str | None) -> None:
    """Check every file decodes (with pydicom) to exactly the original slice."""
    import pydicom

    for p in sorted(folder.glob("*.dcm")):
        ds = pydicom.dcmread(p)
        if ts_uid is not None and ds.file_meta.TransferSyntaxUID != ts_uid:
            raise RuntimeError(f"{p}: transfer syntax {ds.file_meta.TransferSyntaxUID}, expected {ts_uid}")
        inst = int(ds.InstanceNumber)
        arr = ds.pixel_array
        if not np.array_equal(arr, vol[inst - 1]):
            diff = np.abs(arr.astype(np.int32) - vol[inst - 1].astype(np.int32)).max()
            raise RuntimeError(f"{p}: decoded pixels differ from the original (max |diff| {diff})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=repo_root() / "target" / "bench-data")
    ap.add_argument("--force", action="store_true", help="regenerate even if complete")
    ap.add_argument("--no-verify", action="store_true", help="skip the lossless round-trip check")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="parallel transcoder processes (xargs -P)")
    args = ap.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    todo = [v for v in ALL_VARIANTS if args.force or not is_complete(out, v)]
    if not todo:
        print(f"make_data: {out} is complete, nothing to do", file=sys.stderr)
        for v in ALL_VARIANTS:
            print(out / v)
        return 0

    for tool in sorted({VARIANTS[v][1][0] for v in todo if v in VARIANTS} | {"xargs"}):
        if shutil.which(tool) is None:
            print(f"make_data: missing tool {tool!r} (apt-get install dcmtk libgdcm-tools)", file=sys.stderr)
            return 2

    t0 = time.perf_counter()
    vol = make_volume()
    print(f"make_data: volume {vol.shape} made in {time.perf_counter() - t0:.1f}s "
          f"(min {vol.min()}, max {vol.max()}, mean {vol.mean():.0f})", file=sys.stderr)

    if "uncompressed" in todo:
        # Transcoded variants derive from it: regenerate them too.
        todo = ALL_VARIANTS
        t0 = time.perf_counter()
        tmp = fresh_tmp(out, "uncompressed")
        write_uncompressed(tmp, vol)
        publish(out, "uncompressed", tmp)
        mark_complete(out, "uncompressed", {"transfer_syntax": "1.2.840.10008.1.2.1"})
        print(f"make_data: uncompressed written in {time.perf_counter() - t0:.1f}s", file=sys.stderr)

    src = out / "uncompressed"
    for variant in todo:
        if variant == "uncompressed":
            continue
        ts_uid, argv = VARIANTS[variant]
        stamp_path(out, variant).unlink(missing_ok=True)
        t0 = time.perf_counter()
        tmp = fresh_tmp(out, variant)
        transcode(src, tmp, argv, args.jobs)
        got = read_ts(next(tmp.glob("*.dcm")))
        if got != ts_uid:
            raise RuntimeError(f"{variant}: {argv[0]} wrote transfer syntax {got}, expected {ts_uid}")
        if not args.no_verify:
            verify(tmp, vol, ts_uid)
        publish(out, variant, tmp)
        size = sum(p.stat().st_size for p in (out / variant).iterdir())
        mark_complete(out, variant, {"transfer_syntax": ts_uid, "tool": " ".join(argv), "bytes": size})
        print(f"make_data: {variant:<14} {size / 2**20:7.1f} MiB in {time.perf_counter() - t0:.1f}s"
              f"{'' if args.no_verify else ' (verified lossless)'}", file=sys.stderr)

    for v in ALL_VARIANTS:
        print(out / v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
