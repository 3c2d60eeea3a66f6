"""The content check: every Markdown article and page read as an editor wrote it.

Pelican skips a file with a bad date, no title or GBK bytes and still exits 0; it never
checks categories, metadata names or links to files. This module reads the files itself
(no Pelican build, so `invoke check` answers in well under a second) and returns every
problem at once as ``path:line: 问题 (problem) — 改法 (fix)``.

The rules are a list of plain functions over parsed files (`ContentFile`), collected in a
`Checks` registry. Another part of the bulletin adds its own rule where it lives:

    from kuaixun.rules.checks import CHECKS

    @CHECKS.per_file
    def subtitle_is_short(file, site):      # -> iterable of Problem
        ...

`@CHECKS.per_site` takes `(site)` for rules across files (duplicate slugs, issues); the
module is imported at the bottom of this one, so every build and `invoke check` run it. A
rule that judges some links itself (photos.check: images) claims them with
`@CHECKS.claims_links`, and the generic link rule leaves them alone: one problem, one message.
See docs/strict-build.md.
"""

from __future__ import annotations

import calendar
import difflib
import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kuaixun.core.problems import Problem

MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkd", ".mdown")
STATUSES = ("published", "draft", "hidden")

# Every metadata key an editor may write (Pelican's own plus ours). Others add theirs with
# METADATA_KEYS.add("key"); anything else is reported as a probable typo.
METADATA_KEYS = {
    "title",
    "subtitle",
    "date",
    "modified",
    "category",
    "authors",
    "author",
    "tags",
    "issue",
    "cover",  # the photos plugin: the photo for listings, feeds and Open Graph
    "summary",
    "slug",
    "status",
    "lang",
    "translation",
    "template",
    "save_as",
    "url",
}
# Chinese names editors reach for first, mapped to the key Pelican understands.
CHINESE_KEYS = {
    "标题": "Title",
    "题目": "Title",
    "副题": "Subtitle",
    "副标题": "Subtitle",
    "日期": "Date",
    "时间": "Date",
    "栏目": "Category",
    "分类": "Category",
    "作者": "Authors",
    "记者": "Authors",
    "标签": "Tags",
    "关键词": "Tags",
    "期": "Issue",
    "期号": "Issue",
    "摘要": "Summary",
    "状态": "Status",
}

# Python-Markdown's meta extension, which Pelican uses to read the header lines.
_KEY_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^[ ]{4,}(?P<value>.*)$")
_YAML_FENCE = re.compile(r"^(-{3}|\.{3})(\s.*)?$")
_WIDE_COLON = re.compile(r"^\s*(?P<key>[^\s:：]+)\s*：\s*(?P<value>.*)$")

_ISO_DATE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
# Any other year-month-day spelling (2020/13/01, 2020.11.27, 2020年11月31日): read to suggest a fix.
_LOOSE_DATE = re.compile(r"(?P<y>\d{4})\D{1,2}(?P<m>\d{1,2})\D{1,2}(?P<d>\d{1,2})")
DATE_FORMAT = "YYYY-MM-DD [HH:MM]"

# Links in the Markdown source: [text](target), ![alt](target), [id]: target, href/src="…".
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<target>[^\s>]+)>?")
# The attributes Pelican rewrites {filename}/{static} links in (Content._get_intrasite_link_regex).
_HTML_LINK = re.compile(
    r"""\b(?:href|src|poster|data|cite|formaction|action|content)\s*=\s*["'](?P<target>[^"']+)["']"""
)
_CODE_SPAN = re.compile(r"`+[^`]*`+")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
# Pelican's INTRASITE_LINK_REGEX default: {filename}x.md, {static}x.png, also |filename|x.md.
_INTRASITE = re.compile(r"^[{|](?P<what>[^}|]*)[}|](?P<path>.*)$")
INTRASITE_KINDS = ("filename", "static", "attach", "category", "tag", "author", "index")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,5}$")
# www.gov.cn, example.org/a.html: a site's address written without its scheme.
_WEB_ADDRESS = re.compile(r"^(www\.|[\w-]+\.(com|cn|org|net|gov|edu)(\.cn)?(/|$))", re.I)


@dataclass(frozen=True)
class Header:
    key: str  # lower-cased, as Pelican stores it
    written: str  # as the editor wrote it
    value: str
    line: int


