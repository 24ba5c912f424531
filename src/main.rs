use std::process::ExitCode;

/// mimalloc instead of glibc's allocator: with two threads checking files, glibc's per-thread
/// arenas made the same run cost a third more CPU than on one thread (measured in
/// docs/performance.md); ruff makes the same choice.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use composeguard::cli::{Cli, Command};

fn main() -> ExitCode {
    no_transparent_huge_pages();
    let cli = Cli::parse();
    // The language server reads and writes the standard streams from its own threads:
    // start it before this thread locks them.
    if let Command::Server = cli.command {
        return ExitCode::from(composeguard::lsp::run() as u8);
    }
    let mut stdin = std::io::stdin().lock();
    let mut stdout = composeguard::output::CheckedOutput::new(std::io::stdout().lock());
    let mut stderr = std::io::stderr().lock();
    let mut io = composeguard::run::Io::real(&mut stdin, &mut stdout, &mut stderr);
    let mut code = match &cli.command {
        Command::Check(args) => composeguard::run::check(args, &mut io),
        Command::Rules => composeguard::run::list_rules(&mut io),
        Command::Rule { id } => composeguard::run::show_rule(id, &mut io),
        Command::Config {
            path,
            schema,
            config,
        } => composeguard::run::show_config(path.as_deref(), *schema, config, &mut io),
        Command::Catalogue {
            path,
            category,
            output_format,
            config,
        } => composeguard::run::show_catalogue(
            path.as_deref(),
            category.as_deref(),
            output_format == "json",
            config,
            &mut io,
        ),
        Command::Tunnel(args) => composeguard::tunnel::run(args, &mut io),
        Command::Audit(args) => composeguard::audit::run(args, &mut io),
        Command::Exceptions(args) => composeguard::exceptions::command::run(args, &mut io),
        Command::Server => unreachable!("handled above"),
    };
    // Output that did not reach its destination is a failure, even under --exit-zero.
    if let Some(e) = stdout.finish() {
        use std::io::Write;
        let _ = writeln!(stderr, "error: cannot write the output: {e}");
        code = composeguard::run::EXIT_ERROR;
    }
    ExitCode::from(code as u8)
}

/// Turns transparent huge pages off for this process. Where the kernel gives them to every
/// anonymous mapping (`enabled = always`), the first touch of each of the allocator's 2 MiB
/// regions zeroes the whole 2 MiB: a quarter of the time of a short run went to clearing
/// pages, and a small process held megabytes it never used.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integers only and changes nothing but this process's
    // page-fault policy; a kernel without it returns an error, which is harmless.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
