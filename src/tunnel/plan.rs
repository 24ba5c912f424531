//! The pieces of a tunnel that do not depend on the output format: the ssh destination,
//! pass-through `-o` options, local port choice and shell quoting.

use std::collections::BTreeSet;

/// `[user@]host` as given to `--host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub user: Option<String>,
    /// The host name or address, IPv6 without brackets.
    pub host: String,
}

impl Destination {
    /// Parses `user@server`, `server`, `user@[::1]` or `user@::1`. A port is not accepted
    /// here (`--port` says it in every output format).
    pub fn parse(text: &str) -> Result<Destination, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("--host is empty: give the server as user@server".into());
        }
        check_word("--host", text)?;
        let (user, host) = match text.rsplit_once('@') {
            Some((user, host)) => {
                if user.is_empty() {
                    return Err(format!("--host {text:?}: the user before `@` is empty"));
                }
                (Some(user.to_string()), host)
            }
            None => (None, text),
        };
        let host = if let Some(inner) = host.strip_prefix('[') {
            let inner = inner
                .strip_suffix(']')
                .ok_or_else(|| format!("--host {text:?}: unclosed `[`"))?;
            if inner.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("--host {text:?}: {inner:?} is not an IPv6 address"));
            }
            inner
        } else {
            host
        };
        if host.is_empty() {
            return Err(format!("--host {text:?}: the host is empty"));
        }
        if host.contains(':') && host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(match host.rsplit_once(':') {
                Some((_, port)) if port.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("--host {text:?}: give the ssh port with --port {port}, not in --host")
                }
                _ => format!("--host {text:?}: not a host name or address"),
            });
        }
        if host.contains(['/', '\\', '@']) {
            return Err(format!("--host {text:?}: not a host name or address"));
        }
        Ok(Destination {
            user,
            host: host.to_string(),
        })
    }

    /// As ssh takes it on its command line: `user@server`.
    pub fn to_ssh_arg(&self) -> String {
        match &self.user {
            Some(user) => format!("{user}@{}", self.host),
            None => self.host.clone(),
        }
    }

    /// The default `Host` alias of the ssh-config block: `<host>-tunnel`, so that a plain
    /// `ssh server` does not open the forwards too.
    pub fn default_alias(&self) -> String {
        let host: String = self
            .host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let host = host.trim_matches('-');
        let host = if host.is_empty() { "server" } else { host };
        format!("{host}-tunnel")
    }
}

/// A value that becomes one word of an ssh command or ssh_config line: no blanks, no control
/// characters, and not starting with `-` (it would be read as an option).
pub fn check_word(what: &str, text: &str) -> Result<(), String> {
    if text.starts_with('-') {
        return Err(format!("{what} {text:?} must not start with `-`"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{what} {text:?} must not contain blanks"));
    }
    if text.contains(['"', '\'', '#']) {
        return Err(format!("{what} {text:?} must not contain quotes or `#`"));
    }
    Ok(())
}

/// The `ssh -J` / `ProxyJump` value: `[user@]host[:port]`, or several separated by commas.
pub fn check_jump(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("--jump is empty: give the jump host as user@bastion".into());
    }
    check_word("--jump", text)
}

/// The `Host` alias of the ssh-config block: one literal name, no patterns.
pub fn check_alias(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("--alias is empty".into());
    }
    check_word("--alias", text)?;
    if text.contains(['*', '?', '!', ',']) {
        return Err(format!(
            "--alias {text:?} must be one name, not an ssh_config pattern"
        ));
    }
    Ok(())
}

/// An ssh option given with `--ssh-option KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshOption {
    pub key: String,
    pub value: String,
}

impl SshOption {
    pub fn parse(text: &str) -> Result<SshOption, String> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| format!("--ssh-option {text:?}: expected KEY=VALUE"))?;
        let key = key.trim();
        let value = value.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "--ssh-option {text:?}: the key must be an ssh_config keyword (letters and digits)"
            ));
        }
        if value.is_empty() {
            return Err(format!("--ssh-option {text:?}: the value is empty"));
        }
        if value.chars().any(char::is_control) || value.contains('"') {
            return Err(format!(
                "--ssh-option {text:?}: the value must not hold control characters or `\"`"
            ));
        }
        Ok(SshOption {
            key: key.to_string(),
            value: value.to_string(),
        })
    }

    /// `Key=Value`, as `ssh -o` takes it.
    pub fn to_arg(&self) -> String {
        format!("{}={}", self.key, self.value)
    }

    /// `Key Value`, as an ssh_config line takes it.
    pub fn to_config(&self) -> String {
        if self.value.contains(char::is_whitespace) {
            format!("{} \"{}\"", self.key, self.value)
        } else {
            format!("{} {}", self.key, self.value)
        }
    }
}

/// The lowest local port handed out when a port wraps around.
pub const FIRST_UNPRIVILEGED: u16 = 1024;

