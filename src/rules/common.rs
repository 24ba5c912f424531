//! Helpers the rules share: spans, a service's values over its layers, findings reported once
//! per shared entry, environment variables with precise value spans, volumes in both syntaxes,
//! and edits that remove whole lines.

use std::collections::HashMap;
use std::ops::Range;

use super::RuleMeta;
pub use crate::compose::boolean::is_true;
pub use crate::compose::command::command_words;
pub use crate::compose::environment::{EnvEntry, env_get, env_is_set, environment};
pub use crate::compose::layers::{layer_items, str_at};
use crate::compose::model::{Loc, Project, Service};
pub use crate::compose::mounts::{Mount, mounts};
use crate::diagnostic::Diagnostic;
use crate::fix::Edit;

/// The byte range of a node.
pub fn span(project: &Project, loc: Loc) -> Range<usize> {
    project.tree(loc.file).span(loc.node)
}

/// A finding of `meta` at a node.
pub fn diagnostic(
    meta: &RuleMeta,
    project: &Project,
    loc: Loc,
    message: impl Into<String>,
) -> Diagnostic {
    Diagnostic::new(
        meta.id,
        meta.severity,
        loc.file,
        span(project, loc),
        message,
    )
}

/// A finding of `meta` at a byte range of a file.
pub fn diagnostic_at(
    meta: &RuleMeta,
    file: usize,
    range: Range<usize>,
    message: impl Into<String>,
) -> Diagnostic {
    Diagnostic::new(meta.id, meta.severity, file, range, message)
}

/// The service mappings written directly under `services:` (not through an alias, without an
/// anchor of their own), so that editing one changes no other service. Built once per check.
pub struct DirectLayers {
    names: HashMap<Loc, String>,
}

impl DirectLayers {
    pub fn new(project: &Project) -> Self {
        let mut names = HashMap::new();
        for (file, compose) in project.files.iter().enumerate() {
            let Some(root) = compose.root else {
                continue;
            };
            let tree = &compose.tree;
            let services = if project.v1_layout && file == 0 {
                Some(root)
            } else {
                tree.get_value(root, "services")
            };
            let Some(entries) = services.and_then(|s| tree.own_entries(tree.resolve(s))) else {
                continue;
            };
            for (k, v) in entries {
                let Some(name) = tree.scalar_value(*k) else {
                    continue;
                };
                let node = tree.node(*v);
                if matches!(node.kind, crate::yaml::NodeKind::Mapping { .. })
                    && node.anchor.is_none()
                {
                    names.insert(Loc { file, node: *v }, name.to_string());
                }
            }
        }
        DirectLayers { names }
    }

    /// The name `layer` is written under in `services:`, when it is such a direct mapping.
    pub fn owner(&self, layer: Loc) -> Option<&str> {
        self.names.get(&layer).map(String::as_str)
    }

    /// Whether `layer` is one of `service`'s mappings written directly under `services:`.
    pub fn is_direct(&self, service: &Service, layer: Loc) -> bool {
        self.names.get(&layer) == Some(&service.name)
    }

    /// The service's own mapping in the file that names it first (not an extended or an
    /// override layer), when it is direct.
    pub fn own_layer(&self, service: &Service) -> Option<Loc> {
        service
            .layers
            .iter()
            .copied()
            .find(|l| l.file == service.key.file && self.is_direct(service, *l))
    }
}

/// The span of a service's name (where findings about a missing key go).
pub fn service_key_span(project: &Project, service: &Service) -> Range<usize> {
    span(project, service.key)
}

/// Reports an entry reached from several services (an anchor, a merge, an extended service)
/// once, at its definition, naming every service that uses it.
pub struct Reporter<'o> {
    out: &'o mut Vec<Diagnostic>,
    seen: HashMap<(Loc, String), (usize, Sharers)>,
}

impl<'o> Reporter<'o> {
    pub fn new(out: &'o mut Vec<Diagnostic>) -> Self {
        Reporter {
            out,
            seen: HashMap::new(),
        }
    }

