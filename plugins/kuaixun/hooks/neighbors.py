"""Previous and next article, in the same 栏目 and across the site, for the article page.

Pelican core has no neighbours; finding them in the template would scan every article for
each page (quadratic at thousands of articles), so they are linked once here, in Python.
"""

from __future__ import annotations

from collections import defaultdict

from pelican import signals


def link_neighbors(articles: list, prefix: str) -> None:
    """Give each article `{prefix}older` and `{prefix}newer` (None at either end).

    `articles` may be in any order; neighbours are by date, the slug breaking ties, so the
    links do not change between builds.
    """
    ordered = sorted(articles, key=lambda a: (a.date, a.slug))
    for index, article in enumerate(ordered):
        setattr(article, f"{prefix}older", ordered[index - 1] if index > 0 else None)
        newer = ordered[index + 1] if index + 1 < len(ordered) else None
        setattr(article, f"{prefix}newer", newer)


def add_neighbors(generator) -> None:
    link_neighbors(generator.articles, "site_")
    by_category = defaultdict(list)
    for article in generator.articles:
        by_category[article.category].append(article)
    for same_category in by_category.values():
        link_neighbors(same_category, "category_")


def register():
    signals.article_generator_finalized.connect(add_neighbors)
