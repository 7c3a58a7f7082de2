//! Tests of the 12-bit JPEG decoder. The vectors are dcmtk-made: `dcmcjpeg +ee` (12-bit) or `+eb` (8-bit) encoded synthetic
//! images (gradients, sinusoids, saturated edges, noise), some re-entropy-coded losslessly
//! with restart intervals, fill bytes, 16-bit DQT, a 2×2 sampling factor and APPn/COM
//! segments. The references are dcmtk `dcmdjpeg`'s (IJG libjpeg) decoded samples.

use super::*;

/// `e12_13x11_mixed`: 13×11, 12-bit, 366 bytes.
const E12_13X11_MIXED: &str = "\
    ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b\
    0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e3334\
    32ffc1000b0c000b000d01011100ffc400160001010100000000000000000000000000090b0cffc400261000\
    010303030305010000000000000000020103040506110708120913140a0b15212232ffda0008010100003f00\
    0cbdbd3ebc1e982db0e8aebbedb3af4ec6f72dba9bd750a15a01a123a113e5c4f8b8d10ab5f3815775bba688\
    fa239e4d218685ef2788c392bc22938ea487cf601d2b354ee7d2faadef134965ca66e458f314e9354f04c8f2\
    ef237d3b07870d579936ab913370b2a2e0623e7e9619d2e5eeb2734729f008757666c6ec38ad2b2f18b6d190\
    a86151140b8a8ff3f49f5f94c6844e8f77f5cd6874e4b219a0d4921034eb74e1e31da255618a740568494855\
    4953bae7ed724b9fb55c263fffd9";
/// dcmdjpeg's samples for `e12_13x11_mixed`.
const E12_13X11_MIXED_REF: [u16; 143] = [
    547, 967, 1144, 1139, 1871, 1850, 1897, 1620, 1757, 1317, 1523, 1550, 1983, 397, 801, 1169,
    1668, 1747, 1869, 1656, 1685, 1720, 1711, 1619, 1769, 1948, 678, 748, 1400, 1254, 4083, 4095,
    4020, 4091, 1650, 1925, 1644, 1884, 2033, 551, 601, 1083, 1394, 4051, 4095, 4066, 4088, 1668,
    1727, 1965, 1797, 2354, 423, 824, 828, 1168, 4095, 4082, 4092, 3986, 1803, 1618, 1802, 1932,
    2080, 567, 600, 660, 870, 1018, 1220, 1390, 1533, 1716, 1983, 2072, 2235, 2305, 113, 582, 709,
    593, 599, 827, 1181, 1553, 1798, 2133, 2535, 2354, 2605, 316, 248, 545, 380, 466, 819, 1323,
    1604, 2073, 2266, 2469, 2730, 2858, 2, 46, 15, 523, 587, 751, 1268, 1525, 1815, 2429, 2549,
    2870, 3102, 128, 0, 11, 373, 714, 661, 1056, 1343, 1729, 2516, 2705, 2877, 3070, 0, 22, 0, 222,
    563, 928, 1132, 1377, 1950, 2316, 2393, 2982, 2824,
];

/// `e12_13x11_h2v2_dqt16`: 13×11, 12-bit, 471 bytes.
const E12_13X11_H2V2_DQT16: &str = "\
    ffd8ffe000104a46494600010200000100010000fffe00206d616465206279206d616b655f6a70656731325f\
    766563746f72732e7079ffeb000900000000000000ffdb008310000800060006000700060005000800070007\
    0007000900090008000a000c0014000d000c000b000b000c001900120013000f0014001d001a001f001e001d\
    001a001c001c00200024002e002700200022002c0023001c001c002800370029002c00300031003400340034\
    001f00270039003d00380032003c002e003300340032ffc1000b0c000b000d01012200ffc4003a1000010303\
    030305010000000000000000020103040506110708120913140a0b1521223200010101000000000000000000\
    00000000090b0cffda0008010100003f000cbdbd3ebc1e982db0e8aebbedb3af4ec6f72dba9bd750a15a01a1\
    23a113e5c4f8b8d10ab5f3815775bba688fa239e4d218685ef2788c392bc22938ea487cf601d2b354ee7d2fa\
    adef134965ca66e458f314e9354f04c8f2ef237d3b07870d579936ab913370b2a2e0623e7e9619d2e5eeb273\
    4729f008757666c6ec38ad2b2f18b6d190a86151140b8a8ff3f49f5f94c6844e8f77f5cd6874e4b219a0d492\
    1034eb74e1e31da255618a7405684948554953bae7ed724b9fb55c263fffd9";