    /// Pushes `diagnostic` about the node `at` for `service`, unless that node was already
    /// reported (for the same `reason`): then the service is added to the earlier finding.
    pub fn report(&mut self, at: Loc, reason: &str, service: &Service, diagnostic: Diagnostic) {
        let key = (at, reason.to_string());
        match self.seen.get_mut(&key) {
            Some((i, sharers)) => sharers.add(&mut self.out[*i].message, &service.name),
            None => {
                let first = Sharers::first_of(&service.name);
                self.seen.insert(key, (self.out.len(), first));
                self.out.push(diagnostic);
            }
        }
    }
}

/// How many other services a shared entry's message names before it only counts them.
const NAMED_SHARERS: usize = 3;

/// The other services that use an entry reported once (an anchor, a merge, an extended
/// service), named at the end of its message: `(the same entry is used by service `b`)`, by
/// services `b` and `c`, and past three names `..., `d` and 12 more services)`. Each addition
/// rewrites only that ending, so an entry shared by thousands of services stays linear.
pub struct Sharers {
    /// The length of the message before any sharer was named (known at the first addition).
    message_len: Option<usize>,
    /// The service of the finding and every one added, to add each once.
    seen: std::collections::HashSet<String>,
    named: Vec<String>,
    unnamed: usize,
}

impl Sharers {
    /// For the finding about `service`, the first to use the entry.
    pub fn first_of(service: &str) -> Self {
        Sharers {
            message_len: None,
            seen: std::collections::HashSet::from([service.to_string()]),
            named: Vec::new(),
            unnamed: 0,
        }
    }

    /// Adds `service` to the finding's `message` (once).
    pub fn add(&mut self, message: &mut String, service: &str) {
        if !self.seen.insert(service.to_string()) {
            return;
        }
        if self.named.len() < NAMED_SHARERS {
            self.named.push(service.to_string());
        } else {
            self.unnamed += 1;
        }
        let own_len = *self.message_len.get_or_insert(message.len());
        message.truncate(own_len);
        let names: Vec<String> = self.named.iter().map(|n| format!("`{n}`")).collect();
        let suffix = match (names.as_slice(), self.unnamed) {
            ([one], 0) => format!(" (the same entry is used by service {one})"),
            ([first @ .., last], 0) => format!(
                " (the same entry is used by services {} and {last})",
                first.join(", ")
            ),
            (all, more) => format!(
                " (the same entry is used by services {} and {more} more)",
                all.join(", ")
            ),
        };
        message.push_str(&suffix);
    }
}

// ── URLs ────────────────────────────────────────────────────────────────────────────────────

/// The parts of `scheme://[user[:password]@]hosts[/...]`, as byte ranges of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    pub scheme: Range<usize>,
    pub user: Option<Range<usize>>,
    pub password: Option<Range<usize>>,
    /// `host[:port]` pieces, several for `mongodb://a:1,b:2`.
    pub hosts: Vec<(Range<usize>, Option<Range<usize>>)>,
}

/// Finds a URL with a scheme at the start of `text` (after optional spaces).
pub fn parse_url(text: &str) -> Option<UrlParts> {
    let start = text.len() - text.trim_start().len();
    let sep = text[start..].find("://")? + start;
    let scheme = start..sep;
    let s = &text[scheme.clone()];
    if s.is_empty()
        || !s.starts_with(|c: char| c.is_ascii_alphabetic())
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    {
        return None;
    }
    let rest_start = sep + 3;
    let rest_end = text[rest_start..]
        .find(char::is_whitespace)
        .map_or(text.len(), |i| rest_start + i);
    let rest = &text[rest_start..rest_end];
    // The user info ends at the last `@` before the path.
    let path_at = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..path_at].rfind('@');
    let (user, password, host_start) = match at {
        Some(at) => {
            let info = &rest[..at];
            match info.find(':') {
                Some(colon) => (
                    Some(rest_start..rest_start + colon),
                    Some(rest_start + colon + 1..rest_start + at),
                    rest_start + at + 1,
                ),
                None => (Some(rest_start..rest_start + at), None, rest_start + at + 1),
            }
        }
        None => (None, None, rest_start),
    };
    let host_end = rest_start + path_at;
    let mut hosts = Vec::new();
    let mut piece_start = host_start;
    for piece in text[host_start..host_end].split(',') {
        let piece_end = piece_start + piece.len();
        let (host, port) = split_host_port(piece);
        let host = piece_start + host.start..piece_start + host.end;
        let port = port.map(|p| piece_start + p.start..piece_start + p.end);
        hosts.push((host, port));
        piece_start = piece_end + 1;
    }
    Some(UrlParts {
        scheme,
        user,
        password,
        hosts,
    })
}

