//! Exceptions with an owner and an end: inline suppressions with `until=`/`owner=`
//! (src/suppress.rs reads them) and the config's `[[exceptions]]`.
//!
//! Past its `until`, an exception no longer suppresses: the finding comes back with an
//! `expired-exception` finding beside it. Within `[suppressions] warn-before` of its end, it
//! still suppresses and an `expiring-exception` warning says how many days are left.
//! `composeguard exceptions` lists them all (see `command`).

pub mod command;
pub mod date;
mod listing;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::GlobMatcher;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostic::Severity;
use crate::rules::RuleMeta;
pub use date::{Moment, Written};

pub const EXPIRED_META: RuleMeta = RuleMeta {
    id: "expired-exception",
    category: "suppression",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "An exception (`until=` in a suppression, or `[[exceptions]]`) whose date has passed",
    docs: include_str!("../rules/docs/expired-exception.md"),
};

pub const EXPIRING_META: RuleMeta = RuleMeta {
    id: "expiring-exception",
    category: "suppression",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "An exception that ends within `warn-before` (14 days by default)",
    docs: include_str!("../rules/docs/expiring-exception.md"),
};

/// The default of `[suppressions] warn-before`.
pub const DEFAULT_WARN_BEFORE: &str = "14d";

/// An entry of `[[exceptions]]` as written in composeguard.toml.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExceptionEntry {
    /// The rule id (or category) it suppresses.
    #[schemars(with = "String")]
    pub rule: Spanned<String>,
    /// Glob of the compose files it applies to, relative to the config file's folder
    /// (default: every file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Only the findings of this service (default: every service, and findings outside one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Last day it holds (`2027-01-31`), or the instant it ends (`2027-01-31T12:00:00Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub until: Option<Spanned<String>>,
    /// Who answers for it, e.g. `@db-team`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Why the findings are accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An `[[exceptions]]` entry, resolved.
#[derive(Debug, Clone)]
pub struct ConfigException {
    pub rule: String,
    pub path: Option<String>,
    pub glob: Option<GlobMatcher>,
    pub service: Option<String>,
    pub until: Option<(String, Written)>,
    pub owner: Option<String>,
    pub reason: Option<String>,
    /// The config file and the 1-based line of the entry (its `[[exceptions]]` header).
    pub config: PathBuf,
    pub line: usize,
}

/// What decides whether an exception holds: the config's entries, now, and the warning window.
#[derive(Debug, Clone)]
pub struct Policy {
    pub now: Moment,
    /// Seconds before an end when `expiring-exception` starts warning (0: never).
    pub warn_before: i64,
    pub entries: Arc<Vec<ConfigException>>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            now: date::clock(),
            warn_before: 14 * date::SECONDS_PER_DAY,
            entries: Arc::new(Vec::new()),
        }
    }
}

/// Where an exception stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No `until`: it holds for ever.
    NoEnd,
    Active {
        days_left: i64,
    },
    Expiring {
        days_left: i64,
    },
    Expired {
        days_left: i64,
    },
}

impl Status {
    pub fn of(until: Option<Written>, policy: &Policy) -> Status {
        let Some(until) = until else {
            return Status::NoEnd;
        };
        let end = until.end();
        let days_left = date::days_left(end, policy.now);
        if policy.now >= end {
            Status::Expired { days_left }
        } else if end.0 - policy.now.0 <= policy.warn_before {
            Status::Expiring { days_left }
        } else {
            Status::Active { days_left }
        }
    }

    pub fn suppresses(self) -> bool {
        !matches!(self, Status::Expired { .. })
    }

    pub fn days_left(self) -> Option<i64> {
        match self {
            Status::NoEnd => None,
            Status::Active { days_left }
            | Status::Expiring { days_left }
            | Status::Expired { days_left } => Some(days_left),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::NoEnd => "no-end",
            Status::Active { .. } => "active",
            Status::Expiring { .. } => "expiring",
            Status::Expired { .. } => "expired",
        }
    }
}

/// "1 day", "12 days".
pub fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// Resolves `[[exceptions]]` and `warn-before`; an error is a byte range of the config text
/// and a message.
pub fn resolve(
    entries: &[ExceptionEntry],
    warn_before: Option<&Spanned<String>>,
    config: Option<&Path>,
    text: &str,
) -> Result<Policy, (Option<std::ops::Range<usize>>, String)> {
    let mut policy = Policy::default();
    if let Some(window) = warn_before {
        policy.warn_before = date::parse_window(window.get_ref())
            .map_err(|why| (Some(window.span()), format!("warn-before: {why}")))?;
    }
    let mut resolved = Vec::new();
    for entry in entries {
        let rule = entry.rule.get_ref();
        if !crate::config::is_known_selector(rule) {
            return Err((
                Some(entry.rule.span()),
                format!("exceptions: unknown rule or category {rule:?}"),
            ));
        }
        let until = match &entry.until {
            Some(until) => Some((
                until.get_ref().clone(),
                date::parse(until.get_ref())
                    .map_err(|why| (Some(until.span()), format!("exceptions: until: {why}")))?,
            )),
            None => None,
        };
        let glob = match &entry.path {
            Some(pattern) => Some(
                globset::Glob::new(pattern)
                    .map_err(|e| {
                        (
                            Some(entry.rule.span()),
                            format!("exceptions: invalid path glob {pattern:?}: {e}"),
                        )
                    })?
                    .compile_matcher(),
            ),
            None => None,
        };
        // The entry's `[[exceptions]]` header, else (an inline table) its `rule`.
        let rule_start = entry.rule.span().start.min(text.len());
        let start = text[..rule_start]
            .rfind("[[exceptions]]")
            .unwrap_or(rule_start);
        resolved.push(ConfigException {
            rule: rule.clone(),
            path: entry.path.clone(),
            glob,
            service: entry.service.clone(),
            until,
            owner: entry.owner.clone(),
            reason: entry.reason.clone(),
            config: config.map(Path::to_path_buf).unwrap_or_default(),
            line: text[..start].matches('\n').count() + 1,
        });
    }
    policy.entries = Arc::new(resolved);
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_by_the_end_and_the_window() {
        let day = |t: &str| date::parse(t).unwrap();
        let policy = |now: &str, window_days: i64| Policy {
            now: day(now).start(),
            warn_before: window_days * date::SECONDS_PER_DAY,
            entries: Arc::new(Vec::new()),
        };
        let until = Some(day("2027-01-31"));
        assert_eq!(Status::of(None, &policy("2030-01-01", 14)), Status::NoEnd);
        assert_eq!(
            Status::of(until, &policy("2027-01-17", 14)),
            Status::Active { days_left: 15 }
        );
        assert_eq!(
            Status::of(until, &policy("2027-01-18", 14)),
            Status::Expiring { days_left: 14 }
        );
        assert_eq!(
            Status::of(until, &policy("2027-01-31", 0)),
            Status::Active { days_left: 1 },
            "0d never warns"
        );
        assert_eq!(
            Status::of(until, &policy("2027-02-01", 14)),
            Status::Expired { days_left: 0 }
        );
        assert!(!Status::Expired { days_left: 0 }.suppresses());
        assert!(Status::Expiring { days_left: 1 }.suppresses());
        // An instant ends at that instant.
        let instant = Some(day("2027-01-31T12:00:00+02:00"));
        assert!(Status::of(instant, &policy("2027-01-31T09:59:59Z", 0)).suppresses());
        assert!(!Status::of(instant, &policy("2027-01-31T10:00:00Z", 0)).suppresses());
    }
}
