//! Image reference normalisation.
//!
//! `docker.io/library/postgres:16@sha256:…`, `postgres`, `library/postgres` and
//! `index.docker.io/library/postgres:latest` all name the same repository. [`ImageRef::parse`]
//! splits a reference the way Docker's reference grammar (`distribution/reference`,
//! `ParseNormalizedNamed`) does:
//!
//! * `reference := name [ ":" tag ] [ "@" digest ]`, `name := [ domain "/" ] path`;
//! * the first path component is a registry (domain) when it contains `.` or `:`, is
//!   `localhost`, or is not all lowercase (Docker's own rule: `MyHost/app` names the host
//!   `MyHost`); otherwise the registry is `docker.io`;
//! * `index.docker.io` is the legacy name of `docker.io`;
//! * a one-component name on Docker Hub is an official image under `library/`;
//! * the tag follows the last `:` of the last component; the digest follows `@`;
//! * repository path components must be lowercase (`[a-z0-9]` with `.`, `_`, `__`, `-`
//!   separators); tags are `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; the registry is compared
//!   case-insensitively (it is a host name) and is stored lowercase.
//!
//! Compose interpolation (`${VAR}`, `${VAR:-default}`, `$VAR`, `$$`) may appear anywhere:
//! it is treated as opaque text that never splits the reference, so
//! `postgres:${PG_VERSION:-16}` has the tag `${PG_VERSION:-16}` and `${REGISTRY}/app` has the
//! registry `${REGISTRY}` (a first component that holds a variable is taken as a registry,
//! the common convention). Such a reference never fails for its variables alone;
//! [`ImageRef::has_interpolation`] tells that it was not fully resolved.

use std::fmt;

/// Docker Hub, the default registry.
pub const DOCKER_HUB: &str = "docker.io";
/// The legacy name of Docker Hub, normalised to [`DOCKER_HUB`].
const LEGACY_DOCKER_HUB: &str = "index.docker.io";
/// Namespace of Docker's official images.
pub const OFFICIAL_NAMESPACE: &str = "library";
/// Docker's limit on the length of a name (registry and path, without tag or digest).
const NAME_TOTAL_LENGTH_MAX: usize = 255;
/// Docker's limit on the length of a tag.
const TAG_LENGTH_MAX: usize = 128;

