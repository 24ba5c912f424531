//! `composeguard audit` over TLS, against a stand-in engine on 127.0.0.1: a rustls server
//! that, like `dockerd --tlsverify`, requires a client certificate of its CA and answers
//! recorded Engine API responses. The certificates are made at test time with `openssl`
//! (Debian's package): a CA, a server certificate for 127.0.0.1/localhost, a client
//! certificate (an RSA key in the traditional `RSA PRIVATE KEY` form, as Docker's guide makes
//! it), and a second CA with a server certificate of its own.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use serde_json::json;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_composeguard"));
    for var in [
        "DOCKER_HOST",
        "DOCKER_CONTEXT",
        "DOCKER_TLS_VERIFY",
        "DOCKER_TLS",
        "DOCKER_CERT_PATH",
    ] {
        c.env_remove(var);
    }
    c.env("DOCKER_CONFIG", "/nonexistent-docker-config");
    c.args(["audit", "--no-firewall", "--output-format", "concise"]);
    c
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("`openssl` (Debian's openssl package) makes this test's certificates");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The certificates, in one folder: `certs/` is a DOCKER_CERT_PATH (ca.pem, cert.pem,
/// key.pem); `server-*.pem` and `other-*.pem` are the stand-in's.
fn make_pki() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("certs")).unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    for ca in ["ca", "other-ca"] {
        let subject = format!("/CN=composeguard test {ca}");
        let (key, cert) = (format!("{ca}-key.pem"), format!("{ca}.pem"));
        let mut args = vec!["req", "-x509", "-nodes", "-days", "2", "-subj", &subject];
        args.extend(ec);
        args.extend([
            "-keyout",
            &key,
            "-out",
            &cert,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(d, &args);
    }
    std::fs::write(
        d.join("server.ext"),
        "subjectAltName = DNS:localhost,IP:127.0.0.1\nextendedKeyUsage = serverAuth\n",
    )
    .unwrap();
    std::fs::write(d.join("client.ext"), "extendedKeyUsage = clientAuth\n").unwrap();
    let mut args = vec!["req", "-new", "-nodes", "-subj", "/CN=localhost"];
    args.extend(ec);
    args.extend(["-keyout", "server-key.pem", "-out", "server.csr"]);
    openssl(d, &args);
    openssl(
        d,
        &["genrsa", "-traditional", "-out", "certs/key.pem", "2048"],
    );
    openssl(
        d,
        &[
            "req",
            "-new",
            "-key",
            "certs/key.pem",
            "-subj",
            "/CN=client",
            "-out",
            "client.csr",
        ],
    );
    for (csr, ca, ext, out, serial) in [
        ("server.csr", "ca", "server.ext", "server-cert.pem", "1"),
        (
            "server.csr",
            "other-ca",
            "server.ext",
            "other-server-cert.pem",
            "2",
        ),
        ("client.csr", "ca", "client.ext", "certs/cert.pem", "3"),
    ] {
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                csr,
                "-CA",
                &format!("{ca}.pem"),
                "-CAkey",
                &format!("{ca}-key.pem"),
                "-set_serial",
                serial,
                "-days",
                "2",
                "-extfile",
                ext,
                "-out",
                out,
            ],
        );
    }
    std::fs::copy(d.join("ca.pem"), d.join("certs/ca.pem")).unwrap();
    tmp
}

/// The stand-in's TLS: `server_cert` (signed by `ca.pem` or by `other-ca.pem`), and a client
/// certificate of `ca.pem` required, as `dockerd --tlsverify` requires one.
fn server_config(pki: &Path, server_cert: &str) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(pki.join("ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let certs = CertificateDer::pem_file_iter(pki.join(server_cert))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(pki.join("server-key.pem")).unwrap();
    Arc::new(
        ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs, key)
            .unwrap(),
    )
}

fn recorded() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "/info",
            json!({"ServerVersion": "27.5.1", "SecurityOptions": []}),
        ),
        ("/containers/json", json!([{"Id": "abc123"}])),
        (
            "/containers/abc123/json",
            json!({
                "Id": "abc123",
                "Name": "/remote-db",
                "Config": {
                    "Image": "postgres:16",
                    "Env": ["POSTGRES_PASSWORD=hunter2"],
                    "Labels": {}
                },
                "Mounts": [{"Destination": "/var/lib/postgresql/data"}],
                "NetworkSettings": {
                    "Ports": {"5432/tcp": [{"HostIp": "0.0.0.0", "HostPort": "5432"}]},
                    "Networks": {"bridge": {}}
                }
            }),
        ),
        ("/networks", json!([{"Name": "bridge", "Options": {}}])),
    ]
}

/// Serves up to `count` connections on 127.0.0.1 (or until 30 s pass); returns the port and
/// what each connection was: its request line, or the error that ended it.
fn tls_engine(
    config: Arc<ServerConfig>,
    count: usize,
) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        while seen.len() < count && Instant::now() < deadline {
            match listener.accept() {
                Ok((tcp, _)) => {
                    tcp.set_nonblocking(false).unwrap();
                    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    seen.push(serve_one(tcp, &config).unwrap_or_else(|e| format!("error: {e}")));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
        seen
    });
    (port, handle)
}

fn read_head(stream: &mut impl Read) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).to_string())
}

