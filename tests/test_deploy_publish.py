"""The production build (publishconf.py): addresses under a sub-path, atomic, cached, strict."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import html as lxml_html

from kuaixun.testing.builds import ROOT, built_files, copy_content, run_build

SITEURL = "https://example.org/bulletin"
# One worker builds the module's site once, instead of each worker building its own.
pytestmark = pytest.mark.xdist_group("deploy-publish")

BROKEN_ARTICLE = """Title: 日期写错的文章
Date: 2020-11-31
Category: 社区动态
Authors: 孙露

本报讯 十一月没有三十一日，这篇文章不能发布。
"""


def publish(output: Path, content: Path | None = None, siteurl: str = SITEURL, **overrides):
    return run_build(
        output, content, settings="publishconf.py", env={"SITEURL": siteurl}, **overrides
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("publish") / "output"
    build = publish(output)
    assert build.returncode == 0, build.stderr
    return output


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def link_targets(page: Path) -> list[str]:
    tree = lxml_html.fromstring(page.read_bytes())
    targets = tree.xpath("//@href | //@src | //form/@action")
    for srcset in tree.xpath("//@srcset"):
        targets += [candidate.split()[0] for candidate in srcset.split(",") if candidate.strip()]
    return [str(target).strip() for target in targets]


def breaks_under_subpath(target: str) -> bool:
    """A link to the site's host that leaves its sub-path: `/x`, or `https://host/x`.

    `/bulletin/x` is fine: 404.html uses such links, as it is served at any depth.
    """
    parts, site = urlsplit(target), urlsplit(SITEURL)
    if not parts.scheme and not parts.netloc:
        return target.startswith("/") and not target.startswith(site.path + "/")
    return parts.netloc == site.netloc and not target.startswith(SITEURL + "/")


def test_the_production_build_writes_the_site(site):
    assert (site / "index.html").is_file()
    assert len(list(site.glob("20*/*/*/index.html"))) >= 6
    assert (site / "feeds" / "all.atom.xml").is_file()


def test_no_page_links_outside_the_sub_path(site):
    broken = {
        f"{page.relative_to(site)}: {target}"
        for page in pages(site)
        for target in link_targets(page)
        if breaks_under_subpath(target)
    }
    assert not broken


def test_site_links_are_absolute_in_production(site):
    index = link_targets(site / "index.html")
    # A data: URL (every page's icon, hooks/icon.py) is the thing itself, not a place.
    internal = [t for t in index if not t.startswith(("#", "mailto:", "data:"))]
    assert internal
    assert all(target.startswith(SITEURL + "/") for target in internal), internal


def test_stylesheets_do_not_point_at_the_server_root(site):
    root_urls = {
        f"{css.relative_to(site)}: {url}"
        for css in site.rglob("*.css")
        for url in re.findall(r"url\(\s*['\"]?(/[^/'\")][^'\")]*)", css.read_text("utf-8"))
    }
    assert not root_urls


def test_canonical_and_open_graph_addresses_include_the_sub_path(site):
    for page in built_files(site, "20*/*/*/index.html"):
        address = f"{SITEURL}/{page.parent.relative_to(site).as_posix()}/"
        tree = lxml_html.fromstring(page.read_bytes())
        assert tree.xpath("//link[@rel='canonical']/@href") == [address]
        assert tree.xpath("//meta[@property='og:url']/@content") == [address]


def test_feed_entries_link_absolutely_under_the_sub_path(site):
    feeds = sorted((site / "feeds").rglob("*.xml"))
    assert feeds
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        assert feed.bozo == 0, (path, feed.get("bozo_exception"))
        assert feed.entries, path
        for entry in feed.entries:
            assert entry.link.startswith(SITEURL + "/"), (path, entry.link)
            assert (
                site / urlsplit(entry.link).path.removeprefix("/bulletin/") / "index.html"
            ).is_file()


@pytest.mark.parametrize("value", ["bulletin", "/bulletin", "example.org/bulletin", "ftp://x/y"])
def test_a_siteurl_that_is_not_an_address_stops_the_build(tmp_path, value):
    build = publish(tmp_path / "output", siteurl=value)
    assert build.returncode != 0
    assert "SITEURL" in build.stderr
    assert not (tmp_path / "output").exists()


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder` with its content hash and modification time."""
    return {
        path.relative_to(folder).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize("deploy_folder", ["holds-the-previous-build", "empty"])
def test_a_content_error_writes_nothing_to_the_deploy_folder(tmp_path, deploy_folder):
    content = copy_content(tmp_path / "content")
    output = tmp_path / "output"
    if deploy_folder == "empty":
        output.mkdir()
    else:
        assert publish(output, content).returncode == 0
    before = snapshot(output)

    (content / "articles" / "2020" / "11" / "riqi-xiecuo.md").write_text(BROKEN_ARTICLE, "utf-8")
    build = publish(output, content)

    assert build.returncode != 0
    assert "riqi-xiecuo.md" in build.stderr
    assert snapshot(output) == before
    # The build lock (.output.lock, one build at a time) stays, and so may the empty folders
    # kept for the next build's staging (.output.folders, tools/build.py); no file of a
    # staging or old site does.
    left = [p for p in tmp_path.glob(".output*") if p.name != ".output.lock"]
    kept = tmp_path / ".output.folders"
    assert not [p for p in left if p != kept], "the half-built site was left behind"
    assert not [p for p in kept.rglob("*") if not p.is_dir()], "a file was left in the folders"


def test_a_rebuild_from_the_content_cache_writes_the_same_site(tmp_path):
    cold, warm = tmp_path / "cold" / "output", tmp_path / "warm" / "output"
    cache = tmp_path / "pelican-cache"
    assert publish(cold, CACHE_PATH=str(cache)).returncode == 0
    assert any(cache.iterdir()), "the first build saved no content cache"
    assert publish(warm, CACHE_PATH=str(cache)).returncode == 0
    # The sitemap stamps index pages with the build time; everything else must be identical.
    cold_files, warm_files = snapshot(cold), snapshot(warm)
    assert cold_files.keys() == warm_files.keys()
    differs = [
        name
        for name, (digest, _) in cold_files.items()
        if name != "sitemap.xml" and warm_files[name][0] != digest
    ]
    assert not differs


def project_copy(dest: Path) -> Path:
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy2(ROOT / name, dest / name)
    for folder in ("plugins", "requirements"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_the_content_cache_is_set_aside_when_the_code_changes(tmp_path):
    from pelican.settings import load_source

    publishconf = load_source("publishconf", str(ROOT / "publishconf.py"))
    project = project_copy(tmp_path)
    before = publishconf.code_fingerprint(project)
    assert publishconf.code_fingerprint(project) == before
    with (project / "plugins" / "kuaixun" / "core" / "cjk" / "markdown_ext.py").open(
        "a", encoding="utf-8"
    ) as module:
        module.write("\n# a change to the Markdown extension\n")
    assert publishconf.code_fingerprint(project) != before
