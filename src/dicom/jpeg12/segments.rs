//! The JPEG header segments the decoder reads: the frame (SOF), quantisation and Huffman
//! tables (DQT, DHT), the scan header (SOS), over a bounds-checked byte reader.

use super::error::Jpeg12Error;
use super::huffman::Huffman;

/// A cursor over a segment's payload.
pub(super) struct Bytes<'a> {
    pub(super) data: &'a [u8],
    pub(super) what: &'static str,
}

impl<'a> Bytes<'a> {
    pub(super) fn new(data: &'a [u8], what: &'static str) -> Self {
        Self { data, what }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.data.len() {
            return Err(format!("{} segment truncated", self.what));
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }

    pub(super) fn u8(&mut self) -> Result<u8, String> {
        match self.take(1)? {
            &[b] => Ok(b),
            _ => Err(format!("{} segment truncated", self.what)),
        }
    }

    pub(super) fn u16(&mut self) -> Result<u16, String> {
        match self.take(2)? {
            &[hi, lo] => Ok(u16::from_be_bytes([hi, lo])),
            _ => Err(format!("{} segment truncated", self.what)),
        }
    }

    /// Fails unless the whole segment has been read.
    pub(super) fn finish(&self) -> Result<(), String> {
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
pub(super) struct Frame {
    pub(super) precision: u8,
    pub(super) width: usize,
    pub(super) height: usize,
    pub(super) component: u8,
    pub(super) quant_table: usize,
}

impl Frame {
    pub(super) fn parse(segment: &[u8]) -> Result<Self, Jpeg12Error> {
        let mut b = Bytes::new(segment, "frame header (SOF)");
        let precision = b.u8()?;
        let height = usize::from(b.u16()?);
        let width = usize::from(b.u16()?);
        let components = b.u8()?;
        if precision != 8 && precision != 12 {
            return Err(Jpeg12Error::Unsupported(format!(
                "{precision}-bit samples are not supported: only 8- and 12-bit DCT JPEG is"
            )));
        }
        if components != 1 {
            return Err(Jpeg12Error::Unsupported(format!(
                "{components}-component JPEG is not supported: only greyscale (one component) is"
            )));
        }
        if height == 0 {
            return Err(Jpeg12Error::Unsupported(
                "image height 0 (set later by a DNL marker) is not supported".into(),
            ));
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
            return Err(Jpeg12Error::Malformed(format!(
                "invalid sampling factors {h}×{v}"
            )));
        }
        if quant_table > 3 {
            return Err(Jpeg12Error::Malformed(format!(
                "invalid quantisation table number {quant_table}"
            )));
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
pub(super) struct Tables {
    pub(super) quant: [Option<[u16; 64]>; 4],
    pub(super) dc: [Option<Huffman>; 4],
    pub(super) ac: [Option<Huffman>; 4],
    pub(super) restart_interval: usize,
}

impl Tables {
    pub(super) fn parse_dqt(&mut self, segment: &[u8]) -> Result<(), String> {
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

    pub(super) fn parse_dht(&mut self, segment: &[u8]) -> Result<(), String> {
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

    pub(super) fn parse_dri(&mut self, segment: &[u8]) -> Result<(), String> {
        let mut b = Bytes::new(segment, "restart interval (DRI)");
        self.restart_interval = usize::from(b.u16()?);
        b.finish()
    }
}

/// A scan header (SOS) with the tables it uses.
pub(super) struct Scan<'t> {
    pub(super) dc: &'t Huffman,
    pub(super) ac: &'t Huffman,
    pub(super) quant: &'t [u16; 64],
}

impl<'t> Scan<'t> {
    pub(super) fn parse(segment: &[u8], frame: &Frame, tables: &'t Tables) -> Result<Self, String> {
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
