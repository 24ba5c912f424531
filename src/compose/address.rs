//! Host IPs as Docker binds them: which addresses keep a published port on the host
//! (loopback), on a network the user trusts (a VPN's subnet), or open it to everyone.
//! One classification serves the host IPs of `ports:`, a network's `host_binding_ipv4`
//! and the fixer's `--bind` / `bind-address` (docs/addresses.md).

mod cidr;
mod trusted;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use cidr::Cidr;
pub use trusted::TrustedNetworks;

/// The private ranges: RFC 1918, carrier-grade NAT (Tailscale's tailnet), unique local
/// IPv6, and IPv4/IPv6 link-local. They are also the default trusted networks.
pub const PRIVATE_NETWORKS: [Cidr; 7] = [
    Cidr::v4(Ipv4Addr::new(10, 0, 0, 0), 8),
    Cidr::v4(Ipv4Addr::new(172, 16, 0, 0), 12),
    Cidr::v4(Ipv4Addr::new(192, 168, 0, 0), 16),
    Cidr::v4(Ipv4Addr::new(100, 64, 0, 0), 10),
    Cidr::v6(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    Cidr::v4(Ipv4Addr::new(169, 254, 0, 0), 16),
    Cidr::v6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
];

/// What a host IP is, as far as who can reach a port bound to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressClass {
    /// 127.0.0.0/8, `::1` and IPv4-mapped 127/8: only the host itself.
    Loopback,
    /// One of [`PRIVATE_NETWORKS`] (or its IPv4-mapped form).
    Private,
    /// Empty, `0.0.0.0`, `::` (and IPv4-mapped `0.0.0.0`): every interface.
    Wildcard,
    /// Any other unicast address (documentation ranges included).
    Public,
    /// Not something a port can be bound to.
    Invalid(InvalidAddress),
}

/// Why a host IP cannot be bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvalidAddress {
    /// Not an IP address at all (`localhost`, `10.0.0`, `fe80::1%eth0`).
    NotAnAddress,
    /// 224.0.0.0/4 or ff00::/8.
    Multicast,
    /// 255.255.255.255.
    Broadcast,
    /// 0.0.0.0/8 other than 0.0.0.0 ("this network": a source address, never a destination).
    ThisNetwork,
}

impl InvalidAddress {
    /// Why, in a few words, for messages.
    pub fn reason(self) -> &'static str {
        match self {
            InvalidAddress::NotAnAddress => "not an IP address",
            InvalidAddress::Multicast => {
                "a multicast address (224.0.0.0/4, ff00::/8) names a group, not an interface a port can be bound to"
            }
            InvalidAddress::Broadcast => {
                "the broadcast address 255.255.255.255 is not an interface a port can be bound to"
            }
            InvalidAddress::ThisNetwork => {
                "an address in 0.0.0.0/8 other than 0.0.0.0 is never a destination, so nothing can be bound to it"
            }
        }
    }
}

/// The IP of a host-IP text: brackets around IPv6 removed; `None` for an empty text (every
/// interface, as Compose reads a port without a host IP).
pub fn parse_host_ip(text: &str) -> Result<Option<IpAddr>, InvalidAddress> {
    if text.starts_with('[') != text.ends_with(']') {
        return Err(InvalidAddress::NotAnAddress);
    }
    let bare = unbracketed(text);
    if bare.is_empty() {
        return Ok(None);
    }
    bare.parse::<IpAddr>()
        .map(Some)
        .map_err(|_| InvalidAddress::NotAnAddress)
}

/// The text without the brackets around an IPv6 address (`[::1]` -> `::1`); other text as it is.
pub fn unbracketed(text: &str) -> &str {
    text.strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text)
}

/// The class of a host IP as written (`127.0.0.1`, `::1`, `[::1]`, `""`, `::ffff:10.0.0.1`).
pub fn classify(text: &str) -> AddressClass {
    match parse_host_ip(text) {
        Ok(Some(ip)) => classify_ip(ip),
        Ok(None) => AddressClass::Wildcard,
        Err(why) => AddressClass::Invalid(why),
    }
}

