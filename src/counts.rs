//! What a follow-up report counts, and the one rule for what it may count: a finding is
//! counted only when a compared series can show it (CLINICAL.md, "What the report must
//! state"). New and enlarging T2 lesions need a FLAIR or T2 pair; enhancing lesions need a
//! post-contrast T1. Anything no compared series can show is "not assessed", never 0, and the
//! impression (active or inactive) rests only on what was assessed and names what was not.
//! Changes no lesion explains ([`crate::pipeline::lesion::Status::Unexplained`]) that the reader has not
//! decided on are counted apart: while any remains the verdict is never "inactive"
//! ([`Verdict::Undecided`]).
//!
//! [`Counts`] is shared by the comparison's summary (`compare::Summary`) and the reading's
//! (`reading::ReadSummary`); every report (text, report.json, report.html, report.pdf) and the
//! app's live summary say it in the words below.
//!
//! In JSON the counts are `null` when not assessed, with `t2_compared` and
//! `contrast_compared` beside them. Files written before `t2_compared` existed read as
//! before (T2 assessed), and a count whose `*_compared` flag is false reads as not assessed.

use serde::{Deserialize, Serialize};

/// Said of new and enlarging T2/FLAIR lesions when no FLAIR or T2 pair was compared.
pub const T2_NOT_ASSESSED: &str = "not assessed (no T2/FLAIR series compared)";
/// Said of enhancing lesions when no post-contrast series was compared.
pub const CONTRAST_NOT_ASSESSED: &str = "not assessed (no post-contrast series compared)";

/// The counts a follow-up report states; `None` is "not assessed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CountsFile", into = "CountsFile")]
pub struct Counts {
    /// New T2/FLAIR lesions (`None` when no FLAIR or T2 pair was compared).
    pub new: Option<usize>,
    /// Enlarging T2/FLAIR lesions (`None` when no FLAIR or T2 pair was compared).
    pub enlarging: Option<usize>,
    /// Gadolinium-enhancing lesions (`None` when no post-contrast series was compared).
    pub enhancing: Option<usize>,
    /// Unexplained changes not yet decided by the reader (never activity, but while any is
    /// undecided the scan is not called inactive).
    pub unexplained: usize,
}

impl Counts {
    /// The counts from what was compared: `t2` is `(new, enlarging)` when a FLAIR or T2 pair
    /// was compared, `enhancing` when a post-contrast series was. This is the rule; build
    /// [`Counts`] through it.
    pub fn assessed(t2: Option<(usize, usize)>, enhancing: Option<usize>) -> Self {
        Self {
            new: t2.map(|(new, _)| new),
            enlarging: t2.map(|(_, enlarging)| enlarging),
            enhancing,
            unexplained: 0,
        }
    }

    /// These counts with `n` undecided unexplained changes.
    pub fn with_unexplained(self, n: usize) -> Self {
        Self {
            unexplained: n,
            ..self
        }
    }

    /// Whether new and enlarging T2/FLAIR lesions were assessed.
    pub fn t2_compared(&self) -> bool {
        self.new.is_some() && self.enlarging.is_some()
    }

    /// Whether enhancement was assessed.
    pub fn contrast_compared(&self) -> bool {
        self.enhancing.is_some()
    }

    /// Radiologically active: an assessed count above zero (new or enlarging T2 lesions, or
    /// any enhancement). What was not assessed cannot make it active.
    pub fn active(&self) -> bool {
        [self.new, self.enlarging, self.enhancing]
            .iter()
            .any(|n| n.is_some_and(|n| n > 0))
    }

    /// The impression's verdict.
    pub fn verdict(&self) -> Verdict {
        match (self.t2_compared(), self.contrast_compared()) {
            _ if self.active() => Verdict::Active,
            _ if self.unexplained > 0 => Verdict::Undecided(self.unexplained),
            (true, true) => Verdict::Inactive,
            (false, false) => Verdict::NotAssessed,
            _ => Verdict::InactiveOnWhatWasAssessed,
        }
    }

    /// The verdict as report.json's summary says it (with `t2_compared` and
    /// `contrast_compared` beside it saying what "inactive" rests on).
    pub fn activity(&self) -> DiseaseActivity {
        match self.verdict() {
            Verdict::Active => DiseaseActivity::Active,
            Verdict::Inactive | Verdict::InactiveOnWhatWasAssessed => DiseaseActivity::Inactive,
            Verdict::NotAssessed => DiseaseActivity::NotAssessed,
            Verdict::Undecided(_) => DiseaseActivity::Undecided,
        }
    }

    /// What was not assessed, each with the reason, e.g. "new and enlarging T2/FLAIR lesions
    /// not assessed (no T2/FLAIR series compared)".
    pub fn not_assessed(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.t2_compared() {
            out.push(format!(
                "new and enlarging T2/FLAIR lesions {T2_NOT_ASSESSED}"
            ));
        }
        if !self.contrast_compared() {
            out.push(format!("enhancement {CONTRAST_NOT_ASSESSED}"));
        }
        out
    }

