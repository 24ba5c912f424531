//! Ports published on every interface of the host.
//!
//! ## What it does
//! Finds `ports:` entries with no host IP (or `0.0.0.0`, `::`, `[::]`, or a `${VAR}` that is
//! empty or a wildcard). Docker publishes those on every interface, and its iptables rules
//! bypass the host firewall (ufw, firewalld).
//!
//! ## Why is this bad
//! A database, cache, queue or admin UI published that way is one scan away from the internet.
//!
//! ## Fix
//! Bind the port to loopback (`127.0.0.1:5432:5432`, or `host_ip: "127.0.0.1"`) and reach it
//! through an SSH tunnel.

use super::common::Sharers;
use super::port_fix::rebind_fix;
use super::sensitivity::Sensitivity;
use super::{Context, RuleMeta};
use crate::compose::address::{Reach, TrustedNetworks, reach};
use crate::compose::model::{Loc, PortBinding, Project, Service};
use crate::compose::port::PortSyntax;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;

pub const SENSITIVE_META: RuleMeta = RuleMeta {
    id: "sensitive-port-exposed",
    category: "exposure",
    severity: Severity::Error,
    default_enabled: true,
    fixable: true,
    summary: "A database, cache, queue, admin UI or other sensitive service publishes a port on every interface",
    docs: include_str!("../../rules/docs/sensitive-port-exposed.md"),
};

pub const ALL_INTERFACES_META: RuleMeta = RuleMeta {
    id: "port-exposed-all-interfaces",
    category: "exposure",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: true,
    summary: "A port is published on every interface of the host",
    docs: include_str!("../../rules/docs/port-exposed-all-interfaces.md"),
};

/// Ports a reverse proxy publishes on purpose.
const PROXY_PORTS: [u16; 2] = [80, 443];

pub fn check_sensitive(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let mut reported = SharedEntries::default();
    let trusted = &ctx.settings.trusted;
    for (index, service) in ctx.project.services.iter().enumerate() {
        if service.ports.is_empty() || is_public_on_purpose(ctx, service) {
            continue; // nothing published, or published on purpose
        }
        let default_ip = ctx.project.default_host_ip(service);
        for binding in &service.ports {
            let (where_, address) = match binding_reach(binding, default_ip.as_deref(), trusted) {
                (Reach::Wildcard, _) => (Where::Everywhere, String::new()),
                (Reach::Public, ip) => (Where::Public, ip),
                (Reach::Untrusted, ip) => (Where::Untrusted, ip),
                _ => continue,
            };
            // Judged per binding: a port is evidence only for the binding it publishes.
            let Some(sensitive) = ctx
                .judge_binding(index, binding)
                .filter(|j| j.is_sensitive())
            else {
                continue;
            };
            // A bind with no host IP on every interface is made safe by adding one; an
            // explicit address (a wildcard, a public or untrusted one) was chosen by someone.
            let explicit = binding.host_ip.is_some()
                || binding.host_ip_from_variable
                || where_ != Where::Everywhere;
            let applicability = if explicit {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            };
            // An entry reported already only gains this service's name.
            if reported.also_used_by(binding, service, out) {
                continue;
            }
            let place = match where_ {
                Where::Everywhere => "on every interface".to_string(),
                Where::Public => format!("on the public address {address}"),
                Where::Untrusted => {
                    format!("on {address}, outside the trusted networks")
                }
            };
            let message = format!(
                "service `{}` publishes port {} {place}; it is {}",
                service.name,
                describe_port(binding),
                sensitive.describe()
            );
            let mut finding = diagnostic(
                ctx,
                SENSITIVE_META,
                binding,
                message,
                applicability,
                Some(&sensitive),
            );
            if where_ != Where::Everywhere {
                let label = match where_ {
                    Where::Public => "a public address: reachable from the internet",
                    _ => "a private address outside `trusted-networks`",
                };
                if let Some(l) = finding.labels.first_mut() {
                    l.1 = label.to_string();
                }
                if let Some(help) = &mut finding.help {
                    help.push_str(&format!(
                        "; if {address} is a network of yours (a VPN, a tailnet), add it to `trusted-networks`"
                    ));
                }
            }
            out.push(finding);
        }
    }
}

/// Where a reported port is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    Everywhere,
    Public,
    Untrusted,
}

