//! `logging-disabled`: a service's logs are thrown away (`logging.driver: none`).
//!
//! ## What it does
//! Finds services whose `logging.driver` is `none`.
//!
//! ## Why is this bad
//! With no logs there is no trace of an attack, an error or a crash: `docker logs` shows
//! nothing and no collector receives anything (CIS Docker Benchmark 2.13 asks for centralised
//! logging).
//!
//! ## Fix
//! None automatic. Remove the `driver: none` line to get the daemon's default (`json-file`),
//! and bound the logs' size with `options: {max-size: "10m", max-file: "3"}` instead.

use super::common::{Reporter, diagnostic};
use super::{Context, RuleMeta};
use crate::compose::model::Loc;
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "logging-disabled",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A service's logs are discarded (`logging.driver: none`)",
    docs: include_str!("../../rules/docs/logging-disabled.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        // The highest-priority layer that sets a driver decides.
        let driver = service.layers.iter().rev().find_map(|layer| {
            let tree = project.tree(layer.file);
            let logging = tree.get_value(layer.node, "logging")?;
            let driver = tree.get_value(logging, "driver")?;
            Some(Loc {
                file: layer.file,
                node: driver,
            })
        });
        let Some(loc) = driver else {
            continue;
        };
        let tree = project.tree(loc.file);
        let Some(value) = tree.as_str(loc.node) else {
            continue;
        };
        if project.interpolate(loc.file, value).trim() != "none" {
            continue;
        }
        let message = format!(
            "service `{}` discards its logs (`driver: none`)",
            service.name
        );
        reporter.report(
            loc,
            "",
            service,
            diagnostic(&META, project, loc, message).with_help(
                "keep a log driver (the default json-file, or local) and bound its size with `options: {max-size: \"10m\", max-file: \"3\"}`",
            ),
        );
    }
}
