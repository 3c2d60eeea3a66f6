"""make livereload, the editors' preview: it reloads the browser after a save (under the
site's own CSP), shows a failed build's problems in the page, and publishes none of it."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from kuaixun.testing.builds import ROOT, copy_content

pytestmark = pytest.mark.xdist_group("preview")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def preview(tmp_path):
    content = copy_content(tmp_path / "content")
    port = free_port()
    command = [sys.executable, "-m", "invoke", "--search-root", str(ROOT), "livereload"]
    command += ["--port", str(port), "--content", str(content), "--output", str(tmp_path / "out")]
    log = (tmp_path / "preview.log").open("wb")
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/_preview/problems.json", timeout=2)
            break
        except OSError:
            assert server.poll() is None, (tmp_path / "preview.log").read_text("utf-8")
            assert time.monotonic() < deadline, "the preview did not start"
            time.sleep(0.5)
    yield base, content, tmp_path / "out"
    server.terminate()
    server.wait(timeout=30)
    log.close()


def article_file(content: Path) -> Path:
    return next(
        p for p in sorted((content / "articles").rglob("*.md")) if "Title:" in p.read_text("utf-8")
    )


def test_a_save_reloads_the_page_and_a_broken_article_shows_its_problem_there(page, preview):
    base, content, output = preview
    article = article_file(content)
    text = article.read_text(encoding="utf-8")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/")
    page.wait_for_function("() => window.LiveReload !== undefined")  # the client is running
    assert page.locator(".preview-problems").count() == 0

    title = text.split("Title:", 1)[1].splitlines()[0].strip()
    article.write_text(text.replace(title, title + "（更正）", 1), encoding="utf-8")
    page.wait_for_function(
        "t => document.body.textContent.includes(t)", arg=title + "（更正）", timeout=60_000
    )  # the page reloaded by itself with the rebuilt home page

    article.write_text(text.replace("Date:", "Date: 2020-13-45\nX-Old-Date:", 1), encoding="utf-8")
    banner = page.wait_for_selector(".preview-problems", timeout=60_000)
    shown = banner.text_content()
    assert article.name in shown and "2020-13-45" in shown
    assert page.get_attribute(".preview-problems", "role") == "alert"

    article.write_text(text, encoding="utf-8")
    page.wait_for_function("() => !document.querySelector('.preview-problems')", timeout=60_000)
    published = [p for p in output.rglob("*") if p.is_file() and b"_preview" in p.read_bytes()]
    assert published == []
    # Only livereload's own inline snippet is refused by the CSP; nothing of ours fails.
    assert all("inline script" in e or "Content Security Policy" in e for e in errors), errors


@pytest.fixture
def preview_in_process(tmp_path):
    """The preview's own handlers (and livereload's page transform) on tornado, in a thread,
    on a free port, serving tmp_path as output/; the base URL. No build, no watcher."""
    from livereload.server import LiveScriptInjector
    from tornado import httpserver, netutil, web

    from kuaixun.tools.preview import PreviewServer

    class Injector(LiveScriptInjector):
        script = b"<script>livereload</script>"

    app = web.Application(PreviewServer(tmp_path).get_web_handlers(b""), transforms=[Injector])
    sockets = netutil.bind_sockets(0, "127.0.0.1")
    loop = asyncio.new_event_loop()
    server = httpserver.HTTPServer(app)

    def run() -> None:
        asyncio.set_event_loop(loop)
        server.add_sockets(sockets)
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
    loop.call_soon_threadsafe(server.stop)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


def test_the_preview_answers_a_byte_range_of_a_file_in_output(tmp_path, preview_in_process):
    """The search reads its packs by byte range; tornado's StaticFileHandler answers 206."""
    pack = bytes(range(256)) * 4
    (tmp_path / "pack.bin").write_bytes(pack)
    request = urllib.request.Request(
        f"{preview_in_process}/pack.bin", headers={"Range": "bytes=-10"}
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 206
        assert response.headers["Content-Range"] == f"bytes {len(pack) - 10}-{len(pack) - 1}/1024"
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.read() == pack[-10:]
