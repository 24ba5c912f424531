//! yaml-rust2 as an independent second parser: for every corpus and testdata file that both
//! parse, the structure and the scalar values of composeguard's located tree agree with
//! yaml-rust2's. Differences that are expected are listed in `known_difference`, each with
//! its reason.

#[path = "oracle_support/mod.rs"]
mod oracle_support;

use std::path::Path;

use composeguard::yaml::{NodeId, NodeKind, ScalarStyle, ScalarType, Tree, resolve_plain};
use yaml_rust2::{Yaml, YamlLoader};

/// A scalar both parsers read, but type differently for a known reason.
fn known_difference(text: &str, style: ScalarStyle, theirs: &Yaml) -> Option<&'static str> {
    if let Yaml::String(t) = theirs
        && t.strip_prefix('\u{feff}') == Some(text)
    {
        return Some(
            "yaml-rust2 keeps a byte-order mark as content of the first scalar; it is not content (YAML 1.2 5.2, and Compose)",
        );
    }
    if style != ScalarStyle::Plain {
        return None;
    }
    match (resolve_plain(text), theirs) {
        // go-yaml (Compose) reads a leading 0 as octal, `_` separators and `+` signs.
        (ScalarType::Int(_), Yaml::String(_) | Yaml::Real(_)) => {
            Some("go-yaml integer forms (octal 010, 1_000, +1)")
        }
        (ScalarType::Int(_) | ScalarType::Float, Yaml::Integer(_))
            if text.starts_with('0') && text.len() > 1 =>
        {
            Some(
                "a leading 0 is octal to go-yaml (0084 is no octal: a float), decimal to yaml-rust2",
            )
        }
        // YAML 1.2 core only has true/false; yaml-rust2 agrees, but case variants differ.
        (ScalarType::Bool(_), Yaml::String(_)) => {
            Some("True/TRUE are booleans in the YAML 1.2 core schema")
        }
        (ScalarType::Null, Yaml::String(_)) => {
            Some("Null/NULL are null in the YAML 1.2 core schema")
        }
        (ScalarType::Float, Yaml::String(_)) | (ScalarType::Str, Yaml::Real(_)) => {
            Some("float spellings (.Inf, 1e3, 0084) are typed differently")
        }
        _ => None,
    }
}

struct Comparison<'a> {
    tree: &'a Tree,
    scalars: usize,
    known: Vec<(String, &'static str)>,
    problems: Vec<String>,
}

impl Comparison<'_> {
    fn compare(&mut self, ours: NodeId, theirs: &Yaml, path: &str) {
        let tree = self.tree;
        let node = tree.get_node(ours);
        match (&node.kind, theirs) {
            (NodeKind::Scalar(scalar), _) => {
                self.scalars += 1;
                let text = tree.scalar_value(ours).unwrap_or("");
                let ours_type = tree.scalar_type(ours).unwrap_or(ScalarType::Str);
                let agree = match (theirs, &ours_type) {
                    (Yaml::String(s), ScalarType::Str) => s == text,
                    (Yaml::Real(s), ScalarType::Float) => s == text,
                    (Yaml::Integer(i), ScalarType::Int(j)) => i == j,
                    (Yaml::Boolean(b), ScalarType::Bool(c)) => b == c,
                    (Yaml::Null, ScalarType::Null) => true,
                    _ => false,
                };
                if !agree {
                    match known_difference(text, scalar.style, theirs) {
                        Some(reason) => self.known.push((format!("{path}: {text:?}"), reason)),
                        None => self.problems.push(format!(
                            "{path}: ours {text:?} ({ours_type:?}), yaml-rust2 {theirs:?}"
                        )),
                    }
                }
            }
            (NodeKind::Sequence { items, .. }, Yaml::Array(theirs)) => {
                if items.len() != theirs.len() {
                    self.problems.push(format!(
                        "{path}: {} items, yaml-rust2 {}",
                        items.len(),
                        theirs.len()
                    ));
                    return;
                }
                for (i, (a, b)) in items.iter().zip(theirs).enumerate() {
                    self.compare(*a, b, &format!("{path}[{i}]"));
                }
            }
            (NodeKind::Mapping { entries, .. }, Yaml::Hash(theirs)) => {
                if entries.len() != theirs.len() {
                    self.problems.push(format!(
                        "{path}: {} keys, yaml-rust2 {}",
                        entries.len(),
                        theirs.len()
                    ));
                    return;
                }
                for ((k, v), (tk, tv)) in entries.iter().zip(theirs) {
                    let key = tree.scalar_value(*k).unwrap_or("?").to_string();
                    self.compare(*k, tk, &format!("{path}.<key {key}>"));
                    self.compare(*v, tv, &format!("{path}.{key}"));
                }
            }
            (_, other) => self.problems.push(format!(
                "{path}: different kinds of node (yaml-rust2 {other:?})"
            )),
        }
    }
}

