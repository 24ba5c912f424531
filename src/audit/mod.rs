//! `composeguard audit`: what the running engine publishes, judged like `check` judges a
//! compose file, tied back to the file's `ports:` line, and compared with the host's
//! firewall. Read only: the engine is sent `GET` requests, the firewall tools are asked to
//! list their rules, and nothing on the host is changed.
//!
//! docs/host-audit.md tells what is read and the iptables facts measured on a real engine.

pub mod analyse;
pub mod client;
pub mod firewall;
pub mod host;
pub mod tls;

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;

use crate::cli::ConfigArgs;
use crate::config::{Overrides, is_known_selector};
use crate::diagnostic::Severity;
use crate::report::OutputFormat;
use crate::rules::RuleMeta;
use crate::run::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Io};

pub use analyse::{Scope, analyse};
use host::{Container, DaemonInfo, DaemonSettings, NetworkInfo};

const fn meta(
    id: &'static str,
    severity: Severity,
    summary: &'static str,
    docs: &'static str,
) -> RuleMeta {
    RuleMeta {
        id,
        category: "host",
        severity,
        default_enabled: true,
        fixable: false,
        summary,
        docs,
    }
}

pub const EXPOSED_META: RuleMeta = meta(
    "host-port-exposed",
    Severity::Error,
    "A sensitive service the running host publishes on every interface (composeguard audit)",
    include_str!("../../rules/docs/host-port-exposed.md"),
);
pub const DRIFT_META: RuleMeta = meta(
    "host-drift",
    Severity::Warning,
    "The host publishes what the compose file no longer says: the fix was not applied (composeguard audit)",
    include_str!("../../rules/docs/host-drift.md"),
);
pub const UNMANAGED_META: RuleMeta = meta(
    "host-unmanaged-exposed",
    Severity::Error,
    "A container outside any compose project publishes a sensitive port on every interface (composeguard audit)",
    include_str!("../../rules/docs/host-unmanaged-exposed.md"),
);
pub const BYPASSED_META: RuleMeta = meta(
    "firewall-bypassed",
    Severity::Error,
    "A host firewall rule appears to close a port Docker publishes, but Docker's DNAT passes it by (composeguard audit)",
    include_str!("../../rules/docs/firewall-bypassed.md"),
);

/// The rules `audit` reports.
pub const METAS: [&RuleMeta; 4] = [&EXPOSED_META, &DRIFT_META, &UNMANAGED_META, &BYPASSED_META];

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Compose files or folders whose projects to audit. Default: every running container.
    pub paths: Vec<PathBuf>,
    /// The engine (`unix:///path` or `tcp://host:port`), instead of DOCKER_HOST, the
    /// current docker context or /var/run/docker.sock.
    #[arg(long, value_name = "URL")]
    pub host: Option<String>,
    /// Use TLS for a tcp:// host without verifying the server (as `docker --tls`).
    #[arg(long)]
    pub tls: bool,
    /// Use TLS for a tcp:// host and verify the server against ca.pem of DOCKER_CERT_PATH
    /// (as `docker --tlsverify`; DOCKER_TLS_VERIFY does the same).
    #[arg(long)]
    pub tlsverify: bool,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
    /// Rules or categories to run, replacing the default set.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,
    /// Rules or categories not to run.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_parser = ["error", "warning", "info"])]
    pub fail_on: Option<String>,
    /// Exit 0 even when findings remain (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Do not run iptables-save, ip6tables-save, nft, ufw or firewall-cmd.
    #[arg(long)]
    pub no_firewall: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Colour: auto (on a terminal), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
}

/// What a firewall tool gave: its output, or why there is none.
#[derive(Debug, Clone)]
pub enum Read<T> {
    Read(T),
    /// Installed but could not be read (not root, not running ...): why.
    Unreadable(String),
    NotInstalled,
}

impl<T> Read<T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Read::Read(t) => Some(t),
            _ => None,
        }
    }

    fn status(&self, name: &str) -> String {
        match self {
            Read::Read(_) => format!("{name}: read"),
            Read::Unreadable(why) => format!("{name}: could not be read ({why})"),
            Read::NotInstalled => format!("{name}: not installed"),
        }
    }
}

/// The host firewall as far as it could be read.
#[derive(Debug, Clone)]
pub struct FirewallState {
    pub iptables: Read<firewall::Ruleset>,
    pub ip6tables: Read<firewall::Ruleset>,
    pub ufw: Read<firewall::Ufw>,
    pub nft: Read<firewall::Nft>,
    pub firewalld: Read<firewall::Firewalld>,
}

