use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn loopback_is_127_8_and_1_only() {
    for text in [
        "127.0.0.1",
        "127.255.255.255",
        "127.1.2.3",
        "::1",
        "[::1]",
        "0:0:0:0:0:0:0:1",
        "::ffff:127.0.0.1",
        "::ffff:127.255.255.254",
    ] {
        assert_eq!(classify(text), AddressClass::Loopback, "{text}");
    }
    // Next to loopback, and the deprecated IPv4-compatible form, are not.
    assert_eq!(classify("128.0.0.1"), AddressClass::Public);
    assert_eq!(classify("126.255.255.255"), AddressClass::Public);
    assert_eq!(classify("::127.0.0.1"), AddressClass::Public);
    assert_eq!(classify("::2"), AddressClass::Public);
}

#[test]
fn wildcards() {
    for text in [
        "",
        "0.0.0.0",
        "::",
        "[::]",
        "[]",
        "0:0:0:0:0:0:0:0",
        "::ffff:0.0.0.0",
    ] {
        assert_eq!(classify(text), AddressClass::Wildcard, "{text:?}");
    }
}

#[test]
fn private_ranges_and_their_edges() {
    let private = [
        "10.0.0.0",
        "10.255.255.255",
        "172.16.0.0",
        "172.31.255.255",
        "192.168.0.0",
        "192.168.255.255",
        "100.64.0.0",
        "100.100.100.100",
        "100.127.255.255",
        "169.254.0.1",
        "169.254.169.254",
        "fc00::1",
        "fd12::1",
        "fd7a:115c:a1e0::1",
        "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fe80::1",
        "[fe80::1]",
        "febf:ffff::1",
        "::ffff:10.0.0.1",
        "::ffff:192.168.1.1",
        "::ffff:100.64.0.1",
    ];
    for text in private {
        assert_eq!(classify(text), AddressClass::Private, "{text}");
    }
    let public = [
        "9.255.255.255",
        "11.0.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.167.255.255",
        "192.169.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "8.8.8.8",
        "::ffff:8.8.8.8",
        // Documentation ranges are still addresses someone may route.
        "203.0.113.7",
        "198.51.100.1",
        "192.0.2.1",
        "2001:db8::1",
        "2606:4700::1111",
        // Next to ULA and link-local: fe00::/9 is reserved, fec0::/10 the deprecated
        // site-local; neither is in a range composeguard trusts by default.
        "fbff:ffff::1",
        "fe00::1",
        "fec0::1",
        // Class E is reserved but not multicast.
        "240.0.0.1",
        "255.255.255.254",
    ];
    for text in public {
        assert_eq!(classify(text), AddressClass::Public, "{text}");
    }
}

#[test]
fn invalid_addresses_say_why() {
    let cases = [
        ("224.0.0.1", InvalidAddress::Multicast),
        ("239.255.255.255", InvalidAddress::Multicast),
        ("ff02::1", InvalidAddress::Multicast),
        ("ff00::", InvalidAddress::Multicast),
        ("::ffff:224.0.0.1", InvalidAddress::Multicast),
        ("255.255.255.255", InvalidAddress::Broadcast),
        ("0.0.0.1", InvalidAddress::ThisNetwork),
        ("0.255.255.255", InvalidAddress::ThisNetwork),
        ("::ffff:0.0.0.1", InvalidAddress::ThisNetwork),
        ("localhost", InvalidAddress::NotAnAddress),
        ("10.0.0", InvalidAddress::NotAnAddress),
        ("[::1", InvalidAddress::NotAnAddress),
        ("::1]", InvalidAddress::NotAnAddress),
        ("fe80::1%eth0", InvalidAddress::NotAnAddress),
        (" 127.0.0.1", InvalidAddress::NotAnAddress),
        ("[127.0.0.1]x", InvalidAddress::NotAnAddress),
    ];
    for (text, why) in cases {
        assert_eq!(classify(text), AddressClass::Invalid(why), "{text}");
        assert!(!why.reason().is_empty());
    }
    assert_eq!(classify("223.255.255.255"), AddressClass::Public);
    assert_eq!(classify("1.0.0.0"), AddressClass::Public);
    assert_eq!(classify("feff::1"), AddressClass::Public);
}

