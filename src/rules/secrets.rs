//! Credentials written in the compose file: `default-password` (a well-known default or
//! example value) and `hardcoded-secret` (any other literal credential).
//!
//! ## What it does
//! Both rules read the `environment` of every service. A variable holds a credential when a
//! word of its name is `PASSWORD`, `PASSWD`, `PASS`, `PWD` (not alone), `SECRET`, `TOKEN`,
//! `CREDENTIALS`, `APIKEY`, or `KEY` after `API`, `PRIVATE`, `ACCESS`, `MASTER`, `SIGNING`,
//! `ENCRYPTION`, `JWT`, `SESSION` or `APP`, and its last word does not say it holds something
//! else (`_FILE`, `_PATH`, `_URL`, `_USER`, `_LENGTH`, `_ENABLED`, `_TTL` ...).
//! `NEO4J_AUTH=neo4j/<password>` counts too, and so does the password of a connection string
//! in any variable (`postgres://app:s3cret@db/app`).
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

/// Whether a variable's name says it holds a credential.
pub fn is_credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '.', '-'])
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_THE_VALUE.contains(last) {
        return false;
    }
    words.iter().enumerate().any(|(i, w)| match *w {
        "PASSWORD" | "PASSWD" | "PASS" | "SECRET" | "TOKEN" | "APIKEY" | "CREDENTIALS"
        | "PASSPHRASE" => true,
        "PWD" => words.len() > 1,
        "KEY" => i > 0 && KEY_QUALIFIERS.contains(&words[i - 1]),
        _ => false,
    })
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
        || stripped == "todo"
        || stripped == "fixme"
}

/// The fallback of a whole-value `${NAME:-default}` / `${NAME-default}`, with its offset in `raw`.
fn fallback(raw: &str) -> Option<(usize, &str)> {
    let inner = raw.strip_prefix("${")?.strip_suffix('}')?;
    let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let rest = &inner[name_end..];
    let (skip, value) = if let Some(v) = rest.strip_prefix(":-") {
        (2, v)
    } else if let Some(v) = rest.strip_prefix('-') {
        (1, v)
    } else {
        return None;
    };
    if value.contains('$') || value.contains('}') {
        return None;
    }
    Some((2 + name_end + skip, value))
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
    let mut out = Vec::new();
    let Some(raw) = var.raw.as_deref() else {
        return out;
    };
    let abs = |r: Range<usize>| match var.raw_start {
        Some(start) => start + r.start..start + r.end,
        None => var.value_span.clone(),
    };
    // A connection string: the password between `user:` and `@`.
    if let Some(url) = parse_url(raw) {
        if let Some(pw) = url.password.clone() {
            let password = &raw[pw.clone()];
            if !password.is_empty() && !password.contains('$') {
                let user = url.user.clone().map(|u| &raw[u]);
                let verdict = match judge(password, user) {
                    Verdict::Ignore => Verdict::Hardcoded,
                    v => v,
                };
                out.push(Finding {
                    verdict,
                    span: abs(pw),
                    what: format!("the connection string in {}", var.name),
                });
            }
        }
        return out;
    }
    let upper = var.name.to_ascii_uppercase();
    if upper == "NEO4J_AUTH" {
        if let Some((user, password)) = raw.split_once('/')
            && !password.contains('$')
        {
            let offset = user.len() + 1;
            let verdict = match judge(password, Some(user)) {
                Verdict::Ignore => Verdict::Hardcoded,
                v => v,
            };
            out.push(Finding {
                verdict,
                span: abs(offset..raw.len()),
                what: "NEO4J_AUTH".into(),
            });
        }
        return out;
    }
    if !is_credential_name(&var.name) {
        return out;
    }
    if raw.contains('$') {
        if let Some((offset, value)) = fallback(raw)
            && let Verdict::Default(d) = judge(value, user_for(env, &var.name))
        {
            out.push(Finding {
                verdict: Verdict::Default(d),
                span: abs(offset..offset + value.len()),
                what: format!("the fallback of {}", var.name),
            });
        }
        return out;
    }
    let verdict = judge(raw, user_for(env, &var.name));
    if !matches!(verdict, Verdict::Ignore) {
        out.push(Finding {
            verdict,
            span: var.value_span.clone(),
            what: var.name.clone(),
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
    fn fallbacks() {
        assert_eq!(fallback("${PW:-postgres}"), Some((6, "postgres")));
        assert_eq!(fallback("${PW-x}"), Some((5, "x")));
        assert_eq!(fallback("${PW}"), None);
        assert_eq!(fallback("${PW:?set it}"), None);
    }
}
