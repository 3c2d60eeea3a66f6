"""社区快讯: every task of the project. The Makefile only bootstraps .venv and calls these."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from invoke import task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "plugins"))

CONTENT = ROOT / "content"
OUTPUT = ROOT / "output"
CACHE = ROOT / "cache"
DEV_SETTINGS = ROOT / "pelicanconf.py"
PUBLISH_SETTINGS = ROOT / "publishconf.py"
HOST, PORT = "127.0.0.1", 8000
TZ = ZoneInfo("Asia/Shanghai")


def _build(settings: Path, overrides: dict | None = None) -> None:
    from bulletin.build import build_site
    from bulletin.problems import format_report

    os.chdir(ROOT)
    problems = build_site(str(settings), overrides)
    if problems:
        print(format_report(problems), file=sys.stderr)
        sys.exit(1)
    print(f"已生成网站 (site built): {OUTPUT.relative_to(ROOT)}/")


@task
def html(c):
    """Build the site into output/ with the development settings."""
    _build(DEV_SETTINGS)


@task
def publish(c):
    """Build the production site into output/ with publishconf.py (SITEURL from the environment)."""
    _build(PUBLISH_SETTINGS)


@task
def clean(c):
    """Remove output/ and the build caches."""
    for path in (OUTPUT, CACHE):
        shutil.rmtree(path, ignore_errors=True)


def _serve_forever(root: Path, host: str = HOST, port: int = PORT) -> None:
    from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer

    class Handler(ComplexHTTPRequestHandler):
        base_path = str(root)

    server = RootedHTTPServer(str(root), (host, port), Handler)
    print(f"网站已在 http://{host}:{port}/ 上运行，按 Ctrl+C 停止 (serving; Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


@task
def serve(c, port=PORT):
    """Build the site, then serve output/ on http://127.0.0.1:8000."""
    html(c)
    _serve_forever(OUTPUT, port=int(port))


@task
def livereload(c, port=PORT):
    """Serve with drafts visible and rebuild and reload the browser whenever a file changes."""
    from livereload import Server

    overrides = {"SHOW_DRAFTS": True}

    def rebuild():
        from bulletin.build import build_site
        from bulletin.problems import format_report

        problems = build_site(str(DEV_SETTINGS), overrides)
        if problems:
            print(format_report(problems), file=sys.stderr)

    os.chdir(ROOT)
    rebuild()
    server = Server()
    for pattern in ("content/**/*", "theme/**/*", "plugins/**/*.py", "pelicanconf.py"):
        server.watch(pattern, rebuild)
    server.serve(host=HOST, port=int(port), root=str(OUTPUT))


@task
def new(c, title):
    """Write a new article skeleton: make new TITLE="标题"."""
    from cjk.slugs import pinyin_slug

    title = title.strip()
    if not title:
        sys.exit('请给出标题 (give a title): make new TITLE="标题"')
    now = datetime.now(TZ)
    folder = CONTENT / "articles" / f"{now:%Y}" / f"{now:%m}"
    path = folder / f"{pinyin_slug(title)}.md"
    number = 2
    while path.exists():
        path = folder / f"{pinyin_slug(title)}-{number}.md"
        number += 1
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"Title: {title}\n"
        f"Date: {now:%Y-%m-%d %H:%M}\n"
        "Category: 社区动态\n"
        "Authors: \n"
        "Tags: \n"
        "Status: draft\n"
        "\n"
        "本报讯（记者 ）正文从这里开始。\n",
        encoding="utf-8",
    )
    print(f"已创建 (created): {path.relative_to(ROOT)}")


@task(name="import", help={"dest": "folder to write into", "skip_invalid": "skip bad lines"})
def import_articles(c, file, dest="content/articles/imported", skip_invalid=False):
    """Import articles from JSON lines (.jsonl or .jsonl.gz): make import FILE=x.jsonl."""
    from bulletin.importer import run_import
    from pelican.settings import read_settings

    categories = read_settings(str(DEV_SETTINGS))["CATEGORIES"]
    target = Path(dest) if Path(dest).is_absolute() else ROOT / dest
    sys.exit(run_import(Path(file), target, categories, skip_invalid=skip_invalid))


def _node_modules_ready() -> bool:
    stamp = ROOT / "node_modules" / ".package-lock.json"
    return stamp.exists() and stamp.stat().st_mtime >= (ROOT / "package-lock.json").stat().st_mtime


@task
def setup_tools(c):
    """Install the test tools from the npm registry (vnu, axe-core) when package-lock.json changed."""
    if not _node_modules_ready():
        c.run("npm ci --no-audit --no-fund --loglevel=error", pty=False)


@task(pre=[setup_tools])
def test(c, k="", x=False):
    """Run every test (the browser tests need /usr/bin/chromium: apt-get install chromium)."""
    args = [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup"]
    if k:
        args += ["-k", k]
    if x:
        args.append("-x")
    sys.exit(subprocess.call(args, cwd=ROOT))


@task
def lint(c):
    """ruff check and format check over the Python code."""
    c.run(f"{sys.executable} -m ruff check .")
    c.run(f"{sys.executable} -m ruff format --check .")
