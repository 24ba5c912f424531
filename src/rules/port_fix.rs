//! The fix that rebinds a published port to the bind address, as byte edits of the entry.

use crate::compose::model::{PortBinding, Project};
use crate::compose::port::PortSyntax;
use crate::fix::{Applicability, Edit, Fix};
use crate::settings::Settings;
use crate::yaml::{NodeId, ScalarStyle, Step, Tree};

/// The quote character the file uses most (double when tied or unquoted).
pub fn dominant_quote(tree: &Tree) -> char {
    let (double, single) = tree.quote_counts();
    if single > double { '\'' } else { '"' }
}

pub fn quote(value: &str, quote: char) -> String {
    if quote == '\'' {
        format!("'{}'", value.replace('\'', "''"))
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Whether `value` must be quoted to stay one plain string scalar (conservative).
pub fn needs_quotes(value: &str, in_flow: bool) -> bool {
    let Some(first) = value.chars().next() else {
        return true;
    };
    if !(first.is_ascii_alphanumeric() || first == '$' || first == '.' || first == '/') {
        return true;
    }
    if value.contains(": ") || value.contains(" #") || value.ends_with(':') || value.ends_with(' ')
    {
        return true;
    }
    in_flow && value.contains([',', '[', ']', '{', '}'])
}

/// Builds the fix that binds `binding` to the configured address, if one can be written
/// (none when [`rebind_refusal`] says why not).
pub fn rebind_fix(
    project: &Project,
    binding: &PortBinding,
    settings: &Settings,
    applicability: Applicability,
) -> Option<Fix> {
    if rebind_refusal(project, binding).is_some() {
        return None;
    }
    let tree = project.tree(binding.at.file);
    let title = format!("Bind to {}", settings.bind_host_ip());
    let edits = match binding.syntax {
        PortSyntax::Long => long_form_edits(tree, binding, settings)?,
        PortSyntax::Integer | PortSyntax::Short => short_form_edits(tree, binding, settings)?,
    };
    Some(Fix::new(title, applicability, edits))
}

/// How many places one port may be reached from (through aliases) before the fixer gives up.
const MAX_PLACES: usize = 256;

/// Why the port must not be rewritten: the bytes the fix would edit are also reached, through
/// an alias, somewhere other than a port (`- &p 5432` with `mem_limit: *p`), and that value
/// would change too. Ports reached through the alias (a list shared by services) and `x-`
/// extensions are fine: the first are what the fix means, Compose ignores the second.
pub fn rebind_refusal(project: &Project, binding: &PortBinding) -> Option<String> {
    let tree = project.tree(binding.at.file);
    if !tree.has_aliases() {
        // Every node is reached from its own place alone: the port, where it was read.
        return None;
    }
    // The node the fix edits, and the keys under the port that lead to it.
    let (edited, under_port): (NodeId, &[&str]) = match (binding.syntax, binding.host_ip_entry) {
        (PortSyntax::Long, Some((_, value))) => (tree.resolve(value), &["host_ip"]),
        _ => (binding.at.node, &[]),
    };
    let Some(places) = tree.reached_at(edited, MAX_PLACES) else {
        return Some(
            "not fixed automatically: the port is reached through too many aliases to tell \
             what else a rewrite would change"
                .into(),
        );
    };
    let elsewhere: Vec<String> = places
        .iter()
        .filter(|place| !is_port_place(place, under_port, project.v1_layout))
        .map(|place| dotted(place))
        .collect();
    if elsewhere.is_empty() {
        return None;
    }
    Some(format!(
        "not fixed automatically: this value is anchored and also used through an alias at {}, \
         which a rewrite here would change too; write the address by hand, or give that key \
         its own value",
        elsewhere.join(", ")
    ))
}

/// `services.NAME.ports[i]` (`NAME.ports[i]` in a v1 file) followed by `under_port`, or
/// anything under an `x-` extension key.
fn is_port_place(place: &[Step], under_port: &[&str], v1_layout: bool) -> bool {
    let is_extension =
        |step: Option<&Step>| matches!(step, Some(Step::Key(k)) if k.starts_with("x-"));
    if is_extension(place.first()) {
        return true;
    }
    let service_start = match place.first() {
        Some(Step::Key(k)) if k == "services" => 1,
        _ if v1_layout => 0,
        _ => return false,
    };
    let Some(in_service) = place.get(service_start + 1..) else {
        return false;
    };
    if is_extension(in_service.first()) {
        return true;
    }
    let tail_matches = in_service.len() == 2 + under_port.len()
        && in_service[2..]
            .iter()
            .zip(under_port)
            .all(|(step, key)| matches!(step, Step::Key(k) if k == key));
    matches!(&in_service[..2.min(in_service.len())], [Step::Key(k), Step::Item(_)] if k == "ports")
        && tail_matches
}

/// `services.db.mem_limit`, `services.db.ports[0]`.
fn dotted(place: &[Step]) -> String {
    let mut out = String::new();
    for step in place {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Item(i) => out.push_str(&format!("[{i}]")),
        }
    }
    format!("`{out}`")
}

fn short_form_edits(tree: &Tree, binding: &PortBinding, settings: &Settings) -> Option<Vec<Edit>> {
    let node = binding.at.node;
    let span = tree.span(node);
    let raw = tree.scalar_value(node)?;
    let prefix = settings.bind_prefix();
    let quote_char = dominant_quote(tree);
    if binding.syntax == PortSyntax::Integer {
        // The decimal value, not the text: `010` is port 8 to Compose.
        let port = binding.target.to_compose_string();
        // A tag (`!!int 5432`) goes too: `!!int` on the new string is refused by Compose.
        let mut range = span;
        if let Some(tag) = &tree.node(node).tag {
            let before = tree.text()[..range.start].trim_end();
            if !before.ends_with(tag.as_str()) {
                return None;
            }
            range.start = before.len() - tag.len();
        }
        return Some(vec![Edit::replace(
            range,
            quote(&format!("{prefix}::{port}"), quote_char),
        )]);
    }
    let pieces = binding.pieces.as_ref()?;
    let style = tree.scalar(node)?.style;
    let content_start = span.start + usize::from(style.is_quoted());
    if let Some(host) = &pieces.host_ip {
        // An explicit host IP (a wildcard, or a variable that is empty or a wildcard).
        let (from, to) = (host.start - content_start, host.end - content_start);
        let new_value = format!("{}{prefix}{}", &raw[..from], &raw[to..]);
        if style == ScalarStyle::Plain && needs_quotes(&new_value, in_flow_sequence(tree, binding))
        {
            return Some(vec![Edit::replace(span, quote(&new_value, quote_char))]);
        }
        return Some(vec![Edit::replace(host.clone(), prefix)]);
    }
    let insertion = if pieces.published.is_some() {
        format!("{prefix}:")
    } else {
        format!("{prefix}::")
    };
    if style == ScalarStyle::Plain {
        let new_value = format!("{insertion}{raw}");
        if needs_quotes(&new_value, in_flow_sequence(tree, binding)) {
            return Some(vec![Edit::replace(span, quote(&new_value, quote_char))]);
        }
    }
    Some(vec![Edit::insert(content_start, insertion)])
}

fn in_flow_sequence(tree: &Tree, binding: &PortBinding) -> bool {
    tree.is_flow_collection(binding.sequence.node)
}

fn long_form_edits(tree: &Tree, binding: &PortBinding, settings: &Settings) -> Option<Vec<Edit>> {
    let map = binding.at.node;
    let host_ip = settings.bind_host_ip();
    let quote_char = dominant_quote(tree);
    if let Some((key, value)) = binding.host_ip_entry {
        let value = tree.resolve(value);
        if tree.is_null(value) && tree.span(value).is_empty() {
            // `host_ip:` with nothing after it: the value goes after the colon (the empty
            // value's place is the key's end, before the colon).
            return Some(vec![fill_empty_value(
                tree,
                key,
                &quote(host_ip, quote_char),
            )?]);
        }
        let quoted = match tree.scalar(value).map(|s| s.style) {
            Some(ScalarStyle::SingleQuoted) => quote(host_ip, '\''),
            Some(ScalarStyle::DoubleQuoted) => quote(host_ip, '"'),
            _ => quote(host_ip, quote_char),
        };
        return Some(vec![Edit::replace(tree.span(value), quoted)]);
    }
    let entries = tree.own_entries(map)?;
    let (first_key, _) = *entries.first()?;
    let (_, last_value) = *entries.last()?;
    let new_entry = format!("host_ip: {}", quote(host_ip, quote_char));
    if tree.is_flow_collection(map) {
        return Some(vec![Edit::insert(
            tree.span(last_value).end,
            format!(", {new_entry}"),
        )]);
    }
    block_insert_after(tree, first_key, last_value, &new_entry).map(|e| vec![e])
}

/// Writes ` value` after the colon of `key`, whose value is empty (`host_ip:`).
fn fill_empty_value(tree: &Tree, key: NodeId, value: &str) -> Option<Edit> {
    let text = tree.text();
    let key_end = tree.span(key).end;
    let after_key = &text[key_end..];
    let colon = after_key.find(':')?;
    // Only blanks between the key and its colon (anything else is not ours to guess).
    if !after_key[..colon].bytes().all(|b| b == b' ' || b == b'\t') {
        return None;
    }
    Some(Edit::insert(key_end + colon + 1, format!(" {value}")))
}

/// Inserts a new `key: value` line into a block mapping, after the line of its last value, at
/// the indentation of its first key, with the file's line ending.
fn block_insert_after(
    tree: &Tree,
    first_key: NodeId,
    last_value: NodeId,
    entry: &str,
) -> Option<Edit> {
    let text = tree.text();
    let key_start = tree.span(first_key).start;
    let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
    let lead = &text[line_start..key_start];
    // Only spaces and sequence dashes may precede the key; anything else (a tab) is not ours to guess.
    if !lead.bytes().all(|b| b == b' ' || b == b'-') {
        return None;
    }
    let indent = " ".repeat(lead.len());
    let value_end = tree.span(last_value).end;
    // A block scalar (`x-note: |`) ends past its own line break (and maybe the next line's
    // indentation): the new line goes at the start of the next line.
    let before = text[..value_end].trim_end_matches([' ', '\t']);
    if let Some(eol) = ["\r\n", "\n", "\r"]
        .into_iter()
        .find(|e| before.ends_with(e))
    {
        return Some(Edit::insert(before.len(), format!("{indent}{entry}{eol}")));
    }
    let mut line_end = text[value_end..]
        .find('\n')
        .map_or(text.len(), |i| value_end + i);
    let mut eol = if text[..line_end].ends_with('\r') {
        line_end -= 1;
        "\r\n"
    } else {
        "\n"
    };
    if !text.contains('\n') {
        eol = "\n";
    }
    Some(Edit::insert(line_end, format!("{eol}{indent}{entry}")))
}
