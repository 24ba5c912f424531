//! `composeguard tunnel`: ssh commands that reach loopback-bound services. (Being written.)

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct TunnelArgs {
    /// Files or folders to read (default: the current folder).
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: &TunnelArgs, io: &mut crate::run::Io) -> i32 {
    let _ = writeln!(io.stderr, "composeguard tunnel: not available yet");
    2
}

use std::io::Write;
