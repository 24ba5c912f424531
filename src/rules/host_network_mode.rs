//! `host-network-mode`: a service shares the host's network stack (`network_mode: host`).
//!
//! ## What it does
//! Finds `network_mode: host` on any service, after interpolation. A sensitive service
//! (a database, a cache ...) with it is an error of `sensitive-host-network` at the same value;
//! it is not reported here as well, so one line carries one finding.
//!
//! ## Why is this bad
//! The container sees every interface of the host, listens on them with no port mapping,
//! reaches services bound to the host's loopback (a Docker API on 127.0.0.1:2375, a database
//! kept off the network, cloud metadata proxies) and, with `NET_RAW` (in Docker's default
//! set), sniffs and spoofs the host's traffic. The network namespace is one of the walls
//! between a container and its host.
//!
//! ## Fix
//! None automatic (ports and service names change). Use a bridge network and publish only the
//! ports the service needs, bound to 127.0.0.1 where only the host uses them.

use super::common::{Reporter, diagnostic};
use super::{Context, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "host-network-mode",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A container shares the host's network stack (`network_mode: host`)",
    docs: include_str!("../../rules/docs/host-network-mode.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for (index, service) in project.services.iter().enumerate() {
        let Some((mode, loc)) = project.service_str(service, "network_mode") else {
            continue;
        };
        if mode != "host" || ctx.sensitivity(index).is_some() {
            continue;
        }
        let message = format!(
            "service `{}` uses the host's network stack (`network_mode: host`): it listens on every host interface and reaches services bound to the host's loopback",
            service.name
        );
        reporter.report(
            loc,
            "",
            service,
            diagnostic(&META, project, loc, message).with_help(
                "use a bridge network and publish only the ports the service needs (`ports: [\"127.0.0.1:8080:8080\"]` where only the host uses them)",
            ),
        );
    }
}
