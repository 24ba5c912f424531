//! Byte offsets to line and column, at the edges only: 1-based lines, and columns counted
//! in bytes, in characters or in UTF-16 code units (LSP and SARIF). A line ends at `\n`,
//! `\r\n` or a lone `\r`, as YAML and LSP have it.

/// Start offsets of every line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// For each block of [`BLOCK`] bytes of the text, the characters and the characters
    /// outside the BMP before its start: built the first time a column is asked for far into
    /// a long line, so that each such column costs a block, not the line (thousands of
    /// findings on a one-line JSON file of megabytes were quadratic).
    blocks: std::sync::OnceLock<Vec<(usize, usize)>>,
}

/// Bytes per block of [`LineIndex::blocks`]; columns below it are counted directly.
const BLOCK: usize = 1024;

/// Characters (bytes that are not UTF-8 continuation bytes) and characters outside the BMP
/// (4-byte sequences: 2 UTF-16 units) in some bytes of UTF-8; any byte range adds up.
fn units(bytes: &[u8]) -> (usize, usize) {
    let chars = bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    let astral = bytes.iter().filter(|&&b| b >= 0xF0).count();
    (chars, astral)
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
        LineIndex {
            starts,
            blocks: std::sync::OnceLock::new(),
        }
    }

    /// Characters and characters outside the BMP in `text[..offset]`.
    fn units_before(&self, text: &str, offset: usize) -> (usize, usize) {
        let blocks = self.blocks.get_or_init(|| {
            let mut total = (0, 0);
            let mut blocks = vec![total];
            for block in text.as_bytes().chunks(BLOCK) {
                let (c, a) = units(block);
                total = (total.0 + c, total.1 + a);
                blocks.push(total);
            }
            blocks
        });
        let block = offset / BLOCK;
        let (c, a) = units(&text.as_bytes()[block * BLOCK..offset]);
        (blocks[block].0 + c, blocks[block].1 + a)
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
        let (chars, astral) = if prefix.len() <= BLOCK {
            units(prefix.as_bytes())
        } else {
            let (c1, a1) = self.units_before(text, offset);
            let (c0, a0) = self.units_before(text, start);
            (c1 - c0, a1 - a0)
        };
        // A character outside the BMP is 2 UTF-16 units.
        let (char_col, utf16_col) = (chars, chars + astral);
        Position {
            line,
            byte_col: offset - start,
            char_col,
            utf16_col,
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

    #[test]
    fn columns_far_into_long_lines_count_as_near_ones() {
        // Lines much longer than a block, with 1-, 2-, 3- and 4-byte characters across the
        // block edges.
        let unit = "aé€𝄞b";
        let text = format!("x\n{}\r\n{}\n", unit.repeat(3_000), unit.repeat(2_500));
        let index = LineIndex::new(&text);
        for offset in (0..=text.len()).step_by(7).chain([text.len()]) {
            let p = index.position(&text, offset);
            let mut at = offset.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let prefix = &text[index.line_start(p.line)..at];
            assert_eq!(p.byte_col, prefix.len(), "{offset}");
            assert_eq!(p.char_col, prefix.chars().count(), "{offset}");
            assert_eq!(p.utf16_col, prefix.encode_utf16().count(), "{offset}");
        }
    }
}
