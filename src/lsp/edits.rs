//! Byte offsets and LSP positions (0-based line, UTF-16 column), and changes of a text as
//! LSP `TextEdit`s.

use std::ops::Range as ByteRange;

use lsp_types::{Position, Range, TextEdit};
use similar::{Algorithm, DiffTag, capture_diff_slices};

use crate::fix::Edit;
use crate::line_index::LineIndex;

/// A text with its line index, for converting many offsets.
pub struct Text<'a> {
    pub text: &'a str,
    index: LineIndex,
}

impl<'a> Text<'a> {
    pub fn new(text: &'a str) -> Self {
        Text {
            text,
            index: LineIndex::new(text),
        }
    }

    /// The LSP position of a byte offset (clamped into the text, down to a char boundary).
    pub fn position(&self, offset: usize) -> Position {
        let p = self.index.position(self.text, offset);
        Position::new(clamp_u32(p.line), clamp_u32(p.utf16_col))
    }

    pub fn range(&self, span: &ByteRange<usize>) -> Range {
        let start = self.position(span.start);
        let end = self.position(span.end.max(span.start));
        Range::new(start, end)
    }

    /// The byte offset of an LSP position: a column past the end of its line means the end of
    /// the line, a line past the end means the end of the text, a column inside a surrogate
    /// pair means the character after.
    pub fn offset(&self, position: Position) -> usize {
        self.index.offset_utf16(
            self.text,
            position.line as usize,
            position.character as usize,
        )
    }

    /// The byte range of an LSP range (an end before the start is the start).
    pub fn byte_range(&self, range: Range) -> ByteRange<usize> {
        let start = self.offset(range.start);
        let end = self.offset(range.end).max(start);
        start..end
    }

    /// Byte edits of this text as `TextEdit`s; `None` when an edit is outside the text or cuts
    /// a character.
    pub fn text_edits(&self, edits: &[Edit]) -> Option<Vec<TextEdit>> {
        let mut sorted: Vec<&Edit> = edits.iter().collect();
        sorted.sort_by_key(|e| (e.range.start, e.range.end));
        sorted.dedup();
        let mut out = Vec::new();
        let mut last_end = 0;
        for edit in sorted {
            let r = &edit.range;
            if r.start > r.end
                || r.end > self.text.len()
                || !self.text.is_char_boundary(r.start)
                || !self.text.is_char_boundary(r.end)
                || r.start < last_end
            {
                return None;
            }
            last_end = r.end;
            out.push(TextEdit::new(self.range(r), edit.content.clone()));
        }
        Some(out)
    }

    /// The edits that turn this text into `new`: one per changed run of lines, trimmed to
    /// the bytes that differ. Empty when the texts are equal.
    pub fn diff(&self, new: &str) -> Vec<TextEdit> {
        diff_byte_edits(self.text, new)
            .into_iter()
            .map(|e| TextEdit::new(self.range(&e.range), e.content))
            .collect()
    }

    /// The one edit that turns this text into `new`: from the first byte that differs to the
    /// last (on character boundaries). `None` when the texts are equal. A client applies one
    /// edit at once, where it may take a long time over hundreds of small ones.
    pub fn one_edit(&self, new: &str) -> Option<TextEdit> {
        if self.text == new {
            return None;
        }
        let e = trim(self.text, 0..self.text.len(), new, 0..new.len());
        Some(TextEdit::new(self.range(&e.range), e.content))
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The byte edits that turn `old` into `new`, in order and not touching each other.
pub fn diff_byte_edits(old: &str, new: &str) -> Vec<Edit> {
    if old == new {
        return Vec::new();
    }
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let starts = |lines: &[&str]| {
        let mut starts = Vec::with_capacity(lines.len() + 1);
        let mut at = 0;
        starts.push(0);
        for line in lines {
            at += line.len();
            starts.push(at);
        }
        starts
    };
    let (old_starts, new_starts) = (starts(&old_lines), starts(&new_lines));
    // Runs of changed lines: consecutive non-equal operations become one hunk.
    let mut hunks: Vec<(ByteRange<usize>, ByteRange<usize>)> = Vec::new();
    let mut open: Option<(ByteRange<usize>, ByteRange<usize>)> = None;
    for op in capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines) {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            hunks.extend(open.take());
            continue;
        }
        open = Some(match open.take() {
            Some((oo, nn)) => (oo.start..o.end, nn.start..n.end),
            None => (o, n),
        });
    }
    hunks.extend(open);
    hunks
        .into_iter()
        .map(|(o, n)| {
            let old_bytes = old_starts[o.start]..old_starts[o.end];
            let new_bytes = new_starts[n.start]..new_starts[n.end];
            trim(old, old_bytes, new, new_bytes)
        })
        .filter(|e| !(e.range.is_empty() && e.content.is_empty()))
        .collect()
}

