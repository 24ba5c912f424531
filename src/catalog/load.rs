//! Parsing and validating a catalogue in the format of `rules/catalogue.toml`.
//!
//! Shared by the crate ([`Catalogue::from_toml`](super::Catalogue::from_toml)) and by
//! `build.rs`, which loads the shipped catalogue at build time and writes it out as static
//! tables: the two cannot disagree on what the file means. Depends only on
//! `crate::compose::image` (which `build.rs` provides too), serde, toml and globset.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use globset::GlobBuilder;
use serde::{Deserialize, Serialize};

use crate::compose::image::{DOCKER_HUB, ImageRef, OFFICIAL_NAMESPACE};

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
    /// Whether the entry comes from the user's configuration
    /// ([`Catalogue::with_extra`](super::Catalogue::with_extra)).
    pub user_defined: bool,
    /// What identifies the product besides its image patterns.
    pub clues: EntryClues,
}

/// What identifies a product besides its image patterns (`rules/catalogue.toml` documents
/// each kind; `crate::sensitivity` weighs them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EntryClues {
    /// Lowercase product-name tokens, found in an image's last path component or a service
    /// name split on `-`, `_` and `.`; a token holding `-` is a run of tokens.
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Environment variable names the product's image reads; a trailing `*` is a prefix.
    #[serde(default)]
    pub env: Vec<String>,
    /// The product's data directories in the container.
    #[serde(default)]
    pub volumes: Vec<String>,
    /// Programs that run the product's server (`redis-server`, `mongod`).
    #[serde(default)]
    pub commands: Vec<String>,
    /// Words or phrases of a healthcheck that checks the product (`pg_isready`).
    #[serde(default)]
    pub healthchecks: Vec<String>,
}

impl EntryClues {
    /// Checks the spelling of every clue.
    pub(crate) fn validate(&self) -> Result<(), String> {
        for token in &self.tokens {
            let ok = !token.is_empty()
                && token.split('-').all(|t| {
                    !t.is_empty()
                        && t.bytes()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                });
            if !ok {
                return Err(format!(
                    "token `{token}`: lowercase letters and digits, runs joined by `-`"
                ));
            }
        }
        for name in &self.env {
            let bare = name.strip_suffix('*').unwrap_or(name);
            let ok = bare
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
                && bare
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.');
            if !ok {
                return Err(format!("env `{name}`: not a variable name (or prefix*)"));
            }
        }
        for path in &self.volumes {
            if !path.starts_with('/') || path.len() < 2 || path.ends_with('/') {
                return Err(format!(
                    "volume `{path}`: an absolute path without a trailing `/`"
                ));
            }
        }
        for word in self.commands.iter().chain(&self.healthchecks) {
            if word.trim().is_empty() || word.trim() != word {
                return Err(format!("command or healthcheck `{word}`: empty or padded"));
            }
        }
        Ok(())
    }
}

/// Clues that are not one product's (`[evidence]` in the catalogue).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedClues {
    /// Tokens that make a name a tool around a product (an exporter, a backup job).
    pub look_alike_tokens: Vec<String>,
    /// Service-name tokens that hint at a category (`db`: a database).
    pub service_names: Vec<(String, Category)>,
    /// Ports so many kinds of software use (8080, 3000) that they are no clue of a product.
    pub generic_ports: Vec<u16>,
}

/// An error in a catalogue or a user pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    message: String,
}

