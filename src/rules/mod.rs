//! The rule registry. One file per rule (or per small family of rules that share a check).

mod add_fix;
mod auth_disabled;
mod capabilities;
mod common;
mod docker_api;
mod duplicates;
mod exposure;
mod external_name;
mod host_network;
mod host_network_mode;
mod host_paths;
mod images;
mod internal_port;
mod invalid;
mod invalid_capability;
mod invalid_names;
mod isolation;
mod keys_order;
mod limits;
mod logging;
mod mounts;
pub mod port_fix;
mod privileged;
mod privileged_port;
mod remove_fix;
mod runs_as_root;
mod secrets;
mod security_opt;
pub mod sensitivity;
mod sexagesimal;
mod style;
mod tmpfs;
mod tmpfs_suid_dev;
mod version_key;
mod wildcard_bind;

use crate::catalog::Catalogue;
use crate::compose::model::Project;
use crate::diagnostic::{Diagnostic, Severity};
use crate::settings::Settings;

/// What every rule sees.
pub struct Context<'a> {
    pub project: &'a Project,
    pub catalogue: &'a Catalogue,
    pub settings: &'a Settings,
    /// Answers about the services that several rules need, each computed once.
    facts: sensitivity::ServiceFacts,
    /// Each service's environment, read on first use (five rules read it).
    environments: Vec<std::sync::OnceLock<Vec<common::EnvEntry>>>,
}

impl<'a> Context<'a> {
    pub fn new(project: &'a Project, catalogue: &'a Catalogue, settings: &'a Settings) -> Self {
        Context {
            project,
            catalogue,
            settings,
            facts: sensitivity::ServiceFacts::new(project),
            environments: project
                .services
                .iter()
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    /// The environment variables of `project.services[index]` ([`common::environment`]).
    pub fn environment(&self, index: usize) -> &[common::EnvEntry] {
        self.environments[index]
            .get_or_init(|| common::environment(self.project, &self.project.services[index]))
    }

    /// Whether `project.services[index]` is sensitive software, and how that is known.
    pub fn sensitivity(&self, index: usize) -> Option<sensitivity::Sensitivity<'a>> {
        self.facts.sensitivity(self.project, index, self.catalogue)
    }

    /// What `project.services[index]` is, judged for one of its bindings: the clues of the
    /// service and that binding's port (a hint too, see [`crate::sensitivity::Level`]).
    pub fn judge_binding(
        &self,
        index: usize,
        binding: &crate::compose::model::PortBinding,
    ) -> Option<crate::sensitivity::Judgement<'a>> {
        self.facts
            .judge_binding(self.project, index, binding, self.catalogue)
    }

