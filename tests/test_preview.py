"""make livereload, the editors' preview: it reloads the browser after a save (under the
site's own CSP), shows a failed build's problems in the page, and publishes none of it. A save
is built in the time of what it changed (tools/preview/rebuild.py): the saved article and the
home page first, every other page after, and never a page older than the save in between."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kuaixun.core.search.export.entry import entry_of
from kuaixun.testing.builds import ROOT, copy_content, run_build
from kuaixun.tools.preview.rebuild import Generation, remove_unplanned

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
    page.wait_for_function("() => window.kuaixunPreview !== undefined")  # preview.js runs
    assert page.locator(".preview-problems").count() == 0, fetch(f"{base}/_preview/problems.json")

    title = text.split("Title:", 1)[1].splitlines()[0].strip()
    article.write_text(text.replace(title, title + "（更正）", 1), encoding="utf-8")
    page.wait_for_function(
        "t => document.body && document.body.textContent.includes(t)",
        arg=title + "（更正）",
        timeout=60_000,
    )  # the page reloaded by itself with the rebuilt home page

    article.write_text(text.replace("Date:", "Date: 2020-13-45\nX-Old-Date:", 1), encoding="utf-8")
    banner = page.wait_for_selector(".preview-problems", timeout=60_000)
    shown = banner.text_content()
    assert article.name in shown and "2020-13-45" in shown
    assert page.get_attribute(".preview-problems", "role") == "alert"

    article.write_text(text, encoding="utf-8")
    page.wait_for_function("() => !document.querySelector('.preview-problems')", timeout=60_000)
    assert files_holding(output, b"_preview") == []
    assert errors == []  # nothing refused by the CSP (livereload's inline client is gone)


def test_a_build_ready_while_the_page_was_loading_still_reloads_it(page, preview):
    """The page asks for the build after the one it was served after: a build that finished
    before the page asked (while it loaded) is not missed. livereload's websocket message was,
    when sent before the socket was open, and the page stayed on the build before."""
    base, content, _ = preview
    article = article_file(content)
    text = article.read_text(encoding="utf-8")
    asked = []
    page.route("**/_preview/reload.json*", lambda route: asked.append(route))  # held
    page.goto(f"{base}/")
    deadline = time.monotonic() + 60
    while not asked:
        assert time.monotonic() < deadline, "preview.js never asked for a newer build"
        page.wait_for_timeout(100)  # playwright answers the route while the page waits

    builds = status(base)["builds"]
    title = text.split("Title:", 1)[1].splitlines()[0].strip()
    article.write_text(text.replace(title, title + "（载入时改）", 1), encoding="utf-8")
    while status(base)["builds"] == builds:  # served once the build (and its reload) is done
        assert time.monotonic() < deadline + 60, "the save was never built"
        page.wait_for_timeout(200)
    assert title + "（载入时改）" not in page.text_content("body")
    asked[0].continue_()  # the question reaches the server after the build it asks about
    page.unroute("**/_preview/reload.json*")  # the reloaded page asks freely
    page.wait_for_function(
        "t => document.body && document.body.textContent.includes(t)",
        arg=title + "（载入时改）",
        timeout=60_000,
    )


def test_a_page_out_of_sight_holds_no_question_and_reloads_when_shown(page, preview):
    """A hidden page drops its question (a held request takes one of the browser's six
    connections to the host) and asks again when shown: the build it missed reloads it."""
    base, content, _ = preview
    article = article_file(content)
    text = article.read_text(encoding="utf-8")
    # The first build's writer, once its pages are written, reloads the browsers once more
    # (it copied the theme): a page loaded before that reloaded under the test (seen in CI).
    idle(base)
    page.goto(f"{base}/")
    page.wait_for_function("() => window.kuaixunPreview !== undefined")
    visibility = """state => {
        const visible = { configurable: true, get: () => state };
        Object.defineProperty(document, "visibilityState", visible);
        document.dispatchEvent(new Event("visibilitychange"));
    }"""
    with page.expect_event("requestfailed", lambda r: "/_preview/reload.json" in r.url):
        page.evaluate(visibility, "hidden")  # the question held is dropped

    builds = status(base)["builds"]
    title = text.split("Title:", 1)[1].splitlines()[0].strip()
    article.write_text(text.replace(title, title + "（看不见时改）", 1), encoding="utf-8")
    until(lambda: status(base)["builds"] > builds, "the save is built")
    assert title + "（看不见时改）" not in page.text_content("body")
    page.evaluate(visibility, "visible")
    page.wait_for_function(
        "t => document.body && document.body.textContent.includes(t)",
        arg=title + "（看不见时改）",
        timeout=60_000,
    )


def files_holding(folder: Path, needle: bytes) -> list[Path]:
    """The files under folder that hold needle. The preview may still be swapping in the
    search folder of its last build (a rename) while the tree is walked: a walk that meets a
    folder gone is walked again, whole."""
    for _ in range(50):
        try:
            return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]
        except FileNotFoundError:
            time.sleep(0.2)
    raise AssertionError(f"{folder} kept changing while it was read")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


def until(condition, what: str, seconds: float = 120):
    """Poll until condition() is true (a save is seen within the watcher's 50 ms, but a loaded
    test machine may take long); the time is a limit, never what is tested."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.2)


