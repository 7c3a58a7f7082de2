//! One DICOM file's header, read up to (not including) Pixel Data, reduced to what Tandem needs:
//! who and what it belongs to, the pixel layout, and the geometry and rescale of each frame.

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;
use serde::Serialize;

use super::attrs::{self, DataSet, fixed, float, in_groups, int, text};
use crate::error::{Error, Result};
use crate::pipeline::geometry::Vec3;

/// Media Storage SOP Class of a DICOMDIR (Media Storage Directory Storage).
pub const DICOMDIR_SOP_CLASS: &str = "1.2.840.10008.1.3.10";

/// Deflated Explicit VR Little Endian: native pixel data once parsed, but the data set after the
/// file meta group is stored deflated, so the file is usually smaller than its pixel data.
pub use dicom_dictionary_std::uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN as DEFLATED_SYNTAX;

/// Native (uncompressed) transfer syntaxes, whose pixel data length is known from the header.
pub const NATIVE_SYNTAXES: [&str; 4] = [
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    DEFLATED_SYNTAX,
];

/// How pixels are laid out in the file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PixelFormat {
    pub rows: u32,
    pub columns: u32,
    pub samples_per_pixel: u16,
    pub bits_allocated: u16,
    pub bits_stored: u16,
    pub signed: bool,
    pub photometric: String,
}

/// Linear map from stored values to real-world values (Rescale Slope/Intercept).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rescale {
    pub slope: f64,
    pub intercept: f64,
}

impl Rescale {
    pub const IDENTITY: Self = Self {
        slope: 1.0,
        intercept: 0.0,
    };
}

/// Where one frame sits in the patient, and how its values scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameHeader {
    /// Frame number within its file (0 for single-frame files).
    pub frame: u32,
    /// Image Position (Patient) of the first pixel, LPS mm.
    pub position: Option<Vec3>,
    /// Image Orientation (Patient): row cosine then column cosine.
    pub orientation: Option<[f64; 6]>,
    /// Pixel Spacing: between rows, then between columns (mm), as DICOM orders it.
    pub pixel_spacing: Option<[f64; 2]>,
    pub rescale: Rescale,
}

/// Identity of the series, study and patient a file belongs to, and series-level facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SeriesFacts {
    pub patient_id: Option<String>,
    pub patient_name: Option<String>,
    pub study_uid: String,
    pub study_date: Option<String>,
    pub study_time: Option<String>,
    pub study_description: Option<String>,
    pub series_uid: String,
    pub series_number: Option<i64>,
    pub series_date: Option<String>,
    pub series_time: Option<String>,
    pub series_description: Option<String>,
    pub modality: Option<String>,
    pub frame_of_reference_uid: Option<String>,
    pub contrast_agent: Option<String>,
    pub field_strength_t: Option<f64>,
    pub slice_thickness_mm: Option<f64>,
    pub manufacturer: Option<String>,
    /// The display window the scanner suggests (Window Center, Window Width), in rescaled units.
    pub window: Option<[f64; 2]>,
}

/// Everything read from one file's header.
#[derive(Debug, Clone, Serialize)]
pub struct FileHeader {
    pub path: PathBuf,
    pub sop_class_uid: String,
    pub sop_instance_uid: Option<String>,
    pub transfer_syntax: String,
    pub instance_number: Option<i64>,
    pub facts: SeriesFacts,
    /// `None` for objects without pixel data (reports, presentation states...).
    pub pixel: Option<PixelFormat>,
    pub frames: Vec<FrameHeader>,
    /// Size of the file in bytes, to catch truncated pixel data before decoding.
    pub file_len: u64,
}

/// What a file turned out to be.
#[derive(Debug)]
pub enum FileKind {
    Image(Box<FileHeader>),
    /// A DICOMDIR: listed, not loaded.
    Directory,
}

/// Hard ceilings on header values, checked before anything is allocated.
pub const MAX_EDGE: u32 = 16_384;
pub const MAX_FRAMES: u32 = 65_536;

