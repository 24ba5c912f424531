//! The fixer's temporary files: named so that they are recognisably ours
//! (`.composeguard-<pid>-<6 letters or digits>.tmp`), removed on Ctrl-C and SIGTERM, and removed
//! on a later run when the process that made them is gone.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::{Duration, SystemTime};

const PREFIX: &str = ".composeguard-";
const SUFFIX: &str = ".tmp";
/// Random letters and digits after the process id.
const RANDOM: usize = 6;

/// A temporary file older than this whose process is gone is stale. The age guards against a
/// process in another PID namespace (a container sharing the folder) that this one cannot see.
const STALE_AFTER: Duration = Duration::from_secs(60);

/// The temporary files that exist now, removed if a signal ends the process.
static REGISTERED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Folders already cleaned of stale files in this run (bounded: forgotten past the limit).
static CLEANED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
const MAX_CLEANED: usize = 4096;

fn registered() -> MutexGuard<'static, Vec<PathBuf>> {
    REGISTERED.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file beside the file it will replace.
pub(super) struct TempFile {
    pub path: PathBuf,
    pub file: File,
    persisted: bool,
}

impl TempFile {
    /// Creates and registers it (under the registry's lock, so that a signal never finds it
    /// created and not registered).
    pub fn create(dir: &Path) -> std::io::Result<TempFile> {
        let mut registry = registered();
        let (file, path) = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .suffix(SUFFIX)
            .rand_bytes(RANDOM)
            .tempfile_in(dir)?
            .keep()
            .map_err(|e| e.error)?;
        registry.push(path.clone());
        Ok(TempFile {
            path,
            file,
            persisted: false,
        })
    }

    /// Renames it over `target`.
    pub fn persist(mut self, target: &Path) -> std::io::Result<()> {
        let mut registry = registered();
        std::fs::rename(&self.path, target)?;
        self.persisted = true;
        registry.retain(|p| *p != self.path);
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.persisted {
            return;
        }
        let mut registry = registered();
        let _ = std::fs::remove_file(&self.path);
        registry.retain(|p| *p != self.path);
    }
}

/// From now on, SIGINT and SIGTERM remove the temporary files, then end the process with
/// 128 + the signal (130, 143), as a shell reports it. Idempotent.
pub fn remove_temp_files_on_signals() {
    #[cfg(unix)]
    static ONCE: Once = Once::new();
    #[cfg(unix)]
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        // The handler only wakes this thread; the files are removed here, outside it.
        let _ = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Held until the exit: no temporary file is created or renamed after this.
                    let registry = registered();
                    for path in registry.iter() {
                        let _ = std::fs::remove_file(path);
                    }
                    std::process::exit(128 + signal);
                }
            });
    });
}

/// Whether `name` is exactly the name of one of our temporary files, and the process id in it.
fn temp_file_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (pid, random) = rest.split_once('-')?;
    let valid_pid = !pid.is_empty() && pid.len() <= 10 && pid.bytes().all(|b| b.is_ascii_digit());
    let valid_random = random.len() == RANDOM && random.bytes().all(|b| b.is_ascii_alphanumeric());
    (valid_pid && valid_random)
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether the process `pid` is gone (never said where it cannot be asked).
#[cfg(not(unix))]
fn is_gone(_: u32) -> bool {
    false
}

/// Whether the process `pid` is gone.
#[cfg(unix)]
fn is_gone(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 checks that the process exists and sends nothing.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    !alive && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Removes from `dir` the temporary files a dead composeguard left (a `kill -9`, a power cut):
/// regular files named exactly as ours, whose process is gone, older than a minute. Once per
/// folder and run.
pub fn clean_stale_temp_files(dir: &Path) {
    {
        let mut cleaned = CLEANED.lock().unwrap_or_else(|e| e.into_inner());
        let cleaned = cleaned.get_or_insert_with(HashSet::new);
        if cleaned.len() >= MAX_CLEANED {
            cleaned.clear();
        }
        if !cleaned.insert(dir.to_path_buf()) {
            return;
        }
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_file_pid) else {
            continue;
        };
        // `symlink_metadata`: a link named like ours is not ours.
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if meta.file_type().is_file() && old && is_gone(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Tests hold a fix between writing the temporary file and renaming it
/// (`COMPOSEGUARD_TEST_WRITE_DELAY_MS`, read only with `COMPOSEGUARD_TEST` set), to send a
/// signal or change the file then.
pub(super) fn test_delay() {
    if std::env::var_os("COMPOSEGUARD_TEST").is_none() {
        return;
    }
    if let Some(ms) = std::env::var("COMPOSEGUARD_TEST_WRITE_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(Duration::from_millis(ms.min(60_000)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_exact_names_are_temporary_files() {
        assert_eq!(temp_file_pid(".composeguard-1234-aB3xYz.tmp"), Some(1234));
        for name in [
            ".composeguard-1234-aB3xYz.tmp.keep",
            ".composeguard-1234-aB3xY.tmp",
            ".composeguard-1234-aB3x_z.tmp",
            ".composeguard--aB3xYz.tmp",
            ".composeguard-12a4-aB3xYz.tmp",
            ".composeguard-notes",
            "composeguard-1234-aB3xYz.tmp",
            ".composeguard-99999999999-aB3xYz.tmp",
        ] {
            assert_eq!(temp_file_pid(name), None, "{name}");
        }
    }

    #[test]
    fn a_temporary_file_is_named_as_ours_and_removed_unless_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = TempFile::create(dir.path()).unwrap();
        let name = tmp.path.file_name().unwrap().to_str().unwrap().to_string();
        assert_eq!(temp_file_pid(&name), Some(std::process::id()), "{name}");
        assert!(registered().contains(&tmp.path));
        let path = tmp.path.clone();
        drop(tmp);
        assert!(!path.exists());
        assert!(!registered().contains(&path));
    }
}