fn serve_one(mut tcp: TcpStream, config: &Arc<ServerConfig>) -> std::io::Result<String> {
    let mut first = [0u8; 1];
    tcp.peek(&mut first)?;
    if first[0] != 0x16 {
        // Not a TLS handshake: what Go's net/http (dockerd) answers plain HTTP with.
        let head = read_head(&mut tcp)?;
        tcp.write_all(
            b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
        )?;
        return Ok(format!(
            "plain: {}",
            head.lines().next().unwrap_or_default()
        ));
    }
    let conn = ServerConnection::new(config.clone()).map_err(std::io::Error::other)?;
    let mut tls = StreamOwned::new(conn, tcp);
    let head = read_head(&mut tls)?;
    let line = head.lines().next().unwrap_or_default().to_string();
    let path = line.split(' ').nth(1).unwrap_or("");
    let body = recorded()
        .into_iter()
        .find(|(p, _)| *p == path)
        .map(|(_, v)| v.to_string());
    let response = match body {
        Some(b) => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
            b.len()
        ),
        None => "HTTP/1.1 404 Not Found\r\nContent-Length: 22\r\n\r\n{\"message\":\"missing\"}\n"
            .to_string(),
    };
    tls.write_all(response.as_bytes())?;
    tls.conn.send_close_notify();
    tls.flush()?;
    Ok(line)
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn audit_reads_the_containers_of_a_tls_engine_with_docker_tls_verify() {
    let pki = make_pki();
    let (port, server) = tls_engine(server_config(pki.path(), "server-cert.pem"), 4);
    let out = bin()
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", pki.path().join("certs"))
        .output()
        .unwrap();
    let seen = server.join().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), stderr_of(&out));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}{seen:?}");
    assert!(
        stdout.contains("container:remote-db:2:3: error host-unmanaged-exposed PostgreSQL"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "engine tcp://127.0.0.1:{port} (TLS) (DOCKER_HOST), Docker 27.5.1"
        )),
        "{stderr}"
    );
    assert!(!stdout.contains("hunter2") && !stderr.contains("hunter2"));
    assert_eq!(
        seen,
        [
            "GET /info HTTP/1.1",
            "GET /containers/json HTTP/1.1",
            "GET /containers/abc123/json HTTP/1.1",
            "GET /networks HTTP/1.1"
        ]
    );
}

#[test]
fn audit_reads_a_tls_engine_through_a_docker_context() {
    let pki = make_pki();
    let (port, server) = tls_engine(server_config(pki.path(), "server-cert.pem"), 4);
    // The CLI's layout: contexts/{meta,tls}/<sha256 of the name>/...
    let config = pki.path().join("docker-config");
    let digest = "6a0b3a8a3c2e6b1f0f7b1a4b5c3d2e1f00112233445566778899aabbccddeeff";
    let meta = config.join("contexts/meta").join(digest);
    let tls = config.join("contexts/tls").join(digest).join("docker");
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::create_dir_all(&tls).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        json!({"Name": "remote", "Metadata": {}, "Endpoints": {"docker": {
            "Host": format!("tcp://localhost:{port}"), "SkipTLSVerify": false}}})
        .to_string(),
    )
    .unwrap();
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        std::fs::copy(pki.path().join("certs").join(f), tls.join(f)).unwrap();
    }
    let out = bin()
        .env("DOCKER_CONFIG", &config)
        .env("DOCKER_CONTEXT", "remote")
        .output()
        .unwrap();
    let seen = server.join().unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}{seen:?}");
    assert!(
        stderr.contains(&format!(
            "tcp://localhost:{port} (TLS) (docker context \"remote\")"
        )),
        "{stderr}"
    );
    assert_eq!(seen.len(), 4, "{seen:?}");
}

#[test]
fn a_server_certificate_of_another_ca_is_refused() {
    let pki = make_pki();
    let (port, server) = tls_engine(server_config(pki.path(), "other-server-cert.pem"), 1);
    let out = bin()
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", pki.path().join("certs"))
        .output()
        .unwrap();
    let seen = server.join().unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("TLS handshake with 127.0.0.1: invalid peer certificate: UnknownIssuer"),
        "{stderr}"
    );
    // The stand-in saw the client's alert and no request.
    assert!(seen[0].starts_with("error:"), "{seen:?}");
}

#[test]
fn a_missing_client_key_is_a_clear_error() {
    let pki = make_pki();
    let certs = pki.path().join("certs");
    std::fs::remove_file(certs.join("key.pem")).unwrap();
    // No engine: the files are read before connecting.
    let out = bin()
        .env("DOCKER_HOST", "tcp://127.0.0.1:9")
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &certs)
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let key: PathBuf = certs.join("key.pem");
    assert!(
        stderr.contains(&format!("file:{}: missing", key.display())),
        "{stderr}"
    );
}

#[test]
fn an_engine_that_wants_a_client_certificate_refuses_a_client_without_one() {
    let pki = make_pki();
    let certs = pki.path().join("certs");
    std::fs::remove_file(certs.join("key.pem")).unwrap();
    std::fs::remove_file(certs.join("cert.pem")).unwrap();
    let (port, server) = tls_engine(server_config(pki.path(), "server-cert.pem"), 1);
    let out = bin()
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &certs)
        .output()
        .unwrap();
    server.join().unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    // TLS 1.3: the server's alert arrives after the client's side of the handshake.
    assert!(
        stderr.contains("received fatal alert: CertificateRequired"),
        "{stderr}"
    );
}

#[test]
fn plain_tcp_to_a_tls_engine_fails_clearly() {
    let pki = make_pki();
    let (port, server) = tls_engine(server_config(pki.path(), "server-cert.pem"), 1);
    let out = bin()
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .output()
        .unwrap();
    let seen = server.join().unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the engine speaks TLS") && stderr.contains("DOCKER_TLS_VERIFY=1"),
        "{stderr}"
    );
    assert_eq!(seen, ["plain: GET /info HTTP/1.1"]);
}
