"""cjk plugin: Chinese-aware dates, reading time, summaries, slugs and bylines for Pelican.

The signal handlers here only gather what Pelican hands over and call the plain functions
in the sibling modules (dates, reading, summary, byline, slugs), which tests use directly.
The soft-line-break fix is a Markdown extension (cjk.markdown_ext, listed in MARKDOWN).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

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
from kuaixun.core.memo import Memo, digest
from kuaixun.rules import changes_alone

# Where the resolved category, tag and reporter slugs are kept for the pages generator.
TAXONOMY_SLUGS = "CJK_TAXONOMY_SLUGS"
TAXONOMIES = ("category", "tags", "authors")
# Where the build's memo of text facts and slugs is kept (in the shared context): a rebuild
# reads every article again, but only an edited one's text needs reading again.
MEMO = "CJK_MEMO"
MEMO_FILE = "cjk-memo.pickle"


@dataclass(frozen=True)
class TextFacts:
    """What the plugin learns from an article's HTML alone."""

    reading_minutes: int
    summary: str  # ours, used when the editor wrote no Summary:
    reporters: tuple[str, ...]  # from the byline, used when no Authors: line names them

    @classmethod
    def of(cls, text: str) -> TextFacts:
        texts = paragraphs(text)
        return cls(
            reading_minutes(html_to_text(text)),
            summarize_paragraphs(texts),
            tuple(byline.reporters(texts)),
        )


def build_memo(context: dict | None) -> Memo | None:
    """The memo of this build, opened on first use (None for content made outside a build)."""
    if context is None:
        return None
    if MEMO not in context:
        context[MEMO] = Memo(Path(context["CACHE_PATH"]) / MEMO_FILE)
    return context[MEMO]


def text_facts(text: str, memo: Memo | None) -> TextFacts:
    if memo is None:
        return TextFacts.of(text)
    return memo.remember(digest("facts", text), lambda: TextFacts.of(text))


def slug_function(memo: Memo | None) -> slugs.SlugOf:
    """pinyin_slug, remembered in the build's memo: cutting words and reading them is the
    costly part of giving thousands of titles and names their slugs."""
    if memo is None:
        return slugs.pinyin_slug
    known = memo

    def slug_of(text: str, tones: bool = False) -> str:
        key = digest("slug", text, "tones" if tones else "plain")
        return known.remember(key, lambda: slugs.pinyin_slug(text, tones=tones))

    return slug_of


def save_memo(generators) -> None:
    """Keep what this build used. A preview's build of the changes alone read only the saved
    files: saving its memo would forget every other article's facts."""
    memo = generators[0].context.get(MEMO) if generators else None
    if memo is not None and changes_alone(generators[0].settings) is None:
        memo.save()


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
    memo = build_memo(pelican_api.context_of(content))
    facts = text_facts(pelican_api.raw_html(content), memo)
    content.reading_minutes = facts.reading_minutes
    set_summary(content, facts.summary)
    if isinstance(content, Article):
        take_authors_from_byline(content, facts.reporters)
    slug_of = slug_function(memo)
    if "slug" not in content.metadata:
        content.slug = provisional_slug(content, slug_of)
    for wrapper in taxonomy_wrappers(content):
        wrapper.slug = slug_of(wrapper.name)


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


def set_summary(content, ours: str) -> None:
    """Our plain-text summary, or the editor's ``Summary:`` as plain text; HTML-escaped,
    because templates and feeds insert ``summary`` as HTML."""
    if "summary" in content.metadata:
        summary = html_to_text(content.metadata["summary"]).strip()
    else:
        summary = ours
    pelican_api.set_summary(content, html.escape(summary))


def take_authors_from_byline(article: Article, names: tuple[str, ...]) -> None:
    if "authors" in article.metadata or "author" in article.metadata:
        return
    if names:
        article.authors = [Author(name, article.settings) for name in names]
        article.author = article.authors[0]
        article.metadata["authors"] = article.authors


def provisional_slug(content, slug_of: slugs.SlugOf = slugs.pinyin_slug) -> str:
    """Pages get their pinyin slug now. Articles must wait for the collision rule, which
    needs every article; but Pelican groups articles by slug (to find translations) before
    any plugin sees them all, and would take homophones for translations of each other.
    Until then an article's slug is unique: its source path."""
    if isinstance(content, Page):
        return slug_of(getattr(content, "title", ""))
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
    slug_of = slug_function(build_memo(generator.context))
    for article in articles:
        if "slug" not in article.metadata:
            article.slug = slugs.unique_slug(article.title, taken, first_of, slug_of)
    resolved = {kind: taxonomy_slugs(articles, kind, slug_of) for kind in TAXONOMIES}
    generator.context[TAXONOMY_SLUGS] = resolved
    apply_taxonomy_slugs(articles, resolved, slug_of)


def taxonomy_slugs(articles: list[Article], kind: str, slug_of: slugs.SlugOf) -> dict[str, str]:
    names = (
        wrapper.name.casefold()
        for article in articles
        for wrapper in taxonomy_wrappers(article, [kind])
    )
    return slugs.assign_slugs(names, slug_of=slug_of)


def apply_taxonomy_slugs(contents, resolved: dict[str, dict[str, str]], slug_of) -> None:
    for content in contents:
        for kind, names in resolved.items():
            for wrapper in taxonomy_wrappers(content, [kind]):
                key = wrapper.name.casefold()
                wrapper.slug = names.get(key) or slug_of(wrapper.name)


def apply_slugs_to_pages(generator) -> None:
    """A page's reporter (and its translation's) links to the same reporter page as the
    articles do."""
    resolved = generator.context.get(TAXONOMY_SLUGS, {})
    slug_of = slug_function(build_memo(generator.context))
    apply_taxonomy_slugs(pelican_api.contents_of(generator), resolved, slug_of)


def register():
    signals.initialized.connect(add_jinja_filters)
    signals.content_object_init.connect(prepare_content)
    signals.article_generator_pretaxonomy.connect(resolve_slugs)
    signals.page_generator_finalized.connect(apply_slugs_to_pages)
    signals.all_generators_finalized.connect(save_memo)
