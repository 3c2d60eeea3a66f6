"""The issue rule (期): the issue files, every article's Issue: line and each issue's Order.

The rules themselves are pure functions of core.issues, which the issue pages run during a
build too; here they get the site the content check has read.
"""

from __future__ import annotations

from kuaixun.core.issues import (
    DEFAULT_SETTINGS,
    ArticleRef,
    issue_date_problem,
    load_issues,
    parse_date,
    reference_problems,
)
from kuaixun.core.problems import Problem
from kuaixun.rules.registry import ContentFile, Site


def issues_are_consistent(site: Site) -> list[Problem]:
    """Articles and drafts alike: a draft names its issue before it is published."""
    folder = site.root / site.settings.get("ISSUES_PATH", DEFAULT_SETTINGS["ISSUES_PATH"])
    by_number, problems = load_issues(folder, site.shown)
    files = [file for file in site.files if file.kind == "article"]
    refs = [ref for ref in map(_article_ref, files) if ref]
    problems += reference_problems(by_number, refs)
    # A draft may still wait for its issue; a published article must be dated near it.
    published = [_article_ref(file) for file in files if file.status != "draft"]
    dated = (issue_date_problem(ref, by_number) for ref in published if ref)
    return problems + [problem for problem in dated if problem]


def _article_ref(file: ContentFile) -> ArticleRef | None:
    header = file.get("issue")
    if header is None:
        return None
    names = (file.path.stem, file.value("slug"))
    # Date: 2020-11-27 09:30 → its day; a date that is no date is the date rule's problem.
    day = parse_date(file.value("date").replace("T", " ").split(" ")[0])
    return ArticleRef(file.shown, header.line, header.value, names, day)
