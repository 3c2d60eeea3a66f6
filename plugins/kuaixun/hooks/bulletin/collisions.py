"""Two things the build would write to one place, found before anything is written.

Pelican decides slugs and output paths late and then either aborts half-way
(FileOverwriteFailedError) or silently merges: tags whose slugs match become one tag, and
with the default PAGINATION_PATTERNS page 2 of tag 标签2 (tag/biao-qian-22.html) is the same
file as tag 标签22. So once every plugin has settled the slugs (all_generators_finalized),
we list every file the writers will produce — articles, pages, listing pages with their
pagination, feeds, static files — and report each path claimed twice.
"""

from __future__ import annotations

import functools
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pelican.generators import ArticlesGenerator, PagesGenerator, StaticGenerator
from pelican.paginator import Paginator

from kuaixun.core.addresses import (
    SITEMAP,
    direct_template_paths,
    duplicate_slug,
    feed_outputs,
    shared_output,
    site_page,
    sitemap_output,
    taken_by_the_site,
)
from kuaixun.core.problems import PLANNED, Problem, display_path
from kuaixun.pelican_api import contents_of
from kuaixun.rules.registry import ContentFile, read_file


class Owner:
    """The file to fix when an output collides, and its header line. Looked up only when a
    problem is reported: a site of 7,000 articles has no file to re-read otherwise."""

    def __init__(self, sources: Sources | None, path: str | None, key: str = "", shown=""):
        self._sources, self._path, self._key, self._shown = sources, path, key, shown

    @functools.cached_property
    def source(self) -> str:
        return self._sources.shown(self._path) if self._sources and self._path else self._shown

    @functools.cached_property
    def line(self) -> int | None:
        return self._sources.line(self._path, self._key) if self._sources and self._path else None


SETTINGS = Owner(None, None, shown="pelicanconf.py")


@dataclass(frozen=True)
class Output:
    """One file the build will write, and who asked for it (for the message)."""

    save_as: str
    what: str  # 文章《…》, 标签"…", 栏目"…"的第 2 页
    owner: Owner
    slug: str = ""  # for articles and pages: a shared slug is reported by slug_collisions


class Sources:
    """Reads content files once per build to find the header line a problem points at."""

    def __init__(self, root: Path):
        self.root = root
        self._files: dict[str, ContentFile] = {}

    def shown(self, path: str) -> str:
        return display_path(Path(path), self.root)

    def line(self, path: str, key: str) -> int | None:
        if path not in self._files:
            try:
                self._files[path] = read_file(Path(path), self.shown(path), "article")
            except OSError:
                return None
        header = self._files[path].get(key)
        return header.line if header else None

    def owner(self, content, key: str) -> Owner:
        return Owner(self, content.source_path, key)


def _title(content) -> str:
    return getattr(content, "title", "") or os.path.basename(content.source_path)


def paginated_names(save_as: str, url: str, count: int, template: str, settings: dict) -> list[str]:
    """Every file Pelican's writer produces for one listing of `count` articles."""
    if not save_as:
        return []
    templates = settings.get("PAGINATED_TEMPLATES") or {}
    if template not in templates:
        return [save_as]
    per_page = templates[template] or settings.get("DEFAULT_PAGINATION")
    paginator = Paginator(save_as, url, list(range(count)), settings, per_page)
    return [paginator.page(n).save_as for n in paginator.page_range]


def _page_label(number: int) -> str:
    return "" if number == 1 else f"的第 {number} 页"


def content_outputs(contents: Iterable, kind: str, sources: Sources) -> Iterator[Output]:
    for content in contents:
        key = "slug" if "slug" in content.metadata else "title"
        owner = sources.owner(content, key)
        what = f"{kind}《{_title(content)}》"
        yield Output(content.save_as, what, owner, f"{kind}:{content.slug}")


