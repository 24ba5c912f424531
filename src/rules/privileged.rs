//! `privileged`: a container runs with `privileged: true`.
//!
//! ## What it does
//! Finds services with `privileged: true`.
//!
//! ## Why is this bad
//! A privileged container gets every capability, every host device, no seccomp or AppArmor
//! profile and writable `/sys`: escaping to the host is a matter of mounting its disk. It is
//! root on the host in all but name.
//!
//! ## Fix
//! None automatic. Remove it and grant only what the service needs: one capability
//! (`cap_add: [NET_ADMIN]`), one device (`devices:`).

use super::common::{Reporter, diagnostic, is_true};
use super::{Context, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "privileged",
    category: "hardening",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "A container runs privileged: every capability and device of the host",
    docs: include_str!("../../rules/docs/privileged.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        let Some(loc) = project.service_value(service, "privileged") else {
            continue;
        };
        if !is_true(project, loc) {
            continue;
        }
        let message = format!(
            "service `{}` runs privileged: every capability and device, no seccomp or AppArmor",
            service.name
        );
        reporter.report(
            loc,
            "",
            service,
            diagnostic(&META, project, loc, message).with_help(
                "remove `privileged: true` and grant only what the service needs (`cap_add:` one capability, `devices:` one device)",
            ),
        );
    }
}
