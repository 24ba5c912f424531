//! A finding's fingerprint for the baseline: what it is about, never where it is.
//!
//! The fingerprint hashes the rule, the file (relative to the baseline's folder, with `/`),
//! the key path of the YAML node the finding is on (`services.db.ports[]`: the service and
//! the keys down to the node, sequence items as `[]`, no indexes) and the normalised text of
//! the finding's span (surrounding quotes dropped, white space runs made one space). No line,
//! column or index enters it: adding a service above, or reordering services or list items,
//! keeps it; changing the entry itself (another port) makes another one.

use std::ops::Range;

use crate::yaml::{NodeKind, Tree};

/// Where a finding is, in terms that survive unrelated edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The service whose definition holds the finding, when it is inside one.
    pub service: Option<String>,
    /// The keys from the document's root down to the node holding the finding.
    pub key_path: String,
    /// The finding's text, normalised ([`normalise`]).
    pub content: String,
}

/// Top-level keys of a compose file; in a file with none of them but `version`, the other
/// top-level keys are services (Compose v1's layout).
const TOP_LEVEL_KEYS: [&str; 8] = [
    "version", "services", "networks", "volumes", "secrets", "configs", "include", "name",
];

/// The anchor of a finding at `span` of `tree`'s text.
pub fn anchor(tree: &Tree, span: &Range<usize>) -> Anchor {
    let keys = key_path(tree, span);
    let service = match keys.as_slice() {
        [top, service, ..] if top == "services" => Some(service.clone()),
        [top, ..] if !TOP_LEVEL_KEYS.contains(&top.as_str()) && !top.starts_with("x-") => {
            Some(top.clone())
        }
        _ => None,
    }
    .filter(|s| s != "[]");
    Anchor {
        service,
        key_path: keys.join("."),
        content: normalise(snippet(tree.text(), span)),
    }
}

/// The keys from the root of the document holding `span` down to the deepest node that
/// contains it (an alias is not followed: the finding is where it is written).
fn key_path(tree: &Tree, span: &Range<usize>) -> Vec<String> {
    let mut keys = Vec::new();
    let Some(mut node) = tree
        .documents
        .iter()
        .flatten()
        .copied()
        .find(|root| contains(&tree.span(*root), span))
    else {
        return keys;
    };
    loop {
        match &tree.node(node).kind {
            NodeKind::Mapping { entries, .. } => {
                // Entries are in text order: the last one starting at or before the span.
                let after = entries.partition_point(|(k, _)| tree.span(*k).start <= span.start);
                let Some(&(key, value)) = after.checked_sub(1).map(|i| &entries[i]) else {
                    return keys;
                };
                let name = tree.scalar_value(key).unwrap_or("?").to_string();
                if contains(&tree.span(key), span) {
                    keys.push(name);
                    return keys;
                }
                if !contains(&tree.span(value), span) {
                    return keys;
                }
                keys.push(name);
                node = value;
            }
            NodeKind::Sequence { items, .. } => {
                let after = items.partition_point(|i| tree.span(*i).start <= span.start);
                let Some(&item) = after.checked_sub(1).map(|i| &items[i]) else {
                    return keys;
                };
                if !contains(&tree.span(item), span) {
                    return keys;
                }
                keys.push("[]".to_string());
                node = item;
            }
            NodeKind::Scalar(_) | NodeKind::Alias(_) => return keys,
        }
    }
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The text of a span, clamped to the text and to character boundaries.
fn snippet<'t>(text: &'t str, span: &Range<usize>) -> &'t str {
    let clamp = |mut at: usize| {
        at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let (start, end) = (clamp(span.start), clamp(span.end));
    &text[start..end.max(start)]
}

/// A finding's text as it is compared: trimmed, without one pair of surrounding quotes, each
/// run of white space one space (so `"8080:80"`, `'8080:80'` and `8080:80` are the same).
pub fn normalise(text: &str) -> String {
    let trimmed = text.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| {
            trimmed
                .strip_prefix(*q)
                .and_then(|rest| rest.strip_suffix(*q))
        })
        .unwrap_or(trimmed);
    unquoted.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The fingerprint of a finding: 16 hex digits of FNV-1a over a format tag, the rule, the
/// file, the key path and the content.
pub fn fingerprint(rule: &str, file: &str, anchor: &Anchor) -> String {
    let hash = crate::report::fnv1a64(&["v1", rule, file, &anchor.key_path, &anchor.content]);
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor_of(text: &str, needle: &str) -> Anchor {
        let tree = Tree::parse(text.to_string()).expect("valid YAML");
        let start = text.find(needle).expect("needle in text");
        anchor(&tree, &(start..start + needle.len()))
    }

    #[test]
    fn a_port_is_anchored_by_service_key_path_and_unquoted_text() {
        let a = anchor_of(
            "services:\n  db:\n    image: postgres\n    ports:\n      - \"5432:5432\"\n",
            "\"5432:5432\"",
        );
        assert_eq!(a.service.as_deref(), Some("db"));
        assert_eq!(a.key_path, "services.db.ports.[]");
        assert_eq!(a.content, "5432:5432");
    }

    #[test]
    fn the_anchor_ignores_what_is_above_and_the_quote_style() {
        let before = anchor_of(
            "services:\n  db:\n    ports:\n      - \"5432:5432\"\n",
            "\"5432:5432\"",
        );
        let after = anchor_of(
            "services:\n  web:\n    image: nginx\n  db:\n    ports: ['80:80', '5432:5432']\n",
            "'5432:5432'",
        );
        assert_eq!(before, after);
    }

    #[test]
    fn a_service_key_finding_and_a_v1_layout() {
        let a = anchor_of("services:\n  cache:\n    image: redis\n", "cache");
        assert_eq!(a.service.as_deref(), Some("cache"));
        assert_eq!(a.key_path, "services.cache");
        let v1 = anchor_of("version: '2'\nweb:\n  privileged: true\n", "true");
        assert_eq!(v1.service.as_deref(), Some("web"));
        let top = anchor_of("version: '2'\nservices: {}\n", "version");
        assert_eq!(top.service, None);
    }

    #[test]
    fn normalising_text() {
        assert_eq!(normalise("  'a  b\n   c' "), "a b c");
        assert_eq!(normalise("\"x\""), "x");
        assert_eq!(normalise("\"x'"), "\"x'");
        assert_eq!(normalise(""), "");
    }

    #[test]
    fn the_fingerprint_depends_on_each_part() {
        let a = Anchor {
            service: Some("db".into()),
            key_path: "services.db.ports.[]".into(),
            content: "5432:5432".into(),
        };
        let base = fingerprint("r", "compose.yaml", &a);
        assert_eq!(base.len(), 16);
        assert_ne!(base, fingerprint("s", "compose.yaml", &a));
        assert_ne!(base, fingerprint("r", "other.yaml", &a));
        let other_port = Anchor {
            content: "5433:5432".into(),
            ..a.clone()
        };
        assert_ne!(base, fingerprint("r", "compose.yaml", &other_port));
        // Stable across releases: the baseline files in repositories depend on it (FNV-1a
        // over "v1", rule, file, key path and content, separated by a 0 byte).
        assert_eq!(base, "f2b80e9c330547c7");
    }
}
