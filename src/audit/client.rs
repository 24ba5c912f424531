//! A small blocking, read-only client of the Docker Engine API: HTTP/1.1 `GET` with
//! `Connection: close` over a unix socket, plain TCP or TCP with TLS (src/audit/tls.rs),
//! bodies read by `Content-Length`, chunked or to the end, decoded with serde_json. Nothing
//! but `GET` is ever sent.
//!
//! Which engine: `DOCKER_HOST`, else the current docker context (`DOCKER_CONTEXT`, else
//! `currentContext` of `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, looked up in
//! `contexts/meta/*/meta.json`), else `/var/run/docker.sock`. TLS as the docker CLI decides
//! it: for `DOCKER_HOST`/`--host`, when `DOCKER_TLS_VERIFY` or `DOCKER_TLS` is non-empty or
//! `--tlsverify`/`--tls` is given, with the files of `DOCKER_CERT_PATH` (default: the docker
//! config folder); for a context, when it has TLS material or `SkipTLSVerify`. The port
//! alone (2376) does not turn TLS on. `ssh://` is refused (docs/host-audit.md).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tls::{self, TlsSettings};

/// The largest response read (a host with thousands of containers stays far below).
const MAX_RESPONSE: u64 = 256 * 1024 * 1024;
/// How long one request may wait for the engine.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Where the engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
    /// `host:port` spoken to with TLS.
    Tls(String, Box<TlsSettings>),
}

/// The endpoint and how it was chosen (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub endpoint: Endpoint,
    /// `DOCKER_HOST`, `context NAME`, or `the default socket`.
    pub source: String,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp(addr) => write!(f, "tcp://{addr}"),
            Endpoint::Tls(addr, settings) if settings.verify => write!(f, "tcp://{addr} (TLS)"),
            Endpoint::Tls(addr, _) => write!(f, "tcp://{addr} (TLS, server not verified)"),
        }
    }
}

/// What the resolution reads from the environment (tests pass their own).
#[derive(Debug, Clone, Default)]
pub struct EndpointEnv {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    pub docker_tls_verify: Option<String>,
    /// `DOCKER_TLS`: TLS without verifying the server (the CLI's `--tls`).
    pub docker_tls: Option<String>,
    /// `DOCKER_CERT_PATH`, else `config_dir`.
    pub docker_cert_path: Option<PathBuf>,
    /// `--tls` and `--tlsverify` of `audit`.
    pub tls_flag: bool,
    pub tls_verify_flag: bool,
    /// `$DOCKER_CONFIG`, else `~/.docker`.
    pub config_dir: Option<PathBuf>,
}

impl EndpointEnv {
    pub fn from_process() -> EndpointEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let config_dir = var("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| Path::new(&h).join(".docker")));
        EndpointEnv {
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            docker_tls_verify: var("DOCKER_TLS_VERIFY"),
            docker_tls: var("DOCKER_TLS"),
            docker_cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
            tls_flag: false,
            tls_verify_flag: false,
            config_dir,
        }
    }
}

/// The default socket of a rootful engine.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Chooses the engine as the docker CLI does.
pub fn resolve(env: &EndpointEnv) -> Result<Resolved, String> {
    if let Some(host) = &env.docker_host {
        // As the CLI: any non-empty DOCKER_TLS_VERIFY (even "0") verifies; DOCKER_TLS or
        // --tls alone is TLS without verifying the server.
        let verify = env.tls_verify_flag || env.docker_tls_verify.is_some();
        let tls = verify || env.tls_flag || env.docker_tls.is_some();
        let endpoint = match parse_host(host, tls)? {
            Endpoint::Tcp(addr) if tls => {
                let dir = env
                    .docker_cert_path
                    .as_deref()
                    .or(env.config_dir.as_deref())
                    .ok_or("TLS: neither DOCKER_CERT_PATH nor a home folder to find ca.pem, cert.pem and key.pem in")?;
                let settings = TlsSettings::in_folder(dir, tls::server_name_of(&addr), verify);
                Endpoint::Tls(addr, Box::new(settings))
            }
            other => other,
        };
        return Ok(Resolved {
            endpoint,
            source: "DOCKER_HOST".into(),
        });
    }
    let context = match &env.docker_context {
        Some(name) => Some(name.clone()),
        None => env.config_dir.as_deref().and_then(current_context),
    };
    if let Some(name) = context.filter(|n| n != "default") {
        let dir = env
            .config_dir
            .as_deref()
            .ok_or_else(|| format!("docker context {name:?}: no docker config folder"))?;
        let (host, tls) = context_host(dir, &name)?;
        let endpoint = match (parse_host(&host, tls.is_some())?, tls) {
            (Endpoint::Tcp(addr), Some((tls_dir, skip_verify))) => {
                let settings =
                    TlsSettings::in_folder(&tls_dir, tls::server_name_of(&addr), !skip_verify);
                Endpoint::Tls(addr, Box::new(settings))
            }
            (other, _) => other,
        };
        return Ok(Resolved {
            endpoint,
            source: format!("docker context {name:?}"),
        });
    }
    Ok(Resolved {
        endpoint: Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET)),
        source: "the default socket".into(),
    })
}

