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
//! Both are reported at the service's name, with no fix: the right limits and writable paths
//! depend on the service.

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
    fixable: false,
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
    for service in &project.services {
        if service.layers.is_empty() {
            continue;
        }
        let value = project.service_value(service, "read_only");
        if value.is_some_and(|l: Loc| is_true(project, l)) {
            continue;
        }
        // An explicit `read_only: false` is reported where it is written.
        let (file, span) = match value {
            Some(l) => (l.file, project.tree(l.file).span(l.node)),
            None => (service.key.file, service_key_span(project, service)),
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
            ),
        );
    }
}
