//! Defence-in-depth settings that are off by default: `no-resource-limits` and
//! `read-only-root-missing`.
//!
//! ## no-resource-limits
//! Finds services without a memory limit (`mem_limit`, `deploy.resources.limits.memory`) or
//! without a CPU limit (`cpus`, `cpu_quota`, `deploy.resources.limits.cpus`): one finding
//! for a service with neither, one naming the missing kind for a memory-only or CPU-only
//! service. A value that is no limit is reported where it is written: `0` in any unit and
//! a variable that defaults to it (`${MEM:-0}`; Compose drops the key), or a negative number
//! (`-1`). One runaway or attacked container can then starve the host and every other
//! service (CIS Docker Benchmark 5.10, 5.11).
//!
//! ## read-only-root-missing
//! Finds services without `read_only: true`. A writable root file system lets an attacker
//! change the container's binaries and configuration and keep a foothold; with a read-only
//! root, the service writes only to the volumes and tmpfs mounts it declares (CIS Docker
//! Benchmark 5.12).
//!
//! Both are reported at the service's name. `no-resource-limits` has no fix (the right limits
//! depend on the service); `read-only-root-missing` has an unsafe one that adds
//! `read_only: true` ([`super::add_fix`]) and no `tmpfs`.

use super::add_fix::{Addition, LayerFixer};
use super::common::{diagnostic_at, is_true, service_key_span};
use super::{Context, RuleMeta};
use crate::compose::model::{Loc, Project, Service};
use crate::compose::resources::{Amount, amount};
use crate::diagnostic::{Diagnostic, Severity};

pub const LIMITS_META: RuleMeta = RuleMeta {
    id: "no-resource-limits",
    category: "hardening",
    severity: Severity::Info,
    default_enabled: false,
    fixable: false,
    summary: "A service has no memory or CPU limit",
    docs: include_str!("../../rules/docs/no-resource-limits.md"),
};

pub const READ_ONLY_META: RuleMeta = RuleMeta {
    id: "read-only-root-missing",
    category: "hardening",
    severity: Severity::Info,
    default_enabled: false,
    fixable: true,
    summary: "A service's root file system is writable (no `read_only: true`)",
    docs: include_str!("../../rules/docs/read-only-root-missing.md"),
};

/// A memory or CPU limit of a service, by what its settings say.
enum Limit {
    Set,
    /// Only settings that are no limit: the last one met, its key and value as written.
    Unlimited(Loc, &'static str, String, Amount),
    Absent,
}

/// The service's limit of one kind: `direct` keys of the service and `deploy_key` of
/// `deploy.resources.limits`, each from the highest-priority layer that sets it.
fn limit(
    project: &Project,
    service: &Service,
    direct: &[&'static str],
    deploy_key: &'static str,
) -> Limit {
    let mut found = Limit::Absent;
    let deploy = service.layers.iter().rev().find_map(|layer| {
        let tree = project.tree(layer.file);
        let limits = tree
            .get_value(layer.node, "deploy")
            .and_then(|d| tree.get_value(d, "resources"))
            .and_then(|r| tree.get_value(r, "limits"))?;
        let node = tree.get_value(limits, deploy_key)?;
        Some(Loc {
            file: layer.file,
            node,
        })
    });
    let settings = direct
        .iter()
        .map(|k| (*k, project.service_value(service, k)))
        .chain([(deploy_key, deploy)]);
    for (key, loc) in settings {
        let Some(loc) = loc else {
            continue;
        };
        let tree = project.tree(loc.file);
        if tree.is_null(loc.node) {
            continue;
        }
        let Some(raw) = tree.as_str(loc.node) else {
            return Limit::Set;
        };
        match amount(&project.interpolate(loc.file, raw)) {
            Amount::Limit => return Limit::Set,
            a @ (Amount::Zero | Amount::Negative) => {
                found = Limit::Unlimited(loc, key, raw.to_string(), a);
            }
        }
    }
    found
}

pub fn check_limits(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    for service in &project.services {
        if service.layers.is_empty() {
            continue;
        }
        let memory = limit(project, service, &["mem_limit"], "memory");
        let cpu = limit(project, service, &["cpus", "cpu_quota"], "cpus");
        let mut absent = Vec::new();
        for (kind, state) in [("memory", memory), ("CPU", cpu)] {
            match state {
                Limit::Set => {}
                Limit::Absent => absent.push(kind),
                Limit::Unlimited(loc, key, raw, a) => out.push(
                    diagnostic_at(
                        &LIMITS_META,
                        loc.file,
                        project.tree(loc.file).span(loc.node),
                        format!(
                            "service `{}` has no {kind} limit: `{key}: {raw}` {}",
                            service.name,
                            if a == Amount::Zero {
                                "means unlimited (Compose drops a zero)"
                            } else {
                                "is negative, which is no limit"
                            }
                        ),
                    )
                    .with_help(if kind == "memory" {
                        "set a positive size (`memory: 512M` under `deploy.resources.limits`, or `mem_limit: 512m`); 0 and negative values are no limit"
                    } else {
                        "set a positive number of CPUs (`cpus: \"1.0\"` under `deploy.resources.limits`, or `cpus`); 0 and negative values are no limit"
                    }),
                ),
            }
        }
        let what = match absent.as_slice() {
            [] => continue,
            [kind] => format!("{kind} limit"),
            _ => "memory or CPU limit".to_string(),
        };
        out.push(
            diagnostic_at(
                &LIMITS_META,
                service.key.file,
                service_key_span(project, service),
                format!("service `{}` has no {what}", service.name),
            )
            .with_help(match absent.as_slice() {
                ["memory"] => "set `deploy.resources.limits.memory` (`512M`) or `mem_limit`",
                ["CPU"] => "set `deploy.resources.limits.cpus` (`\"1.0\"`) or `cpus`",
                _ => "set `deploy.resources.limits` (`memory: 512M`, `cpus: \"1.0\"`) or `mem_limit` and `cpus`",
            }),
        );
    }
}

pub fn check_read_only(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut fixer = LayerFixer::new(
        project,
        Addition::Key {
            key: "read_only",
            value: "true",
        },
        "Add `read_only: true`",
    );
    let mut pending = Vec::new();
    for (index, service) in project.services.iter().enumerate() {
        if service.layers.is_empty() {
            continue;
        }
        let value = project.service_value(service, "read_only");
        // A service that sets `read_only` in any layer, to any value, gets no added key.
        fixer.mentions[index] = value.is_some();
        if !value.is_some_and(|l: Loc| is_true(project, l)) {
            pending.push((index, value));
        }
    }
    for (index, value) in pending {
        let service = &project.services[index];
        // An explicit `read_only: false` is reported where it is written, with no fix: someone
        // chose it.
        let (file, span, fix) = match value {
            Some(l) => (l.file, project.tree(l.file).span(l.node), None),
            None => (
                service.key.file,
                service_key_span(project, service),
                fixer.fix_for(service),
            ),
        };
        out.push(
            diagnostic_at(
                &READ_ONLY_META,
                file,
                span,
                format!("service `{}` has a writable root file system", service.name),
            )
            .with_help(
                "set `read_only: true` and give the paths the service writes a volume or a `tmpfs:` mount",
            )
            .with_fix(fix),
        );
    }
}
