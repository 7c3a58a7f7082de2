//! NIfTI-1 label volumes (`.nii.gz`) for research tools (FSL, ITK-SNAP, nibabel), read and
//! written through the `nifti` crate; this module adds the grid. NIfTI is RAS+ where DICOM is
//! LPS+: the affine flips x and y. Both the sform and the qform are written (code 1, scanner
//! space), so tools that read either agree.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use ndarray::Array3;
use nifti::writer::WriterOptions;
use nifti::{DataElement, Endianness, InMemNiftiVolume, NiftiError, NiftiHeader, NiftiType};

use crate::error::{Error, Result};
use crate::pipeline::geometry::{Geometry, GeometryProblem};
use crate::pipeline::image::Image;

const HEADER: usize = 348;
/// Header plus the four-byte "no extension" flag.
const VOX_OFFSET: usize = 352;

/// The header of a label map on `geometry`: everything but the shape and the voxel type,
/// which the writer takes from the array.
fn header(geometry: &Geometry, description: &str) -> NiftiHeader {
    // RAS rotation (columns = index axes) and its handedness.
    let d = geometry.direction;
    let ras = |row: usize, col: usize| if row < 2 { -d[row][col] } else { d[row][col] };
    let mut r: [[f64; 3]; 3] = std::array::from_fn(|row| std::array::from_fn(|col| ras(row, col)));
    let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
        - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    let qfac = if det < 0.0 { -1.0 } else { 1.0 };
    if qfac < 0.0 {
        for row in &mut r {
            row[2] = -row[2];
        }
    }
    let [b, c, dq] = quaternion_bcd(&r);
    let (s, o) = (geometry.spacing, geometry.origin);
    let srow = |row: usize| -> [f32; 4] {
        let origin = if row < 2 { -o[row] } else { o[row] };
        [
            ras(row, 0) * s[0],
            ras(row, 1) * s[1],
            ras(row, 2) * s[2],
            origin,
        ]
        .map(|v| v as f32)
    };
    let mut descrip = vec![0u8; 80];
    let text = description.as_bytes();
    let n = text.len().min(79);
    descrip[..n].copy_from_slice(&text[..n]);
    let mut intent_name = [0u8; 16];
    intent_name[..6].copy_from_slice(b"labels");
    NiftiHeader {
        pixdim: [qfac, s[0], s[1], s[2], 0.0, 0.0, 0.0, 0.0].map(|v| v as f32),
        xyzt_units: 2, // mm
        descrip,
        qform_code: 1, // scanner
        sform_code: 1,
        quatern_b: b as f32,
        quatern_c: c as f32,
        quatern_d: dq as f32,
        quatern_x: -o[0] as f32,
        quatern_y: -o[1] as f32,
        quatern_z: o[2] as f32,
        srow_x: srow(0),
        srow_y: srow(1),
        srow_z: srow(2),
        intent_name,
        endianness: Endianness::Little,
        ..NiftiHeader::default()
    }
}

/// Quaternion (b, c, d) of a proper rotation, with a = sqrt(1 − b² − c² − d²) ≥ 0 implied.
fn quaternion_bcd(r: &[[f64; 3]; 3]) -> [f64; 3] {
    let trace = r[0][0] + r[1][1] + r[2][2];
    let (a, b, c, d);
    if trace > 0.0 {
        let s = (trace + 1.0).sqrt() * 2.0;
        a = 0.25 * s;
        b = (r[2][1] - r[1][2]) / s;
        c = (r[0][2] - r[2][0]) / s;
        d = (r[1][0] - r[0][1]) / s;
    } else if r[0][0] > r[1][1] && r[0][0] > r[2][2] {
        let s = (1.0 + r[0][0] - r[1][1] - r[2][2]).sqrt() * 2.0;
        a = (r[2][1] - r[1][2]) / s;
        b = 0.25 * s;
        c = (r[0][1] + r[1][0]) / s;
        d = (r[0][2] + r[2][0]) / s;
    } else if r[1][1] > r[2][2] {
        let s = (1.0 + r[1][1] - r[0][0] - r[2][2]).sqrt() * 2.0;
        a = (r[0][2] - r[2][0]) / s;
        b = (r[0][1] + r[1][0]) / s;
        c = 0.25 * s;
        d = (r[1][2] + r[2][1]) / s;
    } else {
        let s = (1.0 + r[2][2] - r[0][0] - r[1][1]).sqrt() * 2.0;
        a = (r[1][0] - r[0][1]) / s;
        b = (r[0][2] + r[2][0]) / s;
        c = (r[1][2] + r[2][1]) / s;
        d = 0.25 * s;
    }
    // NIfTI wants a ≥ 0; (a, b, c, d) and its negative are the same rotation.
    if a < 0.0 { [-b, -c, -d] } else { [b, c, d] }
}

