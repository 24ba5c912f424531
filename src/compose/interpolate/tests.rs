//! Tests of Compose interpolation.
//!
//! Every expected value in `COMPOSE_CASES` was produced by docker-compose v2.40.3 itself: each
//! input was put in a compose file as `environment: {V: <input>}` and read back with
//! `docker-compose -f FILE config --format json`, with the process environment
//! `X=1 E= ſ=long-s K=kelvin \u{212A}=kelvin-sign PORT=8080` (`E` set but empty, `Y`, `Z`, `W`, `HOST_IP` unset).
//! The last column lists the variables Compose warned about ("The "Y" variable is not set.
//! Defaulting to a blank string."); `missing` is the same except where the unset variable only
//! sits in a default that was not used (Compose evaluates it anyway and warns).

use super::*;

/// `Ok(value)`, or `Err(message)` where `invalid: T` stands for Compose's "invalid
/// interpolation format ... You may need to escape any $ with another $." naming template `T`.
type Case = (
    &'static str,
    Result<&'static str, &'static str>,
    &'static [&'static str],
    &'static [&'static str],
);

#[rustfmt::skip]
const COMPOSE_CASES: &[Case] = &[
        ("plain", Ok("plain"), &[], &[]),
        ("$X", Ok("1"), &[], &[]),
        ("${X}", Ok("1"), &[], &[]),
        ("a$X.b", Ok("a1.b"), &[], &[]),
        ("a${X}b", Ok("a1b"), &[], &[]),
        ("$Y", Ok(""), &["Y"], &["Y"]),
        ("${Y}", Ok(""), &["Y"], &["Y"]),
        ("$E", Ok(""), &[], &[]),
        ("${E}", Ok(""), &[], &[]),
        ("${X:-d}", Ok("1"), &[], &[]),
        ("${Y:-d}", Ok("d"), &[], &[]),
        ("${E:-d}", Ok("d"), &[], &[]),
        ("${X-d}", Ok("1"), &[], &[]),
        ("${Y-d}", Ok("d"), &[], &[]),
        ("${E-d}", Ok(""), &[], &[]),
        ("${X:+r}", Ok("r"), &[], &[]),
        ("${Y:+r}", Ok(""), &[], &[]),
        ("${E:+r}", Ok(""), &[], &[]),
        ("${X+r}", Ok("r"), &[], &[]),
        ("${Y+r}", Ok(""), &[], &[]),
        ("${E+r}", Ok("r"), &[], &[]),
        ("${X:?boom}", Ok("1"), &[], &[]),
        ("${X?boom}", Ok("1"), &[], &[]),
        ("${E?boom}", Ok(""), &[], &[]),
        ("${Y:?boom}", Err("required variable Y is missing a value: boom"), &[], &[]),
        ("${Y?boom}", Err("required variable Y is missing a value: boom"), &[], &[]),
        ("${E:?boom}", Err("required variable E is missing a value: boom"), &[], &[]),
        ("${Y:?}", Err("required variable Y is missing a value"), &[], &[]),
        ("${Y?}", Err("required variable Y is missing a value"), &[], &[]),
        ("${Y:?need $X}", Err("required variable Y is missing a value: need 1"), &[], &[]),
        ("$$", Ok("$"), &[], &[]),
        ("$$X", Ok("$X"), &[], &[]),
        ("$${X}", Ok("${X}"), &[], &[]),
        ("$$$X", Ok("$1"), &[], &[]),
        ("$$$$", Ok("$$"), &[], &[]),
        ("$", Ok("$"), &[], &[]),
        ("a$", Ok("a$"), &[], &[]),
        ("$1", Ok("$1"), &[], &[]),
        ("${1}", Err("invalid: ${1}"), &[], &[]),
        ("$-", Ok("$-"), &[], &[]),
        ("$ ", Ok("$ "), &[], &[]),
        ("$}", Ok("$}"), &[], &[]),
        ("$é", Ok("$é"), &[], &[]),
        ("é$X", Ok("é1"), &[], &[]),
        ("a$Xé", Ok("a1é"), &[], &[]),
        ("$X_1", Ok(""), &["X_1"], &["X_1"]),
        ("${x}", Ok(""), &["x"], &["x"]),
        ("$ſ", Ok("long-s"), &[], &[]),
        ("${K}", Ok("kelvin"), &[], &[]),
        ("${ſ}", Ok("long-s"), &[], &[]),
        ("${\u{212A}}", Ok("kelvin-sign"), &[], &[]),
        ("$\u{212A}", Ok("kelvin-sign"), &[], &[]),
        ("$a\u{212A}b", Ok(""), &["a\u{212A}b"], &["a\u{212A}b"]),
        ("${", Err("invalid: ${"), &[], &[]),
        ("${X", Err("invalid: ${X"), &[], &[]),
        ("${X:x}", Err("invalid: ${X:x}"), &[], &[]),
        ("${X:}", Err("invalid: ${X:}"), &[], &[]),
        ("${X::-a}", Err("invalid: ${X::-a}"), &[], &[]),
        ("${:-a}", Err("invalid: ${:-a}"), &[], &[]),
        ("${}", Err("invalid: ${}"), &[], &[]),
        ("${ X}", Err("invalid: ${ X}"), &[], &[]),
        ("${X }", Err("invalid: ${X }"), &[], &[]),
        ("${X.Y}", Err("invalid: ${X.Y}"), &[], &[]),
        ("${Ä}", Err("invalid: ${Ä}"), &[], &[]),
        ("${Y:-${E:-${X}}}", Ok("1"), &[], &[]),
        ("${Y:-${Z}}", Ok(""), &["Z"], &["Z"]),
        ("${X:-${Z}}", Ok("1"), &[], &["Z"]),
        ("${Y-${Z-${W-deep}}}", Ok("deep"), &[], &[]),
        ("x${Y:-${Z:-q}w}v", Ok("xqwv"), &[], &[]),
        ("${Y:-a${X}b}", Ok("a1b"), &[], &[]),
        ("${X:-{a}b}", Ok("1"), &[], &[]),
        ("${Y:-{a}b}", Ok("{a}b"), &[], &[]),
        ("${Y:-a}}", Ok("a}"), &[], &[]),
        ("${Y:-{}}a}", Ok("{}}a"), &[], &[]),
        ("${Y:-{}", Ok("{"), &[], &[]),
        ("${X:-{}", Ok("1"), &[], &[]),
        ("${Y:-a{b}c}d}e}", Ok("a{b}cd}e}"), &[], &[]),
        ("${X}}", Ok("1}"), &[], &[]),
        ("${X-a}b}", Ok("1b}"), &[], &[]),
        ("${Y:-a\nb}", Err("invalid: ${Y:-a\nb}"), &[], &[]),
        ("${Y:-a}\n${Z:-b}", Ok("a\nb"), &[], &[]),
        ("${X:-${1}}", Err("invalid: ${1}"), &[], &[]),
        ("${X:?${}", Err("invalid: ${"), &[], &[]),
        ("${X:-a}b${1}", Err("invalid: b${1}"), &[], &[]),
        ("${X:-a}${Y:?err}", Err("required variable Y is missing a value: err"), &[], &[]),
        ("${X:-a}${", Err("invalid: ${X:-a}${"), &[], &[]),
        ("${Y:--a}", Ok("-a"), &[], &[]),
        ("${Y?:-a}", Err("required variable Y is missing a value: :-a"), &[], &[]),
        ("${Y:-$$}", Ok("$"), &[], &[]),
        ("${Y:-a$}", Ok("a$"), &[], &[]),
        ("${Y:-$$Y}", Ok("$Y"), &[], &[]),
        ("${X:+$Y}", Ok(""), &["Y"], &["Y"]),
        ("${Y:+$Z}", Ok(""), &[], &["Z"]),
        ("${X:-$Y}", Ok("1"), &[], &["Y"]),
        ("${HOST_IP:-127.0.0.1}:${PORT}:80", Ok("127.0.0.1:8080:80"), &[], &[]),
        ("${HOST_IP}:${PORT:-8080}:80", Ok(":8080:80"), &["HOST_IP"], &["HOST_IP"]),
        ("127.0.0.1:${PORT}:${PORT}", Ok("127.0.0.1:8080:8080"), &[], &[]),
];

