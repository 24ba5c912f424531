//! Does composeguard call a file invalid exactly when Docker Compose rejects it? The files
//! where the answers differ on purpose, each with its reason. A path is relative to the
//! repository (`testdata/...`) or to ../shared/corpus (`corpus/...`).

/// Compose rejects the file, composeguard reports no `invalid-compose` finding.
const REQUIRED_VARIABLE: &str = "a required variable (`${X:?}`) unset in the test's empty environment: composeguard lints for any environment, Compose refuses to interpolate in this one";

pub const MISSED_REJECTIONS: &[(&str, &str)] = &[
    (
        "corpus/docker__awesome-compose/plex/compose.yaml",
        "a short volume `:/media/` with an empty host part: volume strings are not parsed by invalid-compose",
    ),
    (
        "corpus/docker__compose/pkg/e2e/fixtures/build-test/ssh/compose.yaml",
        "Compose's bug printing `build.ssh` as JSON: only `config --format json` fails",
    ),
    (
        "corpus/docker__compose/pkg/e2e/testdata/TestSecretFromEnv/compose.yaml",
        "a missing secret file: Compose checks the file system, invalid-compose does not",
    ),
    (
        "corpus/docker__compose/pkg/e2e/testdata/TestSecretFromInclude/compose.yaml",
        "a missing secret file: Compose checks the file system, invalid-compose does not",
    ),
    (
        "corpus/docker__compose/pkg/e2e/testdata/TestUpImageID/compose.yaml",
        REQUIRED_VARIABLE,
    ),
    (
        "testdata/fixtures/secret-interpolation/compose.yaml",
        REQUIRED_VARIABLE,
    ),
    (
        "testdata/fixtures/default-password/compose.yaml",
        REQUIRED_VARIABLE,
    ),
    (
        "testdata/hostile/fuzz/lint_fix-plain-ipv6-rebind.yaml",
        "`[::::22]`: a plain scalar in a flow sequence that YAML 1.2 allows and go-yaml refuses",
    ),
];

/// Compose accepts the file, composeguard reports it invalid.
pub const FALSE_REJECTIONS: &[(&str, &str)] = &[];

/// The reason listed for `name` in `list`.
pub fn listed(list: &[(&str, &'static str)], name: &str) -> Option<&'static str> {
    list.iter().find(|(n, _)| *n == name).map(|(_, why)| *why)
}
