//! The floor of the benchmark: what checking compose files costs at the least.
//!
//! Walks the folders (or takes the files) given on the command line, picks the files
//! composeguard would look at (compose file names and their `.override`/`.<env>` variants),
//! reads each and runs granit-parser over it with the options composeguard uses, on one
//! thread, and throws the events away. No tree, no model, no rules, no output per file.
//!
//! Prints `files=N bytes=N events=N errors=N` so the work cannot be optimised away.

use std::path::{Path, PathBuf};

use granit_parser::{Options, Parser};

/// Same test as composeguard's `discover::is_compose_file_name`.
fn is_compose_file_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    let base = stem.split('.').next().unwrap_or("");
    (base == "compose" || base == "docker-compose") && !stem.ends_with('.')
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, out);
        } else if kind.is_file()
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_compose_file_name)
        {
            out.push(path);
        }
    }
}

/// The options of composeguard's `yaml::Tree::parse`.
fn options() -> Options {
    let mut options = Options::default();
    options.max_buffered_comment_events = usize::MAX / 2;
    options.block_nesting_limit = 512;
    options.flow_nesting_limit = 512;
    options.emit_anchor_events = true;
    options.emit_unresolved_aliases = true;
    options
}

fn main() {
    let mut files = Vec::new();
    for arg in std::env::args_os().skip(1) {
        let path = PathBuf::from(arg);
        if path.is_dir() {
            walk(&path, &mut files);
        } else {
            files.push(path);
        }
    }
    files.sort();
    let (mut bytes, mut events, mut errors) = (0usize, 0usize, 0usize);
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(_) => {
                errors += 1;
                continue;
            }
        };
        bytes += text.len();
        for event in Parser::new_from_str_with_options(&text, options()) {
            match event {
                Ok(_) => events += 1,
                Err(_) => {
                    errors += 1;
                    break;
                }
            }
        }
    }
    println!(
        "files={} bytes={bytes} events={events} errors={errors}",
        files.len()
    );
}
