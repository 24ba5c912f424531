//! The audit on recorded engine answers and firewall listings (tests/audit_engine.rs runs
//! it on a real engine).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;

use super::client::{self, Endpoint, EndpointEnv};
use super::firewall::{self, Firewalld, Nft, Probe, Ruleset, Ufw};
use super::host::{Container, DaemonInfo, DaemonSettings, has_global_ipv6};
use super::tls::{self, TlsSettings};
use super::{FirewallState, HostState, Read, Scope, analyse};
use crate::compose::address::TrustedNetworks;
use crate::config::Config;
use crate::diagnostic::Severity;

#[test]
fn responses_are_read_by_length_chunked_or_to_the_end() {
    let r =
        client::parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]garbage").unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, b"[]".as_slice()));
    let r = client::parse_response(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n[1,\r\n2;x=y\r\n2]\r\n0\r\n\r\n",
    )
    .unwrap();
    assert_eq!(r.body, b"[1,2]");
    let r = client::parse_response(b"HTTP/1.0 404 Not Found\r\n\r\n{\"message\":\"no\"}").unwrap();
    assert_eq!(r.status, 404);
    assert!(client::parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n[]").is_err());
    assert!(client::parse_response(b"SSH-2.0\r\n\r\n").is_err());
}

#[test]
fn the_engine_is_chosen_as_the_docker_cli_does() {
    let env = |host: Option<&str>| EndpointEnv {
        docker_host: host.map(str::to_string),
        ..EndpointEnv::default()
    };
    assert_eq!(
        client::resolve(&env(None)).unwrap().endpoint,
        Endpoint::Unix(PathBuf::from("/var/run/docker.sock"))
    );
    assert_eq!(
        client::resolve(&env(Some("unix:///tmp/d.sock")))
            .unwrap()
            .endpoint,
        Endpoint::Unix(PathBuf::from("/tmp/d.sock"))
    );
    assert_eq!(
        client::resolve(&env(Some("tcp://127.0.0.1")))
            .unwrap()
            .endpoint,
        Endpoint::Tcp("127.0.0.1:2375".into())
    );
    // The port alone does not turn TLS on (the CLI's rule).
    assert_eq!(
        client::resolve(&env(Some("tcp://10.0.0.5:2376")))
            .unwrap()
            .endpoint,
        Endpoint::Tcp("10.0.0.5:2376".into())
    );
    // DOCKER_TLS_VERIFY (any non-empty value, "0" too): TLS, verified, files of
    // DOCKER_CERT_PATH, else of the config folder; the default port becomes 2376.
    let mut verify = env(Some("tcp://engine.lan"));
    verify.docker_tls_verify = Some("0".into());
    verify.config_dir = Some(PathBuf::from("/home/me/.docker"));
    assert_eq!(
        client::resolve(&verify).unwrap().endpoint,
        Endpoint::Tls(
            "engine.lan:2376".into(),
            Box::new(TlsSettings::in_folder(
                Path::new("/home/me/.docker"),
                "engine.lan".into(),
                true
            ))
        )
    );
    verify.docker_cert_path = Some(PathBuf::from("/certs"));
    let Endpoint::Tls(_, settings) = client::resolve(&verify).unwrap().endpoint else {
        panic!("not TLS")
    };
    assert_eq!(settings.ca, PathBuf::from("/certs/ca.pem"));
    // DOCKER_TLS or --tls alone: TLS without verifying the server.
    let mut tls_only = env(Some("tcp://[::1]:2376"));
    tls_only.docker_tls = Some("1".into());
    tls_only.config_dir = Some(PathBuf::from("/d"));
    let Endpoint::Tls(addr, settings) = client::resolve(&tls_only).unwrap().endpoint else {
        panic!("not TLS")
    };
    assert_eq!(
        (addr.as_str(), settings.server_name.as_str()),
        ("[::1]:2376", "::1")
    );
    assert!(!settings.verify);
    // A unix socket stays a unix socket.
    let mut unix = env(Some("unix:///tmp/d.sock"));
    unix.docker_tls_verify = Some("1".into());
    assert!(matches!(
        client::resolve(&unix).unwrap().endpoint,
        Endpoint::Unix(_)
    ));
    assert!(client::resolve(&env(Some("ssh://me@host"))).is_err());

    // The current context of config.json, found in contexts/meta/*/meta.json.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"currentContext":"lab"}"#,
    )
    .unwrap();
    let meta = dir.path().join("contexts/meta/0123abcd");
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        r#"{"Name":"lab","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///run/lab.sock","SkipTLSVerify":false}}}"#,
    )
    .unwrap();
    let resolved = client::resolve(&EndpointEnv {
        config_dir: Some(dir.path().to_path_buf()),
        ..EndpointEnv::default()
    })
    .unwrap();
    assert_eq!(
        resolved.endpoint,
        Endpoint::Unix(PathBuf::from("/run/lab.sock"))
    );
    assert!(resolved.source.contains("lab"));

    // A context with TLS material, and one with SkipTLSVerify only.
    std::fs::write(
        meta.join("meta.json"),
        r#"{"Name":"lab","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.1.2.3:2376","SkipTLSVerify":false}}}"#,
    )
    .unwrap();
    let tls_dir = dir.path().join("contexts/tls/0123abcd/docker");
    std::fs::create_dir_all(&tls_dir).unwrap();
    std::fs::write(tls_dir.join("ca.pem"), "").unwrap();
    let env = EndpointEnv {
        config_dir: Some(dir.path().to_path_buf()),
        ..EndpointEnv::default()
    };
    assert_eq!(
        client::resolve(&env).unwrap().endpoint,
        Endpoint::Tls(
            "10.1.2.3:2376".into(),
            Box::new(TlsSettings::in_folder(&tls_dir, "10.1.2.3".into(), true))
        )
    );
    std::fs::remove_file(tls_dir.join("ca.pem")).unwrap();
    assert!(matches!(
        client::resolve(&env).unwrap().endpoint,
        Endpoint::Tcp(_)
    ));
    std::fs::write(
        meta.join("meta.json"),
        r#"{"Name":"lab","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.1.2.3","SkipTLSVerify":true}}}"#,
    )
    .unwrap();
    let Endpoint::Tls(addr, settings) = client::resolve(&env).unwrap().endpoint else {
        panic!("not TLS")
    };
    assert_eq!(addr, "10.1.2.3:2376");
    assert!(!settings.verify);
}

