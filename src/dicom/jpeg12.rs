//! Sequential-DCT Huffman JPEG decoding for greyscale images with 8- or 12-bit samples.
//!
//! DICOM's "JPEG Extended (Process 2 & 4)" transfer syntax (1.2.840.10008.1.2.4.51) carries
//! sequential DCT JPEG with 12-bit samples, which many MRI scanners write. dicom-pixeldata 0.10
//! cannot decode it: the JPEG crates under it (jpeg-decoder, zune-jpeg) implement 8-bit DCT only.
//! This module decodes what such series need, following ITU-T T.81:
//!
//! - baseline (SOF0) and extended sequential Huffman (SOF1) frames with 8- or 12-bit precision;
//! - one component (any sampling factor: a lone component is coded as plain 8×8 blocks);
//! - 8- and 16-bit quantisation tables, up to four DC and four AC Huffman tables;
//! - restart intervals (DRI, RST0–RST7), byte stuffing, fill bytes, APPn and COM segments;
//! - image sizes that are not multiples of 8 (the edge blocks are cropped).
//!
//! Progressive, lossless, hierarchical and arithmetic-coded JPEG, and colour images, are refused
//! with an error. The inverse DCT is a separable floating-point one, closer to the exact transform
//! than libjpeg's integer IDCT: the two differ by at most one, in a few per cent of samples.
//! Malformed or truncated input gives `Err`, never a panic.

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

/// Decodes a baseline (SOF0) or extended sequential Huffman (SOF1) JPEG with one component and
/// 8- or 12-bit precision.
///
/// Decoding ends with the image's scan: what follows it (EOI, padding) is not read.
pub fn decode(data: &[u8]) -> Result<Decoded, String> {
    if data.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return Err("not a JPEG stream: it does not start with an SOI marker".into());
    }
    let mut pos = 2;
    let mut tables = Tables::default();
    let mut frame: Option<Frame> = None;
    loop {
        let (marker, after) = read_marker(data, pos)?;
        pos = after;
        match marker {
            0xD8 => return Err("unexpected second SOI marker".into()),
            0xD9 => return Err("the JPEG stream ends (EOI) before any scan".into()),
            // Standalone markers: no segment follows.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let segment = read_segment(data, pos, marker)?;
        pos += 2 + segment.len();
        match marker {
            0xC0 | 0xC1 => {
                if frame.is_some() {
                    return Err("more than one frame header (SOF)".into());
                }
                frame = Some(Frame::parse(segment)?);
            }
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(unsupported_frame(marker));
            }
            0xC4 => tables.parse_dht(segment)?,
            0xDB => tables.parse_dqt(segment)?,
            0xDD => tables.parse_dri(segment)?,
            0xDA => {
                let frame = frame
                    .as_ref()
                    .ok_or("a scan (SOS) comes before the frame header")?;
                let scan = Scan::parse(segment, frame, &tables)?;
                let entropy = data.get(pos..).unwrap_or_default();
                return decode_scan(entropy, frame, &scan, tables.restart_interval);
            }
            // APPn, COM, DAC, DNL, DHP, EXP, JPGn and reserved markers: nothing we need.
            _ => {}
        }
    }
}

/// The error for a frame type this module does not decode.
fn unsupported_frame(marker: u8) -> String {
    let kind = match marker {
        0xC2 => "progressive",
        0xC3 => "lossless",
        0xC5..=0xC7 => "hierarchical (differential)",
        _ => "arithmetic-coded",
    };
    format!(
        "{kind} JPEG (SOF{}) is not supported: only baseline and extended sequential Huffman \
         JPEG (SOF0, SOF1) are",
        marker - 0xC0
    )
}

