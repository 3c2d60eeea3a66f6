"""Static HTTP servers on 127.0.0.1 for tests: one folder each, on a free port."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def static_servers(handler_class=None):
    """A generator for fixtures: yields start(folder) -> base URL of a threaded static server
    on 127.0.0.1 (handler_class may add headers), and shuts every server down afterwards."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(handler_class or _QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
