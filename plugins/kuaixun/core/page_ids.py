"""The ids the theme gives elements of its pages.

An editor's heading (its anchor, `cjk.slugs.heading_id`) or raw HTML (`id=`) that took one of
them would put two elements with one id on a page: invalid HTML, and the skip link, a
section's `aria-labelledby` or a script (elder.js finds its button by id) could take the
editor's element for the theme's. Headings step aside (`h-` before the anchor) and the
content check refuses such an `id=` (rules/unsafe_html.py); a test keeps this list equal to
the ids the templates write."""

from __future__ import annotations

import re

THEME_IDS = frozenset({
    "aside-categories", "edition-lead-heading", "elder-toggle", "issue-lead-heading",
    "issue-toc-heading", "latest-issue-heading", "main", "not-found-search", "search",
    "search-entry", "search-hint", "search-lanmu", "search-more", "search-query",
    "search-results", "search-status", "search-suggestions", "search-texts", "search-year",
    "site-search",
})  # fmt: skip
# The ids of base.html, on every page: a body may link to them (#main, the skip link's).
EVERY_PAGE_IDS = frozenset({"elder-toggle", "main", "site-search"})
# The archive's sections by year and month (archives.html): year-2020, month-2020-11.
NUMBERED_IDS = re.compile(r"(?:year-\d+|month-\d+-\d+)\Z")


def is_theme_id(value: str) -> bool:
    """Whether an element with this id would take one the theme writes (ids are
    case-sensitive, as browsers compare them)."""
    return value in THEME_IDS or NUMBERED_IDS.match(value) is not None