#[test]
fn tls_files_that_are_missing_or_not_pem_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let settings = TlsSettings::in_folder(dir.path(), "localhost".into(), true);
    let err = tls::client_config(&settings).unwrap_err();
    assert!(err.starts_with("file:") && err.contains("ca.pem"), "{err}");
    std::fs::write(dir.path().join("ca.pem"), "not a certificate\n").unwrap();
    let err = tls::client_config(&settings).unwrap_err();
    assert!(
        err.contains("ca.pem") && err.contains("no PEM CERTIFICATE"),
        "{err}"
    );
    // Without verification the CA is not read; a lone key.pem is an error.
    let settings = TlsSettings::in_folder(dir.path(), "localhost".into(), false);
    assert!(tls::client_config(&settings).is_ok());
    std::fs::write(dir.path().join("key.pem"), "junk\n").unwrap();
    let err = tls::client_config(&settings).unwrap_err();
    assert!(err.contains("cert.pem: missing"), "{err}");
    assert_eq!(tls::server_name_of("[fd00::1]:2376"), "fd00::1");
    assert_eq!(tls::server_name_of("engine.lan:2376"), "engine.lan");
}

#[test]
fn a_plain_request_answered_with_tls_is_explained() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf).unwrap();
        // A TLS alert record (decode_error), as a TLS server answers plain text.
        s.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32])
            .unwrap();
    });
    let err = client::get_json(&Endpoint::Tcp(addr), "/info").unwrap_err();
    server.join().unwrap();
    assert!(
        err.contains("answered with TLS") && err.contains("DOCKER_TLS_VERIFY"),
        "{err}"
    );
}

