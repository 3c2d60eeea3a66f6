"""The rule on pages' addresses: each page (关于本刊 …) an address of its own.

A page's address is its slug ({slug}/, the Slug: or the pinyin of its title). Two pages with
one slug, or a page at an address the site writes itself (`Slug: tag`, the list of tags;
`Slug: search`, the search export's folder; `Slug: robots.txt`, a folder where a file is),
were refused by the build (hooks/bulletin/collisions.py, once Pelican had read everything)
and passed `make check`. This finds them without Pelican, with the build's words
(core/addresses.py). Articles' addresses hold their date and a slug made unique by the
collision rule (core/cjk/slugs.py): they meet no page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from kuaixun.core.addresses import (
    duplicate_slug,
    settings_outputs,
    shared_output,
    taken_by_the_site,
)
from kuaixun.core.problems import Problem
from kuaixun.rules.registry import ContentFile, Site


def page_slug(page: ContentFile) -> str:
    """The slug the build gives a page: its Slug:, else the pinyin of its title
    (hooks/cjk.provisional_slug)."""
    from kuaixun.core.cjk.slugs import pinyin_slug  # (jieba: only for a site with pages)

    return page.value("slug") or pinyin_slug(page.value("title"))


def pages_have_addresses_of_their_own(site: Site) -> Iterator[Problem]:
    # Drafts are written only in the preview, under drafts/; the build takes the pages in
    # order of date, then path, and names the later of two.
    pages = sorted(
        (f for f in site.files if f.kind == "page" and f.status != "draft"),
        key=lambda f: (f.value("date"), str(f.path)),
    )
    if not pages:
        return
    claimed = _site_claims(site)
    first: dict[str, ContentFile] = {}
    for page in pages:
        slug = page_slug(page)
        line = page.line_of("slug" if page.get("slug") else "title")
        other = first.setdefault(slug, page)
        if other is not page:
            if not (page.get("slug") and other.get("slug")):  # (explicit_slugs_are_unique's)
                title, other_title = page.value("title"), other.value("title")
                said = duplicate_slug("页面", title, other.shown, other_title, slug)
                yield Problem(page.shown, line, *said)
            continue
        problem = _site_address(page, slug, site.settings, claimed)
        if problem:
            yield Problem(page.shown, line, *problem)


def _site_claims(site: Site) -> dict[str, str]:
    """The site's own addresses (a folder's ending in "/"), normalised, and what each is."""
    issues = site.root / str(site.settings.get("ISSUES_PATH") or "issues")
    has_issues = issues.is_dir() and any(issues.glob("*.md"))
    claims: dict[str, str] = {}
    for save_as, what in settings_outputs(site.settings, has_issues):
        key = os.path.normpath(save_as) + ("/" if save_as.endswith("/") else "")
        claims.setdefault(key, what)
    return claims


def _site_address(
    page: ContentFile, slug: str, settings: dict, claimed: dict[str, str]
) -> tuple[str, str] | None:
    """(message, fix) when the page would write a file the site writes, or inside a folder
    the site claims whole or writes as a file."""
    pattern = str(settings.get("PAGE_SAVE_AS") or "{slug}.html")
    try:
        save_as = os.path.normpath(pattern.format(slug=slug))
    except (KeyError, IndexError, ValueError):
        return None
    path, owner = save_as, claimed.get(save_as)
    while owner is None and "/" in path:
        path = path.rsplit("/", 1)[0]
        owner = claimed.get(path + "/") or claimed.get(path)
    if owner is None:
        return None
    what = f"页面《{page.value('title')}》"
    return shared_output(what, owner, "pelicanconf.py", save_as), taken_by_the_site(owner)
