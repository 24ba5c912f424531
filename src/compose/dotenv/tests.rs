//! Tests of `.env` parsing.
//!
//! Every expectation in `COMPOSE_OK` and `COMPOSE_ERR` was produced by docker-compose v2.40.3
//! itself, with the process environment `P=proc A=pa`: the text was used as a service's
//! `env_file:` and read back with `docker-compose -f FILE config --format json` (which gives
//! the file's own values, including the empty name), and the same text as the project's
//! `.env` was checked with `docker-compose config --environment` (same values, same errors).

use super::*;

fn compose_process(name: &str) -> Option<String> {
    match name {
        "P" => Some("proc".to_string()),
        "A" => Some("pa".to_string()),
        _ => None,
    }
}

fn no_process(_: &str) -> Option<String> {
    None
}

type OkCase = (
    &'static str,
    Result<&'static [(&'static str, &'static str)], ()>,
);

#[rustfmt::skip]
const COMPOSE_OK: &[OkCase] = &[
        ("K=v\n", Ok(&[("K", "v")])),
        ("K=v", Ok(&[("K", "v")])),
        ("export K=v\n", Ok(&[("K", "v")])),
        ("exportK=v\n", Ok(&[("exportK", "v")])),
        ("export=v\n", Ok(&[("export", "v")])),
        ("export  K=v\nexport\tL=w\n", Ok(&[("K", "v"), ("L", "w")])),
        ("K = v\n", Ok(&[("K", "v")])),
        ("  K  =  v  \n", Ok(&[("K", "v")])),
        ("\tK\t=\tv\t\n", Ok(&[("K", "v")])),
        ("K: v\n", Ok(&[("K", "v")])),
        ("K : v\nL:w\n", Ok(&[("K", "v"), ("L", "w")])),
        ("K:x=y\nL=x:y\n", Ok(&[("K", "x=y"), ("L", "x:y")])),
        ("K==v\n", Ok(&[("K", "=v")])),
        ("K=\nL= \n", Ok(&[("K", ""), ("L", "")])),
        ("\n\n# comment\n  # indented comment\nK=v\n\n", Ok(&[("K", "v")])),
        ("K=v #comment\n", Ok(&[("K", "v")])),
        ("K=v#notcomment\n", Ok(&[("K", "v#notcomment")])),
        ("K=v\t#notcomment\n", Ok(&[("K", "v\t#notcomment")])),
        ("K= #c\n", Ok(&[("K", "#c")])),
        ("K=#c\n", Ok(&[("K", "#c")])),
        ("K=a b  c   \n", Ok(&[("K", "a b  c")])),
        ("K='single $X \\n # not comment'\n", Ok(&[("K", "single $X \\n # not comment")])),
        ("K=\"double #notcomment\" # comment\n", Ok(&[("K", "double #notcomment")])),
        ("K='it\\'s'\n", Ok(&[("K", "it's")])),
        ("K=\"say \\\"hi\\\"\"\n", Ok(&[("K", "say \"hi\"")])),
        ("K=\"[\\a][\\b][\\c][\\f][\\n][\\r][\\t][\\v][\\\\][\\\"]\"\n", Ok(&[("K", "[\u{7}][\u{8}][\\c][\u{C}][\n][\r][\t][\u{B}][\\][\"]")])),
        ("K=\"[\\0101][\\0][\\01][\\08][\\0777][\\01234][\\x41][\\u00e9][\\q][\\']\"\n", Ok(&[("K", "[A][\\][\\1][\\8][\\777][S4][\\x41][\\u00e9][\\q][\\']")])),
        ("K=a\\nb\\\\c\n", Ok(&[("K", "a\\nb\\\\c")])),
        ("K='a\\\\b'\n", Ok(&[("K", "a\\\\b")])),
        ("K=\"l1\nl2\"\n", Ok(&[("K", "l1\nl2")])),
        ("K='l1\nl2'\n", Ok(&[("K", "l1\nl2")])),
        ("K=\"l1\r\nl2\"\r\n", Ok(&[("K", "l1\r\nl2")])),
        ("K=\"\"\nL=''\nM=\" \"\n", Ok(&[("K", ""), ("L", ""), ("M", " ")])),
        ("K=\"x\" trailing\n", Ok(&[("K", "x")])),
        ("K=\"x\"#c\nL='y' # c\n", Ok(&[("K", "x"), ("L", "y")])),
        ("K=\"x\" L=2\n", Ok(&[("K", "x"), ("L", "2")])),
        ("K=\"a\"b\n", Ok(&[("K", "a")])),
        ("K=x\"y\"\n", Ok(&[("K", "x\"y\"")])),
        ("K=  \"q\"  \n", Ok(&[("K", "q")])),
        ("K=\u{A0}v\u{A0}\n", Ok(&[("K", "v")])),
        ("K=v\r\nL=w\r\n", Ok(&[("K", "v"), ("L", "w")])),
        ("\u{FEFF}K=v\n", Ok(&[("K", "v")])),
        ("A.B=1\nA-B=2\nA[0]=3\nÄ=4\n1A=5\nK\tL=6\n", Ok(&[("1A", "5"), ("A-B", "2"), ("A.B", "1"), ("A[0]", "3"), ("K\tL", "6"), ("Ä", "4")])),
        ("K=1\nK=2\n", Ok(&[("K", "2")])),
        ("K=1\nL=$K\nM=${K}x\nN=\"${K}\"\nO='${K}'\n", Ok(&[("K", "1"), ("L", "1"), ("M", "1x"), ("N", "1"), ("O", "${K}")])),
        ("L=$K\nK=1\n", Ok(&[("K", "1"), ("L", "")])),
        ("K=$A\nL=${P:-d}\nM=${U:-d}\nN=$U\nO=${U-}\n", Ok(&[("K", "pa"), ("L", "proc"), ("M", "d"), ("N", ""), ("O", "")])),
        ("K=${U:+r}${P:+r}\nL=${A:-x}\n", Ok(&[("K", "r"), ("L", "pa")])),
        ("K=$$A\nL=\\$A\nM=\"\\$A\"\nN=\"$$A\"\nO=\"\\$${P}\"\n", Ok(&[("K", "$A"), ("L", "\\pa"), ("M", "$A"), ("N", "$A"), ("O", "$proc")])),
        ("K=${A:?boom}\n", Ok(&[("K", "pa")])),
        ("P\nU\nK=v\n", Ok(&[("K", "v"), ("P", "proc")])),
        ("export P\n", Ok(&[("P", "proc")])),
        ("K=1\nB", Ok(&[("", "B"), ("K", "1")])),
        ("K=1\n=2\n", Ok(&[("", "2"), ("K", "1")])),
        ("K=1\nexport\n", Ok(&[("K", "1")])),
        ("K=a\\\nb\n", Ok(&[("K", "a\\")])),
        ("K={a}\nL=${U:-{b}}\n", Ok(&[("K", "{a}"), ("L", "{b}")])),
        ("K='${'\n", Ok(&[("K", "${")])),
];