def taxonomy_outputs(generator: ArticlesGenerator, sources: Sources) -> Iterator[Output]:
    """Category, tag and reporter pages (with their pagination) and their feeds."""
    settings = generator.settings
    groups = (
        ("category", "栏目", "category", generator.categories),
        (
            "tag",
            "标签",
            "tags",
            generator.tags.items() if isinstance(generator.tags, dict) else generator.tags,
        ),
        ("author", "记者", "authors", generator.authors),
    )
    for template, label, key, items in groups:
        for item, articles in items:
            first = min(articles, key=lambda a: a.source_path)
            owner = sources.owner(
                first, key if key != "authors" or "authors" in first.metadata else "author"
            )
            names = paginated_names(item.save_as, item.url, len(articles), template, settings)
            for number, name in enumerate(names, start=1):
                what = f'{label}"{item.name}"{_page_label(number)}'
                yield Output(name, what, owner)
            for feed in ("FEED_ATOM", "FEED_RSS"):
                pattern = settings.get(f"{template.upper()}_{feed}")
                if pattern:
                    name = str(pattern).format(slug=item.slug)
                    yield Output(name, f'{label}"{item.name}"的订阅', owner)


def site_outputs(generator: ArticlesGenerator) -> Iterator[Output]:
    """Home, archives and the other direct templates, and the site-wide feeds."""
    settings = generator.settings
    for template in settings.get("DIRECT_TEMPLATES") or []:
        save_as, url = direct_template_paths(settings, template)
        names = paginated_names(save_as, url, len(generator.articles), template, settings)
        for number, name in enumerate(names, start=1):
            yield Output(name, f"{site_page(template)}{_page_label(number)}", SETTINGS)
    for save_as, what in feed_outputs(settings):
        yield Output(save_as, what, SETTINGS)
    for name in (settings.get("TEMPLATE_PAGES") or {}).values():
        yield Output(name, "TEMPLATE_PAGES", SETTINGS)


def planned_outputs(generators: Iterable, sources: Sources, with_drafts: bool) -> list[Output]:
    """Every file the build writes: the generators', the theme's, the plugins'."""
    generators = list(generators)
    outputs = [o for g in generators for o in generator_outputs(g, sources, with_drafts)]
    if generators:
        settings, context = generators[0].settings, generators[0].context
        outputs += theme_outputs(settings)
        outputs += [Output(path, what, SETTINGS) for path, what in context.get(PLANNED, [])]
        if sitemap := sitemap_output(settings):
            outputs.append(Output(sitemap, SITEMAP, SETTINGS))
    return outputs


def theme_outputs(settings: dict) -> Iterator[Output]:
    """The theme's static files, copied under THEME_STATIC_DIR (theme/css/main.css …)."""
    theme = Path(settings.get("THEME") or "")
    target = settings.get("THEME_STATIC_DIR", "theme")
    for folder in settings.get("THEME_STATIC_PATHS") or ["static"]:
        base = theme / folder
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            if path.is_file():
                name = os.path.join(target, str(path.relative_to(base)))
                yield Output(name, f"网站模板的文件 {path.name} (a theme file)", SETTINGS)


def generator_outputs(generator, sources: Sources, with_drafts: bool) -> Iterator[Output]:
    """The files one generator will write, in the order the writers claim them."""
    if isinstance(generator, ArticlesGenerator):
        yield from content_outputs(contents_of(generator, with_drafts), "文章", sources)
        yield from taxonomy_outputs(generator, sources)
        yield from site_outputs(generator)
    elif isinstance(generator, PagesGenerator):
        yield from content_outputs(contents_of(generator, with_drafts), "页面", sources)
    elif isinstance(generator, StaticGenerator):
        yield from static_outputs(generator, sources)
    elif hasattr(generator, "output_paths"):
        # A plugin's generator lists its files: (save_as, what, source shown or None).
        for save_as, what, source in generator.output_paths():
            owner = Owner(None, None, shown=source) if source else SETTINGS
            yield Output(save_as, what, owner)


def static_outputs(generator: StaticGenerator, sources: Sources) -> Iterator[Output]:
    for static in generator.staticfiles:
        name = os.path.basename(static.source_path)
        yield Output(static.save_as, f"文件 {name}", Owner(sources, static.source_path))


