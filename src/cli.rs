//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::OutputFormat;

#[derive(Debug, Parser)]
#[command(
    name = "composeguard",
    // The Cargo version, and the commit when built from a git checkout (build.rs).
    version = env!("COMPOSEGUARD_VERSION"),
    about = "Finds services a Docker Compose file publishes on every interface, and binds them to loopback"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check compose files (and fix them with --fix).
    Check(CheckArgs),
    /// List every rule.
    Rules,
    /// Show the documentation of a rule.
    Rule {
        /// The rule id, e.g. sensitive-port-exposed.
        id: String,
    },
    /// List the catalogue of sensitive software (with the products of composeguard.toml's
    /// `[sensitive]` section) and what identifies each.
    Catalogue {
        /// The file or folder whose configuration adds products (default: the current folder).
        path: Option<PathBuf>,
        /// Only this category (database, cache, queue, search, object-store, secrets,
        /// admin-ui, observability, docker-api).
        #[arg(long)]
        category: Option<String>,
        /// `text` (a table) or `json` (every clue of every entry).
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        output_format: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print the resolved configuration (or the JSON Schema of the config file).
    Config {
        /// The file or folder whose configuration to show (default: the current folder).
        path: Option<PathBuf>,
        /// Print the JSON Schema of composeguard.toml instead.
        #[arg(long)]
        schema: bool,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print the ssh commands that reach services published on loopback.
    Tunnel(crate::tunnel::TunnelArgs),
    /// Audit the running Docker engine and the host firewall: what is really published
    /// (read only).
    Audit(crate::audit::AuditArgs),
    /// List every exception (suppression comments and `[[exceptions]]`) with its owner, end
    /// and days left; exit 1 when one has expired.
    Exceptions(crate::exceptions::command::ExceptionsArgs),
    /// Run the language server on stdin/stdout.
    Server,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check; `-` reads stdin. Default: the current folder.
    pub paths: Vec<PathBuf>,
    /// Apply fixes to the files and print a diff of what changed.
    #[arg(long)]
    pub fix: bool,
    /// Print the fixes as a unified diff on stdout (a patch for `git apply` or `patch -p1`),
    /// the findings on stderr, and write nothing (exit 1 when something would change).
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// Also apply fixes that may change what the author meant.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// With --fix, rewrite a file that has several hard links in place, so that every name
    /// sees the fix (not atomic). Without it such a file is not written.
    #[arg(long, requires = "fix")]
    pub fix_hard_links: bool,
    /// With --fix, also write files outside the paths given (an `include:` or `extends:` of a
    /// file elsewhere). Without it those files are not written, and their changes are listed.
    #[arg(long, requires = "fix")]
    pub fix_outside_paths: bool,
    /// The address exposed ports are bound to by the fixer (127.0.0.1, ::1, or an address in trusted-networks).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// The file name to use for stdin (for messages, config and `.env` lookup).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
    /// Write the report to this file (the terminal still gets the human view).
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,
    /// Rules or categories to run, replacing the default set (`all` for every rule).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,
    /// Rules or categories to run on top of the default set.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Rules or categories not to run.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_parser = ["error", "warning", "info"])]
    pub fail_on: Option<String>,
    /// Exit 0 even when findings remain (errors still exit 2): for format-on-save.
    #[arg(long)]
    pub exit_zero: bool,
    /// "Today" for exceptions with an end: `2027-01-31` or `2027-01-31T12:00:00Z`
    /// (default: $COMPOSEGUARD_NOW, else the clock).
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// Report only the findings this baseline file does not record (instead of the config's
    /// `baseline`); the summary counts the others. See docs/baseline.md.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the findings in this baseline file (replacing it) instead of reporting them
    /// (exit 0; nothing is written after an error).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "diff", "output_file"])]
    pub write_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Colour: auto (on a terminal), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
}

/// Where the configuration comes from.
#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArgs {
    /// Use this config file instead of searching for composeguard.toml upward.
    #[arg(long, value_name = "PATH", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every config file.
    #[arg(long)]
    pub isolated: bool,
}
