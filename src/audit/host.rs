//! What the engine says about the running containers, its networks and itself, read into
//! plain structs (from `GET /containers/json`, `/containers/{id}/json`, `/networks`, `/info`).
//! Environment values are dropped as they are read: only names are kept.

use serde_json::Value;

use crate::compose::mounts::normalise_path;
use crate::sensitivity::{Profile, programs_of};

/// One published binding of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// As the engine reports it: `0.0.0.0`, `::`, `127.0.0.1` ...
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

impl Binding {
    /// `0.0.0.0:5432->5432/tcp` (IPv6 in brackets), as `docker ps` shows it.
    pub fn display(&self) -> String {
        let ip = if self.host_ip.contains(':') {
            format!("[{}]", self.host_ip)
        } else if self.host_ip.is_empty() {
            "0.0.0.0".to_string()
        } else {
            self.host_ip.clone()
        };
        format!(
            "{ip}:{}->{}/{}",
            self.host_port, self.container_port, self.protocol
        )
    }

    pub fn is_ipv6(&self) -> bool {
        self.host_ip.contains(':')
    }
}

/// The compose labels of a container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComposeLabels {
    pub project: String,
    pub service: String,
    /// `com.docker.compose.project.config_files`, split on commas.
    pub config_files: Vec<String>,
    pub working_dir: Option<String>,
}

/// A running container as the audit sees it.
#[derive(Debug, Clone, Default)]
pub struct Container {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    pub image: String,
    pub compose: Option<ComposeLabels>,
    pub bindings: Vec<Binding>,
    /// Environment variable names (never values).
    pub env_names: Vec<String>,
    pub mount_targets: Vec<String>,
    /// Entrypoint then command.
    pub argv: Vec<String>,
    /// The healthcheck's test without `CMD`/`CMD-SHELL`.
    pub healthcheck: Option<String>,
    /// The networks it is attached to.
    pub networks: Vec<String>,
}