/// Reads a marker at `pos`, skipping fill bytes: returns its code and the position after it.
fn read_marker(data: &[u8], pos: usize) -> Result<(u8, usize), String> {
    match data.get(pos) {
        Some(0xFF) => {}
        Some(byte) => {
            return Err(format!(
                "expected a marker at byte {pos}, found {byte:#04x}"
            ));
        }
        None => return Err("the JPEG stream ends without a scan".into()),
    }
    let mut p = pos + 1;
    while data.get(p) == Some(&0xFF) {
        p += 1;
    }
    match data.get(p) {
        Some(0) => Err(format!("invalid marker FF00 at byte {pos}")),
        Some(&marker) => Ok((marker, p + 1)),
        None => Err("the JPEG stream ends without a scan".into()),
    }
}

/// The payload of the marker segment whose length field starts at `pos`.
fn read_segment(data: &[u8], pos: usize, marker: u8) -> Result<&[u8], String> {
    let length = match data.get(pos..pos + 2) {
        Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
        _ => return Err(format!("marker FF{marker:02X}: segment truncated")),
    };
    if length < 2 {
        return Err(format!(
            "marker FF{marker:02X}: invalid segment length {length}"
        ));
    }
    data.get(pos + 2..pos + length)
        .ok_or_else(|| format!("marker FF{marker:02X}: segment truncated"))
}

/// A cursor over a segment's payload.
struct Bytes<'a> {
    data: &'a [u8],
    what: &'static str,
}

impl<'a> Bytes<'a> {
    fn new(data: &'a [u8], what: &'static str) -> Self {
        Self { data, what }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.data.len() {
            return Err(format!("{} segment truncated", self.what));
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, String> {
        match self.take(1)? {
            &[b] => Ok(b),
            _ => Err(format!("{} segment truncated", self.what)),
        }
    }

    fn u16(&mut self) -> Result<u16, String> {
        match self.take(2)? {
            &[hi, lo] => Ok(u16::from_be_bytes([hi, lo])),
            _ => Err(format!("{} segment truncated", self.what)),
        }
    }

    /// Fails unless the whole segment has been read.
    fn finish(&self) -> Result<(), String> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} segment has {} extra bytes",
                self.what,
                self.data.len()
            ))
        }
    }
}

/// The frame header (SOF0 or SOF1) of a one-component image.
struct Frame {
    precision: u8,
    width: usize,
    height: usize,
    component: u8,
    quant_table: usize,
}

impl Frame {
    fn parse(segment: &[u8]) -> Result<Self, String> {
        let mut b = Bytes::new(segment, "frame header (SOF)");
        let precision = b.u8()?;
        let height = usize::from(b.u16()?);
        let width = usize::from(b.u16()?);
        let components = b.u8()?;
        if precision != 8 && precision != 12 {
            return Err(format!(
                "{precision}-bit samples are not supported: only 8- and 12-bit DCT JPEG is"
            ));
        }
        if components != 1 {
            return Err(format!(
                "{components}-component JPEG is not supported: only greyscale (one component) is"
            ));
        }
        if height == 0 {
            return Err("image height 0 (set later by a DNL marker) is not supported".into());
        }
        if width == 0 {
            return Err("image width is 0".into());
        }
        let component = b.u8()?;
        let sampling = b.u8()?;
        let quant_table = usize::from(b.u8()?);
        b.finish()?;
        let (h, v) = (sampling >> 4, sampling & 0x0F);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
            return Err(format!("invalid sampling factors {h}×{v}"));
        }
        if quant_table > 3 {
            return Err(format!("invalid quantisation table number {quant_table}"));
        }
        Ok(Self {
            precision,
            width,
            height,
            component,
            quant_table,
        })
    }
}

/// Tables defined so far: quantisation (in zigzag order), Huffman, restart interval.
#[derive(Default)]
struct Tables {
    quant: [Option<[u16; 64]>; 4],
    dc: [Option<Huffman>; 4],
    ac: [Option<Huffman>; 4],
    restart_interval: usize,
}

