//! `logging-disabled`: a service's logs are thrown away (`logging.driver: none`).
//!
//! ## What it does
//! Finds services whose `logging.driver` is `none`.
//!
//! ## Why is this bad
//! With no logs there is no trace of an attack, an error or a crash: `docker logs` shows
//! nothing and no collector receives anything (CIS Docker Benchmark 2.13 asks for centralised
//! logging).
//!
//! ## Fix
//! Unsafe: removes `driver: none` where it is written (the daemon's default driver then logs),
//! and the whole `logging:` key when nothing else is in it (Compose refuses a `logging:` with
//! no value). Bound the logs' size with `options: {max-size: "10m", max-file: "3"}`.

use std::collections::HashMap;

use super::common::{Reporter, diagnostic};
use super::remove_fix::remove_nested_key;
use super::{Context, RuleMeta};
use crate::compose::model::{Loc, Project, Service};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Change, Fix};

pub const META: RuleMeta = RuleMeta {
    id: "logging-disabled",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: true,
    summary: "A service's logs are discarded (`logging.driver: none`)",
    docs: include_str!("../../rules/docs/logging-disabled.md"),
};

/// The `logging.driver` that decides for `service`: the highest-priority layer that sets one,
/// with that layer.
fn deciding_driver(project: &Project, service: &Service) -> Option<(Loc, Loc)> {
    service.layers.iter().rev().find_map(|layer| {
        let tree = project.tree(layer.file);
        let logging = tree.get_value(layer.node, "logging")?;
        let driver = tree.get_value(logging, "driver")?;
        Some((
            *layer,
            Loc {
                file: layer.file,
                node: driver,
            },
        ))
    })
}

fn is_none_driver(project: &Project, loc: Loc) -> bool {
    project
        .tree(loc.file)
        .as_str(loc.node)
        .is_some_and(|v| project.interpolate(loc.file, v).trim() == "none")
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    // The services each `driver: none` decides for: its fix changes `logging` for all of them.
    let mut users: HashMap<Loc, Vec<String>> = HashMap::new();
    let mut found = Vec::new();
    for service in &project.services {
        let Some((layer, loc)) = deciding_driver(project, service) else {
            continue;
        };
        if is_none_driver(project, loc) {
            users.entry(loc).or_default().push(service.name.clone());
            found.push((service, layer, loc));
        }
    }
    let mut reporter = Reporter::new(out);
    for (service, layer, loc) in found {
        let message = format!(
            "service `{}` discards its logs (`driver: none`)",
            service.name
        );
        let fix = remove_nested_key(project, layer, "logging", "driver").map(|edits| {
            Fix::new(
                "Remove `driver: none` (the daemon's default driver logs)",
                Applicability::Unsafe,
                edits,
            )
            .declaring(users[&loc].iter().map(|s| Change::service(s, "logging")))
        });
        reporter.report(
            loc,
            "",
            service,
            diagnostic(&META, project, loc, message)
                .with_help(
                    "keep a log driver (the default json-file, or local) and bound its size with `options: {max-size: \"10m\", max-file: \"3\"}`",
                )
                .with_fix(fix),
        );
    }
}