#[test]
fn cidr_parses_v4_v6_and_bare_addresses() {
    let c = Cidr::parse("10.8.0.0/24").unwrap();
    assert_eq!((c.network(), c.prefix()), (ip("10.8.0.0"), 24));
    assert_eq!(c.to_string(), "10.8.0.0/24");
    assert_eq!(
        Cidr::parse("192.0.2.7").unwrap().to_string(),
        "192.0.2.7/32"
    );
    assert_eq!(Cidr::parse("fd00::").unwrap().to_string(), "fd00::/128");
    assert_eq!(Cidr::parse("[::1]").unwrap().to_string(), "::1/128");
    assert_eq!(Cidr::parse("[fd00::]/8").unwrap().to_string(), "fd00::/8");
    assert_eq!(
        Cidr::parse("fd7a:115c:a1e0::/48").unwrap().to_string(),
        "fd7a:115c:a1e0::/48"
    );
    assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().prefix(), 0);
    assert_eq!(Cidr::parse("10.0.0.1/32").unwrap().prefix(), 32);
    // IPv4-mapped networks are kept as IPv4.
    assert_eq!(
        Cidr::parse("::ffff:10.0.0.0/104").unwrap(),
        Cidr::parse("10.0.0.0/8").unwrap()
    );
    assert_eq!("10.0.0.0/8".parse::<Cidr>(), Cidr::parse("10.0.0.0/8"));
}

#[test]
fn cidr_errors_say_what_is_wrong() {
    let err = |text: &str| Cidr::parse(text).unwrap_err();
    assert!(err("").contains("empty network"));
    assert!(err("10.8.0/24").contains("\"10.8.0\" is not an IP address"));
    assert!(err("wg0").contains("\"wg0\" is not an IP address"));
    assert!(err("10.8.0.0/").contains("no prefix length"));
    assert!(err("10.8.0.0/x").contains("prefix length \"x\""));
    assert!(err("10.8.0.0/+8").contains("is not a number"));
    assert!(err("10.8.0.0/-1").contains("is not a number"));
    assert!(err("10.8.0.0/24/8").contains("is not a number"));
    let e = err("10.8.0.0/33");
    assert!(
        e.contains("too long for an IPv4 address (at most 32)"),
        "{e}"
    );
    let e = err("fd00::/129");
    assert!(
        e.contains("too long for an IPv6 address (at most 128)"),
        "{e}"
    );
    assert!(err("10.8.0.0/999999").contains("too long"));
    let e = err("10.8.0.5/24");
    assert!(
        e.contains("host bits set: the network is 10.8.0.0/24"),
        "{e}"
    );
    let e = err("fd12::1/16");
    assert!(e.contains("the network is fd12::/16"), "{e}");
}

#[test]
fn cidr_contains() {
    let net = Cidr::parse("10.8.0.0/24").unwrap();
    assert!(net.contains(ip("10.8.0.0")));
    assert!(net.contains(ip("10.8.0.255")));
    assert!(!net.contains(ip("10.8.1.0")));
    assert!(!net.contains(ip("10.7.255.255")));
    // IPv4-mapped compared as IPv4; families otherwise never mix.
    assert!(net.contains(ip("::ffff:10.8.0.9")));
    assert!(!net.contains(ip("::a08:9")));
    let v6 = Cidr::parse("fd7a:115c:a1e0::/48").unwrap();
    assert!(v6.contains(ip("fd7a:115c:a1e0:ab12::1")));
    assert!(!v6.contains(ip("fd7a:115c:a1e1::1")));
    assert!(!v6.contains(ip("10.8.0.1")));
    let all = Cidr::parse("::/0").unwrap();
    assert!(all.contains(ip("2001:db8::1")) && !all.contains(ip("1.2.3.4")));
    let one = Cidr::parse("203.0.113.7").unwrap();
    assert!(one.contains(ip("203.0.113.7")) && !one.contains(ip("203.0.113.8")));
    let cgnat = Cidr::parse("100.64.0.0/10").unwrap();
    assert!(cgnat.contains(ip("100.127.255.255")) && !cgnat.contains(ip("100.128.0.0")));
    assert!(!cgnat.contains(ip("100.63.255.255")));
}