/// A normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host (and port), lowercase; `docker.io` when none is given.
    pub registry: String,
    /// Everything between the registry and the last component, e.g. `library`, `bitnami`,
    /// `grafana`, or `a/b` for `ghcr.io/a/b/c`. `None` for a one-component name on a
    /// registry other than Docker Hub (`localhost:5000/app`).
    pub namespace: Option<String>,
    /// The last path component, e.g. `postgres`.
    pub repository: String,
    /// The tag as written (tags are case-sensitive), without `:`.
    pub tag: Option<String>,
    /// The digest as written, without `@`, e.g. `sha256:…`.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses and normalises an image reference. Returns `None` for an empty or clearly
    /// invalid reference (uppercase or illegal characters in the repository path, empty
    /// components, an empty tag or digest, a malformed digest, a `:` followed by `/`).
    /// Surrounding whitespace is ignored.
    pub fn parse(reference: &str) -> Option<ImageRef> {
        Self::parse_checked(reference.trim()).ok()
    }

    /// [`ImageRef::parse`] without trimming, telling what is wrong with an invalid reference
    /// (Docker's `distribution/reference` grammar; a space anywhere is invalid).
    pub fn parse_checked(s: &str) -> Result<ImageRef, InvalidReference> {
        if s.is_empty() {
            return Err(InvalidReference::Empty);
        }
        let mask = interpolation_mask(s);
        let find = |from: usize, to: usize, c: u8| -> Option<usize> {
            (from..to).find(|&i| !mask[i] && s.as_bytes()[i] == c)
        };
        let rfind = |from: usize, to: usize, c: u8| -> Option<usize> {
            (from..to).rev().find(|&i| !mask[i] && s.as_bytes()[i] == c)
        };

        // Digest: after the first '@'.
        let (name_end, digest) = match find(0, s.len(), b'@') {
            Some(at) => {
                let digest = &s[at + 1..];
                if !valid_digest(digest, &mask[at + 1..]) {
                    return Err(InvalidReference::Digest);
                }
                (at, Some(digest.to_string()))
            }
            None => (s.len(), None),
        };

        // Registry: the first component, if it looks like a host.
        let (registry, path_start) = match find(0, name_end, b'/') {
            Some(slash) if is_domain(&s[..slash], &mask[..slash]) => {
                if !valid_registry(&s[..slash], &mask[..slash]) {
                    return Err(InvalidReference::Registry);
                }
                (normalise_registry(&s[..slash], &mask[..slash]), slash + 1)
            }
            _ => (DOCKER_HUB.to_string(), 0),
        };

        // Tag: after the last ':' of the remainder, which must not be followed by a '/'.
        let (path_end, tag) = match rfind(path_start, name_end, b':') {
            Some(colon) => {
                if find(colon, name_end, b'/').is_some() {
                    return Err(InvalidReference::Path);
                }
                let tag = &s[colon + 1..name_end];
                if !valid_tag(tag, &mask[colon + 1..name_end]) {
                    return Err(InvalidReference::Tag);
                }
                (colon, Some(tag.to_string()))
            }
            None => (name_end, None),
        };

        // Path components.
        let mut components = Vec::new();
        let mut start = path_start;
        loop {
            let end = find(start, path_end, b'/').unwrap_or(path_end);
            let component = &s[start..end];
            if !valid_component(component, &mask[start..end]) {
                return Err(
                    if plain_bytes(component, &mask[start..end]).any(|c| c.is_ascii_uppercase()) {
                        InvalidReference::Uppercase
                    } else {
                        InvalidReference::Path
                    },
                );
            }
            components.push(component);
            if end == path_end {
                break;
            }
            start = end + 1;
        }
        let any_mask = mask.iter().any(|&m| m);
        if !any_mask && path_end > NAME_TOTAL_LENGTH_MAX {
            return Err(InvalidReference::TooLong);
        }

        let repository = components.pop().ok_or(InvalidReference::Path)?.to_string();
        let namespace = if components.is_empty() {
            (registry == DOCKER_HUB).then(|| OFFICIAL_NAMESPACE.to_string())
        } else {
            Some(components.join("/"))
        };
        Ok(ImageRef {
            registry,
            namespace,
            repository,
            tag,
            digest,
        })
    }

    /// `namespace/repository` without the registry, e.g. `library/postgres`,
    /// `bitnami/postgresql`; just `repository` when there is no namespace.
    pub fn path(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.repository),
            None => self.repository.clone(),
        }
    }

    /// Canonical `registry/namespace/repository`, without tag or digest,
    /// e.g. `docker.io/library/postgres`.
    pub fn canonical_name(&self) -> String {
        format!("{}/{}", self.registry, self.path())
    }

    /// Whether the reference floats: it has no digest, and its tag is absent or `latest`.
    /// A digest pins the image whatever the tag says, so `postgres@sha256:…` and
    /// `postgres:latest@sha256:…` are not floating. A tag that is still a variable
    /// (`postgres:${TAG}`) is not known to be `latest`, so it is not reported.
    pub fn is_latest_or_untagged(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref().is_none_or(|t| t == "latest")
    }

    /// Whether the reference carries a digest.
    pub fn is_pinned_by_digest(&self) -> bool {
        self.digest.is_some()
    }

    /// Whether the image lives on Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        self.registry == DOCKER_HUB
    }

    /// Whether the image is a Docker official image (`docker.io/library/…`).
    pub fn is_official(&self) -> bool {
        self.is_docker_hub() && self.namespace.as_deref() == Some(OFFICIAL_NAMESPACE)
    }

    /// Whether any part still holds a Compose variable (`$…`).
    pub fn has_interpolation(&self) -> bool {
        self.registry.contains('$')
            || self.namespace.as_deref().is_some_and(|n| n.contains('$'))
            || self.repository.contains('$')
            || self.tag.as_deref().is_some_and(|t| t.contains('$'))
            || self.digest.as_deref().is_some_and(|d| d.contains('$'))
    }
}

/// Why a reference is not a valid image reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidReference {
    Empty,
    /// The registry is not a host name or address with an optional numeric port
    /// (`my_registry.example.com`: `_` is not allowed in a host name).
    Registry,
    /// A repository path component holds an uppercase letter.
    Uppercase,
    /// A repository path component is empty or holds a character or separator the grammar
    /// does not allow (`a//b`, `-app`, `app_`, a space).
    Path,
    /// The tag is empty, does not start with a letter, digit or `_`, holds a character other
    /// than `[A-Za-z0-9_.-]`, or is longer than 128 characters.
    Tag,
    /// The digest is not `algorithm:hex` with at least 32 hex digits.
    Digest,
    /// The name is longer than 255 characters.
    TooLong,
}

impl fmt::Display for InvalidReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "it is empty",
            Self::Registry => {
                "its registry is not a host name (letters, digits, `-` and `.`; no `_`) with an optional numeric port"
            }
            Self::Uppercase => "a repository name must be lowercase",
            Self::Path => {
                "its repository path holds an empty component or a character Docker does not allow (`[a-z0-9]` separated by `.`, `_`, `__` or `-`)"
            }
            Self::Tag => {
                "its tag must be 1 to 128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`"
            }
            Self::Digest => "its digest is not `algorithm:hex` (at least 32 hex digits)",
            Self::TooLong => "its name is longer than 255 characters",
        })
    }
}

