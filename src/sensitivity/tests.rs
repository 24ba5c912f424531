//! The weighing of clues, on a small catalogue of its own (the shipped one is checked by the
//! accuracy test over labelled services, `tests/accuracy.rs`).

use super::*;
use crate::catalog::Catalogue;
use crate::compose::port::PortRange;

const CATALOGUE: &str = r#"
[[entry]]
id = "postgres"
name = "PostgreSQL"
category = "database"
images = ["postgres"]
ports = [5432]
tokens = ["postgres", "postgresql"]
env = ["POSTGRES_PASSWORD", "PGDATA"]
volumes = ["/var/lib/postgresql/data"]
commands = ["postgres"]
healthchecks = ["pg_isready"]

[[entry]]
id = "couchdb"
name = "CouchDB"
category = "database"
images = ["couchdb"]
ports = [5984]
tokens = ["couchdb"]
env = ["COUCHDB_USER"]

[[entry]]
id = "redis"
name = "Redis"
category = "cache"
images = ["redis"]
ports = [6379]
tokens = ["redis"]
commands = ["redis-server"]
healthchecks = ["redis-cli ping"]

[[entry]]
id = "schema-registry"
name = "Schema Registry"
category = "queue"
images = ["confluentinc/cp-schema-registry"]
ports = [8081]
tokens = ["schema-registry"]
env = ["SCHEMA_REGISTRY_*"]

[port_fallback]
5432 = "postgres"
6379 = "redis"

[evidence]
look_alike_tokens = ["exporter", "backup"]

[evidence.service_names]
database = ["db"]
"#;

fn catalogue() -> Catalogue {
    Catalogue::from_toml(CATALOGUE).expect("the test catalogue is valid")
}

fn registry_image(image: &str) -> Profile {
    Profile {
        name: "svc".into(),
        image: Some(image.into()),
        ..Profile::default()
    }
}

/// The judgement for one container port, as `(entry id, level, evidence)`.
fn verdict(profile: &Profile, port: Option<u16>) -> Option<(String, Level, String)> {
    let catalogue = catalogue();
    let clues = gather(profile, &catalogue);
    judge(&clues, port.map(PortRange::single), &catalogue)
        .map(|j| (j.entry.id.clone(), j.level, j.evidence()))
}

fn level(profile: &Profile, port: u16) -> Option<Level> {
    verdict(profile, Some(port)).map(|v| v.1)
}

#[test]
fn a_catalogued_image_decides_on_any_port() {
    let v = verdict(&registry_image("postgres:16"), Some(8080)).unwrap();
    assert_eq!(
        v,
        (
            "postgres".into(),
            Level::Strong,
            "its image postgres:16".into()
        )
    );
    let v = verdict(&registry_image("postgres:16"), Some(5432)).unwrap();
    assert_eq!(
        v.2, "its image postgres:16",
        "the image alone: the port is in the message"
    );
}

#[test]
fn a_token_in_a_fork_is_confirmed_by_the_products_port_only() {
    let fork = registry_image("hyperledger/fabric-couchdb:0.4");
    let v = verdict(&fork, Some(5984)).unwrap();
    assert_eq!(v.0, "couchdb");
    assert_eq!(v.1, Level::Corroborated);
    assert_eq!(
        v.2,
        "`couchdb` in its image name hyperledger/fabric-couchdb:0.4 and its port 5984"
    );
    assert_eq!(level(&fork, 8080), Some(Level::Hint));
    // Tokens split on `-`, `_` and `.`; a run of tokens is one token.
    assert_eq!(
        level(&registry_image("org/postgres_partman"), 5432),
        Some(Level::Corroborated)
    );
    assert_eq!(
        level(&registry_image("acme/cp-schema-registry"), 8081),
        Some(Level::Corroborated)
    );
    assert_eq!(level(&registry_image("acme/schema-tools"), 8081), None);
    // A token is a whole word: `postgresx` is not `postgres`.
    assert_eq!(level(&registry_image("acme/postgresx"), 5432), None);
}

#[test]
fn look_alikes_give_no_token_clue() {
    let exporter = registry_image("prometheuscommunity/postgres-exporter");
    assert_eq!(level(&exporter, 9187), None);
    assert_eq!(
        level(&exporter, 5432),
        None,
        "the port alone on a registry image"
    );
    let backup = Profile {
        env: vec!["POSTGRES_PASSWORD".into()],
        ..registry_image("acme/postgres-backup")
    };
    assert_eq!(
        level(&backup, 8080),
        Some(Level::Hint),
        "the environment only"
    );
}

