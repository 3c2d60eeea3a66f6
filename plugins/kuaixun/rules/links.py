"""The rule on links an editor writes: every link to a file of the site must work.

Pelican rewrites {filename}, {static} and {attach} links and only warns, while rendering,
when a target is missing; a plain relative link to a file (x.md, a.pdf) it never checks.
This rule reads the links in the Markdown source (body and Summary, code left out) and names
each broken one with a fix: a file that is not there, and a #fragment no element of the
linked page has (`{filename}x.md#an-qian` or `#an-qian` on the same page: the browser stays
at the top, and only `make verify`, after the build, saw it). Links another rule judges
itself (`Rules.claims_links`: the photos rule's images) are left to it.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html

from kuaixun.core.frontmatter import LIST_KEYS, split_list
from kuaixun.core.markdown import without_code_spans
from kuaixun.core.page_ids import EVERY_PAGE_IDS
from kuaixun.core.problems import Problem
from kuaixun.rules.files import inside
from kuaixun.rules.registry import MARKDOWN_EXTENSIONS, ContentFile, Site

# Links in the Markdown source: [text](target), ![alt](target), [id]: target, href/src="…".
# (A bracket after a backslash is text: the importer writes "\[x\](\{filename\}…)" so.)
_INLINE_LINK = re.compile(
    r"(?<!\\)!?\[(?:[^\]\\]|\\.)*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)"
)
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<target>[^\s>]+)>?")
# The attributes Pelican rewrites {filename}/{static} links in (Content._get_intrasite_link_regex).
_HTML_LINK = re.compile(
    r"""\b(?:href|src|poster|data|cite|formaction|action|content)\s*=\s*["'](?P<target>[^"']+)["']"""
)
_MARKDOWN_LINKS = (_INLINE_LINK, _REFERENCE_LINK)
# Pelican's INTRASITE_LINK_REGEX default: {filename}x.md, {static}x.png, also |filename|x.md.
_INTRASITE = re.compile(r"^[{|](?P<what>[^}|]*)[}|](?P<path>.*)$")
INTRASITE_KINDS = ("filename", "static", "attach", "category", "tag", "author", "index")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,5}$")
# www.gov.cn, example.org/a.html: a site's address written without its scheme.
_WEB_ADDRESS = re.compile(r"^(www\.|[\w-]+\.(com|cn|org|net|gov|edu)(\.cn)?(/|$))", re.I)


def links(file: ContentFile) -> list[tuple[int, str]]:
    """(line, target) of every link and image in the body and Summary, code excluded."""
    if "links" not in file.derived:
        file.derived["links"] = list(_links_in(file))
    return file.derived["links"]


def _links_in(file: ContentFile) -> Iterator[tuple[int, str]]:
    summary = file.get("summary")
    lines = [(summary.line, summary.value)] if summary else []
    for number, line in [*lines, *file.body_lines()]:
        # Most lines of a news article are plain text: skip them cheaply.
        if "](" not in line and "]:" not in line and "=" not in line:
            continue
        text = without_code_spans(line)
        # (href="…" outside a tag is text: "&lt;a href=…" written to show the code.)
        patterns = (_INLINE_LINK, _REFERENCE_LINK, _HTML_LINK) if "<" in text else _MARKDOWN_LINKS
        for pattern in patterns:
            for match in pattern.finditer(text):
                yield number, match["target"]


def internal_links_resolve(file: ContentFile, site: Site) -> Iterator[Problem]:
    claimed = site.claimed_links(file)
    found = links(file)
    for number, target in found:
        if (number, target) in claimed:
            continue
        problem = link_problem(target, file, site)
        if problem:
            yield Problem(file.shown, number, *problem)
    seen = {target for _, target in found}
    for number, target in rendered_links(file, site):
        problem = None if target in seen else link_problem(target, file, site)
        if problem:
            yield Problem(file.shown, number, *problem)


def rendered_links(file: ContentFile, site: Site) -> list[tuple[int, str]]:
    """(line, target) of every link Pelican would rewrite in the rendered body: the
    attributes its own regular expression finds (Content._get_intrasite_link_regex), so
    Markdown the source patterns do not read is judged too (`[a [b] c]({static}../x)` and a
    reference defined on the next line passed the check, and Pelican tried to copy what `{static}`
    named from outside content/; `\\\\[x](…)`, a link after an escaped backslash, the source
    pattern now leaves to this). Rendered only for a body with a link marker; the line is
    the first that writes the target's path, else the body's first."""
    if not _MARKER.search("\n".join(file.front.body)):
        return []
    if "rendered links" not in file.derived:
        from kuaixun.rules.unsafe_html import rendered  # (Markdown: only for such bodies)

        html = rendered(file, site) or ""
        pattern = _pelican_links(site.settings.get("INTRASITE_LINK_REGEX") or _DEFAULT_LINK)
        lines = [(n, without_code_spans(line)) for n, line in file.body_lines()]
        first = lines[0][0] if lines else 1
        found = []
        for match in pattern.finditer(html):
            target, path = unescape(match["path"]), unescape(match["value"]).lstrip("/")
            number = next((n for n, line in lines if (path or target) in line), first)
            found.append((number, target))
        file.derived["rendered links"] = found
    return file.derived["rendered links"]


_DEFAULT_LINK = "[{|](?P<what>.*?)[|}]"
# A link marker where a link's address could start ("({static}…", ':{filename}…',
# '="{static}…', a reference on its own line); "|" in ordinary text ("甲 | 乙") is none.
_MARKER = re.compile(r"(?:^|[(<\"'\s:=])[{|][^{}|\s]*[|}]")


def _pelican_links(link: str) -> re.Pattern:
    return re.compile(
        r"(?P<markup><[^>]+(?:href|src|poster|data|cite|formaction|action|content)\s*=\s*)"
        rf"(?P<quote>[\"'])(?P<path>{link}(?P<value>.*?))(?P=quote)"
    )


def link_problem(target: str, file: ContentFile, site: Site) -> tuple[str, str] | None:
    intrasite = _INTRASITE.match(target)
    if intrasite:
        return _intrasite_problem(intrasite["what"], intrasite["path"], target, file, site)
    if target.startswith("#"):
        return anchor_problem(target[1:], target, file, file, site)
    if _SCHEME.match(target) or target.startswith(("/", "#", "//")):
        return None
    path = unquote(urlsplit(target).path)
    source = Path(os.path.normpath(file.path.parent / path))
    if _WEB_ADDRESS.match(target) and not source.exists():
        return (
            f'链接 "{target}" 像网址，但少了 https:// (a web address without https://)',
            f"写成 https://{target}",
        )
    # Only links to files (x.md, a.png): a folder link like ../about/ points at the built site.
    if not _FILE_SUFFIX.search(path):
        return None
    if source.suffix in MARKDOWN_EXTENSIONS and source.is_file():
        return (
            f'链接 "{target}" 指向 Markdown 源文件，网站上打不开 (links to a source file)',
            f"写成 {{filename}}{path} (use {{filename}} so Pelican links the page)",
        )
    if source.exists():
        return None
    return (
        f'链接 "{target}" 指向的文件不存在 (link to a missing file)',
        _missing_fix(path, file, site),
    )


def _intrasite_problem(
    what: str, path: str, target: str, file: ContentFile, site: Site
) -> tuple[str, str] | None:
    if what not in INTRASITE_KINDS:
        close = difflib.get_close_matches(what, INTRASITE_KINDS, n=1, cutoff=0.5)
        fix = f"是不是 {{{close[0]}}}？" if close else ""
        return (
            f'链接 "{target}" 里的 {{{what}}} 不认识 (unknown link marker)',
            fix + "可用 {filename} 或 {static}",
        )
    if what in _LISTED:
        return _listing_problem(what, unquote(path).strip(), target, site)
    if what not in ("filename", "static", "attach"):
        return None
    relative = unquote(urlsplit(path).path)
    if not relative:
        return None
    base = site.root if relative.startswith("/") else file.path.parent
    linked = Path(os.path.normpath(base / relative.lstrip("/")))
    unpublishable = _unpublishable(linked, target, site)
    if unpublishable:
        return unpublishable
    if not linked.is_file():
        return (
            f'链接 "{target}" 指向的文件不存在 (link to a missing file)',
            _missing_fix(relative, file, site),
        )
    if what != "filename" and linked.suffix.lower() in MARKDOWN_EXTENSIONS:
        # Pelican would copy the source as it is: a draft's text, an issue's notes and
        # <!-- --> comments published for anyone to read.
        return (
            f'链接 "{target}" 会把 Markdown 源文件原样发布出去 (publishes a source file as it is)',
            "链接文章或页面写 {filename}"
            + relative
            + "；期的目录直接写网址，例如 /issues/47/ (link the page, not its source)",
        )
    if what == "filename":
        page = _page_link_problem(linked, relative, target, file, site)
        linked_file = site.file_at(linked)
        if page or linked_file is None:
            return page
        return anchor_problem(urlsplit(path).fragment, target, linked_file, file, site)
    return None


# A {tag}, {category} or {author} link names one of the published articles' own, or Pelican
# writes an address no page has ({tag}不存在的标签), or stops the build naming no file
# ({category}..).
_LISTED = {"tag": ("tags", "标签"), "category": ("category", "栏目"), "author": ("authors", "记者")}


def _listing_problem(what: str, name: str, target: str, site: Site) -> tuple[str, str] | None:
    key, word = _LISTED[what]
    names = _published_names(site, key)
    if name in names:
        return None
    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.5)
    return (
        f'链接 "{target}" 里的{word} "{name}" 没有文章用过，网站上没有这一页 '
        f"(no published article has this {what})",
        (f"是不是 {{{what}}}{close[0]}？" if close else "")
        + f"写已发布文章里用过的{word}，或去掉这个链接",
    )


def _published_names(site: Site, key: str) -> set[str]:
    """The tags, categories or reporters of the published articles (a draft's and a hidden
    article's have no page), lists split as the build splits them (`split_list`: 、，,；;)."""
    if ("names", key) not in site.cache:
        names: set[str] = set()
        for file in site.files:
            if file.kind != "article" or file.status in ("draft", "hidden"):
                continue
            value = file.value(key)
            names.update(split_list(value) if key in LIST_KEYS else [value] if value else [])
        site.cache[("names", key)] = names
    return site.cache[("names", key)]


def _page_link_problem(
    linked: Path, relative: str, target: str, file: ContentFile, site: Site
) -> tuple[str, str] | None:
    """A {filename} link to a file that exists: an article or page that will be published."""
    linked_file = site.file_at(linked)
    if linked_file is None and linked.suffix in MARKDOWN_EXTENSIONS:
        return (
            f'链接 "{target}" 指向的不是文章或页面 (not an article or page)',
            "只能链接 articles/ 或 pages/ 下的文件 (link an article or a page)",
        )
    if linked_file is None:
        return (
            f'链接 "{target}" 指向图片或附件 (links a static file)',
            f"写成 {{static}}{relative}",
        )
    if linked_file.status == "draft" and file.status != "draft":
        return (
            f'链接 "{target}" 指向草稿，草稿不会发布 (links to a draft: never published)',
            f"先发布 {linked_file.shown}（删掉 Status: draft），或去掉这个链接",
        )
    return None


def anchor_problem(
    fragment: str, target: str, page: ContentFile, file: ContentFile, site: Site
) -> tuple[str, str] | None:
    """A #fragment of a link to `page` must be an id its page has: one of its body's
    (`anchors`) or of every page's (#main); #top a browser takes as the page's top."""
    name = unquote(unescape(fragment))
    if not name or name.lower() == "top" or name in EVERY_PAGE_IDS:
        return None
    there = anchors(page, site)
    if name in there:
        return None
    same = page is file
    message = (
        f'链接 "{target}" 的锚点 #{name} 在{"这篇文章" if same else f" {page.shown} "}里没有 '
        "(no element with this id: the link opens the page at its top)"
    )
    return message, _anchor_fix(name, there, "这篇文章" if same else "那一页")


def _anchor_fix(name: str, there: frozenset[str], page: str) -> str:
    """The anchor meant: a Chinese heading's pinyin, else the page's anchors, closest first."""
    from kuaixun.core.cjk.slugs import heading_id  # (jieba: only for a fix)

    if heading_id(name) in there:
        return f"小标题的锚点是拼音：写成 #{heading_id(name)} (a heading's anchor is its pinyin)"
    if there:
        close = difflib.get_close_matches(name, sorted(there), n=5, cutoff=0)
        return f"写成{page}有的锚点之一：{'、'.join('#' + a for a in close)} (the anchors there)"
    return f"{page}没有小标题或 id：去掉 #… 这一段，或给要链接的地方加 ## 小标题 (no anchors there)"


def anchors(page: ContentFile, site: Site) -> frozenset[str]:
    """The ids of a page's rendered body: its headings' anchors (the toc extension's, by
    cjk.slugs.heading_id, "_1" after a second heading alike), `{: #id }`, raw `id=`,
    footnotes; `<a name>` too, as browsers and `make verify` take it. Made only when a link
    names an anchor in the page: a site of 7,000 articles renders few bodies for it."""
    if "anchors" not in page.derived:
        from kuaixun.rules.unsafe_html import rendered  # (Markdown: only for such pages)

        html = rendered(page, site)
        found: set[str] = set()
        if html.strip():
            root = lxml.html.fragment_fromstring(html, create_parent="div")
            found = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
            found |= {e.get("name") for e in root.iter("a") if e.get("name")}
        page.derived["anchors"] = frozenset(found)
    return page.derived["anchors"]


def _unpublishable(linked: Path, target: str, site: Site) -> tuple[str, str] | None:
    """A target Pelican would copy from outside content/, a hidden file, or a folder."""
    if not inside(linked, site.root):
        return (
            f'链接 "{target}" 指向 content/ 以外的文件，不能发布 (a file outside content/)',
            "把文件复制到 content/ 里，再链接它 (copy the file into content/ and link that)",
        )
    if any(part.startswith(".") for part in linked.relative_to(site.root).parts):
        return (
            f'链接 "{target}" 指向隐藏文件，不能发布 (a hidden file)',
            "去掉文件名开头的点 (rename it without the leading dot)",
        )
    if linked.is_dir():
        return (
            f'链接 "{target}" 指向文件夹，不是文件 (a folder, not a file)',
            "链接文件夹里的某个文件 (link a file)",
        )
    return None


def _missing_fix(path: str, file: ContentFile, site: Site) -> str:
    name = Path(path).name
    matches = sorted(p for p in site.root.rglob(name) if p.is_file()) if name else []
    if matches:
        relative = os.path.relpath(matches[0], file.path.parent)
        kind = "filename" if matches[0].suffix in MARKDOWN_EXTENSIONS else "static"
        return f"同名文件在 {site.shown(matches[0])}：写成 {{{kind}}}{relative} (the file is there)"
    return (
        "检查文件名和路径；链接文章写 {filename}文件名.md，图片写 {static}/images/图片名 "
        "(check the path)"
    )
