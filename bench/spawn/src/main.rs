//! `bench-spawn RESULT_FILE COMMAND [ARGS...]`
//!
//! Runs COMMAND (stdin, stdout and stderr inherited), waits for it with wait4(2), and writes
//! `wall_ns user_us sys_us maxrss_kib exit_code` to RESULT_FILE.
//!
//! Why not time it from Python: Linux keeps a process's peak RSS across exec, so a child forked
//! from the Python harness starts with Python's ~15 MiB as its "peak". Forked from this small
//! program, the baseline is this program's ~1-2 MiB, as with `/usr/bin/time -v`, but with
//! microsecond CPU times and a nanosecond wall clock taken around spawn and reap only.

use std::process::Command;
use std::time::Instant;

#[repr(C)]
#[derive(Default)]
struct Timeval {
    sec: i64,
    usec: i64,
}

/// `struct rusage` on 64-bit Linux.
#[repr(C)]
#[derive(Default)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    maxrss: i64,
    rest: [i64; 13],
}

unsafe extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: bench-spawn RESULT_FILE COMMAND [ARGS...]");
        std::process::exit(2);
    }
    let start = Instant::now();
    let child = match Command::new(&args[1]).args(&args[2..]).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench-spawn: {}: {e}", args[1]);
            std::process::exit(127);
        }
    };
    let mut status = 0;
    let mut usage = Rusage::default();
    // SAFETY: a plain system call on our own child, with valid out-pointers.
    let pid = unsafe { wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if pid < 0 {
        eprintln!("bench-spawn: wait4 failed: {}", std::io::Error::last_os_error());
        std::process::exit(2);
    }
    let code = if status & 0x7f == 0 { (status >> 8) & 0xff } else { 128 + (status & 0x7f) };
    let line = format!(
        "{} {} {} {} {}\n",
        wall.as_nanos(),
        usage.utime.sec * 1_000_000 + usage.utime.usec,
        usage.stime.sec * 1_000_000 + usage.stime.usec,
        usage.maxrss,
        code
    );
    if let Err(e) = std::fs::write(&args[0], line) {
        eprintln!("bench-spawn: {}: {e}", args[0]);
        std::process::exit(2);
    }
}
