//! `security_opt`: `no-new-privileges-missing` and `unconfined-profile`.
//!
//! ## no-new-privileges-missing
//! Off by default. Finds services whose `security_opt` does not hold `no-new-privileges:true`
//! (also written `no-new-privileges=true` or bare `no-new-privileges`). Without it, a process
//! in the container can gain privileges through setuid and setcap binaries (`su`, `sudo`,
//! `ping` ...), which turns a foothold as an unprivileged user into root in the container (CIS
//! Docker Benchmark 5.25). The fix is unsafe because it changes what the container may do at
//! run time (a setuid helper the service relies on stops working): it adds
//! `- no-new-privileges:true` to an existing `security_opt` list (block or flow), or a new
//! `security_opt:` key at the indentation of the service's keys. No fix is offered when the
//! list comes from an anchor, a merge or an extended service.
//!
//! ## unconfined-profile
//! Finds `seccomp:unconfined`, `apparmor:unconfined`, `label:disable` and
//! `systempaths=unconfined` (with `:` or `=`). They switch off the kernel's system-call filter,
//! the AppArmor profile, SELinux labelling, or the masking of `/proc` and `/sys` paths: the
//! defences that stop most container escapes.

use super::common::{
    DirectLayers, QuoteCache, Reporter, diagnostic, diagnostic_at, edits_clear_of_lone_cr,
    layer_items, layer_values, line_ending_at, service_key_span, str_at,
};
use super::port_fix::quote;
use super::{Context, RuleMeta};
use crate::compose::model::{Loc, Project, Service};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Fix};
use crate::yaml::ScalarStyle;

pub const NNP_META: RuleMeta = RuleMeta {
    id: "no-new-privileges-missing",
    category: "hardening",
    severity: Severity::Info,
    default_enabled: false,
    fixable: true,
    summary: "A service lets processes gain privileges (no `security_opt: [no-new-privileges:true]`)",
    docs: include_str!("../../rules/docs/no-new-privileges-missing.md"),
};

pub const UNCONFINED_META: RuleMeta = RuleMeta {
    id: "unconfined-profile",
    category: "hardening",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "seccomp, AppArmor or SELinux confinement is switched off (`seccomp:unconfined` ...)",
    docs: include_str!("../../rules/docs/unconfined-profile.md"),
};

const NNP_ITEM: &str = "no-new-privileges:true";

/// `(name, value)` of a `name:value` or `name=value` option.
fn split_option(option: &str) -> (String, String) {
    let option = option.trim();
    match option.find([':', '=']) {
        Some(i) => (
            option[..i].trim().to_ascii_lowercase(),
            option[i + 1..].trim().to_ascii_lowercase(),
        ),
        None => (option.to_ascii_lowercase(), String::new()),
    }
}

pub fn check_no_new_privileges(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let direct = DirectLayers::new(project);
    let mut quotes = QuoteCache::default();
    for service in &project.services {
        if service.layers.is_empty() {
            continue;
        }
        let mut explicit_false = None;
        let mut set = false;
        for item in layer_items(project, service, "security_opt") {
            let Some(text) = str_at(project, item) else {
                continue;
            };
            let (name, value) = split_option(&text);
            if name != "no-new-privileges" {
                continue;
            }
            if value.is_empty() || value == "true" {
                set = true;
            } else if value == "false" {
                explicit_false = Some(item);
            }
        }
        if set {
            continue;
        }
        let help = "add `no-new-privileges:true` to `security_opt` so setuid and setcap binaries cannot raise a process's privileges";
        if let Some(item) = explicit_false {
            out.push(
                diagnostic(
                    &NNP_META,
                    project,
                    item,
                    format!(
                        "service `{}` allows processes to gain privileges (`no-new-privileges:false`)",
                        service.name
                    ),
                )
                .with_help(help),
            );
            continue;
        }
        out.push(
            diagnostic_at(
                &NNP_META,
                service.key.file,
                service_key_span(project, service),
                format!(
                    "service `{}` does not set `no-new-privileges:true`: setuid binaries can raise privileges",
                    service.name
                ),
            )
            .with_help(help)
            .with_fix(nnp_fix(project, &direct, &mut quotes, service)),
        );
    }
}

