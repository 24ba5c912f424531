//! The catalogue of sensitive software: `rules/catalogue.toml`, embedded in the binary.
//!
//! The TOML file documents the pattern syntax at its top. `build.rs` loads and validates it
//! at build time, with the same code as [`Catalogue::from_toml`] (`catalog/load.rs`), and
//! writes it out as static tables, so the built-in catalogue costs next to nothing at
//! start-up ([`Catalogue::builtin`]). Lookup runs for every service of every file: images are
//! looked up by exact key first, by binary search in sorted tables over the pieces of the
//! image name (nothing is allocated), and only then tried against the few glob patterns.
//! Globs made of literal components and `*` (`*/postgres`, `quay.io/acme/*`) are matched
//! component by component; any other glob is compiled with globset on first use.

mod clue_index;
pub mod listing;
mod load;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};

use globset::GlobMatcher;

use crate::compose::image::{ImageRef, OFFICIAL_NAMESPACE};
pub use clue_index::{ClueIndex, program_key, words};
#[cfg(test)]
use load::is_kebab_case;
pub use load::{CatalogError, Category, Entry, EntryClues, SharedClues};
use load::{Pattern, Tables, build_glob, compile_pattern};
#[cfg(test)]
use std::collections::{HashMap, HashSet};

/// The shipped catalogue, as text (`build.rs` compiles it into [`builtin`]).
#[cfg(test)]
const BUILTIN_TOML: &str = include_str!("../rules/catalogue.toml");

/// The shipped catalogue as static tables, written by `build.rs` from `rules/catalogue.toml`.
mod builtin {
    use super::{Category, StaticEntry, StaticLayer};
    use std::borrow::Cow;

    include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));
}

/// An entry of the built-in catalogue, as `build.rs` writes it.
struct StaticEntry {
    id: &'static str,
    name: &'static str,
    category: Category,
    ports: &'static [u16],
    images: &'static [&'static str],
    tokens: &'static [&'static str],
    env: &'static [&'static str],
    volumes: &'static [&'static str],
    commands: &'static [&'static str],
    healthchecks: &'static [&'static str],
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Compiled patterns of the built-in catalogue, as `build.rs` writes them ([`Tables`]).
struct StaticLayer {
    exact_full: &'static [(Cow<'static, str>, usize)],
    exact_path: &'static [(Cow<'static, str>, usize)],
    glob_full: &'static [(&'static str, usize)],
    glob_path: &'static [(&'static str, usize)],
}

// ── Names ───────────────────────────────────────────────────────────────────────────────────

/// A name made of pieces joined by `/` (`registry`, `namespace`, `repository`), compared and
/// matched without building the string.
#[derive(Clone, Copy)]
struct Name<'a> {
    pieces: [&'a str; 3],
    len: usize,
}

impl<'a> Name<'a> {
    fn one(a: &'a str) -> Self {
        Name {
            pieces: [a, "", ""],
            len: 1,
        }
    }

    fn two(a: &'a str, b: &'a str) -> Self {
        Name {
            pieces: [a, b, ""],
            len: 2,
        }
    }

    fn three(a: &'a str, b: &'a str, c: &'a str) -> Self {
        Name {
            pieces: [a, b, c],
            len: 3,
        }
    }

    fn pieces(&self) -> &[&'a str] {
        &self.pieces[..self.len]
    }

    /// `key` compared with the joined name, byte by byte, as `str` compares.
    fn cmp_key(&self, key: &str) -> Ordering {
        let mut key = key.as_bytes();
        for (i, piece) in self.pieces().iter().enumerate() {
            if i > 0 {
                match key.split_first() {
                    None => return Ordering::Less,
                    Some((&b'/', rest)) => key = rest,
                    Some((&c, _)) => return c.cmp(&b'/'),
                }
            }
            let piece = piece.as_bytes();
            let n = key.len().min(piece.len());
            match key[..n].cmp(&piece[..n]) {
                Ordering::Equal if key.len() < piece.len() => return Ordering::Less,
                Ordering::Equal => key = &key[n..],
                other => return other,
            }
        }
        if key.is_empty() {
            Ordering::Equal
        } else {
            Ordering::Greater
        }
    }

    fn joined(&self) -> String {
        self.pieces().join("/")
    }
}