/// Narrows a replacement to the bytes that differ (on character boundaries).
fn trim(old: &str, mut o: ByteRange<usize>, new: &str, mut n: ByteRange<usize>) -> Edit {
    let prefix = common_prefix(&old[o.clone()], &new[n.clone()]);
    o.start += prefix;
    n.start += prefix;
    let suffix = common_suffix(&old[o.clone()], &new[n.clone()]);
    o.end -= suffix;
    n.end -= suffix;
    Edit::replace(o, &new[n])
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map(|((i, _), _)| i)
        .unwrap_or_else(|| a.len().min(b.len()))
}

fn common_suffix(a: &str, b: &str) -> usize {
    let mut len = 0;
    for (x, y) in a.chars().rev().zip(b.chars().rev()) {
        if x != y {
            break;
        }
        len += x.len_utf8();
    }
    len
}

/// Applies LSP edits (positions in UTF-16) to a text, as a client does: every range refers to
/// the original text.
#[cfg(test)]
pub fn apply_text_edits(text: &str, edits: &[TextEdit]) -> String {
    let t = Text::new(text);
    let mut ranged: Vec<(ByteRange<usize>, &str)> = edits
        .iter()
        .map(|e| (t.byte_range(e.range), e.new_text.as_str()))
        .collect();
    ranged.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (r, content) in ranged {
        let start = r.start.max(at);
        out.push_str(&text[at..start]);
        out.push_str(content);
        at = r.end.max(start);
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_utf16() {
        let text = "a: 1\r\n\"é😀\": x\n";
        let t = Text::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(t.position(x), Position::new(1, 7));
        assert_eq!(t.offset(Position::new(1, 7)), x);
        // Past the end of a CRLF line: before the CR.
        assert_eq!(t.offset(Position::new(0, 99)), 4);
        assert_eq!(t.offset(Position::new(9, 0)), text.len());
    }

    #[test]
    fn diff_gives_minimal_edits_that_reproduce_the_new_text() {
        let cases = [
            ("a\nb\nc\n", "a\nB\nc\n"),
            ("x: \"5432:5432\"\r\n", "x: \"127.0.0.1:5432:5432\"\r\n"),
            (
                "é 😀 \"1:1\"\nkeep\n\"2:2\"",
                "é 😀 \"127.0.0.1:1:1\"\nkeep\n\"127.0.0.1:2:2\"",
            ),
            ("a\n", "a\nb\n"),
            ("a\nb\n", "b\n"),
            ("", "new"),
            ("same", "same"),
        ];
        for (old, new) in cases {
            let edits = Text::new(old).diff(new);
            assert_eq!(apply_text_edits(old, &edits), new, "{old:?} -> {new:?}");
        }
        let edits = Text::new("é 😀 \"5432:5432\"\n").diff("é 😀 \"127.0.0.1:5432:5432\"\n");
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].new_text, "127.0.0.1:");
        assert_eq!(edits[0].range.start, Position::new(0, 6));
        assert_eq!(edits[0].range.start, edits[0].range.end);
    }

    #[test]
    fn one_edit_spans_the_change_in_utf16() {
        let old = "a: 😀 1\nb: 2\nc: 3\nd: é4\n";
        let new = "a: 😀 10\nb: 2\nc: 3\nd: é40\n";
        let text = Text::new(old);
        let edit = text.one_edit(new).unwrap();
        assert_eq!(edit.range.start, Position::new(0, 7));
        assert_eq!(edit.range.end, Position::new(3, 5));
        assert_eq!(edit.new_text, "0\nb: 2\nc: 3\nd: é40");
        assert_eq!(apply_text_edits(old, &[edit]), new);
        assert!(text.one_edit(old).is_none());
    }

    #[test]
    fn byte_edits_that_cut_a_character_are_refused() {
        let t = Text::new("é");
        assert!(t.text_edits(&[Edit::insert(1, "x")]).is_none());
        assert!(t.text_edits(&[Edit::insert(9, "x")]).is_none());
        let ok = t.text_edits(&[Edit::insert(2, "x")]).unwrap();
        assert_eq!(ok[0].range.start, Position::new(0, 1));
    }
}