/// Reads a file's header (stopping before Pixel Data).
pub fn read_header(path: &Path) -> Result<FileKind> {
    let file_len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    super::guard::check_header(path)?;
    let obj = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .map_err(|e| Error::NotDicom {
            path: path.to_owned(),
            reason: first_line(&e.to_string()),
        })?;
    let meta = obj.meta();
    let sop_class = trim_uid(&meta.media_storage_sop_class_uid);
    if sop_class == DICOMDIR_SOP_CLASS {
        return Ok(FileKind::Directory);
    }
    let transfer_syntax = trim_uid(&meta.transfer_syntax);
    let header = header_from_dataset(path, &obj, sop_class, transfer_syntax, file_len)?;
    // Refuse truncated native pixel data now, before anyone allocates a volume for it.
    if let Some(need) = header.pixel_bytes_on_disk()
        && need > file_len
    {
        return Err(Error::Limits {
            subject: path.display().to_string(),
            problem: format!(
                "pixel data shorter than declared: {need} bytes needed, the file has {file_len}"
            ),
        });
    }
    Ok(FileKind::Image(Box::new(header)))
}

/// Builds a [`FileHeader`] from a parsed data set (shared with the loader, which parses the
/// whole file).
pub fn header_from_dataset(
    path: &Path,
    obj: &DataSet,
    sop_class_uid: String,
    transfer_syntax: String,
    file_len: u64,
) -> Result<FileHeader> {
    let facts = series_facts(obj).ok_or_else(|| Error::NotDicom {
        path: path.to_owned(),
        reason: "no Series Instance UID".into(),
    })?;
    let pixel = pixel_format(path, obj)?;
    let frames = match &pixel {
        Some(_) => frame_headers(path, obj)?,
        None => Vec::new(),
    };
    Ok(FileHeader {
        path: path.to_owned(),
        sop_class_uid,
        sop_instance_uid: text(obj, tags::SOP_INSTANCE_UID),
        transfer_syntax,
        instance_number: int(obj, tags::INSTANCE_NUMBER),
        facts,
        pixel,
        frames,
        file_len,
    })
}

fn series_facts(obj: &DataSet) -> Option<SeriesFacts> {
    let contrast_agent = text(obj, tags::CONTRAST_BOLUS_AGENT).or_else(|| {
        // Enhanced MR carries the agent in the Contrast/Bolus Agent Sequence.
        attrs::first_item(obj, tags::CONTRAST_BOLUS_AGENT_SEQUENCE)
            .and_then(|item| text(item, tags::CODE_MEANING).or(Some("yes".into())))
    });
    Some(SeriesFacts {
        patient_id: text(obj, tags::PATIENT_ID),
        patient_name: text(obj, tags::PATIENT_NAME),
        study_uid: text(obj, tags::STUDY_INSTANCE_UID).unwrap_or_else(|| "unknown-study".into()),
        study_date: text(obj, tags::STUDY_DATE),
        study_time: text(obj, tags::STUDY_TIME),
        study_description: text(obj, tags::STUDY_DESCRIPTION),
        series_uid: text(obj, tags::SERIES_INSTANCE_UID)?,
        series_number: int(obj, tags::SERIES_NUMBER),
        series_date: text(obj, tags::SERIES_DATE),
        series_time: text(obj, tags::SERIES_TIME),
        series_description: text(obj, tags::SERIES_DESCRIPTION)
            .or_else(|| text(obj, tags::PROTOCOL_NAME)),
        modality: text(obj, tags::MODALITY),
        frame_of_reference_uid: text(obj, tags::FRAME_OF_REFERENCE_UID),
        contrast_agent,
        field_strength_t: float(obj, tags::MAGNETIC_FIELD_STRENGTH),
        slice_thickness_mm: float(obj, tags::SLICE_THICKNESS).or_else(|| {
            let shared = attrs::first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
            in_groups(&[shared], tags::PIXEL_MEASURES_SEQUENCE, |m| {
                float(m, tags::SLICE_THICKNESS)
            })
        }),
        manufacturer: text(obj, tags::MANUFACTURER),
        window: match (
            float(obj, tags::WINDOW_CENTER),
            float(obj, tags::WINDOW_WIDTH),
        ) {
            (Some(center), Some(width)) if width > 0.0 => Some([center, width]),
            _ => None,
        },
    })
}