// dcmdjpeg decodes it exactly like `e12_13x11_mixed`.

/// `e12_16x16_rst1_fill`: 16×16, 12-bit, 429 bytes.
const E12_16X16_RST1_FILL: &str = "\
    ffd8ffdb0043000503040404030504040405050506070c08070707070f0b0b090c110f1212110f111113161c\
    1713141a1511111821181a1d1d1f1f1f13172224221e241c1e1f1effffffc1000b0c0010001001011100ffc4\
    004410000104020300020301000000000000000302040506010807090a0b140c111323010000000f01000000\
    0000000000000000000102030405060708090a0b0c0d0e0fffdd00040001ffda0008010110003f00a33ff1ac\
    bce9d33e45ceec3683ccad27b4e6bd774b6b6f5f739b532f772ebd2f9447391f1379a6d413179888eb143283\
    9720b51a45a3b65288237fa4a6eac3e2ba23d6bfffffd08c9e73f0976ff185edcf677ad626da9777a9daf773\
    a34846729c7ebdb1a0e7905765a2576d6764bae9669f0e1b2dddcd640ac8249c254a0acc218bed9d9b6fffd1\
    c68ef8fb2a9cc3b87dbbcaec5b66572ac5378e25eaaa9b945172fa3e22288872acbf0006dc58fe4c1bc4206a\
    1208107fa0d78c05406a847fffffffffd28e7f2c7b5bacfcb9d3cf1f71542c5ae32dd1710ddc4134958413d7\
    ede68686a9c3e59990720ca8266c36d848423c85d2d2e7190fe889c7ffffffffd9";
/// dcmdjpeg's samples for `e12_16x16_rst1_fill`.
const E12_16X16_RST1_FILL_REF: [u16; 256] = [
    449, 857, 1193, 1344, 1645, 1584, 1483, 1418, 1205, 999, 1259, 1284, 1550, 1801, 2066, 2405,
    577, 1023, 1054, 1390, 1480, 1665, 1597, 1119, 1575, 1235, 1132, 1603, 1558, 2017, 2215, 2578,
    574, 663, 1182, 1381, 1127, 1407, 1553, 1659, 1191, 1441, 1194, 1472, 1633, 1663, 2185, 2641,
    316, 1012, 853, 928, 1531, 1484, 1326, 1251, 1378, 1250, 1390, 1570, 1797, 1743, 2126, 2533,
    735, 557, 947, 1055, 962, 4095, 3834, 4095, 4073, 4095, 1463, 1834, 1947, 2308, 2543, 2514,
    341, 328, 793, 725, 1048, 4069, 4095, 4093, 3967, 4030, 2006, 1877, 2188, 2095, 2136, 2255,
    499, 446, 442, 423, 725, 3975, 4089, 3866, 3945, 4094, 2016, 2238, 2197, 2239, 2354, 2483, 199,
    444, 388, 127, 765, 3945, 4095, 4083, 4090, 4095, 2256, 2409, 2369, 2302, 2378, 2623, 189, 672,
    231, 343, 339, 728, 842, 1400, 1571, 1900, 2157, 2455, 2432, 2333, 2004, 2547, 515, 271, 110,
    97, 493, 455, 955, 1244, 1722, 2082, 2143, 2686, 2473, 2461, 2569, 2358, 210, 320, 89, 137, 96,
    710, 809, 1227, 1423, 2021, 2337, 2539, 2550, 2576, 2440, 2317, 397, 138, 288, 299, 439, 743,
    866, 1141, 1942, 2071, 2386, 2307, 2340, 2815, 2428, 2314, 0, 93, 2, 0, 656, 469, 927, 1613,
    1575, 2063, 2142, 2458, 2585, 2520, 2510, 2322, 19, 51, 0, 6, 791, 798, 981, 1487, 1339, 1757,
    1971, 2295, 2534, 2335, 2648, 2429, 12, 50, 7, 45, 970, 869, 1113, 1272, 1453, 1756, 1870,
    2017, 2165, 2292, 2192, 2345, 0, 74, 203, 327, 993, 1250, 1450, 1090, 1512, 1482, 1908, 2014,
    2011, 2305, 2326, 2480,
];

