//! `wildcard-bind`: a port bound explicitly to a wildcard address.
//!
//! ## What it does
//! Finds `ports:` entries whose host IP is written as a wildcard: `"0.0.0.0:8080:80"`,
//! `"[::]:8080:80"`, `host_ip: "::"`, or a `${VAR}` whose value is one. Every service counts,
//! reverse proxies and services listed in `public-services` included.
//!
//! ## Why is this bad
//! A wildcard is the same as no host IP: the port is open on every interface, and Docker's
//! iptables rules bypass the host firewall. Writing it out makes the exposure look deliberate
//! and reviewed when it often is copied from an example.
//!
//! `sensitive-port-exposed` and `port-exposed-all-interfaces` already report these entries
//! when they matter (they skip reverse proxies on 80/443 and public services), so this rule is
//! off by default: enable it to forbid explicit wildcards everywhere, as a policy.
//!
//! ## Fix
//! Unsafe: the wildcard is replaced with the bind address (the same edit the exposure rules
//! make), since the author wrote it on purpose.

use super::common::Reporter;
use super::port_fix::rebind_fix;
use super::{Context, RuleMeta};
use crate::compose::port::{PortSyntax, is_wildcard_ip};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;

pub const META: RuleMeta = RuleMeta {
    id: "wildcard-bind",
    category: "exposure",
    severity: Severity::Info,
    default_enabled: false,
    fixable: true,
    summary: "A port is bound explicitly to a wildcard address (0.0.0.0, ::)",
    docs: include_str!("../../rules/docs/wildcard-bind.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for binding in &service.ports {
            let Some(ip) = binding.host_ip.as_deref() else {
                continue;
            };
            if !is_wildcard_ip(ip) {
                continue;
            }
            let tree = project.tree(binding.at.file);
            let span = match (&binding.syntax, &binding.pieces, binding.host_ip_entry) {
                (PortSyntax::Long, _, Some((_, value))) => tree.span(value),
                (_, Some(pieces), _) => pieces
                    .host_ip
                    .clone()
                    .unwrap_or_else(|| tree.span(binding.at.node)),
                _ => tree.span(binding.at.node),
            };
            let shown = if ip.contains(':') {
                format!("[{ip}]")
            } else {
                ip.to_string()
            };
            let message = format!(
                "service `{}` binds a port explicitly to the wildcard address {shown}",
                service.name
            );
            let diagnostic = Diagnostic::new(
                META.id,
                META.severity,
                binding.at.file,
                span.clone(),
                message,
            )
            .with_label(span, "every interface of the host")
            .with_help(format!(
                "bind it to a specific address ({}) unless it must be reachable from other hosts{}",
                ctx.settings.bind_host_ip(),
                super::port_fix::rebind_refusal(project, binding)
                    .map(|why| format!("; {why}"))
                    .unwrap_or_default()
            ))
            .with_fix(rebind_fix(
                project,
                binding,
                ctx.settings,
                Applicability::Unsafe,
            ));
            reporter.report(binding.at, "", service, diagnostic);
        }
    }
}
