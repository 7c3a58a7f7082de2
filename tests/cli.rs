//! The headless commands as a script would use them: `tandem info` (text and JSON, with and
//! without `--load`), `tandem synth`, `--version`, and exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

fn tandem(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args)
        .output()
        .expect("tandem runs")
}

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .display()
        .to_string()
}

#[test]
fn version_names_the_build() {
    let out = tandem(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(env!("CARGO_PKG_VERSION")) && text.contains('('),
        "{text}"
    );
}

#[test]
fn info_json_describes_every_series() {
    let out = tandem(&["info", &sample(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let studies = json["patients"][0]["studies"].as_array().unwrap();
    assert_eq!(studies.len(), 2);
    let series = studies[1]["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    let flair = &series[0];
    for key in [
        "series_uid",
        "dims",
        "spacing_mm",
        "origin_mm",
        "direction",
        "transfer_syntax",
        "files",
        "problems",
    ] {
        assert!(!flair[key].is_null(), "missing {key}");
    }
    assert_eq!(flair["dims"], serde_json::json!([128, 144, 112]));
    assert_eq!(flair["transfer_syntax"], "1.2.840.10008.1.2.4.80");
    assert_eq!(flair["files"], 112);
    // The follow-up FLAIR is tilted 8 degrees about the left-right axis.
    let tilt = flair["direction"][2][2].as_f64().unwrap();
    assert!((tilt - 8f64.to_radians().cos()).abs() < 1e-6, "{tilt}");
    assert!(flair.get("min").is_none(), "no values without --load");
    // The ground truth and the teaching-case files: listed, not fatal.
    assert_eq!(
        json["problems"].as_array().unwrap().len(),
        3,
        "ground_truth.json, case.json, reference/lesions-followup.nii.gz"
    );
}

#[test]
fn info_load_reports_values_and_time() {
    let path = format!("{}/followup/T1_3D_POST", sample());
    let out = tandem(&["info", &path, "--load", "--json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let series = &json["patients"][0]["studies"][0]["series"][0];
    assert!(
        series["contrast_agent"]
            .as_str()
            .unwrap()
            .contains("GADOTERATE")
    );
    let (min, max, mean) = (
        series["min"].as_f64().unwrap(),
        series["max"].as_f64().unwrap(),
        series["mean"].as_f64().unwrap(),
    );
    // The follow-up rescale (slope 2.5, intercept -24) is applied.
    assert!(
        min >= -24.0 && max > 1000.0 && mean > min && mean < max,
        "{min} {max} {mean}"
    );
    assert!(series["load_seconds"].as_f64().unwrap() > 0.0);

    let text = tandem(&["info", &path, "--load"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("T1 3D POST CONTRAST") && text.contains("loaded in"),
        "{text}"
    );
}

#[test]
fn unreadable_paths_fail_with_a_message() {
    let out = tandem(&["info", "/definitely/not/here"]);
    assert!(!out.status.success());
    let junk = tempfile::tempdir().unwrap();
    std::fs::write(junk.path().join("a.txt"), "x").unwrap();
    let out = tandem(&["info", junk.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing readable"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("a.txt"));
}

#[test]
fn synth_writes_a_pair_info_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("case");
    let out = tandem(&["synth", "--out", out_dir.to_str().unwrap(), "--scale", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out_dir.join("ground_truth.json").is_file());
    let out = tandem(&["info", out_dir.to_str().unwrap(), "--json", "--load"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let studies = json["patients"][0]["studies"].as_array().unwrap();
    assert_eq!(studies.len(), 2);
    for study in studies {
        for series in study["series"].as_array().unwrap() {
            assert_eq!(series["loadable"], true);
        }
    }
}

#[test]
fn compare_writes_a_report_and_prints_the_summary() {
    let out = tempfile::tempdir().unwrap();
    let result = tandem(&[
        "compare",
        &format!("{}/baseline", sample()),
        &format!("{}/followup", sample()),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let text = String::from_utf8(result.stdout).unwrap();
    assert!(
        text.contains("New T2/FLAIR lesions: 2") && text.contains("ACTIVE"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["registration"]["matrix"].as_array().unwrap().len(), 3);
    assert_eq!(
        json["registration"]["offset_mm"].as_array().unwrap().len(),
        3
    );
    assert_eq!(json["summary"]["activity"], "active");
    assert_eq!(json["summary"]["new"], 2);
    let lesion = &json["lesions"][0];
    for key in ["id", "status", "enhancing", "centroid_mm", "volume_mm3"] {
        assert!(!lesion[key].is_null(), "lesion lacks {key}");
    }
    assert!(
        json["settings"]["enlarging_rule"]
            .as_str()
            .unwrap()
            .contains("50%")
    );
    assert!(
        json["tandem"]
            .as_str()
            .unwrap()
            .contains(env!("CARGO_PKG_VERSION"))
    );
    assert!(json["baseline"]["study_uid"].is_string() && json["followup"]["date"] == "20260316");

    assert!(out.path().join("report.html").is_file());
    assert!(out.path().join("report.pdf").is_file());
    assert!(out.path().join("lesions-followup.nii.gz").is_file());
    // The comparison's lesions reach the SEG with no reader: AUTOMATIC segments.
    let seg = out.path().join("lesions-seg.dcm");
    assert!(
        seg.is_file(),
        "no SEG: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    let read = common::checkers::highdicom(&[seg.as_path()]);
    let segments = read[0]["segments"].as_array().unwrap();
    assert!(!segments.is_empty());
    assert!(segments.iter().all(|s| s["algorithm_type"] == "AUTOMATIC"));

    // A second run into the same folder is refused before any work, and changes nothing...
    let before = std::fs::read(out.path().join("report.json")).unwrap();
    let again = tandem(&[
        "compare",
        &format!("{}/baseline", sample()),
        &format!("{}/followup", sample()),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a report"));
    assert_eq!(
        std::fs::read(out.path().join("report.json")).unwrap(),
        before
    );
    // ...unless asked to replace it.
    let replaced = tandem(&[
        "compare",
        &format!("{}/baseline", sample()),
        &format!("{}/followup", sample()),
        "--out",
        out.path().to_str().unwrap(),
        "--replace",
    ]);
    assert!(replaced.status.success());

    let elsewhere = tempfile::tempdir().unwrap();
    let failed = tandem(&[
        "compare",
        "/nope/a",
        "/nope/b",
        "--out",
        elsewhere.path().to_str().unwrap(),
    ]);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("tandem:"));
}

#[test]
fn compare_on_a_post_contrast_pair_says_t2_lesions_were_not_assessed() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let options = common::t1_post_only(&sample);
    let out = tempfile::tempdir().unwrap();
    let result = tandem(&[
        "compare",
        &format!("{}/baseline", sample.display()),
        &format!("{}/followup", sample.display()),
        "--baseline-series",
        options.baseline_series.as_deref().unwrap(),
        "--followup-series",
        options.followup_series.as_deref().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    let text = String::from_utf8(result.stdout).unwrap();
    for needle in [
        "New T2/FLAIR lesions: not assessed (no T2/FLAIR series compared).",
        "Enlarging T2/FLAIR lesions: not assessed (no T2/FLAIR series compared).",
        "New gadolinium-enhancing lesions: ",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap())
            .unwrap();
    assert!(json["summary"]["new"].is_null(), "{}", json["summary"]);
    let lesions = json["lesions"].as_array().unwrap();
    assert!(!lesions.is_empty());
    assert!(
        lesions.iter().all(|l| l["location"].is_string()),
        "{lesions:#?}"
    );
    assert!(out.path().join("lesions-seg.dcm").is_file(), "{stderr}");
}

#[test]
fn score_compares_marks_with_a_reference() {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report");
    let made = tandem(&[
        "compare",
        &format!("{}/baseline", sample()),
        &format!("{}/followup", sample()),
        "--out",
        report.to_str().unwrap(),
    ]);
    assert!(made.status.success());
    let score = |reference: &std::path::Path, marks: &std::path::Path| -> serde_json::Value {
        let result = tandem(&[
            "score",
            "--reference",
            reference.to_str().unwrap(),
            "--marks",
            marks.to_str().unwrap(),
            "--json",
        ]);
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        serde_json::from_slice(&result.stdout).unwrap()
    };
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).unwrap())
            .unwrap();
    let lesions = json["lesions"].as_array().unwrap();
    let with = |statuses: &[&str]| -> Vec<&serde_json::Value> {
        let of = lesions
            .iter()
            .filter(|l| statuses.iter().any(|s| l["status"] == *s));
        of.collect()
    };
    let (active, still_there) = (
        with(&["new", "enlarging"]),
        with(&["persistent", "shrinking"]),
    );
    assert!(!active.is_empty());
    // The report against itself: its new or enlarging lesions, all found.
    let same = score(&report, &report);
    assert_eq!(same["reference_lesions"], active.len());
    for key in ["lesion_sensitivity", "lesion_ppv", "lesion_f1", "dice"] {
        assert_eq!(same[key], 1.0, "{key}");
    }
    // The SEG holds every counted lesion: the persistent ones are false marks here, and it
    // lands voxel for voxel on the NIfTI's grid (its own geometry is right).
    let seg = score(&report, &report.join("lesions-seg.dcm"));
    assert_eq!(
        seg["false_marks"].as_array().unwrap().len(),
        still_there.len()
    );
    assert_eq!(seg["lesion_sensitivity"], 1.0);
    let all = score(
        &report.join("lesions-followup.nii.gz"),
        &report.join("lesions-seg.dcm"),
    );
    assert_eq!(all["dice"], 1.0);
    // A NIfTI with one new or enlarging lesion erased: one miss, where that lesion is.
    let gone = active[0];
    let gone_id = gone["id"].as_u64().unwrap();
    let nifti = tandem::report::nifti::read_nifti(&report.join("lesions-followup.nii.gz")).unwrap();
    let erased = nifti
        .voxels()
        .mapv(|l| if u64::from(l) == gone_id { 0 } else { l as u16 });
    let path = out.path().join("marks.nii.gz");
    let erased = nifti.derived(erased);
    tandem::report::nifti::write_nifti_gz(&path, &erased, "marks").unwrap();
    let one_miss = score(&report, &path);
    let misses = one_miss["misses"].as_array().unwrap();
    assert_eq!(misses.len(), 1);
    for axis in 0..3 {
        let (a, b) = (
            misses[0]["centroid_mm"][axis].as_f64().unwrap(),
            gone["centroid_mm"][axis].as_f64().unwrap(),
        );
        assert!(
            (a - b).abs() < 1.5,
            "miss at {a} vs lesion {gone_id} at {b}"
        );
    }
    let n = active.len() as f64;
    assert!((one_miss["lesion_sensitivity"].as_f64().unwrap() - (n - 1.0) / n).abs() < 1e-9);
    // Text output names the miss; a SEG against a SEG has no grid and says so.
    let text = tandem(&[
        "score",
        "--reference",
        report.to_str().unwrap(),
        "--marks",
        path.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("Missed at"));
    let seg_path = report.join("lesions-seg.dcm");
    let no_grid = tandem(&[
        "score",
        "--reference",
        seg_path.to_str().unwrap(),
        "--marks",
        seg_path.to_str().unwrap(),
    ]);
    assert!(!no_grid.status.success());
    assert!(String::from_utf8_lossy(&no_grid.stderr).contains("no grid of its own"));
}

#[test]
fn batch_compares_each_row_keeps_failures_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("trial.csv");
    std::fs::write(
        &manifest,
        format!(
            "id,baseline,followup\nP01,{0}/baseline,{0}/followup\nP02,nowhere/a,nowhere/b\n",
            sample()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "batch",
            manifest.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        tandem(&args)
    };
    let first = run(&["--jobs", "2"]);
    let stderr = String::from_utf8_lossy(&first.stderr).into_owned();
    assert_eq!(first.status.code(), Some(1), "a row failed: {stderr}");
    assert!(out.join("P01/report.json").is_file(), "{stderr}");
    assert!(out.join("P01/report.pdf").is_file());
    let failed = std::fs::read_to_string(out.join("P02/batch-failed.txt")).unwrap();
    assert!(
        failed.contains("nowhere"),
        "the reason names the folder: {failed}"
    );
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines.len(), 3, "{summary}");
    assert!(lines[0].starts_with("id,baseline,followup,state,new,enlarging,enhancing"));
    assert!(
        lines[1].starts_with("P01,") && lines[1].contains(",done,2,1,2,active,true,"),
        "{summary}"
    );
    assert!(
        lines[2].starts_with("P02,") && lines[2].contains(",failed,"),
        "{summary}"
    );
    // Again, row 1 alone (an array task): already done, so nothing is compared again.
    let written = std::fs::metadata(out.join("P01/report.json"))
        .unwrap()
        .modified()
        .unwrap();
    let again = run(&["--row", "1"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("1 row(s) already done, skipped"));
    let now = std::fs::metadata(out.join("P01/report.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(written, now);
    // A row the manifest does not have, and a manifest without the columns, are refused.
    let beyond = run(&["--row", "3"]);
    assert_eq!(beyond.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&beyond.stderr).contains("lists rows 1 to 2"));
    std::fs::write(&manifest, "before,after\na,b\n").unwrap();
    let bad = run(&[]);
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("must name the columns baseline and followup")
    );
}