    /// The impression in words, without the final full stop: the counts that make it active,
    /// or what was assessed and found quiet, then what was not assessed.
    pub fn impression(&self) -> String {
        let missing = self.not_assessed();
        let mut out = if self.active() {
            let found: Vec<String> = [
                (self.new, "new T2/FLAIR lesion"),
                (self.enlarging, "enlarging lesion"),
                (self.enhancing, "enhancing lesion"),
            ]
            .into_iter()
            .filter_map(|(n, what)| n.filter(|n| *n > 0).map(|n| plural(n, what)))
            .collect();
            found.join(", ")
        } else if self.unexplained > 0 {
            format!("Undecided: {}", self.unexplained_text())
        } else {
            let mut quiet = Vec::new();
            if self.t2_compared() {
                quiet.push("no new or enlarging T2/FLAIR lesions");
            }
            if self.contrast_compared() {
                quiet.push("no enhancing lesions");
            }
            let said = capitalised(&quiet.join(" and "));
            match self.verdict() {
                Verdict::NotAssessed => "Disease activity could not be assessed".to_owned(),
                Verdict::InactiveOnWhatWasAssessed => {
                    format!("{said}: radiologically inactive on what was assessed")
                }
                Verdict::Active | Verdict::Inactive | Verdict::Undecided(_) => {
                    format!("{said}: radiologically inactive")
                }
            }
        };
        if self.active() && self.unexplained > 0 {
            out += &format!("; {}", self.unexplained_text());
        }
        if !missing.is_empty() {
            out += &format!("; {}", missing.join("; "));
        }
        out
    }

    /// "2 unexplained changes to review".
    pub fn unexplained_text(&self) -> String {
        format!(
            "{} to review",
            plural(self.unexplained, "unexplained change")
        )
    }
}

/// How the enhancing lesions of a summary were counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnhancingMethod {
    /// `"post_minus_pre"`: every enhancing lesion at follow-up (post minus pre-contrast T1).
    PostMinusPre,
    /// `"new_since_baseline"`: new enhancement on post-contrast T1 against the baseline's.
    NewSinceBaseline,
}

impl EnhancingMethod {
    /// The word report.json uses.
    pub fn as_str(self) -> &'static str {
        match self {
            EnhancingMethod::PostMinusPre => "post_minus_pre",
            EnhancingMethod::NewSinceBaseline => "new_since_baseline",
        }
    }
}

/// Disease activity in one word, as report.json (`summary.activity`) and a synthetic case's
/// truth state it: `"active"`, `"inactive"`, `"undecided"` (unexplained changes await the
/// reader) or `"not_assessed"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiseaseActivity {
    Active,
    Inactive,
    Undecided,
    NotAssessed,
}

/// What the impression concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// New or enlarging T2 lesions, or enhancement.
    Active,
    /// Everything assessed, nothing found.
    Inactive,
    /// Nothing found in what was assessed, but T2 lesions or enhancement were not assessed.
    InactiveOnWhatWasAssessed,
    /// Neither T2 lesions nor enhancement could be assessed.
    NotAssessed,
    /// Nothing counts as activity, but this many unexplained changes await the reader: the
    /// scan is not called inactive until each is confirmed (a new lesion) or dismissed.
    Undecided(usize),
}

/// "1 new T2/FLAIR lesion", "2 new T2/FLAIR lesions".
pub fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// A count as a report line states it: the number, or why there is none.
pub fn count_text(count: Option<usize>, not_assessed: &str) -> String {
    count.map_or_else(|| not_assessed.to_owned(), |n| n.to_string())
}

/// `text` with its first letter upper case.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The JSON shape: counts (`null` when not assessed) and the flags beside them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct CountsFile {
    #[serde(default)]
    new: Option<usize>,
    #[serde(default)]
    enlarging: Option<usize>,
    #[serde(default)]
    enhancing: Option<usize>,
    /// Absent in files written before it existed: those always counted T2 lesions.
    #[serde(default = "assessed_by_default")]
    t2_compared: bool,
    #[serde(default = "assessed_by_default")]
    contrast_compared: bool,
    /// Undecided unexplained changes; absent (0) in files written before it existed.
    #[serde(default)]
    unexplained: usize,
}

fn assessed_by_default() -> bool {
    true
}

impl From<CountsFile> for Counts {
    fn from(f: CountsFile) -> Self {
        let t2 = |n: Option<usize>| if f.t2_compared { n } else { None };
        let t2_counts = match (t2(f.new), t2(f.enlarging)) {
            (Some(new), Some(enlarging)) => Some((new, enlarging)),
            _ => None,
        };
        Counts::assessed(t2_counts, f.enhancing.filter(|_| f.contrast_compared))
            .with_unexplained(f.unexplained)
    }
}

