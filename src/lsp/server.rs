//! The handshake, the message loop and the server's state: the open documents and a worker
//! thread that lints them and publishes diagnostics.
//!
//! Requests (code actions, formatting) are answered on the loop's thread from the current
//! text. Diagnostics are computed on the worker: a burst of changes is coalesced (only the
//! latest text of a document is linted), and a slow lint never holds up the loop. Every
//! handler runs under `catch_unwind`: a bug answers `InternalError` and is logged on stderr;
//! the server goes on.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionOptions, CodeActionParams, CodeActionProviderCapability, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DocumentFormattingParams,
    InitializeResult, OneOf, PositionEncodingKind, PublishDiagnosticsParams, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, Uri,
};
use serde_json::{Value, json};

use super::code_action::{code_actions, fix_all_kind};
use super::diagnostics::{Buffer, diagnostics};
use super::document::Document;
use super::formatting::format;
use super::log;

/// How long the worker waits for more changes before linting.
const DEBOUNCE: Duration = Duration::from_millis(30);
/// The most a burst of changes can delay diagnostics.
const MAX_DEBOUNCE: Duration = Duration::from_millis(300);

/// Files whose change can change the findings of an open document.
const WATCHED: [&str; 5] = [
    "**/composeguard.toml",
    "**/.composeguard.toml",
    "**/.env",
    "**/*.{yaml,yml}",
    // The baseline a config names (any name; `composeguard-baseline.json` in the docs).
    "**/*baseline*.json",
];

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![lsp_types::CodeActionKind::QUICKFIX, fix_all_kind()]),
            resolve_provider: Some(false),
            ..CodeActionOptions::default()
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// Serves one client on `connection` until it exits: 0 after `shutdown` then `exit`, 1 when
/// it exits without `shutdown` or goes away.
pub fn serve(connection: Connection) -> i32 {
    let Some(init) = initialize(&connection) else {
        return 1;
    };
    let (jobs, job_queue) = mpsc::channel::<Job>();
    let publisher = connection.sender.clone();
    let worker = std::thread::Builder::new()
        .name("composeguard-lsp-lint".into())
        .spawn(move || {
            lint_worker(job_queue, |message| {
                let _ = publisher.send(message);
            })
        });
    let worker = match worker {
        Ok(w) => w,
        Err(e) => {
            log(format!("cannot start the lint thread: {e}"));
            return 2;
        }
    };
    let mut server = Server {
        connection: &connection,
        docs: HashMap::new(),
        jobs,
        shutdown: false,
        watch_files: init
            .pointer("/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    let code = server.run();
    drop(server);
    if worker.join().is_err() {
        log("the lint thread failed");
    }
    code
}

/// Answers `initialize`; returns its params. Requests before it get `ServerNotInitialized`;
/// `None` when the client exits or goes away first.
fn initialize(connection: &Connection) -> Option<Value> {
    for message in &connection.receiver {
        match message {
            Message::Request(req) if req.method == "initialize" => {
                let result = InitializeResult {
                    capabilities: capabilities(),
                    server_info: Some(ServerInfo {
                        name: "composeguard".into(),
                        version: Some(env!("CARGO_PKG_VERSION").into()),
                    }),
                };
                let result = serde_json::to_value(result).unwrap_or(Value::Null);
                let _ = connection
                    .sender
                    .send(Response::new_ok(req.id, result).into());
                return Some(req.params);
            }
            Message::Request(req) => {
                let _ = connection.sender.send(
                    Response::new_err(
                        req.id,
                        ErrorCode::ServerNotInitialized as i32,
                        "the server is not initialized".into(),
                    )
                    .into(),
                );
            }
            Message::Notification(n) if n.method == "exit" => return None,
            _ => {}
        }
    }
    None
}

struct Server<'c> {
    connection: &'c Connection,
    docs: HashMap<Uri, Document>,
    jobs: mpsc::Sender<Job>,
    shutdown: bool,
    /// The client can be asked to watch files (`workspace/didChangeWatchedFiles`).
    watch_files: bool,
}

type Failure = (ErrorCode, String);

impl Server<'_> {
    fn run(&mut self) -> i32 {
        let connection = self.connection;
        for message in &connection.receiver {
            match message {
                Message::Request(req) => {
                    let response = self.request(req);
                    self.send(response.into());
                }
                Message::Notification(n) if n.method == "exit" => {
                    return if self.shutdown { 0 } else { 1 };
                }
                Message::Notification(n) => {
                    let method = n.method.clone();
                    if catch_unwind(AssertUnwindSafe(|| self.notification(n))).is_err() {
                        log(format!("internal error handling {method}"));
                    }
                }
                Message::Response(r) => {
                    if let Err(e) = r.response_result {
                        log(format!(
                            "the client answered {} with an error: {}",
                            r.id, e.message
                        ));
                    }
                }
            }
        }
        log("the client went away without `exit`");
        1
    }

    fn send(&self, message: Message) {
        if self.connection.sender.send(message).is_err() {
            log("cannot send: the connection is closed");
        }
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        if self.shutdown {
            return Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            );
        }
        let method = req.method.clone();
        match catch_unwind(AssertUnwindSafe(|| self.dispatch(req))) {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => {
                if !matches!(code, ErrorCode::MethodNotFound) {
                    log(format!("{method}: {message}"));
                }
                Response::new_err(id, code as i32, message)
            }
            Err(_) => {
                log(format!("internal error handling {method}"));
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("composeguard failed on {method} (see the server log)"),
                )
            }
        }
    }

    fn dispatch(&mut self, req: Request) -> Result<Value, Failure> {
        match req.method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            "textDocument/codeAction" => {
                let params: CodeActionParams = params(&req)?;
                let Some(doc) = self.docs.get(&params.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let buffer = self.buffer(doc);
                to_value(code_actions(&params, &buffer))
            }
            "textDocument/formatting" => {
                let params: DocumentFormattingParams = params(&req)?;
                let Some(doc) = self.docs.get(&params.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let buffer = self.buffer(doc);
                to_value(format(&buffer))
            }
            "initialize" => Err((
                ErrorCode::InvalidRequest,
                "the server is already initialized".into(),
            )),
            other => Err((
                ErrorCode::MethodNotFound,
                format!("composeguard does not handle {other}"),
            )),
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "initialized" => self.register_watchers(),
            "textDocument/didOpen" => {
                let Some(p) = notification_params::<DidOpenTextDocumentParams>(&n) else {
                    return;
                };
                let doc = Document::new(
                    &p.text_document.uri,
                    p.text_document.text,
                    p.text_document.version,
                );
                self.docs.insert(p.text_document.uri.clone(), doc);
                self.lint(&p.text_document.uri);
            }
            "textDocument/didChange" => {
                let Some(p) = notification_params::<DidChangeTextDocumentParams>(&n) else {
                    return;
                };
                let uri = p.text_document.uri;
                let Some(doc) = self.docs.get_mut(&uri) else {
                    log(format!(
                        "didChange for a document that is not open: {}",
                        uri.as_str()
                    ));
                    return;
                };
                doc.apply_changes(p.text_document.version, p.content_changes);
                self.lint(&uri);
            }
            "textDocument/didClose" => {
                let Some(p) = notification_params::<DidCloseTextDocumentParams>(&n) else {
                    return;
                };
                self.docs.remove(&p.text_document.uri);
                let _ = self.jobs.send(Job::Clear {
                    uri: p.text_document.uri,
                });
            }
            // The settings are read on every lint: re-lint everything.
            "workspace/didChangeConfiguration" | "workspace/didChangeWatchedFiles" => {
                let uris: Vec<Uri> = self.docs.keys().cloned().collect();
                for uri in uris {
                    self.lint(&uri);
                }
            }
            _ => {}
        }
    }

    /// Asks the client to tell about changes of the configuration file, `.env` files and
    /// compose files on disk, when it can.
    fn register_watchers(&self) {
        if !self.watch_files {
            return;
        }
        let watchers: Vec<Value> = WATCHED
            .iter()
            .map(|g| json!({ "globPattern": g }))
            .collect();
        let params = json!({
            "registrations": [{
                "id": "composeguard-watched-files",
                "method": "workspace/didChangeWatchedFiles",
                "registerOptions": { "watchers": watchers },
            }]
        });
        let id = RequestId::from("composeguard-register-watchers".to_string());
        self.send(Request::new(id, "client/registerCapability".into(), params).into());
    }

    /// The buffer of a document, with the other open files standing in for the disk.
    fn buffer<'d>(&self, doc: &'d Document) -> Buffer<'d> {
        Buffer {
            path: &doc.path,
            text: &doc.text,
            others: self.other_files(doc),
        }
    }

    fn other_files(&self, doc: &Document) -> HashMap<std::path::PathBuf, String> {
        self.docs
            .values()
            .filter(|d| d.is_file && d.path != doc.path)
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect()
    }

    fn lint(&self, uri: &Uri) {
        let Some(doc) = self.docs.get(uri) else {
            return;
        };
        let job = Job::Lint {
            uri: uri.clone(),
            version: doc.version,
            path: doc.path.clone(),
            text: doc.text.clone(),
            others: self.other_files(doc),
        };
        if self.jobs.send(job).is_err() {
            log("the lint thread is gone");
        }
    }
}

