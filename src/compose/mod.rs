//! Typed views over the located YAML tree.

pub mod dotenv;
pub mod image;
pub mod interpolate;
pub mod model;
pub mod normalised;
pub mod port;
pub mod project;
pub mod siblings;
