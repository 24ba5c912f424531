//! Standard output that remembers its first failure: a full disk (`> /dev/full`) or a closed
//! pipe. Output is written in many places with `let _ =`; `main` asks this writer at the
//! end, so that any lost output is exit 2 with a message, whatever `--exit-zero` says (an
//! editor would otherwise replace a buffer with nothing).
//!
//! A descriptor closed before the start (`>&-`) cannot be noticed: the standard library
//! opens /dev/null on it when the process starts.

use std::io::{self, Write};

pub struct CheckedOutput<W: Write> {
    inner: W,
    failure: Option<io::Error>,
}

impl<W: Write> CheckedOutput<W> {
    pub fn new(inner: W) -> Self {
        CheckedOutput {
            inner,
            failure: None,
        }
    }

    /// Flushes, then the first failure, if any write or the flush failed.
    pub fn finish(&mut self) -> Option<&io::Error> {
        let _ = self.flush();
        self.failure.as_ref()
    }

    fn check<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result
            && self.failure.is_none()
        {
            self.failure = Some(io::Error::new(e.kind(), e.to_string()));
        }
        result
    }
}

impl<W: Write> Write for CheckedOutput<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.check(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.check(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose device is full; `flushed` says whether it fails on flush only.
    struct Full {
        on_flush_only: bool,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.on_flush_only {
                return Ok(buf.len());
            }
            Err(io::Error::from_raw_os_error(libc::ENOSPC))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(libc::ENOSPC))
        }
    }

    #[test]
    fn the_first_failure_is_kept() {
        for on_flush_only in [false, true] {
            let mut out = CheckedOutput::new(Full { on_flush_only });
            let _ = out.write_all(b"x");
            let _ = out.write_all(b"y");
            let failure = out.finish().expect("a failure");
            assert!(failure.to_string().contains("No space left"), "{failure}");
        }
        let mut fine = CheckedOutput::new(Vec::new());
        fine.write_all(b"x").unwrap();
        assert!(fine.finish().is_none());
    }
}
