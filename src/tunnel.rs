//! `composeguard tunnel`: the ssh command (or ssh_config block, or autossh command) that
//! reaches, from a workstation, every service a compose project publishes on a loopback
//! address of the server.
//!
//! The files are found and loaded as `check` does. A port is forwarded when its host IP is a
//! loopback address (127.0.0.0/8, `::1`), or when it has none and the service's only network
//! sets `host_binding_ipv4` to one. Each forward gets a local port `--offset` above the
//! published one (off the well-known port, so a local copy of the same software does not
//! clash), or the next free one. UDP ports, ports Docker picks and ports bound to other
//! addresses are listed as skipped; ports published on every interface are reported on
//! stderr with a pointer to `composeguard check --fix`.

mod plan;
mod render;

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::compose::model::{PortBinding, Project, Service};
use crate::compose::port::{PortRange, is_wildcard_ip};
use crate::compose::project::{LoadFailure, LoadOptions};
use crate::discover::discover;
use crate::run::{EXIT_CLEAN, EXIT_ERROR, Io, render_failure};

pub use plan::{Destination, SshOption, preferred_local};

/// How far local ports are moved off the well-known ones (`--offset`).
pub const DEFAULT_OFFSET: u16 = 10000;

/// At most this many forwards are made for one range of published ports.
pub const MAX_RANGE_FORWARDS: u32 = 64;

/// What `composeguard tunnel` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TunnelFormat {
    /// One `ssh -N -L ... user@server` command.
    Ssh,
    /// A `Host` block for ~/.ssh/config (then `ssh -N ALIAS`).
    SshConfig,
    /// One `autossh -M 0 -N ...` command that reconnects by itself.
    Autossh,
}

#[derive(Debug, clap::Args)]
pub struct TunnelArgs {
    /// Files or folders to read (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// The server that runs the compose project, as ssh takes it: user@server.
    #[arg(long, value_name = "[USER@]HOST")]
    pub host: String,
    /// The ssh port of the server (default: ssh's own, 22 or your ssh_config).
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Connect through a jump host (ssh -J / ProxyJump): user@bastion[:port].
    #[arg(short = 'J', long, value_name = "[USER@]HOST[:PORT]")]
    pub jump: Option<String>,
    /// Local port = published port + OFFSET (above 65535: published - OFFSET, or wrapped
    /// into 1024-65535); a local port already used by another forward takes the next free one.
    #[arg(long, value_name = "OFFSET", default_value_t = DEFAULT_OFFSET)]
    pub offset: u16,
    /// ssh: one ssh command; ssh-config: a Host block for ~/.ssh/config; autossh: one
    /// autossh command that reconnects.
    #[arg(long, value_enum, default_value_t = TunnelFormat::Ssh)]
    pub format: TunnelFormat,
    /// The Host name of the ssh-config block (default: <host>-tunnel).
    #[arg(long, value_name = "NAME")]
    pub alias: Option<String>,
    /// An extra ssh option, passed as `-o KEY=VALUE` (a `KEY VALUE` line in ssh-config);
    /// repeatable. E.g. `--ssh-option IdentityFile=~/.ssh/id_deploy`.
    #[arg(short = 'o', long = "ssh-option", value_name = "KEY=VALUE")]
    pub ssh_options: Vec<String>,
}

/// The arguments, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub destination: Destination,
    pub port: Option<u16>,
    pub jump: Option<String>,
    pub offset: u16,
    pub format: TunnelFormat,
    pub alias: String,
    pub options: Vec<SshOption>,
}

impl Settings {
    pub fn from_args(args: &TunnelArgs) -> Result<Settings, String> {
        let destination = Destination::parse(&args.host)?;
        if let Some(jump) = &args.jump {
            plan::check_jump(jump)?;
        }
        let alias = match &args.alias {
            Some(alias) => {
                plan::check_alias(alias)?;
                alias.clone()
            }
            None => destination.default_alias(),
        };
        let options = args
            .ssh_options
            .iter()
            .map(|o| SshOption::parse(o))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Settings {
            destination,
            port: args.port,
            jump: args.jump.clone(),
            offset: args.offset,
            format: args.format,
            alias,
            options,
        })
    }
}

/// One local port forwarded to an address and port of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub local: u16,
    pub address: IpAddr,
    pub remote: u16,
    /// The services reached through it (`db`, or `db (path/compose.yaml)` with several
    /// projects).
    pub labels: Vec<String>,
    /// E.g. `range 8000-8002`.
    pub note: Option<String>,
}

impl Forward {
    /// `127.0.0.1:5432` or `[::1]:5432`.
    pub fn remote_spec(&self) -> String {
        match self.address {
            IpAddr::V4(a) => format!("{a}:{}", self.remote),
            IpAddr::V6(a) => format!("[{a}]:{}", self.remote),
        }
    }
}

/// A port that is not forwarded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub label: String,
    /// The port as written: `5353/udp`, `8064-8099`.
    pub what: String,
    pub why: String,
}

