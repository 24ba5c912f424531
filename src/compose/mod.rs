//! Typed views over the located YAML tree.

pub mod address;
pub mod boolean;
pub mod capability;
pub mod command;
pub mod dotenv;
mod env_files;
pub mod environment;
pub mod host_path;
pub mod image;
pub mod interpolate;
pub mod layers;
pub mod model;
pub mod mounts;
pub mod normalised;
pub mod port;
pub mod project;
pub mod resources;
pub mod schema;
pub mod siblings;
pub mod tmpfs;