/// The fully normalised reference: `docker.io/library/postgres:16@sha256:…`.
impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.path())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// For each byte of `s`, whether it belongs to a Compose interpolation: `${…}` (nested
/// braces allowed; an unclosed one runs to the end), `$NAME`, or the `$$` escape.
fn interpolation_mask(s: &str) -> Vec<bool> {
    let b = s.as_bytes();
    let mut mask = vec![false; b.len()];
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' || i + 1 >= b.len() {
            i += 1;
            continue;
        }
        let end = match b[i + 1] {
            b'$' => i + 2,
            b'{' => {
                let mut depth = 0usize;
                let mut j = i + 1;
                let mut end = b.len();
                while j < b.len() {
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = j + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                end
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                let mut j = i + 1;
                while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric()) {
                    j += 1;
                }
                j
            }
            _ => {
                i += 1;
                continue;
            }
        };
        mask[i..end].iter_mut().for_each(|m| *m = true);
        i = end;
    }
    mask
}

/// Unmasked bytes of a part, paired with their mask.
fn plain_bytes<'a>(part: &'a str, mask: &'a [bool]) -> impl Iterator<Item = u8> + 'a {
    part.bytes().zip(mask).filter(|(_, m)| !**m).map(|(c, _)| c)
}

/// Docker's `splitDockerDomain`: is this first component a registry?
fn is_domain(first: &str, mask: &[bool]) -> bool {
    mask.iter().any(|&m| m)
        || first == "localhost"
        || plain_bytes(first, mask).any(|c| c == b'.' || c == b':' || c.is_ascii_uppercase())
}

/// A host name, an IPv4 or bracketed IPv6 address, with an optional numeric port.
fn valid_registry(registry: &str, mask: &[bool]) -> bool {
    if registry.is_empty() {
        return false;
    }
    if mask.iter().any(|&m| m) {
        return plain_bytes(registry, mask)
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']'));
    }
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
        {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("", Some(port)),
                None => return false,
            },
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
    let host_ok = registry.starts_with('[')
        || host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        });
    port_ok && host_ok
}

fn normalise_registry(registry: &str, mask: &[bool]) -> String {
    let lowered: String = registry
        .char_indices()
        .map(|(i, c)| if mask[i] { c } else { c.to_ascii_lowercase() })
        .collect();
    if lowered == LEGACY_DOCKER_HUB {
        DOCKER_HUB.to_string()
    } else {
        lowered
    }
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`, variables allowed anywhere.
fn valid_component(component: &str, mask: &[bool]) -> bool {
    if component.is_empty() {
        return false;
    }
    let b = component.as_bytes();
    let is_sep = |c: u8| matches!(c, b'.' | b'_' | b'-');
    let mut prev_sep: Option<u8> = None;
    let mut sep_run = 0usize;
    for (i, &c) in b.iter().enumerate() {
        if mask[i] {
            prev_sep = None;
            sep_run = 0;
            continue;
        }
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            prev_sep = None;
            sep_run = 0;
        } else if is_sep(c) {
            if i == 0 {
                return false;
            }
            match prev_sep {
                None => {}
                // `__` and `--…` are separators; `._`, `..`, `___`, `-_` are not.
                Some(b'_') if c == b'_' && sep_run == 1 => {}
                Some(b'-') if c == b'-' => {}
                Some(_) => return false,
            }
            prev_sep = Some(c);
            sep_run += 1;
        } else {
            return false;
        }
    }
    // Must not end with a separator (unless the end is a variable).
    mask[b.len() - 1] || !is_sep(b[b.len() - 1])
}

/// `[\w][\w.-]{0,127}`, variables allowed anywhere.
fn valid_tag(tag: &str, mask: &[bool]) -> bool {
    if tag.is_empty() {
        return false;
    }
    let b = tag.as_bytes();
    let first_ok = mask[0] || b[0].is_ascii_alphanumeric() || b[0] == b'_';
    if !first_ok {
        return false;
    }
    if !mask.iter().any(|&m| m) && b.len() > TAG_LENGTH_MAX {
        return false;
    }
    plain_bytes(tag, mask).all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// `algorithm:encoded`, algorithm `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*`,
/// encoded at least 32 hex digits; variables allowed anywhere.
fn valid_digest(digest: &str, mask: &[bool]) -> bool {
    if digest.is_empty() {
        return false;
    }
    if mask.iter().any(|&m| m) {
        // `@${DIGEST}` or `sha256:${HASH}`: only reject characters that are never valid.
        return plain_bytes(digest, mask)
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b':' | b'-' | b'_' | b'+' | b'.'));
    }
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(|part| {
        part.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && part.bytes().all(|c| c.is_ascii_alphanumeric())
    });
    algorithm_ok && encoded.len() >= 32 && encoded.bytes().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests;
