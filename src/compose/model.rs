//! The compose model: a project of one or more files (base, overrides, includes, extended
//! files) seen as services, networks and port bindings, each remembering the file and node it
//! came from.

use std::path::PathBuf;
use std::sync::Arc;

use super::image::ImageRef;
use super::interpolate::{Environment, interpolate};
use super::port::{NormalisedPort, PortRange, PortSyntax, ShortPieces, ShortPort, short_pieces};
use crate::yaml::{NodeId, ScalarType, Tree};

/// Index of a file in its [`Project`].
pub type FileId = usize;

/// A node in one of the project's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: FileId,
    pub node: NodeId,
}

/// One parsed file of a project.
#[derive(Debug)]
pub struct ComposeFile {
    pub path: PathBuf,
    /// Shared: the fixer copies what its edits left alone from it into the next parse.
    pub tree: Arc<Tree>,
    /// Root mapping of the first non-empty document.
    pub root: Option<NodeId>,
    /// Root mappings of every non-empty document (Compose merges them in order).
    pub roots: Vec<NodeId>,
    /// Variables for interpolation in this file (process env, then the `.env` of its project).
    pub env: Arc<Environment>,
}

impl ComposeFile {
    pub fn text(&self) -> &str {
        self.tree.text()
    }
}

/// A problem in the meaning of a file (wrong type, invalid port ...), at a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    pub file: FileId,
    pub span: std::ops::Range<usize>,
    pub message: String,
}

/// A `ports:` entry as Compose reads it.
#[derive(Debug, Clone)]
pub struct PortBinding {
    /// Where the entry is written (the sequence item, at its definition site when it is
    /// reached through an alias or a merge).
    pub at: Loc,
    /// The `ports` sequence holding the entry.
    pub sequence: Loc,
    pub syntax: PortSyntax,
    /// The host IP after interpolation, without brackets; `None` means every interface.
    pub host_ip: Option<String>,
    /// The host IP was written as a variable (`${BIND}:80:80` or `host_ip: ${BIND}`).
    pub host_ip_from_variable: bool,
    pub published: Option<PortRange>,
    /// The published value as Compose keeps it when it is not a plain range (long syntax).
    pub published_text: Option<String>,
    pub target: PortRange,
    pub protocol: String,
    /// Variables the entry uses that are unset and have no default.
    pub missing_variables: Vec<String>,
    /// Short syntax: the pieces as written, byte ranges absolute in the file. `None` when the
    /// scalar's source bytes do not map one to one onto its value (escapes, folding).
    pub pieces: Option<ShortPieces>,
    /// Long syntax: `published` was written as a YAML integer.
    pub published_from_int: bool,
    /// Long syntax: the `host_ip` key and value, if written.
    pub host_ip_entry: Option<(NodeId, NodeId)>,
}

impl PortBinding {
    /// What Compose makes of this entry (several ports for a short-syntax range).
    pub fn normalised(&self) -> Vec<NormalisedPort> {
        match self.syntax {
            PortSyntax::Long => vec![NormalisedPort {
                host_ip: self.host_ip.clone(),
                published: self.published_text.clone(),
                target: u32::from(self.target.start),
                protocol: self.protocol.clone(),
            }],
            _ => ShortPort {
                host_ip: self.host_ip.clone(),
                published: self.published,
                target: self.target,
                protocol: self.protocol.clone(),
            }
            .normalise(),
        }
    }

    /// Published on every interface: no host IP, or a wildcard one.
    pub fn binds_all_interfaces(&self) -> bool {
        self.host_ip
            .as_deref()
            .is_none_or(super::port::is_wildcard_ip)
    }
}

/// A service, merged over the files that define it.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// The service's key in the first file that defines it.
    pub key: Loc,
    /// Each mapping that contributes to the service, lowest priority first: extended
    /// services, the base file, then override files.
    pub layers: Vec<Loc>,
    pub ports: Vec<PortBinding>,
}

/// A network declared at the top level.
#[derive(Debug, Clone)]
pub struct Network {
    pub name: String,
    pub key: Loc,
    pub node: Loc,
    /// `driver_opts: com.docker.network.bridge.host_binding_ipv4`.
    pub host_binding_ipv4: Option<String>,
}

