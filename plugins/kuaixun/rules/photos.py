"""The photo rules of the content check (`make check`): the build's photo problems, no build.

The photos plugin owns every local image of an article or page: it reports alt text that says
nothing, a missing or unreadable photo and one over the size limits. Here the same rules
(`markup.alt_problem`, `renditions.inspect`, which reads only a photo's header) run on the
Markdown source, so the check and the build name one problem on the same line in the same
words. The generic link rule leaves these images to this rule (`photo_links`, listed in
`RULES.claims_links`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from kuaixun.core.frontmatter import read_front_matter
from kuaixun.core.markdown import without_code_spans
from kuaixun.core.photos import DEFAULTS, markup, photo_path
from kuaixun.core.photos.renditions import PhotoError, inspect, problem_of
from kuaixun.core.problems import Problem
from kuaixun.rules.files import inside
from kuaixun.rules.registry import ContentFile, Site

# Python-Markdown's image syntax: ![alt](src "title"), ![alt][ref], ![alt][] and ![alt].
_INLINE_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*<?(?P<src>[^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_REFERENCE_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\](?:[ ]?\[(?P<ref>[^\]]*)\])?(?![(\[:])")
_DEFINITION = re.compile(r"^\s{0,3}\[(?P<ref>[^\]]+)\]:\s*<?(?P<src>[^\s>]+)>?")


@dataclass(frozen=True)
class SourceImage:
    """One image as the editor wrote it. `line` is where the build finds it too: the line that
    names the file (for ![alt][ref], the line defining ref)."""

    line: int
    alt: str
    src: str


def _reference(name: str) -> str:
    return " ".join(name.lower().split())


def source_images(lines: list[tuple[int, str]]) -> list[SourceImage]:
    """Every image of the body lines (code excluded): Markdown and <img> tags."""
    definitions: dict[str, tuple[int, str]] = {}
    for number, line in lines:
        match = _DEFINITION.match(line)
        if match:
            definitions.setdefault(_reference(match["ref"]), (number, match["src"]))
    images = []
    for number, line in lines:
        if "![" in line:
            for match in _INLINE_IMAGE.finditer(line):
                images.append(SourceImage(number, match["alt"], match["src"]))
            for match in _REFERENCE_IMAGE.finditer(_INLINE_IMAGE.sub("", line)):
                defined = definitions.get(_reference(match["ref"] or match["alt"]))
                if defined:
                    images.append(SourceImage(defined[0], match["alt"], defined[1]))
        if "<img" in line or "<IMG" in line:
            images += [
                SourceImage(number, t.attrs.get("alt", ""), t.src) for t in markup.find_images(line)
            ]
    return images


def _image_lines(file: ContentFile) -> list[tuple[int, str]]:
    # Most lines of a news article hold no image: only the others are looked at.
    return [
        (number, without_code_spans(line))
        for number, line in file.body_lines()
        if "![" in line or "]:" in line or "<img" in line or "<IMG" in line
    ]


def markdown_images(text: str) -> list[SourceImage]:
    """The images of a Markdown file's text: how the build numbers the photos it reports."""
    file = ContentFile(Path(), "", "article", front=read_front_matter(text))
    return source_images(_image_lines(file))


def _photos_built(site: Site) -> bool:
    return "kuaixun.hooks.photos" in (site.settings.get("PLUGINS") or [])


def file_photos(file: ContentFile, site: Site) -> list[SourceImage]:
    """The local images of a file the photos plugin will process (none without the plugin)."""
    if not _photos_built(site):
        return []
    if "photos" not in file.derived:
        images = source_images(_image_lines(file))
        file.derived["photos"] = [i for i in images if markup.is_local(i.src)]
    return file.derived["photos"]


def photo_links(file: ContentFile, site: Site) -> set[tuple[int, str]]:
    return {(image.line, image.src) for image in file_photos(file, site)}


def _file_problem(path: Path, site: Site) -> tuple[str, str] | None:
    if not inside(path, site.root):
        return (
            f"照片 {path.name} 在 content/ 以外，不能发布 (a photo outside content/)",
            "把照片复制到文章旁边，再写它的文件名 (copy the photo beside the article)",
        )
    not_added = _not_added(path, site)
    if not_added:
        return not_added
    limit = {key: site.settings.get(key, default) for key, default in DEFAULTS.items()}
    try:
        widths = tuple(limit["PHOTOS_WIDTHS"])
        inspect(path, limit["PHOTOS_MAX_BYTES"], limit["PHOTOS_MAX_PIXELS"], widths)
    except PhotoError as error:
        return problem_of(error, path)
    return None


def _not_added(path: Path, site: Site) -> tuple[str, str] | None:
    """Before a commit (`invoke check --staged`): a photo on disk that git does not have is
    left out of the commit, and the published article would miss it."""
    if "not in git" not in site.cache:
        site.cache["not in git"] = set(site.settings.get("CHECK_NOT_IN_GIT") or ())
    if str(path.resolve()) not in site.cache["not in git"]:
        return None
    shown = site.shown(path)
    return (
        f"照片 {path.name} 还没有 git add，不会跟着提交 (photo not added to git)",
        f"运行 git add {shown}，再提交 (add it, then commit)",
    )