#[test]
fn both_parsers_agree_on_every_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = oracle_support::yaml_files_under(&root.join("testdata"));
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        files.extend(oracle_support::yaml_files_under(&corpus));
    } else {
        eprintln!("NOTICE: ../shared/corpus is absent: only testdata compared");
    }
    let (mut compared, mut scalars, mut only_one) = (0, 0, Vec::new());
    let mut known = Vec::new();
    let mut problems = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let ours = Tree::parse(text.as_str());
        let theirs = YamlLoader::load_from_str(&text);
        let (ours, theirs) = match (ours, theirs) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(_), Err(_)) => continue,
            // Compose reads these (a BOM, a flow `]` at column 0, anchors across documents),
            // yaml-rust2 does not; the reverse would be a bug of ours.
            (Ok(_), Err(e)) => {
                only_one.push(format!("{}: yaml-rust2 fails: {e}", file.display()));
                continue;
            }
            // A core tag on a value of another type (`!!int "abc"`): go-yaml, and so Compose,
            // refuses it; yaml-rust2 keeps the value.
            (Err(e), Ok(_)) if e.message.starts_with("cannot decode !!") => {
                only_one.push(format!("{}: only yaml-rust2 reads it: {e}", file.display()));
                continue;
            }
            (Err(e), Ok(_)) => {
                problems.push(format!(
                    "{}: only yaml-rust2 parses it; ours: {e}",
                    file.display()
                ));
                continue;
            }
        };
        compared += 1;
        let mut comparison = Comparison {
            tree: &ours,
            scalars: 0,
            known: Vec::new(),
            problems: Vec::new(),
        };
        let docs: Vec<NodeId> = ours.documents.iter().flatten().copied().collect();
        let their_docs: Vec<&Yaml> = theirs
            .iter()
            .filter(|d| !matches!(d, Yaml::BadValue))
            .collect();
        if docs.len() != their_docs.len() {
            problems.push(format!(
                "{}: {} documents, yaml-rust2 {}",
                file.display(),
                docs.len(),
                their_docs.len()
            ));
            continue;
        }
        for (d, t) in docs.iter().zip(their_docs) {
            comparison.compare(*d, t, "");
        }
        scalars += comparison.scalars;
        known.extend(
            comparison
                .known
                .into_iter()
                .map(|(w, r)| (format!("{}{w}", file.display()), r)),
        );
        problems.extend(
            comparison
                .problems
                .into_iter()
                .map(|p| format!("{}{p}", file.display())),
        );
    }
    println!(
        "second parser: {} files, {compared} parsed by both, {scalars} scalars compared, {} known differences, {} files parsed by only one of the two",
        files.len(),
        known.len(),
        only_one.len()
    );
    for (what, why) in &known {
        println!("  known difference: {what}: {why}");
    }
    for what in &only_one {
        println!("  parsed by one only: {what}");
    }
    assert!(compared > 200, "too few files compared");
    assert!(
        problems.is_empty(),
        "{} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
