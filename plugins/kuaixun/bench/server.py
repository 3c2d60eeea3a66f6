"""A static server that counts the bytes it sends, compressing like a typical static host.

Pagefind's worker fetches are invisible to page-level CDP, so bytes are counted here, at
the server, for every engine alike. Text types are gzip-compressed when the client asks
(as GitHub Pages does); other files (Pagefind's pre-compressed index, images) go as they are.
"""

from __future__ import annotations

import gzip
import mimetypes
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kuaixun.tools.static_server import (
    FolderHandler,
    content_range,
    folder_server,
    multipart,
    read_spans,
    requested_ranges,
    serve_in_background,
)

COMPRESSIBLE = {".html", ".css", ".js", ".mjs", ".json", ".txt", ".xml", ".svg", ".map"}
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")


@dataclass
class Link:
    """A phone network, applied at the server to every engine alike (Chromium's own throttling
    misses a worker's fetches): each response waits one round trip, then its bytes share one
    downlink of `bytes_per_second`. Lighthouse's mobile preset: 150 ms, 1.6 Mbit/s."""

    round_trip_s: float = 0.150
    bytes_per_second: float = 1_600_000 / 8
    free_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, write, data: bytes, chunk: int = 8192) -> None:
        time.sleep(self.round_trip_s)
        for start in range(0, len(data), chunk):
            piece = data[start : start + chunk]
            with self.lock:
                begin = max(time.monotonic(), self.free_at)
                self.free_at = begin + len(piece) / self.bytes_per_second
                done = self.free_at
            time.sleep(max(0.0, done - time.monotonic()))
            write(piece)


@dataclass
class Sent:
    path: str
    bytes: int


@dataclass
class Ledger:
    """What the server sent since the last reset; safe to read from the benchmark thread."""

    sent: list[Sent] = field(default_factory=list)
    last_request: float = 0.0
    # Responses still being sent (a paced one takes seconds): the page is not quiet meanwhile.
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, size: int) -> None:
        with self.lock:
            self.sent.append(Sent(path, size))
            self.last_request = time.monotonic()

    def sending(self, delta: int) -> None:
        with self.lock:
            self.in_flight += delta
            self.last_request = time.monotonic()

    def take(self) -> list[Sent]:
        with self.lock:
            sent, self.sent = self.sent, []
            return sent


class CountingServer:
    """serve `root` (and `extra` under /__bench/) on 127.0.0.1; `.url`, `.ledger`, `.close()`."""

    def __init__(self, root: Path, extra: Path | None = None, link: Link | None = None):
        self.root, self.extra, self.link = root, extra, link
        self.ledger = Ledger()
        # Python's server sends a response's headers and its body apart; under Nagle's
        # algorithm the body then waits for the client's delayed ACK, ≈ 50 ms a response on
        # loopback. Every timed figure (cold searches) has been measured so, and still is;
        # steps that time nothing (rankings: hundreds of queries in one page) turn it off.
        self.nagle = True
        self._gzipped: dict[Path, bytes] = {}
        handler = type("Handler", (CountingHandler,), {"bench": self})
        self.httpd = folder_server(root, handler=handler)
        self.url = serve_in_background(self.httpd)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @contextmanager
    def untimed(self) -> Iterator[None]:
        """Answer at once (TCP_NODELAY) while nothing is timed: the same bytes, sooner."""
        self.nagle = False
        try:
            yield
        finally:
            self.nagle = True

    def resolve(self, url_path: str) -> Path | None:
        path = unquote(urlsplit(url_path).path)
        base, rest = self.root, path
        if self.extra is not None and path.startswith("/__bench/"):
            base, rest = self.extra, path.removeprefix("/__bench/")
        target = (base / rest.lstrip("/")).resolve()
        if not target.is_relative_to(base.resolve()):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def gzipped(self, target: Path) -> bytes:
        if target not in self._gzipped:
            self._gzipped[target] = gzip.compress(target.read_bytes(), compresslevel=6, mtime=0)
        return self._gzipped[target]


class CountingHandler(FolderHandler):
    """Every GET of a CountingServer answered, compressed, cut to its byte range and counted
    here (`extra` included)."""

    protocol_version = "HTTP/1.1"
    bench: CountingServer

    def do_GET(self):
        # Per response, not per connection: a kept-alive connection outlives a step.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, not self.bench.nagle)
        target = self.bench.resolve(self.path)
        if target is None:
            self.refuse(404, {"Content-Type": "text/plain"}, b"not found")
            return
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        headers = {"Content-Type": content_type(target), "Cache-Control": "no-cache"}
        if accepts and target.suffix in COMPRESSIBLE:
            # Sent whole, as nginx sends what it compresses on the fly.
            self.answer(200, headers | {"Content-Encoding": "gzip"}, self.bench.gzipped(target))
            return
        headers["Accept-Ranges"] = "bytes"
        size = target.stat().st_size
        spans = requested_ranges(self.headers, size, last_modified=None)
        if spans is None:
            self.answer(200, headers, target.read_bytes())
        elif not spans:
            self.refuse(416, {"Content-Range": content_range(range(0), size)})
        elif len(spans) == 1:  # only the bytes asked for are read: packs are megabytes
            headers["Content-Range"] = content_range(spans[0], size)
            self.answer(206, headers, read_spans(target, spans)[0][1])
        else:  # several ranges: one multipart body, as nginx answers
            parts = read_spans(target, spans)
            headers["Content-Type"], body = multipart(parts, size, headers["Content-Type"])
            self.answer(206, headers, body)

    def answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
        """The headers at once, the body through the link: a round trip, then paced."""
        self.start(status, headers, len(data))
        if self.bench.link is None:
            self.wfile.write(data)
            return
        self.bench.ledger.sending(+1)
        try:
            self.bench.link.send(self.wfile.write, data)
        finally:
            self.bench.ledger.sending(-1)

    def refuse(self, status: int, headers: dict[str, str], data: bytes = b"") -> None:
        """An error after a round trip, its few bytes at once."""
        if self.bench.link is not None:
            time.sleep(self.bench.link.round_trip_s)
        self.start(status, headers, len(data))
        self.wfile.write(data)

    def start(self, status: int, headers: dict[str, str], length: int) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        # Recorded before the headers leave, so a client that has its response (a 416 has no
        # body to wait for) finds it counted.
        self.bench.ledger.record(self.path, length)
        self.end_headers()


def content_type(target: Path) -> str:
    kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return kind + "; charset=utf-8" if kind.startswith("text/") else kind
