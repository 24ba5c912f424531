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

/// The argument vector of `command` or `entrypoint`: a list as written, or a string split
/// on whitespace with its quotes removed (as Compose splits it, shell-like), interpolated.
pub fn argv(project: &Project, service: &Service, key: &str) -> Option<Vec<String>> {
    let loc = project.service_value(service, key)?;
    let tree = project.tree(loc.file);
    if let Some(items) = tree.items(loc.node) {
        return Some(
            items
                .iter()
                .filter_map(|i| tree.scalar_value(*i))
                .map(|w| project.interpolate(loc.file, w))
                .collect(),
        );
    }
    let text = str_at(project, loc)?;
    Some(shell_words(&text))
}

/// The text a healthcheck runs: `test` without its leading `CMD`/`CMD-SHELL`, joined by
/// spaces. `None` without a healthcheck, with `disable: true` or `test: ["NONE"]`.
pub fn healthcheck_test(project: &Project, service: &Service) -> Option<String> {
    let loc = project.service_value(service, "healthcheck")?;
    let tree = project.tree(loc.file);
    let disabled = tree.get_value(loc.node, "disable").is_some_and(|d| {
        super::layers::is_true(
            project,
            Loc {
                file: loc.file,
                node: d,
            },
        )
    });
    if disabled {
        return None;
    }
    let test = tree.get_value(loc.node, "test")?;
    let words: Vec<String> = match tree.items(test) {
        Some(items) => items
            .iter()
            .filter_map(|i| tree.scalar_value(*i))
            .map(|w| project.interpolate(loc.file, w))
            .collect(),
        None => vec![str_at(
            project,
            Loc {
                file: loc.file,
                node: test,
            },
        )?],
    };
    let rest = match words.first().map(String::as_str) {
        Some("NONE") => return None,
        Some("CMD") | Some("CMD-SHELL") => &words[1..],
        _ => &words[..],
    };
    Some(rest.join(" "))
}

/// Splits a command line into words as a POSIX shell would for simple cases: whitespace
/// separates, single and double quotes group (and are removed), a backslash escapes.
pub fn shell_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shell_words;

    #[test]
    fn shell_words_group_quotes_and_escapes() {
        assert_eq!(
            shell_words(r#"sh -c "redis-server --port 6379 && echo 'a b'" x\ y"#),
            ["sh", "-c", "redis-server --port 6379 && echo 'a b'", "x y"]
        );
        assert_eq!(shell_words("  "), Vec::<String>::new());
        assert_eq!(shell_words("''"), [""]);
    }
}
