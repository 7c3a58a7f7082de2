"""Reads DICOM Segmentation files with highdicom (not our code) and prints, as JSON, what
highdicom understands of each: the segments and their codes and tracking identity, every
marked pixel as (source image, row, column), who made each segment (algorithm type, name,
version), and every marked voxel of highdicom's own volume as a patient (LPS) position in mm,
so tests/seg.rs can compare all of it with what it wrote.

Usage: check_seg.py SEG_FILE... (one JSON document per line, in order)
"""

import json
import sys

import highdicom as hd
import numpy as np


def code(concept):
    return [concept.value, concept.scheme_designator, concept.meaning]


def describe(path):
    seg = hd.seg.segread(path)
    out = {
        "sop_class_uid": str(seg.SOPClassUID),
        "segmentation_type": seg.segmentation_type.value,
        "number_of_frames": int(seg.NumberOfFrames),
        "frame_of_reference_uid": str(seg.FrameOfReferenceUID),
        "study_uid": str(seg.StudyInstanceUID),
        "patient_id": str(seg.PatientID),
        "content_creator": str(seg.get("ContentCreatorName", "")),
        "segments": [],
    }
    for number in seg.segment_numbers:
        d = seg.get_segment_description(number)
        region = d.anatomic_regions
        ident = d.algorithm_identification
        out["segments"].append(
            {
                "number": number,
                "label": d.segment_label,
                "tracking_id": d.tracking_id,
                "tracking_uid": d.tracking_uid,
                "algorithm_type": d.algorithm_type.value,
                "algorithm_name": d.get("SegmentAlgorithmName"),
                "algorithm": None
                if ident is None
                else {
                    "name": ident.name,
                    "version": ident.version,
                    "family": code(ident.family),
                },
                "category": code(d.segmented_property_category),
                "type": code(d.segmented_property_type),
                "region": code(region[0]) if region else None,
            }
        )

    # Marked pixels per source image, as highdicom maps frames to them: keyed by SOP Instance
    # UID, or "UID#frame" for a frame of a multi-frame source.
    out["source_instances"] = len(seg.get_source_image_uids())
    pixels = {str(n): [] for n in seg.segment_numbers}
    frames_of = {}
    for frame in seg.PerFrameFunctionalGroupsSequence:
        for item in frame.DerivationImageSequence:
            source = item.SourceImageSequence[0]
            number = source.get("ReferencedFrameNumber")
            frames_of.setdefault(str(source.ReferencedSOPInstanceUID), set()).add(
                None if number is None else int(number)
            )
    planes = []
    single = sorted(sop for sop, numbers in frames_of.items() if numbers == {None})
    if single:
        array = seg.get_pixels_by_source_instance(
            single, combine_segments=True, relabel=False
        )
        planes += zip(single, array)
    for sop, numbers in sorted(frames_of.items()):
        if numbers != {None}:
            numbers = sorted(numbers)
            array = seg.get_pixels_by_source_frame(
                sop, numbers, combine_segments=True, relabel=False
            )
            planes += zip([f"{sop}#{n}" for n in numbers], array)
    for key, plane in planes:
        for row, col in zip(*np.nonzero(plane)):
            pixels[str(int(plane[row, col]))].append([key, int(row), int(col)])
    out["pixels"] = pixels

    # highdicom's own geometry: the volume it builds from the frames, voxel positions in mm.
    try:
        volume = seg.get_volume(combine_segments=True, relabel=False)
        affine = volume.affine
        positions = {str(n): [] for n in seg.segment_numbers}
        for index in zip(*np.nonzero(volume.array)):
            mm = affine @ np.array([*index, 1.0])
            positions[str(int(volume.array[index]))].append([float(v) for v in mm[:3]])
        out["volume"] = {
            "shape": [int(s) for s in volume.array.shape],
            "spacing": [float(s) for s in volume.spacing],
            "positions": positions,
        }
    except Exception as error:  # reported, and the test decides
        out["volume"] = {"error": f"{type(error).__name__}: {error}"}
    return out


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(json.dumps(describe(path)), flush=True)
