//! Weighing the clues: which product a service is, for one published port, and how sure.
//!
//! A strong clue (the image, a data directory, the server's command, its healthcheck, or an
//! unambiguous port when the image is unknown) decides alone. Weak clues (a token in the
//! image name, the product's environment variables, its well-known port on the reported
//! binding, the service's name) decide only when two of different kinds agree on the same
//! product. One weak clue alone is a hint, shown but not a finding of its own.

use std::cmp::Reverse;

use crate::catalog::{Catalogue, Entry};
use crate::compose::port::PortRange;

use super::clues::{Clue, ServiceClues, WeakKind};

/// How sure a judgement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// One weak clue: the service may be the product.
    Hint,
    /// Two weak clues of different kinds agree.
    Corroborated,
    /// A strong clue.
    Strong,
}

/// What a service is, for one published port.
#[derive(Debug, Clone)]
pub struct Judgement<'c> {
    pub entry: &'c Entry,
    pub entry_index: usize,
    pub level: Level,
    /// Strong clues first, then weak ones (in [`Clue::rank`] order).
    pub clues: Vec<Clue>,
}

impl Judgement<'_> {
    /// Sensitive software, sure enough for a finding and a safe fix.
    pub fn is_sensitive(&self) -> bool {
        self.level >= Level::Corroborated
    }
}

/// Judges a service's clues for the container ports of one binding (`None`: no port, as for
/// `network_mode: host`).
pub fn judge<'c>(
    clues: &ServiceClues,
    ports: Option<PortRange>,
    catalogue: &'c Catalogue,
) -> Option<Judgement<'c>> {
    let entries = catalogue.entries();
    let in_range = |p: u16| ports.is_some_and(|r| r.start <= p && p <= r.end);
    let mut candidates: Vec<(usize, Vec<Clue>)> = clues.by_entry.clone();
    let add = |candidates: &mut Vec<(usize, Vec<Clue>)>, entry: usize, clue: Clue| match candidates
        .iter_mut()
        .find(|(e, _)| *e == entry)
    {
        Some((_, list)) => list.push(clue),
        None => candidates.push((entry, vec![clue])),
    };
    // The product's well-known port on this binding, unless many kinds of software use it.
    let index = catalogue.clues();
    for (entry, list) in candidates.iter_mut() {
        let port = entries[*entry]
            .ports
            .iter()
            .find(|&&p| in_range(p) && !index.is_generic_port(p));
        if let Some(&port) = port {
            list.push(Clue::Port(port));
        }
    }
    // Ports whose owner is unambiguous: decisive without an image, and the port a name hint
    // (`db`) agrees with.
    if let Some(range) = ports {
        let fallback = catalogue
            .fallback_ports()
            .into_iter()
            .find(|(p, _)| range.start <= *p && *p <= range.end);
        if let Some((port, entry)) = fallback {
            let index = entries
                .iter()
                .position(|e| std::ptr::eq(e, entry))
                .expect("a fallback names an entry");
            if clues.image_unknown && clues.image_entry.is_none() {
                add(&mut candidates, index, Clue::UnambiguousPort(port));
            }
            if let Some((_, name)) = clues.name_hints.iter().find(|(c, _)| *c == entry.category) {
                add(&mut candidates, index, Clue::ServiceName(name.clone()));
                if !clues.image_unknown {
                    add(&mut candidates, index, Clue::Port(port));
                }
            }
        }
    }
    // A name hint agrees with any other clue for a product of its category.
    for (entry, list) in candidates.iter_mut() {
        let category = entries[*entry].category;
        if let Some((_, name)) = clues.name_hints.iter().find(|(c, _)| *c == category) {
            list.push(Clue::ServiceName(name.clone()));
        }
    }
    let image_entry = clues.image_entry;
    candidates
        .into_iter()
        .map(|(entry, list)| weigh(entry, list))
        .max_by_key(|(entry, level, strong, kinds, _)| {
            (
                Some(*entry) == image_entry,
                *level,
                *strong,
                *kinds,
                Reverse(*entry),
            )
        })
        .map(|(entry, level, _, _, clues)| Judgement {
            entry: &entries[entry],
            entry_index: entry,
            level,
            clues,
        })
}

/// An entry's clues weighed: (entry, level, strong clues, weak kinds, clues sorted).
fn weigh(entry: usize, mut clues: Vec<Clue>) -> (usize, Level, usize, usize, Vec<Clue>) {
    // One clue of each kind (a name hint and a name token are the same clue).
    let mut seen: Vec<std::mem::Discriminant<Clue>> = Vec::new();
    clues.retain(|c| {
        let d = std::mem::discriminant(c);
        let new = !seen.contains(&d);
        seen.push(d);
        new
    });
    clues.sort_by_key(Clue::rank);
    let strong = clues.iter().filter(|c| c.is_strong()).count();
    let mut kinds: Vec<WeakKind> = clues.iter().filter_map(Clue::weak_kind).collect();
    kinds.sort();
    kinds.dedup();
    let level = if strong > 0 {
        Level::Strong
    } else if kinds.len() >= 2 {
        Level::Corroborated
    } else {
        Level::Hint
    };
    (entry, level, strong, kinds.len(), clues)
}
