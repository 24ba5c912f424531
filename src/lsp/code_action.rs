//! `textDocument/codeAction`: a quick fix per fixable finding in the range (the safe ones
//! first and preferred, then the unsafe ones, titled "... (unsafe)"), and
//! "Fix all (composeguard)" (`source.fixAll.composeguard`), the safe fixes of the whole buffer.
//! After the fixes, a quick fix per finding that suppresses it for 30 days
//! (`suppress_action`).

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, Uri, WorkspaceEdit,
};

use super::diagnostics::{Buffer, check, to_lsp};
use super::edits::Text;
use super::suppress_action::suppress_actions;
use crate::fix::Applicability;

pub const FIX_ALL_KIND: &str = "source.fixAll.composeguard";
pub const FIX_ALL_TITLE: &str = "Fix all (composeguard)";

pub fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new(FIX_ALL_KIND)
}

pub fn code_actions(params: &CodeActionParams, buffer: &Buffer) -> Vec<CodeActionOrCommand> {
    let uri = &params.text_document.uri;
    let only = params.context.only.as_deref();
    let text = Text::new(buffer.text);
    let mut actions = Vec::new();
    if wanted(only, &CodeActionKind::QUICKFIX) {
        let file = match check(buffer, false) {
            Ok(file) => file,
            Err(_) => return Vec::new(),
        };
        let wanted_range = text.byte_range(params.range);
        let mut quick_fixes = Vec::new();
        for d in &file.diagnostics {
            let Some(fix) = &d.fix else { continue };
            let title = match fix.applicability {
                Applicability::Safe => fix.title.clone(),
                Applicability::Unsafe => format!("{} (unsafe)", fix.title),
                Applicability::DisplayOnly => continue,
            };
            // Touching counts: a cursor at either end of the finding gets its fix.
            if d.span.start > wanted_range.end || wanted_range.start > d.span.end {
                continue;
            }
            let Some(edits) = text.text_edits(&fix.edits) else {
                continue;
            };
            quick_fixes.push((
                fix.applicability,
                CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![to_lsp(d, &text, uri)]),
                    edit: Some(workspace_edit(uri, edits)),
                    is_preferred: Some(fix.applicability == Applicability::Safe),
                    ..CodeAction::default()
                },
            ));
        }
        // The safe fixes first (each preferred), then the unsafe ones (marked, not
        // preferred), each group in the order of its findings.
        quick_fixes.sort_by_key(|(applicability, _)| *applicability != Applicability::Safe);
        actions.extend(
            quick_fixes
                .into_iter()
                .map(|(_, action)| CodeActionOrCommand::CodeAction(action)),
        );
        // Then, for each finding, a suppression that ends (src/lsp/suppress_action.rs).
        let now = super::settings::config_or_default(buffer.path)
            .0
            .exceptions
            .now;
        actions.extend(
            suppress_actions(buffer, &file.diagnostics, wanted_range, now, uri)
                .into_iter()
                .map(CodeActionOrCommand::CodeAction),
        );
    }
    if wanted(only, &fix_all_kind()) {
        let edits = fix_all_edits(buffer);
        if !edits.is_empty() {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: FIX_ALL_TITLE.into(),
                kind: Some(fix_all_kind()),
                edit: Some(workspace_edit(uri, edits)),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

/// The edits that apply every safe fix to the buffer (to a fixed point, verified by the
/// engine); empty when there is nothing to fix or the buffer cannot be read.
pub fn fix_all_edits(buffer: &Buffer) -> Vec<TextEdit> {
    match fixed_text(buffer) {
        Some(fixed) => Text::new(buffer.text).diff(&fixed),
        None => Vec::new(),
    }
}

/// The buffer with every safe fix applied, as `check --fix` writes it; `None` when there is
/// nothing to fix or the buffer cannot be read.
pub fn fixed_text(buffer: &Buffer) -> Option<String> {
    match check(buffer, true) {
        Ok(file) => file.fixed,
        Err(failure) => {
            super::log(format!(
                "{}: not fixed: {}",
                failure.path.display(),
                failure.message
            ));
            None
        }
    }
}

pub(super) fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }
}

/// Whether the client asked for actions of `kind`: no `only` means every kind, and a kind
/// covers its sub-kinds (`source` covers `source.fixAll.composeguard`).
fn wanted(only: Option<&[CodeActionKind]>, kind: &CodeActionKind) -> bool {
    let Some(only) = only else { return true };
    let kind = kind.as_str();
    only.iter().any(|o| {
        let o = o.as_str();
        o.is_empty()
            || kind == o
            || (kind.starts_with(o) && kind.as_bytes().get(o.len()) == Some(&b'.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_cover_their_sub_kinds() {
        let fix_all = fix_all_kind();
        let only =
            |k: &[&'static str]| k.iter().map(|k| CodeActionKind::new(k)).collect::<Vec<_>>();
        assert!(wanted(None, &fix_all));
        assert!(wanted(Some(&only(&["source"])), &fix_all));
        assert!(wanted(Some(&only(&["source.fixAll"])), &fix_all));
        assert!(wanted(Some(&only(&[FIX_ALL_KIND])), &fix_all));
        assert!(!wanted(Some(&only(&["source.fix"])), &fix_all));
        assert!(!wanted(Some(&only(&["quickfix"])), &fix_all));
        assert!(wanted(
            Some(&only(&["quickfix"])),
            &CodeActionKind::QUICKFIX
        ));
        assert!(!wanted(
            Some(&only(&["refactor"])),
            &CodeActionKind::QUICKFIX
        ));
    }
}
