use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("composeguard.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(&path)
}

fn meta(id: &str) -> RuleMeta {
    crate::rules::find(id).expect("rule exists").meta
}

#[test]
fn defaults() {
    let config = Config::default();
    assert_eq!(config.fail_on, Severity::Warning);
    assert_eq!(config.settings.bind_address, "127.0.0.1");
    assert!(config.is_enabled(&meta("sensitive-port-exposed")));
}

#[test]
fn select_ignore_and_categories() {
    let config =
        parse("select = [\"exposure\"]\nignore = [\"port-exposed-all-interfaces\"]\n").unwrap();
    assert!(config.is_enabled(&meta("sensitive-port-exposed")));
    assert!(!config.is_enabled(&meta("port-exposed-all-interfaces")));
    assert!(!config.is_enabled(&meta("invalid-compose")));
    let config = parse("extend-select = [\"all\"]\n").unwrap();
    assert!(
        crate::rules::RULES
            .iter()
            .all(|r| config.is_enabled(&r.meta))
    );
}

#[test]
fn severity_fail_on_bind_and_public() {
    let config = parse(
        "fail-on = \"error\"\nbind-address = \"::1\"\npublic-services = [\"web\"]\n[severity]\nport-exposed-all-interfaces = \"error\"\n",
    )
    .unwrap();
    assert_eq!(config.fail_on, Severity::Error);
    assert_eq!(config.settings.bind_address, "::1");
    assert_eq!(config.settings.public_services, ["web"]);
    assert_eq!(
        config.severity_of(&meta("port-exposed-all-interfaces")),
        Severity::Error
    );
    assert_eq!(
        config.severity_of(&meta("sensitive-port-exposed")),
        Severity::Error
    );
}

#[test]
fn errors_point_at_the_line() {
    let text = "fail-on = \"warning\"\nselect = [\"exposure\", \"no-such-rule\"]\n";
    let err = parse(text).unwrap_err();
    assert!(err.message.contains("no-such-rule"), "{}", err.message);
    let span = err.span.clone().unwrap();
    assert_eq!(&text[span], "\"no-such-rule\"");
    let rendered = err.render(false);
    assert!(rendered.contains("composeguard.toml:2:"), "{rendered}");

    let err = parse("unknown-key = 1\n").unwrap_err();
    assert!(err.message.contains("unknown field"), "{}", err.message);
    assert_eq!(err.span, Some(0..11));

    let err = parse("fail-on = 3\n").unwrap_err();
    assert!(err.span.is_some());
    let err = parse("bind-address = \"localhost\"\n").unwrap_err();
    assert!(err.message.contains("not an IP address"));
    let text = "fail-on = \"error\"\nbind-address = \"0.0.0.0\"\n";
    let err = parse(text).unwrap_err();
    assert!(
        err.message.starts_with(
            "bind-address \"0.0.0.0\": a wildcard address publishes on every interface"
        ),
        "{}",
        err.message
    );
    assert_eq!(&text[err.span.unwrap()], "\"0.0.0.0\"");
    let err = parse("[severity]\nnope = \"error\"\n").unwrap_err();
    assert!(err.message.contains("nope"));
}

#[test]
fn trusted_networks_replace_the_private_ranges() {
    use crate::compose::address::{Reach, TrustedNetworks, reach};
    let config = Config::default();
    assert_eq!(config.settings.trusted, TrustedNetworks::default());
    assert!(config.to_toml().contains(
        "trusted-networks = [\"10.0.0.0/8\", \"172.16.0.0/12\", \"192.168.0.0/16\", \"100.64.0.0/10\", \"fc00::/7\", \"169.254.0.0/16\", \"fe80::/10\"]"
    ));
    let config =
        parse("trusted-networks = [\"10.8.0.0/24\", \"fd7a:115c:a1e0::/48\"]\nbind-address = \"10.8.0.1\"\n")
            .unwrap();
    let trusted = &config.settings.trusted;
    assert_eq!(reach("10.8.0.9", trusted), Reach::Trusted);
    assert_eq!(reach("192.168.1.9", trusted), Reach::Untrusted);
    assert_eq!(config.settings.bind_address, "10.8.0.1");
    assert!(
        config
            .to_toml()
            .contains("trusted-networks = [\"10.8.0.0/24\", \"fd7a:115c:a1e0::/48\"]")
    );
    // A bind address outside the narrowed list is refused at its value.
    let text = "trusted-networks = [\"10.8.0.0/24\"]\nbind-address = \"192.168.1.5\"\n";
    let err = parse(text).unwrap_err();
    assert!(
        err.message
            .contains("a private address outside trusted-networks (10.8.0.0/24)"),
        "{}",
        err.message
    );
    assert_eq!(&text[err.span.unwrap()], "\"192.168.1.5\"");
    // A public range may be trusted on purpose; nothing at all may be trusted too.
    let config =
        parse("trusted-networks = [\"198.51.100.0/24\"]\nbind-address = \"198.51.100.7\"\n");
    assert_eq!(config.unwrap().settings.bind_address, "198.51.100.7");
    let config = parse("trusted-networks = []\n").unwrap();
    assert_eq!(
        reach("10.0.0.1", &config.settings.trusted),
        Reach::Untrusted
    );
    // An invalid entry is an error at that entry.
    let text = "trusted-networks = [\"10.8.0.0/24\", \"10.9.0.1/16\"]\n";
    let err = parse(text).unwrap_err();
    assert_eq!(&text[err.span.clone().unwrap()], "\"10.9.0.1/16\"");
    assert!(
        err.message.starts_with(
            "trusted-networks: \"10.9.0.1/16\" has host bits set: the network is 10.9.0.0/16"
        ),
        "{}",
        err.message
    );
    assert!(err.render(false).contains("composeguard.toml:1:36"));
    let err = parse("trusted-networks = [\"0.0.0.0/0\"]\n").unwrap_err();
    assert!(
        err.message.contains("trusts every address"),
        "{}",
        err.message
    );
    assert!(parse("trusted-networks = \"10.0.0.0/8\"\n").is_err());
}

