//! The entropy-coded scan decoded block by block: DC prediction, AC run lengths, dequantisation
//! in zig-zag order, the floating-point inverse DCT, and samples written into the image.

use super::huffman::{BitReader, TRUNCATED};
use super::segments::{Frame, Scan};

/// A decoded greyscale JPEG image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Bits per sample: 8 or 12.
    pub precision: u8,
    /// Row-major samples, `width * height` of them, each in `0..2^precision`.
    pub samples: Vec<u16>,
}

/// The natural (row-major) position of each coefficient in zigzag order.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Decodes the entropy-coded data of the image's single scan into samples.
pub(super) fn decode_scan(
    entropy: &[u8],
    frame: &Frame,
    scan: &Scan,
    restart_interval: usize,
) -> Result<Decoded, String> {
    let blocks_across = frame.width.div_ceil(8);
    let blocks_down = frame.height.div_ceil(8);
    // Every block takes at least two bits: refuse early (and before allocating) when the data
    // cannot possibly hold the image.
    if (blocks_across * blocks_down) as u64 * 2 > entropy.len() as u64 * 8 {
        return Err(TRUNCATED.into());
    }
    let idct = Idct::new();
    let shift = (1u32 << (frame.precision - 1)) as f32 + 0.5;
    let max = ((1u32 << frame.precision) - 1) as f32;
    let stride = blocks_across * 8;
    let mut band = vec![0u16; stride * 8];
    let mut samples = Vec::new();
    samples
        .try_reserve_exact(frame.width * frame.height)
        .map_err(|_| format!("no memory for a {}×{} image", frame.width, frame.height))?;
    let mut bits = BitReader::new(entropy);
    let mut prediction = 0i32;
    let mut left_in_interval = restart_interval;
    let mut next_restart = 0u8;
    let mut coefficients = [0f32; 64];
    let mut block = [0f32; 64];
    for band_row in 0..blocks_down {
        for column in 0..blocks_across {
            if restart_interval > 0 {
                if left_in_interval == 0 {
                    bits.restart(next_restart)?;
                    next_restart = (next_restart + 1) % 8;
                    prediction = 0;
                    left_in_interval = restart_interval;
                }
                left_in_interval -= 1;
            }
            decode_block(&mut bits, scan, &mut prediction, &mut coefficients)?;
            idct.transform(&coefficients, &mut block);
            let x0 = column * 8;
            for (row, values) in band.chunks_exact_mut(stride).zip(block.chunks_exact(8)) {
                if let Some(out) = row.get_mut(x0..x0 + 8) {
                    for (o, &v) in out.iter_mut().zip(values) {
                        *o = (v + shift).clamp(0.0, max) as u16;
                    }
                }
            }
        }
        let rows = (frame.height - band_row * 8).min(8);
        for row in band.chunks_exact(stride).take(rows) {
            samples.extend_from_slice(row.get(..frame.width).unwrap_or_default());
        }
    }
    Ok(Decoded {
        width: frame.width,
        height: frame.height,
        precision: frame.precision,
        samples,
    })
}

/// Decodes one block's coefficients (T.81 F.2.2) and dequantises them into natural order.
fn decode_block(
    bits: &mut BitReader,
    scan: &Scan,
    prediction: &mut i32,
    coefficients: &mut [f32; 64],
) -> Result<(), String> {
    *coefficients = [0.0; 64];
    let category = scan.dc.decode(bits)?;
    if category > 15 {
        return Err(format!(
            "corrupt JPEG data: DC difference category {category} out of range"
        ));
    }
    *prediction = prediction.wrapping_add(bits.receive_extend(category)?);
    coefficients[0] = *prediction as f32 * f32::from(scan.quant[0]);
    let mut k = 1;
    while k < 64 {
        let symbol = scan.ac.decode(bits)?;
        let (run, size) = (usize::from(symbol >> 4), symbol & 0x0F);
        if size == 0 {
            if run == 15 {
                k += 16;
                continue;
            }
            break;
        }
        k += run;
        let (Some(&position), Some(&q)) = (ZIGZAG.get(k), scan.quant.get(k)) else {
            return Err("corrupt JPEG data: AC coefficient index beyond 63".into());
        };
        let value = bits.receive_extend(size)?;
        if let Some(c) = coefficients.get_mut(position) {
            *c = value as f32 * f32::from(q);
        }
        k += 1;
    }
    Ok(())
}

/// A separable floating-point 8×8 inverse DCT (T.81 A.3.3).
struct Idct {
    /// `basis[u][x]` = C(u)/2 · cos((2x+1)uπ/16): row `u` is the 1-D basis vector of frequency u.
    basis: [[f32; 8]; 8],
    /// The transpose: `weights[x][u]` = `basis[u][x]`.
    weights: [[f32; 8]; 8],
}

impl Idct {
    pub(super) fn new() -> Self {
        let mut basis = [[0f32; 8]; 8];
        let mut weights = [[0f32; 8]; 8];
        for (u, row) in basis.iter_mut().enumerate() {
            let scale = if u == 0 { 0.5 / 2f64.sqrt() } else { 0.5 };
            for (x, b) in row.iter_mut().enumerate() {
                let angle = ((2 * x + 1) * u) as f64 * std::f64::consts::PI / 16.0;
                *b = (scale * angle.cos()) as f32;
            }
        }
        for (x, row) in weights.iter_mut().enumerate() {
            for (w, b) in row.iter_mut().zip(&basis) {
                *w = b.get(x).copied().unwrap_or_default();
            }
        }
        Self { basis, weights }
    }

    /// Transforms dequantised coefficients (natural order) into level-unshifted samples.
    pub(super) fn transform(&self, coefficients: &[f32; 64], out: &mut [f32; 64]) {
        // Rows: each row of coefficients (one vertical frequency v) becomes a row of
        // horizontally transformed values: the sum of its coefficients times their basis
        // vectors, skipping the (many) zero coefficients.
        let mut rows = [[0f32; 8]; 8];
        let mut nonzero_rows = [false; 8];
        for ((row, nonzero), coefs) in rows
            .iter_mut()
            .zip(nonzero_rows.iter_mut())
            .zip(coefficients.chunks_exact(8))
        {
            for (&c, basis) in coefs.iter().zip(&self.basis) {
                if c != 0.0 {
                    *nonzero = true;
                    for (r, &b) in row.iter_mut().zip(basis) {
                        *r += c * b;
                    }
                }
            }
        }
        // Columns: output row y is the sum over v of basis[v][y] times row v.
        for (out_row, weights) in out.chunks_exact_mut(8).zip(&self.weights) {
            let mut acc = [0f32; 8];
            for ((row, &nonzero), &w) in rows.iter().zip(&nonzero_rows).zip(weights) {
                if nonzero {
                    for (a, &r) in acc.iter_mut().zip(row) {
                        *a += w * r;
                    }
                }
            }
            out_row.copy_from_slice(&acc);
        }
    }
}
