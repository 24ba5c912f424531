//! JSON-RPC over stdio with `Content-Length` framing.
//!
//! lsp-server's own stdio transport ends the connection on the first malformed message; this
//! one logs a body that is not a JSON-RPC message and reads on (the framing is intact), and
//! gives up only when the framing itself is lost or stdin ends.

use std::io::{self, BufRead, Read, Write};
use std::thread::JoinHandle;

use lsp_server::{Connection, Message};

/// Messages bigger than this are skipped unread (a compose file is a few KB).
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;
/// A header line longer than this means the stream is not LSP.
const MAX_HEADER_LINE: usize = 8 * 1024;

/// The server's end of a stdio connection, and the thread that writes to stdout (it ends when
/// every sender of the connection is dropped).
pub fn stdio() -> io::Result<(Connection, JoinHandle<()>)> {
    let (server, transport) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = transport;
    std::thread::Builder::new()
        .name("composeguard-lsp-reader".into())
        .spawn(move || {
            let mut input = io::BufReader::new(raw_stdio::stdin());
            loop {
                match read_message(&mut input) {
                    Ok(None) => break,
                    Ok(Some(Ok(message))) => {
                        let exit =
                            matches!(&message, Message::Notification(n) if n.method == "exit");
                        if to_server.send(message).is_err() || exit {
                            break;
                        }
                    }
                    Ok(Some(Err(why))) => log(format!("ignoring a malformed message: {why}")),
                    Err(e) => {
                        log(format!("reading stdin: {e}"));
                        break;
                    }
                }
            }
        })?;
    let writer = std::thread::Builder::new()
        .name("composeguard-lsp-writer".into())
        .spawn(move || {
            let mut output = io::BufWriter::new(raw_stdio::stdout());
            for message in from_server {
                if let Err(e) = message.write(&mut output) {
                    log(format!("writing stdout: {e}"));
                    break;
                }
            }
        })?;
    Ok((server, writer))
}

/// Writes a line to stderr, from any thread. The server's log: the client shows or keeps it.
pub fn log(message: impl std::fmt::Display) {
    let line = format!("composeguard server: {message}\n");
    let _ = raw_stdio::stderr().write_all(line.as_bytes());
}

/// The standard streams. `main` starts the server before it takes any lock on them, so
/// the server's reader and writer threads may use them freely.
mod raw_stdio {
    pub fn stdin() -> std::io::Stdin {
        std::io::stdin()
    }

    pub fn stdout() -> std::io::Stdout {
        std::io::stdout()
    }

    pub fn stderr() -> std::io::Stderr {
        std::io::stderr()
    }
}

/// Reads one framed message. `Ok(None)` at the end of the input; `Ok(Some(Err(_)))` for a
/// well-framed body that is not a message (it has been consumed); `Err` when the framing is
/// lost.
pub fn read_message(input: &mut impl BufRead) -> io::Result<Option<Result<Message, String>>> {
    let mut length: Option<usize> = None;
    let mut seen_header = false;
    loop {
        let mut line = Vec::new();
        let read = input
            .by_ref()
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        if !line.ends_with(b"\n") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a header line is too long or cut short",
            ));
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !seen_header {
                // Stray blank lines between messages.
                continue;
            }
            break;
        }
        seen_header = true;
        let Some((name, value)) = line.split_once(':') else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("malformed header {line:?}"),
            ));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad Content-Length {value:?}"),
                )
            })?);
        }
    }
    let Some(length) = length else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a message without Content-Length",
        ));
    };
    if length > MAX_MESSAGE_BYTES {
        io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        return Ok(Some(Err(format!(
            "a message of {length} bytes, more than the {MAX_MESSAGE_BYTES} byte limit"
        ))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    let Ok(body) = String::from_utf8(body) else {
        return Ok(Some(Err("the body is not UTF-8".into())));
    };
    Ok(Some(
        serde_json::from_str::<Message>(&body).map_err(|e| format!("{e}: {}", excerpt(&body))),
    ))
}

fn excerpt(body: &str) -> String {
    let mut end = body.len().min(200);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}", &body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_messages_and_skips_a_malformed_body() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let text = format!("{}{}\r\n{}", frame("{not json"), frame(good), frame(good));
        let mut input = io::Cursor::new(text.into_bytes());
        assert!(matches!(read_message(&mut input), Ok(Some(Err(_)))));
        assert!(matches!(
            read_message(&mut input),
            Ok(Some(Ok(Message::Notification(_))))
        ));
        assert!(matches!(
            read_message(&mut input),
            Ok(Some(Ok(Message::Notification(_))))
        ));
        assert!(matches!(read_message(&mut input), Ok(None)));
    }

    #[test]
    fn lost_framing_is_an_error() {
        let mut input = io::Cursor::new(b"hello\r\n\r\n".to_vec());
        assert!(read_message(&mut input).is_err());
        let mut input = io::Cursor::new(b"Content-Type: x\r\n\r\n{}".to_vec());
        assert!(read_message(&mut input).is_err());
        let mut input = io::Cursor::new(b"Content-Length: 10\r\n\r\n{}".to_vec());
        assert!(read_message(&mut input).is_err());
    }
}
