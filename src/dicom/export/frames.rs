//! The frames of a binary segmentation and their pixel data: one frame per (segment, slice)
//! with at least one voxel, segment by segment and slice by slice within a segment, packed as
//! DICOM packs 1-bit pixels (first pixel in the lowest bit; frames follow each other with no
//! padding between them, only the whole value is padded to an even length).

use ndarray::{Array3, Axis};

/// One frame of the segmentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Segment Number (1-based, in the order the segments were given).
    pub segment: u16,
    /// Slice `k` of the source stack.
    pub slice: usize,
    /// 1-based rank of the slice among the slices that any frame uses: the value of the
    /// position dimension (what highdicom writes too).
    pub position_index: u32,
}

/// The frames for segments whose label values are `values` (segment `n + 1` is `values[n]`).
/// Voxels with other values are ignored. When no voxel carries any of the values, one empty
/// frame (segment 1 on slice 0) is planned: a segmentation object needs at least one frame,
/// and an empty one says "looked, nothing there" as a valid object.
pub fn plan(labels: &Array3<u16>, values: &[u16]) -> Vec<Frame> {
    let slices = labels.dim().0;
    let mut segment_of: Vec<Option<usize>> = vec![None; usize::from(u16::MAX) + 1];
    for (n, value) in values.iter().enumerate() {
        if let Some(slot) = segment_of.get_mut(usize::from(*value)) {
            *slot = Some(n);
        }
    }
    // present[n][k]: segment n has a voxel on slice k.
    let mut present = vec![vec![false; slices]; values.len()];
    for (k, plane) in labels.axis_iter(Axis(0)).enumerate() {
        for value in plane {
            if let Some(Some(n)) = segment_of.get(usize::from(*value))
                && let Some(flag) = present.get_mut(*n).and_then(|p| p.get_mut(k))
            {
                *flag = true;
            }
        }
    }
    let used: Vec<bool> = (0..slices)
        .map(|k| present.iter().any(|p| p.get(k) == Some(&true)))
        .collect();
    let mut rank = vec![0u32; slices];
    let mut next = 0u32;
    for (r, is_used) in rank.iter_mut().zip(&used) {
        if *is_used {
            next += 1;
            *r = next;
        }
    }
    let mut frames = Vec::new();
    for (n, on_slice) in present.iter().enumerate() {
        let segment = u16::try_from(n + 1).unwrap_or(u16::MAX);
        for (k, (here, r)) in on_slice.iter().zip(&rank).enumerate() {
            if *here {
                frames.push(Frame {
                    segment,
                    slice: k,
                    position_index: *r,
                });
            }
        }
    }
    if frames.is_empty() {
        frames.push(Frame {
            segment: 1,
            slice: 0,
            position_index: 1,
        });
    }
    frames
}

/// The 1-bit pixel data of `frames`, padded to an even number of bytes.
pub fn pack(labels: &Array3<u16>, values: &[u16], frames: &[Frame]) -> Vec<u8> {
    let (slices, rows, columns) = labels.dim();
    let per_frame = rows * columns;
    let mut bytes = vec![0u8; (per_frame * frames.len()).div_ceil(8).next_multiple_of(2)];
    for (n, frame) in frames.iter().enumerate() {
        let value = usize::from(frame.segment)
            .checked_sub(1)
            .and_then(|s| values.get(s));
        let (Some(value), true) = (value, frame.slice < slices) else {
            continue;
        };
        let first_bit = n * per_frame;
        for (p, v) in labels.index_axis(Axis(0), frame.slice).iter().enumerate() {
            if v == value {
                let bit = first_bit + p;
                if let Some(byte) = bytes.get_mut(bit / 8) {
                    *byte |= 1 << (bit % 8);
                }
            }
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(segment: u16, slice: usize, position_index: u32) -> Frame {
        Frame {
            segment,
            slice,
            position_index,
        }
    }

    #[test]
    fn segments_are_numbered_in_the_order_given_and_others_ignored() {
        // 4 slices of 2 x 3; lesion ids 7 (slices 1-2), 3 (slice 2), 5 (not asked for).
        let mut labels = Array3::<u16>::zeros((4, 2, 3));
        labels[[1, 0, 0]] = 7;
        labels[[2, 1, 2]] = 7;
        labels[[2, 0, 1]] = 3;
        labels[[3, 1, 1]] = 5;
        let frames = plan(&labels, &[7, 12, 3]);
        // Slices 1 and 2 are the only ones used: position indices 1 and 2.
        assert_eq!(frames, vec![frame(1, 1, 1), frame(1, 2, 2), frame(3, 2, 2)]);
    }

    #[test]
    fn nothing_to_mark_still_gives_one_empty_frame() {
        let labels = Array3::<u16>::from_elem((3, 2, 2), 4);
        let frames = plan(&labels, &[9]);
        assert_eq!(frames, vec![frame(1, 0, 1)]);
        assert_eq!(pack(&labels, &[9], &frames), vec![0, 0]);
    }

    #[test]
    fn bits_run_across_frame_boundaries_lowest_bit_first() {
        // 3 x 3 frames: 9 bits each, so the second frame starts at bit 1 of byte 1.
        let mut labels = Array3::<u16>::zeros((2, 3, 3));
        labels[[0, 0, 0]] = 7; // frame 0, pixel 0 -> bit 0
        labels[[0, 2, 2]] = 7; // frame 0, pixel 8 -> bit 8
        labels[[1, 0, 1]] = 7; // frame 1, pixel 1 -> bit 10
        labels[[1, 2, 2]] = 3; // frame 2 (segment 2 on slice 1), pixel 8 -> bit 26
        let frames = plan(&labels, &[7, 3]);
        assert_eq!(frames, vec![frame(1, 0, 1), frame(1, 1, 2), frame(2, 1, 2)]);
        let bytes = pack(&labels, &[7, 3], &frames);
        // 27 bits -> 4 bytes (already even).
        assert_eq!(bytes, vec![0b0000_0001, 0b0000_0101, 0, 0b0000_0100]);
    }
}
