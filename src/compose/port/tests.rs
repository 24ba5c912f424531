use super::*;

fn norm(text: &str) -> Vec<(Option<&'static str>, Option<String>, u32, String)> {
    ShortPort::parse(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .normalise()
        .into_iter()
        .map(|p| {
            let ip: Option<&'static str> = p.host_ip.map(|s| &*Box::leak(s.into_boxed_str()));
            (ip, p.published, p.target, p.protocol)
        })
        .collect()
}

#[test]
fn short_forms() {
    assert_eq!(norm("5432"), [(None, None, 5432, "tcp".into())]);
    assert_eq!(
        norm("5432:5432"),
        [(None, Some("5432".into()), 5432, "tcp".into())]
    );
    assert_eq!(
        norm("127.0.0.1:5433:5432"),
        [(Some("127.0.0.1"), Some("5433".into()), 5432, "tcp".into())]
    );
    assert_eq!(
        norm("127.0.0.1::5432"),
        [(Some("127.0.0.1"), None, 5432, "tcp".into())]
    );
    assert_eq!(
        norm("0.0.0.0:80:80/UDP"),
        [(Some("0.0.0.0"), Some("80".into()), 80, "udp".into())]
    );
    assert_eq!(
        norm("53:53/udp"),
        [(None, Some("53".into()), 53, "udp".into())]
    );
    assert_eq!(norm("80/"), [(None, None, 80, "tcp".into())]);
}

#[test]
fn ipv6_bracketed_and_not() {
    assert_eq!(
        norm("[::1]:5432:5432"),
        [(Some("::1"), Some("5432".into()), 5432, "tcp".into())]
    );
    assert_eq!(
        norm("::1:5432:5432"),
        [(Some("::1"), Some("5432".into()), 5432, "tcp".into())]
    );
    assert_eq!(
        norm("[::]:80:80"),
        [(Some("::"), Some("80".into()), 80, "tcp".into())]
    );
    assert_eq!(
        norm("fe80::1::80"),
        [(Some("fe80::1"), None, 80, "tcp".into())]
    );
}

#[test]
fn ranges_expand_like_compose() {
    let got = norm("9090-9091:8080-8081");
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].1.as_deref(), got[0].2), (Some("9090"), 8080));
    assert_eq!((got[1].1.as_deref(), got[1].2), (Some("9091"), 8081));
    // A published range onto one target stays a range.
    assert_eq!(
        norm("9090-9091:80"),
        [(None, Some("9090-9091".into()), 80, "tcp".into())]
    );
    // Entries are ordered as text, as compose-go sorts its port keys.
    let order: Vec<u32> = norm("9998-10001").into_iter().map(|p| p.2).collect();
    assert_eq!(order, [10000, 10001, 9998, 9999]);
}

#[test]
fn invalid_ports_are_errors() {
    for bad in [
        "",
        "abc",
        "1:2:3:x",
        "localhost:80:80",
        "99999",
        "80-70",
        "1-2:5-7",
        "80/icmp",
        "+80",
        ":",
    ] {
        assert!(ShortPort::parse(bad).is_err(), "{bad} should be rejected");
    }
}

#[test]
fn pieces_keep_variables_whole() {
    let raw = "${BIND:-127.0.0.1}:${PORT:-5432}:5432/tcp";
    let p = short_pieces(raw);
    assert_eq!(&raw[p.host_ip.clone().unwrap()], "${BIND:-127.0.0.1}");
    assert_eq!(&raw[p.published.clone().unwrap()], "${PORT:-5432}");
    assert_eq!(&raw[p.target.clone()], "5432");
    assert_eq!(&raw[p.protocol.clone().unwrap()], "/tcp");
    let p = short_pieces("::1:80:80");
    assert_eq!(p.host_ip, Some(0..3));
    let p = short_pieces("80");
    assert_eq!((p.host_ip, p.published, p.target), (None, None, 0..2));
}

#[test]
fn wildcard_and_loopback() {
    for ip in ["0.0.0.0", "::", "[::]", "", "0:0:0:0:0:0:0:0"] {
        assert!(is_wildcard_ip(ip), "{ip}");
    }
    for ip in ["127.0.0.1", "127.1.2.3", "::1", "[::1]"] {
        assert!(is_loopback_ip(ip) && !is_wildcard_ip(ip), "{ip}");
    }
    assert!(!is_loopback_ip("10.0.0.1") && !is_wildcard_ip("10.0.0.1"));
    // Through address::classify: IPv4-mapped forms, and no half brackets.
    assert!(is_loopback_ip("::ffff:127.0.0.1") && is_wildcard_ip("::ffff:0.0.0.0"));
    for ip in ["[::1", "localhost", "0.0.0.1", "::2"] {
        assert!(!is_loopback_ip(ip) && !is_wildcard_ip(ip), "{ip}");
    }
}
