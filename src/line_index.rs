//! Byte offsets to line and column, at the edges only: 1-based lines, and columns counted
//! in bytes, in characters or in UTF-16 code units (LSP and SARIF). A line ends at `\n`,
//! `\r\n` or a lone `\r`, as YAML and LSP have it.

/// Start offsets of every line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

/// A position: 0-based line, and columns in the three units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub byte_col: usize,
    pub char_col: usize,
    pub utf16_col: usize,
}

impl LineIndex {
    /// Lines end at `\n`, `\r\n` (one line end) and a lone `\r`, as in YAML and LSP.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The position of a byte offset (clamped into the text, and down to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let start = self.starts[line];
        let prefix = &text[start..offset];
        Position {
            line,
            byte_col: offset - start,
            char_col: prefix.chars().count(),
            utf16_col: prefix.encode_utf16().count(),
        }
    }

    /// The byte offset of a 0-based line and UTF-16 column (clamped to the line).
    pub fn offset_utf16(&self, text: &str, line: usize, utf16_col: usize) -> usize {
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            if units >= utf16_col || c == '\n' || c == '\r' {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(usize::MAX)
    }

    /// The text of a 0-based line, without its line end ("" past the last line).
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line) else {
            return "";
        };
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        text.get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_texts_end_at_every_kind_of_line_end() {
        let text = "a\rb\r\nc\nd";
        let index = LineIndex::new(text);
        let lines: Vec<&str> = (0..5).map(|l| index.line_text(text, l)).collect();
        assert_eq!(lines, ["a", "b", "c", "d", ""]);
    }

    #[test]
    fn columns_in_bytes_chars_and_utf16() {
        let text = "a: 1\né𝄞: \"x\"\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        let p = index.position(text, x);
        assert_eq!(p.line, 1);
        assert_eq!(p.byte_col, 2 + 4 + 3);
        assert_eq!(p.char_col, 5);
        assert_eq!(p.utf16_col, 6);
        assert_eq!(index.offset_utf16(text, 1, 6), x);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_and_crlf_ends_one() {
        let text = "a\rb\r\nc\n\rd";
        let index = LineIndex::new(text);
        let at = |c| index.position(text, text.find(c).unwrap());
        assert_eq!((at('a').line, at('a').byte_col), (0, 0));
        assert_eq!((at('b').line, at('b').byte_col), (1, 0));
        assert_eq!((at('c').line, at('c').byte_col), (2, 0));
        assert_eq!((at('d').line, at('d').byte_col), (4, 0));
        assert_eq!(index.line_start(3), text.find("\rd").unwrap());
        // The `\n` of a CRLF belongs to the line it ends.
        assert_eq!(index.position(text, 4).line, 1);
        for (line, c) in [(0, 'a'), (1, 'b'), (2, 'c'), (4, 'd')] {
            assert_eq!(index.offset_utf16(text, line, 0), text.find(c).unwrap());
            // A column past the end of a line is the end of its content.
            assert_eq!(index.offset_utf16(text, line, 9), text.find(c).unwrap() + 1);
        }
        assert_eq!(index.offset_utf16(text, 3, 0), text.find("\rd").unwrap());
    }

    #[test]
    fn offsets_inside_a_char_round_down() {
        let text = "é";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 1).byte_col, 0);
        assert_eq!(index.position(text, 99).byte_col, 2);
    }
}
