"""Import articles from JSON lines (an old CMS's export, or the benchmark corpus) as Markdown.

Each line is one record: ``title`` and ``text`` (required), ``date``, ``category``,
``authors``, ``tags``, ``id`` (optional). A record becomes one Markdown file with the
editors' front matter (Title, Date, Category, Authors, Tags, Slug) under
``DEST/YYYY/MM/slug.md``. Nothing is dropped silently: an invalid record is a Problem
(``FILE:LINE: what is wrong — how to fix``) and fails the import unless the caller skips
invalid records; duplicate slugs follow the cjk plugin's collision rule and duplicate ids
get a suffix for hashing, both reported as notes.

Missing values are derived, never random, so the same input gives byte-identical files:
- Date: a minute between DERIVED_DATES_FROM and DERIVED_DATES_UNTIL picked by the
  SHA-256 of the record's key (its ``id``, else its title and text).
- Category: CATEGORIES[hash % len(CATEGORIES)] from other bytes of the same hash.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from kuaixun.core.cjk.slugs import pinyin_slug, unique_slug
from kuaixun.core.frontmatter import has_list_separator, split_list
from kuaixun.core.problems import Problem

FIELDS = ("id", "title", "text", "date", "category", "authors", "tags")
FIELD_NAMES_ZH = {"title": "标题", "text": "正文", "authors": "记者", "tags": "标签"}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
)
DERIVED_DATES_FROM = datetime(2015, 1, 1, 0, 0)
DERIVED_DATES_UNTIL = datetime(2021, 1, 1, 0, 0)
# Separators editors use between names: ASCII and full-width commas, the enumeration comma.
# Paragraph breaks: any newline, or a run of two or more spaces (the inews export folded
# its line breaks into double spaces; U+3000 indents count as spaces too).
PARAGRAPH_BREAK = re.compile(r"\s*\n\s*|\s{2,}")


@dataclass(frozen=True)
class Record:
    """One valid input line, with its values checked but nothing derived yet."""

    line: int
    id: str | None
    title: str
    paragraphs: tuple[str, ...]
    date: datetime | None
    category: str | None
    authors: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class ImportedArticle:
    """The Markdown file a record becomes, relative to the destination folder."""

    line: int
    relpath: str
    slug: str
    markdown: str


@dataclass
class ImportResult:
    articles: list[ImportedArticle] = field(default_factory=list)
    invalid: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    ignored_fields: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- reading and checking


def read_lines(path: Path) -> Iterable[tuple[int, bytes]]:
    """(line number, raw bytes) for each non-blank line; .gz files are decompressed."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if raw.strip():
                yield number, raw


def parse_record(
    raw: bytes, line: int, source: str, categories: Sequence[str]
) -> tuple[Record | None, list[Problem], list[str]]:
    """Check one line: (record or None, its problems, the names of fields we do not use)."""

    def problem(message: str, fix: str) -> Problem:
        return Problem(source, line, message, fix)

    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        return None, [problem(f"不是 UTF-8 (not UTF-8: {error.reason})", "把文件另存为 UTF-8")], []
    except json.JSONDecodeError as error:
        return (
            None,
            [problem(f"不是合法的 JSON (bad JSON: {error.msg})", "每行写一个 JSON 对象")],
            [],
        )
    if not isinstance(data, dict):
        kind = type(data).__name__
        return (
            None,
            [
                problem(
                    f"不是 JSON 对象 (a JSON {kind}, not an object)", '写成 {"title": …, "text": …}'
                )
            ],
            [],
        )

    problems: list[Problem] = []
    title = _required_text(data, "title", problem, problems)
    text = _required_text(data, "text", problem, problems)
    record_id = data.get("id")
    if isinstance(record_id, bool) or not isinstance(record_id, str | int | None):
        problems.append(
            problem(
                f'"id" 应为字符串或整数 (id is a {type(record_id).__name__})', '写成 "id": "a-17"'
            )
        )
        record_id = None
    date = _date(data.get("date"), problem, problems)
    category = _category(data.get("category"), categories, problem, problems)
    authors = _names(data, "authors", problem, problems)
    tags = _names(data, "tags", problem, problems)
    ignored = sorted(set(data) - set(FIELDS))
    if problems:
        return None, problems, ignored
    paragraphs = tuple(p for p in PARAGRAPH_BREAK.split(text) if p)
    record = Record(
        line=line,
        id=None if record_id is None else str(record_id),
        title=" ".join(title.split()),
        paragraphs=paragraphs,
        date=date,
        category=category,
        authors=authors,
        tags=tags,
    )
    return record, [], ignored


