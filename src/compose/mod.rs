//! Typed views over the located YAML tree.

pub mod address;
pub mod command;
pub mod dotenv;
pub mod environment;
pub mod image;
pub mod interpolate;
pub mod layers;
pub mod model;
pub mod mounts;
pub mod normalised;
pub mod port;
pub mod project;
pub mod schema;
pub mod siblings;
