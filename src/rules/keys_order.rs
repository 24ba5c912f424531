//! `service-keys-order`: a service's keys are not in the conventional order.
//!
//! ## What it does
//! Off by default. Checks each service mapping against the order dclint uses, group by group:
//! `image`, `build`, `container_name`; `depends_on`; `volumes`, `volumes_from`, `configs`,
//! `secrets`; `environment`, `env_file`; `ports`, `networks`, `network_mode`, `extra_hosts`;
//! `command`, `entrypoint`, `working_dir`, `restart`, `healthcheck`; `logging`, `labels`;
//! `user`, `isolation`; then every other key, in any order. The first key that comes after one
//! it should precede is reported, once per service mapping.
//!
//! ## Why is this bad
//! A fixed order lets a reader find the image, the ports or the volumes of any service at a
//! glance, and keeps diffs small when files are edited by several people.
//!
//! ## Fix
//! None: moving entries must carry their comments and blank lines along, which is not worth
//! the risk for a style rule. Move the key by hand.

use super::common::diagnostic;
use super::{Context, RuleMeta};
use crate::compose::model::Loc;
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "service-keys-order",
    category: "correctness",
    severity: Severity::Info,
    default_enabled: false,
    fixable: false,
    summary: "A service's keys are not in the conventional order (image, build, ... user)",
    docs: include_str!("../../rules/docs/service-keys-order.md"),
};

const GROUPS: &[&[&str]] = &[
    &["image", "build", "container_name"],
    &["depends_on"],
    &["volumes", "volumes_from", "configs", "secrets"],
    &["environment", "env_file"],
    &["ports", "networks", "network_mode", "extra_hosts"],
    &[
        "command",
        "entrypoint",
        "working_dir",
        "restart",
        "healthcheck",
    ],
    &["logging", "labels"],
    &["user", "isolation"],
];

fn rank(key: &str) -> usize {
    let mut i = 0;
    for group in GROUPS {
        for k in *group {
            if *k == key {
                return i;
            }
            i += 1;
        }
    }
    usize::MAX
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    // Each layer once (a layer extended by many services is reached from each).
    let mut seen: std::collections::HashSet<Loc> = std::collections::HashSet::new();
    for service in &project.services {
        for layer in &service.layers {
            if !seen.insert(*layer) {
                continue;
            }
            let tree = project.tree(layer.file);
            let Some(entries) = tree.own_entries(layer.node) else {
                continue;
            };
            let mut highest: Option<(&str, usize)> = None;
            for (k, _) in entries {
                let Some(key) = tree.scalar_value(*k) else {
                    continue;
                };
                if key == "<<" {
                    continue;
                }
                let r = rank(key);
                match highest {
                    Some((before, hr)) if r < hr => {
                        let message = format!(
                            "service `{}`: `{key}` should come before `{before}`",
                            service.name
                        );
                        out.push(
                            diagnostic(
                                &META,
                                project,
                                Loc {
                                    file: layer.file,
                                    node: *k,
                                },
                                message,
                            )
                            .with_help("order: image, build, container_name, depends_on, volumes, volumes_from, configs, secrets, environment, env_file, ports, networks, network_mode, extra_hosts, command, entrypoint, working_dir, restart, healthcheck, logging, labels, user, isolation, then the rest"),
                        );
                        break;
                    }
                    Some((_, hr)) if r <= hr => {}
                    _ => highest = Some((key, r)),
                }
            }
        }
    }
}