impl Container {
    /// Reads `GET /containers/{id}/json`.
    pub fn from_inspect(v: &Value) -> Container {
        let config = &v["Config"];
        let labels = &config["Labels"];
        let label = |key: &str| labels.get(key).and_then(Value::as_str).map(str::to_string);
        let compose = label("com.docker.compose.project").map(|project| ComposeLabels {
            project,
            service: label("com.docker.compose.service").unwrap_or_default(),
            config_files: label("com.docker.compose.project.config_files")
                .map(|s| {
                    s.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            working_dir: label("com.docker.compose.project.working_dir"),
        });
        let mut bindings = Vec::new();
        if let Some(ports) = v["NetworkSettings"]["Ports"].as_object() {
            for (key, list) in ports {
                let (port, protocol) = key.split_once('/').unwrap_or((key, "tcp"));
                let Ok(container_port) = port.parse::<u16>() else {
                    continue;
                };
                for b in list.as_array().into_iter().flatten() {
                    let host_port = b["HostPort"].as_str().and_then(|p| p.parse::<u16>().ok());
                    if let Some(host_port) = host_port {
                        bindings.push(Binding {
                            host_ip: b["HostIp"].as_str().unwrap_or_default().to_string(),
                            host_port,
                            container_port,
                            protocol: protocol.to_string(),
                        });
                    }
                }
            }
        }
        bindings.sort_by(|a, b| {
            (a.container_port, &a.protocol, a.is_ipv6(), a.host_port).cmp(&(
                b.container_port,
                &b.protocol,
                b.is_ipv6(),
                b.host_port,
            ))
        });
        let env_names = config["Env"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|e| e.split_once('=').map_or(e, |(name, _)| name).to_string())
            .collect();
        let mount_targets = v["Mounts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["Destination"].as_str())
            .map(normalise_path)
            .collect();
        let words = |key: &str| -> Vec<String> {
            match &config[key] {
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        let mut argv = words("Entrypoint");
        argv.extend(words("Cmd"));
        let test: Vec<String> = config["Healthcheck"]["Test"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let healthcheck = match test.split_first() {
            Some((kind, rest)) if kind == "CMD" => Some(rest.join(" ")),
            Some((kind, rest)) if kind == "CMD-SHELL" => Some(rest.join(" ")),
            _ => None,
        };
        let networks = v["NetworkSettings"]["Networks"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        Container {
            id: v["Id"].as_str().unwrap_or_default().to_string(),
            name: v["Name"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
            image: config["Image"].as_str().unwrap_or_default().to_string(),
            compose,
            bindings,
            env_names,
            mount_targets,
            argv,
            healthcheck,
            networks,
        }
    }

    /// What the judge reads, built as `check` builds it from a compose service.
    pub fn profile(&self) -> Profile {
        let mut programs = Vec::new();
        programs_of(&self.argv, 0, &mut programs);
        let image_unknown = self.image.is_empty() || self.image.starts_with("sha256:");
        Profile {
            name: self
                .compose
                .as_ref()
                .map(|c| c.service.clone())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| self.name.clone()),
            image: (!image_unknown).then(|| self.image.clone()),
            image_unknown,
            env: self.env_names.clone(),
            mount_targets: self.mount_targets.clone(),
            programs,
            healthcheck: self.healthcheck.clone(),
        }
    }

    /// `name (image)` for messages.
    pub fn label(&self) -> String {
        format!("container {} ({})", self.name, self.image)
    }
}

/// A network with a default host IP for its published ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkInfo {
    pub name: String,
    pub host_binding_ipv4: Option<String>,
}

impl NetworkInfo {
    pub fn from_json(v: &Value) -> NetworkInfo {
        NetworkInfo {
            name: v["Name"].as_str().unwrap_or_default().to_string(),
            host_binding_ipv4: v["Options"]["com.docker.network.bridge.host_binding_ipv4"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        }
    }
}

/// What the engine says of itself that matters here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonInfo {
    pub server_version: String,
    pub rootless: bool,
    pub security_options: Vec<String>,
}

impl DaemonInfo {
    pub fn from_json(v: &Value) -> DaemonInfo {
        let security_options: Vec<String> = v["SecurityOptions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        DaemonInfo {
            server_version: v["ServerVersion"].as_str().unwrap_or_default().to_string(),
            rootless: security_options.iter().any(|o| o.contains("name=rootless")),
            security_options,
        }
    }
}

/// The daemon's settings that change what a published port reaches, and where each was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonSettings {
    /// `ip` (default host IP of published ports), `iptables`, `ip6tables`, `userland-proxy`:
    /// the value, or `None` when it could not be read.
    pub ip: Option<String>,
    pub iptables: Option<bool>,
    pub ip6tables: Option<bool>,
    pub userland_proxy: Option<bool>,
    /// Where the values came from, or why they could not be read.
    pub notes: Vec<String>,
}

/// Reads `/etc/docker/daemon.json` (when readable) and the arguments of running `dockerd`
/// processes (from /proc); an argument wins over the file, as in dockerd.
pub fn daemon_settings(daemon_json: &std::path::Path) -> DaemonSettings {
    let mut s = DaemonSettings::default();
    match std::fs::read_to_string(daemon_json) {
        Ok(text) => match serde_json::from_str::<Value>(&text) {
            Ok(v) => {
                s.ip = v["ip"].as_str().map(str::to_string);
                s.iptables = v["iptables"].as_bool();
                s.ip6tables = v["ip6tables"].as_bool();
                s.userland_proxy = v["userland-proxy"].as_bool();
                s.notes.push(format!("read {}", daemon_json.display()));
            }
            Err(e) => s
                .notes
                .push(format!("{} is not JSON: {e}", daemon_json.display())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => s.notes.push(format!(
            "{} does not exist (dockerd's defaults, unless its arguments say otherwise)",
            daemon_json.display()
        )),
        Err(e) => s
            .notes
            .push(format!("{} could not be read: {e}", daemon_json.display())),
    }
    let mut found = 0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let args: Vec<String> = cmdline
                .split(|&b| b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            if args
                .first()
                .is_none_or(|a| a.rsplit('/').next() != Some("dockerd"))
            {
                continue;
            }
            found += 1;
            apply_args(&args[1..], &mut s);
        }
    }
    if found == 0 {
        s.notes.push(
            "no dockerd process is visible in /proc (another namespace, or a remote engine): its arguments were not read".into(),
        );
    } else {
        s.notes
            .push(format!("read the arguments of {found} dockerd process(es)"));
    }
    s
}

fn apply_args(args: &[String], s: &mut DaemonSettings) {
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (args[i].clone(), None),
        };
        let boolean = |inline: &Option<String>| inline.as_deref().is_none_or(|v| v == "true");
        match flag.as_str() {
            "--ip" => {
                let value = inline.or_else(|| {
                    i += 1;
                    args.get(i).cloned()
                });
                s.ip = value;
            }
            "--iptables" => s.iptables = Some(boolean(&inline)),
            "--ip6tables" => s.ip6tables = Some(boolean(&inline)),
            "--userland-proxy" => s.userland_proxy = Some(boolean(&inline)),
            _ => {}
        }
        i += 1;
    }
}

/// Whether the host has a global-scope IPv6 address other than loopback (kernel scope 0 in
/// /proc/net/if_inet6, unique-local addresses included: they reach the local network).
/// `None` when the file cannot be read.
pub fn has_global_ipv6(if_inet6: &str) -> bool {
    if_inet6.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.len() >= 6 && fields[3] == "00" && fields[0] != "00000000000000000000000000000001"
    })
}
