//! The clues a service's profile gives about what it is, per catalogue entry.

use crate::catalog::{Catalogue, Category, words};
use crate::compose::image::ImageRef;

use super::profile::Profile;

/// One piece of evidence that a service is a catalogued product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clue {
    /// The image matches one of the product's image patterns.
    Image(String),
    /// A volume is mounted at the product's data directory.
    DataDirectory(String),
    /// The command or entrypoint runs the product's server program.
    Command(String),
    /// The healthcheck checks the product.
    Healthcheck(String),
    /// The image is unknown (built locally, a variable) and the reported binding publishes a
    /// port that only this product uses.
    UnambiguousPort(u16),
    /// The image's name holds the product's name as a token: `(token, image)`.
    ImageToken(String, String),
    /// Environment variables the product's image reads.
    Environment(Vec<String>),
    /// The reported binding publishes one of the product's well-known ports.
    Port(u16),
    /// The service's name holds the product's name, or a word for its category (`db`).
    ServiceName(String),
}

/// Kinds of weak clues: two of different kinds corroborate each other. The image's name and
/// the service's name are one kind: authors name a service after its image
/// (`node-redis-app` built as `acme/node-redis-app`), so the two are not independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WeakKind {
    Name,
    Environment,
    Port,
}

impl Clue {
    /// A strong clue decides alone: the service is the product.
    pub fn is_strong(&self) -> bool {
        matches!(
            self,
            Clue::Image(_)
                | Clue::DataDirectory(_)
                | Clue::Command(_)
                | Clue::Healthcheck(_)
                | Clue::UnambiguousPort(_)
        )
    }

    /// The order clues are shown in: strong ones first, the port last.
    pub fn rank(&self) -> u8 {
        match self {
            Clue::Image(_) => 0,
            Clue::DataDirectory(_) => 1,
            Clue::Command(_) => 2,
            Clue::Healthcheck(_) => 3,
            Clue::UnambiguousPort(_) => 4,
            Clue::ImageToken(..) => 5,
            Clue::Environment(_) => 6,
            Clue::ServiceName(_) => 7,
            Clue::Port(_) => 8,
        }
    }

    /// The kind of a weak clue (`None` for a strong one).
    pub fn weak_kind(&self) -> Option<WeakKind> {
        match self {
            Clue::ImageToken(..) | Clue::ServiceName(_) => Some(WeakKind::Name),
            Clue::Environment(_) => Some(WeakKind::Environment),
            Clue::Port(_) => Some(WeakKind::Port),
            _ => None,
        }
    }
}

/// The clues of one service that do not depend on a port, by entry.
#[derive(Debug, Clone, Default)]
pub struct ServiceClues {
    /// The entry the image names, if any: it decides.
    pub image_entry: Option<usize>,
    /// Built locally or named by a variable: an unambiguous port decides.
    pub image_unknown: bool,
    /// Clues per entry, ascending by entry.
    pub by_entry: Vec<(usize, Vec<Clue>)>,
    /// Categories the service's name hints at (`db`), with that word.
    pub name_hints: Vec<(Category, String)>,
}

impl ServiceClues {
    fn add(&mut self, entry: usize, clue: Clue) {
        let at = match self.by_entry.binary_search_by_key(&entry, |(e, _)| *e) {
            Ok(at) => at,
            Err(at) => {
                self.by_entry.insert(at, (entry, Vec::new()));
                at
            }
        };
        let clues = &mut self.by_entry[at].1;
        match (
            clue,
            clues.iter_mut().find(|c| matches!(c, Clue::Environment(_))),
        ) {
            (Clue::Environment(names), Some(Clue::Environment(known))) => {
                for name in names {
                    if !known.contains(&name) {
                        known.push(name);
                    }
                }
            }
            (clue, _) => {
                let kind = |c: &Clue| std::mem::discriminant(c);
                // One clue of each kind per entry: the first found is the one shown.
                if !clues.iter().any(|c| kind(c) == kind(&clue)) {
                    clues.push(clue);
                }
            }
        }
    }

    /// The clues of `entry` that do not depend on a port.
    pub fn of(&self, entry: usize) -> &[Clue] {
        self.by_entry
            .binary_search_by_key(&entry, |(e, _)| *e)
            .map(|at| self.by_entry[at].1.as_slice())
            .unwrap_or(&[])
    }
}

/// Gathers what a profile says, entry by entry.
pub fn gather(profile: &Profile, catalogue: &Catalogue) -> ServiceClues {
    let mut clues = gather_names(profile, catalogue);
    gather_contents(profile, catalogue, &mut clues);
    clues
}

/// What the image and the service's names say: enough when the image is catalogued.
pub fn gather_names(profile: &Profile, catalogue: &Catalogue) -> ServiceClues {
    let index = catalogue.clues();
    let mut clues = ServiceClues {
        image_unknown: profile.image_unknown,
        ..ServiceClues::default()
    };
    if let Some(text) = &profile.image
        && let Some(image) = ImageRef::parse(text)
    {
        if let Some(entry) = catalogue.match_image_index(&image) {
            clues.image_entry = Some(entry);
            clues.add(entry, Clue::Image(text.clone()));
        } else {
            let last = image.repository.rsplit('/').next().unwrap_or_default();
            for (entry, token) in name_tokens(last, catalogue) {
                clues.add(entry, Clue::ImageToken(token, text.clone()));
            }
        }
    }
    let service_tokens = split_name(&profile.name);
    if !service_tokens.iter().any(|t| index.is_look_alike(t)) {
        for (entry, _) in name_tokens(&profile.name, catalogue) {
            clues.add(entry, Clue::ServiceName(profile.name.clone()));
        }
        for token in &service_tokens {
            if let Some(category) = index.name_hint(token) {
                clues.name_hints.push((category, profile.name.clone()));
            }
        }
    }
    clues
}

/// Adds what the service is made of: data directories, programs, healthcheck, environment.
pub fn gather_contents(profile: &Profile, catalogue: &Catalogue, clues: &mut ServiceClues) {
    let index = catalogue.clues();
    for target in &profile.mount_targets {
        for (entry, dir) in index.entries_by_volume(target) {
            clues.add(entry, Clue::DataDirectory(dir.to_string()));
        }
    }
    for program in &profile.programs {
        for &entry in index.entries_by_command(program) {
            let base = program.rsplit('/').next().unwrap_or(program);
            clues.add(entry, Clue::Command(base.to_string()));
        }
    }
    if let Some(test) = &profile.healthcheck {
        for (entry, phrase) in index.entries_by_healthcheck(&words(test)) {
            clues.add(entry, Clue::Healthcheck(phrase));
        }
    }
    for name in &profile.env {
        for entry in index.entries_by_env(name) {
            clues.add(entry, Clue::Environment(vec![name.clone()]));
        }
    }
}

/// A name's tokens: lowercase, split on `-`, `_` and `.`.
fn split_name(name: &str) -> Vec<String> {
    name.split(['-', '_', '.'])
        .filter(|t| !t.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Entries whose token is in `name`, unless a look-alike token is there too.
fn name_tokens(name: &str, catalogue: &Catalogue) -> Vec<(usize, String)> {
    let index = catalogue.clues();
    let tokens = split_name(name);
    if tokens.iter().any(|t| index.is_look_alike(t)) {
        return Vec::new();
    }
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    index.entries_by_tokens(&refs)
}
