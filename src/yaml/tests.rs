use super::*;

fn parse(text: &str) -> Tree {
    Tree::parse(text).expect("parses")
}

fn root(tree: &Tree) -> NodeId {
    tree.documents[0].expect("document has a root")
}

#[test]
fn scalar_spans_cover_quotes_and_exclude_comments() {
    let text = "a: \"5432:5432\" # note\nb: '1'\nc: 22:22\n";
    let tree = parse(text);
    let (_, a) = tree.get(root(&tree), "a").unwrap();
    assert_eq!(&text[tree.span(a)], "\"5432:5432\"");
    assert_eq!(tree.scalar(a).unwrap().style, ScalarStyle::DoubleQuoted);
    let (_, c) = tree.get(root(&tree), "c").unwrap();
    assert_eq!(
        tree.scalar_type(c),
        Some(ScalarType::Str),
        "22:22 is a string under YAML 1.2"
    );
    assert_eq!(tree.comments.len(), 1);
    assert_eq!(&text[tree.comments[0].span.clone()], "# note");
}

#[test]
fn spans_are_bytes_after_multibyte_block_scalars() {
    let text = "a: |\n  é é ü\nb: x\n";
    let tree = parse(text);
    let (_, b) = tree.get(root(&tree), "b").unwrap();
    assert_eq!(&text[tree.span(b)], "x");
}

#[test]
fn block_collections_span_their_entries() {
    let text = "ports:\n  - 80:80\n  - target: 1\n    host_ip: x\n";
    let tree = parse(text);
    let (_, ports) = tree.get(root(&tree), "ports").unwrap();
    assert_eq!(
        &text[tree.span(ports)],
        "- 80:80\n  - target: 1\n    host_ip: x"
    );
    let long = tree.items(ports).unwrap()[1];
    assert_eq!(&text[tree.span(long)], "target: 1\n    host_ip: x");
}

#[test]
fn flow_collections_span_their_brackets() {
    let text = "p: [ \"1:1\", {target: 2} ]\n";
    let tree = parse(text);
    let (_, p) = tree.get(root(&tree), "p").unwrap();
    assert_eq!(&text[tree.span(p)], "[ \"1:1\", {target: 2} ]");
    assert!(tree.is_flow_collection(p));
    let m = tree.items(p).unwrap()[1];
    assert_eq!(&text[tree.span(m)], "{target: 2}");
}

#[test]
fn aliases_resolve_to_the_definition_site() {
    let text = "x: &base\n  p: \"1:1\"\ny: *base\n";
    let tree = parse(text);
    let (_, x) = tree.get(root(&tree), "x").unwrap();
    let (_, y) = tree.get(root(&tree), "y").unwrap();
    assert_eq!(x, y);
    assert_eq!(tree.node(x).anchor.as_deref(), Some("base"));
}

#[test]
fn merge_keys_follow_yaml_override_rules() {
    let text = "a: &a {k: 1, only_a: 2}\nb: &b {k: 3, only_b: 4}\nc:\n  <<: [*a, *b]\n  own: 5\nd:\n  k: 9\n  <<: *a\n";
    let tree = parse(text);
    let (_, c) = tree.get(root(&tree), "c").unwrap();
    // The first mapping in the list wins over later ones.
    assert_eq!(
        tree.scalar_value(tree.get_value(c, "k").unwrap()),
        Some("1")
    );
    assert_eq!(
        tree.scalar_value(tree.get_value(c, "only_b").unwrap()),
        Some("4")
    );
    let keys: Vec<_> = tree
        .entries(c)
        .iter()
        .map(|(k, _)| tree.scalar_value(*k).unwrap().to_string())
        .collect();
    assert_eq!(keys, ["own", "k", "only_a", "only_b"]);
    // An explicit key wins over a merged one wherever it is written.
    let (_, d) = tree.get(root(&tree), "d").unwrap();
    assert_eq!(
        tree.scalar_value(tree.get_value(d, "k").unwrap()),
        Some("9")
    );
    // A merged value is the node at its definition site.
    let (_, a) = tree.get(root(&tree), "a").unwrap();
    assert_eq!(tree.get_value(c, "only_a"), tree.get_value(a, "only_a"));
}

