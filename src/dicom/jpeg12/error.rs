//! Why [`super::decode`] refused a stream: a kind of JPEG it does not decode, or a broken one.
//! The decoder's internals say what is wrong as text; this is the type that leaves the module.

/// Why a JPEG stream was not decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Jpeg12Error {
    /// A valid JPEG this decoder does not handle (progressive, lossless, hierarchical,
    /// arithmetic-coded, colour, other precisions, a height left to a DNL marker).
    #[error("{0}")]
    Unsupported(String),
    /// A stream that is broken or cut short.
    #[error("{0}")]
    Malformed(String),
}

impl From<String> for Jpeg12Error {
    fn from(reason: String) -> Self {
        Self::Malformed(reason)
    }
}

impl From<&str> for Jpeg12Error {
    fn from(reason: &str) -> Self {
        Self::Malformed(reason.to_owned())
    }
}
