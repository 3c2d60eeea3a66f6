"""photos plugin: an article's photos, resized and stripped of EXIF, as responsive figures.

Where photos live: **beside the article**, in the same folder as its Markdown file, and
referenced by file name with ordinary Markdown image syntax::

    content/articles/2020/11/taiji-ban.md
    content/articles/2020/11/taiji-ban.jpg

    ![太极拳班的学员在公园练拳](taiji-ban.jpg "太极拳班 | 摄影：张三")

That is the simplest rule for editors (drop the phone photo next to the text, as a Markdown
preview expects) and Pelican ignores those files, so the 3–8 MB original never reaches
output/. Pelican's `{static}taiji-ban.jpg` and `./taiji-ban.jpg` mean the same; a path starting
with `/` is taken from the content root (e.g. `{static}/images/map.png`), and such originals are
dropped from Pelican's static copies as well.

`Cover: taiji-ban.jpg` in the front matter names the photo for listings, the feed and Open
Graph: templates get `article.cover` (see `Cover`). The renditions go to output/images/ under
content-hashed names; see docs/photos.md for the editors' side and the why of each choice.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from feedgenerator import Enclosure
from pelican import signals
from pelican.log import console

from kuaixun import pelican_api
from kuaixun.core.photos import DEFAULTS, markup, photo_path
from kuaixun.core.photos.renditions import (
    Photo,
    PhotoCache,
    PhotoError,
    Rendition,
    problem_of,
    write_stats,
)
from kuaixun.core.problems import ContentErrors, Problem, defer, display_path, plan_outputs

_CONTEXT_KEY = "photo_build"


@dataclass(frozen=True)
class Cover:
    """The photo an article is shown with on listings, in feeds and in Open Graph tags.

    Templates write `{{ SITEURL }}/{{ article.cover.src }}`; `webp` and `jpeg` list the
    renditions (path, width, height) for a srcset.
    """

    photo: Photo
    alt: str

    @property
    def image(self) -> Rendition:
        return self.photo.closest(markup.FALLBACK_WIDTH)

    @property
    def src(self) -> str:
        return self.image.path

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    @property
    def webp(self) -> list[Rendition]:
        return self.photo.of_format("webp")

    @property
    def jpeg(self) -> list[Rendition]:
        return self.photo.of_format("jpeg")

    def __str__(self) -> str:
        return self.src


@dataclass
class PhotoBuild:
    """What one build learned about photos: the cache, problems, and each article's photos."""

    cache: PhotoCache
    content_root: Path
    sizes: str
    output_dir: str
    problems: list[Problem] = field(default_factory=list)
    originals: set[Path] = field(default_factory=set)
    lead_photo: dict[str, Photo] = field(default_factory=dict)  # article url → cover or first
    published: dict[str, Photo] = field(default_factory=dict)  # by digest: not drafts' photos


def _photo_build(context: dict, settings: dict) -> PhotoBuild:
    if _CONTEXT_KEY not in context:
        option = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
        context[_CONTEXT_KEY] = PhotoBuild(
            cache=PhotoCache(
                Path(option["PHOTOS_CACHE_PATH"]),
                tuple(option["PHOTOS_WIDTHS"]),
                option["PHOTOS_MAX_BYTES"],
                option["PHOTOS_MAX_PIXELS"],
            ),
            content_root=Path(settings["PATH"]),
            sizes=option["PHOTOS_SIZES"],
            output_dir=option["PHOTOS_OUTPUT_DIR"].strip("/"),
        )
    return context[_CONTEXT_KEY]


def _display_path(path: Path) -> str:
    # As the content check names files, so its photo problems and ours are one problem.
    return display_path(path, Path.cwd())


def _line_of(source_lines: list[str], needle: str, occurrence: int, body: bool) -> int | None:
    """The line (1-based) of the n-th line mentioning `needle`, in the body or the header."""
    header_end = next((n for n, line in enumerate(source_lines) if not line.strip()), 0)
    numbered = list(enumerate(source_lines, start=1))
    seen = 0
    for number, line in numbered[header_end:] if body else numbered[:header_end]:
        if needle and needle in line:
            if seen == occurrence:
                return number
            seen += 1
    return None