/// What the projects ask for: forwards with their local ports, skipped ports, ports
/// published on every interface.
#[derive(Debug, Default)]
pub struct Plan {
    pub forwards: Vec<Forward>,
    pub skipped: Vec<Skipped>,
    /// Ports published on every interface.
    pub exposed: Vec<Exposed>,
}

/// A port published on every interface: reachable without a tunnel, by anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposed {
    pub project: String,
    pub service: String,
    pub what: String,
    pub note: String,
}

/// A forward before local ports are chosen.
#[derive(Debug)]
struct Wanted {
    project: String,
    service: String,
    address: IpAddr,
    remote: u16,
    note: Option<String>,
}

#[derive(Debug)]
struct SkippedAt {
    project: String,
    service: String,
    what: String,
    why: String,
}

/// What the projects hold, in the order read.
#[derive(Debug, Default)]
struct Collected {
    wanted: Vec<Wanted>,
    skipped: Vec<SkippedAt>,
    exposed: Vec<Exposed>,
}

pub fn run(args: &TunnelArgs, io: &mut Io) -> i32 {
    let settings = match Settings::from_args(args) {
        Ok(s) => s,
        Err(message) => {
            let _ = writeln!(io.stderr, "error: {message}");
            return EXIT_ERROR;
        }
    };
    if args.paths.iter().any(|p| p == Path::new("-")) {
        let _ = writeln!(
            io.stderr,
            "error: `composeguard tunnel` does not read stdin; give the compose file or its folder"
        );
        return EXIT_ERROR;
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let found = discover(&paths, None);
    let mut errors = 0usize;
    for (path, why) in &found.errors {
        let _ = writeln!(io.stderr, "error: {}: {why}", path.display());
        errors += 1;
    }
    let mut collected = Collected::default();
    let mut projects = 0usize;
    for path in &found.files {
        let project = match Project::load(path, None, &LoadOptions::default()) {
            Ok(p) => p,
            Err(failure) => {
                let _ = write!(io.stderr, "{}", render_failure(&failure));
                errors += 1;
                continue;
            }
        };
        projects += 1;
        // Invalid entries are errors (as in `check`); the valid ones are still used.
        for error in &project.errors {
            let file = project.file(error.file);
            let failure = LoadFailure {
                path: file.path.clone(),
                text: Some(file.tree.source()),
                offset: Some(error.span.start),
                message: error.message.clone(),
            };
            let _ = write!(io.stderr, "{}", render_failure(&failure));
            errors += 1;
        }
        read_project(&project, &display(path), &mut collected);
    }
    let plan = match build_plan(collected, settings.offset) {
        Ok(plan) => plan,
        Err(message) => {
            let _ = writeln!(io.stderr, "error: {message}");
            return EXIT_ERROR;
        }
    };
    let _ = io
        .stderr
        .write_all(render::exposed_warnings(&plan.exposed).as_bytes());
    if plan.forwards.is_empty() {
        for s in &plan.skipped {
            let _ = writeln!(io.stderr, "note: {}: {}: {}", s.label, s.what, s.why);
        }
        let _ = writeln!(
            io.stderr,
            "composeguard tunnel: no service is published on a loopback address in {projects} compose project(s); nothing to tunnel"
        );
    } else {
        let _ = io
            .stdout
            .write_all(render::render(&plan, &settings).as_bytes());
    }
    if errors > 0 { EXIT_ERROR } else { EXIT_CLEAN }
}

/// What becomes of one port.
enum Verdict {
    Forward {
        address: IpAddr,
        published: PortRange,
        note: Option<String>,
    },
    Skip(String),
    Exposed,
}

/// Sorts each port of a project into forwards, skipped ports and exposed ports.
fn read_project(project: &Project, shown: &str, out: &mut Collected) {
    for service in &project.services {
        let host_network = project
            .service_str(service, "network_mode")
            .is_some_and(|(mode, _)| mode == "host");
        let network_ip = project.default_host_ip(service);
        for binding in &service.ports {
            let what = describe(binding);
            let unset = if binding.missing_variables.is_empty() {
                String::new()
            } else {
                format!(
                    " (unset variables: {}; set them as on the server)",
                    binding.missing_variables.join(", ")
                )
            };
            let verdict = if host_network {
                Verdict::Skip("`network_mode: host`: Docker ignores `ports:` and the service listens on the server's own interfaces; forward its port by hand".into())
            } else {
                classify(service, binding, network_ip.as_deref())
            };
            let (address, published, note) = match verdict {
                Verdict::Forward {
                    address,
                    published,
                    note,
                } => (address, published, note),
                Verdict::Skip(why) => {
                    out.skipped.push(SkippedAt {
                        project: shown.to_string(),
                        service: service.name.clone(),
                        what,
                        why: format!("{why}{unset}"),
                    });
                    continue;
                }
                Verdict::Exposed => {
                    out.exposed.push(Exposed {
                        project: shown.to_string(),
                        service: service.name.clone(),
                        what,
                        note: unset,
                    });
                    continue;
                }
            };
            let count = published.len().min(MAX_RANGE_FORWARDS);
            for i in 0..count {
                out.wanted.push(Wanted {
                    project: shown.to_string(),
                    service: service.name.clone(),
                    address,
                    remote: (u32::from(published.start) + i) as u16,
                    note: note.clone(),
                });
            }
            if published.len() > MAX_RANGE_FORWARDS {
                let rest = PortRange {
                    start: (u32::from(published.start) + MAX_RANGE_FORWARDS) as u16,
                    end: published.end,
                };
                out.skipped.push(SkippedAt {
                    project: shown.to_string(),
                    service: service.name.clone(),
                    what: rest.to_compose_string(),
                    why: format!(
                        "the range {} has {} ports and at most {MAX_RANGE_FORWARDS} are forwarded; forward the rest by hand",
                        published.to_compose_string(),
                        published.len()
                    ),
                });
            }
        }
    }
}

fn classify(service: &Service, binding: &PortBinding, network_ip: Option<&str>) -> Verdict {
    let (ip, from_network) = match &binding.host_ip {
        Some(ip) => (Some(ip.as_str()), false),
        None => (network_ip, true),
    };
    let Some(ip) = ip.filter(|ip| !is_wildcard_ip(ip)) else {
        return Verdict::Exposed;
    };
    let Some(address) = ip
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()
        .filter(IpAddr::is_loopback)
    else {
        let source = if from_network {
            " (the network's host_binding_ipv4)"
        } else {
            ""
        };
        return Verdict::Skip(format!(
            "bound to {ip}{source}, not a loopback address: reach it on that address, or forward it by hand"
        ));
    };
    if !binding.protocol.eq_ignore_ascii_case("tcp") {
        return Verdict::Skip(format!(
            "{} cannot be forwarded: ssh -L forwards TCP only",
            binding.protocol.to_ascii_uppercase()
        ));
    }
    if let (None, Some(text)) = (binding.published, &binding.published_text) {
        return Verdict::Skip(format!(
            "the published port {text:?} is not a port number: forward it by hand"
        ));
    }
    let Some(published) = binding.published.filter(|p| p.start != 0) else {
        return Verdict::Skip(format!(
            "Docker picks the host port when the container starts: find it with `docker compose port {} {}` and forward it by hand",
            service.name, binding.target.start
        ));
    };
    let note = if published.len() == 1 {
        None
    } else if binding.target.len() == 1 {
        Some(format!(
            "Docker publishes one port of {}",
            published.to_compose_string()
        ))
    } else {
        Some(format!("range {}", published.to_compose_string()))
    };
    Verdict::Forward {
        address,
        published,
        note,
    }
}

/// `5432`, `8080->80`, `5353/udp`, `8000-8010->80`, `5432 (random host port)`.
fn describe(binding: &PortBinding) -> String {
    let target = binding.target.to_compose_string();
    let published = binding
        .published
        .map(|p| p.to_compose_string())
        .or_else(|| binding.published_text.clone());
    let proto = if binding.protocol.eq_ignore_ascii_case("tcp") {
        String::new()
    } else {
        format!("/{}", binding.protocol)
    };
    match published {
        Some(p) if p == target => format!("{p}{proto}"),
        Some(p) => format!("{p}->{target}{proto}"),
        None => format!("{target}{proto} (random host port)"),
    }
}

/// Merges forwards to the same address and port, labels them and chooses local ports.
fn build_plan(collected: Collected, offset: u16) -> Result<Plan, String> {
    let projects: BTreeSet<&str> = collected
        .wanted
        .iter()
        .map(|w| w.project.as_str())
        .chain(collected.skipped.iter().map(|s| s.project.as_str()))
        .collect();
    let several = projects.len() > 1;
    let label = |service: &str, project: &str| {
        if several {
            format!("{service} ({project})")
        } else {
            service.to_string()
        }
    };
    let mut forwards: Vec<Forward> = Vec::new();
    for w in &collected.wanted {
        let name = label(&w.service, &w.project);
        if let Some(f) = forwards
            .iter_mut()
            .find(|f| f.address == w.address && f.remote == w.remote)
        {
            if !f.labels.contains(&name) {
                f.labels.push(name);
            }
            continue;
        }
        forwards.push(Forward {
            local: 0,
            address: w.address,
            remote: w.remote,
            labels: vec![name],
            note: w.note.clone(),
        });
    }
    let mut ports = plan::LocalPorts::default();
    for f in &mut forwards {
        f.local = ports
            .take(preferred_local(f.remote, offset))
            .ok_or("too many forwards: every local port is taken")?;
    }
    let skipped = collected
        .skipped
        .iter()
        .map(|s| Skipped {
            label: label(&s.service, &s.project),
            what: s.what.clone(),
            why: s.why.clone(),
        })
        .collect();
    Ok(Plan {
        forwards,
        skipped,
        exposed: collected.exposed,
    })
}

fn display(path: &Path) -> String {
    path.strip_prefix("./")
        .unwrap_or(path)
        .display()
        .to_string()
}
