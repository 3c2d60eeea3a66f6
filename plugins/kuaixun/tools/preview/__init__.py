"""The editors' preview (`make livereload`): build after every save, reload the browser, and
show the problems of a failed build in the page the editor is looking at.

A save is built in the time of what it changed (rebuild.py): the saved article's page and the
home page are written within a second or two and the browser reloads; every other page
follows from a second process, and until it is written the server holds a request for it
rather than answer with the page as it was before the save.

python-livereload injects an inline <script> into every page, which the site's own
Content-Security-Policy (script-src 'self') refuses: the browser would never reload. This
server serves none of livereload's own handlers (`PreviewServer.application`) and adds
`<script src="/_preview/preview.js" data-build="…">` instead, which shows the last build's
problems (served as /_preview/problems.json) above the page and reloads it when a newer
build is ready.

The page is told to reload by a state, not by an event: every page carries the number of the
build it was served after (`data-build`), and preview.js asks /_preview/reload.json whether
there is a newer one; the server answers at once if so, else when the next build is ready
(a long poll, answered empty after 20 s). livereload's own client is told by a message on its
websocket, and a message sent while a page is loading, before the socket is open, is lost:
the page stayed on the build before (seen in CI, where a failed build followed a good one by
a second). A number cannot be missed.
Nothing of it is written to output/: the published site never carries it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import secrets
import sys
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from tornado import web
from tornado.httputil import HTTPServerRequest
from tornado.ioloop import IOLoop
from tornado.locks import Condition

from kuaixun.core.problems import format_report
from kuaixun.tools.preview.rebuild import Generation, Preview
from kuaixun.tools.preview.watch import FileWatcher
from kuaixun.tools.static_server import is_local_host

ASSETS = Path(__file__).parent
# What a build writes from templates (pages, feeds, robots.txt): a request waits until fresh.
PAGE_SUFFIXES = (".html", ".xml", ".txt")
# How long a page's question "is there a newer build?" is held before it is answered "no".
POLL_SECONDS = 20


class Builds:
    """The number of the last build the browsers were told of, as a page carries it: this
    server's own random name (a page of a preview started before asks again after a
    restart) and a count of fixed width, so that a page's length never depends on it."""

    def __init__(self) -> None:
        self.session = secrets.token_hex(4)
        self.count = 0
        self.newer = Condition()

    @property
    def stamp(self) -> str:
        return f"{self.session}-{self.count:010d}"

    def reload_browsers(self) -> None:
        """Every page open in the preview reloads itself: each asks until it sees this."""
        self.count += 1
        self.newer.notify_all()


def with_preview(page: bytes, stamp: str) -> bytes:
    """The page with the preview's script added at the end of its <head>."""
    tag = f'<script src="/_preview/preview.js" data-build="{stamp}"></script>'.encode()
    return page.replace(b"</head>", tag + b"</head>", 1)


def collect_garbage() -> None:
    gc.enable()
    gc.collect()


def served_file(root: Path, path: str) -> Path | None:
    """The file a request for `path` is answered with, or None for a name no file can have:
    a NUL (`%00`) or a name longer than the system takes, on which the preview raised and
    answered 500 with a traceback in the terminal."""
    if "\0" in path:
        return None
    file = root / path
    try:
        folder = file.is_dir()
    except OSError:  # File name too long
        return None
    return file / "index.html" if not path or path.endswith("/") or folder else file


def is_fresh(preview: Preview, file: Path) -> bool:
    """A page (or feed) of the last good build, written; any other file once it exists: the
    theme's files, photos and the search export are served as they are, and a page never
    waits for them."""
    if file.suffix in PAGE_SUFFIXES:
        return preview.is_fresh(file)
    return file.exists() or preview.is_fresh(file)


class _LocalOnly:
    """Drafts are read from this machine only: a request naming another host in its Host
    header is refused (DNS rebinding: static_server.LOCAL_HOSTS). Before a RequestHandler."""

    request: HTTPServerRequest  # (the RequestHandler's)

    def prepare(self) -> None:
        if not is_local_host(self.request.headers.get("Host")):
            raise web.HTTPError(403, "Host not allowed (this server is local)")


class _Pages(_LocalOnly, StaticFileHandler):
    """output/ as built, each HTML page with the preview's script (livereload's handler:
    never a 304, so a reload shows the rebuilt page), each page once it is fresh."""

    def initialize(self, path, default_filename=None, preview=None, builds=None):
        super().initialize(path, default_filename)
        self.preview = preview
        self.builds = builds
        self.page: bytes | None = None

    async def get(self, path, include_body=True):
        file = served_file(Path(self.root), path)
        if file is None:
            raise web.HTTPError(404)
        while not is_fresh(self.preview, file):
            await asyncio.sleep(0.05)
        await super().get(path, include_body)

    def _page(self) -> bytes:
        """The HTML page as served, read once per request (its size and its bytes agree),
        stamped with the last build the browsers were told of: it is at least that new."""
        if self.page is None:
            self.page = with_preview(Path(self.absolute_path).read_bytes(), self.builds.stamp)
        return self.page

    def compute_etag(self):
        return None  # never a 304 (livereload's handler), so no hash of every file served

    def get_content_size(self):
        if self.absolute_path.endswith(".html"):
            return len(self._page())
        return super().get_content_size()

    def get_content(self, abspath, start=None, end=None):  # tornado calls it on the instance
        if abspath.endswith(".html"):
            return self._page()[start:end]
        return super().get_content(abspath, start, end)


