"""Builds the small cjk fixture site (tests/fixtures/cjk) and reads back what the plugin computed.

The fixture theme prints every computed value (slug, summary, authors, dates, reading time)
as plain markup, so these tests do not depend on the real theme, which changes independently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import lxml.html

from kuaixun.testing.builds import ROOT, Build, run_build

FIXTURE = ROOT / "tests" / "fixtures" / "cjk"


def build_fixture_site(output: Path, content: Path = FIXTURE / "content", **overrides) -> Build:
    """A real build of fixture content with only the cjk plugin and the bare fixture theme."""
    overrides.setdefault("THEME", str(FIXTURE / "theme"))
    overrides.setdefault("PLUGINS", ["kuaixun.hooks.cjk"])
    overrides.setdefault("DIRECT_TEMPLATES", ["index"])
    return run_build(output, content=content, **overrides)


@dataclass
class RenderedArticle:
    path: Path
    root: lxml.html.HtmlElement

    def value(self, css_class: str) -> str:
        return self.root.find_class(css_class)[0].text_content()

    @property
    def title(self) -> str:
        return self.root.findtext(".//h1")

    @property
    def slug(self) -> str:
        return self.root.find(".//article").get("data-slug")

    @property
    def summary(self) -> str:
        return self.value("summary")

    @property
    def summary_html(self) -> str:
        """The summary exactly as the template wrote it (entities and tags as in the file)."""
        raw = self.path.read_text(encoding="utf-8")
        found = re.search(r'<p class="summary">(.*?)</p>', raw, re.DOTALL)
        assert found, f"{self.path}: no summary paragraph"
        return found.group(1)

    @property
    def reading_minutes(self) -> int:
        return int(self.root.find(".//article").get("data-reading-minutes"))

    def slugs(self, css_class: str) -> dict[str, str]:
        """Names → slugs of the article's authors or tags."""
        return {li.text_content(): li.get("data-slug") for li in self.root.find_class(css_class)[0]}


def rendered_articles(output: Path) -> dict[str, RenderedArticle]:
    """Every article page of a fixture build, by title (the source path breaks ties)."""
    articles = {}
    for path in sorted(output.glob("**/index.html")):
        root = lxml.html.parse(str(path)).getroot()
        if root.find(".//article") is not None:
            article = RenderedArticle(path, root)
            key = (
                article.title
                if article.title not in articles
                else f"{article.title} ({path.parent.name})"
            )
            articles[key] = article
    return articles