/// `registry/path` of an image.
fn full_name(image: &ImageRef) -> Name<'_> {
    match &image.namespace {
        Some(ns) => Name::three(&image.registry, ns, &image.repository),
        None => Name::two(&image.registry, &image.repository),
    }
}

/// The names an image's path is looked up by, in priority order: the path, its official
/// form (`library/NAME`) for a one-component path, then its trailing parts of two
/// components or more, longest first (a mirror or proxy cache:
/// `public.ecr.aws/docker/library/postgres` is `library/postgres`).
fn path_names(image: &ImageRef) -> impl Iterator<Item = Name<'_>> + Clone {
    let repo = image.repository.as_str();
    let ns = image.namespace.as_deref();
    let path = match ns {
        Some(ns) => Name::two(ns, repo),
        None => Name::one(repo),
    };
    // A one-component path on a private registry is taken as a mirror of the official
    // image of that name.
    let official = ns.is_none().then(|| Name::two(OFFICIAL_NAMESPACE, repo));
    let ns_suffixes = ns
        .into_iter()
        .flat_map(|ns| ns.match_indices('/').map(move |(i, _)| &ns[i + 1..]))
        .map(move |rest| Name::two(rest, repo));
    // A repository holds a `/` only inside an unresolved variable; the joined path is split
    // there too, as the string would be.
    let joint = (ns.is_some() && repo.contains('/')).then(|| Name::one(repo));
    let repo_suffixes = repo
        .match_indices('/')
        .map(move |(i, _)| &repo[i + 1..])
        .filter(|rest| rest.contains('/'))
        .map(Name::one);
    std::iter::once(path)
        .chain(official)
        .chain(ns_suffixes)
        .chain(joint)
        .chain(repo_suffixes)
}

// ── Patterns compiled for lookup ────────────────────────────────────────────────────────────

/// Exact keys sorted by key (byte order), each with its target.
type Keys = Cow<'static, [(Cow<'static, str>, usize)]>;

fn get(keys: &Keys, name: Name) -> Option<usize> {
    keys.binary_search_by(|(key, _)| name.cmp_key(key))
        .ok()
        .map(|i| keys[i].1)
}

/// A glob pattern (already validated by [`compile_pattern`]).
#[derive(Debug, Clone)]
struct Glob {
    pattern: Cow<'static, str>,
    target: usize,
    /// `None` for a glob of literal components and `*` (matched by [`Glob::matches`] itself);
    /// otherwise the globset matcher, compiled on first use.
    compiled: Option<OnceLock<Option<GlobMatcher>>>,
    /// Where the last component starts, when the glob is simple and that component is a
    /// literal: only a name ending with that component can match.
    literal_last: Option<usize>,
}

impl Glob {
    fn new(pattern: Cow<'static, str>, target: usize) -> Glob {
        let simple = pattern
            .split('/')
            .all(|c| c == "*" || !c.contains(['*', '?', '[', ']', '{', '}', '\\']));
        let last = pattern.rfind('/').map_or(0, |i| i + 1);
        let literal_last = (simple && &pattern[last..] != "*").then_some(last);
        Glob {
            pattern,
            target,
            compiled: (!simple).then(OnceLock::new),
            literal_last,
        }
    }

    fn literal_last(&self) -> Option<&str> {
        self.literal_last.map(|at| &self.pattern[at..])
    }

    fn matches(&self, name: Name) -> bool {
        match &self.compiled {
            None => {
                // As globset with `literal_separator`: `*` is any one component. Compared
                // from the end, where names differ most.
                let mut glob = self.pattern.rsplit('/');
                for piece in name.pieces().iter().rev() {
                    for component in piece.rsplit('/') {
                        match glob.next() {
                            Some("*") => {}
                            Some(literal) if literal == component => {}
                            _ => return false,
                        }
                    }
                }
                glob.next().is_none()
            }
            Some(compiled) => compiled
                .get_or_init(|| build_glob(&self.pattern).ok().map(|g| g.compile_matcher()))
                .as_ref()
                .is_some_and(|m| m.is_match(name.joined())),
        }
    }
}

/// Globs in priority order, indexed by their literal last component.
#[derive(Debug, Clone, Default)]
struct GlobList {
    globs: Vec<Glob>,
    /// Positions of the globs with a literal last component, sorted by it (then by position).
    by_last: Vec<usize>,
    /// Positions of the other globs, ascending.
    others: Vec<usize>,
}

