//! The language server end to end: `composeguard server` as a subprocess, spoken to in
//! JSON-RPC with Content-Length framing, as an editor does.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: mpsc::Receiver<Value>,
    /// Messages read while waiting for something else.
    backlog: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start(cwd: &Path) -> Client {
        Client::start_with(cwd, &[])
    }

    /// With these environment variables (`COMPOSEGUARD_NOW`).
    fn start_with(cwd: &Path, vars: &[(&str, &str)]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_composeguard"))
            .arg("server")
            .envs(vars.iter().copied())
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start composeguard server");
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    let (name, value) = line.split_once(':').expect("a header");
                    if name.eq_ignore_ascii_case("content-length") {
                        length = Some(value.trim().parse::<usize>().unwrap());
                    }
                }
                let mut body = vec![0; length.expect("Content-Length")];
                reader.read_exact(&mut body).unwrap();
                let message: Value = serde_json::from_slice(&body).expect("a JSON body");
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Client {
            child,
            stdin,
            incoming,
            backlog: Vec::new(),
            next_id: 1,
        }
    }

    fn write_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend(body);
        self.write_raw(&framed);
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message that satisfies `want`, keeping the others for later.
    fn wait_for(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&want) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if want(&m) => return m,
                Ok(m) => self.backlog.push(m),
                Err(_) => panic!("timed out waiting for {what}; got {:#?}", self.backlog),
            }
        }
    }

    /// Sends a request; its whole response (`result` or `error`).
    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(&format!("the response to {method}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{method}: {response:#}");
        response["result"].clone()
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait_for(&format!("diagnostics of {uri} v{version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn initialize(&mut self, root: &Path) -> Value {
        self.initialize_with(root, json!({"general": {"positionEncodings": ["utf-16"]}}))
    }

    fn initialize_with(&mut self, root: &Path, capabilities: Value) -> Value {
        let result = self.request(
            "initialize",
            json!({"processId": null, "rootUri": uri_of(root), "capabilities": capabilities}),
        );
        self.notify("initialized", json!({}));
        result
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    /// `shutdown` then `exit`: the exit status.
    fn shutdown(mut self) -> i32 {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.wait()
    }

    fn wait(mut self) -> i32 {
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri_of(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_str().unwrap().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The rules these tests are about: other rules come and go, the findings here must not.
const SELECT: &str = "select = [\"sensitive-port-exposed\", \"port-exposed-all-interfaces\"]\n";

/// A folder of its own for each test, with a config file that selects the exposure rules.
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().canonicalize().unwrap();
    std::fs::write(path.join("composeguard.toml"), SELECT).unwrap();
    (dir, path)
}

/// The byte offset of an LSP position (UTF-16 columns).
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let mut start = 0;
    for _ in 0..line {
        start += text[start..]
            .find('\n')
            .map_or(text.len() - start, |i| i + 1);
    }
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// Applies LSP text edits as a client does (every range is in the original text).
fn apply(text: &str, edits: &[Value]) -> String {
    let mut ranged: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(text, &e["range"]["start"]),
                offset(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    ranged.sort_by_key(|(s, e, _)| (*s, *e));
    let mut out = String::new();
    let mut at = 0;
    for (start, end, new) in ranged {
        assert!(start >= at, "overlapping edits: {edits:#?}");
        out.push_str(&text[at..start]);
        out.push_str(new);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

fn range(start: (u32, u32), end: (u32, u32)) -> Value {
    json!({
        "start": {"line": start.0, "character": start.1},
        "end": {"line": end.0, "character": end.1},
    })
}

const OPENED: &str =
    "services:\n  db: {image: postgres:16, labels: {note: \"café 😀\"}, ports: [\"5432:5432\"]}\n";
const APPENDED: &str = "  cache:\n    image: redis:7\n    ports:\n      - \"6379:6379\"\n  web:\n    build: .\n    ports:\n      - \"8000:8000\"\n";

#[test]
fn diagnostics_code_actions_and_formatting_in_utf16() {
    let (_dir, root) = workdir();
    let path = root.join("compose.yaml");
    let uri = uri_of(&path);
    let mut client = Client::start(&root);

    let init = client.initialize(&root);
    let caps = &init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["documentFormattingProvider"], true);
    let kinds = caps["codeActionProvider"]["codeActionKinds"]
        .as_array()
        .unwrap();
    assert!(kinds.contains(&json!("quickfix")));
    assert!(kinds.contains(&json!("source.fixAll.composeguard")));

    // 1. Open: one finding, after `é` and `😀` on its line.
    client.open(&uri, OPENED);
    let found = client.diagnostics(&uri, 1);
    assert_eq!(codes(&found), ["sensitive-port-exposed"], "{found:#?}");
    let d = &found[0];
    let line = OPENED.lines().nth(1).unwrap();
    let at = line.find("\"5432:5432\"").unwrap();
    // 65 bytes, 61 characters, 62 UTF-16 code units (😀 is two) before the finding.
    assert_eq!(
        (
            at,
            line[..at].chars().count(),
            line[..at].encode_utf16().count()
        ),
        (65, 61, 62)
    );
    assert_eq!(d["range"], range((1, 62), (1, 73)), "{d:#}");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "composeguard");
    assert_eq!(
        d["codeDescription"]["href"],
        "https://github.com/composeguard/composeguard/blob/main/rules/docs/sensitive-port-exposed.md"
    );
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("service `db` publishes port 5432"),
        "{message}"
    );
    assert!(
        message.contains("\nhelp: bind it to 127.0.0.1"),
        "{message}"
    );

    // 2. The quick fix at the finding inserts the bind address after the opening quote.
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": range((1, 65), (1, 65)),
            "context": {"diagnostics": [d]},
        }),
    );
    let actions = actions.as_array().unwrap();
    let quickfix = actions
        .iter()
        .find(|a| a["kind"] == "quickfix")
        .expect("a quick fix");
    assert_eq!(quickfix["title"], "Bind to 127.0.0.1");
    assert_eq!(quickfix["isPreferred"], true);
    assert_eq!(quickfix["diagnostics"][0]["code"], "sensitive-port-exposed");
    let edits = quickfix["edit"]["changes"][&uri].as_array().unwrap();
    assert_eq!(
        edits,
        &[json!({"range": range((1, 63), (1, 63)), "newText": "127.0.0.1:"})]
    );
    let fixed_line = line.replace("\"5432:5432\"", "\"127.0.0.1:5432:5432\"");
    let fixed = OPENED.replace(line, &fixed_line);
    assert_eq!(apply(OPENED, edits), fixed);
    let fix_all = actions
        .iter()
        .find(|a| a["kind"] == "source.fixAll.composeguard")
        .expect("a fix-all action");
    assert_eq!(fix_all["title"], "Fix all (composeguard)");
    assert_eq!(
        apply(OPENED, fix_all["edit"]["changes"][&uri].as_array().unwrap()),
        fixed
    );
    // A range away from the finding has no quick fix; `only` filters by kind.
    let away = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range((0, 0), (0, 3)), "context": {"diagnostics": []}}),
    );
    let away: Vec<&Value> = away.as_array().unwrap().iter().collect();
    assert!(away.iter().all(|a| a["kind"] != "quickfix"), "{away:#?}");
    let only = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range((1, 65), (1, 65)),
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let only: Vec<&Value> = only.as_array().unwrap().iter().collect();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["kind"], "source.fixAll.composeguard");

    // 3. An incremental change adds two services: the diagnostics follow.
    let mut text = OPENED.to_string();
    client.change(
        &uri,
        2,
        json!([{"range": range((2, 0), (2, 0)), "text": APPENDED}]),
    );
    text.push_str(APPENDED);
    let found = client.diagnostics(&uri, 2);
    assert_eq!(
        codes(&found),
        [
            "sensitive-port-exposed",
            "sensitive-port-exposed",
            "port-exposed-all-interfaces"
        ],
        "{found:#?}"
    );
    assert_eq!(found[1]["range"], range((5, 8), (5, 19)));
    assert_eq!(found[2]["severity"], 2);
    // The web app may be public on purpose: its fix is offered, marked unsafe.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range((9, 10), (9, 10)),
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 2, "{actions:#?}");
    assert_eq!(actions[0]["title"], "Bind to 127.0.0.1 (unsafe)");
    assert_eq!(actions[0]["isPreferred"], false);
    // Then the suppression that ends (see a_suppression_that_ends_...).
    assert!(
        actions[1]["title"]
            .as_str()
            .unwrap()
            .starts_with("Suppress port-exposed-all-interfaces until "),
        "{actions:#?}"
    );

    // 4. Formatting applies the safe fixes only.
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = apply(&text, edits.as_array().unwrap());
    let expected = text
        .replace("\"5432:5432\"", "\"127.0.0.1:5432:5432\"")
        .replace("\"6379:6379\"", "\"127.0.0.1:6379:6379\"");
    assert_eq!(formatted, expected);
    client.change(&uri, 3, json!([{"text": formatted}]));
    let found = client.diagnostics(&uri, 3);
    assert_eq!(codes(&found), ["port-exposed-all-interfaces"]);
    // Formatting a clean buffer changes nothing.
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits, json!([]));

    // 5. A buffer that does not parse: one diagnostic where the parser stopped.
    client.change(
        &uri,
        4,
        json!([{"text": "services:\n  db: {image: \"postgres\"\n"}]),
    );
    let found = client.diagnostics(&uri, 4);
    assert_eq!(codes(&found), ["invalid-compose"], "{found:#?}");
    assert_eq!(found[0]["severity"], 1);
    assert!(found[0]["range"]["start"]["line"].as_u64().unwrap() >= 1);
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits, json!([]));

    // 6. Unknown requests are refused, the server goes on.
    let response = client.request_raw("composeguard/unknown", json!({}));
    assert_eq!(response["error"]["code"], -32601);

    // 7. Closing clears the diagnostics.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let cleared = client.wait_for("cleared diagnostics", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && m["params"]["diagnostics"] == json!([])
    });
    assert!(cleared["params"].get("version").is_none_or(Value::is_null));

    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_config_change_is_picked_up_without_restart() {
    let (_dir, root) = workdir();
    let uri = uri_of(&root.join("compose.yaml"));
    let mut client = Client::start(&root);
    // A client that can watch files is asked to watch the config file.
    client.initialize_with(
        &root,
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
    );
    let register = client.wait_for("client/registerCapability", |m| {
        m["method"] == "client/registerCapability"
    });
    let registration = &register["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = registration["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(globs.contains(&"**/composeguard.toml"), "{globs:?}");
    assert!(globs.contains(&"**/.composeguard.toml"), "{globs:?}");
    client.send(json!({"jsonrpc": "2.0", "id": register["id"], "result": null}));
    client.open(
        &uri,
        "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n",
    );
    assert_eq!(
        codes(&client.diagnostics(&uri, 1)),
        ["sensitive-port-exposed"]
    );

    // A config file that binds to ::1: the fix follows at once.
    let config = root.join("composeguard.toml");
    std::fs::write(&config, format!("{SELECT}bind-address = \"::1\"\n")).unwrap();
    let changed = json!({"changes": [{"uri": uri_of(&config), "type": 2}]});
    client.notify("workspace/didChangeWatchedFiles", changed.clone());
    let found = client.diagnostics(&uri, 1);
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("bind it to ::1"),
        "{found:#?}"
    );
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], "[::1]:");

    // Ignoring the rule empties the diagnostics (re-linted on didChangeConfiguration too).
    std::fs::write(
        &config,
        format!("{SELECT}ignore = [\"sensitive-port-exposed\"]\n"),
    )
    .unwrap();
    client.notify("workspace/didChangeConfiguration", json!({"settings": {}}));
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());

    // A broken config file is reported, and the defaults are used meanwhile.
    std::fs::write(&config, "no-such-key = 1\n").unwrap();
    client.notify("workspace/didChangeWatchedFiles", changed);
    let found = client.diagnostics(&uri, 1);
    let codes = codes(&found);
    assert_eq!(codes[0], "invalid-config", "{found:#?}");
    assert!(codes.contains(&"sensitive-port-exposed"), "{found:#?}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("composeguard.toml"),
        "{found:#?}"
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn malformed_messages_and_bad_params_do_not_stop_the_server() {
    let (_dir, root) = workdir();
    let mut client = Client::start(&root);
    // Before initialize: refused.
    let early = client.request_raw("textDocument/formatting", json!({}));
    assert_eq!(early["error"]["code"], -32002);
    client.initialize(&root);
    client.write_raw(b"Content-Length: 9\r\n\r\n{not json");
    client.write_raw(b"Content-Length: 2\r\n\r\n[]");
    let bad = client.request_raw("textDocument/codeAction", json!({"nonsense": true}));
    assert_eq!(bad["error"]["code"], -32602);
    // A document the server never saw.
    let none = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": "file:///nowhere/compose.yaml"}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(none, Value::Null);
    // Changes to an unknown document and out-of-range positions are tolerated.
    client.change("file:///nowhere/compose.yaml", 2, json!([{"text": "x"}]));
    let uri = uri_of(&root.join("compose.yaml"));
    client.open(&uri, "services: {}\n");
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());
    client.change(
        &uri,
        2,
        json!([{"range": range((40, 99), (2, 0)), "text": "\u{0}😀"}]),
    );
    client.diagnostics(&uri, 2);
    let after = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range((90, 0), (0, 0)), "context": {"diagnostics": []}}),
    );
    assert!(after.is_array());
    // After shutdown, requests are refused; `exit` then ends with 0.
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    let late = client.request_raw("textDocument/formatting", json!({}));
    assert_eq!(late["error"]["code"], -32600);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait(), 0);
}