impl Tables {
    fn parse_dqt(&mut self, segment: &[u8]) -> Result<(), String> {
        let mut b = Bytes::new(segment, "quantisation table (DQT)");
        while !b.is_empty() {
            let pq_tq = b.u8()?;
            let (precision, index) = (pq_tq >> 4, usize::from(pq_tq & 0x0F));
            let mut table = [0u16; 64];
            match precision {
                0 => {
                    for (q, &v) in table.iter_mut().zip(b.take(64)?) {
                        *q = u16::from(v);
                    }
                }
                1 => {
                    for (q, v) in table.iter_mut().zip(b.take(128)?.chunks_exact(2)) {
                        *q = v.iter().fold(0, |acc, &byte| (acc << 8) | u16::from(byte));
                    }
                }
                _ => return Err(format!("invalid quantisation table precision {precision}")),
            }
            let slot = self
                .quant
                .get_mut(index)
                .ok_or_else(|| format!("invalid quantisation table number {index}"))?;
            *slot = Some(table);
        }
        Ok(())
    }

    fn parse_dht(&mut self, segment: &[u8]) -> Result<(), String> {
        let mut b = Bytes::new(segment, "Huffman table (DHT)");
        while !b.is_empty() {
            let tc_th = b.u8()?;
            let (class, index) = (tc_th >> 4, usize::from(tc_th & 0x0F));
            let mut counts = [0u8; 16];
            counts.copy_from_slice(b.take(16)?);
            let total = counts.iter().map(|&n| usize::from(n)).sum();
            let table = Huffman::new(&counts, b.take(total)?)?;
            let slots = match class {
                0 => &mut self.dc,
                1 => &mut self.ac,
                _ => return Err(format!("invalid Huffman table class {class}")),
            };
            let slot = slots
                .get_mut(index)
                .ok_or_else(|| format!("invalid Huffman table number {index}"))?;
            *slot = Some(table);
        }
        Ok(())
    }

    fn parse_dri(&mut self, segment: &[u8]) -> Result<(), String> {
        let mut b = Bytes::new(segment, "restart interval (DRI)");
        self.restart_interval = usize::from(b.u16()?);
        b.finish()
    }
}

/// A scan header (SOS) with the tables it uses.
struct Scan<'t> {
    dc: &'t Huffman,
    ac: &'t Huffman,
    quant: &'t [u16; 64],
}

impl<'t> Scan<'t> {
    fn parse(segment: &[u8], frame: &Frame, tables: &'t Tables) -> Result<Self, String> {
        let mut b = Bytes::new(segment, "scan header (SOS)");
        let components = b.u8()?;
        if components != 1 {
            return Err(format!(
                "a scan of {components} components in a greyscale image"
            ));
        }
        let component = b.u8()?;
        let td_ta = b.u8()?;
        // Spectral selection and successive approximation (Ss, Se, Ah/Al) must be 0, 63 and 0
        // in a sequential scan, but some encoders write other values (pydicom's JPEG-lossy.dcm
        // test file has Se = 0): like libjpeg, ignore them and decode all 64 coefficients.
        b.take(3)?;
        b.finish()?;
        if component != frame.component {
            return Err(format!(
                "the scan codes component {component}, the frame has only {}",
                frame.component
            ));
        }
        let (td, ta) = (usize::from(td_ta >> 4), usize::from(td_ta & 0x0F));
        let dc = tables.dc.get(td).and_then(Option::as_ref);
        let ac = tables.ac.get(ta).and_then(Option::as_ref);
        let quant = tables.quant.get(frame.quant_table).and_then(Option::as_ref);
        Ok(Self {
            dc: dc.ok_or_else(|| format!("DC Huffman table {td} is not defined"))?,
            ac: ac.ok_or_else(|| format!("AC Huffman table {ta} is not defined"))?,
            quant: quant.ok_or_else(|| {
                format!("quantisation table {} is not defined", frame.quant_table)
            })?,
        })
    }
}

/// Bits looked up at once when decoding a Huffman code; longer codes take the slow path.
const LOOKUP_BITS: u32 = 9;

