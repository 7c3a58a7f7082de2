//! A trial's pairs in one run: the manifest (a CSV with a header row naming the columns
//! `baseline` and `followup`, and optionally `id`), one report folder per row under the output
//! folder, and the summary CSV of every row's counts. The command line compares each pair in its
//! own `tandem compare` process (a crash or a runaway pair stops only itself); this module
//! reads the manifest, says which rows are finished, and writes the summary from the report
//! folders. A row whose folder holds `report.json` is finished: running the batch again skips it,
//! so a batch interrupted, or spread over a cluster one row per task, resumes where it stopped.

use std::path::{Path, PathBuf};

/// One pair of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based, in manifest order (a Slurm array task's index).
    pub number: usize,
    /// The report folder's name: the `id` column, else `row-0001`, `row-0002`…
    pub id: String,
    pub baseline: PathBuf,
    pub followup: PathBuf,
}

/// Why a manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestProblem {
    #[error("cannot read it: {0}")]
    Read(#[from] std::io::Error),
    #[error("line {line}: {why}")]
    Line { line: u64, why: String },
    #[error(
        "its header row must name the columns baseline and followup (and may name id); it names \
         {0}"
    )]
    Header(String),
    #[error("it lists no pairs")]
    Empty,
    #[error(
        "line {line}: the id {id:?} cannot name a folder (use letters, digits, '-', '_' and \
         '.', not first)"
    )]
    BadId { line: u64, id: String },
    #[error("line {line}: the id {id:?} is used twice")]
    DuplicateId { line: u64, id: String },
}

/// Reads the manifest at `path`. Relative exam paths are taken from the manifest's folder, so a
/// manifest travels with its data.
pub fn read_manifest(path: &Path) -> Result<Vec<Row>, ManifestProblem> {
    let text = std::fs::read(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse_manifest(&text, base)
}

/// [`read_manifest`] of the manifest's bytes, relative paths taken from `base`.
pub fn parse_manifest(text: &[u8], base: &Path) -> Result<Vec<Row>, ManifestProblem> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text);
    let line_of = |e: &csv::Error| e.position().map_or(0, |p| p.line());
    let header = reader.headers().map_err(|e| ManifestProblem::Line {
        line: line_of(&e),
        why: e.to_string(),
    })?;
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(b), Some(f)) = (column("baseline"), column("followup")) else {
        let names: Vec<&str> = header.iter().collect();
        return Err(ManifestProblem::Header(format!("{names:?}")));
    };
    let id_column = column("id");
    let mut rows: Vec<Row> = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ManifestProblem::Line {
            line: line_of(&e),
            why: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        let path = |i: usize, name: &str| {
            let text = field(i);
            if text.is_empty() {
                return Err(ManifestProblem::Line {
                    line,
                    why: format!("no {name} path"),
                });
            }
            Ok(base.join(text))
        };
        let number = n + 1;
        let id = match id_column.map(field).filter(|id| !id.is_empty()) {
            Some(id) => id.to_owned(),
            None => format!("row-{number:04}"),
        };
        if !folder_name(&id) {
            return Err(ManifestProblem::BadId { line, id });
        }
        if rows.iter().any(|r| r.id == id) {
            return Err(ManifestProblem::DuplicateId { line, id });
        }
        rows.push(Row {
            number,
            id,
            baseline: path(b, "baseline")?,
            followup: path(f, "followup")?,
        });
    }
    if rows.is_empty() {
        return Err(ManifestProblem::Empty);
    }
    Ok(rows)
}

/// Letters, digits, '-', '_' and '.', not starting with '.': a folder name on every system.
fn folder_name(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The report folder of `row` under `out`.
pub fn row_folder(out: &Path, row: &Row) -> PathBuf {
    out.join(&row.id)
}

/// The file a failed row's message is kept in, inside its folder.
pub const FAILED_FILE: &str = "batch-failed.txt";

/// Where a row stands.
#[derive(Debug, Clone, PartialEq)]
pub enum RowState {
    /// Its report is written: what it says.
    Done(Finished),
    /// The last attempt failed: why.
    Failed(String),
    /// Not yet compared.
    Pending,
}

/// What a finished row's report says, for the summary.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Finished {
    /// `None`: not assessed (no comparable series).
    pub new: Option<u64>,
    pub enlarging: Option<u64>,
    pub enhancing: Option<u64>,
    /// "active", "inactive", …, as report.json says.
    pub activity: String,
    pub registration_reliable: bool,
    pub seconds: Option<f64>,
}

