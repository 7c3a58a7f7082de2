//! Why report.pdf could not be made (`pdf`, `pdf_layout`, `pdf_draw`): the report folder is
//! still written, with a warning that says this.

/// Why the PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// An embedded font that could not be read (the reader's message).
    #[error("font: {0}")]
    Font(String),
    /// A key image's PNG that krilla could not read.
    #[error("key image of lesion {lesion_id}: {reason}")]
    KeyImage {
        lesion_id: crate::ids::LesionId,
        reason: String,
    },
    /// The A4 page size was refused.
    #[error("bad page size")]
    PageSize,
    /// krilla could not finish the document (its error, as it prints itself).
    #[error("{0}")]
    Document(String),
}
