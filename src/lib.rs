//! composeguard: a linter and fixer for Docker Compose files.

pub mod catalog;
pub mod compose;
pub mod yaml;
