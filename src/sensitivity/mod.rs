//! What a service is: sensitive software (a database, cache, queue, admin UI ...) or not,
//! judged from every clue a service gives (its image, name, environment, data directories,
//! command, healthcheck, and the port being judged), against the catalogue's data.
//!
//! One place decides, for `check`'s rules and for `audit` alike: a [`Profile`] says what a
//! service is made of, [`gather`] finds the clues it gives per catalogue entry, and
//! [`judge`] weighs them for one published port. `rules/docs/sensitive-port-exposed.md`
//! documents the weighing with examples.

mod clues;
mod describe;
mod judge;
mod profile;

pub use clues::{Clue, ServiceClues, WeakKind, gather, gather_contents, gather_names};
pub use judge::{Judgement, Level, judge};
pub use profile::{Profile, programs_of};

#[cfg(test)]
mod tests;