/// `unix:///path` or `tcp://host:port` (ssh refused); the default port is 2376 with TLS,
/// 2375 without, as the CLI's. The caller wraps a TCP endpoint in its TLS settings.
pub fn parse_host(host: &str, tls: bool) -> Result<Endpoint, String> {
    if let Some(path) = host.strip_prefix("unix://") {
        return Ok(Endpoint::Unix(PathBuf::from(path)));
    }
    let not_yet = |what: &str| {
        format!(
            "{host}: {what} is not supported yet by `composeguard audit`; run it on the engine's host (unix socket) or through TCP (with TLS)"
        )
    };
    if let Some(addr) = host.strip_prefix("tcp://") {
        let addr = addr.trim_end_matches('/');
        let addr = if addr
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            && !addr.ends_with(']')
        {
            addr.to_string()
        } else {
            format!("{addr}:{}", if tls { 2376 } else { 2375 })
        };
        return Ok(Endpoint::Tcp(addr));
    }
    if host.starts_with("ssh://") {
        return Err(not_yet("ssh"));
    }
    if host.starts_with("npipe://") {
        return Err(not_yet("a Windows named pipe"));
    }
    Err(format!(
        "{host}: not a Docker host (expected unix:///path or tcp://host:port)"
    ))
}

fn current_context(config_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config_dir.join("config.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value
        .get("currentContext")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The TLS folder of a context and whether it skips verifying the server.
type ContextTls = Option<(PathBuf, bool)>;

/// The docker endpoint of a context and its TLS, as the CLI's context store: TLS when the
/// context has TLS material (`contexts/tls/<digest>/docker/*.pem`) or `SkipTLSVerify`.
fn context_host(config_dir: &Path, name: &str) -> Result<(String, ContextTls), String> {
    let meta = config_dir.join("contexts").join("meta");
    let entries = std::fs::read_dir(&meta)
        .map_err(|e| format!("docker context {name:?}: {}: {e}", meta.display()))?;
    for entry in entries.flatten() {
        let file = entry.path().join("meta.json");
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if value.get("Name").and_then(|n| n.as_str()) != Some(name) {
            continue;
        }
        let docker = &value["Endpoints"]["docker"];
        let host = docker["Host"].as_str().ok_or_else(|| {
            format!(
                "docker context {name:?}: no docker endpoint in {}",
                file.display()
            )
        })?;
        // TLS material lives in contexts/tls/<same folder>/docker.
        let tls_dir = config_dir
            .join("contexts")
            .join("tls")
            .join(entry.file_name())
            .join("docker");
        let has_material = ["ca.pem", "cert.pem", "key.pem"]
            .iter()
            .any(|f| tls_dir.join(f).is_file());
        let skip_verify = docker["SkipTLSVerify"].as_bool().unwrap_or(false);
        let tls = (has_material || skip_verify).then_some((tls_dir, skip_verify));
        return Ok((host.to_string(), tls));
    }
    Err(format!(
        "docker context {name:?} is not in {}",
        meta.display()
    ))
}

/// A response: status code and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Sends one `GET` and reads the whole response.
pub fn get(endpoint: &Endpoint, path: &str) -> Result<Response, String> {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: composeguard/{}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    let raw = match endpoint {
        Endpoint::Unix(socket) => {
            let mut stream = std::os::unix::net::UnixStream::connect(socket)
                .map_err(|e| format!("{endpoint}: {e}"))?;
            stream.set_read_timeout(Some(TIMEOUT)).ok();
            stream.set_write_timeout(Some(TIMEOUT)).ok();
            exchange(&mut stream, &request).map_err(|e| format!("{endpoint}: {e}"))?
        }
        Endpoint::Tcp(addr) => {
            let mut stream =
                std::net::TcpStream::connect(addr).map_err(|e| format!("{endpoint}: {e}"))?;
            stream.set_read_timeout(Some(TIMEOUT)).ok();
            stream.set_write_timeout(Some(TIMEOUT)).ok();
            let raw = exchange(&mut stream, &request).map_err(|e| format!("{endpoint}: {e}"))?;
            if raw.len() >= 2 && matches!(raw[0], 0x15 | 0x16) && raw[1] == 0x03 {
                return Err(format!(
                    "{endpoint}: the engine answered with TLS: {TLS_HINT}"
                ));
            }
            raw
        }
        Endpoint::Tls(addr, settings) => {
            let mut stream =
                tls::connect(addr, settings, TIMEOUT).map_err(|e| format!("{endpoint}: {e}"))?;
            exchange(&mut stream, &request).map_err(|e| format!("{endpoint}: {e}"))?
        }
    };
    let response = parse_response(&raw).map_err(|e| format!("{endpoint} GET {path}: {e}"))?;
    // Go's answer to plain HTTP on a TLS port (dockerd --tlsverify).
    if matches!(endpoint, Endpoint::Tcp(_))
        && response.status == 400
        && String::from_utf8_lossy(&response.body).contains("HTTP request to an HTTPS server")
    {
        return Err(format!(
            "{endpoint}: the engine speaks TLS (\"Client sent an HTTP request to an HTTPS server\"): {TLS_HINT}"
        ));
    }
    Ok(response)
}

const TLS_HINT: &str =
    "set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem), or pass --tlsverify";

/// `get` and decode JSON; a status other than 200 is an error with the engine's message.
pub fn get_json(endpoint: &Endpoint, path: &str) -> Result<serde_json::Value, String> {
    let response = get(endpoint, path)?;
    let value: Result<serde_json::Value, _> = serde_json::from_slice(&response.body);
    if response.status != 200 {
        let message = value
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&response.body).trim().to_string());
        return Err(format!(
            "{endpoint} GET {path}: HTTP {}: {message}",
            response.status
        ));
    }
    value.map_err(|e| format!("{endpoint} GET {path}: the answer is not JSON: {e}"))
}

