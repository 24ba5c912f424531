use super::*;

const D: &str = "sha256:4a1c4b21597c1b4415bdbecb28a3296c6b5e23ca4f9feeb599860a1dac6a0108";

/// (input, registry, namespace, repository, tag, digest)
type Case<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);

#[test]
fn parses_the_reference_grammar() {
    let d = format!("postgres:16@{D}");
    let full = format!("docker.io/library/postgres:16@{D}");
    let digest_only = format!("postgres@{D}");
    let cases: Vec<Case> = vec![
        (
            "postgres",
            "docker.io",
            Some("library"),
            "postgres",
            None,
            None,
        ),
        (
            "postgres:16",
            "docker.io",
            Some("library"),
            "postgres",
            Some("16"),
            None,
        ),
        (
            "library/postgres",
            "docker.io",
            Some("library"),
            "postgres",
            None,
            None,
        ),
        (
            "docker.io/postgres",
            "docker.io",
            Some("library"),
            "postgres",
            None,
            None,
        ),
        (
            "index.docker.io/library/postgres:latest",
            "docker.io",
            Some("library"),
            "postgres",
            Some("latest"),
            None,
        ),
        (
            "INDEX.DOCKER.IO/library/postgres",
            "docker.io",
            Some("library"),
            "postgres",
            None,
            None,
        ),
        (
            &d,
            "docker.io",
            Some("library"),
            "postgres",
            Some("16"),
            Some(D),
        ),
        (
            &full,
            "docker.io",
            Some("library"),
            "postgres",
            Some("16"),
            Some(D),
        ),
        (
            &digest_only,
            "docker.io",
            Some("library"),
            "postgres",
            None,
            Some(D),
        ),
        (
            "bitnami/postgresql:16.2.0-debian-12-r5",
            "docker.io",
            Some("bitnami"),
            "postgresql",
            Some("16.2.0-debian-12-r5"),
            None,
        ),
        (
            "ghcr.io/foo/postgres:16",
            "ghcr.io",
            Some("foo"),
            "postgres",
            Some("16"),
            None,
        ),
        (
            "GHCR.io/foo/postgres",
            "ghcr.io",
            Some("foo"),
            "postgres",
            None,
            None,
        ),
        (
            "registry.gitlab.com/group/sub/project/db:1",
            "registry.gitlab.com",
            Some("group/sub/project"),
            "db",
            Some("1"),
            None,
        ),
        ("localhost/app", "localhost", None, "app", None, None),
        (
            "localhost:5000/app:dev",
            "localhost:5000",
            None,
            "app",
            Some("dev"),
            None,
        ),
        (
            "myregistry:5000/team/app",
            "myregistry:5000",
            Some("team"),
            "app",
            None,
            None,
        ),
        (
            "192.168.1.10:5000/app",
            "192.168.1.10:5000",
            None,
            "app",
            None,
            None,
        ),
        (
            "[::1]:5000/app:v1",
            "[::1]:5000",
            None,
            "app",
            Some("v1"),
            None,
        ),
        (
            "foo:5000",
            "docker.io",
            Some("library"),
            "foo",
            Some("5000"),
            None,
        ),
        (
            "mcr.microsoft.com/mssql/server:2022-latest",
            "mcr.microsoft.com",
            Some("mssql"),
            "server",
            Some("2022-latest"),
            None,
        ),
        (
            "rabbitmq:3-management-alpine",
            "docker.io",
            Some("library"),
            "rabbitmq",
            Some("3-management-alpine"),
            None,
        ),
        (
            "postgres:16-Alpine",
            "docker.io",
            Some("library"),
            "postgres",
            Some("16-Alpine"),
            None,
        ),
        // Docker's rule: a first component that is not all lowercase is a host.
        ("MyHost/app", "myhost", None, "app", None, None),
        (
            "a__b/c--d/e.f_g",
            "docker.io",
            Some("a__b/c--d"),
            "e.f_g",
            None,
            None,
        ),
        (
            "  redis:7  ",
            "docker.io",
            Some("library"),
            "redis",
            Some("7"),
            None,
        ),
        // Interpolation never crashes and never splits the reference.
        (
            "postgres:${PG_VERSION:-16}",
            "docker.io",
            Some("library"),
            "postgres",
            Some("${PG_VERSION:-16}"),
            None,
        ),
        (
            "postgres:$PG_VERSION",
            "docker.io",
            Some("library"),
            "postgres",
            Some("$PG_VERSION"),
            None,
        ),
        ("${REGISTRY}/app", "${REGISTRY}", None, "app", None, None),
        (
            "${REGISTRY:-ghcr.io/acme}/app:${TAG:-latest}",
            "${REGISTRY:-ghcr.io/acme}",
            None,
            "app",
            Some("${TAG:-latest}"),
            None,
        ),
        (
            "${REGISTRY}/acme/app",
            "${REGISTRY}",
            Some("acme"),
            "app",
            None,
            None,
        ),
        (
            "${IMAGE}",
            "docker.io",
            Some("library"),
            "${IMAGE}",
            None,
            None,
        ),
        (
            "acme/${APP}-db:1",
            "docker.io",
            Some("acme"),
            "${APP}-db",
            Some("1"),
            None,
        ),
        (
            "postgres@${DIGEST}",
            "docker.io",
            Some("library"),
            "postgres",
            None,
            Some("${DIGEST}"),
        ),
        (
            "app:${A:-${B:-x}}",
            "docker.io",
            Some("library"),
            "app",
            Some("${A:-${B:-x}}"),
            None,
        ),
        (
            "app:${UNCLOSED",
            "docker.io",
            Some("library"),
            "app",
            Some("${UNCLOSED"),
            None,
        ),
    ];
    for (input, registry, namespace, repository, tag, digest) in cases {
        let got = ImageRef::parse(input).unwrap_or_else(|| panic!("{input:?} should parse"));
        let want = ImageRef {
            registry: registry.to_string(),
            namespace: namespace.map(str::to_string),
            repository: repository.to_string(),
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        };
        assert_eq!(got, want, "{input:?}");
    }
}

