"""Status: hidden articles: published, listed nowhere.

Pelican makes a tag's and a reporter's page from the published articles alone, so a tag
or a reporter only a hidden article has gets no page, and the article's page linked to
one that does not exist (make verify found it, with no file or line for the editor).
Each hidden article is told the names of its tags and reporters that have no page
(`unpaged`); its page names them without a link. Set on the article, not read from the
site's lists in the template: a page reads only what it describes, so an edit elsewhere
does not rewrite every article page (hooks/pages.py).
"""

from __future__ import annotations


def name_unpaged(generator) -> None:
    paged_tags = set(generator.tags)  # (a dict of the published articles' tags here)
    paged_authors = {author for author, _ in generator.authors}
    for article in generator.hidden_articles:
        tags = [t.name for t in getattr(article, "tags", []) if t not in paged_tags]
        authors = [a.name for a in getattr(article, "authors", []) if a not in paged_authors]
        article.unpaged = tuple(sorted({*tags, *authors}))
