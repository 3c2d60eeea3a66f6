"""Bulletin issues (期): each issue is defined once, in content/issues/<number>.md.

An issue file has the same front matter as an article (``Number: 47``, ``Date:``, optional
``Title:`` and ``Order:``); its body is the editor's note (编者按). Articles join an issue
with ``Issue: 47``. The functions here are pure (text in, issues and problems out) so that
the content check can run them without a Pelican build; IssuesGenerator at the bottom is
the thin Pelican edge that writes the archive (往期), each issue's table of contents and
its printable edition.

Order of articles in an issue: the issue's ``Order:`` lists article file names (without
``.md``) or slugs, separated by commas, 、 or spaces; articles it does not list follow by
date. Without ``Order:`` the issue reads in date order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pelican.generators import Generator

from bulletin.problems import ContentErrors, Problem

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
_ORDER_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass
class FrontMatter:
    """``Key: value`` lines up to the first blank line, keys lower-cased, with line numbers."""

    values: dict[str, str]
    lines: dict[str, int]
    body: str
    problems: list[tuple[int, str]]


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
    date: datetime


# --- reading -------------------------------------------------------------------------


def read_front_matter(text: str) -> FrontMatter:
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    text_lines = text.lstrip("\ufeff").splitlines()
    key = None
    number = 0
    for number, line in enumerate(text_lines, start=1):
        if not line.strip():
            break
        if line[0] in " \t" and key:
            values[key] = f"{values[key]} {line.strip()}"
            continue
        name, colon, value = line.partition(":")
        if not colon:
            name, colon, value = line.partition("：")
        if not colon or not name.strip():
            problems.append(
                (number, f'这一行不是 "键: 值" 的格式 (not a "Key: value" line): {line}')
            )
            continue
        key = name.strip().lower()
        values[key] = value.strip()
        lines[key] = number
    else:
        number = len(text_lines)
    body = "\n".join(text_lines[number:]).strip()
    return FrontMatter(values, lines, body, problems)


def parse_issue_number(value: str) -> int | None:
    """47, ４７ (full-width), 第47期 → 47; anything else → None."""
    match = _ISSUE_NUMBER.match(unicodedata.normalize("NFKC", value).strip())
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def parse_date(value: str) -> datetime | None:
    match = _DATE.match(unicodedata.normalize("NFKC", value).strip())
    if not match:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_order(value: str) -> list[str]:
    return [name.removesuffix(".md") for name in _ORDER_SEPARATORS.split(value) if name]


def read_issue(
    text: str, source: str, render=lambda body: body
) -> tuple[Issue | None, list[Problem]]:
    """One issue file → the Issue (None when unusable) and its problems."""
    front = read_front_matter(text)
    problems = [
        Problem(source, line, message, "每行写成 Key: value，例如 Number: 47")
        for line, message in front.problems
    ]
    for key in front.values:
        if key not in ISSUE_KEYS:
            problems.append(
                Problem(
                    source,
                    front.lines[key],
                    f'期文件里不认识 "{key}" (unknown key in an issue file)',
                    "只能用 Number、Date、Title、Order (allowed keys)",
                )
            )
    for key in REQUIRED_KEYS:
        if key not in front.values:
            example = {"number": "Number: 47", "date": "Date: 2020-11-27"}[key]
            problems.append(
                Problem(
                    source,
                    1,
                    f"期文件缺少 {key.title()} (issue file has no {key.title()})",
                    f"在开头加一行 {example}",
                )
            )
    number = date = None
    if "number" in front.values:
        number = parse_issue_number(front.values["number"])
        if number is None:
            problems.append(
                Problem(
                    source,
                    front.lines["number"],
                    f'期号 "{front.values["number"]}" 不是正整数 '
                    "(Number is not a positive whole number)",
                    "写成阿拉伯数字，例如 Number: 47",
                )
            )
    if "date" in front.values:
        date = parse_date(front.values["date"])
        if date is None:
            problems.append(
                Problem(
                    source,
                    front.lines["date"],
                    f'日期 "{front.values["date"]}" 不是有效日期 (Date is not a date)',
                    "写成 2020-11-27 这样的格式",
                )
            )
    if number is None or date is None:
        return None, problems
    title = front.values.get("title") or f"第{number}期"
    order = parse_order(front.values.get("order", ""))
    issue = Issue(
        number, date, title, render(front.body) if front.body else "", order, source, front.lines
    )
    return issue, problems


def index_issues(issues: list[Issue]) -> tuple[dict[int, Issue], list[Problem]]:
    """Issues by number; a second file claiming a number already taken is a problem."""
    by_number: dict[int, Issue] = {}
    problems = []
    for issue in sorted(issues, key=lambda i: i.source):
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
            issues.append(issue)
    by_number, duplicates = index_issues(issues)
    return by_number, problems + duplicates


def latest_issue_number(folder: Path) -> int | None:
    """The highest issue number defined in content/issues/ (what a new article joins)."""
    by_number, _ = load_issues(folder)
    return max(by_number, default=None)


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


def join_articles(
    by_number: dict[int, Issue], refs: list[tuple[ArticleRef, object]]
) -> list[Problem]:
    """Put each article into its issue, in the editors' order; return the problems found."""
    problems = []
    members: dict[int, list[tuple[ArticleRef, object]]] = {}
    for ref, article in refs:
        problem = issue_reference_problem(ref, by_number)
        if problem:
            problems.append(problem)
        else:
            members.setdefault(parse_issue_number(ref.value), []).append((ref, article))
    for number, issue in by_number.items():
        ordered, unknown = order_articles(issue.order, members.get(number, []))
        issue.articles = ordered
        if unknown:
            names = "、".join(
                sorted(n for ref, _ in members.get(number, []) for n in ref.names[:1])
            )
            problems.append(
                Problem(
                    issue.source,
                    issue.lines.get("order"),
                    f"Order 里的 {'、'.join(unknown)} 不是第{number}期的文章 "
                    f"(Order names articles not in issue {number})",
                    f"写本期文章的文件名（不带 .md）：{names or '本期还没有文章'}；"
                    f"或在那篇文章里加 Issue: {number}",
                )
            )
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