/// A Huffman decoding table (T.81 annex C and F.2.2.3).
struct Huffman {
    /// Indexed by the next `LOOKUP_BITS` bits: `length << 8 | value`, or 0 for a longer code.
    lookup: [u16; 1 << LOOKUP_BITS],
    /// The largest code of each length (index 1..=16), -1 where there is none.
    max_code: [i32; 17],
    /// For each length, the index in `values` of its first code, minus that code.
    value_offset: [i32; 17],
    values: Vec<u8>,
}

impl Huffman {
    fn new(counts: &[u8; 16], values: &[u8]) -> Result<Self, String> {
        let mut table = Self {
            lookup: [0; 1 << LOOKUP_BITS],
            max_code: [-1; 17],
            value_offset: [0; 17],
            values: values.to_vec(),
        };
        let mut code = 0u32;
        let mut first = 0usize;
        for (length, &count) in (1u32..).zip(counts) {
            let n = u32::from(count);
            let count = usize::from(count);
            if count > 0 {
                if code + n > 1 << length {
                    return Err("invalid Huffman table: too many codes".into());
                }
                let index = length as usize;
                if let Some(slot) = table.value_offset.get_mut(index) {
                    *slot = first as i32 - code as i32;
                }
                if let Some(slot) = table.max_code.get_mut(index) {
                    *slot = (code + n - 1) as i32;
                }
                if length <= LOOKUP_BITS {
                    let shift = LOOKUP_BITS - length;
                    let codes = values.get(first..first + count).unwrap_or_default();
                    for (c, &value) in (code..).zip(codes) {
                        let start = (c << shift) as usize;
                        let end = ((c + 1) << shift) as usize;
                        if let Some(slots) = table.lookup.get_mut(start..end) {
                            slots.fill((length as u16) << 8 | u16::from(value));
                        }
                    }
                }
            }
            code = (code + n) << 1;
            first += count;
        }
        Ok(table)
    }

    /// Decodes one symbol.
    fn decode(&self, bits: &mut BitReader) -> Result<u8, String> {
        let peek = bits.peek16();
        let entry = self
            .lookup
            .get((peek >> (16 - LOOKUP_BITS)) as usize)
            .copied()
            .unwrap_or(0);
        if entry != 0 {
            bits.consume(u32::from(entry >> 8))?;
            return Ok(entry as u8);
        }
        for length in LOOKUP_BITS + 1..=16 {
            let code = (peek >> (16 - length)) as i32;
            let index = length as usize;
            if code <= self.max_code.get(index).copied().unwrap_or(-1) {
                bits.consume(length)?;
                let offset = self.value_offset.get(index).copied().unwrap_or(0);
                return usize::try_from(offset + code)
                    .ok()
                    .and_then(|i| self.values.get(i).copied())
                    .ok_or_else(|| "corrupt JPEG data: bad Huffman code".into());
            }
        }
        Err("corrupt JPEG data: bad Huffman code".into())
    }
}

/// The error for entropy-coded data that runs out before the image is complete.
const TRUNCATED: &str = "corrupt JPEG data: the entropy-coded data ends early";

/// Reads the entropy-coded segment of a scan bit by bit, removing byte stuffing.
struct BitReader<'a> {
    data: &'a [u8],
    /// The next byte to load.
    pos: usize,
    /// The low `count` bits are unread, most significant first.
    bits: u64,
    count: u32,
    /// Of the `count` bits, how many at the end are zeros added past a marker or the data's end.
    padding: u32,
    /// A marker (or the end of the data) has been reached: only padding follows.
    at_marker: bool,
}

