//! `database-auth-disabled`: a database, cache or search engine configured to accept clients
//! without a password.
//!
//! ## What it does
//! Reports, on any service:
//! - `POSTGRES_HOST_AUTH_METHOD=trust` (the official postgres image then accepts every
//!   connection without a password);
//! - `MYSQL_ALLOW_EMPTY_PASSWORD` or `MARIADB_ALLOW_EMPTY_ROOT_PASSWORD` set to any non-empty
//!   value (the images test for a non-empty value, so even `no` or `false` enables it) while no
//!   root password (`*_ROOT_PASSWORD`, `*_ROOT_PASSWORD_FILE`, `*_ROOT_PASSWORD_HASH`) and no
//!   random one is set;
//! - Bitnami's `ALLOW_EMPTY_PASSWORD=yes` (also `true`, `1`);
//! - Elasticsearch `xpack.security.enabled=false` (as an environment variable, its
//!   `XPACK_SECURITY_ENABLED` / `ES_SETTING_XPACK_SECURITY_ENABLED` forms, or `-E` in the
//!   command) and OpenSearch `DISABLE_SECURITY_PLUGIN=true` / `plugins.security.disabled=true`;
//!
//! and, only when the service publishes a port on every interface:
//! - Redis, Redis Stack, Valkey, KeyDB or Dragonfly (official images) whose `command` sets no
//!   password (`--requirepass`, `--aclfile`, `--user`) and reads no configuration file;
//! - MongoDB (official images) without `MONGO_INITDB_ROOT_USERNAME` and
//!   `MONGO_INITDB_ROOT_PASSWORD` and without `--auth` or a configuration file in `command`.
//!   These images start without authentication by default.
//!
//! ## Why is this bad
//! Anyone who reaches the port owns the data: reads it, deletes it, or (Redis, PostgreSQL
//! `COPY ... PROGRAM`) runs code in the container. Bots scan for exactly these.
//!
//! ## Fix
//! None automatic: set a password (from a secret or a variable), and publish the port on
//! 127.0.0.1 only, if at all.

use super::common::{
    EnvEntry, Reporter, command_words, diagnostic, diagnostic_at, env_get, env_is_set,
};
use super::exposure::exposed_bindings;
use super::{Context, RuleMeta};
use crate::compose::model::Service;
use crate::diagnostic::{Diagnostic, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "database-auth-disabled",
    category: "auth",
    severity: Severity::Error,
    default_enabled: true,
    fixable: false,
    summary: "A database, cache or search engine accepts clients without a password",
    docs: include_str!("../../rules/docs/database-auth-disabled.md"),
};

/// Catalogue entries whose official images run without a password unless told otherwise.
const OPEN_CACHES: [&str; 5] = ["redis", "redis-stack", "valkey", "keydb", "dragonfly"];

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let project = ctx.project;
    let mut reporter = Reporter::new(out);
    for (index, service) in project.services.iter().enumerate() {
        let env = ctx.environment(index);
        let found = |var: &EnvEntry, message: String, help: &str, r: &mut Reporter| {
            let d = diagnostic_at(&META, var.at.file, var.value_span.clone(), message)
                .with_help(help.to_string());
            r.report(var.at, &var.name, service, d);
        };
        let name = &service.name;

        if let Some(var) = env_get(env, "POSTGRES_HOST_AUTH_METHOD")
            && var
                .value
                .as_deref()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("trust"))
        {
            found(
                var,
                format!(
                    "service `{name}` sets POSTGRES_HOST_AUTH_METHOD=trust: PostgreSQL accepts every connection without a password"
                ),
                "remove it and set POSTGRES_PASSWORD (from a secret: POSTGRES_PASSWORD_FILE); the default method, scram-sha-256, asks for the password",
                &mut reporter,
            );
        }

        for (allow, roots, random) in [
            (
                "MYSQL_ALLOW_EMPTY_PASSWORD",
                &[
                    "MYSQL_ROOT_PASSWORD",
                    "MARIADB_ROOT_PASSWORD",
                    "MARIADB_ROOT_PASSWORD_HASH",
                ][..],
                &["MYSQL_RANDOM_ROOT_PASSWORD", "MARIADB_RANDOM_ROOT_PASSWORD"][..],
            ),
            (
                "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
                &[
                    "MARIADB_ROOT_PASSWORD",
                    "MYSQL_ROOT_PASSWORD",
                    "MARIADB_ROOT_PASSWORD_HASH",
                ][..],
                &["MARIADB_RANDOM_ROOT_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"][..],
            ),
        ] {
            let Some(var) = env_get(env, allow) else {
                continue;
            };
            let Some(value) = var.value.as_deref().filter(|v| !v.is_empty()) else {
                continue;
            };
            if roots.iter().chain(random).any(|n| env_is_set(env, n)) {
                continue;
            }
            let note = if matches!(
                value.to_ascii_lowercase().as_str(),
                "no" | "false" | "0" | "off"
            ) {
                format!(" (any non-empty value enables it, even `{value}`)")
            } else {
                String::new()
            };
            found(
                var,
                format!(
                    "service `{name}` sets {allow}: the database's root user has an empty password{note}"
                ),
                "remove it and set a root password (MYSQL_ROOT_PASSWORD_FILE / MARIADB_ROOT_PASSWORD_FILE with a secret), or MYSQL_RANDOM_ROOT_PASSWORD=yes",
                &mut reporter,
            );
        }

        if let Some(var) = env_get(env, "ALLOW_EMPTY_PASSWORD")
            && var.value.as_deref().is_some_and(is_yes)
        {
            found(
                var,
                format!(
                    "service `{name}` sets ALLOW_EMPTY_PASSWORD: the Bitnami image runs without a password"
                ),
                "remove it and set the image's password variable (e.g. REDIS_PASSWORD, MARIADB_ROOT_PASSWORD), ideally from a secret file",
                &mut reporter,
            );
        }

        for var in env {
            let key = var.name.to_ascii_lowercase().replace(['_', '.'], "");
            let Some(value) = var.value.as_deref() else {
                continue;
            };
            let disabled = match key.as_str() {
                "xpacksecurityenabled" | "essettingxpacksecurityenabled" => is_no(value),
                "disablesecurityplugin" | "pluginssecuritydisabled" => is_yes(value),
                _ => false,
            };
            if disabled {
                found(
                    var,
                    format!(
                        "service `{name}` disables the search engine's security ({}={value}): no authentication, no TLS",
                        var.name
                    ),
                    "keep security enabled and give clients a password (ELASTIC_PASSWORD / OPENSEARCH_INITIAL_ADMIN_PASSWORD from a secret)",
                    &mut reporter,
                );
            }
        }
        if let Some((words, loc)) = command_words(project, service) {
            let off = words.iter().any(|w| {
                let w = w.trim_start_matches("-E").to_ascii_lowercase();
                w == "xpack.security.enabled=false" || w == "plugins.security.disabled=true"
            });
            if off {
                reporter.report(
                    loc,
                    "command",
                    service,
                    diagnostic(
                        &META,
                        project,
                        loc,
                        format!(
                            "service `{name}` disables the search engine's security in its command"
                        ),
                    )
                    .with_help("keep security enabled and give clients a password"),
                );
            }
        }

        check_open_by_default(ctx, service, env, &mut reporter);
    }
}

