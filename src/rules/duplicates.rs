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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::common::{diagnostic, layer_items, str_at};
use super::{Context, RuleMeta};
use crate::compose::model::{PortBinding, Project, Service};
use crate::compose::port::{PortRange, PortSyntax};
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

/// Whether two host IPs (as [`ip_scope`] sees them) share an address.
fn ips_overlap(
    (fa, aa): (Family, Option<std::net::IpAddr>),
    (fb, ab): (Family, Option<std::net::IpAddr>),
) -> bool {
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

/// A published host port, with what decides whether it clashes with another.
struct Published<'p> {
    service: &'p Service,
    binding: &'p PortBinding,
    range: PortRange,
    /// Index of the service's profiles.
    profiles: usize,
    ip: (Family, Option<std::net::IpAddr>),
    /// The network's `host_binding_ipv4`, for an entry without a host IP.
    default_ip: Option<String>,
}

/// The entries seen so far of one protocol, by the first port of their range.
#[derive(Default)]
struct Earlier {
    by_start: BTreeMap<u16, Vec<usize>>,
    /// The longest range seen, as `end - start`.
    longest: u16,
}

impl Earlier {
    /// The first entry (in order) whose range overlaps `range` and for which `clashes` holds.
    fn first(
        &self,
        range: PortRange,
        all: &[Published],
        clashes: impl Fn(&Published) -> bool,
    ) -> Option<usize> {
        let mut first: Option<usize> = None;
        for (_, entries) in self
            .by_start
            .range(range.start.saturating_sub(self.longest)..=range.end)
        {
            // Each list is in order: its first match is its earliest.
            for &i in entries {
                if first.is_some_and(|f| i > f) {
                    break;
                }
                if all[i].range.overlaps(&range) && clashes(&all[i]) {
                    first = Some(i);
                    break;
                }
            }
        }
        first
    }

    fn insert(&mut self, index: usize, range: PortRange) {
        self.by_start.entry(range.start).or_default().push(index);
        self.longest = self.longest.max(range.end - range.start);
    }
}

/// What makes two entries of a service publish the same thing: equal keys mean equal
/// `normalised()` (and the same service, so the same profiles and default host IP).
type RepeatKey<'p> = (
    &'p str,
    bool,
    Option<&'p str>,
    Option<PortRange>,
    Option<&'p str>,
    PortRange,
    &'p str,
);

fn repeat_key<'p>(p: &Published<'p>) -> RepeatKey<'p> {
    let b = p.binding;
    (
        &p.service.name,
        b.syntax == PortSyntax::Long,
        b.host_ip.as_deref(),
        b.published,
        b.published_text.as_deref(),
        b.target,
        &b.protocol,
    )
}

pub fn check_ports(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut profile_sets: Vec<BTreeSet<String>> = Vec::new();
    let mut all: Vec<Published> = Vec::new();
    for service in &project.services {
        let mut profiles_of_service = None;
        // Without a host IP, a port is bound where the service's network says.
        let default_ip = if service.ports.iter().any(|b| b.host_ip.is_none()) {
            project.default_host_ip(service)
        } else {
            None
        };
        for binding in &service.ports {
            let Some(range) = binding.published else {
                continue;
            };
            if range.start == 0 || !binding.missing_variables.is_empty() {
                continue;
            }
            let profiles = *profiles_of_service.get_or_insert_with(|| {
                profile_sets.push(profiles(project, service));
                profile_sets.len() - 1
            });
            all.push(Published {
                service,
                binding,
                range,
                profiles,
                ip: ip_scope(binding.host_ip.as_deref().or(default_ip.as_deref())),
                default_ip: default_ip.clone().filter(|_| binding.host_ip.is_none()),
            });
        }
    }
    // Each entry is reported once, against the first earlier entry it clashes with. Only
    // earlier entries of the same protocol whose ranges overlap can clash: they are found
    // by protocol and port, then tried in order.
    let mut earlier: HashMap<&str, Earlier> = HashMap::new();
    let mut found: Vec<Diagnostic> = Vec::new();
    // Where each (entry, clash) was reported in `found`, and the services that publish it.
    let mut places: HashMap<(crate::compose::model::Loc, String), usize> = HashMap::new();
    let mut publishers: Vec<Vec<&str>> = Vec::new();
    // Entries already in `earlier`, by what they publish: a repeat of one (8,000 lines of
    // `- "1:80"`) clashes exactly where its first copy does, and that copy is earlier, so it
    // is not indexed again (scanning every copy made the rule quadratic).
    let mut indexed: HashSet<RepeatKey> = HashSet::new();
    for (j, pj) in all.iter().enumerate() {
        let (sj, bj, b) = (pj.service, pj.binding, pj.range);
        let seen = earlier.entry(bj.protocol.as_str()).or_default();
        let first = seen.first(b, &all, |pi| {
            let (si, bi) = (pi.service, pi.binding);
            if !ips_overlap(pi.ip, pj.ip)
                || !can_run_together(&profile_sets[pi.profiles], &profile_sets[pj.profiles])
            {
                return false;
            }
            // The same entry reached twice, or repeated in an override: Compose merges them.
            !(si.name == sj.name && (bi.at == bj.at || bi.normalised() == bj.normalised()))
        });
        if indexed.insert(repeat_key(pj)) {
            seen.insert(j, b);
        }
        let Some(pi) = first.map(|i| &all[i]) else {
            continue;
        };
        let (si, bi, a) = (pi.service, pi.binding, pi.range);
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
        let clash = format!(
            "host port {port}/{} on {}, already published by {by}",
            bj.protocol,
            describe_ip(bj.host_ip.as_deref().or(pj.default_ip.as_deref()))
        );
        // An entry reached by several services (a port list behind an alias) is one finding
        // that names them all.
        let key = (bj.at, clash);
        if let Some(&i) = places.get(&key) {
            let names: &mut Vec<&str> = &mut publishers[i];
            if !names.contains(&sj.name.as_str()) {
                names.push(&sj.name);
            }
            continue;
        }
        let message = format!("service `{}` publishes {}", sj.name, key.1);
        places.insert(key, found.len());
        publishers.push(vec![&sj.name]);
        let mut d = diagnostic(&PORT_META, project, bj.at, message).with_help(
            "publish another host port (the part before the colon), or put the services in profiles that do not run together",
        );
        if bi.at.file == bj.at.file && bi.at != bj.at {
            d = d.with_label(
                project.tree(bi.at.file).span(bi.at.node),
                format!("first published by `{}`", si.name),
            );
        }
        found.push(d);
    }
    for ((_, clash), i) in places {
        let names = &publishers[i];
        if let [first, rest @ .., last] = names.as_slice() {
            let mut list = format!("`{first}`");
            for name in rest {
                list.push_str(&format!(", `{name}`"));
            }
            found[i].message = format!("services {list} and `{last}` publish {clash}");
        }
    }
    out.extend(found);
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
