//! `docker-api-exposed`: the Docker Engine API reachable without TLS, or published.
//!
//! ## What it does
//! Reports two things:
//! - a published container port 2375 (the daemon's plain-TCP port, no authentication at all)
//!   on any address, loopback included, and a published 2376 (the TLS port) on every interface
//!   or another non-loopback address;
//! - a `DOCKER_HOST=tcp://...` in a service's environment that talks to a daemon without TLS
//!   verification: port 2375, or `DOCKER_TLS_VERIFY` unset or empty. A host that is a sibling
//!   service running a Docker socket proxy (`tecnativa/docker-socket-proxy` ...) is left alone:
//!   that is the recommended way to give a container a filtered API.
//!
//! ## Why is this bad
//! Whoever reaches the Docker API controls the daemon, and through it the host: one
//! `docker run --privileged -v /:/host` is root. On loopback, 2375 still hands root to every
//! local user and process.
//!
//! ## Fix
//! None automatic. Do not publish the API; give containers a socket proxy that allows only the
//! endpoints they need; use TLS with client certificates (`--tlsverify`) for remote access.

use super::common::{Reporter, diagnostic, diagnostic_at, env_get, parse_url};
use super::exposure::exposed_bindings;
use super::{Context, RuleMeta};
use crate::catalog::Category;
use crate::compose::port::is_loopback_ip;
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "docker-api-exposed",
    category: "exposure",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "The Docker Engine API is published, or reached over TCP without TLS verification",
    docs: include_str!("../../rules/docs/docker-api-exposed.md"),
};

const PLAIN: u16 = 2375;
const TLS: u16 = 2376;

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for (index, service) in project.services.iter().enumerate() {
        let everywhere: Vec<_> = exposed_bindings(project, service).map(|b| b.at).collect();
        for binding in &service.ports {
            let plain = binding.target.contains(PLAIN);
            let tls = binding.target.contains(TLS);
            if !plain && !tls {
                continue;
            }
            let port = if plain { PLAIN } else { TLS };
            let place = if everywhere.contains(&binding.at) {
                "on every interface".to_string()
            } else {
                // No host IP and not on every interface: the network binds to loopback.
                match binding.host_ip.as_deref() {
                    Some(ip) if !is_loopback_ip(ip) => format!("on {ip}"),
                    _ if !plain => continue,
                    _ => "on loopback, where every local user and process reaches it".to_string(),
                }
            };
            let what = if plain {
                "the Docker API without TLS or authentication"
            } else {
                "the Docker API (TLS port)"
            };
            let message = format!(
                "service `{}` publishes container port {port}, {what}, {place}",
                service.name
            );
            let help = if plain {
                "whoever reaches this port is root on the Docker host; do not publish it, and give containers a socket proxy that allows only what they need"
            } else {
                "require client certificates (`--tlsverify`) and publish it only on the address remote clients use, or reach the daemon through an SSH tunnel (`DOCKER_HOST=ssh://user@host`)"
            };
            reporter.report(
                binding.at,
                "port",
                service,
                diagnostic(&META, project, binding.at, message).with_help(help),
            );
        }

        let env = ctx.environment(index);
        let Some(host) = env_get(env, "DOCKER_HOST") else {
            continue;
        };
        let Some(value) = host.value.as_deref() else {
            continue;
        };
        let Some(url) = parse_url(value) else {
            continue;
        };
        if !value[url.scheme.clone()].eq_ignore_ascii_case("tcp") {
            continue;
        }
        let Some((host_range, port_range)) = url.hosts.first() else {
            continue;
        };
        let host_name = &value[host_range.clone()];
        let port: Option<u16> = port_range.clone().and_then(|r| value[r].parse().ok());
        let verify = env_get(env, "DOCKER_TLS_VERIFY")
            .and_then(|v| v.value.as_deref())
            .is_some_and(|v| !v.is_empty());
        if port != Some(PLAIN) && verify {
            continue;
        }
        if is_socket_proxy(ctx, host_name) {
            continue;
        }
        let why = if port == Some(PLAIN) {
            "port 2375 is the daemon's plain-TCP port".to_string()
        } else {
            "`DOCKER_TLS_VERIFY` is not set".to_string()
        };
        let message = format!(
            "service `{}` talks to a Docker daemon at {value} without TLS verification ({why})",
            service.name
        );
        reporter.report(
            host.at,
            "env",
            service,
            diagnostic_at(&META, host.at.file, host.value_span.clone(), message).with_help(
                "every container that reaches that daemon is root on its host; put a socket proxy in front of it that allows only the endpoints this service needs, or use TLS with client certificates (`DOCKER_TLS_VERIFY=1`, `DOCKER_CERT_PATH`)",
            ),
        );
    }
}

/// Whether `host` names a sibling service (or its container name or hostname) running a Docker
/// socket proxy.
fn is_socket_proxy(ctx: &Context, host: &str) -> bool {
    let project = ctx.project;
    project.services.iter().any(|s| {
        let named = s.name == host
            || ["container_name", "hostname"]
                .iter()
                .any(|k| project.service_str(s, k).is_some_and(|(v, _)| v == host));
        named
            && project.image(s).is_some_and(|(image, _)| {
                ctx.catalogue
                    .match_image(&image)
                    .is_some_and(|e| e.category == Category::DockerApi && e.id.contains("proxy"))
            })
    })
}
