//! Practice mode's panel: the case, the summary questions and Score; then the result: the
//! lesion scores, each answer right or wrong, every miss and false mark (click to go there),
//! the replay of misses, the case note and the trend over past rounds.

use egui::{Color32, RichText, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoints};
use tandem::training::score_text;

use crate::app::command::Command;
use crate::app::practice_state::Practice;

pub fn practice_panel_ui(ui: &mut Ui, practice: &Practice, commands: &mut Vec<Command>) {
    ui.heading(format!("Practice: {}", practice.case.file.label));
    match &practice.result {
        None => questions(ui, practice, commands),
        Some(_) => result(ui, practice, commands),
    }
    ui.horizontal(|ui| {
        let toggle = Command::ToggleCandidates;
        if practice.blind()
            && ui
                .button(toggle.text())
                .on_hover_text(toggle.tooltip())
                .clicked()
        {
            commands.push(toggle);
        }
        let end = Command::EndPractice;
        if ui.button(end.text()).on_hover_text(end.tooltip()).clicked() {
            commands.push(end);
        }
    });
}

fn questions(ui: &mut Ui, practice: &Practice, commands: &mut Vec<Command>) {
    ui.label("Mark every new and enlarging lesion at follow-up (the findings are hidden), answer, then Score.");
    let mut answers = practice.answers;
    egui::Grid::new("practice questions")
        .num_columns(2)
        .show(ui, |ui| {
            let count = |ui: &mut Ui, text: &str, value: &mut usize| {
                let label = ui.label(text);
                ui.add(egui::DragValue::new(value).range(0..=99))
                    .labelled_by(label.id);
                ui.end_row();
            };
            count(ui, "New T2/FLAIR lesions", &mut answers.new);
            count(ui, "Enlarging lesions", &mut answers.enlarging);
            if practice.case.file.answers.contrast_compared {
                count(ui, "Enhancing lesions", &mut answers.enhancing);
            }
            ui.label("Impression");
            ui.checkbox(&mut answers.active, "Radiologically active");
            ui.end_row();
        });
    if answers != practice.answers {
        commands.push(Command::SetAnswers(answers));
    }
    let score = Command::ScorePractice;
    if ui
        .button(RichText::new(score.text()).strong())
        .on_hover_text(score.tooltip())
        .clicked()
    {
        commands.push(score);
    }
}

fn result(ui: &mut Ui, practice: &Practice, commands: &mut Vec<Command>) {
    let Some(r) = &practice.result else {
        return;
    };
    let s = &r.score;
    ui.label(RichText::new(score_text::metrics_line(s)).strong());
    ui.label(score_text::totals_sentence(s));
    let a = &r.answers;
    let verdict = |ui: &mut Ui, what: &str, given: String, expected: String, right: bool| {
        let (mark, colour) = if right {
            ("right", Color32::from_rgb(120, 200, 120))
        } else {
            ("wrong", Color32::from_rgb(255, 120, 60))
        };
        ui.label(
            RichText::new(format!("{what}: you {given}, expert {expected} ({mark})")).color(colour),
        );
    };
    let yes = |b: bool| if b { "active" } else { "inactive" }.to_owned();
    verdict(
        ui,
        "New",
        a.given.new.to_string(),
        a.expected.new.to_string(),
        a.new_right,
    );
    verdict(
        ui,
        "Enlarging",
        a.given.enlarging.to_string(),
        a.expected.enlarging.to_string(),
        a.enlarging_right,
    );
    if a.expected.contrast_compared {
        verdict(
            ui,
            "Enhancing",
            a.given.enhancing.to_string(),
            a.expected.enhancing.to_string(),
            a.enhancing_right,
        );
    }
    verdict(
        ui,
        "Impression",
        yes(a.given.active),
        yes(a.expected.active),
        a.activity_right,
    );
    ui.separator();
    for (n, item) in score_text::score_items(s).iter().enumerate() {
        let yours = practice.yours.get(n).copied().flatten();
        jump_link(ui, item.label(yours), item.centroid_mm, commands);
    }
    if !s.false_marks.is_empty() {
        ui.weak(score_text::false_mark_rule(s));
    }
    if !s.misses.is_empty() {
        let replay = Command::ReplayMiss;
        if ui
            .button(replay.text())
            .on_hover_text(replay.tooltip())
            .clicked()
        {
            commands.push(replay);
        }
    }
    match &practice.saved {
        Some(Ok(path)) => {
            ui.weak(format!("Score report: {}", path.display()));
        }
        Some(Err(e)) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("Score report not saved: {e}"),
            );
        }
        None => {}
    }
    if let Some(note) = &practice.case.note {
        ui.separator();
        ui.strong("The expert's note");
        ui.label(note);
    }
    if practice.history.len() > 1 {
        ui.separator();
        ui.strong("Your rounds (lesion F1)");
        let points: PlotPoints = practice
            .history
            .iter()
            .enumerate()
            .map(|(n, h)| [n as f64 + 1.0, h.lesion_f1])
            .collect();
        Plot::new("practice history")
            .height(120.0)
            .include_y(0.0)
            .include_y(1.0)
            .legend(Legend::default())
            .allow_scroll(false)
            .show(ui, |plot| plot.line(Line::new("F1", points)));
    }
}

/// A link that moves every view to `mm`.
fn jump_link(ui: &mut Ui, text: String, mm: [f64; 3], commands: &mut Vec<Command>) {
    let jump = Command::JumpTo(mm);
    if ui.link(text).on_hover_text(jump.tooltip()).clicked() {
        commands.push(jump);
    }
}