def split_lead_paragraph(html: str) -> tuple[str, str]:
    """Article HTML → (first paragraph, rest): print keeps a headline with its first paragraph."""
    end = html.find("</p>")
    if not html.lstrip().startswith("<p") or end < 0:
        return "", html
    end += len("</p>")
    return html[:end], html[end:]


def metadata_line(text: str, key: str) -> int | None:
    """The line of ``Key:`` in a Markdown front matter, for problems that point at it."""
    pattern = re.compile(rf"^{re.escape(key)}\s*[:：]", re.IGNORECASE)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            return None
        if pattern.match(line):
            return number
    return None


# --- the Pelican edge -----------------------------------------------------------------------


def _display(path) -> str:
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _article_ref(article) -> ArticleRef:
    source = Path(article.source_path)
    text = source.read_text(encoding="utf-8")
    names = (source.stem, article.slug)
    return ArticleRef(
        _display(source), metadata_line(text, "issue"), str(article.issue), names, article.date
    )


def _markdown_renderer(settings: dict):
    from markdown import Markdown

    config = settings["MARKDOWN"]
    extensions = list(config.get("extension_configs", {})) + list(config.get("extensions", []))
    md = Markdown(
        extensions=extensions,
        extension_configs=config.get("extension_configs", {}),
        output_format=config.get("output_format", "html5"),
    )
    return lambda body: md.reset().convert(body)


def _articles_in_build(context: dict, settings: dict) -> tuple[list, list]:
    """(articles shown in their issues, articles only checked): every Issue: line is checked."""
    published = list(context.get("articles", []))
    unlisted = list(context.get("drafts", [])) + list(context.get("hidden_articles", []))
    # A preview with drafts shows them in their issue too (marked 草稿 by the theme).
    if settings.get("SHOW_DRAFTS"):
        published += [a for a in context.get("drafts", []) if a not in published]
    unlisted = [a for a in unlisted if a not in published]

    def joining(articles):
        return [a for a in articles if getattr(a, "issue", None)]

    return joining(published), joining(unlisted)


def _with_defaults(settings: dict) -> dict:
    return {**DEFAULT_SETTINGS, **{k: v for k, v in settings.items() if k in DEFAULT_SETTINGS}}


class IssuesGenerator(Generator):
    """Joins articles to issues (after the articles are read) and writes the issue pages."""

    def generate_context(self):
        settings = _with_defaults(self.settings)
        folder = Path(self.path) / settings["ISSUES_PATH"]
        by_number, problems = load_issues(folder, _display, _markdown_renderer(self.settings))
        shown, unlisted = _articles_in_build(self.context, self.settings)
        problems += join_articles(by_number, [(_article_ref(a), a) for a in shown])
        refs = (_article_ref(a) for a in unlisted)
        problems += [p for p in (issue_reference_problem(r, by_number) for r in refs) if p]
        if problems:
            raise ContentErrors(problems)
        self.issues = link_issues(by_number, settings)
        for issue in self.issues:
            for article in issue.articles:
                article.issue = issue
        self.context["issues"] = list(reversed(self.issues))
        self.context["latest_issue"] = self.issues[-1] if self.issues else None
        self.context["ISSUES_URL"] = settings["ISSUES_URL"]

    def generate_output(self, writer):
        settings = _with_defaults(self.settings)
        relative = self.settings["RELATIVE_URLS"]
        if self.issues:
            writer.write_file(
                settings["ISSUES_SAVE_AS"],
                self.get_template("issues"),
                self.context,
                relative,
                url=settings["ISSUES_URL"],
                page_name="issues",
            )
        for issue in self.issues:
            writer.write_file(
                issue.save_as,
                self.get_template("issue"),
                self.context,
                relative,
                url=issue.url,
                issue=issue,
            )
            # The print edition keeps each headline with its first paragraph on one page.
            edition = [(a, *split_lead_paragraph(a.content)) for a in issue.articles]
            writer.write_file(
                issue.print_save_as,
                self.get_template("issue_print"),
                self.context,
                relative,
                url=issue.print_url,
                issue=issue,
                edition=edition,
            )


def get_generators(pelican):
    return IssuesGenerator
