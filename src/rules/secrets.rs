//! Credentials written in the compose file: `default-password` (a well-known default or
//! example value) and `hardcoded-secret` (any other literal credential).
//!
//! ## What it does
//! Both rules read the `environment` of every service. A variable holds a credential when a
//! word of its name is `PASSWORD`, `PASSWD`, `PASS`, `PWD` (not alone), `SECRET`, `TOKEN`,
//! `CREDENTIAL(S)`, `APIKEY`, `SALT`, `TOKENS` (not for a number), or `KEY` after `API`, `PRIVATE`, `ACCESS`, `MASTER`, `SIGNING`,
//! `ENCRYPTION`, `JWT`, `SESSION` or `APP`, and its last word does not say it holds something
//! else (`_FILE`, `_PATH`, `_URL`, `_USER`, `_LENGTH`, `_ENABLED`, `_TTL` ...).
//! `NEO4J_AUTH=neo4j/<password>` counts too, and so does the password of a connection string
//! in any variable (`postgres://app:s3cret@db/app`), and the `password=` of a `*_DSN`.
//!
//! Values are read as Compose reads `$` ([`template_pieces`]): `$$` is one `$`, a trailing
//! `$` is literal, a `${VAR:-x}` / `${VAR-x}` reference is its literal fallback `x` (what runs
//! when the variable is unset), a URL's literal password counts around variables
//! (`postgres://${USER:?}:hunter2@db`), and so does literal text beside a variable without a
//! default (`k3y-7f9a${SUFFIX}`; not separators alone, `${USER}:${PW}`).
//!
//! - `default-password`: the value is a well-known default or example (`postgres`,
//!   `password`, `example`, `changeme`, `root`, `admin`, `secret`, `123456`, `minioadmin`,
//!   `guest`, `my-secret-pw` ...), a placeholder (`your-password-here`, `xxxxx`, `<secret>`),
//!   or the same as the user name beside it (`POSTGRES_USER=app`, `POSTGRES_PASSWORD=app`).
//!   The fallback of `${POSTGRES_PASSWORD:-postgres}` counts: it is what runs when the
//!   variable is unset.
//! - `hardcoded-secret`: any other literal value (not a `${VAR}` reference, a path, a boolean
//!   or a short number). What `default-password` reports is not reported again.
//!
//! ## Why is this bad
//! A default password is the first one an attacker tries. Any password in the file is shared
//! with everyone who can read the repository, its history and its forks, and is the same on
//! every machine that runs the file.
//!
//! ## Fix
//! None automatic. Read the value from the environment or a `.env` file kept out of version
//! control (`POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}`), or better, from a
//! Compose secret (`POSTGRES_PASSWORD_FILE: /run/secrets/db_password`).

use std::ops::Range;

use super::common::{EnvEntry, Reporter, diagnostic_at, parse_url};
use super::{Context, RuleMeta};
use crate::compose::interpolate::{TemplatePiece, literal_default, template_pieces};
use crate::diagnostic::{Diagnostic, Severity};

pub const DEFAULT_META: RuleMeta = RuleMeta {
    id: "default-password",
    category: "auth",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A password is a well-known default or example value",
    docs: include_str!("../../rules/docs/default-password.md"),
};

pub const HARDCODED_META: RuleMeta = RuleMeta {
    id: "hardcoded-secret",
    category: "auth",
    severity: Severity::Warning,
    default_enabled: true,
    fixable: false,
    summary: "A password, token or key is written in the compose file",
    docs: include_str!("../../rules/docs/hardcoded-secret.md"),
};

/// Well-known defaults and documentation examples, compared case-insensitively.
const DEFAULTS: &[&str] = &[
    "postgres",
    "postgresql",
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pass",
    "pass123",
    "password1",
    "password123",
    "example",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "root",
    "admin",
    "admin123",
    "administrator",
    "secret",
    "secret123",
    "supersecret",
    "mysecret",
    "mysecretpassword",
    "my-secret-pw",
    "mypassword",
    "1234",
    "12345",
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "qwerty",
    "letmein",
    "test",
    "test123",
    "guest",
    "minioadmin",
    "minio123",
    "mysql",
    "mariadb",
    "mongo",
    "mongodb",
    "rabbitmq",
    "redis",
    "elastic",
    "kibana",
    "grafana",
    "pgadmin",
    "keycloak",
    "neo4j",
    "default",
    "demo",
    "user",
    "toor",
    "abc123",
    "dbpassword",
    "db_password",
    "dbpass",
    "yourstrong(!)password",
    "yourstrong@passw0rd",
    "yourstrongpassword",
];

