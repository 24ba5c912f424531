//! The catalogue of sensitive software: `rules/catalogue.toml`, embedded in the binary.
//!
//! The TOML file documents the pattern syntax at its top. It is parsed and compiled once
//! ([`Catalogue::builtin`]) into a matcher that looks images up by exact key in hash maps
//! first and only then tries the few glob patterns, since it runs for every service of
//! every file. A broken catalogue is caught by `cargo test --lib catalog`, so
//! [`Catalogue::builtin`] can treat it as an invariant.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::compose::image::{DOCKER_HUB, ImageRef, OFFICIAL_NAMESPACE};

/// The shipped catalogue.
const BUILTIN_TOML: &str = include_str!("../rules/catalogue.toml");

/// What kind of software an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Database,
    Cache,
    Queue,
    Search,
    ObjectStore,
    Secrets,
    AdminUi,
    Observability,
    DockerApi,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 9] = [
        Category::Database,
        Category::Cache,
        Category::Queue,
        Category::Search,
        Category::ObjectStore,
        Category::Secrets,
        Category::AdminUi,
        Category::Observability,
        Category::DockerApi,
    ];

    /// The machine name, as written in TOML and configuration: `object-store`, `admin-ui`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Database => "database",
            Category::Cache => "cache",
            Category::Queue => "queue",
            Category::Search => "search",
            Category::ObjectStore => "object-store",
            Category::Secrets => "secrets",
            Category::AdminUi => "admin-ui",
            Category::Observability => "observability",
            Category::DockerApi => "docker-api",
        }
    }

    /// The human label for messages: `object store`, `admin UI`, `Docker API`.
    pub fn label(self) -> &'static str {
        match self {
            Category::Database => "database",
            Category::Cache => "cache",
            Category::Queue => "message queue",
            Category::Search => "search engine",
            Category::ObjectStore => "object store",
            Category::Secrets => "secrets store",
            Category::AdminUi => "admin UI",
            Category::Observability => "observability service",
            Category::DockerApi => "Docker API",
        }
    }
}

/// Displays the human [`label`](Category::label).
impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Parses the machine name ([`as_str`](Category::as_str)).
impl FromStr for Category {
    type Err = CatalogError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<_> = Category::ALL.iter().map(|c| c.as_str()).collect();
                CatalogError::new(format!(
                    "unknown category `{s}` (expected one of: {})",
                    known.join(", ")
                ))
            })
    }
}

/// One piece of sensitive software.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Kebab-case identifier, e.g. `postgres`.
    pub id: String,
    /// Display name, e.g. `PostgreSQL`.
    pub name: String,
    pub category: Category,
    /// Well-known container ports, primary first. Empty for a user image pattern, which
    /// names no ports: every port that service publishes counts.
    pub ports: Vec<u16>,
    /// The image patterns, as written.
    pub images: Vec<String>,
    /// Whether the entry comes from the user's configuration ([`Catalogue::with_extra`]).
    pub user_defined: bool,
}

/// An error in a catalogue or a user pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    message: String,
}

