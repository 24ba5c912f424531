//! Bounds on what composeguard reads and repeats back: every input is read through
//! [`read_at_most`], and a value quoted in a message goes through [`cut`] (so a 50 MB value
//! never makes a 50 MB message). docs/robustness.md lists every bound.

use std::borrow::Cow;
use std::io::Read;

/// The most a config file (`composeguard.toml`) may hold. Real ones are a few kilobytes; a
/// list of 20,000 globs is under 1 MB.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The most characters of a value a message quotes.
pub const MAX_ECHOED_CHARS: usize = 120;

/// The most characters of a message (an error of a library that may quote its input).
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// Reads to the end, but not more than `limit` bytes: `Ok(None)` when there is more.
pub fn read_at_most(reader: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// `text` when it is short, else its first [`MAX_ECHOED_CHARS`] characters and how much was
/// left out.
pub fn cut(text: &str) -> Cow<'_, str> {
    cut_to(text, MAX_ECHOED_CHARS)
}

/// `text` when it has at most `max` characters, else its first `max` and how much was left
/// out.
pub fn cut_to(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!(
            "{}… ({} more bytes)",
            &text[..end],
            text.len() - end
        )),
    }
}

/// Control characters (C0, DEL, C1) written as escapes (`\u{1b}`), so that a file name or a
/// value cannot move the cursor, retitle or clear the terminal. Tabs stay (they are layout).
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_escaped(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_no_further() {
        assert_eq!(read_at_most(&b"abc"[..], 3).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_at_most(&b"abcd"[..], 3).unwrap(), None);
        // An endless reader stops one byte past the limit.
        assert_eq!(read_at_most(std::io::repeat(b'x'), 10).unwrap(), None);
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(200);
        let shown = cut(&long);
        assert!(shown.starts_with(&"é".repeat(MAX_ECHOED_CHARS)), "{shown}");
        assert!(shown.ends_with("… (160 more bytes)"), "{shown}");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            escape_controls("x\x1b]0;t\x07\u{9b}\r\u{7f}"),
            "x\\u{1b}]0;t\\u{7}\\u{9b}\\u{d}\\u{7f}"
        );
    }
}
