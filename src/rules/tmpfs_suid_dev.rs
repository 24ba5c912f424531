//! `tmpfs-suid-or-dev`: a tmpfs mount that honours setuid bits or device files.
//!
//! ## What it does
//! Docker mounts every `tmpfs:` entry `noexec,nosuid,nodev` unless its options say otherwise;
//! this rule reports entries whose options turn `suid` or `dev` back on (the last of
//! `suid`/`nosuid` and of `dev`/`nodev` wins, as in moby's `MergeTmpfsOptions`), and named
//! volumes of the local driver with `type: tmpfs` whose `o` lacks `nosuid` or `nodev` (they
//! are mounted with mount(2)'s defaults, which allow both). Long-syntax `type: tmpfs` volumes
//! cannot carry these options in Compose and are always `nosuid,nodev`.
//!
//! ## Why is this bad
//! With `suid`, a setuid-root binary written to the tmpfs (by a process that is root in the
//! container, or copied in through a shared volume) raises any user who runs it to root; with
//! `dev`, device nodes created there (`mknod`, with `CAP_MKNOD`, which Docker grants by
//! default) are honoured: wherever the device cgroup lets the container open a device
//! (`privileged`, `device_cgroup_rules`), such a node opens the host's disk or memory.
//!
//! ## Fix
//! None automatic. Remove `suid`/`dev` (Docker's default is `nosuid,nodev`), or add `nosuid,nodev`
//! to the volume's `o`.

use super::common::{Reporter, diagnostic};
use super::{Context, RuleMeta};
use crate::compose::tmpfs::{Flag, tmpfs_mounts};
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "tmpfs-suid-or-dev",
    category: "hardening",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A tmpfs mount allows setuid binaries or device files (`suid`, `dev`)",
    docs: include_str!("../../rules/docs/tmpfs-suid-or-dev.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for tmpfs in tmpfs_mounts(project, service) {
            let flags: Vec<&str> = [(Flag::Suid, "suid"), (Flag::Dev, "dev")]
                .into_iter()
                .filter(|(flag, _)| tmpfs.allows(*flag))
                .map(|(_, word)| word)
                .collect();
            if flags.is_empty() {
                continue;
            }
            let what = flags
                .iter()
                .map(|f| match *f {
                    "suid" => "setuid binaries written there raise privileges",
                    _ => "device files created there are honoured",
                })
                .collect::<Vec<_>>()
                .join("; ");
            let listed = flags
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            let (message, help) = match &tmpfs.volume {
                None => (
                    format!(
                        "service `{}` mounts tmpfs {} with {listed}: {what}",
                        service.name, tmpfs.path
                    ),
                    "remove `suid`/`dev` (Docker mounts tmpfs noexec,nosuid,nodev by default)".to_string(),
                ),
                Some(volume) => (
                    format!(
                        "service `{}` mounts the tmpfs volume `{volume}` at {} with {listed} (mount(2)'s default without `no{}`): {what}",
                        service.name,
                        tmpfs.path,
                        flags.join("`/`no")
                    ),
                    "add `nosuid,nodev` (and `noexec`) to the volume's `driver_opts.o`, or use a `tmpfs:` entry".to_string(),
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
