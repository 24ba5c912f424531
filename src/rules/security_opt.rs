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
//! `security_opt:` key at the indentation of the service's keys. The item goes once into the
//! lowest service mapping that every service using it can take it in ([`NnpFixer`]): a base
//! and the services extending it get one edit, at the base. No fix is offered when no
//! mapping can take it, or the list comes from an anchor or a `<<` merge.
//!
//! ## unconfined-profile
//! Finds `seccomp:unconfined`, `apparmor:unconfined`, `label:disable` and
//! `systempaths=unconfined` (with `:` or `=`). They switch off the kernel's system-call filter,
//! the AppArmor profile, SELinux labelling, or the masking of `/proc` and `/sys` paths: the
//! defences that stop most container escapes.

use std::collections::HashMap;

use super::common::{
    DirectLayers, QuoteCache, Reporter, diagnostic, diagnostic_at, edits_clear_of_lone_cr,
    layer_items, line_ending_at, service_key_span, str_at,
};
use super::port_fix::quote;
use super::{Context, RuleMeta};
use crate::compose::boolean::parse_go_bool;
use crate::compose::model::{Loc, Project, Service};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Change, Edit, Fix};
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
    let mut fixer = NnpFixer::new(project);
    let help = "add `no-new-privileges:true` to `security_opt` so setuid and setcap binaries cannot raise a process's privileges";
    let mut pending = Vec::new();
    for (index, service) in project.services.iter().enumerate() {
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
            // The daemon parses the value with Go's ParseBool (`1`, `t`, `true` ...).
            let parsed = parse_go_bool(&value);
            if value.is_empty() || parsed == Some(true) {
                set = true;
            } else if parsed == Some(false) {
                explicit_false = Some(item);
            }
        }
        fixer.mentions_nnp[index] = set || explicit_false.is_some();
        if set {
            continue;
        }
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
        pending.push(index);
    }
    // The fixes are chosen once every service's `security_opt` is known: an edit of a shared
    // layer must not repeat an item another service has.
    for index in pending {
        let service = &project.services[index];
        let fix = fixer.fix_for(service);
        let help = if fix.is_none() && service.layers.len() > 1 {
            format!(
                "{help}; no automatic fix: `security_opt` is merged from several places (extends, an override or an included file) and cannot be added here once and safely"
            )
        } else {
            help.to_string()
        };
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
            .with_fix(fix),
        );
    }
}

/// Chooses where the `no-new-privileges` fix of each service goes. A service's layers (its
/// extended services, its own mapping, override layers) are tried lowest first: the fix goes
/// into the first service mapping that every service using it can take the item in, once
/// (none of them mentions `no-new-privileges`, none drops the list later with `!reset` or
/// `!override`). So a base service and the services that extend it get one edit, at the base.
/// A layer in another file than the service's own is edited by the fix of the service it
/// belongs to; the service's own fix is then none.
struct NnpFixer<'p> {
    project: &'p Project,
    direct: DirectLayers,
    quotes: QuoteCache,
    /// Per service: some layer mentions `no-new-privileges` (true or false).
    mentions_nnp: Vec<bool>,
    /// The services each layer belongs to.
    users: HashMap<Loc, Vec<usize>>,
    /// The fix at each layer tried (`None`: the layer cannot take it).
    at_layer: HashMap<Loc, Option<Fix>>,
}

impl<'p> NnpFixer<'p> {
    fn new(project: &'p Project) -> Self {
        let mut users: HashMap<Loc, Vec<usize>> = HashMap::new();
        for (index, service) in project.services.iter().enumerate() {
            for layer in &service.layers {
                let list = users.entry(*layer).or_default();
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
        }
        NnpFixer {
            project,
            direct: DirectLayers::new(project),
            quotes: QuoteCache::default(),
            mentions_nnp: vec![false; project.services.len()],
            users,
            at_layer: HashMap::new(),
        }
    }

    fn fix_for(&mut self, service: &Service) -> Option<Fix> {
        for layer in &service.layers {
            let Some(owner) = self.direct.owner(*layer) else {
                continue;
            };
            let owner = owner.to_string();
            if !self.at_layer.contains_key(layer) {
                let fix = self.fix_at(*layer);
                self.at_layer.insert(*layer, fix);
            }
            let Some(fix) = &self.at_layer[layer] else {
                continue;
            };
            if layer.file == service.key.file {
                return Some(fix.clone());
            }
            // Another file: the fix of the service written there carries the edit.
            let owned = self.project.service(&owner).is_some_and(|s| {
                s.key.file == layer.file && self.direct.own_layer(s) == Some(*layer)
            });
            if owned {
                return None;
            }
        }
        None
    }

    /// The fix at one service mapping, when every service using it can take the item there.
    fn fix_at(&mut self, layer: Loc) -> Option<Fix> {
        let project = self.project;
        let users = self.users.get(&layer)?;
        let mut changes = Vec::with_capacity(users.len());
        for &user in users {
            if self.mentions_nnp[user] {
                return None;
            }
            let service = &project.services[user];
            let later = service.layers.iter().skip_while(|l| **l != layer).skip(1);
            for later in later {
                let tree = project.tree(later.file);
                if let Some((_, value)) = tree.get(later.node, "security_opt") {
                    let tag = tree.node(value).tag.as_deref();
                    if matches!(tag, Some("!reset" | "!override")) {
                        return None;
                    }
                }
            }
            changes.push(Change::service(&service.name, "security_opt"));
        }
        let edit = nnp_edit(project, &mut self.quotes, layer)?;
        Some(
            Fix::new(
                "Add `no-new-privileges:true` to `security_opt`",
                Applicability::Unsafe,
                vec![edit],
            )
            .declaring(changes),
        )
    }
}

/// The edit adding the item to one service mapping: to its own `security_opt` list, or a new
/// key.
fn nnp_edit(project: &Project, quotes: &mut QuoteCache, layer: Loc) -> Option<Edit> {
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
            // A `security_opt` merged in with `<<` would be replaced by a key of the mapping's
            // own. (One from another layer is appended to: Compose merges these lists.)
            if tree.get(layer.node, "security_opt").is_some() {
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
    edits_clear_of_lone_cr(text, std::slice::from_ref(&edit)).then_some(edit)
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
