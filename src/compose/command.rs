//! A service's `command`, as words.

use super::layers::str_at;
use super::model::{Loc, Project, Service};

/// The words of a service's `command` (a list, or a string split on whitespace), interpolated.
pub fn command_words(project: &Project, service: &Service) -> Option<(Vec<String>, Loc)> {
    let loc = project.service_value(service, "command")?;
    let tree = project.tree(loc.file);
    let words = if let Some(items) = tree.items(loc.node) {
        items
            .iter()
            .filter_map(|i| tree.scalar_value(*i))
            .map(|w| project.interpolate(loc.file, w))
            .collect()
    } else {
        let text = str_at(project, loc)?;
        text.split_whitespace().map(str::to_string).collect()
    };
    Some((words, loc))
}