def _required_text(data: dict, name: str, problem, problems: list[Problem]) -> str:
    value, zh = data.get(name), FIELD_NAMES_ZH[name]
    if value is None:
        problems.append(problem(f'缺少{zh} "{name}" (missing {name})', f'加上 "{name}": "…"'))
    elif not isinstance(value, str):
        kind = type(value).__name__
        problems.append(
            problem(f'{zh} "{name}" 应为字符串 ({name} is a {kind})', f'写成 "{name}": "…"')
        )
    elif not value.strip():
        problems.append(
            problem(f'{zh} "{name}" 是空的 ({name} is empty)', f"填写{zh}，或删除这一行")
        )
    else:
        return value
    return ""


def _date(value, problem, problems: list[Problem]) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        for layout in DATE_FORMATS:
            try:
                return datetime.strptime(value.strip(), layout)
            except ValueError:
                continue
    shown = json.dumps(value, ensure_ascii=False)
    problems.append(
        problem(
            f"日期 {shown} 不是日期 (date is not a date)", '写成 "2020-11-27" 或 "2020-11-27 09:30"'
        )
    )
    return None


def _category(value, categories: Sequence[str], problem, problems: list[Problem]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip() in categories:
        return value.strip()
    shown = json.dumps(value, ensure_ascii=False)
    problems.append(
        problem(
            f"栏目 {shown} 不在栏目列表中 (unknown category)",
            "改为其中之一: " + "、".join(categories),
        )
    )
    return None


def _names(data: dict, name: str, problem, problems: list[Problem]) -> tuple[str, ...]:
    """Authors or tags: a string separated as in front matter (split_list), or a list."""
    value = data.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(split_list(value))
    if isinstance(value, list) and all(isinstance(n, str) for n in value):
        names = [n.strip() for n in value if n.strip()]
        if any(has_list_separator(n) for n in names):
            problems.append(
                problem(
                    f'"{name}" 的一项里有逗号或顿号 (an item contains a separator)',
                    "每项只写一个名字",
                )
            )
        return tuple(names)
    problems.append(
        problem(
            f'"{name}" 应为字符串或字符串列表 ({name} is a {type(value).__name__})',
            f'写成 "{name}": ["甲", "乙"] 或 "{name}": "甲、乙"',
        )
    )
    return ()


# ---------------------------------------------------------------- deriving and writing


def record_key(record: Record) -> str:
    """What the derived date and category hash: the id when there is one."""
    return (
        record.id if record.id is not None else record.title + "\n" + "\n".join(record.paragraphs)
    )


def derived_date(key: str) -> datetime:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    minutes = int((DERIVED_DATES_UNTIL - DERIVED_DATES_FROM).total_seconds() // 60)
    return DERIVED_DATES_FROM + timedelta(minutes=int.from_bytes(digest[:8], "big") % minutes)


def derived_category(key: str, categories: Sequence[str]) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return categories[int.from_bytes(digest[8:16], "big") % len(categories)]


def escape_markdown(paragraph: str) -> str:
    """Text that Python-Markdown (with `extra`) renders back to exactly this text."""
    text = paragraph.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    text = re.sub(r"([`*_{}\[\]|])", r"\\\1", text)
    # Block syntax only counts at the start of a paragraph: headings, quotes, lists,
    # rules, definition lists.
    text = re.sub(r"^([#>+\-])", r"\\\1", text)
    text = re.sub(r"^(\d+)\.", r"\1\\.", text)
    return re.sub(r"^:", "&#58;", text)


def render_markdown(record: Record, date: datetime, category: str, slug: str) -> str:
    lines = [
        f"Title: {record.title}",
        f"Date: {date:%Y-%m-%d %H:%M}",
        f"Category: {category}",
        "Authors: " + ", ".join(record.authors),
        "Tags: " + ", ".join(record.tags),
        f"Slug: {slug}",
        "",
    ]
    lines.extend(escape_markdown(p) + "\n" for p in record.paragraphs)
    return "\n".join(lines)


def plan_articles(
    records: Iterable[Record], source: str, categories: Sequence[str]
) -> tuple[list[ImportedArticle], list[Problem]]:
    """Derive what is missing, make ids and slugs unique (first come keeps its own)."""
    articles: list[ImportedArticle] = []
    notes: list[Problem] = []
    seen_ids: dict[str, int] = {}
    seen_slugs: set[str] = set()
    first_slug_of: dict[str, str] = {}
    for record in records:
        key = record_key(record)
        if record.id is not None:
            count = seen_ids.get(record.id, 0) + 1
            seen_ids[record.id] = count
            if count > 1:
                key = f"{record.id}#{count}"
                notes.append(
                    Problem(
                        source,
                        record.line,
                        f'id "{record.id}" 重复 (duplicate id)',
                        f"按 {key} 推算日期和栏目",
                    )
                )
        date = record.date or derived_date(key)
        category = record.category or derived_category(key, categories)
        # The cjk plugin's collision rule, in input order (core.cjk.slugs): the same title
        # again gets -2, -3 …, a homophone tone numbers. The slug is written out, so every
        # build keeps it.
        base = pinyin_slug(record.title)
        slug = unique_slug(record.title, seen_slugs, first_slug_of)
        if slug != base:
            notes.append(
                Problem(
                    source,
                    record.line,
                    f'链接名 "{base}" 已被占用 (duplicate slug)',
                    f"改用 {slug}",
                )
            )
        relpath = f"{date:%Y}/{date:%m}/{slug}.md"
        articles.append(
            ImportedArticle(
                record.line, relpath, slug, render_markdown(record, date, category, slug)
            )
        )
    return articles, notes


def import_records(
    path: Path, categories: Sequence[str], display: str | None = None
) -> ImportResult:
    """Read and check every line of `path`; plan the articles of the valid ones."""
    source = display or str(path)
    result = ImportResult()
    records = []
    for line, raw in read_lines(path):
        record, problems, ignored = parse_record(raw, line, source, categories)
        result.invalid.extend(problems)
        for name in ignored:
            result.ignored_fields[name] = result.ignored_fields.get(name, 0) + 1
        if record is not None:
            records.append(record)
    result.articles, result.notes = plan_articles(records, source, categories)
    return result


def write_articles(articles: Iterable[ImportedArticle], dest: Path) -> tuple[int, int]:
    """Write the files, leaving unchanged ones (and their mtimes) alone: (written, unchanged)."""
    written = unchanged = 0
    for article in articles:
        target = dest / article.relpath
        data = article.markdown.encode("utf-8")
        if target.exists() and target.read_bytes() == data:
            unchanged += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written += 1
    return written, unchanged


def stray_files(articles: Iterable[ImportedArticle], dest: Path) -> list[Path]:
    """Markdown files already in `dest` that this import did not produce (left in place)."""
    produced = {dest / a.relpath for a in articles}
    return sorted(p for p in dest.rglob("*.md") if p not in produced) if dest.exists() else []


def run_import(
    path: Path, dest: Path, categories: Sequence[str], *, skip_invalid: bool = False
) -> int:
    """The `invoke import` command: report everything, write only when allowed. Exit code."""
    import sys

    if not path.exists():
        print(f"{path}: 文件不存在 (no such file) — 检查路径", file=sys.stderr)
        return 1
    result = import_records(path, categories)
    for item in result.invalid:
        print(item, file=sys.stderr)
    for item in result.notes:
        print(item, file=sys.stderr)
    if result.ignored_fields:
        fields = ", ".join(
            f"{name} ({count})" for name, count in sorted(result.ignored_fields.items())
        )
        print(f"{path}: 未导入的字段 (fields not imported): {fields}", file=sys.stderr)
    if result.invalid and not skip_invalid:
        print(
            f"导入失败：{len(result.invalid)} 个问题，没有写入任何文件。"
            f"(Import failed: {len(result.invalid)} problem(s); nothing written. "
            "Fix them, or pass --skip-invalid to import the valid records.)",
            file=sys.stderr,
        )
        return 1
    written, unchanged = write_articles(result.articles, dest)
    skipped = len({p.line for p in result.invalid})
    print(
        f"已导入 {len(result.articles)} 篇文章到 {dest} (imported: {written} written, "
        f"{unchanged} unchanged, {skipped} invalid record(s) skipped)"
    )
    strays = stray_files(result.articles, dest)
    if strays:
        print(
            f"{dest}: 另有 {len(strays)} 个文件不是这次导入的，保留未动 (other files left in place)"
        )
    return 0
