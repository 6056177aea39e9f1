"""A small HTTP proxy in front of the test PACS that misbehaves on purpose: it can ask for a bearer
token, answer some requests with an error (e.g. 503 with Retry-After) or slowly, and run a hook
before forwarding (e.g. stop the PACS mid-run) or rewrite what the PACS answers. It forwards GET requests with Orthanc's basic auth.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


@dataclass
class Fault:
    status: int = 0  # answer with this status instead of forwarding (0: forward)
    delay: float = 0.0  # seconds to wait before answering
    headers: dict[str, str] = field(default_factory=dict)


# (request path and query, how many times this path was asked for before) -> a fault or None
Plan = Callable[[str, int], Fault | None]


class FaultProxy:
    def __init__(self, upstream: str, auth: tuple[str, str], token: str | None = None):
        self.upstream = upstream.rstrip("/")
        self.auth = auth
        self.token = token
        self.plan: Plan = lambda path, seen: None
        self.before_forward: Callable[[str], None] = lambda path: None
        # (request path, upstream body) -> the body to answer with
        self.rewrite: Callable[[str, bytes], bytes] = lambda path, body: body
        self.requests: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                with proxy.lock:
                    seen = proxy.requests[self.path]
                    proxy.requests[self.path] += 1
                if proxy.token is not None and (
                    self.headers.get("Authorization") != f"Bearer {proxy.token}"
                ):
                    return self._answer(401, b"", {})
                fault = proxy.plan(self.path, seen)
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                if fault is not None and fault.status:
                    return self._answer(fault.status, b"", fault.headers)
                proxy.before_forward(self.path)
                try:
                    upstream = requests.get(
                        proxy.upstream + self.path,
                        headers={"Accept": self.headers.get("Accept", "*/*")},
                        auth=proxy.auth,
                        timeout=30,
                    )
                except requests.ConnectionError:
                    return self._answer(502, b"", {})
                content_type = upstream.headers.get("Content-Type", "application/json")
                body = (
                    proxy.rewrite(self.path, upstream.content) if upstream.ok else upstream.content
                )
                self._answer(upstream.status_code, body, {"Content-Type": content_type})

            def _answer(self, status: int, body: bytes, headers: dict[str, str]):
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to answer

        return Handler
