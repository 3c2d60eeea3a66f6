"""Bulletin issues (期): each issue is defined once, in content/issues/<number>.md.

An issue file has the same front matter as an article (``Number: 47``, ``Date:``, optional
``Title:`` and ``Order:``); its body is the editor's note (编者按). Articles join an issue
with ``Issue: 47``. The functions here are pure (text in, issues and problems out) so that
the content check runs them without a Pelican build (kuaixun.rules.issues); the Pelican
edge that writes the archive (往期), the tables of contents and the printable edition is
kuaixun.hooks.bulletin.issue_pages.

Order of articles in an issue: the issue's ``Order:`` lists article file names (without
``.md``) or slugs, separated by commas, 、 or spaces; articles it does not list follow by
date. Without ``Order:`` the issue reads in date order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from kuaixun.core.frontmatter import WIDE_COLON, FrontMatter, read_front_matter
from kuaixun.core.problems import Problem

ISSUE_KEYS = ("number", "date", "title", "order")
REQUIRED_KEYS = ("number", "date")
DEFAULT_SETTINGS = {
    "ISSUES_PATH": "issues",
    "ISSUES_URL": "issues/",
    "ISSUES_SAVE_AS": "issues/index.html",
    "ISSUE_URL": "issues/{number}/",
    "ISSUE_SAVE_AS": "issues/{number}/index.html",
    "ISSUE_PRINT_URL": "issues/{number}/print/",
    "ISSUE_PRINT_SAVE_AS": "issues/{number}/print/index.html",
}
_ISSUE_NUMBER = re.compile(r"^第?\s*(\d+)\s*期?$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# An article dated further than this from its issue's date is in the wrong issue, or has the
# wrong date (a `make new` filed under an issue printed years ago). A month either way leaves
# room for a monthly bulletin and for stories written before their issue went to press.
ISSUE_DATE_SPAN = timedelta(days=31)
_ORDER_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass(eq=False)
class Issue:
    number: int
    date: datetime
    title: str
    lead: str  # the editor's note as HTML; empty when the file has no body
    order: list[str]
    source: str  # the issue file, as shown in problems
    lines: dict[str, int] = field(default_factory=dict)
    articles: list = field(default_factory=list)
    previous: Issue | None = None
    next: Issue | None = None
    url: str = ""
    save_as: str = ""
    print_url: str = ""
    print_save_as: str = ""

    def __str__(self) -> str:
        return self.title


@dataclass(frozen=True)
class ArticleRef:
    """What the issue rules need to know about one article."""

    path: str  # as shown in problems
    line: int | None  # of its Issue: line
    value: str  # the Issue: value as written
    names: tuple[str, ...]  # file name without .md, and slug: what Order: may name
    date: datetime | None = None  # only the build orders articles by date


# --- reading -------------------------------------------------------------------------


def issue_header(front: FrontMatter, source: str) -> tuple[dict[str, str], dict[str, int], list]:
    """An issue file's values and their lines by key (the last of a key wins), and a problem
    for each line that is no ``Key: value``. Unlike an article, an issue file may use the
    full-width colon (Number：47): no Pelican reader ever reads it."""
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    wide = [(number, WIDE_COLON.match(line), line) for number, line in front.bad_lines]
    read = [(h.line, h.key, h.value) for h in front.headers]
    read += [(number, match["key"].lower(), match["value"]) for number, match, _ in wide if match]
    for number, key, value in sorted(read):
        values[key] = value.strip()
        lines[key] = number
    problems = [
        Problem(
            source,
            number,
            f'这一行不是 "键: 值" 的格式 (not a "Key: value" line): {line}',
            "每行写成 Key: value，例如 Number: 47",
        )
        for number, match, line in wide
        if not match
    ]
    return values, lines, problems


def parse_issue_number(value: str) -> int | None:
    """47, ４７ (full-width), 第47期 → 47; anything else → None."""
    match = _ISSUE_NUMBER.match(unicodedata.normalize("NFKC", value).strip())
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def parse_date(value: str) -> datetime | None:
    match = _DATE.match(unicodedata.normalize("NFKC", value).strip())
    if not match:
        return None
    try:
        year, month, day = (int(part) for part in match.groups())
        return datetime(year, month, day)
    except ValueError:
        return None


def parse_order(value: str) -> list[str]:
    return [name.removesuffix(".md") for name in _ORDER_SEPARATORS.split(value) if name]


def read_issue(
    text: str, source: str, render=lambda body: body
) -> tuple[Issue | None, list[Problem]]:
    """One issue file → the Issue (None when unusable) and its problems."""
    front = read_front_matter(text)
    values, lines, problems = issue_header(front, source)
    problems += key_problems(values, lines, source)
    number = date = None
    if "number" in values:
        number = parse_issue_number(values["number"])
        if number is None:
            problems.append(
                Problem(
                    source,
                    lines["number"],
                    f'期号 "{values["number"]}" 不是正整数 (Number is not a positive whole number)',
                    "写成阿拉伯数字，例如 Number: 47",
                )
            )
    if "date" in values:
        date = parse_date(values["date"])
        if date is None:
            problems.append(
                Problem(
                    source,
                    lines["date"],
                    f'日期 "{values["date"]}" 不是有效日期 (Date is not a date)',
                    "写成 2020-11-27 这样的格式",
                )
            )
    if number is None or date is None:
        return None, problems
    title = values.get("title") or f"第{number}期"
    order = parse_order(values.get("order", ""))
    body = "\n".join(front.body).strip()
    issue = Issue(number, date, title, render(body) if body else "", order, source, lines)
    return issue, problems


def key_problems(values: dict[str, str], lines: dict[str, int], source: str) -> list[Problem]:
    """Keys an issue file may not have, and the ones it must have."""
    problems = [
        Problem(
            source,
            lines[key],
            f'期文件里不认识 "{key}" (unknown key in an issue file)',
            "只能用 Number、Date、Title、Order (allowed keys)",
        )
        for key in values
        if key not in ISSUE_KEYS
    ]
    for key in REQUIRED_KEYS:
        if key not in values:
            example = {"number": "Number: 47", "date": "Date: 2020-11-27"}[key]
            problems.append(
                Problem(
                    source,
                    1,
                    f"期文件缺少 {key.title()} (issue file has no {key.title()})",
                    f"在开头加一行 {example}",
                )
            )
    return problems


def index_issues(issues: list[Issue]) -> tuple[dict[int, Issue], list[Problem]]:
    """Issues by number; a second file claiming a number already taken is a problem."""
    by_number: dict[int, Issue] = {}
    problems = []
    # The file named after its number (47.md) is the real one; others claiming 47 are reported.
    for issue in sorted(issues, key=lambda i: (Path(i.source).stem != str(i.number), i.source)):
        first = by_number.get(issue.number)
        if first is None:
            by_number[issue.number] = issue
            continue
        problems.append(
            Problem(
                issue.source,
                issue.lines.get("number"),
                f"期号 {issue.number} 重复：{first.source} 已经定义了第{issue.number}期 "
                f"(issue {issue.number} is already defined in {first.source})",
                "每一期只写一个文件：改成别的期号，或删掉其中一个 "
                f"(next free number: {max(by_number) + 1})",
            )
        )
    return by_number, problems


def load_issues(
    folder: Path, display=str, render=lambda body: body
) -> tuple[dict[int, Issue], list[Problem]]:
    """Every content/issues/*.md, by number, plus all the problems found in them."""
    issues, problems = [], []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(
                Problem(
                    display(path),
                    None,
                    "文件不是 UTF-8 编码 (not UTF-8)",
                    "用 UTF-8 编码另存这个文件",
                )
            )
            continue
        issue, found = read_issue(text, display(path), render)
        problems.extend(found)
        if issue:
            problems.extend(file_name_problems(path, issue))
            issues.append(issue)
    by_number, duplicates = index_issues(issues)
    return by_number, problems + duplicates


def file_name_problems(path: Path, issue: Issue) -> list[Problem]:
    """48.md holding Number: 49: the editor copied the last issue and changed one of the
    two. Issue 49 was published with no articles (so with no page), issue 48's articles were
    reported as naming an issue nobody defined, and nothing named the file. A file whose
    name is no number (nodate.md) is left alone: only the number matters then."""
    stem = unicodedata.normalize("NFKC", path.stem).strip()
    if not stem.isdecimal() or int(stem) == issue.number:
        return []
    return [
        Problem(
            issue.source,
            issue.lines.get("number"),
            f"文件名 {path.name} 和期号 Number: {issue.number} 不一致 "
            f"(the file is named {path.stem}, its Number is {issue.number})",
            f"文件名就是期号：把文件改名为 {issue.number}.md，或把 Number 改成 {int(stem)}",
        )
    ]


def latest_issue_number(folder: Path) -> int | None:
    """The highest issue number defined in content/issues/ (what a new article joins)."""
    latest = latest_issue(folder)
    return latest.number if latest else None


def latest_issue(folder: Path) -> Issue | None:
    by_number, _ = load_issues(folder)
    return by_number[max(by_number)] if by_number else None


def far_from_issue(when: datetime, issue: Issue) -> bool:
    """True when a date lies more than ISSUE_DATE_SPAN from the issue's date."""
    return abs(when.replace(tzinfo=None) - issue.date) > ISSUE_DATE_SPAN


def issue_date_problem(ref: ArticleRef, by_number: dict[int, Issue]) -> Problem | None:
    """An article dated far from its issue: one of the two is wrong."""
    number = parse_issue_number(ref.value)
    issue = by_number.get(number) if number is not None else None
    if issue is None or ref.date is None or not far_from_issue(ref.date, issue):
        return None
    days = abs((ref.date.replace(tzinfo=None) - issue.date).days)
    return Problem(
        ref.path,
        ref.line,
        f"文章日期 {ref.date:%Y-%m-%d} 和第{number}期的出版日期 {issue.date:%Y-%m-%d} "
        f"相差 {days} 天 (article dated far from its issue)",
        f"相差超过 {ISSUE_DATE_SPAN.days} 天：改成正确的期号（Issue:）或日期（Date:）；"
        "新的一期先在 content/issues/ 里定义",
    )


# --- joining articles to issues ------------------------------------------------------------


def issue_reference_problem(ref: ArticleRef, by_number: dict[int, Issue]) -> Problem | None:
    """The problem with one article's Issue: value, if any."""
    known = "、".join(str(n) for n in sorted(by_number)) or "（还没有）"
    number = parse_issue_number(ref.value)
    if number is None:
        return Problem(
            ref.path,
            ref.line,
            f'期号 "{ref.value}" 不是数字 (Issue is not an issue number)',
            f"写成 Issue: 47 这样的数字；已有的期：{known}",
        )
    if number not in by_number:
        return Problem(
            ref.path,
            ref.line,
            f"第{number}期还没有定义 (issue {number} is not defined)",
            f"在 content/issues/{number}.md 定义这一期（Number: {number}、Date:），"
            f"或改成已有的期：{known}",
        )
    return None


def join_articles(by_number: dict[int, Issue], refs: list[tuple[ArticleRef, object]]) -> None:
    """Put each article into its issue, in the editors' order (bad Issue: lines are skipped:
    the content check reports them before anything is written)."""
    members: dict[int, list[tuple[ArticleRef, object]]] = {}
    for ref, article in refs:
        number = parse_issue_number(ref.value)
        if number is not None and issue_reference_problem(ref, by_number) is None:
            members.setdefault(number, []).append((ref, article))
    for number, issue in by_number.items():
        issue.articles, _ = order_articles(issue.order, members.get(number, []))


def order_problem(issue: Issue, unknown: list[str], members: list[ArticleRef]) -> Problem:
    names = "、".join(sorted(ref.names[0] for ref in members))
    return Problem(
        issue.source,
        issue.lines.get("order"),
        f"Order 里的 {'、'.join(unknown)} 不是第{issue.number}期的文章 "
        f"(Order names articles not in issue {issue.number})",
        f"写本期文章的文件名（不带 .md）：{names}；或在那篇文章里加 Issue: {issue.number}",
    )


def empty_issue_problem(issue: Issue) -> Problem:
    """An issue no article or draft names: the build publishes no page for it, so its note
    and its place in the archive were lost in silence. A draft is enough (`make new` writes
    one into the latest issue): the issue is then being prepared, and is published with its
    first article."""
    return Problem(
        issue.source,
        issue.lines.get("number"),
        f"第{issue.number}期还没有文章，这一期和编者按不会发布 "
        f"(issue {issue.number} has no articles, so it has no page)",
        f"在本期的文章开头加 Issue: {issue.number}（还没写完的文章存成草稿：Status: draft），"
        "或者先删掉这个期文件",
    )


def reference_problems(by_number: dict[int, Issue], refs: list[ArticleRef]) -> list[Problem]:
    """The problems of the articles' Issue: lines (drafts included), then of each issue
    that no article names, or whose Order names an article that is not in it."""
    problems: list[Problem] = []
    members: dict[int, list[ArticleRef]] = {}
    for ref in refs:
        problem = issue_reference_problem(ref, by_number)
        number = parse_issue_number(ref.value)
        if problem:
            problems.append(problem)
        elif number is not None:
            members.setdefault(number, []).append(ref)
    for number, issue in sorted(by_number.items()):
        named = members.get(number, [])
        if not named:
            problems.append(empty_issue_problem(issue))
            continue
        names = {name for ref in named for name in ref.names if name}
        unknown = [name for name in issue.order if name not in names]
        if unknown:
            problems.append(order_problem(issue, unknown, named))
    return problems


def order_articles(
    order: list[str], members: list[tuple[ArticleRef, object]]
) -> tuple[list, list[str]]:
    """Articles named in Order first, as listed, the rest by date; and the names matching none."""
    by_name = {name: (ref, article) for ref, article in members for name in ref.names}
    listed, unknown = [], []
    for name in order:
        if name not in by_name:
            unknown.append(name)
        elif by_name[name] not in listed:
            listed.append(by_name[name])
    rest = sorted((m for m in members if m not in listed), key=lambda m: (m[0].date, m[0].path))
    return [article for _, article in listed + rest], unknown


def link_issues(by_number: dict[int, Issue], settings: dict) -> list[Issue]:
    """The issues that have articles, oldest first, with URLs and previous/next links."""
    published = [by_number[n] for n in sorted(by_number) if by_number[n].articles]
    for before, after in zip(published, published[1:], strict=False):
        before.next, after.previous = after, before
    for issue in published:
        issue.url = settings["ISSUE_URL"].format(number=issue.number)
        issue.save_as = settings["ISSUE_SAVE_AS"].format(number=issue.number)
        issue.print_url = settings["ISSUE_PRINT_URL"].format(number=issue.number)
        issue.print_save_as = settings["ISSUE_PRINT_SAVE_AS"].format(number=issue.number)
    return published


_ID = re.compile(r"""(\sid\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_FRAGMENT_LINK = re.compile(r"""(\shref\s*=\s*)(["'])#(.*?)\2""", re.IGNORECASE | re.DOTALL)


def own_ids(html: str, prefix: str) -> str:
    """An article's HTML with its ids made its own on a page that prints several (the
    printed edition): each id and each link to one of them within it gets `prefix`. Two
    articles with a "## 背景" or a footnote [^1] gave the page two id="bei-jing", two
    id="fn:1", and the second article's footnote link jumped to the first's. The printed
    edition gives "a1:", "a2:" … and "note:": a prefix with a colon, which no Slug, heading
    anchor or theme id holds (a slug's prefix met another article's anchor: 社区 + 活动安排
    and 社区活动 + 安排)."""
    ids = {m.group(3) for m in _ID.finditer(html)}
    if not ids:
        return html
    html = _ID.sub(lambda m: f"{m.group(1)}{m.group(2)}{prefix}{m.group(3)}{m.group(2)}", html)

    def linked(m: re.Match) -> str:
        target = m.group(3)
        return f"{m.group(1)}{m.group(2)}#{prefix if target in ids else ''}{target}{m.group(2)}"

    return _FRAGMENT_LINK.sub(linked, html)


_FIRST_PARAGRAPH = re.compile(r"\s*<p(?:\s[^>]*)?>")


def split_lead_paragraph(html: str) -> tuple[str, str]:
    """Article HTML → (first paragraph, rest): print keeps a headline with its first
    paragraph. Only a <p> that opens the body and holds no other <p> (a body that opened
    with <pre> was split at the first </p> of a quote after it, which left the quote's
    second paragraph outside it)."""
    start = _FIRST_PARAGRAPH.match(html)
    end = html.find("</p>")
    if start is None or end < 0 or "<p" in html[start.end() : end]:
        return "", html
    end += len("</p>")
    return html[:end], html[end:]
