//! Values the schema lets through as strings but Compose then fails to decode: sizes
//! (`mem_limit: notanumber`: "invalid size") and durations (`interval: 10x`). compose-go reads
//! them after validation with go-units' `RAMInBytes` and Go's `time.ParseDuration`; both are
//! followed here exactly as far as accepting or refusing goes (measured in docs/compose-facts.md).

use serde_json::Value;

/// What a value at a path must be.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Size,
    Duration,
}

/// Where sizes and durations are, as segments: `*` is any key of a mapping, `[]` any item.
const PATHS: &[(Kind, &[&str])] = &[
    (Kind::Size, &["services", "*", "mem_limit"]),
    (Kind::Size, &["services", "*", "mem_reservation"]),
    (Kind::Size, &["services", "*", "memswap_limit"]),
    (Kind::Size, &["services", "*", "shm_size"]),
    (Kind::Size, &["services", "*", "build", "shm_size"]),
    (
        Kind::Size,
        &["services", "*", "deploy", "resources", "limits", "memory"],
    ),
    (
        Kind::Size,
        &[
            "services",
            "*",
            "deploy",
            "resources",
            "reservations",
            "memory",
        ],
    ),
    (
        Kind::Size,
        &["services", "*", "volumes", "[]", "tmpfs", "size"],
    ),
    (
        Kind::Size,
        &[
            "services",
            "*",
            "blkio_config",
            "device_read_bps",
            "[]",
            "rate",
        ],
    ),
    (
        Kind::Size,
        &[
            "services",
            "*",
            "blkio_config",
            "device_write_bps",
            "[]",
            "rate",
        ],
    ),
    (Kind::Duration, &["services", "*", "stop_grace_period"]),
    (
        Kind::Duration,
        &["services", "*", "healthcheck", "interval"],
    ),
    (Kind::Duration, &["services", "*", "healthcheck", "timeout"]),
    (
        Kind::Duration,
        &["services", "*", "healthcheck", "start_period"],
    ),
    (
        Kind::Duration,
        &["services", "*", "healthcheck", "start_interval"],
    ),
    (
        Kind::Duration,
        &["services", "*", "deploy", "restart_policy", "delay"],
    ),
    (
        Kind::Duration,
        &["services", "*", "deploy", "restart_policy", "window"],
    ),
    (
        Kind::Duration,
        &["services", "*", "deploy", "update_config", "delay"],
    ),
    (
        Kind::Duration,
        &["services", "*", "deploy", "update_config", "monitor"],
    ),
    (
        Kind::Duration,
        &["services", "*", "deploy", "rollback_config", "delay"],
    ),
    (
        Kind::Duration,
        &["services", "*", "deploy", "rollback_config", "monitor"],
    ),
];

/// Every string at a size or duration path that Compose cannot decode: (JSON pointer, kind,
/// value). The pointer is written only for a value found wrong (this runs on every file).
pub fn undecodable(doc: &Value) -> Vec<(String, Kind, String)> {
    let mut out = Vec::new();
    let mut at: Vec<Segment> = Vec::new();
    for (kind, path) in PATHS {
        visit(doc, path, &mut at, *kind, &mut out);
    }
    out
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn pointer(at: &[Segment]) -> String {
    let mut out = String::new();
    for segment in at {
        out.push('/');
        match segment {
            Segment::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Segment::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

fn visit<'a>(
    value: &'a Value,
    path: &[&'a str],
    at: &mut Vec<Segment<'a>>,
    kind: Kind,
    out: &mut Vec<(String, Kind, String)>,
) {
    let Some((first, rest)) = path.split_first() else {
        if let Value::String(s) = value {
            let ok = match kind {
                Kind::Size => is_size(s),
                Kind::Duration => is_duration(s),
            };
            if !ok {
                out.push((pointer(at), kind, s.clone()));
            }
        }
        return;
    };
    match (*first, value) {
        ("*", Value::Object(map)) => {
            for (k, v) in map {
                at.push(Segment::Key(k));
                visit(v, rest, at, kind, out);
                at.pop();
            }
        }
        ("[]", Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                at.push(Segment::Index(i));
                visit(v, rest, at, kind, out);
                at.pop();
            }
        }
        (key, Value::Object(map)) => {
            if let Some(v) = map.get(key) {
                at.push(Segment::Key(key));
                visit(v, rest, at, kind, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// go-units `RAMInBytes`: a number (Go `ParseFloat`), not negative, then an optional space
/// and an optional unit `b`, `k`/`m`/`g`/`t`/`p` with an optional `b` or `ib`, any case.
pub fn is_size(s: &str) -> bool {
    let Some(sep) = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return false;
    };
    let (num, suffix) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..=sep], &s[sep + 1..])
    };
    if !go_parse_float(num).is_some_and(|n| n >= 0.0) {
        return false;
    }
    let suffix = suffix.to_ascii_lowercase();
    match suffix.as_bytes() {
        [] | [b'b'] => true,
        [u, rest @ ..] if b"kmgtp".contains(u) => matches!(rest, [] | [b'b'] | [b'i', b'b']),
        _ => false,
    }
}

/// Go's `strconv.ParseFloat` on what `RAMInBytes` passes it (digits, dots, a sign, an
/// exponent): Rust's parser agrees on those, and refuses what Go refuses (`1.2.3`, ``).
fn go_parse_float(num: &str) -> Option<f64> {
    let plain = num
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !plain {
        return None;
    }
    num.parse::<f64>().ok()
}

/// Go's `time.ParseDuration`: `0`, or an optional sign and one or more of a decimal number
/// and a unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`).
pub fn is_duration(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .iter()
            .find(|u| rest.starts_with(*u));
        // `m` must not take the `m` of `ms`: the longer units come first above.
        let Some(unit) = unit else { return false };
        rest = &rest[unit.len()..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_go_units_reads_them() {
        for ok in [
            "1.5g", "1 GB", "512MiB", "512mb", "0", "1.5", "1K", "1kb", "1b", ".5k", "1.5 g",
            "1gib",
        ] {
            assert!(is_size(ok), "{ok}");
        }
        for bad in [
            "notanumber",
            "",
            "10.5.5k",
            "1kk",
            " 1k",
            "1kB ",
            "-1",
            "1bb",
            "inf",
        ] {
            assert!(!is_size(bad), "{bad}");
        }
    }

    #[test]
    fn durations_as_go_reads_them() {
        for ok in [
            "10s", "1m30s", "1.5h", "0", "-1s", "1us", "1µs", "500ms", "+2h45m",
        ] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["10x", "", "1h1", " 1s", "10", "s", ".s"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }
}
