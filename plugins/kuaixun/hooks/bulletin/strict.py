"""The strict build: every content problem of a build, raised together before writing.

Runs at all_generators_finalized, when every plugin has read the content and settled the
slugs and nothing is written yet: the content check (bulletin.checks), Pelican's warnings
while rendering each article (bulletin.rendering), slug and output-path collisions
(bulletin.collisions) and problems other generators deferred (bulletin.problems.defer).
Drafts are withheld here too (bulletin.drafts).
"""

from __future__ import annotations

from itertools import chain
from pathlib import Path

from pelican.generators import ArticlesGenerator, PagesGenerator

from kuaixun.core.problems import PENDING, ContentErrors, Problem
from kuaixun.hooks.bulletin.collisions import (
    Sources,
    output_collisions,
    planned_outputs,
    slug_collisions,
)
from kuaixun.hooks.bulletin.drafts import withhold_drafts
from kuaixun.hooks.bulletin.rendering import rendering_problems
from kuaixun.rules import check_site


def rendered_contents(generators: list) -> list:
    """Everything the writers will render: published, hidden and (when shown) draft content."""
    contents = []
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            contents += chain(
                generator.articles,
                generator.translations,
                generator.hidden_articles,
                generator.hidden_translations,
                generator.drafts,
                generator.drafts_translations,
            )
        elif isinstance(generator, PagesGenerator):
            contents += chain(
                generator.pages,
                generator.translations,
                generator.hidden_pages,
                generator.hidden_translations,
                generator.draft_pages,
                generator.draft_translations,
            )
    return contents


def build_problems(generators: list) -> list[Problem]:
    settings = generators[0].settings
    root = Path(settings["PATH"])
    with_drafts = bool(settings.get("SHOW_DRAFTS"))
    withhold_drafts(generators)

    # The content check runs the plugins' own rules (photos.check): a problem a plugin also
    # deferred while building is the same Problem, kept once by the set below. Its link rule
    # leaves the images the photos plugin owns to it (RULES.claims_links).
    problems = check_site(settings)
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


def check_before_writing(generators) -> None:
    problems = build_problems(list(generators))
    if problems:
        raise ContentErrors(problems)