/// `b8_11x9_mixed`: 11×9, 8-bit, 258 bytes.
const B8_11X9_MIXED: &str = "\
    ffd8ffe000104a46494600010100000100010000ffdb00430003020203020203030303040303040508050504\
    04050a070706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f1718161418121415\
    14ffc0000b080009000b01011100ffc400160001010100000000000000000000000000070809ffc400271000\
    020102040407000000000000000000010203040500060721081214223536617374b1b2ffda0008010100003f\
    0023e16b57b245369954e5db8e4b6bb660ab132d25e56eb341d2ab22aa0302a1570927336e7b830076030d54\
    5a60f74a486acc02432a03cdddbede9886f872f33d1fcb6fdae352ec7e0f47ed2fd63fffffd9";
/// dcmdjpeg's samples for `b8_11x9_mixed`.
const B8_11X9_MIXED_REF: [u16; 99] = [
    17, 48, 80, 99, 107, 132, 133, 106, 118, 117, 103, 28, 39, 93, 88, 122, 121, 113, 120, 115,
    119, 110, 36, 41, 75, 253, 237, 249, 248, 112, 114, 124, 123, 24, 50, 70, 255, 250, 255, 255,
    120, 113, 127, 129, 16, 47, 40, 74, 90, 94, 111, 109, 118, 133, 136, 8, 29, 52, 74, 80, 90,
    105, 126, 124, 143, 150, 4, 0, 45, 46, 55, 77, 84, 110, 126, 149, 160, 0, 12, 30, 46, 43, 83,
    95, 118, 125, 154, 171, 16, 1, 16, 40, 40, 65, 82, 123, 144, 169, 177,
];

/// `b8_11x9_rst1_fill`: 11×9, 8-bit, 270 bytes.
const B8_11X9_RST1_FILL: &str = "\
    ffd8ffdb0043000302020302020303030304030304050805050404050a070706080c0a0c0c0b0a0b0b0d0e12\
    100d0e110e0b0b1016101113141515150c0f171816141812141514ffffffc0000b080009000b01011100ffc4\
    00481000020102040407000000000000000000010203040500060721081214223536617374b1b2010000000f\
    010000000000000000000000000102030405060708090a0b0c0d0e0fffdd00040001ffda0008010110003f00\
    747c2d6af648a6d32a9cbb71c96d76cc156265a4bcadd6683a5564554060542ae124e66dcf70600ec063ffff\
    d04ea2d307ba524356601219501e6eedf6f4c7ffd1829e1cbccf47f2dbf6b8ffffffffd27eb63f07a3f697eb\
    1fffffffffd9";
// dcmdjpeg decodes it exactly like `b8_11x9_mixed`.

