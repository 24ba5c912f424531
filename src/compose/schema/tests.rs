use super::*;
use crate::compose::interpolate::Environment;
use std::path::Path;

/// (line:col of the error's start, message) for a one-file project.
fn errors_with(text: &str, env: &[(&str, &str)]) -> Vec<(String, String)> {
    let env = Environment::from_pairs(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let project = Project::from_text(Path::new("compose.yaml"), text, env).unwrap();
    schema_errors(&project)
        .into_iter()
        .map(|e| {
            let before = &text[..e.span.start];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            (format!("{line}:{col}"), e.message)
        })
        .collect()
}

fn errors(text: &str) -> Vec<(String, String)> {
    errors_with(text, &[])
}

#[test]
fn a_valid_file_has_no_error() {
    let text = "x-base: &base\n  image: nginx\nservices:\n  web:\n    <<: *base\n    ports: [80, \"8080:80\", {target: 81, host_ip: 127.0.0.1}]\n    privileged: \"yes\"\n    x-anything: {a: 1}\n    environment: {A: 1, B: ~, C: true}\n    scale: 1.0\nvolumes:\n  data: {}\n";
    assert_eq!(errors(text), Vec::<(String, String)>::new());
}

#[test]
fn an_unknown_property_is_placed_at_its_key() {
    let text = "services:\n  db:\n    image: postgres\n    ports:\n      - target: 5432\n        host_ipp: 127.0.0.1\n";
    assert_eq!(
        errors(text),
        [(
            "6:9".to_string(),
            "services.db.ports[0]: additional property `host_ipp` is not allowed".to_string()
        )]
    );
}

#[test]
fn unknown_keys_at_each_level() {
    let text = "foo: 1\nservices:\n  web:\n    image: x\n    bogus: 1\n";
    let got = errors(text);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "1:1");
    assert!(got[0].1.contains("top-level key `foo`"), "{got:?}");
    assert_eq!(got[1].0, "5:5");
    assert_eq!(
        got[1].1,
        "services.web: additional property `bogus` is not allowed"
    );
}

#[test]
fn a_key_merged_from_an_anchor_is_placed_where_it_is_written() {
    let text = "x-d: &d\n  image: x\n  bogus: 1\nservices:\n  web:\n    <<: *d\n";
    assert_eq!(
        errors(text),
        [(
            "3:3".to_string(),
            "services.web: additional property `bogus` is not allowed".to_string()
        )]
    );
}

#[test]
fn an_empty_host_ip_and_a_long_volume_without_type() {
    let text = "services:\n  web:\n    image: x\n    ports:\n      - target: 80\n        host_ip:\n    volumes:\n      - source: a\n        target: /a\n";
    let got = errors(text);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].1, "services.web.ports[0].host_ip must be a string");
    assert_eq!(got[0].0, "6:9");
    assert_eq!(got[1].0, "8:9");
    assert_eq!(got[1].1, "services.web.volumes[0]: `type` is required");
}

#[test]
fn non_string_keys_are_refused_under_extension_fields_too() {
    let got = errors("x-foo:\n  1: a\nservices:\n  web:\n    image: x\n");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "2:3");
}

#[test]
fn non_string_keys_are_refused() {
    let text = "services:\n  web:\n    image: x\n    labels:\n      1: a\n      \"2\": b\n";
    let got = errors(text);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "5:7");
    assert!(got[0].1.contains("`1` is not a string"), "{got:?}");
}

#[test]
fn a_non_ascii_service_name() {
    let got = errors("services:\n  wéb:\n    image: x\n");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "2:3");
    assert!(
        got[0].1.contains("service name `wéb` is not allowed"),
        "{got:?}"
    );
}

#[test]
fn values_are_validated_after_interpolation() {
    let text = "services:\n  web:\n    image: x\n    pull_policy: ${P}\n";
    assert_eq!(errors_with(text, &[("P", "always")]), []);
    let got = errors_with(text, &[("P", "bogus")]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "4:18");
    assert!(
        got[0]
            .1
            .starts_with("services.web.pull_policy: `bogus` does not match"),
        "{got:?}"
    );
    let got = errors(text);
    assert!(got[0].1.contains("`P` unset here"), "{got:?}");
}

#[test]
fn duplicates_compose_merges_are_not_errors_but_others_are() {
    let text = "services:\n  web:\n    image: x\n    cap_add: [A, A]\n    security_opt: [a, a]\n";
    let got = errors(text);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "5:19");
    assert_eq!(
        got[0].1,
        "services.web.security_opt: items must be unique (items 0 and 1 are equal)"
    );
}

#[test]
fn reset_entries_are_dropped_before_validating() {
    assert_eq!(
        errors("services:\n  web:\n    image: x\n    bogus: !reset 1\n"),
        []
    );
}

#[test]
fn a_port_of_the_wrong_type_names_the_allowed_types() {
    let got = errors("services:\n  web:\n    image: x\n    ports:\n      - [80]\n");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "5:9");
    assert_eq!(
        got[0].1,
        "services.web.ports[0] must be a number or a string or a mapping"
    );
}

#[test]
fn sizes_and_durations_compose_cannot_decode() {
    let text = "services:\n  web:\n    image: x\n    mem_limit: notanumber\n    shm_size: 64m\n    healthcheck:\n      interval: 10x\n      timeout: 5s\n";
    let got = errors(text);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "4:16");
    assert!(
        got[0]
            .1
            .starts_with("services.web.mem_limit: `notanumber` is not a size"),
        "{got:?}"
    );
    assert_eq!(got[1].0, "7:17");
    assert!(
        got[1]
            .1
            .starts_with("services.web.healthcheck.interval: `10x` is not a duration"),
        "{got:?}"
    );
}

#[test]
fn of_a_file_only_extended_just_the_extended_services_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    extends: {file: base.yaml, service: b}\n",
    )
    .unwrap();
    // Compose reads service `b` of base.yaml, not its top-level key nor service `other`.
    std::fs::write(
        dir.path().join("base.yaml"),
        "bogus_top: 1\nservices:\n  b:\n    image: x\n    nonsense: 1\n  other:\n    junk: 1\n",
    )
    .unwrap();
    let options = crate::compose::project::LoadOptions {
        process_env: Some(Vec::new()),
        ..Default::default()
    };
    let project = Project::load(&dir.path().join("compose.yaml"), None, &options).unwrap();
    let errors = schema_errors(&project);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, 1);
    assert_eq!(
        errors[0].message,
        "services.b: additional property `nonsense` is not allowed"
    );
}
