//! Published ports: every syntax of the Compose spec, parsed as Docker Compose v2 parses it
//! (compose-go's `ParsePortConfig`, which uses go-connections' `nat.ParsePortSpec`).

use std::ops::Range;

use super::address::{AddressClass, classify};

/// How a `ports:` entry was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSyntax {
    /// A YAML integer: `- 5432`.
    Integer,
    /// A string scalar: `- "5432:5432"`, `- 5432:5432`, `- '127.0.0.1::5432'`.
    Short,
    /// A mapping with `target`, `published`, `host_ip` ... (block or flow).
    Long,
}

/// A port or an inclusive range of ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl PortRange {
    pub fn single(port: u16) -> Self {
        PortRange {
            start: port,
            end: port,
        }
    }

    pub fn len(&self) -> u32 {
        u32::from(self.end) - u32::from(self.start) + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn contains(&self, port: u16) -> bool {
        self.start <= port && port <= self.end
    }

    pub fn overlaps(&self, other: &PortRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// As Compose prints it: `5432` or `9090-9091`.
    pub fn to_compose_string(&self) -> String {
        if self.start == self.end {
            self.start.to_string()
        } else {
            format!("{}-{}", self.start, self.end)
        }
    }

    /// `nat.ParsePortRange`: `8080` or `8080-8081`, each a u16, end not below start.
    pub fn parse(text: &str) -> Result<PortRange, String> {
        if text.is_empty() {
            return Err("empty string specified for ports".into());
        }
        // Go's ParseUint takes digits only: no sign, no spaces.
        let parse_one = |s: &str| {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("invalid port {s:?}"));
            }
            s.parse::<u16>().map_err(|_| format!("invalid port {s:?}"))
        };
        match text.split_once('-') {
            None => parse_one(text).map(PortRange::single),
            Some((a, b)) => {
                let (start, end) = (parse_one(a)?, parse_one(b)?);
                if end < start {
                    return Err(format!("invalid range specified for port: {text}"));
                }
                Ok(PortRange { start, end })
            }
        }
    }
}

/// One published port after normalisation, in the shape `docker compose config` prints.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NormalisedPort {
    pub host_ip: Option<String>,
    pub published: Option<String>,
    pub target: u32,
    pub protocol: String,
}

/// The pieces of a short-syntax port as written (before interpolation), with byte ranges
/// relative to the start of the scalar's value. A `${VAR}` is one opaque piece of text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShortPieces {
    pub host_ip: Option<Range<usize>>,
    pub published: Option<Range<usize>>,
    pub target: Range<usize>,
    /// The `/udp` suffix, slash included.
    pub protocol: Option<Range<usize>>,
}

/// A short-syntax port parsed from its (interpolated) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortPort {
    /// Host IP without IPv6 brackets; `None` when absent (every interface).
    pub host_ip: Option<String>,
    pub published: Option<PortRange>,
    pub target: PortRange,
    pub protocol: String,
}