/// Last words of a variable name that say it holds something other than the credential.
const NOT_THE_VALUE: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "URL",
    "URI",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "REQUIRED",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "TIMEOUT",
    "HEADER",
    "NAME",
    "TYPE",
    "ALGORITHM",
    "ALG",
    "POLICY",
    "COST",
    "ROUNDS",
    "ISSUER",
    "AUDIENCE",
    "ENDPOINT",
    "PROVIDER",
    "METHOD",
    "MODE",
    "STRATEGY",
    "USER",
    "USERNAME",
    "LOGIN",
    "ID",
    "FORMAT",
    "LOCATION",
    "FIELD",
    "PARAM",
    "PREFIX",
    "SIZE",
    "COUNT",
    "HOST",
    "PORT",
    "HINT",
    "RESET",
    "ROTATION",
    "VERSION",
    "SOURCE",
    "STORE",
    "BACKEND",
    "VAR",
    "ENV",
    "KEYS",
];

/// Words of a variable name that make it a credential wherever they stand.
const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "SALT",
];

/// Credential words that still count glued to the end of another word (`MYAPIKEY`).
const GLUED_SUFFIXES: &[&str] = &["PASSWORD", "PASSWD", "APIKEY", "SECRET", "TOKEN"];

/// Words before `KEY` that make it a credential (`API_KEY`, not `SSH_KEY_PATH`'s `KEY`).
const KEY_QUALIFIERS: &[&str] = &[
    "API",
    "PRIVATE",
    "ACCESS",
    "MASTER",
    "SIGNING",
    "ENCRYPTION",
    "JWT",
    "SESSION",
    "APP",
];

/// What a variable's name says it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameKind {
    /// A credential (`DB_PASSWORD`, `API_KEY`, `APP_SALT` ...).
    Credential,
    /// A word that also names quantities (`TOKENS`: `OPENAI_MAX_TOKENS: 128000` counts text
    /// units): a credential unless the value is a number.
    CredentialUnlessNumber,
    /// A data source name (`DB_DSN`): it holds a credential only where it says `password=`
    /// (`mysql:host=db;dbname=app` alone is an address).
    DataSourceName,
}

/// Whether a variable's name says it holds a credential, and of what kind.
fn name_kind(name: &str) -> Option<NameKind> {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '.', '-'])
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.last()?;
    if NOT_THE_VALUE.contains(last) {
        return None;
    }
    let credential = words.iter().enumerate().any(|(i, w)| {
        CREDENTIAL_WORDS.contains(w)
            || glued_credential(w)
            || (*w == "PWD" && words.len() > 1)
            || (*w == "KEY" && i > 0 && KEY_QUALIFIERS.contains(&words[i - 1]))
    });
    if credential {
        Some(NameKind::Credential)
    } else if words.contains(&"TOKENS") {
        Some(NameKind::CredentialUnlessNumber)
    } else if words.contains(&"DSN") {
        Some(NameKind::DataSourceName)
    } else {
        None
    }
}

/// A word that ends with a credential word glued to another (`MYAPIKEY`, `DBPASSWORD`,
/// `CLIENTSECRET`), not a longer word that only starts like one (`PASSPORT`, `TOKENIZER`).
fn glued_credential(word: &str) -> bool {
    GLUED_SUFFIXES
        .iter()
        .any(|suffix| word.len() > suffix.len() && word.ends_with(suffix))
}

/// Whether a variable's name says it holds a credential.
#[cfg(test)]
fn is_credential_name(name: &str) -> bool {
    name_kind(name).is_some()
}

