//! Mutations of a seed file, deterministic from a 64-bit key: byte-level (flips, overwrites,
//! truncation, inserted and zeroed runs) and structure-aware for DICOM (element lengths set to
//! hostile values, VRs and tags swapped, elements duplicated or dropped, item and fragment
//! headers, RLE segment tables and JPEG marker segments corrupted).
//!
//! The DICOM structure is found heuristically (an even group followed by a known VR, item and
//! delimiter tags, RLE headers, JPEG markers), so it needs no parser and works on any seed.

use crate::synth::noise::mix64;

/// A small deterministic random stream.
pub struct Rng(u64);

impl Rng {
    pub fn new(key: u64) -> Self {
        Self(mix64(key ^ 0x0F0F_5EED))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = mix64(self.0.wrapping_add(0x9E37_79B9_7F4A_7C15));
        self.0
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        items.get(self.below(items.len())).copied()
    }
}

/// Value representations an explicit-VR header may carry.
const VRS: [&[u8; 2]; 16] = [
    b"OB", b"OW", b"SQ", b"UN", b"UT", b"UL", b"US", b"SS", b"FD", b"CS", b"DS", b"IS", b"LO",
    b"PN", b"UI", b"AT",
];

/// Lengths that break parsers: zero, odd, undefined, just past the end, huge.
fn hostile_length(rng: &mut Rng, file_len: usize, old: u32) -> u32 {
    let near_end = u32::try_from(file_len).unwrap_or(u32::MAX);
    match rng.below(9) {
        0 => 0,
        1 => old.wrapping_add(1),
        2 => old.wrapping_sub(1),
        3 => u32::MAX,
        4 => 0xFFFF_FF3C,
        5 => near_end,
        6 => near_end.wrapping_add(rng.below(64) as u32),
        7 => old.wrapping_mul(2),
        _ => rng.next_u64() as u32,
    }
}

/// Where element headers likely start: an even group with a known VR after the tag (explicit
/// VR), or an item/delimiter tag (any encoding). Offsets of the tag.
fn element_headers(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    for at in 132..bytes.len().saturating_sub(8) {
        let window = |a: usize, n: usize| bytes.get(at + a..at + a + n);
        let item = window(0, 2) == Some(&[0xFE, 0xFF]);
        let explicit = window(4, 2).is_some_and(|vr| VRS.iter().any(|v| v.as_slice() == vr))
            && window(0, 1).is_some_and(|g| g[0] % 2 == 0);
        if item || explicit {
            out.push(at);
        }
    }
    out
}

/// Offsets of JPEG, JPEG-LS and JPEG 2000 marker segments (FF followed by a marker byte that
/// carries a length).
fn markers(bytes: &[u8]) -> Vec<usize> {
    bytes
        .windows(2)
        .enumerate()
        .filter(|(_, w)| {
            w[0] == 0xFF && matches!(w[1], 0xC0..=0xCF | 0xDA..=0xDD | 0xF7 | 0x51 | 0x52 | 0x90)
        })
        .map(|(at, _)| at)
        .collect()
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    if let Some(slot) = bytes.get_mut(at..at + 4) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

fn put_u16(bytes: &mut [u8], at: usize, value: u16) {
    if let Some(slot) = bytes.get_mut(at..at + 2) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// One to three mutations of `seed`, chosen by `rng`; `dicom` adds the structure-aware ones.
pub fn mutate(seed: &[u8], rng: &mut Rng, dicom: bool) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    let count = 1 + rng.below(3);
    for _ in 0..count {
        let kinds = if dicom { 14 } else { 7 };
        match rng.below(kinds) {
            0 => flip_bits(&mut bytes, rng),
            1 => overwrite(&mut bytes, rng),
            2 => truncate(&mut bytes, rng),
            3 => insert_run(&mut bytes, rng),
            4 => zero_run(&mut bytes, rng),
            5 => delete_run(&mut bytes, rng),
            6 => duplicate_run(&mut bytes, rng),
            7..=9 => length_field(&mut bytes, rng),
            10 => vr_or_tag(&mut bytes, rng),
            11 => rle_table(&mut bytes, rng),
            12 => jpeg_marker(&mut bytes, rng),
            _ => drop_or_repeat_element(&mut bytes, rng),
        }
    }
    bytes
}

fn flip_bits(bytes: &mut [u8], rng: &mut Rng) {
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(bytes.len());
        if let Some(b) = bytes.get_mut(at) {
            *b ^= 1 << rng.below(8);
        }
    }
}

fn overwrite(bytes: &mut [u8], rng: &mut Rng) {
    let at = rng.below(bytes.len());
    let value = rng.pick(&[0x00, 0xFF, 0x7F, 0x80, 0xFE]).unwrap_or(0);
    for b in bytes.iter_mut().skip(at).take(1 + rng.below(4)) {
        *b = value;
    }
}

fn truncate(bytes: &mut Vec<u8>, rng: &mut Rng) {
    let at = rng.below(bytes.len() + 1);
    bytes.truncate(at);
}

fn insert_run(bytes: &mut Vec<u8>, rng: &mut Rng) {
    let at = rng.below(bytes.len() + 1);
    let n = 1 + rng.below(64);
    let value = rng.next_u64() as u8;
    bytes.splice(at..at, std::iter::repeat_n(value, n));
}