/// Where a binding is published: its host IP, else the network's `host_binding_ipv4`, else
/// every interface; classified against the trusted networks, with the address it used.
pub fn binding_reach(
    binding: &PortBinding,
    default_ip: Option<&str>,
    trusted: &TrustedNetworks,
) -> (Reach, String) {
    let ip = binding
        .host_ip
        .as_deref()
        .or(default_ip)
        .unwrap_or("")
        .trim();
    (reach(ip, trusted), ip.to_string())
}

pub fn check_all_interfaces(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let mut reported = SharedEntries::default();
    for (index, service) in ctx.project.services.iter().enumerate() {
        if service.ports.is_empty() {
            continue; // nothing published (and no need to judge the service)
        }
        if is_public_on_purpose(ctx, service) {
            continue;
        }
        for binding in exposed_bindings(ctx.project, service) {
            let proxy_port = binding
                .published
                .is_some_and(|p| PROXY_PORTS.iter().any(|port| p.contains(*port)));
            // Asked only for 80 and 443 (the answer parses the image).
            if proxy_port && ctx.is_reverse_proxy(index) {
                continue;
            }
            // The service's clues are gathered once for all rules (see `rules::Context`).
            let judged = ctx.judge_binding(index, binding);
            if judged.as_ref().is_some_and(|j| j.is_sensitive()) {
                continue; // `sensitive-port-exposed`
            }
            if reported.also_used_by(binding, service, out) {
                continue;
            }
            let mut message = format!(
                "service `{}` publishes port {} on every interface",
                service.name,
                describe_port(binding)
            );
            if let Some(unsure) = judged.as_ref().and_then(|j| j.why_unsure()) {
                message.push_str(&format!("; {unsure}, so the fix is not marked safe"));
            }
            out.push(diagnostic(
                ctx,
                ALL_INTERFACES_META,
                binding,
                message,
                Applicability::Unsafe,
                None,
            ));
        }
    }
}

/// A port entry reached from several services (an anchor, a merge, an extended service) is
/// reported once, at its definition, naming every service that uses it.
#[derive(Default)]
struct SharedEntries {
    index: std::collections::HashMap<Loc, (usize, Sharers)>,
}

impl SharedEntries {
    /// Records the binding's diagnostic index (the diagnostic about to be pushed for
    /// `service`), or, when its entry was reported already, adds the service to that
    /// diagnostic and returns true.
    fn also_used_by(
        &mut self,
        binding: &PortBinding,
        service: &Service,
        out: &mut [Diagnostic],
    ) -> bool {
        match self.index.get_mut(&binding.at) {
            Some((i, sharers)) => {
                sharers.add(&mut out[*i].message, &service.name);
                true
            }
            None => {
                let first = Sharers::first_of(&service.name);
                self.index.insert(binding.at, (out.len(), first));
                false
            }
        }
    }
}

fn is_public_on_purpose(ctx: &Context, service: &Service) -> bool {
    let settings = ctx.settings;
    if settings.public_services.iter().any(|s| s == &service.name) {
        return true;
    }
    !settings.public_images.is_empty()
        && ctx.project.image(service).is_some_and(|(image, _)| {
            let path = image.path();
            let short = path.strip_prefix("library/").unwrap_or(&path);
            settings
                .public_images
                .iter()
                .any(|p| p == &path || p == short)
        })
}

/// The service's bindings that Docker would publish on every interface.
pub fn exposed_bindings<'p>(
    project: &'p Project,
    service: &'p Service,
) -> impl Iterator<Item = &'p PortBinding> {
    let default_ip = project.default_host_ip(service);
    // Only the wildcard class matters here, which trust does not change.
    let trusted = TrustedNetworks::default();
    service
        .ports
        .iter()
        .filter(move |b| binding_reach(b, default_ip.as_deref(), &trusted).0 == Reach::Wildcard)
}

fn describe_port(binding: &PortBinding) -> String {
    let target = binding.target.to_compose_string();
    let published = binding
        .published_text
        .clone()
        .or_else(|| binding.published.map(|p| p.to_compose_string()));
    let proto = if binding.protocol == "tcp" {
        String::new()
    } else {
        format!("/{}", binding.protocol)
    };
    match published {
        Some(p) if p == target => format!("{p}{proto}"),
        Some(p) => format!("{p}->{target}{proto}"),
        None => format!("{target}{proto} (on a random host port)"),
    }
}

