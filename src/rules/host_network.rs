//! `network_mode: host` on a sensitive service: every port it listens on is on the host's
//! interfaces, with no port mapping to bind to loopback.

use super::{Context, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "sensitive-host-network",
    category: "exposure",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "A sensitive service uses the host's network stack (`network_mode: host`)",
    docs: include_str!("../../rules/docs/sensitive-host-network.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (index, service) in ctx.project.services.iter().enumerate() {
        let Some((mode, loc)) = ctx.project.service_str(service, "network_mode") else {
            continue;
        };
        if mode != "host" {
            continue;
        }
        let Some(sensitive) = ctx.sensitivity(index) else {
            continue;
        };
        let span = ctx.project.tree(loc.file).span(loc.node);
        out.push(
            Diagnostic::new(
                META.id,
                META.severity,
                loc.file,
                span,
                format!("service `{}` uses the host network; it is {}", service.name, sensitive.describe()),
            )
            .with_help(format!(
                "with `network_mode: host` every port {} listens on is open on the host's interfaces and no port binding applies; use the default bridge network with ports bound to 127.0.0.1, or make the software itself listen on 127.0.0.1 only",
                sensitive.entry.name
            )),
        );
    }
}
