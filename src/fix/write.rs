//! Writing a fixed file: atomically (a temporary file renamed over it), keeping what the file
//! system holds about it (mode, owner, group, extended attributes, POSIX ACLs), and never over
//! a change made since it was read. See docs/robustness.md, "Fixes and the file system".

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;

use super::temp_files::{TempFile, clean_stale_temp_files, test_delay};

#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// A file with several hard links is rewritten in place, so that every name sees the fix
    /// (`--fix-hard-links`); otherwise it is not written (a rename would split the links).
    pub hard_links: bool,
}

/// [`write_atomic_to`] after resolving links (the target is rewritten, the link stays a
/// link), with the default options.
pub fn write_atomic(path: &Path, expected: &str, content: &str) -> std::io::Result<()> {
    write_atomic_to(
        &std::fs::canonicalize(path)?,
        expected,
        content,
        WriteOptions::default(),
    )
}

/// Replaces the file at `target` (links resolved already) with `content`. `expected` is the
/// text read at the start: if the file holds anything else, nothing is written.
pub fn write_atomic_to(
    target: &Path,
    expected: &str,
    content: &str,
    options: WriteOptions,
) -> std::io::Result<()> {
    write_checked(target, expected, content, options, &mut test_delay)
}

/// [`write_atomic_to`], calling `before_last_check` once the new text is ready to take the
/// file's place (tests change the file there).
pub(crate) fn write_checked(
    target: &Path,
    expected: &str,
    content: &str,
    options: WriteOptions,
    before_last_check: &mut dyn FnMut(),
) -> std::io::Result<()> {
    // One open for the checks and the metadata: every call by path walks the folders again.
    let mut original = File::open(target)?;
    let read = original.metadata()?;
    let mut current = Vec::with_capacity(expected.len());
    original.read_to_end(&mut current)?;
    if current != expected.as_bytes() {
        return Err(changed());
    }
    if read.permissions().readonly() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the file is read-only; not written",
        ));
    }
    let links = link_count(&read);
    if links > 1 {
        if !options.hard_links {
            return Err(std::io::Error::other(format!(
                "the file has {links} hard links, and replacing it would leave the other names \
                 with the old text; not written (--fix-hard-links rewrites it in place, for \
                 every name, without the atomic rename)"
            )));
        }
        return write_in_place(
            target,
            &mut original,
            &read,
            expected,
            content,
            before_last_check,
        );
    }
    // A bare file name's parent is "": the current folder.
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    clean_stale_temp_files(dir);
    let mut tmp = TempFile::create(dir)?;
    tmp.file.write_all(content.as_bytes())?;
    // No fsync per file (as ruff and black): the rename makes the change atomic for every
    // reader, and an fsync per file made `--fix` on many files several times slower.
    keep_metadata(&original, &read, &tmp.file)?;
    before_last_check();
    // The last moment before the rename: the file is still the one read, unchanged.
    unchanged_since_read(target, &mut original, &read, expected)?;
    tmp.persist(target)
}

fn changed() -> std::io::Error {
    std::io::Error::other("the file changed while it was being checked; not written")
}

/// Whether the file at `target` is still the one opened (`original`), with the metadata and
/// the content it had when it was read. Cheap checks first: an append changes the size and
/// the times; an edit of the same size within the clock's tick is caught by the content.
fn unchanged_since_read(
    target: &Path,
    original: &mut File,
    read: &std::fs::Metadata,
    expected: &str,
) -> std::io::Result<()> {
    let now = std::fs::symlink_metadata(target)?;
    if !same_file_and_times(read, &now) {
        return Err(changed());
    }
    original.rewind()?;
    let mut current = Vec::with_capacity(expected.len());
    original.read_to_end(&mut current)?;
    if current != expected.as_bytes() {
        return Err(changed());
    }
    Ok(())
}

#[cfg(unix)]
fn same_file_and_times(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (
        a.dev(),
        a.ino(),
        a.len(),
        a.mtime(),
        a.mtime_nsec(),
        a.ctime(),
        a.ctime_nsec(),
    ) == (
        b.dev(),
        b.ino(),
        b.len(),
        b.mtime(),
        b.mtime_nsec(),
        b.ctime(),
        b.ctime_nsec(),
    )
}

#[cfg(not(unix))]
fn same_file_and_times(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    (a.len(), a.modified().ok()) == (b.len(), b.modified().ok())
}

#[cfg(unix)]
fn link_count(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn link_count(_: &std::fs::Metadata) -> u64 {
    1
}

/// `--fix-hard-links`: the file's own bytes are rewritten, so every name sees the new text.
/// Not atomic: a reader may see it half-written, and a crash may leave it so.
fn write_in_place(
    target: &Path,
    original: &mut File,
    read: &std::fs::Metadata,
    expected: &str,
    content: &str,
    before_last_check: &mut dyn FnMut(),
) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).open(target)?;
    before_last_check();
    unchanged_since_read(target, original, read, expected)?;
    file.write_all(content.as_bytes())?;
    file.set_len(content.len() as u64)?;
    Ok(())
}

