//! `runs-as-root`: a service sets its user to root explicitly.
//!
//! ## What it does
//! Finds `user: root`, `user: 0`, `user: "0:0"`, `user: root:root` and any other `user` whose
//! user part is `root` or `0`.
//!
//! ## Why is this bad
//! Root in the container is root on the host's kernel: a container escape, a writable host
//! mount or a dangerous capability then acts with full privileges. Many images drop to an
//! unprivileged user on their own; setting `root` undoes that.
//!
//! ## Fix
//! None automatic. Run as an unprivileged user (`user: "1000:1000"`, or the user the image
//! creates), and give that user ownership of the volumes it writes.

use super::common::{Reporter, diagnostic, str_at};
use super::{Context, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "runs-as-root",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A service runs as root explicitly (`user: root` or `0`)",
    docs: include_str!("../../rules/docs/runs-as-root.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        let Some(loc) = project.service_value(service, "user") else {
            continue;
        };
        let Some(user) = str_at(project, loc) else {
            continue;
        };
        let name = user.split(':').next().unwrap_or("").trim();
        if name != "root" && name != "0" {
            continue;
        }
        let message = format!("service `{}` runs as root (`user: {user}`)", service.name);
        reporter.report(
            loc,
            "",
            service,
            diagnostic(&META, project, loc, message).with_help(
                "run as an unprivileged user (`user: \"1000:1000\"` or the user the image creates) and give it ownership of the volumes it writes",
            ),
        );
    }
}
