//! `textDocument/formatting`: the safe fixes, as edits of the buffer. Nothing else about the
//! layout is touched, so formatting a clean buffer gives no edits.

use lsp_types::TextEdit;

use super::code_action::fix_all_edits;
use super::diagnostics::Buffer;

/// The edits that format (fix) the buffer; empty when nothing changes or it cannot be read.
pub fn format(buffer: &Buffer) -> Vec<TextEdit> {
    fix_all_edits(buffer)
}
