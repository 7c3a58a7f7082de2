//! Every integration test, as modules of one test binary (`autotests = false` in Cargo.toml).
//! Each test binary links the whole crate and its dependencies (hundreds of MB of debug
//! build each), so one binary instead of one per file saves most of the test build's linking
//! and disk, and its tests share one pool of test threads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod architecture;
mod bad_input;
mod cli;
mod compare;
mod corpus;
mod deflated;
mod dicomdir;
mod external_fixtures;
mod fuzz;
mod hostile_files;
mod nifti;
mod registration;
mod report;
mod sample_pair;
mod seg;
mod session;
mod teach_pack;
mod unexplained;

/// A test file not declared above would silently never run (cargo no longer finds test files
/// by itself): every `tests/*.rs` must be a module here.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let here = include_str!("main.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some(module) = name.strip_suffix(".rs")
            && module != "main"
        {
            assert!(
                here.contains(&format!("\nmod {module};\n")),
                "tests/{name} is not declared in tests/main.rs"
            );
        }
    }
}