#[test]
fn a_unix_socket_answer_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("engine.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).unwrap();
        let request = String::from_utf8_lossy(&buf[..n]).to_string();
        s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n")
            .unwrap();
        request
    });
    let v = client::get_json(&Endpoint::Unix(path), "/info").unwrap();
    assert_eq!(v, json!({"a": 1}));
    let request = server.join().unwrap();
    assert!(request.starts_with("GET /info HTTP/1.1\r\n"), "{request}");
    assert!(request.contains("Connection: close\r\n"));
}

/// iptables-save of the test engine (Docker 20.10.24, iptables 1.8.9 nf_tables) with an
/// INPUT drop rule and, in `with_docker_user`, the rule the audit suggests.
fn iptables_save(docker_user: &str) -> String {
    format!(
        "# Generated by iptables-save v1.8.9 (nf_tables)
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A INPUT -p tcp -m tcp --dport 25432 -j DROP
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 5432 -j ACCEPT
{docker_user}-A DOCKER-USER -j RETURN
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 25432 -j DNAT --to-destination 172.17.0.2:5432
COMMIT
"
    )
}

fn trusted(nets: &[&str]) -> TrustedNetworks {
    TrustedNetworks::new(nets.iter().map(|n| n.parse().unwrap()).collect())
}

#[test]
fn iptables_chains_are_followed_for_a_probe() {
    let set = Ruleset::parse(&iptables_save(""));
    let table = set.filter().unwrap();
    let probe = |dport, orig| Probe {
        protocol: "tcp".into(),
        source: "198.51.100.7".parse().unwrap(),
        dport,
        orig_dport: orig,
        forwarded: false,
    };
    let v = firewall::evaluate(table, "INPUT", &probe(25432, 25432));
    assert!(v.closes());
    assert!(set.text[v.span.unwrap()].starts_with("-A INPUT -p tcp -m tcp --dport 25432 -j DROP"));
    assert!(!firewall::evaluate(table, "INPUT", &probe(8080, 8080)).closes());
    let mut fwd = probe(5432, 25432);
    fwd.forwarded = true;
    assert!(!firewall::evaluate(table, "DOCKER-USER", &fwd).closes());

    // The rule the audit suggests closes it to untrusted sources, not to trusted ones.
    let rules = firewall::docker_user_rules(
        "iptables",
        "tcp",
        25432,
        &trusted(&["192.168.0.0/16"]),
        false,
    );
    assert_eq!(
        rules,
        [
            "iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport 25432 --ctdir ORIGINAL ! -s 192.168.0.0/16 -j DROP"
        ]
    );
    let line = format!("{}\n", rules[0].replace("iptables -I ", "-A "));
    let set = Ruleset::parse(&iptables_save(&line));
    let table = set.filter().unwrap();
    assert!(firewall::evaluate(table, "DOCKER-USER", &fwd).closes());
    fwd.source = "192.168.1.9".parse().unwrap();
    assert!(!firewall::evaluate(table, "DOCKER-USER", &fwd).closes());
    // Matching the published port with --dport in DOCKER-USER does nothing (measured).
    let set = Ruleset::parse(&iptables_save(
        "-A DOCKER-USER -p tcp -m tcp --dport 25432 -j DROP\n",
    ));
    fwd.source = "198.51.100.7".parse().unwrap();
    assert!(!firewall::evaluate(set.filter().unwrap(), "DOCKER-USER", &fwd).closes());

    // Several trusted networks: RETURN for each above one DROP, in the order -I leaves them.
    let rules = firewall::docker_user_rules(
        "iptables",
        "tcp",
        5432,
        &trusted(&["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"]),
        false,
    );
    assert_eq!(rules.len(), 3);
    assert!(rules[0].ends_with("-j DROP") && rules[2].contains("-s 10.0.0.0/8 -j RETURN"));
    let lines: String = rules
        .iter()
        .rev()
        .map(|r| format!("{}\n", r.replace("iptables -I ", "-A ")))
        .collect();
    let set = Ruleset::parse(&iptables_save(&lines));
    let mut p = probe(80, 5432);
    p.forwarded = true;
    for (source, closed) in [
        ("10.1.2.3", false),
        ("192.168.9.9", false),
        ("203.0.113.9", true),
    ] {
        p.source = source.parse().unwrap();
        assert_eq!(
            firewall::evaluate(set.filter().unwrap(), "DOCKER-USER", &p).closes(),
            closed,
            "{source}"
        );
    }
}

