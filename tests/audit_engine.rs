//! `composeguard audit` on a real Docker engine (tests/engine/start.sh: a private dockerd
//! with its own data root and socket), with projects brought up by Docker Compose v2.40.3,
//! and reachability measured from a network namespace of its own joined to the host by a
//! veth pair (10.250.0.1/30 on the host, 10.250.0.2/30 inside: addresses that exist only on
//! this machine, and the only ones ever connected to).
//!
//! Ignored by default (it needs root, dockerd, iproute2 and iptables); `.ci/run` runs it with
//! `--include-ignored` and COMPOSEGUARD_REQUIRE_ENGINE=1, where an engine that cannot start
//! fails it. Run alone: `cargo test --test audit_engine -- --include-ignored --nocapture`
//! (it starts the engine if none is running, and stops the one it started).

#[path = "oracle_support/mod.rs"]
mod oracle_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const NS: &str = "cgaudit";
const HOST_IF: &str = "cgaudit0";
const NS_IF: &str = "cgaudit1";
const HOST_ADDR: &str = "10.250.0.1";
const NS_ADDR: &str = "10.250.0.2";
/// Unique-local IPv6 addresses of the same pair (they exist only on this machine too).
const HOST_ADDR6: &str = "fd00:250::1";
const NS_ADDR6: &str = "fd00:250::2";

fn engine_dir() -> PathBuf {
    std::env::var_os("COMPOSEGUARD_ENGINE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/composeguard-engine"))
}

