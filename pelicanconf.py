"""Development settings for 社区快讯. publishconf.py overrides what production changes."""

from pathlib import Path

from kuaixun.core.cjk.slugs import heading_id  # the project package (pip install -e .)

ROOT = Path(__file__).resolve().parent

SITENAME = "社区快讯"
SITESUBTITLE = "平城区社区新闻快报"
# Where the development server serves the site. Pages link relatively; feeds, canonical
# links and Open Graph tags need an absolute address, taken from SITE_ORIGIN.
SITEURL = "http://127.0.0.1:8000"
SITE_ORIGIN = SITEURL
FEED_DOMAIN = SITEURL
AUTHOR = "社区快讯编辑部"
DEFAULT_LANG = "zh-CN"
# Dates are written by the cjk plugin's zh_date, not by the locale. Pinning the locale keeps
# builds identical everywhere, and a LANG=zh_CN.UTF-8 machine without that locale installed
# would otherwise print "Locale could not be set" on every build. "" is the macOS fallback.
LOCALE = ("C.UTF-8", "")
TIMEZONE = "Asia/Shanghai"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

PATH = "content"
# Editors publish Markdown only: the content check reads Markdown, and an .html or .rst
# article would reach readers unchecked (a <script> runs under our own CSP). Files of other
# kinds under content/ are refused by the check (docs/security.md, rules/files.py).
READERS = {"html": None, "htm": None, "rst": None}
# Hidden files are never read or copied. Pelican's default, "**/.*", is matched against a
# file's base name, which holds no "/", so it ignored nothing: a .x.md was published without
# the check (which skips hidden files) and content/images/.htaccess was copied to output/,
# where an Apache host would obey it (tests/test_strict_attacks.py).
IGNORE_FILES = [".*"]
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["extra", "images"]
EXTRA_PATH_METADATA = {
    "extra/favicon.ico": {"path": "favicon.ico"},
}
THEME = str(ROOT / "theme")
OUTPUT_PATH = "output"

# 栏目: the one list of categories. An article naming any other is a build error.
CATEGORIES = ["社区动态", "民生服务", "法治建设", "城市管理", "人物风采", "通知公告"]

# Every URL ends in a folder, so pages work the same on any static host and under a sub-path.
ARTICLE_URL = "{date:%Y}/{date:%m}/{slug}/"
ARTICLE_SAVE_AS = ARTICLE_URL + "index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = DRAFT_URL + "index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = PAGE_URL + "index.html"
CATEGORY_URL = "lanmu/{slug}/"
CATEGORY_SAVE_AS = CATEGORY_URL + "index.html"
CATEGORIES_URL = "lanmu/"
CATEGORIES_SAVE_AS = CATEGORIES_URL + "index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = TAG_URL + "index.html"
TAGS_URL = "tag/"
TAGS_SAVE_AS = TAGS_URL + "index.html"
AUTHOR_URL = "reporter/{slug}/"
AUTHOR_SAVE_AS = AUTHOR_URL + "index.html"
AUTHORS_URL = "reporter/"
AUTHORS_SAVE_AS = AUTHORS_URL + "index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = ARCHIVES_URL + "index.html"
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "categories", "tags", "authors", "archives", "search", "404", "robots"]
# robots.txt is a template (theme/templates/robots.html): its Sitemap line must be an absolute
# URL, which only the settings know (SITE_ORIGIN differs between development and production).
ROBOTS_SAVE_AS = "robots.txt"
SEARCH_SAVE_AS = "search.html"
# Pelican's default pattern ({name}{number}) makes page 2 of tag 标签2 collide with tag 标签22.
DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Feeds: Atom for all articles and per 栏目. Absolute URLs come from FEED_DOMAIN in publishconf.
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/lanmu/{slug}.atom.xml"
FEED_ALL_RSS = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 20

RELATIVE_URLS = True
DEFAULT_METADATA = {}
SUMMARY_MAX_LENGTH = None
TYPOGRIFY = False

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        # Chinese headings get pinyin anchors (#tou-gao-yu-lian-xi) instead of #_1, #_2.
        "markdown.extensions.toc": {"slugify": heading_id},
        "kuaixun.core.cjk.markdown_ext": {},
        # An editor's <!-- note --> is not published (not even in the page's source).
        "kuaixun.core.notes_ext": {},
    },
    "output_format": "html5",
}

# Templates escape everything they print: titles, subtitles, tag, 栏目 and reporter names are
# text an editor typed, never HTML (Pelican's default prints them raw). Only what is HTML by
# construction, a body rendered from Markdown, is marked |safe where it is printed. robots.html
# is plain text and turns escaping off itself. See docs/security.md.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,  # these two and "extensions" are Pelican 4.12's defaults
    "lstrip_blocks": True,
    "extensions": [],
    "autoescape": True,
}

# The Content-Security-Policy of every HTML page, the one source of truth: base.html and
# issue_print.html print it as <meta http-equiv> (GitHub Pages cannot send the header), the
# CSP tests serve it as the header, docs/security.md gives it to self-hosters. frame-ancestors
# is ignored in a meta policy: self-hosters add it to the header.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)

# The project's Pelican hooks, by module name (plugins/kuaixun/hooks/), and pelican-sitemap.
PLUGINS = [
    "kuaixun.hooks.caches",  # first: the other plugins' caches live in its folder
    "kuaixun.hooks.cjk",
    "kuaixun.hooks.photos",
    "kuaixun.hooks.bulletin",
    "kuaixun.hooks.search",
    "kuaixun.hooks.neighbors",
    "kuaixun.hooks.feeds",
    "kuaixun.hooks.qr",
    "kuaixun.hooks.icon",  # the favicon inside every page (no request for /favicon.ico)
    "kuaixun.hooks.scripts",
    "kuaixun.hooks.pages",  # a rebuild links the article pages whose inputs did not change
    "sitemap",
]

# sitemap.xml (pelican-sitemap): every article, page and listing; not the pages marked
# noindex (404, search, an issue's print view) nor robots.txt.
SITEMAP = {
    "format": "xml",
    "exclude": [r"^404\.html$", r"^search\.html$", r"^issues/\d+/print/$", r"^robots\.txt$"],
    "changefreqs": {"articles": "monthly", "pages": "monthly", "indexes": "daily"},
}

# Pelican's reader cache: an article whose file did not change is not parsed again (a
# one-article rebuild at 7,183 articles: see docs/search.md). Keyed by file content, not mtime,
# so fresh CI checkouts reuse it; kuaixun.hooks.caches gives each version of the settings and
# the code its own folder under CACHE_PATH, so no cache outlives the code that made it.
CACHE_PATH = str(ROOT / "cache" / "pelican")
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
CHECK_MODIFIED_METHOD = "md5"
# Pelican writes its whole reader cache again at every build: gzip made that 1.4 s of CPU per
# build at 7,183 articles (27 MB pickled, 11.6 MB compressed) and unpacking it 0.15 s more.
GZIP_CACHE = False

# Search: jieba user dictionary of local names (editors extend it) and the Whoosh index cache.
# Below PATH (a copy of content/ built elsewhere reads its own); an absolute path as it is.
SEARCH_USER_DICT = "search/userdict.txt"
SEARCH_CACHE_PATH = str(ROOT / "cache" / "search")
SEARCH_OUTPUT_DIR = "search"

# Photos live beside their article (see plugins/photos/__init__.py, docs/photos.md); the
# resized WebP/JPEG renditions are cached here by content hash and published under images/.
PHOTOS_CACHE_PATH = str(ROOT / "cache" / "photos")
PHOTOS_WIDTHS = (480, 720, 960, 1280, 1600)
