//! `port-only-used-internally`: a backend publishes a port that only its sibling services use.
//!
//! ## What it does
//! Finds a database, cache, message queue, search engine or Docker API (by the catalogue) that
//! publishes a port on every interface while other services of the project reach it by name
//! on the Compose network. The evidence that siblings use it by name must be one of:
//! - `links` naming it;
//! - an environment value that names it as a host: a URL (`postgres://db:5432/app`,
//!   `redis://cache`), a `host:port` whose port is one of its container ports (`cache:6379`),
//!   or the bare name in a variable whose name says it holds a host (`DB_HOST=db`,
//!   `ELASTICSEARCH_URL`, `KAFKA_BROKERS` ...).
//!
//! `depends_on` alone is not enough (it orders start-up; the dependent may read its address
//! from a configuration file, and people often query the backend from the host), but it is
//! listed with the other evidence.
//!
//! Names are the service name, its `container_name`, `hostname` and network aliases. It is not
//! reported when something suggests the host needs the port: a referring service with
//! `network_mode: host`, or any environment value or command (of any service, this one
//! included: Kafka's advertised `OUTSIDE://localhost:9092` listener) pointing at `localhost`,
//! `127.0.0.1` or `host.docker.internal` on one of its published ports. Admin UIs, object stores, secret stores and
//! unknown software are never reported: people and browsers use those directly.
//!
//! Off by default: a developer may publish the port on purpose to use a local client.
//!
//! ## Why is this bad
//! Containers on the same network reach each other by service name without any published port.
//! Publishing the port adds nothing for them and opens the service on every host interface.
//!
//! ## Fix
//! Unsafe: the `ports:` entry is removed (its whole line, with the comment on that line), or
//! the whole `ports:` key when no entry is left. Comments on other lines stay. A port defined in
//! an anchor, reached through a merge or an `extends:` is not removed.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::common::{
    DirectLayers, Reporter, command_words, delete_lines_keeping_comments, diagnostic,
    edits_clear_of_lone_cr, parse_url, str_at, whole_lines,
};
use super::exposure::exposed_bindings;
use super::{Context, RuleMeta};
use crate::catalog::Category;
use crate::compose::model::{Loc, PortBinding, Project, Service};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Fix};

pub const META: RuleMeta = RuleMeta {
    id: "port-only-used-internally",
    category: "exposure",
    severity: Severity::Info,
    default_enabled: false,
    fixable: true,
    summary: "A backend publishes a port although only sibling services use it, by name",
    docs: include_str!("../../rules/docs/port-only-used-internally.md"),
};

const BACKENDS: [Category; 5] = [
    Category::Database,
    Category::Cache,
    Category::Queue,
    Category::Search,
    Category::DockerApi,
];

/// Words in a variable's name that say its value is a host.
const HOST_KEYS: [&str; 11] = [
    "HOST",
    "SERVER",
    "ADDR",
    "ENDPOINT",
    "URL",
    "URI",
    "DSN",
    "BROKER",
    "NODES",
    "SEEDS",
    "CONTACT_POINTS",
];