@dataclass
class ContentFile:
    """One Markdown file as written: header lines with their numbers, body lines."""

    path: Path
    shown: str
    kind: str  # "article" or "page"
    encoding: str = "utf-8"
    headers: list[Header] = field(default_factory=list)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    body_start: int = 1

    def get(self, key: str) -> Header | None:
        return next((h for h in self.headers if h.key == key), None)

    def value(self, key: str) -> str:
        header = self.get(key)
        return header.value.strip() if header else ""

    @property
    def status(self) -> str:
        return self.value("status").lower() or "published"

    def body_lines(self) -> Iterator[tuple[int, str]]:
        """Body lines with their numbers, outside fenced code blocks."""
        fenced = False
        for number, line in enumerate(self.body, start=self.body_start):
            if _FENCE.match(line):
                fenced = not fenced
                continue
            if not fenced:
                yield number, line

    def line_of(self, key: str) -> int:
        header = self.get(key)
        return header.line if header else 1


@dataclass
class Site:
    """What the checks know about the whole content folder."""

    root: Path
    files: list[ContentFile]
    settings: dict
    shown: Callable[[Path], str] = str
    cache: dict = field(default_factory=dict)  # for checks that load something once per run
    checks: Checks | None = None  # the registry being run (its link claims)

    @property
    def categories(self) -> list[str]:
        return list(self.settings.get("CATEGORIES") or [])

    def file_at(self, path: Path) -> ContentFile | None:
        if "files by path" not in self.cache:
            self.cache["files by path"] = {f.path: f for f in self.files}
        return self.cache["files by path"].get(Path(os.path.normpath(path)))


FileCheck = Callable[[ContentFile, Site], Iterable[Problem]]
SiteCheck = Callable[[Site], Iterable[Problem]]
# The links of a file another rule judges itself, as (line, target): the photos plugin's
# images. The generic link rule leaves them alone, so one problem gets one message, the
# most specific ("找不到照片文件 …" rather than "链接 … 指向的文件不存在").
LinkClaim = Callable[[ContentFile, Site], set[tuple[int, str]]]


@dataclass
class Checks:
    """The registry of rules; `CHECKS` below is the one the build and `invoke check` run."""

    file_checks: list[FileCheck] = field(default_factory=list)
    site_checks: list[SiteCheck] = field(default_factory=list)
    link_claims: list[LinkClaim] = field(default_factory=list)

    def per_file(self, check: FileCheck) -> FileCheck:
        if check not in self.file_checks:
            self.file_checks.append(check)
        return check

    def per_site(self, check: SiteCheck) -> SiteCheck:
        if check not in self.site_checks:
            self.site_checks.append(check)
        return check

    def claims_links(self, claim: LinkClaim) -> LinkClaim:
        if claim not in self.link_claims:
            self.link_claims.append(claim)
        return claim

    def claimed_links(self, file: ContentFile, site: Site) -> set[tuple[int, str]]:
        return {link for claim in self.link_claims for link in claim(file, site)}

    def run(self, site: Site) -> list[Problem]:
        site.checks = self
        problems: list[Problem] = []
        for file in site.files:
            for check in self.file_checks:
                problems.extend(check(file, site))
        for check in self.site_checks:
            problems.extend(check(site))
        return problems


CHECKS = Checks()


# --- reading -----------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (a BOM is fine, Pelican drops it), else GBK, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "unknown"


def first_non_utf8_line(data: bytes) -> int:
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 1


def parse(text: str, path: Path, shown: str, kind: str, encoding: str = "utf-8") -> ContentFile:
    """Split a Markdown file into header lines (up to the first blank line) and body."""
    file = ContentFile(path=path, shown=shown, kind=kind, encoding=encoding)
    lines = text.splitlines()
    index = 0
    if lines and _YAML_FENCE.match(lines[0]) and lines[0].startswith("-"):
        index = 1
    while index < len(lines):
        line = lines[index]
        number = index + 1
        index += 1
        if not line.strip() or _YAML_FENCE.match(line):
            break
        match = _KEY_LINE.match(line)
        if match:
            key = match["key"]
            file.headers.append(Header(key.lower(), key, match["value"], number))
        elif _CONTINUATION.match(line) and file.headers:
            last = file.headers[-1]
            file.headers[-1] = Header(
                last.key, last.written, f"{last.value} {line.strip()}", last.line
            )
        else:
            file.bad_lines.append((number, line))
    file.body = lines[index:]
    file.body_start = index + 1
    return file


