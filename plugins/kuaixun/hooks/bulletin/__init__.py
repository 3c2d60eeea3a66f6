"""bulletin plugin: the structure of the bulletin (issues 期) and the strict content rules."""

from pelican import signals


def register():
    from kuaixun.hooks.bulletin import hidden, issue_pages, preview

    signals.get_generators.connect(issue_pages.get_generators)
    # The editors' preview lists drafts (marked 草稿) where readers will find the article.
    signals.article_generator_finalized.connect(preview.list_drafts_in_preview)
    # A hidden article's tags and reporters that have no page of their own.
    signals.article_generator_finalized.connect(hidden.name_unpaged)
    # The strict build: all content problems together, before anything is written.
    signals.all_generators_finalized.connect(check_before_writing)


def check_before_writing(generators) -> None:
    from kuaixun.hooks.bulletin.strict import check_before_writing

    check_before_writing(generators)