/// A host named by a sibling's environment variable.
struct HostRef {
    /// The referring service (index in the project).
    service: usize,
    var: String,
    port: Option<u16>,
    /// A URL, or a variable whose name says it holds a host: the name alone is evidence. A
    /// `host:port` in another variable counts only on one of the service's container ports.
    strong: bool,
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    // Everything about the referring side is read once, so the rule stays linear in the size
    // of the project.
    let mut refs: HashMap<String, Vec<HostRef>> = HashMap::new();
    let mut dependents: HashMap<String, Vec<(usize, &'static str)>> = HashMap::new();
    let mut local_ports: HashSet<u16> = HashSet::new();
    let mut host_network: Vec<bool> = Vec::with_capacity(project.services.len());
    for (i, service) in project.services.iter().enumerate() {
        for var in ctx.environment(i) {
            let Some(value) = var.value.as_deref() else {
                continue;
            };
            local_ports.extend(ports_at_host(value));
            for (host, port, strong) in host_refs(&var.name, value) {
                refs.entry(host).or_default().push(HostRef {
                    service: i,
                    var: var.name.clone(),
                    port,
                    strong,
                });
            }
        }
        if let Some((words, _)) = command_words(project, service) {
            for word in &words {
                local_ports.extend(ports_at_host(word));
            }
        }
        for name in list_or_keys(project, service, "depends_on") {
            dependents.entry(name).or_default().push((i, "depends_on"));
        }
        for link in list_or_keys(project, service, "links") {
            let name = link.split(':').next().unwrap_or("").to_string();
            dependents.entry(name).or_default().push((i, "links"));
        }
        host_network.push(
            project
                .service_str(service, "network_mode")
                .is_some_and(|(m, _)| m == "host"),
        );
    }
    let direct = DirectLayers::new(project);
    let mut reporter = Reporter::new(out);
    for (index, service) in project.services.iter().enumerate() {
        let exposed: Vec<&PortBinding> = exposed_bindings(project, service).collect();
        if exposed.is_empty() || is_public(ctx, service) {
            continue;
        }
        let Some(sensitive) = ctx.sensitivity(index) else {
            continue;
        };
        if !BACKENDS.contains(&sensitive.entry.category) || ctx.is_reverse_proxy(index) {
            continue;
        }
        let published: Vec<u16> = exposed
            .iter()
            .filter_map(|b| b.published)
            .flat_map(|p| p.start..=p.end)
            .collect();
        if published.iter().any(|p| local_ports.contains(p)) {
            // Something points at the host's loopback on this port: the host needs it.
            continue;
        }
        let targets: HashSet<u16> = service
            .ports
            .iter()
            .flat_map(|b| b.target.start..=b.target.end)
            .collect();
        // Referring service -> how it refers.
        let mut how: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (other, kind) in dependents.get(&service.name).into_iter().flatten() {
            if *other != index {
                how.entry(*other).or_default().push(kind.to_string());
            }
        }
        for name in names_of(project, service) {
            for r in refs.get(&name).into_iter().flatten() {
                let counts = r.strong || r.port.is_some_and(|p| targets.contains(&p));
                if r.service != index && counts {
                    how.entry(r.service).or_default().push(r.var.clone());
                }
            }
        }
        let by_name = how
            .values()
            .any(|kinds| kinds.iter().any(|k| k != "depends_on"));
        let host_needs_it = how.keys().any(|i| host_network[*i]);
        if !by_name || host_needs_it {
            continue;
        }
        let evidence: Vec<String> = how
            .iter()
            .map(|(i, kinds)| {
                let mut kinds = kinds.clone();
                kinds.dedup();
                format!("`{}` ({})", project.services[*i].name, kinds.join(", "))
            })
            .collect();
        for binding in &exposed {
            let message = format!(
                "service `{}` publishes port {} on every interface, but only sibling services use it, by name: {}",
                service.name,
                describe_port(binding),
                evidence.join(", ")
            );
            let fix = removal_fix(project, &direct, service, binding, &exposed);
            let diagnostic = diagnostic(&META, project, binding.at, message)
                .with_help(
                    "containers on the same network reach it by service name without a published port; remove the entry (or bind it to 127.0.0.1 if you use a local client)",
                )
                .with_fix(fix);
            reporter.report(binding.at, "", service, diagnostic);
        }
    }
}

/// `5432`, `15432->5432`, or `5432 (on a random host port)`.
fn describe_port(binding: &PortBinding) -> String {
    let target = binding.target.to_compose_string();
    match binding.published {
        Some(p) if p == binding.target => target,
        Some(p) => format!("{}->{target}", p.to_compose_string()),
        None => format!("{target} (on a random host port)"),
    }
}

fn is_public(ctx: &Context, service: &Service) -> bool {
    ctx.settings
        .public_services
        .iter()
        .any(|s| s == &service.name)
}

/// The names siblings may use for a service on the network.
fn names_of(project: &Project, service: &Service) -> HashSet<String> {
    let mut names = HashSet::new();
    names.insert(service.name.clone());
    for key in ["container_name", "hostname"] {
        if let Some((v, _)) = project.service_str(service, key) {
            names.insert(v);
        }
    }
    if let Some(networks) = project.service_value(service, "networks") {
        let tree = project.tree(networks.file);
        for (_, net) in tree.entries(networks.node) {
            if let Some(aliases) = tree.get_value(net, "aliases").and_then(|a| tree.items(a)) {
                for alias in aliases {
                    if let Some(a) = tree.as_str(*alias) {
                        names.insert(project.interpolate(networks.file, a));
                    }
                }
            }
        }
    }
    names
}

/// The strings of a list, or the keys of a mapping (`depends_on` in both forms).
fn list_or_keys(project: &Project, service: &Service, key: &str) -> Vec<String> {
    let Some(loc) = project.service_value(service, key) else {
        return Vec::new();
    };
    let tree = project.tree(loc.file);
    match tree.items(loc.node) {
        Some(items) => items
            .iter()
            .filter_map(|i| {
                str_at(
                    project,
                    Loc {
                        file: loc.file,
                        node: *i,
                    },
                )
            })
            .collect(),
        None => tree
            .entries(loc.node)
            .iter()
            .filter_map(|(k, _)| tree.as_str(*k).map(str::to_string))
            .collect(),
    }
}

/// The hosts an environment value names: `(host, port, strong)`. Every host of a URL is strong;
/// otherwise the value is split into pieces (`a:1,b:2`), and a piece counts as strong when the
/// variable's name says it holds a host (`DB_HOST=db`), weak when it is a `host:port` in any
/// other variable.
fn host_refs(key: &str, value: &str) -> Vec<(String, Option<u16>, bool)> {
    if let Some(url) = parse_url(value) {
        return url
            .hosts
            .iter()
            .map(|(h, p)| {
                let port = p.clone().and_then(|p| value[p].parse().ok());
                (value[h.clone()].to_string(), port, true)
            })
            .collect();
    }
    let host_key = {
        let upper = key.to_ascii_uppercase();
        HOST_KEYS.iter().any(|k| upper.contains(k))
    };
    value
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .filter_map(|piece| match piece.rsplit_once(':') {
            Some((host, port)) => {
                let port = port.parse::<u16>().ok();
                (host_key || port.is_some()).then(|| (host.to_string(), port, host_key))
            }
            None => host_key.then(|| (piece.to_string(), None, true)),
        })
        .collect()
}

/// The ports a value points at on the host's loopback (`localhost:5432`,
/// `127.0.0.1:6379`, `host.docker.internal:9092`).
fn ports_at_host(value: &str) -> Vec<u16> {
    const HOSTS: [&str; 4] = ["localhost", "127.0.0.1", "host.docker.internal", "[::1]"];
    let mut ports = Vec::new();
    for h in HOSTS {
        let mut rest = value;
        while let Some(i) = rest.find(h) {
            let after = &rest[i + h.len()..];
            if let Some(port) = after.strip_prefix(':') {
                let digits: String = port.chars().take_while(char::is_ascii_digit).collect();
                if let Ok(p) = digits.parse::<u16>() {
                    ports.push(p);
                }
            }
            rest = after;
        }
    }
    ports
}

/// Removes the entry, or the whole `ports:` key when every entry of its sequence goes.
fn removal_fix(
    project: &Project,
    direct: &DirectLayers,
    service: &Service,
    binding: &PortBinding,
    exposed: &[&PortBinding],
) -> Option<Fix> {
    let file = binding.at.file;
    let tree = project.tree(file);
    let text = tree.text();
    // The layer that writes this sequence directly (no alias, no merge, no extends).
    let layer = service.layers.iter().copied().find(|l| {
        l.file == file
            && tree.own_entries(l.node).is_some_and(|entries| {
                entries.iter().any(|(k, v)| {
                    tree.scalar_value(*k) == Some("ports") && *v == binding.sequence.node
                })
            })
    })?;
    if !direct.is_direct(service, layer) {
        return None;
    }
    let sequence = binding.sequence.node;
    let seq_node = tree.node(sequence);
    if seq_node.anchor.is_some() || seq_node.tag.is_some() {
        return None;
    }
    let items = tree.items(sequence)?;
    if !items.contains(&binding.at.node) || tree.node(binding.at.node).anchor.is_some() {
        return None;
    }
    let removed: Vec<_> = exposed
        .iter()
        .filter(|b| b.sequence == binding.sequence && items.contains(&b.at.node))
        .collect();
    let edits = if removed.len() == items.len() {
        let (key, _) = tree
            .own_entries(layer.node)?
            .iter()
            .copied()
            .find(|(k, _)| tree.scalar_value(*k) == Some("ports"))?;
        let range = tree.span(key).start..tree.span(sequence).end;
        let lines = whole_lines(text, range, false)?;
        delete_lines_keeping_comments(text, lines)
    } else if tree.is_flow_collection(sequence) {
        let i = items.iter().position(|n| *n == binding.at.node)?;
        let range = if i + 1 < items.len() {
            tree.span(items[i]).start..tree.span(items[i + 1]).start
        } else {
            tree.span(items[i - 1]).end..tree.span(items[i]).end
        };
        if text[range.clone()].contains('#') {
            return None;
        }
        vec![Edit::replace(range, "")]
    } else {
        let lines = whole_lines(text, tree.span(binding.at.node), true)?;
        delete_lines_keeping_comments(text, lines)
    };
    if !edits_clear_of_lone_cr(text, &edits) {
        return None;
    }
    Some(Fix::new(
        "Remove the published port",
        Applicability::Unsafe,
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_references() {
        let strong = host_refs;
        assert_eq!(
            strong("DATABASE_URL", "postgres://u:p@db:5432/x"),
            [("db".to_string(), Some(5432), true)]
        );
        assert_eq!(strong("DB_HOST", "db"), [("db".to_string(), None, true)]);
        assert!(strong("DB_CONNECTION", "db").is_empty());
        assert_eq!(
            strong("X", "db:5432"),
            [("db".to_string(), Some(5432), false)]
        );
        assert_eq!(ports_at_host("jdbc:postgresql://localhost:5432/x"), [5432]);
        assert!(ports_at_host("http://localhost").is_empty());
    }
}
