//! Asking the reader for a file or folder: the system's dialog (rfd, on a helper thread, so the
//! window keeps drawing), or a path typed into the app where no system dialog can open. On
//! Linux rfd needs an xdg-desktop-portal service or zenity; without either it returns nothing,
//! exactly as if the reader had cancelled, so the app checks first and says why instead.

use std::path::{Path, PathBuf};

use super::command::Command;

/// What is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Folder,
    File,
    /// A file to write, with a suggested name.
    Save(String),
}

/// A question for a path and what to do with the answer.
pub struct FileRequest {
    pub title: String,
    pub pick: Pick,
    /// (name, extension) of the files offered.
    pub filter: Option<(&'static str, &'static str)>,
    /// The command the chosen path becomes.
    pub then: Box<dyn FnOnce(PathBuf) -> Command + Send>,
}

impl FileRequest {
    pub fn new(
        title: impl Into<String>,
        pick: Pick,
        then: impl FnOnce(PathBuf) -> Command + Send + 'static,
    ) -> Self {
        Self {
            title: title.into(),
            pick,
            filter: None,
            then: Box::new(then),
        }
    }

    pub fn filter(mut self, name: &'static str, extension: &'static str) -> Self {
        self.filter = Some((name, extension));
        self
    }

    /// Runs the system dialog (blocking: call it off the UI thread).
    pub fn ask_system(self) -> Option<Command> {
        let mut dialog = rfd::FileDialog::new().set_title(&self.title);
        if let Some((name, extension)) = self.filter {
            dialog = dialog.add_filter(name, &[extension]);
        }
        let picked = match &self.pick {
            Pick::Folder => dialog.pick_folder(),
            Pick::File => dialog.pick_file(),
            Pick::Save(name) => dialog.set_file_name(name).save_file(),
        };
        picked.map(self.then)
    }
}

/// A request waiting for the reader to type its path.
pub struct PathPrompt {
    pub request: FileRequest,
    pub text: String,
    /// Why the system dialog is not used.
    pub why: String,
}

/// Why no system file dialog can open here, or `None` when one can.
pub fn system_dialog_missing() -> Option<String> {
    if !cfg!(target_os = "linux") || on_path("zenity") || portal_reachable() {
        return None;
    }
    Some(
        "No file dialog can open on this machine: it has neither an xdg-desktop-portal service \
         nor zenity (scripts/setup.sh installs zenity). Type the path instead."
            .to_owned(),
    )
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// A session bus to talk on and the portal's service there (running, or started on demand
/// from its D-Bus service file).
fn portal_reachable() -> bool {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty())
        || runtime.is_some_and(|d| d.join("bus").exists());
    let data_dirs = std::env::var("XDG_DATA_DIRS")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".to_owned());
    let home_data = std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share"));
    let service = "dbus-1/services/org.freedesktop.portal.Desktop.service";
    bus && std::env::split_paths(&data_dirs)
        .chain(home_data)
        .any(|d| d.join(service).is_file())
}

/// A path as typed: trimmed, with a leading `~` for the home folder.
pub fn typed_path(text: &str) -> PathBuf {
    let text = text.trim();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match (text.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(text),
    }
}