/// A whole compose project: files, services, networks.
#[derive(Debug, Default)]
pub struct Project {
    pub files: Vec<ComposeFile>,
    pub services: Vec<Service>,
    pub networks: Vec<Network>,
    pub errors: Vec<ModelError>,
    /// The main file has services at the top level, as a Compose v1 file does.
    pub v1_layout: bool,
    /// Files read only because a service `extends` a service of theirs: Compose reads those
    /// services of them, not the whole file.
    pub extends_only: Vec<FileId>,
}

impl Project {
    pub fn file(&self, id: FileId) -> &ComposeFile {
        &self.files[id]
    }

    pub fn tree(&self, id: FileId) -> &Tree {
        &self.files[id].tree
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The last (highest-priority) value of a key among a service's layers.
    pub fn service_value(&self, service: &Service, key: &str) -> Option<Loc> {
        service.layers.iter().rev().find_map(|layer| {
            let tree = self.tree(layer.file);
            let value = tree.get_value(layer.node, key)?;
            Some(Loc {
                file: layer.file,
                node: value,
            })
        })
    }

    /// The key node and value node of a service key, from the highest-priority layer.
    pub fn service_entry(&self, service: &Service, key: &str) -> Option<(Loc, Loc)> {
        service.layers.iter().rev().find_map(|layer| {
            let tree = self.tree(layer.file);
            let (k, v) = tree.get(layer.node, key)?;
            Some((
                Loc {
                    file: layer.file,
                    node: k,
                },
                Loc {
                    file: layer.file,
                    node: v,
                },
            ))
        })
    }

    /// A scalar value of a service key, interpolated.
    pub fn service_str(&self, service: &Service, key: &str) -> Option<(String, Loc)> {
        let loc = self.service_value(service, key)?;
        let raw = self.tree(loc.file).as_str(loc.node)?;
        let value = self.interpolate(loc.file, raw);
        Some((value, loc))
    }

    /// Interpolates a value of a file; missing variables become empty, as in Compose.
    pub fn interpolate(&self, file: FileId, raw: &str) -> String {
        if !super::interpolate::has_variables(raw) {
            return raw.to_string();
        }
        match interpolate(raw, &self.files[file].env) {
            Ok(v) => v.value,
            Err(_) => raw.to_string(),
        }
    }

    /// The service's image reference, normalised (after interpolation).
    pub fn image(&self, service: &Service) -> Option<(ImageRef, Loc)> {
        let (text, loc) = self.service_str(service, "image")?;
        Some((ImageRef::parse(&text)?, loc))
    }

    /// The service is built from a local context (`build:`).
    pub fn is_built(&self, service: &Service) -> bool {
        self.service_value(service, "build").is_some()
    }

    /// Networks the service joins (`networks:` as a list or a map); empty means `default`.
    pub fn service_networks(&self, service: &Service) -> Vec<String> {
        let Some(loc) = self.service_value(service, "networks") else {
            return Vec::new();
        };
        let tree = self.tree(loc.file);
        if let Some(items) = tree.items(loc.node) {
            items
                .iter()
                .filter_map(|i| tree.as_str(*i).map(str::to_string))
                .collect()
        } else {
            tree.entries(loc.node)
                .iter()
                .filter_map(|(k, _)| tree.as_str(*k).map(str::to_string))
                .collect()
        }
    }

    /// The host IP Docker gives a port written without one: the `host_binding_ipv4` of the
    /// service's only network (with several networks, or a `network_mode`, none applies).
    pub fn default_host_ip(&self, service: &Service) -> Option<String> {
        // Most projects declare no such network: nothing to look up per service.
        if self.networks.iter().all(|n| n.host_binding_ipv4.is_none()) {
            return None;
        }
        if self.service_value(service, "network_mode").is_some() {
            return None;
        }
        let networks = self.service_networks(service);
        let name = match networks.as_slice() {
            [] => "default",
            [one] => one.as_str(),
            _ => return None,
        };
        self.network(name)
            .and_then(|n| n.host_binding_ipv4.clone())
            .filter(|ip| !ip.trim().is_empty())
    }

    pub fn network(&self, name: &str) -> Option<&Network> {
        self.networks.iter().find(|n| n.name == name)
    }

    /// Environment variables of a service (map and list forms), interpolated, each with the
    /// node of its value (or of the list item). Later layers win.
    pub fn environment(&self, service: &Service) -> Vec<EnvVar> {
        let mut vars: Vec<EnvVar> = Vec::new();
        for layer in &service.layers {
            let tree = self.tree(layer.file);
            let Some(env) = tree.get_value(layer.node, "environment") else {
                continue;
            };
            let mut push = |name: String, value: Option<String>, at: Loc| {
                vars.retain(|v| v.name != name);
                vars.push(EnvVar { name, value, at });
            };
            if let Some(items) = tree.items(env) {
                for item in items {
                    let Some(text) = tree.as_str(*item) else {
                        continue;
                    };
                    let text = self.interpolate(layer.file, text);
                    let at = Loc {
                        file: layer.file,
                        node: tree.resolve(*item),
                    };
                    match text.split_once('=') {
                        Some((k, v)) => push(k.to_string(), Some(v.to_string()), at),
                        None => push(text, None, at),
                    }
                }
            } else {
                for (k, v) in tree.entries(env) {
                    let Some(name) = tree.scalar_value(k) else {
                        continue;
                    };
                    let value = if tree.is_null(v) {
                        None
                    } else {
                        tree.scalar_value(v)
                            .map(|raw| self.interpolate(layer.file, raw))
                    };
                    push(
                        name.to_string(),
                        value,
                        Loc {
                            file: layer.file,
                            node: v,
                        },
                    );
                }
            }
        }
        vars
    }

    /// Every port as Compose normalises it, service by service (for the oracle).
    pub fn normalised_ports(&self) -> std::collections::BTreeMap<String, Vec<NormalisedPort>> {
        self.services
            .iter()
            .map(|s| (s.name.clone(), dedup_ports(&s.ports)))
            .collect()
    }
}

/// Compose collapses ports with the same key (host IP, absent meaning 0.0.0.0; published;
/// target; protocol): the later entry replaces the earlier one in the earlier one's place.
/// A long-syntax `published` written as a YAML integer keys apart from the same number as a
/// string (measured: see docs/compose-facts.md).
pub fn dedup_ports(bindings: &[PortBinding]) -> Vec<NormalisedPort> {
    dedup_ports_with_origin(bindings)
        .into_iter()
        .map(|(port, _)| port)
        .collect()
}

/// [`dedup_ports`], each port with the index of the binding it came from.
pub fn dedup_ports_with_origin(bindings: &[PortBinding]) -> Vec<(NormalisedPort, usize)> {
    let ports: Vec<(NormalisedPort, usize)> = bindings
        .iter()
        .enumerate()
        .flat_map(|(index, binding)| binding.normalised().into_iter().map(move |p| (p, index)))
        .collect();
    // Each kept port's place in the answer, and the port (index in `ports`) that holds it:
    // the later of two with the same key, in the earlier one's place. The keys borrow from
    // `ports` (this runs for every service on every check, and again when a fix is verified:
    // formatting a key per port showed in profiles).
    let mut slots: Vec<usize> = Vec::with_capacity(ports.len());
    let mut slot_of: std::collections::HashMap<DedupKey, usize> =
        std::collections::HashMap::with_capacity(ports.len());
    for (i, (port, origin)) in ports.iter().enumerate() {
        let key = DedupKey {
            host_ip: port.host_ip.as_deref().unwrap_or("0.0.0.0"),
            published: port.published.as_deref().unwrap_or(""),
            published_from_int: bindings[*origin].published_from_int,
            target: port.target,
            protocol: &port.protocol,
        };
        match slot_of.get(&key) {
            Some(&slot) => slots[slot] = i,
            None => {
                slot_of.insert(key, slots.len());
                slots.push(i);
            }
        }
    }
    drop(slot_of);
    let mut ports: Vec<Option<(NormalisedPort, usize)>> = ports.into_iter().map(Some).collect();
    slots.into_iter().filter_map(|i| ports[i].take()).collect()
}

/// What Compose tells two ports apart by ([`dedup_ports`]).
#[derive(PartialEq, Eq, Hash)]
struct DedupKey<'a> {
    /// `0.0.0.0` when absent.
    host_ip: &'a str,
    /// Empty when absent.
    published: &'a str,
    published_from_int: bool,
    target: u32,
    protocol: &'a str,
}

