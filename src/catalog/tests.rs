use super::*;

const D: &str = "sha256:4a1c4b21597c1b4415bdbecb28a3296c6b5e23ca4f9feeb599860a1dac6a0108";

fn cat() -> &'static Catalogue {
    Catalogue::builtin()
}

fn matched(image: &str) -> Option<&'static str> {
    let image = ImageRef::parse(image).unwrap_or_else(|| panic!("{image:?} should parse"));
    cat().match_image(&image).map(|e| e.id.as_str())
}

#[test]
fn builtin_catalogue_loads() {
    // The invariant that `builtin()` relies on.
    Catalogue::from_toml(BUILTIN_TOML).unwrap();
    assert!(!cat().is_empty());
}

#[test]
fn has_at_least_ninety_entries() {
    assert!(cat().len() >= 90, "only {} entries", cat().len());
}

#[test]
fn real_world_images() {
    let pinned = format!("docker.io/library/postgres:16.2-alpine@{D}");
    let cases: &[(&str, Option<&str>)] = &[
        // PostgreSQL family
        ("postgres", Some("postgres")),
        ("postgres:16", Some("postgres")),
        ("postgres:${PG_VERSION:-16}-alpine", Some("postgres")),
        (&pinned, Some("postgres")),
        ("index.docker.io/library/postgres:latest", Some("postgres")),
        ("mirror.gcr.io/library/postgres:15", Some("postgres")),
        (
            "public.ecr.aws/docker/library/postgres:16",
            Some("postgres"),
        ),
        ("registry.local:5000/postgres:16", Some("postgres")),
        ("bitnami/postgresql:16.2.0", Some("postgres")),
        ("docker.io/bitnami/postgresql:16", Some("postgres")),
        (
            "harbor.example.com/hub/bitnami/postgresql:16",
            Some("postgres"),
        ),
        // Decision: a repository named exactly `postgres` under any namespace is PostgreSQL.
        ("ghcr.io/foo/postgres:16", Some("postgres")),
        ("cimg/postgres:16.1", Some("postgres")),
        (
            "ghcr.io/immich-app/postgres:14-vectorchord0.4.3",
            Some("postgres"),
        ),
        ("ghcr.io/cloudnative-pg/postgresql:16", Some("postgres")),
        ("${REGISTRY}/postgres:16", Some("postgres")),
        ("myorg/postgres-backup", None),
        ("prodrigestivill/postgres-backup-local", None),
        ("postgis/postgis:16-3.4", Some("postgis")),
        ("timescale/timescaledb:latest-pg16", Some("timescaledb")),
        ("timescale/timescaledb-ha:pg16", Some("timescaledb")),
        ("pgvector/pgvector:pg16", Some("pgvector")),
        ("ankane/pgvector", Some("pgvector")),
        ("supabase/postgres:15.1.0.117", Some("supabase-postgres")),
        ("cockroachdb/cockroach:v23.1.11", Some("cockroachdb")),
        ("citusdata/citus:12.1", Some("citus")),
        ("yugabytedb/yugabyte:2.20.1.0-b97", Some("yugabytedb")),
        // MySQL family
        ("mysql:8.0", Some("mysql")),
        ("mysql/mysql-server:8.0", Some("mysql")),
        (
            "container-registry.oracle.com/mysql/community-server:8.4",
            Some("mysql"),
        ),
        ("mariadb:11", Some("mariadb")),
        ("lscr.io/linuxserver/mariadb:latest", Some("mariadb")),
        ("bitnami/mariadb:11.2", Some("mariadb")),
        ("percona:8.0", Some("percona")),
        ("percona/percona-server:8.0", Some("percona")),
        // Other databases
        ("mongo:7", Some("mongodb")),
        ("bitnami/mongodb:7.0", Some("mongodb")),
        ("mcr.microsoft.com/mssql/server:2022-latest", Some("mssql")),
        (
            "MCR.Microsoft.com/mssql/server:2019-CU18-ubuntu-20.04",
            Some("mssql"),
        ),
        (
            "mcr.microsoft.com/azure-sql-edge:latest",
            Some("azure-sql-edge"),
        ),
        ("gvenzl/oracle-xe:21-slim", Some("oracle-xe")),
        ("gvenzl/oracle-free:23-slim", Some("oracle-free")),
        (
            "container-registry.oracle.com/database/free:latest",
            Some("oracle-database"),
        ),
        (
            "container-registry.oracle.com/database/enterprise:21.3.0.0",
            Some("oracle-database"),
        ),
        ("cassandra:4.1", Some("cassandra")),
        ("scylladb/scylla:5.4", Some("scylladb")),
        ("couchdb:3", Some("couchdb")),
        ("couchbase:community-7.2.0", Some("couchbase")),
        ("neo4j:5-community", Some("neo4j")),
        ("influxdb:2.7", Some("influxdb")),
        ("clickhouse/clickhouse-server:24.1", Some("clickhouse")),
        ("yandex/clickhouse-server:21.3", Some("clickhouse")),
        ("questdb/questdb:7.3.9", Some("questdb")),
        ("arangodb:3.11", Some("arangodb")),
        ("rethinkdb:2.4", Some("rethinkdb")),
        ("surrealdb/surrealdb:latest", Some("surrealdb")),
        ("edgedb/edgedb:4", Some("edgedb")),
        ("dgraph/dgraph:v23.1.0", Some("dgraph")),
        ("memgraph/memgraph-platform", Some("memgraph")),
        // Caches
        ("redis:7-alpine", Some("redis")),
        ("bitnami/redis:7.2", Some("redis")),
        ("redis/redis-stack:latest", Some("redis-stack")),
        ("redis/redis-stack-server:7.2.0-v6", Some("redis-stack")),
        ("valkey/valkey:8", Some("valkey")),
        ("eqalpha/keydb", Some("keydb")),
        (
            "docker.dragonflydb.io/dragonflydb/dragonfly:v1.14",
            Some("dragonfly"),
        ),
        ("memcached:1.6-alpine", Some("memcached")),
        ("hazelcast/hazelcast:5.3", Some("hazelcast")),
        // Queues
        ("rabbitmq:3-management", Some("rabbitmq")),
        ("rabbitmq:3.13-management-alpine", Some("rabbitmq")),
        ("confluentinc/cp-kafka:7.5.0", Some("kafka")),
        ("apache/kafka:3.7.0", Some("kafka")),
        ("bitnami/kafka:3.6", Some("kafka")),
        ("wurstmeister/kafka", Some("kafka")),
        (
            "docker.redpanda.com/redpandadata/redpanda:v23.3.5",
            Some("redpanda"),
        ),
        ("vectorized/redpanda:v22.1.4", Some("redpanda")),
        ("zookeeper:3.9", Some("zookeeper")),
        ("confluentinc/cp-zookeeper:7.5.0", Some("zookeeper")),
        ("nats:2.10-alpine", Some("nats")),
        ("apachepulsar/pulsar:3.1.0", Some("pulsar")),
        ("apache/activemq-artemis:2.31.2", Some("activemq-artemis")),
        ("rmohr/activemq:5.15.9", Some("activemq")),
        ("eclipse-mosquitto:2", Some("mosquitto")),
        ("emqx/emqx:5.4.0", Some("emqx")),
        // Search
        (
            "docker.elastic.co/elasticsearch/elasticsearch:8.12.0",
            Some("elasticsearch"),
        ),
        ("elasticsearch:8.12.0", Some("elasticsearch")),
        ("opensearchproject/opensearch:2", Some("opensearch")),
        ("getmeili/meilisearch:v1.6", Some("meilisearch")),
        ("typesense/typesense:0.25.2", Some("typesense")),
        ("solr:9", Some("solr")),
        ("manticoresearch/manticore", Some("manticore")),
        // Object stores, secrets
        ("minio/minio:RELEASE.2024-01-16T16-07-38Z", Some("minio")),
        ("quay.io/minio/minio", Some("minio")),
        ("chrislusf/seaweedfs", Some("seaweedfs")),
        ("minio/mc", None),
        ("hashicorp/vault:1.15", Some("vault")),
        ("vault:1.13.3", Some("vault")),
        ("hashicorp/consul:1.17", Some("consul")),
        ("quay.io/coreos/etcd:v3.5.11", Some("etcd")),
        ("bitnami/etcd:3.5", Some("etcd")),
        ("registry.k8s.io/etcd:3.5.10-0", Some("etcd")),
        // Admin UIs
        ("adminer", Some("adminer")),
        ("adminer:4.8.1-standalone", Some("adminer")),
        ("phpmyadmin:5", Some("phpmyadmin")),
        ("phpmyadmin/phpmyadmin", Some("phpmyadmin")),
        ("dpage/pgadmin4:8", Some("pgadmin")),
        ("mongo-express:1.0", Some("mongo-express")),
        (
            "rediscommander/redis-commander:latest",
            Some("redis-commander"),
        ),
        ("redis/redisinsight:latest", Some("redisinsight")),
        ("redislabs/redisinsight:1.14.0", Some("redisinsight")),
        ("docker.elastic.co/kibana/kibana:8.12.0", Some("kibana")),
        (
            "opensearchproject/opensearch-dashboards:2",
            Some("opensearch-dashboards"),
        ),
        ("portainer/portainer-ce:2.19.4", Some("portainer")),
        ("portainer/portainer-ee:latest", Some("portainer")),
        ("portainer/agent:2.19.4", Some("portainer-agent")),
        ("provectuslabs/kafka-ui:latest", Some("kafka-ui")),
        ("obsidiandynamics/kafdrop", Some("kafdrop")),
        ("dbeaver/cloudbeaver:23.3.3", Some("cloudbeaver")),
        ("metabase/metabase:v0.48.3", Some("metabase")),
        // Observability
        ("prom/prometheus:v2.49.1", Some("prometheus")),
        ("quay.io/prometheus/prometheus:v2.49.1", Some("prometheus")),
        ("grafana/grafana:10.3.1", Some("grafana")),
        ("grafana/grafana-oss", Some("grafana")),
        ("jaegertracing/all-in-one:1.53", Some("jaeger")),
        ("grafana/loki:2.9.4", Some("loki")),
        ("grafana/tempo:2.3.1", Some("tempo")),
        ("prom/alertmanager:v0.26.0", Some("alertmanager")),
        // An exporter: Prometheus on another host scrapes it on purpose.
        ("prom/node-exporter:v1.7.0", None),
        ("gcr.io/cadvisor/cadvisor:v0.47.2", Some("cadvisor")),
        ("netdata/netdata:stable", Some("netdata")),
        // Docker API
        (
            "tecnativa/docker-socket-proxy:0.1",
            Some("docker-socket-proxy"),
        ),
        (
            "lscr.io/linuxserver/socket-proxy:latest",
            Some("docker-socket-proxy"),
        ),
        ("docker:dind", Some("docker-dind")),
        ("docker:24-dind-rootless", Some("docker-dind")),
        // Not sensitive
        ("nginx:1.25", None),
        ("traefik:v3.0", None),
        ("caddy:2-alpine", None),
        ("node:20-alpine", None),
        ("python:3.12-slim", None),
        ("ghcr.io/acme/web:1.2.3", None),
        ("wordpress:6", None),
        ("nextcloud:28-apache", None),
        ("vaultwarden/server:latest", None),
        ("containrrr/watchtower", None),
        ("postgrest/postgrest:v12", None),
        ("${IMAGE}", None),
    ];
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    for &(image, want) in cases {
        let got = matched(image);
        if got != want {
            failures.push(format!("{image}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_entry_is_well_formed() {
    for e in cat().entries() {
        assert!(is_kebab_case(&e.id), "{}", e.id);
        assert!(!e.name.is_empty(), "{}", e.id);
        assert!(!e.ports.is_empty(), "{} has no ports", e.id);
        assert!(!e.images.is_empty(), "{} has no images", e.id);
        assert!(Category::ALL.contains(&e.category), "{}", e.id);
        assert_eq!(e.category.as_str().parse::<Category>(), Ok(e.category));
        assert!(!e.user_defined);
    }
    let categories: HashSet<_> = cat().entries().iter().map(|e| e.category).collect();
    assert_eq!(
        categories.len(),
        Category::ALL.len(),
        "a category has no entry"
    );
}

/// Each exact pattern, looked up as an image, finds its own entry: no other entry claims
/// the same image, and no glob or earlier pattern shadows it.
#[test]
fn every_exact_pattern_matches_its_own_entry() {
    let mut claimed: HashMap<String, &str> = HashMap::new();
    for e in cat().entries() {
        for pattern in &e.images {
            if pattern.contains(['*', '?', '[', '{']) {
                continue;
            }
            let image = ImageRef::parse(pattern).unwrap();
            if let Some(other) = claimed.insert(image.canonical_name(), &e.id) {
                panic!("{pattern} is claimed by {other} and {}", e.id);
            }
            let got = cat().match_image(&image).map(|m| m.id.as_str());
            assert_eq!(got, Some(e.id.as_str()), "{pattern}");
            assert!(!cat().is_reverse_proxy(&image), "{pattern} is also a proxy");
        }
    }
}

#[test]
fn glob_patterns_match_their_own_entry() {
    for e in cat().entries() {
        for pattern in &e.images {
            if let Some(repo) = pattern.strip_prefix("*/") {
                let image = ImageRef::parse(&format!("ghcr.io/some-org/{repo}:1")).unwrap();
                let got = cat().match_image(&image).map(|m| m.id.as_str());
                assert_eq!(got, Some(e.id.as_str()), "{pattern}");
            }
        }
    }
}

#[test]
fn port_lookup() {
    let id = |p| cat().match_port(p).map(|e| e.id.as_str());
    assert_eq!(id(5432), Some("postgres"));
    assert_eq!(id(3306), Some("mysql"));
    assert_eq!(id(6379), Some("redis"));
    assert_eq!(id(27017), Some("mongodb"));
    assert_eq!(id(9200), Some("elasticsearch"));
    assert_eq!(id(15672), Some("rabbitmq"));
    assert_eq!(id(2375), Some("docker-dind"));
    assert_eq!(id(11211), Some("memcached"));
    assert_eq!(id(1433), Some("mssql"));
    // Ambiguous ports are deliberately unknown.
    for port in [
        80, 443, 3000, 8000, 8080, 8081, 9000, 9090, 9093, 9100, 8200, 50000,
    ] {
        assert_eq!(id(port), None, "{port}");
    }
    // Every fallback port belongs to its entry.
    for (port, entry) in cat().fallback_ports() {
        assert!(entry.ports.contains(&port), "{port} {}", entry.id);
    }
    assert!(cat().fallback_ports().len() >= 40);
}

#[test]
fn reverse_proxies() {
    let proxy = |s: &str| cat().is_reverse_proxy(&ImageRef::parse(s).unwrap());
    for image in [
        "nginx",
        "nginx:1.25-alpine",
        "nginxinc/nginx-unprivileged:1.25",
        "ghcr.io/nginxinc/nginx-unprivileged:stable",
        "bitnami/nginx:1.25",
        "caddy:2",
        "traefik:v3.0",
        "haproxy:2.9",
        "envoyproxy/envoy:v1.29-latest",
        "jc21/nginx-proxy-manager:latest",
        "nginxproxy/nginx-proxy:1.4",
        "jwilder/nginx-proxy",
        "httpd:2.4",
        "openresty/openresty:alpine",
        "kong:3.5",
        "lscr.io/linuxserver/swag",
        "ghcr.io/acme/caddy:2-cloudflare",
    ] {
        assert!(proxy(image), "{image}");
    }
    for image in [
        "postgres",
        "grafana/grafana",
        "node:20",
        "nginx-exporter/foo",
    ] {
        assert!(!proxy(image), "{image}");
    }
    // No proxy pattern is also a catalogue entry.
    for pattern in ["nginx", "caddy", "traefik", "haproxy", "httpd"] {
        assert_eq!(matched(pattern), None, "{pattern}");
    }
}

#[test]
fn categories() {
    assert_eq!(Category::AdminUi.as_str(), "admin-ui");
    assert_eq!(Category::AdminUi.label(), "admin UI");
    assert_eq!(Category::AdminUi.to_string(), "admin UI");
    assert_eq!(Category::ObjectStore.as_str(), "object-store");
    assert_eq!("docker-api".parse::<Category>(), Ok(Category::DockerApi));
    assert!("admin UI".parse::<Category>().is_err());
    let distinct: HashSet<_> = Category::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(distinct.len(), 9);
    assert_eq!(cat().get("redis").unwrap().category, Category::Cache);
    assert_eq!(cat().get("minio").unwrap().category, Category::ObjectStore);
}

#[test]
fn user_extras() {
    let extra = Catalogue::with_extra(
        &[
            ("acme/ledger-db".to_string(), Category::Database),
            ("registry.acme.io/data/*".to_string(), Category::Database),
            ("*/my-cache".to_string(), Category::Cache),
            // A user pattern overrides the built-in one.
            ("grafana/grafana".to_string(), Category::AdminUi),
            ("not a pattern".to_string(), Category::Cache),
        ],
        &[5432, 12345, 7777],
    );
    let m = |s: &str| extra.match_image(&ImageRef::parse(s).unwrap());
    let e = m("acme/ledger-db:2").unwrap();
    assert!(e.user_defined);
    assert_eq!(e.category, Category::Database);
    assert!(e.ports.is_empty());
    assert_eq!(
        m("registry.acme.io/data/warehouse:1").unwrap().category,
        Category::Database
    );
    assert!(m("registry.acme.io/web/app").is_none());
    assert_eq!(m("ghcr.io/x/my-cache").unwrap().category, Category::Cache);
    assert_eq!(m("grafana/grafana").unwrap().category, Category::AdminUi);
    assert_eq!(m("postgres:16").unwrap().id, "postgres");
    assert_eq!(extra.match_port(5432).unwrap().id, "postgres");
    assert_eq!(extra.match_port(7777).unwrap().id, "port-7777");
    assert!(extra.match_port(7777).unwrap().user_defined);
    assert_eq!(extra.match_port(12345).unwrap().id, "port-12345");
    assert_eq!(extra.len(), cat().len() + 4 + 2);
    // The built-in catalogue is untouched.
    assert!(cat().match_port(7777).is_none());
    assert!(Catalogue::try_with_extra(&[("postgres:16".into(), Category::Database)], &[]).is_err());
    assert!(Catalogue::try_with_extra(&[("a//b".into(), Category::Database)], &[]).is_err());
    assert!(Catalogue::try_with_extra(&[("[".into(), Category::Database)], &[]).is_err());
}

#[test]
fn pattern_syntax() {
    let p = |s: &str| compile_pattern(s).unwrap();
    assert_eq!(p("postgres"), Pattern::ExactPath("library/postgres".into()));
    assert_eq!(
        p("bitnami/postgresql"),
        Pattern::ExactPath("bitnami/postgresql".into())
    );
    assert_eq!(
        p("mcr.microsoft.com/azure-sql-edge"),
        Pattern::ExactFull("mcr.microsoft.com/azure-sql-edge".into())
    );
    assert_eq!(
        p("index.docker.io/postgres"),
        Pattern::ExactFull("docker.io/library/postgres".into())
    );
    assert_eq!(p("*/postgres"), Pattern::GlobPath("*/postgres".into()));
    assert_eq!(p("redis*"), Pattern::GlobPath("library/redis*".into()));
    assert_eq!(
        p("quay.io/acme/*"),
        Pattern::GlobFull("quay.io/acme/*".into())
    );
    for bad in [
        "",
        "postgres:16",
        "postgres@sha256:0",
        "${X}/y",
        "a//b",
        "[",
        "quay.io/",
    ] {
        assert!(compile_pattern(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn invalid_catalogues_are_rejected() {
    let entry = |extra: &str| {
        format!(
            "[[entry]]\nid = \"a\"\nname = \"A\"\ncategory = \"database\"\nimages = [\"a\"]\nports = [1]\n{extra}"
        )
    };
    assert!(Catalogue::from_toml(&entry("")).is_ok());
    let bad = [
        (entry("typo = 1"), "unknown field"),
        (
            entry(
                "[[entry]]\nid = \"a\"\nname = \"B\"\ncategory = \"cache\"\nimages = [\"b\"]\nports = [2]",
            ),
            "duplicate id",
        ),
        (
            entry(
                "[[entry]]\nid = \"b\"\nname = \"B\"\ncategory = \"cache\"\nimages = [\"library/a\"]\nports = [2]",
            ),
            "also claimed by `a`",
        ),
        (
            entry(
                "[[entry]]\nid = \"b\"\nname = \"B\"\ncategory = \"nope\"\nimages = [\"b\"]\nports = [2]",
            ),
            "unknown variant",
        ),
        (
            entry(
                "[[entry]]\nid = \"B\"\nname = \"B\"\ncategory = \"cache\"\nimages = [\"b\"]\nports = [2]",
            ),
            "kebab-case",
        ),
        (
            entry(
                "[[entry]]\nid = \"b\"\nname = \"B\"\ncategory = \"cache\"\nimages = [\"b\"]\nports = []",
            ),
            "no ports",
        ),
        (entry("[port_fallback]\n1 = \"zzz\""), "unknown entry"),
        (entry("[port_fallback]\n2 = \"a\""), "not one of the ports"),
        (entry("[port_fallback]\nx = \"a\""), "not a port number"),
        (
            entry("[reverse_proxy]\nimages = [\"nginx:1\"]"),
            "remove the tag",
        ),
    ];
    for (text, why) in bad {
        let err = Catalogue::from_toml(&text).unwrap_err().to_string();
        assert!(err.contains(why), "{text}\n=> {err}");
    }
}

#[test]
fn lookup_is_fast_enough() {
    // 10 services x 10,000 files, in a debug build: a generous bound that still catches a
    // matcher that recompiles or scans every pattern linearly with regexes.
    let images: Vec<ImageRef> = [
        "postgres:16",
        "ghcr.io/acme/web:1",
        "bitnami/redis:7",
        "nginx",
        "registry.example.com/a/b/c/d:1",
    ]
    .iter()
    .map(|s| ImageRef::parse(s).unwrap())
    .collect();
    let start = std::time::Instant::now();
    let mut hits = 0;
    for _ in 0..20_000 {
        for image in &images {
            hits += usize::from(cat().match_image(image).is_some());
        }
    }
    assert_eq!(hits, 40_000);
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}

/// The tables `build.rs` wrote are the catalogue `from_toml` makes of the same file.
#[test]
fn builtin_tables_are_the_toml_catalogue() {
    let parsed = Catalogue::from_toml(BUILTIN_TOML).unwrap();
    let built = cat();
    assert_eq!(built.entries(), parsed.entries());
    assert_eq!(built.ports, parsed.ports);
    for (a, b) in [
        (&built.images, &parsed.images),
        (&built.proxies, &parsed.proxies),
    ] {
        let tables = |m: &Matcher| m.layers.iter().map(Layer::tables).collect::<Vec<_>>();
        assert_eq!(tables(a), tables(b));
    }
    for keys in [
        &built.images.layers[0].exact_full,
        &built.images.layers[0].exact_path,
    ] {
        assert!(
            keys.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no duplicates"
        );
    }
}

#[test]
fn name_compares_as_the_joined_string() {
    let words = [
        "",
        "a",
        "b",
        "a/b",
        "ab",
        "a.b",
        "a-b",
        "a0",
        "docker.io",
        "library",
        "postgres",
        "postgres/x",
        "z",
    ];
    let mut keys: Vec<String> = Vec::new();
    for a in words {
        keys.push(a.to_string());
        for b in words {
            keys.push(format!("{a}/{b}"));
            for c in ["", "postgres", "a/b"] {
                keys.push(format!("{a}/{b}/{c}"));
            }
        }
    }
    let mut names = Vec::new();
    for a in words {
        names.push(Name::one(a));
        for b in words {
            names.push(Name::two(a, b));
            names.push(Name::three(a, b, "postgres"));
        }
    }
    for name in names {
        let joined = name.joined();
        for key in &keys {
            assert_eq!(
                name.cmp_key(key),
                key.as_str().cmp(joined.as_str()),
                "{key:?} vs {joined:?}"
            );
        }
    }
}

#[test]
fn hand_matched_globs_agree_with_globset() {
    let globs = [
        "*/postgres",
        "library/*",
        "quay.io/acme/*",
        "*/*",
        "*",
        "a/*/c",
        "redis*",
        "library/redis*",
        "**/postgres",
        "{a,b}/c",
        "[ab]/c",
        "a?/c",
    ];
    let names = [
        Name::two("library", "postgres"),
        Name::two("a/b", "postgres"),
        Name::one("postgres"),
        Name::one("a/postgres"),
        Name::three("quay.io", "acme", "x"),
        Name::three("quay.io", "acme/b", "x"),
        Name::two("quay.io", "x"),
        Name::two("library", "redis-stack"),
        Name::two("library", "redis"),
        Name::two("a/b", "c"),
        Name::two("a", "c"),
        Name::two("b", "c"),
        Name::two("ab", "c"),
        Name::two("", "postgres"),
        Name::two("library", ""),
    ];
    for glob in globs {
        let ours = Glob::new(Cow::Borrowed(glob), 0);
        let theirs = build_glob(glob).unwrap().compile_matcher();
        for name in names {
            let joined = name.joined();
            assert_eq!(
                ours.matches(name),
                theirs.is_match(&joined),
                "{glob} on {joined}"
            );
        }
    }
    assert!(Glob::new(Cow::Borrowed("*/postgres"), 0).compiled.is_none());
    assert!(Glob::new(Cow::Borrowed("redis*"), 0).compiled.is_some());
}

/// The lookup as it was done before the tables: hash maps of exact keys and globsets over
/// the joined name, one merged set of patterns in priority order.
struct Reference {
    exact_full: HashMap<String, usize>,
    exact_path: HashMap<String, usize>,
    glob_full: (globset::GlobSet, Vec<usize>),
    glob_path: (globset::GlobSet, Vec<usize>),
}

impl Reference {
    fn new(patterns: &[(Pattern, usize)]) -> Reference {
        let mut exact_full = HashMap::new();
        let mut exact_path = HashMap::new();
        let (mut glob_full, mut glob_full_targets) = (globset::GlobSetBuilder::new(), Vec::new());
        let (mut glob_path, mut glob_path_targets) = (globset::GlobSetBuilder::new(), Vec::new());
        for (pattern, target) in patterns {
            match pattern {
                Pattern::ExactFull(k) => {
                    exact_full.entry(k.clone()).or_insert(*target);
                }
                Pattern::ExactPath(k) => {
                    exact_path.entry(k.clone()).or_insert(*target);
                }
                Pattern::GlobFull(g) => {
                    glob_full.add(build_glob(g).unwrap());
                    glob_full_targets.push(*target);
                }
                Pattern::GlobPath(g) => {
                    glob_path.add(build_glob(g).unwrap());
                    glob_path_targets.push(*target);
                }
            }
        }
        Reference {
            exact_full,
            exact_path,
            glob_full: (glob_full.build().unwrap(), glob_full_targets),
            glob_path: (glob_path.build().unwrap(), glob_path_targets),
        }
    }

    fn find(&self, image: &ImageRef) -> Option<usize> {
        use globset::Candidate;
        let path = image.path();
        let full = format!("{}/{}", image.registry, path);
        if let Some(&t) = self.exact_full.get(&full) {
            return Some(t);
        }
        let official = image
            .namespace
            .is_none()
            .then(|| format!("{OFFICIAL_NAMESPACE}/{}", image.repository));
        let suffixes = path
            .match_indices('/')
            .map(|(i, _)| &path[i + 1..])
            .filter(|s| s.contains('/'));
        let candidates = || {
            std::iter::once(path.as_str())
                .chain(official.as_deref())
                .chain(suffixes.clone())
        };
        if let Some(t) = candidates().find_map(|c| self.exact_path.get(c).copied()) {
            return Some(t);
        }
        let mut hits = Vec::new();
        self.glob_full
            .0
            .matches_candidate_into(&Candidate::new(&full), &mut hits);
        if let Some(&first) = hits.iter().min() {
            return Some(self.glob_full.1[first]);
        }
        let mut best: Option<usize> = None;
        for c in candidates() {
            self.glob_path
                .0
                .matches_candidate_into(&Candidate::new(c), &mut hits);
            if let Some(&first) = hits.iter().min() {
                best = Some(best.map_or(first, |b| b.min(first)));
            }
        }
        best.map(|i| self.glob_path.1[i])
    }
}

/// Images built from every pattern of the catalogue, on several registries and mirrors.
fn probe_images() -> Vec<ImageRef> {
    let loaded = load::load(BUILTIN_TOML).unwrap();
    let mut texts: Vec<String> = vec![
        "node:20".into(),
        "ghcr.io/acme/web:1".into(),
        "registry.example.com/a/b/c/d:1".into(),
        "localhost:5000/postgres".into(),
        "${REGISTRY}/postgres:16".into(),
        "${A:-x/y}/redis".into(),
        "acme/${NAME:-a/b/c}".into(),
        "index.docker.io/library/redis".into(),
    ];
    let pieces = loaded
        .entries
        .iter()
        .flat_map(|e| e.images.iter())
        .chain(
            ["nginx", "*/traefik", "kong/kong-gateway"]
                .map(String::from)
                .iter(),
        )
        .map(|p| p.replace('*', "any"))
        .collect::<Vec<_>>();
    for p in &pieces {
        for prefix in [
            "",
            "docker.io/",
            "ghcr.io/",
            "mirror.gcr.io/library/",
            "public.ecr.aws/docker/library/",
            "harbor.example.com/hub/",
            "registry:5000/",
            "acme/",
        ] {
            texts.push(format!("{prefix}{p}:1"));
        }
        texts.push(format!("{p}-backup"));
    }
    texts.iter().filter_map(|t| ImageRef::parse(t)).collect()
}

#[test]
fn lookup_agrees_with_the_reference() {
    let loaded = load::load(BUILTIN_TOML).unwrap();
    let images = probe_images();
    assert!(images.len() > 1000, "{}", images.len());
    let (reference, proxies) = (
        Reference::new(&loaded.patterns),
        Reference::new(&loaded.proxies),
    );
    let mut found = 0;
    for image in &images {
        let want = reference.find(image);
        assert_eq!(cat().images.find(image), want, "{image}");
        assert_eq!(cat().proxies.find(image), proxies.find(image), "{image}");
        found += usize::from(want.is_some());
    }
    assert!(found > 500, "{found}");
    // With user patterns first, as `try_with_extra` orders them.
    let extra: Vec<(String, Category)> = [
        "acme/postgres",
        "*/redis",
        "ghcr.io/*/web",
        "postgres",
        "redis*",
        "docker.io/bitnami/*",
        "{ghcr.io,quay.io}/acme/*",
    ]
    .iter()
    .map(|p| (p.to_string(), Category::Cache))
    .collect();
    let user = Catalogue::try_with_extra(&extra, &[]).unwrap();
    let base = cat().len();
    let mut patterns: Vec<(Pattern, usize)> = extra
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (compile_pattern(p).unwrap(), base + i))
        .collect();
    patterns.extend(loaded.patterns.iter().cloned());
    let reference = Reference::new(&patterns);
    for image in &images {
        assert_eq!(user.images.find(image), reference.find(image), "{image}");
    }
}
