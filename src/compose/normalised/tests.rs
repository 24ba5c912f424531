use std::path::Path;

use super::*;
use crate::compose::project::LoadOptions;

fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let options = LoadOptions {
        process_env: Some(vec![("TAG".into(), "1.2".into())]),
        ..LoadOptions::default()
    };
    let p = Project::load(&dir.path().join(files[0].0), None, &options).unwrap();
    (dir, p)
}

fn scalars(items: &[&str]) -> Value {
    Value::Seq(items.iter().map(|s| Value::Scalar(s.to_string())).collect())
}

#[test]
fn extends_appends_security_opt_and_unions_cap_add() {
    let (_d, p) = project(&[(
        "compose.yaml",
        "services:\n  x:\n    image: busybox:${TAG}\n    security_opt: [a, b]\n    cap_add: [A, B]\n    environment: [K=1, L=2]\n  y:\n    extends: x\n    security_opt: [b]\n    cap_add: [B, C]\n    environment: {L: '3'}\n    image: alpine\n",
    )]);
    let n = Normalised::of(&p);
    assert_eq!(
        n.get(Some("x"), "image"),
        Some(&Value::Scalar("busybox:1.2".into()))
    );
    assert_eq!(
        n.get(Some("y"), "image"),
        Some(&Value::Scalar("alpine".into()))
    );
    let opts = n.get(Some("y"), "security_opt").unwrap();
    assert_eq!(opts, &scalars(&["a", "b", "b"]));
    assert_eq!(repeated_item("security_opt", opts).as_deref(), Some("b"));
    assert_eq!(
        n.get(Some("y"), "cap_add"),
        Some(&scalars(&["A", "B", "C"]))
    );
    let env = n.get(Some("y"), "environment").unwrap();
    let Value::Map(env) = env else {
        panic!("{env:?}")
    };
    assert_eq!(env["K"], Value::Scalar("1".into()));
    assert_eq!(env["L"], Value::Scalar("3".into()));
    assert_eq!(n.get(Some("y"), "extends"), None, "extends is its layers");
}

#[test]
fn merge_keys_and_override_files_and_reset() {
    let (_d, p) = project(&[
        (
            "compose.yaml",
            "x-common: &c\n  security_opt: [a]\n  restart: always\nservices:\n  x:\n    <<: *c\n    image: busybox\n    restart: \"no\"\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  x:\n    security_opt: [b]\n    cap_drop: !reset []\n    labels: {k: v}\n",
        ),
    ]);
    let n = Normalised::of(&p);
    assert_eq!(
        n.get(Some("x"), "security_opt"),
        Some(&scalars(&["a", "b"]))
    );
    assert_eq!(
        n.get(Some("x"), "restart"),
        Some(&Value::Scalar("no".into()))
    );
    assert_eq!(n.get(Some("x"), "cap_drop"), None);
    assert!(
        n.get(None, "x-common").is_none(),
        "extension keys are left out"
    );
}

#[test]
fn included_services_are_in_the_model() {
    let (_d, p) = project(&[
        (
            "compose.yaml",
            "version: '3'\ninclude: [inc.yaml]\nservices:\n  y:\n    extends: {file: inc.yaml, service: z}\n    dns: 1.1.1.1\n",
        ),
        (
            "inc.yaml",
            "services:\n  z:\n    image: busybox\n    dns: [8.8.8.8]\n",
        ),
    ]);
    let n = Normalised::of(&p);
    assert_eq!(
        n.get(Some("z"), "image"),
        Some(&Value::Scalar("busybox".into()))
    );
    assert_eq!(
        n.get(Some("y"), "image"),
        Some(&Value::Scalar("busybox".into()))
    );
    assert_eq!(
        n.get(Some("y"), "dns"),
        Some(&scalars(&["8.8.8.8", "1.1.1.1"]))
    );
    assert_eq!(n.get(None, "version"), Some(&Value::Scalar("3".into())));
}

#[test]
fn an_unmodelled_list_keeps_every_layer() {
    let (_d, p) = project(&[(
        "compose.yaml",
        "services:\n  x:\n    image: busybox\n    networks: [a]\n  y:\n    extends: x\n    networks: [b]\n",
    )]);
    let n = Normalised::of(&p);
    assert_eq!(
        n.get(Some("y"), "networks"),
        Some(&Value::Layers(vec![scalars(&["a"]), scalars(&["b"])]))
    );
    let _ = Path::new("");
}
