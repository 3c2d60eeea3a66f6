"""The rule on what a screen reader cannot announce in a body: a link with no words and a
heading with none.

`[](https://…)`, `<a href=…> </a>` or a linked image without alt text make a link a screen
reader announces as "link" and nothing more (axe: link-name, serious), and that sighted
readers cannot see to click; `## ` alone makes an empty heading in the page's outline
(axe: empty-heading). The tests judge the real content with axe; this names the line where
an editor writes one, before it is published. Judged on the body as the site's Markdown
renders it (`unsafe_html.rendered`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html

from kuaixun.core.markdown import without_code_spans
from kuaixun.core.problems import Problem
from kuaixun.rules.registry import ContentFile, Site
from kuaixun.rules.unsafe_html import rendered

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# A body that can hold either: a Markdown link or heading, or a raw <a>/<h…>.
_MAYBE = re.compile(r"\]\(|\]\s*\[|^\s{0,3}#|<\s*(?:a|h[1-6])\b", re.MULTILINE | re.IGNORECASE)
_EMPTY_ATX = re.compile(r"^\s{0,3}#{1,6}(?:\s+#*)?\s*$")


def _named(element) -> bool:
    """Whether the element has words for a screen reader: text, an image's alt text, or a
    label of its own (an aria-label is refused by rules/unsafe_html.py: counted here, the
    link is named once, for that)."""
    if element.text_content().strip():
        return True
    if any((element.get(name) or "").strip() for name in ("aria-label", "title")):
        return True
    return any((img.get("alt") or "").strip() for img in element.iter("img"))


def links_and_headings_have_words(file: ContentFile, site: Site) -> Iterator[Problem]:
    body = "\n".join(file.front.body)
    if not _MAYBE.search(body):
        return
    html = rendered(file, site)
    if not html or not html.strip():
        return
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    lines = [(n, without_code_spans(line)) for n, line in file.body_lines()]
    first = lines[0][0] if lines else 1
    used: set[int] = set()  # a line named once per kind: the k-th empty heading, the k-th line
    for element in root.iter("a", *HEADINGS):
        if _named(element):
            continue
        if element.tag == "a":
            href = element.get("href")
            if href is None:
                continue  # (an anchor, not a link: unsafe_html judges its name= or id)
            line = next((n for n, text in lines if href in text), first)
            yield Problem(
                file.shown,
                line,
                f"链接 {href} 没有文字，读屏软件只会念“链接” (a link without words)",
                "在 [ ] 里写上链接的文字，例如 [区政府网站](https://…)；链接的照片要写替代文字",
            )
        else:
            heading = re.compile(rf"<\s*{element.tag}\b", re.IGNORECASE)
            line = next(
                (
                    n
                    for n, text in lines
                    if n not in used and (_EMPTY_ATX.match(text) or heading.search(text))
                ),
                first,
            )
            used.add(line)
            yield Problem(
                file.shown,
                line,
                "小标题是空的 (an empty heading)",
                "在 ## 后面写上小标题，或删掉这一行",
            )
