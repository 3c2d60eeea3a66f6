"""A check of a built site before it is deployed: links resolve, feeds and sitemap parse.

The publishing path of a push that changes only content/ (make check, the strict production
build, then this) runs no test suite, so what the tests would have caught in the pages an
edit produced is checked here on the site itself: every internal link and `#anchor`
reaches a file and an id (tools/linkcheck.py), every Atom feed parses cleanly with
feedparser (its `bozo` flag) and each entry has a title, a link and a date, and
sitemap.xml is well-formed XML.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
from lxml import etree

from kuaixun.tools.linkcheck import broken_links


def feed_problems(output: Path) -> list[str]:
    problems = []
    for feed_file in sorted((output / "feeds").rglob("*.xml")):
        name = feed_file.relative_to(output).as_posix()
        feed = feedparser.parse(feed_file.read_bytes())
        if feed.bozo:
            problems.append(f"{name}: not a valid feed — {feed.bozo_exception}")
        for number, entry in enumerate(feed.entries, 1):
            missing = [key for key in ("title", "link", "updated") if not entry.get(key)]
            if missing:
                problems.append(f"{name}: entry {number} has no {', '.join(missing)}")
    return problems


def sitemap_problems(output: Path) -> list[str]:
    sitemap = output / "sitemap.xml"
    if not sitemap.is_file():
        return ["sitemap.xml: missing"]
    try:
        etree.parse(str(sitemap))
    except etree.XMLSyntaxError as error:
        return [f"sitemap.xml: not well-formed XML — {error}"]
    return []


def site_origin(output: Path) -> str:
    """The address the site was built for, from its home page's canonical link: links under
    it are the site's own and are checked, whatever settings built it."""
    from lxml import html

    home = html.fromstring((output / "index.html").read_bytes())
    canonical = home.xpath("//link[@rel='canonical']/@href")
    if not canonical:
        raise ValueError("index.html has no canonical link: cannot tell the site's address")
    return canonical[0].rstrip("/")


def site_problems(output: Path) -> tuple[list[str], int]:
    """Everything wrong with the built site in `output`, and how many links were checked."""
    if not (output / "index.html").is_file():
        return [f"{output}: no index.html — build the site first (make publish)"], 0
    broken, checked = broken_links(output, site_origin(output))
    problems = [str(link) for link in broken] + feed_problems(output) + sitemap_problems(output)
    return problems, checked