impl GlobList {
    fn new(globs: Vec<Glob>) -> GlobList {
        let (mut by_last, others): (Vec<usize>, Vec<usize>) =
            (0..globs.len()).partition(|&i| globs[i].literal_last.is_some());
        by_last.sort_by(|&a, &b| globs[a].literal_last().cmp(&globs[b].literal_last()));
        GlobList {
            globs,
            by_last,
            others,
        }
    }

    fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// The first glob (in priority order) for which `matches` holds, among those that can
    /// match a name whose last component is `last`.
    fn first(&self, last: &str, matches: impl Fn(&Glob) -> bool) -> Option<&Glob> {
        if self.globs.is_empty() {
            return None;
        }
        let key = |&i: &usize| self.globs[i].literal_last().unwrap_or_default();
        let from = self.by_last.partition_point(|i| key(i) < last);
        let len = self.by_last[from..].partition_point(|i| key(i) == last);
        let mut best: Option<usize> = None;
        for &i in self.by_last[from..from + len].iter().chain(&self.others) {
            if best.is_none_or(|b| i < b) && matches(&self.globs[i]) {
                best = Some(i);
            }
        }
        best.map(|i| &self.globs[i])
    }
}

/// One set of patterns: the user's, or a catalogue's.
#[derive(Debug, Clone)]
struct Layer {
    exact_full: Keys,
    exact_path: Keys,
    glob_full: GlobList,
    glob_path: GlobList,
}

impl Layer {
    /// From patterns in priority order: for the same exact key or for several matching
    /// globs, the pattern given first wins.
    fn new(patterns: &[(Pattern, usize)]) -> Layer {
        let t = Tables::new(patterns);
        let keys = |list: Vec<(String, usize)>| -> Keys {
            list.into_iter().map(|(k, t)| (Cow::Owned(k), t)).collect()
        };
        let globs = |list: Vec<(String, usize)>| {
            GlobList::new(
                list.into_iter()
                    .map(|(g, t)| Glob::new(Cow::Owned(g), t))
                    .collect(),
            )
        };
        Layer {
            exact_full: keys(t.exact_full),
            exact_path: keys(t.exact_path),
            glob_full: globs(t.glob_full),
            glob_path: globs(t.glob_path),
        }
    }

    fn from_static(s: &'static StaticLayer) -> Layer {
        let globs = |list: &'static [(&'static str, usize)]| {
            GlobList::new(
                list.iter()
                    .map(|&(g, t)| Glob::new(Cow::Borrowed(g), t))
                    .collect(),
            )
        };
        Layer {
            exact_full: Cow::Borrowed(s.exact_full),
            exact_path: Cow::Borrowed(s.exact_path),
            glob_full: globs(s.glob_full),
            glob_path: globs(s.glob_path),
        }
    }

    fn is_empty(&self) -> bool {
        self.exact_full.is_empty()
            && self.exact_path.is_empty()
            && self.glob_full.is_empty()
            && self.glob_path.is_empty()
    }

    /// The lookup tables, for comparing catalogues in tests.
    #[cfg(test)]
    fn tables(&self) -> Tables {
        let keys = |k: &Keys| k.iter().map(|(k, t)| (k.to_string(), *t)).collect();
        let globs = |g: &GlobList| {
            g.globs
                .iter()
                .map(|g| (g.pattern.to_string(), g.target))
                .collect()
        };
        Tables {
            exact_full: keys(&self.exact_full),
            exact_path: keys(&self.exact_path),
            glob_full: globs(&self.glob_full),
            glob_path: globs(&self.glob_path),
        }
    }
}

/// Image patterns compiled for lookup, in layers of decreasing priority (the user's patterns,
/// then the catalogue's); each pattern leads to a target index.
#[derive(Debug, Clone)]
struct Matcher {
    layers: Vec<Layer>,
}

