//! A [`Score`] in words, in one place: its lesions as [`ScoreItem`]s (found, missed, false
//! marks, each numbered, with its position and the expert's and the trainee's volumes) and the
//! sentences that say them: the command line's text, the score report's table and the practice
//! panel's links (which round positions to the millimetre to stay short) all come from here.

use super::score::{Score, ScoredLesion};
use crate::ids::LesionId;
use crate::pipeline::geometry::Vec3;

/// What became of one lesion of either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A reference lesion the marks detect.
    Found,
    /// A reference lesion the marks miss.
    Missed,
    /// A mark that matches no reference lesion.
    FalseMark,
}

impl Outcome {
    /// The word in the score report's table.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Found => "found",
            Outcome::Missed => "missed",
            Outcome::FalseMark => "false mark",
        }
    }

    /// Misses and false marks are what a trainee should look at.
    pub fn is_error(self) -> bool {
        self != Outcome::Found
    }
}

/// One lesion of a score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreItem {
    pub outcome: Outcome,
    /// 1-based, within its outcome.
    pub number: usize,
    /// Centre, patient LPS mm.
    pub centroid_mm: Vec3,
    /// The expert's volume (none for a false mark).
    pub reference_mm3: Option<f64>,
    /// The trainee's volume (none for a miss).
    pub marked_mm3: Option<f64>,
    /// A false mark inside an expert's lesion, covering too little of it.
    pub inside_reference: bool,
}

/// Every lesion of `s`: found, then missed, then false marks, each in the score's order.
pub fn score_items(s: &Score) -> Vec<ScoreItem> {
    let items = |outcome: Outcome, lesions: &[ScoredLesion]| -> Vec<ScoreItem> {
        lesions
            .iter()
            .enumerate()
            .map(|(n, l)| ScoreItem {
                outcome,
                number: n + 1,
                centroid_mm: l.centroid_mm,
                reference_mm3: match outcome {
                    Outcome::FalseMark => None,
                    _ => Some(l.volume_mm3),
                },
                marked_mm3: match outcome {
                    Outcome::Found => Some(l.marked_volume_mm3.unwrap_or(0.0)),
                    Outcome::Missed => None,
                    Outcome::FalseMark => Some(l.volume_mm3),
                },
                inside_reference: outcome == Outcome::FalseMark && l.inside_reference,
            })
            .collect()
    };
    let mut all = items(Outcome::Found, &s.detected);
    all.extend(items(Outcome::Missed, &s.misses));
    all.extend(items(Outcome::FalseMark, &s.false_marks));
    all
}

/// `(x, y, z)` to a tenth of a millimetre.
fn position(c: Vec3) -> String {
    format!("({:.1}, {:.1}, {:.1})", c[0], c[1], c[2])
}

/// A volume to the cubic millimetre, or "—".
fn volume(v: Option<f64>) -> String {
    v.map_or("—".to_owned(), |v| format!("{v:.0}"))
}

impl ScoreItem {
    /// The position for the score report's table (mm, LPS in its header).
    pub fn position(&self) -> String {
        position(self.centroid_mm)
    }

    /// The expert's volume for a table, "—" when there is none.
    pub fn reference_cell(&self) -> String {
        volume(self.reference_mm3)
    }

    /// The trainee's volume for a table, "—" when there is none.
    pub fn marked_cell(&self) -> String {
        volume(self.marked_mm3)
    }

    /// One line of the command line's text.
    pub fn sentence(&self) -> String {
        let at = position(self.centroid_mm);
        let reference = volume(self.reference_mm3);
        let marked = volume(self.marked_mm3);
        match self.outcome {
            Outcome::Found => format!("Found at {at} mm: {reference} mm³, marked {marked} mm³."),
            Outcome::Missed => format!("Missed at {at} mm: {reference} mm³."),
            Outcome::FalseMark if self.inside_reference => format!(
                "False mark at {at} mm: {marked} mm³, inside an expert lesion but covering too \
                 little of it."
            ),
            Outcome::FalseMark => format!("False mark at {at} mm: {marked} mm³."),
        }
    }

    /// The practice panel's link, to the millimetre: a found lesion or a false mark by the
    /// number the trainee's table gives it (`yours`), a miss as the expert's lesion there.
    pub fn label(&self, yours: Option<LesionId>) -> String {
        let c = self.centroid_mm;
        let at = format!("({:.0}, {:.0}, {:.0}) mm", c[0], c[1], c[2]);
        let reference = volume(self.reference_mm3);
        let marked = volume(self.marked_mm3);
        let mark = yours.map_or_else(|| "A mark".to_owned(), |id| format!("Your lesion {id}"));
        match self.outcome {
            Outcome::Found => {
                let expert = self.reference_mm3.unwrap_or(0.0);
                let error = (self.marked_mm3.unwrap_or(0.0) - expert) / expert.max(1e-9) * 100.0;
                format!(
                    "{mark} at {at}: found; expert {reference} mm³, yours {marked} mm³ \
                     ({error:+.0} %)"
                )
            }
            Outcome::Missed => format!("Missed: the expert's lesion at {at}, {reference} mm³"),
            Outcome::FalseMark if self.inside_reference => format!(
                "{mark} at {at}: inside the expert's lesion but too small ({marked} mm³): also a \
                 false mark"
            ),
            Outcome::FalseMark => format!("{mark} at {at}: a false mark, {marked} mm³"),
        }
    }
}