fn hex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks_exact(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// Decodes `stream` and checks it against libjpeg's samples. libjpeg's integer IDCT and our
/// floating-point one may round differently: by one at most, in a few samples.
fn check(stream: &str, size: (usize, usize), precision: u8, reference: &[u16]) -> Decoded {
    let image = decode(&hex(stream)).unwrap();
    assert_eq!((image.width, image.height), size);
    assert_eq!(image.precision, precision);
    assert_eq!(image.samples.len(), reference.len());
    let mut differing = 0;
    for (i, (&ours, &libjpeg)) in image.samples.iter().zip(reference).enumerate() {
        assert!(
            ours.abs_diff(libjpeg) <= 1,
            "sample {i}: {ours}, libjpeg {libjpeg}"
        );
        differing += usize::from(ours != libjpeg);
    }
    assert!(
        differing * 10 <= reference.len(),
        "{differing} samples differ"
    );
    image
}

#[test]
fn decodes_12_bit_with_partial_blocks() {
    check(E12_13X11_MIXED, (13, 11), 12, &E12_13X11_MIXED_REF);
}

#[test]
fn decodes_sampling_factors_16_bit_tables_and_skips_app_com() {
    let plain = check(E12_13X11_MIXED, (13, 11), 12, &E12_13X11_MIXED_REF);
    let variant = check(E12_13X11_H2V2_DQT16, (13, 11), 12, &E12_13X11_MIXED_REF);
    assert_eq!(plain, variant);
}

#[test]
fn decodes_12_bit_with_restarts_and_fill_bytes() {
    check(E12_16X16_RST1_FILL, (16, 16), 12, &E12_16X16_RST1_FILL_REF);
}

#[test]
fn decodes_8_bit_baseline() {
    let plain = check(B8_11X9_MIXED, (11, 9), 8, &B8_11X9_MIXED_REF);
    let restarts = check(B8_11X9_RST1_FILL, (11, 9), 8, &B8_11X9_MIXED_REF);
    assert_eq!(plain, restarts);
}

/// `stream` with the first `from` marker after SOI replaced by `to`.
fn patch_marker(stream: &str, from: u8, to: u8) -> Vec<u8> {
    let mut data = hex(stream);
    let at = data.windows(2).position(|w| w == [0xFF, from]).unwrap();
    data[at + 1] = to;
    data
}

#[test]
fn refuses_other_jpeg_processes() {
    for (sof, kind) in [
        (0xC2, "progressive"),
        (0xC3, "lossless"),
        (0xC5, "hierarchical"),
        (0xC9, "arithmetic"),
        (0xCA, "arithmetic"),
    ] {
        let error = decode(&patch_marker(E12_13X11_MIXED, 0xC1, sof)).unwrap_err();
        assert!(matches!(error, Jpeg12Error::Unsupported(_)), "{error}");
        let error = error.to_string();
        assert!(error.starts_with(kind), "{error}");
        assert!(error.contains(&format!("(SOF{})", sof - 0xC0)), "{error}");
    }
}

#[test]
fn refuses_other_precisions_and_colour() {
    let mut data = hex(E12_13X11_MIXED);
    let sof = data.windows(2).position(|w| w == [0xFF, 0xC1]).unwrap();
    data[sof + 4] = 16;
    let error = decode(&data).unwrap_err();
    assert!(matches!(error, Jpeg12Error::Unsupported(_)), "{error}");
    assert!(error.to_string().contains("16-bit"));
    data[sof + 4] = 12;
    data[sof + 9] = 3;
    assert!(
        decode(&data)
            .unwrap_err()
            .to_string()
            .contains("3-component")
    );
}

#[test]
fn ignores_spectral_selection_in_sequential_scans() {
    let mut data = hex(E12_13X11_MIXED);
    let sos = data.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    assert_eq!(data[sos + 7..sos + 10], [0, 63, 0]);
    data[sos + 8] = 0;
    let plain = check(E12_13X11_MIXED, (13, 11), 12, &E12_13X11_MIXED_REF);
    assert_eq!(decode(&data).unwrap(), plain);
}

#[test]
fn refuses_a_wrong_restart_marker() {
    let mut data = hex(E12_16X16_RST1_FILL);
    let sos = data.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let rst = sos
        + data[sos..]
            .windows(2)
            .position(|w| w == [0xFF, 0xD1])
            .unwrap();
    data[rst + 1] = 0xD2;
    let error = decode(&data).unwrap_err();
    assert!(matches!(error, Jpeg12Error::Malformed(_)), "{error}");
    assert!(error.to_string().contains("RST1"));
}

#[test]
fn refuses_what_is_not_a_jpeg_image() {
    for data in [
        &b""[..],
        b"\xff",
        b"\xff\xd8",
        b"\xff\xd8\xff\xd9",
        b"\xff\xd8\xff\xe0\x00",
        b"\xff\xd8\xff\xe0\x00\x01",
        b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00",
        b"DICM, not JPEG",
    ] {
        assert!(decode(data).is_err(), "{data:?}");
    }
}

const ALL: [&str; 5] = [
    E12_13X11_MIXED,
    E12_13X11_H2V2_DQT16,
    E12_16X16_RST1_FILL,
    B8_11X9_MIXED,
    B8_11X9_RST1_FILL,
];

#[test]
fn truncated_input_fails() {
    for stream in ALL {
        let data = hex(stream);
        let full = decode(&data).unwrap();
        for length in 0..data.len() {
            match decode(&data[..length]) {
                // Only EOI and fill bytes may be missing.
                Ok(image) => assert!(length + 6 >= data.len() && image == full, "{length}"),
                Err(error) => assert!(!error.to_string().is_empty()),
            }
        }
    }
}

#[test]
fn corrupt_input_never_panics() {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut random = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    for stream in ALL {
        let data = hex(stream);
        for _ in 0..3000 {
            let mut bad = data.clone();
            for _ in 0..1 + random(4) {
                let at = random(bad.len());
                match random(8) {
                    0 => bad[at] = 0xFF,
                    1 => {
                        bad.remove(at);
                    }
                    2 => bad.insert(at, random(256) as u8),
                    _ => bad[at] ^= 1 << random(8),
                }
            }
            if let Ok(image) = decode(&bad) {
                assert_eq!(image.samples.len(), image.width * image.height);
                assert!(image.samples.iter().all(|&s| s >> image.precision == 0));
            }
        }
    }
}
