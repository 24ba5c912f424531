//! The host firewall, read only: `iptables-save`/`ip6tables-save` text evaluated for a
//! probe packet, `ufw status verbose`, `nft list ruleset` and `firewall-cmd
//! --list-all-zones` parsed for what they appear to close.
//!
//! Docker DNATs a published port in the nat table's PREROUTING chain, so the packet is
//! forwarded to the container and never crosses the filter table's INPUT chain, where ufw,
//! firewalld and hand-written rules filter (measured in docs/host-audit.md). The
//! `DOCKER-USER` chain, which FORWARD jumps to first, is where a rule closes it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::Range;

use crate::compose::address::Cidr;
use crate::compose::address::TrustedNetworks;

/// One `-A CHAIN ...` line of `iptables-save`.
#[derive(Debug, Clone)]
pub struct Rule {
    pub chain: String,
    pub args: Vec<String>,
    /// The line's bytes in the text.
    pub span: Range<usize>,
}

/// A chain's rules and policy, per table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub policies: HashMap<String, (String, Range<usize>)>,
    pub rules: Vec<Rule>,
}

/// `iptables-save` output.
#[derive(Debug, Clone, Default)]
pub struct Ruleset {
    pub text: String,
    pub tables: HashMap<String, Table>,
}

impl Ruleset {
    pub fn parse(text: &str) -> Ruleset {
        let mut set = Ruleset {
            text: text.to_string(),
            tables: HashMap::new(),
        };
        let mut table = String::new();
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let span = at..at + line.trim_end().len();
            at += line.len();
            let line = line.trim();
            if let Some(name) = line.strip_prefix('*') {
                table = name.to_string();
                set.tables.entry(table.clone()).or_default();
            } else if let Some(rest) = line.strip_prefix(':') {
                let mut words = rest.split_whitespace();
                if let (Some(chain), Some(policy)) = (words.next(), words.next()) {
                    let t = set.tables.entry(table.clone()).or_default();
                    t.policies
                        .insert(chain.to_string(), (policy.to_string(), span));
                }
            } else if let Some(rest) = line.strip_prefix("-A ") {
                let args = split_args(rest);
                if let Some((chain, args)) = args.split_first() {
                    set.tables
                        .entry(table.clone())
                        .or_default()
                        .rules
                        .push(Rule {
                            chain: chain.clone(),
                            args: args.to_vec(),
                            span,
                        });
                }
            }
        }
        set
    }

    pub fn filter(&self) -> Option<&Table> {
        self.tables.get("filter")
    }

    /// Whether the chain exists in the filter table.
    pub fn has_chain(&self, chain: &str) -> bool {
        self.filter().is_some_and(|t| {
            t.policies.contains_key(chain) || t.rules.iter().any(|r| r.chain == chain)
        })
    }
}

/// Splits a rule on spaces, keeping `"quoted comments"` whole.
fn split_args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut any = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                    any = false;
                }
            }
            c => current.push(c),
        }
    }
    if any || !current.is_empty() {
        out.push(current);
    }
    out
}

/// A packet the evaluation follows: a new connection from outside.
#[derive(Debug, Clone)]
pub struct Probe {
    pub protocol: String,
    pub source: IpAddr,
    /// The destination port as the chain sees it (the host port in INPUT, the container
    /// port in FORWARD, after DNAT).
    pub dport: u16,
    /// The port the client connected to (conntrack's original destination port).
    pub orig_dport: u16,
    /// FORWARD: the packet goes to a container (out on a docker bridge).
    pub forwarded: bool,
}

/// What a chain does with a probe, and the line that decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `ACCEPT`, `DROP`, `REJECT`, or `RETURN` (fell off the end of a user chain).
    pub target: String,
    pub span: Option<Range<usize>>,
}

impl Verdict {
    pub fn closes(&self) -> bool {
        self.target == "DROP" || self.target == "REJECT"
    }
}

