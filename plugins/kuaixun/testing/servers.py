"""Static HTTP servers on 127.0.0.1 for tests: one folder each, on a free port."""

from __future__ import annotations

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
    for server in servers:
        server.shutdown()
        server.server_close()
