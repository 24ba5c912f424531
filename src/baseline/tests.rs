use super::*;
use crate::compose::project::LoadOptions;
use crate::config::Config;
use crate::engine::{CheckOptions, lint};

fn project(dir: &Path, text: &str) -> Project {
    let path = dir.join("compose.yaml");
    std::fs::write(&path, text).unwrap();
    Project::load(&path, None, &LoadOptions::default()).unwrap()
}

const TWO_DBS: &str = "services:\n  db:\n    image: postgres\n    ports:\n      - \"5432:5432\"\n      - \"5432:5432\"\n";

#[test]
fn the_baseline_is_a_multiset_of_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::default();
    let p = project(dir.path(), TWO_DBS);
    let found: Vec<Diagnostic> = lint(&p, &CheckOptions::new(&config))
        .into_iter()
        .filter(|d| d.rule == "sensitive-port-exposed")
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    let recorder = Baseline::recording(&dir.path().join("baseline.json"));
    let (_, recorded) = recorder.split(&p, found.clone());
    assert_eq!(recorded.recorded.len(), 2);
    assert_eq!(
        recorded.recorded[0].fingerprint,
        recorded.recorded[1].fingerprint
    );
    assert_eq!(recorded.recorded[0].file, "compose.yaml");
    // One entry hides one of the two identical findings, not both.
    let one = dir.path().join("one.json");
    file::write(&one, &recorded.recorded[..1]).unwrap();
    let baseline = Baseline::load(&one).unwrap();
    let (shown, baselined) = baseline.split(&p, found.clone());
    assert_eq!((shown.len(), baselined.hidden.len()), (1, 1));
    let both = dir.path().join("both.json");
    file::write(&both, &recorded.recorded).unwrap();
    let (shown, baselined) = Baseline::load(&both).unwrap().split(&p, found);
    assert_eq!((shown.len(), baselined.hidden.len()), (0, 2));
}

#[test]
fn absent_entries_are_those_of_checked_or_missing_files_left_unmatched() {
    let dir = tempfile::tempdir().unwrap();
    let entry = |file: &str, fingerprint: &str| Entry {
        file: file.into(),
        service: None,
        rule: "r".into(),
        path: String::new(),
        excerpt: String::new(),
        fingerprint: fingerprint.into(),
        message: String::new(),
    };
    std::fs::write(dir.path().join("kept.yaml"), "").unwrap();
    let path = dir.path().join("b.json");
    file::write(
        &path,
        &[
            entry("compose.yaml", "1"),
            entry("compose.yaml", "1"),
            entry("gone.yaml", "2"),
            entry("kept.yaml", "3"),
        ],
    )
    .unwrap();
    let baseline = Baseline::load(&path).unwrap();
    let checked: HashSet<String> = ["compose.yaml".to_string()].into();
    let absent = baseline.absent(&[entry("compose.yaml", "1")], &checked);
    let files: Vec<&str> = absent.iter().map(|e| e.file.as_str()).collect();
    // One of the two `1`s matched; gone.yaml no longer exists; kept.yaml was not checked.
    assert_eq!(files, ["compose.yaml", "gone.yaml"]);
}

#[test]
fn file_keys_are_relative_to_the_baseline_folder_with_slashes() {
    let baseline = Baseline::recording(Path::new("/w/repo/ci/baseline.json"));
    assert_eq!(
        baseline.file_key(Path::new("/w/repo/ci/compose.yaml")),
        "compose.yaml"
    );
    assert_eq!(
        baseline.file_key(Path::new("/w/repo/deploy/./x/../compose.yaml")),
        "../deploy/compose.yaml"
    );
    assert_eq!(
        baseline.file_key(Path::new("/other/c.yaml")),
        "../../../other/c.yaml"
    );
}