#[test]
fn strong_clues_decide_alone_whatever_the_image_is_called() {
    let data = Profile {
        mount_targets: vec!["/var/lib/postgresql/data/pgdata".into()],
        ..registry_image("acme/app")
    };
    let v = verdict(&data, Some(8080)).unwrap();
    assert_eq!(
        (v.0.as_str(), v.1, v.2.as_str()),
        (
            "postgres",
            Level::Strong,
            "its data directory /var/lib/postgresql/data"
        )
    );
    let command = Profile {
        programs: vec!["redis-server".into()],
        ..registry_image("acme/kv")
    };
    assert_eq!(level(&command, 7000), Some(Level::Strong));
    let health = Profile {
        healthcheck: Some("redis-cli -a x ping".into()),
        ..registry_image("acme/kv")
    };
    assert_eq!(
        level(&health, 7000),
        None,
        "the phrase must be whole: `redis-cli ping`"
    );
    let health = Profile {
        healthcheck: Some("redis-cli ping || exit 1".into()),
        ..registry_image("acme/kv")
    };
    assert_eq!(level(&health, 7000), Some(Level::Strong));
}

#[test]
fn the_environment_needs_a_second_clue() {
    let app = Profile {
        env: vec!["POSTGRES_PASSWORD".into(), "PGDATA".into()],
        ..registry_image("acme/app")
    };
    assert_eq!(level(&app, 8080), Some(Level::Hint));
    let v = verdict(&app, Some(5432)).unwrap();
    assert_eq!(v.1, Level::Corroborated);
    assert_eq!(v.2, "POSTGRES_PASSWORD and PGDATA and its port 5432");
    let prefixed = Profile {
        env: vec!["SCHEMA_REGISTRY_HOST_NAME".into()],
        ..registry_image("acme/registry-image")
    };
    assert_eq!(level(&prefixed, 8081), Some(Level::Corroborated));
}

#[test]
fn a_port_decides_alone_only_without_an_image() {
    let built = Profile {
        image_unknown: true,
        ..Profile::default()
    };
    assert_eq!(level(&built, 5432), Some(Level::Strong));
    assert_eq!(
        level(&built, 80),
        None,
        "the evidence is the reported port's"
    );
    assert_eq!(level(&registry_image("acme/thing"), 5432), None);
    // A port range holding the port counts.
    let catalogue = catalogue();
    let clues = gather(&built, &catalogue);
    let range = PortRange {
        start: 5400,
        end: 5500,
    };
    assert!(judge(&clues, Some(range), &catalogue).is_some());
}

#[test]
fn a_service_name_is_weak_and_agrees_with_the_port_or_another_clue() {
    let named = |name: &str, image: &str| Profile {
        name: name.into(),
        ..registry_image(image)
    };
    assert_eq!(
        level(&named("db", "acme/app"), 5432),
        Some(Level::Corroborated)
    );
    assert_eq!(level(&named("db", "acme/app"), 8080), None);
    assert_eq!(
        level(&named("postgres", "acme/app"), 5432),
        Some(Level::Corroborated)
    );
    assert_eq!(
        level(&named("postgres", "acme/app"), 8080),
        Some(Level::Hint)
    );
    assert_eq!(level(&named("db-exporter", "acme/app"), 5432), None);
    // A token of the image and the service's name are one kind of clue: names.
    assert_eq!(
        level(&named("node-redis-app", "acme/node-redis-app"), 3000),
        Some(Level::Hint),
        "two names are one clue"
    );
    assert_eq!(
        level(&named("main-db", "acme/example-postgres"), 8080),
        Some(Level::Hint)
    );
    assert_eq!(
        level(&named("main-db", "acme/example-postgres"), 5432),
        Some(Level::Corroborated)
    );
}

#[test]
fn the_judgement_is_deterministic_and_says_what_it_rests_on() {
    let profile = Profile {
        name: "db".into(),
        env: vec!["POSTGRES_PASSWORD".into()],
        mount_targets: vec!["/var/lib/postgresql/data".into()],
        ..registry_image("acme/example-postgres")
    };
    let catalogue = catalogue();
    let clues = gather(&profile, &catalogue);
    let j = judge(&clues, Some(PortRange::single(5432)), &catalogue).unwrap();
    assert_eq!(
        j.describe(),
        "a database (PostgreSQL: its data directory /var/lib/postgresql/data and POSTGRES_PASSWORD)"
    );
    for _ in 0..5 {
        let again = judge(
            &gather(&profile, &catalogue),
            Some(PortRange::single(5432)),
            &catalogue,
        )
        .unwrap();
        assert_eq!(again.describe(), j.describe());
    }
    let hint = judge(
        &gather(&registry_image("acme/couchdb-x"), &catalogue),
        None,
        &catalogue,
    )
    .unwrap();
    assert_eq!(
        hint.why_unsure().unwrap(),
        "it may be a database (CouchDB: `couchdb` in its image name acme/couchdb-x), but one clue alone does not decide"
    );
}