#[test]
fn billion_laughs_is_linear() {
    let mut text = String::from("a0: &a0 [\"lol\", \"lol\"]\n");
    for i in 1..60 {
        text.push_str(&format!(
            "a{i}: &a{i} [*a{}, *a{}, *a{}, *a{}]\n",
            i - 1,
            i - 1,
            i - 1,
            i - 1
        ));
    }
    let tree = parse(&text);
    // 60 levels of 4 aliases each: an expanding loader would build 4^59 nodes.
    assert!(tree.node_count() < 60 * 8);
    let entries = tree.entries(root(&tree));
    assert_eq!(entries.len(), 60);
}

#[test]
fn nested_merges_are_linear() {
    let mut text = String::from("m0: &m0 {k0: 0}\n");
    for i in 1..40 {
        text.push_str(&format!(
            "m{i}: &m{i} {{<<: [*m{}, *m{}], k{i}: {i}}}\n",
            i - 1,
            i - 1
        ));
    }
    let tree = parse(&text);
    let (_, last) = tree.get(root(&tree), "m39").unwrap();
    assert_eq!(tree.entries(last).len(), 40);
    assert_eq!(
        tree.scalar_value(tree.get_value(last, "k0").unwrap()),
        Some("0")
    );
}

#[test]
fn a_chain_of_merges_as_long_as_the_file_is_read_without_recursion() {
    // `&a1 {<<: *a0, k1: 1}`, `&a2 {<<: *a1, k2: 2}` ...: a lookup that recursed once per
    // level would overflow the small stack of this thread.
    let n = 50_000;
    let mut text = String::from("x:\n  - &a0 {k: bottom, k0: 0}\n");
    for i in 1..n {
        text.push_str(&format!("  - &a{i} {{<<: *a{}, k{i}: {i}}}\n", i - 1));
    }
    text.push_str(&format!("top: {{<<: *a{}, own: 1}}\n", n - 1));
    let found = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let tree = parse(&text);
            let (_, top) = tree.get(root(&tree), "top").unwrap();
            let bottom = tree
                .scalar_value(tree.get_value(top, "k").unwrap())
                .map(str::to_string);
            let middle = tree
                .scalar_value(tree.get_value(top, "k777").unwrap())
                .map(str::to_string);
            let missing = tree.get_value(top, "nope").is_none();
            (bottom, middle, missing, tree.entries(top).len())
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(found.0.as_deref(), Some("bottom"));
    assert_eq!(found.1.as_deref(), Some("777"));
    assert!(found.2);
    assert_eq!(found.3, n + 2);
}

#[test]
fn merges_are_searched_depth_first_in_priority_order() {
    // top merges [b, c]; b merges [c2, d]: `k` comes from b's first source before c.
    let text = "c2: &c2 {k: from_c2}\nd: &d {k: from_d, j: from_d}\nb: &b {<<: [*c2, *d]}\nc: &c {k: from_c, j: from_c, i: from_c}\ntop: {<<: [*b, *c]}\n";
    let tree = parse(text);
    let (_, top) = tree.get(root(&tree), "top").unwrap();
    let value = |key| tree.scalar_value(tree.get_value(top, key).unwrap());
    assert_eq!(value("k"), Some("from_c2"));
    assert_eq!(value("j"), Some("from_d"));
    assert_eq!(value("i"), Some("from_c"));
}

#[test]
fn duplicate_keys_are_errors_with_offsets() {
    let text = "a: 1\nb: 2\na: 3\n";
    let err = Tree::parse(text).unwrap_err();
    assert_eq!(err.offset, 10);
    assert!(err.message.contains("line 1"), "{}", err.message);
}