/// Writes `labels` on their grid as a gzipped NIfTI-1 file (unsigned 16-bit), atomically.
pub fn write_nifti_gz(path: &Path, labels: &Image<u16>, description: &str) -> Result<()> {
    let geometry = labels.geometry();
    let [ni, nj, nk] = labels.dims();
    let labels = labels.voxels();
    // The writer goes by the name (it gzips a `.nii.gz`) and would wrap a dimension past
    // NIfTI-1's signed 16 bits without a word.
    let problem = if !path.to_string_lossy().ends_with(".nii.gz") {
        "a gzipped NIfTI-1 file's name ends in .nii.gz".to_owned()
    } else if [ni, nj, nk].iter().any(|&n| n > i16::MAX as usize) {
        format!(
            "{ni} × {nj} × {nk}: NIfTI-1 dimensions stop at {}",
            i16::MAX
        )
    } else {
        String::new()
    };
    if !problem.is_empty() {
        return Err(Error::Format {
            path: path.to_path_buf(),
            problem,
        });
    }
    let header = header(geometry, description);
    // NIfTI runs i fastest: the transposed view, `[i, j, k]`, is what the writer lays out in
    // Fortran order. The temporary's name ends like `path`'s, in `.nii.gz`.
    crate::fsutil::write_atomic_with(path, |temp| {
        WriterOptions::new(temp)
            .reference_header(&header)
            .write_nifti(&labels.t())
            .map_err(std::io::Error::other)
    })
}