/// Redis-like caches and MongoDB start without authentication; report them when published.
fn check_open_by_default(
    ctx: &Context,
    service: &Service,
    env: &[EnvEntry],
    reporter: &mut Reporter,
) {
    let project = ctx.project;
    let Some(exposed) = exposed_bindings(project, service).next() else {
        return;
    };
    let Some((image, image_loc)) = project.image(service) else {
        return;
    };
    if image.namespace.as_deref() == Some("bitnami") {
        // Bitnami images refuse to start without a password unless ALLOW_EMPTY_PASSWORD is set.
        return;
    }
    let Some(entry) = ctx.catalogue.match_image(&image) else {
        return;
    };
    let words = command_words(project, service);
    let command: Vec<String> = words
        .as_ref()
        .map(|(w, _)| {
            w.iter()
                .flat_map(|w| w.split_whitespace())
                .map(|w| w.trim_matches(['"', '\'']).to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let has = |flags: &[&str]| {
        command.iter().any(|w| {
            flags
                .iter()
                .any(|f| w == f || w.starts_with(&format!("{f}=")))
        })
    };
    let reads_config = command.iter().any(|w| {
        w.ends_with(".conf") || w.ends_with(".cfg") || w.ends_with(".yaml") || w.ends_with(".yml")
    });
    let at = words.as_ref().map_or(image_loc, |(_, l)| *l);
    let port = exposed
        .published
        .map(|p| p.to_compose_string())
        .unwrap_or_else(|| exposed.target.to_compose_string());
    let name = &service.name;
    let message = if OPEN_CACHES.contains(&entry.id.as_str()) {
        let protected = command
            .windows(2)
            .any(|w| w[0] == "--protected-mode" && w[1] == "yes");
        if has(&["--requirepass", "--aclfile", "--user", "--masterauth"])
            || protected
            || reads_config
            || env_is_set(env, "REDIS_PASSWORD")
            || env_is_set(env, "REDIS_ARGS")
            || env_is_set(env, "VALKEY_EXTRA_FLAGS")
            || env_is_set(env, "DFLY_requirepass")
        {
            return;
        }
        format!(
            "service `{name}` runs {} without a password (no --requirepass in its command) and publishes port {port} on every interface",
            entry.name
        )
    } else if entry.id == "mongodb" && is_official_mongo(&image) {
        if (env_is_set(env, "MONGO_INITDB_ROOT_USERNAME")
            && env_is_set(env, "MONGO_INITDB_ROOT_PASSWORD"))
            || has(&["--auth", "--keyfile", "--config", "-f"])
            || reads_config
        {
            return;
        }
        format!(
            "service `{name}` runs MongoDB without authentication (no MONGO_INITDB_ROOT_USERNAME/PASSWORD) and publishes port {port} on every interface"
        )
    } else {
        return;
    };
    let help = if OPEN_CACHES.contains(&entry.id.as_str()) {
        "start it with a password (`command: redis-server --requirepass ${REDIS_PASSWORD}`, or an ACL file) and bind the port to 127.0.0.1"
    } else {
        "set MONGO_INITDB_ROOT_USERNAME and MONGO_INITDB_ROOT_PASSWORD (from secrets: *_FILE) and bind the port to 127.0.0.1"
    };
    reporter.report(
        at,
        "open",
        service,
        diagnostic(&META, project, at, message).with_help(help),
    );
}

fn is_official_mongo(image: &crate::compose::image::ImageRef) -> bool {
    let path = image.path();
    path == "library/mongo" || path.starts_with("mongodb/mongodb-")
}

fn is_yes(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "1" | "on"
    )
}

fn is_no(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "no" | "false" | "0" | "off"
    )
}