fn exchange(stream: &mut (impl Read + Write), request: &str) -> std::io::Result<Vec<u8>> {
    stream.write_all(request.as_bytes())?;
    stream.flush()?;
    let mut raw = Vec::new();
    match stream.take(MAX_RESPONSE).read_to_end(&mut raw) {
        Ok(_) => Ok(raw),
        // A TLS peer that closes without close_notify: harmless once the body's own framing
        // (Content-Length or chunked) says it is whole, a possible truncation otherwise.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && is_whole(&raw) => Ok(raw),
        Err(e) => Err(e),
    }
}

/// Whether `raw` is a response whose body is delimited and complete.
fn is_whole(raw: &[u8]) -> bool {
    let Some(head_end) = find(raw, b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    (head.contains("\r\ncontent-length:") || head.contains("\r\ntransfer-encoding:"))
        && parse_response(raw).is_ok()
}

/// Parses an HTTP/1.1 response read to the end of the connection.
pub fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let head_end = find(raw, b"\r\n\r\n").ok_or("no end of the response's head")?;
    let head = std::str::from_utf8(&raw[..head_end]).map_err(|_| "a head that is not text")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1 response: {status_line:?}"));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status code in {status_line:?}"))?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().map_err(|_| "a bad Content-Length")?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value
                .split(',')
                .any(|v| v.trim().eq_ignore_ascii_case("chunked"));
        }
    }
    let rest = &raw[head_end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(n) = length {
        if rest.len() < n {
            return Err(format!("the body ended after {} of {n} bytes", rest.len()));
        }
        rest[..n].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Response { status, body })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n").ok_or("a chunk without its size line")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).map_err(|_| "a bad chunk size")?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("a bad chunk size {size_text:?}"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err("the body ended inside a chunk".into());
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
