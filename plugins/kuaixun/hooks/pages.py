"""pages plugin: a rebuild renders only the article, page and listing files whose inputs changed.

Pelican renders every article page on every build: 7,183 of a rebuild's ≈ 9,400 files after a
one-word edit, and ≈ 2,200 pages of listings. `make html` builds into a staging folder
(tools/build.py) and names the site it replaces in PREVIOUS_OUTPUT; this writer gives each
article or page file, and each page of a paginated listing (home, 栏目, tag, reporter), a key
— a digest of everything its templates read — and, when the previous build wrote the file
with the same key, links that file into the staging folder instead of rendering it.

What a key holds (`PageKeys`): the sources of the template and of every template it includes,
extends or imports; the values of the context variables those templates name (only plain
data: a template that reads a list of articles or any other object is always rendered); the
page's name and arguments; the article or page itself (its URL, its HTML with links resolved
for this page, its summary, every attribute a plugin gave it); and every other article an
attribute points to (neighbours, an issue's articles) by all of its attributes. The settings
and the code are not in the key: the keys live in the cache folder of this version of both
(hooks/caches.py). A file is reused only if it is still the very file the key was recorded
for (same inode, size and time), so a manifest older or newer than the site costs a render,
never a stale page.

A page of a listing (`PageKeys.listing_key`; Pelican paginates inside Writer.write_file, so
pelican_api.listing_pages makes the pages as it does) is keyed by its number, names and URLs,
the articles it shows, each by all of its attributes and its summary with links resolved for
the page, and every other value its templates get
(the listing's whole list of articles, the 栏目 with theirs, the latest issue) with each
article in it by what a link to it shows. A page Pelican writes unpaginated with all the
articles (归档, the lists of 栏目, tags and reporters, search, 404, robots.txt;
`PageKeys.unpaginated_key`) is keyed by every article it gets, by all its attributes but
its HTML (the summary in its metadata too), and rendered whenever its templates name an
article's HTML. Feeds, issue pages
and everything else are written as Pelican writes them.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import pickle
from pathlib import Path

from jinja2 import meta, nodes
from pelican import signals
from pelican.contents import Content
from pelican.paginator import Page, Paginator
from pelican.urlwrappers import URLWrapper

from kuaixun import pelican_api
from kuaixun.core.memo import digest
from kuaixun.tools.build import PREVIOUS_OUTPUT

MANIFEST = "pages-manifest.pickle"
# Filled in for each page by Pelican's writer, from the page's name alone.
PER_PAGE = frozenset({"output_file", "SITEURL", "localsiteurl"})
# Attributes of a content object that are the run, not the content.
NOT_DESCRIBED = frozenset({"_context", "settings", pelican_api.URL_MEMO})
PLAIN = (str, int, float, bool, type(None))
# An article's HTML, as written (the attributes) and as a template gets it, with its links
# resolved for the page from other pages' URLs: a page whose templates name none of these
# shows what the article's other attributes say, and its key leaves the HTML out.
HTML_ATTRIBUTES = ("_content", "_summary")
LINKED_HTML = frozenset({*HTML_ATTRIBUTES, "content", "summary", "get_content", "get_summary"})
# The one metadata entry that is an article's HTML: Pelican keeps the summary there too
# (pelican_api.set_summary), so an edit that changes a summary changes the metadata.
METADATA_HTML = "summary"
# Values described by repr: plain ones, dates and times. By exact type first, the common case
# (a key describes ≈ 100 values of each of 7,183 articles).
_BY_REPR = (*PLAIN, datetime.date, datetime.time)
_EXACTLY_PLAIN = frozenset(PLAIN)
logger = logging.getLogger(__name__)


class Unstable(Exception):
    """A value whose description would not be the same in the next build."""


class Describer:
    """Texts that are equal in two builds when the values render the same.

    A content that is an attribute of the page's content (a neighbour) is named by its source,
    and the caller describes it on its own (from `refs`); one further away (an article of the
    article's issue) by its source, URL, title and language, what a link to it shows.
    Categories, tags and authors by name, slug and URL. Any other object (an issue, a photo)
    by its fields, once a build: an issue links the previous and the next, so a chain of
    issues is described once, and a link back to an object being described is named so.
    """

    def __init__(self):
        self.objects: dict[int, tuple[object, str, list]] = {}
        self.active: set[int] = set()
        # id → (the category, tag or author, its description): Pelican makes a URLWrapper's
        # URL from the settings at each use, and every article names a few of them.
        self.wrappers: dict[int, tuple[URLWrapper, str]] = {}
        self.wrapper_texts: dict[tuple, str] = {}

    def __call__(self, value, refs: list, depth: int = 0) -> str:
        if type(value) in _EXACTLY_PLAIN or isinstance(value, _BY_REPR):
            return repr(value)
        if isinstance(value, Content):
            if depth <= 1:  # an attribute of the page's content: a neighbour, described whole
                refs.append(value)
                return f"<{type(value).__name__} {value.source_path!r}>"
            # Further away (an issue's articles): what a link to it shows.
            shown = (value.source_path, value.url, getattr(value, "title", ""), value.lang)
            return f"<{type(value).__name__} {shown!r}>"
        if isinstance(value, URLWrapper):
            return self._wrapper(value)
        if depth > 200:
            raise Unstable
        # A plain value inside (most of an article's metadata) told without a call.
        if isinstance(value, (list, tuple)):
            return (
                "["
                + ",".join(
                    repr(v) if type(v) in _EXACTLY_PLAIN else self(v, refs, depth + 1)
                    for v in value
                )
                + "]"
            )
        if isinstance(value, (set, frozenset)):
            return "{" + ",".join(sorted(self(v, refs, depth + 1) for v in value)) + "}"
        if isinstance(value, dict):
            # Sorted: a plugin may fill a dict in another order when its memo answers.
            items = sorted(
                f"{k!r}:{v!r}"
                if type(k) in _EXACTLY_PLAIN and type(v) in _EXACTLY_PLAIN
                else f"{self(k, refs, depth + 1)}:{self(v, refs, depth + 1)}"
                for k, v in value.items()
            )
            return "{" + ",".join(items) + "}"
        return self._object(value, refs, depth)

    def _wrapper(self, value: URLWrapper) -> str:
        known = self.wrappers.get(id(value))
        if known is None:
            # Pelican's reader gives each article a 栏目, tags and reporters of its own: the
            # URL of one with the same kind, name and slug is made once.
            alike = (type(value), value.name, value.slug, id(value.settings))
            text = self.wrapper_texts.get(alike)
            if text is None:
                text = f"<{type(value).__name__} {value.name!r} {value.slug!r} {value.url!r}>"
                self.wrapper_texts[alike] = text
            known = self.wrappers[id(value)] = (value, text)
        return known[1]

    def _object(self, value, refs: list, depth: int) -> str:
        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        if callable(value):  # a plugin's hook on the object: what it does shows in the HTML
            return f"<{kind} {getattr(value, '__qualname__', '')}>"
        if dataclasses.is_dataclass(value):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        elif hasattr(value, "__dict__"):
            fields = vars(value)
        else:
            shown = repr(value)
            if " at 0x" in shown:
                raise Unstable
            return kind + shown
        if id(value) in self.active:
            return f"<{kind} again>"
        known = self.objects.get(id(value))
        if known is None:
            self.active.add(id(value))
            try:
                pointed: list = []
                known = self.objects[id(value)] = (
                    value,
                    kind + self(fields, pointed, depth + 1),
                    pointed,
                )
            finally:
                self.active.discard(id(value))
        refs.extend(known[2])
        return known[1]


@dataclasses.dataclass(frozen=True)
class Templates:
    """A template and those it uses: their sources' digest, the variables they read, and
    whether they name an article's HTML (LINKED_HTML) anywhere."""

    sources: str
    variables: frozenset[str]
    linked_html: bool


class PageKeys:
    """The keys of one build's article and page files (see the module's docstring)."""

    def __init__(self, environment):
        self.environment = environment
        self.describe = Describer()
        self.templates: dict[str, Templates | None] = {}
        # id(content) → (its URL and attributes described, digested; the contents they point
        # to; the digest without its HTML attributes)
        self.contents: dict[int, tuple[str, list, str]] = {}
        # id(value) → (a value a listing gets, its description's digest)
        self.wholes: dict[int, tuple[object, str]] = {}

    def key(self, name: str, template, context: dict, kwargs: dict, siteurl) -> str | None:
        """The key of the file `name`, or None: it must be rendered."""
        found = self._template(template.name)
        if found is None:
            return None
        sources, variables = found.sources, found.variables
        used = {v: context[v] for v in variables - PER_PAGE - kwargs.keys() if v in context}
        if not all(_plain(value) for value in used.values()):
            return None
        content = next(v for v in kwargs.values() if isinstance(v, Content))
        try:
            refs: list = []
            described = self.describe(used, refs) + self.describe(kwargs, refs)
            attributes, pointed = self._attributes(content)
            others = [self._attributes(c)[0] for c in pointed if c is not content]
        except Unstable:
            return None
        # Made for this page's SITEURL (relative links), as the template will show them.
        own = [content.content, content.summary or "", attributes]
        return digest(sources, name, repr(siteurl), described, *own, *others)

    def listing_key(self, name: str, template, context: dict, kwargs: dict, siteurl) -> str | None:
        """The key of one page of a paginated listing, or None: it must be rendered.

        Its own articles (the page's object_list) are described whole; a list the template
        gets whole (every article of the 栏目, the 栏目 with their articles) by what a link
        to each of its articles shows, once a build."""
        found = self._template(template.name)
        if found is None:
            return None
        sources, variables = found.sources, found.variables
        used = {v: context[v] for v in variables - PER_PAGE - kwargs.keys() if v in context}
        shown: list = []
        try:
            parts = [f"{k}={self._whole(v)}" for k, v in sorted(used.items())]
            for key, value in sorted(kwargs.items()):
                if isinstance(value, Page):
                    parts.append(f"{key}={_page(value)}")
                    if not key.endswith(("_previous_page", "_next_page")):  # this page's
                        shown += value.object_list
                elif isinstance(value, Paginator):
                    parts.append(
                        f"{key}=<Paginator {value.num_pages} {self._whole(value.object_list)}>"
                    )
                else:
                    parts.append(f"{key}={self._whole(value)}")
            own = [self._attributes(c)[0] for c in shown]
        except Unstable:
            return None
        # Summaries as this page shows them: their links resolved for its SITEURL.
        summaries = [c.summary or "" for c in shown]
        return digest(sources, name, repr(siteurl), *parts, *own, *summaries)

    def unpaginated_key(
        self, name: str, template, context: dict, kwargs: dict, siteurl
    ) -> str | None:
        """The key of a page that gets the site's articles unpaginated (归档, the lists of
        栏目, tags and reporters, search, 404), or None: it must be rendered.

        Every article in a list its templates get, from the context or as an argument, is
        described by all of its attributes but its HTML (once a build, as for its own page):
        the page is rendered when its templates name an article's HTML (LINKED_HTML), so an
        edit to a body alone leaves it as it was."""
        found = self._template(template.name)
        if found is None or found.linked_html:
            return None
        used = {v: context[v] for v in found.variables - PER_PAGE - kwargs.keys() if v in context}
        values = [*used.values(), *kwargs.values()]
        try:
            parts = [f"{k}={self._whole(v)}" for k, v in sorted({**used, **kwargs}.items())]
            own = [self._attributes_without_html(c) for c in _contents_in(values)]
        except Unstable:
            return None
        return digest(found.sources, name, repr(siteurl), *parts, *own)

    def _whole(self, value) -> str:
        """A value of a listing's context or arguments described, once a build for each
        object (the lists of thousands of articles every page of a listing gets)."""
        if isinstance(value, PLAIN):
            return repr(value)
        known = self.wholes.get(id(value))
        if known is None:
            # Depth 2: an article inside is described by what a link to it shows.
            known = self.wholes[id(value)] = (value, digest(self.describe(value, [], 2)))
        return known[1]

    def _attributes(self, content) -> tuple[str, list]:
        """(the digest of a content's URL and attributes described, the contents they point
        to), once a build: the description holds the article's HTML, and a key names each
        article several times (its page, its neighbours' pages, each listing it is on)."""
        return self._described(content)[:2]

    def _attributes_without_html(self, content) -> str:
        """The digest of a content's URL and attributes described, but HTML_ATTRIBUTES and
        the summary in its metadata (METADATA_HTML)."""
        return self._described(content)[2]

    def _described(self, content) -> tuple[str, list, str]:
        found = self.contents.get(id(content))
        if found is None:
            pointed: list = []
            attributes = {k: v for k, v in vars(content).items() if k not in NOT_DESCRIBED}
            html = {k: attributes.pop(k) for k in HTML_ATTRIBUTES if k in attributes}
            metadata = attributes.get("metadata")
            if isinstance(metadata, dict) and METADATA_HTML in metadata:
                # The summary again (pelican_api.set_summary): HTML, not what a link shows.
                attributes["metadata"] = {k: v for k, v in metadata.items() if k != METADATA_HTML}
                html[f"metadata.{METADATA_HTML}"] = metadata[METADATA_HTML]
            text = f"{content.url} {content.save_as} {self.describe(attributes, pointed)}"
            without_html = digest(text)
            whole = digest(without_html, self.describe(html, pointed))
            found = self.contents[id(content)] = (whole, pointed, without_html)
        return found

    def _template(self, name: str) -> Templates | None:
        """(the sources of the template and those it uses, the variables they read), or None
        when a template is named at run time (it cannot be known what the page reads)."""
        if name not in self.templates:
            self.templates[name] = self._read_templates(name)
        return self.templates[name]

    def _read_templates(self, name: str) -> Templates | None:
        sources, variables, todo, seen, names = [], set(), [name], set(), set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            source = self.environment.loader.get_source(self.environment, current)[0]
            parsed = self.environment.parse(source)
            sources += [current, source]
            variables |= meta.find_undeclared_variables(parsed)
            names |= _names(parsed)
            for used in meta.find_referenced_templates(parsed):
                if used is None:
                    return None
                todo.append(used)
        variables -= set(self.environment.globals)
        return Templates(digest(*sources), frozenset(variables), bool(names & LINKED_HTML))


def _contents_in(values: list) -> list:
    """The contents in `values` and in the lists, tuples and dicts inside them (the 栏目
    with their articles), each once, in the order first met."""
    found: dict[int, Content] = {}
    todo = list(reversed(values))
    while todo:
        value = todo.pop()
        if isinstance(value, Content):
            found.setdefault(id(value), value)
        elif isinstance(value, (list, tuple)):
            todo.extend(reversed(value))
        elif isinstance(value, dict):
            todo.extend(reversed([*value.keys(), *value.values()]))
    return list(found.values())


def _names(parsed: nodes.Template) -> set[str]:
    """Every name a template may read an attribute by: `a.b`, `a['b']`, and each part of
    every string in it (`map(attribute='summary')`, `groupby('date.year')`, `attr(…)`)."""
    found = {node.attr for node in parsed.find_all(nodes.Getattr)}
    for node in parsed.find_all(nodes.Const):
        if isinstance(node.value, str):
            found.update(node.value.replace("[", ".").replace("]", ".").split("."))
    return found


def _page(page: Page) -> str:
    """A page of a listing as its template can see it: number, names, URLs, the articles."""
    paginator = page.paginator
    articles = [c.source_path for c in page.object_list]
    return repr(
        (page.full_name, page.base_url, page.number, page.url, page.save_as, articles)
        + (paginator.num_pages, paginator.count, paginator.per_page)
    )


def _plain(value) -> bool:
    if isinstance(value, PLAIN):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False


class ReusingWriter(pelican_api.FreshFilesWriter):
    """Pelican's writer, linking an article or page file from the previous site when its
    key is the one recorded for that very file."""

    current: ReusingWriter | None = None  # the build's writer, for finalized

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        previous = (settings or {}).get(PREVIOUS_OUTPUT)
        self.previous = Path(previous) if previous else None
        self.manifest = Path(settings["CACHE_PATH"]) / MANIFEST if settings else None
        self.before = _load(self.manifest) if self.previous and self.manifest else {}
        self.keys: dict[str, str] = {}
        self.reused = 0
        self.page_keys: PageKeys | None = None
        ReusingWriter.current = self

    def write_file(
        self,
        name,
        template,
        context,
        relative_urls=False,
        paginated=None,
        template_name=None,
        override_output=False,
        url=None,
        **kwargs,
    ):
        if self.previous is not None and name:
            if self.page_keys is None:
                self.page_keys = PageKeys(template.environment)
            pages = pelican_api.listing_pages(self, name, url, paginated, template_name, kwargs)
            if pages is not None:  # a listing: each page keyed on its own
                for page_name, arguments in pages:
                    self._write_page(
                        page_name,
                        template,
                        context,
                        relative_urls,
                        override_output,
                        arguments,
                        self.page_keys.listing_key,
                    )
                return
            keyed = None
            if _one_content(paginated, template_name, kwargs):
                keyed = self.page_keys.key
            elif {"articles", "dates"} & kwargs.keys() and not paginated:  # Pelican's as one
                keyed = self.page_keys.unpaginated_key
            if keyed is not None:
                self._write_page(
                    name, template, context, relative_urls, override_output, kwargs, keyed
                )
                return
        super().write_file(
            name,
            template,
            context,
            relative_urls,
            paginated,
            template_name,
            override_output,
            url,
            **kwargs,
        )

    def _write_page(self, name, template, context, relative_urls, override, kwargs, key_of) -> None:
        """Link the file `name` from the previous site when its key is the recorded one, or
        render it as Pelican would (nothing more to paginate) and record its key."""
        siteurl = pelican_api.page_siteurl(context, name, relative_urls)
        key = key_of(name, template, context, kwargs, siteurl)
        if key is not None and self._reuse(name, key, override):
            pelican_api.announce_written(self, name, context, relative_urls, kwargs)
            return
        super().write_file(name, template, context, relative_urls, {}, None, override, **kwargs)
        if key is not None:
            self.keys[name] = key

    def _reuse(self, name: str, key: str, override: bool) -> bool:
        recorded = self.before.get(name)
        if recorded is None or recorded[0] != key or self.previous is None:
            return False
        old = os.path.join(self.previous, name)
        new = os.path.join(self.output_path, name)
        try:
            found = os.lstat(old)
        except OSError:
            return False
        if (found.st_ino, found.st_size, found.st_mtime_ns) != recorded[1:]:
            return False
        if not pelican_api.claim_output(self, new, override):
            return False
        if not _link(old, new):
            return False
        self.keys[name] = key
        self.reused += 1
        return True

    def save(self) -> None:
        """Record each file's key with the file it is (in the staging folder, which becomes
        output/: the inode stays)."""
        if self.manifest is None or self.previous is None:
            return
        recorded = {}
        for name, key in self.keys.items():
            try:
                found = os.lstat(os.path.join(self.output_path, name))
            except OSError:
                continue
            recorded[name] = (key, found.st_ino, found.st_size, found.st_mtime_ns)
        self.manifest.parent.mkdir(parents=True, exist_ok=True)
        partial = self.manifest.with_name(f".{self.manifest.name}.{os.getpid()}")
        partial.write_bytes(pickle.dumps(recorded, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, self.manifest)
        logger.info("pages: %d linked, %d rendered", self.reused, len(self.keys) - self.reused)


def _link(old: str, new: str) -> bool:
    """Link `old` as `new`, making `new`'s folder when it is missing. The staging folder
    keeps the folders of the site before (tools/build.py): one system call a file, where
    making sure of the folder first took three more."""
    try:
        os.link(old, new)
    except FileNotFoundError:
        try:
            os.makedirs(os.path.dirname(new), exist_ok=True)
            os.link(old, new)
        except OSError:
            return False
    except OSError:
        return False
    return True


def _one_content(paginated, template_name, kwargs: dict) -> bool:
    """An article's or a page's own file: one content, nothing paginated."""
    if paginated or template_name or {"articles", "dates"} & kwargs.keys():
        return False
    return sum(isinstance(v, Content) for v in kwargs.values()) == 1


def _load(path: Path) -> dict:
    try:
        loaded = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def get_writer(pelican):
    return ReusingWriter


def save_manifest(pelican) -> None:
    writer, ReusingWriter.current = ReusingWriter.current, None
    if writer is not None and writer.output_path == pelican.output_path:
        writer.save()


def remember_contents_urls(generator) -> None:
    """The articles' or pages' URLs made once as soon as their generator is done (the slugs
    are settled: hooks.cjk comes before this plugin), so the strict check's list of planned
    outputs (all_generators_finalized, hooks.bulletin) and the writing share them."""
    pelican_api.remember_urls(pelican_api.contents_of(generator))


def remember_urls(generators) -> None:
    """Every article's and page's URL made once for the writing (pelican_api.remember_urls);
    last of the plugins' all_generators_finalized: the slugs are settled. The listings'
    article lists answer `in` by identity from here on (pelican_api.index_listings)."""
    for generator in generators:
        pelican_api.remember_urls(pelican_api.contents_of(generator))
        pelican_api.index_listings(generator)


def register():
    signals.article_generator_finalized.connect(remember_contents_urls)
    signals.page_generator_finalized.connect(remember_contents_urls)
    signals.all_generators_finalized.connect(remember_urls)
    signals.get_writer.connect(get_writer)
    signals.finalized.connect(save_manifest)
