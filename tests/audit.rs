//! `composeguard audit` as a program, against a stand-in engine on a unix socket that
//! answers with recorded Engine API responses (tests/audit_engine.rs uses a real one).

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::json;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_composeguard"));
    c.env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_TLS")
        .env_remove("DOCKER_CERT_PATH")
        .env("DOCKER_CONFIG", "/nonexistent-docker-config");
    c
}

/// Serves `answers` (path -> JSON) on a unix socket until `count` requests were answered;
/// returns the request lines it saw.
fn fake_engine(
    socket: &Path,
    count: usize,
    answers: Vec<(&'static str, serde_json::Value)>,
) -> (std::thread::JoinHandle<()>, Arc<Mutex<Vec<String>>>) {
    let listener = UnixListener::bind(socket).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let handle = std::thread::spawn(move || {
        for _ in 0..count {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut chunk).unwrap();
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let head = String::from_utf8_lossy(&buf).to_string();
            let line = head.lines().next().unwrap_or("").to_string();
            log.lock().unwrap().push(line.clone());
            let path = line.split(' ').nth(1).unwrap_or("");
            let body = answers
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, v)| v.to_string());
            let response = match body {
                // Chunked, as the engine answers lists.
                Some(b) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
                    b.len()
                ),
                None => {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 22\r\n\r\n{\"message\":\"missing\"}\n"
                        .to_string()
                }
            };
            let _ = s.write_all(response.as_bytes());
        }
    });
    (handle, seen)
}

fn recorded() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "/info",
            json!({"ServerVersion": "20.10.24", "SecurityOptions": ["name=seccomp,profile=default"]}),
        ),
        ("/containers/json", json!([{"Id": "abc123"}])),
        (
            "/containers/abc123/json",
            json!({
                "Id": "abc123",
                "Name": "/scratch-db",
                "Config": {
                    "Image": "cg-busybox:1",
                    "Env": ["POSTGRES_PASSWORD=hunter2", "PATH=/bin"],
                    "Cmd": ["busybox", "nc", "-ll", "-p", "5432", "-e", "/bin/echo", "hi"],
                    "Labels": {}
                },
                "Mounts": [{"Destination": "/var/lib/postgresql/data"}],
                "NetworkSettings": {
                    "Ports": {"5432/tcp": [{"HostIp": "0.0.0.0", "HostPort": "25432"}]},
                    "Networks": {"bridge": {}}
                }
            }),
        ),
        ("/networks", json!([{"Name": "bridge", "Options": {}}])),
    ]
}

#[test]
fn a_container_published_on_every_interface_is_reported_from_get_requests_only() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("engine.sock");
    let (server, seen) = fake_engine(&socket, 4, recorded());
    let out = bin()
        .args([
            "audit",
            "--no-firewall",
            "--output-format",
            "concise",
            "--host",
        ])
        .arg(format!("unix://{}", socket.display()))
        .current_dir(dir.path())
        .output()
        .unwrap();
    server.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("container:scratch-db:2:3: error host-unmanaged-exposed PostgreSQL"),
        "{stdout}"
    );
    assert!(!stdout.contains("hunter2") && !stderr.contains("hunter2"));
    assert!(stderr.contains("Docker 20.10.24"), "{stderr}");
    assert!(
        stderr.contains("iptables-save: could not be read (--no-firewall)"),
        "{stderr}"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter()
            .all(|l| l.starts_with("GET /") && l.ends_with(" HTTP/1.1")),
        "{seen:?}"
    );
}

#[test]
fn the_configuration_ignores_and_regrades_host_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("composeguard.toml"),
        "[severity]\nhost-unmanaged-exposed = \"warning\"\n",
    )
    .unwrap();
    let socket = dir.path().join("engine.sock");
    let (server, _) = fake_engine(&socket, 4, recorded());
    let out = bin()
        .args([
            "audit",
            "--no-firewall",
            "--output-format",
            "json",
            "--fail-on",
            "error",
            "--host",
        ])
        .arg(format!("unix://{}", socket.display()))
        .current_dir(dir.path())
        .output()
        .unwrap();
    server.join().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["severity"], "warning");
    assert_eq!(out.status.code(), Some(0));

    let socket = dir.path().join("engine2.sock");
    let (server, _) = fake_engine(&socket, 4, recorded());
    let out = bin()
        .args(["audit", "--no-firewall", "--ignore", "host", "--host"])
        .arg(format!("unix://{}", socket.display()))
        .current_dir(dir.path())
        .output()
        .unwrap();
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No exposure found"));
}

#[test]
fn an_engine_that_cannot_be_read_is_an_error_and_ssh_is_refused_clearly() {
    let out = bin()
        .args(["audit", "--host", "unix:///nonexistent/docker.sock"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read the Docker engine"), "{stderr}");

    let out = bin()
        .arg("audit")
        .env("DOCKER_HOST", "ssh://me@engine.lan")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // TLS engines: tests/audit_tls.rs.
    assert!(
        stderr.contains("ssh") && stderr.contains("not supported yet"),
        "{stderr}"
    );
}

#[test]
fn host_rules_are_listed_and_documented() {
    let out = bin().arg("rules").output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    for id in [
        "host-port-exposed",
        "host-drift",
        "host-unmanaged-exposed",
        "firewall-bypassed",
    ] {
        assert!(
            list.lines()
                .any(|l| l.starts_with(id) && l.contains("host")),
            "{id}: {list}"
        );
        let doc = bin().args(["rule", id]).output().unwrap();
        assert!(String::from_utf8_lossy(&doc.stdout).contains("composeguard audit"));
    }
}
