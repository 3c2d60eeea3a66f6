"""What every content rule works on, and how a list of rules is run; it knows no rule.

Pelican skips a file with a bad date, no title or GBK bytes and still exits 0; it never
checks categories, metadata names or links to files. So the content check reads the files
itself (no Pelican build: `invoke check` answers in well under a second), runs a `Rules`
list over them and returns every problem at once as ``path:line: 问题 (problem) — 改法 (fix)``.
The list the build and `invoke check` run is `kuaixun.rules.RULES`; see docs/strict-build.md.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from kuaixun.core.frontmatter import FrontMatter, Header, read_front_matter, split_lines
from kuaixun.core.markdown import outside_code_blocks
from kuaixun.core.memo import Memo, digest
from kuaixun.core.problems import Problem

MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkd", ".mdown")
T = TypeVar("T")


@dataclass
class ContentFile:
    """One Markdown article or page as written: its front matter and body, line-numbered."""

    path: Path
    shown: str
    kind: str  # "article" or "page"
    encoding: str = "utf-8"
    front: FrontMatter = field(default_factory=FrontMatter)
    lines: list[str] = field(default_factory=list)  # as written, split at line breaks only
    digest: str = ""  # of the file's bytes
    # What rules found in the text alone (its links, its photos), kept while the file is the
    # same: a file read once serves every check of a long-lived process (CheckMemory).
    derived: dict = field(default_factory=dict, compare=False, repr=False)

    def get(self, key: str) -> Header | None:
        return self.front.get(key)

    def value(self, key: str) -> str:
        return self.front.value(key)

    @property
    def status(self) -> str:
        return self.value("status").lower() or "published"

    def body_lines(self) -> list[tuple[int, str]]:
        """Body lines with their numbers, outside fenced code blocks (found once: the links,
        photos and nesting rules each read them, in a build's two checks)."""
        if "body lines" not in self.derived:
            self.derived["body lines"] = list(outside_code_blocks(self.front.numbered_body()))
        return self.derived["body lines"]

    def line_of(self, key: str) -> int:
        header = self.get(key)
        return header.line if header else 1


class CheckMemory:
    """What a check read and judged, each with the stamp (size, time of change …) of what it
    was made from: a process that checks again and again (the preview) reads and judges only
    what changed since. A one-off check starts with an empty one."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[tuple[int, int], ContentFile]] = {}
        self._verdicts: dict[tuple, tuple[tuple, object]] = {}

    def read(self, path: Path | str, shown: str, kind: str) -> ContentFile:
        """The content file, read again when it changed."""
        name = os.fspath(path)  # (a site has thousands: no Path made for a file kept)
        status = os.stat(name)
        stamp = (status.st_mtime_ns, status.st_size)
        kept = self._files.get(name)
        if kept and kept[0] == stamp and (kept[1].shown, kept[1].kind) == (shown, kind):
            return kept[1]
        file = read_file(Path(name), shown, kind)
        self._files[name] = (stamp, file)
        return file

    def verdict(self, key: tuple, stamp: tuple, judge: Callable[[], T]) -> T:
        """judge(), or what it said last time for `key` when `stamp` is the same."""
        kept = self._verdicts.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]  # type: ignore[return-value]
        found = judge()
        self._verdicts[key] = (stamp, found)
        return found


@dataclass
class Site:
    """What the rules know about the whole content folder."""

    root: Path
    files: list[ContentFile]
    settings: dict
    shown: Callable[[Path], str] = str
    cache: dict = field(default_factory=dict)  # for rules that load something once per run
    rules: Rules | None = None  # the rules being run (their link claims)
    memory: CheckMemory = field(default_factory=CheckMemory)

    @property
    def categories(self) -> list[str]:
        return list(self.settings.get("CATEGORIES") or [])

    def file_at(self, path: Path) -> ContentFile | None:
        if "files by path" not in self.cache:
            self.cache["files by path"] = {f.path: f for f in self.files}
        return self.cache["files by path"].get(Path(os.path.normpath(path)))

    def claimed_links(self, file: ContentFile) -> set[tuple[int, str]]:
        return self.rules.claimed_links(file, self) if self.rules else set()


FileRule = Callable[[ContentFile, Site], Iterable[Problem]]
SiteRule = Callable[[Site], Iterable[Problem]]
# The links of a file another rule judges itself, as (line, target): the photos rule's
# images. The generic link rule leaves them alone, so one problem gets one message, the
# most specific ("找不到照片文件 …" rather than "链接 … 指向的文件不存在").
LinkClaim = Callable[[ContentFile, Site], set[tuple[int, str]]]


@dataclass(frozen=True)
class Rules:
    """A list of rules: over each file's own text, over each file, over the whole site, and
    the links some claim.

    A `per_text` rule judges a file by its bytes and the settings alone, so its verdict can
    be remembered between builds (a `Memo`, keyed by the file's bytes and path); a `per_file`
    rule also looks at other files (links, photos, templates) and runs every time.
    """

    per_text: tuple[FileRule, ...] = ()
    per_file: tuple[FileRule, ...] = ()
    per_site: tuple[SiteRule, ...] = ()
    claims_links: tuple[LinkClaim, ...] = ()
    # Rules of per_file whose verdict on a file depends on other files too (a link to a file
    # now gone, or now a draft): a check of some files only runs these on every file.
    across_files: tuple[FileRule, ...] = ()

    def claimed_links(self, file: ContentFile, site: Site) -> set[tuple[int, str]]:
        return {link for claim in self.claims_links for link in claim(file, site)}

    def run(
        self, site: Site, only: Iterable[Path] | None = None, memo: Memo | None = None
    ) -> list[Problem]:
        """Every problem, or with `only` those of these files (found by every rule), of other
        files that depend on them (across_files) and of the whole site (per_site). `memo`
        remembers the per_text verdicts by the file's bytes and path."""
        site.rules = self
        problems: list[Problem] = []
        wanted = None if only is None else set(only)
        # A verdict is remembered for this list of rules: another list judges differently.
        rules = digest(*(f"{rule.__module__}.{rule.__qualname__}" for rule in self.per_text))
        for file in site.files:
            chosen = self.across_files  # a file not changed: only what other files change
            if wanted is None or file.path in wanted:
                problems.extend(self.text_problems(file, site, memo, rules))
                chosen = self.per_file
            for rule in chosen:
                problems.extend(rule(file, site))
        for site_rule in self.per_site:
            problems.extend(site_rule(site))
        return problems

    def text_problems(
        self, file: ContentFile, site: Site, memo: Memo | None, rules: str
    ) -> list[Problem]:
        def judge() -> list[Problem]:
            return [problem for rule in self.per_text for problem in rule(file, site)]

        if memo is None or not file.digest:
            return judge()
        return memo.remember(digest(rules, file.shown, file.kind, file.digest), judge)


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


def read_file(path: Path, shown: str, kind: str) -> ContentFile:
    data = path.read_bytes()
    text, encoding = decode(data)
    front, lines = read_front_matter(text), split_lines(text)
    return ContentFile(path, shown, kind, encoding, front, lines, digest(data))


def content_files(settings: dict) -> Iterator[tuple[str, str]]:
    """(path, kind) of every Markdown article and page, as Pelican's generators find them;
    the paths as strings (a site has thousands)."""
    root = os.path.normpath(settings["PATH"])
    ignored = settings.get("IGNORE_FILES") or []
    seen: set[str] = set()
    # Pages first: Pelican excludes PAGE_PATHS from the articles (ARTICLE_EXCLUDES).
    for kind, paths_key, excludes_key in (
        ("page", "PAGE_PATHS", "PAGE_EXCLUDES"),
        ("article", "ARTICLE_PATHS", "ARTICLE_EXCLUDES"),
    ):
        excludes = tuple(
            os.path.normpath(os.path.join(root, e)) + os.sep
            for e in settings.get(excludes_key) or []
        )
        for folder in settings.get(paths_key) or []:
            for path in _candidates(root, folder, ignored):
                if path not in seen and _is_content(path, excludes):
                    seen.add(path)
                    yield path, kind


def _candidates(root: str, folder: str, ignored: list[str]) -> list[str]:
    """The files under root/folder that no part of their path from root hides (a dot file,
    IGNORE_FILES), links not followed (rules/files.py reports every link), in the order of
    their paths' parts. Strings, not Paths: a site has thousands."""
    base = os.path.normpath(os.path.join(root, folder))
    if any(_ignored(part, ignored) for part in os.path.relpath(base, root).split(os.sep)):
        return []
    if os.path.isfile(base):
        return [base]
    paths = []
    for where, folders, names in os.walk(base, followlinks=False):
        folders[:] = [name for name in folders if not _ignored(name, ignored)]
        paths += [os.path.join(where, name) for name in names if not _ignored(name, ignored)]
    return sorted(paths, key=lambda path: path.split(os.sep))


def _is_content(path: str, excludes: tuple[str, ...]) -> bool:
    """A Markdown file Pelican reads: a plain file, in no excluded folder."""
    if os.path.splitext(path)[1] not in MARKDOWN_EXTENSIONS or path.startswith(excludes):
        return False
    try:  # a FIFO named x.md would block reading for ever; a link is not followed
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _ignored(name: str, patterns: list[str]) -> bool:
    return name.startswith(".") or any(fnmatch.fnmatch(name, p) for p in patterns)


def load_site(settings: dict, memory: CheckMemory | None = None) -> Site:
    """The content folder settings["PATH"] as the rules see it; with `memory`, the files read
    and judged before are taken from it where unchanged."""
    root = Path(settings["PATH"]).resolve()
    cwd = Path.cwd().resolve()
    below_cwd = os.path.join(cwd, "")

    def shown(path: Path | str) -> str:
        """As core.problems.display_path, without resolving every file of a large site
        again: the paths below the resolved root are already absolute and normalised."""
        text = os.path.normpath(path if os.path.isabs(path) else root / path)
        return text[len(below_cwd) :] if text.startswith(below_cwd) else text

    memory = memory or CheckMemory()
    found = content_files({**settings, "PATH": str(root)})
    files = [memory.read(path, shown(path), kind) for path, kind in found]
    return Site(root=root, files=files, settings=settings, shown=shown, memory=memory)


# --- running and reporting ---------------------------------------------------------------


def run_rules(
    settings: dict, rules: Rules, only: Iterable[Path] | None = None, memo: Memo | None = None
) -> list[Problem]:
    """Every problem `rules` find in the content folder settings["PATH"], sorted by file and
    line. `only` limits the report to some files (a pre-commit hook's staged files); the rules
    still see the whole site, so a duplicate slug with an unchanged file is found. `memo`
    remembers the per_text rules' verdicts (a build's, under its versioned cache folder)."""
    site = load_site(settings)
    problems = rules.run(site, memo=memo)
    if only is not None:
        wanted = {site.shown(Path(p).resolve()) for p in only}
        problems = [p for p in problems if p.path in wanted]
    return in_report_order(problems)


def in_report_order(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, by file, line and message."""
    return sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.message))


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
