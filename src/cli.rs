//! Command-line interface: `tandem [view]`, `practice`, `info`, `synth`, `compare`, `batch`,
//! `score`, `teach-pack`, `bench-load`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use tandem::compare::{CompareOptions, compare_full};
use tandem::dicom::{load_series, scan_paths};
use tandem::info::InfoReport;
use tandem::progress::Progress;
use tandem::synth::{Encoding, SampleOptions, write_sample_pair};

#[derive(Debug, Parser)]
#[command(
    name = "tandem",
    version = tandem::build_info::DESCRIBE,
    about = "Paired MRI follow-up reading for multiple sclerosis.",
    long_about = "Paired MRI follow-up reading for multiple sclerosis.\n\nWith no command, opens \
                  the reading room on the bundled sample pair."
)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open the reading room on two exams (folders, series folders or DICOMDIR files).
    View {
        baseline: PathBuf,
        followup: PathBuf,
    },
    /// Practise on a teaching case (a folder made by `teach-pack`, or `sample_data`): read it
    /// blind, mark, answer, then be scored against the expert.
    Practice { case: PathBuf },
    /// List the patients, studies and series found under PATHs, with any problems.
    Info {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Also decode every series and print its value range, mean and load time.
        #[arg(long)]
        load: bool,
        /// Print JSON (schema in the README) instead of text.
        #[arg(long)]
        json: bool,
        /// End with the process's peak resident memory on standard error (the fuzzer's
        /// per-process check of bounded memory).
        #[arg(long)]
        peak_memory: bool,
    },
    /// Write the synthetic sample pair (baseline + follow-up DICOM, ground truth) to OUT.
    Synth {
        #[arg(long, required_unless_present = "list_cases")]
        out: Option<PathBuf>,
        /// Voxel size multiplier: 1 is the bundled 1.5 mm sample, 2 a quick 3 mm case.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Write explicit VR little endian instead of JPEG-LS lossless.
        #[arg(long)]
        uncompressed: bool,
        /// Write this pair of the validation corpus instead of the sample (see --list-cases).
        #[arg(long)]
        case: Option<String>,
        /// List the validation corpus's pairs (name and class) and exit.
        #[arg(long)]
        list_cases: bool,
    },
    /// Compare two exams: register, diff, find new/enlarging lesions and new enhancement;
    /// writes the report folder OUT (report.json, report.html with key images, report.pdf, NIfTI
    /// and DICOM SEG lesion labels) and prints the summary. An existing report is never replaced unless
    /// --replace is given.
    Compare {
        baseline: PathBuf,
        followup: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Compare only this baseline series (Series Instance UID, as `tandem info` lists it).
        #[arg(long, requires = "followup_series")]
        baseline_series: Option<String>,
        /// Compare only this follow-up series.
        #[arg(long, requires = "baseline_series")]
        followup_series: Option<String>,
        /// Treat the chosen series as post-contrast (new hyperintensity = new enhancement).
        #[arg(long, conflicts_with = "no_contrast")]
        contrast: bool,
        /// Treat the chosen series as not contrast-enhanced.
        #[arg(long)]
        no_contrast: bool,
        /// Replace a report already in OUT.
        #[arg(long)]
        replace: bool,
    },
    /// Compare every pair of a manifest (CSV with a header row: baseline,followup[,id]), each
    /// in its own process, into OUT/<id>/ (a report folder per row), then write
    /// OUT/summary.csv with every row's counts. Rows already done are skipped, so it resumes;
    /// a failed row's reason is kept in its folder and it is tried again next time.
    Batch {
        manifest: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Pairs compared at once (each uses every core: more only helps on a large machine).
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// Compare only row N (1-based): one task of an array job.
        #[arg(long)]
        row: Option<usize>,
    },
    /// Score marks against a reference, lesion by lesion (MSSEG-2 rules) and voxel by voxel.
    /// REF and MARKS are each a Tandem session (.tandem) or report folder (their new and
    /// enlarging lesions at follow-up), a NIfTI label map or a DICOM SEG (every marked voxel).
    Score {
        #[arg(long = "reference")]
        reference: PathBuf,
        #[arg(long)]
        marks: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Share of a lesion the other side must cover to detect it (α).
        #[arg(long, default_value_t = 0.1)]
        min_overlap: f64,
        /// Smallest lesion counted, mm³.
        #[arg(long, default_value_t = 3.0)]
        min_volume: f64,
    },
    /// Make a teaching case from an expert's finished session: the two exams de-identified
    /// (DICOM PS3.15 basic profile, dates shifted, UIDs remapped consistently), the expert's
    /// new and enlarging lesions as the reference, the answers, and an optional note.
    TeachPack {
        session: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// The case's name, which also replaces the patient's name and ID.
        #[arg(long, default_value = "TEACHING CASE")]
        label: String,
        /// A Markdown note for the trainee (shown after scoring).
        #[arg(long)]
        note: Option<PathBuf>,
    },
    /// Load each series folder RUNS times and print one JSON line of timings per folder.
    BenchLoad {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

/// Runs the parsed command; `Err` carries the one message to print.
pub fn run(args: Args) -> Result<ExitCode, String> {
    match args.command {
        None => crate::app::run(crate::app::Startup::SamplePair),
        Some(Command::View { baseline, followup }) => {
            crate::app::run(crate::app::Startup::Exams(baseline, followup))
        }
        Some(Command::Practice { case }) => crate::app::run(crate::app::Startup::Practice(case)),
        Some(Command::Info {
            paths,
            load,
            json,
            peak_memory,
        }) => {
            let code = info(&paths, load, json);
            if peak_memory && let Some(kib) = tandem::memory::peak_resident_kib() {
                eprintln!("{}{kib}", tandem::memory::PEAK_LINE);
            }
            code
        }
        Some(Command::Synth {
            out,
            scale,
            uncompressed,
            case,
            list_cases,
        }) => match (list_cases, case, out) {
            (true, _, _) => list_cases_command(),
            (false, Some(name), Some(out)) => synth_case(out, &name),
            (false, None, Some(out)) => synth(out, scale, uncompressed),
            (false, _, None) => Err("synth needs --out".into()),
        },
        Some(Command::BenchLoad { paths, runs }) => bench_load(&paths, runs),
        Some(Command::Batch {
            manifest,
            out,
            jobs,
            row,
        }) => crate::batch_run::batch(&manifest, &out, jobs, row),
        Some(Command::TeachPack {
            session,
            out,
            label,
            note,
        }) => {
            let note = note
                .map(|p| std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display())))
                .transpose()?;
            let secret = tandem::training::teach_pack::fresh_secret();
            let case = tandem::training::teach_pack::teach_pack(
                &session,
                &out,
                &label,
                &secret,
                note.as_deref(),
            )
            .map_err(|e| e.to_string())?;
            eprintln!(
                "wrote the teaching case {} ({} + {} de-identified files; answers: {} new, {} \
                 enlarging, {} enhancing)",
                out.display(),
                case.files[0],
                case.files[1],
                case.answers.new,
                case.answers.enlarging,
                case.answers.enhancing
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Score {
            reference,
            marks,
            json,
            min_overlap,
            min_volume,
        }) => {
            let settings = tandem::training::ScoreSettings {
                min_overlap,
                min_volume_mm3: min_volume,
                ..Default::default()
            };
            score_command(&reference, &marks, json, &settings)
        }
        Some(Command::Compare {
            baseline,
            followup,
            out,
            baseline_series,
            followup_series,
            contrast,
            no_contrast,
            replace,
        }) => {
            let options = CompareOptions {
                baseline_series,
                followup_series,
                contrast: match (contrast, no_contrast) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                ..CompareOptions::default()
            };
            compare_command(&baseline, &followup, &out, &options, replace)
        }
    }
}