#[test]
fn exit_without_shutdown_is_an_error_status() {
    let (_dir, root) = workdir();
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait(), 1);
}

/// Every compose file under testdata/ (the fixtures, the accuracy corpus and the rest): the
/// YAML files whose name starts with `compose` or `docker-compose`.
fn compose_files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            compose_files_under(&path, out);
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy();
        let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        if yaml && (name.starts_with("compose") || name.starts_with("docker-compose")) {
            out.push(path);
        }
    }
}

/// A finding as both interfaces can state it: rule, start and end as (line, byte offset),
/// severity and message.
type Agreed = (String, (usize, usize), (usize, usize), String, String);

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count()
}

#[test]
fn the_server_and_check_report_the_same_findings_on_every_compose_file_under_testdata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .canonicalize()
        .unwrap();
    let mut files = Vec::new();
    compose_files_under(&root, &mut files);
    let mut client = Client::start(&root);
    client.initialize(&root);
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let dir = path.parent().unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_composeguard"))
            .args(["check", "--output-format", "json"])
            .arg(path)
            .current_dir(dir)
            .output()
            .unwrap();
        let mut from_check: Vec<Agreed> = Vec::new();
        if !output.stdout.is_empty() {
            let document: Value = serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|e| panic!("{}: check's JSON: {e}", path.display()));
            for f in document["findings"].as_array().unwrap() {
                if dir
                    .join(f["file"].as_str().unwrap())
                    .canonicalize()
                    .ok()
                    .as_ref()
                    != Some(path)
                {
                    continue;
                }
                let (start, end) = (
                    f["span"]["start"].as_u64().unwrap() as usize,
                    f["span"]["end"].as_u64().unwrap() as usize,
                );
                assert_eq!(
                    f["start"]["line"].as_u64().unwrap() as usize,
                    line_of(&text, start) + 1
                );
                from_check.push((
                    f["rule"].as_str().unwrap().to_string(),
                    (line_of(&text, start), start),
                    (line_of(&text, end), end),
                    f["severity"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                ));
            }
        }
        // Every file here can be read: a file Compose rejects is a finding, not an error.
        assert_ne!(
            output.status.code(),
            Some(2),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let uri = uri_of(path);
        client.open(&uri, &text);
        let mut from_server: Vec<Agreed> = client
            .diagnostics(&uri, 1)
            .iter()
            .filter(|d| d["code"] != "invalid-config")
            .map(|d| {
                let (start, end) = (
                    offset(&text, &d["range"]["start"]),
                    offset(&text, &d["range"]["end"]),
                );
                assert_eq!(
                    d["range"]["start"]["line"].as_u64().unwrap() as usize,
                    line_of(&text, start)
                );
                let message = d["message"].as_str().unwrap();
                let message = message.split_once("\nhelp: ").map_or(message, |(m, _)| m);
                let severity = match d["severity"].as_u64() {
                    Some(1) => "error",
                    Some(2) => "warning",
                    Some(3) => "info",
                    other => panic!("severity {other:?}"),
                };
                (
                    d["code"].as_str().unwrap().to_string(),
                    (line_of(&text, start), start),
                    (line_of(&text, end), end),
                    severity.to_string(),
                    message.to_string(),
                )
            })
            .collect();
        client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
        from_check.sort();
        from_server.sort();
        compared += 1;
        if from_check != from_server {
            disagreements.push(format!(
                "{}:\n  check:  {from_check:?}\n  server: {from_server:?}",
                path.display()
            ));
        }
    }
    println!("compared the server's diagnostics with check's findings on {compared} files");
    assert!(compared >= 100, "only {compared} files compared");
    assert!(
        disagreements.is_empty(),
        "{} of {compared} files disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Ports whose fix is unsafe (a web app) before ports whose fix is safe (a database), on one
/// line and on several.
const UNSAFE_FIRST: &str = "services:\n  web: {build: ., ports: [\"8000:8000\"]}\n  db: {image: postgres:16, ports: [\"5432:5432\"]}\n  app:\n    build: .\n    ports: [\"9000:9000\", \"127.0.0.1:1:1\"]\n  cache:\n    image: redis:7\n    ports: [\"6379:6379\"]\n";

#[test]
fn quick_fixes_offer_the_safe_fix_first_and_mark_the_unsafe_ones() {
    let (_dir, root) = workdir();
    let path = root.join("compose.yaml");
    std::fs::write(&path, UNSAFE_FIRST).unwrap();
    let uri = uri_of(&path);
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.open(&uri, UNSAFE_FIRST);
    assert!(!client.diagnostics(&uri, 1).is_empty());
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range((0, 0), (9, 0)),
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    // The fixes (the suppressions that follow them are tested on their own).
    let actions: Vec<&Value> = actions
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["title"].as_str().unwrap().starts_with("Suppress "))
        .collect();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    let unsafe_ones = titles.iter().filter(|t| t.ends_with(" (unsafe)")).count();
    assert!(unsafe_ones >= 2 && unsafe_ones < titles.len(), "{titles:?}");
    // Every safe fix, preferred, then every unsafe one, marked and not preferred.
    let first_unsafe = titles
        .iter()
        .position(|t| t.ends_with(" (unsafe)"))
        .unwrap();
    for (i, action) in actions.iter().enumerate() {
        let safe = i < first_unsafe;
        assert_eq!(
            titles[i].ends_with(" (unsafe)"),
            !safe,
            "safe fixes first: {titles:?}"
        );
        assert_eq!(action["isPreferred"], safe, "{action:#}");
    }
    assert_eq!(actions[0]["isPreferred"], true);
    // Fix all applies the safe fixes only.
    let fix_all = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range((0, 0), (0, 0)),
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let edits = fix_all[0]["edit"]["changes"][&uri].as_array().unwrap();
    let fixed = apply(UNSAFE_FIRST, edits);
    assert!(fixed.contains("\"127.0.0.1:5432:5432\"") && fixed.contains("\"127.0.0.1:6379:6379\""));
    assert!(
        fixed.contains("[\"8000:8000\"]") && fixed.contains("[\"9000:9000\""),
        "{fixed}"
    );
    assert_eq!(client.shutdown(), 0);
}