/// Follows the probe through a filter-table chain (jumps to user chains, RETURN, LOG and
/// other non-terminating targets go on). A built-in chain ends in its policy.
pub fn evaluate(table: &Table, chain: &str, probe: &Probe) -> Verdict {
    match walk(table, chain, probe, 0) {
        Some(v) => v,
        None => match table.policies.get(chain) {
            Some((policy, span)) if policy != "-" => Verdict {
                target: policy.clone(),
                span: Some(span.clone()),
            },
            _ => Verdict {
                target: "RETURN".into(),
                span: None,
            },
        },
    }
}

fn walk(table: &Table, chain: &str, probe: &Probe, depth: usize) -> Option<Verdict> {
    if depth > 16 {
        return None;
    }
    for rule in table.rules.iter().filter(|r| r.chain == chain) {
        if !matches(&rule.args, probe) {
            continue;
        }
        let target = target_of(&rule.args)?;
        match target.as_str() {
            "ACCEPT" | "DROP" | "REJECT" => {
                return Some(Verdict {
                    target,
                    span: Some(rule.span.clone()),
                });
            }
            "RETURN" => return None,
            other
                if table.rules.iter().any(|r| r.chain == other)
                    || table.policies.contains_key(other) =>
            {
                if let Some(v) = walk(table, other, probe, depth + 1) {
                    return Some(v);
                }
            }
            _ => {} // LOG, MARK ...: the packet goes on
        }
    }
    None
}

fn target_of(args: &[String]) -> Option<String> {
    let at = args.iter().position(|a| a == "-j" || a == "-g")?;
    args.get(at + 1).cloned()
}

/// Whether every match of a rule holds for the probe. A match this evaluation does not
/// know makes the rule not match: an unknown ACCEPT leaves the port looking closed, an
/// unknown DROP leaves it looking open, so an unknown rule never hides a finding.
fn matches(args: &[String], probe: &Probe) -> bool {
    let mut i = 0;
    let mut negate = false;
    while i < args.len() {
        let a = args[i].as_str();
        let value = args.get(i + 1).map(String::as_str).unwrap_or("");
        let mut step = 2;
        let ok = match a {
            "!" => {
                negate = true;
                i += 1;
                continue;
            }
            "-j" | "-g" => {
                // The target's own options follow (--reject-with ...): none are matches.
                return true;
            }
            "-m" => true,
            "-p" => value == probe.protocol || value == "all",
            "-s" => cidr_contains(value, probe.source),
            "-d" => !value.starts_with("127."),
            "-i" => {
                // The probe comes in on an external interface.
                !(value == "lo" || is_docker_interface(value))
            }
            "-o" => {
                if probe.forwarded {
                    is_docker_interface(value)
                } else {
                    false
                }
            }
            "--dport" | "--destination-port" => port_in(value, probe.dport),
            "--dports" | "--destination-ports" => value.split(',').any(|p| port_in(p, probe.dport)),
            "--sport" | "--source-port" | "--sports" | "--source-ports" => false,
            "--ctorigdstport" => port_in(value, probe.orig_dport),
            "--ctstate" | "--state" => value.split(',').any(|s| s == "NEW"),
            "--ctdir" => value == "ORIGINAL",
            "--comment" => true,
            "--dst-type" => value == "LOCAL",
            "--src-type" => false,
            "--tcp-flags" => {
                step = 3;
                true
            }
            "--syn" => {
                step = 1;
                true
            }
            _ => return false,
        };
        if ok == negate {
            return false;
        }
        negate = false;
        i += step;
    }
    true
}

/// `docker0`, `br-<id>` and the containers' veths.
fn is_docker_interface(name: &str) -> bool {
    name == "docker0"
        || name.starts_with("br-")
        || name.starts_with("veth")
        || name.starts_with("docker")
}

