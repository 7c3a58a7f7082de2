//! The independent checkers the export tests run: dciodvfy (dicom3tools), highdicom (in the
//! venv `scripts/setup.sh` makes) and poppler's pdftotext, pdfinfo and pdfimages (poppler-utils).
//! Missing tools fail the test with a message; they never skip.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// dciodvfy's report on `path` (it writes to stderr), failing when the tool is missing.
pub fn dciodvfy(path: &Path) -> Vec<String> {
    let output = match Command::new("dciodvfy").arg(path).output() {
        Ok(output) => output,
        Err(e) => panic!(
            "dciodvfy (Debian package dicom3tools) could not run ({e}): run scripts/setup.sh"
        ),
    };
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    eprintln!("dciodvfy {}:\n{}", path.display(), lines.join("\n"));
    lines
}

pub fn assert_no_dciodvfy_errors(path: &Path) {
    let lines = dciodvfy(path);
    assert!(
        lines.iter().any(|l| l.contains("Segmentation")),
        "dciodvfy did not recognise a Segmentation: {lines:#?}"
    );
    let errors: Vec<&String> = lines.iter().filter(|l| l.starts_with("Error")).collect();
    assert!(errors.is_empty(), "dciodvfy errors: {errors:#?}");
}

/// The interpreter with highdicom: $TANDEM_PYTHON, else the venv scripts/setup.sh makes.
pub fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("TANDEM_PYTHON") {
        return python.into();
    }
    let venv = manifest().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "no Python with highdicom: run scripts/setup.sh (it makes {}), or set TANDEM_PYTHON",
        venv.display()
    );
    venv
}

/// highdicom's reading of each file (tests/tools/check_seg.py), one JSON value per file.
pub fn highdicom(paths: &[&Path]) -> Vec<Value> {
    let script = manifest().join("tests/tools/check_seg.py");
    let output = Command::new(python())
        .arg(&script)
        .args(paths)
        .output()
        .unwrap_or_else(|e| panic!("Python could not run ({e}): run scripts/setup.sh"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "check_seg.py failed (if highdicom is missing, run scripts/setup.sh):\n{stderr}"
    );
    if !stderr.trim().is_empty() {
        eprintln!("highdicom said:\n{stderr}");
    }
    let values: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(values.len(), paths.len());
    values
}

/// What a poppler tool (Debian package poppler-utils) prints for `path` (given after `args`,
/// before `after`), failing when the tool is missing or refuses the file.
fn poppler(tool: &str, args: &[&str], path: &Path, after: &[&str]) -> String {
    let output = Command::new(tool)
        .args(args)
        .arg(path)
        .args(after)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{tool} (Debian package poppler-utils) could not run ({e}): run scripts/setup.sh"
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "{tool} failed on {}: {stderr}",
        path.display()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// pdftotext's reading of a PDF, with runs of whitespace (line breaks too) made single spaces.
pub fn pdf_text(path: &Path) -> String {
    poppler("pdftotext", &["-enc", "UTF-8"], path, &["-"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// pdfinfo's fields (`Pages`, `Page size`, ...).
pub fn pdf_info(path: &Path) -> std::collections::BTreeMap<String, String> {
    poppler("pdfinfo", &[], path, &[])
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The images pdfimages lists, one line each (its two header lines dropped).
pub fn pdf_images(path: &Path) -> Vec<String> {
    poppler("pdfimages", &["-list"], path, &[])
        .lines()
        .skip(2)
        .map(str::to_owned)
        .collect()
}