#[test]
fn a_duplicate_key_names_its_line_after_lone_carriage_returns() {
    let err = Tree::parse("a: 1\rb: 2\r\nc: 3\na: 4\n").unwrap_err();
    assert!(err.message.contains("line 1"), "{}", err.message);
    let err = Tree::parse("x: 1\rb: 2\r\na: 3\nb: 4\n").unwrap_err();
    assert!(err.message.contains("line 2"), "{}", err.message);
}

#[test]
fn core_tags_must_fit_their_values_as_in_compose() {
    // Measured with docker-compose v2.40.3 (`x-a: !!TAG "VALUE"`): None is accepted.
    let cases = [
        ("int", "abc", Some("cannot decode !!str `abc` as a !!int")),
        ("int", "1.5", Some("cannot decode !!float `1.5` as a !!int")),
        ("int", "08", Some("cannot decode !!float `08` as a !!int")),
        ("int", "", Some("cannot decode !!null `` as a !!int")),
        (
            "int",
            "True",
            Some("cannot decode !!bool `True` as a !!int"),
        ),
        ("int", "0x1F", None),
        ("int", "0o17", None),
        ("int", "1_000", None),
        ("int", "+5", None),
        ("int", "18446744073709551615", None),
        ("float", "1", None),
        ("float", "1e3", None),
        (
            "float",
            "18446744073709551615",
            Some("cannot decode !!int `18446744073709551615` as a !!float"),
        ),
        (
            "float",
            "yes",
            Some("cannot decode !!str `yes` as a !!float"),
        ),
        ("bool", "True", None),
        ("bool", "1", Some("cannot decode !!int `1` as a !!bool")),
        ("null", "~", None),
        ("null", "0", Some("cannot decode !!int `0` as a !!null")),
    ];
    for (tag, value, expected) in cases {
        for text in [
            format!("x-a: !!{tag} \"{value}\"\nb: 1\n"),
            format!("x-a: [1, !!{tag} '{value}']\n"),
        ] {
            let result = Tree::parse(text.as_str());
            match expected {
                None => assert!(result.is_ok(), "{text:?}: {:?}", result.err()),
                Some(message) => {
                    let err = result.expect_err(&text);
                    assert_eq!(err.message, message, "{text:?}");
                    assert_eq!(
                        text[err.offset..].chars().next(),
                        Some(if text.contains('[') { '\'' } else { '"' })
                    );
                }
            }
        }
    }
    // The model reads a tagged value as its tag says.
    let tree = parse("a: !!int \"0x50\"\nb: !!float 1\nc: !!int 18446744073709551615\n");
    let get = |k| tree.scalar_type(tree.get_value(root(&tree), k).unwrap());
    assert_eq!(get("a"), Some(ScalarType::Int(80)));
    assert_eq!(get("b"), Some(ScalarType::Float));
    assert_eq!(get("c"), Some(ScalarType::Float));
}

#[test]
fn syntax_errors_carry_offsets() {
    let text = "a: [\nb: \"x\n";
    let err = Tree::parse(text).unwrap_err();
    assert!(err.offset > 0 && err.offset <= text.len());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = "[".repeat(100_000);
    assert!(Tree::parse(text.as_str()).is_err());
    let mut block = String::new();
    for i in 0..2_000 {
        block.push_str(&" ".repeat(i));
        block.push_str("a:\n");
    }
    assert!(Tree::parse(block.as_str()).is_err());
}

#[test]
fn several_documents() {
    let text = "a: 1\n---\nb: 2\n";
    let tree = parse(text);
    assert_eq!(tree.documents.len(), 2);
}

#[test]
fn tags_are_kept() {
    let text = "ports: !reset []\nn: !!str 12\n";
    let tree = parse(text);
    let (_, p) = tree.get(root(&tree), "ports").unwrap();
    assert_eq!(tree.node(p).tag.as_deref(), Some("!reset"));
    let (_, n) = tree.get(root(&tree), "n").unwrap();
    assert_eq!(tree.scalar_type(n), Some(ScalarType::Str));
}