impl FirewallState {
    pub fn unread() -> FirewallState {
        fn off<T>() -> Read<T> {
            Read::Unreadable("--no-firewall".into())
        }
        FirewallState {
            iptables: off(),
            ip6tables: off(),
            ufw: off(),
            nft: off(),
            firewalld: off(),
        }
    }

    /// Runs each tool that is installed (listing commands only).
    pub fn read() -> FirewallState {
        FirewallState {
            iptables: run_tool("iptables-save", &[]).map(|t| firewall::Ruleset::parse(&t)),
            ip6tables: run_tool("ip6tables-save", &[]).map(|t| firewall::Ruleset::parse(&t)),
            ufw: run_tool("ufw", &["status", "verbose"]).map(|t| firewall::Ufw::parse(&t)),
            nft: run_tool("nft", &["list", "ruleset"]).map(|t| firewall::Nft::parse(&t)),
            firewalld: run_tool("firewall-cmd", &["--list-all-zones"])
                .map(|t| firewall::Firewalld::parse(&t)),
        }
    }

    pub fn status(&self) -> Vec<String> {
        vec![
            self.iptables.status("iptables-save"),
            self.ip6tables.status("ip6tables-save"),
            self.ufw.status("ufw status"),
            self.nft.status("nft list ruleset"),
            self.firewalld.status("firewall-cmd --list-all-zones"),
        ]
    }
}

impl<T> Read<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Read<U> {
        match self {
            Read::Read(t) => Read::Read(f(t)),
            Read::Unreadable(w) => Read::Unreadable(w),
            Read::NotInstalled => Read::NotInstalled,
        }
    }
}

/// Where a program is on PATH (and the sbin folders, which a user's PATH may lack).
fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn run_tool(program: &str, args: &[&str]) -> Read<String> {
    let Some(path) = which(program) else {
        return Read::NotInstalled;
    };
    match Command::new(&path)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => {
            Read::Read(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            Read::Unreadable(format!("{}: {}", out.status, first.trim()))
        }
        Err(e) => Read::Unreadable(e.to_string()),
    }
}

/// Everything read from the host.
#[derive(Debug, Clone)]
pub struct HostState {
    pub endpoint: String,
    pub daemon: DaemonInfo,
    pub settings: DaemonSettings,
    pub containers: Vec<Container>,
    pub networks: Vec<NetworkInfo>,
    pub firewall: FirewallState,
    /// The host has a global IPv6 address; `None`: could not be read.
    pub global_ipv6: Option<bool>,
}

/// Reads the engine (GET only) and the host.
pub fn read_host(endpoint: &client::Resolved, read_firewall: bool) -> Result<HostState, String> {
    let e = &endpoint.endpoint;
    let info = client::get_json(e, "/info")?;
    let list = client::get_json(e, "/containers/json")?;
    let mut containers = Vec::new();
    for c in list.as_array().into_iter().flatten() {
        let Some(id) = c["Id"].as_str() else { continue };
        // A container may stop between the list and its inspection.
        match client::get_json(e, &format!("/containers/{id}/json")) {
            Ok(v) => containers.push(Container::from_inspect(&v)),
            Err(err) if err.contains("HTTP 404") => {}
            Err(err) => return Err(err),
        }
    }
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    let networks = client::get_json(e, "/networks")?
        .as_array()
        .into_iter()
        .flatten()
        .map(NetworkInfo::from_json)
        .collect();
    let global_ipv6 = std::fs::read_to_string("/proc/net/if_inet6")
        .ok()
        .map(|t| host::has_global_ipv6(&t));
    Ok(HostState {
        endpoint: format!("{} ({})", endpoint.endpoint, endpoint.source),
        daemon: DaemonInfo::from_json(&info),
        settings: host::daemon_settings(Path::new("/etc/docker/daemon.json")),
        containers,
        networks,
        firewall: if read_firewall {
            FirewallState::read()
        } else {
            FirewallState::unread()
        },
        global_ipv6,
    })
}

