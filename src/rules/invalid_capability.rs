//! `invalid-capability`: a `cap_add` or `cap_drop` entry the Docker daemon refuses.
//!
//! ## What it does
//! Reads each entry as the daemon does ([`Capability`]): `ALL` in any case, or a Linux
//! capability with or without `CAP_`, in any case. Anything else (`CAP_ALL`, `cap_all`, a
//! typo such as `NET_ADMN`) makes the daemon refuse to create the container:
//! `invalid CapAdd: unknown capability: "CAP_ALL"`. Compose does not check the names
//! (`docker-compose config` accepts the file), so the error comes at `up`.
//!
//! ## Why is this bad
//! The service does not start. `CAP_ALL` in particular is often written for "every capability";
//! that is `ALL`.
//!
//! ## Fix
//! None automatic: `CAP_ALL` may be meant as `ALL` (which is as good as `privileged`) or as a
//! mistake; decide which capabilities the service needs.

use super::common::{Reporter, diagnostic, layer_items, str_at};
use super::{Context, RuleMeta};
use crate::compose::capability::Capability;
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "invalid-capability",
    category: "correctness",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "A `cap_add`/`cap_drop` entry is not a capability (`CAP_ALL`): the daemon refuses the container",
    docs: include_str!("../../rules/docs/invalid-capability.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for key in ["cap_add", "cap_drop"] {
            for item in layer_items(project, service, key) {
                let Some(text) = str_at(project, item) else {
                    continue;
                };
                let Capability::Unknown(name) = Capability::parse(&text) else {
                    continue;
                };
                let meaning = if name == "CAP_ALL" {
                    "; every capability is written `ALL`, without `CAP_`"
                } else {
                    ""
                };
                let message = format!(
                    "service `{}` lists `{text}` in `{key}`, which is not a capability: the Docker daemon refuses to create the container (unknown capability {name}{meaning})",
                    service.name
                );
                reporter.report(
                    item,
                    key,
                    service,
                    diagnostic(&META, project, item, message).with_help(
                        "write a Linux capability (`NET_ADMIN`, `CAP_SYS_NICE`, any case) or `ALL`; see capabilities(7)",
                    ),
                );
            }
        }
    }
}