def photos_are_publishable(file: ContentFile, site: Site) -> Iterator[Problem]:
    """Each photo: its file (found, a readable image, within the limits), then its alt text."""
    body_paths = set()
    for image in file_photos(file, site):
        path = photo_path(image.src, file.path.parent, site.root)
        body_paths.add(path)
        for problem in (_file_problem(path, site), markup.alt_problem(image.alt, image.src)):
            if problem:
                yield Problem(file.shown, image.line, *problem)
    cover = file.get("cover")
    if cover and cover.value.strip() and _photos_built(site):
        path = photo_path(cover.value.strip(), file.path.parent, site.root)
        # A cover shown in the body is already judged where the body shows it.
        problem = None if path in body_paths else _file_problem(path, site)
        if problem:
            yield Problem(file.shown, cover.line, *problem)


# Published byte for byte, so any position in them is published too: EXIF GPS, or XMP.
_LOCATABLE = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff")
_GPS_IFD = 0x8825
_XMP_GPS = (b"GPSLatitude", b"GPSLongitude", b"exif:GPS", b"GPSPosition")


def has_location(path: Path, max_pixels: int) -> bool | None:
    """Whether an image file carries a position: EXIF GPS tags or XMP GPS properties, in
    its bytes or in what Pillow reads out of them (a PNG's compressed iTXt chunk, a GIF's
    XMP extension); None for an image over `max_pixels`, which is not decoded."""
    from PIL import Image, UnidentifiedImageError

    data = path.read_bytes()
    if any(marker in data for marker in _XMP_GPS):
        return True
    try:
        with Image.open(path) as image:
            if image.width * image.height > max_pixels:
                return None
            image.load()  # a PNG's eXIf chunk may follow the pixels
            said = b"".join(v.encode() if isinstance(v, str) else v for v in _texts(image.info))
            located = any(marker in said for marker in _XMP_GPS)
            return located or bool(image.getexif().get_ifd(_GPS_IFD))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False


def _texts(info: dict) -> list[bytes | str]:
    return [value for value in info.values() if isinstance(value, bytes | str)]


def _as_is(site: Site) -> Iterator[tuple[Path, str, int | None]]:
    """Images Pelican copies unchanged: under STATIC_PATHS, or linked (not shown) with
    {static}/{attach}; as (path, who names it, line)."""
    from kuaixun.rules.links import links

    for folder in site.settings.get("STATIC_PATHS") or []:
        base = site.root / folder
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            yield path, site.shown(path), None
    for file in site.files:
        for line, target in links(file):
            if target.startswith(("{static}", "{attach}")) and (line, target) not in photo_links(
                file, site
            ):
                path = photo_path(target.split("}", 1)[1], file.path.parent, site.root)
                yield path, file.shown, line


def published_photos_have_no_location(site: Site) -> Iterator[Problem]:
    """A photo offered for download or left in images/ must not tell where it was taken."""
    shown = {
        photo_path(image.src, file.path.parent, site.root).resolve()
        for file in site.files
        for image in file_photos(file, site)
    }
    for path, who, line in _as_is(site):
        if path.suffix.lower() not in _LOCATABLE or not path.is_file() or path.is_symlink():
            continue
        if path.resolve() in shown:
            if line is not None and path.is_file():
                # The build publishes a shown photo's renditions, not the file (hooks/photos.py
                # drop_originals): a download link to it led nowhere.
                yield Problem(
                    who,
                    line,
                    f"{path.name} 已经作为照片显示在文章里，网站只发布缩小、去掉拍摄信息的版本，"
                    "这个下载链接会打不开 (links the original of a photo the site shows)",
                    "删掉这个链接；要提供原图下载，另存一份去掉位置信息的文件"
                    f"（例如 {path.stem}-yuantu{path.suffix}）再链接它",
                )
            continue
        status = path.stat()
        stamp = (status.st_size, status.st_mtime_ns, status.st_ino)
        pixels = int(site.settings.get("PHOTOS_MAX_PIXELS", DEFAULTS["PHOTOS_MAX_PIXELS"]))
        judge = partial(has_location, path, pixels)
        located = site.memory.verdict(("location", str(path), pixels), stamp, judge)
        if located is None:
            yield Problem(
                who,
                line,
                f"{path.name} 超过 {pixels // 10_000:,} 万像素，手机打开要解码几百 MB "
                "(a picture this large, published as it is, stalls a phone)",
                f"缩小后再放进来（长边 4000 像素就够）；或用 ![说明]({path.name}) "
                "显示成照片，网站会自动缩小",
            )
            continue
        if not located:
            continue
        yield Problem(
            who,
            line,
            f"{path.name} 里有拍摄地点 (GPS 位置)，会原样发布 (the file carries its GPS position)",
            f"去掉位置再放进来：exiftool -gps:all= -xmp:all= {path.name}；"
            "或用 ![说明](文件) 显示成照片，网站会自动去掉 (strip the location)",
        )
