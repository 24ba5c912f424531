//! Validation against the Compose specification's JSON schema, as Docker Compose v2.40.3 does
//! it (compose-go's `schema.Validate`): each document after YAML load, merge keys, `!reset`
//! and interpolation, before Compose reads it into its types. Each schema error is placed at
//! the node it is about (the offending key for a key that is not allowed).
//!
//! The schema is `rules/compose-spec/compose-spec.json` (vendored, see its README), compiled
//! once per process on first use.

mod decode;
mod to_json;

use std::ops::Range;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::model::{FileId, ModelError, Project};
use crate::yaml::{NodeId, Tree};

const SCHEMA: &str = include_str!("../../rules/compose-spec/compose-spec.json");

/// Lists compose-go de-duplicates before it validates (`override.EnforceUnicity`): equal items
/// there are merged, never refused. Paths below `services.<name>`.
const MERGED_LISTS: &[&str] = &[
    "annotations",
    "build/args",
    "build/additional_contexts",
    "build/labels",
    "build/tags",
    "cap_add",
    "cap_drop",
    "configs",
    "deploy/labels",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "env_file",
    "environment",
    "expose",
    "labels",
    "links",
    "ports",
    "profiles",
    "secrets",
    "sysctls",
    "tmpfs",
    "volumes",
];

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let mut schema: Value = serde_json::from_str(SCHEMA).expect("the vendored schema is JSON");
        // Its `$schema` URL lacks the `#` the meta-schema registry knows; the draft is set below.
        if let Some(top) = schema.as_object_mut() {
            top.remove("$schema");
        }
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            // compose-go asserts no format (a bad duration is a later decoding error).
            .should_validate_formats(false)
            .build(&schema)
            .expect("the vendored schema compiles")
    })
}

/// Every place in the project's files where the schema refuses the file, one error per place.
pub fn schema_errors(project: &Project) -> Vec<ModelError> {
    let mut out: Vec<ModelError> = Vec::new();
    for (file_id, file) in project.files.iter().enumerate() {
        // A Compose v1 file has its own finding (compose-v1-layout); each service would be
        // an unknown top-level key here.
        if file_id == 0 && project.v1_layout {
            continue;
        }
        if project.extends_only.contains(&file_id) {
            validate_extended(project, file_id, &mut out);
            continue;
        }
        for &root in &file.roots {
            let doc = to_json::document_to_json(&file.tree, root, &file.env);
            validate_document(file_id, &file.tree, root, doc, &mut out);
        }
    }
    // In file order, one error per place.
    out.sort_by_key(|e| (e.file, e.span.start, e.span.end));
    out.dedup_by_key(|e| (e.file, e.span.start, e.span.end));
    out
}

/// A file read only for `extends`: Compose validates the services it takes from it (merged
/// into the services that extend them), not the rest of the file.
fn validate_extended(project: &Project, file_id: FileId, out: &mut Vec<ModelError>) {
    let file = &project.files[file_id];
    let tree = &file.tree;
    let Some(root) = file.root else { return };
    let Some(services) = tree.get_value(root, "services") else {
        return;
    };
    let used: Vec<NodeId> = project
        .services
        .iter()
        .flat_map(|s| &s.layers)
        .filter(|l| l.file == file_id)
        .map(|l| l.node)
        .collect();
    let named: Vec<(String, NodeId)> = tree
        .entries(services)
        .into_iter()
        .filter(|(_, v)| used.contains(v))
        .filter_map(|(k, v)| Some((tree.scalar_value(k)?.to_string(), v)))
        .collect();
    let doc = to_json::services_to_json(tree, &named, &file.env);
    validate_document(file_id, tree, root, doc, out);
}

