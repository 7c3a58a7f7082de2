//! Small helpers for building DICOM data sets with dicom-object: typed puts, coded concepts,
//! Decimal Strings that fit their 16 characters, and name-derived `2.25.` UIDs.

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// A data set or sequence item.
pub type Item = InMemDicomObject;

/// Typed setters, so the writers read as a list of attributes.
pub trait Put {
    fn text(&mut self, tag: Tag, vr: VR, value: &str);
    fn texts(&mut self, tag: Tag, vr: VR, values: &[&str]);
    fn decimals(&mut self, tag: Tag, values: &[f64]);
    fn us(&mut self, tag: Tag, value: u16);
    fn ul(&mut self, tag: Tag, values: &[u32]);
    fn at(&mut self, tag: Tag, value: Tag);
    fn seq(&mut self, tag: Tag, items: Vec<Item>);
}

impl Put for Item {
    fn text(&mut self, tag: Tag, vr: VR, value: &str) {
        self.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
    }

    fn texts(&mut self, tag: Tag, vr: VR, values: &[&str]) {
        let values = values.iter().map(|v| (*v).to_owned()).collect();
        self.put(DataElement::new(tag, vr, PrimitiveValue::Strs(values)));
    }

    fn decimals(&mut self, tag: Tag, values: &[f64]) {
        let values = values.iter().map(|v| decimal_string(*v)).collect();
        self.put(DataElement::new(tag, VR::DS, PrimitiveValue::Strs(values)));
    }

    fn us(&mut self, tag: Tag, value: u16) {
        self.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
    }

    fn ul(&mut self, tag: Tag, values: &[u32]) {
        let value = PrimitiveValue::U32(values.iter().copied().collect());
        self.put(DataElement::new(tag, VR::UL, value));
    }

    fn at(&mut self, tag: Tag, value: Tag) {
        let value = PrimitiveValue::Tags([value].into_iter().collect());
        self.put(DataElement::new(tag, VR::AT, value));
    }

    fn seq(&mut self, tag: Tag, items: Vec<Item>) {
        self.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
    }
}

/// A new item built by `fill`.
pub fn item(fill: impl FnOnce(&mut Item)) -> Item {
    let mut item = Item::new_empty();
    fill(&mut item);
    item
}

/// A coded concept (Code Sequence Macro): value, coding scheme designator, meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub value: &'static str,
    pub scheme: &'static str,
    pub meaning: &'static str,
}

impl Code {
    /// The concept as a sequence item.
    pub fn item(self) -> Item {
        item(|i| {
            i.text(tags::CODE_VALUE, VR::SH, self.value);
            i.text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, self.scheme);
            i.text(tags::CODE_MEANING, VR::LO, self.meaning);
        })
    }
}

/// A Decimal String of at most 16 characters, as DICOM allows (the most decimals that fit).
/// Shared with the sample generator's writer.
pub fn decimal_string(value: f64) -> String {
    for decimals in (0..=6).rev() {
        let s = format!("{value:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        };
        if s.len() <= 16 {
            return if s == "-0" { "0".into() } else { s };
        }
    }
    format!("{value:.0}")
}

/// A deterministic `2.25.` UID from a name: the sample generator's algorithm
/// (`synth::noise::uid`), shared so both derive the same UID from the same name.
pub fn name_uid(name: &str) -> String {
    crate::synth::noise::uid(name)
}

/// A 128-bit digest of bytes (8 at a time), so content can enter a UID's name cheaply.
pub fn digest(bytes: &[u8]) -> u128 {
    let mut hi = crate::synth::noise::mix64(bytes.len() as u64);
    let mut lo = 0x0FED_CBA9_8765_4321u64;
    for chunk in bytes.chunks(8) {
        let mut word = [0u8; 8];
        word.iter_mut().zip(chunk).for_each(|(w, b)| *w = *b);
        hi = crate::synth::noise::mix64(hi ^ u64::from_le_bytes(word));
        lo = crate::synth::noise::mix64(lo ^ hi);
    }
    u128::from(hi) << 64 | u128::from(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_fit_sixteen_characters() {
        assert_eq!(decimal_string(1.5), "1.5");
        assert_eq!(decimal_string(-0.0000001), "0");
        assert_eq!(decimal_string(-123.4567891234), "-123.456789");
        assert!(decimal_string(-12_345_678.123_456).len() <= 16);
    }

    #[test]
    fn uids_are_deterministic_valid_and_distinct() {
        let a = name_uid("tandem implementation");
        // The Implementation Class UID in the bundled sample's files, made by synth::noise::uid.
        assert_eq!(a, "2.25.57144272284006798925322498680499047230");
        assert_ne!(a, name_uid("tandem implementation "));
        assert!(a.len() <= 64 && a.starts_with("2.25."));
        assert!(a[5..].bytes().all(|b| b.is_ascii_digit()) && !a[5..].starts_with('0'));
        assert_ne!(digest(b"abc"), digest(b"abd"));
        assert_ne!(digest(b""), digest(&[0]), "length counts");
    }
}
