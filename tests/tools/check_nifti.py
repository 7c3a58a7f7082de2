"""Reads NIfTI files with nibabel (not our code) and prints, one JSON line per file, what it
understands: shape, data type, the sform and qform affines (RAS mm), their codes, and the
index of every non-zero voxel with its value, so tests/nifti.rs can compare them with what it
wrote.

Usage: check_nifti.py FILE...
"""

import json
import sys

import nibabel as nib
import numpy as np


def describe(path):
    img = nib.load(path)
    data = np.asarray(img.dataobj)
    nonzero = np.argwhere(data != 0)
    return {
        "shape": list(data.shape),
        "dtype": str(data.dtype),
        "sform": img.get_sform().tolist(),
        "qform": img.get_qform().tolist(),
        "sform_code": int(img.header["sform_code"]),
        "qform_code": int(img.header["qform_code"]),
        "voxels": [[int(i), int(j), int(k), int(data[i, j, k])] for i, j, k in nonzero],
    }


for path in sys.argv[1:]:
    print(json.dumps(describe(path)))
