//! Deciding whether a service is sensitive software: by its image, or, when the image says
//! nothing (built locally, no image, an image named by a variable), by the ports it publishes.
//!
//! Several rules ask the same question of every service (`sensitive-port-exposed`,
//! `port-exposed-all-interfaces`, `host-network-sensitive`, `internal-port-exposed`), and
//! each answer parses the image and looks it up in the catalogue. While [`with_memo`] runs
//! (the rules of one lint, see `rules::run`), the answers for that project are kept: each is
//! computed at most once per service.

use std::cell::RefCell;

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

/// Whether the service is sensitive software, and how that is known.
pub fn sensitivity<'c>(
    project: &Project,
    service: &Service,
    catalogue: &'c Catalogue,
) -> Option<Sensitivity<'c>> {
    let found = match memo_get(project, service, catalogue, |m| m.sensitivity.clone()) {
        Some(found) => found,
        None => {
            let found = find_sensitivity(project, service, catalogue);
            memo_set(project, service, catalogue, |m| {
                m.sensitivity = Some(found.clone())
            });
            found
        }
    };
    found.map(|(entry, evidence)| Sensitivity {
        entry: &catalogue.entries()[entry],
        evidence,
    })
}

/// [`sensitivity`] computed: the entry's index in the catalogue, and the evidence.
fn find_sensitivity(
    project: &Project,
    service: &Service,
    catalogue: &Catalogue,
) -> Option<(usize, Evidence)> {
    // The image as written (after interpolation) is also the evidence shown.
    if let Some((text, _)) = project.service_str(service, "image")
        && let Some(image) = ImageRef::parse(&text)
        && let Some(entry) = catalogue.match_image_index(&image)
    {
        return Some((entry, Evidence::Image(text)));
    }
    if image_is_unknown(project, service) {
        for binding in &service.ports {
            for port in binding.target.start..=binding.target.end {
                if let Some(entry) = catalogue.match_port_index(port) {
                    return Some((entry, Evidence::Port(port)));
                }
            }
        }
    }
    None
}

/// Whether a service is a reverse proxy (public on purpose on 80 and 443).
pub fn is_reverse_proxy(project: &Project, service: &Service, catalogue: &Catalogue) -> bool {
    if let Some(proxy) = memo_get(project, service, catalogue, |m| m.proxy) {
        return proxy;
    }
    let proxy = project
        .image(service)
        .is_some_and(|(image, _)| catalogue.is_reverse_proxy(&image));
    memo_set(project, service, catalogue, |m| m.proxy = Some(proxy));
    proxy
}

// ── The memo ────────────────────────────────────────────────────────────────────────────────

/// The answers known for one service.
#[derive(Default)]
struct Known {
    sensitivity: Option<Option<(usize, Evidence)>>,
    proxy: Option<bool>,
}

/// The answers known for the services of one project, looked up with one catalogue.
struct Memo {
    /// The project and catalogue, by address: the memo serves only them. Both outlive the
    /// memo ([`with_memo`] borrows them), so no other value can take their address meanwhile.
    project: *const Project,
    catalogue: *const Catalogue,
    services: Vec<Known>,
}

thread_local! {
    static MEMO: RefCell<Option<Memo>> = const { RefCell::new(None) };
}

/// Runs `f` (the rules of one lint, on this thread) with the answers of [`sensitivity`] and
/// [`is_reverse_proxy`] for `project`'s services kept, so that each is computed once.
pub(super) fn with_memo<R>(project: &Project, catalogue: &Catalogue, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Memo>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            MEMO.with(|m| *m.borrow_mut() = previous);
        }
    }
    let memo = Memo {
        project,
        catalogue,
        services: std::iter::repeat_with(Known::default)
            .take(project.services.len())
            .collect(),
    };
    let _restore = Restore(MEMO.with(|m| m.replace(Some(memo))));
    f()
}

/// Applies `f` to the memo's slot for `service`, when the memo serves this project and
/// catalogue and `service` is one of the project's services.
fn with_slot<R>(
    project: &Project,
    service: &Service,
    catalogue: &Catalogue,
    f: impl FnOnce(&mut Known) -> R,
) -> Option<R> {
    // The service's position, from its address within `project.services`.
    let offset = (service as *const Service as usize)
        .wrapping_sub(project.services.as_ptr() as usize)
        / std::mem::size_of::<Service>().max(1);
    let index = project
        .services
        .get(offset)
        .is_some_and(|s| std::ptr::eq(s, service))
        .then_some(offset)?;
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        let memo = m.as_mut()?;
        if !std::ptr::eq(memo.project, project) || !std::ptr::eq(memo.catalogue, catalogue) {
            return None;
        }
        memo.services.get_mut(index).map(f)
    })
}

fn memo_get<T>(
    project: &Project,
    service: &Service,
    catalogue: &Catalogue,
    f: impl FnOnce(&Known) -> Option<T>,
) -> Option<T> {
    with_slot(project, service, catalogue, |k| f(k)).flatten()
}

fn memo_set(
    project: &Project,
    service: &Service,
    catalogue: &Catalogue,
    f: impl FnOnce(&mut Known),
) {
    with_slot(project, service, catalogue, f);
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
    fn the_memo_answers_as_the_functions_do() {
        let a = load(
            "services:\n  db:\n    image: postgres:16\n  web:\n    image: nginx\n  app:\n    build: .\n    ports: [\"6379:6379\"]\n  plain:\n    image: node:20\n",
        );
        let b = load("services:\n  db:\n    image: redis\n  web:\n    image: postgres\n");
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
        let other = answers(&b, catalogue);
        let extra = Catalogue::with_extra(&[("node".into(), crate::catalog::Category::Cache)], &[]);
        // A clone lives elsewhere: the memo must not take it for the project's first service.
        let stray = a.services[3].clone();
        let stray_direct = sensitivity(&a, &stray, catalogue).is_some();
        with_memo(&a, catalogue, || {
            assert_eq!(answers(&a, catalogue), direct);
            assert_eq!(answers(&a, catalogue), direct, "from the memo");
            // Another project or catalogue is not served by this memo.
            assert_eq!(answers(&b, catalogue), other);
            assert_eq!(
                answers(&a, &extra)[3],
                "Some(\"user:node Image(\\\"node:20\\\")\") false"
            );
            assert_eq!(sensitivity(&a, &stray, catalogue).is_some(), stray_direct);
        });
        assert!(MEMO.with(|m| m.borrow().is_none()), "the memo is gone");
    }
}
