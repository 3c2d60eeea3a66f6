"""`invoke new`: a new article, placed and filled in, so the editor only has to write.

Everything that can be guessed is: the date (now, Asia/Shanghai), the file's place
(content/articles/YYYY/MM/), its name (the title's pinyin), the 栏目 (the first in
pelicanconf.CATEGORIES unless given) and the issue: the latest one defined, but only when its
date is within ISSUE_DATE_SPAN of today — an issue printed long ago is no default. New
articles start as drafts, so nothing is published by accident.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kuaixun.core.cjk.slugs import pinyin_slug
from kuaixun.core.frontmatter import split_list
from kuaixun.core.issues import ISSUE_DATE_SPAN, far_from_issue, latest_issue
from kuaixun.core.skeleton import skeleton_body


def article_path(content: Path, title: str, when: datetime) -> Path:
    """content/articles/2026/11/<pinyin>.md; -2, -3 … when the name is taken."""
    folder = content / "articles" / f"{when:%Y}" / f"{when:%m}"
    stem = pinyin_slug(title)
    path, number = folder / f"{stem}.md", 2
    while path.exists():
        path, number = folder / f"{stem}-{number}.md", number + 1
    return path


def default_issue(issues: Path, when: datetime) -> tuple[int | None, str]:
    """The issue a new article joins, and a line telling the editor which (or why none)."""
    latest = latest_issue(issues)
    if latest is None:
        return None, "还没有定义任何一期，没有写 Issue: (no issue defined yet)"
    if far_from_issue(when, latest):
        return None, (
            f"最新的第{latest.number}期是 {latest.date:%Y-%m-%d} 出版的，离今天超过 "
            f"{ISSUE_DATE_SPAN.days} 天，所以没有写 Issue:。新的一期先在 content/issues/ 里定义，"
            "再在文章里加 Issue: 期号 (the latest issue is old: no Issue: written)"
        )
    return latest.number, f"期号 (issue): 第{latest.number}期（{latest.date:%Y-%m-%d}）"


def front_matter(title: str, when: datetime, category: str, authors: str, issue: int | None) -> str:
    names = split_list(authors)  # 孙露，段雨萌 → 孙露、段雨萌
    lines = [
        f"Title: {title}",
        f"Date: {when:%Y-%m-%d %H:%M}",
        f"Category: {category}",
        f"Authors: {'、'.join(names)}".rstrip(),
        "Tags:",
    ]
    if issue is not None:
        lines.append(f"Issue: {issue}")
    lines.append("Status: draft")
    return "\n".join(lines) + f"\n\n{skeleton_body(names)}\n"


def write_new_article(
    content: Path, title: str, when: datetime, category: str, authors: str, issue: int | None
) -> Path:
    path = article_path(content, title, when)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(front_matter(title, when, category, authors, issue), encoding="utf-8")
    return path
