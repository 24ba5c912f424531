//! Deciding whether a service is sensitive software: by its image, or, when the image says
//! nothing (built locally, no image, an image named by a variable), by the ports it publishes.

use crate::catalog::{Catalogue, Entry};
use crate::compose::image::ImageRef;
use crate::compose::model::{Project, Service};

#[derive(Debug, Clone)]
pub enum Evidence {
    /// The normalised image matched the catalogue.
    Image(String),
    /// The image is unknown; a published container port is this software's well-known port.
    Port(u16),
}

#[derive(Debug, Clone)]
pub struct Sensitivity<'c> {
    pub entry: &'c Entry,
    pub evidence: Evidence,
}

impl Sensitivity<'_> {
    /// "a database (PostgreSQL, by its image postgres:16)".
    pub fn describe(&self) -> String {
        let how = match &self.evidence {
            Evidence::Image(image) => format!("image {image}"),
            Evidence::Port(port) => {
                format!("judged by its published port {port}: the image is unknown")
            }
        };
        format!(
            "{} {} ({})",
            article(self.entry.category.label()),
            self.entry.category.label(),
            format_args!("{}, {how}", self.entry.name)
        )
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The image as written after interpolation, if any.
pub fn image_text(project: &Project, service: &Service) -> Option<String> {
    project.service_str(service, "image").map(|(t, _)| t)
}

/// Whether the service's image is unknown to the reader of the file (so ports decide).
fn image_is_unknown(project: &Project, service: &Service) -> bool {
    match project.service_value(service, "image") {
        None => true,
        Some(loc) => {
            let raw = project.tree(loc.file).as_str(loc.node).unwrap_or("");
            project.is_built(service) || raw.contains('$')
        }
    }
}

pub fn sensitivity<'c>(
    project: &Project,
    service: &Service,
    catalogue: &'c Catalogue,
) -> Option<Sensitivity<'c>> {
    if let Some((image, _)) = project.image(service)
        && let Some(entry) = catalogue.match_image(&image)
    {
        return Some(Sensitivity {
            entry,
            evidence: Evidence::Image(display_image(&image, project, service)),
        });
    }
    if image_is_unknown(project, service) {
        for binding in &service.ports {
            for port in binding.target.start..=binding.target.end {
                if let Some(entry) = catalogue.match_port(port) {
                    return Some(Sensitivity {
                        entry,
                        evidence: Evidence::Port(port),
                    });
                }
            }
        }
    }
    None
}

fn display_image(_image: &ImageRef, project: &Project, service: &Service) -> String {
    image_text(project, service).unwrap_or_default()
}

/// Whether a service is a reverse proxy (public on purpose on 80 and 443).
pub fn is_reverse_proxy(project: &Project, service: &Service, catalogue: &Catalogue) -> bool {
    project
        .image(service)
        .is_some_and(|(image, _)| catalogue.is_reverse_proxy(&image))
}