fn cidr_contains(text: &str, ip: IpAddr) -> bool {
    let text = if text.contains('/') {
        text.to_string()
    } else if text.contains(':') {
        format!("{text}/128")
    } else {
        format!("{text}/32")
    };
    Cidr::parse(&text).is_ok_and(|c| c.contains(ip))
}

/// `5432` or `5000:5999`.
fn port_in(text: &str, port: u16) -> bool {
    match text.split_once(':') {
        Some((a, b)) => {
            let a = a.parse::<u16>().unwrap_or(0);
            let b = b.parse::<u16>().unwrap_or(u16::MAX);
            a <= port && port <= b
        }
        None => text.parse::<u16>() == Ok(port),
    }
}

/// Addresses that stand for "someone not trusted" when the chains are evaluated (never
/// connected to): a documentation address and one in each private range, less those the
/// configuration trusts.
pub fn untrusted_probes(trusted: &TrustedNetworks, ipv6: bool) -> Vec<IpAddr> {
    let candidates: &[&str] = if ipv6 {
        &["2001:db8::1", "fd00:ffff::1"]
    } else {
        &[
            "198.51.100.7",
            "10.255.255.254",
            "172.31.255.254",
            "192.168.255.254",
            "100.127.255.254",
        ]
    };
    candidates
        .iter()
        .filter_map(|c| c.parse::<IpAddr>().ok())
        .filter(|ip| !trusted.is_trusted(*ip))
        .collect()
}

/// What `ufw status verbose` says.
#[derive(Debug, Clone, Default)]
pub struct Ufw {
    pub text: String,
    pub active: bool,
    /// `Default: deny (incoming)`.
    pub default_deny_incoming: bool,
    /// (port spec, protocol or empty, action, line span).
    pub rules: Vec<(String, String, String, Range<usize>)>,
}

impl Ufw {
    pub fn parse(text: &str) -> Ufw {
        let mut ufw = Ufw {
            text: text.to_string(),
            ..Ufw::default()
        };
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let span = at..at + line.trim_end().len();
            at += line.len();
            let l = line.trim();
            if l.starts_with("Status: active") {
                ufw.active = true;
            } else if let Some(rest) = l.strip_prefix("Default:") {
                ufw.default_deny_incoming =
                    rest.contains("deny (incoming)") || rest.contains("reject (incoming)");
            } else {
                let words: Vec<&str> = l.split_whitespace().collect();
                if words.len() >= 2 {
                    let action = words[1].to_ascii_uppercase();
                    if ["ALLOW", "DENY", "REJECT", "LIMIT"].contains(&action.as_str()) {
                        let (port, proto) = words[0].split_once('/').unwrap_or((words[0], ""));
                        ufw.rules
                            .push((port.to_string(), proto.to_string(), action, span));
                    }
                }
            }
        }
        ufw
    }

    /// The line that appears to close the port (a DENY/REJECT rule, else the default deny
    /// when no ALLOW names it), for an active ufw.
    pub fn closing(&self, port: u16, protocol: &str) -> Option<Range<usize>> {
        if !self.active {
            return None;
        }
        let names = |spec: &str, proto: &str| {
            (proto.is_empty() || proto == protocol) && spec.split(',').any(|p| port_in(p, port))
        };
        for (spec, proto, action, span) in &self.rules {
            if names(spec, proto) {
                return match action.as_str() {
                    "DENY" | "REJECT" => Some(span.clone()),
                    _ => None,
                };
            }
        }
        if self.default_deny_incoming {
            let line = self.text.find("Default:").unwrap_or(0);
            let end = self.text[line..]
                .find('\n')
                .map_or(self.text.len(), |e| line + e);
            return Some(line..end);
        }
        None
    }
}

/// Input-hook chains of native nftables tables (those of iptables-nft and firewalld are
/// read through iptables-save and firewall-cmd).
#[derive(Debug, Clone, Default)]
pub struct Nft {
    pub text: String,
    /// (policy drop span, rules: (protocol, ports, verdict, span)).
    pub chains: Vec<NftChain>,
}

