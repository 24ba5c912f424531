//! The three output formats: an ssh command, an ssh_config block, an autossh command. Each
//! starts with `#` comments saying which forward is which and what was skipped, so the whole
//! output can be pasted into a shell or a config file.

use super::plan::shell_quote;
use super::{Exposed, Forward, Plan, Settings, TunnelFormat};

/// Keep-alives and fail-fast forwards, for the long-running formats.
const KEEPALIVE: [(&str, &str); 3] = [
    ("ServerAliveInterval", "30"),
    ("ServerAliveCountMax", "3"),
    ("ExitOnForwardFailure", "yes"),
];

pub fn render(plan: &Plan, settings: &Settings) -> String {
    let mut out = String::new();
    if settings.format == TunnelFormat::SshConfig {
        out.push_str(&format!(
            "# Add to ~/.ssh/config, then run: ssh -N {}\n",
            settings.alias
        ));
    }
    if settings.format != TunnelFormat::SshConfig {
        for (start, len) in groups(&plan.forwards) {
            let group = &plan.forwards[start..start + len];
            out.push_str(&format!("# {}\n", describe_group(group)));
        }
    }
    out.push_str(&notes(plan));
    match settings.format {
        TunnelFormat::Ssh => {
            let mut words = vec!["ssh".to_string(), "-N".to_string()];
            words.extend(connection_args(settings));
            words.extend(forward_args(plan));
            words.push(settings.destination.to_ssh_arg());
            out.push_str(&join(&words));
        }
        TunnelFormat::Autossh => {
            let mut words: Vec<String> = ["autossh", "-M", "0", "-N"].map(String::from).into();
            for (key, value) in keepalive(settings) {
                words.push("-o".into());
                words.push(format!("{key}={value}"));
            }
            words.extend(connection_args(settings));
            words.extend(forward_args(plan));
            words.push(settings.destination.to_ssh_arg());
            out.push_str(&join(&words));
        }
        TunnelFormat::SshConfig => out.push_str(&config_block(plan, settings)),
    }
    out
}

/// Forwards of one range of published ports (side by side, one apart in both ports),
/// described by one comment: index of the first forward, and how many.
fn groups(forwards: &[Forward]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, f) in forwards.iter().enumerate() {
        if let Some((start, len)) = out.last_mut() {
            let last = &forwards[*start + *len - 1];
            if f.note.is_some()
                && f.labels == last.labels
                && f.note == last.note
                && f.address == last.address
                && u32::from(f.local) == u32::from(last.local) + 1
                && u32::from(f.remote) == u32::from(last.remote) + 1
            {
                *len += 1;
                continue;
            }
        }
        out.push((i, 1));
    }
    out
}

/// `db: localhost:15432 -> 127.0.0.1:5432`, or for a range
/// `web: localhost:18000-18002 -> 127.0.0.1:8000-8002 (range 8000-8002)`.
fn describe_group(group: &[Forward]) -> String {
    let first = &group[0];
    let last = &group[group.len() - 1];
    let note = first
        .note
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let (local, remote) = if group.len() == 1 {
        (first.local.to_string(), first.remote_spec())
    } else {
        (
            format!("{}-{}", first.local, last.local),
            format!("{}-{}", first.remote_spec(), last.remote),
        )
    };
    format!(
        "{}: localhost:{local} -> {remote}{note}",
        first.labels.join(", ")
    )
}

/// Skipped ports, and a word on privileged local ports.
fn notes(plan: &Plan) -> String {
    let mut out = String::new();
    for s in &plan.skipped {
        out.push_str(&format!("# skipped {}: {}: {}\n", s.label, s.what, s.why));
    }
    if plan.forwards.iter().any(|f| f.local < 1024) {
        out.push_str(
            "# note: local ports below 1024 need root on this machine; use a larger --offset\n",
        );
    }
    out
}

/// `-p PORT -J JUMP -o KEY=VALUE ...`.
fn connection_args(settings: &Settings) -> Vec<String> {
    let mut words = Vec::new();
    if let Some(port) = settings.port {
        words.extend(["-p".to_string(), port.to_string()]);
    }
    if let Some(jump) = &settings.jump {
        words.extend(["-J".to_string(), jump.clone()]);
    }
    for option in &settings.options {
        words.extend(["-o".to_string(), option.to_arg()]);
    }
    words
}

fn forward_args(plan: &Plan) -> Vec<String> {
    plan.forwards
        .iter()
        .flat_map(|f| ["-L".to_string(), format!("{}:{}", f.local, f.remote_spec())])
        .collect()
}

/// The keep-alive options the user did not set with `--ssh-option`.
fn keepalive(settings: &Settings) -> Vec<(&'static str, &'static str)> {
    KEEPALIVE
        .into_iter()
        .filter(|(key, _)| {
            !settings
                .options
                .iter()
                .any(|o| o.key.eq_ignore_ascii_case(key))
        })
        .collect()
}

fn config_block(plan: &Plan, settings: &Settings) -> String {
    let mut out = format!("Host {}\n", settings.alias);
    let d = &settings.destination;
    out.push_str(&format!("    HostName {}\n", d.host));
    if let Some(user) = &d.user {
        out.push_str(&format!("    User {user}\n"));
    }
    if let Some(port) = settings.port {
        out.push_str(&format!("    Port {port}\n"));
    }
    if let Some(jump) = &settings.jump {
        out.push_str(&format!("    ProxyJump {jump}\n"));
    }
    for option in &settings.options {
        out.push_str(&format!("    {}\n", option.to_config()));
    }
    for (start, len) in groups(&plan.forwards) {
        let group = &plan.forwards[start..start + len];
        out.push_str(&format!("    # {}\n", describe_group(group)));
        for f in group {
            out.push_str(&format!(
                "    LocalForward {} {}\n",
                f.local,
                f.remote_spec()
            ));
        }
    }
    for (key, value) in keepalive(settings) {
        out.push_str(&format!("    {key} {value}\n"));
    }
    out
}

fn join(words: &[String]) -> String {
    let mut line = words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ");
    line.push('\n');
    line
}

/// The stderr report of ports published on every interface.
pub fn exposed_warnings(exposed: &[Exposed]) -> String {
    if exposed.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for e in exposed {
        out.push_str(&format!(
            "warning: {}: service `{}` publishes {} on every interface: anyone who can reach the server can reach it, with no tunnel{}\n",
            e.project, e.service, e.what, e.note
        ));
    }
    out.push_str(
        "hint: bind it to loopback with `composeguard check --fix` (add `--unsafe-fixes` for a service that is not known to be sensitive, or an explicit 0.0.0.0), then run `composeguard tunnel` again\n",
    );
    out
}