fn compose_env() -> Environment {
    Environment::from_pairs(
        [
            ("X", "1"),
            ("E", ""),
            ("ſ", "long-s"),
            ("K", "kelvin"),
            ("\u{212A}", "kelvin-sign"),
            ("PORT", "8080"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

#[test]
fn matches_docker_compose() {
    let env = compose_env();
    for (input, expected, missing, warned) in COMPOSE_CASES {
        let got = interpolate(input, &env);
        match (expected, &got) {
            (Ok(value), Ok(got)) => {
                assert_eq!(&got.value, value, "value of {input:?}");
                assert_eq!(got.missing, *missing, "missing of {input:?}");
                assert!(
                    got.missing.iter().all(|m| warned.contains(&m.as_str())),
                    "{input:?}: Compose warns about every missing variable"
                );
                assert_eq!(got.is_known(), missing.is_empty());
            }
            (Err(message), Err(e)) => match message.strip_prefix("invalid: ") {
                Some(template) => {
                    assert!(
                        e.message.starts_with("invalid interpolation format in "),
                        "{input:?}: {e:?}"
                    );
                    assert!(
                        e.message.contains(&format!("{template:?}")),
                        "{input:?} names {template:?}: {e:?}"
                    );
                }
                None => assert_eq!(&e.message, message, "error of {input:?}"),
            },
            _ => panic!("{input:?}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn error_offsets_point_at_the_dollar() {
    let env = compose_env();
    for (input, offset) in [
        ("${", 0),
        ("ab${1}", 2),
        ("${X:-a}b${1}", 8),
        ("${X:-${1}}", 5),
        ("é${Y:?need}", 2),
        ("$$${Y?}", 2),
        ("${X:-${Y:?inner}}", 5),
    ] {
        let e = interpolate(input, &env).unwrap_err();
        assert_eq!(e.offset, offset, "{input:?}: {e:?}");
        assert_eq!(e.to_string(), e.message);
    }
}

#[test]
fn first_error_in_compose_order_wins() {
    // The WORD is interpolated before its variable is checked, left to right.
    let env = compose_env();
    let e = interpolate("${Y:?${Z:?inner}}", &env).unwrap_err();
    assert_eq!(e.message, "required variable Z is missing a value: inner");
    let e = interpolate("${Y:?outer}${", &env).unwrap_err();
    assert_eq!(e.message, "required variable Y is missing a value: outer");
}

#[test]
fn missing_names_are_listed_once_in_order() {
    let got = interpolate("$B-$A-${B}-${C:-$A}", &Environment::empty()).unwrap();
    assert_eq!(got.value, "---");
    assert_eq!(got.missing, ["B", "A"]);
    assert!(!got.is_known());
}

#[test]
fn no_dollar_borrows_the_input() {
    let env = compose_env();
    assert!(!has_variables("127.0.0.1:8080:80"));
    assert!(has_variables("a$"));
    let r = interpolate_cow("127.0.0.1:8080:80", &env).unwrap();
    assert!(matches!(r.value, Cow::Borrowed("127.0.0.1:8080:80")));
    assert!(r.missing.is_empty());
    let r = interpolate_cow("${PORT}:80", &env).unwrap();
    assert_eq!(r.value, "8080:80");
    assert_eq!(
        interpolate("", &env).unwrap(),
        Interpolated {
            value: String::new(),
            missing: vec![]
        }
    );
}

#[test]
fn interpolate_with_a_custom_lookup() {
    let r = interpolate_with("${A}-${B:-b}", |name| {
        (name == "A").then(|| Cow::Owned("a".to_string()))
    })
    .unwrap();
    assert_eq!(r.value, "a-b");
}

#[test]
fn spans_of_references() {
    assert!(variable_spans("no variables").is_empty());
    assert!(variable_spans("$$ $1 $ $-").is_empty());
    assert_eq!(
        variable_spans("${HOST:-127.0.0.1}:$PORT:80"),
        vec![(0..18, "HOST".to_string()), (19..24, "PORT".to_string())]
    );
    // Nested references come after the one that holds them, inside its range.
    assert_eq!(
        variable_spans("x${A:-${B}}y$$C"),
        vec![(1..11, "A".to_string()), (6..10, "B".to_string())]
    );
    // Compose's reading of braces: the default of `${A:-{}}x}` is `{}}x`.
    assert_eq!(
        variable_spans("${A:-{}}x}z"),
        vec![(0..10, "A".to_string())]
    );
    assert_eq!(variable_spans("${A:-a}}"), vec![(0..7, "A".to_string())]);
    // Invalid syntax is skipped, what follows is still found.
    assert_eq!(variable_spans("${1} ${ $B"), vec![(8..10, "B".to_string())]);
    // Multibyte text around references.
    assert_eq!(
        variable_spans("é${ſ}é$X"),
        vec![(2..7, "ſ".to_string()), (9..11, "X".to_string())]
    );
}

#[test]
fn refs_carry_operator_word_and_depth() {
    let refs = variable_refs("${A:-${B?msg}}");
    assert_eq!(refs.len(), 2);
    assert_eq!(refs[0].operator, Some(Operator::DefaultIfUnsetOrEmpty));
    assert_eq!(refs[0].word, Some(5..13));
    assert_eq!(refs[0].name_range, 2..3);
    assert_eq!(refs[0].depth, 0);
    assert_eq!(refs[1].name, "B");
    assert_eq!(refs[1].operator, Some(Operator::Required));
    assert_eq!(refs[1].word, Some(9..12));
    assert_eq!(refs[1].depth, 1);
    assert_eq!(Operator::ReplaceIfNonEmpty.as_str(), ":+");
}

#[test]
fn environment_basics() {
    let mut env = Environment::from_pairs([
        ("A".to_string(), "1".to_string()),
        ("A".to_string(), "2".to_string()),
    ]);
    assert_eq!(env.get("A"), Some("2"));
    assert_eq!(env.get("a"), None, "names are case-sensitive");
    env.insert_if_unset("A", "3");
    env.insert_if_unset("COMPOSE_PROJECT_NAME", "p");
    assert_eq!(env.get("A"), Some("2"));
    assert_eq!(env.get("COMPOSE_PROJECT_NAME"), Some("p"));
    env.insert("A", "");
    assert_eq!(env.get("A"), Some(""), "set but empty is still set");
    assert_eq!(env.len(), 2);
    assert!(!env.is_empty());
    assert!(Environment::empty().is_empty());
    assert_eq!(env.iter().count(), 2);
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn project_env_process_first_then_dotenv() {
    // Checked with docker-compose: `.env` has `A=1 B=${A} C=file`, the process sets `A=2`:
    // `${A}` is 2, `${B}` is 2 (the .env sees the process value), `${C}` is "file".
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "A=1\nB=${A}\nC=file\nD=\n").unwrap();
    let env =
        Environment::with_process_env(dir.path(), pairs(&[("A", "2"), ("P", "proc")])).unwrap();
    assert_eq!(env.get("A"), Some("2"));
    assert_eq!(env.get("B"), Some("2"));
    assert_eq!(env.get("C"), Some("file"));
    assert_eq!(env.get("D"), Some(""));
    assert_eq!(env.get("P"), Some("proc"));
    assert_eq!(
        interpolate("${D-unset}:${E-unset}", &env).unwrap().value,
        ":unset"
    );
}

#[test]
fn project_env_without_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    let env = Environment::with_process_env(dir.path(), pairs(&[("A", "1")])).unwrap();
    assert_eq!(env.get("A"), Some("1"));
    assert_eq!(env.len(), 1);
    // Compose ignores a `.env` that is a directory.
    std::fs::create_dir(dir.path().join(".env")).unwrap();
    let env = Environment::with_process_env(dir.path(), pairs(&[])).unwrap();
    assert!(env.is_empty());
}

#[test]
fn project_env_with_an_invalid_dotenv_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "A=1\nB C=2\n").unwrap();
    let e = Environment::with_process_env(dir.path(), pairs(&[])).unwrap_err();
    assert_eq!(e.line, 2);
    assert_eq!(e.message, "key cannot contain a space");
    assert_eq!(e.to_string(), "line 2: key cannot contain a space");
}

#[test]
fn project_env_reads_the_real_process_environment() {
    let dir = tempfile::tempdir().unwrap();
    let env = Environment::for_project_dir(dir.path()).unwrap();
    if let Ok(path) = std::env::var("PATH") {
        assert_eq!(env.get("PATH"), Some(path.as_str()));
    }
}

/// Hand-made nasty inputs: nothing may panic, whatever the environment.
#[test]
fn nasty_inputs_never_panic() {
    let nasty = [
        "",
        "$",
        "$$",
        "$$$",
        "${",
        "${}",
        "${:-}",
        "${:-",
        "${X:-",
        "${X:-}",
        "${X:-${",
        "${X:-${Y:-}",
        "}",
        "{",
        "{$}",
        "$}",
        "${X}}",
        "${{}}",
        "${X-{",
        "${X-{}",
        "${X-{}}}",
        "${X:?",
        "${X?}",
        "$é",
        "é$",
        "${é}",
        "$ſ",
        "${ſ:-ſ}",
        "\u{212A}$\u{212A}",
        "$\u{212A}é",
        "${X:-é}",
        "é${X:-{é}é}é",
        "$\n",
        "${\n}",
        "${X:-\n}",
        "${X:-a}\n}",
        "\r\n${X}\r\n",
        "$\u{0}",
        "${X:+$$}",
        "${X+${Y+${Z+}}}",
        "${X:-{{{{{{",
        "${X:-}}}}}}}",
        "$$${$${$$}}",
        "${X:-$}",
        "${X-$",
        "${X-\\}",
        "💥$💥${💥}",
        "${X💥}",
    ];
    let envs = [
        Environment::empty(),
        compose_env(),
        Environment::from_pairs(pairs(&[("Y", ""), ("Z", "{")])),
    ];
    let check = |s: &str| {
        for env in &envs {
            let r = interpolate(s, env);
            if let Err(e) = &r {
                assert!(e.offset < s.len().max(1), "{s:?}: {e:?}");
                assert!(s.is_char_boundary(e.offset));
            }
        }
        for (range, name) in variable_spans(s) {
            assert!(s.get(range.clone()).is_some(), "{s:?}: {range:?}");
            assert!(s[range].contains(&name));
        }
    };
    for a in nasty {
        check(a);
        // Every substring on char boundaries, and every pair.
        for (i, _) in a.char_indices() {
            for (j, _) in a[i..].char_indices() {
                check(&a[i..i + j]);
            }
            check(&a[i..]);
        }
        for b in nasty {
            check(&format!("{a}{b}"));
        }
    }
}

#[test]
fn very_long_inputs_are_fast_and_do_not_overflow() {
    let env = compose_env();
    // Many references on one line (each looks for the last `}` of the line: cached).
    let many = "${X-x}:".repeat(20_000);
    let r = interpolate(&many, &env).unwrap();
    assert_eq!(r.value, "1:".repeat(20_000));
    assert_eq!(variable_spans(&many).len(), 20_000);
    // Many unset references without braces.
    let r = interpolate(&"$Q".repeat(50_000), &env).unwrap();
    assert_eq!(r.value, "");
    assert_eq!(r.missing, ["Q"]);
    // Deep nesting stops with an error, not a stack overflow.
    let deep = format!("{}x{}", "${Y:-".repeat(10_000), "}".repeat(10_000));
    let e = interpolate(&deep, &env).unwrap_err();
    assert!(e.message.contains("nested"), "{e:?}");
    assert!(variable_spans(&deep).len() > MAX_NESTING);
    // Nesting within the limit works.
    let ok = format!("{}x{}", "${Y:-".repeat(50), "}".repeat(50));
    assert_eq!(interpolate(&ok, &env).unwrap().value, "x");
    // Unbalanced braces, long lines of `$`, of `{`.
    for s in [
        "${X-{".repeat(5_000),
        "$".repeat(100_001),
        "{".repeat(100_000) + "}",
        "${X-".repeat(3_000) + "}",
    ] {
        let _ = interpolate(&s, &env);
        let _ = variable_spans(&s);
    }
}

#[test]
fn layers_keep_compose_precedence() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "A=dotenv\nB=dotenv\n").unwrap();
    let mut env = Environment::with_process_env(dir.path(), pairs(&[("A", "process")])).unwrap();
    // The process wins over .env, and insert_if_unset cannot override either layer.
    assert_eq!(env.get("A"), Some("process"));
    assert_eq!(env.get("B"), Some("dotenv"));
    env.insert_if_unset("A", "x");
    env.insert_if_unset("B", "x");
    env.insert_if_unset("C", "added");
    assert_eq!(
        (env.get("A"), env.get("B"), env.get("C")),
        (Some("process"), Some("dotenv"), Some("added"))
    );
    // insert replaces whatever layer held the name; len and iter see each name once.
    env.insert("A", "replaced");
    assert_eq!(env.get("A"), Some("replaced"));
    assert_eq!(env.len(), 3);
    let mut all: Vec<_> = env.iter().collect();
    all.sort();
    assert_eq!(all, [("A", "replaced"), ("B", "dotenv"), ("C", "added")]);
    // An included project's pairs only fill names the parent leaves unset; the later of two
    // pairs with one name wins.
    let child = env.with_defaults(pairs(&[("C", "child"), ("D", "first"), ("D", "second")]));
    assert_eq!(child.get("C"), Some("added"));
    assert_eq!(child.get("D"), Some("second"));
    assert_eq!(env.get("D"), None, "the parent is unchanged");
    assert_eq!(
        child,
        Environment::from_pairs(pairs(&[
            ("A", "replaced"),
            ("B", "dotenv"),
            ("C", "added"),
            ("D", "second")
        ]))
    );
}

#[test]
fn template_pieces_read_dollars_as_compose_does() {
    let text = |p: &TemplatePiece| match p {
        TemplatePiece::Text { range, value } => format!("T{range:?}={value}"),
        TemplatePiece::Reference(r) => format!("R{:?}={}", r.range, r.name),
    };
    let show = |s: &str| {
        template_pieces(s)
            .map(|p| p.iter().map(text).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| "invalid".into())
    };
    // `$$` is one `$`; a trailing `$` and a `$` before a digit are kept.
    assert_eq!(show("pa$$w0rd"), "T0..8=pa$w0rd");
    assert_eq!(show("abc$"), "T0..4=abc$");
    assert_eq!(show("$1x"), "T0..3=$1x");
    assert_eq!(
        show("postgres://${USER:?}:hunter2@db"),
        "T0..11=postgres:// R11..20=USER T20..31=:hunter2@db"
    );
    assert_eq!(show("${A}$B"), "R0..4=A R4..6=B");
    assert_eq!(show("${1}"), "invalid");
    assert_eq!(show(""), "");
}

#[test]
fn literal_defaults_only_for_default_operators() {
    let first = |s: &str| {
        let pieces = template_pieces(s).unwrap();
        match &pieces[0] {
            TemplatePiece::Reference(r) => literal_default(s, r),
            TemplatePiece::Text { .. } => panic!("{s}"),
        }
    };
    assert_eq!(first("${PW:-changeme}").as_deref(), Some("changeme"));
    assert_eq!(first("${PW-a$$b}").as_deref(), Some("a$b"));
    assert_eq!(first("${PW:-}").as_deref(), Some(""));
    assert_eq!(first("${PW:?changeme}"), None);
    assert_eq!(first("${PW?changeme}"), None);
    assert_eq!(first("${PW:+changeme}"), None);
    assert_eq!(first("${PW:-${OTHER}}"), None);
    assert_eq!(first("${PW}"), None);
}

#[test]
fn a_value_grows_by_at_most_the_limit() {
    let big = "x".repeat(MAX_VALUE_GROWTH / 2 + 4);
    let env = Environment::from_pairs([("B".to_string(), big.clone())]);
    // Exactly at the limit: its text (8 bytes) and MAX_VALUE_GROWTH more.
    assert_eq!(
        interpolate("${B}${B}", &env).unwrap().value.len(),
        8 + MAX_VALUE_GROWTH
    );
    assert!(interpolate("${B}${B}z", &env).is_ok());
    let over = interpolate("${B}${B}${B}", &env).unwrap_err();
    assert_eq!(over.offset, 8, "{over:?}");
    assert!(over.message.contains("longer than"), "{over:?}");
    // Through a default too.
    let over = interpolate("${B}${B}${U:-${B}}", &env).unwrap_err();
    assert_eq!(over.offset, 8, "{over:?}");
}
