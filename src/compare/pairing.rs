//! Which series of two exams are compared: each series' sequence kind from its header,
//! pairs of like with like (FLAIR first, the most similar grids), the reader's own choice,
//! and the warnings a reader needs before trusting the pair.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dicom::{Scan, Series, Study};
use crate::error::{Error, Result};
use crate::pipeline::geometry::{norm, sub};

use super::options::CompareOptions;

/// What kind of sequence a series is, as far as the comparison cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceKind {
    Flair,
    T1Post,
    T1Pre,
    T2,
    Other,
}

impl SequenceKind {
    /// The name a report uses.
    pub fn name(self) -> &'static str {
        match self {
            SequenceKind::Flair => "FLAIR",
            SequenceKind::T1Post => "T1 post-contrast",
            SequenceKind::T1Pre => "T1 pre-contrast",
            SequenceKind::T2 => "T2",
            SequenceKind::Other => "other",
        }
    }
}

/// Guesses the sequence from the series' description and contrast agent.
pub fn classify(series: &Series) -> SequenceKind {
    let d = series
        .facts
        .series_description
        .as_deref()
        .unwrap_or("")
        .to_ascii_uppercase();
    let post_words = ["POST", "+C", " GD", "GAD", "CONTRAST", "C+"];
    let post = series.facts.contrast_agent.is_some() || post_words.iter().any(|w| d.contains(w));
    if d.contains("FLAIR") {
        SequenceKind::Flair
    } else if d.contains("T1") || d.contains("MPRAGE") || d.contains("SPGR") {
        if post {
            SequenceKind::T1Post
        } else {
            SequenceKind::T1Pre
        }
    } else if d.contains("T2") {
        SequenceKind::T2
    } else if post {
        SequenceKind::T1Post
    } else {
        SequenceKind::Other
    }
}

/// Two series to compare.
#[derive(Debug, Clone)]
pub struct SeriesPair<'a> {
    pub kind: SequenceKind,
    pub baseline: &'a Series,
    pub followup: &'a Series,
}

/// Pairs loadable series across two exams by sequence kind (FLAIR first), most similar grid
/// first when a kind has several.
pub fn pair_series<'a>(baseline: &'a Study, followup: &'a Study) -> Vec<SeriesPair<'a>> {
    let loadable = |s: &&'a Series| s.stack.is_ok();
    let mut pairs = Vec::new();
    for kind in [SequenceKind::Flair, SequenceKind::T2, SequenceKind::T1Post] {
        let b: Vec<&Series> = baseline
            .series
            .iter()
            .filter(loadable)
            .filter(|s| classify(s) == kind)
            .collect();
        let f: Vec<&Series> = followup
            .series
            .iter()
            .filter(loadable)
            .filter(|s| classify(s) == kind)
            .collect();
        let best = b
            .iter()
            .flat_map(|bs| f.iter().map(move |fs| (*bs, *fs)))
            .min_by(|x, y| grid_distance(x.0, x.1).total_cmp(&grid_distance(y.0, y.1)));
        if let Some((b, f)) = best {
            pairs.push(SeriesPair {
                kind,
                baseline: b,
                followup: f,
            });
        }
    }
    pairs
}

/// How different two series' grids are (spacing and slice count), for pairing.
pub(super) fn grid_distance(a: &Series, b: &Series) -> f64 {
    match (&a.stack, &b.stack) {
        (Ok(sa), Ok(sb)) => {
            norm(sub(sa.geometry.spacing, sb.geometry.spacing))
                + (sa.dims[2] as f64 - sb.dims[2] as f64).abs() / 100.0
        }
        _ => f64::INFINITY,
    }
}

/// The single study of a scan (the latest when there are several, with a warning).
pub(super) fn exam_study<'a>(
    scan: &'a Scan,
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<&'a Study> {
    let studies: Vec<&Study> = scan.all_studies().collect();
    if studies.len() > 1 {
        warnings.push(format!(
            "{} holds {} studies; using the latest",
            path.display(),
            studies.len()
        ));
    }
    studies
        .last()
        .copied()
        .ok_or_else(|| Error::InconsistentSeries {
            series_uid: path.display().to_string(),
            problem: format!(
                "no readable study ({} files, {} problems)",
                scan.files_seen,
                scan.problems.len()
            ),
        })
}

pub(super) fn chosen_pairs<'a>(
    (baseline_scan, followup_scan): (&'a Scan, &'a Scan),
    (baseline_study, followup_study): (&'a Study, &'a Study),
    (baseline_path, followup_path): (&Path, &Path),
    options: &CompareOptions,
) -> Result<Vec<SeriesPair<'a>>> {
    match (&options.baseline_series, &options.followup_series) {
        (None, None) => {
            let pairs = pair_series(baseline_study, followup_study);
            if pairs.is_empty() {
                return Err(Error::NothingCompared {
                    baseline: baseline_path.to_path_buf(),
                    followup: followup_path.to_path_buf(),
                    why: "no FLAIR, T2 or post-contrast T1 series in both exams (choose series \
                          with --baseline-series/--followup-series)"
                        .into(),
                });
            }
            Ok(pairs)
        }
        (Some(b), Some(f)) => {
            let find = |scan: &'a Scan, id: &str| {
                scan.all_series()
                    .find(|s| s.id == id)
                    .ok_or_else(|| Error::InconsistentSeries {
                        series_uid: id.to_owned(),
                        problem: "no such series in the exam".into(),
                    })
            };
            let baseline = find(baseline_scan, b)?;
            let followup = find(followup_scan, f)?;
            Ok(vec![SeriesPair {
                kind: classify(baseline),
                baseline,
                followup,
            }])
        }
        _ => Err(Error::InconsistentSeries {
            series_uid: "comparison".into(),
            problem: "give both --baseline-series and --followup-series, or neither".into(),
        }),
    }
}

/// Warnings a reader needs before trusting the comparison (CLINICAL.md: warn, do not refuse).
pub(super) fn comparability_warnings(pairs: &[SeriesPair<'_>]) -> Vec<String> {
    let mut warnings = Vec::new();
    for pair in pairs {
        let (b, f) = (&pair.baseline.facts, &pair.followup.facts);
        if let (Some(x), Some(y)) = (b.field_strength_t, f.field_strength_t)
            && (x - y).abs() > 0.1
        {
            warnings.push(format!(
                "{:?}: field strength changed ({x} T → {y} T)",
                pair.kind
            ));
        }
        if b.manufacturer != f.manufacturer {
            warnings.push(format!("{:?}: scanner manufacturer changed", pair.kind));
        }
        if let (Ok(sb), Ok(sf)) = (&pair.baseline.stack, &pair.followup.stack) {
            let (tb, tf) = (sb.geometry.spacing[2], sf.geometry.spacing[2]);
            if (tb - tf).abs() > 0.5 {
                warnings.push(format!(
                    "{:?}: slice spacing differs ({tb:.1} mm vs {tf:.1} mm)",
                    pair.kind
                ));
            }
            if tb.max(tf) > 3.0 {
                warnings.push(format!(
                    "{:?}: slices thicker than 3 mm; small lesions may be missed",
                    pair.kind
                ));
            }
        }
    }
    warnings
}