fn validate_document(
    file: FileId,
    tree: &Tree,
    root: NodeId,
    doc: Option<to_json::Converted>,
    out: &mut Vec<ModelError>,
) {
    let Some(doc) = doc else {
        return;
    };
    for (key, message) in doc.key_errors {
        out.push(ModelError {
            file,
            span: tree.span(key),
            message,
        });
    }
    let place = Placer {
        tree,
        root,
        missing: &doc.missing,
    };
    // Most files are valid: the yes-or-no check stops at nothing and collects nothing.
    if !validator().is_valid(&doc.value) {
        for error in validator().iter_errors(&doc.value) {
            place.report(&error, file, out);
        }
    }
    for (pointer, kind, value) in decode::undecodable(&doc.value) {
        let at = place.locate(&pointer);
        let what = match kind {
            decode::Kind::Size => {
                "a size Compose reads (a number and an optional unit: `512m`, `1.5g`, `2GiB`)"
            }
            decode::Kind::Duration => "a duration Compose reads (`10s`, `1m30s`, `500ms`)",
        };
        let message = format!(
            "{}: `{}` is not {what}{}",
            at.path,
            clip(&value),
            place.missing_note(at.value)
        );
        place.push(out, file, tree.span(at.value), message);
    }
}

struct Placer<'a> {
    tree: &'a Tree,
    root: NodeId,
    missing: &'a std::collections::HashMap<NodeId, Vec<String>>,
}

/// Where a JSON pointer leads in the tree: the value node, and the key node naming it.
struct Found {
    value: NodeId,
    key: Option<NodeId>,
    /// The pointer as Compose writes paths: `services.db.ports[0]`.
    path: String,
}

