//! The stages of a comparison: plain functions over plain data, no egui, no disk. `compare`
//! runs them in order; ARCHITECTURE.md says what each file does.
//!
//! | module | job |
//! |---|---|
//! | [`geometry`] | patient LPS geometry: origin, spacing, direction; index ↔ mm |
//! | [`image`] | `Image<T>`: voxels + geometry, built only through validation; the one `[i, j, k]` ↔ `(k, j, i)` conversion |
//! | [`volume`] | `Volume`, an image of intensities, and its statistics |
//! | [`transform`] | rigid transforms in patient mm |
//! | [`register`] | rigid registration of the follow-up onto the baseline (multi-resolution, robust) |
//! | [`resample`] | trilinear/nearest resampling onto a reference grid; the registration pyramid |
//! | [`bias`] | each exam's own slow intensity bias, estimated on white matter and divided out |
//! | [`tissue`] | normal-appearing white matter and the top of normal tissue, per exam |
//! | [`change`] | the voxel-diff core: brain mask, normalisation, difference and z-score maps, regions |
//! | [`lesion_find`], [`lesion_extent`] | lesions at each exam of a FLAIR/T2 pair, and their extent |
//! | [`lesion`] | lesions matched across exams: new, enlarging, persistent, shrinking, resolved |
//! | [`location`] | coarse lesion locations: periventricular, juxtacortical, infratentorial, deep white matter |
//! | [`morphology`] | components (26-connected), erosion/dilation, hole filling, Gaussian smoothing |
//! | [`intensity`] | intensity statistics: Otsu's threshold, values under a mask, quantiles |

pub mod bias;
pub mod change;
pub mod geometry;
pub mod image;
pub mod intensity;
pub mod lesion;
pub mod lesion_extent;
pub mod lesion_find;
pub mod location;
pub mod morphology;
pub mod register;
pub mod resample;
pub mod tissue;
pub mod transform;
pub mod volume;
