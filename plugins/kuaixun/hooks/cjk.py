"""cjk plugin: Chinese-aware dates, reading time, summaries, slugs and bylines for Pelican.

The signal handlers here only gather what Pelican hands over and call the plain functions
in the sibling modules (dates, reading, summary, byline, slugs), which tests use directly.
The soft-line-break fix is a Markdown extension (cjk.markdown_ext, listed in MARKDOWN).
"""

from __future__ import annotations

import html

from pelican import signals
from pelican.contents import Article, Page
from pelican.urlwrappers import Author, Tag

from kuaixun import pelican_api
from kuaixun.core.cjk import byline, slugs
from kuaixun.core.cjk.dates import zh_date
from kuaixun.core.cjk.reading import reading_minutes
from kuaixun.core.cjk.summary import paragraphs, summarize_paragraphs
from kuaixun.core.cjk.text import html_to_text
from kuaixun.core.frontmatter import has_list_separator, split_list

# Where the resolved category, tag and reporter slugs are kept for the pages generator.
TAXONOMY_SLUGS = "CJK_TAXONOMY_SLUGS"
TAXONOMIES = ("category", "tags", "authors")


def add_jinja_filters(pelican) -> None:
    """Register ``zh_date`` for every Jinja environment built from the settings."""
    pelican.settings["JINJA_FILTERS"] = {
        **pelican.settings.get("JINJA_FILTERS", {}),
        "zh_date": zh_date,
    }


def prepare_content(content) -> None:
    """Per article or page, as soon as Pelican has read it."""
    if not isinstance(content, (Article, Page)):
        return
    split_name_lists(content)
    text = pelican_api.raw_html(content)
    texts = paragraphs(text)
    content.reading_minutes = reading_minutes(html_to_text(text))
    set_summary(content, texts)
    if isinstance(content, Article):
        take_authors_from_byline(content, texts)
    if "slug" not in content.metadata:
        content.slug = provisional_slug(content)
    for wrapper in taxonomy_wrappers(content):
        wrapper.slug = slugs.pinyin_slug(wrapper.name)


def split_name_lists(content) -> None:
    """``Tags: 重阳节，敬老`` and ``Authors: 孙露、段雨萌`` are lists: Pelican split them on
    "," only, and made one tag and one reporter of each whole line."""
    for key, wrapper in (("tags", Tag), ("authors", Author)):
        values = getattr(content, key, None)
        if not isinstance(values, list) or not any(has_list_separator(v.name) for v in values):
            continue
        names = split_list(",".join(value.name for value in values))
        split = [wrapper(name, content.settings) for name in names]
        setattr(content, key, split)
        content.metadata[key] = split
        if key == "authors" and split:
            content.author = split[0]


def set_summary(content, texts: list[str]) -> None:
    """Our plain-text summary, or the editor's ``Summary:`` as plain text; HTML-escaped,
    because templates and feeds insert ``summary`` as HTML."""
    if "summary" in content.metadata:
        summary = html_to_text(content.metadata["summary"]).strip()
    else:
        summary = summarize_paragraphs(texts)
    pelican_api.set_summary(content, html.escape(summary))


def take_authors_from_byline(article: Article, texts: list[str]) -> None:
    if "authors" in article.metadata or "author" in article.metadata:
        return
    names = byline.reporters(texts)
    if names:
        article.authors = [Author(name, article.settings) for name in names]
        article.author = article.authors[0]
        article.metadata["authors"] = article.authors


def provisional_slug(content) -> str:
    """Pages get their pinyin slug now. Articles must wait for the collision rule, which
    needs every article; but Pelican groups articles by slug (to find translations) before
    any plugin sees them all, and would take homophones for translations of each other.
    Until then an article's slug is unique: its source path."""
    if isinstance(content, Page):
        return slugs.pinyin_slug(getattr(content, "title", ""))
    return f"cjk-pending/{content.relative_source_path}"


def taxonomy_wrappers(content, kinds=TAXONOMIES) -> list:
    """The category, tag and author objects (Pelican URLWrappers) of a piece of content."""
    wrappers = []
    for kind in kinds:
        value = getattr(content, kind, None)
        if value is not None and not isinstance(value, str):
            wrappers.extend(value if isinstance(value, list) else [value])
    return wrappers


def resolve_slugs(generator) -> None:
    """Apply the collision rule (see cjk.slugs) to all articles, before Pelican groups them
    into categories, tags and reporters by slug."""
    articles = sorted(
        pelican_api.contents_of(generator),
        key=lambda a: (a.status == "draft", a.date, a.source_path),
    )
    taken = {a.slug for a in articles if "slug" in a.metadata}
    first_of: dict[str, str] = {}
    for article in articles:
        if "slug" not in article.metadata:
            article.slug = slugs.unique_slug(article.title, taken, first_of)
    resolved = {kind: taxonomy_slugs(articles, kind) for kind in TAXONOMIES}
    generator.context[TAXONOMY_SLUGS] = resolved
    apply_taxonomy_slugs(articles, resolved)


def taxonomy_slugs(articles: list[Article], kind: str) -> dict[str, str]:
    names = (
        wrapper.name.casefold()
        for article in articles
        for wrapper in taxonomy_wrappers(article, [kind])
    )
    return slugs.assign_slugs(names)


def apply_taxonomy_slugs(contents, resolved: dict[str, dict[str, str]]) -> None:
    for content in contents:
        for kind, names in resolved.items():
            for wrapper in taxonomy_wrappers(content, [kind]):
                key = wrapper.name.casefold()
                wrapper.slug = names.get(key) or slugs.pinyin_slug(wrapper.name)


def apply_slugs_to_pages(generator) -> None:
    """A page's reporter (and its translation's) links to the same reporter page as the
    articles do."""
    resolved = generator.context.get(TAXONOMY_SLUGS, {})
    apply_taxonomy_slugs(pelican_api.contents_of(generator), resolved)


def register():
    signals.initialized.connect(add_jinja_filters)
    signals.content_object_init.connect(prepare_content)
    signals.article_generator_pretaxonomy.connect(resolve_slugs)
    signals.page_generator_finalized.connect(apply_slugs_to_pages)
