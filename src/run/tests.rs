//! The config a folder search gives each file is the one a search upward from the file finds.

use std::path::Path;

use super::ConfigResolver;
use crate::cli::ConfigArgs;
use crate::config::Overrides;
use crate::discover::{Found, search};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_walked_file_gets_the_config_a_search_upward_finds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "composeguard.toml", "bind-address = \"10.0.0.1\"\n");
    write(
        root,
        "a/.composeguard.toml",
        "bind-address = \"10.0.0.2\"\n",
    );
    // Both names in one folder: `composeguard.toml` wins.
    write(
        root,
        "a/b/composeguard.toml",
        "bind-address = \"10.0.0.3\"\n",
    );
    write(
        root,
        "a/b/.composeguard.toml",
        "bind-address = \"10.0.0.4\"\n",
    );
    // A folder named like a config file is not one.
    write(root, "c/composeguard.toml/x", "");
    for file in [
        "compose.yaml",
        "a/compose.yaml",
        "a/b/compose.yaml",
        "a/b/d/compose.yaml",
        "c/compose.yaml",
        "c/composeguard.toml/compose.yaml",
    ] {
        write(root, file, "services: {}\n");
    }
    for start in [root.to_path_buf(), root.join("a"), root.join("a/b/d")] {
        let mut walked = ConfigResolver::new(&ConfigArgs::default(), Overrides::default());
        let root_config = walked.for_path(&start).unwrap();
        let mut named = ConfigResolver::new(&ConfigArgs::default(), Overrides::default());
        let mut seen = 0;
        for found in search(start.clone(), Some(root_config.clone())) {
            let Found::File(file) = found else {
                panic!("{found:?}")
            };
            let from_walk = walked.for_found(&file, &root_config).unwrap();
            let upward = named.for_file(&file.path).unwrap();
            assert_eq!(
                from_walk.to_toml(),
                upward.to_toml(),
                "{}",
                file.path.display()
            );
            seen += 1;
        }
        assert!(seen > 0);
    }
    // The settings really differ between folders (the comparison could not pass by accident).
    let mut resolver = ConfigResolver::new(&ConfigArgs::default(), Overrides::default());
    let top = resolver.for_file(&root.join("compose.yaml")).unwrap();
    let deep = resolver.for_file(&root.join("a/b/compose.yaml")).unwrap();
    assert_ne!(top.to_toml(), deep.to_toml());
    assert!(deep.to_toml().contains("10.0.0.3"), "{}", deep.to_toml());
}
