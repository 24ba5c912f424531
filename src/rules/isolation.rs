//! Sharing the host's namespaces and devices: `host-namespace` and `host-device`.
//!
//! ## host-namespace
//! Finds `pid: host`, `ipc: host`, `uts: host`, `userns_mode: host` and `cgroup: host`. The
//! container then sees and signals the host's processes (`pid`), shares its shared memory
//! (`ipc`), may change its host name (`uts`), runs outside the daemon's user-namespace
//! remapping (`userns_mode`) or sees the host's cgroup tree (`cgroup`). `network_mode: host` is
//! reported by `host-network-mode`, and on sensitive software by `sensitive-host-network`.
//!
//! ## host-device
//! Finds `devices:` entries. A device node gives the container direct access to host hardware
//! or kernel interfaces. The devices of `rules/host-paths.toml` are errors: block devices
//! (`/dev/sda`, `/dev/nvme0n1`, `/dev/mmcblk0`, `/dev/md0`, `/dev/disk/by-*` ...), which expose
//! the host's disks, `/dev/mem`, `/dev/kmem`, `/dev/port`, and `/dev/kmsg` (the kernel log:
//! reading leaks, writing injects log lines). Map only the device the service needs,
//! read-only where possible (`:r`).

use super::common::{Reporter, diagnostic, layer_items, str_at};
use super::host_paths;
use super::{Context, RuleMeta};
use crate::compose::host_path::HostPath;
use crate::diagnostic::{Diagnostic, Severity};

pub const NAMESPACE_META: RuleMeta = RuleMeta {
    id: "host-namespace",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A container shares a namespace with the host (pid, ipc, uts, userns or cgroup: host)",
    docs: include_str!("../../rules/docs/host-namespace.md"),
};

pub const DEVICE_META: RuleMeta = RuleMeta {
    id: "host-device",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A host device is mapped into a container (`devices:`)",
    docs: include_str!("../../rules/docs/host-device.md"),
};

const NAMESPACES: [(&str, &str, &str); 5] = [
    ("pid", "PID", "sees and signals every process of the host"),
    (
        "ipc",
        "IPC",
        "shares the host's shared memory and semaphores",
    ),
    ("uts", "UTS", "may change the host's name"),
    (
        "userns_mode",
        "user",
        "runs outside user-namespace remapping: its root is the host's root",
    ),
    ("cgroup", "cgroup", "sees the host's cgroup tree"),
];

pub fn check_namespace(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for (key, namespace, what) in NAMESPACES {
            let Some((value, loc)) = project.service_str(service, key) else {
                continue;
            };
            if value.trim() != "host" {
                continue;
            }
            let message = format!(
                "service `{}` uses the host's {namespace} namespace (`{key}: host`): it {what}",
                service.name
            );
            reporter.report(
                loc,
                key,
                service,
                diagnostic(&NAMESPACE_META, project, loc, message).with_help(format!(
                    "remove `{key}: host` unless the service is a host agent that needs it; then run it read-only, with no added capabilities"
                )),
            );
        }
    }
}

pub fn check_device(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for item in layer_items(project, service, "devices") {
            let tree = project.tree(item.file);
            let host = if tree.is_mapping(item.node) {
                tree.get_value(item.node, "source")
                    .and_then(|n| tree.as_str(n))
                    .map(|s| project.interpolate(item.file, s))
            } else {
                str_at(project, item).map(|t| t.split(':').next().unwrap_or("").to_string())
            };
            let Some(host) = host else {
                continue;
            };
            let critical = HostPath::of_source(&host, &host)
                .as_ref()
                .and_then(host_paths::sensitive)
                .filter(|e| e.path.starts_with("/dev/"));
            let message = if let Some(entry) = critical {
                format!(
                    "service `{}` maps the host device {host}: {}",
                    service.name, entry.what
                )
            } else {
                format!("service `{}` maps the host device {host}", service.name)
            };
            let mut d = diagnostic(&DEVICE_META, project, item, message).with_help(
                "map only the device the service needs, with the fewest permissions (`/dev/x:/dev/x:r`); never a disk or /dev/mem",
            );
            if critical.is_some() {
                d.severity = Severity::Error;
            }
            reporter.report(item, "", service, d);
        }
    }
}
