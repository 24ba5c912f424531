//! The body of each fuzz target, as a function of the input bytes that panics on a violated
//! invariant. The fuzz targets call these; `tests/hostile.rs` and `tests/properties.rs`
//! include this file (with `invariants.rs`) to replay the regression inputs of
//! `testdata/hostile/`.
#![allow(dead_code)]

use std::ops::Range;

use composeguard::compose::interpolate::{Environment, interpolate, variable_refs, variable_spans};
use composeguard::compose::port::{PortRange, ShortPort, short_pieces};
use composeguard::yaml::{NodeId, NodeKind, ScalarStyle, Tree};

use crate::invariants;

/// Text of the input: UTF-8 as is, anything else lossily (the YAML adapter only takes text).
fn text_of(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

fn in_text(text: &str, r: &Range<usize>) -> bool {
    r.start <= r.end
        && r.end <= text.len()
        && text.is_char_boundary(r.start)
        && text.is_char_boundary(r.end)
}

/// `yaml`: the located tree. Every node's span is inside the text on char boundaries; a
/// scalar whose value is a slice of the source is that slice; merges and lookups terminate.
pub fn yaml(data: &[u8]) {
    let text = text_of(data);
    let Ok(tree) = Tree::parse(text.as_ref()) else {
        return;
    };
    assert_eq!(tree.text(), text.as_ref());
    for c in &tree.comments {
        assert!(in_text(&text, &c.span), "comment span {:?}", c.span);
        assert!(
            text[c.span.clone()].starts_with('#'),
            "a comment span must start at `#`: {:?}",
            &text[c.span.clone()]
        );
    }
    let mut seen = vec![false; tree.node_count()];
    let mut stack: Vec<NodeId> = tree.documents.iter().flatten().copied().collect();
    let mut visited = 0usize;
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        visited += 1;
        let node = tree.node(id);
        assert!(
            in_text(&text, &node.span),
            "node span {:?} of {} bytes",
            node.span,
            text.len()
        );
        match &node.kind {
            NodeKind::Scalar(_) => {
                let _ = tree.scalar_value(id);
                let _ = tree.scalar_type(id);
                let _ = tree.as_str(id);
            }
            NodeKind::Sequence { items, .. } => {
                for item in items {
                    let s = tree.span(*item);
                    assert!(
                        node.span.start <= s.start,
                        "item {s:?} before its sequence {:?}",
                        node.span
                    );
                    stack.push(*item);
                }
            }
            NodeKind::Mapping { entries, .. } => {
                let _ = tree.entries(id);
                for (k, v) in entries {
                    let merge_key = tree.scalar(*k).is_some_and(|s| {
                        s.style == ScalarStyle::Plain && tree.scalar_value(*k) == Some("<<")
                    });
                    if let Some(name) = tree.scalar_value(*k).filter(|_| !merge_key) {
                        // A lookup finds a key that is written in the mapping (merge keys
                        // are not looked up: they are applied).
                        assert!(tree.get(id, name).is_some(), "get({name:?}) found nothing");
                    }
                    stack.push(*k);
                    stack.push(*v);
                }
            }
            NodeKind::Alias(target) => {
                assert!(target.index() < tree.node_count());
                // An alias points at an earlier node (anchors are defined before use).
                assert!(target.index() < id.index(), "alias to a later node");
                stack.push(*target);
            }
        }
    }
    assert!(visited <= tree.node_count());
    let _ = tree.quote_counts();
}