/// `host:port`, `[v6]:port` or `host` as ranges of `piece`.
fn split_host_port(piece: &str) -> (Range<usize>, Option<Range<usize>>) {
    if piece.starts_with('[')
        && let Some(close) = piece.find(']')
    {
        let port = piece[close + 1..]
            .strip_prefix(':')
            .map(|_| close + 2..piece.len());
        return (1..close, port);
    }
    match piece.rfind(':') {
        Some(colon) if !piece[..colon].contains(':') => (0..colon, Some(colon + 1..piece.len())),
        _ => (0..piece.len(), None),
    }
}

// ── Line edits ──────────────────────────────────────────────────────────────────────────────

/// The whole lines holding `range`, line breaks included, when nothing else shares them: the
/// first line may start with indentation and, if `dash` is set, one sequence dash; the last
/// line may end with spaces and a comment.
pub fn whole_lines(text: &str, range: Range<usize>, dash: bool) -> Option<Range<usize>> {
    let line_start = text[..range.start]
        .rfind('\n')
        .map_or(if text.starts_with('\u{feff}') { 3 } else { 0 }, |i| i + 1);
    let lead = text[line_start..range.start].trim_start_matches([' ', '\t']);
    let lead_ok = lead.is_empty() || (dash && lead.trim_end_matches(' ') == "-" && lead.len() > 1);
    if !lead_ok {
        return None;
    }
    let line_end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i + 1);
    let tail = text[range.end..line_end].trim_end_matches(['\n', '\r']);
    let tail = tail.trim_start_matches([' ', '\t']);
    if !(tail.is_empty() || tail.starts_with('#')) {
        return None;
    }
    Some(line_start..line_end)
}

/// Edits that delete the lines in `lines` except blank lines and comment-only lines after the
/// first one (the comments of other lines stay).
pub fn delete_lines_keeping_comments(text: &str, lines: Range<usize>) -> Vec<Edit> {
    let mut edits: Vec<Edit> = Vec::new();
    let mut at = lines.start;
    let mut first = true;
    while at < lines.end {
        let end = text[at..lines.end]
            .find('\n')
            .map_or(lines.end, |i| at + i + 1);
        let content = text[at..end].trim();
        let keep = !first && (content.is_empty() || content.starts_with('#'));
        if !keep {
            match edits.last_mut() {
                Some(last) if last.range.end == at => last.range.end = end,
                _ => edits.push(Edit::replace(at..end, "")),
            }
        }
        first = false;
        at = end;
    }
    edits
}

/// Whether every edit starts and ends where a line/column position is unambiguous: not after a
/// lone `\r` on the same line (editors and the language server count a lone CR as a line
/// break, the compose file's YAML does not). A fix whose edits fail this is not offered.
pub fn edits_clear_of_lone_cr(text: &str, edits: &[Edit]) -> bool {
    let clear = |offset: usize| {
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        !text[line_start..offset]
            .char_indices()
            .any(|(i, c)| c == '\r' && text.as_bytes().get(line_start + i + 1) != Some(&b'\n'))
    };
    edits
        .iter()
        .all(|e| clear(e.range.start) && clear(e.range.end))
}

