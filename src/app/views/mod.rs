//! Widgets as functions: each draws from the app's state and pushes commands; none owns domain
//! logic.

mod change_histogram;
mod compare_views;
mod exam_panel;
mod lesion_detail;
mod lesion_table;
mod marking_toolbar;
mod measure_overlay;
mod path_dialogs;
mod practice_panel;
mod report_panel;
mod series_list;
mod session_dialogs;
mod slice_view;
mod tool_gestures;
mod view_annotations;

pub use change_histogram::change_histogram_ui;
pub use compare_views::compare_views_ui;
pub use exam_panel::exam_panel_ui;
pub use lesion_table::lesion_table_ui;
pub use path_dialogs::{path_prompt_ui, report_form_ui};
pub use practice_panel::practice_panel_ui;
pub use report_panel::report_panel_ui;
pub use series_list::series_list_ui;
pub use session_dialogs::session_dialogs_ui;
pub use slice_view::SliceTexture;