def status(base: str) -> dict:
    return json.loads(fetch(f"{base}/_preview/status.json")[1])


def idle(base: str) -> None:
    """Until the preview's writers are done: every page, then the search export."""
    until(lambda: not status(base)["writing"], "idle")


NEW_ARTICLE = (
    "Title: 预览里的新文章\nDate: 2026-01-01 10:00\nCategory: 社区动态\n\n一篇新的文章。\n"
)


def test_a_new_article_shows_on_the_home_page_and_a_deleted_one_leaves_it(preview):
    base, content, _ = preview
    new = content / "articles" / "2026" / "preview-new.md"
    new.parent.mkdir(parents=True)
    new.write_text(NEW_ARTICLE, encoding="utf-8")
    until(lambda: "预览里的新文章" in fetch(f"{base}/")[1], "the home page lists the new article")
    address = "2026/01/yu-lan-li-de-xin-wen-zhang/"
    status, page = fetch(f"{base}/{address}")
    assert "一篇新的文章" in page, (status, (content.parent / "preview.log").read_text("utf-8"))

    new.unlink()
    until(lambda: "预览里的新文章" not in fetch(f"{base}/")[1], "the home page drops it")
    idle(base)
    assert fetch(f"{base}/{address}")[0] == 404


def test_after_saves_the_preview_holds_what_a_cold_build_writes(preview, tmp_path):
    """Written in place, page by page, with deleted articles' pages removed: the same bytes
    as a build from scratch of the content as it is now (drafts shown, as in the preview),
    every page, feed and photo."""
    base, content, output = preview
    article = article_file(content)
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("Title: ", "Title: 改过的", 1), encoding="utf-8")
    until(lambda: "改过的" in fetch(f"{base}/")[1], "the edit is shown")
    (content / "articles" / "2026").mkdir()
    (content / "articles" / "2026" / "preview-new.md").write_text(NEW_ARTICLE, "utf-8")
    until(lambda: "预览里的新文章" in fetch(f"{base}/")[1], "the new article is shown")
    (content / "articles" / "2026" / "preview-new.md").unlink()
    until(lambda: "预览里的新文章" not in fetch(f"{base}/")[1], "the deleted article is gone")
    idle(base)

    cold = run_build(tmp_path / "cold" / "output", content, SHOW_DRAFTS=True)
    assert cold.returncode == 0, cold.stderr
    assert files_of(output) == files_of(cold.output)
    # The search export is updated, not rewritten (a base and what changed since, see
    # core/search/export): the same articles, other bytes.
    manifests = [
        json.loads((site / "search" / "manifest.json").read_text())
        for site in (output, cold.output)
    ]
    assert manifests[0]["docs"] == manifests[1]["docs"]


def files_of(site: Path) -> dict[str, bytes]:
    files = {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file() and path.relative_to(site).parts[0] != "search"
    }
    # The sitemap stamps the listing pages with the time of the build.
    files["sitemap.xml"] = re.sub(rb"<lastmod>[^<]*</lastmod>", b"", files["sitemap.xml"])
    # The search page holds the entry of its export, which the preview updates (see above).
    files["search.html"] = entry_of(files["search.html"])[0]
    return files


def test_a_problem_stays_shown_until_fixed_whatever_file_is_saved_meanwhile(preview):
    base, content, _ = preview
    broken, other = sorted((content / "articles").rglob("*.md"))[:2]
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("Date:", "Date: 2020-13-45\nX-Old-Date:", 1), "utf-8")
    until(lambda: broken.name in fetch(f"{base}/_preview/problems.json")[1], "the problem")

    builds = status(base)["builds"]
    with other.open("a", encoding="utf-8") as stream:
        stream.write("\n又加了一句。\n")
    until(lambda: status(base)["builds"] > builds, "the other file's save is built")
    assert broken.name in fetch(f"{base}/_preview/problems.json")[1]
    broken.write_text(text, encoding="utf-8")
    until(lambda: fetch(f"{base}/_preview/problems.json")[1] == "[]", "fixed, then gone")


