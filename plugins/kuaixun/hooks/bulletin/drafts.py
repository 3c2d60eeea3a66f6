"""Drafts (Status: draft) never reach the published site.

Pelican writes drafts to DRAFT_SAVE_AS (drafts/…) on every build, where anyone who guesses
the address can read them. Unless SHOW_DRAFTS is set (the livereload preview does), they
are dropped from the generators before anything is written; feeds, tags, categories and
the sitemap never listed them.
"""

from __future__ import annotations

from pelican.generators import ArticlesGenerator, PagesGenerator


def withhold_drafts(generators: list) -> None:
    if not generators or generators[0].settings.get("SHOW_DRAFTS"):
        return
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            generator.drafts, generator.drafts_translations = [], []
            generator.context["drafts"] = []
        elif isinstance(generator, PagesGenerator):
            generator.draft_pages, generator.draft_translations = [], []
            generator.context["draft_pages"] = []
