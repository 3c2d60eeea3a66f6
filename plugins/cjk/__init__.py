"""cjk plugin: Chinese-aware dates, reading time, summaries, slugs and bylines for Pelican.

The signal handlers here only gather what Pelican hands over and call the plain functions
in the sibling modules (dates, reading, summary, slugs, byline), which tests use directly.
"""

from __future__ import annotations

from pelican import signals
from pelican.contents import Article, Page

from cjk.dates import zh_date
from cjk.reading import reading_minutes
from cjk.text import html_to_text


def add_jinja_filters(pelican) -> None:
    """Register ``zh_date`` for every Jinja environment built from the settings."""
    pelican.settings["JINJA_FILTERS"] = {
        **pelican.settings.get("JINJA_FILTERS", {}),
        "zh_date": zh_date,
    }


def prepare_content(content) -> None:
    if not isinstance(content, (Article, Page)):
        return
    content.reading_minutes = reading_minutes(html_to_text(content._content))


def register():
    signals.initialized.connect(add_jinja_filters)
    signals.content_object_init.connect(prepare_content)
