//! Typed, forgiving access to attributes of a DICOM data set.
//!
//! Headers in the wild are messy: a value that is missing, empty or unparsable is `None`
//! here, and the caller decides whether that is a problem worth reporting.

use dicom_core::Tag;
use dicom_object::InMemDicomObject;

/// A data set (the file's root or a sequence item).
pub type DataSet = InMemDicomObject;

/// Trimmed string value; `None` when absent or empty.
pub fn text(obj: &DataSet, tag: Tag) -> Option<String> {
    let value = obj.get(tag)?.to_str().ok()?;
    let trimmed = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// All numeric values of a (multi-valued) attribute, all finite; `None` otherwise.
pub fn floats(obj: &DataSet, tag: Tag) -> Option<Vec<f64>> {
    let values = obj.get(tag)?.to_multi_float64().ok()?;
    (!values.is_empty() && values.iter().all(|v| v.is_finite())).then_some(values)
}

/// First numeric value of an attribute.
pub fn float(obj: &DataSet, tag: Tag) -> Option<f64> {
    floats(obj, tag)?.first().copied()
}

/// Integer value of an attribute.
pub fn int(obj: &DataSet, tag: Tag) -> Option<i64> {
    obj.get(tag)?.to_int::<i64>().ok()
}

/// Exactly `N` finite numbers, or `None`.
pub fn fixed<const N: usize>(obj: &DataSet, tag: Tag) -> Option<[f64; N]> {
    let values = floats(obj, tag)?;
    values.get(..N)?.try_into().ok()
}

/// The first item of a sequence attribute.
pub fn first_item(obj: &DataSet, tag: Tag) -> Option<&DataSet> {
    obj.get(tag)?.items()?.first()
}

/// All items of a sequence attribute (empty when absent).
pub fn items(obj: &DataSet, tag: Tag) -> &[DataSet] {
    obj.get(tag).and_then(|e| e.items()).unwrap_or(&[])
}

/// Looks `tag` up inside the first item of `seq` in each of `groups`, first hit wins: this is
/// how enhanced multi-frame objects spread a frame's attributes over per-frame and shared
/// functional groups.
pub fn in_groups<'a, T>(
    groups: &[Option<&'a DataSet>],
    seq: Tag,
    read: impl Fn(&'a DataSet) -> Option<T>,
) -> Option<T> {
    groups
        .iter()
        .flatten()
        .filter_map(|group| first_item(group, seq))
        .find_map(read)
}