#[test]
fn rejects_invalid_references() {
    let long_tag = format!("app:{}", "a".repeat(129));
    let long_name = format!("a/{}", "b".repeat(260));
    for input in [
        "",
        "   ",
        "Postgres",
        "postgres:",
        "postgres@",
        "postgres@sha256:abc",
        "postgres@sha256",
        "postgres@sha256:zz1c4b21597c1b4415bdbecb28a3296c6b5e23ca4f9feeb599860a1dac6a0108",
        "library/Postgres",
        "acme//app",
        "/app",
        "app/",
        "https://registry.example.com/app",
        "app:tag/more",
        "app:-tag",
        "app:ta g",
        "a b",
        "-app",
        "app-",
        "a_.b",
        "a___b",
        ":16",
        &long_tag,
        &long_name,
    ] {
        assert_eq!(ImageRef::parse(input), None, "{input:?} should be rejected");
    }
}

#[test]
fn same_repository_same_canonical_name() {
    let names = [
        "postgres".to_string(),
        "postgres:16".to_string(),
        "library/postgres".to_string(),
        "docker.io/postgres:latest".to_string(),
        "docker.io/library/postgres".to_string(),
        "index.docker.io/library/postgres:latest".to_string(),
        format!("docker.io/library/postgres:16@{D}"),
    ];
    for name in &names {
        let image = ImageRef::parse(name).unwrap();
        assert_eq!(
            image.canonical_name(),
            "docker.io/library/postgres",
            "{name}"
        );
        assert_eq!(image.path(), "library/postgres", "{name}");
        assert!(image.is_official());
    }
}

#[test]
fn path_and_canonical_name() {
    let image = ImageRef::parse("quay.io/minio/minio:RELEASE.2024-01-01T00-00-00Z").unwrap();
    assert_eq!(image.path(), "minio/minio");
    assert_eq!(image.canonical_name(), "quay.io/minio/minio");
    assert!(!image.is_docker_hub());
    let image = ImageRef::parse("localhost:5000/app").unwrap();
    assert_eq!(image.path(), "app");
    assert_eq!(image.canonical_name(), "localhost:5000/app");
    assert!(!image.is_official());
}

#[test]
fn latest_or_untagged() {
    for (input, floating) in [
        ("postgres", true),
        ("postgres:latest", true),
        ("postgres:LATEST", false),
        ("postgres:16", false),
        ("postgres:${TAG}", false),
        ("postgres:${TAG:-latest}", false),
        (&format!("postgres@{D}"), false),
        (&format!("postgres:latest@{D}"), false),
    ] {
        let image = ImageRef::parse(input).unwrap();
        assert_eq!(image.is_latest_or_untagged(), floating, "{input}");
    }
}

#[test]
fn display_is_the_normalised_reference() {
    let image = ImageRef::parse(&format!("postgres:16@{D}")).unwrap();
    assert_eq!(
        image.to_string(),
        format!("docker.io/library/postgres:16@{D}")
    );
    assert_eq!(
        ImageRef::parse("localhost:5000/app").unwrap().to_string(),
        "localhost:5000/app"
    );
}

#[test]
fn interpolation_is_reported() {
    assert!(
        ImageRef::parse("postgres:${TAG}")
            .unwrap()
            .has_interpolation()
    );
    assert!(
        ImageRef::parse("${REGISTRY}/app")
            .unwrap()
            .has_interpolation()
    );
    assert!(!ImageRef::parse("postgres:16").unwrap().has_interpolation());
}

#[test]
fn never_panics_on_odd_input() {
    let inputs = [
        "$",
        "$$",
        "${",
        "}",
        "@",
        ":",
        "/",
        "a@b@c",
        "a:b:c",
        "${A}@${B}",
        "é",
        "ポスト",
        "a/${",
        "${}/",
        "$1",
        "a:${}",
        "x@sha256:${",
        "\u{0}",
        "a/b:c@d:e",
    ];
    for input in inputs {
        let _ = ImageRef::parse(input);
    }
}