/// How a literal credential is judged.
enum Verdict {
    Default(&'static str),
    Hardcoded,
    Ignore,
}

fn judge(value: &str, user: Option<&str>) -> Verdict {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if let Some(d) = DEFAULTS.iter().find(|d| **d == lower) {
        return Verdict::Default(d);
    }
    if user.is_some_and(|u| !u.is_empty() && u.eq_ignore_ascii_case(v)) {
        return Verdict::Default("the user name");
    }
    if is_placeholder(&lower) {
        return Verdict::Default("a placeholder");
    }
    if v.len() < 3
        || matches!(
            lower.as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "nil" | "empty"
        )
        || (v.bytes().all(|b| b.is_ascii_digit()) && v.len() < 6)
        || v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("~/")
        || lower.starts_with("file:")
        || (v.contains("://") && parse_url(v).is_some())
    {
        return Verdict::Ignore;
    }
    Verdict::Hardcoded
}

fn is_placeholder(lower: &str) -> bool {
    let stripped = lower.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    (lower.starts_with('<') && lower.ends_with('>'))
        || (lower.starts_with('[') && lower.ends_with(']'))
        || (!lower.is_empty()
            && lower
                .chars()
                .all(|c| matches!(c, 'x' | '*' | '.' | '-' | '_')))
        || lower.starts_with("your")
        || lower.starts_with("change")
        || lower.starts_with("replace")
        || lower.starts_with("insert")
        || lower.starts_with("put-your")
        || lower.starts_with("put_your")
        || lower.starts_with("enter")
        || PLACEHOLDER_WORDS.contains(&stripped)
        // `token_here`, `put-the-key-here`, `secret here`.
        || ["_here", "-here", " here", ".here"]
            .iter()
            .any(|end| stripped.ends_with(end))
}

/// Whole values that say a real one was never put in.
const PLACEHOLDER_WORDS: &[&str] = &[
    "todo",
    "fixme",
    "tbd",
    "placeholder",
    "dummy",
    "redacted",
    "notset",
    "not-set",
    "not_set",
];

/// What Compose uses for `raw[range]` when no variable is set, when that is known: the
/// literal text there (`$$` read as `$`), each reference replaced by its literal default
/// (`${PW:-changeme}`). `None` when a reference without a literal default (`${PW}`,
/// `${PW:?}`) or only part of a reference is in the range.
struct Known {
    value: String,
    /// Where the value is written in `raw`: the default alone when the range is one
    /// reference, else the range.
    span: Range<usize>,
    /// The range is one reference and the value its default.
    fallback: bool,
}

fn known_text(raw: &str, pieces: &[TemplatePiece], range: Range<usize>) -> Option<Known> {
    let mut value = String::new();
    let mut only_reference = None;
    for piece in pieces {
        match piece {
            TemplatePiece::Text { range: r, value: v } => {
                let (start, end) = (r.start.max(range.start), r.end.min(range.end));
                if start >= end {
                    continue;
                }
                if (start, end) == (r.start, r.end) {
                    value.push_str(v);
                } else {
                    // Part of the text: read its own `$$` again.
                    match template_pieces(&raw[start..end])?.as_slice() {
                        [TemplatePiece::Text { value: v, .. }] => value.push_str(v),
                        _ => return None,
                    }
                }
                only_reference = Some(None);
            }
            TemplatePiece::Reference(reference) => {
                let r = &reference.range;
                if r.end <= range.start || r.start >= range.end {
                    continue;
                }
                if r.start < range.start || r.end > range.end {
                    return None;
                }
                value.push_str(&literal_default(raw, reference)?);
                only_reference = match only_reference {
                    None => Some(reference.word.clone()),
                    Some(_) => Some(None),
                };
            }
        }
    }
    let (span, fallback) = match only_reference {
        Some(Some(word)) if reference_is_whole(pieces, &range) => (word, true),
        _ => (range, false),
    };
    Some(Known {
        value,
        span,
        fallback,
    })
}

/// Whether `range` is exactly one reference.
fn reference_is_whole(pieces: &[TemplatePiece], range: &Range<usize>) -> bool {
    pieces
        .iter()
        .any(|p| matches!(p, TemplatePiece::Reference(r) if r.range == *range))
}

/// `raw` with every reference replaced by as many `v` bytes, so that the shape of a URL can be
/// read around its variables (`postgres://${USER:?}:hunter2@db/app`).
fn masked(raw: &str, pieces: &[TemplatePiece]) -> String {
    let mut out = String::with_capacity(raw.len());
    for piece in pieces {
        match piece {
            TemplatePiece::Text { range, .. } => out.push_str(&raw[range.clone()]),
            TemplatePiece::Reference(r) => out.extend(std::iter::repeat_n('v', r.range.len())),
        }
    }
    out
}

/// The value after `password=` or `pwd=` in a key=value data source name
/// (`host=db;user=app;password=s3cret`), as a range.
fn dsn_password(value: &str) -> Option<Range<usize>> {
    let lower = value.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(['p']).map(|i| from + i) {
        let boundary =
            i == 0 || matches!(lower.as_bytes()[i - 1], b';' | b' ' | b'&' | b'?' | b':');
        for key in ["password=", "pwd="] {
            if boundary && lower[i..].starts_with(key) {
                let start = i + key.len();
                let end = lower[start..]
                    .find([';', ' ', '&'])
                    .map_or(lower.len(), |e| start + e);
                return Some(start..end);
            }
        }
        from = i + 1;
    }
    None
}

/// The user name that goes with a password variable (`POSTGRES_USER` for `POSTGRES_PASSWORD`).
fn user_for<'e>(env: &'e [EnvEntry], name: &str) -> Option<&'e str> {
    let upper = name.to_ascii_uppercase();
    let prefix = [
        "_ROOT_PASSWORD",
        "_PASSWORD",
        "_PASSWD",
        "_PASS",
        "_DEFAULT_PASS",
        "_PWD",
    ]
    .iter()
    .find_map(|s| upper.strip_suffix(s))?;
    let candidates = [
        format!("{prefix}_USER"),
        format!("{prefix}_USERNAME"),
        format!("{prefix}_ROOT_USER"),
        format!("{prefix}_ROOT_USERNAME"),
        format!("{prefix}_DEFAULT_USER"),
    ];
    env.iter()
        .find(|e| candidates.iter().any(|c| c.eq_ignore_ascii_case(&e.name)))
        .and_then(|e| e.value.as_deref())
}

