//! Names and ports that must be unique: `duplicate-host-port` and `duplicate-container-name`.
//!
//! ## duplicate-host-port
//! Finds a host port published twice on the same host IP and protocol, by two services or by
//! one. Ranges count port by port; no host IP (every interface) overlaps every address, `0.0.0.0`
//! overlaps every IPv4 address and `::` every IPv6 one. Entries with a random host port or an
//! unset variable are skipped, and so are services whose `profiles` never run together (two
//! sets, both non-empty, with no profile in common). The second `docker compose up` fails with
//! "port is already allocated", or, worse, one service silently answers for the other.
//!
//! ## duplicate-container-name
//! Finds two services with the same `container_name` (after interpolation), with the same
//! rule about profiles. Docker refuses to create the second container.

use std::collections::BTreeSet;

use super::common::{diagnostic, layer_items, str_at};
use super::{Context, RuleMeta};
use crate::compose::model::{PortBinding, Project, Service};
use crate::diagnostic::{Diagnostic, Severity};

pub const PORT_META: RuleMeta = RuleMeta {
    id: "duplicate-host-port",
    category: "correctness",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "The same host port is published twice on the same address and protocol",
    docs: include_str!("../../rules/docs/duplicate-host-port.md"),
};

pub const NAME_META: RuleMeta = RuleMeta {
    id: "duplicate-container-name",
    category: "correctness",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "Two services have the same `container_name`",
    docs: include_str!("../../rules/docs/duplicate-container-name.md"),
};

fn profiles(project: &Project, service: &Service) -> BTreeSet<String> {
    layer_items(project, service, "profiles")
        .into_iter()
        .filter_map(|p| str_at(project, p))
        .collect()
}

/// Whether two services can run at the same time, judged by their profiles.
fn can_run_together(a: &BTreeSet<String>, b: &BTreeSet<String>) -> bool {
    a.is_empty() || b.is_empty() || !a.is_disjoint(b)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Any,
    V4,
    V6,
}

/// What a host IP covers: every address of a family, or one address.
fn ip_scope(ip: Option<&str>) -> (Family, Option<std::net::IpAddr>) {
    let Some(ip) = ip else {
        return (Family::Any, None);
    };
    match ip.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        Ok(addr) if addr.is_unspecified() => {
            let family = if addr.is_ipv4() {
                Family::V4
            } else {
                Family::V6
            };
            (family, None)
        }
        Ok(addr) => {
            let family = if addr.is_ipv4() {
                Family::V4
            } else {
                Family::V6
            };
            (family, Some(addr))
        }
        Err(_) => (Family::Any, None),
    }
}

fn ips_overlap(a: Option<&str>, b: Option<&str>) -> bool {
    let (fa, aa) = ip_scope(a);
    let (fb, ab) = ip_scope(b);
    if fa == Family::Any || fb == Family::Any {
        return true;
    }
    if fa != fb {
        return false;
    }
    match (aa, ab) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

fn describe_ip(ip: Option<&str>) -> String {
    match ip {
        None => "every interface".into(),
        Some(ip) if ip.contains(':') => format!("[{ip}]"),
        Some(ip) => ip.to_string(),
    }
}

pub fn check_ports(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut all: Vec<(&Service, &PortBinding, BTreeSet<String>)> = Vec::new();
    for service in &project.services {
        let profiles = profiles(project, service);
        for binding in &service.ports {
            if binding.published.is_none_or(|p| p.start == 0)
                || !binding.missing_variables.is_empty()
            {
                continue;
            }
            all.push((service, binding, profiles.clone()));
        }
    }
    for j in 0..all.len() {
        let (sj, bj, pj) = &all[j];
        for (si, bi, pi) in &all[..j] {
            let (Some(a), Some(b)) = (bi.published, bj.published) else {
                continue;
            };
            if bi.protocol != bj.protocol
                || !a.overlaps(&b)
                || !ips_overlap(bi.host_ip.as_deref(), bj.host_ip.as_deref())
                || !can_run_together(pi, pj)
            {
                continue;
            }
            if si.name == sj.name && (bi.at == bj.at || bi.normalised() == bj.normalised()) {
                // The same entry reached twice, or repeated in an override: Compose merges them.
                continue;
            }
            let start = a.start.max(b.start);
            let end = a.end.min(b.end);
            let port = if start == end {
                start.to_string()
            } else {
                format!("{start}-{end}")
            };
            let by = if si.name == sj.name {
                "another entry of the same service".to_string()
            } else {
                format!("service `{}`", si.name)
            };
            let message = format!(
                "service `{}` publishes host port {port}/{} on {}, already published by {by}",
                sj.name,
                bj.protocol,
                describe_ip(bj.host_ip.as_deref())
            );
            let mut d = diagnostic(&PORT_META, project, bj.at, message).with_help(
                "publish another host port (the part before the colon), or put the services in profiles that do not run together",
            );
            if bi.at.file == bj.at.file && bi.at != bj.at {
                d = d.with_label(
                    project.tree(bi.at.file).span(bi.at.node),
                    format!("first published by `{}`", si.name),
                );
            }
            out.push(d);
            break;
        }
    }
}

pub fn check_names(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut seen: Vec<(
        &Service,
        String,
        crate::compose::model::Loc,
        BTreeSet<String>,
    )> = Vec::new();
    for service in &project.services {
        let Some((name, loc)) = project.service_str(service, "container_name") else {
            continue;
        };
        let name = name.trim().to_string();
        if name.is_empty() {
            continue;
        }
        let profiles = profiles(project, service);
        if let Some((first, _, first_loc, _)) = seen
            .iter()
            .find(|(_, n, _, p)| *n == name && can_run_together(p, &profiles))
        {
            let mut d = diagnostic(
                &NAME_META,
                project,
                loc,
                format!(
                    "service `{}` has container_name `{name}`, already used by service `{}`",
                    service.name, first.name
                ),
            )
            .with_help("container names are global to the Docker host: give each service its own, or drop `container_name` and let Compose name the containers");
            if first_loc.file == loc.file && *first_loc != loc {
                d = d.with_label(
                    project.tree(first_loc.file).span(first_loc.node),
                    format!("used by `{}`", first.name),
                );
            }
            out.push(d);
        }
        seen.push((service, name, loc, profiles));
    }
}