#[test]
fn ufw_nft_and_firewalld_listings_are_read() {
    let ufw = Ufw::parse(
        "Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), deny (routed)\nNew profiles: skip\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW IN    Anywhere\n5432/tcp                   DENY IN     Anywhere\n",
    );
    assert!(ufw.active && ufw.default_deny_incoming);
    let span = ufw.closing(5432, "tcp").unwrap();
    assert!(ufw.text[span].starts_with("5432/tcp"));
    assert!(ufw.closing(22, "tcp").is_none());
    assert!(ufw.text[ufw.closing(6379, "tcp").unwrap()].starts_with("Default: deny"));
    assert!(
        Ufw::parse("Status: inactive\n")
            .closing(5432, "tcp")
            .is_none()
    );

    let nft = Nft::parse(
        "table ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; policy accept;\n\t\ttcp dport 9 drop\n\t}\n}\ntable inet host {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established,related accept\n\t\ttcp dport { 22, 443 } accept\n\t\ttcp dport 6379 drop\n\t}\n}\n",
    );
    assert!(nft.text[nft.closing(6379, "tcp").unwrap()].starts_with("tcp dport 6379 drop"));
    assert!(nft.text[nft.closing(5432, "tcp").unwrap()].contains("policy drop"));
    assert!(nft.closing(443, "tcp").is_none());
    assert!(
        nft.closing(9, "tcp")
            .is_some_and(|s| nft.text[s].contains("policy drop"))
    );

    let fw = Firewalld::parse(
        "block\n  target: %%REJECT%%\n  ports: \n\npublic (default, active)\n  target: default\n  interfaces: eth0\n  services: dhcpv6-client ssh postgresql\n  ports: 8080/tcp 9000-9100/tcp\n",
    );
    assert!(fw.closing(5432, "tcp").is_none());
    assert!(fw.closing(9050, "tcp").is_none());
    assert!(fw.text[fw.closing(6379, "tcp").unwrap()].starts_with("public"));
}

#[test]
fn daemon_facts_are_read() {
    let info = DaemonInfo::from_json(
        &json!({"ServerVersion": "27.1", "SecurityOptions": ["name=seccomp,profile=default", "name=rootless", "name=cgroupns"]}),
    );
    assert!(info.rootless);
    assert!(has_global_ipv6(
        "fd000000000000000000000000000002 04 40 00 82     eth0\n"
    ));
    assert!(!has_global_ipv6(
        "00000000000000000000000000000001 01 80 10 80       lo\nfe800000000000000000000000000001 02 40 20 80 eth0\n"
    ));
}

/// `GET /containers/{id}/json` of the engine test's database stand-in, trimmed.
fn inspect(name: &str, labels: serde_json::Value, ports: serde_json::Value) -> serde_json::Value {
    json!({
        "Id": format!("{name}-id"),
        "Name": format!("/{name}"),
        "Config": {
            "Image": "cg-busybox:1",
            "Env": ["POSTGRES_PASSWORD=secret-value", "PATH=/bin"],
            "Cmd": ["busybox", "nc", "-ll", "-p", "5432", "-e", "/bin/echo", "hi"],
            "Entrypoint": null,
            "Labels": labels,
        },
        "Mounts": [{"Type": "volume", "Destination": "/var/lib/postgresql/data"}],
        "NetworkSettings": {"Ports": ports, "Networks": {"bridge": {}}},
    })
}