/// An environment variable of a service.
#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    /// `None` for a bare `NAME` (taken from the shell at run time).
    pub value: Option<String>,
    pub at: Loc,
}

/// Keys of a long-syntax port.
const LONG_PORT_KEYS: [&str; 7] = [
    "target",
    "published",
    "host_ip",
    "protocol",
    "mode",
    "app_protocol",
    "name",
];

/// Reads the `ports:` sequence of one service layer.
pub(crate) fn read_ports(
    tree: &Tree,
    file: FileId,
    ports: NodeId,
    env: &Environment,
    out: &mut Vec<PortBinding>,
    errors: &mut Vec<ModelError>,
) {
    let Some(items) = tree.items(ports) else {
        errors.push(ModelError {
            file,
            span: tree.span(ports),
            message: "`ports` must be a list".into(),
        });
        return;
    };
    let sequence = Loc {
        file,
        node: tree.resolve(ports),
    };
    for item in items {
        let node = tree.resolve(*item);
        match read_port(tree, file, node, sequence, env) {
            Ok(binding) => {
                // `host_ip:` with no value: Compose refuses it ("host_ip must be a string"),
                // and the port is still read (and fixed: the fix writes a value there).
                if let Some((key, value)) = binding.host_ip_entry
                    && tree.is_null(value)
                {
                    errors.push(ModelError {
                        file,
                        span: tree.span(key),
                        message: "`host_ip` has no value; Compose requires a string (an IP \
                                  address)"
                            .into(),
                    });
                }
                out.push(binding)
            }
            Err(message) => errors.push(ModelError {
                file,
                span: tree.span(node),
                message,
            }),
        }
    }
}