/// The local port a remote port would like: `remote + offset`; when that is above 65535,
/// `remote - offset` if it stays at or above 1024, else the overflow wrapped into
/// 1024..=65535.
pub fn preferred_local(remote: u16, offset: u16) -> u16 {
    let sum = u32::from(remote) + u32::from(offset);
    if sum <= 65535 {
        return sum as u16;
    }
    if u32::from(remote) >= u32::from(offset) + u32::from(FIRST_UNPRIVILEGED) {
        return remote - offset;
    }
    let span = 65536 - u32::from(FIRST_UNPRIVILEGED);
    (u32::from(FIRST_UNPRIVILEGED) + (sum - 65536) % span) as u16
}

/// Hands out local ports in order: each gets the port it wants, or the next free one
/// (wrapping from 65535 to 1024). `None` when every port is taken.
#[derive(Debug, Default)]
pub struct LocalPorts {
    used: BTreeSet<u16>,
}

impl LocalPorts {
    pub fn take(&mut self, wanted: u16) -> Option<u16> {
        let mut port = wanted;
        for _ in 0..=65536u32 {
            if port != 0 && self.used.insert(port) {
                return Some(port);
            }
            port = if port == 65535 {
                FIRST_UNPRIVILEGED
            } else {
                port + 1
            };
        }
        None
    }
}

/// One shell word: left as it is when it holds only safe characters, else single-quoted
/// (`'15432:[::1]:5432'`: brackets are a glob pattern to sh and an error in zsh).
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        let d = Destination::parse("deploy@db.example.com").unwrap();
        assert_eq!(d.user.as_deref(), Some("deploy"));
        assert_eq!(d.host, "db.example.com");
        assert_eq!(d.to_ssh_arg(), "deploy@db.example.com");
        assert_eq!(d.default_alias(), "db.example.com-tunnel");
        let d = Destination::parse("server").unwrap();
        assert_eq!((d.user, d.host.as_str()), (None, "server"));
        let d = Destination::parse("root@[::1]").unwrap();
        assert_eq!(d.host, "::1");
        assert_eq!(d.to_ssh_arg(), "root@::1");
        assert_eq!(d.default_alias(), "1-tunnel");
        assert_eq!(Destination::parse("me@fe80::1").unwrap().host, "fe80::1");
        for bad in [
            "",
            "@server",
            "me@",
            "me@server:2222",
            "-oProxyCommand=x",
            "me@ser ver",
            "me@[server]",
            "me@[::1",
        ] {
            assert!(Destination::parse(bad).is_err(), "{bad}");
        }
        assert!(
            Destination::parse("me@server:2222")
                .unwrap_err()
                .contains("--port 2222")
        );
    }

    #[test]
    fn ssh_options() {
        let o = SshOption::parse("IdentityFile=~/.ssh/id_db").unwrap();
        assert_eq!(o.to_arg(), "IdentityFile=~/.ssh/id_db");
        assert_eq!(o.to_config(), "IdentityFile ~/.ssh/id_db");
        let o = SshOption::parse("ProxyCommand=nc %h %p").unwrap();
        assert_eq!(o.to_config(), "ProxyCommand \"nc %h %p\"");
        for bad in ["NoEquals", "=x", "Key=", "Bad-Key=1", "Key=a\nb"] {
            assert!(SshOption::parse(bad).is_err(), "{bad}");
        }
        assert!(check_alias("db*").is_err());
        assert!(check_jump("-oProxyCommand=x").is_err());
        assert!(check_jump("me@bastion:2222,other").is_ok());
    }

    #[test]
    fn preferred_local_ports() {
        assert_eq!(preferred_local(5432, 10000), 15432);
        assert_eq!(preferred_local(5432, 0), 5432);
        assert_eq!(preferred_local(55535, 10000), 65535);
        assert_eq!(preferred_local(55536, 10000), 45536);
        assert_eq!(preferred_local(65535, 10000), 55535);
        // remote - offset would fall below 1024: the overflow wraps to 1024 and up.
        assert_eq!(preferred_local(600, 65000), 1088);
        assert_eq!(preferred_local(65535, 65535), 2046);
        for remote in [1u16, 80, 1023, 1024, 30000, 65535] {
            for offset in [1u16, 1000, 10000, 40000, 65535] {
                assert!(preferred_local(remote, offset) >= 1, "{remote} {offset}");
            }
        }
    }

    #[test]
    fn local_ports_take_the_next_free_one() {
        let mut ports = LocalPorts::default();
        assert_eq!(ports.take(15432), Some(15432));
        assert_eq!(ports.take(15432), Some(15433));
        assert_eq!(ports.take(15433), Some(15434));
        assert_eq!(ports.take(65535), Some(65535));
        assert_eq!(ports.take(65535), Some(1024));
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("15432:127.0.0.1:5432"), "15432:127.0.0.1:5432");
        assert_eq!(shell_quote("15432:[::1]:5432"), "'15432:[::1]:5432'");
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(shell_quote(""), "''");
    }
}
