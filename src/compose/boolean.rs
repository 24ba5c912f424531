//! Booleans as Compose reads them. A YAML boolean (`true`, `True`, `TRUE` in YAML 1.2) is
//! itself; any other scalar is cast by compose-go's interpolation step, which accepts `y`,
//! `yes`, `on`, `true` and `n`, `no`, `off`, `false` in any case, quoted or not, after
//! interpolation (`${PRIVILEGED:-yes}`), with no surrounding spaces. Everything else (`1`, `0`,
//! `t`, an empty string) makes Compose reject the file. Keys typed `boolean` alone in the
//! schema (`use_api_socket`) take YAML booleans only ([`yaml_bool_at`]). Measured against docker-compose v2.40.3
//! (docs/compose-facts.md, "Booleans"; tests/compose_values.rs compares the two).

use super::layers::str_at;
use super::model::{Loc, Project};
use crate::yaml::ScalarType;

/// The value of a boolean written as `text` (a string after interpolation), or `None` where
/// Compose rejects it.
pub fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: [&str; 4] = ["y", "yes", "on", "true"];
    const FALSE: [&str; 4] = ["n", "no", "off", "false"];
    if TRUE.iter().any(|t| text.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|f| text.eq_ignore_ascii_case(f)) {
        Some(false)
    } else {
        None
    }
}

/// The boolean a node holds as Compose reads it; `None` for a value Compose rejects (a
/// number, null, a collection, an unknown word).
pub fn bool_at(project: &Project, loc: Loc) -> Option<bool> {
    match project.tree(loc.file).scalar_type(loc.node)? {
        ScalarType::Bool(b) => Some(b),
        ScalarType::Str => parse_bool(&str_at(project, loc)?),
        ScalarType::Null | ScalarType::Int(_) | ScalarType::Float => None,
    }
}

/// The value of a key the Compose schema types `boolean` only (`use_api_socket`,
/// `depends_on.<service>.required`): a YAML boolean (`true`, `True`, `TRUE` ...). Any string,
/// `yes` and `"true"` included, and any variable, makes Compose reject the file ("must be a
/// boolean"), so it is `None` here.
pub fn yaml_bool_at(project: &Project, loc: Loc) -> Option<bool> {
    match project.tree(loc.file).scalar_type(loc.node)? {
        ScalarType::Bool(b) => Some(b),
        _ => None,
    }
}

/// A boolean inside a value the Docker daemon parses itself, such as
/// `security_opt: [no-new-privileges:1]`: Go's `strconv.ParseBool`, which accepts `1`, `t`,
/// `T`, `true`, `True`, `TRUE` and their negatives, and refuses `yes` and `on` (measured on
/// dockerd 20.10: `no-new-privileges:yes` is `invalid --security-opt`).
pub fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "True" | "TRUE" => Some(true),
        "0" | "f" | "F" | "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Whether a node is a boolean Compose reads as true.
pub fn is_true(project: &Project, loc: Loc) -> bool {
    bool_at(project, loc) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_spellings() {
        for t in ["1", "t", "T", "true", "True", "TRUE"] {
            assert_eq!(parse_go_bool(t), Some(true), "{t}");
        }
        for f in ["0", "f", "F", "false", "False", "FALSE"] {
            assert_eq!(parse_go_bool(f), Some(false), "{f}");
        }
        for bad in ["yes", "on", "y", "tRUE", "", " true"] {
            assert_eq!(parse_go_bool(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn compose_go_spellings() {
        for t in [
            "y", "Y", "yes", "YES", "yEs", "on", "ON", "oN", "true", "True", "tRuE",
        ] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "off", "OFF", "false", "FALSE", "fAlSe",
        ] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        for bad in [
            "", "1", "0", "t", "f", "T", " yes", "true ", "enable", "ok", "2", "~",
        ] {
            assert_eq!(parse_bool(bad), None, "{bad:?}");
        }
    }
}