/// The line break used at `offset` (the end of its line, or of the line before at the end of
/// the text): a local look, so that a rule can ask for every service without rescanning the
/// file.
pub fn line_ending_at(text: &str, offset: usize) -> &'static str {
    let newline = text[offset..]
        .find('\n')
        .map(|i| offset + i)
        .or_else(|| text[..offset].rfind('\n'));
    match newline {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The file's dominant quote character ([`super::port_fix::dominant_quote`]), computed once
/// per file and kept.
#[derive(Default)]
pub struct QuoteCache {
    quotes: HashMap<usize, char>,
}

impl QuoteCache {
    pub fn get(&mut self, project: &Project, file: usize) -> char {
        *self
            .quotes
            .entry(file)
            .or_insert_with(|| super::port_fix::dominant_quote(project.tree(file)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharers_are_named_once_and_counted_past_three() {
        let mut message = String::from("service `a` runs privileged");
        let mut sharers = Sharers::first_of("a");
        let mut after = Vec::new();
        for name in ["b", "a", "c", "b", "d", "e", "f"] {
            sharers.add(&mut message, name);
            after.push(
                message
                    .trim_start_matches("service `a` runs privileged")
                    .to_string(),
            );
        }
        assert_eq!(
            after,
            [
                " (the same entry is used by service `b`)",
                " (the same entry is used by service `b`)",
                " (the same entry is used by services `b` and `c`)",
                " (the same entry is used by services `b` and `c`)",
                " (the same entry is used by services `b`, `c` and `d`)",
                " (the same entry is used by services `b`, `c`, `d` and 1 more)",
                " (the same entry is used by services `b`, `c`, `d` and 2 more)",
            ]
        );
    }

    #[test]
    fn whole_lines_of_an_item() {
        let text = "ports:\n  - \"1:1\"  # c\n  - 2\n";
        let start = text.find('"').unwrap();
        let r = whole_lines(text, start..start + 5, true).unwrap();
        assert_eq!(&text[r], "  - \"1:1\"  # c\n");
        assert!(whole_lines(text, start..start + 5, false).is_none());
        let last = text.rfind('2').unwrap();
        assert_eq!(
            &text[whole_lines(text, last..last + 1, true).unwrap()],
            "  - 2\n"
        );
    }

    #[test]
    fn deleting_lines_keeps_comments() {
        let text = "a:\n  # keep\n  - x\n\n  - y\nb: 1\n";
        let end = text.find("b:").unwrap();
        let edits = delete_lines_keeping_comments(text, 0..end);
        let (out, _) = crate::fix::apply_fixes(
            text,
            &[crate::fix::Fix::new(
                "t",
                crate::fix::Applicability::Safe,
                edits,
            )],
        );
        assert_eq!(out, "  # keep\n\nb: 1\n");
    }

    #[test]
    fn lone_carriage_returns() {
        let text = "a: \"\rb\"\r\nc: 1\n";
        let at = text.find("\r\n").unwrap();
        assert!(!edits_clear_of_lone_cr(text, &[Edit::insert(at, "x")]));
        assert!(edits_clear_of_lone_cr(text, &[Edit::insert(2, "x")]));
        assert!(edits_clear_of_lone_cr(text, &[Edit::insert(at + 2, "x")]));
    }

    #[test]
    fn urls() {
        let text = "postgres://app:s3cret@db:5432/app";
        let u = parse_url(text).unwrap();
        assert_eq!(&text[u.scheme.clone()], "postgres");
        assert_eq!(&text[u.user.clone().unwrap()], "app");
        assert_eq!(&text[u.password.clone().unwrap()], "s3cret");
        assert_eq!(&text[u.hosts[0].0.clone()], "db");
        assert_eq!(&text[u.hosts[0].1.clone().unwrap()], "5432");
        let text = "mongodb://a:1,b/x";
        let u = parse_url(text).unwrap();
        assert_eq!(u.hosts.len(), 2);
        assert_eq!(&text[u.hosts[1].0.clone()], "b");
        assert!(parse_url("db:5432").is_none());
        let text = "tcp://[::1]:2375";
        let u = parse_url(text).unwrap();
        assert_eq!(&text[u.hosts[0].0.clone()], "::1");
    }
}