#[derive(Debug, Clone, Default)]
pub struct NftChain {
    pub policy_drop: Option<Range<usize>>,
    pub rules: Vec<(String, String, String, Range<usize>)>,
}

impl Nft {
    pub fn parse(text: &str) -> Nft {
        let mut nft = Nft {
            text: text.to_string(),
            chains: Vec::new(),
        };
        let mut at = 0;
        let mut table_native = false;
        let mut in_input = false;
        for line in text.split_inclusive('\n') {
            let start = at + (line.len() - line.trim_start().len());
            let span = start..at + line.trim_end().len();
            at += line.len();
            let l = line.trim();
            if let Some(rest) = l.strip_prefix("table ") {
                let name = rest
                    .trim_end_matches('{')
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("");
                table_native =
                    !["filter", "nat", "mangle", "raw", "security", "firewalld"].contains(&name);
                in_input = false;
            } else if l.starts_with("chain ") {
                in_input = false;
            } else if l.starts_with("type filter hook input") {
                in_input = table_native;
                if in_input {
                    let mut chain = NftChain::default();
                    if l.contains("policy drop") {
                        chain.policy_drop = Some(span.clone());
                    }
                    nft.chains.push(chain);
                }
            } else if in_input {
                let words: Vec<&str> = l.split_whitespace().collect();
                let verdict = words.last().copied().unwrap_or("");
                if let Some(d) = words.iter().position(|w| *w == "dport") {
                    let proto = if d > 0 { words[d - 1] } else { "" };
                    let ports: String = words[d + 1..]
                        .iter()
                        .take_while(|w| !["accept", "drop", "reject", "counter"].contains(w))
                        .copied()
                        .collect::<Vec<_>>()
                        .join("")
                        .replace(['{', '}'], "");
                    if let Some(chain) = nft.chains.last_mut() {
                        chain
                            .rules
                            .push((proto.to_string(), ports, verdict.to_string(), span));
                    }
                }
            }
        }
        nft
    }

    pub fn closing(&self, port: u16, protocol: &str) -> Option<Range<usize>> {
        for chain in &self.chains {
            let mut decided = None;
            for (proto, ports, verdict, span) in &chain.rules {
                let named = (proto == protocol || proto == "th")
                    && ports
                        .split(',')
                        .any(|p| port_in(&p.replace('-', ":"), port));
                if named {
                    decided = Some((verdict.clone(), span.clone()));
                    break;
                }
            }
            match decided {
                Some((v, span)) if v == "drop" || v == "reject" => return Some(span),
                Some(_) => {}
                None => {
                    if let Some(span) = &chain.policy_drop {
                        return Some(span.clone());
                    }
                }
            }
        }
        None
    }
}

/// `firewall-cmd --list-all-zones`: the active zones, their target, ports and services.
#[derive(Debug, Clone, Default)]
pub struct Firewalld {
    pub text: String,
    pub zones: Vec<Zone>,
}

#[derive(Debug, Clone, Default)]
pub struct Zone {
    pub name: String,
    pub span: Range<usize>,
    pub active: bool,
    pub target: String,
    pub ports: Vec<String>,
    pub services: Vec<String>,
}

/// The ports of the firewalld services most often opened for the software audited here.
const SERVICE_PORTS: &[(&str, u16)] = &[
    ("ssh", 22),
    ("http", 80),
    ("https", 443),
    ("postgresql", 5432),
    ("mysql", 3306),
    ("redis", 6379),
    ("mongodb", 27017),
    ("elasticsearch", 9200),
    ("docker-registry", 5000),
    ("grafana", 3000),
    ("prometheus", 9090),
    ("rabbitmq", 5672),
];

