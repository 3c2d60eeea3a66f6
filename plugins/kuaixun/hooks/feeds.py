"""Atom feeds say their language, and give each entry the title its editor wrote.

Pelican builds its feeds without a language, so feed readers guess (and some guess Japanese
fonts for Han text). feedgenerator writes xml:lang when the feed has one; we give it one.

Pelican also strips tags from each entry's title as if the title were HTML, so a title about
`<b>` tags or with `&lt;` in it arrives changed. Our titles are text (docs/security.md):
feedgenerator escapes the text it is given, so the entry gets the title exactly as written.
"""

from markupsafe import Markup
from pelican import signals


def set_language(context, feed) -> None:
    feed.feed["language"] = context["DEFAULT_LANG"]


def keep_titles_as_written(context, feed) -> None:
    site = context.get("SITEURL", "").rstrip("/") + "/"
    # Only the titles Pelican's striptags would change: an article's URL is costly to make,
    # and every feed (one per 栏目) would make it for every article again.
    titles = {
        site + article.url: article.title
        for article in context.get("articles", [])
        if _stripped(article.title) != article.title
    }
    for item in feed.items:
        title = titles.get(item["link"].removesuffix("?ref=feed"))
        if title is not None:
            item["title"] = title


def _stripped(title: str) -> str:
    """What Pelican's feed makes of a title (Markup.striptags): without "<" or "&" there is
    no tag or entity, and only the whitespace is collapsed. 7,183 titles for every feed."""
    if "<" in title or "&" in title:
        return Markup(title).striptags()
    return " ".join(title.split())


def register():
    signals.feed_generated.connect(set_language)
    signals.feed_generated.connect(keep_titles_as_written)
