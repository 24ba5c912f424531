//! Defence-in-depth settings that are off by default: `no-resource-limits` and
//! `read-only-root-missing`.
//!
//! ## no-resource-limits
//! Finds services with neither a memory nor a CPU limit: no `mem_limit`, `cpus`, `cpu_quota`,
//! and no `deploy.resources.limits.memory` or `.cpus`. One runaway or attacked container can
//! then starve the host and every other service (CIS Docker Benchmark 5.10, 5.11).
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

fn has_limit(project: &Project, service: &Service) -> bool {
    service.layers.iter().any(|layer| {
        let tree = project.tree(layer.file);
        let direct = ["mem_limit", "cpus", "cpu_quota"].iter().any(|k| {
            tree.get_value(layer.node, k)
                .is_some_and(|v| !tree.is_null(v))
        });
        let deploy = tree
            .get_value(layer.node, "deploy")
            .and_then(|d| tree.get_value(d, "resources"))
            .and_then(|r| tree.get_value(r, "limits"))
            .is_some_and(|l| {
                ["memory", "cpus"]
                    .iter()
                    .any(|k| tree.get_value(l, k).is_some_and(|v| !tree.is_null(v)))
            });
        direct || deploy
    })
}

pub fn check_limits(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    for service in &project.services {
        if service.layers.is_empty() || has_limit(project, service) {
            continue;
        }
        out.push(
            diagnostic_at(
                &LIMITS_META,
                service.key.file,
                service_key_span(project, service),
                format!("service `{}` has no memory or CPU limit", service.name),
            )
            .with_help(
                "set `deploy.resources.limits` (`memory: 512M`, `cpus: \"1.0\"`) or `mem_limit` and `cpus`",
            ),
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