impl Placer<'_> {
    fn locate(&self, pointer: &str) -> Found {
        let tree = self.tree;
        let mut found = Found {
            value: self.root,
            key: None,
            path: String::new(),
        };
        for raw in pointer.split('/').skip(1) {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            let node = tree.resolve(found.value);
            if tree.is_mapping(node) {
                let Some((k, v)) = tree.get(node, &segment) else {
                    break;
                };
                if !found.path.is_empty() {
                    found.path.push('.');
                }
                found.path.push_str(&segment);
                found.key = Some(k);
                found.value = v;
            } else if tree.items(node).is_some() {
                let items = to_json::kept_items(tree, node);
                let Some(&item) = segment.parse::<usize>().ok().and_then(|i| items.get(i)) else {
                    break;
                };
                found.path.push_str(&format!("[{segment}]"));
                found.key = None;
                found.value = tree.resolve(item);
            } else {
                break;
            }
        }
        found
    }

    fn push(&self, out: &mut Vec<ModelError>, file: FileId, span: Range<usize>, message: String) {
        out.push(ModelError {
            file,
            span,
            message,
        });
    }

    fn report(&self, error: &ValidationError, file: FileId, out: &mut Vec<ModelError>) {
        let pointer = error.instance_path().as_str();
        let at = self.locate(pointer);
        let tree = self.tree;
        let name = if at.path.is_empty() {
            "the top level".to_string()
        } else {
            at.path.clone()
        };
        let whole = at.key.map_or_else(
            || tree.span(at.value),
            |k| tree.span(k).start..tree.span(at.value).end.max(tree.span(k).end),
        );
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for property in unexpected {
                    let key = tree
                        .get(tree.resolve(at.value), property)
                        .map(|(k, _)| tree.span(k));
                    let message = if at.path == "services" {
                        format!(
                            "services: the service name `{}` is not allowed: Compose accepts only letters a-z and A-Z, digits, `.`, `_` and `-`",
                            clip(property)
                        )
                    } else if at.path.is_empty() {
                        format!(
                            "the top-level key `{}` is not allowed (only `x-` keys may be added)",
                            clip(property)
                        )
                    } else {
                        format!(
                            "{name}: additional property `{}` is not allowed",
                            clip(property)
                        )
                    };
                    self.push(out, file, key.unwrap_or_else(|| whole.clone()), message);
                }
            }
            ValidationErrorKind::Required { property } => {
                let property = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_string);
                self.push(
                    out,
                    file,
                    whole,
                    format!("{name}: `{property}` is required"),
                );
            }
            ValidationErrorKind::Type { kind } => {
                let expected = type_names(kind);
                // `host_ip:` with no value: the empty value has no width; show the entry.
                let span = tree.span(at.value);
                self.push(
                    out,
                    file,
                    if span.is_empty() { whole } else { span },
                    format!("{name} must be {expected}{}", self.missing_note(at.value)),
                );
            }
            ValidationErrorKind::OneOfNotValid { context }
            | ValidationErrorKind::AnyOf { context } => {
                // The branch whose type matched says what is wrong; if none or several did,
                // name the allowed types.
                let matched: Vec<&Vec<ValidationError>> = context
                    .iter()
                    .filter(|branch| !branch.iter().any(|e| is_type_error_at(e, pointer)))
                    .collect();
                if let [branch] = matched.as_slice() {
                    for e in branch.iter() {
                        self.report(e, file, out);
                    }
                } else {
                    let kinds: Vec<String> = context
                        .iter()
                        .flatten()
                        .filter(|e| is_type_error_at(e, pointer))
                        .filter_map(|e| match e.kind() {
                            ValidationErrorKind::Type { kind } => Some(type_names(kind)),
                            _ => None,
                        })
                        .collect();
                    let message = if kinds.is_empty() || !matched.is_empty() {
                        format!("{name} does not match any allowed form")
                    } else {
                        format!("{name} must be {}", kinds.join(" or "))
                    };
                    let note = self.missing_note(at.value);
                    self.push(out, file, tree.span(at.value), format!("{message}{note}"));
                }
            }
            ValidationErrorKind::UniqueItems => {
                if self.is_merged_list(pointer) {
                    return;
                }
                self.push(
                    out,
                    file,
                    tree.span(at.value),
                    format!("{name}: items must be unique{}", self.duplicate(&at)),
                );
            }
            ValidationErrorKind::Pattern { pattern } => {
                let value = error.instance().as_str().unwrap_or_default();
                self.push(
                    out,
                    file,
                    tree.span(at.value),
                    format!(
                        "{name}: `{}` does not match `{pattern}`{}",
                        clip(value),
                        self.missing_note(at.value)
                    ),
                );
            }
            ValidationErrorKind::Enum { options } => {
                self.push(
                    out,
                    file,
                    tree.span(at.value),
                    format!(
                        "{name} must be one of {}{}",
                        clip(&options.to_string()),
                        self.missing_note(at.value)
                    ),
                );
            }
            _ => {
                self.push(
                    out,
                    file,
                    tree.span(at.value),
                    format!("{name}: {}", clip(&error.masked().to_string())),
                );
            }
        }
    }

    /// A `uniqueItems` error under a list compose-go merges first is no error to Compose.
    fn is_merged_list(&self, pointer: &str) -> bool {
        let Some(rest) = pointer.strip_prefix("/services/") else {
            return false;
        };
        let Some((_, below)) = rest.split_once('/') else {
            return false;
        };
        MERGED_LISTS.contains(&below)
            || below
                .strip_prefix("networks/")
                .and_then(|n| n.split_once('/'))
                .is_some_and(|(_, l)| l == "aliases" || l == "link_local_ips")
    }

    /// " (items 0 and 2 are equal)" for the first equal pair.
    fn duplicate(&self, at: &Found) -> String {
        let tree = self.tree;
        let items = to_json::kept_items(tree, tree.resolve(at.value));
        let text = |i: &NodeId| tree.text()[tree.span(tree.resolve(*i))].to_string();
        for (j, b) in items.iter().enumerate() {
            for (i, a) in items[..j].iter().enumerate() {
                if text(a) == text(b) {
                    return format!(" (items {i} and {j} are equal)");
                }
            }
        }
        String::new()
    }

    fn missing_note(&self, node: NodeId) -> String {
        match self.missing.get(&node) {
            Some(names) => format!(
                " (after interpolation: {} unset here, and Compose reads it as an empty string)",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => String::new(),
        }
    }
}

fn is_type_error_at(error: &ValidationError, pointer: &str) -> bool {
    matches!(error.kind(), ValidationErrorKind::Type { .. })
        && error.instance_path().as_str() == pointer
}

fn type_names(kind: &TypeKind) -> String {
    let name = |t: &jsonschema::JsonType| {
        match t.to_string().as_str() {
            "object" => "a mapping",
            "array" => "a list",
            "string" => "a string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "a boolean",
            "null" => "null",
            _ => "a value",
        }
        .to_string()
    };
    match kind {
        TypeKind::Single(t) => name(t),
        TypeKind::Multiple(ts) => {
            let names: Vec<String> = ts.iter().map(|t| name(&t)).collect();
            names.join(" or ")
        }
    }
}

/// Echoed text stays short (a value may be megabytes).
fn clip(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests;
