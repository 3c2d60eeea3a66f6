"""Serving a folder over HTTP on this machine: `invoke serve`, `preview`, tests, benchmarks.

One way to do it: a threaded server bound on host:port (port 0 picks a free one) for one
folder, quiet unless asked, optionally adding headers to every response; callers that need
more (the sub-path preview, the benchmark's byte counter) pass a handler class built on
FolderHandler.

Every one of them answers byte ranges as nginx does: one range (`Range: bytes=a-b`) with 206
and its bytes, several (`bytes=a-b,c-d`) with 206 and a `multipart/byteranges` body, each part
headed by its Content-Range (RFC 9110 14.6). The search reads its packs by byte range, all
the ranges of one round in one file by one request. SimpleHTTPRequestHandler alone always
sends the whole file.
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import re
import secrets
import sys
import threading
from email.message import Message
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

LOCALHOST = "127.0.0.1"
# The names a request to one of these servers may carry in its Host header. They serve this
# machine only (drafts, under `make livereload`); a web page the editor visits elsewhere can
# point a name of its own at 127.0.0.1 (DNS rebinding) and read them through the browser,
# so a request naming any other host is refused (as webpack-dev-server's was, CVE-2018-14732).
LOCAL_HOSTS = frozenset(("127.0.0.1", "localhost", "::1"))


def is_local_host(header: str | None) -> bool:
    """Whether a Host header names this machine (no header, as HTTP/1.0 sends: yes)."""
    if not header:
        return True
    name = header.strip().lower()
    name = name[1 : name.find("]")] if name.startswith("[") else name.rsplit(":", 1)[0]
    return name in LOCAL_HOSTS


_ONE_RANGE = re.compile(r"(\d*)-(\d*)")
# A Range header of many ranges, or of ranges that together ask far more than the file
# holds (`bytes=0-,0-,0-,…`: Apache's CVE-2011-3192), is answered with the whole file, as
# RFC 9110 14.2 allows, so no request makes the server send more than the file's size or
# MULTIPART_FLOOR, whichever is larger, twice over. A round of the search asks a few dozen
# windows of a file, a few of them overlapping.
MAX_RANGES = 100
MULTIPART_FLOOR = 1 << 20


def byte_range(spec: str | None, size: int) -> range | None:
    """The bytes one range asks of a file of `size` bytes: `a-b`, `a-` or the last n, `-n`
    (a `bytes=` prefix allowed). None means malformed (or no range at all); an empty range
    means the file has none of the bytes asked for."""
    match = _ONE_RANGE.fullmatch((spec or "").strip().removeprefix("bytes="))
    first, last = match.groups() if match else ("", "")
    if not first:  # the last n bytes, or no range at all
        return range(max(size - int(last), 0), size) if last else None
    if last and int(last) < int(first):
        return None
    end = min(int(last), size - 1) if last else size - 1
    return range(min(int(first), size), end + 1)


def byte_ranges(header: str | None, size: int) -> list[range] | None:
    """The ranges a `Range` header asks of a file of `size` bytes, in the order asked, those
    the file has none of left out. None means the whole file (200): no header, a malformed
    one, or one asking too much (MAX_RANGES), which RFC 9110 lets a server answer in full.
    An empty list means the file has none of the bytes asked for (416)."""
    header = (header or "").strip()
    if not header.lower().startswith("bytes="):
        return None
    asked = [byte_range(spec, size) for spec in header[len("bytes=") :].split(",")]
    spans = [span for span in asked if span is not None]
    if len(spans) < len(asked) or len(spans) > MAX_RANGES:
        return None
    if sum(len(span) for span in spans) > 2 * max(size, MULTIPART_FLOOR):
        return None
    return [span for span in spans if span]


def requested_ranges(headers: Message, size: int, last_modified: str | None) -> list | None:
    """byte_ranges() of the request, unless `If-Range` names another version of the file than
    the one whose `Last-Modified` is given (an ETag never matches: none is sent): then the
    client's earlier bytes are stale and it gets the whole file."""
    validator = headers.get("If-Range")
    if validator is not None and validator.strip() != last_modified:
        return None
    return byte_ranges(headers.get("Range"), size)


def content_range(span: range, size: int) -> str:
    """The `Content-Range` of a 206 (`bytes 0-99/1000`) or, for an empty span, a 416."""
    return f"bytes {span.start}-{span.stop - 1}/{size}" if span else f"bytes */{size}"


def read_spans(path, spans: list[range]) -> list[tuple[range, bytes]]:
    """Each span of a file with its bytes, reading only those."""
    with open(path, "rb") as file:
        parts = []
        for span in spans:
            file.seek(span.start)
            parts.append((span, file.read(len(span))))
    return parts


def multipart(parts: list[tuple[range, bytes]], size: int, content_type: str) -> tuple[str, bytes]:
    """The Content-Type and body of a 206 holding several ranges, as nginx writes them: each
    part a boundary line, its Content-Type and Content-Range, a blank line and its bytes."""
    boundary = secrets.token_hex(5)
    body = bytearray()
    for span, data in parts:
        body += (
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Range: {content_range(span, size)}\r\n\r\n"
        ).encode("ascii")
        body += data
    body += f"\r\n--{boundary}--\r\n".encode("ascii")
    return f"multipart/byteranges; boundary={boundary}", bytes(body)


