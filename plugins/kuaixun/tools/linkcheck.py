"""A file-based link checker for a built site: every internal reference must reach a file.

It reads the output folder as a static host serves it: a link to a folder needs that folder's
index.html (a real host gives 404 where `python -m http.server` would list the folder), and a
`#fragment` needs an element with that id in the target page. Internal means relative,
root-relative, or absolute under the site's own origin (production pages link absolutely).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from lxml import html

# Attributes that hold one address, and the elements that carry them.
URL_ATTRIBUTES = {
    "href": ("a", "area", "link"),
    "src": ("img", "script", "iframe", "source", "audio", "video", "track", "embed", "input"),
    "action": ("form",),
    "poster": ("video",),
    "data": ("object",),
}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
EXTERNAL_SCHEMES = ("mailto:", "tel:", "data:", "javascript:")


@dataclass(frozen=True, order=True)
class BrokenLink:
    source: str  # the page or stylesheet, relative to the output folder
    link: str  # as written
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.link} — {self.reason}"


def references_in_html(text: str) -> list[str]:
    """Every address a page refers to: attributes, srcset candidates, inline CSS url()."""
    tree = html.fromstring(text)
    found = []
    for attribute, tags in URL_ATTRIBUTES.items():
        for element in tree.iter(*tags):
            value = element.get(attribute)
            if value is not None:
                found.append(value.strip())
    for element in tree.xpath("//*[@srcset]"):
        found.extend(srcset_urls(element.get("srcset")))
    for element in tree.xpath("//*[@style]"):
        found.extend(references_in_css(element.get("style")))
    for style in tree.iter("style"):
        found.extend(references_in_css(style.text or ""))
    return found


def srcset_urls(srcset: str) -> list[str]:
    """The URLs of `a.jpg 1x, b.jpg 2x` (each candidate is a URL, then an optional size)."""
    return [candidate.split()[0] for candidate in srcset.split(",") if candidate.strip()]


def references_in_css(text: str) -> list[str]:
    return [m.group(2) or m.group(4) for m in CSS_URL.finditer(text)]


def site_path(link: str, page_url: str, origin: str) -> str | None:
    """The site-root-relative path a link points to (with #fragment), or None if external.

    `page_url` is the linking file's own path from the site root, e.g. `/2020/11/x/`;
    `origin` is the site's absolute address, e.g. `https://host/bulletin`.
    """
    if not link or link.startswith(EXTERNAL_SCHEMES):
        return None
    origin_parts = urlsplit(origin.rstrip("/") + "/")
    base_path = origin_parts.path  # "/" or "/bulletin/"
    page_address = f"{origin_parts.scheme}://{origin_parts.netloc}{base_path[:-1]}{page_url}"
    absolute = urljoin(page_address, link)
    parts = urlsplit(absolute)
    if (parts.scheme, parts.netloc) != (origin_parts.scheme, origin_parts.netloc):
        return None
    path = parts.path
    if not path.startswith(base_path) and path + "/" != base_path:
        return f"!outside:{path}"
    relative = path[len(base_path) :] if path.startswith(base_path) else ""
    return "/" + relative + (f"#{parts.fragment}" if parts.fragment else "")


def target_file(output: Path, path: str) -> Path | None:
    """The file a host would serve for a root-relative path, or None."""
    candidate = output / unquote(path.lstrip("/"))
    if path.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


@cache
def ids_in(page: Path) -> frozenset[str]:
    tree = html.fromstring(page.read_bytes())
    ids = {element.get("id") for element in tree.xpath("//*[@id]")}
    ids |= {element.get("name") for element in tree.xpath("//a[@name]")}
    return frozenset(ids)


def page_url_of(output: Path, file: Path) -> str:
    """The root-relative URL a file is served at (index.html stands for its folder)."""
    relative = PurePosixPath(file.relative_to(output).as_posix())
    if relative.name == "index.html":
        parent = relative.parent.as_posix()
        return "/" if parent == "." else f"/{parent}/"
    return f"/{relative}"


def check_link(output: Path, source: Path, link: str, origin: str) -> str | None:
    """Why this link is broken, or None when it resolves (or leaves the site)."""
    path = site_path(link, page_url_of(output, source), origin)
    if path is None:
        return None
    if path.startswith("!outside:"):
        return f"points outside the site's base path {urlsplit(origin).path or '/'}"
    address, _, fragment = path.partition("#")
    target = target_file(output, address)
    if target is None:
        return f"no file at {address}" + (
            " (a folder needs index.html)" if address.endswith("/") else ""
        )
    if fragment and target.suffix == ".html" and unquote(fragment) not in ids_in(target):
        return f"no element with id {unquote(fragment)!r} in {target.relative_to(output)}"
    return None


def broken_links(output: Path, origin: str) -> tuple[list[BrokenLink], int]:
    """Every broken internal reference in the HTML and CSS under `output`, and the count checked."""
    ids_in.cache_clear()
    broken, checked = [], 0
    for source in sorted(output.rglob("*")):
        if source.suffix == ".html":
            links = references_in_html(source.read_text(encoding="utf-8"))
        elif source.suffix == ".css":
            links = references_in_css(source.read_text(encoding="utf-8"))
        else:
            continue
        for link in links:
            checked += 1
            reason = check_link(output, source, link, origin)
            if reason:
                broken.append(BrokenLink(source.relative_to(output).as_posix(), link, reason))
    return sorted(set(broken)), checked