const WITH_EXCEPTIONS: &str = r#"services:
  db:
    image: postgres:16
    ports:
      # composeguard: ignore[sensitive-port-exposed] until=2027-01-31 owner=@db-team replication
      - "5432:5432"
  cache:
    image: redis:7
    ports:
      - "6379:6379"
"#;

/// The server judges exceptions as `check` does, at `COMPOSEGUARD_NOW`: the expired comment is
/// a diagnostic on the comment and no longer suppresses; the config's exception of the cache
/// holds. On the finding, a quick fix inserts a suppression ending 30 days later.
#[test]
fn a_suppression_that_ends_expired_exceptions_and_the_quick_fix() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(
        root.join("composeguard.toml"),
        "select = [\"sensitive-port-exposed\", \"suppression\"]\n\n\
         [[exceptions]]\nservice = \"cache\"\nrule = \"sensitive-port-exposed\"\n\
         until = \"2027-06-30\"\nreason = \"until the move\"\n",
    )
    .unwrap();
    let path = root.join("compose.yaml");
    std::fs::write(&path, WITH_EXCEPTIONS).unwrap();
    let uri = uri_of(&path);
    let mut client = Client::start_with(&root, &[("COMPOSEGUARD_NOW", "2027-02-01")]);
    client.initialize(&root);
    client.open(&uri, WITH_EXCEPTIONS);
    let found = client.diagnostics(&uri, 1);
    assert_eq!(
        codes(&found),
        ["expired-exception", "sensitive-port-exposed"],
        "{found:#?}"
    );
    assert_eq!(found[0]["range"], range((4, 6), (4, 96)));
    assert_eq!(found[0]["severity"], 1);
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("(until=2027-01-31, owner @db-team) has expired"),
        "{found:#?}"
    );
    assert_eq!(found[1]["range"], range((5, 8), (5, 19)));
    // The same findings as `check` at the same day.
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_composeguard"))
        .args(["check", "--output-format", "concise", "--now", "2027-02-01"])
        .arg(&path)
        .current_dir(&root)
        .output()
        .unwrap();
    let check = String::from_utf8(check.stdout).unwrap();
    assert_eq!(
        check
            .lines()
            .filter(|l| l.contains("compose.yaml:"))
            .count(),
        2,
        "{check}"
    );
    assert!(
        check.contains("compose.yaml:5:7: error expired-exception"),
        "{check}"
    );
    assert!(
        check.contains("compose.yaml:6:9: error sensitive-port-exposed"),
        "{check}"
    );

    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range((5, 10), (5, 10)),
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    let actions = actions.as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Bind to 127.0.0.1",
            "Suppress sensitive-port-exposed until 2027-03-03"
        ]
    );
    let suppress = &actions[1];
    assert_eq!(suppress["kind"], "quickfix");
    assert_eq!(suppress["isPreferred"], false);
    assert_eq!(suppress["diagnostics"][0]["code"], "sensitive-port-exposed");
    let edits = suppress["edit"]["changes"][&uri].as_array().unwrap();
    let edited = apply(WITH_EXCEPTIONS, edits);
    assert_eq!(
        edited,
        WITH_EXCEPTIONS.replace(
            "      - \"5432:5432\"",
            "      # composeguard: ignore[sensitive-port-exposed] until=2027-03-03 TODO: say why\n      - \"5432:5432\""
        )
    );
    client.change(&uri, 2, json!([{"text": edited}]));
    let found = client.diagnostics(&uri, 2);
    assert_eq!(codes(&found), ["expired-exception"], "{found:#?}");
    // A range with no finding offers no suppression.
    let away = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range((1, 2), (1, 2)),
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    assert_eq!(away.as_array().map_or(0, Vec::len), 0, "{away:#?}");
    assert_eq!(client.shutdown(), 0);
}

/// `source.fixAll` gives what `check --fix` writes: on every fixture, the `.fixed` file (or
/// the text unchanged when there is none).
#[test]
fn fix_all_applies_what_check_fix_applies_on_every_fixture() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fixtures")
        .canonicalize()
        .unwrap();
    let mut client = Client::start(&fixtures);
    client.initialize(&fixtures);
    let mut compared = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.join("args").exists())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files = Vec::new();
        compose_files_under(&dir, &mut files);
        for path in files.iter().filter(|p| p.parent() == Some(dir.as_path())) {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let fixed_path = PathBuf::from(format!("{}.fixed", path.display()));
            let expected = std::fs::read_to_string(&fixed_path).unwrap_or_else(|_| text.clone());
            let uri = uri_of(path);
            client.open(&uri, &text);
            client.diagnostics(&uri, 1);
            let actions = client.request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": range((0, 0), (0, 0)),
                       "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
            );
            let fixed = match actions.as_array().and_then(|a| a.first()) {
                Some(action) => apply(&text, action["edit"]["changes"][&uri].as_array().unwrap()),
                None => text.clone(),
            };
            assert_eq!(fixed, expected, "{}", path.display());
            client.notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri}}),
            );
            compared += 1;
        }
    }
    println!("source.fixAll matched check --fix on {compared} fixture files");
    assert!(compared >= 20, "only {compared} fixture files");
    assert_eq!(client.shutdown(), 0);
}

