"""Deploying the built site: a local preview under the production sub-path, and rsync upload.

GitHub Pages serves a project site under /REPO/. A link written `/x` instead of
`{{ SITEURL }}/x` works on a server at the root and breaks there; the preview server answers
only under the sub-path, so such a link is a 404 on the editor's machine before it is one online.
"""

from __future__ import annotations

import http.server
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from kuaixun.tools.static_server import FolderHandler, folder_server


def normalized_subpath(subpath: str) -> str:
    """`bulletin`, `/bulletin` and `/bulletin/` all mean `/bulletin/`; empty means the root."""
    inner = subpath.strip().strip("/")
    return f"/{inner}/" if inner else "/"


def inside_subpath(request_path: str, subpath: str) -> str | None:
    """The request path as seen from the site's own root, or None when outside the sub-path."""
    if not request_path.startswith(subpath):
        return None
    return request_path[len(subpath) - 1 :]


class SubpathHandler(FolderHandler):
    """Serves a built site under `subpath` only, as GitHub Pages serves a project site."""

    subpath = "/"
    quiet = False

    def send_head(self):
        if inside_subpath(self.path, self.subpath) is None:
            if urlsplit(self.path).path == self.subpath.rstrip("/"):
                return self._redirect(self.subpath)
            self.send_error(HTTPStatus.NOT_FOUND, f"outside the site's sub-path {self.subpath}")
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        return super().translate_path(inside_subpath(path, self.subpath) or "/")

    def list_directory(self, path):
        # Folder listings would hide a link to a folder that has no index.html.
        self.send_error(HTTPStatus.NOT_FOUND, "no index.html in this folder")
        return None

    def send_error(self, code, message=None, explain=None):
        # Like GitHub Pages: a missing page inside the site gets the site's own 404.html.
        inside = inside_subpath(getattr(self, "path", ""), self.subpath) is not None
        if code != HTTPStatus.NOT_FOUND or not inside or not self.send_site_page(code, message):
            super().send_error(code, message, explain)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def subpath_server(
    root: Path, subpath: str, host: str = "127.0.0.1", port: int = 0, quiet: bool = False
) -> http.server.ThreadingHTTPServer:
    """A server bound (not yet serving) for `root` under `subpath`; port 0 picks a free port.

    Binding first lets the caller learn the port, build the site for that address, then serve.
    """
    settings = {"subpath": normalized_subpath(subpath), "quiet": quiet}
    handler = type("Handler", (SubpathHandler,), settings)
    return folder_server(root, host, port, handler)


# What `invoke upload` needs to know about the server, all from the environment.
UPLOAD_VARIABLES = {
    "SITEURL": "网站的公开网址 (the public address), e.g. https://news.example.org",
    "SSH_HOST": "服务器 (the server), e.g. news.example.org",
    "SSH_USER": "登录用户 (the ssh user), e.g. deploy",
    "SSH_TARGET_DIR": "网站目录 (the folder the web server serves), e.g. /var/www/bulletin",
}


class UploadSettingsMissing(Exception):
    """Raised with a message for people listing every variable that is missing or wrong."""


@dataclass(frozen=True)
class UploadTarget:
    host: str
    user: str
    port: int
    target_dir: str

    @property
    def destination(self) -> str:
        return f"{self.user}@{self.host}:{self.target_dir.rstrip('/')}/"


def upload_target(environ: Mapping[str, str]) -> UploadTarget:
    """The server to upload to, or UploadSettingsMissing naming what to set."""
    missing = [name for name in UPLOAD_VARIABLES if not environ.get(name, "").strip()]
    port = environ.get("SSH_PORT", "").strip() or "22"
    lines = [f"  {name}: {UPLOAD_VARIABLES[name]}" for name in missing]
    if not port.isdigit():
        lines.append(f'  SSH_PORT: "{port}" 不是端口号 (not a port number), e.g. 22')
    if lines:
        raise UploadSettingsMissing(
            "没有上传：缺少设置 (nothing uploaded: set these environment variables):\n"
            + "\n".join(lines)
            + "\n例如 (for example): SITEURL=https://news.example.org SSH_HOST=news.example.org "
            "SSH_USER=deploy SSH_TARGET_DIR=/var/www/bulletin make upload"
        )
    return UploadTarget(
        environ["SSH_HOST"].strip(),
        environ["SSH_USER"].strip(),
        int(port),
        environ["SSH_TARGET_DIR"].strip(),
    )


def rsync_command(source: Path, target: UploadTarget) -> list[str]:
    """rsync of a finished build: `--delay-updates` moves the new files in place together at
    the end, and old files go only after that (`--delete-after`), so readers never see a site
    half old, half new. `--checksum` because every build gives every file a new mtime."""
    return [
        "rsync",
        "--rsh",
        f"ssh -p {target.port}",
        "--recursive",
        "--links",
        "--times",
        "--checksum",
        "--compress",
        "--chmod=D755,F644",
        "--delete-after",
        "--delay-updates",
        "--itemize-changes",
        f"{source}/",
        target.destination,
    ]


def prune_content_caches(current: Path) -> list[Path]:
    """Remove the content caches publishconf.py made for older versions of the code.

    One folder per code fingerprint would otherwise pile up in cache/, which CI saves and
    restores on every run. Returns the folders removed.
    """
    stale = [
        folder
        for folder in current.parent.glob("publish-*")
        if folder.is_dir() and folder.resolve() != current.resolve()
    ]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale
