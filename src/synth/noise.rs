//! Deterministic pseudo-randomness for the synthetic patient: the same seed gives the same
//! bytes on every machine, with no dependency on a random-number crate's versioned streams.

/// SplitMix64: a tiny, well-mixed 64-bit hash/generator.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform value in [0, 1) from a key.
pub fn uniform(key: u64) -> f64 {
    (mix64(key) >> 11) as f64 / (1u64 << 53) as f64
}

/// A standard normal value from a key (Box–Muller on two hashed uniforms).
pub fn gaussian(key: u64) -> f64 {
    let u1 = uniform(key).max(1e-12);
    let u2 = uniform(key ^ 0xA5A5_5A5A_DEAD_BEEF);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Key for voxel `(i, j, k)` of stream `stream`.
pub fn voxel_key(stream: u64, i: usize, j: usize, k: usize) -> u64 {
    mix64(stream ^ mix64((i as u64) | ((j as u64) << 21) | ((k as u64) << 42)))
}

/// A deterministic DICOM UID under the `2.25` root (a UUID-derived decimal), from a name.
pub fn uid(name: &str) -> String {
    let mut hi = 0x1234_5678_9ABC_DEF0u64;
    let mut lo = 0x0FED_CBA9_8765_4321u64;
    for b in name.bytes() {
        hi = mix64(hi ^ u64::from(b));
        lo = mix64(lo ^ hi);
    }
    let value = (u128::from(hi) << 64 | u128::from(lo)) >> 2;
    format!("2.25.{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_distributed() {
        assert_eq!(uniform(7), uniform(7));
        let mean: f64 = (0..10_000).map(gaussian).sum::<f64>() / 10_000.0;
        assert!(mean.abs() < 0.05, "{mean}");
        let var: f64 = (0..10_000).map(|k| gaussian(k).powi(2)).sum::<f64>() / 10_000.0;
        assert!((var - 1.0).abs() < 0.05, "{var}");
        let u = uid("a");
        assert!(u.len() <= 64 && u.starts_with("2.25.") && u != uid("b"));
    }
}
