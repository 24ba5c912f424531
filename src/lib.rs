//! composeguard: a linter and fixer for Docker Compose files.

pub mod audit;
pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod compose;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod exceptions;
pub mod fix;
pub mod limits;
pub mod line_index;
pub mod lsp;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod run;
pub mod sensitivity;
pub mod settings;
pub mod suppress;
pub mod tunnel;
pub mod yaml;