fn zero_run(bytes: &mut [u8], rng: &mut Rng) {
    let at = rng.below(bytes.len());
    let n = 1 + rng.below(256);
    for b in bytes.iter_mut().skip(at).take(n) {
        *b = 0;
    }
}

fn delete_run(bytes: &mut Vec<u8>, rng: &mut Rng) {
    let at = rng.below(bytes.len());
    let end = (at + 1 + rng.below(64)).min(bytes.len());
    bytes.drain(at..end);
}

fn duplicate_run(bytes: &mut Vec<u8>, rng: &mut Rng) {
    let at = rng.below(bytes.len());
    let end = (at + 1 + rng.below(128)).min(bytes.len());
    let run: Vec<u8> = bytes.get(at..end).unwrap_or_default().to_vec();
    let to = rng.below(bytes.len() + 1);
    bytes.splice(to..to, run);
}

/// An element's (or item's) length set to a hostile value.
fn length_field(bytes: &mut [u8], rng: &mut Rng) {
    let headers = element_headers(bytes);
    let Some(at) = rng.pick(&headers) else {
        return;
    };
    let item = bytes.get(at..at + 2) == Some(&[0xFE, 0xFF]);
    let long_vr = bytes.get(at + 4..at + 6).is_some_and(|vr| {
        [b"OB", b"OW", b"SQ", b"UN", b"UT"]
            .iter()
            .any(|v| v.as_slice() == vr)
    });
    let len = bytes.len();
    if item || long_vr || rng.below(3) == 0 {
        // Items, long VRs and (as if implicit) any header: a 4-byte length.
        let at = if long_vr { at + 8 } else { at + 4 };
        let old = bytes
            .get(at..at + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        put_u32(bytes, at, hostile_length(rng, len, old));
    } else {
        let old = bytes
            .get(at + 6..at + 8)
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
        put_u16(
            bytes,
            at + 6,
            hostile_length(rng, len, u32::from(old)) as u16,
        );
    }
}

fn vr_or_tag(bytes: &mut [u8], rng: &mut Rng) {
    let headers = element_headers(bytes);
    let Some(at) = rng.pick(&headers) else {
        return;
    };
    if rng.below(2) == 0 {
        if let (Some(vr), Some(slot)) = (rng.pick(&VRS), bytes.get_mut(at + 4..at + 6)) {
            slot.copy_from_slice(vr.as_slice());
        }
    } else {
        let tags: [[u8; 4]; 5] = [
            [0xE0, 0x7F, 0x10, 0x00], // Pixel Data
            [0xFE, 0xFF, 0x00, 0xE0], // Item
            [0xFE, 0xFF, 0x0D, 0xE0], // Item delimiter
            [0xFE, 0xFF, 0xDD, 0xE0], // Sequence delimiter
            [0x28, 0x00, 0x10, 0x00], // Rows
        ];
        if let (Some(tag), Some(slot)) = (rng.pick(&tags), bytes.get_mut(at..at + 4)) {
            slot.copy_from_slice(&tag);
        }
    }
}

/// The segment count or an offset of an RLE header (a fragment that starts with a count of
/// 1 to 15 and the offset 64).
fn rle_table(bytes: &mut [u8], rng: &mut Rng) {
    let headers: Vec<usize> = bytes
        .windows(8)
        .enumerate()
        .filter(|(_, w)| {
            (1..=15).contains(&w[0]) && w[1..4] == [0, 0, 0] && w[4..8] == [64, 0, 0, 0]
        })
        .map(|(at, _)| at)
        .collect();
    let Some(at) = rng.pick(&headers) else {
        return;
    };
    let word = rng.below(16);
    let len = bytes.len();
    put_u32(bytes, at + 4 * word, hostile_length(rng, len, 64));
}

/// A JPEG marker segment's length or the dimensions after a start-of-frame marker.
fn jpeg_marker(bytes: &mut [u8], rng: &mut Rng) {
    let found = markers(bytes);
    let Some(at) = rng.pick(&found) else {
        return;
    };
    let offset = at + 2 + rng.below(8);
    let value = rng.pick(&[0x00, 0xFF, 0x01, 0x80]).unwrap_or(0);
    if let Some(b) = bytes.get_mut(offset) {
        *b = value;
    }
}

fn drop_or_repeat_element(bytes: &mut Vec<u8>, rng: &mut Rng) {
    let headers = element_headers(bytes);
    let n = rng.below(headers.len());
    let (Some(&at), Some(&next)) = (headers.get(n), headers.get(n + 1)) else {
        return;
    };
    let element: Vec<u8> = bytes.get(at..next).unwrap_or_default().to_vec();
    if rng.below(2) == 0 {
        bytes.drain(at..next);
    } else {
        bytes.splice(next..next, element);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_and_change_the_seed() {
        let seed: Vec<u8> = (0..2000u32).map(|v| (v * 7) as u8).collect();
        let mut changed = 0;
        for key in 0..200 {
            // Byte-level mutations only: this seed has no DICOM structure to aim at.
            let a = mutate(&seed, &mut Rng::new(key), false);
            let b = mutate(&seed, &mut Rng::new(key), false);
            assert_eq!(a, b);
            changed += usize::from(a != seed);
        }
        assert!(changed > 180, "{changed} of 200 mutations changed the seed");
    }
}