def test_a_page_is_fresh_once_this_build_wrote_it(tmp_path):
    old, new, first = (tmp_path / name for name in ("old.html", "new.html", "index.html"))
    for page in (old, new, first):
        page.write_text("x")
    generation = Generation(pelican=None, generators=[], started_ns=2_000_000_000_000_000_000)
    generation.first = {first}
    os.utime(old, ns=(1_000_000_000_000_000_000,) * 2)  # written before this build started
    os.utime(new, ns=(3_000_000_000_000_000_000,) * 2)
    os.utime(first, ns=(1_000_000_000_000_000_000,) * 2)
    missing = tmp_path / "gone.html"
    assert [generation.is_fresh(p) for p in (old, new, first, missing)] == [
        False,
        True,
        True,
        False,
    ]
    generation.pages_written = True
    assert generation.is_fresh(old) and generation.is_fresh(missing)


def test_what_a_build_no_longer_writes_is_removed_with_the_folders_left_empty(tmp_path):
    names = ["index.html", "2020/11/kept/index.html", "2020/11/gone/index.html", "search/x.json"]
    for name in names + ["search/deep/y.json"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    remove_unplanned(tmp_path, ["index.html", "2020/11/kept/index.html", "search/"])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "2020",
        "2020/11",
        "2020/11/kept",
        "2020/11/kept/index.html",
        "index.html",
        "search",
        "search/deep",
        "search/deep/y.json",
        "search/x.json",
    ]


@pytest.fixture
def preview_in_process(tmp_path):
    """The preview's handlers on tornado (all it serves: PreviewServer.application), in a
    thread, on a free port, serving tmp_path as output/; the base URL. No build, no watcher."""
    from tornado import httpserver, netutil, web

    from kuaixun.tools.preview import PreviewServer
    from kuaixun.tools.preview.rebuild import Preview

    preview = Preview(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(tmp_path)})  # never built
    app = web.Application(PreviewServer(tmp_path, preview, watched=[]).get_web_handlers(b""))
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


def test_the_preview_answers_several_ranges_with_the_whole_file(tmp_path, preview_in_process):
    """tornado answers one range, not several: the search page then asks them one by one
    (search/index.js networkFetch)."""
    pack = bytes(range(256)) * 4
    (tmp_path / "pack.bin").write_bytes(pack)
    request = urllib.request.Request(
        f"{preview_in_process}/pack.bin", headers={"Range": "bytes=0-1,5-6"}
    )
    with urllib.request.urlopen(request) as response:
        assert (response.status, response.read()) == (200, pack)


def test_the_search_page_finds_articles_through_the_preview(
    page, real_site, tmp_path, preview_in_process
):
    shutil.copytree(real_site, tmp_path, dirs_exist_ok=True)
    page.goto(f"{preview_in_process}/search.html?q=%E7%A4%BE%E5%8C%BA")  # 社区
    page.wait_for_selector("#search-results li")
    page.wait_for_selector(".search-snippet mark")
    assert "搜索没有完成" not in page.inner_text("#search-status")


