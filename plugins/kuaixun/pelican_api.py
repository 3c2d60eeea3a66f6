"""The one door to Pelican's internals: everything we use that Pelican does not offer plugins.

Each function names what Pelican lacks and wraps the private attribute or method we use
instead, so a Pelican upgrade means re-checking this file alone. tests/test_pelican_api.py
fails when the installed Pelican is not PELICAN_CHECKED and exercises every wrapper on a
real build.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial

from pelican import signals
from pelican.cache import FileStampDataCacher
from pelican.contents import Content
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.writers import FileOverwriteFailedError, Writer

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


# --- Pelican.run in steps (the editors' preview) -------------------------------------------


def generate(pelican, prepare: Callable[[object], None] = lambda generator: None) -> list:
    """Pelican.run up to the writing: the generators with their context made, every plugin's
    all_generators_finalized run and the links in summaries refreshed; nothing written.

    Pelican.run does this and the writing in one call, with no way to write some pages before
    the others; these lines are its own (less the output folder's deletion and the summary
    it prints). `prepare` sees each generator before it reads anything.
    """
    context = pelican.settings.copy()
    context["generated_content"] = {}
    context["static_links"] = set()
    context["static_content"] = {}
    context["localsiteurl"] = pelican.settings["SITEURL"]
    generators = [
        cls(
            context=context,
            settings=pelican.settings,
            path=pelican.path,
            theme=pelican.theme,
            output_path=pelican.output_path,
        )
        for cls in pelican._get_generator_classes()
    ]
    for generator in generators:
        prepare(generator)
    for generator in generators:
        if hasattr(generator, "generate_context"):
            generator.generate_context()
        if hasattr(generator, "check_disabled_readers"):
            generator.check_disabled_readers()
    signals.all_generators_finalized.send(generators)
    for generator in generators:
        if hasattr(generator, "refresh_metadata_intersite_links"):
            generator.refresh_metadata_intersite_links()
    return generators


def write(pelican, generators: list, writer=None) -> None:
    """Pelican.run's writing: every generator's output, with `writer` or the one the plugins
    ask for (get_writer) as Pelican would choose it (the private Pelican._get_writer)."""
    writer = writer or pelican._get_writer()
    for generator in generators:
        if hasattr(generator, "generate_output"):
            generator.generate_output(writer)


def finalize(pelican) -> None:
    """The end of Pelican.run: the plugins' finalized (the sitemap, the search export)."""
    signals.finalized.send(pelican)


def make_current_run(pelican) -> None:
    """Have the plugins collect for `pelican`'s run whatever run they saw first: pelican-sitemap
    keeps the first Pelican it sees, and the pages written for it, until that run's finalized
    (the private SitemapGenerator._main_pelican and page_queue, kept for i18n_subsites). The
    preview makes a run in its server process and finalizes it in a writer process: there,
    the server's runs are not this one."""
    from pelican.plugins.sitemap import sitemap

    sitemap.generator._main_pelican = pelican
    sitemap.generator.page_queue = []


def keep_contents(
    generator, find: Callable[[str], object | None], keep: Callable[[str, object], None]
) -> None:
    """Have the articles or pages generator take a file's content from `find` (a path from
    the content root → the content, or None to read the file) and give each content it reads
    to `keep`.

    These are the two methods (get_cached_data, cache_data) through which Pelican's generator
    cache (CONTENT_CACHING_LAYER = "generator") pickles contents to disk; save_cache would
    write that file, and is silenced.
    """

    def get_cached_data(path: str, default=None):
        found = find(path)
        return default if found is None else found

    generator.get_cached_data = get_cached_data
    generator.cache_data = keep
    generator.save_cache = lambda: None


def detach(content) -> None:
    """Let the content no longer hold its run's context (the private Content._context): a
    content kept after its run would keep the whole run, every other content included."""
    content._context = None
    content.__dict__.pop(URL_MEMO, None)


def attach(content, generator) -> None:
    """Give a content read in an earlier run the context and settings of this run, as if it had
    been read now: Pelican resolves its links through the private Content._context."""
    content._context = generator.context
    content.settings = generator.settings


def forget_all_rendered() -> None:
    """Drop every memoized get_content/get_summary result (see forget_rendered): the memo
    holds each content rendered in this process, and with it that run's whole context."""
    for method in (Content.get_content, Content.get_summary):
        method.cache.clear()


class _FirstPageOnly(Exception):
    """Raised where a paginated listing would render its second page."""