/// Where `row` stands in `out`.
pub fn row_state(out: &Path, row: &Row) -> RowState {
    let folder = row_folder(out, row);
    let report = std::fs::read(folder.join("report.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
    if let Some(json) = report {
        let summary = &json["summary"];
        return RowState::Done(Finished {
            new: summary["new"].as_u64(),
            enlarging: summary["enlarging"].as_u64(),
            enhancing: summary["enhancing"].as_u64(),
            activity: summary["activity"].as_str().unwrap_or("").to_owned(),
            registration_reliable: json["registration"]["reliable"].as_bool().unwrap_or(false),
            seconds: json["timings_s"]["total"].as_f64(),
        });
    }
    match std::fs::read_to_string(folder.join(FAILED_FILE)) {
        Ok(why) => RowState::Failed(why.trim().to_owned()),
        Err(_) => RowState::Pending,
    }
}

/// The summary CSV of every row: id, paths, state, counts (empty when not assessed), activity,
/// whether the registration held, seconds, and a failed row's message.
pub fn summary_csv(out: &Path, rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "id",
        "baseline",
        "followup",
        "state",
        "new",
        "enlarging",
        "enhancing",
        "activity",
        "registration_reliable",
        "seconds",
        "message",
    ])?;
    let count = |c: Option<u64>| c.map_or(String::new(), |c| c.to_string());
    for row in rows {
        let (state, finished, message) = match row_state(out, row) {
            RowState::Done(f) => ("done", Some(f), String::new()),
            RowState::Failed(why) => ("failed", None, why),
            RowState::Pending => ("pending", None, String::new()),
        };
        let f = finished.unwrap_or_default();
        let done = state == "done";
        writer.write_record([
            row.id.clone(),
            row.baseline.display().to_string(),
            row.followup.display().to_string(),
            state.to_owned(),
            count(f.new),
            count(f.enlarging),
            count(f.enhancing),
            f.activity,
            if done {
                f.registration_reliable.to_string()
            } else {
                String::new()
            },
            f.seconds.map_or(String::new(), |s| format!("{s:.1}")),
            message,
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Row>, ManifestProblem> {
        parse_manifest(text.as_bytes(), Path::new("/trial"))
    }

    #[test]
    fn a_manifest_names_its_columns_and_its_rows_their_folders() {
        let rows = parse(
            "id,followup,baseline\n\
             P01,/data/p01/2026,/data/p01/2025\n\
             ,\"exams/with, comma\",exams/p02-base\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].id, "P01");
        assert_eq!(rows[0].baseline, Path::new("/data/p01/2025"));
        assert_eq!(rows[0].followup, Path::new("/data/p01/2026"));
        // No id: numbered; relative paths from the manifest's folder; quoted commas kept.
        assert_eq!(rows[1].id, "row-0002");
        assert_eq!(rows[1].number, 2);
        assert_eq!(rows[1].followup, Path::new("/trial/exams/with, comma"));
        // Without an id column, with spaces around the fields.
        let rows = parse("baseline , followup\n a , b \n").unwrap();
        assert_eq!(
            (rows[0].id.as_str(), rows[0].baseline.clone()),
            ("row-0001", PathBuf::from("/trial/a"))
        );
    }

    #[test]
    fn a_bad_manifest_says_what_and_where() {
        let message = |text: &str| parse(text).unwrap_err().to_string();
        assert!(message("base,follow\na,b\n").contains("must name the columns"));
        assert_eq!(message("baseline,followup\n"), "it lists no pairs");
        assert!(message("baseline,followup\na,b\nc\n").starts_with("line 3:"));
        assert!(message("baseline,followup\na,\n").contains("no followup path"));
        assert!(message("id,baseline,followup\n../x,a,b\n").contains("cannot name a folder"));
        assert!(
            message("id,baseline,followup\nP1,a,b\nP1,c,d\n").contains("line 3: the id \"P1\"")
        );
    }

    #[test]
    fn the_summary_says_where_every_row_stands() {
        let out = tempfile::tempdir().unwrap();
        let rows = parse("id,baseline,followup\ndone,a,b\nbroken,c,d\nlater,e,f\n").unwrap();
        let folder = |id: &str| {
            let f = out.path().join(id);
            std::fs::create_dir_all(&f).unwrap();
            f
        };
        std::fs::write(
            folder("done").join("report.json"),
            r#"{"summary": {"new": 2, "enlarging": 1, "enhancing": null, "activity": "active"},
                "registration": {"reliable": true}, "timings_s": {"total": 3.14}}"#,
        )
        .unwrap();
        std::fs::write(folder("broken").join(FAILED_FILE), "no DICOM in c\n").unwrap();
        let csv = String::from_utf8(summary_csv(out.path(), &rows).unwrap()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines,
            [
                "id,baseline,followup,state,new,enlarging,enhancing,activity,\
                 registration_reliable,seconds,message",
                "done,/trial/a,/trial/b,done,2,1,,active,true,3.1,",
                "broken,/trial/c,/trial/d,failed,,,,,,,no DICOM in c",
                "later,/trial/e,/trial/f,pending,,,,,,,",
            ]
        );
    }
}