/// The class of an address; an IPv4-mapped IPv6 address is classed as its IPv4 form.
pub fn classify_ip(ip: IpAddr) -> AddressClass {
    match unmap(ip) {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// The IPv4 form of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), other addresses as they are.
pub fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    if ip.is_unspecified() {
        AddressClass::Wildcard
    } else if ip.octets()[0] == 0 {
        AddressClass::Invalid(InvalidAddress::ThisNetwork)
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_broadcast() {
        AddressClass::Invalid(InvalidAddress::Broadcast)
    } else if ip.is_multicast() {
        AddressClass::Invalid(InvalidAddress::Multicast)
    } else if is_private(IpAddr::V4(ip)) {
        AddressClass::Private
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    if ip.is_unspecified() {
        AddressClass::Wildcard
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_multicast() {
        AddressClass::Invalid(InvalidAddress::Multicast)
    } else if is_private(IpAddr::V6(ip)) {
        AddressClass::Private
    } else {
        AddressClass::Public
    }
}

fn is_private(ip: IpAddr) -> bool {
    PRIVATE_NETWORKS.iter().any(|n| n.contains(ip))
}

/// Who can reach a port bound to a host IP, given the networks the user trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// Only the host itself.
    Loopback,
    /// Hosts on a trusted network (a private or VPN address inside `trusted-networks`).
    Trusted,
    /// Hosts on a private network that `trusted-networks` leaves out.
    Untrusted,
    /// The internet: a public address outside `trusted-networks`.
    Public,
    /// Every interface of the host.
    Wildcard,
    /// Not a bindable address.
    Invalid(InvalidAddress),
}

/// Who can reach a port bound to this host IP (as written). Loopback, wildcard and invalid
/// addresses are what they are whatever the trust; other addresses are trusted when inside
/// `trusted` (which may hold a public range a VPN uses), otherwise private or public.
pub fn reach(text: &str, trusted: &TrustedNetworks) -> Reach {
    match parse_host_ip(text) {
        Ok(Some(ip)) => reach_ip(ip, trusted),
        Ok(None) => Reach::Wildcard,
        Err(why) => Reach::Invalid(why),
    }
}

/// [`reach`] for a parsed address.
pub fn reach_ip(ip: IpAddr, trusted: &TrustedNetworks) -> Reach {
    match classify_ip(ip) {
        AddressClass::Loopback => Reach::Loopback,
        AddressClass::Wildcard => Reach::Wildcard,
        AddressClass::Invalid(why) => Reach::Invalid(why),
        _ if trusted.is_trusted(ip) => Reach::Trusted,
        AddressClass::Private => Reach::Untrusted,
        AddressClass::Public => Reach::Public,
    }
}

/// What to bind to instead, for refusals.
const BIND_INSTEAD: &str =
    "bind to 127.0.0.1, ::1 or an address on a private network (a VPN interface)";

/// Whether the fixer may bind ports to this address (`--bind`, `bind-address`): loopback or
/// inside the trusted networks. `Ok` holds the address without IPv6 brackets; `Err` says
/// what the address is and why it is refused (callers put the option and value in front).
pub fn check_bind<'a>(text: &'a str, trusted: &TrustedNetworks) -> Result<&'a str, String> {
    match reach(text, trusted) {
        Reach::Loopback | Reach::Trusted => Ok(unbracketed(text)),
        Reach::Wildcard => Err(format!(
            "a wildcard address publishes on every interface; {BIND_INSTEAD}"
        )),
        Reach::Public => Err(format!(
            "a public address is reachable from the internet; {BIND_INSTEAD}, or add its network to trusted-networks if it belongs to a VPN"
        )),
        Reach::Untrusted => Err(format!(
            "a private address outside trusted-networks ({trusted}) reaches hosts you do not trust; bind to 127.0.0.1, ::1 or an address in trusted-networks"
        )),
        Reach::Invalid(InvalidAddress::NotAnAddress) => Err(format!(
            "not an IP address (a host name is not accepted); {BIND_INSTEAD}"
        )),
        Reach::Invalid(why) => Err(format!("{}; {BIND_INSTEAD}", why.reason())),
    }
}

#[cfg(test)]
mod tests;
