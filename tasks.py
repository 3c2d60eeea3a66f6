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

CONTENT = ROOT / "content"
OUTPUT = ROOT / "output"
CACHE = ROOT / "cache"
DEV_SETTINGS = ROOT / "pelicanconf.py"
PUBLISH_SETTINGS = ROOT / "publishconf.py"
HOST, PORT = "127.0.0.1", 8000
TZ = ZoneInfo("Asia/Shanghai")


def _build(settings: Path, overrides: dict | None = None, last: bool = False) -> None:
    """Build, or exit 1 after printing the problems. `last`: the task ends with the build,
    which may then end this process itself (tools/build.py, `one_shot`)."""
    from kuaixun.tools.build import build_and_report, ends_process

    os.chdir(ROOT)
    output = Path((overrides or {}).get("OUTPUT_PATH", OUTPUT))
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    built = f"已生成网站 (site built): {shown}/"
    if build_and_report(settings, overrides, one_shot=last and ends_process(), built=built):
        sys.exit(1)


@task
def html(c):
    """Build the site into output/ with the development settings."""
    _build(DEV_SETTINGS, last=True)


@task
def publish(c):
    """Build the production site into output/ with publishconf.py (SITEURL from the environment)."""
    _publish(last=True)


def _publish(last: bool) -> None:
    from pelican.settings import read_settings

    from kuaixun.tools.deploy import prune_content_caches

    if not os.environ.get("SITEURL"):
        print("注意：没有设置 SITEURL，链接指向示例网址 (SITEURL unset: placeholder address)")
    # Each version of the code gets its own content cache (publishconf.py); older ones go,
    # before the build: a build that ends the process (`last`) returns to nothing after it.
    prune_content_caches(Path(read_settings(str(PUBLISH_SETTINGS))["CACHE_PATH"]))
    _build(PUBLISH_SETTINGS, last=last)


@task(help={"subpath": "网站所在的子路径 (the sub-path, as on GitHub Pages)", "port": "端口"})
def preview(c, subpath="/bulletin/", port=PORT):
    """Build the production site and serve it under a sub-path only: http://127.0.0.1:8000/bulletin/."""
    from kuaixun.tools.deploy import normalized_subpath, subpath_server
    from kuaixun.tools.static_server import serve_until_interrupted

    subpath = normalized_subpath(subpath)
    # Bound before building, so a busy port fails at once and not after the build.
    server = subpath_server(OUTPUT, subpath, HOST, int(port))
    address = f"http://{HOST}:{server.server_port}{subpath}"
    os.environ["SITEURL"] = address.rstrip("/")
    _publish(last=False)
    print(f"预览 (preview): {address} — 其他路径一律 404 (anything else is a 404); Ctrl+C 停止")
    serve_until_interrupted(server)


@task
def upload(c):
    """Build with publishconf.py, then rsync output/ to your own server over ssh: make upload.

    Settings from the environment: SITEURL, SSH_HOST, SSH_USER, SSH_TARGET_DIR, SSH_PORT (22).
    """
    import shlex

    from kuaixun.tools.deploy import UploadSettingsMissing, rsync_command, upload_target

    try:
        target = upload_target(os.environ)
    except UploadSettingsMissing as missing:
        sys.exit(str(missing))
    # publish exits non-zero on any content problem, and the built site is checked as the
    # deploy workflow checks it (make verify: links, feeds, sitemap), before rsync runs:
    # nothing is uploaded unless both pass.
    _publish(last=False)
    _verify()
    c.run(shlex.join(rsync_command(OUTPUT, target)), pty=False)
    print(f"已上传 (uploaded): {target.destination}")


def _not_in_git(folder: Path) -> list[str]:
    """Files under `folder` on disk but not in git's index: what a commit leaves out."""
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "--full-name", "-z", "--", "."],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True
    )
    if listed.returncode or top.returncode:
        return []
    root = Path(top.stdout.strip())
    return [str((root / name).resolve()) for name in listed.stdout.split("\0") if name]


@task(
    help={
        "path": "要检查的内容文件夹 (content folder; default: content/)",
        "staged": "提交前检查：没有 git add 的照片算问题 (the pre-commit hook's check)",
    }
)
def check(c, path="", staged=False):
    """Check every article and page in a second, without building: make check."""
    from pelican.settings import read_settings

    from kuaixun.rules import check_content
    from kuaixun.rules.registry import check_report, content_files

    overrides = {"PATH": str(Path(path).resolve())} if path else {}  # from where it was typed
    os.chdir(ROOT)
    settings = read_settings(str(DEV_SETTINGS), override=overrides)
    if staged:  # a photo git does not have is left out of the commit, though it is on disk
        settings["CHECK_NOT_IN_GIT"] = _not_in_git(Path(settings["PATH"]))
    problems, notices = check_content(settings)
    for notice in notices:
        print(notice)
    checked = sum(1 for _ in content_files(settings))
    print(check_report(problems, checked), file=sys.stderr if problems else sys.stdout)
    if problems:
        sys.exit(1)


