//! What Docker Compose's YAML library (go-yaml v3, a YAML 1.1 reader) refuses in a text that
//! this YAML 1.2 parser accepts. Measured against docker-compose v2.40.3
//! (docs/compose-facts.md, "Validation as Compose validates").

use granit_parser::{Event, Options, Parser};

use super::{ParseError, Tree};

/// The line breaks of YAML 1.1 that YAML 1.2 reads as ordinary characters.
const YAML11_BREAKS: [(char, &str); 3] = [
    ('\u{85}', "U+0085 (NEL)"),
    ('\u{2028}', "U+2028 (LINE SEPARATOR)"),
    ('\u{2029}', "U+2029 (PARAGRAPH SEPARATOR)"),
];

/// Each place of a parsed text that go-yaml refuses: a `%YAML` directive of another version
/// than 1.1, a directive other than `%YAML` and `%TAG` (this parser ignores those), and a YAML 1.1 line break (NEL, LS, PS) that
/// breaks the file when read as a line break. Cheap when the text has neither.
pub fn go_yaml_refusals(tree: &Tree) -> Vec<ParseError> {
    let text = tree.text();
    let mut out = Vec::new();
    if text.contains("%YAML") {
        version_directives(text, &mut out);
    }
    if text.starts_with('%') || text.contains("\n%") {
        reserved_directives(tree, &mut out);
    }
    if text.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        yaml11_breaks(text, &mut out);
    }
    out
}

fn version_directives(text: &str, out: &mut Vec<ParseError>) {
    for event in Parser::new_from_str_with_options(text, Options::default()) {
        let Ok((Event::DocumentStart(_, Some(version)), span)) = event else {
            if event.is_err() {
                return;
            }
            continue;
        };
        if (version.major, version.minor) == (1, 1) {
            continue;
        }
        // The directive is the last `%YAML` line before the document's start.
        let start = span.start.byte_offset().unwrap_or(0).min(text.len());
        let offset = text[..start]
            .rmatch_indices("%YAML")
            .map(|(i, _)| i)
            .find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
            .unwrap_or(0);
        out.push(ParseError {
            offset,
            message: format!(
                "`%YAML {}.{}`: Docker Compose reads YAML 1.1 only and rejects this directive (\"found incompatible YAML document\"); remove it",
                version.major, version.minor
            ),
        });
    }
}

/// A line that starts with `%` outside every node is a directive; go-yaml knows only `%YAML`
/// and `%TAG` ("found unknown directive name").
fn reserved_directives(tree: &Tree, out: &mut Vec<ParseError>) {
    let text = tree.text();
    let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1));
    for start in starts {
        let line = &text[start..];
        if !line.starts_with('%') || line.starts_with("%YAML") || line.starts_with("%TAG") {
            continue;
        }
        let inside_a_node = tree.nodes.iter().any(|n| n.span.contains(&start));
        let in_a_comment = tree.comments.iter().any(|c| c.span.contains(&start));
        if !inside_a_node && !in_a_comment {
            let name: String = line[1..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .take(40)
                .collect();
            out.push(ParseError {
                offset: start,
                message: format!(
                    "`%{name}`: Docker Compose knows only the `%YAML` and `%TAG` directives and rejects this one (\"found unknown directive name\"); remove it"
                ),
            });
        }
    }
}

/// go-yaml reads NEL, LS and PS as line breaks (YAML 1.1). Each is replaced by spaces and a
/// `\n` of the same length and the text parsed again: if that fails, Compose rejects the file,
/// and the first such character is where to look.
fn yaml11_breaks(text: &str, out: &mut Vec<ParseError>) {
    let mut broken = String::with_capacity(text.len());
    let mut first: Option<(usize, &str)> = None;
    for (i, c) in text.char_indices() {
        match YAML11_BREAKS.iter().find(|(b, _)| *b == c) {
            Some((_, name)) => {
                first.get_or_insert((i, name));
                broken.push_str(&" ".repeat(c.len_utf8() - 1));
                broken.push('\n');
            }
            None => broken.push(c),
        }
    }
    let Some((offset, name)) = first else { return };
    if let Err(e) = Tree::parse(broken) {
        out.push(ParseError {
            offset,
            message: format!(
                "{name} is a line break to Docker Compose (YAML 1.1), which then cannot read this file ({}); remove the character or replace it",
                e.message
            ),
        });
    }
}
