//! From what was read of the host to findings: each container's bindings judged by the
//! sensitivity engine, tied to the `ports:` line of its compose file, compared with the
//! file and with the firewall. Pure: tests feed it recorded engine answers.

use std::net::IpAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compose::address::{Reach, TrustedNetworks, reach};
use crate::compose::model::{PortBinding, Project, Service};
use crate::compose::port::PortRange;
use crate::compose::project::LoadOptions;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::report::FileReport;
use crate::rules::RuleMeta;
use crate::sensitivity::{gather, judge};

use super::firewall::{self, Probe};
use super::host::{Binding, Container};
use super::{BYPASSED_META, DRIFT_META, EXPOSED_META, HostState, UNMANAGED_META};

/// Which containers to audit.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Compose files (absolute); empty with `dirs` empty: every container.
    pub files: Vec<PathBuf>,
    pub dirs: Vec<PathBuf>,
}

impl Scope {
    pub fn of_paths(paths: &[PathBuf]) -> Result<Scope, String> {
        let mut scope = Scope::default();
        for p in paths {
            let absolute = std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let real = std::fs::canonicalize(&absolute).unwrap_or(absolute);
            if real.is_dir() {
                scope.dirs.push(real);
            } else {
                scope.files.push(real);
            }
        }
        Ok(scope)
    }

    pub fn is_everything(&self) -> bool {
        self.files.is_empty() && self.dirs.is_empty()
    }

    fn covers(&self, c: &Container) -> bool {
        if self.is_everything() {
            return true;
        }
        let Some(labels) = &c.compose else {
            return false;
        };
        let real = |p: &str| std::fs::canonicalize(p).unwrap_or_else(|_| PathBuf::from(p));
        labels.config_files.iter().any(|f| {
            let f = real(f);
            self.files.contains(&f) || f.parent().is_some_and(|d| self.dirs.iter().any(|x| x == d))
        }) || labels
            .working_dir
            .as_deref()
            .is_some_and(|w| self.dirs.contains(&real(w)))
    }
}

/// The findings, as reports to render, and remarks for the user.
#[derive(Debug, Default)]
pub struct Outcome {
    pub reports: Vec<FileReport>,
    pub notes: Vec<String>,
}

/// The compose file of a container, loaded.
struct Source {
    project: Project,
    service: Option<usize>,
}

enum FileState {
    Loaded(Box<Source>),
    Deleted(String),
    Unreadable(String),
    NoFile,
}

fn load_source(c: &Container) -> FileState {
    let Some(labels) = &c.compose else {
        return FileState::NoFile;
    };
    let Some(main) = labels.config_files.first() else {
        return FileState::NoFile;
    };
    let main = PathBuf::from(main);
    if !main.exists() {
        return FileState::Deleted(main.display().to_string());
    }
    let options = LoadOptions {
        extra_files: labels.config_files[1..]
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.exists())
            .collect(),
        skip_override: true,
        ..LoadOptions::default()
    };
    match Project::load(&main, None, &options) {
        Ok(project) => {
            let service = project
                .services
                .iter()
                .position(|s| s.name == labels.service);
            FileState::Loaded(Box::new(Source { project, service }))
        }
        Err(e) => FileState::Unreadable(format!("{}: {}", main.display(), e.message)),
    }
}

/// Collects findings per file (compose files, synthesized container and firewall views).
struct Reports {
    list: Vec<FileReport>,
}

impl Reports {
    fn push(&mut self, path: PathBuf, text: &Arc<str>, d: Diagnostic) {
        match self.list.iter_mut().find(|r| r.path == path) {
            Some(r) => r.diagnostics.push(d),
            None => self.list.push(FileReport {
                path,
                text: text.clone(),
                diagnostics: vec![d],
            }),
        }
    }
}

