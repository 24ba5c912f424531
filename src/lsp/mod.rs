//! The language server (`composeguard server`, stdio). (Being written.)

/// Runs the server on stdin/stdout until the client exits; returns the process exit code.
pub fn run() -> i32 {
    eprintln!("composeguard server: not available yet");
    2
}
