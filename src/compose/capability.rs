//! Linux capabilities as the Docker daemon reads `cap_add` and `cap_drop`.
//!
//! Measured on dockerd 20.10 and matching moby's `NormalizeLegacyCapabilities`: `ALL` in any
//! case means every capability; any other name is upper-cased and given the `CAP_` prefix
//! when it lacks one (`sys_admin` is `CAP_SYS_ADMIN`), with no trimming; a name that is not a
//! capability makes the daemon refuse the container (`invalid CapAdd: unknown capability:
//! "CAP_ALL"`). So `CAP_ALL` and `cap_all` are not "every capability" but unknown names.
//! Compose passes the names through unchanged (`docker-compose config` keeps `CAP_ALL`).

/// The capabilities of Linux 5.9 and later (0 to 40), without the `CAP_` prefix. An older
/// daemon may not know the last ones (dockerd 20.10 refuses `BPF`, `PERFMON` and
/// `CHECKPOINT_RESTORE`); composeguard accepts them all.
pub const KNOWN: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// One `cap_add` / `cap_drop` entry as the daemon reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capability {
    /// `ALL`, any case: every capability.
    All,
    /// A capability, named without `CAP_` (`SYS_ADMIN`).
    Known(&'static str),
    /// Not a capability: the daemon refuses it. Named as the daemon names it (`CAP_ALL`).
    Unknown(String),
}

impl Capability {
    pub fn parse(text: &str) -> Capability {
        if text.eq_ignore_ascii_case("ALL") {
            return Capability::All;
        }
        let upper = text.to_ascii_uppercase();
        let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
        match KNOWN.iter().find(|k| **k == bare) {
            Some(known) => Capability::Known(known),
            None => Capability::Unknown(format!("CAP_{bare}")),
        }
    }

    /// `ALL`, the capability without `CAP_`, or the unknown name with it.
    pub fn name(&self) -> &str {
        match self {
            Capability::All => "ALL",
            Capability::Known(name) => name,
            Capability::Unknown(name) => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_the_daemon_reads_them() {
        assert_eq!(Capability::parse("ALL"), Capability::All);
        assert_eq!(Capability::parse("all"), Capability::All);
        assert_eq!(
            Capability::parse("sys_admin"),
            Capability::Known("SYS_ADMIN")
        );
        assert_eq!(
            Capability::parse("CAP_SYS_NICE"),
            Capability::Known("SYS_NICE")
        );
        assert_eq!(Capability::parse("cap_lease"), Capability::Known("LEASE"));
        assert_eq!(
            Capability::parse("CAP_ALL"),
            Capability::Unknown("CAP_ALL".into())
        );
        assert_eq!(
            Capability::parse("cap_all"),
            Capability::Unknown("CAP_ALL".into())
        );
        assert_eq!(
            Capability::parse(" NET_ADMIN"),
            Capability::Unknown("CAP_ NET_ADMIN".into())
        );
        assert_eq!(Capability::parse("FOO").name(), "CAP_FOO");
    }
}
