//! Open documents: their text kept in step with the client (whole-text or incremental
//! changes, UTF-16 positions) and the path they are linted as.

use std::path::PathBuf;

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::edits::Text;

/// The compose file name a document that is not a file (`untitled:`) is linted as.
const UNTITLED_NAME: &str = "compose.yaml";

#[derive(Debug, Clone)]
pub struct Document {
    pub text: String,
    pub version: i32,
    /// The path the buffer is linted as: a `.env`, `include:`s and `extends:` are found
    /// beside it.
    pub path: PathBuf,
    /// Whether the document is a file on disk (its text then stands in for the file when
    /// another document includes it).
    pub is_file: bool,
}

impl Document {
    pub fn new(uri: &Uri, text: String, version: i32) -> Self {
        let file = uri_to_path(uri);
        Document {
            text,
            version,
            is_file: file.is_some(),
            path: file.unwrap_or_else(|| {
                std::env::current_dir()
                    .unwrap_or_default()
                    .join(UNTITLED_NAME)
            }),
        }
    }

    /// Applies the changes of one `didChange`, in order: each range is in the text left by
    /// the change before it.
    pub fn apply_changes(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let r = Text::new(&self.text).byte_range(range);
                    self.text.replace_range(r, &change.text);
                }
            }
        }
        self.version = version;
    }
}

/// The path of a `file:` URI (percent-decoded); `None` for any other scheme.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let (scheme, rest) = s.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let path = match rest.strip_prefix("//") {
        // `file://host/path`: the host is empty or `localhost` on every editor that matters.
        Some(after) => &after[after.find('/').unwrap_or(after.len())..],
        None => rest,
    };
    let bytes = percent_decode(path)?;
    bytes_to_path(bytes)
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(unix)]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    if bytes.is_empty() {
        return None;
    }
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    let s = String::from_utf8(bytes).ok()?;
    // `/C:/Users/...` is `C:/Users/...`.
    let s = match s.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() => &s[1..],
        _ => &s[..],
    };
    if s.is_empty() {
        return None;
    }
    Some(PathBuf::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    #[cfg(unix)]
    fn file_uris_become_paths() {
        assert_eq!(
            uri_to_path(&uri("file:///srv/my%20stack/compose.yaml")),
            Some(PathBuf::from("/srv/my stack/compose.yaml"))
        );
        assert_eq!(
            uri_to_path(&uri("file://localhost/caf%C3%A9/compose.yml")),
            Some(PathBuf::from("/café/compose.yml"))
        );
        assert_eq!(uri_to_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(percent_decode("/bad%zz"), None);
        assert_eq!(percent_decode("/cut%4"), None);
    }

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn incremental_changes_use_utf16_columns() {
        let mut doc = Document::new(&uri("untitled:x"), "é😀 \"80:80\"\r\nb\n".into(), 1);
        // Insert after the opening quote: é is 1 unit, 😀 is 2, the space 1, the quote 1.
        doc.apply_changes(2, vec![change(Some(((0, 5), (0, 5))), "127.0.0.1:")]);
        assert_eq!(doc.text, "é😀 \"127.0.0.1:80:80\"\r\nb\n");
        // Several changes apply in sequence; a replacement across lines.
        doc.apply_changes(
            3,
            vec![
                change(Some(((1, 0), (1, 1))), "c"),
                change(Some(((0, 1), (1, 0))), ""),
            ],
        );
        assert_eq!(doc.text, "éc\n");
        // A position past the end clamps; a whole-text change replaces.
        doc.apply_changes(4, vec![change(Some(((7, 0), (9, 9))), "!")]);
        assert_eq!(doc.text, "éc\n!");
        doc.apply_changes(5, vec![change(None, "new")]);
        assert_eq!((doc.text.as_str(), doc.version), ("new", 5));
    }
}
