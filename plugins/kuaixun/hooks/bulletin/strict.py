"""The strict build: every content problem of a build, raised together before writing.

Runs at all_generators_finalized, when every plugin has read the content and settled the
slugs and nothing is written yet: the content check (bulletin.checks), Pelican's warnings
while rendering each article (bulletin.rendering), slug and output-path collisions
(bulletin.collisions) and problems other generators deferred (bulletin.problems.defer).
Drafts are withheld here too (bulletin.drafts).
"""

from __future__ import annotations

import sys
from pathlib import Path

from kuaixun import pelican_api
from kuaixun.core.memo import Memo
from kuaixun.core.problems import PENDING, ContentErrors, Problem
from kuaixun.hooks.bulletin.collisions import (
    Sources,
    output_collisions,
    planned_outputs,
    slug_collisions,
)
from kuaixun.hooks.bulletin.drafts import withhold_drafts
from kuaixun.hooks.bulletin.rendering import rendering_problems
from kuaixun.rules import check_content

# The content rules' verdicts on each file, kept in the build's versioned cache folder
# (kuaixun.hooks.caches): a rebuild judges again only the files that changed.
MEMO_FILE = "rules-memo.pickle"


def rendered_contents(generators: list) -> list:
    """Everything the writers will render: published, hidden and (when shown) draft content."""
    return [content for generator in generators for content in pelican_api.contents_of(generator)]


def build_problems(generators: list) -> list[Problem]:
    settings = generators[0].settings
    root = Path(settings["PATH"])
    with_drafts = bool(settings.get("SHOW_DRAFTS"))
    withhold_drafts(generators)

    # The content check runs the plugins' own rules (photos.check): a problem a plugin also
    # deferred while building is the same Problem, kept once by the set below. Its link rule
    # leaves the images the photos plugin owns to it (RULES.claims_links).
    memo = Memo(Path(settings["CACHE_PATH"]) / MEMO_FILE)
    problems, notices = check_content(settings, memo=memo)
    memo.save()
    report_notices(notices)
    problems += generators[0].context.get(PENDING, [])
    # Pelican's render warnings are the least specific: dropped on a line already named.
    known = {(p.path, p.line) for p in problems}
    rendered = rendering_problems(rendered_contents(generators), root)
    problems += [p for p in rendered if (p.path, p.line) not in known]

    # Two equal Slug: lines are already reported by the content check, on the same line.
    sources = Sources(root)
    found = slug_collisions(generators, sources, with_drafts)
    found += output_collisions(planned_outputs(generators, sources, with_drafts))
    problems += [p for p in found if (p.path, p.line) not in known]
    return sorted(set(problems))


def report_notices(notices: list[Problem]) -> None:
    """What the editor should know but need not fix: printed, and the build goes on."""
    for notice in sorted(set(notices)):
        print(notice, file=sys.stderr)


def check_before_writing(generators) -> None:
    problems = build_problems(list(generators))
    if problems:
        raise ContentErrors(problems)
