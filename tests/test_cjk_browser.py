"""In Chromium, a paragraph hard-wrapped between Chinese characters reads without spaces.

The HTML source is not the test: the browser decides whether a newline becomes a visible
space, so the rendered innerText is checked.
"""

import re

import lxml.html
import pytest

from kuaixun.core.cjk.text import is_cjk
from kuaixun.testing.builds import ROOT, copy_content, run_build
from kuaixun.testing.cjk_site import build_fixture_site

SEED_ARTICLES = sorted((ROOT / "content" / "articles").glob("**/*.md"))


def hard_wrap(paragraph: str, width: int = 13) -> str:
    """Wrap a paragraph as a plain-text editor would, breaking only between CJK characters."""
    lines, line = [], ""
    for index, char in enumerate(paragraph):
        line += char
        following = paragraph[index + 1 : index + 2]
        if len(line) >= width and is_cjk(char) and is_cjk(following):
            lines.append(line)
            line = ""
    return "\n".join([*lines, line] if line else lines)


def is_prose(paragraph: str) -> bool:
    """A paragraph of plain text, rendered as written (no images, links, emphasis, HTML)."""
    return bool(paragraph.strip()) and not re.search(r"[!\[\]*`#|<>_]", paragraph)


def body_paragraphs(source: str) -> list[str]:
    body = source.split("\n\n", 1)[1]
    return [p for p in body.split("\n\n") if is_prose(p)]


def hard_wrap_article(path):
    header, body = path.read_text(encoding="utf-8").split("\n\n", 1)
    wrapped = [hard_wrap(p) if is_prose(p) else p for p in body.split("\n\n")]
    path.write_text(header + "\n\n" + "\n\n".join(wrapped), encoding="utf-8")


@pytest.fixture(scope="module")
def wrapped_real_site(tmp_path_factory):
    """The real content and theme, with every seed article hard-wrapped every ~13 characters."""
    folder = tmp_path_factory.mktemp("wrapped")
    content = copy_content(folder / "content")
    for path in (content / "articles").glob("**/*.md"):
        hard_wrap_article(path)
    build = run_build(folder / "output", content=content)
    assert build.returncode == 0, build.stderr
    return build.output


@pytest.mark.parametrize("source", SEED_ARTICLES, ids=lambda p: p.stem)
def test_wrapped_seed_article_reads_without_spaces_in_chromium(
    source, wrapped_real_site, serve, page
):
    page.goto(serve(wrapped_real_site) + "/" + _url_of(wrapped_real_site, _title(source)))
    text = page.inner_text("body")
    for paragraph in body_paragraphs(source.read_text(encoding="utf-8")):
        assert paragraph in text


def _title(source) -> str:
    return source.read_text(encoding="utf-8").split("\n", 1)[0].removeprefix("Title: ")


def _url_of(site, title: str) -> str:
    """The site-relative URL of the article page whose heading is ``title``."""
    for path in site.glob("**/index.html"):
        if lxml.html.parse(str(path)).getroot().findtext(".//h1") == title:
            return str(path.parent.relative_to(site)) + "/"
    raise AssertionError(f"no page with the heading {title}")


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    build = build_fixture_site(tmp_path_factory.mktemp("cjk-browser") / "output")
    assert build.returncode == 0, build.stderr
    return build.output


def test_soft_breaks_in_paragraph_list_and_quote_render_without_spaces(fixture_site, serve, page):
    page.goto(serve(fixture_site) + "/" + _url_of(fixture_site, "编辑器里自动换行的稿件"))
    text = page.inner_text(".content")
    assert "新华街局前社区工作人员一边安抚老人情绪，一边询问老人身体情况，并“第一时间”" in text
    assert "列表里的一行被编辑器折成两行" in text
    assert "列表第二项：加粗的文字照样连着" in text
    assert "引用里的段落也会被折行，链接里的文字也一样。" in text


def test_soft_break_between_latin_words_renders_as_a_space(fixture_site, serve, page):
    page.goto(serve(fixture_site) + "/" + _url_of(fixture_site, "编辑器里自动换行的稿件"))
    assert "The volunteers said they would come back next week." in page.inner_text(".content")
