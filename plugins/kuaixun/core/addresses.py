"""The addresses the site gives itself, and what is said when two things claim one.

The build lists every file its writers will produce once Pelican has read the content
(hooks/bulletin/collisions.py); the content check, which runs without Pelican, knows the
pages' slugs and the addresses the settings name (`settings_outputs`). Both say the same
words (`duplicate_slug`, `shared_output`), so a page an editor names `Slug: tag` gets one
message from `make check` and from the build.
"""

from __future__ import annotations

from kuaixun.core.issues import DEFAULT_SETTINGS as ISSUE_DEFAULTS

# The direct templates, as editors know them.
SITE_PAGES = {
    "index": "首页",
    "categories": "栏目列表",
    "tags": "标签列表",
    "authors": "记者列表",
    "archives": "文章归档页",
    "search": "搜索页",
    "404": "404 页",
}
SEARCH_EXPORT = "搜索索引 (the search export)"
SITEMAP = "网站地图 sitemap"
ISSUE_LIST = "往期页"


def site_page(template: str) -> str:
    """网站的标签列表: what a direct template's page is called in a message."""
    return f"网站的{SITE_PAGES.get(template, f'{template} 页')}"


def direct_template_paths(settings: dict, template: str) -> tuple[str, str]:
    """(save_as, url) of a direct template, as Pelican's writer takes them."""
    save_as = settings.get(f"{template.upper()}_SAVE_AS", f"{template}.html")
    return save_as, settings.get(f"{template.upper()}_URL", f"{template}.html")


def feed_outputs(settings: dict) -> list[tuple[str, str]]:
    """The site-wide feeds: (save_as, what)."""
    feeds = ("FEED_ATOM", "FEED_RSS", "FEED_ALL_ATOM", "FEED_ALL_RSS")
    return [(settings[feed], f"订阅 {feed}") for feed in feeds if settings.get(feed)]


def sitemap_output(settings: dict) -> str | None:
    """The sitemap's file when the sitemap plugin is on (Pelican names it
    pelican.plugins.sitemap once loaded), else None."""
    if not any(str(name).split(".")[-1] == "sitemap" for name in settings.get("PLUGINS") or []):
        return None
    return f"sitemap.{(settings.get('SITEMAP') or {}).get('format', 'xml')}"


def settings_outputs(settings: dict, issues: bool) -> list[tuple[str, str]]:
    """(save_as, what) of what the site writes whatever the articles say: each direct
    template's first page, the feeds, the template pages, the sitemap, the search export (a
    folder, ending in "/") and, when there are `issues`, their list. A page's address is one
    folder deep ({slug}/index.html), so a listing's later pages (x/page/2/) never meet it."""
    outputs = [
        (direct_template_paths(settings, template)[0], site_page(template))
        for template in settings.get("DIRECT_TEMPLATES") or []
    ]
    outputs += feed_outputs(settings)
    outputs += [
        (page, "TEMPLATE_PAGES") for page in (settings.get("TEMPLATE_PAGES") or {}).values()
    ]
    if sitemap := sitemap_output(settings):
        outputs.append((sitemap, SITEMAP))
    if "kuaixun.hooks.search" in (settings.get("PLUGINS") or []):
        outputs.append((settings["SEARCH_OUTPUT_DIR"].strip("/") + "/", SEARCH_EXPORT))
    if issues:
        issue_list = settings.get("ISSUES_SAVE_AS", ISSUE_DEFAULTS["ISSUES_SAVE_AS"])
        outputs.append((issue_list, ISSUE_LIST))
    return outputs


def duplicate_slug(
    kind: str, title: str, other: str, other_title: str, slug: str
) -> tuple[str, str]:
    """(message, fix) for the later of two articles or pages (`kind`) with one slug."""
    return (
        f"{kind}《{title}》和 {other}《{other_title}》"
        f'的网址名 (slug) 都是 "{slug}" (duplicate slug)',
        "给其中一篇加一行 Slug: 另一个网址名 (add a distinct Slug:)",
    )


def shared_output(what: str, first_what: str, first_source: str, path: str) -> str:
    """The message for `what`, which would write the file `path` `first_what` writes."""
    return (
        f"{what} 和 {first_what}（{first_source}）会写到同一个文件 {path} "
        f"(two pages share one output path)"
    )


def taken_by_the_site(first_what: str) -> str:
    """The fix when the address is the site's own (a listing, a feed, the search)."""
    return (
        f"这个网址已经属于{first_what}：给这篇换一个 Slug: (the URL is taken by the site; "
        "choose another Slug)"
    )