class _ArticlePhotos:
    """Rewrites one article's (or page's) photos; problems go to the build's list."""

    def __init__(self, build: PhotoBuild, content):
        self.build = build
        self.content = content
        self.source = Path(content.source_path)
        self.by_path: dict[Path, tuple[Photo, str]] = {}
        self.failed: set[Path] = set()

    @functools.cached_property
    def lines(self) -> list[str]:
        """The Markdown source, read only for articles that have photos (to number lines)."""
        try:
            return self.source.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return []

    @functools.cached_property
    def image_lines(self) -> dict[str, list[int]]:
        """Each image's lines by src, in source order, found as the content check finds them."""
        from kuaixun.rules.photos import markdown_images  # it imports the bulletin's content check

        found: dict[str, list[int]] = {}
        for image in markdown_images("\n".join(self.lines)):
            found.setdefault(image.src, []).append(image.line)
        return found

    def line_of_image(self, src: str, occurrence: int) -> int | None:
        """The line of the n-th image showing `src`: the line the content check names too, so
        the problem both find is one problem (else the n-th line mentioning it)."""
        lines = self.image_lines.get(src, [])
        if occurrence < len(lines):
            return lines[occurrence]
        return _line_of(self.lines, src, occurrence, body=True)

    def problem(self, line: int | None, message: str, fix: str) -> None:
        self.build.problems.append(Problem(_display_path(self.source), line, message, fix))

    def process(self, path: Path, line: int | None) -> Photo | None:
        try:
            photo = self.build.cache.process(path, self.build.output_dir)
        except PhotoError as error:
            self.problem(line, *problem_of(error, path))
            self.failed.add(path.resolve())
            return None
        self.build.originals.add(path.resolve())
        return photo

    def rewrite(self) -> str:
        html = pelican_api.raw_html(self.content)
        pieces: list[str] = []
        occurrences: dict[str, int] = {}
        cursor, shown = 0, 0
        for tag in markup.find_images(html):
            if not markup.is_local(tag.src):
                continue
            occurrence = occurrences.get(tag.src, 0)
            occurrences[tag.src] = occurrence + 1
            line = self.line_of_image(tag.src, occurrence)
            replacement = self.figure_for(tag, line, lazy=shown > 0)
            if replacement is None:
                continue
            pieces += [html[cursor : tag.start], replacement]
            cursor = tag.end
            shown += 1
        pieces.append(html[cursor:])
        return "".join(pieces)

    def figure_for(self, tag: markup.ImageTag, line: int | None, lazy: bool) -> str | None:
        alt = tag.attrs.get("alt", "").strip()
        path = photo_path(tag.src, self.source.parent, self.build.content_root)
        photo = self.process(path, line)
        bad_alt = markup.alt_problem(alt, tag.src)
        if bad_alt:
            self.problem(line, *bad_alt)
            return None
        if photo is None:
            return None
        self.by_path.setdefault(path.resolve(), (photo, alt))
        title = tag.attrs.get("title", "")
        if tag.alone:
            return markup.figure(photo, alt, title, self.build.sizes, lazy)
        return markup.picture(photo, alt, self.build.sizes, lazy)

    def cover(self) -> Cover | None:
        name = str(self.content.metadata.get("cover", "")).strip()
        if not name:
            return None
        path = photo_path(name, self.source.parent, self.build.content_root)
        if path.resolve() in self.by_path:
            return Cover(*self.by_path[path.resolve()])
        if path.resolve() in self.failed:
            return None  # already reported where the body shows it
        line = _line_of(self.lines, name, 0, body=False)
        photo = self.process(path, line)
        return Cover(photo, self.content.title) if photo else None