fn pixel_format(path: &Path, obj: &DataSet) -> Result<Option<PixelFormat>> {
    let (Some(rows), Some(columns)) = (int(obj, tags::ROWS), int(obj, tags::COLUMNS)) else {
        return Ok(None);
    };
    let limits = |problem: String| Error::Limits {
        subject: path.display().to_string(),
        problem,
    };
    let edge = |v: i64, name: &str| -> Result<u32> {
        u32::try_from(v)
            .ok()
            .filter(|v| (1..=MAX_EDGE).contains(v))
            .ok_or_else(|| limits(format!("{name} = {v} (allowed 1..={MAX_EDGE})")))
    };
    let rows = edge(rows, "Rows")?;
    let columns = edge(columns, "Columns")?;
    let bits_allocated = int(obj, tags::BITS_ALLOCATED).unwrap_or(16);
    let bits_allocated = u16::try_from(bits_allocated)
        .ok()
        .filter(|b| [1, 8, 16, 32].contains(b))
        .ok_or_else(|| Error::Unsupported {
            path: path.to_owned(),
            what: format!("Bits Allocated = {bits_allocated}"),
        })?;
    let bits_stored = int(obj, tags::BITS_STORED)
        .and_then(|b| u16::try_from(b).ok())
        .filter(|b| (1..=bits_allocated).contains(b))
        .unwrap_or(bits_allocated);
    let samples_per_pixel = int(obj, tags::SAMPLES_PER_PIXEL)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(1);
    Ok(Some(PixelFormat {
        rows,
        columns,
        samples_per_pixel,
        bits_allocated,
        bits_stored,
        signed: int(obj, tags::PIXEL_REPRESENTATION) == Some(1),
        photometric: text(obj, tags::PHOTOMETRIC_INTERPRETATION)
            .unwrap_or_else(|| "MONOCHROME2".into()),
    }))
}

