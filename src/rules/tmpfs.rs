//! `tmpfs-without-noexec`: a tmpfs mount that allows running programs from it.
//!
//! ## What it does
//! Docker mounts every `tmpfs:` entry with `noexec,nosuid,nodev` unless its options say
//! otherwise (moby merges the user's options over those defaults; Podman does the same). So a
//! tmpfs is executable only when an option turns it back on: this rule reports `tmpfs:` entries
//! (string or list) whose options hold `exec`, e.g. `/tmp:rw,exec,size=64m`.
//!
//! ## Why is this bad
//! A writable, executable scratch directory is where an attacker drops and runs a payload after
//! exploiting the service; with `noexec`, a read-only root file system leaves nowhere to run
//! new binaries from.
//!
//! ## Fix
//! None automatic (the service may need it: some runtimes compile into `/tmp`). Remove `exec`,
//! or point the program's temporary directory somewhere else.

use super::common::{Reporter, diagnostic, layer_items, str_at};
use super::{Context, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "tmpfs-without-noexec",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A tmpfs mount is made executable (`exec`), undoing Docker's default `noexec`",
    docs: include_str!("../../rules/docs/tmpfs-without-noexec.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for item in layer_items(project, service, "tmpfs") {
            let Some(text) = str_at(project, item) else {
                continue;
            };
            let Some((path, options)) = text.split_once(':') else {
                continue;
            };
            // The last of `exec` / `noexec` wins, as in moby's MergeTmpfsOptions.
            let exec = options
                .split(',')
                .map(str::trim)
                .rfind(|o| *o == "exec" || *o == "noexec")
                == Some("exec");
            if !exec {
                continue;
            }
            let message = format!(
                "service `{}` mounts tmpfs {path} with `exec`: programs written there can run",
                service.name
            );
            reporter.report(
                item,
                "",
                service,
                diagnostic(&META, project, item, message).with_help(
                    "remove `exec` (Docker mounts tmpfs noexec,nosuid,nodev by default) unless the service must run files from it",
                ),
            );
        }
    }
}
