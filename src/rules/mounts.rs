//! Host paths mounted into containers: `docker-socket-mounted`, `sensitive-host-mount` and
//! `mount-propagation-shared`. They share the reading of `volumes:` in both syntaxes
//! (`SRC:DST[:MODE]`, and `type: bind` / `source:` / `read_only:` / `bind.propagation`).
//!
//! ## docker-socket-mounted
//! A container runtime's API socket (`docker.sock`, `containerd.sock`, `podman.sock`,
//! `crio.sock`, under `/var/run` or `/run`) is bind-mounted. Whoever talks to it controls
//! every container and, through a privileged one, the host: it is root on the host. `:ro`
//! changes nothing (it only stops the socket file being replaced; the API stays writable).
//! Use a socket proxy that allows only the endpoints the service needs. `use_api_socket: true`
//! (Compose mounts the socket itself, with the user's registry credentials) is reported too.
//!
//! ## sensitive-host-mount
//! A system path of the host is mounted: the list is data, `rules/host-paths.toml` (`/`,
//! `/etc`, `/proc`, cron and systemd paths, `~/.ssh`, block devices ...). Paths are resolved as
//! the kernel resolves them and `~`/`$HOME` is a home directory ([`HostPath`]); a named volume
//! whose `driver_opts` bind a host path counts as a bind of that path. An error when
//! writable, a warning when read-only (it still discloses secrets such as SSH host keys and
//! other containers' data). Runtime sockets are left to `docker-socket-mounted`.
//!
//! [`HostPath`]: crate::compose::host_path::HostPath
//!
//! ## mount-propagation-shared
//! A bind mount with `shared` or `rshared` propagation: mounts the container makes appear on
//! the host (and the other way round), which lets a compromised container change the host's
//! mount table. Use the default (`rprivate`) or `rslave` when the container only needs to see
//! host mounts.

use super::common::{Mount, Reporter, diagnostic, mounts};
use super::host_paths;
use super::{Context, RuleMeta};
use crate::compose::boolean::yaml_bool_at;
use crate::compose::model::Loc;
use crate::diagnostic::{Diagnostic, Severity};

pub const SOCKET_META: RuleMeta = RuleMeta {
    id: "docker-socket-mounted",
    category: "hardening",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "The Docker (or containerd, Podman, CRI-O) API socket is mounted into a container",
    docs: include_str!("../../rules/docs/docker-socket-mounted.md"),
};

pub const HOST_MOUNT_META: RuleMeta = RuleMeta {
    id: "sensitive-host-mount",
    category: "hardening",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "A system path of the host (/, /etc, /proc, /sys, /var/lib/docker ...) is mounted into a container",
    docs: include_str!("../../rules/docs/sensitive-host-mount.md"),
};

pub const PROPAGATION_META: RuleMeta = RuleMeta {
    id: "mount-propagation-shared",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A bind mount uses shared or rshared propagation",
    docs: include_str!("../../rules/docs/mount-propagation-shared.md"),
};

const SOCKETS: [&str; 4] = ["docker.sock", "containerd.sock", "podman.sock", "crio.sock"];

/// The runtime socket a bind source names, if any.
fn socket_name(path: &str) -> Option<&'static str> {
    let file = path.rsplit('/').next()?;
    SOCKETS.iter().copied().find(|s| *s == file)
}

/// The host path a mount exposes, as shown in messages, and the named volume that binds it
/// (a phrase to follow the path), if that is how it is mounted.
fn exposed(mount: &Mount) -> Option<(String, String)> {
    let host = mount.host.as_ref()?;
    let via = match &mount.volume_bind {
        Some(volume) => format!(" (through volume `{volume}`, whose driver_opts bind it)"),
        None => String::new(),
    };
    Some((host.to_string(), via))
}

pub fn check_socket(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        // Compose mounts the engine's socket itself (and the user's registry credentials).
        if let Some(at) = project
            .service_value(service, "use_api_socket")
            .filter(|at| yaml_bool_at(project, *at) == Some(true))
        {
            let message = format!(
                "service `{}` sets `use_api_socket: true`: Compose mounts the Docker API socket (and your registry credentials) into it, so it controls every container and is root on the host",
                service.name
            );
            reporter.report(
                at,
                "use_api_socket",
                service,
                diagnostic(&SOCKET_META, project, at, message).with_help(
                    "remove `use_api_socket`; if the service must talk to the engine, give it a socket proxy that allows only the API endpoints it needs",
                ),
            );
        }
        for mount in mounts(project, service) {
            let Some((source, via)) = exposed(&mount) else {
                continue;
            };
            let Some(socket) = socket_name(&source) else {
                continue;
            };
            let ro = if mount.read_only {
                " (read-only does not help: the API behind the socket stays writable)"
            } else {
                ""
            };
            let message = format!(
                "service `{}` mounts the container runtime socket {source}{via}: it controls every container and is root on the host{ro}",
                service.name
            );
            let help = if socket == "docker.sock" {
                "give the service a socket proxy (tecnativa/docker-socket-proxy) that allows only the API endpoints it needs, on an internal network, and set DOCKER_HOST=tcp://socket-proxy:2375"
            } else {
                "avoid mounting the runtime socket; if the service must talk to the runtime, put a filtering proxy in front of it"
            };
            reporter.report(
                mount.source_at,
                "",
                service,
                diagnostic(&SOCKET_META, project, mount.source_at, message).with_help(help),
            );
        }
    }
}

pub fn check_host_mount(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for mount in mounts(project, service) {
            let Some((source, via)) = exposed(&mount) else {
                continue;
            };
            if socket_name(&source).is_some() {
                continue;
            }
            let Some(entry) = mount.host.as_ref().and_then(host_paths::sensitive) else {
                continue;
            };
            let (severity, how) = if mount.read_only {
                (Severity::Warning, "read-only")
            } else {
                (Severity::Error, "writable")
            };
            let target = mount.target.as_deref().unwrap_or("?");
            let node = if entry.node {
                "; bind-mounted, the device cgroup refuses to open it unless the service is privileged or has `device_cgroup_rules`"
            } else {
                ""
            };
            let message = format!(
                "service `{}` mounts the host's {source}{via} at {target} ({how}): {}{node}",
                service.name, entry.what
            );
            let help = if mount.read_only {
                "mount only the files the service needs; even read-only, system paths disclose secrets (SSH host keys, other containers' data)"
            } else {
                "a writable system path lets the container take over the host; mount only what the service needs, read-only (`:ro`)"
            };
            let mut d =
                diagnostic(&HOST_MOUNT_META, project, mount.source_at, message).with_help(help);
            d.severity = severity;
            reporter.report(mount.source_at, "", service, d);
        }
    }
}

pub fn check_propagation(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for mount in mounts(project, service) {
            let (mode, at): (String, Loc) = match &mount.propagation {
                Some((mode, at)) => (mode.clone(), *at),
                None => match mount
                    .options
                    .iter()
                    .find(|o| *o == "shared" || *o == "rshared")
                {
                    Some(o) => (o.clone(), mount.at),
                    None => continue,
                },
            };
            if mode != "shared" && mode != "rshared" {
                continue;
            }
            let message = format!(
                "service `{}` mounts {} with `{mode}` propagation: mounts made in the container appear on the host",
                service.name,
                mount.source.as_deref().unwrap_or("a path")
            );
            reporter.report(
                at,
                "",
                service,
                diagnostic(&PROPAGATION_META, project, at, message).with_help(
                    "use the default propagation (rprivate), or `rslave` if the container only needs to see host mounts",
                ),
            );
        }
    }
}