/// A credential found in one variable.
struct Finding {
    verdict: Verdict,
    /// The bytes of the credential.
    span: Range<usize>,
    what: String,
}

fn findings(var: &EnvEntry, env: &[EnvEntry]) -> Vec<Finding> {
    match var.raw.as_deref() {
        Some(raw) => findings_in(
            &Written {
                name: &var.name,
                raw,
                raw_start: var.raw_start,
                value_span: var.value_span.clone(),
            },
            env,
        ),
        None => Vec::new(),
    }
}

/// A variable's value as written, and where.
struct Written<'a> {
    name: &'a str,
    raw: &'a str,
    /// See [`EnvEntry::raw_start`].
    raw_start: Option<usize>,
    /// See [`EnvEntry::value_span`].
    value_span: Range<usize>,
}

fn findings_in(var: &Written, env: &[EnvEntry]) -> Vec<Finding> {
    let mut out = Vec::new();
    let raw = var.raw;
    // A value Compose refuses is invalid-compose's.
    let Some(pieces) = template_pieces(raw) else {
        return out;
    };
    let abs = |r: Range<usize>| match var.raw_start {
        Some(start) if r != (0..raw.len()) => start + r.start..start + r.end,
        _ => var.value_span.clone(),
    };
    let default_word = |known: &Known, what: &str| {
        if known.fallback {
            format!("the fallback of {what}")
        } else {
            what.to_string()
        }
    };
    // A literal credential is reported even where judge would pass it by (a short value).
    let strict = |verdict| match verdict {
        Verdict::Ignore => Verdict::Hardcoded,
        v => v,
    };
    let shape = masked(raw, &pieces);
    // A connection string: the password between `user:` and `@`.
    if let Some(url) = parse_url(&shape) {
        if let Some(pw) = url.password.clone()
            && let Some(password) = known_text(raw, &pieces, pw)
            && !password.value.is_empty()
        {
            let user = url
                .user
                .clone()
                .and_then(|u| known_text(raw, &pieces, u))
                .map(|k| k.value);
            out.push(Finding {
                verdict: strict(judge(&password.value, user.as_deref())),
                span: abs(password.span.clone()),
                what: default_word(&password, &format!("the connection string in {}", var.name)),
            });
        } else if url.password.is_none()
            && name_kind(var.name) == Some(NameKind::DataSourceName)
            && let Some(user) = url.user.clone()
            && let Some(key) = known_text(raw, &pieces, user)
            && !key.value.is_empty()
        {
            // A DSN's user part is its key (`https://<key>@o1.ingest.sentry.io/1`).
            out.push(Finding {
                verdict: strict(judge(&key.value, None)),
                span: abs(key.span.clone()),
                what: default_word(&key, &format!("the key of {}", var.name)),
            });
        }
        return out;
    }
    let upper = var.name.to_ascii_uppercase();
    if upper == "NEO4J_AUTH" {
        if let Some((user, _)) = shape.split_once('/')
            && let Some(password) = known_text(raw, &pieces, user.len() + 1..raw.len())
        {
            let user = known_text(raw, &pieces, 0..user.len()).map(|k| k.value);
            out.push(Finding {
                verdict: strict(judge(&password.value, user.as_deref())),
                span: abs(password.span.clone()),
                what: default_word(&password, "NEO4J_AUTH"),
            });
        }
        return out;
    }
    let Some(kind) = name_kind(var.name) else {
        return out;
    };
    let Some(known) = known_text(raw, &pieces, 0..raw.len()) else {
        // Literal text beside variables with no literal default (`hunter2${SUFFIX}`): that
        // text is written in the file, whatever the variables hold. Separators alone
        // (`${USER}:${PW}`) are not a credential.
        let literal: String = pieces
            .iter()
            .filter_map(|p| match p {
                TemplatePiece::Text { value, .. } => Some(value.as_str()),
                TemplatePiece::Reference(_) => None,
            })
            .collect();
        let words = literal.trim().to_ascii_lowercase();
        // An authorization scheme before the variable (`Bearer ${TOKEN}`) is no secret.
        let scheme_only = matches!(
            words.trim_end_matches([':', ' ']),
            "bearer" | "basic" | "token" | "apikey"
        );
        if kind != NameKind::DataSourceName
            && !scheme_only
            && literal.chars().filter(char::is_ascii_alphanumeric).count() >= 3
            && !matches!(judge(&literal, None), Verdict::Ignore)
        {
            out.push(Finding {
                verdict: Verdict::Hardcoded,
                span: abs(0..raw.len()),
                what: format!("{} (the text beside its variables)", var.name),
            });
        }
        return out;
    };
    let known = match kind {
        NameKind::Credential => known,
        NameKind::CredentialUnlessNumber => {
            if known.value.trim().bytes().all(|b| b.is_ascii_digit()) {
                return out;
            }
            known
        }
        NameKind::DataSourceName => {
            let Some(pw) = dsn_password(&shape) else {
                return out;
            };
            match known_text(raw, &pieces, pw) {
                Some(k) if !k.value.is_empty() => {
                    let verdict = strict(judge(&k.value, None));
                    out.push(Finding {
                        verdict,
                        span: abs(k.span.clone()),
                        what: default_word(&k, &format!("the password in {}", var.name)),
                    });
                }
                _ => {}
            }
            return out;
        }
    };
    let verdict = judge(&known.value, user_for(env, var.name));
    if !matches!(verdict, Verdict::Ignore) {
        out.push(Finding {
            verdict,
            span: abs(known.span.clone()),
            what: default_word(&known, var.name),
        });
    }
    out
}