impl Matcher {
    /// Target of the best pattern matching `image`: exact with a registry, exact paths
    /// (whole path, official form, then trailing parts, longest first), globs with a
    /// registry, other globs. Within a kind, an earlier layer wins, then the pattern given
    /// first.
    fn find(&self, image: &ImageRef) -> Option<usize> {
        let full = full_name(image);
        let layers = &self.layers;
        if let Some(t) = layers.iter().find_map(|l| get(&l.exact_full, full)) {
            return Some(t);
        }
        let paths = path_names(image);
        if let Some(t) = paths
            .clone()
            .find_map(|name| layers.iter().find_map(|l| get(&l.exact_path, name)))
        {
            return Some(t);
        }
        // Every name looked up ends with the last component of the repository.
        let last = image.repository.rsplit('/').next().unwrap_or_default();
        if let Some(g) = layers
            .iter()
            .find_map(|l| l.glob_full.first(last, |g| g.matches(full)))
        {
            return Some(g.target);
        }
        layers
            .iter()
            .find_map(|l| {
                l.glob_path
                    .first(last, |g| paths.clone().any(|name| g.matches(name)))
            })
            .map(|g| g.target)
    }
}

// ── The catalogue ───────────────────────────────────────────────────────────────────────────

/// The compiled catalogue: entries, an image matcher, port fallbacks and reverse proxies.
#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: Vec<Entry>,
    images: Matcher,
    /// Container port to entry, ascending by port.
    ports: Cow<'static, [(u16, usize)]>,
    proxies: Matcher,
    shared: Arc<SharedClues>,
    /// The entries' clues indexed, built on first use.
    clues: OnceLock<ClueIndex>,
}