@task
def clean(c):
    """Remove output/ and the build caches."""
    for path in (OUTPUT, CACHE):
        shutil.rmtree(path, ignore_errors=True)


def _serve_forever(root: Path, host: str = HOST, port: int = PORT) -> None:
    from kuaixun.tools.static_server import development_server, serve_until_interrupted

    server = development_server(root, host, port)
    print(f"网站已在 http://{host}:{port}/ 上运行，按 Ctrl+C 停止 (serving; Ctrl+C stops)")
    serve_until_interrupted(server)


@task
def serve(c, port=PORT):
    """Build the site, then serve output/ on http://127.0.0.1:8000."""
    # Not html(c): its build ends the process (`last`), and nothing would be served.
    _build(DEV_SETTINGS)
    _serve_forever(OUTPUT, port=int(port))


@task(help={"port": "端口", "content": "内容文件夹 (default content/)", "output": "输出文件夹"})
def livereload(c, port=PORT, content="", output=""):
    """Preview with drafts visible: build after every save (the saved article and the home page
    first), reload the browser, and show the problems of a failed build in the page itself
    (only in the preview)."""
    from kuaixun.tools.build import build_lock
    from kuaixun.tools.preview import PreviewServer
    from kuaixun.tools.preview.rebuild import Preview

    folder = Path(content).resolve() if content else CONTENT
    target = Path(output).resolve() if output else OUTPUT
    overrides = {"SHOW_DRAFTS": True, "PATH": str(folder), "OUTPUT_PATH": str(target)}
    if output:  # a preview elsewhere keeps its caches beside its output
        overrides |= {
            "CACHE_PATH": str(target.parent / "pelican-cache"),
            "SEARCH_CACHE_PATH": str(target.parent / "search-cache"),
            "PHOTOS_CACHE_PATH": str(target.parent / "photos-cache"),
        }
    os.chdir(ROOT)
    watched = [folder, ROOT / "theme", ROOT / "plugins", DEV_SETTINGS]
    server = PreviewServer(target, Preview(DEV_SETTINGS, overrides), watched)
    with build_lock(target):  # output/ is the preview's while it runs
        server.build()
        server.serve(host=HOST, port=int(port), root=str(target))


@task(
    help={
        "title": "标题 (the headline)",
        "category": "栏目；默认第一个栏目 (default: the first category)",
        "authors": "记者，多人用 、 或 ， 分开 (reporters)",
        "issue": "期号；默认最新一期 (default: the latest issue)",
        "content": "内容文件夹 (content folder; default content/)",
    }
)
def new(c, title, category="", authors="", issue="", content=str(CONTENT)):
    """Write a new draft article, placed and filled in: make new TITLE="标题"."""
    from pelican.settings import read_settings

    from kuaixun.core.issues import parse_issue_number
    from kuaixun.tools.new_article import default_issue, write_new_article

    title = title.strip()
    if not title or title.startswith("-"):
        # `invoke new --help` would otherwise write an article titled "--help".
        sys.exit('请给出标题 (give a title): make new TITLE="标题"; 选项见 invoke --help new')
    folder = Path(content)
    categories = read_settings(str(DEV_SETTINGS))["CATEGORIES"]
    if category and category not in categories:
        sys.exit(f"没有栏目 {category} (unknown category) — 可选：{'、'.join(categories)}")
    now = datetime.now(TZ)
    if issue:
        number, issue_note = parse_issue_number(issue), ""
    else:
        number, issue_note = default_issue(folder / "issues", now)
    path = write_new_article(folder, title, now, category or categories[0], authors, number)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"已创建草稿 (created a draft): {shown}")
    print(f"栏目可选 (categories): {'、'.join(categories)}")
    if issue_note:
        print(issue_note)
    print("写好后删掉 Status: draft 一行即可发布 (delete the Status line to publish)")


@task(
    help={
        "issue": "期号；不写就是最新一期 (default: the latest issue)",
        "folder": "PDF 存放的文件夹 (where the PDF goes; default pdf/)",
    }
)
def pdf(c, issue="", folder=str(ROOT / "pdf")):
    """Print one issue's edition to an A4 PDF with the site's address: make pdf ISSUE=47.

    The address printed on it is SITEURL (environment, else publishconf.py), never 127.0.0.1.
    """
    import tempfile

    from pelican.settings import read_settings

    from kuaixun.core.issues import load_issues, parse_issue_number
    from kuaixun.tools.edition_pdf import PrintError, edition_address, edition_page, print_to_pdf

    defined, _ = load_issues(CONTENT / "issues")
    number = parse_issue_number(issue) if issue else max(defined, default=None)
    if number not in defined:
        known = "、".join(map(str, sorted(defined))) or "（还没有）"
        sys.exit(f'没有第 "{issue}" 期 (no such issue) — 已有的期：{known}；例如 make pdf ISSUE=47')
    production = read_settings(str(PUBLISH_SETTINGS))
    try:
        address = edition_address(production["SITEURL"], production["PLACEHOLDER_SITEURL"])
    except PrintError as error:
        sys.exit(str(error))
    target = Path(folder) / f"社区快讯第{number}期.pdf"
    # The development build (relative links, so file:// finds the stylesheet) with the
    # production address, in a folder of its own: output/ stays the preview's.
    with tempfile.TemporaryDirectory(prefix="kuaixun-edition-") as site:
        _build(DEV_SETTINGS, {"OUTPUT_PATH": site, "SITE_ORIGIN": address, "FEED_DOMAIN": address})
        try:
            print_to_pdf(edition_page(Path(site), number), target)
        except PrintError as error:
            sys.exit(str(error))
    print(f"已打印 (printed): {target}，网络版地址 (address) {address}/")