/// Formatting a file with many fixes gives one edit over the changed span, which turns the
/// buffer into what `check --fix` writes.
#[test]
fn formatting_returns_one_edit_over_the_changed_span() {
    let (_dir, root) = workdir();
    let path = root.join("compose.yaml");
    let mut text = String::from("services:\n");
    for i in 0..300 {
        text.push_str(&format!(
            "  cache-{i}: # é😀\n    image: redis:7\n    ports: [\"{}:6379\"]\n",
            20000 + i
        ));
    }
    std::fs::write(&path, &text).unwrap();
    let uri = uri_of(&path);
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.open(&uri, &text);
    client.diagnostics(&uri, 1);
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1, "{} edits", edits.len());
    let fixed = apply(&text, edits);
    let first = text.find("20000").unwrap();
    assert_eq!(offset(&text, &edits[0]["range"]["start"]), first);
    let output = Command::new(env!("CARGO_BIN_EXE_composeguard"))
        .args(["check", "--fix", "--stdin-filename"])
        .arg(&path)
        .arg("-")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(fixed, String::from_utf8(output.stdout).unwrap());
    assert!(fixed.contains("\"127.0.0.1:20299:6379\""));
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn the_baseline_the_config_names_hides_its_findings_and_their_fixes() {
    let (_dir, root) = workdir();
    std::fs::write(
        root.join("composeguard.toml"),
        format!("{SELECT}baseline = \"composeguard-baseline.json\"\n"),
    )
    .unwrap();
    let path = root.join("compose.yaml");
    let recorded = "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n";
    std::fs::write(&path, recorded).unwrap();
    let written = Command::new(env!("CARGO_BIN_EXE_composeguard"))
        .args(["check", "--write-baseline", "composeguard-baseline.json"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(written.status.success(), "{written:?}");
    let uri = uri_of(&path);
    let mut client = Client::start(&root);
    client.initialize(&root);
    // What the baseline records is not published, even when the buffer moves it down.
    client.open(&uri, recorded);
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());
    let edited =
        format!("{recorded}  cache:\n    image: redis:7\n    ports:\n      - \"6379:6379\"\n")
            .replacen(
                "services:\n",
                "services:\n  web:\n    image: nginx:1.27\n",
                1,
            );
    client.change(&uri, 2, json!([{"text": edited}]));
    let found = client.diagnostics(&uri, 2);
    assert_eq!(codes(&found), ["sensitive-port-exposed"], "{found:#?}");
    assert!(found[0]["message"].as_str().unwrap().contains("`cache`"));
    // Formatting fixes the new finding only.
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = apply(&edited, edits.as_array().unwrap());
    assert_eq!(
        formatted,
        edited.replace("\"6379:6379\"", "\"127.0.0.1:6379:6379\"")
    );
    // An emptied baseline (the client says it changed) shows the recorded finding again.
    std::fs::write(
        root.join("composeguard-baseline.json"),
        "{\"version\": 1, \"findings\": []}\n",
    )
    .unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&root.join("composeguard-baseline.json")), "type": 2}]}),
    );
    let found = client.diagnostics(&uri, 2);
    assert_eq!(
        codes(&found),
        ["sensitive-port-exposed", "sensitive-port-exposed"],
        "{found:#?}"
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_dotenv_of_doubling_variables_does_not_take_the_server_down() {
    // `A1=${A0}${A0}` … 30 times: gigabytes of value from 500 bytes; the server aborted on
    // the allocation.
    let (_dir, root) = workdir();
    let mut dotenv = String::from("A0=xxxxxxxx\n");
    for i in 1..=30 {
        dotenv.push_str(&format!("A{i}=${{A{}}}${{A{}}}\n", i - 1, i - 1));
    }
    std::fs::write(root.join(".env"), dotenv).unwrap();
    let mut client = Client::start(&root);
    client.initialize(&root);
    let uri = uri_of(&root.join("compose.yaml"));
    client.open(
        &uri,
        "services:\n  db:\n    image: postgres:${A30}\n    ports:\n      - \"5432:5432\"\n",
    );
    client.diagnostics(&uri, 1);
    assert_eq!(client.shutdown(), 0);
}