def read_file(path: Path, shown: str, kind: str) -> ContentFile:
    text, encoding = decode(path.read_bytes())
    return parse(text, path, shown, kind, encoding)


def content_files(settings: dict) -> Iterator[tuple[Path, str]]:
    """(path, kind) of every Markdown article and page, as Pelican's generators find them."""
    root = Path(settings["PATH"])
    ignored = settings.get("IGNORE_FILES") or []
    seen: set[Path] = set()
    # Pages first: Pelican excludes PAGE_PATHS from the articles (ARTICLE_EXCLUDES).
    for kind, paths_key, excludes_key in (
        ("page", "PAGE_PATHS", "PAGE_EXCLUDES"),
        ("article", "ARTICLE_PATHS", "ARTICLE_EXCLUDES"),
    ):
        excludes = [os.path.normpath(root / e) for e in settings.get(excludes_key) or []]
        for folder in settings.get(paths_key) or []:
            base = root / folder
            if base.is_file():
                candidates = [base]
            else:
                candidates = sorted(base.rglob("*")) if base.is_dir() else []
            for path in candidates:
                path = Path(os.path.normpath(path))
                if path in seen or not path.is_file() or path.suffix not in MARKDOWN_EXTENSIONS:
                    continue
                if any(_ignored(part, ignored) for part in path.relative_to(root).parts):
                    continue
                if any(str(path).startswith(e + os.sep) for e in excludes):
                    continue
                seen.add(path)
                yield path, kind


def _ignored(name: str, patterns: list[str]) -> bool:
    return name.startswith(".") or any(fnmatch.fnmatch(name, p) for p in patterns)


def load_site(settings: dict) -> Site:
    root = Path(settings["PATH"]).resolve()
    cwd = Path.cwd().resolve()

    def shown(path: Path) -> str:
        """As bulletin.problems.display_path, without resolving every file of a large site
        again: the paths below the resolved root are already absolute and normalised."""
        path = Path(os.path.normpath(path if path.is_absolute() else root / path))
        return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)

    files = [read_file(p, shown(p), kind) for p, kind in content_files({**settings, "PATH": root})]
    return Site(root=root, files=files, settings=settings, shown=shown)


def check_site(
    settings: dict, only: Iterable[Path] | None = None, checks: Checks | None = None
) -> list[Problem]:
    """Every problem in the content folder settings["PATH"], sorted by file and line.

    `only` limits the report to some files (a pre-commit hook's staged files); the checks
    still see the whole site, so a duplicate slug with an unchanged file is found.
    """
    site = load_site(settings)
    problems = (checks or CHECKS).run(site)
    if only is not None:
        wanted = {site.shown(Path(p).resolve()) for p in only}
        problems = [p for p in problems if p.path in wanted]
    return sorted(set(problems), key=_report_order)


def _report_order(problem: Problem) -> tuple:
    return (problem.path, problem.line or 0, problem.message)


def check_report(problems: list[Problem], checked: int) -> str:
    """What `invoke check` prints: every problem, then one line in Chinese and English."""
    if not problems:
        return f"内容检查通过：{checked} 个文件没有问题。(Content check passed: {checked} files.)"
    lines = [str(p) for p in problems]
    files = len({p.path for p in problems})
    lines.append(
        f"内容检查发现 {len(problems)} 个问题，在 {files} 个文件里。"
        f"(Content check: {len(problems)} problem(s) in {files} file(s).)"
    )
    return "\n".join(lines)


# --- the rules -----------------------------------------------------------------------------


@CHECKS.per_file
def encoding_is_utf8(file: ContentFile, site: Site) -> Iterator[Problem]:
    if file.encoding == "utf-8":
        return
    line = first_non_utf8_line(file.path.read_bytes())
    if file.encoding == "gbk":
        yield Problem(
            file.shown,
            line,
            "文件是 GBK 编码，不是 UTF-8 (file is GBK-encoded, not UTF-8)",
            f"用编辑器以 UTF-8 另存，或运行 iconv -f gbk -t utf-8 {file.shown} -o 新文件 "
            "(save it as UTF-8)",
        )
    elif file.encoding == "utf-16":
        yield Problem(
            file.shown,
            1,
            "文件是 UTF-16 (Unicode) 编码，不是 UTF-8 (file is UTF-16, not UTF-8)",
            "用编辑器以 UTF-8 另存 (save it as UTF-8)",
        )
    else:
        yield Problem(
            file.shown,
            line,
            "文件不是 UTF-8 编码 (file is not UTF-8)",
            "用编辑器以 UTF-8 另存 (save it as UTF-8)",
        )