/// Gives the temporary file the original's owner, group, mode, extended attributes and ACLs
/// (an ACL is the `system.posix_acl_access` attribute). What cannot be kept stops the write.
fn keep_metadata(original: &File, read: &std::fs::Metadata, tmp: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        use std::os::unix::io::AsRawFd;
        let made = tmp.metadata()?;
        if (made.uid(), made.gid()) != (read.uid(), read.gid()) {
            // SAFETY: a valid descriptor and plain integers.
            if unsafe { libc::fchown(tmp.as_raw_fd(), read.uid(), read.gid()) } != 0 {
                let why = std::io::Error::last_os_error();
                return Err(std::io::Error::new(
                    why.kind(),
                    format!(
                        "cannot give the new file the owner {}:{} ({why}); not written",
                        read.uid(),
                        read.gid()
                    ),
                ));
            }
        }
    }
    // After the owner: changing the owner clears the set-user-ID and set-group-ID bits.
    tmp.set_permissions(read.permissions())?;
    // After the mode: the ACL then sets the group bits to its mask, as the original had them.
    #[cfg(target_os = "linux")]
    xattrs::copy(original, tmp)?;
    #[cfg(not(target_os = "linux"))]
    let _ = original;
    Ok(())
}

#[cfg(target_os = "linux")]
mod xattrs {
    use std::ffi::CStr;
    use std::fs::File;
    use std::os::unix::io::AsRawFd;

    /// Copies every extended attribute of `from` to `to`.
    pub(super) fn copy(from: &File, to: &File) -> std::io::Result<()> {
        let names = match read(|buf, len| {
            // SAFETY: `buf` holds `len` bytes (or is null with 0 to ask the size).
            unsafe { libc::flistxattr(from.as_raw_fd(), buf.cast(), len) }
        }) {
            Ok(names) => names,
            // A file system without extended attributes: nothing to keep.
            Err(e) if e.raw_os_error() == Some(libc::ENOTSUP) => return Ok(()),
            Err(e) => return Err(e),
        };
        for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            let mut owned = name.to_vec();
            owned.push(0);
            let name = CStr::from_bytes_with_nul(&owned).map_err(std::io::Error::other)?;
            let value = read(|buf, len| {
                // SAFETY: `name` is NUL-terminated; `buf` holds `len` bytes.
                unsafe { libc::fgetxattr(from.as_raw_fd(), name.as_ptr(), buf.cast(), len) }
            })?;
            // SAFETY: `name` is NUL-terminated; `value` is a live slice.
            let set = unsafe {
                libc::fsetxattr(
                    to.as_raw_fd(),
                    name.as_ptr(),
                    value.as_ptr().cast(),
                    value.len(),
                    0,
                )
            };
            if set != 0 {
                let why = std::io::Error::last_os_error();
                return Err(std::io::Error::new(
                    why.kind(),
                    format!(
                        "cannot keep the extended attribute {} ({why}); not written",
                        name.to_string_lossy()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Calls `get` to learn the size, then to fill a buffer (again if it grew meanwhile).
    fn read(mut get: impl FnMut(*mut u8, usize) -> isize) -> std::io::Result<Vec<u8>> {
        for _ in 0..4 {
            let size = get(std::ptr::null_mut(), 0);
            if size < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let mut buf = vec![0u8; size as usize];
            if buf.is_empty() {
                return Ok(buf);
            }
            let got = get(buf.as_mut_ptr(), buf.len());
            if got >= 0 {
                buf.truncate(got as usize);
                return Ok(buf);
            }
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::ERANGE) {
                return Err(std::io::Error::last_os_error());
            }
        }
        Err(std::io::Error::other(
            "the extended attributes kept changing while being read",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_made_just_before_the_rename_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("compose.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        let appended = "a: 1\nb: 2\n";
        let result = write_checked(
            &file,
            "a: 1\n",
            "a: 2\n",
            WriteOptions::default(),
            &mut || {
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&file)
                    .unwrap();
                f.write_all(b"b: 2\n").unwrap();
            },
        );
        let error = result.expect_err("the append must stop the write");
        assert!(error.to_string().contains("changed"), "{error}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), appended);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "the temporary file is removed");
    }

    #[test]
    fn a_same_size_change_with_the_same_times_is_caught_by_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("compose.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        let times = std::fs::metadata(&file).unwrap().modified().unwrap();
        let result = write_checked(
            &file,
            "a: 1\n",
            "a: 2\n",
            WriteOptions::default(),
            &mut || {
                let f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
                (&f).write_all(b"a: 3\n").unwrap();
                f.set_modified(times).unwrap();
            },
        );
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a: 3\n");
    }

    #[test]
    fn an_unchanged_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("compose.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        write_checked(
            &file,
            "a: 1\n",
            "a: 2\n",
            WriteOptions::default(),
            &mut || {},
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a: 2\n");
    }
}
