//! `report.html`: the report's [`Document`] as one self-contained page (styles inline, key
//! images embedded as PNG data) that a clinician can open and print.

use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::document::{Block, Cell, Document, Emphasis, Figure, List, Paragraph, Role, Span};
use super::document::{Table, TableKind};

/// Escapes text for HTML (element content and attribute values).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes element content only (`&`, `<`, `>`): what headings need, quotes kept as typed.
fn escape_content(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;\
color:#111;line-height:1.4}h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #ccc;\
margin-top:1.6em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;\
padding:.25em .5em;text-align:left}th{background:#f3f3f3}.impression{font-weight:bold;\
font-size:1.1em}.warn{color:#a50}figure{display:inline-block;margin:.5em;page-break-inside:avoid}\
figcaption{font-size:.9em}.small{font-size:.85em;color:#555}@media print{body{margin:0}}";

/// The whole page.
pub fn render(doc: &Document) -> String {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        escape_content(&doc.short_title),
        escape_content(&doc.title),
    );
    table(&mut h, &doc.facts);
    for section in &doc.sections {
        let _ = writeln!(h, "<h2>{}</h2>", escape_content(&section.heading));
        for block in &section.blocks {
            match block {
                Block::Paragraph(p) => paragraph(&mut h, p),
                Block::List(l) => list(&mut h, l),
                Block::Table(t) => table(&mut h, t),
                Block::Figures(f) => f.iter().for_each(|f| figure(&mut h, f)),
            }
        }
    }
    paragraph(&mut h, &doc.sign_off);
    h += "</body></html>\n";
    h
}

/// Spans in their emphasis, named ones with their id.
fn spans(spans: &[Span]) -> String {
    let mut out = String::new();
    for s in spans {
        let text = escape(&s.text);
        let id = s
            .anchor
            .as_ref()
            .map_or(String::new(), |a| format!(" id=\"{}\"", escape(a)));
        match (s.emphasis, s.anchor.is_some()) {
            (Emphasis::Strong, _) => {
                let _ = write!(out, "<b{id}>{text}</b>");
            }
            (Emphasis::Plain, true) => {
                let _ = write!(out, "<span{id}>{text}</span>");
            }
            (Emphasis::Plain, false) => out += &text,
        }
    }
    out
}

fn paragraph(h: &mut String, p: &Paragraph) {
    let class = match p.role {
        Role::Body => "",
        Role::Small => " class=\"small\"",
        Role::Impression => " class=\"impression\"",
    };
    let id = p
        .anchor
        .as_ref()
        .map_or(String::new(), |a| format!(" id=\"{}\"", escape(a)));
    let _ = writeln!(
        h,
        "<p{class}{id}>{}</p>",
        spans(&p.spans).replace('\n', "<br>")
    );
}

fn list(h: &mut String, l: &List) {
    *h += if l.warning {
        "<ul class=\"warn\">"
    } else {
        "<ul>"
    };
    for item in &l.items {
        let _ = write!(h, "<li>{}</li>", spans(item));
    }
    *h += "</ul>\n";
}

/// A facts table on one line; a lesion table with a row per line.
fn table(h: &mut String, t: &Table) {
    let row = |cells: &[Cell]| -> String {
        let cells: String = cells
            .iter()
            .map(|c| {
                let tag = if c.header { "th" } else { "td" };
                format!("<{tag}>{}</{tag}>", escape(&c.text))
            })
            .collect();
        format!("<tr>{cells}</tr>")
    };
    let end = match t.kind {
        TableKind::Facts => "",
        TableKind::Lesions => "\n",
    };
    *h += "<table>";
    if !t.header.is_empty() {
        *h += &row(&t.header);
        *h += end;
    }
    for r in &t.rows {
        *h += &row(r);
        *h += end;
    }
    *h += "</table>\n";
}

fn figure(h: &mut String, f: &Figure) {
    let _ = writeln!(
        h,
        "<figure id=\"key-{}\"><img alt=\"{}\" src=\"data:image/png;base64,{}\">\
         <figcaption>{}</figcaption></figure>",
        f.lesion_id,
        escape(&f.alt),
        STANDARD.encode(f.png),
        escape(&f.caption)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::{Meta, Section};

    fn doc(blocks: Vec<Block<'_>>) -> Document<'_> {
        Document {
            title: "Title".into(),
            short_title: "Short".into(),
            facts: Table {
                kind: TableKind::Facts,
                header: Vec::new(),
                rows: vec![vec![Cell::header("Patient"), Cell::data("DOE & co")]],
            },
            sections: vec![Section {
                heading: "Reader's notes".into(),
                blocks,
            }],
            sign_off: Paragraph::new(Role::Small, vec![Span::plain("Written.")]),
            footer: String::new(),
            meta: Meta {
                author: None,
                written_at: String::new(),
                generator: String::new(),
            },
        }
    }

    #[test]
    fn spans_paragraphs_and_tables_are_set_as_the_report_has_them() {
        let page = render(&doc(vec![
            Block::List(List {
                warning: false,
                items: vec![vec![
                    Span::plain("New T2/FLAIR lesions: "),
                    Span::plain("not assessed (no T2/FLAIR series compared)").anchored("count-new"),
                    Span::plain("."),
                ]],
            }),
            Block::Paragraph(Paragraph {
                role: Role::Impression,
                anchor: Some("impression".into()),
                spans: vec![Span::plain("a <b>\nnext"), Span::strong("2").anchored("n")],
            }),
            Block::Table(Table {
                kind: TableKind::Lesions,
                header: vec![Cell::header("Lesion")],
                rows: vec![vec![Cell::data("it's")]],
            }),
        ]));
        for needle in [
            "<title>Short</title>",
            "<h1>Title</h1>\n<table><tr><th>Patient</th><td>DOE &amp; co</td></tr></table>\n",
            "<h2>Reader's notes</h2>\n",
            "<ul><li>New T2/FLAIR lesions: <span id=\"count-new\">not assessed (no T2/FLAIR \
             series compared)</span>.</li></ul>\n",
            "<p class=\"impression\" id=\"impression\">a &lt;b&gt;<br>next<b id=\"n\">2</b></p>\n",
            "<table><tr><th>Lesion</th></tr>\n<tr><td>it&#39;s</td></tr>\n</table>\n",
            "<p class=\"small\">Written.</p>\n</body></html>\n",
        ] {
            assert!(page.contains(needle), "{needle} not in {page}");
        }
    }

    #[test]
    fn key_images_are_embedded() {
        let png = [1u8, 2, 3];
        let page = render(&doc(vec![Block::Figures(vec![Figure {
            lesion_id: crate::ids::LesionId::from_label(7).unwrap(),
            alt: "Lesion 7".into(),
            caption: "Lesion 7: new".into(),
            png: &png,
        }])]));
        assert!(page.contains(
            "<figure id=\"key-7\"><img alt=\"Lesion 7\" src=\"data:image/png;base64,AQID\">\
             <figcaption>Lesion 7: new</figcaption></figure>\n"
        ));
    }
}