def in_a_child(scenario) -> None:
    """Run scenario in a forked process: Pelican's plugins stay connected to its signals for
    the life of a process, and this one runs other tests after."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run() -> None:
        try:
            scenario()
            send.send("")
        except BaseException:
            send.send(traceback.format_exc())

    child = context.Process(target=run)
    child.start()
    send.close()
    outcome = receive.recv()
    child.join()
    assert outcome == "", outcome


def test_a_failed_build_lets_the_last_good_build_finish_its_pages(tmp_path):
    """A save stops the writer of the build before it; when that save's build fails, the
    last good build is still the one served, so its writer writes its pages again."""
    in_a_child(lambda: failed_build_after_a_stopped_writer(tmp_path))


def failed_build_after_a_stopped_writer(tmp_path: Path) -> None:
    from kuaixun import pelican_api
    from kuaixun.tools.preview.rebuild import Preview

    server, write = os.getpid(), pelican_api.write

    def slow_writer(*args, **kwargs):
        if os.getpid() != server:  # the writer process: the next save comes first
            time.sleep(3)
        write(*args, **kwargs)

    pelican_api.write = slow_writer  # in this forked process only
    content = copy_content(tmp_path / "content").resolve()
    output = tmp_path / "out"
    overrides = {"SHOW_DRAFTS": True, "PATH": str(content), "OUTPUT_PATH": str(output)}
    for cache in ("CACHE_PATH", "SEARCH_CACHE_PATH", "PHOTOS_CACHE_PATH"):
        overrides[cache] = str(tmp_path / cache.lower())
    preview = Preview(ROOT / "pelicanconf.py", overrides)
    assert preview.build() == []
    good = preview.current

    broken = article_file(content)
    broken.write_text("Date: 2020-13-45\n\n没有标题。\n", encoding="utf-8")
    assert preview.build({broken}) != []
    assert preview.current is good and not good.pages_written
    shutil.rmtree(output)  # what the stopped writer wrote is gone: all is written again
    until(lambda: good.receive(), "the good build's writer ends")
    assert good.problems == []
    assert (output / "index.html").is_file() and (output / "sitemap.xml").is_file()


def test_the_preview_refuses_a_request_naming_another_host(preview_in_process, tmp_path):
    """DNS rebinding: a page elsewhere points a name of its own at 127.0.0.1 and would read
    the drafts the preview shows through the editor's browser."""
    (tmp_path / "index.html").write_text("<p>草稿</p>", encoding="utf-8")
    for path in ("/", "/_preview/problems.json", "/_preview/status.json"):
        request = urllib.request.Request(
            preview_in_process + path, headers={"Host": "evil.example"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == 403, path
    assert fetch(f"{preview_in_process}/")[0] == 200


def test_a_path_no_file_can_have_is_a_404_not_a_server_error(preview_in_process, tmp_path):
    """A NUL (`%00`) or a name longer than the system takes: the preview raised on it,
    answering 500 with a traceback in the editor's terminal."""
    (tmp_path / "index.html").write_text("<p>草稿</p>", encoding="utf-8")
    long_name = "a" * 300
    for path in ("/a%00.html", "/%00/", f"/{long_name}.html", f"/{long_name}/", f"/{long_name}"):
        assert fetch(preview_in_process + path)[0] == 404, path
    assert fetch(f"{preview_in_process}/")[0] == 200


def test_other_sites_pages_reach_nothing_of_livereloads_own(tmp_path, capfd):
    """python-livereload's websocket took any origin and logged what a page sent it: a page
    on any site the editor visits could write into this terminal (escape sequences, a false
    "构建成功" over the real problems), and its /forcereload passed the Host check. The
    preview serves its own handlers alone; preview.js does livereload's work."""
    from tornado import httpclient, websocket

    from kuaixun.tools.preview import PreviewServer
    from kuaixun.tools.preview.rebuild import Preview

    (tmp_path / "index.html").write_text("<head></head><p>草稿</p>", encoding="utf-8")
    preview = Preview(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(tmp_path)})  # never built
    server = PreviewServer(tmp_path, preview, watched=[])
    with socket.socket() as probe:  # a free port, as `invoke livereload --port` takes one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    loop = asyncio.new_event_loop()
    listening = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        server._setup_logging()  # livereload's, as serve() sets it up
        server.application(port, "127.0.0.1")
        listening.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    assert listening.wait(10)
    base, evil = f"127.0.0.1:{port}", {"Origin": "http://evil.example"}
    written = "\x1b]0;pwned\x07构建成功"

    async def visit() -> list:
        answers: list = []
        request = httpclient.HTTPRequest(f"ws://{base}/livereload", headers=evil)
        try:
            socket_ = await websocket.websocket_connect(request)
            await socket_.write_message(json.dumps({"command": "info", "url": written}))
            await asyncio.sleep(0.3)
            answers.append("websocket open")
        except httpclient.HTTPClientError as error:
            answers.append(error.code)
        client = httpclient.AsyncHTTPClient()
        for path in ("/forcereload", "/livereload.js", "/"):
            answer = await client.fetch(f"http://{base}{path}", headers=evil, raise_error=False)
            answers.append((answer.code, answer.body))
        return answers

    try:
        # On the server's loop: this thread's may be playwright's, running.
        asking = asyncio.run_coroutine_threadsafe(visit(), loop)
        socket_answer, forced, script, page = asking.result(timeout=30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
    assert socket_answer == 404
    assert (forced[0], script[0]) == (404, 404)
    assert page[0] == 200 and b"/_preview/preview.js" in page[1]
    assert b"livereload" not in page[1]  # its inline client, refused by the CSP anyway
    assert "pwned" not in capfd.readouterr().err