class _OnePage:
    """A template that renders once: Writer.write_file renders a paginated listing's pages in
    turn, page 1 first, from one call; the second render ends that call."""

    def __init__(self, template):
        self.template = template
        self.rendered = False

    def render(self, *args, **kwargs) -> str:
        if self.rendered:
            raise _FirstPageOnly
        self.rendered = True
        return self.template.render(*args, **kwargs)


class SelectedWriter(Writer):
    """Writes only the files named in `selected` (output paths such as "index.html"): of a
    paginated listing, the first page when its name is selected; no feed, nothing else.

    Pelican 3 did this with WRITE_SELECTED; 4.12 warns that the setting is gone and ignores
    it. content_written is not sent for these files: the full writing sends it for each page
    once (the sitemap lists what it is sent).
    """

    def __init__(self, output_path, settings, selected: set[str]):
        super().__init__(output_path, settings=settings)
        self.selected = selected

    def write_feed(self, *args, **kwargs):
        return None

    def write_file(self, name, template, context, *args, **kwargs):
        if name not in self.selected:
            return
        with signals.content_written.muted(), suppress(_FirstPageOnly):
            super().write_file(name, _OnePage(template), context, *args, **kwargs)


def write_first(pelican, generators: list, contents: list, names: set[str]) -> None:
    """Write the pages of `contents` (articles and pages) and, of the site's other pages, those
    named in `names` (of a paginated listing, its first page), before anything else.

    A selected writer alone would do, but every article's save_as and url would be computed
    for it (generate_articles calls the writer for each of thousands); the articles are
    written here with the arguments generate_articles gives the writer, the pages and the
    direct templates (home page, archives …) by their generators.
    """
    selected = names | {content.save_as for content in contents}
    wanted = {id(content) for content in contents}
    writer = SelectedWriter(pelican.output_path, pelican.settings, selected)
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            write = partial(writer.write_file, relative_urls=generator.settings["RELATIVE_URLS"])
            generator.generate_direct_templates(write)
            for article in contents_of(generator):
                if id(article) in wanted:
                    write(
                        article.save_as,
                        generator.get_template(article.template),
                        generator.context,
                        article=article,
                        category=getattr(article, "category", None),
                        override_output=hasattr(article, "override_save_as"),
                        url=article.url,
                        blog=True,
                    )
        elif isinstance(generator, PagesGenerator):
            generator.generate_output(writer)


# --- reusing the previous build's files (hooks/pages.py) ------------------------------------


def page_siteurl(context: dict, name: str, relative_urls: bool):
    """The SITEURL a page's links are resolved with, set in the shared context as
    Writer.write_file sets it just before rendering (its private _get_localcontext and
    _write_file): the content's HTML (Content.get_content) is made for this SITEURL."""
    from pelican.utils import get_relative_path, path_to_url

    siteurl = path_to_url(get_relative_path(name)) if relative_urls else None
    if siteurl:
        context["localsiteurl"] = siteurl
    return siteurl or context.get("localsiteurl")


# A setting: every page, feed and copied file is written beside its place and then renamed
# into it, so that a reader of the folder (the preview's server) never reads one half written.
WRITE_BY_RENAMING = "KUAIXUN_WRITE_BY_RENAMING"


class FreshFilesWriter(Writer):
    """Pelican's writer, never writing through a hard link: a file linked from the previous
    site (hooks/pages.py) and then written again in the same run (an override_save_as) is
    replaced, so the previous site — still output/ until the exchange — stays as it was.
    Writer._open_w (private) opens every page and feed for writing in place; with
    WRITE_BY_RENAMING a file beside it is opened instead and renamed into place when closed,
    after the checks Writer._open_w makes of a file written twice (repeated here: it opens
    the file itself)."""

    def _open_w(self, filename, encoding, override=False):
        with suppress(OSError):
            if os.lstat(filename).st_nlink > 1:
                os.unlink(filename)
        if not self.settings.get(WRITE_BY_RENAMING):
            return super()._open_w(filename, encoding, override)
        if not self._may_write(filename, override):
            return open(os.devnull, "w", encoding=encoding)
        return _RenamedWhenClosed(filename, encoding)

    def _may_write(self, filename: str, override: bool) -> bool:
        """Writer._open_w's bookkeeping (its private _written_files and _overridden_files):
        False when a file written with override is written again without it (Pelican then
        writes to os.devnull), FileOverwriteFailedError for a file written twice otherwise."""
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time (was previously overwritten)'
                )
            return False
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written to it '
                "previously (set `override=True` if intended)"
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return True


