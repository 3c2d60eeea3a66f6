"""What may be in content/ at all: the files Pelican would read or publish as they are.

The other rules read Markdown; Pelican also copies static files and every `{static}` or
`{attach}` target byte for byte, follows symbolic links and reads any file named `.md`. So
every file under content/ is judged here, without following links and without reading a file
that is not a plain one (a FIFO would block the build): a symbolic link, a hard link, a
device or FIFO, a file type a browser would run (SVG, HTML, JavaScript …), a file whose
bytes are not what its name says (x.svg.jpg that is really SVG), a name with invisible
characters, two names one host would take for one. What an editor may publish, and why, is
in docs/security.md.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from kuaixun.core.icon import IconError, icon_data_url
from kuaixun.core.issues import DEFAULT_SETTINGS as ISSUE_DEFAULTS
from kuaixun.core.problems import Problem
from kuaixun.rules.registry import MARKDOWN_EXTENSIONS, Site

# What an editor may publish: Markdown (read by the check and the build), photos, plain
# documents, the favicon and the search dictionary. Each with the bytes it starts with:
# a browser trusts a file's bytes as much as its name.
_JPEG = (b"\xff\xd8\xff",)
PUBLISHABLE: dict[str, tuple[bytes, ...]] = {
    **dict.fromkeys(MARKDOWN_EXTENSIONS, ()),
    ".txt": (),
    ".jpg": _JPEG,
    ".jpeg": _JPEG,
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),  # then 4 bytes of length, then WEBP: checked below
    ".pdf": (b"%PDF-",),
    ".ico": (b"\x00\x00\x01\x00",),
}
# Text that a browser could take for markup, at the start of a file published as text.
_MARKUP_START = (b"<", b"\xef\xbb\xbf<")
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


def _ignored(relative: str, name: str, patterns: list[str]) -> bool:
    """As IGNORE_FILES (pelicanconf.py: ".*"): editors' hidden files are never read."""
    return name.startswith(".") or any(
        fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p) for p in patterns
    )