impl<'a> BitReader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            bits: 0,
            count: 0,
            padding: 0,
            at_marker: false,
        }
    }

    /// Loads bytes until at least 57 bits are buffered.
    fn fill(&mut self) {
        while self.count <= 56 {
            let mut byte = 0;
            if !self.at_marker {
                match (self.data.get(self.pos), self.data.get(self.pos + 1)) {
                    (Some(0xFF), Some(0x00)) => {
                        byte = 0xFF;
                        self.pos += 2;
                    }
                    (Some(0xFF), _) | (None, _) => self.at_marker = true,
                    (Some(&b), _) => {
                        byte = b;
                        self.pos += 1;
                    }
                }
            }
            if self.at_marker {
                self.padding += 8;
            }
            self.bits = (self.bits << 8) | u64::from(byte);
            self.count += 8;
        }
    }

    /// The next 16 bits, without consuming them.
    fn peek16(&mut self) -> u32 {
        if self.count < 16 {
            self.fill();
        }
        ((self.bits >> (self.count - 16)) & 0xFFFF) as u32
    }

    /// Consumes `n` bits (already buffered), failing if they run past the data.
    fn consume(&mut self, n: u32) -> Result<(), String> {
        if n > self.count - self.padding {
            return Err(TRUNCATED.into());
        }
        self.count -= n;
        Ok(())
    }

    /// Reads an `n`-bit magnitude (n ≤ 16) and extends its sign (T.81 F.2.2.1).
    fn receive_extend(&mut self, n: u8) -> Result<i32, String> {
        if n == 0 {
            return Ok(0);
        }
        let n = u32::from(n);
        if self.count < n {
            self.fill();
        }
        let value = ((self.bits >> (self.count - n)) & ((1 << n) - 1)) as i32;
        self.consume(n)?;
        Ok(if value < 1 << (n - 1) {
            value - (1 << n) + 1
        } else {
            value
        })
    }

    /// Skips the byte padding at the end of a restart interval and the RSTn marker after it.
    fn restart(&mut self, expected: u8) -> Result<(), String> {
        self.bits = 0;
        self.count = 0;
        self.padding = 0;
        self.at_marker = false;
        if self.data.get(self.pos) != Some(&0xFF) {
            return Err(format!(
                "corrupt JPEG data: restart marker RST{expected} missing"
            ));
        }
        let mut p = self.pos;
        while self.data.get(p) == Some(&0xFF) {
            p += 1;
        }
        match self.data.get(p) {
            Some(&marker) if marker == 0xD0 + expected => {
                self.pos = p + 1;
                Ok(())
            }
            Some(marker) => Err(format!(
                "corrupt JPEG data: expected restart marker RST{expected}, found FF{marker:02X}"
            )),
            None => Err(TRUNCATED.into()),
        }
    }
}

