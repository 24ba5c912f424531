//! Values composeguard reads as the Docker engine applies them, checked on a real engine
//! (tests/engine/start.sh: a private dockerd and its `cg-busybox:1` image):
//!
//! * capabilities: every name composeguard calls unknown (`CAP_ALL`, `cap_all` ...) is refused
//!   by `docker create`, every name it accepts is created (`src/compose/capability.rs`);
//! * tmpfs flags: each `tmpfs:` entry and local tmpfs volume of a project is mounted with the
//!   `suid`/`dev`/`exec` flags composeguard's reader says (`src/compose/tmpfs.rs`), read from
//!   /proc/self/mountinfo in the container;
//! * named volumes whose `driver_opts` bind a host path are bind mounts of it, read-only
//!   exactly when composeguard says (`named_volume_bind`).
//!
//! Ignored by default (it needs dockerd); `.ci/run` runs it after starting the engine, with
//! COMPOSEGUARD_REQUIRE_ENGINE=1, where a missing engine fails it. Run alone:
//! `bash tests/engine/start.sh && cargo test --test engine_values -- --include-ignored`
//! (COMPOSEGUARD_ENGINE_DIR as for start.sh).

mod skip_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use composeguard::compose::capability::Capability;
use composeguard::compose::model::Project;
use composeguard::compose::mounts::{mounts, named_volume_bind};
use composeguard::compose::project::LoadOptions;
use composeguard::compose::tmpfs::{Flag, tmpfs_mounts};

const IMAGE: &str = "cg-busybox:1";