#[test]
fn plain_scalars_resolve_as_yaml_1_2() {
    assert_eq!(resolve_plain("5432"), ScalarType::Int(5432));
    assert_eq!(resolve_plain("0x10"), ScalarType::Int(16));
    assert_eq!(resolve_plain("yes"), ScalarType::Str);
    assert_eq!(resolve_plain("~"), ScalarType::Null);
    assert_eq!(resolve_plain("1.5"), ScalarType::Float);
    assert_eq!(resolve_plain("127.0.0.1"), ScalarType::Str);
    assert_eq!(resolve_plain("True"), ScalarType::Bool(true));
    // As go-yaml v3 reads them for Compose (measured with docker-compose config).
    assert_eq!(resolve_plain("010"), ScalarType::Int(8));
    assert_eq!(resolve_plain("0o11"), ScalarType::Int(9));
    assert_eq!(resolve_plain("0x1F92"), ScalarType::Int(8082));
    assert_eq!(resolve_plain("1_000"), ScalarType::Int(1000));
    assert_eq!(resolve_plain("+1001"), ScalarType::Int(1001));
    assert_eq!(resolve_plain("0084"), ScalarType::Float);
}

#[test]
fn an_alias_inside_its_own_anchor_is_an_error() {
    assert!(Tree::parse("a: &x [ *x ]\n").is_err());
}

/// What `entries` says a mapping holds, looked up key by key with `get` (which reads the
/// usual one-level merge without building the merge order): both must agree on every
/// mapping, including those of the corpus that merge.
fn assert_get_agrees_with_entries(tree: &Tree) {
    for index in 0..tree.node_count() {
        let map = NodeId(index as u32);
        if !matches!(tree.node(map).kind, NodeKind::Mapping { .. }) {
            continue;
        }
        for (k, v) in tree.entries(map) {
            let Some(name) = tree.scalar_value(k) else {
                continue;
            };
            assert_eq!(tree.get(map, name), Some((k, v)), "key {name:?}");
        }
        assert_eq!(tree.get(map, "no-such-key"), None);
    }
}

#[test]
fn lookups_agree_with_the_merged_entries_for_every_shape_of_merge() {
    let shapes = [
        // One level: a mapping, a list, a list with a non-mapping, two `<<`-free sources.
        "d: &d {a: 1, b: 2}\ns: {<<: *d, b: 3}\n",
        "d: &d {a: 1}\ne: &e {a: 2, c: 3}\ns: {<<: [*d, *e]}\n",
        "d: &d {a: 1}\nl: &l [x]\ns: {<<: [*l, *d], z: 0}\n",
        // The second source merges: its own keys, then its sources, then the third.
        "a: &a {k: a}\nb: &b {j: b}\nc: &c {<<: *a, j: c}\nd: &d {k: d, i: d}\ns: {<<: [*b, *c, *d]}\n",
        // The first source merges: found on its own keys or below it.
        "a: &a {k: a, m: a}\nc: &c {<<: *a, k: c}\ns: {<<: *c}\n",
        // A diamond: both sources merge the same mapping.
        "x: &x {k: x, y: x}\nb: &b {<<: *x, b: b}\nc: &c {<<: *x, k: c}\ns: {<<: [*b, *c]}\n",
        // An alias to a list of sources; a source listed twice; a quoted `<<` is a plain key.
        "a: &a {k: a}\nb: &b {k: b, j: b}\nl: &l [*a, *b]\ns: {<<: *l}\n",
        "a: &a {k: a}\ns: {<<: [*a, *a], j: s}\n",
        "a: &a {k: a}\ns: {\"<<\": *a, j: s}\n",
        // A merge of something that is not a mapping merges nothing.
        "s: {<<: 1, k: s}\nt: {<<: [1, null]}\n",
        // A chain: each level merges the one before.
        "a0: &a0 {k: a0}\na1: &a1 {<<: *a0, j: a1}\na2: &a2 {<<: *a1, i: a2}\ns: {<<: [*a2, *a0]}\n",
    ];
    for text in shapes {
        assert_get_agrees_with_entries(&parse(text));
    }
    let files = corpus_texts();
    if files.is_empty() {
        return;
    }
    let mut merging = 0;
    for (_, text) in files {
        if !text.contains("<<") {
            continue;
        }
        let Ok(tree) = Tree::parse(text.as_str()) else {
            continue;
        };
        if (0..tree.node_count()).any(|i| tree.is_merge_key(NodeId(i as u32))) {
            merging += 1;
        }
        assert_get_agrees_with_entries(&tree);
    }
    assert!(merging > 0, "the corpus has files that merge");
}

