//! `tmpfs-without-noexec`: a tmpfs mount that allows running programs from it.
//!
//! ## What it does
//! Docker mounts every `tmpfs:` entry with `noexec,nosuid,nodev` unless its options say
//! otherwise (moby merges the user's options over those defaults; Podman does the same). So a
//! tmpfs is executable only when an option turns it back on: this rule reports `tmpfs:` entries
//! (string or list) whose options hold `exec`, e.g. `/tmp:rw,exec,size=64m`, and named volumes
//! of the local driver with `type: tmpfs` whose `o` lacks `noexec` (mount(2)'s default is exec).
//!
//! ## Why is this bad
//! A writable, executable scratch directory is where an attacker drops and runs a payload after
//! exploiting the service; with `noexec`, a read-only root file system leaves nowhere to run
//! new binaries from.
//!
//! ## Fix
//! None automatic (the service may need it: some runtimes compile into `/tmp`). Remove `exec`,
//! or point the program's temporary directory somewhere else.

use super::common::{Reporter, diagnostic};
use super::{Context, RuleMeta};
use crate::compose::tmpfs::{Flag, tmpfs_mounts};
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
        for tmpfs in tmpfs_mounts(project, service) {
            if !tmpfs.allows(Flag::Exec) {
                continue;
            }
            let (message, help) = match &tmpfs.volume {
                None => (
                    format!(
                        "service `{}` mounts tmpfs {} with `exec`: programs written there can run",
                        service.name, tmpfs.path
                    ),
                    "remove `exec` (Docker mounts tmpfs noexec,nosuid,nodev by default) unless the service must run files from it",
                ),
                Some(volume) => (
                    format!(
                        "service `{}` mounts the tmpfs volume `{volume}` at {} without `noexec`: programs written there can run",
                        service.name, tmpfs.path
                    ),
                    "add `noexec,nosuid,nodev` to the volume's `driver_opts.o` (a local tmpfs volume gets none of Docker's tmpfs defaults), or use a `tmpfs:` entry",
                ),
            };
            reporter.report(
                tmpfs.at,
                "",
                service,
                diagnostic(&META, project, tmpfs.at, message).with_help(help),
            );
        }
    }
}