def output_collisions(outputs: Iterable[Output]) -> list[Problem]:
    """One problem for every output after the first that claims an already claimed file, or
    a file inside a folder claimed whole (search/), or a folder's name as a file (tag)."""
    claims: dict[str, list[Output]] = defaultdict(list)
    for output in outputs:
        claims[os.path.normpath(output.save_as)].append(output)
    folders = {
        os.path.normpath(o.save_as): o
        for os_ in claims.values()
        for o in os_
        if o.save_as.endswith("/")
    }
    for path, owners in list(claims.items()):
        for parent in _parents(path):
            above = folders.get(parent) or (claims[parent][0] if parent in claims else None)
            if above is not None and above not in owners:
                claims[path].insert(0, above)
    problems = []
    for path, owners in claims.items():
        # Blame the article or page (an editor can change its Slug:), not the listing.
        owners.sort(key=lambda o: bool(o.slug))
        first = owners[0]
        for other in owners[1:]:
            if other is first or (other.slug and other.slug == first.slug):
                continue
            message = shared_output(other.what, first.what, first.owner.source, path)
            problems.append(
                Problem(other.owner.source, other.owner.line, message, _collision_fix(other, first))
            )
    return problems


def _parents(path: str) -> Iterator[str]:
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        yield path


def _collision_fix(other: Output, first: Output) -> str:
    if "的第 " in other.what or "的第 " in first.what:
        return (
            '在 pelicanconf.py 把 PAGINATION_PATTERNS 第 2 页起改成 "{base_name}/page/{number}/"，'
            "或改掉其中一个名字 (paginate into page/N/ folders, or rename one)"
        )
    if not first.slug:
        return taken_by_the_site(first.what)
    return (
        "给其中一篇加一行 Slug: 另一个网址名，或改标题 (add a distinct Slug:, or change the title)"
    )


def slug_collisions(generators: Iterable, sources: Sources, with_drafts: bool) -> list[Problem]:
    """Two articles (or pages) with one slug; two names that became one tag, category, reporter."""
    problems: list[Problem] = []
    for generator in generators:
        contents = contents_of(generator, with_drafts)
        if isinstance(generator, ArticlesGenerator):
            problems += _same_slug(contents, "文章", sources)
            problems += _merged_names(contents, sources)
        elif isinstance(generator, PagesGenerator):
            problems += _same_slug(contents, "页面", sources)
    return problems


def _same_slug(contents: list, kind: str, sources: Sources) -> Iterator[Problem]:
    first: dict[tuple[str, str], Any] = {}
    # The newer article is the one to change (usually the one just written).
    for content in sorted(contents, key=_age):
        key = (content.slug, getattr(content, "lang", ""))
        if key not in first:
            first[key] = content
            continue
        other = first[key]
        owner = sources.owner(content, "slug" if "slug" in content.metadata else "title")
        shown = sources.shown(other.source_path)
        said = duplicate_slug(kind, _title(content), shown, _title(other), content.slug)
        yield Problem(owner.source, owner.line, *said)


def _age(content) -> tuple:
    date = getattr(content, "date", None)
    return (date.timestamp() if date else 0.0, content.source_path)


def _merged_names(contents: list, sources: Sources) -> Iterator[Problem]:
    """Pelican keys tags, categories and authors by slug: 整治 and 政治 would become one tag."""
    for attribute, key, label in (
        ("tags", "tags", "标签"),
        ("category", "category", "栏目"),
        ("authors", "authors", "记者"),
    ):
        names: dict[str, tuple[str, Any]] = {}
        for content in sorted(contents, key=_age):
            values = getattr(content, attribute, None) or []
            values = values if isinstance(values, list) else [values]
            for item in values:
                seen = names.setdefault(item.slug, (item.name, content))
                if seen[0] == item.name:
                    continue
                owner = sources.owner(content, key if key in content.metadata else "title")
                yield Problem(
                    owner.source,
                    owner.line,
                    f'{label}"{item.name}"和{label}"{seen[0]}"（{sources.shown(seen[1].source_path)}）'
                    f'的网址名都是 "{item.slug}"，会被当成同一个 (two names share one slug)',
                    f"两篇文章写成同一个{label}，或把其中一个改名 (use one name, or rename one)",
                )
