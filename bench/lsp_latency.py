#!/usr/bin/env python3
"""Language-server latency: from `textDocument/didChange` to `textDocument/publishDiagnostics`.

    python3 bench/lsp_latency.py COMPOSEGUARD FILE [--edits N] [--json]

Starts `COMPOSEGUARD server` and speaks JSON-RPC over its stdio with Content-Length framing,
as an editor does: initialize, initialized, didOpen FILE, then N single-character edits (an
`x` typed into the first comment, then deleted, alternately: incremental changes with a
range), each sent after the diagnostics of the previous one arrived and a pause, so no two
edits are coalesced. The clock starts just before the didChange is written and stops when a
publishDiagnostics for that document *and that version* has been read. Prints the median,
p95 and max (and, with --json, a JSON object for bench/measure.py).
"""

import argparse
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

TIMEOUT = 60.0


class Client:
    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.inbox = queue.Queue()
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.log = []

    def _drain_stderr(self):
        try:
            for line in self.proc.stderr:
                self.log.append(line.decode(errors="replace").rstrip())
        except (OSError, ValueError):
            pass

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put((time.perf_counter(), None))
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            body = out.read(length)
            self.inbox.put((time.perf_counter(), json.loads(body)))

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m)[1]

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, pred, timeout=TIMEOUT):
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("no answer from the server in time; its log:\n" + "\n".join(self.log[-20:]))
            at, message = self.inbox.get(timeout=left)
            if message is None:
                raise EOFError("the server exited; its log:\n" + "\n".join(self.log[-20:]))
            if message.get("method") and "id" in message:
                # A request from the server (registerCapability, configuration...): answer null.
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if pred(message):
                return at, message


def peak_rss_mib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def debounce_ms():
    """The server's debounce, as the source says (for the report)."""
    src = Path(__file__).resolve().parent.parent / "src" / "lsp" / "server.rs"
    try:
        m = re.search(r"const DEBOUNCE: Duration = Duration::from_millis\((\d+)\)", src.read_text())
        return int(m.group(1)) if m else None
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("composeguard")
    ap.add_argument("file")
    ap.add_argument("--edits", type=int, default=40)
    ap.add_argument("--pause", type=float, default=0.15, help="seconds between edits")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    path = Path(args.file).resolve()
    text = path.read_text()
    uri = path.as_uri()
    client = Client([args.composeguard, "server"])
    try:
        client.request("initialize", {
            "processId": os.getpid(),
            "rootUri": path.parent.as_uri(),
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
            "workspaceFolders": [{"uri": path.parent.as_uri(), "name": "bench"}],
        })
        client.notify("initialized", {})
        version = 1

        def diagnostics_for(v):
            return lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") in (v, None)
            )

        start = time.perf_counter()
        client.notify("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text},
        })
        at, message = client.wait(diagnostics_for(version))
        open_latency = at - start
        count = len(message["params"]["diagnostics"])

        # The first line is a comment ("# Generated ..."): type after "#", then delete it.
        latencies = []
        for i in range(args.edits):
            time.sleep(args.pause)
            version += 1
            if i % 2 == 0:
                change = {"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 1}}, "text": "x"}
            else:
                change = {"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 2}}, "text": ""}
            start = time.perf_counter()
            client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [change],
            })
            at, message = client.wait(diagnostics_for(version))
            latencies.append(at - start)
        rss = peak_rss_mib(client.proc.pid)
        client.request("shutdown", None)
        client.notify("exit", None)
        client.proc.wait(timeout=10)
    except (TimeoutError, EOFError, OSError, queue.Empty) as e:
        client.proc.kill()
        client.proc.wait()
        time.sleep(0.1)
        why = f"{type(e).__name__}: {e}"
        if isinstance(e, OSError):
            why += "; the server's log: " + " | ".join(client.log[-5:])
        result = {"error": why}
        print(json.dumps(result) if args.json else result["error"], flush=True)
        os._exit(1)

    latencies.sort()
    result = {
        "n": len(latencies),
        "median": statistics.median(latencies),
        "p95": latencies[min(len(latencies) - 1, -(-len(latencies) * 95 // 100) - 1)],
        "max": latencies[-1],
        "open": open_latency,
        "diagnostics": count,
        "lines": text.count("\n"),
        "services": len(re.findall(r"^  svc-\d+:", text, re.M)),
        "rss_mib": rss,
        "debounce_ms": debounce_ms(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"didOpen -> diagnostics: {open_latency * 1000:.1f} ms ({count} diagnostics)")
        print(f"didChange -> publishDiagnostics over {len(latencies)} edits: median {result['median'] * 1000:.1f} ms, "
              f"p95 {result['p95'] * 1000:.1f} ms, max {result['max'] * 1000:.1f} ms; peak RSS {rss:.1f} MiB")


if __name__ == "__main__":
    main()
