"""Find the photos in an article's HTML and write them back as <figure><picture>.

Markdown turns `![alt](taiji.jpg "标题 | 摄影：张三")` into a bare <img> in a paragraph of its
own. Here that paragraph becomes a figure: WebP and JPEG srcsets with `sizes`, explicit
width/height so nothing shifts while loading, the caption and the photographer's credit.
URLs are written as `URL_MARKER` + `images/…` and completed for each page by `site_url()`.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from kuaixun.core.photos.renditions import Photo

# Where a photo's URL starts, completed per page: characters of the Private Use Area that no
# text means. It was "{photo}", which an editor may write ("占位符写作 {photo}"): the page
# showed "../../../" in its place and the feed the site's address.
URL_MARKER = "\ue000photo\ue000"
# The print edition wants sharp photos: the largest JPEG, chosen by media="print".
PRINT_WIDTH = 1600
# The <img src> for browsers without srcset, and the size feeds and Open Graph point at.
FALLBACK_WIDTH = 960

# An <img> tag to its end: a ">" inside a quoted value (alt="海报 > 普法") is not its end,
# where it left the photo unprocessed and its src pointing at nothing.
_TAG = r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
_IMG = re.compile(_TAG, re.IGNORECASE)
_ALONE_IN_PARAGRAPH = re.compile(rf"<p>\s*({_TAG})\s*</p>", re.IGNORECASE)
# "摄影：张三", "图：李四", "Photo: Wang" — the part of a title that credits the photographer.
_CREDIT = re.compile(r"^\s*(摄影|图片|图|photo)\s*[：:]", re.IGNORECASE)
_TITLE_PARTS = re.compile(r"\s*[|｜]\s*")


@dataclass(frozen=True)
class ImageTag:
    """One <img> in the HTML: where it is, its attributes, and whether it stands alone."""

    start: int
    end: int
    attrs: dict[str, str]
    alone: bool  # alone in its paragraph: becomes a <figure>; inline images stay inline

    @property
    def src(self) -> str:
        return self.attrs.get("src", "")


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        self.attrs = {name: value or "" for name, value in attrs}

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str]:
    parser = _Attributes()
    parser.feed(tag)
    parser.close()
    return parser.attrs


def find_images(content: str) -> list[ImageTag]:
    """Every <img> of the content, in document order."""
    found: dict[int, ImageTag] = {}
    for m in _ALONE_IN_PARAGRAPH.finditer(content):
        found[m.start(1)] = ImageTag(m.start(), m.end(), _attributes(m.group(1)), True)
    for m in _IMG.finditer(content):
        if m.start() not in found:
            found[m.start()] = ImageTag(m.start(), m.end(), _attributes(m.group()), False)
    return [found[key] for key in sorted(found)]


def is_local(src: str) -> bool:
    """Photos in the repository are processed; web addresses and data: URLs are left alone."""
    return bool(src) and not re.match(r"^([a-z][a-z0-9+.-]*:|//)", src, re.IGNORECASE)


def local_path(src: str) -> str:
    """The file an editor meant: Pelican's {static}/{attach} prefixes and ./ removed."""
    path = re.sub(r"^\{(static|attach|filename)\}", "", src)
    path = path.split("#", 1)[0].split("?", 1)[0]
    return path[2:] if path.startswith("./") else path


# Alt text that says nothing about the photo: "图片", "照片1", "IMG_2041", "photo".
_PLACEHOLDER_ALT = re.compile(
    r"^(图片|照片|相片|图|image|img|photo|pic|dsc|dcim)?[\s_\-.\d]*$", re.I
)


def is_placeholder_alt(alt: str, file_name: str) -> bool:
    """True for alt text a screen-reader user learns nothing from (or the file's own name)."""
    text = alt.strip()
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return bool(_PLACEHOLDER_ALT.match(text)) or text.lower() in (stem.lower(), file_name.lower())


def alt_problem(alt: str, src: str) -> tuple[str, str] | None:
    """(message, fix) when a photo's alt text is missing or says nothing, else None.

    The one rule for alt text: the build (photos plugin) and the content check both use it."""
    alt = alt.strip()
    name = posixpath.basename(local_path(src))
    if not alt:
        return (
            f"照片 {name} 没有替代文字 (photo without alt text)",
            f"在方括号里写一句说明照片内容的话，例如 ![太极拳班的学员在公园练拳]({src})",
        )
    if is_placeholder_alt(alt, local_path(src)):
        return (
            f'照片 {name} 的替代文字 "{alt}" 没有说明照片内容 (alt text that describes nothing)',
            "写出照片里有什么，例如 ![老人在社区工作人员搀扶下坐上轮椅](…)",
        )
    return None


def split_caption(title: str, alt: str) -> tuple[str, str]:
    """(caption, credit): the title's parts, the credit being the one that names 摄影/图."""
    parts = [part for part in _TITLE_PARTS.split(title.strip()) if part]
    credits = [part for part in parts if _CREDIT.match(part)]
    caption = " ".join(part for part in parts if part not in credits)
    return caption or alt.strip(), " ".join(credits)


def _srcset(photo: Photo, fmt: str) -> str:
    return ", ".join(f"{URL_MARKER}{r.path} {r.width}w" for r in photo.of_format(fmt))


def picture(photo: Photo, alt: str, sizes: str, lazy: bool) -> str:
    fallback = photo.closest(FALLBACK_WIDTH)
    printed = photo.closest(PRINT_WIDTH)
    largest = photo.largest
    loading = ' loading="lazy"' if lazy else ""
    # (A long image that WebP cannot hold at any width has JPEG renditions only.)
    webp = photo.of_format("webp")
    return (
        "<picture>"
        # One candidate, but with a width and sizes: the validator wants them alike in a picture.
        f'<source media="print" type="image/jpeg" srcset="{URL_MARKER}{printed.path} '
        f'{printed.width}w" sizes="100vw">'
        + (
            f'<source type="image/webp" srcset="{_srcset(photo, "webp")}" sizes="{sizes}">'
            if webp
            else ""
        )
        + f'<img src="{URL_MARKER}{fallback.path}" srcset="{_srcset(photo, "jpeg")}"'
        f' sizes="{sizes}" width="{largest.width}" height="{largest.height}"'
        f' alt="{html.escape(alt)}"{loading} decoding="async">'
        "</picture>"
    )


def figure(photo: Photo, alt: str, title: str, sizes: str, lazy: bool) -> str:
    caption, credit = split_caption(title, alt)
    credit_html = f' <span class="photo-credit">{html.escape(credit)}</span>' if credit else ""
    return (
        f'<figure class="photo">{picture(photo, alt, sizes, lazy)}'
        f"<figcaption>{html.escape(caption)}{credit_html}</figcaption></figure>"
    )


def site_url(content: str, siteurl: str, relative: bool) -> str:
    """Complete the photo URLs of `content` for a page whose SITEURL is `siteurl`."""
    if relative:
        prefix = posixpath.join(siteurl, "") if siteurl else ""
    else:
        prefix = siteurl.rstrip("/") + "/"
    return content.replace(URL_MARKER, prefix)
