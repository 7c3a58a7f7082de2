//! Widgets as functions: each draws from the app's state and pushes commands; none owns domain
//! logic.

mod exam_panel;
mod series_list;
mod slice_view;

pub use exam_panel::exam_panel_ui;
pub use series_list::series_list_ui;
pub use slice_view::SliceTexture;
