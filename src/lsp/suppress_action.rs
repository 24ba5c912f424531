//! The quick fix "Suppress RULE until DATE": a suppression comment above the line of a finding,
//! `# composeguard: ignore[RULE] until=<today + 30 days> TODO: say why`, so that an exception
//! taken in the editor ends, and says why once the author replaces the placeholder.
//!
//! "Today" is the one exceptions are judged at (the clock, or `COMPOSEGUARD_NOW`). The action
//! is offered only when the buffer with the comment still loads and the finding is gone
//! (a comment inside a block scalar, say, would be text, not a comment).

use lsp_types::{CodeAction, CodeActionKind, Uri};

use super::diagnostics::{Buffer, check, to_lsp};
use super::edits::Text;
use crate::diagnostic::Diagnostic;
use crate::exceptions::{Moment, date};
use crate::fix::Edit;

/// How long an exception taken in the editor lasts.
pub const SUPPRESS_DAYS: i64 = 30;

/// The placeholder for the reason, for the author to replace.
pub const REASON_PLACEHOLDER: &str = "TODO: say why";

/// The suppression actions of the findings of `found` that touch `wanted` (bytes), one per
/// rule and line, each verified on the edited buffer.
pub fn suppress_actions(
    buffer: &Buffer,
    found: &[Diagnostic],
    wanted: std::ops::Range<usize>,
    now: Moment,
    uri: &Uri,
) -> Vec<CodeAction> {
    let text = Text::new(buffer.text);
    let until = date::format_day(Moment(now.0 + SUPPRESS_DAYS * date::SECONDS_PER_DAY));
    let mut done: Vec<(&str, usize)> = Vec::new();
    let mut actions = Vec::new();
    for d in found {
        let suppressible = crate::rules::find(d.rule)
            .is_some_and(|r| r.meta.category != "suppression" && r.meta.category != "host");
        if !suppressible || d.span.start > wanted.end || wanted.start > d.span.end {
            continue;
        }
        let line_start = buffer.text[..d.span.start].rfind('\n').map_or(0, |i| i + 1);
        if done.contains(&(d.rule, line_start)) {
            continue;
        }
        done.push((d.rule, line_start));
        let Some(edit) = comment_edit(buffer.text, line_start, d.rule, &until) else {
            continue;
        };
        if !suppresses(buffer, found, &edit, d) {
            continue;
        }
        let Some(edits) = text.text_edits(std::slice::from_ref(&edit)) else {
            continue;
        };
        actions.push(CodeAction {
            title: format!("Suppress {} until {until}", d.rule),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp(d, &text, uri)]),
            edit: Some(super::code_action::workspace_edit(uri, edits)),
            is_preferred: Some(false),
            ..CodeAction::default()
        });
    }
    actions
}

/// The comment line inserted at the start of the finding's line, indented as that line, with
/// its line ending.
fn comment_edit(text: &str, line_start: usize, rule: &str, until: &str) -> Option<Edit> {
    let line = &text[line_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
    if indent.contains('\t') {
        return None;
    }
    let newline = if line.ends_with('\r') { "\r\n" } else { "\n" };
    Some(Edit::insert(
        line_start,
        format!(
            "{indent}# composeguard: ignore[{rule}] until={until} {REASON_PLACEHOLDER}{newline}"
        ),
    ))
}

/// Whether the buffer with the comment loads, has fewer findings of the rule than it had
/// (`found`), and no more of any other rule: a line inserted below another suppression
/// comment would take that comment's place and bring its finding back.
fn suppresses(buffer: &Buffer, found: &[Diagnostic], edit: &Edit, d: &Diagnostic) -> bool {
    let mut edited = buffer.text.to_string();
    edited.replace_range(edit.range.clone(), &edit.content);
    let candidate = Buffer {
        path: buffer.path,
        text: &edited,
        others: buffer.others.clone(),
    };
    let Ok(after) = check(&candidate, false) else {
        return false;
    };
    let count = |diagnostics: &[Diagnostic], rule: &str| {
        diagnostics.iter().filter(|f| f.rule == rule).count()
    };
    count(&after.diagnostics, d.rule) < count(found, d.rule)
        && after
            .diagnostics
            .iter()
            .all(|f| f.rule == d.rule || count(&after.diagnostics, f.rule) <= count(found, f.rule))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suppressions offered at the start of a 0-based line, on 2027-02-01.
    fn titles(text: &str, line: usize) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compose.yaml");
        let buffer = Buffer {
            path: &path,
            text,
            others: Default::default(),
        };
        let found = check(&buffer, false).unwrap().diagnostics;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let end = start + text[start..].find('\n').unwrap_or(0);
        let uri: Uri = "file:///compose.yaml".parse().unwrap();
        suppress_actions(&buffer, &found, start..end, Moment(1_801_440_000), &uri)
            .into_iter()
            .map(|a| a.title)
            .collect()
    }

    #[test]
    fn offered_where_the_comment_suppresses_and_breaks_nothing() {
        let plain = "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n";
        let offered = titles(plain, 4);
        assert!(
            offered.contains(&"Suppress sensitive-port-exposed until 2027-03-03".to_string()),
            "{offered:?}"
        );
        // Below a suppression of another rule, the new line would bring that rule's finding
        // back: not offered.
        let below = "services:\n  db:\n    image: postgres:16\n    ports:\n      # composeguard: ignore[docker-api-exposed] a test daemon\n      - \"2375:2375\"\n";
        assert_eq!(titles(below, 5), Vec::<String>::new());
        // The same line without that comment: offered.
        let alone = below.replace(
            "      # composeguard: ignore[docker-api-exposed] a test daemon\n",
            "",
        );
        assert_eq!(
            titles(&alone, 4),
            [
                "Suppress docker-api-exposed until 2027-03-03",
                "Suppress sensitive-port-exposed until 2027-03-03"
            ]
        );
    }
}
