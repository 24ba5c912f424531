//! Shared code of the fuzz targets. `invariants` is also compiled into
//! `tests/properties.rs` (with `#[path]`), so the property tests and the fuzzer check the
//! same things.

pub mod invariants;
pub mod targets;
