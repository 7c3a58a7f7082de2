//! Real anatomy for the synthetic patient: the MNI ICBM152 2009 grey matter, white matter and
//! CSF fractions at 1 mm, with the distance outside the intracranial volume (for skull and
//! scalp) and the distance to the ventricles (for placing periventricular plaques).
//!
//! `assets/anatomy/mni152.bin.gz` is made by `scripts/make_atlas.py` from the templates nilearn
//! ships (licence and references in `assets/anatomy/LICENSE-MNI-ICBM152.txt`) and embedded in
//! the binary, so `tandem synth` works anywhere. It is decoded once, on first use.
//!
//! Head coordinates (LPS mm, origin mid-brain, as the rest of `synth` uses) map onto the
//! template's RAS mm by flipping x and y and shifting the origin to the middle of the cerebrum.

use std::io::Read;
use std::sync::OnceLock;

use crate::pipeline::geometry::Vec3;

static ATLAS_GZ: &[u8] = include_bytes!("../../assets/anatomy/mni152.bin.gz");

/// Where the head origin lies in the template (RAS mm): about the middle of the cerebrum, so
/// the exam plans' fields of view, centred on the head origin, hold the whole brain.
const HEAD_ORIGIN_RAS: Vec3 = [0.0, -16.0, 8.0];

/// What the atlas says about one point.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sample {
    pub grey: f64,
    pub white: f64,
    pub csf: f64,
    /// Distance outside the intracranial volume, mm (0 inside).
    pub outside_mm: f64,
    /// Distance to the nearest ventricle, mm.
    pub to_ventricle_mm: f64,
}

/// The decoded atlas.
pub struct Atlas {
    fine: [usize; 3],
    coarse: [usize; 3],
    origin_ras: Vec3,
    grey: Vec<u8>,
    white: Vec<u8>,
    csf: Vec<u8>,
    outside: Vec<u8>,
    to_ventricle: Vec<u8>,
}

/// The embedded atlas, decoded on first use. `None` only if the embedded file is damaged, which
/// a unit test rules out for every build.
pub fn atlas() -> Option<&'static Atlas> {
    static ATLAS: OnceLock<Option<Atlas>> = OnceLock::new();
    ATLAS.get_or_init(|| Atlas::decode(ATLAS_GZ)).as_ref()
}

impl Atlas {
    fn decode(gz: &[u8]) -> Option<Atlas> {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut raw)
            .ok()?;
        let (magic, rest) = raw.split_at_checked(8)?;
        if magic != b"TNDMATL2" {
            return None;
        }
        let u16_at = |n: usize| -> Option<usize> {
            let b = rest.get(2 * n..2 * n + 2)?;
            Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
        };
        let f32_at = |offset: usize| -> Option<f64> {
            let b = rest.get(offset..offset + 4)?;
            Some(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        };
        let fine = [u16_at(0)?, u16_at(1)?, u16_at(2)?];
        let coarse = [u16_at(3)?, u16_at(4)?, u16_at(5)?];
        let origin_ras = [f32_at(12)?, f32_at(16)?, f32_at(20)?];
        let (nf, nc) = (
            fine.iter().product::<usize>(),
            coarse.iter().product::<usize>(),
        );
        let body = rest.get(24..)?;
        if body.len() != 3 * nf + 2 * nc {
            return None;
        }
        let channel = |start: usize, len: usize| body.get(start..start + len).map(<[u8]>::to_vec);
        Some(Atlas {
            fine,
            coarse,
            origin_ras,
            grey: channel(0, nf)?,
            white: channel(nf, nf)?,
            csf: channel(2 * nf, nf)?,
            outside: channel(3 * nf, nc)?,
            to_ventricle: channel(3 * nf + nc, nc)?,
        })
    }

    /// The template's RAS mm of a head point.
    pub fn head_to_ras(p: Vec3) -> Vec3 {
        [
            -p[0] + HEAD_ORIGIN_RAS[0],
            -p[1] + HEAD_ORIGIN_RAS[1],
            p[2] + HEAD_ORIGIN_RAS[2],
        ]
    }

