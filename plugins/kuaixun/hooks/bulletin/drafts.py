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
    _drop_draft_attachments(generators)
    for generator in generators:
        names = pelican_api.draft_lists(generator)
        for name in names:
            setattr(generator, name, [])
        # The templates' context lists the drafts (not their translations).
        pelican_api.update_context(generator, [name for name in names if name in generator.context])


def _drop_draft_attachments(generators: list) -> None:
    """A file only drafts link with {static} or {attach}: Pelican would publish it anyway."""
    drafts: set[str] = set()
    published: set[str] = set()
    for generator in generators:
        for content in pelican_api.contents_of(generator):
            links = content.get_static_links()
            (drafts if getattr(content, "status", "") == "draft" else published).update(links)
    only_drafts = drafts - published
    for generator in generators:
        if isinstance(getattr(generator, "staticfiles", None), list) and only_drafts:
            generator.staticfiles[:] = [
                static
                for static in generator.staticfiles
                if static.get_relative_source_path() not in only_drafts
            ]
