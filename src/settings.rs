//! What the rules need to know from the configuration and the command line.

use crate::compose::address::TrustedNetworks;

/// Linting settings, resolved from defaults, the config file and the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address the fixer binds exposed ports to (`127.0.0.1`, `::1`, or an address in `trusted`).
    pub bind_address: String,
    /// Services (by name) that are public on purpose.
    pub public_services: Vec<String>,
    /// Images (by repository path, e.g. `library/nginx` or `nginx`) that are public on purpose.
    pub public_images: Vec<String>,
    /// Networks whose hosts may reach a port (`trusted-networks`; default: the private ranges).
    pub trusted: TrustedNetworks,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind_address: "127.0.0.1".into(),
            public_services: Vec::new(),
            public_images: Vec::new(),
            trusted: TrustedNetworks::default(),
        }
    }
}

impl Settings {
    /// The bind address as it goes in front of a short-syntax port (`[::1]` for IPv6).
    pub fn bind_prefix(&self) -> String {
        if self.bind_address.contains(':') && !self.bind_address.starts_with('[') {
            format!("[{}]", self.bind_address)
        } else {
            self.bind_address.clone()
        }
    }

    /// The bind address as a `host_ip` value (no brackets).
    pub fn bind_host_ip(&self) -> &str {
        self.bind_address
            .trim_start_matches('[')
            .trim_end_matches(']')
    }
}