class _Problems(_LocalOnly, web.RequestHandler):
    def initialize(self, server: PreviewServer):
        self.preview = server

    def get(self):
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps(self.preview.problems, ensure_ascii=False))


class _Reload(_LocalOnly, web.RequestHandler):
    """`?after=STAMP`: the stamp of the last build once it is not STAMP (at once if it is
    not already), or STAMP again after POLL_SECONDS; preview.js reloads on a new one."""

    def initialize(self, builds: Builds):
        self.builds = builds

    async def get(self):
        after = self.get_argument("after", "")
        if self.builds.stamp == after:
            await self.builds.newer.wait(timeout=timedelta(seconds=POLL_SECONDS))
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps({"build": self.builds.stamp}))


class _Status(_LocalOnly, web.RequestHandler):
    """Where the last build's writing is, for tests and the benchmark (and the curious)."""

    def initialize(self, server: PreviewServer):
        self.server = server

    def get(self):
        self.set_header("Cache-Control", "no-store")
        self.write(self.server.preview.status())


class PreviewServer(Server):
    """livereload's server for `output`, building `preview` after each save in `watched`."""

    def __init__(self, output: Path, preview: Preview, watched: list[Path]):
        super().__init__(watcher=FileWatcher(watched, self.saved))
        self.output = output
        self.preview = preview
        self.problems: list[str] = []
        self.builds = Builds()
        self._saved: set[Path] = set()
        self._following: Connection | None = None  # the writer's reports listened to

    def saved(self, paths: set[Path]) -> None:
        """Files changed: build once the loop is free (saves meanwhile join this build)."""
        if not self._saved:
            IOLoop.current().add_callback(self.rebuild)
        self._saved |= paths

    def rebuild(self) -> None:
        saved, self._saved = self._saved, set()
        self.build(saved)

    def build(self, saved: set[Path] | None = None) -> None:
        """Build (everything when `saved` is None) and reload the browsers: on the new pages,
        or on the last good ones with the problems above them."""
        # Python's cycle collector would stop the build for a third of a second at a time (it
        # walks the millions of objects the preview keeps): it runs once the browsers have
        # fetched the new pages.
        gc.disable()
        started = time.perf_counter()
        problems = self.preview.build(saved)
        self.problems = [str(p) for p in problems]
        if problems:  # the preview keeps serving the last good build, with these above it
            print(format_report(problems), file=sys.stderr)
        current = self.preview.current
        # A new build's writer, or the last good build's again after a failed build.
        if current is not None and current.messages is not self._following:
            self.follow(current)
        self.builds.reload_browsers()
        IOLoop.current().call_later(1.5, collect_garbage)
        seconds = time.perf_counter() - started
        what = "全部文件 (every file)" if saved is None else f"{len(saved)} 个文件 (file(s))"
        print(
            f"预览：{what}，{seconds:.2f} 秒后刷新浏览器，其他网页随后写好 "
            f"(preview: browsers reloaded after {seconds:.2f} s, other pages follow)",
            file=sys.stderr,
            flush=True,
        )

    def follow(self, generation: Generation) -> None:
        """Listen to the writer of `generation`: its pages written, the problems it found."""
        messages = self._following = generation.messages
        assert messages is not None
        loop = IOLoop.current()

        def readable(fd, events) -> None:
            if generation.messages is not messages:  # written again by a newer writer
                loop.remove_handler(fd)
                messages.close()
                return
            before = (generation.pages_written, len(generation.problems))
            ended = generation.receive()
            if generation is self.preview.current:
                self.reported(generation, *before)
            if ended:
                loop.remove_handler(fd)
                messages.close()

        loop.add_handler(messages.fileno(), readable, IOLoop.READ)

    def reported(self, generation: Generation, written: bool, known: int) -> None:
        """The current build's writer reported: new problems are shown; its pages just written
        reload the browsers once more when it copied what they use (the theme's CSS …)."""
        if len(generation.problems) > known:
            self.problems = generation.problems
            print("\n".join(generation.problems[known:]), file=sys.stderr)
            self.builds.reload_browsers()
        elif generation.pages_written and not written and generation.reload_when_written:
            self.builds.reload_browsers()

    def application(self, port, host, liveport=None, debug=None, live_css=True):
        """The preview's own handlers alone, listening. python-livereload's application adds
        its websocket (`/livereload`), `/forcereload` and its client, and an inline script
        in every page (which the CSP refuses): preview.js does their work, and the websocket
        took any origin and logged what it was sent, so a page on any site the editor visits
        could write into this terminal (escape sequences, a false 构建成功 over the real
        problems; 2026-12-04)."""
        LiveReloadHandler.watcher = self.watcher  # serve() starts it (start_tasks)
        web.Application(self.get_web_handlers(b"")).listen(port, address=host)

    def get_web_handlers(self, script):
        pages = {"path": str(self.output), "default_filename": "index.html"}
        return [
            (r"/_preview/problems\.json", _Problems, {"server": self}),
            (r"/_preview/status\.json", _Status, {"server": self}),
            (r"/_preview/reload\.json", _Reload, {"builds": self.builds}),
            (r"/_preview/(preview\.(?:js|css))", web.StaticFileHandler, {"path": str(ASSETS)}),
            (r"/(.*)", _Pages, {**pages, "preview": self.preview, "builds": self.builds}),
        ]