fn state(containers: Vec<Container>, iptables: Option<String>) -> HostState {
    let mut firewall = FirewallState::unread();
    if let Some(text) = iptables {
        firewall.iptables = Read::Read(Ruleset::parse(&text));
    }
    HostState {
        endpoint: "test".into(),
        daemon: DaemonInfo::default(),
        settings: DaemonSettings::default(),
        containers,
        networks: Vec::new(),
        firewall,
        global_ipv6: Some(false),
    }
}

fn run(state: &HostState, config: &Config) -> Vec<(String, String, Severity, String)> {
    let config = Arc::new(config.clone());
    let outcome = analyse(state, &Scope::default(), &mut |_: Option<&Path>| {
        config.clone()
    });
    outcome
        .reports
        .iter()
        .flat_map(|r| {
            r.diagnostics.iter().map(|d| {
                (
                    r.path.display().to_string(),
                    d.rule.to_string(),
                    d.severity,
                    r.text[d.span.clone()].to_string(),
                )
            })
        })
        .collect()
}

fn wildcard_ports() -> serde_json::Value {
    json!({"5432/tcp": [{"HostIp": "0.0.0.0", "HostPort": "25432"}, {"HostIp": "::", "HostPort": "25432"}]})
}

#[test]
fn an_unmanaged_database_on_every_interface_is_reported_and_values_are_never_kept() {
    let c = Container::from_inspect(&inspect("scratch-db", json!({}), wildcard_ports()));
    assert_eq!(c.env_names, ["POSTGRES_PASSWORD", "PATH"]);
    assert!(!format!("{c:?}").contains("secret-value"));
    let found = run(&state(vec![c.clone()], None), &Config::default());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "host-unmanaged-exposed");
    assert_eq!(found[0].2, Severity::Error);
    assert_eq!(found[0].3, "0.0.0.0:25432->5432/tcp");

    // With a global IPv6 address, [::] is reported too.
    let mut s = state(vec![c.clone()], None);
    s.global_ipv6 = Some(true);
    assert_eq!(run(&s, &Config::default()).len(), 2);

    // An INPUT drop: bypassed; the DOCKER-USER rule makes both notes.
    let found = run(
        &state(vec![c.clone()], Some(iptables_save(""))),
        &Config::default(),
    );
    let rules: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
    assert!(
        rules.contains(&"firewall-bypassed") && rules.contains(&"host-unmanaged-exposed"),
        "{found:?}"
    );
    let bypass = found.iter().find(|f| f.1 == "firewall-bypassed").unwrap();
    assert_eq!(bypass.0, "iptables-save");
    assert!(bypass.3.starts_with("-A INPUT"));
    let rule =
        "-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 25432 --ctdir ORIGINAL -j DROP\n";
    let found = run(
        &state(vec![c], Some(iptables_save(rule))),
        &Config::default(),
    );
    assert!(found.iter().all(|f| f.2 == Severity::Info), "{found:?}");
    assert_eq!(found.len(), 2);
}

#[test]
fn loopback_and_ignored_rules_are_not_reported() {
    let c = Container::from_inspect(&inspect(
        "local-db",
        json!({}),
        json!({"5432/tcp": [{"HostIp": "127.0.0.1", "HostPort": "5432"}]}),
    ));
    assert!(run(&state(vec![c], None), &Config::default()).is_empty());
    let c = Container::from_inspect(&inspect("scratch-db", json!({}), wildcard_ports()));
    let config = Config::default().with_overrides(&crate::config::Overrides {
        ignore: vec!["host".into()],
        ..Default::default()
    });
    assert!(run(&state(vec![c], None), &config).is_empty());
}

