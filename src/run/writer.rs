//! Writing fixed files on a thread of their own, so that checking goes on while the file system
//! works.
//!
//! Replacing a file can block: the rename frees the old file's blocks, and on a file system
//! mounted with `discard` that waits for the disk (0.3 ms a file here, measured with
//! `strace -T`; `perf` showed the workers asleep in `blkdev_issue_discard`). Done by the
//! workers, that wait came on top of the checking; on this thread it overlaps with it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::fix::{WriteOptions, remove_temp_files_on_signals, write_atomic_to};

/// How many fixed files may wait to be written before the workers wait for the writer: the
/// queue holds their texts, and memory must not grow with the number of files.
const QUEUE: usize = 32;

/// One fixed file to write.
struct Pending {
    path: PathBuf,
    /// The text as read: the file is left alone if it changed since.
    expected: Arc<str>,
    fixed: Arc<str>,
}

/// A file that could not be written, and why.
pub(super) struct Unwritten {
    pub path: PathBuf,
    /// `error: PATH: WHY`, a line.
    pub message: String,
}

pub(super) struct Writer {
    queue: SyncSender<Pending>,
    thread: JoinHandle<Vec<(PathBuf, String)>>,
}

impl Writer {
    pub(super) fn start(options: WriteOptions) -> Writer {
        // Ctrl-C or SIGTERM while a fix is being written must not leave its temporary file.
        remove_temp_files_on_signals();
        let (queue, pending) = sync_channel::<Pending>(QUEUE);
        let thread = std::thread::spawn(move || {
            let mut errors = Vec::new();
            for file in pending {
                let written = write_target(&file.path).and_then(|target| {
                    write_atomic_to(&target, &file.expected, &file.fixed, options)
                });
                if let Err(e) = written {
                    errors.push((file.path, e.to_string()));
                }
            }
            errors
        });
        Writer { queue, thread }
    }

    /// Queues `fixed` to replace the file at `path`, which held `expected` when it was read.
    pub(super) fn write(&self, path: &Path, expected: Arc<str>, fixed: Arc<str>) {
        let file = Pending {
            path: path.to_path_buf(),
            expected,
            fixed,
        };
        // The writer stops only when the queue is dropped (in `finish`), or when it panics:
        // that panic is reported by `finish`.
        let _ = self.queue.send(file);
    }

    /// Waits for every queued file to be written: those that could not be, in the order of
    /// their paths (the workers queue them in no set order).
    pub(super) fn finish(self) -> Vec<Unwritten> {
        drop(self.queue);
        let Ok(mut errors) = self.thread.join() else {
            return vec![Unwritten {
                path: PathBuf::new(),
                message: "error: internal error (a bug) while writing the fixed files\n".into(),
            }];
        };
        errors.sort();
        errors
            .into_iter()
            .map(|(path, why)| Unwritten {
                message: format!("error: {}: {why}\n", path.display()),
                path,
            })
            .collect()
    }
}

/// The path a fix is written to: the file a link points to, so that the link stays a link.
fn write_target(path: &Path) -> std::io::Result<PathBuf> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        std::fs::canonicalize(path)
    } else {
        Ok(path.to_path_buf())
    }
}