/// (text, line, message). Compose's own line numbers drift (see the module docs); the line
/// here is the real line of the statement or value.
#[rustfmt::skip]
const COMPOSE_ERR: &[(&str, usize, &str)] = &[
        ("K=1\nB C=2\n", 2, "key cannot contain a space"),
        ("export A B\n", 1, "key cannot contain a space"),
        ("K=1\nB@=2\n", 2, "unexpected character \"@\" in variable name \"B@=2\""),
        ("K=1\n\"B\"=2\n", 2, "unexpected character \"\\\"\" in variable name \"\\\"B\\\"=2\""),
        ("K=\"x\" y z\n", 1, "key cannot contain a space"),
        ("K='it''s'\n", 1, "unexpected character \"'\" in variable name \"'s'\""),
        ("K=1\nB # c\n", 2, "unexpected character \"#\" in variable name \"B # c\""),
        ("K=1\nL=\"unterminated\nM=3\n", 2, "unterminated quoted value \"unterminated"),  // Compose says line 4
        ("K=1\n\n# c\nL='x\n", 4, "unterminated quoted value 'x"),  // Compose says line 5
        ("K=\"a\\\"\n", 1, "unterminated quoted value \"a\\\""),  // Compose says line 2
        ("export ", 1, "zero length string"),  // Compose names no line
        ("K=${\n", 1, "Invalid template: \"${\""),  // Compose names no line
        ("K=\"${U:?need it}\"\n", 1, "required variable U is missing a value: need it"),  // Compose names no line
        ("K=${U?}\n", 1, "required variable U is missing a value"),  // Compose names no line
];

#[test]
fn matches_docker_compose() {
    for (text, expected) in COMPOSE_OK {
        let expected = expected.unwrap();
        let mut got =
            parse_dotenv(text, &compose_process).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        got.sort();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, expected, "{text:?}");
    }
}

#[test]
fn errors_match_docker_compose() {
    for (text, line, message) in COMPOSE_ERR {
        let e = parse_dotenv(text, &compose_process).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (*line, *message), "{text:?}");
        assert_eq!(e.to_string(), format!("line {line}: {message}"));
    }
}

#[test]
fn keys_keep_the_order_of_their_first_definition() {
    let got = parse_dotenv("B=1\nA=2\nB=3\n", &no_process).unwrap();
    assert_eq!(
        got,
        [
            ("B".to_string(), "3".to_string()),
            ("A".to_string(), "2".to_string())
        ]
    );
}

#[test]
fn the_process_wins_inside_the_file_but_not_in_its_values() {
    // Checked with docker-compose: with `A=2` in the process, an `env_file` holding
    // `A=1 B=${A}` gives A=1 and B=2.
    let lookup = |n: &str| (n == "A").then(|| "2".to_string());
    let got = parse_dotenv("A=1\nB=${A}\n", &lookup).unwrap();
    assert_eq!(
        got,
        [
            ("A".to_string(), "1".to_string()),
            ("B".to_string(), "2".to_string())
        ]
    );
}

