//! Deciding whether a service is sensitive software: by its image, or, when the image says
//! nothing (built locally, no image, an image named by a variable), by the ports it publishes.
//!
//! Several rules ask the same question of every service (`sensitive-port-exposed`,
//! `port-exposed-all-interfaces`, `host-network-sensitive`, `internal-port-exposed`), and
//! each answer parses the image and looks it up in the catalogue: the rules ask through
//! [`ServiceFacts`] (in the lint's `Context`), which computes each answer once per service.

use std::sync::OnceLock;

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

/// Whether the service is sensitive software, and how that is known.
pub fn sensitivity<'c>(
    project: &Project,
    service: &Service,
    catalogue: &'c Catalogue,
) -> Option<Sensitivity<'c>> {
    find_sensitivity(project, service, catalogue).map(|found| found.resolve(catalogue))
}

/// A found sensitivity without the borrow of the catalogue: the entry's index.
#[derive(Debug, Clone)]
struct Found {
    entry: usize,
    evidence: Evidence,
}

impl Found {
    fn resolve(self, catalogue: &Catalogue) -> Sensitivity<'_> {
        Sensitivity {
            entry: &catalogue.entries()[self.entry],
            evidence: self.evidence,
        }
    }
}

/// [`sensitivity`] computed: the entry's index in the catalogue, and the evidence.
fn find_sensitivity(project: &Project, service: &Service, catalogue: &Catalogue) -> Option<Found> {
    // The image as written (after interpolation) is also the evidence shown.
    if let Some((text, _)) = project.service_str(service, "image")
        && let Some(image) = ImageRef::parse(&text)
        && let Some(entry) = catalogue.match_image_index(&image)
    {
        return Some(Found {
            entry,
            evidence: Evidence::Image(text),
        });
    }
    if image_is_unknown(project, service) {
        for binding in &service.ports {
            for port in binding.target.start..=binding.target.end {
                if let Some(entry) = catalogue.match_port_index(port) {
                    return Some(Found {
                        entry,
                        evidence: Evidence::Port(port),
                    });
                }
            }
        }
    }
    None
}

/// Whether a service is a reverse proxy (public on purpose on 80 and 443).
pub fn is_reverse_proxy(project: &Project, service: &Service, catalogue: &Catalogue) -> bool {
    project
        .image(service)
        .is_some_and(|(image, _)| catalogue.is_reverse_proxy(&image))
}

/// The answers of [`sensitivity`] and [`is_reverse_proxy`] for the services of one project,
/// each computed on first use (a lint's `Context` holds one).
pub struct ServiceFacts {
    sensitivity: Vec<OnceLock<Option<Found>>>,
    proxy: Vec<OnceLock<bool>>,
}

impl ServiceFacts {
    pub fn new(project: &Project) -> Self {
        let n = project.services.len();
        ServiceFacts {
            sensitivity: (0..n).map(|_| OnceLock::new()).collect(),
            proxy: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    /// [`sensitivity`] of `project.services[index]`.
    pub fn sensitivity<'c>(
        &self,
        project: &Project,
        index: usize,
        catalogue: &'c Catalogue,
    ) -> Option<Sensitivity<'c>> {
        let service = &project.services[index];
        let found = match self.sensitivity.get(index) {
            Some(cell) => cell
                .get_or_init(|| find_sensitivity(project, service, catalogue))
                .clone(),
            None => find_sensitivity(project, service, catalogue),
        };
        found.map(|found| found.resolve(catalogue))
    }

    /// [`is_reverse_proxy`] of `project.services[index]`.
    pub fn is_reverse_proxy(&self, project: &Project, index: usize, catalogue: &Catalogue) -> bool {
        let service = &project.services[index];
        match self.proxy.get(index) {
            Some(cell) => *cell.get_or_init(|| is_reverse_proxy(project, service, catalogue)),
            None => is_reverse_proxy(project, service, catalogue),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::project::LoadOptions;

    fn load(text: &str) -> Project {
        let options = LoadOptions {
            process_env: Some(Vec::new()),
            skip_override: true,
            ..LoadOptions::default()
        };
        Project::load(
            std::path::Path::new("/nonexistent/compose.yaml"),
            Some(text.to_string()),
            &options,
        )
        .unwrap()
    }

    /// What the functions answer, as comparable text.
    fn answers(project: &Project, catalogue: &Catalogue) -> Vec<String> {
        project
            .services
            .iter()
            .map(|s| {
                let found = sensitivity(project, s, catalogue)
                    .map(|f| format!("{} {:?}", f.entry.id, f.evidence));
                format!("{found:?} {}", is_reverse_proxy(project, s, catalogue))
            })
            .collect()
    }

    #[test]
    fn the_facts_answer_as_the_functions_do_and_once() {
        let a = load(
            "services:\n  db:\n    image: postgres:16\n  web:\n    image: nginx\n  app:\n    build: .\n    ports: [\"6379:6379\"]\n  plain:\n    image: node:20\n",
        );
        let catalogue = Catalogue::builtin();
        let direct = answers(&a, catalogue);
        assert_eq!(
            direct,
            [
                "Some(\"postgres Image(\\\"postgres:16\\\")\") false",
                "None true",
                "Some(\"redis Port(6379)\") false",
                "None false",
            ]
        );
        let facts = ServiceFacts::new(&a);
        let from_facts = |facts: &ServiceFacts| -> Vec<String> {
            (0..a.services.len())
                .map(|i| {
                    let found = facts
                        .sensitivity(&a, i, catalogue)
                        .map(|f| format!("{} {:?}", f.entry.id, f.evidence));
                    format!("{found:?} {}", facts.is_reverse_proxy(&a, i, catalogue))
                })
                .collect()
        };
        assert_eq!(from_facts(&facts), direct);
        assert!(
            facts.sensitivity.iter().all(|c| c.get().is_some()),
            "all kept"
        );
        assert_eq!(from_facts(&facts), direct, "from what was kept");
    }
}
