//! Linux capabilities: `dangerous-capability` and `no-cap-drop-all`.
//!
//! ## dangerous-capability
//! Finds `cap_add` entries that give a container power over the host (case-insensitive, with
//! or without the `CAP_` prefix): `ALL`, `SYS_ADMIN`, `SYS_MODULE` (errors: each is enough to
//! escape), and `SYS_PTRACE`, `DAC_READ_SEARCH`, `NET_ADMIN`, `BPF`, `PERFMON`, `SYS_RAWIO`,
//! `SYS_BOOT`, `SYS_TIME`, `MAC_ADMIN`, `MAC_OVERRIDE`, `SYSLOG`, `LINUX_IMMUTABLE`, `SYS_NICE`
//! (warnings), `IPC_LOCK`, `LEASE` (info). `CAP_ALL` is not `ALL` (the daemon refuses it):
//! `invalid-capability` reports it.
//! Grant only what the service needs, and prefer a narrower capability where one exists.
//!
//! ## no-cap-drop-all
//! Off by default. Finds services without `cap_drop: [ALL]`. Docker's default set still holds
//! `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, `NET_RAW` and more; dropping all and
//! adding back the few a service needs follows least privilege (CIS Docker Benchmark 5.3).
//! The unsafe fix adds `ALL` to `cap_drop` once, where every service using a mapping can take
//! it ([`super::add_fix`]).

use super::add_fix::{Addition, LayerFixer};
use super::common::{Reporter, diagnostic, diagnostic_at, layer_items, service_key_span, str_at};
use super::{Context, RuleMeta};
use crate::compose::capability::Capability;
use crate::diagnostic::{Diagnostic, Severity};

pub const DANGEROUS_META: RuleMeta = RuleMeta {
    id: "dangerous-capability",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A container is given a capability that reaches the host (ALL, SYS_ADMIN, NET_ADMIN, SYS_PTRACE ...)",
    docs: include_str!("../../rules/docs/dangerous-capability.md"),
};

pub const DROP_ALL_META: RuleMeta = RuleMeta {
    id: "no-cap-drop-all",
    category: "hardening",
    severity: Severity::Info,
    default_enabled: false,
    fixable: true,
    summary: "A service keeps Docker's default capabilities (no `cap_drop: [ALL]`)",
    docs: include_str!("../../rules/docs/no-cap-drop-all.md"),
};

/// Each capability, its severity, and what it allows.
const DANGEROUS: &[(&str, Severity, &str)] = &[
    (
        "ALL",
        Severity::Error,
        "every capability: the same as privileged for most purposes",
    ),
    (
        "SYS_ADMIN",
        Severity::Error,
        "mount file systems, and much more: a known container escape",
    ),
    (
        "SYS_MODULE",
        Severity::Error,
        "load kernel modules into the host's kernel",
    ),
    (
        "SYS_PTRACE",
        Severity::Warning,
        "trace and inject into processes (with `pid: host`, the host's)",
    ),
    (
        "DAC_READ_SEARCH",
        Severity::Warning,
        "read any file by handle: a known container escape (shocker)",
    ),
    (
        "NET_ADMIN",
        Severity::Warning,
        "reconfigure interfaces, routes and firewall rules",
    ),
    (
        "BPF",
        Severity::Warning,
        "load eBPF programs into the kernel",
    ),
    (
        "PERFMON",
        Severity::Warning,
        "use perf events and eBPF tracing on the kernel",
    ),
    (
        "SYS_RAWIO",
        Severity::Warning,
        "raw I/O to devices and ports",
    ),
    (
        "SYS_BOOT",
        Severity::Warning,
        "reboot the host and load a new kernel",
    ),
    ("SYS_TIME", Severity::Warning, "set the host's clock"),
    (
        "MAC_ADMIN",
        Severity::Warning,
        "change the mandatory access control (AppArmor, SELinux) policy",
    ),
    (
        "MAC_OVERRIDE",
        Severity::Warning,
        "bypass the mandatory access control policy",
    ),
    ("SYSLOG", Severity::Warning, "read and clear the kernel log"),
    (
        "LINUX_IMMUTABLE",
        Severity::Warning,
        "change immutable and append-only files",
    ),
    (
        "SYS_NICE",
        Severity::Warning,
        "give its processes real-time priority, which can starve the host's CPUs outside the container's limits",
    ),
    (
        "IPC_LOCK",
        Severity::Info,
        "lock memory into RAM past RLIMIT_MEMLOCK (bounded by its memory limit, if it has one)",
    ),
    (
        "LEASE",
        Severity::Info,
        "take leases on files it does not own, delaying other processes that open them",
    ),
];

/// The name as the daemon reads it ([`Capability`]): `ALL` only for `ALL` in any case
/// (`CAP_ALL` is an unknown name), a capability without `CAP_`.
fn normalise(cap: &str) -> String {
    Capability::parse(cap).name().to_string()
}

const DROP_ALL_ADDITION: Addition = Addition::Item {
    key: "cap_drop",
    item: "ALL",
};

pub fn check_dangerous(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for item in layer_items(project, service, "cap_add") {
            let Some(cap) = str_at(project, item) else {
                continue;
            };
            let name = normalise(&cap);
            let Some((_, severity, what)) = DANGEROUS.iter().find(|(c, _, _)| *c == name) else {
                continue;
            };
            let message = format!("service `{}` adds capability {name}: {what}", service.name);
            let mut d = diagnostic(&DANGEROUS_META, project, item, message).with_help(
                "remove it, or grant a narrower capability; combine with `cap_drop: [ALL]` and add back only what the service needs",
            );
            d.severity = *severity;
            reporter.report(item, "", service, d);
        }
    }
}

pub fn check_drop_all(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut fixer = LayerFixer::new(project, DROP_ALL_ADDITION, "Add `ALL` to `cap_drop`");
    let mut pending = Vec::new();
    for (index, service) in project.services.iter().enumerate() {
        if service.layers.is_empty() {
            continue;
        }
        let drops_all = layer_items(project, service, "cap_drop")
            .into_iter()
            .filter_map(|i| str_at(project, i))
            .any(|c| normalise(&c) == "ALL");
        fixer.mentions[index] = drops_all;
        if !drops_all {
            pending.push(index);
        }
    }
    // The fixes are chosen once every service is known: an edit of a shared layer must not
    // repeat `ALL` in a service that has it.
    for index in pending {
        let service = &project.services[index];
        out.push(
            diagnostic_at(
                &DROP_ALL_META,
                service.key.file,
                service_key_span(project, service),
                format!(
                    "service `{}` keeps Docker's default capabilities (no `cap_drop: [ALL]`)",
                    service.name
                ),
            )
            .with_help(
                "add `cap_drop: [ALL]` and add back with `cap_add:` only the capabilities the service needs (often none, or NET_BIND_SERVICE, CHOWN, SETUID, SETGID)",
            )
            .with_fix(fixer.fix_for(service)),
        );
    }
}
