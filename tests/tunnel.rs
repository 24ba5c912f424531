//! `composeguard tunnel` through the binary: the generated commands (offsets, collisions, jump
//! host, ssh-config, autossh, IPv6, UDP, ranges, exposed ports, errors), then end to end: a
//! real OpenSSH server on 127.0.0.1, the generated command started, bytes sent through the
//! forward to an echo service and read back.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn composeguard() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_composeguard"));
    cmd.env_remove("NO_COLOR");
    cmd
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `composeguard tunnel PATH ARGS...`.
fn tunnel(path: &Path, args: &[&str]) -> Out {
    let out = composeguard()
        .arg("tunnel")
        .arg(path)
        .args(args)
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A folder holding `compose.yaml` with this text.
fn project(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    dir
}

/// `services:` with one service per `(name, port entry)`.
fn services(entries: &[(&str, &str)]) -> String {
    let mut text = String::from("services:\n");
    for (name, port) in entries {
        text.push_str(&format!(
            "  {name}:\n    image: example/{name}\n    ports:\n      - \"{port}\"\n"
        ));
    }
    text
}

/// The command: the last line that is not a comment.
fn command(stdout: &str) -> &str {
    stdout
        .lines()
        .rev()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .unwrap_or_else(|| panic!("no command in {stdout:?}"))
}

/// The local ports of the `-L` forwards, in order.
fn local_ports(line: &str) -> Vec<String> {
    let words = shell_words(line);
    words
        .windows(2)
        .filter(|w| w[0] == "-L")
        .map(|w| w[1].clone())
        .collect()
}

/// Splits a command line as sh does for what the generator emits: plain words and
/// single-quoted words.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quote in {line:?}");
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn one_ssh_command_forwards_every_loopback_service() {
    let dir = project(&services(&[
        ("db", "127.0.0.1:5432:5432"),
        ("cache", "127.0.0.1:6379:6379"),
    ]));
    let out = tunnel(dir.path(), &["--host", "user@server"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        "# db: localhost:15432 -> 127.0.0.1:5432\n\
         # cache: localhost:16379 -> 127.0.0.1:6379\n\
         ssh -N -L 15432:127.0.0.1:5432 -L 16379:127.0.0.1:6379 user@server\n"
    );
    // The default path is the current folder, searched as `check` does.
    let out = composeguard()
        .current_dir(dir.path())
        .args(["tunnel", "--host", "server"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .ends_with("ssh -N -L 15432:127.0.0.1:5432 -L 16379:127.0.0.1:6379 server\n")
    );
}

#[test]
fn offsets_move_local_ports_and_wrap_above_65535() {
    let dir = project(&services(&[
        ("db", "127.0.0.1:5432:5432"),
        ("high", "127.0.0.1:60000:60000"),
    ]));
    let out = tunnel(dir.path(), &["--host", "me@srv"]);
    assert_eq!(
        command(&out.stdout),
        "ssh -N -L 15432:127.0.0.1:5432 -L 50000:127.0.0.1:60000 me@srv"
    );
    let out = tunnel(dir.path(), &["--host", "me@srv", "--offset", "20000"]);
    assert_eq!(
        local_ports(command(&out.stdout)),
        ["25432:127.0.0.1:5432", "40000:127.0.0.1:60000"]
    );
    let out = tunnel(dir.path(), &["--host", "me@srv", "--offset", "0"]);
    assert_eq!(
        local_ports(command(&out.stdout)),
        ["5432:127.0.0.1:5432", "60000:127.0.0.1:60000"]
    );
    // remote + offset is above 65535 and remote - offset below 1024: wrapped from 1024.
    let dir = project(&services(&[("small", "127.0.0.1:600:600")]));
    let out = tunnel(dir.path(), &["--host", "me@srv", "--offset", "65000"]);
    assert_eq!(local_ports(command(&out.stdout)), ["1088:127.0.0.1:600"]);
    // A privileged local port is allowed, and said.
    let dir = project(&services(&[("web", "127.0.0.1:80:80")]));
    let out = tunnel(dir.path(), &["--host", "me@srv", "--offset", "0"]);
    assert_eq!(local_ports(command(&out.stdout)), ["80:127.0.0.1:80"]);
    assert!(
        out.stdout
            .contains("# note: local ports below 1024 need root")
    );
    assert_eq!(
        tunnel(dir.path(), &["--host", "s", "--offset", "70000"]).code,
        2
    );
}

#[test]
fn colliding_local_ports_take_the_next_free_one() {
    let dir = project(&services(&[
        ("a", "127.0.0.1:5432:5432"),
        ("b", "127.0.0.2:5432:5432"),
        ("c", "127.0.0.1:5433:5433"),
        ("d", "127.0.0.1:15432:80"),
    ]));
    let out = tunnel(dir.path(), &["--host", "srv"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        local_ports(command(&out.stdout)),
        [
            "15432:127.0.0.1:5432",
            "15433:127.0.0.2:5432",
            "15434:127.0.0.1:5433",
            "25432:127.0.0.1:15432",
        ]
    );
    assert!(
        out.stdout
            .contains("# b: localhost:15433 -> 127.0.0.2:5432\n")
    );
    // With --offset 0 the published ports themselves collide only on the same number.
    let out = tunnel(dir.path(), &["--host", "srv", "--offset", "0"]);
    assert_eq!(
        local_ports(command(&out.stdout)),
        [
            "5432:127.0.0.1:5432",
            "5433:127.0.0.2:5432",
            "5434:127.0.0.1:5433",
            "15432:127.0.0.1:15432",
        ]
    );
}

#[test]
fn the_same_port_in_two_projects_is_one_forward() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(
            dir.path().join(sub).join("compose.yaml"),
            services(&[("db", "127.0.0.1:5432:5432")]),
        )
        .unwrap();
    }
    let out = composeguard()
        .current_dir(dir.path())
        .args(["tunnel", "a", "b", "--host", "srv"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "# db (a/compose.yaml), db (b/compose.yaml): localhost:15432 -> 127.0.0.1:5432\n\
         ssh -N -L 15432:127.0.0.1:5432 srv\n"
    );
}

#[test]
fn jump_host_port_and_ssh_options() {
    let dir = project(&services(&[("db", "127.0.0.1:5432:5432")]));
    let out = tunnel(
        dir.path(),
        &[
            "--host",
            "deploy@db.internal",
            "--port",
            "2222",
            "-J",
            "admin@bastion.example.com:2200",
            "--ssh-option",
            "IdentityFile=~/.ssh/id_deploy",
            "-o",
            "ProxyCommand=nc %h %p",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        command(&out.stdout),
        "ssh -N -p 2222 -J admin@bastion.example.com:2200 -o 'IdentityFile=~/.ssh/id_deploy' \
         -o 'ProxyCommand=nc %h %p' -L 15432:127.0.0.1:5432 deploy@db.internal"
    );
    let out = tunnel(dir.path(), &["--host", "srv", "--jump", "bastion"]);
    assert_eq!(
        command(&out.stdout),
        "ssh -N -J bastion -L 15432:127.0.0.1:5432 srv"
    );
}

#[test]
fn ssh_config_block() {
    let dir = project(&services(&[
        ("db", "127.0.0.1:5432:5432"),
        ("cache", "127.0.0.1:6379:6379"),
    ]));
    let out = tunnel(
        dir.path(),
        &[
            "--host",
            "deploy@db.example.com",
            "--format",
            "ssh-config",
            "--port",
            "2222",
            "--jump",
            "admin@bastion",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "# Add to ~/.ssh/config, then run: ssh -N db.example.com-tunnel\n\
         Host db.example.com-tunnel\n\
        \x20   HostName db.example.com\n\
        \x20   User deploy\n\
        \x20   Port 2222\n\
        \x20   ProxyJump admin@bastion\n\
        \x20   # db: localhost:15432 -> 127.0.0.1:5432\n\
        \x20   LocalForward 15432 127.0.0.1:5432\n\
        \x20   # cache: localhost:16379 -> 127.0.0.1:6379\n\
        \x20   LocalForward 16379 127.0.0.1:6379\n\
        \x20   ServerAliveInterval 30\n\
        \x20   ServerAliveCountMax 3\n\
        \x20   ExitOnForwardFailure yes\n"
    );
    let out = tunnel(
        dir.path(),
        &[
            "--host",
            "srv",
            "--format",
            "ssh-config",
            "--alias",
            "prod-db",
            "-o",
            "ServerAliveInterval=60",
        ],
    );
    assert!(
        out.stdout
            .contains("Host prod-db\n    HostName srv\n    ServerAliveInterval 60\n")
    );
    assert!(!out.stdout.contains("User "));
    assert_eq!(out.stdout.matches("ServerAliveInterval").count(), 1);
    assert_eq!(
        tunnel(
            dir.path(),
            &["--host", "s", "--format", "ssh-config", "--alias", "db*"]
        )
        .code,
        2
    );
}

#[test]
fn ssh_reads_the_config_block_as_written() {
    let Some(ssh) = find_tool("ssh") else {
        return skip("ssh is not installed: the ssh-config block is not checked with `ssh -G`");
    };
    let dir = project(&services(&[
        ("db", "127.0.0.1:5432:5432"),
        ("v6", "[::1]:6379:6379"),
    ]));
    let out = tunnel(
        dir.path(),
        &[
            "--host",
            "deploy@db.example.com",
            "--format",
            "ssh-config",
            "--port",
            "2222",
            "-J",
            "admin@bastion",
        ],
    );
    let config = dir.path().join("ssh_config");
    std::fs::write(&config, &out.stdout).unwrap();
    let shown = StdCommand::new(ssh)
        .arg("-G")
        .arg("-F")
        .arg(&config)
        .arg("db.example.com-tunnel")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(shown.status.success(), "{shown:?}");
    let shown = String::from_utf8_lossy(&shown.stdout).to_lowercase();
    for line in [
        "hostname db.example.com",
        "user deploy",
        "port 2222",
        "proxyjump admin@bastion",
        "localforward 15432 [127.0.0.1]:5432",
        "localforward 16379 [::1]:6379",
        "serveraliveinterval 30",
        "serveralivecountmax 3",
        "exitonforwardfailure yes",
    ] {
        assert!(shown.lines().any(|l| l == line), "{line} not in {shown}");
    }
}

#[test]
fn autossh_command() {
    let dir = project(&services(&[
        ("db", "127.0.0.1:5432:5432"),
        ("cache", "127.0.0.1:6379:6379"),
    ]));
    let out = tunnel(
        dir.path(),
        &["--host", "user@server", "--format", "autossh"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        command(&out.stdout),
        "autossh -M 0 -N -o ServerAliveInterval=30 -o ServerAliveCountMax=3 \
         -o ExitOnForwardFailure=yes -L 15432:127.0.0.1:5432 -L 16379:127.0.0.1:6379 user@server"
    );
    assert!(
        out.stdout
            .starts_with("# db: localhost:15432 -> 127.0.0.1:5432\n")
    );
    let out = tunnel(
        dir.path(),
        &[
            "--host",
            "user@server",
            "--format",
            "autossh",
            "-J",
            "bastion",
            "-o",
            "serveraliveinterval=10",
        ],
    );
    assert_eq!(
        command(&out.stdout),
        "autossh -M 0 -N -o ServerAliveCountMax=3 -o ExitOnForwardFailure=yes -J bastion \
         -o serveraliveinterval=10 -L 15432:127.0.0.1:5432 -L 16379:127.0.0.1:6379 user@server"
    );
}

#[test]
fn ipv6_loopback_is_bracketed() {
    let text = "services:\n  db:\n    image: postgres\n    ports:\n      - \"[::1]:5432:5432\"\n      - \"::1:5433:5432\"\n  cache:\n    image: redis\n    ports:\n      - target: 6379\n        published: \"6379\"\n        host_ip: \"::1\"\n";
    let dir = project(text);
    let out = tunnel(dir.path(), &["--host", "root@[2001:db8::1]"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        command(&out.stdout),
        "ssh -N -L '15432:[::1]:5432' -L '15433:[::1]:5433' -L '16379:[::1]:6379' root@2001:db8::1"
    );
    assert!(out.stdout.contains("# db: localhost:15432 -> [::1]:5432\n"));
    let out = tunnel(dir.path(), &["--host", "srv", "--format", "ssh-config"]);
    assert!(out.stdout.contains("    LocalForward 15432 [::1]:5432\n"));
    assert!(out.stdout.contains("    LocalForward 16379 [::1]:6379\n"));
}

#[test]
fn udp_and_random_ports_are_skipped_with_the_reason() {
    let dir = project(&services(&[
        ("dns", "127.0.0.1:5353:5353/udp"),
        ("db", "127.0.0.1:5432:5432"),
        ("any", "127.0.0.1::8080"),
        ("lan", "10.1.2.3:9000:9000"),
    ]));
    let out = tunnel(dir.path(), &["--host", "srv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "# skipped dns: 5353/udp: UDP cannot be forwarded: ssh -L forwards TCP only\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("# skipped any: 8080 (random host port): Docker picks the host port")
    );
    assert!(out.stdout.contains("`docker compose port any 8080`"));
    assert!(
        out.stdout
            .contains("# skipped lan: 9000: bound to 10.1.2.3, not a loopback address")
    );
    assert_eq!(command(&out.stdout), "ssh -N -L 15432:127.0.0.1:5432 srv");
    // Only UDP: nothing to tunnel, said on stderr, exit 0.
    let dir = project(&services(&[("dns", "127.0.0.1:53:53/udp")]));
    let out = tunnel(dir.path(), &["--host", "srv"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("note: dns: 53/udp: UDP cannot be forwarded")
    );
    assert!(out.stderr.contains("nothing to tunnel"));
}

#[test]
fn ranges_give_one_forward_per_port_up_to_64() {
    let dir = project(&services(&[
        ("small", "127.0.0.1:8000-8002:8000-8002"),
        ("big", "127.0.0.1:9100-9199:9100-9199"),
        ("pick", "127.0.0.1:7000-7002:80"),
    ]));
    let out = tunnel(dir.path(), &["--host", "srv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let forwards = local_ports(command(&out.stdout));
    assert_eq!(forwards.len(), 3 + 64 + 3);
    assert_eq!(
        forwards[..3],
        [
            "18000:127.0.0.1:8000",
            "18001:127.0.0.1:8001",
            "18002:127.0.0.1:8002"
        ]
    );
    assert_eq!(forwards[3], "19100:127.0.0.1:9100");
    assert_eq!(forwards[66], "19163:127.0.0.1:9163");
    assert!(
        out.stdout
            .contains("# small: localhost:18000-18002 -> 127.0.0.1:8000-8002 (range 8000-8002)\n")
    );
    assert!(out.stdout.contains(
        "# skipped big: 9164-9199: the range 9100-9199 has 100 ports and at most 64 are forwarded"
    ));
    assert!(out.stdout.contains(
        "# pick: localhost:17000-17002 -> 127.0.0.1:7000-7002 (Docker publishes one port of 7000-7002)\n"
    ));
}

#[test]
fn network_host_binding_ipv4_counts_as_the_host_ip() {
    let text = "services:\n  db:\n    image: postgres\n    networks: [lo]\n    ports: [\"5432:5432\"]\n  lan:\n    image: redis\n    networks: [lan]\n    ports: [\"6379:6379\"]\nnetworks:\n  lo:\n    driver_opts:\n      com.docker.network.bridge.host_binding_ipv4: \"127.0.0.1\"\n  lan:\n    driver_opts:\n      com.docker.network.bridge.host_binding_ipv4: \"10.0.0.1\"\n";
    let dir = project(text);
    let out = tunnel(dir.path(), &["--host", "srv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(command(&out.stdout), "ssh -N -L 15432:127.0.0.1:5432 srv");
    assert!(out.stdout.contains(
        "# skipped lan: 6379: bound to 10.0.0.1 (the network's host_binding_ipv4), not a loopback address"
    ));
}

#[test]
fn services_on_every_interface_are_reported_with_a_pointer_to_check_fix() {
    let dir = project(&services(&[
        ("web", "8080:80"),
        ("db", "0.0.0.0:5432:5432"),
    ]));
    let out = tunnel(dir.path(), &["--host", "srv"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("warning: compose.yaml: service `web` publishes 8080->80 on every interface")
            || out
                .stderr
                .contains("service `web` publishes 8080->80 on every interface")
    );
    assert!(
        out.stderr
            .contains("service `db` publishes 5432 on every interface")
    );
    assert!(out.stderr.contains("composeguard check --fix"));
    assert!(out.stderr.contains(
        "no service is published on a loopback address in 1 compose project(s); nothing to tunnel"
    ));
    // Mixed: the command on stdout, the warning on stderr.
    let dir = project(&services(&[
        ("web", "8080:80"),
        ("db", "127.0.0.1:5432:5432"),
    ]));
    let out = tunnel(dir.path(), &["--host", "srv"]);
    assert_eq!(out.code, 0);
    assert_eq!(command(&out.stdout), "ssh -N -L 15432:127.0.0.1:5432 srv");
    assert!(
        out.stderr
            .contains("`web` publishes 8080->80 on every interface")
    );
    assert!(!out.stdout.contains("web"));
}

#[test]
fn no_ports_at_all_says_so_and_exits_0() {
    let dir = project("services:\n  app:\n    image: alpine\n");
    let out = tunnel(dir.path(), &["--host", "srv"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("nothing to tunnel"), "{}", out.stderr);
    // network_mode: host ignores ports: skipped, not forwarded.
    let dir = project(
        "services:\n  app:\n    image: alpine\n    network_mode: host\n    ports: [\"127.0.0.1:80:80\"]\n",
    );
    let out = tunnel(dir.path(), &["--host", "srv"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr
            .contains("`network_mode: host`: Docker ignores `ports:`")
    );
}

#[test]
fn unreadable_or_invalid_files_exit_2_and_the_others_are_still_used() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    let broken = dir.path().join("broken.yaml");
    let invalid = dir.path().join("invalid.yaml");
    std::fs::write(&good, services(&[("db", "127.0.0.1:5432:5432")])).unwrap();
    std::fs::write(&broken, "services:\n  db: [\n").unwrap();
    std::fs::write(
        &invalid,
        "services:\n  cache:\n    image: redis\n    ports:\n      - \"127.0.0.1:6379:6379\"\n      - \"127.0.0.1:99999:1\"\n",
    )
    .unwrap();
    let out = composeguard()
        .arg("tunnel")
        .args([&broken, &good, &invalid, &dir.path().join("missing.yaml")])
        .args(["--host", "srv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("broken.yaml:2:7: error:"), "{stderr}");
    assert!(stderr.contains("invalid.yaml:6:"), "{stderr}");
    assert!(stderr.contains("missing.yaml"), "{stderr}");
    // The valid entries of the files that load are still forwarded.
    assert_eq!(
        command(&stdout),
        "ssh -N -L 15432:127.0.0.1:5432 -L 16379:127.0.0.1:6379 srv"
    );
}

#[test]
fn bad_arguments_exit_2() {
    let dir = project(&services(&[("db", "127.0.0.1:5432:5432")]));
    for args in [
        &["--host", ""][..],
        &["--host", "user@server:2222"],
        &["--host=-oProxyCommand=touch /tmp/x"],
        &["--host", "user@ser ver"],
        &["--host", "srv", "--jump=-oProxyCommand=x"],
        &["--host", "srv", "--ssh-option", "NoValue"],
        &["--host", "srv", "--port", "0"],
        &["--host", "srv", "--format", "putty"],
        &[],
    ] {
        let out = tunnel(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
    }
    assert!(
        tunnel(dir.path(), &["--host", "user@server:2222"])
            .stderr
            .contains("--port 2222")
    );
}

// ---------------------------------------------------------------------------------------
// End to end: a real sshd on 127.0.0.1, the generated command, bytes through the forward.
// ---------------------------------------------------------------------------------------

const WAIT: Duration = Duration::from_secs(10);

fn require_oracle() -> bool {
    std::env::var("COMPOSEGUARD_REQUIRE_ORACLE").is_ok_and(|v| v == "1")
}

/// Prints why a test did nothing (or fails when the oracle is required).
fn skip(why: &str) {
    if require_oracle() {
        panic!("{why} (COMPOSEGUARD_REQUIRE_ORACLE=1)");
    }
    println!("SKIPPED: {why}");
    eprintln!("SKIPPED: {why}");
}

/// A program on PATH or in the sbin folders (sshd is not on a user's PATH on Debian).
fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(&p).ok().or(Some(p)))
}

/// A child process that is killed and reaped when the guard goes.
struct Reaped {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Reaped {
    fn spawn(name: &'static str, cmd: &mut StdCommand, log: PathBuf) -> Reaped {
        let file = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Reaped { name, child, log }
    }

    /// Panics with the log when the process has ended.
    fn check_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!(
                "{} exited early ({status}):\n{}",
                self.name,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now (the listener is closed before returning).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `port` accepts a connection, checking the processes are still alive.
fn wait_for_port(port: u16, watch: &mut [&mut Reaped]) -> TcpStream {
    let deadline = Instant::now() + WAIT;
    loop {
        for p in watch.iter_mut() {
            p.check_running();
        }
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
            return stream;
        }
        if Instant::now() > deadline {
            let logs: Vec<String> = watch
                .iter()
                .map(|p| format!("--- {}:\n{}", p.name, p.log()))
                .collect();
            panic!(
                "127.0.0.1:{port} did not accept within {WAIT:?}\n{}",
                logs.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A TCP echo service on a loopback port; its thread lives as long as the test process.
fn echo_service() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if stream.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    port
}

/// Sends `payload` through `stream` and reads the same bytes back.
fn round_trip(mut stream: TcpStream, payload: &[u8]) {
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.set_write_timeout(Some(WAIT)).unwrap();
    let reader = {
        let mut stream = stream.try_clone().unwrap();
        let len = payload.len();
        std::thread::spawn(move || {
            let mut back = vec![0u8; len];
            stream.read_exact(&mut back).map(|_| back)
        })
    };
    stream.write_all(payload).unwrap();
    let back = reader
        .join()
        .unwrap()
        .expect("reading the echo back through the tunnel");
    assert!(back == payload, "the echo differs from what was sent");
    let _ = stream.shutdown(Shutdown::Both);
}

fn run_ok(cmd: &mut StdCommand) {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {out:?}");
}

fn current_user() -> String {
    let out = StdCommand::new("id").arg("-un").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// An sshd on 127.0.0.1 with throwaway keys: the guard, its port, the user key.
struct Server {
    sshd: Reaped,
    port: u16,
    key: PathBuf,
}

impl Drop for Server {
    /// Lets sshd reap its per-connection processes (they end when the client is gone) before
    /// the guard kills it, so none is left orphaned.
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while children_of(self.sshd.child.id()) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// How many processes have `pid` as their parent (Linux /proc; 0 elsewhere).
fn children_of(pid: u32) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid ...: comm may hold spaces, so read after the last `)`.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .is_some_and(|ppid| ppid == pid.to_string())
        })
        .count()
}

/// Starts sshd, or says why it cannot run here (no privilege separation folder when not root,
/// a port taken three times ...).
fn start_sshd(sshd: &Path, keygen: &Path, dir: &Path) -> Result<Server, String> {
    let host_key = dir.join("host_ed25519");
    let key = dir.join("id_ed25519");
    for k in [&host_key, &key] {
        run_ok(
            StdCommand::new(keygen)
                .args([
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    "composeguard-test",
                    "-f",
                ])
                .arg(k),
        );
    }
    let authorized = dir.join("authorized_keys");
    std::fs::copy(key.with_extension("pub"), &authorized).unwrap();
    // The privilege separation folder sshd insists on.
    let _ = std::fs::create_dir_all("/run/sshd");
    let mut last_log = String::new();
    for attempt in 0..3 {
        let port = free_port();
        let config = dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "ListenAddress 127.0.0.1\n\
                 Port {port}\n\
                 HostKey {host}\n\
                 PidFile {pid}\n\
                 AuthorizedKeysFile {authorized}\n\
                 PubkeyAuthentication yes\n\
                 PasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\n\
                 StrictModes no\n\
                 UsePAM no\n\
                 AllowTcpForwarding yes\n\
                 PermitOpen any\n\
                 X11Forwarding no\n\
                 PrintMotd no\n\
                 LogLevel VERBOSE\n",
                host = host_key.display(),
                pid = dir.join("sshd.pid").display(),
                authorized = authorized.display(),
            ),
        )
        .unwrap();
        let test = StdCommand::new(sshd)
            .arg("-t")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        if !test.status.success() {
            return Err(format!(
                "`sshd -t` rejects the test configuration: {}",
                String::from_utf8_lossy(&test.stderr).trim()
            ));
        }
        let mut guard = Reaped::spawn(
            "sshd",
            StdCommand::new(sshd)
                .arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(&config),
            dir.join(format!("sshd.{attempt}.log")),
        );
        let deadline = Instant::now() + WAIT;
        loop {
            if guard.child.try_wait().unwrap().is_some() {
                // Most likely the port was taken in between: try another one.
                last_log = guard.log();
                break;
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(Server {
                    sshd: guard,
                    port,
                    key,
                });
            }
            assert!(
                Instant::now() < deadline,
                "sshd did not listen within {WAIT:?}:\n{}",
                guard.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Err(format!("sshd did not start:\n{last_log}"))
}

/// An offset that makes the echo port's forward land on a free local port above it.
fn offset_to_free_port(remote: u16) -> (u16, u16) {
    for _ in 0..200 {
        let local = free_port();
        if local > remote {
            return (local - remote, local);
        }
    }
    panic!("no free local port above {remote}");
}

#[test]
fn end_to_end_through_a_real_sshd() {
    let (Some(sshd), Some(ssh), Some(keygen)) =
        (find_tool("sshd"), find_tool("ssh"), find_tool("ssh-keygen"))
    else {
        return skip(
            "sshd, ssh or ssh-keygen is missing (apt-get install openssh-server openssh-client): \
             the end-to-end tunnel test did not run",
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let echo = echo_service();
    let mut server = match start_sshd(&sshd, &keygen, dir.path()) {
        Ok(server) => server,
        Err(why) => return skip(&format!("{why}: the end-to-end tunnel test did not run")),
    };
    let user = current_user();
    let compose = dir.path().join("project");
    std::fs::create_dir(&compose).unwrap();
    std::fs::write(
        compose.join("compose.yaml"),
        format!(
            "services:\n  echo:\n    image: alpine/socat\n    ports:\n      - \"127.0.0.1:{echo}:7\"\n  public:\n    image: nginx\n    ports:\n      - \"8080:80\"\n"
        ),
    )
    .unwrap();
    let host = format!("{user}@127.0.0.1");
    let port = server.port.to_string();
    let test_options = [
        "-F",
        "/dev/null",
        "-i",
        &server.key.display().to_string(),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
    ]
    .map(String::from);

    // 1. The default format: one ssh command, started with the test's options inserted.
    let (offset, local) = offset_to_free_port(echo);
    let out = tunnel(
        &compose,
        &[
            "--host",
            &host,
            "--port",
            &port,
            "--offset",
            &offset.to_string(),
            "--ssh-option",
            "ExitOnForwardFailure=yes",
            "--ssh-option",
            "ConnectTimeout=5",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`public` publishes 8080->80 on every interface")
    );
    let line = command(&out.stdout);
    assert_eq!(
        line,
        format!(
            "ssh -N -p {port} -o ExitOnForwardFailure=yes -o ConnectTimeout=5 -L {local}:127.0.0.1:{echo} {host}"
        )
    );
    let words = shell_words(line);
    assert_eq!(words[0], "ssh");
    let mut cmd = StdCommand::new(&ssh);
    cmd.args(&test_options).args(&words[1..]);
    {
        let mut client = Reaped::spawn("ssh", &mut cmd, dir.path().join("ssh.log"));
        let stream = wait_for_port(local, &mut [&mut client, &mut server.sshd]);
        round_trip(stream, b"hello through the tunnel\n");
        let big: Vec<u8> = (0..256 * 1024).map(|i| (i * 7 % 251) as u8).collect();
        round_trip(TcpStream::connect(("127.0.0.1", local)).unwrap(), &big);
        client.check_running();
    }

    // 2. The ssh-config block, written to a file and used with `ssh -F FILE -N ALIAS`.
    let (offset, local) = offset_to_free_port(echo);
    let key = format!("IdentityFile={}", server.key.display());
    let out = tunnel(
        &compose,
        &[
            "--host",
            &host,
            "--port",
            &port,
            "--offset",
            &offset.to_string(),
            "--format",
            "ssh-config",
            "--alias",
            "e2e",
            "-o",
            &key,
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("    LocalForward {local} 127.0.0.1:{echo}\n")),
        "{}",
        out.stdout
    );
    let config = dir.path().join("ssh_config");
    std::fs::write(&config, &out.stdout).unwrap();
    let mut cmd = StdCommand::new(&ssh);
    cmd.arg("-F").arg(&config).args(["-N", "e2e"]);
    let mut client = Reaped::spawn("ssh (config)", &mut cmd, dir.path().join("ssh2.log"));
    let stream = wait_for_port(local, &mut [&mut client, &mut server.sshd]);
    round_trip(stream, b"and through the config block\n");
    client.check_running();
    drop(client);
    drop(server);
}