impl CatalogError {
    fn new(message: impl Into<String>) -> Self {
        CatalogError {
            message: message.into(),
        }
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CatalogError {}

// ── The TOML schema ─────────────────────────────────────────────────────────────────────────

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    entry: Vec<RawEntry>,
    #[serde(default)]
    port_fallback: BTreeMap<String, String>,
    #[serde(default)]
    reverse_proxy: RawReverseProxy,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    name: String,
    category: Category,
    images: Vec<String>,
    ports: Vec<u16>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReverseProxy {
    images: Vec<String>,
}

// ── Patterns ────────────────────────────────────────────────────────────────────────────────

/// A compiled image pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Pattern {
    /// `registry/path`, matched against the image's canonical name.
    ExactFull(String),
    /// `namespace/repository`, matched against the path and its trailing parts.
    ExactPath(String),
    /// A glob over `registry/path`.
    GlobFull(String),
    /// A glob over the path and its trailing parts.
    GlobPath(String),
}

/// Does the first component of a pattern name a registry? (Docker's rule, on a lowercase
/// pattern.)
fn names_registry(first: &str) -> bool {
    first == "localhost" || first.contains(['.', ':'])
}

fn compile_pattern(pattern: &str) -> Result<Pattern, CatalogError> {
    let err = |why: &str| {
        Err(CatalogError::new(format!(
            "image pattern `{pattern}`: {why}"
        )))
    };
    let p = pattern.trim().to_ascii_lowercase();
    if p.is_empty() {
        return err("empty");
    }
    if p.contains('@') {
        return err("patterns match repositories: remove the digest");
    }
    if p.contains('$') {
        return err("patterns cannot contain variables");
    }
    let is_glob = p.contains(['*', '?', '[', '{']);
    let (registry, rest) = match p.split_once('/') {
        Some((first, rest)) if names_registry(first) => (Some(first), rest),
        _ => (None, p.as_str()),
    };
    if rest.contains(':') {
        return err("patterns match repositories: remove the tag");
    }
    if !is_glob {
        let Some(image) = ImageRef::parse(&p) else {
            return err("not a valid image name");
        };
        return Ok(match registry {
            Some(_) => Pattern::ExactFull(image.canonical_name()),
            None => Pattern::ExactPath(image.path()),
        });
    }
    if rest.is_empty() || rest.split('/').any(str::is_empty) {
        return err("empty path component");
    }
    let glob = match registry {
        Some(registry) => {
            let registry = if registry == "index.docker.io" {
                DOCKER_HUB
            } else {
                registry
            };
            if registry == DOCKER_HUB && !rest.contains('/') {
                Pattern::GlobFull(format!("{registry}/{OFFICIAL_NAMESPACE}/{rest}"))
            } else {
                Pattern::GlobFull(format!("{registry}/{rest}"))
            }
        }
        None if !rest.contains('/') => Pattern::GlobPath(format!("{OFFICIAL_NAMESPACE}/{rest}")),
        None => Pattern::GlobPath(rest.to_string()),
    };
    let (Pattern::GlobFull(g) | Pattern::GlobPath(g)) = &glob else {
        unreachable!()
    };
    if let Err(e) = build_glob(g) {
        return err(&format!("invalid glob: {e}"));
    }
    Ok(glob)
}

fn build_glob(glob: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

/// Image patterns compiled for lookup; each pattern leads to a target index.
#[derive(Debug, Clone)]
struct Matcher {
    exact_full: HashMap<String, usize>,
    exact_path: HashMap<String, usize>,
    glob_full: GlobSet,
    glob_full_targets: Vec<usize>,
    glob_path: GlobSet,
    glob_path_targets: Vec<usize>,
}

impl Matcher {
    /// Builds from patterns in priority order: for the same exact key or for several
    /// matching globs, the pattern given first wins.
    fn build(patterns: &[(Pattern, usize)]) -> Result<Matcher, CatalogError> {
        let mut exact_full = HashMap::new();
        let mut exact_path = HashMap::new();
        let mut glob_full = GlobSetBuilder::new();
        let mut glob_full_targets = Vec::new();
        let mut glob_path = GlobSetBuilder::new();
        let mut glob_path_targets = Vec::new();
        for (pattern, target) in patterns {
            match pattern {
                Pattern::ExactFull(key) => {
                    exact_full.entry(key.clone()).or_insert(*target);
                }
                Pattern::ExactPath(key) => {
                    exact_path.entry(key.clone()).or_insert(*target);
                }
                Pattern::GlobFull(g) => {
                    glob_full.add(build_glob(g).map_err(|e| CatalogError::new(e.to_string()))?);
                    glob_full_targets.push(*target);
                }
                Pattern::GlobPath(g) => {
                    glob_path.add(build_glob(g).map_err(|e| CatalogError::new(e.to_string()))?);
                    glob_path_targets.push(*target);
                }
            }
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| CatalogError::new(e.to_string()));
        Ok(Matcher {
            exact_full,
            exact_path,
            glob_full: build(glob_full)?,
            glob_full_targets,
            glob_path: build(glob_path)?,
            glob_path_targets,
        })
    }

    /// Target of the best pattern matching `image`: exact with a registry, exact paths
    /// (whole path, official form, then trailing parts, longest first), globs with a
    /// registry, other globs.
    fn find(&self, image: &ImageRef) -> Option<usize> {
        let path = image.path();
        let full = format!("{}/{}", image.registry, path);
        if let Some(&t) = self.exact_full.get(&full) {
            return Some(t);
        }
        // A one-component path on a private registry is taken as a mirror of the official
        // image of that name.
        let official = image
            .namespace
            .is_none()
            .then(|| format!("{OFFICIAL_NAMESPACE}/{}", image.repository));
        let suffixes = path
            .match_indices('/')
            .map(|(i, _)| &path[i + 1..])
            .filter(|s| s.contains('/'));
        let candidates = || {
            std::iter::once(path.as_str())
                .chain(official.as_deref())
                .chain(suffixes.clone())
        };
        if let Some(t) = candidates().find_map(|c| self.exact_path.get(c).copied()) {
            return Some(t);
        }
        let mut hits = Vec::new();
        if !self.glob_full_targets.is_empty() {
            self.glob_full
                .matches_candidate_into(&Candidate::new(&full), &mut hits);
            if let Some(&first) = hits.iter().min() {
                return Some(self.glob_full_targets[first]);
            }
        }
        if self.glob_path_targets.is_empty() {
            return None;
        }
        let mut best: Option<usize> = None;
        for c in candidates() {
            self.glob_path
                .matches_candidate_into(&Candidate::new(c), &mut hits);
            if let Some(&first) = hits.iter().min() {
                best = Some(best.map_or(first, |b| b.min(first)));
            }
        }
        best.map(|i| self.glob_path_targets[i])
    }
}

// ── The catalogue ───────────────────────────────────────────────────────────────────────────

/// The compiled catalogue: entries, an image matcher, port fallbacks and reverse proxies.
#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: Vec<Entry>,
    /// Compiled patterns of the entries, in priority order (kept to rebuild with extras).
    patterns: Vec<(Pattern, usize)>,
    images: Matcher,
    ports: HashMap<u16, usize>,
    proxies: Matcher,
}

impl Catalogue {
    /// The shipped catalogue, parsed and compiled on first use.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Catalogue::from_toml(BUILTIN_TOML)
                .expect("rules/catalogue.toml is valid (checked by `cargo test --lib catalog`)")
        })
    }

    /// Parses and validates a catalogue in the format of `rules/catalogue.toml`.
    pub fn from_toml(text: &str) -> Result<Catalogue, CatalogError> {
        let raw: RawCatalogue =
            toml::from_str(text).map_err(|e| CatalogError::new(format!("catalogue: {e}")))?;
        let mut entries = Vec::with_capacity(raw.entry.len());
        let mut patterns = Vec::new();
        let mut ids = HashMap::new();
        let mut seen_patterns: HashMap<Pattern, String> = HashMap::new();
        for (index, e) in raw.entry.into_iter().enumerate() {
            let at = |why: String| CatalogError::new(format!("entry `{}`: {why}", e.id));
            if !is_kebab_case(&e.id) {
                return Err(at("id must be kebab-case".into()));
            }
            if ids.insert(e.id.clone(), index).is_some() {
                return Err(at("duplicate id".into()));
            }
            if e.name.trim().is_empty() {
                return Err(at("empty name".into()));
            }
            if e.images.is_empty() {
                return Err(at("no image patterns".into()));
            }
            if e.ports.is_empty() {
                return Err(at("no ports".into()));
            }
            if e.ports.contains(&0) {
                return Err(at("port 0".into()));
            }
            if e.ports.iter().collect::<HashSet<_>>().len() != e.ports.len() {
                return Err(at("duplicate port".into()));
            }
            for image in &e.images {
                let pattern = compile_pattern(image).map_err(|err| at(err.to_string()))?;
                if let Some(other) = seen_patterns.insert(pattern.clone(), e.id.clone()) {
                    return Err(at(format!(
                        "image pattern `{image}` is also claimed by `{other}`"
                    )));
                }
                patterns.push((pattern, index));
            }
            entries.push(Entry {
                id: e.id,
                name: e.name,
                category: e.category,
                ports: e.ports,
                images: e.images,
                user_defined: false,
            });
        }
        let mut ports = HashMap::new();
        for (port, id) in &raw.port_fallback {
            let at = |why: &str| CatalogError::new(format!("port_fallback `{port}`: {why}"));
            let number: u16 = port.parse().map_err(|_| at("not a port number"))?;
            if number == 0 {
                return Err(at("port 0"));
            }
            let &index = ids
                .get(id)
                .ok_or_else(|| at(&format!("unknown entry `{id}`")))?;
            if !entries[index].ports.contains(&number) {
                return Err(at(&format!("not one of the ports of `{id}`")));
            }
            ports.insert(number, index);
        }
        let mut proxy_patterns = Vec::new();
        for (index, image) in raw.reverse_proxy.images.iter().enumerate() {
            let pattern = compile_pattern(image)
                .map_err(|e| CatalogError::new(format!("reverse_proxy: {e}")))?;
            if proxy_patterns.iter().any(|(p, _)| *p == pattern) {
                return Err(CatalogError::new(format!(
                    "reverse_proxy: duplicate image pattern `{image}`"
                )));
            }
            proxy_patterns.push((pattern, index));
        }
        Ok(Catalogue {
            images: Matcher::build(&patterns)?,
            proxies: Matcher::build(&proxy_patterns)?,
            entries,
            patterns,
            ports,
        })
    }

    /// The built-in catalogue extended with user image patterns and ports.
    ///
    /// Each user image pattern becomes an entry of its own (`id` `user:PATTERN`, no ports:
    /// every port the service publishes counts, `user_defined`). It wins over a built-in
    /// pattern of the same kind (an exact `grafana/grafana` re-categorises Grafana; a glob
    /// wins over built-in globs), while exact patterns still beat globs. A user port the
    /// catalogue already knows keeps its entry; another becomes an entry `port-N` of
    /// category database. Invalid patterns are skipped: check them first with
    /// [`Catalogue::try_with_extra`] to report them.
    pub fn with_extra(extra_images: &[(String, Category)], extra_ports: &[u16]) -> Catalogue {
        let valid: Vec<(String, Category)> = extra_images
            .iter()
            .filter(|(p, _)| compile_pattern(p).is_ok())
            .cloned()
            .collect();
        Catalogue::try_with_extra(&valid, extra_ports)
            .expect("valid user patterns and the built-in catalogue always compile")
    }

    /// Like [`Catalogue::with_extra`], but fails on the first invalid user pattern.
    pub fn try_with_extra(
        extra_images: &[(String, Category)],
        extra_ports: &[u16],
    ) -> Result<Catalogue, CatalogError> {
        let base = Catalogue::builtin();
        let mut entries = base.entries.clone();
        let mut patterns = Vec::with_capacity(extra_images.len() + base.patterns.len());
        for (image, category) in extra_images {
            let pattern = compile_pattern(image)?;
            patterns.push((pattern, entries.len()));
            entries.push(Entry {
                id: format!("user:{}", image.trim()),
                name: image.trim().to_string(),
                category: *category,
                ports: Vec::new(),
                images: vec![image.clone()],
                user_defined: true,
            });
        }
        patterns.extend(base.patterns.iter().cloned());
        let mut ports = base.ports.clone();
        for &port in extra_ports {
            if port == 0 || ports.contains_key(&port) {
                continue;
            }
            ports.insert(port, entries.len());
            entries.push(Entry {
                id: format!("port-{port}"),
                name: format!("port {port}"),
                category: Category::Database,
                ports: vec![port],
                images: Vec::new(),
                user_defined: true,
            });
        }
        Ok(Catalogue {
            images: Matcher::build(&patterns)?,
            proxies: base.proxies.clone(),
            entries,
            patterns,
            ports,
        })
    }

    /// The entry whose image patterns match `image`, if any.
    pub fn match_image(&self, image: &ImageRef) -> Option<&Entry> {
        self.images.find(image).map(|i| &self.entries[i])
    }

    /// The entry known for a container port, for services whose image is unknown or built
    /// locally. Only ports with an unambiguous owner are known (`[port_fallback]`).
    pub fn match_port(&self, container_port: u16) -> Option<&Entry> {
        self.ports.get(&container_port).map(|&i| &self.entries[i])
    }

    /// Whether `image` is a reverse proxy, public on purpose when it publishes 80/443.
    pub fn is_reverse_proxy(&self, image: &ImageRef) -> bool {
        self.proxies.find(image).is_some()
    }

    /// The entry with this id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// All entries, built-in ones in file order, then user ones.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The ports known without an image, ascending, with their entries.
    pub fn fallback_ports(&self) -> Vec<(u16, &Entry)> {
        let mut ports: Vec<_> = self
            .ports
            .iter()
            .map(|(&p, &i)| (p, &self.entries[i]))
            .collect();
        ports.sort_by_key(|&(p, _)| p);
        ports
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// `[a-z0-9]+(-[a-z0-9]+)*`
fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests;