/// The lesion and voxel measures, as the score report states them.
pub fn metrics_sentence(s: &Score) -> String {
    format!(
        "Sensitivity {:.2}, PPV {:.2}, F1 {:.2}; voxel Dice {:.2} ({} reference lesions, {} \
         marked).",
        s.lesion_sensitivity,
        s.lesion_ppv,
        s.lesion_f1,
        s.dice,
        s.reference_lesions,
        s.marked_lesions,
    )
}

/// The measures on one line, F1 first, as the practice panel heads its result.
pub fn metrics_line(s: &Score) -> String {
    format!(
        "Lesion F1 {:.2} · sensitivity {:.2} · PPV {:.2} · Dice {:.2}",
        s.lesion_f1, s.lesion_sensitivity, s.lesion_ppv, s.dice
    )
}

/// How many lesions, found, missed and false.
pub fn totals_sentence(s: &Score) -> String {
    format!(
        "{} reference lesion(s), {} marked; {} found, {} missed, {} false mark(s).",
        s.reference_lesions,
        s.marked_lesions,
        s.detected.len(),
        s.misses.len(),
        s.false_marks.len()
    )
}

/// Why a mark counts as false (MSSEG-2's β).
pub fn false_mark_rule(s: &Score) -> String {
    format!(
        "A mark is false when it lies mostly outside the expert's lesions, or when the expert \
         lesion it covers lies more than {:.0} % outside your marks (MSSEG-2 rules).",
        s.settings.max_outside * 100.0
    )
}

/// The rules the score was made by.
pub fn rules_sentence(s: &Score) -> String {
    format!(
        "MSSEG-2 rules: overlap ≥ {:.0} %, lesions ≥ {} mm³",
        s.settings.min_overlap * 100.0,
        s.settings.min_volume_mm3
    )
}

/// The whole score as plain text, a line each: the counts, the measures, every lesion.
pub fn score_text(s: &Score) -> String {
    let mut out = format!(
        "Reference lesions: {}; marked lesions: {}.\n\
         Lesion sensitivity {:.2}, PPV {:.2}, F1 {:.2}; voxel Dice {:.2}.\n",
        s.reference_lesions,
        s.marked_lesions,
        s.lesion_sensitivity,
        s.lesion_ppv,
        s.lesion_f1,
        s.dice
    );
    for item in score_items(s) {
        out += &item.sentence();
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::ScoreSettings;

    fn lesion(x: f64, volume_mm3: f64, marked: Option<f64>) -> ScoredLesion {
        ScoredLesion {
            inside_reference: false,
            centroid_mm: [x, -2.04, 12.35],
            volume_mm3,
            marked_volume_mm3: marked,
        }
    }

    fn score() -> Score {
        Score {
            lesion_sensitivity: 0.5,
            lesion_ppv: 0.5,
            lesion_f1: 0.5,
            dice: 0.4,
            reference_lesions: 2,
            marked_lesions: 2,
            detected: vec![lesion(1.25, 40.0, Some(50.0))],
            misses: vec![lesion(-30.0, 9.6, None)],
            false_marks: vec![lesion(7.0, 5.0, None)],
            settings: ScoreSettings::default(),
        }
    }

    #[test]
    fn items_come_found_missed_false_each_numbered() {
        let items = score_items(&score());
        let outcomes: Vec<_> = items.iter().map(|i| (i.outcome, i.number)).collect();
        assert_eq!(
            outcomes,
            [
                (Outcome::Found, 1),
                (Outcome::Missed, 1),
                (Outcome::FalseMark, 1)
            ]
        );
        assert_eq!(
            [items[0].reference_cell(), items[0].marked_cell()],
            ["40", "50"]
        );
        assert_eq!(
            [items[1].reference_cell(), items[1].marked_cell()],
            ["10", "—"]
        );
        assert_eq!(
            [items[2].reference_cell(), items[2].marked_cell()],
            ["—", "5"]
        );
    }

    #[test]
    fn each_form_says_where_and_how_big() {
        let items = score_items(&score());
        let seven = LesionId::from_label(7);
        assert_eq!(
            items[0].label(seven),
            "Your lesion 7 at (1, -2, 12) mm: found; expert 40 mm³, yours 50 mm³ (+25 %)"
        );
        assert_eq!(
            items[1].label(None),
            "Missed: the expert's lesion at (-30, -2, 12) mm, 10 mm³"
        );
        assert_eq!(
            items[2].label(None),
            "A mark at (7, -2, 12) mm: a false mark, 5 mm³"
        );
        // A mark inside an expert lesion but too small for it says so.
        let small = ScoreItem {
            inside_reference: true,
            ..items[2]
        };
        assert_eq!(
            small.label(seven),
            "Your lesion 7 at (7, -2, 12) mm: inside the expert's lesion but too small (5 mm³): \
             also a false mark"
        );
        assert!(
            small
                .sentence()
                .ends_with("inside an expert lesion but covering too little of it.")
        );
        assert_eq!(
            score_text(&score()),
            "Reference lesions: 2; marked lesions: 2.\n\
             Lesion sensitivity 0.50, PPV 0.50, F1 0.50; voxel Dice 0.40.\n\
             Found at (1.2, -2.0, 12.3) mm: 40 mm³, marked 50 mm³.\n\
             Missed at (-30.0, -2.0, 12.3) mm: 10 mm³.\n\
             False mark at (7.0, -2.0, 12.3) mm: 5 mm³.\n"
        );
    }
}