fn info(paths: &[PathBuf], load: bool, json: bool) -> Result<ExitCode, String> {
    let scan = scan_paths(paths, &Progress::new());
    let report = InfoReport::new(&scan, load);
    let text = if json {
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
    } else {
        report.to_text()
    };
    print_out(&text)?;
    if report.loadable_series() == 0 && report.patients.is_empty() {
        eprintln!("tandem: nothing readable under the given path(s)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn synth(out: PathBuf, scale: f64, uncompressed: bool) -> Result<ExitCode, String> {
    if !(0.25..=8.0).contains(&scale) {
        return Err(format!("--scale {scale} is outside 0.25..=8"));
    }
    let options = SampleOptions {
        voxel_scale: scale,
        encoding: if uncompressed {
            Encoding::ExplicitLittleEndian
        } else {
            Encoding::JpegLsLossless
        },
        ..SampleOptions::default()
    };
    let start = Instant::now();
    let truth = write_sample_pair(&out, &options).map_err(|e| e.to_string())?;
    eprintln!(
        "wrote {} exams, {} lesions to {} in {:.1} s",
        truth.exams.len(),
        truth.lesions.len(),
        out.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn list_cases_command() -> Result<ExitCode, String> {
    let mut text = String::new();
    for case in tandem::synth::corpus::corpus() {
        text += &format!("{}\t{}\n", case.name, case.class);
    }
    print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn synth_case(out: PathBuf, name: &str) -> Result<ExitCode, String> {
    let case = tandem::synth::corpus::corpus()
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| format!("no corpus case {name:?} (tandem synth --list-cases)"))?;
    let start = Instant::now();
    let lesions = case.lesions();
    let truth =
        tandem::synth::write_pair(&out, &case.options, &lesions).map_err(|e| e.to_string())?;
    eprintln!(
        "wrote {} ({}): {} lesions to {} in {:.1} s",
        case.name,
        case.class,
        truth.lesions.len(),
        out.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn compare_command(
    baseline: &std::path::Path,
    followup: &std::path::Path,
    out: &std::path::Path,
    options: &CompareOptions,
    replace: bool,
) -> Result<ExitCode, String> {
    // Refuse before the work, not after it.
    if !replace && tandem::report::report_exists(out) {
        return Err(format!(
            "{}: already holds a report; give another --out or add --replace",
            out.display()
        ));
    }
    let comparison =
        compare_full(baseline, followup, options, &Progress::new()).map_err(|e| e.to_string())?;
    let paths = [baseline.to_path_buf(), followup.to_path_buf()];
    let reading = tandem::reading::Reading::new(comparison, options.clone(), &paths);
    let report = reading.report();
    let written = tandem::report::write_report_folder(out, &reading, None, replace)
        .map_err(|e| e.to_string())?;
    print_out(&report.summary_text())?;
    for warning in &written.warnings {
        eprintln!("tandem: {warning}");
    }
    eprintln!(
        "wrote {} ({} files, {} lesion(s), {:.1} s)",
        out.display(),
        written.files.len(),
        report.lesions.len(),
        report.timings_s.total
    );
    if !report.registration.reliable {
        // The report is written for inspection, but a script must not take it at face value.
        eprintln!(
            "tandem: registration failed: {}",
            report.registration.warnings.join("; ")
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn score_command(
    reference: &std::path::Path,
    marks: &std::path::Path,
    json: bool,
    settings: &tandem::training::ScoreSettings,
) -> Result<ExitCode, String> {
    let (reference, marks, geometry) =
        tandem::training::sources::read_pair(reference, marks).map_err(|e| e.to_string())?;
    let score = tandem::training::score(&reference, &marks, &geometry, settings);
    let text = if json {
        serde_json::to_string_pretty(&score).map_err(|e| e.to_string())? + "\n"
    } else {
        tandem::training::score_text(&score)
    };
    print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn bench_load(paths: &[PathBuf], runs: usize) -> Result<ExitCode, String> {
    for path in paths {
        let scan = scan_paths(std::slice::from_ref(path), &Progress::new());
        let series = scan
            .all_series()
            .find(|s| s.stack.is_ok())
            .ok_or_else(|| format!("{}: no loadable series", path.display()))?;
        let mut times = Vec::new();
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            // Scan + load, as a user opening the folder would wait for.
            let scan = scan_paths(std::slice::from_ref(path), &Progress::new());
            let series = scan
                .all_series()
                .find(|s| s.id == series.id)
                .ok_or("series vanished")?;
            let volume = load_series(series, &Progress::new()).map_err(|e| e.to_string())?;
            times.push(start.elapsed().as_secs_f64());
            std::hint::black_box(volume);
        }
        times.sort_by(f64::total_cmp);
        let line = serde_json::json!({
            "path": path,
            "median_s": times[times.len() / 2],
            "min_s": times[0],
            "runs": times.len(),
            "peak_rss_mb": peak_rss_mb(),
        });
        print_out(&format!("{line}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Peak resident memory of this process (Linux), in MiB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn print_out(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .map_err(|e| format!("writing output: {e}"))
}
