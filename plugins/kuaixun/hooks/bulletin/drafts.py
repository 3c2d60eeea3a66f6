"""Drafts (Status: draft) never reach the published site.

Pelican writes drafts to DRAFT_SAVE_AS (drafts/…) on every build, where anyone who guesses
the address can read them. Unless SHOW_DRAFTS is set (the livereload preview does), they
are dropped from the generators before anything is written; feeds, tags, categories and
the sitemap never listed them.
"""

from __future__ import annotations

from kuaixun import pelican_api


def withhold_drafts(generators: list) -> None:
    if not generators or generators[0].settings.get("SHOW_DRAFTS"):
        return
    for generator in generators:
        names = pelican_api.draft_lists(generator)
        for name in names:
            setattr(generator, name, [])
        # The templates' context lists the drafts (not their translations).
        pelican_api.update_context(generator, [name for name in names if name in generator.context])
