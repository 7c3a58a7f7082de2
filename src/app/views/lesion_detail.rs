//! The selected lesion, editable: its type and note, and what can be done to its marks
//! (take the comparison's outline, split, merge, renumber, delete).

use egui::Ui;
use tandem::ids::LesionId;
use tandem::marks::LesionKind;
use tandem::reading::{ReadLesion, Source};

use super::marking_toolbar::mark_button;
use crate::app::command::Command;
use crate::app::marking::Mark;
use crate::app::review::Review;

pub fn lesion_detail_ui(
    ui: &mut Ui,
    review: &Review,
    lesion: &ReadLesion,
    commands: &mut Vec<Command>,
) {
    let id = lesion.id;
    ui.strong(format!("Selected: lesion {id}"));
    let marked = lesion.source != Source::Algorithm;
    if let Some(why) = status_reason(lesion) {
        ui.label(why);
    }
    ui.horizontal(|ui| {
        let label = ui.label("Type");
        let mut kind = lesion.kind;
        egui::ComboBox::from_id_salt(("lesion type", id))
            .selected_text(kind.name())
            .show_ui(ui, |ui| {
                for option in LesionKind::ALL {
                    ui.selectable_value(&mut kind, option, option.name());
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(Command::Mark(Mark::SetKind(id, kind)).tooltip());
        if kind != lesion.kind {
            commands.push(Command::Mark(Mark::SetKind(id, kind)));
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Note");
        let mut note = lesion.note.clone();
        let response = ui
            .add(egui::TextEdit::singleline(&mut note).desired_width(260.0))
            .labelled_by(label.id)
            .on_hover_text(Command::Mark(Mark::SetNote(id, String::new())).tooltip());
        if response.changed() {
            commands.push(Command::Mark(Mark::SetNote(id, note)));
        }
    });
    ui.horizontal_wrapped(|ui| {
        let from_comparison = review.found_by_comparison(id);
        mark_button(ui, Mark::Accept(id), from_comparison && !marked, commands);
        mark_button(ui, Mark::Split(id), marked, commands);
        mark_button(ui, Mark::Delete(id), marked, commands);
    });
    if marked {
        // Merge into / renumber to another id: the number is kept between frames in egui's
        // memory, so typing it does not touch the marks until the button is pressed.
        let target_id = ui.scope_id().with(("lesion target", id));
        let mut target: u16 = ui.data(|d| d.get_temp(target_id)).unwrap_or(id.label());
        ui.horizontal(|ui| {
            let label = ui.label("Other lesion");
            ui.add(egui::DragValue::new(&mut target).range(1..=u16::MAX))
                .labelled_by(label.id);
            let other = LesionId::from_label(target).unwrap_or(id);
            for mark in [
                Mark::Merge {
                    from: id,
                    into: other,
                },
                Mark::Relabel {
                    from: id,
                    to: other,
                },
            ] {
                mark_button(ui, mark, other != id, commands);
            }
        });
        ui.data_mut(|d| d.insert_temp(target_id, target));
    }
}

/// Why a marked lesion has its status, when the reader may not guess: its status comes from
/// its marked volumes, and one marked at follow-up only can only be new.
fn status_reason(lesion: &ReadLesion) -> Option<String> {
    let marked = lesion.source != Source::Algorithm;
    let v = &lesion.volume_mm3;
    (marked && v.baseline <= 0.0 && v.followup > 0.0).then(|| {
        "New: it is marked at follow-up only. If it was there before, mark it on the baseline \
         view too: its status then comes from the two volumes (enlarging, stable or shrinking)."
            .to_owned()
    })
}
