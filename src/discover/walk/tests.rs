//! The walk against the `ignore` crate's own walker (what composeguard used before, and what
//! ripgrep does): the same files must come out, in the same order.

use std::path::{Path, PathBuf};

use super::Walk;
use crate::discover::{Found, WalkConfig, is_compose_file_name};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn ours(root: &Path) -> Vec<PathBuf> {
    Walk::new(root.to_path_buf(), None)
        .map(|found| match found {
            Found::File(f) => f.path,
            Found::Error(path, why) => panic!("{}: {why}", path.display()),
        })
        .collect()
}

/// The `ignore` crate's walker with the settings composeguard used, minus what is inside
/// `.git` (which the walk no longer enters).
fn reference(root: &Path) -> Vec<PathBuf> {
    ignore::WalkBuilder::new(root)
        .follow_links(false)
        .hidden(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
        .filter(|entry| entry.file_name().to_str().is_some_and(is_compose_file_name))
        .map(|entry| entry.into_path())
        .filter(|path| !path.components().any(|c| c.as_os_str() == ".git"))
        .collect()
}

/// The walk of `root`, after checking that it is the reference walker's.
fn same_as_reference(root: &Path) -> Vec<PathBuf> {
    let found = ours(root);
    assert_eq!(found, reference(root), "{}", root.display());
    found
}

/// A tree with every kind of ignore rule: a repository with a nested repository, `.ignore`
/// whitelisting what `.gitignore` ignores, folder-only patterns, `info/exclude`, anchored
/// and unanchored patterns, and compose files inside `.git`.
fn tree(root: &Path) {
    for rel in [
        "compose.yaml",
        "a/compose.yaml",
        "a/docker-compose.prod.yml",
        "a/b/compose.yml",
        "build/compose.yaml",
        "deep/build/compose.yaml",
        "only-top/compose.yaml",
        "sub/only-top/compose.yaml",
        "excluded/compose.yaml",
        "kept/compose.yaml",
        "ignored-by-dot-ignore/compose.yaml",
        "nested/compose.yaml",
        "nested/build/compose.yaml",
        "nested/local/compose.yaml",
        ".git/compose.yaml",
        "nested/.git/hooks/compose.yaml",
        "file-named-build/build",
    ] {
        write(root, rel, "services: {}\n");
    }
    write(root, ".git/info/exclude", "excluded/\n");
    write(
        root,
        ".gitignore",
        "build/\n/only-top/\n*.prod.yml\nkept/\n",
    );
    write(root, ".ignore", "!kept/\nignored-by-dot-ignore/\n");
    write(root, "a/.gitignore", "!docker-compose.prod.yml\n");
    std::fs::create_dir_all(root.join("nested/.git")).unwrap();
    write(root, "nested/.gitignore", "local/\n");
}

#[test]
fn same_files_as_the_ignore_crate_in_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    tree(root);
    let found = same_as_reference(root);
    let names: Vec<_> = found
        .iter()
        .map(|p| p.strip_prefix(root).unwrap().to_str().unwrap().to_string())
        .collect();
    // The rules really were applied (the reference could be wrong the same way).
    for skipped in [
        "build/compose.yaml",
        "only-top/compose.yaml",
        "excluded/compose.yaml",
        "ignored-by-dot-ignore/compose.yaml",
        "nested/local/compose.yaml",
        ".git/compose.yaml",
    ] {
        assert!(!names.iter().any(|n| n == skipped), "{skipped}: {names:?}");
    }
    for kept in [
        "a/docker-compose.prod.yml",
        "kept/compose.yaml",
        "sub/only-top/compose.yaml",
        "nested/build/compose.yaml",
    ] {
        assert!(names.iter().any(|n| n == kept), "{kept}: {names:?}");
    }
}

#[test]
fn same_files_as_the_ignore_crate_outside_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    tree(root);
    std::fs::remove_dir_all(root.join(".git")).unwrap();
    std::fs::remove_dir_all(root.join("nested/.git")).unwrap();
    let found = same_as_reference(root);
    // .gitignore does not count outside a repository; .ignore does.
    assert!(found.contains(&root.join("build/compose.yaml")));
    assert!(!found.contains(&root.join("ignored-by-dot-ignore/compose.yaml")));
}

#[test]
fn rules_of_folders_above_the_searched_one_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    tree(root);
    for start in ["a", "deep", "nested", "sub"] {
        same_as_reference(&root.join(start));
    }
    assert!(
        ours(&root.join("deep")).is_empty(),
        "deep/build is ignored from the top"
    );
}

