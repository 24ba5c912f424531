//! `textDocument/formatting`: the safe fixes, as one edit of the buffer over the changed span
//! (from the first changed byte to the last). Nothing else about the layout is touched, so
//! formatting a clean buffer gives no edits. One edit, not one per change: a client applies
//! it at once (Neovim took 40 s and more over the hundreds of edits of a big file).

use lsp_types::TextEdit;

use super::code_action::fixed_text;
use super::diagnostics::Buffer;
use super::edits::Text;

/// The edit that formats (fixes) the buffer; empty when nothing changes or it cannot be read.
pub fn format(buffer: &Buffer) -> Vec<TextEdit> {
    fixed_text(buffer)
        .and_then(|fixed| Text::new(buffer.text).one_edit(&fixed))
        .into_iter()
        .collect()
}
