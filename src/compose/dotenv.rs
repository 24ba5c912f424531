//! `.env` files as Docker Compose v2 reads them.
//!
//! The authority is `docker-compose` v2.40.3 (compose-go v2.9.1, package `dotenv`). Every rule
//! below was checked against that binary with a `.env` beside a compose file and
//! `docker-compose config --environment` / `config --format json` (see the tests).
//!
//! # Format
//!
//! * Statements are separated by line breaks; blank lines and leading whitespace are skipped.
//!   A UTF-8 BOM at the start is ignored; CRLF line ends are fine (a `\r` is whitespace).
//! * A line whose first non-blank character is `#` is a comment.
//! * `KEY=VALUE`, `KEY: VALUE` (yaml-ish, the first `=` or `:` separates) and
//!   `export KEY=VALUE`; whitespace around the key and separator is ignored.
//! * A key is made of letters, digits (any script: `Ä`, `1A` are fine), `_`, `.`, `-`, `[`
//!   and `]` (letters are Rust's `char::is_alphabetic`, a little wider than Go's
//!   `unicode.IsLetter`: it also takes combining vowel signs); whitespace inside a key is skipped while scanning, then a key containing a space
//!   is an error (a tab is not: `A<tab>B=1` defines `A<tab>B`). Any other character is an
//!   error.
//! * `KEY` alone on a line takes the value of `KEY` from the process environment, or
//!   defines nothing when the process does not set it.
//! * Unquoted values run to the end of the line; ` #` (a space then `#`) starts a comment,
//!   `a#b` and `a<tab>#b` keep the `#`; trailing whitespace is trimmed. Backslashes are
//!   literal. `$` interpolation applies (see below).
//! * `'single quoted'`: literal, may span lines; `\'` is a quote, any other backslash is kept.
//! * `"double quoted"`: may span lines; `\"` is a quote; the escapes `\a \b \c \f \n \r \t \v
//!   \\ \$` and octal `\0NNN` are expanded (`\c` stays `\c`; `\0` alone becomes `\`, and an
//!   octal escape Go cannot read keeps its text without the `0`: `\01` is `\1`); `\x41`,
//!   `\u00e9` and other escapes are kept as written. Then `$` interpolation applies.
//! * Interpolation (double-quoted and unquoted values, not single-quoted ones) follows
//!   [`crate::compose::interpolate`]: a variable is looked up in the process environment
//!   first, then among the keys defined by *earlier* lines of the file; an unset one becomes
//!   `""`. Invalid syntax or `${X:?msg}` with `X` unset is an error.
//!
//! # Surprising behaviours (reproduced on purpose)
//!
//! * After a closing quote, the rest of the line is read as a new statement: `A="x" B=2`
//!   defines both `A` and `B`, `A="x" trailing` reads `trailing` as a bare key (harmless
//!   unless the process sets `trailing`), and `A="x" y z` is an error (a key with a space).
//! * A last line with no `=`/`:` and no line break after it (`B` at the very end of the
//!   file) defines the variable with the EMPTY name, whose value is that text (`"" = "B"`).
//!   A line `=2` also defines the empty name.
//! * `export` followed by a line break defines nothing; `export ` at the very end of the
//!   file is the error "zero length string".
//! * Duplicate keys: the last one wins.
//! * Compose reports line numbers that drift (it counts the lines of the rest of the file
//!   when a quote is unterminated, and not at all after a bare `KEY` line); the line numbers
//!   here are the real line of the statement or value.
//! * Compose ignores a `.env` that is a directory.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::compose::interpolate;

/// A `.env` file Compose would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// 1-based line of the offending statement or value; 0 when the file could not be read.
    pub line: usize,
    /// What is wrong, worded as Compose words it.
    pub message: String,
}

impl fmt::Display for DotenvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for DotenvError {}

