//! An IP network in CIDR notation (`10.8.0.0/24`, `fd7a:115c:a1e0::/48`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::{unbracketed, unmap};

/// A network: an address whose bits after `prefix` are zero, and the prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// An IPv4 network (the caller keeps the host bits zero and `prefix` at most 32).
    pub const fn v4(network: Ipv4Addr, prefix: u8) -> Cidr {
        Cidr {
            network: IpAddr::V4(network),
            prefix,
        }
    }

    /// An IPv6 network (the caller keeps the host bits zero and `prefix` at most 128).
    pub const fn v6(network: Ipv6Addr, prefix: u8) -> Cidr {
        Cidr {
            network: IpAddr::V6(network),
            prefix,
        }
    }

    /// `10.8.0.0/24`, `fd00::/8`, or a bare address (`/32`, `/128`). An IPv4-mapped IPv6
    /// network of prefix 96 or more is kept as its IPv4 form. Host bits must be zero
    /// (`10.8.0.5/24` is refused with the network it probably meant).
    pub fn parse(text: &str) -> Result<Cidr, String> {
        if text.is_empty() {
            return Err(
                "empty network: write an address and a prefix length, e.g. 10.8.0.0/24".into(),
            );
        }
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (unbracketed(address), Some(prefix)),
            None => (unbracketed(text), None),
        };
        let network: IpAddr = address.parse().map_err(|_| {
            format!("{address:?} is not an IP address (in {text:?}; a network is written like 10.8.0.0/24)")
        })?;
        let max = max_prefix(network);
        let prefix = match prefix {
            None => max,
            Some("") => return Err(format!("{text:?} has no prefix length after the '/'")),
            Some(p) if !p.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(format!(
                    "the prefix length {p:?} in {text:?} is not a number"
                ));
            }
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => {
                    let family = if network.is_ipv4() { "IPv4" } else { "IPv6" };
                    return Err(format!(
                        "the prefix length {p} in {text:?} is too long for an {family} address (at most {max})"
                    ));
                }
            },
        };
        let cidr = Cidr { network, prefix };
        let masked = cidr.masked();
        if masked != network {
            return Err(format!(
                "{text:?} has host bits set: the network is {}/{prefix}",
                masked
            ));
        }
        Ok(cidr.unmapped())
    }

    /// The network address.
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether the address is in this network; an IPv4-mapped IPv6 address is compared as
    /// its IPv4 form, and an IPv4 network never holds an IPv6 address (nor the reverse).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, unmap(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(
                u128::from(u32::from(net)),
                u128::from(u32::from(ip)),
                32,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(u128::from(net), u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }

    /// The network address with the host bits cleared.
    fn masked(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(v4) => {
                let bits = u128::from(u32::from(v4)) & mask(32, self.prefix);
                IpAddr::V4(Ipv4Addr::from(bits as u32))
            }
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask(128, self.prefix))),
        }
    }

    /// `::ffff:a.b.c.d/n` (n >= 96) as `a.b.c.d/(n - 96)`.
    fn unmapped(self) -> Cidr {
        match self.network {
            IpAddr::V6(v6) if self.prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => Cidr::v4(v4, self.prefix - 96),
                None => self,
            },
            _ => self,
        }
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

/// The top `prefix` bits of a `width`-bit address.
fn mask(width: u32, prefix: u8) -> u128 {
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    match u32::from(prefix) {
        0 => 0,
        p if p >= width => all,
        p => all & !((1u128 << (width - p)) - 1),
    }
}

fn prefix_eq(a: u128, b: u128, width: u32, prefix: u8) -> bool {
    let m = mask(width, prefix);
    a & m == b & m
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        Cidr::parse(text)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}
