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

from kuaixun.core.frontmatter import FrontMatter, Header, read_front_matter, split_lines
from kuaixun.core.markdown import outside_code_blocks
from kuaixun.core.memo import Memo, digest
from kuaixun.core.problems import Problem

MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkd", ".mdown")


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

    def get(self, key: str) -> Header | None:
        return self.front.get(key)

    def value(self, key: str) -> str:
        return self.front.value(key)

    @property
    def status(self) -> str:
        return self.value("status").lower() or "published"

    def body_lines(self) -> Iterator[tuple[int, str]]:
        """Body lines with their numbers, outside fenced code blocks."""
        return outside_code_blocks(self.front.numbered_body())

    def line_of(self, key: str) -> int:
        header = self.get(key)
        return header.line if header else 1


@dataclass
class Site:
    """What the rules know about the whole content folder."""

    root: Path
    files: list[ContentFile]
    settings: dict
    shown: Callable[[Path], str] = str
    cache: dict = field(default_factory=dict)  # for rules that load something once per run
    rules: Rules | None = None  # the rules being run (their link claims)

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

    def claimed_links(self, file: ContentFile, site: Site) -> set[tuple[int, str]]:
        return {link for claim in self.claims_links for link in claim(file, site)}

    def run(self, site: Site, memo: Memo | None = None) -> list[Problem]:
        site.rules = self
        problems: list[Problem] = []
        # A verdict is remembered for this list of rules: another list judges differently.
        rules = digest(*(f"{rule.__module__}.{rule.__qualname__}" for rule in self.per_text))
        for file in site.files:
            problems.extend(self.text_problems(file, site, memo, rules))
            for rule in self.per_file:
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


def content_files(settings: dict) -> Iterator[tuple[Path, str]]:
    """(path, kind) of every Markdown article and page, as Pelican's generators find them."""
    root = Path(settings["PATH"])
    seen: set[Path] = set()
    # Pages first: Pelican excludes PAGE_PATHS from the articles (ARTICLE_EXCLUDES).
    for kind, paths_key, excludes_key in (
        ("page", "PAGE_PATHS", "PAGE_EXCLUDES"),
        ("article", "ARTICLE_PATHS", "ARTICLE_EXCLUDES"),
    ):
        excludes = [os.path.normpath(root / e) for e in settings.get(excludes_key) or []]
        for folder in settings.get(paths_key) or []:
            for path in _candidates(root / folder):
                if path not in seen and _is_content(path, root, excludes, settings):
                    seen.add(path)
                    yield path, kind


def _candidates(base: Path) -> list[Path]:
    """The files under base, links not followed (rules/files.py reports every link)."""
    if base.is_file():
        return [Path(os.path.normpath(base))]
    paths = [Path(d) / n for d, _, names in os.walk(base, followlinks=False) for n in names]
    return [Path(os.path.normpath(path)) for path in sorted(paths)]


def _plain_file(path: Path) -> bool:
    """A regular file, not a link to one: a FIFO named x.md would block reading for ever."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _is_content(path: Path, root: Path, excludes: list[str], settings: dict) -> bool:
    if path.suffix not in MARKDOWN_EXTENSIONS or not _plain_file(path):
        return False
    ignored = settings.get("IGNORE_FILES") or []
    if any(_ignored(part, ignored) for part in path.relative_to(root).parts):
        return False
    return not any(str(path).startswith(e + os.sep) for e in excludes)


def _ignored(name: str, patterns: list[str]) -> bool:
    return name.startswith(".") or any(fnmatch.fnmatch(name, p) for p in patterns)


def load_site(settings: dict) -> Site:
    root = Path(settings["PATH"]).resolve()
    cwd = Path.cwd().resolve()

    def shown(path: Path) -> str:
        """As core.problems.display_path, without resolving every file of a large site
        again: the paths below the resolved root are already absolute and normalised."""
        path = Path(os.path.normpath(path if path.is_absolute() else root / path))
        return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)

    files = [read_file(p, shown(p), kind) for p, kind in content_files({**settings, "PATH": root})]
    return Site(root=root, files=files, settings=settings, shown=shown)


# --- running and reporting ---------------------------------------------------------------


def run_rules(
    settings: dict, rules: Rules, only: Iterable[Path] | None = None, memo: Memo | None = None
) -> list[Problem]:
    """Every problem `rules` find in the content folder settings["PATH"], sorted by file and
    line. `only` limits the report to some files (a pre-commit hook's staged files); the rules
    still see the whole site, so a duplicate slug with an unchanged file is found. `memo`
    remembers the per_text rules' verdicts (a build's, under its versioned cache folder)."""
    site = load_site(settings)
    problems = rules.run(site, memo)
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
