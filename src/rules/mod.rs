//! The rule registry. One file per rule (or per small family of rules that share a check).

mod exposure;
mod host_network;
mod invalid;
pub mod port_fix;
pub mod sensitivity;

use crate::catalog::Catalogue;
use crate::compose::model::Project;
use crate::diagnostic::{Diagnostic, Severity};
use crate::settings::Settings;

/// What every rule sees.
pub struct Context<'a> {
    pub project: &'a Project,
    pub catalogue: &'a Catalogue,
    pub settings: &'a Settings,
}

/// A rule's identity and defaults. Its documentation lives in `rules/docs/<id>.md`.
#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    pub id: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    pub default_enabled: bool,
    pub fixable: bool,
    pub summary: &'static str,
}

pub struct Rule {
    pub meta: RuleMeta,
    pub check: fn(&Context, &mut Vec<Diagnostic>),
}

pub static RULES: &[Rule] = &[
    Rule {
        meta: invalid::META,
        check: invalid::check,
    },
    Rule {
        meta: invalid::V1_META,
        check: invalid::check_v1,
    },
    Rule {
        meta: exposure::SENSITIVE_META,
        check: exposure::check_sensitive,
    },
    Rule {
        meta: exposure::ALL_INTERFACES_META,
        check: exposure::check_all_interfaces,
    },
    Rule {
        meta: host_network::META,
        check: host_network::check,
    },
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.meta.id == id)
}

/// Runs the rules that `enabled` selects over a project.
pub fn run(ctx: &Context, enabled: &dyn Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES.iter().filter(|r| enabled(&r.meta)) {
        (rule.check)(ctx, &mut out);
    }
    out
}
