"""Serving a folder over HTTP on this machine: `invoke serve`, `preview`, tests, benchmarks.

One way to do it: a threaded server bound on host:port (port 0 picks a free one) for one
folder, quiet unless asked, optionally adding headers to every response; callers that need
more (the sub-path preview, the benchmark's byte counter) pass a handler class built on
FolderHandler.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

LOCALHOST = "127.0.0.1"


class FolderHandler(http.server.SimpleHTTPRequestHandler):
    """The files of one folder; `extra_headers` go with every response, `quiet` drops the
    log line per request."""

    extra_headers: dict[str, str] = {}
    quiet = True

    def end_headers(self):
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