class _RenamedWhenClosed(io.TextIOWrapper):
    """A text file written beside `filename` and renamed to it when closed; removed instead
    when the writing failed."""

    def __init__(self, filename: str, encoding: str):
        self.target = filename
        self.partial = _beside(filename)
        super().__init__(open(self.partial, "wb"), encoding=encoding)  # noqa: SIM115 (closed by it)

    def __exit__(self, kind, error, trace):
        self.close()
        if kind is None:
            os.replace(self.partial, self.target)
        else:
            with suppress(OSError):
                os.unlink(self.partial)
        return False


def _beside(filename: str) -> str:
    """Where `filename` is written before it is renamed into place: a hidden name of this
    process in the same folder (a rename within a file system replaces a file whole)."""
    head, tail = os.path.split(filename)
    return os.path.join(head, f".{tail}.{os.getpid()}.partial")


@contextmanager
def copies_by_renaming() -> Iterator[None]:
    """While inside, Pelican's copies of static files (pelican.utils.copy_file, which copies
    into the file in place: the theme's CSS and scripts are copied at every build) are made
    beside the file and renamed into place, as WRITE_BY_RENAMING makes pages."""
    from pelican import utils

    copy_in_place = utils.copy_file

    def copy_file(source: str, destination: str) -> None:
        written = _beside(destination)
        copy_in_place(source, written)  # logs a failure as Pelican does
        if os.path.exists(written):
            os.replace(written, destination)

    utils.copy_file = copy_file
    try:
        yield
    finally:
        utils.copy_file = copy_in_place


def listing_pages(
    writer: Writer, name: str, url, paginated, template_name, kwargs: dict
) -> list[tuple[str, dict]] | None:
    """(file name, the template's arguments) of each page of a paginated listing, exactly as
    Writer.write_file makes them, or None when Pelican would not paginate this call.

    Pelican paginates inside write_file, with no way to write one page of a listing; each page
    given back here is written by write_file(name, …, paginated={}, **arguments)."""
    from pelican.paginator import Paginator

    if paginated is None:
        paginated = {key: val for key, val in kwargs.items() if key in {"articles", "dates"}}
    templates = writer.settings["PAGINATED_TEMPLATES"]
    if not paginated or template_name not in templates:
        return None
    per_page = templates[template_name] or writer.settings["DEFAULT_PAGINATION"]
    paginators = {
        key: Paginator(name, url, val, writer.settings, per_page) for key, val in paginated.items()
    }
    pages = []
    for number in range(next(iter(paginators.values())).num_pages):
        arguments = kwargs.copy()
        for key, paginator in paginators.items():
            page = paginator.page(number + 1)
            arguments[f"{key}_paginator"] = paginator
            arguments[f"{key}_page"] = page
            arguments[f"{key}_previous_page"] = paginator.page(number) if number > 0 else None
            arguments[f"{key}_next_page"] = (
                paginator.page(number + 2) if number + 1 < paginator.num_pages else None
            )
        pages.append((page.save_as, arguments))
    return pages


def claim_output(writer: Writer, path: str, override: bool) -> bool:
    """Mark `path` as written by `writer` as Writer._open_w would, without opening it; False
    (nothing marked) when the file was written already in this run: then it is left to
    Pelican's own rules (the private _written_files and _overridden_files)."""
    if path in writer._written_files or path in writer._overridden_files:
        return False
    if override:
        writer._overridden_files.add(path)
    writer._written_files.add(path)
    return True


def announce_written(writer: Writer, name: str, context: dict, relative_urls: bool, kwargs) -> None:
    """Send content_written for a file put in place without rendering, with the local
    context Writer.write_file would have rendered it with (pelican-sitemap lists the page)."""
    from pelican.utils import get_relative_path, path_to_url, sanitised_join

    local = context.copy()
    local["localsiteurl"] = local.get("localsiteurl", None)
    if relative_urls:
        local["SITEURL"] = local["localsiteurl"] = path_to_url(get_relative_path(name))
    local["output_file"] = name
    local.update(kwargs)
    signals.content_written.send(sanitised_join(writer.output_path, name), context=local)


# --- each file hashed once a run for Pelican's caches -------------------------------------------