/// What was read and what could not be, for the top of the output (stderr).
pub fn describe(state: &HostState) -> String {
    let mut out = format!(
        "composeguard audit: engine {}, Docker {}{}, {} running container(s)\n",
        state.endpoint,
        state.daemon.server_version,
        if state.daemon.rootless {
            ", rootless"
        } else {
            ""
        },
        state.containers.len()
    );
    let s = &state.settings;
    let show = |v: Option<bool>| v.map_or("unknown".to_string(), |b| b.to_string());
    out.push_str(&format!(
        "  daemon: ip={} iptables={} ip6tables={} userland-proxy={}; {}\n",
        s.ip.as_deref().unwrap_or("default (0.0.0.0)"),
        show(s.iptables),
        show(s.ip6tables),
        show(s.userland_proxy),
        s.notes.join("; ")
    ));
    for net in state.networks.iter().filter(|n| {
        n.host_binding_ipv4
            .as_deref()
            .is_some_and(|ip| !crate::compose::port::is_wildcard_ip(ip))
    }) {
        out.push_str(&format!(
            "  network {}: host_binding_ipv4 {}\n",
            net.name,
            net.host_binding_ipv4.as_deref().unwrap_or("")
        ));
    }
    out.push_str(&format!(
        "  IPv6: {}\n",
        match state.global_ipv6 {
            Some(true) => "the host has a global address: [::] bindings are reported",
            Some(false) => "no global address: [::] bindings are not reported",
            None => "/proc/net/if_inet6 could not be read: [::] bindings are reported",
        }
    ));
    out.push_str(&format!(
        "  firewall: {}\n",
        state.firewall.status().join("; ")
    ));
    out
}

/// `composeguard audit`.
pub fn run(args: &AuditArgs, io: &mut Io) -> i32 {
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => io.stdout_is_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    for s in args.select.iter().flatten().chain(&args.ignore) {
        if !is_known_selector(s) {
            let _ = writeln!(
                io.stderr,
                "error: unknown rule or category {s:?} (see `composeguard rules`)"
            );
            return EXIT_ERROR;
        }
    }
    let overrides = Overrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.as_deref().and_then(Severity::parse),
        ..Overrides::default()
    };
    let mut configs = crate::run::ConfigResolver::new(&args.config, overrides);
    let cwd_config = match configs.for_path(Path::new(".")) {
        Ok(c) => c,
        Err(e) => {
            let _ = write!(io.stderr, "{}", e.render(false));
            return EXIT_ERROR;
        }
    };
    let scope = match Scope::of_paths(&args.paths) {
        Ok(s) => s,
        Err(message) => {
            let _ = writeln!(io.stderr, "error: {message}");
            return EXIT_ERROR;
        }
    };
    let env = client::EndpointEnv {
        docker_host: args
            .host
            .clone()
            .or_else(|| client::EndpointEnv::from_process().docker_host),
        tls_flag: args.tls,
        tls_verify_flag: args.tlsverify,
        ..client::EndpointEnv::from_process()
    };
    let endpoint = match client::resolve(&env) {
        Ok(e) => e,
        Err(message) => {
            let _ = writeln!(io.stderr, "error: {message}");
            return EXIT_ERROR;
        }
    };
    let state = match read_host(&endpoint, !args.no_firewall) {
        Ok(s) => s,
        Err(message) => {
            let _ = writeln!(
                io.stderr,
                "error: cannot read the Docker engine: {message}\n  (the engine is chosen by --host, DOCKER_HOST, the current docker context, then {})",
                client::DEFAULT_SOCKET
            );
            return EXIT_ERROR;
        }
    };
    let _ = io.stderr.write_all(describe(&state).as_bytes());
    let mut config_of = |file: Option<&Path>| match file {
        Some(f) => configs.for_file(f).unwrap_or_else(|_| cwd_config.clone()),
        None => cwd_config.clone(),
    };
    let outcome = analyse(&state, &scope, &mut config_of);
    let fail_on = cwd_config.fail_on;
    let failing = outcome
        .reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .filter(|d| d.severity >= fail_on)
        .count();
    let shown: usize = outcome.reports.iter().map(|r| r.diagnostics.len()).sum();
    let rendered = crate::report::render(
        args.output_format,
        &outcome.reports,
        &crate::report::RenderContext { color },
    );
    let _ = io.stdout.write_all(rendered.as_bytes());
    if args.output_format == OutputFormat::Human {
        let summary = if shown == 0 {
            "No exposure found on the running host.\n".to_string()
        } else {
            format!("Found {shown} finding(s) on the running host.\n")
        };
        let _ = io.stdout.write_all(summary.as_bytes());
    }
    for note in &outcome.notes {
        let _ = writeln!(io.stderr, "note: {note}");
    }
    if !args.exit_zero && failing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

#[cfg(test)]
mod tests;