fn read_port(
    tree: &Tree,
    file: FileId,
    node: NodeId,
    sequence: Loc,
    env: &Environment,
) -> Result<PortBinding, String> {
    let at = Loc { file, node };
    if tree.is_mapping(node) {
        return read_long_port(tree, at, sequence, env);
    }
    let Some(raw) = tree.scalar_value(node) else {
        return Err("a port must be a string, a number or a mapping".into());
    };
    // Compose prints a YAML integer in decimal (`010` is octal 8) and parses that text.
    let (syntax, text, missing) = match tree.scalar_type(node) {
        Some(ScalarType::Int(value)) => (PortSyntax::Integer, value.to_string(), Vec::new()),
        Some(ScalarType::Str) => {
            let (text, missing) = interpolated(raw, env)?;
            (PortSyntax::Short, text, missing)
        }
        _ => {
            return Err(format!(
                "invalid port {raw:?}: expected a string, a number or a mapping"
            ));
        }
    };
    let parsed = ShortPort::parse(&text).map_err(|e| format!("invalid port {raw:?}: {e}"))?;
    let pieces = source_pieces(tree, node, raw);
    let host_ip_from_variable = pieces
        .as_ref()
        .and_then(|p| p.host_ip.clone())
        .is_some_and(|r| tree.text()[r].contains('$'))
        || (raw.starts_with('$') && parsed.host_ip.is_some());
    Ok(PortBinding {
        at,
        sequence,
        syntax,
        host_ip: parsed.host_ip,
        host_ip_from_variable,
        published: parsed.published,
        published_text: None,
        target: parsed.target,
        protocol: parsed.protocol,
        missing_variables: missing,
        pieces,
        published_from_int: false,
        host_ip_entry: None,
    })
}