impl Catalogue {
    /// The shipped catalogue, built from the tables `build.rs` wrote on first use.
    pub fn builtin() -> &'static Catalogue {
        Catalogue::shared_builtin_ref()
    }

    /// The shipped catalogue, shared: a configuration that adds nothing to it holds this.
    pub fn shared_builtin() -> Arc<Catalogue> {
        Arc::clone(Catalogue::shared_builtin_ref())
    }

    fn shared_builtin_ref() -> &'static Arc<Catalogue> {
        static BUILTIN: OnceLock<Arc<Catalogue>> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let entries = builtin::ENTRIES
                .iter()
                .map(|e| Entry {
                    id: e.id.to_string(),
                    name: e.name.to_string(),
                    category: e.category,
                    ports: e.ports.to_vec(),
                    images: strings(e.images),
                    user_defined: false,
                    clues: EntryClues {
                        tokens: strings(e.tokens),
                        env: strings(e.env),
                        volumes: strings(e.volumes),
                        commands: strings(e.commands),
                        healthchecks: strings(e.healthchecks),
                    },
                })
                .collect();
            let shared = SharedClues {
                look_alike_tokens: strings(builtin::LOOK_ALIKE_TOKENS),
                service_names: builtin::SERVICE_NAMES
                    .iter()
                    .map(|&(t, c)| (t.to_string(), c))
                    .collect(),
                generic_ports: builtin::GENERIC_PORTS.to_vec(),
            };
            Arc::new(Catalogue {
                entries,
                images: Matcher {
                    layers: vec![Layer::from_static(&builtin::IMAGES)],
                },
                ports: Cow::Borrowed(builtin::PORTS),
                proxies: Matcher {
                    layers: vec![Layer::from_static(&builtin::PROXIES)],
                },
                shared: Arc::new(shared),
                clues: OnceLock::new(),
            })
        })
    }

    /// Parses and validates a catalogue in the format of `rules/catalogue.toml`.
    pub fn from_toml(text: &str) -> Result<Catalogue, CatalogError> {
        let loaded = load::load(text)?;
        Ok(Catalogue {
            entries: loaded.entries,
            images: Matcher {
                layers: vec![Layer::new(&loaded.patterns)],
            },
            ports: Cow::Owned(loaded.ports),
            proxies: Matcher {
                layers: vec![Layer::new(&loaded.proxies)],
            },
            shared: Arc::new(loaded.shared),
            clues: OnceLock::new(),
        })
    }

    /// The built-in catalogue extended with user image patterns and ports.
    ///
    /// Each user image pattern becomes an entry of its own (`id` `user:PATTERN`, no ports:
    /// every port that service publishes counts, `user_defined`). It wins over a built-in
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
        let mut patterns = Vec::with_capacity(extra_images.len());
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
                clues: EntryClues::default(),
            });
        }
        let mut layers = Vec::with_capacity(base.images.layers.len() + 1);
        let user = Layer::new(&patterns);
        if !user.is_empty() {
            layers.push(user);
        }
        layers.extend(base.images.layers.iter().cloned());
        let mut ports = base.ports.to_vec();
        for &port in extra_ports {
            if port == 0 {
                continue;
            }
            let Err(at) = ports.binary_search_by_key(&port, |&(p, _)| p) else {
                continue;
            };
            ports.insert(at, (port, entries.len()));
            entries.push(Entry {
                id: format!("port-{port}"),
                name: format!("port {port}"),
                category: Category::Database,
                ports: vec![port],
                images: Vec::new(),
                user_defined: true,
                clues: EntryClues::default(),
            });
        }
        Ok(Catalogue {
            images: Matcher { layers },
            proxies: base.proxies.clone(),
            entries,
            ports: Cow::Owned(ports),
            shared: Arc::clone(&base.shared),
            clues: OnceLock::new(),
        })
    }

    /// This catalogue with products of the user's (`[[sensitive.products]]`): their image
    /// patterns win over the catalogue's, as user patterns do; their other clues are weighed
    /// like any entry's.
    pub fn try_with_products(&self, products: Vec<Entry>) -> Result<Catalogue, CatalogError> {
        if products.is_empty() {
            return Ok(self.clone());
        }
        let mut entries = self.entries.clone();
        let mut patterns = Vec::new();
        for product in products {
            let at = |why: String| CatalogError::new(format!("product `{}`: {why}", product.name));
            if product.name.is_empty() {
                return Err(CatalogError::new("a product needs a name"));
            }
            if entries.iter().any(|e| e.id == product.id) {
                return Err(at("named twice".into()));
            }
            product.clues.validate().map_err(at)?;
            for image in &product.images {
                patterns.push((
                    compile_pattern(image).map_err(|e| at(e.to_string()))?,
                    entries.len(),
                ));
            }
            entries.push(product);
        }
        let mut layers = vec![Layer::new(&patterns)];
        layers.extend(self.images.layers.iter().cloned());
        Ok(Catalogue {
            entries,
            images: Matcher { layers },
            ports: self.ports.clone(),
            proxies: self.proxies.clone(),
            shared: Arc::clone(&self.shared),
            clues: OnceLock::new(),
        })
    }

    /// The entry whose image patterns match `image`, if any.
    pub fn match_image(&self, image: &ImageRef) -> Option<&Entry> {
        self.match_image_index(image).map(|i| &self.entries[i])
    }

    /// Like [`Catalogue::match_image`], as an index into [`Catalogue::entries`].
    pub fn match_image_index(&self, image: &ImageRef) -> Option<usize> {
        self.images.find(image)
    }

    /// The entry known for a container port, for services whose image is unknown or built
    /// locally. Only ports with an unambiguous owner are known (`[port_fallback]`).
    pub fn match_port(&self, container_port: u16) -> Option<&Entry> {
        self.match_port_index(container_port)
            .map(|i| &self.entries[i])
    }

    /// Like [`Catalogue::match_port`], as an index into [`Catalogue::entries`].
    pub fn match_port_index(&self, container_port: u16) -> Option<usize> {
        self.ports
            .binary_search_by_key(&container_port, |&(p, _)| p)
            .ok()
            .map(|i| self.ports[i].1)
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

    /// The lowest port known without an image in `start..=end`, with its entry's index.
    pub fn fallback_in(&self, start: u16, end: u16) -> Option<(u16, usize)> {
        let at = self.ports.partition_point(|&(p, _)| p < start);
        self.ports.get(at).copied().filter(|&(p, _)| p <= end)
    }

    /// The ports known without an image, ascending, with their entries.
    pub fn fallback_ports(&self) -> Vec<(u16, &Entry)> {
        self.ports
            .iter()
            .map(|&(p, i)| (p, &self.entries[i]))
            .collect()
    }

    /// Clues that are not one product's: look-alike tokens, service-name hints.
    pub fn shared_clues(&self) -> &SharedClues {
        &self.shared
    }

    /// The entries' clues, indexed for lookup.
    pub fn clues(&self) -> &ClueIndex {
        self.clues
            .get_or_init(|| ClueIndex::new(&self.entries, &self.shared))
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

#[cfg(test)]
mod tests;
