//! The fixer's shortcuts against the plain algorithm: a first round that runs only the rules
//! that make fixes, and a re-lint on several threads, must give exactly what linting every
//! rule on one thread after every round gives.

use std::path::{Path, PathBuf};

use super::*;
use crate::config::Overrides;

/// Every compose file of the test data, and of ../shared/corpus when it is there.
pub(crate) fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        root.join("testdata/fixtures"),
        root.join("testdata/hostile/compose"),
    ];
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        dirs.push(corpus);
    } else {
        eprintln!("NOTICE: ../shared/corpus is absent: only testdata used");
    }
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The default rules, and every rule with the unsafe fixes too.
pub(crate) fn configs() -> Vec<(Config, bool)> {
    let every_rule = Overrides {
        select: Some(rules::RULES.iter().map(|r| r.meta.id.to_string()).collect()),
        ..Default::default()
    };
    vec![
        (Config::default(), false),
        (Config::default().with_overrides(&every_rule), true),
    ]
}

pub(crate) fn options(config: &Config, unsafe_fixes: bool) -> CheckOptions<'_> {
    CheckOptions {
        config,
        fix: true,
        unsafe_fixes,
        load: LoadOptions {
            process_env: Some(Vec::new()),
            ..LoadOptions::default()
        },
    }
}

/// What one file came to, in a form that compares.
type Summary = Vec<(PathBuf, Option<String>, usize, Vec<String>)>;

fn summary(outcome: &ProjectOutcome) -> (Summary, Vec<String>) {
    let files = outcome
        .files
        .iter()
        .map(|f| {
            let found = f.diagnostics.iter().map(|d| format!("{d:?}")).collect();
            (f.path.clone(), f.fixed.clone(), f.fixes_applied, found)
        })
        .collect();
    (files, outcome.fix_errors.clone())
}

/// The fixer without its shortcuts: every rule, on one thread, before every round.
fn plain_fix(main: &Path, options: &CheckOptions) -> Result<ProjectOutcome, LoadFailure> {
    let project = Project::load(main, None, &options.load)?;
    let originals = project
        .files
        .iter()
        .map(|f| (f.path.clone(), f.tree.source()))
        .collect();
    let mut diagnostics = lint(&project, options);
    let mut current = project;
    let mut applied = HashMap::new();
    let mut load = options.load.clone();
    for _ in 0..MAX_FIX_ROUNDS {
        let mut declared = Vec::new();
        let Some(texts) = apply_round(&current, &diagnostics, options, &mut applied, &mut declared)
        else {
            break;
        };
        for (file, (text, _)) in current.files.iter().zip(texts) {
            load.texts.insert(file.path.clone(), text);
        }
        let main_text = load.texts.get(main).cloned();
        let candidate = match Project::load(main, main_text, &load) {
            Ok(p) if verify(&current, &p, &options.config.settings, &declared).is_ok() => p,
            // The fixer gives up and reports why; compared by whether it did.
            _ => {
                let project = Project::load(main, None, &options.load)?;
                let diagnostics = lint(&project, options);
                let errors = vec!["gave up".to_string()];
                return Ok(outcome(
                    originals,
                    &project,
                    options,
                    diagnostics,
                    HashMap::new(),
                    errors,
                ));
            }
        };
        diagnostics = lint(&candidate, options);
        current = candidate;
    }
    Ok(outcome(
        originals,
        &current,
        options,
        diagnostics,
        applied,
        Vec::new(),
    ))
}

#[test]
fn the_fixer_gives_what_linting_every_rule_every_round_gives() {
    let files = inputs();
    assert!(files.len() >= 50, "too few inputs: {}", files.len());
    let (mut compared, mut fixed) = (0, 0);
    for (config, unsafe_fixes) in configs() {
        let options = options(&config, unsafe_fixes);
        for file in &files {
            let (Ok(ours), Ok(plain)) = (
                check_project(file, None, &options),
                plain_fix(file, &options),
            ) else {
                continue;
            };
            let (ours, plain) = (summary(&ours), summary(&plain));
            assert_eq!(ours.0, plain.0, "{}", file.display());
            assert_eq!(ours.1.is_empty(), plain.1.is_empty(), "{}", file.display());
            compared += 1;
            fixed += ours.0.iter().filter(|f| f.1.is_some()).count();
        }
    }
    println!("{compared} projects compared, {fixed} files fixed");
    assert!(fixed >= 20, "too few inputs need a fix: {fixed}");
}

