//! The language server (`composeguard server`, stdio).
//!
//! - `transport`: Content-Length framed JSON-RPC on stdin/stdout that survives a malformed
//!   message (it is logged and skipped).
//! - `server`: the handshake, the message loop, open documents and the lint worker.
//! - `document`: text synchronisation (full or incremental, UTF-16 positions) and URIs.
//! - `diagnostics`: linting a buffer and `textDocument/publishDiagnostics`.
//! - `code_action`: quick fixes and `source.fixAll.composeguard`.
//! - `formatting`: `textDocument/formatting` (the safe fixes).
//! - `edits`: byte edits and whole-text changes as LSP `TextEdit`s.
//! - `settings`: the settings of a document, read again on every lint.
//! - `suppress_action`: the quick fix that inserts a suppression comment with `until=`.

mod code_action;
mod diagnostics;
mod document;
mod edits;
mod formatting;
mod server;
mod settings;
mod suppress_action;
mod transport;

pub use server::serve;
pub use settings::current_settings;
use transport::log;

/// Runs the server on stdin/stdout until the client exits; returns the process exit code
/// (0 after `shutdown` then `exit`, 1 when the client went away without them).
pub fn run() -> i32 {
    let (connection, writer) = match transport::stdio() {
        Ok(pair) => pair,
        Err(e) => {
            log(format!("cannot start: {e}"));
            return 2;
        }
    };
    let code = serve(connection);
    // Every sender is gone once `serve` returns: the writer flushes what is queued and ends.
    if writer.join().is_err() {
        log("the output thread failed");
    }
    code
}