fn docker(args: &[&str]) -> Output {
    let dir = std::env::var_os("COMPOSEGUARD_ENGINE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/composeguard-engine"));
    Command::new("docker")
        .args(args)
        .env(
            "DOCKER_HOST",
            format!("unix://{}", dir.join("docker.sock").display()),
        )
        .output()
        .unwrap_or_else(|e| panic!("docker: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether the engine and its image are here; without them the test skips, or fails with
/// COMPOSEGUARD_REQUIRE_ENGINE=1.
fn engine() -> bool {
    let found = Command::new("docker").arg("--version").output().is_ok()
        && docker(&["image", "inspect", IMAGE]).status.success();
    if !found {
        assert!(
            std::env::var_os("COMPOSEGUARD_REQUIRE_ENGINE").is_none_or(|v| v != "1"),
            "COMPOSEGUARD_REQUIRE_ENGINE=1 but no engine with {IMAGE} (tests/engine/start.sh)"
        );
        skip_support::skipped(&format!(
            "no Docker engine with {IMAGE} (tests/engine/start.sh)"
        ));
    }
    found
}

fn load(dir: &Path, yaml: &str) -> Project {
    let path = dir.join("compose.yaml");
    std::fs::write(&path, yaml).unwrap();
    let options = LoadOptions {
        process_env: Some(Vec::new()),
        skip_override: true,
        ..LoadOptions::default()
    };
    Project::load(&path, None, &options).expect("the project loads")
}

#[test]
#[ignore = "needs a Docker engine (tests/engine/start.sh)"]
fn capabilities_as_the_daemon_reads_them() {
    if !engine() {
        return;
    }
    for name in [
        "CAP_ALL",
        "cap_all",
        "ALL",
        "all",
        "SYS_NICE",
        "cap_sys_nice",
        "IPC_LOCK",
        "LEASE",
        "NET_ADMN",
        " NET_ADMIN",
    ] {
        let out = docker(&["create", "--cap-add", name, IMAGE, "true"]);
        let created = out.status.success();
        if created {
            let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
            docker(&["rm", &id]);
        }
        let unknown = matches!(Capability::parse(name), Capability::Unknown(_));
        assert_eq!(
            created,
            !unknown,
            "{name:?}: composeguard reads {:?}; docker create: {}",
            Capability::parse(name),
            text(&out)
        );
    }
}

#[test]
#[ignore = "needs a Docker engine (tests/engine/start.sh)"]
fn tmpfs_flags_as_mounted() {
    if !engine() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let project = load(
        tmp.path(),
        "services:\n  a:\n    image: busybox\n    tmpfs:\n      - /a\n      - /b:suid\n      - /c:dev,size=1m\n      - /d:suid,nosuid\n      - /e:rw,exec\n    volumes:\n      - ram:/ram\n      - safe:/safe\nvolumes:\n  ram:\n    driver_opts: {type: tmpfs, device: tmpfs, o: size=8m}\n  safe:\n    driver_opts: {type: tmpfs, device: tmpfs, o: \"size=8m,nosuid,nodev,noexec\"}\n",
    );
    let service = project.service("a").unwrap();
    let all = tmpfs_mounts(&project, service);
    assert_eq!(all.len(), 7);
    let mut args: Vec<String> = vec![
        "run".into(),
        "--rm".into(),
        "--network".into(),
        "none".into(),
    ];
    let mut volumes = Vec::new();
    for t in &all {
        match &t.volume {
            None if t.options.is_empty() => args.extend(["--tmpfs".into(), t.path.clone()]),
            None => args.extend([
                "--tmpfs".into(),
                format!("{}:{}", t.path, t.options.join(",")),
            ]),
            Some(name) => {
                let volume = format!("cg-values-{name}");
                docker(&["volume", "rm", "-f", &volume]);
                let o = format!("o={}", t.options.join(","));
                let made = docker(&[
                    "volume",
                    "create",
                    "-d",
                    "local",
                    "-o",
                    "type=tmpfs",
                    "-o",
                    "device=tmpfs",
                    "-o",
                    &o,
                    &volume,
                ]);
                assert!(made.status.success(), "{}", text(&made));
                args.extend(["-v".into(), format!("{volume}:{}", t.path)]);
                volumes.push(volume);
            }
        }
    }
    args.extend([IMAGE.into(), "cat".into(), "/proc/self/mountinfo".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = docker(&args);
    for volume in &volumes {
        docker(&["volume", "rm", "-f", volume]);
    }
    assert!(out.status.success(), "{}", text(&out));
    let mountinfo = String::from_utf8_lossy(&out.stdout).into_owned();
    for t in &all {
        // `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ...`
        let line = mountinfo
            .lines()
            .find(|l| l.split(' ').nth(4) == Some(t.path.as_str()))
            .unwrap_or_else(|| panic!("{} is not mounted:\n{mountinfo}", t.path));
        let flags: Vec<&str> = line.split(' ').nth(5).unwrap().split(',').collect();
        for (flag, off) in [
            (Flag::Exec, "noexec"),
            (Flag::Suid, "nosuid"),
            (Flag::Dev, "nodev"),
        ] {
            assert_eq!(
                t.allows(flag),
                !flags.contains(&off),
                "{} ({:?}): composeguard says {flag:?} {}; mounted {line}",
                t.path,
                t.options,
                t.allows(flag)
            );
        }
    }
}

#[test]
#[ignore = "needs a Docker engine (tests/engine/start.sh)"]
fn named_volumes_that_bind_a_host_path() {
    if !engine() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let host = tmp.path().join("host");
    std::fs::create_dir(&host).unwrap();
    let device = host.display().to_string();
    let cases = [
        ("none", "bind"),
        ("none", "bind,ro"),
        ("none", "ro,bind"),
        ("none", "rbind"),
        ("ext4", "bind"),
        ("none", "BIND"),
    ];
    let mut yaml = String::from("services:\n  a:\n    image: busybox\n    volumes:\n");
    for i in 0..cases.len() {
        yaml.push_str(&format!("      - v{i}:/m{i}\n"));
    }
    yaml.push_str("volumes:\n");
    for (i, (fs_type, o)) in cases.iter().enumerate() {
        yaml.push_str(&format!(
            "  v{i}:\n    driver_opts:\n      type: {fs_type}\n      o: \"{o}\"\n      device: {device}\n"
        ));
    }
    let project = load(tmp.path(), &yaml);
    let service = project.service("a").unwrap();
    let read = mounts(&project, service);
    for (i, (fs_type, o)) in cases.iter().enumerate() {
        let bind = named_volume_bind(&project, &format!("v{i}"));
        assert_eq!(read[i].volume_bind.is_some(), bind.is_some());
        let volume = format!("cg-values-bind{i}");
        docker(&["volume", "rm", "-f", &volume]);
        let (t, opt, dev) = (
            format!("type={fs_type}"),
            format!("o={o}"),
            format!("device={device}"),
        );
        let made = docker(&[
            "volume", "create", "-d", "local", "-o", &t, "-o", &opt, "-o", &dev, &volume,
        ]);
        assert!(made.status.success(), "{}", text(&made));
        let marker = format!("from-container-{i}");
        let out = docker(&[
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            &format!("{volume}:/m"),
            IMAGE,
            "sh",
            "-c",
            &format!("echo x > /m/{marker}"),
        ]);
        docker(&["volume", "rm", "-f", &volume]);
        let mounted = !text(&out).contains("no such device");
        let wrote = host.join(&marker).exists();
        match &bind {
            Some(b) => {
                assert!(mounted, "v{i} ({fs_type}, {o}): {}", text(&out));
                assert_eq!(wrote, !b.read_only, "v{i} ({fs_type}, {o}): {}", text(&out));
                assert_eq!(b.device.path, device);
            }
            None => assert!(!wrote, "v{i} ({fs_type}, {o}) bound the host path"),
        }
    }
}

#[test]
#[ignore = "needs a Docker engine (tests/engine/start.sh)"]
fn no_new_privileges_values_as_the_daemon_parses_them() {
    if !engine() {
        return;
    }
    for value in [
        "true", "1", "t", "T", "TRUE", "false", "0", "f", "yes", "on", "tRUE",
    ] {
        let opt = format!("no-new-privileges:{value}");
        let out = docker(&[
            "run",
            "--rm",
            "--network",
            "none",
            "--security-opt",
            &opt,
            IMAGE,
            // The image has a few busybox applets (tests/engine/start.sh), no grep.
            "cat",
            "/proc/self/status",
        ]);
        let daemon = out
            .status
            .success()
            .then(|| text(&out).contains("NoNewPrivs:\t1"));
        assert_eq!(
            composeguard::compose::boolean::parse_go_bool(value),
            daemon,
            "{opt}: {}",
            text(&out)
        );
    }
}