/// Number of frames, position, orientation, spacing and rescale per frame. Classic objects have
/// one frame described at the top level; enhanced multi-frame objects describe each frame in
/// functional groups (per-frame first, then shared).
fn frame_headers(path: &Path, obj: &DataSet) -> Result<Vec<FrameHeader>> {
    let n_frames = int(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1);
    let n_frames = u32::try_from(n_frames)
        .ok()
        .filter(|n| (1..=MAX_FRAMES).contains(n))
        .ok_or_else(|| Error::Limits {
            subject: path.display().to_string(),
            problem: format!("Number of Frames = {n_frames} (allowed 1..={MAX_FRAMES})"),
        })?;
    let top_rescale = rescale_of(obj);
    let shared = attrs::first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    let per_frame = attrs::items(obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    let enhanced = shared.is_some() || !per_frame.is_empty();
    let frames = (0..n_frames)
        .map(|frame| {
            if !enhanced {
                return FrameHeader {
                    frame,
                    // Classic multi-frame objects describe only the first frame's position.
                    position: (frame == 0)
                        .then(|| fixed(obj, tags::IMAGE_POSITION_PATIENT))
                        .flatten(),
                    orientation: fixed(obj, tags::IMAGE_ORIENTATION_PATIENT),
                    pixel_spacing: fixed(obj, tags::PIXEL_SPACING),
                    rescale: top_rescale.unwrap_or(Rescale::IDENTITY),
                };
            }
            let groups = [per_frame.get(frame as usize), shared];
            FrameHeader {
                frame,
                position: in_groups(&groups, tags::PLANE_POSITION_SEQUENCE, |s| {
                    fixed(s, tags::IMAGE_POSITION_PATIENT)
                }),
                orientation: in_groups(&groups, tags::PLANE_ORIENTATION_SEQUENCE, |s| {
                    fixed(s, tags::IMAGE_ORIENTATION_PATIENT)
                })
                .or_else(|| fixed(obj, tags::IMAGE_ORIENTATION_PATIENT)),
                pixel_spacing: in_groups(&groups, tags::PIXEL_MEASURES_SEQUENCE, |s| {
                    fixed(s, tags::PIXEL_SPACING)
                })
                .or_else(|| fixed(obj, tags::PIXEL_SPACING)),
                rescale: in_groups(
                    &groups,
                    tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
                    rescale_of,
                )
                .or(top_rescale)
                .unwrap_or(Rescale::IDENTITY),
            }
        })
        .collect();
    Ok(frames)
}

fn rescale_of(obj: &DataSet) -> Option<Rescale> {
    let slope = float(obj, tags::RESCALE_SLOPE);
    let intercept = float(obj, tags::RESCALE_INTERCEPT);
    if slope.is_none() && intercept.is_none() {
        return None;
    }
    Some(Rescale {
        // A zero slope would erase the image: treat it as absent.
        slope: slope.filter(|s| *s != 0.0).unwrap_or(1.0),
        intercept: intercept.unwrap_or(0.0),
    })
}

/// UIDs are padded with NUL or space to an even length.
pub fn trim_uid(uid: &str) -> String {
    uid.trim_end_matches(['\0', ' ']).to_owned()
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_owned()
}

impl FileHeader {
    /// Bytes the pixel data of a native (uncompressed) file must hold once parsed, if native.
    /// For a deflated file that is the inflated length, which the file's size says nothing about.
    pub fn native_pixel_bytes(&self) -> Option<u64> {
        let pixel = self.pixel.as_ref()?;
        if !NATIVE_SYNTAXES.contains(&self.transfer_syntax.as_str()) {
            return None;
        }
        let samples = u64::from(pixel.rows)
            * u64::from(pixel.columns)
            * u64::from(pixel.samples_per_pixel)
            * self.frames.len() as u64;
        Some(if pixel.bits_allocated == 1 {
            samples.div_ceil(8)
        } else {
            samples * u64::from(pixel.bits_allocated / 8)
        })
    }

    /// Bytes of pixel data the file itself must hold, when its size can tell truncation: native
    /// syntaxes stored as they are. `None` for deflated files, whose size on disk is the
    /// compressed size (a truncated deflate stream is refused when the file is parsed), and for
    /// encapsulated ones.
    pub fn pixel_bytes_on_disk(&self) -> Option<u64> {
        if self.transfer_syntax == DEFLATED_SYNTAX {
            return None;
        }
        self.native_pixel_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(transfer_syntax: &str) -> FileHeader {
        FileHeader {
            path: PathBuf::from("IM0001"),
            sop_class_uid: "1.2.840.10008.5.1.4.1.1.4".into(),
            sop_instance_uid: None,
            transfer_syntax: transfer_syntax.into(),
            instance_number: None,
            facts: SeriesFacts::default(),
            pixel: Some(PixelFormat {
                rows: 256,
                columns: 256,
                samples_per_pixel: 1,
                bits_allocated: 16,
                bits_stored: 12,
                signed: false,
                photometric: "MONOCHROME2".into(),
            }),
            frames: vec![FrameHeader {
                frame: 0,
                position: None,
                orientation: None,
                pixel_spacing: None,
                rescale: Rescale::IDENTITY,
            }],
            file_len: 79_067,
        }
    }

    #[test]
    fn the_file_size_bounds_pixel_data_only_when_stored_as_is() {
        for syntax in [
            "1.2.840.10008.1.2",
            "1.2.840.10008.1.2.1",
            "1.2.840.10008.1.2.2",
        ] {
            assert_eq!(
                header(syntax).pixel_bytes_on_disk(),
                Some(131_072),
                "{syntax}"
            );
        }
        // Deflated: 131 072 bytes once inflated, but the file's size is the deflated size.
        let deflated = header(DEFLATED_SYNTAX);
        assert_eq!(deflated.native_pixel_bytes(), Some(131_072));
        assert_eq!(deflated.pixel_bytes_on_disk(), None);
        // Encapsulated (JPEG-LS lossless): no native length at all.
        assert_eq!(header("1.2.840.10008.1.2.4.80").pixel_bytes_on_disk(), None);
    }
}