/// Every file under ../shared/corpus with its text; none when the corpus is absent.
pub(in crate::yaml) fn corpus_texts() -> Vec<(std::path::PathBuf, String)> {
    texts_under(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// Every compose file of the repository's test data (fixtures, labelled real and written
/// services, model cases): there on every clone.
pub(in crate::yaml) fn testdata_texts() -> Vec<(std::path::PathBuf, String)> {
    texts_under(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"))
        .into_iter()
        .filter(|(path, _)| path.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect()
}

/// Every file under `root` (recursively) that reads as text.
fn texts_under(root: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut stack = vec![root.to_path_buf()];
    let mut files = Vec::new();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).into_iter().flatten().flatten();
            stack.extend(entries.map(|e| e.path()));
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            files.push((path, text));
        }
    }
    files
}

#[test]
fn go_yaml_refuses_a_yaml_1_2_directive_but_not_1_1() {
    let text = "%YAML 1.2\n---\nservices: {}\n";
    assert!(Tree::parse(text).is_ok());
    let refusals = super::go_yaml_refusals(&Tree::parse(text).unwrap());
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].offset, 0);
    assert!(refusals[0].message.contains("`%YAML 1.2`"), "{refusals:?}");
    assert!(refusals_of("%YAML 1.1\n---\nservices: {}\n").is_empty());
    assert!(refusals_of("services: {a: \"%YAML 1.2\"}\n").is_empty());
}

#[test]
fn go_yaml_reads_nel_as_a_line_break() {
    // After a comment's NEL, `b` stands alone on a line: go-yaml refuses the file.
    let text = "services:\n  web:\n    image: x # a\u{85}b\n";
    assert!(Tree::parse(text).is_ok());
    let refusals = super::go_yaml_refusals(&Tree::parse(text).unwrap());
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].offset, text.find('\u{85}').unwrap());
    assert!(
        refusals[0].message.starts_with("U+0085 (NEL)"),
        "{refusals:?}"
    );
    // At the end of a comment, or inside quotes, the break harms nothing (Compose accepts).
    assert!(refusals_of("services:\n  web:\n    image: x # a\u{85}\n").is_empty());
    assert!(refusals_of("services:\n  web:\n    image: \"a\u{2028}b\"\n").is_empty());
    let ls = "services:\n  web:\n    image: x # a\u{2028}b\n";
    assert!(refusals_of(ls)[0].message.starts_with("U+2028"));
}

fn refusals_of(text: &str) -> Vec<ParseError> {
    super::go_yaml_refusals(&Tree::parse(text).unwrap())
}

#[test]
fn go_yaml_refuses_an_unknown_directive() {
    let text = "%FOO bar\n---\nservices: {}\n";
    let refusals = refusals_of(text);
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].offset, 0);
    assert!(refusals[0].message.starts_with("`%FOO`"), "{refusals:?}");
    // `%` starting a line inside a scalar, or a `%TAG` directive, is no unknown directive.
    assert!(refusals_of("%TAG !e! tag:example.com,2000:\n---\nservices: {}\n").is_empty());
    assert!(refusals_of("name: \"a\n%b\"\nservices: {}\n").is_empty());
}
