//! Huffman decoding: the code tables (with a 9-bit lookup for short codes) and the bit reader
//! over entropy-coded data (byte stuffing, fill bytes, restart markers).

/// Bits looked up at once when decoding a Huffman code; longer codes take the slow path.
const LOOKUP_BITS: u32 = 9;

/// A Huffman decoding table (T.81 annex C and F.2.2.3).
pub(super) struct Huffman {
    /// Indexed by the next `LOOKUP_BITS` bits: `length << 8 | value`, or 0 for a longer code.
    pub(super) lookup: [u16; 1 << LOOKUP_BITS],
    /// The largest code of each length (index 1..=16), -1 where there is none.
    pub(super) max_code: [i32; 17],
    /// For each length, the index in `values` of its first code, minus that code.
    pub(super) value_offset: [i32; 17],
    pub(super) values: Vec<u8>,
}

impl Huffman {
    pub(super) fn new(counts: &[u8; 16], values: &[u8]) -> Result<Self, String> {
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
    pub(super) fn decode(&self, bits: &mut BitReader) -> Result<u8, String> {
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
pub(super) const TRUNCATED: &str = "corrupt JPEG data: the entropy-coded data ends early";

/// Reads the entropy-coded segment of a scan bit by bit, removing byte stuffing.
pub(super) struct BitReader<'a> {
    pub(super) data: &'a [u8],
    /// The next byte to load.
    pub(super) pos: usize,
    /// The low `count` bits are unread, most significant first.
    pub(super) bits: u64,
    pub(super) count: u32,
    /// Of the `count` bits, how many at the end are zeros added past a marker or the data's end.
    pub(super) padding: u32,
    /// A marker (or the end of the data) has been reached: only padding follows.
    pub(super) at_marker: bool,
}

impl<'a> BitReader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
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
    pub(super) fn fill(&mut self) {
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
    pub(super) fn peek16(&mut self) -> u32 {
        if self.count < 16 {
            self.fill();
        }
        ((self.bits >> (self.count - 16)) & 0xFFFF) as u32
    }

    /// Consumes `n` bits (already buffered), failing if they run past the data.
    pub(super) fn consume(&mut self, n: u32) -> Result<(), String> {
        if n > self.count - self.padding {
            return Err(TRUNCATED.into());
        }
        self.count -= n;
        Ok(())
    }

    /// Reads an `n`-bit magnitude (n ≤ 16) and extends its sign (T.81 F.2.2.1).
    pub(super) fn receive_extend(&mut self, n: u8) -> Result<i32, String> {
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
    pub(super) fn restart(&mut self, expected: u8) -> Result<(), String> {
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