#[test]
fn a_relative_path_is_walked_as_written() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    // Relative to the process's folder, which tests must not change: go through `..`s.
    let cwd = std::env::current_dir().unwrap();
    let up = cwd.ancestors().count() - 1;
    let relative: PathBuf = std::iter::repeat_n("..", up)
        .collect::<PathBuf>()
        .join(dir.path().strip_prefix("/").unwrap());
    same_as_reference(&relative);
}

#[test]
fn configs_on_the_way_down_are_noted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "compose.yaml", "services: {}\n");
    write(root, "a/compose.yaml", "services: {}\n");
    write(root, "a/.composeguard.toml", "");
    write(root, "a/b/compose.yaml", "services: {}\n");
    write(root, "c/composeguard.toml/compose.yaml", "services: {}\n");
    let configs: Vec<(String, WalkConfig)> = Walk::new(root.to_path_buf(), None)
        .map(|found| match found {
            Found::File(f) => (
                f.path.strip_prefix(root).unwrap().display().to_string(),
                f.config,
            ),
            Found::Error(path, why) => panic!("{}: {why}", path.display()),
        })
        .collect();
    let here = WalkConfig::Here(root.join("a/.composeguard.toml").into());
    assert_eq!(
        configs,
        [
            ("a/b/compose.yaml".to_string(), here.clone()),
            ("a/compose.yaml".to_string(), here),
            // A folder named like a config file is not one.
            (
                "c/composeguard.toml/compose.yaml".to_string(),
                WalkConfig::AtOrAboveRoot
            ),
            ("compose.yaml".to_string(), WalkConfig::AtOrAboveRoot),
        ]
    );
}

#[test]
fn an_unreadable_folder_is_reported_and_the_rest_walked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a/compose.yaml", "services: {}\n");
    write(root, "b/compose.yaml", "services: {}\n");
    let locked = root.join("a");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root can read anything: then there is nothing to test.
    let readable = std::fs::read_dir(&locked).is_ok();
    let found: Vec<Found> = Walk::new(root.to_path_buf(), None).collect();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    if readable {
        return;
    }
    assert!(
        matches!(&found[0], Found::Error(p, _) if *p == locked),
        "{found:?}"
    );
    assert!(matches!(&found[1], Found::File(f) if f.path == root.join("b/compose.yaml")));
}

#[test]
fn the_folders_above_are_those_of_the_real_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // `repo/../proj` is `proj`: repo's rules and repository must not apply to it.
    std::fs::create_dir_all(root.join("repo/.git")).unwrap();
    write(root, "repo/.ignore", "compose.yaml\n");
    write(root, "repo/.gitignore", "build/\n");
    write(root, "proj/compose.yaml", "services: {}\n");
    write(root, "proj/build/compose.yaml", "services: {}\n");
    let through = same_as_reference(&root.join("repo/../proj"));
    assert_eq!(through.len(), 2, "{through:?}");
    // A link to a folder outside the repository is walked as that folder.
    std::os::unix::fs::symlink(root.join("proj"), root.join("repo/link")).unwrap();
    let link = same_as_reference(&root.join("repo/link"));
    assert_eq!(link.len(), 2, "{link:?}");
    // And a real folder inside it gets its rules.
    write(root, "repo/inner/compose.yaml", "services: {}\n");
    write(
        root,
        "repo/inner/build/docker-compose.yml",
        "services: {}\n",
    );
    let inner = same_as_reference(&root.join("repo/inner"));
    assert!(inner.is_empty(), "{inner:?}");
}

#[test]
fn broken_ignore_files_count_for_what_they_can_and_are_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    // An invalid glob on one line; the next line still counts.
    write(root, ".gitignore", "foo[\nbuild/\n");
    write(root, "build/compose.yaml", "services: {}\n");
    write(root, "a/compose.yaml", "services: {}\n");
    // An `.ignore` that is a folder, a `.gitignore` that is a dangling link.
    std::fs::create_dir_all(root.join("a/.ignore")).unwrap();
    std::os::unix::fs::symlink(root.join("gone"), root.join("a/.gitignore")).unwrap();
    let found = same_as_reference(root);
    assert_eq!(found, [root.join("a/compose.yaml")]);
}

#[test]
fn a_worktree_reads_the_main_repository_s_exclude_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "main/.git/info/exclude", "excluded/\n");
    write(root, "main/.git/worktrees/wt/commondir", "../..\n");
    // Absolute, as `git worktree add` writes it.
    let git_dir = root.join("main/.git/worktrees/wt");
    write(root, "wt/.git", &format!("gitdir: {}\n", git_dir.display()));
    write(root, "wt/excluded/compose.yaml", "services: {}\n");
    write(root, "wt/kept/compose.yaml", "services: {}\n");
    let wt = root.join("wt");
    assert_eq!(same_as_reference(&wt), [wt.join("kept/compose.yaml")]);
}