def stamp_files_once(generator) -> None:
    """Make Pelican hash each file once for a generator's caches (its generator_init signal).

    With CHECK_MODIFIED_METHOD = "md5" Pelican reads and hashes a file each time one of its
    caches asks whether it changed (FileStampDataCacher._get_file_stamp): the generator's
    cache before reading the file and again after, its reader's cache once more, three times
    a build (0.7 s of a one-article rebuild at 7,183 articles). The generator and its reader
    share one stamp per file, for the generator's life: one run. A file saved during a
    build is hashed again by the next (whose stamp then differs from the one cached)."""
    readers = getattr(generator, "readers", None)
    if not isinstance(generator, FileStampDataCacher) or not isinstance(
        readers, FileStampDataCacher
    ):
        return
    stamps: dict[str, object] = {}

    def stamp(path: str):  # an absolute path, as the reader asks
        found = stamps.get(path)
        if found is None:
            found = FileStampDataCacher._get_file_stamp(readers, path)
            if found:  # "" when it could not be read: asked again
                stamps[path] = found
        return found

    # (CachingGenerator._get_file_stamp: a path relative to the generator's, joined.)
    generator._get_file_stamp = lambda name: stamp(
        os.path.abspath(os.path.join(generator.path, name))
    )
    readers._get_file_stamp = stamp


# --- each content's URL made once a run ------------------------------------------------------

# Where a content keeps its URL and save_as for the writing (with the run they are of).
URL_MEMO = "_kuaixun_urls"


def remember_urls(contents) -> None:
    """Make each content's `url` and `save_as` once for the rest of its run.

        Pelican makes them anew from the URL settings at every use (Content.get_url_setting, a
        str.format over a copy of the metadata): ≈ 98,000 times in a build of 7,183 articles,
        mostly from the listings. Call this when the slugs are settled (a generator's finalized
    signal, after the plugin that makes them); a content remembered in this run is skipped;
        the values hold while the content belongs to this run (its private _context): the preview
        gives a content kept between builds the next run's context (attach), and the URLs are made
        again.
    """
    _remember_urls_in_properties()
    for content in contents:
        memo = content.__dict__.get(URL_MEMO)
        if memo is not None and memo[0] is content._context:  # remembered in this run
            continue
        urls = (content.get_url_setting("url"), content.get_url_setting("save_as"))
        content.__dict__[URL_MEMO] = (content._context, *urls)


def _remember_urls_in_properties() -> None:
    if getattr(Content.url, "remembers", False):
        return
    for index, name in ((1, "url"), (2, "save_as")):
        made = getattr(Content, name).fget

        def remembered(self, made=made, index=index):
            memo = self.__dict__.get(URL_MEMO)
            if memo is not None and memo[0] is self._context:
                return memo[index]
            return made(self)

        setattr(remembered, "remembers", True)  # noqa: B010 (a function attribute)
        setattr(Content, name, property(remembered))


# --- a listing's articles asked by identity --------------------------------------------------


def _changed(name: str):
    """list's method `name`, forgetting a _Members' set of identities first."""

    def change(self, *args):
        self._identities = None
        return getattr(list, name)(self, *args)

    change.__name__ = name
    return change


class _Members(list):
    """A list of contents whose `in` asks a set of their identities.

    Pelican writes each 栏目, tag and reporter page with
    `dates = [a for a in self.dates if a in articles]`: every article of the site looked up
    in every listing's list, ≈ 100 million comparisons a build at 7,183 articles. A content
    equals only itself (Content defines no __eq__), so a set of identities answers alike.
    Any change to the list forgets the set.
    """

    _identities: frozenset[int] | None = None

    def __contains__(self, item) -> bool:
        if self._identities is None:
            self._identities = frozenset(map(id, self))
        return id(item) in self._identities

    append = _changed("append")
    extend = _changed("extend")
    insert = _changed("insert")
    pop = _changed("pop")
    remove = _changed("remove")
    clear = _changed("clear")
    __setitem__ = _changed("__setitem__")
    __delitem__ = _changed("__delitem__")
    __iadd__ = _changed("__iadd__")
    __imul__ = _changed("__imul__")


def index_listings(generator) -> None:
    """Make the article lists of an articles generator's 栏目, tags and reporters answer
    `in` by identity (_Members), in place: the context names the same lists. Call it when
    the lists are final (all_generators_finalized); what is written is unchanged."""
    if not isinstance(generator, ArticlesGenerator):
        return
    for listing in (generator.categories, generator.authors):
        listing[:] = [(name, _Members(articles)) for name, articles in listing]
    for tag, articles in list(generator.tags.items()):
        generator.tags[tag] = _Members(articles)
    update_context(generator, ("tags",))  # the context holds the tags as a list of pairs
