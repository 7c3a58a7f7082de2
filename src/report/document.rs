//! The report as a format-neutral document: a title, a table of facts, sections (a heading and
//! blocks: paragraphs of styled spans, lists, tables, rows of key images) and a sign-off.
//! `content.rs` builds it once from the report, with all of its wording; `html.rs` and `pdf.rs`
//! each render it, so report.html and report.pdf say the same thing in the same words.

/// How a run of text is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emphasis {
    Plain,
    /// Bold.
    Strong,
}

/// A run of text in one emphasis; `anchor` names it (an HTML id) for readers and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub emphasis: Emphasis,
    pub anchor: Option<String>,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            emphasis: Emphasis::Plain,
            anchor: None,
        }
    }

    pub fn strong(text: impl Into<String>) -> Self {
        Self {
            emphasis: Emphasis::Strong,
            ..Self::plain(text)
        }
    }

    /// The same span, named `anchor`.
    pub fn anchored(self, anchor: impl Into<String>) -> Self {
        Self {
            anchor: Some(anchor.into()),
            ..self
        }
    }
}

/// What a paragraph is for; each format sets each role its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Body,
    /// Fine print: notes on images, settings, who wrote the report.
    Small,
    /// The impression: larger and bold.
    Impression,
}

/// A paragraph; line breaks in its text are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub role: Role,
    pub anchor: Option<String>,
    pub spans: Vec<Span>,
}

impl Paragraph {
    pub fn new(role: Role, spans: Vec<Span>) -> Self {
        Self {
            role,
            anchor: None,
            spans,
        }
    }

    /// The text of all its spans.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// A bulleted list; `warning` lists are set as warnings (the exams' comparability).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub warning: bool,
    pub items: Vec<Vec<Span>>,
}

/// A table cell; header cells (a column's or a row's name) are shaded and bold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub header: bool,
}

impl Cell {
    pub fn header(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            header: true,
        }
    }

    pub fn data(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            header: false,
        }
    }
}

/// What a table holds, which sets its layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Pairs of a name and its value along each row (who and which exams).
    Facts,
    /// One lesion per row under a header row (repeated on each printed page).
    Lesions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub kind: TableKind,
    /// The header row (none for [`TableKind::Facts`]).
    pub header: Vec<Cell>,
    pub rows: Vec<Vec<Cell>>,
}

/// A key image of one lesion: PNG bytes, the text that stands for it and its caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure<'a> {
    pub lesion_id: crate::ids::LesionId,
    pub alt: String,
    pub caption: String,
    pub png: &'a [u8],
}

/// One block of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block<'a> {
    Paragraph(Paragraph),
    List(List),
    Table(Table),
    /// Key images, side by side where the page allows.
    Figures(Vec<Figure<'a>>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    pub heading: String,
    pub blocks: Vec<Block<'a>>,
}

/// Facts about the document itself (a PDF's metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The reader, when there is one.
    pub author: Option<String>,
    /// UTC, ISO 8601.
    pub written_at: String,
    /// The program and version that wrote it.
    pub generator: String,
}

/// The whole report, in the order it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a> {
    pub title: String,
    /// The title where space is short (a browser tab).
    pub short_title: String,
    /// Who and which exams, above the first section.
    pub facts: Table,
    pub sections: Vec<Section<'a>>,
    /// Who read it and what wrote it, after the last section.
    pub sign_off: Paragraph,
    /// A line for the foot of each printed page.
    pub footer: String,
    pub meta: Meta,
}

impl<'a> Document<'a> {
    /// The section headed `heading`.
    pub fn section(&self, heading: &str) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| s.heading == heading)
    }

    /// Every key image, in the order they appear.
    pub fn figures(&self) -> impl Iterator<Item = &Figure<'a>> {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::Figures(f) => Some(f.iter()),
                _ => None,
            })
            .flatten()
    }
}
