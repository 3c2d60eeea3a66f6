"""The strict build: every content problem of a build, raised together before writing.

Runs at all_generators_finalized, when every plugin has read the content and settled the
slugs and nothing is written yet: the content check (bulletin.checks), Pelican's warnings
while rendering each article (bulletin.rendering), slug and output-path collisions
(bulletin.collisions) and problems other generators deferred (bulletin.problems.defer).
Drafts are withheld here too (bulletin.drafts). With the preview's `Changes` in the settings
(rules.CHANGES), the content check and the render warnings cover what changed since its last
build (rules.check_changes).
"""

from __future__ import annotations

import sys
from pathlib import Path

from kuaixun import pelican_api
from kuaixun.core.problems import ALL_OUTPUTS, PENDING, ContentErrors, Problem
from kuaixun.hooks.bulletin.collisions import (
    Sources,
    output_collisions,
    planned_outputs,
    slug_collisions,
)
from kuaixun.hooks.bulletin.drafts import withhold_drafts
from kuaixun.hooks.bulletin.rendering import rendering_problems
from kuaixun.rules import CHANGES, Changes
from kuaixun.rules.build_check import content_problems


def rendered_contents(generators: list, changes: Changes | None = None) -> list:
    """Everything the writers will render: published, hidden and (when shown) draft content;
    with `changes`, only the content of the files edited."""
    everything = [c for generator in generators for c in pelican_api.contents_of(generator)]
    if changes is None or changes.edited is None:
        return everything
    edited = {str(path) for path in changes.edited}
    return [c for c in everything if c.source_path in edited]


def build_problems(generators: list) -> list[Problem]:
    settings = generators[0].settings
    root = Path(settings["PATH"])
    with_drafts = bool(settings.get("SHOW_DRAFTS"))
    withhold_drafts(generators)

    # The content check runs the plugins' own rules (photos.check): a problem a plugin also
    # deferred while building is the same Problem, kept once by the set below. Its link rule
    # leaves the images the photos plugin owns to it (RULES.claims_links).
    problems, notices = content_problems(settings)
    report_notices(notices)
    problems += generators[0].context.get(PENDING, [])
    # Pelican's render warnings are the least specific: dropped on a line already named.
    known = {(p.path, p.line) for p in problems}
    rendered = rendering_problems(rendered_contents(generators, settings.get(CHANGES)), root)
    problems += [p for p in rendered if (p.path, p.line) not in known]

    # Two equal Slug: lines are already reported by the content check, on the same line.
    sources = Sources(root)
    found = slug_collisions(generators, sources, with_drafts)
    outputs = planned_outputs(generators, sources, with_drafts)
    generators[0].context[ALL_OUTPUTS] = sorted({o.save_as for o in outputs})
    found += output_collisions(outputs)
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