fn docker_host() -> String {
    format!("unix://{}", engine_dir().join("docker.sock").display())
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sh(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("DOCKER_HOST", docker_host())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn ok(program: &str, args: &[&str]) -> String {
    let out = sh(program, args);
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Skips (or fails, with COMPOSEGUARD_REQUIRE_ENGINE=1) when the engine cannot be had.
fn unavailable(why: &str) {
    if std::env::var_os("COMPOSEGUARD_REQUIRE_ENGINE").is_some_and(|v| v == "1") {
        panic!("COMPOSEGUARD_REQUIRE_ENGINE=1 but {why}");
    }
    println!("SKIPPED (not run, not passed): {why}");
}

/// Everything the test made, removed on drop (also when it fails).
struct Cleanup {
    /// iptables rules as `-D` arguments.
    rules: Vec<Vec<String>>,
    projects: Vec<String>,
    containers: Vec<String>,
    dir: PathBuf,
    stop_engine: bool,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for rule in self.rules.drain(..).rev() {
            let args: Vec<&str> = rule.iter().map(String::as_str).collect();
            let _ = sh("iptables", &args);
        }
        for name in &self.containers {
            let _ = sh("docker", &["rm", "-f", name]);
        }
        for project in &self.projects {
            let filter = format!("label=com.docker.compose.project={project}");
            let ids =
                String::from_utf8_lossy(&sh("docker", &["ps", "-aq", "--filter", &filter]).stdout)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect::<Vec<_>>();
            for id in ids {
                let _ = sh("docker", &["rm", "-f", "-v", &id]);
            }
            let filter = format!("label=com.docker.compose.project={project}");
            for kind in ["network", "volume"] {
                let names = String::from_utf8_lossy(
                    &sh("docker", &[kind, "ls", "-q", "--filter", &filter]).stdout,
                )
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>();
                for n in names {
                    let _ = sh("docker", &[kind, "rm", &n]);
                }
            }
        }
        let _ = sh("ip", &["netns", "del", NS]);
        let _ = sh("ip", &["link", "del", HOST_IF]);
        let _ = std::fs::remove_dir_all(&self.dir);
        if self.stop_engine {
            let _ = sh(
                "bash",
                &[repo().join("tests/engine/stop.sh").to_str().unwrap()],
            );
        }
    }
}

/// One connection attempt from the namespace to the host's address (2 s at most).
fn reached(port: u16) -> bool {
    connect(HOST_ADDR, port)
}

/// The same over IPv6, to the host's side of the pair.
fn reached6(port: u16) -> bool {
    connect(HOST_ADDR6, port)
}

fn connect(addr: &str, port: u16) -> bool {
    let port = port.to_string();
    let out = Command::new("ip")
        .args(["netns", "exec", NS, "busybox", "nc", "-w", "2", addr, &port])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    out.status.success()
}

struct Audit {
    code: i32,
    human: String,
    /// (rule, severity, file, line, help, message).
    findings: Vec<(String, String, String, usize, String, String)>,
}

fn audit(cwd: &Path, paths: &[&str]) -> Audit {
    let bin = env!("CARGO_BIN_EXE_composeguard");
    let run = |format: &str| {
        Command::new(bin)
            .arg("audit")
            .args(paths)
            .args(["--output-format", format, "--color", "never"])
            .current_dir(cwd)
            .env("DOCKER_HOST", docker_host())
            .output()
            .unwrap()
    };
    let human = run("human");
    let json = run("json");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout)
        .unwrap_or_else(|e| panic!("audit json: {e}: {}", String::from_utf8_lossy(&json.stderr)));
    let findings = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap() as usize,
                f["help"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    Audit {
        code: human.status.code().unwrap_or(-1),
        human: format!(
            "{}{}",
            String::from_utf8_lossy(&human.stderr),
            String::from_utf8_lossy(&human.stdout)
        ),
        findings,
    }
}

impl Audit {
    fn rules(&self) -> Vec<(&str, &str)> {
        self.findings
            .iter()
            .map(|f| (f.0.as_str(), f.1.as_str()))
            .collect()
    }
    fn show(&self, step: &str) {
        println!("==== audit {step} (exit {})\n{}", self.code, self.human);
    }
}

const SHOP: &str = r#"services:
  db:
    image: cg-busybox:1
    command: ["busybox", "nc", "-ll", "-p", "5432", "-e", "/bin/echo", "postgres"]
    environment:
      POSTGRES_PASSWORD: example
    volumes:
      - dbdata:/var/lib/postgresql/data
    ports:
      - "25432:5432"
  web:
    image: cg-busybox:1
    command: ["busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
    ports:
      - "127.0.0.1:28081:8080"
volumes:
  dbdata:
"#;

const LOCAL_NET: &str = r#"services:
  db:
    image: cg-busybox:1
    command: ["busybox", "nc", "-ll", "-p", "5432", "-e", "/bin/echo", "postgres"]
    environment:
      POSTGRES_PASSWORD: example
    ports:
      - "25434:5432"
networks:
  default:
    driver_opts:
      com.docker.network.bridge.host_binding_ipv4: "127.0.0.1"
"#;

const OLD: &str = r#"services:
  db:
    image: cg-busybox:1
    command: ["busybox", "nc", "-ll", "-p", "5432", "-e", "/bin/echo", "postgres"]
    environment:
      POSTGRES_PASSWORD: example
    ports:
      - "25435:5432"
"#;

#[test]
#[ignore = "needs a Docker engine: root, dockerd, iproute2, iptables (tests/engine/start.sh); .ci/run runs it"]
fn audit_on_a_real_engine() {
    let started = Instant::now();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc_geteuid() } != 0 {
        return unavailable("not root (network namespaces and iptables need it)");
    }
    let Some(compose) = oracle_support::find_compose() else {
        return unavailable(
            "Docker Compose v2.40.3 is not installed (pip install -r tests/requirements.txt)",
        );
    };
    let compose = compose.to_str().unwrap().to_string();
    let engine_was_running = sh("docker", &["version"]).status.success();
    let start = sh(
        "bash",
        &[repo().join("tests/engine/start.sh").to_str().unwrap()],
    );
    if !start.status.success() {
        return unavailable(&format!(
            "tests/engine/start.sh could not start the engine: {}",
            String::from_utf8_lossy(&start.stderr)
        ));
    }
    let dir = std::env::temp_dir().join(format!("cg-audit-engine-{}", std::process::id()));
    let mut cleanup = Cleanup {
        rules: Vec::new(),
        projects: vec!["cgshop".into(), "cglocal".into(), "cgold".into()],
        containers: vec!["cg-scratch-db".into()],
        dir: dir.clone(),
        stop_engine: !engine_was_running,
    };
    // Leftovers of an interrupted run.
    drop(Cleanup {
        rules: Vec::new(),
        projects: cleanup.projects.clone(),
        containers: cleanup.containers.clone(),
        dir: dir.clone(),
        stop_engine: false,
    });

    // The namespace: the only client, on addresses that exist only here.
    ok("ip", &["netns", "add", NS]);
    ok(
        "ip",
        &[
            "link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF,
        ],
    );
    ok("ip", &["link", "set", NS_IF, "netns", NS]);
    ok(
        "ip",
        &["addr", "add", &format!("{HOST_ADDR}/30"), "dev", HOST_IF],
    );
    ok("ip", &["link", "set", HOST_IF, "up"]);
    ok(
        "ip",
        &[
            "netns",
            "exec",
            NS,
            "ip",
            "addr",
            "add",
            &format!("{NS_ADDR}/30"),
            "dev",
            NS_IF,
        ],
    );
    ok(
        "ip",
        &["netns", "exec", NS, "ip", "link", "set", NS_IF, "up"],
    );
    ok(
        "ip",
        &[
            "addr",
            "add",
            &format!("{HOST_ADDR6}/64"),
            "dev",
            HOST_IF,
            "nodad",
        ],
    );
    ok(
        "ip",
        &[
            "netns",
            "exec",
            NS,
            "ip",
            "addr",
            "add",
            &format!("{NS_ADDR6}/64"),
            "dev",
            NS_IF,
            "nodad",
        ],
    );

    // Projects. The namespace's 10.250.0.2 must be untrusted: trust only 192.168.0.0/16.
    let shop = dir.join("shop");
    let local = dir.join("local");
    let old = dir.join("old");
    for (d, text) in [(&shop, SHOP), (&local, LOCAL_NET), (&old, OLD)] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("compose.yaml"), text).unwrap();
        std::fs::write(
            d.join("composeguard.toml"),
            "trusted-networks = [\"192.168.0.0/16\"]\n",
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("composeguard.toml"),
        "trusted-networks = [\"192.168.0.0/16\"]\n",
    )
    .unwrap();
    let up = |project: &str, d: &Path| {
        let file = d.join("compose.yaml");
        ok(
            &compose,
            &[
                "-p",
                project,
                "-f",
                file.to_str().unwrap(),
                "up",
                "-d",
                "--quiet-pull",
            ],
        );
    };
    up("cgshop", &shop);
    let wait_listening = |port: u16| {
        for _ in 0..20 {
            if std::net::TcpStream::connect_timeout(
                &format!("127.0.0.1:{port}").parse().unwrap(),
                Duration::from_secs(1),
            )
            .is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    };
    wait_listening(25432);
    wait_listening(28081);

    // 1. Before the fix: the database is reported at its ports: line, the web service not.
    let a = audit(&dir, &["shop/compose.yaml"]);
    a.show("before the fix");
    assert_eq!(a.code, 1);
    assert!(
        a.findings.iter().any(|f| f.0 == "host-port-exposed"
            && f.1 == "error"
            && f.2.ends_with("shop/compose.yaml")
            && f.3 == 10),
        "{:?}",
        a.findings
    );
    assert!(
        !a.human.contains("service web"),
        "the loopback-bound web service is not reported"
    );
    let r_before = reached(25432);
    let r_web = reached(28081);
    let r_before6 = reached6(25432);
    println!(
        "reach: db 25432 before the fix: IPv4 {}, IPv6 {}; web 28081 (127.0.0.1): {}",
        word(r_before),
        word(r_before6),
        word(r_web)
    );
    assert!(r_before && r_before6);
    assert!(!r_web);

    // 2. An INPUT drop rule: still reached; the audit says the firewall is bypassed.
    let input_rule = ["-p", "tcp", "--dport", "25432", "-j", "DROP"];
    ok("iptables", &[&["-I", "INPUT"][..], &input_rule].concat());
    cleanup.rules.push(
        [&["-D", "INPUT"][..], &input_rule]
            .concat()
            .iter()
            .map(|s| s.to_string())
            .collect(),
    );
    let r_input = reached(25432);
    println!(
        "reach: db 25432 with `iptables -I INPUT -p tcp --dport 25432 -j DROP`: {}",
        word(r_input)
    );
    assert!(r_input, "Docker's DNAT passes an INPUT drop by");
    let a = audit(&dir, &["shop"]);
    a.show("with an INPUT drop rule");
    let bypass = a
        .findings
        .iter()
        .find(|f| f.0 == "firewall-bypassed" && f.2 == "iptables-save")
        .unwrap_or_else(|| panic!("{:?}", a.findings));
    assert_eq!(bypass.1, "error");
    let suggested: Vec<&str> = bypass
        .4
        .lines()
        .filter(|l| l.starts_with("iptables -I DOCKER-USER"))
        .collect();
    assert_eq!(suggested.len(), 1, "{}", bypass.4);
    assert!(
        suggested[0].contains("--ctorigdstport 25432")
            && suggested[0].contains("! -s 192.168.0.0/16")
    );

    // 3. The DOCKER-USER rule the audit suggests: refused; the findings become notes.
    let args: Vec<&str> = suggested[0].split_whitespace().skip(1).collect();
    ok("iptables", &args);
    let mut delete: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    delete[0] = "-D".into();
    cleanup.rules.push(delete.clone());
    let r_user = reached(25432);
    println!(
        "reach: db 25432 with the suggested DOCKER-USER rule: {}",
        word(r_user)
    );
    assert!(!r_user);
    let r_user6 = reached6(25432);
    println!(
        "reach: db 25432 over IPv6 with it (docker-proxy serves [::]): {}",
        word(r_user6)
    );
    let a = audit(&dir, &["shop"]);
    a.show("with the suggested DOCKER-USER rule");
    let v4: Vec<_> = a
        .findings
        .iter()
        .filter(|f| !f.5.contains("[::]"))
        .collect();
    assert!(v4.iter().all(|f| f.1 == "info"), "{:?}", a.findings);
    assert!(
        a.rules().contains(&("host-port-exposed", "info"))
            && a.rules().contains(&("firewall-bypassed", "info"))
    );
    // [::] is served by docker-proxy (no ip6tables NAT in this engine): still reached, still
    // an error, whose help gives the ip6tables INPUT rule that does close it.
    let v6 = a
        .findings
        .iter()
        .find(|f| f.5.contains("[::]:25432"))
        .unwrap_or_else(|| panic!("{:?}", a.findings));
    assert_eq!(
        (v6.0.as_str(), v6.1.as_str()),
        ("host-port-exposed", "error")
    );
    assert!(r_user6);
    let v6_rule =
        v6.4.lines()
            .find(|l| l.starts_with("ip6tables -I INPUT"))
            .unwrap_or_else(|| panic!("{}", v6.4))
            .to_string();
    assert_eq!(
        v6_rule, "ip6tables -I INPUT -p tcp --dport 25432 -j DROP",
        "no trusted IPv6 network"
    );
    let v6_args: Vec<&str> = v6_rule.split(' ').skip(1).collect();
    ok("ip6tables", &v6_args);
    let r_input6 = reached6(25432);
    println!(
        "reach: db 25432 over IPv6 with `{v6_rule}`: {}",
        word(r_input6)
    );
    let a = audit(&dir, &["shop"]);
    a.show("with the DOCKER-USER rule and an ip6tables INPUT rule");
    let mut v6_del = v6_args.clone();
    v6_del[0] = "-D";
    ok("ip6tables", &v6_del);
    assert!(!r_input6);
    assert!(a.findings.iter().all(|f| f.1 == "info"), "{:?}", a.findings);
    assert_eq!(a.code, 0);
    let args: Vec<&str> = delete.iter().map(String::as_str).collect();
    ok("iptables", &args);
    cleanup.rules.pop();
    let del_input: Vec<String> = cleanup.rules.pop().unwrap();
    ok(
        "iptables",
        &del_input.iter().map(String::as_str).collect::<Vec<_>>(),
    );

    // 4. check --fix: the file is fixed, the host is not (drift) until `up -d`.
    let bin = env!("CARGO_BIN_EXE_composeguard");
    let fix = Command::new(bin)
        .args(["check", "--fix", "shop/compose.yaml", "--color", "never"])
        .current_dir(&dir)
        .output()
        .unwrap();
    println!("==== check --fix\n{}", String::from_utf8_lossy(&fix.stdout));
    assert!(
        std::fs::read_to_string(shop.join("compose.yaml"))
            .unwrap()
            .contains("127.0.0.1:25432:5432")
    );
    let a = audit(&dir, &["shop/compose.yaml"]);
    a.show("after check --fix, before up -d");
    assert!(
        a.rules().contains(&("host-drift", "warning")),
        "{:?}",
        a.findings
    );
    assert!(a.rules().contains(&("host-port-exposed", "error")));
    let r_stale = reached(25432);
    println!(
        "reach: db 25432 after check --fix, before up -d: {}",
        word(r_stale)
    );
    assert!(r_stale);
    up("cgshop", &shop);
    wait_listening(25432);
    let a = audit(&dir, &["shop/compose.yaml"]);
    a.show("after check --fix and up -d");
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    assert_eq!(a.code, 0);
    let r_after = reached(25432);
    println!("reach: db 25432 after the fix and up -d: {}", word(r_after));
    assert!(!r_after);

    // 5. A container started by hand.
    ok(
        "docker",
        &[
            "run",
            "-d",
            "--name",
            "cg-scratch-db",
            "-e",
            "POSTGRES_PASSWORD=x",
            "-v",
            "/var/lib/postgresql/data",
            "-p",
            "25433:5432",
            "cg-busybox:1",
            "busybox",
            "nc",
            "-ll",
            "-p",
            "5432",
            "-e",
            "/bin/echo",
            "postgres",
        ],
    );
    wait_listening(25433);
    let a = audit(&dir, &[]);
    a.show("with a docker run -p container");
    assert!(
        a.findings.iter().any(|f| f.0 == "host-unmanaged-exposed"
            && f.1 == "error"
            && f.2 == "container:cg-scratch-db"),
        "{:?}",
        a.findings
    );
    let r_scratch = reached(25433);
    println!("reach: docker run -p 25433: {}", word(r_scratch));
    assert!(r_scratch);
    ok("docker", &["rm", "-f", "cg-scratch-db"]);

    // 6. A network whose host_binding_ipv4 is 127.0.0.1: nothing to report, not reached.
    up("cglocal", &local);
    wait_listening(25434);
    let a = audit(&dir, &["local"]);
    a.show("a host_binding_ipv4 network");
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    let r_local = reached(25434);
    println!(
        "reach: host_binding_ipv4=127.0.0.1 network, port 25434: {}",
        word(r_local)
    );
    assert!(!r_local);

    // 7. A project whose file was deleted.
    up("cgold", &old);
    wait_listening(25435);
    std::fs::remove_file(old.join("compose.yaml")).unwrap();
    let a = audit(&dir, &[]);
    a.show("a project whose file was deleted");
    assert!(
        a.findings
            .iter()
            .any(|f| f.0 == "host-drift" && f.2.starts_with("container:cgold")),
        "{:?}",
        a.findings
    );
    assert!(
        a.findings
            .iter()
            .any(|f| f.0 == "host-port-exposed" && f.2.starts_with("container:cgold"))
    );
    assert!(reached(25435));

    println!("engine test took {:.1} s", started.elapsed().as_secs_f64());
    drop(cleanup);
    // Nothing left behind.
    assert!(!sh("ip", &["netns", "exec", NS, "true"]).status.success());
    let rules = ok("iptables", &["-S"]);
    assert!(!rules.contains("25432"), "{rules}");
}

fn word(reached: bool) -> &'static str {
    if reached { "reached" } else { "refused" }
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}