impl Firewalld {
    pub fn parse(text: &str) -> Firewalld {
        let mut fw = Firewalld {
            text: text.to_string(),
            zones: Vec::new(),
        };
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let span = at..at + line.trim_end().len();
            at += line.len();
            if line.trim().is_empty() {
                continue;
            }
            if !line.starts_with(' ') && !line.starts_with('\t') {
                let name = line.split_whitespace().next().unwrap_or("").to_string();
                fw.zones.push(Zone {
                    name,
                    span,
                    active: line.contains("(active)") || line.contains("(default, active)"),
                    target: "default".into(),
                    ..Zone::default()
                });
                continue;
            }
            let Some(zone) = fw.zones.last_mut() else {
                continue;
            };
            let l = line.trim();
            if let Some(v) = l.strip_prefix("target:") {
                zone.target = v.trim().to_string();
            } else if let Some(v) = l.strip_prefix("ports:") {
                zone.ports = v.split_whitespace().map(str::to_string).collect();
            } else if let Some(v) = l.strip_prefix("services:") {
                zone.services = v.split_whitespace().map(str::to_string).collect();
            }
        }
        fw
    }

    /// The active zone that appears to close the port (its target rejects what it does not
    /// list, and it lists neither the port nor a service on it).
    pub fn closing(&self, port: u16, protocol: &str) -> Option<Range<usize>> {
        self.zones
            .iter()
            .filter(|z| z.active && z.target != "ACCEPT")
            .find(|z| {
                let by_port = z.ports.iter().any(|p| {
                    let (ports, proto) = p.split_once('/').unwrap_or((p, "tcp"));
                    proto == protocol && port_in(&ports.replace('-', ":"), port)
                });
                let by_service = z.services.iter().any(|s| {
                    SERVICE_PORTS
                        .iter()
                        .any(|(name, p)| name == s && *p == port && protocol == "tcp")
                });
                !by_port && !by_service
            })
            .map(|z| z.span.clone())
    }
}

/// The `DOCKER-USER` rules that close a published port to every source outside the
/// trusted networks, for one family (`iptables` or `ip6tables`). `--ctorigdstport` and
/// `--ctdir ORIGINAL` are both needed (measured in docs/host-audit.md): DOCKER-USER sees
/// the container port after DNAT, and without `--ctdir ORIGINAL` the replies, whose source
/// is the container, are dropped too.
pub fn docker_user_rules(
    tool: &str,
    protocol: &str,
    host_port: u16,
    trusted: &TrustedNetworks,
    ipv6: bool,
) -> Vec<String> {
    let nets: Vec<&Cidr> = trusted
        .networks()
        .iter()
        .filter(|n| n.network().is_ipv6() == ipv6)
        .collect();
    let base = format!(
        "{tool} -I DOCKER-USER -p {protocol} -m conntrack --ctorigdstport {host_port} --ctdir ORIGINAL"
    );
    match nets.as_slice() {
        [] => vec![format!("{base} -j DROP")],
        [one] => vec![format!("{base} ! -s {one} -j DROP")],
        many => {
            // -I puts each rule first: the DROP goes in first and ends up last.
            let mut out = vec![format!("{base} -j DROP")];
            for net in many.iter().rev() {
                out.push(format!("{base} -s {net} -j RETURN"));
            }
            out
        }
    }
}

/// The INPUT rules that close a port docker-proxy serves (no DNAT for that family) to every
/// source outside the trusted networks.
pub fn input_rules(
    tool: &str,
    protocol: &str,
    host_port: u16,
    trusted: &TrustedNetworks,
    ipv6: bool,
) -> Vec<String> {
    docker_user_rules(tool, protocol, host_port, trusted, ipv6)
        .into_iter()
        .map(|r| {
            r.replace("-I DOCKER-USER", "-I INPUT").replace(
                &format!("-m conntrack --ctorigdstport {host_port} --ctdir ORIGINAL"),
                &format!("--dport {host_port}"),
            )
        })
        .collect()
}