#[test]
fn empty_and_comment_only_files() {
    for text in [
        "",
        "\n",
        "   \n\t\n",
        "# only a comment",
        "# c\n# d\n",
        "\u{FEFF}",
        "\r\n\r\n",
    ] {
        assert_eq!(parse_dotenv(text, &no_process).unwrap(), [], "{text:?}");
    }
}

#[test]
fn line_numbers_are_real_lines() {
    let e = parse_dotenv("# c\r\n\r\nA=1\r\nB=\"x\ny\"\nC D=1\n", &no_process).unwrap_err();
    assert_eq!(e.line, 6);
    let e = parse_dotenv("A\nB\nC@=1\n", &no_process).unwrap_err();
    assert_eq!(e.line, 3);
}

#[test]
fn read_file_missing_directory_and_lossy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".env");
    assert_eq!(read_dotenv_file(&path, &no_process).unwrap(), None);
    std::fs::create_dir(&path).unwrap();
    assert_eq!(
        read_dotenv_file(&path, &no_process).unwrap(),
        None,
        "Compose ignores a directory"
    );
    std::fs::remove_dir(&path).unwrap();
    std::fs::write(&path, b"A=\xff\nB=ok\n").unwrap();
    let got = read_dotenv_file(&path, &no_process).unwrap().unwrap();
    assert_eq!(
        got,
        [
            ("A".to_string(), "\u{FFFD}".to_string()),
            ("B".to_string(), "ok".to_string())
        ]
    );
    // Compose also refuses a key that is not UTF-8.
    std::fs::write(&path, b"\xe9=1\n").unwrap();
    let e = read_dotenv_file(&path, &no_process).unwrap_err();
    assert!(e.message.starts_with("unexpected character"), "{e}");
}

#[test]
fn escapes_of_double_quoted_values() {
    assert_eq!(expand_escapes("plain"), "plain");
    assert_eq!(expand_escapes(r"\0351"), "é");
    assert_eq!(expand_escapes(r"\0400"), r"\400");
    assert_eq!(expand_escapes(r"a\"), r"a\");
    assert_eq!(expand_escapes(r"\é\n"), "\\é\n");
}

/// Hand-made nasty inputs: nothing may panic.
#[test]
fn nasty_inputs_never_panic() {
    let nasty = [
        "",
        "=",
        ":",
        "#",
        "\"",
        "'",
        "\\",
        "export",
        "export ",
        "export\n",
        "A",
        "A=",
        "A=\"",
        "A='",
        "A=\"\\",
        "A='\\",
        "A=\"\\\"",
        "A=$",
        "A=${",
        "A=\"${\"",
        "A=${B:-{}}",
        "A=\"\\0\"",
        "A=\"\\0777\"",
        "A=\"\\01234\"",
        "é=é",
        "é",
        "\u{FEFF}",
        "\u{FEFF}\u{FEFF}A=1",
        "A=é\"é\"",
        "A=\"é",
        "💥=💥",
        "A💥=1",
        "A=\"💥\\💥\"",
        "\r",
        "\r\n",
        "A\r\n",
        "A=1\r",
        "\u{85}A\u{85}=\u{85}1\u{85}",
        "\u{A0}",
        "A\u{A0}B=1",
        "A=1 #",
        "A=\" #\" #",
        "A='x'B='y'C",
        "A=\"x\"\"y\"",
        "[=]",
        "-=-",
        ".=.",
        "A:B:C",
        "A=B=C",
        "export A=export B=1",
    ];
    let check = |s: &str| {
        for lookup in [
            &compose_process as &dyn Fn(&str) -> Option<String>,
            &no_process,
        ] {
            if let Err(e) = parse_dotenv(s, lookup) {
                assert!(
                    e.line >= 1 && e.line <= s.split('\n').count() + 1,
                    "{s:?}: {e:?}"
                );
            }
        }
    };
    for a in nasty {
        check(a);
        for (i, _) in a.char_indices() {
            check(&a[i..]);
            check(&a[..i]);
        }
        for b in nasty {
            check(&format!("{a}{b}"));
            check(&format!("{a}\n{b}"));
        }
    }
}

#[test]
fn long_files() {
    let text: String = (0..20_000)
        .map(|i| format!("K{i}=\"v{i} ${{K{}:+set}}\"\n", i.max(1) - 1))
        .collect();
    let got = parse_dotenv(&text, &no_process).unwrap();
    assert_eq!(got.len(), 20_000);
    assert_eq!(got[0], ("K0".to_string(), "v0 ".to_string()));
    assert_eq!(got[3], ("K3".to_string(), "v3 set".to_string()));
    let _ = parse_dotenv(&"\"".repeat(100_000), &no_process);
    let _ = parse_dotenv(&format!("A=\"{}", "\\".repeat(100_001)), &no_process);
    let _ = parse_dotenv(&"A\n".repeat(50_000), &compose_process);
}