/// How to reach the port once it is bound to `bind`. TCP: `ssh -N -L
/// 15432:127.0.0.1:5432 user@your-server` (the local port is moved off the well-known one so
/// it does not clash with a local copy of the same software). UDP and SCTP: SSH forwards TCP
/// only, so a VPN interface's address or a `DOCKER-USER` rule instead.
pub fn tunnel_hint(binding: &PortBinding, bind: &str) -> String {
    let remote = binding
        .published
        .map(|p| p.start)
        .unwrap_or(binding.target.start);
    if binding.protocol != "tcp" {
        let proto = &binding.protocol;
        let vpn = match binding.syntax {
            PortSyntax::Long => "host_ip: \"10.8.0.1\"".to_string(),
            _ => format!(
                "\"10.8.0.1:{}:{}/{proto}\"",
                binding
                    .published
                    .map(|p| p.to_compose_string())
                    .unwrap_or_default(),
                binding.target.to_compose_string()
            ),
        };
        let host_port = match binding.published {
            Some(p) if p.end != p.start => format!("{}:{}", p.start, p.end),
            Some(p) => p.start.to_string(),
            None => "HOST_PORT".to_string(),
        };
        return format!(
            "an SSH tunnel carries TCP only, so to reach this {proto} port from other machines \
             bind it to a VPN interface's address instead (a WireGuard peer address such as \
             {vpn}), or keep it published and drop untrusted sources in Docker's DOCKER-USER \
             chain (ufw does not see published ports): iptables -I DOCKER-USER -p {proto} -m \
             conntrack --ctorigdstport {host_port} --ctdir ORIGINAL ! -s 10.8.0.0/24 -j DROP"
        );
    }
    // The same local port `composeguard tunnel` picks with its default offset.
    let local = crate::tunnel::preferred_local(remote, crate::tunnel::DEFAULT_OFFSET);
    let bind = if bind.contains(':') {
        format!("[{bind}]")
    } else {
        bind.to_string()
    };
    format!("ssh -N -L {local}:{bind}:{remote} user@your-server")
}

fn diagnostic(
    ctx: &Context,
    meta: RuleMeta,
    binding: &PortBinding,
    message: String,
    applicability: Applicability,
    sensitive: Option<&Sensitivity>,
) -> Diagnostic {
    let tree = ctx.project.tree(binding.at.file);
    let span = tree.span(binding.at.node);
    let bind = ctx.settings.bind_host_ip();
    let example = match binding.syntax {
        PortSyntax::Long => format!("host_ip: \"{bind}\""),
        _ => {
            let p = binding
                .published
                .map(|p| p.to_compose_string())
                .unwrap_or_default();
            // The protocol is kept: `"127.0.0.1:53:53"` would publish TCP instead.
            let proto = if binding.protocol == "tcp" {
                String::new()
            } else {
                format!("/{}", binding.protocol)
            };
            format!(
                "\"{}:{}:{}{proto}\"",
                ctx.settings.bind_prefix(),
                p,
                binding.target.to_compose_string()
            )
        }
    };
    let mut help = if binding.protocol == "tcp" {
        format!(
            "bind it to {bind} ({example}) and reach it through an SSH tunnel: {}",
            tunnel_hint(binding, bind)
        )
    } else {
        format!(
            "bind it to {bind} ({example}) if only this host uses it; {}",
            tunnel_hint(binding, bind)
        )
    };
    if binding.published.is_none() {
        help.push_str(" (the host port is chosen by Docker: see `docker compose port`)");
    }
    if sensitive.is_none() {
        help.push_str("; if it is public on purpose, list the service in `public-services`");
    }
    if !binding.missing_variables.is_empty() {
        help.push_str(&format!(
            "; unset variables: {}",
            binding.missing_variables.join(", ")
        ));
    }
    if let Some(why) = super::port_fix::rebind_refusal(ctx.project, binding) {
        help.push_str(&format!("; {why}"));
    }
    let label = if binding.host_ip.is_some() {
        "bound to a wildcard address"
    } else {
        "no host IP: every interface"
    };
    let fix = rebind_fix(ctx.project, binding, ctx.settings, applicability);
    Diagnostic::new(
        meta.id,
        meta.severity,
        binding.at.file,
        span.clone(),
        message,
    )
    .with_label(label_span(tree, binding, span), label)
    .with_help(help)
    .with_fix(fix)
}

/// The label goes under the scalar, or under the first line of a long-syntax mapping (a
/// label over several lines is hard to read).
fn label_span(
    tree: &crate::yaml::Tree,
    binding: &PortBinding,
    span: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    if binding.syntax != PortSyntax::Long || tree.is_flow_collection(binding.at.node) {
        return span;
    }
    match tree.own_entries(binding.at.node).and_then(|e| e.first()) {
        Some((k, v)) => tree.span(*k).start..tree.span(*v).end,
        None => span,
    }
}