    /// The head point of a template RAS position.
    pub fn ras_to_head(r: Vec3) -> Vec3 {
        [
            -(r[0] - HEAD_ORIGIN_RAS[0]),
            -(r[1] - HEAD_ORIGIN_RAS[1]),
            r[2] - HEAD_ORIGIN_RAS[2],
        ]
    }

    /// Trilinear sample of every channel at head point `p`; far outside the template, air.
    pub fn sample(&self, p: Vec3) -> Sample {
        let r = Self::head_to_ras(p);
        let fine_index = [
            r[0] - self.origin_ras[0],
            r[1] - self.origin_ras[1],
            r[2] - self.origin_ras[2],
        ];
        let coarse_index = fine_index.map(|x| x / 2.0);
        let fraction = |v: f64| v / 248.0;
        let half_mm = |v: f64| v / 2.0;
        // Beyond the coarse grid the head has ended: as far outside as the channel can say.
        let outside = trilinear(&self.outside, self.coarse, coarse_index).map_or(127.5, half_mm);
        Sample {
            grey: trilinear(&self.grey, self.fine, fine_index).map_or(0.0, fraction),
            white: trilinear(&self.white, self.fine, fine_index).map_or(0.0, fraction),
            csf: trilinear(&self.csf, self.fine, fine_index).map_or(0.0, fraction),
            outside_mm: outside,
            to_ventricle_mm: trilinear(&self.to_ventricle, self.coarse, coarse_index)
                .map_or(127.5, half_mm),
        }
    }
}

/// Trilinear interpolation of a `u8` grid (x fastest) at a fractional index; `None` outside.
fn trilinear(values: &[u8], dims: [usize; 3], index: Vec3) -> Option<f64> {
    let mut base = [0usize; 3];
    let mut frac = [0f64; 3];
    for a in 0..3 {
        let x = index[a];
        if !(x >= 0.0 && x <= (dims[a] - 1) as f64) {
            return None;
        }
        let b = (x.floor() as usize).min(dims[a].saturating_sub(2));
        base[a] = b;
        frac[a] = x - b as f64;
    }
    let at = |i: usize, j: usize, k: usize| -> f64 {
        values
            .get(i + dims[0] * (j + dims[1] * k))
            .map_or(0.0, |v| f64::from(*v))
    };
    let mut sum = 0.0;
    for corner in 0..8 {
        let (di, dj, dk) = (corner & 1, (corner >> 1) & 1, (corner >> 2) & 1);
        let w = (if di == 1 { frac[0] } else { 1.0 - frac[0] })
            * (if dj == 1 { frac[1] } else { 1.0 - frac[1] })
            * (if dk == 1 { frac[2] } else { 1.0 - frac[2] });
        if w > 0.0 {
            sum += w * at(base[0] + di, base[1] + dj, base[2] + dk);
        }
    }
    Some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_atlas_decodes_and_holds_a_brain_where_expected() {
        let atlas = atlas().expect("the embedded atlas decodes");
        // Centrum semiovale (RAS ±28, -10, 30): white matter.
        let wm = atlas.sample(Atlas::ras_to_head([28.0, -10.0, 30.0]));
        assert!(wm.white > 0.8, "{wm:?}");
        // Right lateral ventricle body (RAS -8, -4, 21): CSF, a ventricle.
        let v = atlas.sample(Atlas::ras_to_head([-8.0, -4.0, 21.0]));
        assert!(v.csf > 0.6 && v.to_ventricle_mm < 1.0, "{v:?}");
        // 40 mm above the vertex: far outside.
        let air = atlas.sample(Atlas::ras_to_head([0.0, -20.0, 120.0]));
        assert!(air.outside_mm > 30.0 && air.white == 0.0, "{air:?}");
        // The round trip of coordinates.
        let p = [12.0, -7.0, 30.0];
        assert_eq!(Atlas::ras_to_head(Atlas::head_to_ras(p)), p);
    }
}