/// A text that stands for a container without a readable file: its name, image, project
/// and one line per binding (the spans of findings).
fn container_view(c: &Container) -> (Arc<str>, Vec<Range<usize>>) {
    let mut text = format!("# {}", c.label());
    if let Some(l) = &c.compose {
        text.push_str(&format!(
            ", compose project {}, service {}",
            l.project, l.service
        ));
    }
    text.push('\n');
    let mut spans = Vec::new();
    for b in &c.bindings {
        let start = text.len() + 2;
        text.push_str(&format!("  {}\n", b.display()));
        spans.push(start..text.len() - 1);
    }
    (Arc::from(text), spans)
}

/// Whether the binding listens beyond the host and beyond the trusted networks.
fn binding_reach(b: &Binding, trusted: &TrustedNetworks) -> Reach {
    if b.host_ip.is_empty() {
        Reach::Wildcard
    } else {
        reach(&b.host_ip, trusted)
    }
}

fn enabled(config: &Config, meta: &RuleMeta) -> bool {
    config.is_enabled(meta)
}

fn severity(config: &Config, meta: &RuleMeta) -> Severity {
    config.severity_of(meta)
}

/// Whether the engine serves this family's bindings through docker-proxy, a process on the
/// host, instead of a DNAT rule: Docker manages no nat rules for it (`ip6tables` is off by
/// default before Docker 27; `iptables: false`). The host's INPUT chain then filters them
/// (measured in docs/host-audit.md). Unknown (the rules unreadable): `false`.
fn served_by_proxy(state: &HostState, ipv6: bool) -> bool {
    let set = if ipv6 {
        state.firewall.ip6tables.get()
    } else {
        state.firewall.iptables.get()
    };
    match set {
        Some(set) => set.tables.get("nat").is_none_or(|nat| {
            !nat.policies.contains_key("DOCKER") && !nat.rules.iter().any(|r| r.chain == "DOCKER")
        }),
        None => {
            let managed = if ipv6 {
                state.settings.ip6tables
            } else {
                state.settings.iptables
            };
            managed == Some(false)
        }
    }
}

/// Whether the host's rules drop the binding for every untrusted source: DOCKER-USER for a
/// DNAT'd binding, INPUT for one docker-proxy serves. `None` when the rules could not be
/// read; the chain that decided otherwise.
fn restricts(
    state: &HostState,
    b: &Binding,
    trusted: &TrustedNetworks,
) -> Option<(bool, &'static str)> {
    let ipv6 = b.is_ipv6();
    let set = if ipv6 {
        state.firewall.ip6tables.get()
    } else {
        state.firewall.iptables.get()
    }?;
    let proxied = served_by_proxy(state, ipv6);
    let chain = if proxied { "INPUT" } else { "DOCKER-USER" };
    let Some(table) = set.filter() else {
        return Some((false, chain));
    };
    if !set.has_chain(chain) {
        return Some((false, chain));
    }
    let probes = firewall::untrusted_probes(trusted, ipv6);
    let closed = !probes.is_empty()
        && probes.iter().all(|source| {
            firewall::evaluate(
                table,
                chain,
                &Probe {
                    protocol: b.protocol.clone(),
                    source: *source,
                    dport: if proxied {
                        b.host_port
                    } else {
                        b.container_port
                    },
                    orig_dport: b.host_port,
                    forwarded: !proxied,
                },
            )
            .closes()
        });
    Some((closed, chain))
}