@CHECKS.per_file
def header_lines_are_key_value(file: ContentFile, site: Site) -> Iterator[Problem]:
    for number, line in file.bad_lines:
        yield Problem(file.shown, number, *_bad_header_line(line.strip()))


def _bad_header_line(line: str) -> tuple[str, str]:
    wide = _WIDE_COLON.match(line)
    if wide and wide["key"] in CHINESE_KEYS:
        key = CHINESE_KEYS[wide["key"]]
        return (
            f'"{line}" 用了中文的键名和冒号 (Chinese key and full-width colon)',
            f"写成 {key}: {wide['value']}",
        )
    if wide:
        return (
            f'"{line}" 用了中文冒号 "：" (full-width colon)',
            f"改成英文冒号加空格：{wide['key']}: {wide['value']} (use an ASCII colon)",
        )
    key = line.split(":", 1)[0].strip()
    if key in CHINESE_KEYS:
        value = line.split(":", 1)[1].strip() if ":" in line else ""
        return (
            f'"{line}" 的键名要用英文 (keys are English words)',
            f"写成 {CHINESE_KEYS[key]}: {value}",
        )
    return (
        f'开头的信息行 "{line}" 不是 "Key: value" 格式 (header line is not "Key: value")',
        "每行写成 Key: value，例如 Title: 标题；信息行和正文之间空一行 "
        "(one Key: value per line, then a blank line before the text)",
    )


@CHECKS.per_file
def metadata_keys_are_known(file: ContentFile, site: Site) -> Iterator[Problem]:
    seen: set[str] = set()
    for header in file.headers:
        if header.key in seen:
            yield Problem(
                file.shown,
                header.line,
                f"{header.written} 写了两次 ({header.written} appears twice)",
                "只保留一行 (keep one)",
            )
        seen.add(header.key)
        if header.key in METADATA_KEYS:
            continue
        close = difflib.get_close_matches(header.key, sorted(METADATA_KEYS), n=1, cutoff=0.6)
        if close:
            fix = f"是不是想写 {close[0].title()}: ? (did you mean {close[0].title()}?)"
        else:
            allowed = ", ".join(k.title() for k in sorted(METADATA_KEYS))
            fix = f"可用的键 (known keys): {allowed}"
        yield Problem(
            file.shown,
            header.line,
            f'不认识的信息项 "{header.written}" (unknown metadata key)',
            fix,
        )


@CHECKS.per_file
def has_title(file: ContentFile, site: Site) -> Iterator[Problem]:
    if not file.value("title"):
        where = "文章" if file.kind == "article" else "页面"
        yield Problem(
            file.shown,
            file.line_of("title"),
            f"{where}没有标题 (missing Title)",
            "在开头加一行 Title: 标题 (add a Title: line)",
        )


@CHECKS.per_file
def date_is_real(file: ContentFile, site: Site) -> Iterator[Problem]:
    header = file.get("date")
    if header is None or not header.value.strip():
        if file.kind == "article":
            yield Problem(
                file.shown,
                header.line if header else 1,
                "文章没有日期 (missing Date)",
                f"在开头加一行 Date: {date.today():%Y-%m-%d} (add Date: {DATE_FORMAT})",
            )
        return
    problem = date_problem(header.value.strip())
    if problem:
        yield Problem(file.shown, header.line, *problem)
    modified = file.get("modified")
    if modified and modified.value.strip():
        problem = date_problem(modified.value.strip())
        if problem:
            yield Problem(file.shown, modified.line, *problem)


def date_problem(value: str) -> tuple[str, str] | None:
    """None for a real YYYY-MM-DD [HH:MM[:SS]] date, else (message, fix) with an example."""
    iso = _ISO_DATE.match(value)
    loose = iso or _LOOSE_DATE.search(value)
    if not loose:
        return (
            f'日期 "{value}" 看不懂 (Date is not a date)',
            f"请写成 2020-11-27 或 2020-11-27 09:30 这样的格式 (use {DATE_FORMAT})",
        )
    y, m, d = int(loose["y"]), int(loose["m"]), int(loose["d"])
    suggestion = _nearest_date(y, m, d)
    real = 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]
    if not real:
        return (
            f'日期 "{value}" 不存在 (Date is not a real date)',
            f"请写成 {suggestion} 这样的格式 (use {DATE_FORMAT})",
        )
    if not iso:
        return (
            f'日期 "{value}" 格式不对 (Date is not in the {DATE_FORMAT} format)',
            f"请写成 {suggestion} (use {DATE_FORMAT})",
        )
    hour, minute, second = (int(iso[k] or 0) for k in ("H", "M", "S"))
    if hour > 23 or minute > 59 or second > 59:
        return (
            f'日期 "{value}" 里的时间不存在 (the time of day is not real)',
            f"时间写成 00:00 到 23:59，例如 {suggestion} 09:30 (use {DATE_FORMAT})",
        )
    return None