fn nnp_fix(
    project: &Project,
    direct: &DirectLayers,
    quotes: &mut QuoteCache,
    service: &Service,
) -> Option<Fix> {
    let layer = direct.own_layer(service)?;
    let tree = project.tree(layer.file);
    let text = tree.text();
    let eol = line_ending_at(text, tree.span(layer.node).start);
    let entries = tree.own_entries(layer.node)?;
    if tree.is_flow_collection(layer.node) {
        return None;
    }
    let own = entries
        .iter()
        .find(|(k, _)| tree.scalar_value(*k) == Some("security_opt"));
    let edit = match own {
        Some((_, value)) => {
            let value = *value;
            let node = tree.node(value);
            if node.anchor.is_some() || node.tag.is_some() || value != tree.resolve(value) {
                return None;
            }
            let items = tree.items(value)?;
            if tree.is_flow_collection(value) {
                let q = quotes.get(project, layer.file);
                let item = quote(NNP_ITEM, q);
                match items.last() {
                    Some(last) => Edit::insert(tree.span(*last).end, format!(", {item}")),
                    None => Edit::insert(tree.span(value).start + 1, item),
                }
            } else {
                let last = *items.last()?;
                let last_span = tree.span(last);
                let line_start = text[..last_span.start].rfind('\n').map_or(0, |i| i + 1);
                let lead = &text[line_start..last_span.start];
                let indent = lead.len() - lead.trim_start_matches(' ').len();
                if lead.trim() != "-" || tree.scalar(last).is_none() {
                    return None;
                }
                let item = match tree.scalar(last).map(|s| s.style) {
                    Some(ScalarStyle::SingleQuoted) => quote(NNP_ITEM, '\''),
                    Some(ScalarStyle::DoubleQuoted) => quote(NNP_ITEM, '"'),
                    _ => NNP_ITEM.to_string(),
                };
                let at = end_of_line(text, last_span.end)?;
                Edit::insert(at, format!("{eol}{}- {item}", " ".repeat(indent)))
            }
        }
        None => {
            // Any security_opt from elsewhere (a merge, an extended service) would be replaced or
            // merged in ways that are not ours to guess.
            if !layer_values(project, service, "security_opt").is_empty()
                || tree.get(layer.node, "security_opt").is_some()
            {
                return None;
            }
            let (first_key, _) = *entries.first()?;
            let (last_key, last_value) = *entries.last()?;
            let key_start = tree.span(first_key).start;
            let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
            let lead = &text[line_start..key_start];
            if lead.is_empty() || !lead.bytes().all(|b| b == b' ') {
                return None;
            }
            let indent = lead.to_string();
            let block = format!("{indent}security_opt:{eol}{indent}  - {NNP_ITEM}");
            let block_scalar = tree
                .scalar(last_value)
                .is_some_and(|s| matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded))
                || ends_in_block_scalar(
                    project,
                    Loc {
                        file: layer.file,
                        node: last_value,
                    },
                );
            if block_scalar {
                // Before the last key: a block scalar's trailing lines are not ours to split.
                let last_start = tree.span(last_key).start;
                let ls = text[..last_start].rfind('\n').map_or(0, |i| i + 1);
                if text[ls..last_start] != indent {
                    return None;
                }
                Edit::insert(ls, format!("{block}{eol}"))
            } else {
                let at = end_of_line(text, tree.span(last_value).end)?;
                Edit::insert(at, format!("{eol}{block}"))
            }
        }
    };
    if !edits_clear_of_lone_cr(text, std::slice::from_ref(&edit)) {
        return None;
    }
    Some(Fix::new(
        "Add `no-new-privileges:true` to `security_opt`",
        Applicability::Unsafe,
        vec![edit],
    ))
}

/// Whether the last leaf of a collection is a block scalar.
fn ends_in_block_scalar(project: &Project, loc: Loc) -> bool {
    let tree = project.tree(loc.file);
    let mut node = tree.resolve(loc.node);
    loop {
        if let Some(items) = tree.items(node) {
            match items.last() {
                Some(last) => node = tree.resolve(*last),
                None => return false,
            }
        } else if let Some(entries) = tree.own_entries(node) {
            match entries.last() {
                Some((_, v)) => node = tree.resolve(*v),
                None => return false,
            }
        } else {
            return tree
                .scalar(node)
                .is_some_and(|s| matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded));
        }
    }
}

/// The end of the line holding byte `at - 1` (before its line break), for an insertion after a
/// node that ends at `at`. `None` when the rest of that line holds more than a comment.
fn end_of_line(text: &str, at: usize) -> Option<usize> {
    let rest_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let end = if text[..rest_end].ends_with('\r') {
        rest_end - 1
    } else {
        rest_end
    };
    let tail = text[at..end].trim();
    (tail.is_empty() || tail.starts_with('#')).then_some(end)
}

pub fn check_unconfined(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for item in layer_items(project, service, "security_opt") {
            let Some(text) = str_at(project, item) else {
                continue;
            };
            let (name, value) = split_option(&text);
            let what = match (name.as_str(), value.as_str()) {
                ("seccomp", "unconfined") => "the seccomp system-call filter",
                ("apparmor", "unconfined") => "the AppArmor profile",
                ("label", "disable") => "SELinux labelling",
                ("systempaths", "unconfined") => "the masking of sensitive /proc and /sys paths",
                _ => continue,
            };
            let message = format!(
                "service `{}` switches off {what} (`{}`)",
                service.name,
                text.trim()
            );
            reporter.report(
                item,
                "",
                service,
                diagnostic(&UNCONFINED_META, project, item, message).with_help(
                    "remove it; if the service needs one more system call or permission, write a custom profile that allows just that (`seccomp:./profile.json`)",
                ),
            );
        }
    }
}