/// A firewall rule that appears to close the binding's host port: (report path, text, span,
/// what it is).
fn closing_rule(
    state: &HostState,
    b: &Binding,
    trusted: &TrustedNetworks,
) -> Option<(PathBuf, Arc<str>, Range<usize>, &'static str)> {
    let fw = &state.firewall;
    let ipv6 = b.is_ipv6();
    if served_by_proxy(state, ipv6) {
        return None; // docker-proxy is a host process: INPUT does filter it
    }
    let (set, tool) = if ipv6 {
        (fw.ip6tables.get(), "ip6tables-save")
    } else {
        (fw.iptables.get(), "iptables-save")
    };
    if let Some(set) = set
        && let Some(table) = set.filter()
    {
        let probes = firewall::untrusted_probes(trusted, ipv6);
        let source = probes.first().copied().unwrap_or(if ipv6 {
            IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])
        } else {
            IpAddr::from([198, 51, 100, 7])
        });
        let verdict = firewall::evaluate(
            table,
            "INPUT",
            &Probe {
                protocol: b.protocol.clone(),
                source,
                dport: b.host_port,
                orig_dport: b.host_port,
                forwarded: false,
            },
        );
        if verdict.closes()
            && let Some(span) = verdict.span
        {
            let what = if set.text[span.clone()].starts_with(':') {
                "the INPUT chain's policy"
            } else {
                "an INPUT-chain rule"
            };
            return Some((
                PathBuf::from(tool),
                Arc::from(set.text.as_str()),
                span,
                what,
            ));
        }
    } else if let Some(ufw) = fw.ufw.get()
        && let Some(span) = ufw.closing(b.host_port, &b.protocol)
    {
        return Some((
            PathBuf::from("ufw status verbose"),
            Arc::from(ufw.text.as_str()),
            span,
            "ufw",
        ));
    }
    if let Some(nft) = fw.nft.get()
        && let Some(span) = nft.closing(b.host_port, &b.protocol)
    {
        return Some((
            PathBuf::from("nft list ruleset"),
            Arc::from(nft.text.as_str()),
            span,
            "an nftables input chain",
        ));
    }
    if let Some(fwd) = fw.firewalld.get()
        && let Some(span) = fwd.closing(b.host_port, &b.protocol)
    {
        return Some((
            PathBuf::from("firewall-cmd --list-all-zones"),
            Arc::from(fwd.text.as_str()),
            span,
            "a firewalld zone",
        ));
    }
    None
}

/// The DOCKER-USER rules to suggest for a binding.
fn suggestion(state: &HostState, b: &Binding, trusted: &TrustedNetworks) -> String {
    let tool = if b.is_ipv6() { "ip6tables" } else { "iptables" };
    if served_by_proxy(state, b.is_ipv6()) {
        return firewall::input_rules(tool, &b.protocol, b.host_port, trusted, b.is_ipv6())
            .join("\n");
    }
    firewall::docker_user_rules(tool, &b.protocol, b.host_port, trusted, b.is_ipv6()).join("\n")
}

/// Where in the file a binding is written: the `ports:` entry whose container port and
/// protocol match (the one with the same published port first).
fn port_entry<'p>(service: &'p Service, b: &Binding) -> Option<&'p PortBinding> {
    let candidates: Vec<&PortBinding> = service
        .ports
        .iter()
        .filter(|p| p.target.contains(b.container_port) && p.protocol == b.protocol)
        .collect();
    candidates
        .iter()
        .find(|p| p.published.is_some_and(|r| r.contains(b.host_port)))
        .or(candidates.first())
        .copied()
}

/// The address a file's entry gives the binding: its host IP, else the network's
/// `host_binding_ipv4`, else every interface.
fn effective_ip(project: &Project, service: &Service, entry: &PortBinding) -> Option<String> {
    entry
        .host_ip
        .clone()
        .or_else(|| project.default_host_ip(service))
        .filter(|ip| !crate::compose::port::is_wildcard_ip(ip))
}

fn same_address(host: &str, file: Option<&str>) -> bool {
    let wildcard = |ip: &str| ip.is_empty() || crate::compose::port::is_wildcard_ip(ip);
    match file {
        None => wildcard(host),
        Some(f) => {
            let f = f.trim_start_matches('[').trim_end_matches(']');
            let parse = |s: &str| s.parse::<IpAddr>().ok();
            host == f || (parse(host).is_some() && parse(host) == parse(f))
        }
    }
}

