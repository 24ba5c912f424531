//! `yaml11-sexagesimal-port`: a plain `HOST:CONTAINER` port that YAML 1.1 reads as a number.
//!
//! ## What it does
//! Finds unquoted short-syntax ports that match YAML 1.1's base-60 integer pattern
//! (`[1-9][0-9]*(:[0-5]?[0-9])+`): every part after the first is at most 59. `22:22`, `21:21`,
//! `2222:22`, `10053:53` are all read as integers by YAML 1.1 parsers (`22:22` is 22 × 60 + 22 =
//! 1342).
//!
//! ## Why is this bad
//! Docker Compose v2 reads YAML 1.2 and gets the string `"22:22"`, but docker-compose v1,
//! PyYAML-based scripts, Ansible and many other tools read YAML 1.1 and get a number: the port
//! mapping silently becomes something else. The Compose documentation asks for ports to be
//! quoted for this reason.
//!
//! ## Fix
//! Safe: the entry is quoted in the file's dominant quote style (`"22:22"`). Its value does not
//! change for YAML 1.2 readers.

use super::common::{QuoteCache, Reporter, diagnostic, edits_clear_of_lone_cr};
use super::{Context, RuleMeta};
use crate::compose::port::PortSyntax;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Fix};
use crate::yaml::ScalarStyle;

pub const META: RuleMeta = RuleMeta {
    id: "yaml11-sexagesimal-port",
    category: "correctness",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: true,
    summary: "An unquoted port such as 22:22 is a base-60 number to YAML 1.1 tools",
    docs: include_str!("../../rules/docs/yaml11-sexagesimal-port.md"),
};

/// YAML 1.1's sexagesimal integer: `[1-9][0-9_]*(:[0-5]?[0-9])+` (digits only here).
pub fn is_sexagesimal(text: &str) -> bool {
    let mut parts = text.split(':');
    let Some(first) = parts.next() else {
        return false;
    };
    if !first.starts_with(|c: char| ('1'..='9').contains(&c))
        || !first.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let mut rest = 0;
    for part in parts {
        rest += 1;
        let ok = match part.as_bytes() {
            [d] => d.is_ascii_digit(),
            [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    rest > 0
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut quotes = QuoteCache::default();
    let mut reporter = Reporter::new(out);
    for service in &project.services {
        for binding in &service.ports {
            if binding.syntax != PortSyntax::Short {
                continue;
            }
            let tree = project.tree(binding.at.file);
            let node = binding.at.node;
            if tree.scalar(node).map(|s| s.style) != Some(ScalarStyle::Plain) {
                continue;
            }
            let Some(raw) = tree.scalar_value(node) else {
                continue;
            };
            if !is_sexagesimal(raw) {
                continue;
            }
            let span = tree.span(node);
            // An insertion at the start and a replacement of the whole entry, so that any other
            // edit of the entry (an insertion there, a replacement of it or of a piece) is seen
            // as a clash and waits for the next round.
            let q = quotes.get(project, binding.at.file);
            let edits = vec![
                Edit::insert(span.start, q.to_string()),
                Edit::replace(span.clone(), format!("{raw}{q}")),
            ];
            let fix = (tree.text().get(span.clone()) == Some(raw)
                && edits_clear_of_lone_cr(tree.text(), &edits))
            .then(|| Fix::new("Quote the port", Applicability::Safe, edits));
            let message = format!(
                "service `{}` has the unquoted port {raw}, which YAML 1.1 tools read as the base-60 number {}",
                service.name,
                base60(raw)
            );
            reporter.report(
                binding.at,
                "",
                service,
                diagnostic(&META, project, binding.at, message)
                    .with_help("quote it (`\"22:22\"`): Compose reads it as a string either way, other tools then do too")
                    .with_fix(fix),
            );
        }
    }
}

fn base60(text: &str) -> u64 {
    text.split(':').fold(0u64, |acc, p| {
        acc.saturating_mul(60)
            .saturating_add(p.parse().unwrap_or(0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sexagesimal() {
        for yes in ["22:22", "21:21", "2222:22", "10053:53", "1:2", "59:59"] {
            assert!(is_sexagesimal(yes), "{yes}");
        }
        for no in [
            "80:80",
            "22:60",
            "022:22",
            "22",
            "a:1",
            "22:22/udp",
            "1-2:3",
            "22:222",
        ] {
            assert!(!is_sexagesimal(no), "{no}");
        }
        assert_eq!(base60("22:22"), 1342);
    }
}
