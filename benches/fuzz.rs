//! The fuzzing harness (issue #11): mutants of every seed fed to the entry points that read a
//! user's files (`tandem::fuzz`). Prints executions per second, executions per target, and
//! failures by kind and place; saves each failing input; exits 1 on any failure.
//!
//! `cargo bench --bench fuzz -- --execs 1000000 --key 1 --out target/fuzz`
//!
//! Options: `--execs N` (default 20000), `--key K` (default 1), `--first N` (go on from
//! execution N), `--out DIR` (default target/fuzz: failures in DIR/failures, worker copies in
//! DIR/work), `--no-report-seeds` (skip the SEG, NIfTI and session seeds, which need a
//! comparison of the sample pair), `--trace-memory` (report and save each input that raises
//! the peak memory past 64 MiB; with `RAYON_NUM_THREADS=1` to know whose it is),
//! `--processes` (read each DICOM series and DICOMDIR mutant with `tandem info --load` in its
//! own process and fail any whose peak resident memory passes 256 MiB; `--tandem PATH` reads
//! them with that binary instead of the one built beside the bench, which a rebuild replaces).

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use tandem::fuzz::{Config, run, seeds::repository_seeds};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let number = |name: &str, default: u64| {
        value(name)
            .and_then(|v| v.replace('_', "").parse().ok())
            .unwrap_or(default)
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = value("--out").map_or_else(|| root.join("target/fuzz"), PathBuf::from);
    let with_report = !args.iter().any(|a| a == "--no-report-seeds");
    let scratch = out.join("seeds");
    let seeds = match repository_seeds(root, &scratch, with_report) {
        Ok(seeds) => seeds,
        Err(e) => {
            eprintln!("fuzz: seeds: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = Config {
        key: number("--key", 1),
        first: number("--first", 0),
        executions: number("--execs", 20_000),
        work: out.join("work"),
        failures: Some(out.join("failures")),
        hang_after: Duration::from_secs(20),
        trace_memory: args.iter().any(|a| a == "--trace-memory"),
        child: args.iter().any(|a| a == "--processes").then(|| {
            value("--tandem").map_or_else(|| env!("CARGO_BIN_EXE_tandem").into(), PathBuf::from)
        }),
    };
    println!(
        "fuzz: {} seeds, {} executions from {} (key {}); work in {}",
        seeds.len(),
        config.executions,
        config.first,
        config.key,
        config.work.display()
    );
    let total = config.executions;
    let tick = |done: u64| {
        if done.is_multiple_of(50_000) {
            eprintln!("fuzz: {done} of {total}");
        }
    };
    let summary = match run(&seeds, &config, &tick) {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("fuzz: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "fuzz: {} executions in {:.1} s ({:.0} per second), {} failures",
        summary.executions,
        summary.seconds,
        summary.per_second(),
        summary.failures.len()
    );
    if summary.child_peak_kib > 0 {
        println!(
            "  largest peak resident memory of one tandem process: {:.1} MiB (bound 256 MiB)",
            summary.child_peak_kib as f64 / 1024.0
        );
    }
    for (target, n) in &summary.per_target {
        println!("  {target}: {n} executions");
    }
    for (kind, n) in summary.failures_by_kind() {
        println!("  {n} × {kind}");
    }
    for f in summary.failures.iter().take(20) {
        println!(
            "  execution {} ({}): saved as {:?}",
            f.execution, f.seed, f.saved
        );
    }
    if summary.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
