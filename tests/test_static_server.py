"""kuaixun.tools.static_server: the one way the project serves a folder over HTTP."""

from __future__ import annotations

import urllib.request

from kuaixun.tools.static_server import folder_server, serve_in_background


def test_a_folder_is_served_on_a_free_port_with_the_extra_headers(tmp_path):
    (tmp_path / "index.html").write_text("<p>社区快讯</p>", encoding="utf-8")
    server = folder_server(tmp_path, headers={"Content-Security-Policy": "default-src 'self'"})
    try:
        base = serve_in_background(server)
        assert server.server_port != 0
        with urllib.request.urlopen(f"{base}/") as response:
            assert response.read().decode("utf-8") == "<p>社区快讯</p>"
            assert response.headers["Content-Security-Policy"] == "default-src 'self'"
    finally:
        server.shutdown()
        server.server_close()


def test_requests_are_not_logged_unless_asked(tmp_path, capsys):
    server = folder_server(tmp_path)
    try:
        base = serve_in_background(server)
        urllib.request.urlopen(f"{base}/").close()
    finally:
        server.shutdown()
        server.server_close()
    assert capsys.readouterr().err == ""
