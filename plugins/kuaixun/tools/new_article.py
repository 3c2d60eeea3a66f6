"""`invoke new`: a new article, placed and filled in, so the editor only has to write.

Everything that can be guessed is: the date (now, Asia/Shanghai), the file's place
(content/articles/YYYY/MM/), its name (the title's pinyin), the 栏目 (the first in
pelicanconf.CATEGORIES unless given) and the issue (the latest one defined). New articles
start as drafts, so nothing is published by accident.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kuaixun.core.cjk.slugs import pinyin_slug


def article_path(content: Path, title: str, when: datetime) -> Path:
    """content/articles/2026/11/<pinyin>.md; -2, -3 … when the name is taken."""
    folder = content / "articles" / f"{when:%Y}" / f"{when:%m}"
    stem = pinyin_slug(title)
    path, number = folder / f"{stem}.md", 2
    while path.exists():
        path, number = folder / f"{stem}-{number}.md", number + 1
    return path


def front_matter(title: str, when: datetime, category: str, authors: str, issue: int | None) -> str:
    lines = [
        f"Title: {title}",
        f"Date: {when:%Y-%m-%d %H:%M}",
        f"Category: {category}",
        f"Authors: {authors}".rstrip(),
        "Tags:",
    ]
    if issue is not None:
        lines.append(f"Issue: {issue}")
    lines.append("Status: draft")
    byline = f"本报讯（记者 {authors}）" if authors else "本报讯（记者 ）"
    return "\n".join(lines) + f"\n\n{byline}正文从这里开始。\n"


def write_new_article(
    content: Path, title: str, when: datetime, category: str, authors: str, issue: int | None
) -> Path:
    path = article_path(content, title, when)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(front_matter(title, when, category, authors, issue), encoding="utf-8")
    return path
