//! The value of a label volume: 0 is no lesion, 1.. a lesion's id (up to 65 535). Its own file
//! so that the encoders and the marks both depend on it, never on each other.

/// The label value type: lesion ids up to 65 535.
pub type Label = u16;
