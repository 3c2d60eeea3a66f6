"""The Chinese handling on the real content: the six seed articles, as readers get them."""

import datetime as dt
import re

import feedparser
import pytest

from kuaixun.core.cjk.dates import zh_date
from kuaixun.core.cjk.slugs import pinyin_slug
from kuaixun.core.cjk.text import CLOSERS
from kuaixun.core.frontmatter import read_front_matter
from kuaixun.testing.builds import ROOT, copy_content
from kuaixun.testing.cjk_site import build_fixture_site, rendered_articles

SEEDS = sorted((ROOT / "content" / "articles").glob("**/*.md"))
SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def front_matter(path) -> dict[str, str]:
    headers = read_front_matter(path.read_text(encoding="utf-8")).headers
    return {header.written: header.value for header in headers}


def seed_id(path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def feed_summaries(real_site) -> dict[str, str]:
    feed = feedparser.parse(str(real_site / "feeds" / "all.atom.xml"))
    assert feed.bozo == 0
    return {entry.title: entry.summary for entry in feed.entries}


@pytest.mark.parametrize("seed", SEEDS, ids=seed_id)
def test_summary_skips_the_byline_and_ends_at_a_boundary(seed, feed_summaries):
    summary = feed_summaries[front_matter(seed)["Title"]]
    assert not summary.startswith("本报")
    assert "记者" not in summary[:12]
    assert summary.rstrip(CLOSERS)[-1] in "。！？；…"
    assert 60 <= len(summary) <= 122
    assert "<" not in summary


@pytest.mark.parametrize("seed", SEEDS, ids=seed_id)
def test_article_url_is_the_pinyin_of_its_title(seed, real_site):
    meta = front_matter(seed)
    slug = pinyin_slug(meta["Title"])
    assert SLUG_RE.fullmatch(slug)
    page = real_site / meta["Date"][:4] / meta["Date"][5:7] / slug / "index.html"
    assert meta["Title"] in page.read_text(encoding="utf-8")


def test_seed_article_urls_are_distinct(real_site):
    assert len({path.parent for path in real_site.glob("2020/11/*/index.html")}) == len(SEEDS)


@pytest.mark.parametrize("seed", SEEDS, ids=seed_id)
def test_article_page_shows_the_chinese_date(seed, real_site):
    meta = front_matter(seed)
    date = dt.datetime.strptime(meta["Date"], "%Y-%m-%d %H:%M")
    page = real_site / meta["Date"][:4] / meta["Date"][5:7] / pinyin_slug(meta["Title"])
    assert zh_date(date) in (page / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", SEEDS, ids=seed_id)
def test_reporter_pages_use_pinyin(seed, real_site):
    for reporter in front_matter(seed)["Authors"].split(","):
        page = real_site / "reporter" / pinyin_slug(reporter.strip()) / "index.html"
        assert front_matter(seed)["Title"] in page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seeds_without_authors(tmp_path_factory):
    """The seed articles with their Authors: lines removed: the bylines must give them back."""
    folder = tmp_path_factory.mktemp("no-authors")
    content = copy_content(folder / "content")
    for path in (content / "articles").glob("**/*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^Authors: .*\n", "", text, flags=re.M), encoding="utf-8")
    build = build_fixture_site(folder / "output", content=content)
    assert build.returncode == 0, build.stderr
    return rendered_articles(build.output)


@pytest.mark.parametrize("seed", SEEDS, ids=seed_id)
def test_seed_byline_gives_the_same_reporters_as_front_matter(seed, seeds_without_authors):
    meta = front_matter(seed)
    expected = [name.strip() for name in meta["Authors"].split(",")]
    assert list(seeds_without_authors[meta["Title"]].slugs("authors")) == expected
