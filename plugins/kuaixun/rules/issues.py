"""The issue rule (期): the issue files, every article's Issue: line and each issue's Order.

The rules themselves are pure functions of core.issues, which the issue pages run during a
build too; here they get the site the content check has read.
"""

from __future__ import annotations

from kuaixun.core.issues import (
    DEFAULT_SETTINGS,
    ArticleRef,
    load_issues,
    reference_problems,
)
from kuaixun.core.problems import Problem
from kuaixun.rules.registry import ContentFile, Site


def issues_are_consistent(site: Site) -> list[Problem]:
    """Articles and drafts alike: a draft names its issue before it is published."""
    folder = site.root / site.settings.get("ISSUES_PATH", DEFAULT_SETTINGS["ISSUES_PATH"])
    by_number, problems = load_issues(folder, site.shown)
    refs = [_article_ref(file) for file in site.files if file.kind == "article"]
    return problems + reference_problems(by_number, [ref for ref in refs if ref])


def _article_ref(file: ContentFile) -> ArticleRef | None:
    header = file.get("issue")
    if header is None:
        return None
    return ArticleRef(file.shown, header.line, header.value, (file.path.stem, file.value("slug")))
