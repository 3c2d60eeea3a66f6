"""The editors' preview (`make livereload`): rebuild on every save, reload the browser, and
show the problems of a failed build in the page the editor is looking at.

python-livereload injects an inline <script> into every page, which the site's own
Content-Security-Policy (script-src 'self') refuses: the browser would never reload. This
server adds `<script src="/_preview/preview.js">` instead, which starts livereload's client
and shows the last build's problems (served as /_preview/problems.json) above the page.
Nothing of it is written to output/: the published site never carries it.
"""

from __future__ import annotations

import json
from pathlib import Path

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from tornado import web

ASSETS = Path(__file__).parent
TAG = b'<script src="/_preview/preview.js"></script>'


def with_preview(page: bytes) -> bytes:
    """The page with the preview's script added at the end of its <head>."""
    return page.replace(b"</head>", TAG + b"</head>", 1)


class _Pages(StaticFileHandler):
    """output/ as built, each HTML page with the preview's script (livereload's handler:
    never a 304, so a reload shows the rebuilt page)."""

    @classmethod
    def get_content(cls, abspath, start=None, end=None):
        if abspath.endswith(".html"):
            return with_preview(Path(abspath).read_bytes())[start:end]
        return super().get_content(abspath, start, end)

    def get_content_size(self):
        if self.absolute_path.endswith(".html"):
            return len(with_preview(Path(self.absolute_path).read_bytes()))
        return super().get_content_size()


class _Problems(web.RequestHandler):
    def initialize(self, server: PreviewServer):
        self.preview = server

    def get(self):
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps(self.preview.problems, ensure_ascii=False))


class PreviewServer(Server):
    """livereload's server for `output`, with the problems of the last build."""

    def __init__(self, output: Path):
        super().__init__()
        self.output = output
        self.problems: list[str] = []
        # livereload drops a reload within 3 s of the previous one (against storms of saves);
        # each reload here follows a whole rebuild, and a dropped one left the editor looking
        # at a page older than the file just saved. (A class setting: this process is the
        # preview server and nothing else.)
        LiveReloadHandler.DEFAULT_RELOAD_TIME = 0

    def get_web_handlers(self, script):
        return [
            (r"/_preview/problems\.json", _Problems, {"server": self}),
            (r"/_preview/(preview\.(?:js|css))", web.StaticFileHandler, {"path": str(ASSETS)}),
            (r"/(.*)", _Pages, {"path": str(self.output), "default_filename": "index.html"}),
        ]