    /// Whether `project.services[index]` is a reverse proxy.
    pub fn is_reverse_proxy(&self, index: usize) -> bool {
        self.facts
            .is_reverse_proxy(self.project, index, self.catalogue)
    }
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
    /// The rule's documentation (`rules/docs/<id>.md`): what it checks, why it matters, an
    /// example before and after, references.
    pub docs: &'static str,
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
    Rule {
        meta: wildcard_bind::META,
        check: wildcard_bind::check,
    },
    Rule {
        meta: docker_api::META,
        check: docker_api::check,
    },
    Rule {
        meta: privileged_port::META,
        check: privileged_port::check,
    },
    Rule {
        meta: internal_port::META,
        check: internal_port::check,
    },
    Rule {
        meta: auth_disabled::META,
        check: auth_disabled::check,
    },
    Rule {
        meta: secrets::DEFAULT_META,
        check: secrets::check_default,
    },
    Rule {
        meta: secrets::HARDCODED_META,
        check: secrets::check_hardcoded,
    },
    Rule {
        meta: mounts::SOCKET_META,
        check: mounts::check_socket,
    },
    Rule {
        meta: privileged::META,
        check: privileged::check,
    },
    Rule {
        meta: capabilities::DANGEROUS_META,
        check: capabilities::check_dangerous,
    },
    Rule {
        meta: invalid_capability::META,
        check: invalid_capability::check,
    },
    Rule {
        meta: capabilities::DROP_ALL_META,
        check: capabilities::check_drop_all,
    },
    Rule {
        meta: security_opt::NNP_META,
        check: security_opt::check_no_new_privileges,
    },
    Rule {
        meta: security_opt::UNCONFINED_META,
        check: security_opt::check_unconfined,
    },
    Rule {
        meta: isolation::NAMESPACE_META,
        check: isolation::check_namespace,
    },
    Rule {
        meta: host_network_mode::META,
        check: host_network_mode::check,
    },
    Rule {
        meta: mounts::HOST_MOUNT_META,
        check: mounts::check_host_mount,
    },
    Rule {
        meta: mounts::PROPAGATION_META,
        check: mounts::check_propagation,
    },
    Rule {
        meta: isolation::DEVICE_META,
        check: isolation::check_device,
    },
    Rule {
        meta: logging::META,
        check: logging::check,
    },
    Rule {
        meta: runs_as_root::META,
        check: runs_as_root::check,
    },
    Rule {
        meta: tmpfs::META,
        check: tmpfs::check,
    },
    Rule {
        meta: tmpfs_suid_dev::META,
        check: tmpfs_suid_dev::check,
    },
    Rule {
        meta: limits::LIMITS_META,
        check: limits::check_limits,
    },
    Rule {
        meta: limits::READ_ONLY_META,
        check: limits::check_read_only,
    },
    Rule {
        meta: images::UNPINNED_META,
        check: images::check_unpinned,
    },
    Rule {
        meta: images::DIGEST_META,
        check: images::check_digest,
    },
    Rule {
        meta: invalid_names::IMAGE_META,
        check: invalid_names::check_image,
    },
    Rule {
        meta: invalid_names::CONTAINER_NAME_META,
        check: invalid_names::check_container_name,
    },
    Rule {
        meta: duplicates::PORT_META,
        check: duplicates::check_ports,
    },
    Rule {
        meta: duplicates::NAME_META,
        check: duplicates::check_names,
    },
    Rule {
        meta: version_key::META,
        check: version_key::check,
    },
    Rule {
        meta: external_name::META,
        check: external_name::check,
    },
    Rule {
        meta: sexagesimal::META,
        check: sexagesimal::check,
    },
    Rule {
        meta: keys_order::META,
        check: keys_order::check,
    },
    Rule {
        meta: style::BUILD_AND_IMAGE_META,
        check: style::check_build_and_image,
    },
    Rule {
        meta: style::UNQUOTED_PORT_META,
        check: style::check_unquoted_ports,
    },
    Rule {
        meta: style::PROJECT_NAME_META,
        check: style::check_project_name,
    },
    // Emitted by the suppression pass of the engine (src/suppress.rs), after every rule ran;
    // listed here so that they can be selected, ignored and documented like the others.
    Rule {
        meta: crate::suppress::UNUSED_META,
        check: reported_by_the_engine,
    },
    Rule {
        meta: crate::suppress::NO_REASON_META,
        check: reported_by_the_engine,
    },
    Rule {
        meta: crate::exceptions::EXPIRED_META,
        check: reported_by_the_engine,
    },
    Rule {
        meta: crate::exceptions::EXPIRING_META,
        check: reported_by_the_engine,
    },
    // Reported by `composeguard audit` (src/audit/), from the running host; listed here so
    // that they can be selected, ignored, given a severity and documented like the others.
    Rule {
        meta: crate::audit::EXPOSED_META,
        check: reported_by_audit,
    },
    Rule {
        meta: crate::audit::DRIFT_META,
        check: reported_by_audit,
    },
    Rule {
        meta: crate::audit::UNMANAGED_META,
        check: reported_by_audit,
    },
    Rule {
        meta: crate::audit::BYPASSED_META,
        check: reported_by_audit,
    },
];

fn reported_by_audit(_: &Context, _: &mut Vec<Diagnostic>) {}

fn reported_by_the_engine(_: &Context, _: &mut Vec<Diagnostic>) {}

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.meta.id == id)
}

/// Runs the rules that `enabled` selects over a project.
pub fn run(ctx: &Context, enabled: &dyn Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES.iter().filter(|r| enabled(&r.meta)) {
        run_one(rule, ctx, &mut out);
    }
    out
}

/// [`run`] on `threads` threads (the calling one among them): each takes the next rule when
/// it is done with one. The findings come back in the order [`run`] gives them. A panic in a
/// rule goes on unwinding on the calling thread.
pub fn run_on_threads(
    ctx: &Context,
    enabled: &dyn Fn(&RuleMeta) -> bool,
    threads: usize,
) -> Vec<Diagnostic> {
    if threads <= 1 {
        return run(ctx, enabled);
    }
    let selected: Vec<&Rule> = RULES.iter().filter(|r| enabled(&r.meta)).collect();
    crate::pipeline::map_in_turns(&selected, threads, |rule| {
        let mut out = Vec::new();
        run_one(rule, ctx, &mut out);
        out
    })
    .into_iter()
    .flatten()
    .collect()
}

fn run_one(rule: &Rule, ctx: &Context, out: &mut Vec<Diagnostic>) {
    let before = out.len();
    (rule.check)(ctx, out);
    // The fixer's first round runs only the rules marked fixable (engine::check_project), so
    // a fix from any other rule would never be applied there.
    debug_assert!(
        rule.meta.fixable || out[before..].iter().all(|d| d.fix.is_none()),
        "rule {} is not marked fixable but made a fix",
        rule.meta.id
    );
}