def _nearest_date(year: int, month: int, day: int) -> str:
    month = min(max(month, 1), 12)
    day = min(max(day, 1), calendar.monthrange(year, month)[1])
    return f"{year:04d}-{month:02d}-{day:02d}"


@CHECKS.per_file
def category_is_known(file: ContentFile, site: Site) -> Iterator[Problem]:
    allowed = site.categories
    if file.kind != "article" or not allowed:
        return
    value = file.value("category")
    listing = "、".join(allowed)
    if not value:
        yield Problem(
            file.shown,
            file.line_of("category"),
            "文章没有栏目 (missing Category)",
            f"在开头加一行 Category: 栏目名，栏目只能是：{listing} (allowed categories)",
        )
    elif value not in allowed:
        close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.5)
        hint = f"是不是 {close[0]}？" if close else ""
        yield Problem(
            file.shown,
            file.line_of("category"),
            f'栏目 "{value}" 不在栏目表里 (unknown Category)',
            f"{hint}栏目只能是：{listing} (allowed: CATEGORIES in pelicanconf.py)",
        )


@CHECKS.per_file
def status_is_known(file: ContentFile, site: Site) -> Iterator[Problem]:
    header = file.get("status")
    if header and header.value.strip().lower() not in STATUSES:
        yield Problem(
            file.shown,
            header.line,
            f'状态 "{header.value.strip()}" 不认识 (unknown Status)',
            "写 Status: draft（草稿，不发布）或删掉这一行（发布）(draft, hidden or published)",
        )


@CHECKS.per_file
def body_is_not_empty(file: ContentFile, site: Site) -> Iterator[Problem]:
    # A draft may be an empty skeleton; a published article or page may not.
    if file.status == "draft" or file.encoding != "utf-8":
        return
    text = re.sub(r"<!--.*?-->", "", "\n".join(file.body), flags=re.S)
    if not text.strip():
        where = "文章" if file.kind == "article" else "页面"
        yield Problem(
            file.shown,
            len(file.body) + file.body_start - 1 if file.body else max(file.body_start - 1, 1),
            f"{where}正文是空的 (empty body)",
            "在开头信息下面空一行，再写正文；还没写完就加 Status: draft "
            "(write the text after a blank line, or mark it Status: draft)",
        )


@CHECKS.per_site
def explicit_slugs_are_unique(site: Site) -> Iterator[Problem]:
    first: dict[tuple[str, str], ContentFile] = {}
    for file in site.files:
        slug = file.value("slug")
        if not slug:
            continue
        key = (file.kind, slug)
        if key in first:
            other = first[key]
            yield Problem(
                file.shown,
                file.line_of("slug"),
                f'Slug "{slug}" 和 {other.shown}:{other.line_of("slug")} 重复 (duplicate Slug)',
                "给其中一篇换一个 Slug (give one of them another Slug)",
            )
        else:
            first[key] = file


# --- links -------------------------------------------------------------------------------


def without_code(line: str) -> str:
    """A Markdown line without its `code spans`: what they show is not a link."""
    return _CODE_SPAN.sub("", line) if "`" in line else line


def links(file: ContentFile) -> Iterator[tuple[int, str]]:
    """(line, target) of every link and image in the body and Summary, code excluded."""
    summary = file.get("summary")
    lines = [(summary.line, summary.value)] if summary else []
    for number, line in [*lines, *file.body_lines()]:
        # Most lines of a news article are plain text: skip them cheaply.
        if "](" not in line and "]:" not in line and "=" not in line:
            continue
        text = without_code(line)
        for pattern in (_INLINE_LINK, _REFERENCE_LINK, _HTML_LINK):
            for match in pattern.finditer(text):
                yield number, match["target"]


