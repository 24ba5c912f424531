//! `composeguard catalogue`: the catalogue as a table or as JSON.

use serde_json::json;

use super::{Catalogue, Category, Entry};

/// One line per entry: id, category, ports, then what identifies it.
pub fn table(catalogue: &Catalogue, category: Option<Category>) -> String {
    let mut out = format!(
        "{:<28} {:<14} {:<18} {}\n",
        "ID", "CATEGORY", "PORTS", "IDENTIFIED BY"
    );
    let entries: Vec<&Entry> = selected(catalogue, category).collect();
    for entry in &entries {
        let ports: Vec<String> = entry.ports.iter().map(u16::to_string).collect();
        out.push_str(&format!(
            "{:<28} {:<14} {:<18} {}\n",
            entry.id,
            entry.category.as_str(),
            ports.join(","),
            identified_by(entry)
        ));
    }
    out.push_str(&format!(
        "\n{} entries{}; `composeguard rule sensitive-port-exposed` explains how clues are weighed\n",
        entries.len(),
        category.map_or(String::new(), |c| format!(" in category {}", c.as_str()))
    ));
    out
}

/// Every entry with all its clues, as a JSON array.
pub fn json(catalogue: &Catalogue, category: Option<Category>) -> String {
    let entries: Vec<serde_json::Value> = selected(catalogue, category)
        .map(|e| {
            json!({
                "id": e.id,
                "name": e.name,
                "category": e.category.as_str(),
                "ports": e.ports,
                "images": e.images,
                "tokens": e.clues.tokens,
                "env": e.clues.env,
                "volumes": e.clues.volumes,
                "commands": e.clues.commands,
                "healthchecks": e.clues.healthchecks,
                "user_defined": e.user_defined,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&entries).expect("JSON values serialise");
    text.push('\n');
    text
}

fn selected(catalogue: &Catalogue, category: Option<Category>) -> impl Iterator<Item = &Entry> {
    catalogue
        .entries()
        .iter()
        .filter(move |e| category.is_none_or(|c| e.category == c))
}

/// "3 images, tokens couchdb, 2 env, 1 volume, healthcheck": a summary that fits a line.
fn identified_by(entry: &Entry) -> String {
    let c = &entry.clues;
    let mut parts = Vec::new();
    let count = |n: usize, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    parts.extend(count(entry.images.len(), "image", "images"));
    if !c.tokens.is_empty() {
        parts.push(format!("tokens {}", c.tokens.join("/")));
    }
    parts.extend(count(c.env.len(), "env", "env"));
    parts.extend(count(c.volumes.len(), "volume", "volumes"));
    parts.extend(count(c.commands.len(), "command", "commands"));
    parts.extend(count(c.healthchecks.len(), "healthcheck", "healthchecks"));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_names_every_entry_once_and_filters_by_category() {
        let catalogue = Catalogue::builtin();
        let text = table(catalogue, None);
        for entry in catalogue.entries() {
            let lines = text
                .lines()
                .filter(|l| l.split_whitespace().next() == Some(entry.id.as_str()))
                .count();
            assert_eq!(lines, 1, "{}", entry.id);
        }
        let caches = table(catalogue, Some(Category::Cache));
        assert!(caches.contains("\nredis "));
        assert!(!caches.contains("\npostgres "));
        let parsed: serde_json::Value = serde_json::from_str(&json(catalogue, None)).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), catalogue.len());
        assert_eq!(parsed[0]["id"], catalogue.entries()[0].id);
    }
}
