"""bulletin plugin: the structure of the bulletin (issues 期) and the strict content rules."""

from pelican import signals


def register():
    from bulletin import issue_pages

    signals.get_generators.connect(issue_pages.get_generators)
    # The strict build: all content problems together, before anything is written.
    signals.all_generators_finalized.connect(check_before_writing)


def check_before_writing(generators) -> None:
    from bulletin.strict import check_before_writing

    check_before_writing(generators)
