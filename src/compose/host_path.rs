//! Host paths as the kernel resolves them, and home directories.
//!
//! Compose passes a bind source to the engine as written once `~` is expanded (`/etc/..`,
//! `//var//run/./docker.sock` and `/etc/` are printed unchanged by `docker-compose config`);
//! the kernel then resolves it: `/etc/..` is `/`. Rules compare the resolved path.
//! `~`, `$HOME`, `${HOME}` (and `${HOME:-...}`) at the start are the user's home directory
//! whatever it is on the machine that runs Compose: compose-go joins the home directory with
//! everything after `~` (`~/.ssh`; even `~root/x` is `$HOME/root/x`). A literal
//! `/home/<user>/...` or `/root/...` is also a home directory (docs/compose-facts.md, section 17).

use std::fmt;

/// An absolute host path, resolved lexically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPath {
    /// Written relative to the home directory (`~`, `$HOME`, `${HOME}`).
    pub home: bool,
    /// The path, absolute and normalised: `/` alone for the home directory itself when
    /// `home` is set.
    pub path: String,
}

impl HostPath {
    /// The host path of a bind source: `raw` as written, `interpolated` after interpolation.
    /// `None` for a relative path (relative to the project folder), a Windows path or a
    /// volume name.
    pub fn of_source(raw: &str, interpolated: &str) -> Option<HostPath> {
        if let Some(rest) = after_home(raw) {
            // The rest of the path is the interpolated text after the same prefix (variables
            // in the rest are rare; then the whole interpolated text is the guide).
            let rest = interpolated
                .strip_prefix('~')
                .filter(|_| raw.starts_with('~'))
                .unwrap_or(rest);
            return Some(HostPath {
                home: true,
                path: normalise_absolute(&format!("/{rest}")),
            });
        }
        interpolated.starts_with('/').then(|| HostPath {
            home: false,
            path: normalise_absolute(interpolated),
        })
    }

    /// The path inside a home directory: for `~/...`, `/home/<user>/...` and `/root/...`
    /// (`/` for the home directory itself).
    pub fn in_home(&self) -> Option<String> {
        if self.home {
            return Some(self.path.clone());
        }
        let rest = if let Some(rest) = self.path.strip_prefix("/home/") {
            let user_end = rest.find('/').unwrap_or(rest.len());
            &rest[user_end..]
        } else if self.path == "/root" || self.path.starts_with("/root/") {
            &self.path["/root".len()..]
        } else {
            return None;
        };
        Some(if rest.is_empty() {
            "/".to_string()
        } else {
            rest.to_string()
        })
    }
}

impl fmt::Display for HostPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.home, self.path.as_str()) {
            (true, "/") => write!(f, "~"),
            (true, path) => write!(f, "~{path}"),
            (false, path) => write!(f, "{path}"),
        }
    }
}

/// The text after a leading home-directory reference (`~`, `$HOME`, `${HOME}`,
/// `${HOME:-default}` ...), without the separating slash.
fn after_home(raw: &str) -> Option<&str> {
    let rest = if let Some(rest) = raw.strip_prefix('~') {
        rest
    } else if let Some(rest) = raw.strip_prefix("$HOME") {
        if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        rest
    } else if let Some(rest) = raw.strip_prefix("${HOME") {
        if !rest.starts_with(['}', ':', '-', '?']) {
            return None;
        }
        &rest[rest.find('}')? + 1..]
    } else {
        return None;
    };
    Some(rest.trim_start_matches('/'))
}

/// An absolute path resolved like the kernel resolves it without symbolic links: empty and
/// `.` components dropped, `..` removes the one before (and stays at `/`), no trailing slash.
pub fn normalise_absolute(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    if parts.is_empty() {
        return "/".to_string();
    }
    let mut out = String::with_capacity(path.len());
    for part in parts {
        out.push('/');
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(raw: &str) -> Option<String> {
        HostPath::of_source(raw, raw).map(|h| h.to_string())
    }

    #[test]
    fn paths_resolve_as_the_kernel_does() {
        assert_eq!(normalise_absolute("/etc/.."), "/");
        assert_eq!(normalise_absolute("/.."), "/");
        assert_eq!(
            normalise_absolute("//var//run/./docker.sock"),
            "/var/run/docker.sock"
        );
        assert_eq!(normalise_absolute("/etc/"), "/etc");
        assert_eq!(normalise_absolute("/var/run/../run/x/"), "/var/run/x");
        assert_eq!(host("/etc/../etc/shadow").as_deref(), Some("/etc/shadow"));
        assert_eq!(host("./data"), None);
        assert_eq!(host("data"), None);
        assert_eq!(host("C:\\x"), None);
    }

    #[test]
    fn home_directories() {
        assert_eq!(host("~").as_deref(), Some("~"));
        assert_eq!(host("~/").as_deref(), Some("~"));
        assert_eq!(host("~/.ssh/").as_deref(), Some("~/.ssh"));
        assert_eq!(host("~root/x").as_deref(), Some("~/root/x"));
        assert_eq!(host("~/.aws/../.kube").as_deref(), Some("~/.kube"));
        // `$HOME` is interpolated; the raw text says it is the home directory.
        let h = HostPath::of_source("$HOME/.aws", "/home/alice/.aws").unwrap();
        assert_eq!(h.to_string(), "~/.aws");
        let h = HostPath::of_source("${HOME}/.kube", "/root/.kube").unwrap();
        assert_eq!(h.to_string(), "~/.kube");
        let h = HostPath::of_source("${HOME:-/root}/.docker", "/root/.docker").unwrap();
        assert_eq!(h.to_string(), "~/.docker");
        // `$HOMEDIR` is another variable.
        let h = HostPath::of_source("$HOMEDIR/x", "/srv/x").unwrap();
        assert_eq!((h.home, h.path.as_str()), (false, "/srv/x"));
        let lit = HostPath::of_source("/home/bob/.ssh", "/home/bob/.ssh").unwrap();
        assert_eq!(lit.in_home().as_deref(), Some("/.ssh"));
        let root = HostPath::of_source("/root", "/root").unwrap();
        assert_eq!(root.in_home().as_deref(), Some("/"));
        let etc = HostPath::of_source("/etc", "/etc").unwrap();
        assert_eq!(etc.in_home(), None);
    }
}