pub fn check_default(ctx: &Context, out: &mut Vec<Diagnostic>) {
    run(ctx, out, true);
}

pub fn check_hardcoded(ctx: &Context, out: &mut Vec<Diagnostic>) {
    run(ctx, out, false);
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>, defaults: bool) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for (index, service) in project.services.iter().enumerate() {
        let env = ctx.environment(index);
        for var in env {
            for finding in findings(var, env) {
                let diagnostic = match (&finding.verdict, defaults) {
                    (Verdict::Default(kind), true) => {
                        let why = match *kind {
                            "the user name" => "the same as the user name".to_string(),
                            "a placeholder" => "a placeholder that was never replaced".to_string(),
                            d => format!("the well-known default or example `{d}`"),
                        };
                        diagnostic_at(
                            &DEFAULT_META,
                            var.at.file,
                            finding.span,
                            format!(
                                "service `{}`: {} is {why}",
                                service.name, finding.what
                            ),
                        )
                        .with_help(
                            "it is the first password anyone tries; generate a strong one and pass it in from outside the file (`${DB_PASSWORD:?}` from an untracked .env, or a Compose secret read through *_FILE)",
                        )
                    }
                    (Verdict::Hardcoded, false) => diagnostic_at(
                        &HARDCODED_META,
                        var.at.file,
                        finding.span,
                        format!(
                            "service `{}`: {} holds a literal credential",
                            service.name, finding.what
                        ),
                    )
                    .with_help(format!(
                        "everyone who can read this file or its history has it; use a variable (`{}: ${{{}}}` with the value in an untracked .env) or a Compose secret (`secrets:` and the image's *_FILE variable)",
                        var.name, var.name
                    )),
                    _ => continue,
                };
                reporter.report(var.at, &finding.what, service, diagnostic);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names() {
        for yes in [
            "POSTGRES_PASSWORD",
            "DB_PASS",
            "API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "MEILI_MASTER_KEY",
            "DB_PWD",
            "xpack.security.transport.ssl.keystore.secure_password",
        ] {
            assert!(is_credential_name(yes), "{yes}");
        }
        for no in [
            "PWD",
            "POSTGRES_PASSWORD_FILE",
            "PASSWORD_MIN_LENGTH",
            "TOKEN_TTL",
            "KEYCLOAK_USER",
            "SECRET_KEY_BASE_PATH",
            "PATH",
            "KEY",
            "SSH_KEY_PATH",
        ] {
            assert!(!is_credential_name(no), "{no}");
        }
    }

    #[test]
    fn names_with_credential_words() {
        for yes in [
            "AWS_CREDENTIAL",
            "GCP_CREDENTIALS",
            "APP_SALT",
            "SLACK_APIKEY",
            "CI_TOKENS",
            "MYAPIKEY",
            "DBPASSWORD",
            "OAUTH_CLIENTSECRET",
        ] {
            assert!(is_credential_name(yes), "{yes}");
        }
        assert_eq!(
            name_kind("CI_TOKENS"),
            Some(NameKind::CredentialUnlessNumber)
        );
        assert_eq!(name_kind("SENTRY_DSN"), Some(NameKind::DataSourceName));
        for no in [
            "SALT_FILE",
            "CREDENTIALS_PATH",
            "TOKENIZER",
            "DSNAME",
            "EGG_PASSPORT_GITHUB_CLIENT_ID",
            "TOKEN_FILE",
        ] {
            assert!(!is_credential_name(no), "{no}");
        }
    }

    /// (verdict, span in the value, what) of each finding.
    fn judged(name: &str, raw: &str) -> Vec<(&'static str, Range<usize>, String)> {
        let var = Written {
            name,
            raw,
            raw_start: Some(1000),
            value_span: 1000..1000 + raw.len(),
        };
        findings_in(&var, &[])
            .into_iter()
            .map(|f| {
                let verdict = match f.verdict {
                    Verdict::Default(_) => "default",
                    Verdict::Hardcoded => "hardcoded",
                    Verdict::Ignore => "ignore",
                };
                (verdict, f.span.start - 1000..f.span.end - 1000, f.what)
            })
            .collect()
    }

    #[test]
    fn dollars_are_read_as_compose_reads_them() {
        // `$$` is one `$`, a trailing `$` is literal: the value is known.
        assert_eq!(
            judged("DB_PASSWORD", "pa$$w0rd"),
            [("hardcoded", 0..8, "DB_PASSWORD".into())]
        );
        assert_eq!(
            judged("API_TOKEN", "abcdef$"),
            [("hardcoded", 0..7, "API_TOKEN".into())]
        );
        // A literal default is what runs when the variable is unset.
        let fallback = |v| vec![(v, 6..14, "the fallback of PW_SECRET".to_string())];
        assert_eq!(judged("PW_SECRET", "${PW:-changeme}"), fallback("default"));
        assert_eq!(
            judged("PW_SECRET", "${PW:-s3cr3tVa}"),
            fallback("hardcoded")
        );
        assert_eq!(
            judged("PW_SECRET", "${PW-changeme}"),
            [("default", 5..13, "the fallback of PW_SECRET".into())]
        );
        // No default: `:?`, `?`, `:+`, a plain reference; separators beside variables.
        for raw in [
            "${PW:?changeme}",
            "${PW?changeme}",
            "${PW:+changeme}",
            "${PW}",
            "${A}${B:-x}",
            "$$${PW}",
            "${USER}:${PW}",
        ] {
            assert_eq!(judged("DB_PASSWORD", raw), [], "{raw}");
        }
        // Literal text beside a variable is written in the file.
        let beside = |raw: &str| {
            vec![(
                "hardcoded",
                0..raw.len(),
                "API_TOKEN (the text beside its variables)".to_string(),
            )]
        };
        assert_eq!(judged("API_TOKEN", "hunter2$X"), beside("hunter2$X"));
        assert_eq!(judged("AUTH_TOKEN", "Bearer ${API_TOKEN}"), []);
        assert_eq!(
            judged("API_TOKEN", "prefix-${TOKEN}"),
            beside("prefix-${TOKEN}")
        );
        // Invalid syntax is invalid-compose's (`:=` is not an operator for Compose).
        assert_eq!(judged("DB_PASSWORD", "${PW:=changeme}"), []);
    }

    #[test]
    fn connection_strings_around_variables() {
        assert_eq!(
            judged("DATABASE_URL", "postgres://${USER:?}:hunter2@db/app"),
            [(
                "hardcoded",
                21..28,
                "the connection string in DATABASE_URL".into()
            )]
        );
        assert_eq!(
            judged("DATABASE_URL", "postgres://app:${PW:-letmein}@db/app"),
            [(
                "default",
                21..28,
                "the fallback of the connection string in DATABASE_URL".into()
            )]
        );
        assert_eq!(judged("DATABASE_URL", "postgres://app:${PW:?}@db/app"), []);
        assert_eq!(judged("DATABASE_URL", "postgres://${U}@db/app"), []);
    }

    #[test]
    fn data_source_names_hold_a_credential_only_with_a_password_or_key() {
        assert_eq!(judged("DB_DSN", "mysql:host=db;dbname=app"), []);
        assert_eq!(
            judged("SENTRY_DSN", "https://f00b4r9e@o1.ingest.sentry.io/1"),
            [("hardcoded", 8..16, "the key of SENTRY_DSN".into())]
        );
        assert_eq!(
            judged("SENTRY_DSN", "https://${SENTRY_KEY}@o1.ingest.sentry.io/1"),
            []
        );
        assert_eq!(judged("SENTRY_DSN", "https://o1.ingest.sentry.io/1"), []);
        assert_eq!(
            judged("SENTRY_URL", "https://f00b4r9e@o1.ingest.sentry.io/1"),
            []
        );
        assert_eq!(
            judged("DB_DSN", "host=db user=app password=Zq8rT2pL dbname=app"),
            [("hardcoded", 26..34, "the password in DB_DSN".into())]
        );
    }

    #[test]
    fn placeholders_are_default_passwords() {
        for raw in [
            "your_token_here",
            "token_here",
            "put-the-key-here",
            "<password>",
            "[secret]",
            "xxx",
            "changeme",
            "CHANGE_ME_PLEASE",
            "placeholder",
            "dummy",
            "TBD",
        ] {
            assert!(
                matches!(judged("API_TOKEN", raw).as_slice(), [("default", ..)]),
                "{raw}: {:?}",
                judged("API_TOKEN", raw)
            );
        }
        assert!(matches!(
            judged("API_TOKEN", "thereisnohere1").as_slice(),
            [("hardcoded", ..)]
        ));
    }

    #[test]
    fn tokens_counted_are_not_credentials() {
        assert_eq!(judged("OPENAI_MAX_TOKENS", "128000"), []);
        assert_eq!(
            judged("AUTH_TOKENS", "your_token_here"),
            [("default", 0..15, "AUTH_TOKENS".into())]
        );
    }
}
