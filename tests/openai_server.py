"""A small OpenAI-compatible chat server on 127.0.0.1 for tests, which misbehaves on purpose.

It answers each chat completion with ``answer(body)`` unless the next entry of its fault
script says otherwise: ``429`` (with ``Retry-After``), ``500``, ``503``, ``slow`` (answers
after ``slow_s``, past a client's timeout), ``close`` (drops the connection without a
word), ``malformed`` (a body that is not JSON), ``empty`` (an empty body), ``nochoices``
(JSON without choices), ``echo401`` (refuses, quoting the request's Authorization header
back, as careless servers do). It records every request body and header.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def echo_ocr_token(body: dict[str, Any]) -> str:
    """The first quoted OCR token of the prompt's text, else "unknown" (as the runner tests' echo
    model)."""
    text = "".join(
        part.get("text", "")
        for m in body["messages"]
        if isinstance(m["content"], list)
        for part in m["content"]
    )
    found = re.search(r'OCR_token: \["([^"]*)"', text)
    return found.group(1) if found else "unknown"


class ScriptedServer:
    """Start with ``with ScriptedServer() as server:``; ``server.url`` is its ``/v1`` root."""

    def __init__(
        self,
        answer: Callable[[dict[str, Any]], str] = echo_ocr_token,
        faults: list[str] | None = None,
        retry_after: str = "7",
        slow_s: float = 1.0,
        port: int = 0,
    ) -> None:
        self.answer, self.faults, self.retry_after, self.slow_s = (
            answer,
            list(faults or []),
            retry_after,
            slow_s,
        )
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.served: list[str] = []  # what each request got: "ok" or the fault
        self._lock = threading.Lock()
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        """The port it listens on (kept while stopped: a restart comes back on it)."""
        return self._httpd.server_address[1] if self._httpd is not None else self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ScriptedServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server._lock:
                    fault = server.faults.pop(0) if server.faults else "ok"
                    server.served.append(fault)
                    server.headers.append(dict(self.headers))
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = {}
                    server.bodies.append(body)
                server._respond(self, fault, body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._httpd.daemon_threads = True
        self._port = self.port  # a restart comes back on the same port
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _respond(
        self, handler: BaseHTTPRequestHandler, fault: str, request: dict[str, Any]
    ) -> None:
        if fault == "close":
            handler.close_connection = True
            return  # not a byte back
        if fault == "slow":
            time.sleep(self.slow_s)
        status, headers, body = 200, {"Content-Type": "application/json"}, b""
        if fault in ("429", "500", "503"):
            status, body = int(fault), b'{"error": {"message": "try again later"}}'
            if fault == "429":
                headers["Retry-After"] = self.retry_after
        elif fault == "echo401":
            auth = handler.headers.get("Authorization", "")
            status, body = 401, json.dumps({"error": f"invalid credentials: {auth}"}).encode()
        elif fault == "malformed":
            body = b'{"choices": [{"message": {"content": "cut sho'
        elif fault == "nochoices":
            body = b'{"object": "error"}'
        elif fault != "empty":
            body = json.dumps(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "model": request.get("model"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": self.answer(request)},
                        }
                    ],
                }
            ).encode()
        try:
            handler.send_response(status)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:  # the client gave up waiting (the slow case)
            pass
