"""The issue rule (期): the issue files, every article's Issue: line and each issue's Order.

The rules themselves are pure functions of core.issues, which the issue pages run during a
build too; here they get the site the content check has read.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator

import lxml.html

from kuaixun.core.issues import (
    DEFAULT_SETTINGS,
    ArticleRef,
    issue_date_problem,
    load_issues,
    parse_date,
    reference_problems,
)
from kuaixun.core.markdown import without_code_spans
from kuaixun.core.problems import Problem
from kuaixun.rules import readable, text, unsafe_html
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
    # A hidden article is listed nowhere, its issue included: Issue: would be left out in
    # silence.
    hidden = [
        Problem(
            file.shown,
            file.line_of("issue"),
            "Status: hidden 的文章不会出现在任何一期里 (a hidden article is in no issue)",
            "删掉 Issue: 这一行，或删掉 Status: hidden 让文章正常发布",
        )
        for file in files
        if file.status == "hidden" and file.get("issue") is not None
    ]
    return problems + [problem for problem in dated if problem] + hidden


def _article_ref(file: ContentFile) -> ArticleRef | None:
    header = file.get("issue")
    if header is None:
        return None
    names = (file.path.stem, file.value("slug"))
    # Date: 2020-11-27 09:30 → its day; a date that is no date is the date rule's problem.
    day = parse_date(file.value("date").replace("T", " ").split(" ")[0])
    return ArticleRef(file.shown, header.line, header.value, names, day)


# --- the issue files' own text: the editor's note (编者按) -------------------------------


def issue_files(site: Site) -> list[ContentFile]:
    """content/issues/*.md as the rules read articles (their lines, front matter, body),
    those in UTF-8 (`load_issues` reports the others): plain files only, since a FIFO would
    block the read (rules/files.py reports it)."""
    if "issue files" not in site.cache:
        folder = site.root / site.settings.get("ISSUES_PATH", DEFAULT_SETTINGS["ISSUES_PATH"])
        paths = sorted(folder.glob("*.md")) if folder.is_dir() else []
        read = [
            site.memory.read(path, site.shown(path), "issue")
            for path in paths
            if not path.name.startswith(".") and stat.S_ISREG(os.lstat(path).st_mode)
        ]
        site.cache["issue files"] = [file for file in read if file.encoding == "utf-8"]
    return site.cache["issue files"]


def issue_files_are_readable(site: Site) -> Iterator[Problem]:
    """What must hold before the build renders a note (tools/build.py runs it before
    Pelican reads anything): no control or direction characters (an Atom feed cannot hold
    them; U+202E turned a telephone number round) and no nesting deep enough to make
    Markdown recurse for ever."""
    for file in issue_files(site):
        yield from text.has_no_control_characters(file, site)
        yield from text.nesting_is_shallow(file, site)


def issue_notes_are_clean(site: Site) -> Iterator[Problem]:
    """Every rule an article's body passes that a note can break, on each issue file: the
    note is printed on the issue's page and in its printed edition. Before, only the
    unsafe-HTML rule read notes, and it leaves a body nested too deep to the nesting rule,
    which read only articles: one line of 21 ">" let a note's <meta http-equiv=refresh>
    send every reader of the issue to another site."""
    yield from issue_files_are_readable(site)
    for file in issue_files(site):
        yield from text.has_no_conflict_markers(file, site)
        yield from unsafe_html.body_has_no_script(file, site)
        yield from readable.links_and_headings_have_words(file, site)
        yield from note_links_are_whole(file, site)


# A note's link that works on the issue's page and on its printed edition alike (one folder
# deeper), and in the feeds: a whole address, a mail address, a telephone number, or a place
# in the note itself (its footnotes).
_WHOLE_LINK = re.compile(r"(?:https?://|mailto:|tel:|#)", re.IGNORECASE)


def note_links_are_whole(file: ContentFile, site: Site) -> Iterator[Problem]:
    """A note is rendered as it is written, not by Pelican's reader: `{filename}` and
    `{static}` stay as typed, and a relative link cannot fit both of the issue's pages. Its
    photos likewise: a note has none (the issue's articles carry them)."""
    html = unsafe_html.rendered(file, site)
    if not html or not html.strip():
        return
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    lines = [(n, without_code_spans(line)) for n, line in file.body_lines()]
    first = lines[0][0] if lines else 1
    for element in root.iter("a", "img"):
        target = element.get("href" if element.tag == "a" else "src")
        if target is None or (element.tag == "a" and _WHOLE_LINK.match(target.strip())):
            continue
        line = next((n for n, written in lines if target in written), first)
        if element.tag == "img":
            yield Problem(
                file.shown,
                line,
                f"编者按里不能放照片 {target} (no photos in an issue's note)",
                "删掉这张照片；照片放进本期的文章里",
            )
        else:
            yield Problem(
                file.shown,
                line,
                f"编者按里的链接 {target} 在目录和印刷版上不能都打开 "
                "(a note's link must be a whole address)",
                "写成完整网址，例如 [普法宣传](https://网站地址/2020/11/pu-fa/)；本期文章已经列在目录里",
            )