/// The natural (row-major) position of each coefficient in zigzag order.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Decodes the entropy-coded data of the image's single scan into samples.
fn decode_scan(
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
    fn new() -> Self {
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
    fn transform(&self, coefficients: &[f32; 64], out: &mut [f32; 64]) {
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

#[cfg(test)]
mod tests {
    //! The vectors are dcmtk-made: `dcmcjpeg +ee` (12-bit) or `+eb` (8-bit) encoded synthetic
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
        1668, 1747, 1869, 1656, 1685, 1720, 1711, 1619, 1769, 1948, 678, 748, 1400, 1254, 4083,
        4095, 4020, 4091, 1650, 1925, 1644, 1884, 2033, 551, 601, 1083, 1394, 4051, 4095, 4066,
        4088, 1668, 1727, 1965, 1797, 2354, 423, 824, 828, 1168, 4095, 4082, 4092, 3986, 1803,
        1618, 1802, 1932, 2080, 567, 600, 660, 870, 1018, 1220, 1390, 1533, 1716, 1983, 2072, 2235,
        2305, 113, 582, 709, 593, 599, 827, 1181, 1553, 1798, 2133, 2535, 2354, 2605, 316, 248,
        545, 380, 466, 819, 1323, 1604, 2073, 2266, 2469, 2730, 2858, 2, 46, 15, 523, 587, 751,
        1268, 1525, 1815, 2429, 2549, 2870, 3102, 128, 0, 11, 373, 714, 661, 1056, 1343, 1729,
        2516, 2705, 2877, 3070, 0, 22, 0, 222, 563, 928, 1132, 1377, 1950, 2316, 2393, 2982, 2824,
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
        449, 857, 1193, 1344, 1645, 1584, 1483, 1418, 1205, 999, 1259, 1284, 1550, 1801, 2066,
        2405, 577, 1023, 1054, 1390, 1480, 1665, 1597, 1119, 1575, 1235, 1132, 1603, 1558, 2017,
        2215, 2578, 574, 663, 1182, 1381, 1127, 1407, 1553, 1659, 1191, 1441, 1194, 1472, 1633,
        1663, 2185, 2641, 316, 1012, 853, 928, 1531, 1484, 1326, 1251, 1378, 1250, 1390, 1570,
        1797, 1743, 2126, 2533, 735, 557, 947, 1055, 962, 4095, 3834, 4095, 4073, 4095, 1463, 1834,
        1947, 2308, 2543, 2514, 341, 328, 793, 725, 1048, 4069, 4095, 4093, 3967, 4030, 2006, 1877,
        2188, 2095, 2136, 2255, 499, 446, 442, 423, 725, 3975, 4089, 3866, 3945, 4094, 2016, 2238,
        2197, 2239, 2354, 2483, 199, 444, 388, 127, 765, 3945, 4095, 4083, 4090, 4095, 2256, 2409,
        2369, 2302, 2378, 2623, 189, 672, 231, 343, 339, 728, 842, 1400, 1571, 1900, 2157, 2455,
        2432, 2333, 2004, 2547, 515, 271, 110, 97, 493, 455, 955, 1244, 1722, 2082, 2143, 2686,
        2473, 2461, 2569, 2358, 210, 320, 89, 137, 96, 710, 809, 1227, 1423, 2021, 2337, 2539,
        2550, 2576, 2440, 2317, 397, 138, 288, 299, 439, 743, 866, 1141, 1942, 2071, 2386, 2307,
        2340, 2815, 2428, 2314, 0, 93, 2, 0, 656, 469, 927, 1613, 1575, 2063, 2142, 2458, 2585,
        2520, 2510, 2322, 19, 51, 0, 6, 791, 798, 981, 1487, 1339, 1757, 1971, 2295, 2534, 2335,
        2648, 2429, 12, 50, 7, 45, 970, 869, 1113, 1272, 1453, 1756, 1870, 2017, 2165, 2292, 2192,
        2345, 0, 74, 203, 327, 993, 1250, 1450, 1090, 1512, 1482, 1908, 2014, 2011, 2305, 2326,
        2480,
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
        119, 110, 36, 41, 75, 253, 237, 249, 248, 112, 114, 124, 123, 24, 50, 70, 255, 250, 255,
        255, 120, 113, 127, 129, 16, 47, 40, 74, 90, 94, 111, 109, 118, 133, 136, 8, 29, 52, 74,
        80, 90, 105, 126, 124, 143, 150, 4, 0, 45, 46, 55, 77, 84, 110, 126, 149, 160, 0, 12, 30,
        46, 43, 83, 95, 118, 125, 154, 171, 16, 1, 16, 40, 40, 65, 82, 123, 144, 169, 177,
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
            assert!(error.starts_with(kind), "{error}");
            assert!(error.contains(&format!("(SOF{})", sof - 0xC0)), "{error}");
        }
    }

    #[test]
    fn refuses_other_precisions_and_colour() {
        let mut data = hex(E12_13X11_MIXED);
        let sof = data.windows(2).position(|w| w == [0xFF, 0xC1]).unwrap();
        data[sof + 4] = 16;
        assert!(decode(&data).unwrap_err().contains("16-bit"));
        data[sof + 4] = 12;
        data[sof + 9] = 3;
        assert!(decode(&data).unwrap_err().contains("3-component"));
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
        assert!(decode(&data).unwrap_err().contains("RST1"));
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
                    Err(error) => assert!(!error.is_empty()),
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
}
