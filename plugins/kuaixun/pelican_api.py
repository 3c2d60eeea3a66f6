"""The one door to Pelican's internals: everything we use that Pelican does not offer plugins.

Each function names what Pelican lacks and wraps the private attribute or method we use
instead, so a Pelican upgrade means re-checking this file alone. tests/test_pelican_api.py
fails when the installed Pelican is not PELICAN_CHECKED and exercises every wrapper on a
real build.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pelican.generators import ArticlesGenerator, PagesGenerator

# The Pelican release every function below was read against.
PELICAN_CHECKED = "4.12.0"

# A generator's content lists, as Pelican names them: (published and hidden, drafts).
# Articles say "drafts_translations", pages "draft_translations".
_CONTENT_LISTS = (
    (
        ArticlesGenerator,
        ("articles", "translations", "hidden_articles", "hidden_translations"),
        ("drafts", "drafts_translations"),
    ),
    (
        PagesGenerator,
        ("pages", "translations", "hidden_pages", "hidden_translations"),
        ("draft_pages", "draft_translations"),
    ),
)


def content_lists(generator, drafts: bool = True) -> tuple[str, ...]:
    """The names of the generator's lists of articles or pages (none for other generators).

    Pelican has no "everything this generator will write": it keeps six lists per generator.
    """
    for kind, published, draft in _CONTENT_LISTS:
        if isinstance(generator, kind):
            return published + draft if drafts else published
    return ()


def draft_lists(generator) -> tuple[str, ...]:
    """The names of the generator's draft lists (drafts and their translations)."""
    for kind, _, draft in _CONTENT_LISTS:
        if isinstance(generator, kind):
            return draft
    return ()


def contents_of(generator, drafts: bool = True) -> list:
    """Every article or page the generator holds: published, translations, hidden and
    (unless drafts=False) drafts; [] for a generator of something else."""
    lists = [getattr(generator, name) for name in content_lists(generator, drafts)]
    return [content for contents in lists for content in contents]


def update_context(generator, names) -> None:
    """Copy the generator's lists `names` into the template context again.

    Pelican copies them once, at the end of generate_context (Generator._update_context);
    a plugin that changes a list afterwards has no public way to republish it.
    """
    generator._update_context(tuple(names))


def context_of(content) -> dict:
    """The build's shared context (the dict every generator fills), from one article or page.

    content_object_init hands a plugin the content alone; Pelican keeps the context it was
    made in as the private Content._context.
    """
    return content._context


def raw_html(content) -> str:
    """The HTML the reader made, with {filename}/{static} links still unresolved.

    Pelican offers only `.content`, which resolves the links (warning about any it cannot find
    yet) and memoizes the result; the unresolved HTML is the private Content._content.
    """
    return content._content or ""


def set_raw_html(content, html: str) -> None:
    """Replace the HTML the links are resolved in. Call forget_rendered afterwards if the
    content may have been rendered already."""
    content._content = html


def set_summary(content, summary: str) -> None:
    """Give the content a summary (HTML) of our own.

    Pelican reads the private Content._summary back into metadata["summary"] when it
    refreshes links after all_generators_finalized, so setting the metadata alone would be
    undone for an article with an editor's Summary:.
    """
    content.metadata["summary"] = content._summary = summary


def render_links(content) -> str:
    """The content's HTML with its links resolved, as Content.get_content makes it, but computed
    afresh: get_content is memoized, so it would warn only for the first caller.

    Pelican's private steps: Content._get_content (the HTML, for subclasses that define it)
    and Content._update_content (the link replacement).
    """
    html = content._get_content() if hasattr(content, "_get_content") else content._content
    return content._update_content(html, content.get_siteurl())


def rewrite_before_links(content, rewrite: Callable[[str, str], str]) -> None:
    """Run rewrite(html, siteurl) each time Pelican renders the content, before it resolves
    the links: Pelican resolves them per page URL (RELATIVE_URLS), with no hook for plugins,
    in the private Content._update_content, which we wrap on this one object."""
    pelican_update = content._update_content

    def update(html: str, siteurl: str) -> str:
        return pelican_update(rewrite(html, siteurl), siteurl)

    content._update_content = update


def forget_rendered(content) -> None:
    """Drop the content's memoized get_content/get_summary results.

    Pelican memoizes them (pelican.utils.memoized, one cache per method shared by all
    objects, keyed by (object, siteurl)) and offers no way to invalidate them.
    """
    for method in (content.get_content, content.get_summary):
        for key in [key for key in method.cache if key and key[0] is content]:
            del method.cache[key]


def forget_logged_messages() -> None:
    """Make Pelican log again every warning it has logged in this process.

    Pelican's LimitFilter drops a repeated message for the life of the process, in the
    private class-level sets _raised_messages and _group_count; it has no reset.
    """
    from pelican.log import LimitFilter

    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()


@contextmanager
def without_log_limit(logger: logging.Logger) -> Iterator[None]:
    """Pass every record of this Pelican logger meanwhile, repeats included.

    Pelican's loggers (pelican.log.LimitLogger) have undocumented disable_filter and
    enable_filter methods; other loggers are left as they are.
    """
    limited = hasattr(logger, "disable_filter")
    if limited:
        logger.disable_filter()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if limited:
            logger.enable_filter()  # type: ignore[attr-defined]