impl ShortPort {
    /// `nat.ParsePortSpec`: `[[ip:]published:]target[/proto]`. Everything before the last two
    /// colons is the host IP, so unbracketed IPv6 (`::1:5432:5432`) works as in Compose.
    pub fn parse(text: &str) -> Result<ShortPort, String> {
        let (ip, published, target) = split_parts(text);
        let (protocol, target) = split_proto(target);
        let mut ip = ip.to_string();
        if ip.starts_with('[') {
            match ip.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
                Some(inner) if !inner.contains(['[', ']']) => ip = inner.to_string(),
                _ => return Err(format!("invalid IP address: {ip}")),
            }
        }
        if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
            return Err(format!("invalid IP address: {ip}"));
        }
        if target.is_empty() {
            return Err(format!("no port specified: {text}<empty>"));
        }
        let target = PortRange::parse(target)?;
        if target.start == 0 {
            return Err("the port is missing a target port".into());
        }
        let published = if published.is_empty() {
            None
        } else {
            Some(PortRange::parse(published)?)
        };
        if let Some(p) = &published
            && p.len() != target.len()
            && target.len() != 1
        {
            return Err(format!(
                "invalid ranges specified for container and host Ports: {} and {}",
                target.to_compose_string(),
                p.to_compose_string()
            ));
        }
        let protocol = protocol.to_ascii_lowercase();
        if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
            return Err(format!("invalid proto: {protocol}"));
        }
        Ok(ShortPort {
            host_ip: (!ip.is_empty()).then_some(ip),
            published,
            target,
            protocol,
        })
    }

    /// The entries Compose makes of this port: one per target port of a range, sorted by
    /// `"port/proto"` as text (as compose-go does); a published range onto a single target
    /// stays one entry with the range as its published value.
    pub fn normalise(&self) -> Vec<NormalisedPort> {
        let mut out: Vec<NormalisedPort> = (0..self.target.len())
            .map(|i| {
                let target = u32::from(self.target.start) + i;
                let published = self.published.map(|p| {
                    if self.target.len() == 1 && p.len() != 1 {
                        p.to_compose_string()
                    } else {
                        (u32::from(p.start) + i).to_string()
                    }
                });
                NormalisedPort {
                    host_ip: self.host_ip.clone(),
                    published,
                    target,
                    protocol: self.protocol.clone(),
                }
            })
            .collect();
        out.sort_by_key(|p| format!("{}/{}", p.target, p.protocol));
        out
    }
}

/// go-connections' `splitParts`: the container port is after the last colon, the host port
/// before it, and the host IP is everything before that.
fn split_parts(text: &str) -> (&str, &str, &str) {
    let colons: Vec<usize> = text.match_indices(':').map(|(i, _)| i).collect();
    match colons.len() {
        0 => ("", "", text),
        1 => ("", &text[..colons[0]], &text[colons[0] + 1..]),
        n => {
            let (a, b) = (colons[n - 2], colons[n - 1]);
            (&text[..a], &text[a + 1..b], &text[b + 1..])
        }
    }
}

/// `nat.SplitProtoPort` as Compose uses it: `80/udp` -> ("udp", "80"); no slash or an empty
/// protocol is tcp; everything after the first slash is the protocol (`80/tcp/udp` is the
/// invalid protocol `tcp/udp`).
fn split_proto(text: &str) -> (&str, &str) {
    let (port, proto) = match text.split_once('/') {
        Some((port, proto)) => (port, Some(proto)),
        None => (text, None),
    };
    if port.is_empty() {
        return ("", "");
    }
    match proto {
        None | Some("") => ("tcp", port),
        Some(proto) => (proto, port),
    }
}

/// Splits a short port as written into pieces, treating each `${...}` as opaque so that the
/// pieces match what the author wrote even when a variable will hold colons.
pub fn short_pieces(raw: &str) -> ShortPieces {
    let mut colons = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => colons.push(i),
            _ => {}
        }
        i += 1;
    }
    let (host_ip, published, target_start) = match colons.len() {
        0 => (None, None, 0),
        1 => (None, Some(0..colons[0]), colons[0] + 1),
        n => {
            let (a, b) = (colons[n - 2], colons[n - 1]);
            (Some(0..a), Some(a + 1..b), b + 1)
        }
    };
    let (target, protocol) = match raw[target_start..].find('/') {
        Some(slash) => (
            target_start..target_start + slash,
            Some(target_start + slash..raw.len()),
        ),
        None => (target_start..raw.len(), None),
    };
    ShortPieces {
        host_ip,
        published,
        target,
        protocol,
    }
}

/// Whether a host IP binds every interface (empty, `0.0.0.0`, `::`, `[::]`, `::ffff:0.0.0.0`).
pub fn is_wildcard_ip(ip: &str) -> bool {
    classify(ip) == AddressClass::Wildcard
}

/// Whether a host IP is a loopback address (127.0.0.0/8, `::1`, or IPv4-mapped 127/8).
pub fn is_loopback_ip(ip: &str) -> bool {
    classify(ip) == AddressClass::Loopback
}

#[cfg(test)]
mod tests;