/// Reads the `.env` file at `path`: `Ok(None)` when it does not exist or is a directory
/// (Compose ignores both). Bytes that are not UTF-8 are replaced (U+FFFD) before parsing.
pub fn read_dotenv_file(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Vec<(String, String)>>, DotenvError> {
    // A `.env` that is a FIFO or a device would block or never end: Compose reads files.
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Ok(m) if !m.is_file() && !m.is_dir() => {
            return Err(DotenvError {
                line: 0,
                message: format!("{} is not a regular file", path.display()),
            });
        }
        _ => {}
    }
    let read = std::fs::File::open(path)
        .and_then(|file| crate::limits::read_at_most(file, MAX_VALUES_BYTES as u64));
    let bytes = match read {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Err(DotenvError {
                line: 0,
                message: format!(
                    "{} is more than the {MAX_VALUES_BYTES} byte limit",
                    path.display()
                ),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) if path.is_dir() => return Ok(None),
        Err(e) => {
            return Err(DotenvError {
                line: 0,
                message: e.to_string(),
            });
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    parse_dotenv(&text, lookup).map(Some)
}

/// Parses the text of a `.env` file. `lookup` gives the process environment's value of a
/// name (it wins over earlier lines of the file when a value is interpolated, and it gives
/// the value of a bare `KEY` line).
///
/// The result holds each key once, in the order of its first definition, with its last
/// value. The values are the file's own: the process environment overriding them is the
/// caller's business (see [`crate::compose::interpolate::Environment`]).
pub fn parse_dotenv(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, DotenvError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut parser = Parser {
        text,
        lines: LineCounter::default(),
        out: Vec::new(),
        index: HashMap::new(),
        total: 0,
    };
    parser.parse(lookup)?;
    Ok(parser.out)
}

/// compose-go's `isSpace`: whitespace that is not a line feed.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{85}' | '\u{A0}'
    )
}

/// 1-based line of byte offsets, counted incrementally (offsets asked for mostly grow).
#[derive(Default)]
struct LineCounter {
    at: usize,
    line: usize,
}

impl LineCounter {
    fn line_of(&mut self, text: &str, offset: usize) -> usize {
        if offset < self.at {
            self.at = 0;
            self.line = 0;
        }
        self.line += text.as_bytes()[self.at..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.at = offset;
        self.line + 1
    }
}

struct Parser<'a> {
    text: &'a str,
    lines: LineCounter,
    out: Vec<(String, String)>,
    index: HashMap<String, usize>,
    /// Bytes of every value set so far (replaced ones included).
    total: usize,
}

/// The most bytes the values of one `.env` file may add up to (after interpolation): as much
/// as a compose file may hold.
pub const MAX_VALUES_BYTES: usize = crate::compose::project::MAX_FILE_BYTES as usize;

impl Parser<'_> {
    fn error(&mut self, offset: usize, message: String) -> DotenvError {
        DotenvError {
            line: self.lines.line_of(self.text, offset),
            message,
        }
    }

    /// Sets `key` to the value of the statement at `at`.
    fn set(&mut self, key: &str, value: String, at: usize) -> Result<(), DotenvError> {
        self.total += value.len();
        if self.total > MAX_VALUES_BYTES {
            return Err(self.error(
                at,
                format!("the values of this file add up to more than {MAX_VALUES_BYTES} bytes"),
            ));
        }
        match self.index.get(key) {
            Some(&i) => self.out[i].1 = value,
            None => {
                self.index.insert(key.to_string(), self.out.len());
                self.out.push((key.to_string(), value));
            }
        }
        Ok(())
    }

    fn parse(&mut self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<(), DotenvError> {
        let text = self.text;
        let mut pos = 0;
        loop {
            // Skip whitespace (line breaks included) and comment lines.
            let Some(start) = text[pos..]
                .find(|c: char| !c.is_whitespace())
                .map(|i| pos + i)
            else {
                return Ok(());
            };
            if text[start..].starts_with('#') {
                match text[start..].find('\n') {
                    Some(i) => {
                        pos = start + i;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            let key = self.key(start)?;
            if key.inherited {
                if let Some(v) = lookup(&key.name) {
                    self.set(&key.name, v, start)?;
                }
                pos = key.value_start;
                continue;
            }
            let (value, next) = self.value(key.value_start, lookup)?;
            self.set(&key.name, value, start)?;
            pos = next;
        }
    }

    /// compose-go's `locateKeyName`, from a statement's first character.
    fn key(&mut self, start: usize) -> Result<Key, DotenvError> {
        let text = self.text;
        let mut src = start;
        // `export` needs whitespace after it (`\s` in Go's regexp: `[\t\n\f\r ]`).
        if let Some(after) = text[start..].strip_prefix("export")
            && after.starts_with(['\t', '\n', '\u{0C}', '\r', ' '])
        {
            let after_start = start + "export".len();
            src = text[after_start..]
                .find(|c: char| !is_space(c))
                .map_or(text.len(), |i| after_start + i);
        }
        let mut name_end = None;
        let mut inherited = false;
        for (i, c) in text[src..].char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    name_end = Some(src + i);
                    inherited = c == '\n';
                    break;
                }
                '_' | '.' | '[' | ']' | '-' => {}
                c if c.is_alphabetic() || c.is_numeric() => {}
                c => {
                    let line = text[src..].split('\n').next().unwrap_or_default();
                    // Go's `%q` of the character as a string: `"#"`, not `'#'`.
                    let c = c.to_string();
                    return Err(self.error(
                        start,
                        format!(
                            "unexpected character {c:?} in variable name {:?}",
                            crate::limits::cut(line)
                        ),
                    ));
                }
            }
        }
        if src == text.len() {
            return Err(self.error(start, "zero length string".to_string()));
        }
        let (name, value_start) = match name_end {
            // The line is trimmed (a `\r` before the `\n` of a bare key goes too).
            Some(e) => (text[src..e].trim_end(), e + 1),
            // No separator before the end of the file: Compose leaves the key empty and reads
            // the whole statement as the value.
            None => ("", src),
        };
        if name.contains(' ') {
            return Err(self.error(start, "key cannot contain a space".to_string()));
        }
        let value_start = text[value_start..]
            .find(|c: char| !is_space(c))
            .map_or(text.len(), |i| value_start + i);
        Ok(Key {
            name: name.to_string(),
            value_start,
            inherited,
        })
    }

    /// compose-go's `extractVarValue`: the value at `start` and where the next statement
    /// begins.
    fn value(
        &mut self,
        start: usize,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(String, usize), DotenvError> {
        let text = self.text;
        let rest = &text[start..];
        let quote = match rest.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                let (line, next) = match rest.find('\n') {
                    Some(i) => (&rest[..i], start + i + 1),
                    None => (rest, text.len()),
                };
                let line = line.split_once(" #").map_or(line, |(v, _)| v);
                let value = self.expand(line.trim_end(), start, lookup)?;
                return Ok((value, next));
            }
        };
        let bytes = rest.as_bytes();
        let mut chars = Vec::with_capacity(rest.len().min(256));
        let mut escaped = false;
        for (i, &b) in bytes.iter().enumerate().skip(1) {
            if b != quote {
                if !escaped && b == b'\\' {
                    escaped = true;
                    continue;
                }
                if escaped {
                    escaped = false;
                    chars.push(b'\\');
                }
                chars.push(b);
                continue;
            }
            if escaped {
                // `\"` in double quotes, `\'` in single quotes: the quote itself.
                escaped = false;
                chars.push(b);
                continue;
            }
            // Only ASCII bytes were removed, so the bytes are still UTF-8.
            let value = String::from_utf8(chars).unwrap_or_default();
            let value = if quote == b'"' {
                self.expand(&expand_escapes(&value), start, lookup)?
            } else {
                value
            };
            return Ok((value, start + i + 1));
        }
        let first_line = rest.split('\n').next().unwrap_or_default();
        Err(self.error(
            start,
            format!(
                "unterminated quoted value {}",
                crate::limits::cut(first_line)
            ),
        ))
    }

    /// Interpolates a value; variables come from the process first, then earlier lines.
    fn expand(
        &mut self,
        value: &str,
        at: usize,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, DotenvError> {
        let result = {
            let (out, index) = (&self.out, &self.index);
            interpolate::interpolate_with(value, |name| {
                lookup(name)
                    .map(Cow::Owned)
                    .or_else(|| index.get(name).map(|&i| Cow::Borrowed(out[i].1.as_str())))
            })
            .map(|r| r.value.into_owned())
        };
        result.map_err(|e| {
            // Compose's words: `Invalid template: "${"`, or the required-variable message.
            let message = if e.message.starts_with("invalid interpolation format") {
                format!("Invalid template: {:?}", crate::limits::cut(value))
            } else {
                e.message
            };
            self.error(at, message)
        })
    }
}

struct Key {
    name: String,
    /// Where the value starts (after the separator and blanks), or the next statement for an
    /// inherited key.
    value_start: usize,
    /// `KEY` alone on its line.
    inherited: bool,
}

/// compose-go's `expandEscapes` on a double-quoted value: `\a \b \c \f \n \r \t \v \" \\ \$`
/// and `\0` followed by up to three digits. `\$` becomes `$$` (an escaped `$` for the
/// interpolation that follows). Other sequences stay as written.
fn expand_escapes(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            i += 1;
            continue;
        }
        let replacement: Option<(Cow<str>, usize)> = match b[i + 1] {
            b'a' => Some((Cow::Borrowed("\u{07}"), 2)),
            b'b' => Some((Cow::Borrowed("\u{08}"), 2)),
            // Go's `strconv.UnquoteChar` does not know `\c`: the text stays.
            b'c' => Some((Cow::Borrowed("\\c"), 2)),
            b'f' => Some((Cow::Borrowed("\u{0C}"), 2)),
            b'n' => Some((Cow::Borrowed("\n"), 2)),
            b'r' => Some((Cow::Borrowed("\r"), 2)),
            b't' => Some((Cow::Borrowed("\t"), 2)),
            b'v' => Some((Cow::Borrowed("\u{0B}"), 2)),
            b'"' => Some((Cow::Borrowed("\""), 2)),
            b'\\' => Some((Cow::Borrowed("\\"), 2)),
            b'$' => Some((Cow::Borrowed("$$"), 2)),
            b'0' => {
                let digits = b[i + 2..]
                    .iter()
                    .take(3)
                    .take_while(|d| d.is_ascii_digit())
                    .count();
                let text = &s[i + 2..i + 2 + digits];
                // Compose rewrites `\0NNN` as `\NNN` and reads that as an octal escape (three
                // octal digits, at most 255); when it cannot, the rewritten text stays.
                let octal = (digits == 3)
                    .then(|| u32::from_str_radix(text, 8).ok())
                    .flatten()
                    .filter(|&v| v <= 255)
                    .and_then(char::from_u32);
                match octal {
                    Some(c) => Some((Cow::Owned(c.to_string()), 2 + digits)),
                    None => Some((Cow::Owned(format!("\\{text}")), 2 + digits)),
                }
            }
            _ => None,
        };
        match replacement {
            Some((r, len)) => {
                out.push_str(&s[copied..i]);
                out.push_str(&r);
                i += len;
                copied = i;
            }
            None => i += 2,
        }
    }
    out.push_str(&s[copied..]);
    out
}

#[cfg(test)]
mod tests;
