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
//! lowest service mapping that every service using it can take it in
//! ([`LayerFixer`](super::add_fix::LayerFixer)): a base
//! and the services extending it get one edit, at the base. No fix is offered when no
//! mapping can take it, or the list comes from an anchor or a `<<` merge.
//!
//! ## unconfined-profile
//! Finds `seccomp:unconfined`, `apparmor:unconfined`, `label:disable` and
//! `systempaths=unconfined` (with `:` or `=`). They switch off the kernel's system-call filter,
//! the AppArmor profile, SELinux labelling, or the masking of `/proc` and `/sys` paths: the
//! defences that stop most container escapes. The unsafe fix removes them where they are
//! written ([`super::remove_fix`]).

use std::collections::HashMap;

use super::add_fix::{Addition, LayerFixer};
use super::common::{Reporter, diagnostic, diagnostic_at, layer_items, service_key_span, str_at};
use super::remove_fix::remove_list_items;
use super::{Context, RuleMeta};
use crate::compose::boolean::parse_go_bool;
use crate::compose::model::{Loc, Project, Service};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Change, Fix};

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
    fixable: true,
    summary: "seccomp, AppArmor or SELinux confinement is switched off (`seccomp:unconfined` ...)",
    docs: include_str!("../../rules/docs/unconfined-profile.md"),
};

const NNP_ADDITION: Addition = Addition::Item {
    key: "security_opt",
    item: "no-new-privileges:true",
};

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
    let mut fixer = LayerFixer::new(
        project,
        NNP_ADDITION,
        "Add `no-new-privileges:true` to `security_opt`",
    );
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
        fixer.mentions[index] = set || explicit_false.is_some();
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

/// What an unconfined `security_opt` entry switches off, or `None` for any other entry.
fn unconfined(project: &Project, item: Loc) -> Option<(&'static str, String)> {
    let text = str_at(project, item)?;
    let (name, value) = split_option(&text);
    let what = match (name.as_str(), value.as_str()) {
        ("seccomp", "unconfined") => "the seccomp system-call filter",
        ("apparmor", "unconfined") => "the AppArmor profile",
        ("label", "disable") => "SELinux labelling",
        ("systempaths", "unconfined") => "the masking of sensitive /proc and /sys paths",
        _ => return None,
    };
    Some((what, text.trim().to_string()))
}

pub fn check_unconfined(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    // Each entry's users first: its fix declares `security_opt` changed for all of them.
    let mut users: HashMap<Loc, Vec<String>> = HashMap::new();
    for service in &project.services {
        for item in layer_items(project, service, "security_opt") {
            if unconfined(project, item).is_some() {
                users.entry(item).or_default().push(service.name.clone());
            }
        }
    }
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for item in layer_items(project, service, "security_opt") {
            let Some((what, text)) = unconfined(project, item) else {
                continue;
            };
            let message = format!("service `{}` switches off {what} (`{text}`)", service.name);
            reporter.report(
                item,
                "",
                service,
                diagnostic(&UNCONFINED_META, project, item, message)
                    .with_help(
                        "remove it; if the service needs one more system call or permission, write a custom profile that allows just that (`seccomp:./profile.json`)",
                    )
                    .with_fix(unconfined_fix(project, service, item, &users)),
            );
        }
    }
}

/// Removes every unconfined entry of the list that holds `item`, in the layer that writes it
/// (all at once: removing them one by one could leave an empty block list, which Compose
/// rejects).
fn unconfined_fix(
    project: &Project,
    service: &Service,
    item: Loc,
    users: &HashMap<Loc, Vec<String>>,
) -> Option<Fix> {
    let layer = service.layers.iter().copied().find(|layer| {
        layer.file == item.file
            && project
                .tree(layer.file)
                .get_value(layer.node, "security_opt")
                .and_then(|list| project.tree(layer.file).items(list))
                .is_some_and(|items| items.contains(&item.node))
    })?;
    let tree = project.tree(layer.file);
    let list = tree.get_value(layer.node, "security_opt")?;
    let remove: Vec<_> = tree
        .items(list)?
        .iter()
        .copied()
        .filter(|i| {
            unconfined(
                project,
                Loc {
                    file: layer.file,
                    node: *i,
                },
            )
            .is_some()
        })
        .collect();
    let edits = remove_list_items(project, layer, "security_opt", &remove)?;
    let mut changes: Vec<Change> = Vec::new();
    for i in &remove {
        let at = Loc {
            file: layer.file,
            node: *i,
        };
        for name in users.get(&at).into_iter().flatten() {
            let change = Change::service(name, "security_opt");
            if !changes.contains(&change) {
                changes.push(change);
            }
        }
    }
    Some(
        Fix::new(
            "Remove the unconfined entries of `security_opt`",
            Applicability::Unsafe,
            edits,
        )
        .declaring(changes),
    )
}
