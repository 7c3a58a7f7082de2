#!/usr/bin/env python3
"""Derives Tandem's real-anatomy atlas (assets/anatomy/mni152.bin.gz) from the MNI ICBM152 2009a
templates that nilearn ships (PyPI, nilearn==0.14.1, nilearn/datasets/data/):
  mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz   (skull-stripped T1: its support is the brain)
  mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz   (grey matter probability)
  mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz   (white matter probability)
1 mm, RAS, 197 x 233 x 189. Copyright notice: assets/anatomy/LICENSE-MNI-ICBM152.txt.

Run:  python3 -m venv /tmp/atlas && /tmp/atlas/bin/pip install nilearn==0.14.1 scipy==1.14.1
      /tmp/atlas/bin/python scripts/make_atlas.py
The output is deterministic; `tandem synth` embeds it (src/synth/atlas.rs) and renders every
contrast from it, so the repository holds 1 mm of real brain in a few MB.

What the file holds, one channel after another, each a uint8 grid in x-fastest order:
  1-3. grey matter, white matter and CSF fractions (x 248, quantised to steps of 8: the low
       bits are interpolation noise and cost most of the space), 1 mm grid. CSF = intracranial - GM - WM,
       where "intracranial" is the brain support closed by 3 mm and grown by 2 mm, so it holds
       the ventricles, the sulci and a thin subarachnoid layer.
  4.   distance outside the intracranial volume, mm x 2 (0 inside, saturating at 127.5 mm),
       on a 2 mm grid (every other voxel of the 1 mm grid, same origin),
       after a 3 mm Gaussian, so the skull and scalp built on it follow the brain's outline
       without following every sulcus.
  5.   distance to the nearest ventricle (mm x 2, saturating, 2 mm grid), where "ventricle" is
       deep midline CSF: CSF fraction > 0.5, more than 12 mm inside the intracranial surface,
       within 35 mm of the midline, in components of at least 500 mm3. Lesion placement uses it (periventricular) and so does nothing
       else.
Header (little endian): b"TNDMATL2", u16 nx, ny, nz (1 mm grid), u16 cx, cy, cz (2 mm grid),
f32 origin (RAS mm of voxel 0 of both grids); then the channels.
"""
import gzip, os, struct, sys
import numpy as np
import nibabel as nib
from scipy import ndimage

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "assets", "anatomy", "mni152.bin.gz")

import nilearn
data = os.path.join(os.path.dirname(nilearn.__file__), "datasets", "data")
load = lambda n: nib.load(os.path.join(data, f"mni_icbm152_{n}_tal_nlin_sym_09a_converted.nii.gz"))
t1_img = load("t1")
t1 = t1_img.get_fdata().astype(np.float32)
gm = load("gm").get_fdata().astype(np.float32) / 255.0
wm = load("wm").get_fdata().astype(np.float32) / 255.0
affine = t1_img.affine
assert np.allclose(affine[:3, :3], np.eye(3)), "expected a 1 mm RAS grid"

# Pad by 40 mm so the head (skull, scalp, up to ~20 mm outside the brain) fits.
pad = 40
t1 = np.pad(t1, pad)
gm = np.pad(gm, pad)
wm = np.pad(wm, pad)
origin = affine[:3, 3] - pad

brain = t1 > 0
def ball(r):
    return sum((g - r) ** 2 for g in np.indices((2 * r + 1,) * 3)) <= r * r
closed = ndimage.binary_closing(brain, structure=ball(3), iterations=1)
closed = ndimage.binary_fill_holes(closed)
intracranial = ndimage.binary_dilation(closed, structure=ball(2))
intracranial = ndimage.gaussian_filter(intracranial.astype(np.float32), 0.7)
csf = np.clip(intracranial - gm - wm, 0.0, 1.0)
tissue = gm + wm + csf
over = tissue > 1.0
gm[over] /= tissue[over]; wm[over] /= tissue[over]; csf[over] /= tissue[over]

outside = ndimage.distance_transform_edt(intracranial < 0.5)
outside = ndimage.gaussian_filter(outside.astype(np.float32), 3.0)
inside_depth = ndimage.distance_transform_edt(intracranial >= 0.5)
x_mm = origin[0] + np.arange(t1.shape[0])[:, None, None]
deep_csf = (csf > 0.5) & (inside_depth > 12.0) & (np.abs(x_mm) < 35.0)
# Keep the large deep CSF components only (the ventricular system), not deep sulci.
labels, n = ndimage.label(deep_csf)
sizes = ndimage.sum(deep_csf, labels, range(1, n + 1))
ventricles = np.isin(labels, 1 + np.flatnonzero(sizes >= 500))
to_ventricle = ndimage.distance_transform_edt(~ventricles)

def quant(p):
    return (np.clip(np.round(p * 31.0), 0, 31) * 8).astype(np.uint8)

def dist(d):
    # Half-millimetre steps on a 2 mm grid: smooth fields, a tenth of the bytes.
    return np.clip(np.round(d[::2, ::2, ::2] * 2.0), 0, 255).astype(np.uint8)

# Crop to where the head can be (40 mm of margin was generous).
keep = outside < 30.0
idx = np.argwhere(keep)
lo, hi = idx.min(0), idx.max(0) + 1
sl = tuple(slice(a, b) for a, b in zip(lo, hi))
fine = [quant(gm[sl]), quant(wm[sl]), quant(csf[sl])]
coarse = [dist(outside[sl]), dist(to_ventricle[sl])]
channels = fine + coarse
origin = origin + lo
shape = fine[0].shape
header = b"TNDMATL2" + struct.pack("<3H", *shape) + struct.pack("<3H", *coarse[0].shape)
header += struct.pack("<3f", origin[0], origin[1], origin[2])
body = b"".join(np.ascontiguousarray(c.transpose(2, 1, 0)).tobytes() for c in channels)
with open(out, "wb") as f:
    # mtime 0 and no file name: the same bytes on every machine.
    with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as g:
        g.write(header + body)
print(f"{out}: {shape}, origin {origin}, ventricles {int(ventricles.sum())} mm3, "
      f"{os.path.getsize(out) / 1e6:.2f} MB", file=sys.stderr)
