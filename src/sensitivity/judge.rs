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

/// One product a service may be, for one binding: the service's own clues for it and what
/// the binding adds. Weighed without copying a clue; only the winner's are copied.
struct Candidate<'s> {
    entry: usize,
    own: &'s [Clue],
    /// The product's well-known port on the binding (a weak clue).
    port: Option<u16>,
    /// A port only this product uses, with no image to go by (a strong clue).
    unambiguous: Option<u16>,
    /// The service's name hints at the product's category (a weak clue).
    hint: Option<&'s str>,
}

impl Candidate<'_> {
    fn new(entry: usize) -> Self {
        Candidate {
            entry,
            own: &[],
            port: None,
            unambiguous: None,
            hint: None,
        }
    }

    /// (level, strong clues, weak kinds).
    fn weight(&self) -> (Level, usize, usize) {
        let strong = self.own.iter().filter(|c| c.is_strong()).count()
            + usize::from(self.unambiguous.is_some());
        let mut kinds = [false; 3];
        let mut mark = |kind: WeakKind| kinds[kind as usize] = true;
        self.own
            .iter()
            .filter_map(Clue::weak_kind)
            .for_each(&mut mark);
        if self.port.is_some() {
            mark(WeakKind::Port);
        }
        if self.hint.is_some() {
            mark(WeakKind::Name);
        }
        let kinds = kinds.iter().filter(|k| **k).count();
        let level = if strong > 0 {
            Level::Strong
        } else if kinds >= 2 {
            Level::Corroborated
        } else {
            Level::Hint
        };
        (level, strong, kinds)
    }

    /// Every clue, one of each kind (a name hint and a name token are the same clue).
    fn clues(&self) -> Vec<Clue> {
        let mut clues: Vec<Clue> = self.own.to_vec();
        clues.extend(self.unambiguous.map(Clue::UnambiguousPort));
        clues.extend(self.hint.map(|n| Clue::ServiceName(n.to_string())));
        clues.extend(self.port.map(Clue::Port));
        let mut seen: Vec<std::mem::Discriminant<Clue>> = Vec::new();
        clues.retain(|c| {
            let d = std::mem::discriminant(c);
            let new = !seen.contains(&d);
            seen.push(d);
            new
        });
        clues.sort_by_key(Clue::rank);
        clues
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
    let index = catalogue.clues();
    let in_range = |p: u16| ports.is_some_and(|r| r.start <= p && p <= r.end);
    let hint_for = |entry: usize| {
        let category = entries[entry].category;
        clues
            .name_hints
            .iter()
            .find(|(c, _)| *c == category)
            .map(|(_, name)| name.as_str())
    };
    let mut candidates: Vec<Candidate> = clues
        .by_entry
        .iter()
        .map(|(entry, own)| Candidate {
            own,
            // The product's well-known port on this binding, unless many kinds of software
            // use it.
            port: entries[*entry]
                .ports
                .iter()
                .copied()
                .find(|&p| in_range(p) && !index.is_generic_port(p)),
            // A name hint agrees with any other clue for a product of its category.
            hint: hint_for(*entry),
            ..Candidate::new(*entry)
        })
        .collect();
    // A port whose owner is unambiguous: decisive without an image, and the port a name hint
    // (`db`) agrees with.
    let fallback = ports.and_then(|r| catalogue.fallback_in(r.start, r.end));
    if let Some((port, entry)) = fallback {
        let decisive = clues.image_unknown && clues.image_entry.is_none();
        let hint = hint_for(entry);
        if decisive || hint.is_some() {
            let at = match candidates.iter().position(|c| c.entry == entry) {
                Some(at) => at,
                None => {
                    candidates.push(Candidate::new(entry));
                    candidates.len() - 1
                }
            };
            let candidate = &mut candidates[at];
            if decisive {
                candidate.unambiguous = Some(port);
            }
            if hint.is_some() {
                candidate.hint = hint;
                if !clues.image_unknown {
                    candidate.port = Some(port);
                }
            }
        }
    }
    let image_entry = clues.image_entry;
    let best = candidates.iter().max_by_key(|c| {
        let (level, strong, kinds) = c.weight();
        (
            Some(c.entry) == image_entry,
            level,
            strong,
            kinds,
            Reverse(c.entry),
        )
    })?;
    Some(Judgement {
        entry: &entries[best.entry],
        entry_index: best.entry,
        level: best.weight().0,
        clues: best.clues(),
    })
}
