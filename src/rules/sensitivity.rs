//! The rules' view of [`crate::sensitivity`]: each service's clues gathered once per lint
//! (several rules ask: `sensitive-port-exposed`, `port-exposed-all-interfaces`,
//! `sensitive-host-network`, `port-only-used-internally`), then judged per published port.

use std::sync::OnceLock;

use crate::catalog::Catalogue;
use crate::compose::model::{PortBinding, Project, Service};
use crate::sensitivity::{Judgement, Profile, ServiceClues, gather_contents, gather_names, judge};

/// A sensitive service, as the rules name it.
pub type Sensitivity<'c> = Judgement<'c>;

/// Whether the service is sensitive software whatever port is asked about: a strong or
/// corroborated judgement with no port, or with one of its published ports.
pub fn sensitivity<'c>(
    project: &Project,
    service: &Service,
    catalogue: &'c Catalogue,
) -> Option<Sensitivity<'c>> {
    service_judgement(&clues_of(project, service, catalogue), service, catalogue)
}

/// The clues of a service: its image alone when the catalogue knows it (that decides), else
/// everything it is made of.
fn clues_of(project: &Project, service: &Service, catalogue: &Catalogue) -> ServiceClues {
    let basic = Profile::basic(project, service);
    let mut clues = gather_names(&basic, catalogue);
    if clues.image_entry.is_none() {
        gather_contents(&basic.complete(project, service), catalogue, &mut clues);
    }
    clues
}

fn service_judgement<'c>(
    clues: &ServiceClues,
    service: &Service,
    catalogue: &'c Catalogue,
) -> Option<Sensitivity<'c>> {
    std::iter::once(None)
        .chain(service.ports.iter().map(|b| Some(b.target)))
        .filter_map(|ports| judge(clues, ports, catalogue))
        .filter(Judgement::is_sensitive)
        .max_by_key(|j| (j.level, std::cmp::Reverse(j.entry_index)))
}

/// Whether a service is a reverse proxy (public on purpose on 80 and 443).
pub fn is_reverse_proxy(project: &Project, service: &Service, catalogue: &Catalogue) -> bool {
    project
        .image(service)
        .is_some_and(|(image, _)| catalogue.is_reverse_proxy(&image))
}

/// The clues of the services of one project and whether each is a reverse proxy, each
/// computed on first use (a lint's `Context` holds one).
pub struct ServiceFacts {
    clues: Vec<OnceLock<ServiceClues>>,
    proxy: Vec<OnceLock<bool>>,
}

impl ServiceFacts {
    pub fn new(project: &Project) -> Self {
        let n = project.services.len();
        ServiceFacts {
            clues: (0..n).map(|_| OnceLock::new()).collect(),
            proxy: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    fn clues(&self, project: &Project, index: usize, catalogue: &Catalogue) -> &ServiceClues {
        self.clues[index].get_or_init(|| clues_of(project, &project.services[index], catalogue))
    }

    /// [`sensitivity`] of `project.services[index]`.
    pub fn sensitivity<'c>(
        &self,
        project: &Project,
        index: usize,
        catalogue: &'c Catalogue,
    ) -> Option<Sensitivity<'c>> {
        let clues = self.clues(project, index, catalogue);
        service_judgement(clues, &project.services[index], catalogue)
    }

    /// What `project.services[index]` is, judged for one of its bindings (any level: a
    /// hint too).
    pub fn judge_binding<'c>(
        &self,
        project: &Project,
        index: usize,
        binding: &PortBinding,
        catalogue: &'c Catalogue,
    ) -> Option<Judgement<'c>> {
        judge(
            self.clues(project, index, catalogue),
            Some(binding.target),
            catalogue,
        )
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