#[test]
fn a_bind_override_is_checked_against_the_trusted_networks() {
    let text = "fail-on = \"error\"\ntrusted-networks = [\"10.8.0.0/24\"]\n";
    let narrowed = parse(text).unwrap();
    assert!(narrowed.check_bind_override("10.8.0.5").is_ok());
    assert!(narrowed.check_bind_override("::1").is_ok());
    let err = narrowed.check_bind_override("192.168.1.5").unwrap_err();
    assert!(
        err.message
            .starts_with("--bind 192.168.1.5: a private address outside trusted-networks")
            && err.message.contains("(10.8.0.0/24)"),
        "{}",
        err.message
    );
    assert_eq!(&text[err.span.unwrap()], "[\"10.8.0.0/24\"]");
    let err = Config::default()
        .check_bind_override("203.0.113.7")
        .unwrap_err();
    assert!(
        err.message
            .starts_with("--bind 203.0.113.7: a public address is reachable from the internet"),
        "{}",
        err.message
    );
}

#[test]
fn per_file_ignores_and_globs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("composeguard.toml");
    std::fs::write(
        &path,
        "exclude = [\"vendor/**\"]\ninclude = [\"*.compose.yml\"]\n[per-file-ignores]\n\"dev/*.yaml\" = [\"exposure\"]\n",
    )
    .unwrap();
    let config = Config::load(&path).unwrap();
    assert!(config.is_ignored_for(
        "sensitive-port-exposed",
        &dir.path().join("dev/compose.yaml")
    ));
    assert!(!config.is_ignored_for(
        "sensitive-port-exposed",
        &dir.path().join("prod/compose.yaml")
    ));
    assert!(!config.is_ignored_for("invalid-compose", &dir.path().join("dev/compose.yaml")));
    assert!(config.is_excluded(&dir.path().join("vendor/x/compose.yaml")));
    assert!(config.is_included(&dir.path().join("app.compose.yml")));
}

#[test]
fn extra_sensitive_images() {
    let config = parse("[sensitive]\nimages = [{ pattern = \"myorg/ledger-db\", category = \"database\" }]\nports = [7777]\n").unwrap();
    let image =
        crate::compose::image::ImageRef::parse("registry.example.com/myorg/ledger-db:3").unwrap();
    assert!(config.catalogue.match_image(&image).is_some());
    assert!(config.catalogue.match_port(7777).is_some());
    assert!(parse("[sensitive]\nimages = [{ pattern = \"x\", category = \"nope\" }]\n").is_err());
}

#[test]
fn nearest_config_upward() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
    std::fs::write(dir.path().join(".composeguard.toml"), "").unwrap();
    std::fs::write(dir.path().join("a/b/compose.yaml"), "").unwrap();
    assert_eq!(
        find_config(&dir.path().join("a/b/compose.yaml")),
        Some(dir.path().join(".composeguard.toml"))
    );
    std::fs::write(dir.path().join("a/composeguard.toml"), "").unwrap();
    assert_eq!(
        find_config(&dir.path().join("a/b/compose.yaml")),
        Some(dir.path().join("a/composeguard.toml"))
    );
}

#[test]
fn the_committed_schema_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("composeguard.schema.json");
    let generated = json_schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, generated,
        "composeguard.schema.json is stale: run UPDATE_SCHEMA=1 cargo test --lib config"
    );
}

#[test]
fn exceptions_are_read_and_a_bad_date_is_an_error_at_its_line() {
    let text = "[suppressions]\nwarn-before = \"2w\"\n\n[[exceptions]]\nrule = \"sensitive-port-exposed\"\npath = \"deploy/*.yaml\"\nservice = \"db\"\nuntil = \"2027-01-31\"\nowner = \"@db-team\"\nreason = \"replication\"\n";
    let config = parse(text).unwrap();
    assert_eq!(config.exceptions.warn_before, 14 * 86_400);
    let entry = &config.exceptions.entries[0];
    assert_eq!(entry.line, 4, "the line of its [[exceptions]] header");
    assert_eq!(entry.service.as_deref(), Some("db"));
    assert_eq!(entry.until.as_ref().unwrap().0, "2027-01-31");
    // Read back from `composeguard config`, the same entry.
    let again = parse(&config.to_toml()).unwrap();
    assert_eq!(again.exceptions.entries[0].rule, "sensitive-port-exposed");
    assert_eq!(again.exceptions.warn_before, 14 * 86_400);

    let bad = text.replace("2027-01-31", "2027-01-32");
    let err = parse(&bad).unwrap_err();
    assert_eq!(&bad[err.span.clone().unwrap()], "\"2027-01-32\"");
    assert!(err.message.contains("no such day"), "{}", err.message);
    assert!(err.render(false).contains(":8:"), "{}", err.render(false));

    let bad = text.replace("\"2w\"", "\"2 weeks\"");
    let err = parse(&bad).unwrap_err();
    assert_eq!(&bad[err.span.unwrap()], "\"2 weeks\"");

    let bad = text.replace("rule = \"sensitive-port-exposed\"", "rule = \"no-such\"");
    let err = parse(&bad).unwrap_err();
    assert_eq!(&bad[err.span.unwrap()], "\"no-such\"");
}
