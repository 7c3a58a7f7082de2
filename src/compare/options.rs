//! What the caller of a comparison may choose: detection and registration settings, the
//! series to compare, and whether the chosen pair is post-contrast.

use serde::{Deserialize, Serialize};

use crate::pipeline::change::ChangeSettings;
use crate::pipeline::register::RegistrationSettings;

/// What the caller may choose.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CompareOptions {
    pub settings: ChangeSettings,
    pub registration: RegistrationSettings,
    /// Compare only this baseline series (with `followup_series`).
    pub baseline_series: Option<String>,
    pub followup_series: Option<String>,
    /// Treat the chosen pair as post-contrast (or not), whatever the headers say.
    pub contrast: Option<bool>,
}
