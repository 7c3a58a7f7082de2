//! Display maths, shared by the app's views and the report's key images so that a key image is
//! exactly what the screen showed: the plane reformat in radiological orientation
//! ([`plane`]), where it faces in the patient ([`orientation`]) and windowing ([`window`]). No egui here: the app turns these pixels into
//! textures.

pub mod orientation;
pub mod plane;
pub mod window;

pub use plane::{Plane, PlaneAxes, plane_axes};
pub use window::{Greyscale, Window, WindowPreset, auto_window, pair_windows, preset_window};