fn interpolated(raw: &str, env: &Environment) -> Result<(String, Vec<String>), String> {
    if !super::interpolate::has_variables(raw) {
        return Ok((raw.to_string(), Vec::new()));
    }
    let v = interpolate(raw, env).map_err(|e| e.message)?;
    Ok((v.value, v.missing))
}

/// The short-syntax pieces at absolute offsets, when the scalar's value is its source text.
fn source_pieces(tree: &Tree, node: NodeId, raw: &str) -> Option<ShortPieces> {
    let span = tree.span(node);
    let quoted = tree.scalar(node)?.style.is_quoted();
    let start = span.start + usize::from(quoted);
    let source = tree.text().get(start..start + raw.len())?;
    if source != raw {
        return None;
    }
    let shift = |r: std::ops::Range<usize>| r.start + start..r.end + start;
    let p = short_pieces(raw);
    Some(ShortPieces {
        host_ip: p.host_ip.map(shift),
        published: p.published.map(shift),
        target: shift(p.target),
        protocol: p.protocol.map(shift),
    })
}

fn read_long_port(
    tree: &Tree,
    at: Loc,
    sequence: Loc,
    env: &Environment,
) -> Result<PortBinding, String> {
    let map = at.node;
    for (key, _) in tree.entries(map) {
        let name = tree.scalar_value(key).unwrap_or("");
        if !LONG_PORT_KEYS.contains(&name) && !name.starts_with("x-") {
            return Err(format!("unknown key {name:?} in a long-syntax port"));
        }
    }
    if let Some(p) = tree.get_value(map, "published")
        && !matches!(
            tree.scalar_type(p),
            Some(ScalarType::Int(_) | ScalarType::Str)
        )
    {
        return Err("`published` must be an integer or a string".into());
    }
    let mut missing = Vec::new();
    let mut text_of = |key: &str| -> Result<Option<(String, bool)>, String> {
        let Some(v) = tree.get_value(map, key) else {
            return Ok(None);
        };
        if tree.is_null(v) {
            return Ok(None);
        }
        let raw = tree
            .scalar_value(v)
            .ok_or_else(|| format!("`{key}` must be a scalar"))?;
        // A YAML integer is printed in decimal by Compose (`010` is 8).
        if let Some(ScalarType::Int(value)) = tree.scalar_type(v) {
            return Ok(Some((value.to_string(), false)));
        }
        let (text, m) = interpolated(raw, env)?;
        missing.extend(m);
        Ok(Some((text, raw.contains('$'))))
    };
    let (target_text, _) = text_of("target")?.ok_or("a long-syntax port needs `target`")?;
    let target: u16 = target_text
        .trim()
        .parse()
        .ok()
        .filter(|t| *t != 0)
        .ok_or_else(|| format!("invalid target port {target_text:?}"))?;
    let published_text = text_of("published")?
        .map(|(t, _)| t)
        .filter(|t| !t.is_empty());
    // Compose keeps a long-syntax `published` as written, even when it is no port number.
    let published = published_text
        .as_deref()
        .and_then(|t| PortRange::parse(t).ok());
    let (host_ip, host_ip_from_variable) = match text_of("host_ip")? {
        // Long syntax takes a bare address: no brackets, not empty (Compose rejects both).
        Some((ip, from_var)) => {
            if ip.parse::<std::net::IpAddr>().is_err() {
                return Err(format!(
                    "invalid host_ip {ip:?}: an IP address without brackets"
                ));
            }
            (Some(ip), from_var)
        }
        None => (None, false),
    };
    // Unlike the short syntax, Compose neither checks nor lower-cases a long `protocol`.
    let protocol = text_of("protocol")?
        .map(|(p, _)| p)
        .unwrap_or_else(|| "tcp".into());
    Ok(PortBinding {
        at,
        sequence,
        syntax: PortSyntax::Long,
        host_ip,
        host_ip_from_variable,
        published,
        published_text,
        target: PortRange::single(target),
        protocol,
        missing_variables: missing,
        pieces: None,
        published_from_int: tree
            .get_value(map, "published")
            .is_some_and(|v| matches!(tree.scalar_type(v), Some(ScalarType::Int(_)))),
        host_ip_entry: tree.get(map, "host_ip"),
    })
}