def process_contents(generator) -> None:
    """article_ and page_generator_finalized: every article or page, drafts included."""
    build = _photo_build(generator.context, generator.settings)
    relative = bool(generator.settings.get("RELATIVE_URLS"))
    shows_drafts = bool(generator.settings.get("SHOW_DRAFTS"))

    def photo_urls(html: str, siteurl: str) -> str:
        # Pelican completes {static} links per page URL; photo URLs join them.
        return markup.site_url(html, siteurl, relative)

    for content in pelican_api.contents_of(generator):
        photos = _ArticlePhotos(build, content)
        rewritten = photos.rewrite()
        if rewritten != pelican_api.raw_html(content):
            # Set after Pelican's content cache was saved: the cache keeps the editor's HTML.
            pelican_api.set_raw_html(content, rewritten)
            pelican_api.rewrite_before_links(content, photo_urls)
            # Rendered before the rewrite (by another plugin): rendered again when asked.
            pelican_api.forget_rendered(content)
        cover = photos.cover()
        content.cover = cover
        # A draft's photos are processed (its original is never copied) but not published.
        if shows_drafts or getattr(content, "status", "") != "draft":
            shown = [photo for photo, _ in photos.by_path.values()] + (
                [cover.photo] if cover else []
            )
            build.published.update((photo.digest, photo) for photo in shown)
        first = next(iter(photos.by_path.values()), None)
        lead = cover.photo if cover else first[0] if first else None
        if lead is not None:
            build.lead_photo[content.url] = lead


def drop_originals(generator) -> None:
    """A photo linked with {static} or kept under a static path is published only resized."""
    build = _photo_build(generator.context, generator.settings)
    generator.staticfiles[:] = [
        static
        for static in generator.staticfiles
        if Path(static.source_path).resolve() not in build.originals
    ]


def publish_renditions(generators) -> None:
    """Hand photo problems to the strict build (reported with all others), else publish."""
    generator = generators[0]
    build = _photo_build(generator.context, generator.settings)
    renditions = [r.path for photo in build.published.values() for r in photo.renditions]
    plan_outputs(
        generator.context, [(path, "照片的缩放图 (a photo rendition)") for path in renditions]
    )
    if build.problems:
        if "kuaixun.hooks.bulletin" in generator.settings.get("PLUGINS", []):
            # bulletin.strict raises them together with every other content problem.
            defer(generator.context, build.problems)
            return
        raise ContentErrors(build.problems)
    target = Path(generator.output_path) / build.output_dir
    target.mkdir(parents=True, exist_ok=True)
    for photo in build.published.values():
        for rendition in photo.renditions:
            destination = target / Path(rendition.path).name
            if not destination.exists():
                shutil.copyfile(build.cache.source_of(rendition), destination)
    stats = build.cache.stats()
    write_stats(build.cache.root, stats)
    # Printed like Pelican's own "Done: Processed …" line, for editors and the benchmark.
    console.print(
        f"Photos: {stats['encoded']} encoded, {stats['reused']} reused from the cache "
        f"({build.cache.root})"
    )


def add_feed_enclosures(context, feed) -> None:
    """Each feed entry points at the 960 px JPEG of its cover (or first photo), absolutely."""
    build = context.get(_CONTEXT_KEY)
    if build is None:
        return
    site = context.get("SITEURL", "").rstrip("/") + "/"
    by_link = {urljoin(site, url): photo for url, photo in build.lead_photo.items()}
    for item in feed.items:
        photo = by_link.get(item["link"].removesuffix("?ref=feed"))
        if photo is not None:
            image = photo.closest(markup.FALLBACK_WIDTH)
            item["enclosures"] = [
                Enclosure(urljoin(site, image.path), str(image.bytes), image.mime_type)
            ]


def register():
    signals.article_generator_finalized.connect(process_contents)
    signals.page_generator_finalized.connect(process_contents)
    signals.static_generator_finalized.connect(drop_originals)
    signals.all_generators_finalized.connect(publish_renditions)
    signals.feed_generated.connect(add_feed_enclosures)
