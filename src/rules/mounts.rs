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
//! (Compose mounts the socket itself, with the user's registry credentials) is reported too,
//! and so is a directory that holds a runtime's default socket (`/`, `/run`, `/var/run`,
//! `/run/containerd` ...), read-only or not: bind mounts are recursive.
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
use crate::compose::host_path::HostPath;
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

/// Where the runtimes put their sockets by default. Docker bind mounts are recursive, so a
/// directory above one (`/`, `/run`; `/var/run` is a link to `/run`) exposes it as well; `/var`
/// does not (its `run` is an absolute link that resolves inside the container).
const DEFAULT_SOCKETS: [&str; 5] = [
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/run/crio/crio.sock",
    "/run/docker/containerd/containerd.sock",
];

/// The default socket a mounted directory holds, as `(socket, runtime socket name)`. `/run`
/// is a mount of its own on the host: a non-recursive bind of `/` does not bring it.
fn socket_below(dir: &HostPath, recursive: bool) -> Option<(&'static str, &'static str)> {
    if dir.home || (dir.path == "/" && !recursive) {
        return None;
    }
    let path = match dir.path.strip_prefix("/var/run") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/run{rest}"),
        _ => dir.path.clone(),
    };
    DEFAULT_SOCKETS.iter().copied().find_map(|socket| {
        let below = path == "/"
            || socket
                .strip_prefix(path.as_str())
                .is_some_and(|rest| rest.starts_with('/'));
        below.then(|| (socket, socket_name(socket).unwrap_or("docker.sock")))
    })
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
            let ro = if mount.read_only {
                " (read-only does not help: the API behind the socket stays writable)"
            } else {
                ""
            };
            let (socket, message) = if let Some(socket) = socket_name(&source) {
                let message = format!(
                    "service `{}` mounts the container runtime socket {source}{via}: it controls every container and is root on the host{ro}",
                    service.name
                );
                (socket, message)
            } else if let Some((path, socket)) = mount
                .host
                .as_ref()
                .and_then(|h| socket_below(h, mount.recursive))
            {
                let message = format!(
                    "service `{}` mounts the host's {source}{via}, which holds the container runtime socket {path}: it controls every container and is root on the host{ro}",
                    service.name
                );
                (socket, message)
            } else {
                continue;
            };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn below(path: &str) -> Option<&'static str> {
        socket_below(&HostPath::of_source(path, path).unwrap(), true).map(|(s, _)| s)
    }

    #[test]
    fn directories_holding_a_default_socket() {
        assert_eq!(below("/"), Some("/run/docker.sock"));
        assert_eq!(below("/run"), Some("/run/docker.sock"));
        assert_eq!(below("/var/run/"), Some("/run/docker.sock"));
        assert_eq!(
            below("/run/containerd"),
            Some("/run/containerd/containerd.sock")
        );
        assert_eq!(below("/var/run/crio"), Some("/run/crio/crio.sock"));
        assert_eq!(below("/var"), None);
        assert_eq!(below("/var/runner"), None);
        assert_eq!(below("/run/user"), None);
        assert_eq!(below("/run/docker.sock"), None);
        assert_eq!(below("~"), None);
        let root = HostPath::of_source("/", "/").unwrap();
        assert_eq!(socket_below(&root, false), None);
        let run = HostPath::of_source("/run", "/run").unwrap();
        assert!(socket_below(&run, false).is_some());
    }
}