fn params<P: serde::de::DeserializeOwned>(req: &Request) -> Result<P, Failure> {
    serde_json::from_value(req.params.clone()).map_err(|e| {
        (
            ErrorCode::InvalidParams,
            format!("bad params for {}: {e}", req.method),
        )
    })
}

fn notification_params<P: serde::de::DeserializeOwned>(n: &Notification) -> Option<P> {
    match serde_json::from_value(n.params.clone()) {
        Ok(p) => Some(p),
        Err(e) => {
            log(format!("bad params for {}: {e}", n.method));
            None
        }
    }
}

fn to_value(value: impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

/// Work for the lint thread.
enum Job {
    Lint {
        uri: Uri,
        version: i32,
        path: std::path::PathBuf,
        text: String,
        others: HashMap<std::path::PathBuf, String>,
    },
    /// The document was closed: publish no diagnostics for it.
    Clear { uri: Uri },
}

impl Job {
    fn uri(&self) -> &Uri {
        match self {
            Job::Lint { uri, .. } | Job::Clear { uri } => uri,
        }
    }
}

/// Lints what the loop sends, latest text per document, and publishes the diagnostics.
/// Ends when the loop drops its sender.
fn lint_worker(queue: mpsc::Receiver<Job>, publish: impl Fn(Message)) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        let started = Instant::now();
        while started.elapsed() < MAX_DEBOUNCE {
            match queue.recv_timeout(DEBOUNCE) {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Only each document's last job counts; they are handled in the order sent.
        let superseded: Vec<bool> = (0..batch.len())
            .map(|i| batch[i + 1..].iter().any(|j| j.uri() == batch[i].uri()))
            .collect();
        for (job, superseded) in batch.into_iter().zip(superseded) {
            if superseded {
                continue;
            }
            let (uri, version, found) = match job {
                Job::Clear { uri } => (uri, None, Vec::new()),
                Job::Lint {
                    uri,
                    version,
                    path,
                    text,
                    others,
                } => {
                    let buffer = Buffer {
                        path: &path,
                        text: &text,
                        others,
                    };
                    match catch_unwind(AssertUnwindSafe(|| diagnostics(&uri, &buffer))) {
                        Ok(found) => (uri, Some(version), found),
                        Err(_) => {
                            log(format!("internal error linting {}", uri.as_str()));
                            continue;
                        }
                    }
                }
            };
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics: found,
                version,
            };
            publish(Notification::new("textDocument/publishDiagnostics".into(), params).into());
        }
    }
}