#[test]
fn default_trust_is_the_private_ranges() {
    let trusted = TrustedNetworks::default();
    assert_eq!(trusted.networks(), PRIVATE_NETWORKS);
    for n in PRIVATE_NETWORKS {
        assert_eq!(Cidr::parse(&n.to_string()), Ok(n), "{n} is a clean network");
    }
    for text in [
        "10.1.2.3",
        "172.20.0.1",
        "100.64.0.1",
        "fd12::1",
        "fe80::1",
        "169.254.1.1",
    ] {
        assert!(trusted.is_trusted(ip(text)), "{text}");
        assert_eq!(reach(text, &trusted), Reach::Trusted, "{text}");
    }
    assert_eq!(
        trusted.to_string(),
        "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7, 169.254.0.0/16, fe80::/10"
    );
}

#[test]
fn reach_with_narrowed_and_widened_trust() {
    let wireguard = TrustedNetworks::new(vec![
        TrustedNetworks::parse_entry("10.8.0.0/24").unwrap(),
        TrustedNetworks::parse_entry("198.51.100.0/24").unwrap(),
    ]);
    assert_eq!(reach("10.8.0.5", &wireguard), Reach::Trusted);
    assert_eq!(reach("::ffff:10.8.0.5", &wireguard), Reach::Trusted);
    assert_eq!(reach("10.9.0.5", &wireguard), Reach::Untrusted);
    assert_eq!(reach("192.168.1.1", &wireguard), Reach::Untrusted);
    // A public range listed on purpose (a VPN on the organisation's own addresses).
    assert_eq!(reach("198.51.100.9", &wireguard), Reach::Trusted);
    assert_eq!(reach("203.0.113.7", &wireguard), Reach::Public);
    // Trust never changes loopback, the wildcard or invalid addresses.
    assert_eq!(reach("127.0.0.1", &wireguard), Reach::Loopback);
    assert_eq!(reach("[::1]", &wireguard), Reach::Loopback);
    assert_eq!(reach("", &wireguard), Reach::Wildcard);
    assert_eq!(reach("0.0.0.0", &wireguard), Reach::Wildcard);
    assert_eq!(
        reach("224.0.0.1", &wireguard),
        Reach::Invalid(InvalidAddress::Multicast)
    );
    let none = TrustedNetworks::new(Vec::new());
    assert_eq!(reach("10.0.0.1", &none), Reach::Untrusted);
    assert_eq!(none.to_string(), "none");
    let e = TrustedNetworks::parse_entry("0.0.0.0/0").unwrap_err();
    assert!(e.contains("trusts every address"), "{e}");
    assert!(TrustedNetworks::parse_entry("::/0").is_err());
}

#[test]
fn bind_accepts_loopback_and_trusted_only() {
    let trusted = TrustedNetworks::default();
    for (text, bare) in [
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("10.8.0.5", "10.8.0.5"),
        ("100.64.1.2", "100.64.1.2"),
        ("fd7a:115c:a1e0::1", "fd7a:115c:a1e0::1"),
    ] {
        assert_eq!(check_bind(text, &trusted), Ok(bare), "{text}");
    }
    let refused = |text: &str| check_bind(text, &trusted).unwrap_err();
    for text in ["0.0.0.0", "::", "[::]", ""] {
        assert!(refused(text).starts_with("a wildcard address publishes on every interface; bind to 127.0.0.1, ::1 or an address on a private network (a VPN interface)"), "{text}");
    }
    assert!(refused("203.0.113.7").starts_with("a public address is reachable from the internet"));
    assert!(refused("2001:db8::1").starts_with("a public address"));
    assert!(refused("224.0.0.1").starts_with("a multicast address"));
    assert!(refused("255.255.255.255").starts_with("the broadcast address"));
    assert!(refused("0.0.0.1").starts_with("an address in 0.0.0.0/8"));
    assert!(refused("localhost").starts_with("not an IP address"));
    let narrow = TrustedNetworks::new(vec![Cidr::parse("10.8.0.0/24").unwrap()]);
    let e = check_bind("192.168.1.5", &narrow).unwrap_err();
    assert!(
        e.starts_with("a private address outside trusted-networks (10.8.0.0/24)"),
        "{e}"
    );
    assert_eq!(check_bind("10.8.0.5", &narrow), Ok("10.8.0.5"));
}
