//! File writing that never leaves a half-written file behind: write a temporary file in the
//! same folder, flush it to disk, then rename it over the target.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |temp| std::fs::File::create(temp)?.write_all(bytes))
}

/// Makes `path` atomically with `write`, which creates the file at the temporary path it is
/// given (for writers that want a path rather than bytes). The temporary's name ends with
/// `path`'s whole file name, so a writer that goes by the extension (`.nii.gz`) sees it.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    // Unique per write, so an autosave and a save running at once never share a temporary.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = dir.join(format!(".tmp-{}-{n}.{name}", std::process::id()));
    let result = (|| {
        write(&temp)?;
        std::fs::OpenOptions::new()
            .write(true)
            .open(&temp)?
            .sync_all()?;
        std::fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        Error::io(path, e)
    })
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
        assert!(write_atomic(&dir.path().join("missing/x.json"), b"x").is_err());
    }

    #[test]
    fn a_writer_given_a_path_sees_the_target_name_and_leaves_nothing_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.nii.gz");
        write_atomic_with(&path, |temp| {
            assert!(
                temp.to_string_lossy().ends_with(".labels.nii.gz"),
                "{temp:?}"
            );
            std::fs::write(temp, b"made")
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"made");
        let failed = write_atomic_with(&path, |temp| {
            std::fs::write(temp, b"half")?;
            Err(std::io::Error::other("writer failed"))
        });
        assert!(failed.unwrap_err().to_string().contains("writer failed"));
        assert_eq!(std::fs::read(&path).unwrap(), b"made");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