def walk(
    root: Path, ignore: list[str], skipped: list[Path] | None = None
) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry under root (folders too), with its lstat; links are never followed.
    The files left out as ignored are added to `skipped`."""
    below_root = os.path.join(root, "")
    for folder, dirs, names in os.walk(root, followlinks=False):
        for name in sorted(dirs + names):
            path = os.path.join(folder, name)
            if _ignored(path.removeprefix(below_root), name, ignore):
                if name in dirs:
                    dirs.remove(name)
                elif skipped is not None:
                    skipped.append(Path(path))
                continue
            try:
                yield Path(path), os.lstat(path)
            except OSError:
                continue


def entry_problem(path: Path, info: os.stat_result) -> tuple[str, str] | None:
    """A symbolic link, a hard link, a FIFO or device: what no build may read or publish."""
    if stat.S_ISLNK(info.st_mode):
        return (
            f"{path.name} 是符号链接，会把 content/ 以外的文件发布出去 (a symbolic link)",
            "删掉链接，把文件本身复制进来 (replace the link with a copy of the file)",
        )
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISREG(info.st_mode):
        return (
            f"{path.name} 不是普通文件 (not a regular file: FIFO, socket or device)",
            "删掉它 (remove it)",
        )
    if info.st_nlink > 1:
        return (
            f"{path.name} 是硬链接，和 content/ 以外的文件共用内容 (a hard link)",
            "复制一份代替链接：cp 而不是 ln (replace it with a copy)",
        )
    return None


def name_problem(path: Path) -> tuple[str, str] | None:
    """A name with control, bidirectional or other invisible characters misleads a reader
    (U+202E turns x.gpj.svg into x.svg.jpg on screen)."""
    hidden = [c for c in path.name if unicodedata.category(c) in _INVISIBLE]
    if not hidden:
        return None
    codes = " ".join(f"U+{ord(c):04X}" for c in hidden)
    return (
        f"文件名 {path.name!r} 里有看不见的字符 {codes} (invisible characters in the name)",
        "重新输入文件名，只用看得见的字 (retype the name)",
    )


# The one file without an extension an editor may keep: content/extra/CNAME, the site's own
# domain for hosts that read it (docs/deploy.md) — one host name and nothing else.
_CNAME = re.compile(
    rb"^(?=.{1,253}\s*$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\s*$", re.I
)


def type_problem(path: Path) -> tuple[str, str] | None:
    """A file type an editor may not publish, or bytes that are not what the name says."""
    if path.name == "CNAME":
        if _CNAME.match(path.read_bytes()[:300]):
            return None
        return (
            "CNAME 里只能写网站的域名，一行 (the custom-domain file holds one host name)",
            "写成 news.example.org 这样的一行 (see docs/deploy.md)",
        )
    suffix = path.suffix.lower()
    if suffix not in PUBLISHABLE:
        kinds = "Markdown (.md)、照片 (.jpg .png .webp .gif)、PDF 文档"
        return (
            f'不能发布 "{path.suffix or path.name}" 文件：浏览器可能会执行它，或网站不用它 '
            f"(file type not publishable)",
            f"只能放 {kinds}；SVG、HTML、脚本请交给网站维护者 (see docs/security.md)",
        )
    if not _content_matches(path, suffix):
        return (
            f"{path.name} 的内容不是 {suffix} 文件 (its bytes are not a {suffix} file)",
            f"用真正的 {suffix} 文件，或改成它真正的扩展名 (save it in its real format)",
        )
    if suffix == ".ico":
        # Every page carries the icon inside it (hooks/icon.py): it must open as one.
        try:
            icon_data_url(path)
        except IconError as error:
            return (
                f"{path.name} 打不开，不是完好的图标文件 (not a readable icon: {error})",
                "用图片软件重新导出 .ico 文件，最大 256×256 (export the icon again)",
            )
    return None


def _content_matches(path: Path, suffix: str) -> bool:
    magic = PUBLISHABLE[suffix]
    if not magic and suffix in MARKDOWN_EXTENSIONS:
        return True  # any text is Markdown: nothing to read (the content check reads it)
    try:
        with path.open("rb") as handle:
            start = handle.read(16)
    except OSError:
        return False
    if not magic:  # text: the dictionary. Never a page a browser would render.
        return not start.lstrip().startswith(_MARKUP_START)
    if suffix == ".webp" and start[8:12] != b"WEBP":
        return False
    return start.startswith(magic)


def _same_name(site: Site, paths: list[Path]) -> Iterator[Problem]:
    """Two names one host takes for one (macOS, Windows: case; NFC and NFD)."""
    seen: dict[str, Path] = {}
    below_root = os.path.join(site.root, "")
    for path in paths:
        key = unicodedata.normalize("NFKC", str(path).removeprefix(below_root)).casefold()
        if key in seen:
            yield Problem(
                site.shown(path),
                None,
                f"{path.name} 和 {site.shown(seen[key])} 在有的电脑上是同一个名字 "
                "(two names a host reads as one)",
                "给其中一个改名 (rename one)",
            )
        seen.setdefault(key, path)


def content_tree_is_safe(site: Site) -> Iterator[Problem]:
    """Every file under content/: a plain file, of a kind an editor may publish; and no
    article the build would leave out in silence."""
    files: list[Path] = []
    skipped: list[Path] = []
    for path, info in walk(site.root, site.settings.get("IGNORE_FILES") or [], skipped):
        problem = entry_problem(path, info) or name_problem(path)
        if problem is None and stat.S_ISREG(info.st_mode):
            files.append(path)
            # Read again only when changed (the preview checks after every save).
            stamp = (info.st_size, info.st_mtime_ns, info.st_ino)
            problem = site.memory.verdict(("type", str(path)), stamp, partial(type_problem, path))
            problem = problem or unread_problem(path, site) or size_problem(path, info, site)
        if problem:
            yield Problem(site.shown(path), None, *problem)
    for path in skipped:
        if path.suffix.lower() in MARKDOWN_EXTENSIONS and not path.name.startswith(".#"):
            # (.#x.md is the lock an editor such as Emacs keeps while x.md is open)
            yield Problem(
                site.shown(path),
                None,
                f"{path.name} 的名字以 . 开头，是隐藏文件，网站不会发布它 (a hidden file is "
                "never published)",
                f"改名为 {path.name.lstrip('.')}；不想发布的文章写 Status: draft",
            )
    yield from _same_name(site, files)


# The largest Markdown file: ten times the longest of 7,246 real news articles (94 KB); past
# it a file is a paste gone wrong, and the check and the build would read it whole.
MAX_MARKDOWN_BYTES = 1_000_000
# The largest file published as it is (a PDF, a photo under images/): what Cloudflare Pages
# takes (25 MiB a file; GitHub Pages warns at 50 MB). Photos beside articles are re-encoded
# and have their own limit (PHOTOS_MAX_BYTES, rules/photos.py).
MAX_PUBLISHED_BYTES = 25 * 1024 * 1024
_PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


def size_problem(path: Path, info: os.stat_result, site: Site) -> tuple[str, str] | None:
    """A Markdown file over MAX_MARKDOWN_BYTES, or a file published as it is over
    MAX_PUBLISHED_BYTES."""
    suffix, size = path.suffix.lower(), info.st_size
    if suffix in MARKDOWN_EXTENSIONS:
        if size <= MAX_MARKDOWN_BYTES:
            return None
        return (
            f"{path.name} 有 {size / 1e6:.1f} MB，一篇文章最多 {MAX_MARKDOWN_BYTES / 1e6:g} MB "
            "(a Markdown file this large is not an article)",
            "检查是不是粘贴了别的东西；确实很长的稿件分成几篇",
        )
    statics = [site.root / folder for folder in site.settings.get("STATIC_PATHS", [])]
    as_is = suffix not in _PHOTO_SUFFIXES or any(path.is_relative_to(f) for f in statics)
    if not as_is or size <= MAX_PUBLISHED_BYTES:
        return None
    return (
        f"{path.name} 有 {size / 1e6:.1f} MB，超过 {MAX_PUBLISHED_BYTES >> 20} MB "
        "(a file over what static hosts take)",
        "压缩或拆分这个文件；PDF 可以用“另存为较小的文件”",
    )


# A text file that starts as an article does, in a folder of articles or pages: its editor
# meant an article, which the build would leave out (Pelican reads .md, in lower case).
_ARTICLE_START = re.compile(r"^\ufeff?\s*(?:title|标题)\s*[:：]", re.IGNORECASE)


# An issue file saved as .txt: the issue pages read content/issues/*.md only.
_ISSUE_START = re.compile(r"^\ufeff?\s*(?:number|期号)\s*[:：]", re.IGNORECASE)


def unread_problem(path: Path, site: Site) -> tuple[str, str] | None:
    """A Markdown file the build would not read: its extension in capitals (x.MD), or in a
    folder no one reads Markdown from (articles/, pages/, issues/), where Pelican left an
    article out in silence, or copied it as it is, a draft and its <!-- notes --> with it,
    when the folder was published as it is (images/, extra/); or an article saved as .txt
    under those folders, an issue under issues/."""
    suffix = path.suffix
    if suffix.lower() in MARKDOWN_EXTENSIONS and suffix != suffix.lower():
        return (
            f"{path.name} 的扩展名是大写的 {suffix}，网站不会读它 (the build reads .md only)",
            f"改名为 {path.stem}{suffix.lower()}",
        )
    read = [*site.settings.get("ARTICLE_PATHS", []), *site.settings.get("PAGE_PATHS", [])]
    issues = site.settings.get("ISSUES_PATH", ISSUE_DEFAULTS["ISSUES_PATH"])
    if suffix in MARKDOWN_EXTENSIONS:
        if any(path.is_relative_to(site.root / folder) for folder in [*read, issues]):
            return None
        statics = site.settings.get("STATIC_PATHS", [])
        published = any(path.is_relative_to(site.root / folder) for folder in statics)
        where = "会被原样发布，连同草稿和注释" if published else "不会被发布"
        return (
            f"{path.name} 不在 articles/、pages/ 或 issues/ 里：网站不会把它当文章读，"
            f"它{where} (a Markdown file outside the folders the build reads)",
            "文章放到 articles/年/月/ 里，页面放到 pages/ 里，期文件放到 issues/ 里；"
            "不要的稿件删掉",
        )
    if suffix.lower() != ".txt":
        return None
    if path.is_relative_to(site.root / issues):
        start, folders = _ISSUE_START, [issues]
    else:
        start, folders = _ARTICLE_START, read
    if not any(path.is_relative_to(site.root / folder) for folder in folders):
        return None
    with path.open("rb") as handle:
        if not start.match(handle.read(64).decode("utf-8", "replace")):
            return None
    return (
        f"{path.name} 是 .txt 文件，网站不会把它当文章或期文件读 (a .txt file is not read)",
        f"改名为 {path.stem}.md",
    )


def unsafe_entries(settings: dict) -> list[Path]:
    """The links, FIFOs and devices under content/: a build must not start reading them."""
    root = Path(settings["PATH"]).resolve()
    found = []
    for path, info in walk(root, settings.get("IGNORE_FILES") or []):
        if entry_problem(path, info) and not stat.S_ISREG(info.st_mode):
            found.append(path)
    return found


def inside(path: Path, root: Path) -> bool:
    """Whether a path (resolved without following links) stays inside the content folder."""
    return Path(os.path.normpath(path)).is_relative_to(root)