impl From<Counts> for CountsFile {
    fn from(c: Counts) -> Self {
        Self {
            new: c.new,
            enlarging: c.enlarging,
            enhancing: c.enhancing,
            t2_compared: c.t2_compared(),
            contrast_compared: c.contrast_compared(),
            unexplained: c.unexplained,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_was_assessed_makes_the_impression() {
        let t1_only = Counts::assessed(None, Some(3));
        assert!(t1_only.active());
        assert_eq!(
            t1_only.impression(),
            "3 enhancing lesions; new and enlarging T2/FLAIR lesions not assessed (no T2/FLAIR \
             series compared)"
        );
        let quiet_t1 = Counts::assessed(None, Some(0));
        assert!(!quiet_t1.active());
        assert_eq!(
            quiet_t1.impression(),
            "No enhancing lesions: radiologically inactive on what was assessed; new and \
             enlarging T2/FLAIR lesions not assessed (no T2/FLAIR series compared)"
        );
        let flair_only = Counts::assessed(Some((0, 0)), None);
        assert_eq!(
            flair_only.impression(),
            "No new or enlarging T2/FLAIR lesions: radiologically inactive on what was \
             assessed; enhancement not assessed (no post-contrast series compared)"
        );
        let nothing = Counts::assessed(None, None);
        assert_eq!(nothing.verdict(), Verdict::NotAssessed);
        assert_eq!(nothing.activity(), DiseaseActivity::NotAssessed);
        assert_eq!(
            nothing.impression(),
            "Disease activity could not be assessed; new and enlarging T2/FLAIR lesions not \
             assessed (no T2/FLAIR series compared); enhancement not assessed (no post-contrast \
             series compared)"
        );
        let both = Counts::assessed(Some((1, 0)), Some(0));
        assert_eq!(both.impression(), "1 new T2/FLAIR lesion");
        assert_eq!(
            Counts::assessed(Some((0, 0)), Some(0)).impression(),
            "No new or enlarging T2/FLAIR lesions and no enhancing lesions: radiologically \
             inactive"
        );
    }

    #[test]
    fn report_json_says_the_activity_in_the_words_it_always_used() {
        let words = [
            (DiseaseActivity::Active, "\"active\""),
            (DiseaseActivity::Inactive, "\"inactive\""),
            (DiseaseActivity::Undecided, "\"undecided\""),
            (DiseaseActivity::NotAssessed, "\"not_assessed\""),
        ];
        for (activity, word) in words {
            assert_eq!(serde_json::to_string(&activity).unwrap(), word);
            assert_eq!(
                serde_json::from_str::<DiseaseActivity>(word).unwrap(),
                activity
            );
        }
        let method = EnhancingMethod::NewSinceBaseline;
        assert_eq!(
            serde_json::to_string(&method).unwrap(),
            format!("\"{}\"", method.as_str())
        );
        assert_eq!(method.as_str(), "new_since_baseline");
    }

    #[test]
    fn undecided_changes_are_never_inactive() {
        let quiet = Counts::assessed(Some((0, 0)), Some(0)).with_unexplained(2);
        assert!(!quiet.active());
        assert_eq!(quiet.verdict(), Verdict::Undecided(2));
        assert_eq!(quiet.activity(), DiseaseActivity::Undecided);
        assert_eq!(
            quiet.impression(),
            "Undecided: 2 unexplained changes to review"
        );
        let active = Counts::assessed(Some((1, 0)), Some(0)).with_unexplained(1);
        assert_eq!(active.verdict(), Verdict::Active);
        assert_eq!(
            active.impression(),
            "1 new T2/FLAIR lesion; 1 unexplained change to review"
        );
        let json = serde_json::to_value(quiet).unwrap();
        assert_eq!(json["unexplained"], 2);
        assert_eq!(serde_json::from_value::<Counts>(json).unwrap(), quiet);
    }

    #[test]
    fn json_says_null_and_old_files_still_read() {
        let t1_only = Counts::assessed(None, Some(2));
        let json = serde_json::to_value(t1_only).unwrap();
        assert!(json["new"].is_null() && json["enlarging"].is_null());
        assert_eq!(json["enhancing"], 2);
        assert_eq!(json["t2_compared"], false);
        assert_eq!(serde_json::from_value::<Counts>(json).unwrap(), t1_only);
        // Before `t2_compared`: counts were numbers, enhancement gated by `contrast_compared`.
        let old: Counts = serde_json::from_str(
            r#"{"new": 2, "enlarging": 1, "enhancing": 0, "contrast_compared": false}"#,
        )
        .unwrap();
        assert_eq!(old, Counts::assessed(Some((2, 1)), None));
        let flagged: Counts = serde_json::from_str(
            r#"{"new": 5, "enlarging": 0, "enhancing": 5, "t2_compared": false}"#,
        )
        .unwrap();
        assert_eq!(flagged, Counts::assessed(None, Some(5)));
    }
}
