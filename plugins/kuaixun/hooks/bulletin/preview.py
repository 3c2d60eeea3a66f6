"""The editors' preview (`invoke livereload`, SHOW_DRAFTS): drafts are listed like articles.

Pelican writes drafts to drafts/… but lists them nowhere, so an editor previewing a new
article cannot find it. With SHOW_DRAFTS the drafts join the article lists (home page,
archive, their issue), keeping Status: draft, their drafts/ URL and the 草稿 badge of
theme/templates/partials/draft_badge.html. Published builds never get here: without
SHOW_DRAFTS, bulletin.drafts withholds the drafts.
"""

from __future__ import annotations

from kuaixun import pelican_api


def list_drafts_in_preview(generator) -> None:
    """article_generator_finalized: move the drafts into the article lists, newest first."""
    if not generator.settings.get("SHOW_DRAFTS") or not generator.drafts:
        return
    everything = generator.articles + generator.drafts
    # Moved, not copied: every piece of content is still written (and checked) exactly once.
    generator.drafts = []
    generator.articles = sorted(everything, key=lambda a: a.date, reverse=True)
    newest_first = generator.settings.get("NEWEST_FIRST_ARCHIVES", True)
    generator.dates = sorted(everything, key=lambda a: a.date, reverse=newest_first)
    pelican_api.update_context(generator, ("articles", "drafts", "dates"))