/// Audits the host: one report per file the findings are in.
pub fn analyse(
    state: &HostState,
    scope: &Scope,
    config_of: &mut dyn FnMut(Option<&Path>) -> Arc<Config>,
) -> Outcome {
    let mut out = Outcome::default();
    let mut reports = Reports { list: Vec::new() };
    let mut bypassed_seen: Vec<(PathBuf, Range<usize>)> = Vec::new();
    let mut audited = 0;
    for c in state.containers.iter().filter(|c| scope.covers(c)) {
        audited += 1;
        let file_state = load_source(c);
        let file_path = match &file_state {
            FileState::Loaded(s) => Some(s.project.files[0].path.clone()),
            _ => None,
        };
        let config = config_of(file_path.as_deref());
        let trusted = &config.settings.trusted;
        let catalogue = &config.catalogue;
        let clues = gather(&c.profile(), catalogue);
        let (view_text, view_spans) = container_view(c);
        let view_path = PathBuf::from(format!("container:{}", c.name));
        let mut file_diags: Vec<Diagnostic> = Vec::new();
        let mut drift: Vec<String> = Vec::new();
        // (what the file says, the host's bindings that differ), one entry per port.
        let mut drift_ports: Vec<(String, Vec<String>)> = Vec::new();
        let who = match &c.compose {
            Some(l) => format!("service {} of compose project {}", l.service, l.project),
            None => c.label(),
        };
        match &file_state {
            FileState::Deleted(path) => drift.push(format!(
                "its compose file {path} no longer exists; the container still runs from it"
            )),
            FileState::Loaded(s) if s.service.is_none() => drift.push(format!(
                "{} no longer has a service {}",
                s.project.files[0].path.display(),
                c.compose.as_ref().map(|l| l.service.as_str()).unwrap_or("")
            )),
            FileState::Unreadable(why) => out.notes.push(format!(
                "{}: its compose file could not be loaded ({why}); findings point at the container",
                c.name
            )),
            _ => {}
        }
        for (i, b) in c.bindings.iter().enumerate() {
            // Where this binding is written, if the file is loaded.
            let located = match &file_state {
                FileState::Loaded(s) => s.service.map(|si| {
                    let service = &s.project.services[si];
                    (s, service, port_entry(service, b))
                }),
                _ => None,
            };
            let at = |diag: Diagnostic| -> (bool, Diagnostic) {
                match &located {
                    Some((s, service, entry)) => {
                        let loc = entry.map_or(service.key, |e| e.at);
                        let span = s.project.tree(loc.file).span(loc.node);
                        let mut d = diag;
                        d.file = loc.file;
                        d.span = span;
                        (true, d)
                    }
                    None => (false, {
                        let mut d = diag;
                        d.span = view_spans[i].clone();
                        d
                    }),
                }
            };
            let emit =
                |diag: Diagnostic, reports: &mut Reports, file_diags: &mut Vec<Diagnostic>| {
                    let (in_file, d) = at(diag);
                    if in_file {
                        file_diags.push(d);
                    } else {
                        reports.push(view_path.clone(), &view_text, d);
                    }
                };
            // Drift: the file's entry for this container port, against the host.
            let mut written_elsewhere: Option<String> = None;
            if let Some((s, service, entry)) = &located {
                let (what, host) = match entry {
                    None => (
                        format!(
                            "the file publishes no {}/{}, the host publishes",
                            b.container_port, b.protocol
                        ),
                        b.display(),
                    ),
                    Some(e) => {
                        let ip = effective_ip(&s.project, service, e);
                        let port_moved = e.published.is_some_and(|r| !r.contains(b.host_port));
                        if port_moved && same_address(&b.host_ip, ip.as_deref()) {
                            (
                                format!(
                                    "the file publishes {}/{} on port {}, the host publishes",
                                    b.container_port,
                                    b.protocol,
                                    e.published
                                        .map(|r| r.to_compose_string())
                                        .unwrap_or_default()
                                ),
                                b.display(),
                            )
                        } else if same_address(&b.host_ip, ip.as_deref()) {
                            (String::new(), String::new())
                        } else {
                            written_elsewhere = ip.clone();
                            (
                                format!(
                                    "the file binds {}/{} to {}, the host publishes",
                                    b.container_port,
                                    b.protocol,
                                    ip.as_deref().unwrap_or("every interface")
                                ),
                                b.display(),
                            )
                        }
                    }
                };
                if !what.is_empty() {
                    match drift_ports.iter_mut().find(|(w, _)| *w == what) {
                        Some((_, hosts)) => hosts.push(host),
                        None => drift_ports.push((what, vec![host])),
                    }
                }
            }
            let reach = binding_reach(b, trusted);
            let open = matches!(reach, Reach::Wildcard | Reach::Public | Reach::Untrusted);
            if b.is_ipv6() && reach == Reach::Wildcard && state.global_ipv6 == Some(false) {
                continue; // `[::]` reaches nothing from outside without a global address
            }
            let restricted = if open {
                restricts(state, b, trusted)
            } else {
                None
            };
            let restricted_yes = restricted.is_some_and(|(closed, _)| closed);
            let restricting_chain = restricted.map_or("DOCKER-USER", |(_, chain)| chain);
            // Sensitive software published beyond the host.
            let judgement = judge(&clues, Some(PortRange::single(b.container_port)), catalogue)
                .filter(|j| j.is_sensitive());
            if let Some(j) = &judgement {
                let meta = if c.compose.is_some() {
                    &EXPOSED_META
                } else {
                    &UNMANAGED_META
                };
                if enabled(&config, meta) && (open || reach == Reach::Trusted) {
                    let what = format!("{} ({})", j.entry.name, j.entry.category);
                    let (sev, message, help) = if !open {
                        (
                            Severity::Info,
                            format!(
                                "{what} of {who} is published on the host at {}, a trusted address only",
                                b.display()
                            ),
                            None,
                        )
                    } else if restricted_yes {
                        (
                            Severity::Info,
                            format!(
                                "{what} of {who} is published on the host at {}; {} limits it to trusted sources ({trusted})",
                                b.display(),
                                if restricting_chain == "INPUT" {
                                    "the INPUT chain (docker-proxy serves this binding, a host process INPUT filters)"
                                } else {
                                    "a DOCKER-USER rule"
                                }
                            ),
                            None,
                        )
                    } else {
                        let project = c.compose.as_ref().map_or("", |l| l.project.as_str());
                        let fix = if let Some(ip) = &written_elsewhere {
                            format!(
                                "the file already binds it to {ip}: apply it with `docker compose -p {project} up -d`; or close it to untrusted sources:\n{}",
                                suggestion(state, b, trusted)
                            )
                        } else if matches!(file_state, FileState::Loaded(_)) {
                            format!(
                                "bind it to 127.0.0.1 in the file (`composeguard check --fix`), then `docker compose up -d`; or close it to untrusted sources:\n{}",
                                suggestion(state, b, trusted)
                            )
                        } else if c.compose.is_some() {
                            format!(
                                "stop it (`docker compose -p {project} down`) or re-create it from a file that binds it to 127.0.0.1; or close it to untrusted sources:\n{}",
                                suggestion(state, b, trusted)
                            )
                        } else {
                            format!(
                                "re-create it with `-p 127.0.0.1:{}:{}`, or close it to untrusted sources:\n{}",
                                b.host_port,
                                b.container_port,
                                suggestion(state, b, trusted)
                            )
                        };
                        (
                            severity(&config, meta),
                            format!(
                                "{what} of {who} is published on the running host at {}: reachable {}",
                                b.display(),
                                match reach {
                                    Reach::Wildcard => "on every interface",
                                    Reach::Public => "from the internet",
                                    _ => "from a network outside trusted-networks",
                                }
                            ),
                            Some(fix),
                        )
                    };
                    let mut d = Diagnostic::new(meta.id, sev, 0, 0..0, message);
                    if let Some(h) = help {
                        d = d.with_help(h);
                    }
                    emit(d, &mut reports, &mut file_diags);
                }
            }
            // A firewall rule that looks like it closes the port, but Docker passes it by.
            if open
                && enabled(&config, &BYPASSED_META)
                && let Some((path, text, span, what)) = closing_rule(state, b, trusted)
            {
                let key = (path.clone(), span.clone());
                let first_for_rule = !bypassed_seen.contains(&key);
                if first_for_rule {
                    bypassed_seen.push(key);
                }
                let (sev, message, help) = if restricted_yes {
                    (
                        Severity::Info,
                        format!(
                            "{what} appears to close {}/{}, which Docker publishes for {} ({}); Docker DNATs it before INPUT, but a DOCKER-USER rule limits it to trusted sources",
                            b.host_port,
                            b.protocol,
                            c.name,
                            b.display()
                        ),
                        None,
                    )
                } else {
                    (
                        severity(&config, &BYPASSED_META),
                        format!(
                            "{what} appears to close {}/{}, but Docker publishes it for {} ({}) and DNATs it in PREROUTING: the packets are forwarded to the container and never cross INPUT",
                            b.host_port,
                            b.protocol,
                            c.name,
                            b.display()
                        ),
                        Some(format!(
                            "close it in the DOCKER-USER chain (it sees the container port after DNAT, hence the conntrack match on the published port):\n{}",
                            suggestion(state, b, trusted)
                        )),
                    )
                };
                let mut d = Diagnostic::new(BYPASSED_META.id, sev, 0, span, message);
                if let Some(h) = help {
                    d = d.with_help(h);
                }
                reports.push(path, &text, d);
            }
        }
        for (what, hosts) in drift_ports {
            drift.push(format!("{what} {}", hosts.join(" and ")));
        }
        if !drift.is_empty() && enabled(&config, &DRIFT_META) {
            drift.dedup();
            let project = c.compose.as_ref().map(|l| l.project.as_str()).unwrap_or("");
            let message = format!(
                "{} runs other than its file says: {}",
                c.name,
                drift.join("; ")
            );
            let help = match &file_state {
                FileState::Deleted(_) => format!(
                    "stop it with `docker compose -p {project} down` (or `docker rm -f {}`), or restore the file",
                    c.name
                ),
                _ => format!(
                    "apply the file: `docker compose -p {project} up -d` in {}",
                    c.compose
                        .as_ref()
                        .and_then(|l| l.working_dir.clone())
                        .unwrap_or_else(|| ".".into())
                ),
            };
            let d = Diagnostic::new(
                DRIFT_META.id,
                severity(&config, &DRIFT_META),
                0,
                0..0,
                message,
            )
            .with_help(help);
            match &file_state {
                FileState::Loaded(s) => {
                    let mut d = d;
                    if let Some(si) = s.service {
                        let loc = s.project.services[si].key;
                        d.file = loc.file;
                        d.span = s.project.tree(loc.file).span(loc.node);
                    }
                    file_diags.push(d);
                }
                _ => {
                    let mut d = d;
                    d.span = 2..view_text.find('\n').unwrap_or(view_text.len());
                    reports.push(view_path.clone(), &view_text, d);
                }
            }
        }
        if let FileState::Loaded(s) = &file_state
            && !file_diags.is_empty()
        {
            // `# composeguard: ignore[...]` in the file applies as in `check`.
            let kept = crate::suppress::apply(
                &s.project,
                file_diags,
                &config,
                crate::suppress::Checks::NONE,
            );
            for d in kept {
                let f = &s.project.files[d.file];
                let path = f.path.clone();
                let text: Arc<str> = f.tree.source();
                reports.push(path, &text, d);
            }
        }
    }
    if audited == 0 && !scope.is_everything() {
        out.notes
            .push("no running container belongs to the projects of the given paths".into());
    }
    for r in &mut reports.list {
        r.diagnostics.sort_by_key(|d| d.span.start);
        r.diagnostics
            .dedup_by(|a, b| a.rule == b.rule && a.span == b.span && a.message == b.message);
    }
    out.reports = reports.list;
    out
}