/// Reads a NIfTI-1 file (`.nii` or `.nii.gz`, told apart by content) of integer or float
/// labels (non-zero = lesion, rounded) as an image on its grid, from the sform (else the qform, else the
/// voxel sizes alone). Refuses what it cannot read with a message naming the file, and a grid
/// beyond [`crate::dicom::series::MAX_VOXELS`] before reading any voxel.
pub fn read_nifti(path: &Path) -> Result<Image<u32>> {
    let bad = |problem: String| Error::Format {
        path: path.to_path_buf(),
        problem,
    };
    let mut file = BufReader::new(std::fs::File::open(path).map_err(|e| Error::io(path, e))?);
    let gzipped = file
        .fill_buf()
        .map_err(|e| Error::io(path, e))?
        .starts_with(&[0x1f, 0x8b]);
    let mut source: Box<dyn Read> = if gzipped {
        Box::new(flate2::bufread::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut header = NiftiHeader::from_reader(&mut source).map_err(|e| {
        bad(match e {
            NiftiError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                "shorter than a NIfTI header".into()
            }
            NiftiError::Io(e) => format!("not readable: {e}"),
            _ => "not a NIfTI-1 file (no n+1 or ni1 magic)".into(),
        })
    })?;
    if header.sizeof_hdr != HEADER as i32 {
        return Err(bad("not a NIfTI-1 file (sizeof_hdr is not 348)".into()));
    }
    if &header.magic != nifti::header::MAGIC_CODE_NIP1 {
        return Err(bad("not a single-file NIfTI-1 (.nii) image".into()));
    }
    let rank = header.dim[0];
    let dims = header
        .dim()
        .map_err(|e| bad(format!("its dimensions: {e}")))?;
    if rank > 4 || (rank == 4 && dims[3] > 1) {
        return Err(bad(format!(
            "a {rank}-dimensional image; a 3D label map is needed"
        )));
    }
    let [ni, nj, nk] = std::array::from_fn(|n| dims.get(n).map_or(1, |&d| usize::from(d)));
    let count = [ni, nj, nk].map(|n| n as u64).iter().product::<u64>();
    if count > crate::dicom::series::MAX_VOXELS {
        return Err(bad(format!(
            "{ni} × {nj} × {nk} voxels is beyond the limit"
        )));
    }
    // The type is refused before any voxel is read, and bitpix made to agree with it: the
    // crate counts the bytes to read by bitpix.
    let datatype = header.data_type().ok();
    let to_labels: fn(InMemNiftiVolume) -> nifti::Result<Vec<u32>> = match datatype {
        Some(NiftiType::Uint8) => |v| labels_of::<u8>(v, f64::from),
        Some(NiftiType::Int8) => |v| labels_of::<i8>(v, f64::from),
        Some(NiftiType::Uint16) => |v| labels_of::<u16>(v, f64::from),
        Some(NiftiType::Int16) => |v| labels_of::<i16>(v, f64::from),
        Some(NiftiType::Uint32) => |v| labels_of::<u32>(v, f64::from),
        Some(NiftiType::Int32) => |v| labels_of::<i32>(v, f64::from),
        Some(NiftiType::Float32) => |v| labels_of::<f32>(v, f64::from),
        Some(NiftiType::Float64) => |v| labels_of::<f64>(v, |x| x),
        _ => {
            let code = header.datatype;
            return Err(bad(format!("voxel type {code} is not a label type")));
        }
    };
    header.bitpix = datatype.map_or(0, |t| 8 * t.size_of() as i16);
    // Skip the extensions (we keep none) up to the voxels.
    let offset = (header.vox_offset.max(VOX_OFFSET as f32)) as u64;
    std::io::copy(
        &mut (&mut source).take(offset - HEADER as u64),
        &mut std::io::sink(),
    )
    .map_err(|e| bad(format!("not a readable file: {e}")))?;
    let volume = InMemNiftiVolume::from_reader(source, &header).map_err(|e| {
        bad(match e {
            NiftiError::IncompatibleLength(..) => format!("holds fewer than its {count} voxels"),
            NiftiError::Io(e) => format!("voxels not readable: {e}"),
            e => e.to_string(),
        })
    })?;
    let values = to_labels(volume).map_err(|e| bad(format!("voxels not readable: {e}")))?;
    // NIfTI's Fortran order (i fastest) is the memory order of `[k, j, i]`.
    let labels = Array3::from_shape_vec((nk, nj, ni), values)
        .map_err(|e| bad(format!("voxels do not fit the grid: {e}")))?;
    let geometry =
        grid(&header).map_err(|e| bad(format!("its affine is not a rigid grid: {e}")))?;
    Image::new(labels, geometry, "its grid").map_err(|e| bad(e.to_string()))
}

/// The volume's values as labels: positive values rounded, everything else 0.
fn labels_of<T: DataElement>(
    volume: InMemNiftiVolume,
    to_f64: fn(T) -> f64,
) -> nifti::Result<Vec<u32>> {
    let label = |v: f64| {
        if v.is_finite() && v > 0.0 {
            v.round().min(f64::from(u32::MAX)) as u32
        } else {
            0
        }
    };
    Ok(volume
        .into_nifti_typed_data::<T>()?
        .into_iter()
        .map(|v| label(to_f64(v)))
        .collect())
}

/// The grid in patient LPS of a header's affine: the sform, else the qform's rotation scaled
/// by the voxel sizes, else the voxel sizes alone.
fn grid(h: &NiftiHeader) -> std::result::Result<Geometry, GeometryProblem> {
    let pixdim = [h.pixdim[1], h.pixdim[2], h.pixdim[3]].map(|v| f64::from(v.abs()).max(1e-6));
    let affine: [[f64; 4]; 3] = if h.sform_code > 0 {
        let rows = [h.srow_x, h.srow_y, h.srow_z];
        std::array::from_fn(|r| rows[r].map(f64::from))
    } else if h.qform_code > 0 {
        let [b, c, d] = [h.quatern_b, h.quatern_c, h.quatern_d].map(f64::from);
        let a = (1.0 - b * b - c * c - d * d).max(0.0).sqrt();
        let qfac = if h.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
        let rot = [
            [
                a * a + b * b - c * c - d * d,
                2.0 * (b * c - a * d),
                2.0 * (b * d + a * c),
            ],
            [
                2.0 * (b * c + a * d),
                a * a + c * c - b * b - d * d,
                2.0 * (c * d - a * b),
            ],
            [
                2.0 * (b * d - a * c),
                2.0 * (c * d + a * b),
                a * a + d * d - c * c - b * b,
            ],
        ];
        let offset = [h.quatern_x, h.quatern_y, h.quatern_z].map(f64::from);
        let s = [pixdim[0], pixdim[1], pixdim[2] * qfac];
        std::array::from_fn(|r| {
            [
                rot[r][0] * s[0],
                rot[r][1] * s[1],
                rot[r][2] * s[2],
                offset[r],
            ]
        })
    } else {
        std::array::from_fn(|r| std::array::from_fn(|c| if r == c { pixdim[r] } else { 0.0 }))
    };
    // RAS → LPS: x and y change sign.
    let lps = |r: usize, v: f64| if r < 2 { -v } else { v };
    let column = |c: usize| -> [f64; 3] { std::array::from_fn(|r| lps(r, affine[r][c])) };
    let spacing: [f64; 3] = std::array::from_fn(|c| crate::pipeline::geometry::norm(column(c)));
    let unit = |c: usize| column(c).map(|v| v / spacing[c].max(1e-12));
    let geometry = Geometry {
        origin: std::array::from_fn(|r| lps(r, affine[r][3])),
        spacing,
        direction: crate::pipeline::geometry::from_columns(unit(0), unit(1), unit(2)),
    };
    geometry.validate()?;
    Ok(geometry)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `write_nifti_gz` of `labels` on `geometry`.
    fn write(path: &Path, labels: &Array3<u16>, geometry: &Geometry, text: &str) -> Result<()> {
        let image = Image::new(labels.clone(), *geometry, "test").unwrap();
        write_nifti_gz(path, &image, text)
    }

    /// The bytes `write_nifti_gz` puts in a file, gunzipped.
    fn nifti_bytes(labels: &Array3<u16>, geometry: &Geometry, description: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.nii.gz");
        write(&path, labels, geometry, description).unwrap();
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    }

    #[test]
    fn header_fields_and_affine_in_ras() {
        let geometry = Geometry::axis_aligned([10.0, 20.0, 30.0], [0.5, 0.5, 2.0]);
        let mut labels = Array3::<u16>::zeros((3, 4, 5));
        labels[(2, 3, 4)] = 7;
        let bytes = nifti_bytes(&labels, &geometry, "test");
        let i16_at = |at: usize| i16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let f32_at = |at: usize| {
            f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        assert_eq!(bytes.len(), 352 + 3 * 4 * 5 * 2);
        assert_eq!((i16_at(42), i16_at(44), i16_at(46)), (5, 4, 3));
        assert_eq!(&bytes[344..348], b"n+1\0");
        // srow_x = [-0.5, 0, 0, -10]; srow_z = [0, 0, 2, 30].
        assert_eq!(
            [f32_at(280), f32_at(284), f32_at(288), f32_at(292)],
            [-0.5, 0.0, 0.0, -10.0]
        );
        assert_eq!(
            [f32_at(312), f32_at(316), f32_at(320), f32_at(324)],
            [0.0, 0.0, 2.0, 30.0]
        );
        // LPS identity is a 180° turn about z in RAS: quaternion (0, 0, 0, 1).
        assert_eq!([f32_at(256), f32_at(260), f32_at(264)], [0.0, 0.0, 1.0]);
        // The last voxel is the 7.
        assert_eq!(&bytes[bytes.len() - 2..], &7u16.to_le_bytes());
    }

    #[test]
    fn read_back_what_was_written_on_an_oblique_grid() {
        let (a, c) = (0.3f64, 0.2f64);
        let geometry = Geometry {
            origin: [12.0, -40.5, 7.25],
            spacing: [0.8, 1.2, 3.0],
            direction: crate::pipeline::geometry::from_columns(
                [a.cos(), a.sin(), 0.0],
                [-a.sin() * c.cos(), a.cos() * c.cos(), c.sin()],
                crate::pipeline::geometry::cross(
                    [a.cos(), a.sin(), 0.0],
                    [-a.sin() * c.cos(), a.cos() * c.cos(), c.sin()],
                ),
            ),
        };
        let mut labels = Array3::<u16>::zeros((4, 5, 6));
        labels[(3, 4, 5)] = 9;
        labels[(1, 2, 0)] = 2;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.nii.gz");
        write(&path, &labels, &geometry, "t").unwrap();
        let read = read_nifti(&path).unwrap();
        assert_eq!(read.voxels(), labels.mapv(u32::from));
        let read_geometry = *read.geometry();
        for n in 0..3 {
            assert!((read_geometry.origin[n] - geometry.origin[n]).abs() < 1e-4);
            assert!((read_geometry.spacing[n] - geometry.spacing[n]).abs() < 1e-5);
            for m in 0..3 {
                assert!((read_geometry.direction[n][m] - geometry.direction[n][m]).abs() < 1e-5);
            }
        }
        // Not NIfTI, truncated: errors naming the file, no panic.
        std::fs::write(&path, b"hello").unwrap();
        assert!(
            read_nifti(&path)
                .unwrap_err()
                .to_string()
                .contains("x.nii.gz")
        );
        let mut raw = nifti_bytes(&labels, &geometry, "t");
        raw.truncate(400);
        std::fs::write(&path, raw).unwrap();
        assert!(
            read_nifti(&path)
                .unwrap_err()
                .to_string()
                .contains("fewer than")
        );
    }

    /// A `.nii` of `bytes` read back: the labels' shape, or the error.
    fn read_raw(bytes: &[u8]) -> std::result::Result<(usize, usize, usize), String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.nii");
        std::fs::write(&path, bytes).unwrap();
        read_nifti(&path)
            .map(|n| n.voxels().dim())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn hostile_headers_are_refused_without_panic_or_allocation() {
        let geometry = Geometry::axis_aligned([0.0; 3], [1.0; 3]);
        let good = nifti_bytes(&Array3::<u16>::ones((2, 3, 4)), &geometry, "");
        assert_eq!(read_raw(&good), Ok((2, 3, 4)));
        let patched = |edits: &[(usize, &[u8])]| {
            let mut bytes = good.clone();
            for (at, value) in edits {
                bytes[*at..*at + value.len()].copy_from_slice(value);
            }
            bytes
        };
        let dims = |d: [u16; 4]| -> Vec<u8> { d.iter().flat_map(|v| v.to_le_bytes()).collect() };
        // 65535³ voxels (562 TB of u16) and 65535² × 512: refused before any voxel is read.
        let huge = patched(&[(40, &dims([3, 65535, 65535, 65535]))]);
        assert!(read_raw(&huge).unwrap_err().contains("beyond the limit"));
        let big = patched(&[(40, &dims([3, 65535, 65535, 512]))]);
        assert!(read_raw(&big).unwrap_err().contains("beyond the limit"));
        // The same, gzipped: the header is read from the stream, nothing more.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.nii.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &huge).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let error = read_nifti(&path).unwrap_err().to_string();
        assert!(error.contains("beyond the limit"), "{error}");
        // A gzip stream cut short, inside the header and inside the voxels.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &good).unwrap();
        let zipped = gz.finish().unwrap();
        for cut in [12, zipped.len() - 12] {
            std::fs::write(&path, &zipped[..cut]).unwrap();
            assert!(read_nifti(&path).is_err(), "cut at {cut}");
        }
        // Zero, negative (65535 as u16) and 5D dimensions, an unknown voxel type, bitpix that
        // disagrees with the type, a voxel offset past the end or not a number.
        for (bytes, error) in [
            (patched(&[(40, &dims([3, 4, 0, 2]))]), "dim"),
            (patched(&[(40, &dims([3, 4, 65535, 2]))]), "fewer than"),
            (patched(&[(40, &dims([5, 4, 3, 2]))]), "5-dimensional"),
            (patched(&[(70, &1234i16.to_le_bytes())]), "voxel type 1234"),
            (patched(&[(108, &1e9f32.to_le_bytes())]), "fewer than"),
            (
                patched(&[(108, &f32::INFINITY.to_le_bytes())]),
                "fewer than",
            ),
        ] {
            let read = read_raw(&bytes);
            assert!(read.as_ref().is_err_and(|e| e.contains(error)), "{read:?}");
        }
        assert_eq!(
            read_raw(&patched(&[(72, &8i16.to_le_bytes())])),
            Ok((2, 3, 4))
        );
        assert_eq!(
            read_raw(&patched(&[(108, &f32::NAN.to_le_bytes())])),
            Ok((2, 3, 4))
        );
        // 64 MiB of zeros after the 24 voxels a header declares: only those are read.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &good).unwrap();
        std::io::Write::write_all(&mut gz, &vec![0u8; 64 << 20]).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        assert_eq!(read_nifti(&path).unwrap().voxels().dim(), (2, 3, 4));
    }

    #[test]
    fn the_writer_refuses_what_it_would_write_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let geometry = Geometry::axis_aligned([0.0; 3], [1.0; 3]);
        let small = Array3::<u16>::zeros((2, 2, 2));
        let error = write(&dir.path().join("x.nii"), &small, &geometry, "");
        assert!(error.unwrap_err().to_string().contains(".nii.gz"));
        let long = Array3::<u16>::zeros((1, 1, 40_000));
        let error = write(&dir.path().join("x.nii.gz"), &long, &geometry, "");
        assert!(error.unwrap_err().to_string().contains("40000"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