class FolderHandler(http.server.SimpleHTTPRequestHandler):
    """The files of one folder, a single byte range of one on request; `extra_headers` go with
    every response, `quiet` drops the log line per request."""

    extra_headers: dict[str, str] = {}
    quiet = True
    # Search packs, named explicitly so that no guess differs (python-magic, under Pelican's
    # handler). Not in extensions_map: a handler combined with this one keeps its own map.
    known_types = {".bin": "application/octet-stream"}
    # True from send_head finding a file to that response's headers: Accept-Ranges goes with
    # every response about a file (200, 206, 304, 416) and with nothing else.
    _announce_ranges = False

    def send_head(self):
        if not is_local_host(self.headers.get("Host")):
            self.send_error(HTTPStatus.FORBIDDEN, "Host not allowed (this server is local)")
            return None
        if "\0" in self.translate_path(self.path):
            # `%00`: no file has the name, and open() would raise, answering nothing at all
            # (the browser: "empty response") with a traceback in the editor's terminal.
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        path = self.file_path()
        self._announce_ranges = path is not None
        if path is None or "Range" not in self.headers:
            # Folders (redirect, index, listing), missing files, whole files and 304s.
            return super().send_head()
        return self.send_range(path)

    def file_path(self) -> str | None:
        """The file SimpleHTTPRequestHandler would send for this request (a folder's
        index.html included), or None when it answers otherwise."""
        path = self.translate_path(self.path)
        if os.path.isdir(path) and urlsplit(self.path).path.endswith("/"):
            path = os.path.join(path, "index.html")
        return path if os.path.isfile(path) and not path.endswith("/") else None

    def send_range(self, path: str) -> BinaryIO | None:
        """206 with the bytes asked for (one range as it is, several as multipart), 416 when
        the file has none of them, the whole file when the request names no range of this
        version of it."""
        with open(path, "rb") as file:
            stat = os.fstat(file.fileno())
            last_modified = self.date_time_string(stat.st_mtime)
            spans = requested_ranges(self.headers, stat.st_size, last_modified)
            if spans is None:
                return super().send_head()
        parts = read_spans(path, spans)
        if not parts:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", content_range(range(0), stat.st_size))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        if len(parts) == 1:
            kind, body = self.guess_type(path), parts[0][1]
            self.send_header("Content-Range", content_range(parts[0][0], stat.st_size))
        else:
            kind, body = multipart(parts, stat.st_size, self.guess_type(path))
        self.send_header("Content-Type", kind)
        self.send_header("Last-Modified", last_modified)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # Ranges are read at once: these servers run on this machine, for files of a few MB.
        return io.BytesIO(body)

    def send_site_page(self, code: int, message: str | None = None) -> bool:
        """The folder's own 404.html as the answer with `code`, as static hosts send it;
        False (nothing sent) when the folder has none."""
        page = Path(self.directory) / "404.html"
        if not page.is_file():
            return False
        body = page.read_bytes()
        self.send_response(code, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return True

    def guess_type(self, path):
        return self.known_types.get(os.path.splitext(path)[1].lower()) or super().guess_type(path)

    def end_headers(self):
        if self._announce_ranges:
            self.send_header("Accept-Ranges", "bytes")
            self._announce_ranges = False
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


class _Server(http.server.ThreadingHTTPServer):
    """A browser that leaves a page drops its open requests: not an error worth a traceback."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def folder_server(
    folder: Path,
    host: str = LOCALHOST,
    port: int = 0,
    handler: type[http.server.SimpleHTTPRequestHandler] = FolderHandler,
    headers: dict[str, str] | None = None,
) -> http.server.ThreadingHTTPServer:
    """A threaded server for `folder`, bound but not yet serving: the caller learns the port
    (server.server_port) before it builds or serves. `headers` need a FolderHandler."""
    if headers:
        handler = type(handler.__name__, (handler,), {"extra_headers": dict(headers)})
    bound = functools.partial(handler, directory=str(folder))
    return _Server((host, port), bound)


def development_server(
    folder: Path, host: str = LOCALHOST, port: int = 0
) -> http.server.ThreadingHTTPServer:
    """`invoke serve`: Pelican's development handler (x/ finds x.html or x/index.html), which
    logs every request, with byte ranges like every server here."""
    from pelican.server import ComplexHTTPRequestHandler

    class Handler(FolderHandler, ComplexHTTPRequestHandler):
        # Pelican's handler reads its folder from base_path (its RootedHTTPServer sets it).
        base_path, quiet = str(folder), False

        def do_GET(self):
            if not is_local_host(self.headers.get("Host")):
                self.send_error(HTTPStatus.FORBIDDEN, "Host not allowed (this server is local)")
                return
            super().do_GET()
            if not self.path:  # Pelican's handler found nothing and answered nothing
                self.send_error(HTTPStatus.NOT_FOUND)

        def send_error(self, code, message=None, explain=None):
            """A missing page is the site's own 404 page, as static hosts answer it (the
            browser showed "empty response" for a broken link under `make serve`)."""
            if code != HTTPStatus.NOT_FOUND or not self.send_site_page(code, message):
                super().send_error(code, message, explain)

    return folder_server(folder, host, port, Handler)


def base_url(server: http.server.HTTPServer) -> str:
    host, port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    return f"http://{host}:{port}"


def serve_in_background(server: http.server.HTTPServer) -> str:
    """Serve from a daemon thread (for tests and benchmarks); returns the base URL."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return base_url(server)


def serve_until_interrupted(server: http.server.HTTPServer) -> None:
    """Serve in the foreground until Ctrl+C, then release the port."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