#[test]
fn a_fixed_file_that_was_not_applied_is_drift_and_a_deleted_file_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(
        &file,
        "services:\n  db:\n    image: cg-busybox:1\n    ports:\n      - \"127.0.0.1:25432:5432\" # composeguard: ignore[host-port-exposed] checked by hand\n",
    )
    .unwrap();
    let labels = |f: &Path| {
        json!({
            "com.docker.compose.project": "shop",
            "com.docker.compose.service": "db",
            "com.docker.compose.project.config_files": f.display().to_string(),
            "com.docker.compose.project.working_dir": dir.path().display().to_string(),
        })
    };
    let c = Container::from_inspect(&inspect("shop-db-1", labels(&file), wildcard_ports()));
    let found = run(&state(vec![c], None), &Config::default());
    // The exposure is suppressed in the file; the drift is not.
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "host-drift");
    assert_eq!(found[0].3, "db");

    let gone = dir.path().join("deleted/compose.yaml");
    let c = Container::from_inspect(&inspect("old-db-1", labels(&gone), wildcard_ports()));
    let found = run(&state(vec![c], None), &Config::default());
    let rules: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(rules, ["host-drift", "host-port-exposed"], "{found:?}");
    assert!(found.iter().all(|f| f.0 == "container:old-db-1"));

    // audit PATHS: only the containers of those projects.
    let other = Container::from_inspect(&inspect("scratch-db", json!({}), wildcard_ports()));
    let s = state(vec![other], None);
    let scope = Scope::of_paths(std::slice::from_ref(&file)).unwrap();
    let config = Arc::new(Config::default());
    assert!(
        analyse(&s, &scope, &mut |_: Option<&Path>| config.clone())
            .reports
            .is_empty()
    );
}

#[test]
fn ipv6_served_by_docker_proxy_is_judged_by_input_not_bypassed() {
    // Docker without ip6tables (the default before 27): no nat rules for IPv6, `[::]` is
    // served by docker-proxy, a host process that the INPUT chain filters (measured).
    let c = Container::from_inspect(&inspect("scratch-db", json!({}), wildcard_ports()));
    let mut s = state(vec![c], Some(iptables_save("")));
    s.global_ipv6 = Some(true);
    s.firewall.ip6tables = Read::Read(Ruleset::parse(
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 25432 -j DROP\nCOMMIT\n",
    ));
    let found = run(&s, &Config::default());
    let v6: Vec<_> = found.iter().filter(|f| f.3.starts_with("[::]")).collect();
    assert_eq!(v6.len(), 1, "{found:?}");
    assert_eq!(v6[0].2, Severity::Info);
    assert!(found.iter().all(|f| f.0 != "ip6tables-save"), "{found:?}");
    // Without that rule, the finding is an error whose help gives the INPUT rule.
    s.firewall.ip6tables = Read::Read(Ruleset::parse("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"));
    let config = Arc::new(Config::default());
    let outcome = analyse(&s, &Scope::default(), &mut |_: Option<&Path>| {
        config.clone()
    });
    let d = outcome
        .reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
        .find(|(r, d)| r.text[d.span.clone()].starts_with("[::]"))
        .unwrap()
        .1;
    assert_eq!(d.severity, Severity::Error);
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("ip6tables -I INPUT -p tcp --dport 25432 -s fc00::/7 -j RETURN"),
        "{:?}",
        d.help
    );
}

#[test]
fn a_published_port_the_file_moved_is_drift() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(
        &file,
        "services:\n  db:\n    image: cg-busybox:1\n    ports:\n      - \"127.0.0.1:15432:5432\"\n",
    )
    .unwrap();
    let labels = json!({
        "com.docker.compose.project": "shop",
        "com.docker.compose.service": "db",
        "com.docker.compose.project.config_files": file.display().to_string(),
    });
    let c = Container::from_inspect(&inspect(
        "shop-db-1",
        labels,
        json!({"5432/tcp": [{"HostIp": "127.0.0.1", "HostPort": "25432"}]}),
    ));
    let outcome = {
        let config = Arc::new(Config::default());
        analyse(
            &state(vec![c], None),
            &Scope::default(),
            &mut |_: Option<&Path>| config.clone(),
        )
    };
    let d = &outcome.reports[0].diagnostics;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].rule, "host-drift");
    assert!(
        d[0].message
            .contains("on port 15432, the host publishes 127.0.0.1:25432->5432/tcp"),
        "{}",
        d[0].message
    );
}