#[test]
fn rules_on_several_threads_find_what_one_thread_finds() {
    let (config, _) = configs().pop().unwrap();
    let options = options(&config, true);
    let mut compared = 0;
    for file in inputs() {
        let Ok(project) = Project::load(&file, None, &options.load) else {
            continue;
        };
        let ctx = Context::new(&project, &config.catalogue, &config.settings);
        let one = rule_findings(&ctx, &options, Rules::All, 1);
        let ctx = Context::new(&project, &config.catalogue, &config.settings);
        let three = rule_findings(&ctx, &options, Rules::All, 3);
        assert_eq!(
            format!("{one:?}"),
            format!("{three:?}"),
            "{}",
            file.display()
        );
        compared += one.len();
    }
    assert!(compared > 100, "too few findings compared: {compared}");
}

/// A compose file of `services` services, big enough to be parsed again in pieces: exposed
/// databases in short and long syntax (both fixed), an anchor every service merges, a
/// suppression and an unexplained one in the second half, and top-level keys after them.
pub(crate) fn big_compose_text(services: usize) -> String {
    let mut text = String::from("x-base: &base\n  restart: always\nservices:\n");
    for i in 0..services {
        let service = match i % 4 {
            0 => format!(
                "  db-{i}:\n    <<: *base\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n"
            ),
            1 => format!(
                "  cache-{i}:\n    <<: *base\n    image: redis:7\n    ports:\n      - target: 6379\n        published: \"{}\"\n",
                16000 + i
            ),
            2 if i > services / 2 && i % 3 == 0 => format!(
                "  admin-{i}:\n    image: adminer\n    ports:\n      - \"8080:8080\" # composeguard: ignore[sensitive-port-exposed]\n    privileged: true # composeguard: ignore[privileged]\n"
            ),
            _ => format!(
                "  web-{i}:\n    <<: *base\n    image: nginx:1.27\n    ports: [\"{}:80\"]\n",
                20000 + i
            ),
        };
        text.push_str(&service);
    }
    text.push_str("networks:\n  default:\n    name: big\nvolumes:\n  data: {}\n");
    text
}

#[test]
fn a_big_file_parsed_again_in_pieces_is_fixed_as_the_plain_fixer_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("compose.yaml");
    let text = big_compose_text(1200);
    assert!(text.len() >= BIG_PROJECT_BYTES, "{} bytes", text.len());
    std::fs::write(&main, &text).unwrap();
    for (config, unsafe_fixes) in configs() {
        let options = options(&config, unsafe_fixes);
        let ours = summary(&check_project(&main, None, &options).unwrap());
        let plain = summary(&plain_fix(&main, &options).unwrap());
        assert!(ours.1.is_empty(), "{:?}", ours.1);
        assert_eq!(ours, plain);
        let (_, fixed, fixes, found) = &ours.0[0];
        assert!(fixed.as_deref().is_some_and(|t| t != text), "not fixed");
        assert!(*fixes >= 600, "{fixes} fixes");
        // The first round's text is parsed in pieces that are joined (not parsed whole again).
        let project = Project::load(&main, None, &options.load).unwrap();
        let found_first = lint(&project, &options);
        let mut applied = HashMap::new();
        let texts = apply_round(
            &project,
            &found_first,
            &options,
            &mut applied,
            &mut Vec::new(),
        )
        .unwrap();
        let (first, moved) = &texts[0];
        let plan = reparse_plan(&project.files[0].tree, first, moved, 2).expect("a plan");
        assert!(Tree::joined_pieces(first, &plan).is_some());
        // What no fix touched is copied from the first tree, not parsed again: under the
        // default rules the `web` services between the fixed ones (a run of them each time),
        // with every rule at least the top-level keys after `services`.
        let least = if unsafe_fixes { 1 } else { 250 };
        assert!(plan.kept_pieces() >= least, "{} kept", plan.kept_pieces());
        assert!(!found.is_empty());
    }
}

