//! `privileged-host-port`: a service other than a reverse proxy publishes a host port below 1024.
//!
//! ## What it does
//! Off by default. Finds published host ports from 1 to 1023 (a range counts when it starts
//! below 1024) on services whose image is not a known reverse proxy (nginx, Caddy, Traefik,
//! HAProxy ...; a service without an image counts as one when its name says so: `proxy`,
//! `nginx`, `gateway` ...). A port published as itself that belongs to a protocol whose clients
//! cannot be pointed elsewhere (DNS 53, DHCP 67, NTP 123, SMTP 25, IMAP 143 ...) is left alone.
//!
//! ## Why is this bad
//! Ports below 1024 are the well-known ports of system services (22 ssh, 25 smtp, 80 and 443
//! web): an application published there usually serves without a proxy in front (no TLS
//! termination, no request limits), clashes with the host's own services, and is what scanners
//! try first. Rootless Docker and Podman cannot bind them at all unless
//! `net.ipv4.ip_unprivileged_port_start` is lowered.
//!
//! ## Fix
//! None automatic: publish a high port (`8080:80`) and put a reverse proxy in front, or bind the
//! port to loopback.

use super::common::Reporter;
use super::{Context, RuleMeta};
use crate::compose::port::PortSyntax;
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "privileged-host-port",
    category: "exposure",
    severity: Severity::Info,
    default_enabled: false,
    fixable: false,
    summary: "A service other than a reverse proxy publishes a host port below 1024",
    docs: include_str!("../../rules/docs/privileged-host-port.md"),
};

/// Ports that clients of a protocol cannot be told to change (DNS, DHCP, TFTP, NTP, SNMP,
/// syslog, Kerberos, LDAP, SMB, IKE, mail).
const PROTOCOL_PORTS: [u16; 24] = [
    25, 53, 67, 68, 69, 88, 110, 123, 137, 138, 139, 143, 161, 162, 389, 445, 465, 500, 514, 587,
    636, 853, 993, 995,
];

/// Words in a built service's name that say it is the project's reverse proxy.
const PROXY_NAMES: [&str; 6] = ["proxy", "nginx", "traefik", "caddy", "haproxy", "gateway"];

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for (index, service) in project.services.iter().enumerate() {
        let named_proxy = project.image(service).is_none()
            && PROXY_NAMES
                .iter()
                .any(|n| service.name.to_ascii_lowercase().contains(n));
        if ctx.is_reverse_proxy(index) || named_proxy {
            continue;
        }
        for binding in &service.ports {
            let Some(published) = binding.published else {
                continue;
            };
            if published.start == 0 || published.start >= 1024 {
                continue;
            }
            if published == binding.target
                && (published.start..=published.end).all(|p| PROTOCOL_PORTS.contains(&p))
            {
                // A DNS, DHCP, NTP or mail server must answer on its protocol's port.
                continue;
            }
            let tree = project.tree(binding.at.file);
            let span = match binding.syntax {
                PortSyntax::Long => tree
                    .get_value(binding.at.node, "published")
                    .map(|n| tree.span(n))
                    .unwrap_or_else(|| tree.span(binding.at.node)),
                _ => binding
                    .pieces
                    .as_ref()
                    .and_then(|p| p.published.clone())
                    .unwrap_or_else(|| tree.span(binding.at.node)),
            };
            let message = format!(
                "service `{}` publishes privileged host port {}",
                service.name,
                published.to_compose_string()
            );
            let diagnostic = Diagnostic::new(
                META.id,
                META.severity,
                binding.at.file,
                span,
                message,
            )
            .with_help(format!(
                "publish a port above 1023 (e.g. {}:{}) behind a reverse proxy; rootless Docker cannot bind ports below 1024",
                u32::from(published.start) + 8000,
                binding.target.to_compose_string()
            ));
            reporter.report(binding.at, "", service, diagnostic);
        }
    }
}