impl CatalogError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
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
    #[serde(default)]
    evidence: RawEvidence,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    name: String,
    category: Category,
    images: Vec<String>,
    ports: Vec<u16>,
    // The clues, as in `EntryClues` (serde cannot flatten with `deny_unknown_fields`).
    #[serde(default)]
    tokens: Vec<String>,
    #[serde(default)]
    env: Vec<String>,
    #[serde(default)]
    volumes: Vec<String>,
    #[serde(default)]
    commands: Vec<String>,
    #[serde(default)]
    healthchecks: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEvidence {
    #[serde(default)]
    look_alike_tokens: Vec<String>,
    /// Category (machine name) to service-name tokens.
    #[serde(default)]
    service_names: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    generic_ports: Vec<u16>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReverseProxy {
    images: Vec<String>,
}

// ── Patterns ────────────────────────────────────────────────────────────────────────────────

/// A compiled image pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Pattern {
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

pub(crate) fn compile_pattern(pattern: &str) -> Result<Pattern, CatalogError> {
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

pub(crate) fn build_glob(glob: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

// ── Loading ─────────────────────────────────────────────────────────────────────────────────

/// A catalogue as loaded and validated, before it is compiled for lookup.
pub(crate) struct Loaded {
    pub entries: Vec<Entry>,
    /// The image patterns of the entries, in priority order (file order), with their entry.
    pub patterns: Vec<(Pattern, usize)>,
    /// `[port_fallback]`: container port to entry, ascending by port.
    pub ports: Vec<(u16, usize)>,
    /// `[reverse_proxy]` image patterns, in file order, with their position.
    pub proxies: Vec<(Pattern, usize)>,
    /// `[evidence]`.
    pub shared: SharedClues,
}

/// Parses and validates a catalogue.
pub(crate) fn load(text: &str) -> Result<Loaded, CatalogError> {
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
        let clues = EntryClues {
            tokens: e.tokens.clone(),
            env: e.env.clone(),
            volumes: e.volumes.clone(),
            commands: e.commands.clone(),
            healthchecks: e.healthchecks.clone(),
        };
        clues.validate().map_err(&at)?;
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
            clues,
        });
    }
    // Keys are strings: `80` and `080` are the same port, and the later one wins.
    let mut ports = BTreeMap::new();
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
    let mut proxies = Vec::new();
    for (index, image) in raw.reverse_proxy.images.iter().enumerate() {
        let pattern =
            compile_pattern(image).map_err(|e| CatalogError::new(format!("reverse_proxy: {e}")))?;
        if proxies.iter().any(|(p, _)| *p == pattern) {
            return Err(CatalogError::new(format!(
                "reverse_proxy: duplicate image pattern `{image}`"
            )));
        }
        proxies.push((pattern, index));
    }
    let shared = load_shared(raw.evidence, &entries)?;
    Ok(Loaded {
        entries,
        patterns,
        ports: ports.into_iter().collect(),
        proxies,
        shared,
    })
}

/// `[evidence]`, validated: a look-alike token is no entry's token.
fn load_shared(raw: RawEvidence, entries: &[Entry]) -> Result<SharedClues, CatalogError> {
    let at = |why: String| CatalogError::new(format!("evidence: {why}"));
    let clues = EntryClues {
        tokens: raw.look_alike_tokens.clone(),
        ..EntryClues::default()
    };
    clues.validate().map_err(at)?;
    for token in &raw.look_alike_tokens {
        if let Some(e) = entries.iter().find(|e| e.clues.tokens.contains(token)) {
            return Err(at(format!(
                "look-alike token `{token}` is a token of `{}`",
                e.id
            )));
        }
    }
    let mut service_names = Vec::new();
    for (category, tokens) in raw.service_names {
        let category: Category = category.parse()?;
        EntryClues {
            tokens: tokens.clone(),
            ..EntryClues::default()
        }
        .validate()
        .map_err(at)?;
        service_names.extend(tokens.into_iter().map(|t| (t, category)));
    }
    Ok(SharedClues {
        look_alike_tokens: raw.look_alike_tokens,
        service_names,
        generic_ports: raw.generic_ports,
    })
}

/// Patterns sorted out by kind for lookup: exact keys sorted by key (byte order), one target
/// each, the pattern given first winning; globs in priority order.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Tables {
    pub exact_full: Vec<(String, usize)>,
    pub exact_path: Vec<(String, usize)>,
    pub glob_full: Vec<(String, usize)>,
    pub glob_path: Vec<(String, usize)>,
}

impl Tables {
    /// From patterns in priority order.
    pub fn new(patterns: &[(Pattern, usize)]) -> Tables {
        let mut t = Tables::default();
        for (pattern, target) in patterns {
            let (list, key) = match pattern {
                Pattern::ExactFull(k) => (&mut t.exact_full, k),
                Pattern::ExactPath(k) => (&mut t.exact_path, k),
                Pattern::GlobFull(g) => (&mut t.glob_full, g),
                Pattern::GlobPath(g) => (&mut t.glob_path, g),
            };
            list.push((key.clone(), *target));
        }
        for keys in [&mut t.exact_full, &mut t.exact_path] {
            // A stable sort keeps equal keys in priority order; `dedup_by` keeps the first.
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            keys.dedup_by(|later, first| later.0 == first.0);
        }
        t
    }
}

/// `[a-z0-9]+(-[a-z0-9]+)*`
pub(crate) fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}
