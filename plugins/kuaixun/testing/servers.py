"""Static HTTP servers on 127.0.0.1 for tests: one folder each, on a free port."""

from __future__ import annotations

import threading
from pathlib import Path

from kuaixun.tools.static_server import FolderHandler, folder_server, serve_in_background


def static_servers():
    """A generator for fixtures: yields start(folder, headers=None, handler=FolderHandler) ->
    base URL of a threaded static server on 127.0.0.1 (sending `headers` with every
    response; `handler` answers otherwise, a host that does less with ranges), and shuts
    every server down afterwards."""
    servers = []

    def start(folder: Path, headers: dict[str, str] | None = None, handler=FolderHandler) -> str:
        server = folder_server(folder, handler=handler, headers=headers)
        servers.append(server)
        return serve_in_background(server)

    yield start
    # All at once: `shutdown` waits for its loop's next poll (0.5 s), and a test process
    # starts some forty servers, so one after another took 20–30 s at its end.
    stopping = [threading.Thread(target=server.shutdown) for server in servers]
    for thread in stopping:
        thread.start()
    for thread in stopping:
        thread.join()
    for server in servers:
        server.server_close()