mod whole_model {
    use crate::compose::model::Project;
    use crate::compose::project::LoadOptions;
    use crate::engine::verify;
    use crate::fix::Change;
    use crate::settings::Settings;

    fn load(text: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compose.yaml");
        let options = LoadOptions {
            process_env: Some(Vec::new()),
            texts: [(path.clone(), text.to_string())].into_iter().collect(),
            ..LoadOptions::default()
        };
        Project::load(&path, None, &options).unwrap()
    }

    const BEFORE: &str =
        "version: '3'\nservices:\n  x:\n    image: busybox\n  y:\n    extends: x\n";

    #[test]
    fn an_undeclared_change_is_refused_naming_the_service_and_key() {
        let before = load(BEFORE);
        let after = load(&BEFORE.replace("busybox", "alpine"));
        let why = verify(&before, &after, &Settings::default(), &[]).unwrap_err();
        assert!(why.contains("`image` of service `x`"), "{why}");
        // Declaring `x`'s image is not enough: `y` inherits it.
        let declared = [Change::service("x", "image")];
        let why = verify(&before, &after, &Settings::default(), &declared).unwrap_err();
        assert!(why.contains("`image` of service `y`"), "{why}");
    }

    #[test]
    fn a_declared_change_passes_unless_an_item_is_repeated() {
        let before = load(BEFORE);
        let once = load(&BEFORE.replace(
            "image: busybox\n",
            "image: busybox\n    security_opt: [no-new-privileges:true]\n",
        ));
        let declared = [
            Change::service("x", "security_opt"),
            Change::service("y", "security_opt"),
        ];
        assert_eq!(
            verify(&before, &once, &Settings::default(), &declared),
            Ok(())
        );
        let why = verify(&before, &once, &Settings::default(), &declared[..1]).unwrap_err();
        assert!(why.contains("`security_opt` of service `y`"), "{why}");
        let twice = load(&format!(
            "{}    security_opt: [no-new-privileges:true]\n",
            once.files[0].text()
        ));
        let why = verify(&before, &twice, &Settings::default(), &declared).unwrap_err();
        assert!(
            why.contains("`security_opt` of service `y` would list `no-new-privileges:true` twice"),
            "{why}"
        );
    }

    /// A crafted fix that rewrites an anchored port where an alias reaches it elsewhere (what
    /// the rebind fix no longer offers): the verification refuses it, naming the other key.
    #[test]
    fn a_fix_of_an_anchored_port_that_changes_an_alias_elsewhere_is_refused() {
        use crate::fix::{Applicability, Edit, Fix, apply_fixes};
        for (other, named) in [
            ("    mem_limit: *p\n", "`mem_limit` of service `db`"),
            (
                "    environment: {P: *p}\n",
                "`environment` of service `db`",
            ),
        ] {
            let text = format!(
                "services:\n  db:\n    image: postgres:16\n    ports:\n      - &p 5432\n{other}"
            );
            let at = text.find("5432").unwrap();
            let crafted = Fix::new(
                "Bind to 127.0.0.1",
                Applicability::Safe,
                vec![Edit::replace(at..at + 4, "\"127.0.0.1::5432\"")],
            );
            let (fixed, _) = apply_fixes(&text, [&crafted]);
            let before = load(&text);
            let after = load(&fixed);
            let why = verify(&before, &after, &Settings::default(), &[]).unwrap_err();
            assert!(why.contains(named), "{other}: {why}");
        }
    }

    #[test]
    fn removing_the_version_needs_its_declaration() {
        let before = load(BEFORE);
        let after = load(&BEFORE.replace("version: '3'\n", ""));
        assert!(verify(&before, &after, &Settings::default(), &[]).is_err());
        let declared = [Change::top_level("version")];
        assert_eq!(
            verify(&before, &after, &Settings::default(), &declared),
            Ok(())
        );
    }
}