/// `port`: `ShortPort::parse` and `short_pieces`. Pieces lie inside the text; an accepted
/// port prints back to text that parses equal; the pieces of a port without variables are
/// the parts the parser took.
pub fn port(data: &[u8]) {
    let raw = text_of(data);
    let raw = raw.as_ref();
    let pieces = short_pieces(raw);
    for r in [
        pieces.host_ip.clone(),
        pieces.published.clone(),
        Some(pieces.target.clone()),
        pieces.protocol.clone(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(in_text(raw, &r), "piece {r:?} of {raw:?}");
    }
    let Ok(port) = ShortPort::parse(raw) else {
        return;
    };
    assert!(port.target.start >= 1 && port.target.start <= port.target.end);
    let normalised = port.normalise();
    assert_eq!(normalised.len() as u32, port.target.len());
    let printed = print_short(&port);
    let back = ShortPort::parse(&printed)
        .unwrap_or_else(|e| panic!("{raw:?} printed as {printed:?} does not parse: {e}"));
    assert_eq!(back, port, "{raw:?} printed as {printed:?}");
    if !raw.contains('$') {
        let slice = |r: &Option<Range<usize>>| r.clone().map(|r| &raw[r]);
        let target = &raw[pieces.target.clone()];
        assert_eq!(PortRange::parse(target).ok(), Some(port.target), "{raw:?}");
        match slice(&pieces.published) {
            Some(p) if !p.is_empty() => {
                assert_eq!(PortRange::parse(p).ok(), port.published, "{raw:?}")
            }
            _ => assert_eq!(port.published, None, "{raw:?}"),
        }
        // `[]` is no IP at all, as in Compose (`[]:8:81` publishes on every interface).
        let ip = slice(&pieces.host_ip).map(|ip| ip.trim_start_matches('[').trim_end_matches(']'));
        match ip {
            Some(ip) if !ip.is_empty() => {
                assert_eq!(Some(ip), port.host_ip.as_deref(), "{raw:?}")
            }
            _ => assert_eq!(port.host_ip, None, "{raw:?}"),
        }
        if let Some(proto) = slice(&pieces.protocol).filter(|p| p.len() > 1) {
            assert_eq!(proto[1..].to_ascii_lowercase(), port.protocol, "{raw:?}");
        }
    }
}

/// A short-syntax port as text: `[ip:][published:]target[/proto]`, IPv6 in brackets.
pub fn print_short(port: &ShortPort) -> String {
    let mut out = String::new();
    if let Some(ip) = &port.host_ip {
        if ip.contains(':') {
            out.push_str(&format!("[{ip}]:"));
        } else {
            out.push_str(&format!("{ip}:"));
        }
        if let Some(p) = &port.published {
            out.push_str(&p.to_compose_string());
        }
        out.push(':');
    } else if let Some(p) = &port.published {
        out.push_str(&p.to_compose_string());
        out.push(':');
    }
    out.push_str(&port.target.to_compose_string());
    out.push('/');
    out.push_str(&port.protocol);
    out
}

/// `interpolate`: `interpolate` and `variable_spans`/`variable_refs`. Every reference lies
/// inside the input and names what its range says; text without `$` is unchanged; a
/// missing variable is one the input names.
pub fn interpolate_target(data: &[u8]) {
    let input = text_of(data);
    let input = input.as_ref();
    let env = Environment::from_pairs(
        [
            ("A", "a"),
            ("EMPTY", ""),
            ("PORT", "5432"),
            ("IP", "127.0.0.1"),
            ("DOLLAR", "$B"),
            ("COLON", "1:2"),
            ("BRACE", "}"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let result = interpolate(input, &env);
    let refs = variable_refs(input);
    let spans = variable_spans(input);
    assert_eq!(refs.len(), spans.len());
    for r in &refs {
        assert!(in_text(input, &r.range), "{r:?} in {input:?}");
        assert!(in_text(input, &r.name_range), "{r:?} in {input:?}");
        assert!(
            r.range.start <= r.name_range.start && r.name_range.end <= r.range.end,
            "{r:?}"
        );
        assert_eq!(&input[r.name_range.clone()], r.name, "{r:?} in {input:?}");
        assert!(
            input[r.range.clone()].starts_with('$'),
            "{r:?} in {input:?}"
        );
        if let Some(word) = &r.word {
            assert!(in_text(input, word), "{r:?}");
            assert!(
                r.range.start <= word.start && word.end <= r.range.end,
                "{r:?}"
            );
        }
    }
    match result {
        Ok(v) => {
            if !input.contains('$') {
                assert_eq!(v.value, input);
                assert!(v.missing.is_empty());
            }
            for name in &v.missing {
                assert!(
                    refs.iter().any(|r| &r.name == name),
                    "missing {name:?} is not referenced in {input:?} ({refs:?})"
                );
                assert!(env.get(name).is_none() || env.get(name) == Some(""));
            }
        }
        Err(e) => {
            assert!(
                e.offset <= input.len(),
                "error offset {} in {input:?}",
                e.offset
            );
            assert!(input.contains('$'), "an error without `$`: {input:?}");
        }
    }
}

/// `lint_fix`: the whole pipeline on a file's bytes, with invariants 1, 2, 3, 4 and 6
/// (see `invariants.rs`). Some inputs are fixed with `::1` as the bind address.
pub fn lint_fix(data: &[u8]) {
    let bind = if data.iter().fold(0u8, |a, b| a.wrapping_add(*b)) % 4 == 0 {
        "::1"
    } else {
        "127.0.0.1"
    };
    if let Err(why) = invariants::check_bytes(data, bind) {
        panic!("invariant violated: {why}");
    }
}

/// A char boundary of `text` at or below `at` (clamped into the text).
fn boundary_below(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `report_long_lines`: findings and labels anywhere in a text holding a line longer than
/// miette can pad (65,535 columns), rendered in every format. The first bytes choose where
/// the long line goes, how long it is and what it is made of; the rest is the text around it
/// and, pair by pair, the spans of the findings and their labels. Nothing panics, every
/// finding is in every report, and the human report stays small (a long line is never
/// printed whole).
pub fn report_long_lines(data: &[u8]) {
    use clap::ValueEnum;
    use composeguard::diagnostic::{Diagnostic, Severity};
    use composeguard::report::{FileReport, OutputFormat, RenderContext, render};

    let [where_, extra, fill, rest @ ..] = data else {
        return;
    };
    let split = rest.len().min(64);
    let (spans, around) = rest.split_at(split);
    let around = text_of(around);
    let fill = ["x", "é", "𝄞", "\t", " ", "\x1b[2J"][usize::from(*fill) % 6];
    // 65,536 to 90,271 repeats: past column 65,535 whatever the fill's width in bytes.
    let long = fill.repeat(65_536 + usize::from(*extra) * 97);
    let at = boundary_below(&around, around.len() * usize::from(*where_) / 255);
    let text = format!("{}{long}{}", &around[..at], &around[at..]);
    let point = |b: u8| boundary_below(&text, text.len() * usize::from(b) / 255);
    let mut diagnostics = Vec::new();
    for pair in spans.chunks_exact(4) {
        let (a, b) = (point(pair[0]), point(pair[1]));
        let (l1, l2) = (point(pair[2]), point(pair[3]));
        diagnostics.push(Diagnostic {
            labels: vec![(l1.min(l2)..l1.max(l2), "here \x07".into())],
            ..Diagnostic::new(
                "sensitive-port-exposed",
                Severity::Error,
                0,
                a.min(b)..a.max(b),
                "a finding \x1b]0;t",
            )
        });
    }
    let count = diagnostics.len();
    let reports = [FileReport {
        path: "long/compose.json".into(),
        text: std::sync::Arc::from(text.as_str()),
        diagnostics,
    }];
    for format in OutputFormat::value_variants() {
        for color in [false, true] {
            let out = render(*format, &reports, &RenderContext { color });
            match format {
                OutputFormat::Human => {
                    assert!(
                        out.len() <= 30_000 * count.max(1),
                        "{} bytes of human report for {count} findings",
                        out.len()
                    );
                    assert_eq!(
                        out.matches("sensitive-port-exposed").count(),
                        count,
                        "every finding once"
                    );
                    assert!(!out.contains('\x07'), "a raw control character");
                }
                OutputFormat::Sarif => {
                    assert_eq!(out.matches("\"ruleId\"").count(), count, "{out}");
                }
                _ => {}
            }
        }
    }
}

/// `dotenv_sizes`: `.env` files whose variables grow each other. The bytes are a program:
/// each one adds a line `Vn=` whose value is a literal of a few bytes and references to the
/// earlier variables it names (`${Vk}` repeated), so that values double, triple or grow by a
/// constant; then the bytes are also read as a `.env` of their own. Parsing must end with
/// every value within its text plus `MAX_VALUE_GROWTH` and all values within
/// `MAX_VALUES_BYTES`, or with an error on one of the file's lines and a short message; a
/// compose value using the last variable twice is bounded the same way.
pub fn dotenv_sizes(data: &[u8]) {
    use composeguard::compose::dotenv::{MAX_VALUES_BYTES, parse_dotenv};
    use composeguard::compose::interpolate::MAX_VALUE_GROWTH;

    let mut program = String::new();
    for (i, b) in data.iter().enumerate().take(200) {
        program.push_str(&format!("V{i}="));
        if i == 0 || b % 8 == 0 {
            program.push_str(&"a".repeat(usize::from(*b) + 1));
        } else {
            let earlier = usize::from(b / 8) % i;
            let times = 1 + usize::from(b % 4);
            for _ in 0..times {
                program.push_str(&format!("${{V{}}}", i - 1 - earlier.min(i - 1)));
            }
            if b % 3 == 0 {
                program.push_str(&format!("${{U:-${{V{earlier}}}}}"));
            }
        }
        program.push('\n');
    }
    for text in [program, text_of(data).into_owned()] {
        let lines = text.split('\n').count();
        let lookup = |_: &str| None;
        match parse_dotenv(&text, &lookup) {
            Ok(pairs) => {
                let total: usize = pairs.iter().map(|(_, v)| v.len()).sum();
                assert!(total <= MAX_VALUES_BYTES, "{total} bytes of values");
                for (name, value) in &pairs {
                    assert!(
                        value.len() <= text.len() + MAX_VALUE_GROWTH,
                        "{name}: {} bytes",
                        value.len()
                    );
                }
                if let Some((name, _)) = pairs.last() {
                    let env = Environment::from_pairs(pairs.clone());
                    let value = format!("${{{name}}}${{{name}}}");
                    if let Ok(v) = interpolate(&value, &env) {
                        assert!(v.value.len() <= value.len() + MAX_VALUE_GROWTH);
                    }
                }
            }
            Err(e) => {
                assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
                assert!(
                    e.message.len() <= 1_000,
                    "{} bytes of message",
                    e.message.len()
                );
            }
        }
    }
}
