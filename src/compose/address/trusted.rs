//! The networks whose hosts may reach a port (`trusted-networks` in composeguard.toml).

use std::fmt;
use std::net::IpAddr;

use super::{Cidr, PRIVATE_NETWORKS};

/// The trusted networks: by default the private ranges ([`PRIVATE_NETWORKS`]); a config's
/// `trusted-networks` replaces them (to narrow trust to a WireGuard subnet, or to add a
/// VPN's public range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedNetworks {
    networks: Vec<Cidr>,
}

impl Default for TrustedNetworks {
    fn default() -> Self {
        TrustedNetworks::new(PRIVATE_NETWORKS.to_vec())
    }
}

impl TrustedNetworks {
    pub fn new(networks: Vec<Cidr>) -> Self {
        TrustedNetworks { networks }
    }

    /// One `trusted-networks` entry: a [`Cidr`], but not a `/0`, which would trust the
    /// whole internet.
    pub fn parse_entry(text: &str) -> Result<Cidr, String> {
        let cidr = Cidr::parse(text)?;
        if cidr.prefix() == 0 {
            return Err(format!(
                "{text:?} trusts every address, the internet included: list the networks you trust (e.g. 10.8.0.0/24)"
            ));
        }
        Ok(cidr)
    }

    /// Whether an address is inside one of the networks (IPv4-mapped as IPv4).
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(ip))
    }

    pub fn networks(&self) -> &[Cidr] {
        &self.networks
    }
}

/// `10.0.0.0/8, fc00::/7`, or `none` for an empty list.
impl fmt::Display for TrustedNetworks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.networks.is_empty() {
            return f.write_str("none");
        }
        for (i, n) in self.networks.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n}")?;
        }
        Ok(())
    }
}
