"""Atom feeds say their language: xml:lang="zh-CN" from DEFAULT_LANG.

Pelican builds its feeds without a language, so feed readers guess (and some guess Japanese
fonts for Han text). feedgenerator writes xml:lang when the feed has one; we give it one.
"""

from pelican import signals


def set_language(context, feed) -> None:
    feed.feed["language"] = context["DEFAULT_LANG"]


def register():
    signals.feed_generated.connect(set_language)
