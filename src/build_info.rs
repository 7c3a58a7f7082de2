//! The exact build: package version and git commit, stamped in by build.rs.

/// Package version from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Git commit the binary was built from (`-dirty` with uncommitted changes, `unknown` outside
/// git).
pub const COMMIT: &str = env!("TANDEM_GIT_COMMIT");
/// `"0.1.0 (abc123def456)"`: the string every report and `--version` carries.
pub const DESCRIBE: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("TANDEM_GIT_COMMIT"),
    ")"
);

/// [`DESCRIBE`] as an owned string.
pub fn describe() -> String {
    DESCRIBE.to_owned()
}