@CHECKS.per_file
def internal_links_resolve(file: ContentFile, site: Site) -> Iterator[Problem]:
    claimed = site.checks.claimed_links(file, site) if site.checks else set()
    for number, target in links(file):
        if (number, target) in claimed:
            continue
        problem = link_problem(target, file, site)
        if problem:
            yield Problem(file.shown, number, *problem)


def link_problem(target: str, file: ContentFile, site: Site) -> tuple[str, str] | None:
    intrasite = _INTRASITE.match(target)
    if intrasite:
        return _intrasite_problem(intrasite["what"], intrasite["path"], target, file, site)
    if _SCHEME.match(target) or target.startswith(("/", "#", "//")):
        return None
    path = unquote(urlsplit(target).path)
    source = Path(os.path.normpath(file.path.parent / path))
    if _WEB_ADDRESS.match(target) and not source.exists():
        return (
            f'链接 "{target}" 像网址，但少了 https:// (a web address without https://)',
            f"写成 https://{target}",
        )
    # Only links to files (x.md, a.png): a folder link like ../about/ points at the built site.
    if not _FILE_SUFFIX.search(path):
        return None
    if source.suffix in MARKDOWN_EXTENSIONS and source.is_file():
        return (
            f'链接 "{target}" 指向 Markdown 源文件，网站上打不开 (links to a source file)',
            f"写成 {{filename}}{path} (use {{filename}} so Pelican links the page)",
        )
    if source.exists():
        return None
    return (
        f'链接 "{target}" 指向的文件不存在 (link to a missing file)',
        _missing_fix(path, file, site),
    )


def _intrasite_problem(
    what: str, path: str, target: str, file: ContentFile, site: Site
) -> tuple[str, str] | None:
    if what not in INTRASITE_KINDS:
        close = difflib.get_close_matches(what, INTRASITE_KINDS, n=1, cutoff=0.5)
        fix = f"是不是 {{{close[0]}}}？" if close else ""
        return (
            f'链接 "{target}" 里的 {{{what}}} 不认识 (unknown link marker)',
            fix + "可用 {filename} 或 {static}",
        )
    if what not in ("filename", "static", "attach"):
        return None
    relative = unquote(urlsplit(path).path)
    if not relative:
        return None
    base = site.root if relative.startswith("/") else file.path.parent
    linked = Path(os.path.normpath(base / relative.lstrip("/")))
    if not linked.is_file():
        return (
            f'链接 "{target}" 指向的文件不存在 (link to a missing file)',
            _missing_fix(relative, file, site),
        )
    if what == "filename":
        linked_file = site.file_at(linked)
        if linked_file is None and linked.suffix in MARKDOWN_EXTENSIONS:
            return (
                f'链接 "{target}" 指向的不是文章或页面 (not an article or page)',
                "只能链接 articles/ 或 pages/ 下的文件 (link an article or a page)",
            )
        if linked_file is None:
            return (
                f'链接 "{target}" 指向图片或附件 (links a static file)',
                f"写成 {{static}}{relative}",
            )
        if linked_file.status == "draft" and file.status != "draft":
            return (
                f'链接 "{target}" 指向草稿，草稿不会发布 (links to a draft: never published)',
                f"先发布 {linked_file.shown}（删掉 Status: draft），或去掉这个链接",
            )
    return None


def _missing_fix(path: str, file: ContentFile, site: Site) -> str:
    name = Path(path).name
    matches = sorted(p for p in site.root.rglob(name) if p.is_file()) if name else []
    if matches:
        relative = os.path.relpath(matches[0], file.path.parent)
        kind = "filename" if matches[0].suffix in MARKDOWN_EXTENSIONS else "static"
        return f"同名文件在 {site.shown(matches[0])}：写成 {{{kind}}}{relative} (the file is there)"
    return (
        "检查文件名和路径；链接文章写 {filename}文件名.md，图片写 {static}/images/图片名 "
        "(check the path)"
    )


# --- rules owned by other parts of the bulletin, registered here so every check runs them ---

from kuaixun.core.issues import issues_are_consistent  # noqa: E402  (期: issue files, Issue:, Order)

CHECKS.per_site(issues_are_consistent)

import kuaixun.rules.photos  # noqa: E402, F401  (photos: alt text, missing, unreadable, too large)
import kuaixun.rules.unsafe_html  # noqa: E402, F401  (no script, frames or event handlers in bodies)