@task
def hooks(c):
    """Install the git pre-commit hooks (.pre-commit-config.yaml): content check and ruff."""
    found = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=ROOT, capture_output=True)
    if found.returncode != 0:
        sys.exit("这里不是 git 仓库 (not a git repository)")
    # pre-commit keeps a hook it did not write as pre-commit.legacy and runs it too.
    sys.exit(subprocess.call([sys.executable, "-m", "pre_commit", "install"], cwd=ROOT))


@task(name="import", help={"dest": "folder to write into", "skip_invalid": "skip bad lines"})
def import_articles(c, file, dest="content/articles/imported", skip_invalid=False):
    """Import articles from JSON lines (.jsonl or .jsonl.gz): make import FILE=x.jsonl."""
    from pelican.settings import read_settings

    from kuaixun.tools.importer import run_import

    categories = read_settings(str(DEV_SETTINGS))["CATEGORIES"]
    target = Path(dest) if Path(dest).is_absolute() else ROOT / dest
    sys.exit(run_import(Path(file), target, categories, skip_invalid=skip_invalid))


@task(help={"query": "要搜索的词语 (what to search for)", "limit": "how many results"})
def search(c, query, limit=10):
    """Search the last build's Whoosh index from the terminal: make search Q="人口普查"."""
    from pelican.settings import read_settings

    from kuaixun.core.search.rank import SearchIndex

    settings = read_settings(str(DEV_SETTINGS))
    cache = Path(settings["SEARCH_CACHE_PATH"])
    if not (cache / "whoosh").exists():
        sys.exit("还没有搜索索引，请先运行 make html (no index yet: build the site first)")
    found = SearchIndex(cache)
    answer = found.answer(query)
    if answer.reading:
        print(f"您是不是要找：{answer.reading} (read as pinyin or with a homophone put right)")
    hits = answer.hits
    print(f"查询词 (terms): {' / '.join(answer.query.parts) or '（无）'}，共 {len(hits)} 篇")
    for rank_number, hit in enumerate(hits[: int(limit)], 1):
        article = found.records[hit.path].article
        where = f"[{article.category} {article.date}]"
        print(f"{rank_number:2}. {article.title}  {where}  {hit.score:.3f}")
        print(f"    {article.url}")


@task(
    help={
        "corpus": "JSON lines (.gz) of articles",
        "sizes": "comma-separated: 1000,all",
        "report_only": "rewrite docs/benchmarks.md from the last run's figures",
    }
)
def bench(c, corpus="", sizes="1000,all", report_only=False):
    """Benchmark builds and search against bare Pelican and Pagefind; writes docs/benchmarks.md."""
    from kuaixun.bench.run import DEFAULT_CORPUS, rewrite_report, run

    os.chdir(ROOT)
    if report_only:
        rewrite_report(ROOT / "docs")
        return
    setup_tools(c)  # Lighthouse comes from npm: checked before the twenty minutes, not after
    run(Path(corpus) if corpus else DEFAULT_CORPUS, sizes.split(","), ROOT / "docs")


def _node_modules_ready() -> bool:
    stamp = ROOT / "node_modules" / ".package-lock.json"
    return stamp.exists() and stamp.stat().st_mtime >= (ROOT / "package-lock.json").stat().st_mtime


@task
def setup_tools(c):
    """Install the npm test tools (vnu, axe-core, Lighthouse) when package-lock.json changed."""
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
def verify(c):
    """Check the built site in output/: links and anchors, feeds, sitemap (make verify)."""
    _verify()


def _verify() -> None:
    from kuaixun.tools.sitecheck import site_problems

    problems, checked = site_problems(OUTPUT)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(f"网站检查失败：{len(problems)} 个问题 (site check failed)")
    print(f"网站检查通过：{checked} 个链接、订阅和站点地图都正常 (site check passed)")


@task
def fuzz(c):
    """Property tests of the strict build with 300 generated articles (slow: real builds)."""
    env = {**os.environ, "HYPOTHESIS_PROFILE": "thorough"}
    args = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-q"]
    sys.exit(subprocess.call([*args, "tests/test_strict_properties.py"], cwd=ROOT, env=env))


@task
def lint(c):
    """ruff check and format check over the Python code."""
    c.run(f"{sys.executable} -m ruff check .")
    c.run(f"{sys.executable} -m ruff format --check .")
