"""The rules on what an editor writes in each file: encoding, header lines, metadata keys,
title, date, category, status and a body; across files, explicit slugs.

Each rule is a plain function of a parsed file and the site (`registry.ContentFile`,
`registry.Site`) yielding `Problem`s; `kuaixun.rules.RULES` lists the ones that run.
"""

from __future__ import annotations

import calendar
import difflib
import html
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kuaixun.core.cjk.text import HAN_CLASS
from kuaixun.core.frontmatter import WIDE_COLON, split_list
from kuaixun.core.problems import Problem
from kuaixun.core.skeleton import EMPTY_BYLINE, PLACEHOLDER
from kuaixun.rules.registry import ContentFile, Site, first_non_utf8_line

STATUSES = ("published", "draft", "hidden")

# Every metadata key an editor may write (Pelican's own plus ours); a plugin's new key goes
# here too. Anything else is reported as a probable typo.
METADATA_KEYS = {
    "title",
    "subtitle",
    "date",
    "modified",
    "category",
    "authors",
    "author",
    "tags",
    "issue",
    "cover",  # the photos plugin: the photo for listings, feeds and Open Graph
    "summary",
    "slug",
    "status",
    "lang",
    "translation",
    "template",
    "save_as",
    "url",
}
# Chinese names editors reach for first, mapped to the key Pelican understands.
CHINESE_KEYS = {
    "标题": "Title",
    "题目": "Title",
    "副题": "Subtitle",
    "副标题": "Subtitle",
    "日期": "Date",
    "时间": "Date",
    "栏目": "Category",
    "分类": "Category",
    "作者": "Authors",
    "记者": "Authors",
    "标签": "Tags",
    "关键词": "Tags",
    "期": "Issue",
    "期号": "Issue",
    "摘要": "Summary",
    "状态": "Status",
}

_ISO_DATE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
# Any other year-month-day spelling (2020/13/01, 2020.11.27, 2020年11月31日): read to suggest a fix.
# Four digits, not the last four of a longer year (10000-01-01 was "请写成 0000-01-01").
_LOOSE_DATE = re.compile(r"(?<!\d)(?P<y>\d{4})\D{1,2}(?P<m>\d{1,2})\D{1,2}(?P<d>\d{1,2})")
DATE_FORMAT = "YYYY-MM-DD [HH:MM]"
# The search export stores a date as days since 1970-01-01 (core/search/index.py, EPOCH).
FIRST_YEAR, LAST_YEAR = 1970, 2199


def encoding_is_utf8(file: ContentFile, site: Site) -> Iterator[Problem]:
    if file.encoding != "utf-8":
        yield encoding_problem(file.shown, file.encoding, file.path.read_bytes())


def encoding_problem(shown: str, encoding: str, data: bytes) -> Problem:
    """A file that is not UTF-8, as `registry.decode` found it (`encoding`)."""
    if encoding == "utf-16":
        return Problem(
            shown,
            1,
            "文件是 UTF-16 (Unicode) 编码，不是 UTF-8 (file is UTF-16, not UTF-8)",
            "用编辑器以 UTF-8 另存 (save it as UTF-8)",
        )
    line = first_non_utf8_line(data)
    if encoding == "gbk":
        return Problem(
            shown,
            line,
            "文件是 GBK 编码，不是 UTF-8 (file is GBK-encoded, not UTF-8)",
            f"用编辑器以 UTF-8 另存，或运行 iconv -f gbk -t utf-8 {shown} -o 新文件 "
            "(save it as UTF-8)",
        )
    return Problem(
        shown,
        line,
        "文件不是 UTF-8 编码 (file is not UTF-8)",
        "用编辑器以 UTF-8 另存 (save it as UTF-8)",
    )


def header_lines_are_key_value(file: ContentFile, site: Site) -> Iterator[Problem]:
    for number, line in file.front.bad_lines:
        yield Problem(file.shown, number, *_bad_header_line(line.strip()))
    if file.front.unseparated_text:
        number = file.front.unseparated_text
        yield Problem(
            file.shown,
            number,
            "正文和开头的信息行之间少了一个空行 (no blank line between the header and the text)",
            f"在第 {number} 行前面加一个空行 (add a blank line before line {number})",
        )


def _bad_header_line(line: str) -> tuple[str, str]:
    wide = WIDE_COLON.match(line)
    if wide and wide["key"] in CHINESE_KEYS:
        key = CHINESE_KEYS[wide["key"]]
        return (
            f'"{line}" 用了中文的键名和冒号 (Chinese key and full-width colon)',
            f"写成 {key}: {wide['value']}",
        )
    if wide:
        return (
            f'"{line}" 用了中文冒号 "：" (full-width colon)',
            f"改成英文冒号加空格：{wide['key']}: {wide['value']} (use an ASCII colon)",
        )
    key = line.split(":", 1)[0].strip()
    if key in CHINESE_KEYS:
        value = line.split(":", 1)[1].strip() if ":" in line else ""
        return (
            f'"{line}" 的键名要用英文 (keys are English words)',
            f"写成 {CHINESE_KEYS[key]}: {value}",
        )
    return (
        f'开头的信息行 "{line}" 不是 "Key: value" 格式 (header line is not "Key: value")',
        "每行写成 Key: value，例如 Title: 标题；信息行和正文之间空一行 "
        "(one Key: value per line, then a blank line before the text)",
    )


def metadata_keys_are_known(file: ContentFile, site: Site) -> Iterator[Problem]:
    seen: set[str] = set()
    for header in file.front.headers:
        if header.key in seen:
            yield Problem(
                file.shown,
                header.line,
                f"{header.written} 写了两次 ({header.written} appears twice)",
                "只保留一行 (keep one)",
            )
        seen.add(header.key)
        if header.key in METADATA_KEYS:
            continue
        close = difflib.get_close_matches(header.key, sorted(METADATA_KEYS), n=1, cutoff=0.6)
        if close:
            fix = f"是不是想写 {close[0].title()}: ? (did you mean {close[0].title()}?)"
        else:
            allowed = ", ".join(k.title() for k in sorted(METADATA_KEYS))
            fix = f"可用的键 (known keys): {allowed}"
        yield Problem(
            file.shown,
            header.line,
            f'不认识的信息项 "{header.written}" (unknown metadata key)',
            fix,
        )


def has_title(file: ContentFile, site: Site) -> Iterator[Problem]:
    """A title of only invisible characters (zero-width spaces …) is no title either."""
    if not _visible(file.value("title") or ""):
        where = "文章" if file.kind == "article" else "页面"
        yield Problem(
            file.shown,
            file.line_of("title"),
            f"{where}没有标题 (missing Title)",
            "在开头加一行 Title: 标题 (add a Title: line)",
        )


# Letters and symbols that show as nothing: the Hangul fillers and the blank Braille pattern
# (a title of U+3164 passed as a title, and listed a result that looked empty).
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(text: str) -> str:
    """The text without white space, invisible format characters and marks with nothing to
    mark (Unicode Cf, Zs, Mn, Me), and letters that show as nothing (`_BLANK`)."""
    return "".join(
        c
        for c in text
        if not c.isspace()
        and c not in _BLANK
        and unicodedata.category(c) not in ("Cf", "Zs", "Mn", "Me")
    )


def written_in_the_sites_language(file: ContentFile, site: Site) -> Iterator[Problem]:
    """Lang: other than the site's puts an article at another kind of URL (Pelican's
    ARTICLE_LANG_SAVE_AS: ying-wen-ce-shi-en.html at the root, with lang="en"), and
    Translation: true takes it off the home page, its 栏目 and the feeds (Pelican then stops
    the build with a message no editor can read)."""
    language = str(site.settings.get("DEFAULT_LANG") or "")
    header = file.get("lang")
    value = header.value.strip() if header else ""
    if header and value and value.lower() != language.lower():
        yield Problem(
            file.shown,
            header.line,
            f'Lang "{value}"：网站只发中文文章 ({language})，它会被放到另一种网址下 '
            "(another language: another kind of URL)",
            "删掉 Lang: 这一行 (remove the Lang: line)",
        )
    header = file.get("translation")
    value = header.value.strip().lower() if header else ""
    if header and value not in ("", "false", "no", "0"):
        yield Problem(
            file.shown,
            header.line,
            "Translation: 会把这篇文章当成别的文章的译文，不出现在首页、栏目和订阅里 "
            "(a translation is left out of the listings)",
            "删掉 Translation: 这一行 (remove the Translation: line)",
        )


def date_is_real(file: ContentFile, site: Site) -> Iterator[Problem]:
    header = file.get("date")
    if header is None or not header.value.strip():
        if file.kind == "article":
            yield Problem(
                file.shown,
                header.line if header else 1,
                "文章没有日期 (missing Date)",
                f"在开头加一行 Date: {date.today():%Y-%m-%d} (add Date: {DATE_FORMAT})",
            )
        return
    problem = date_problem(header.value.strip())
    if problem:
        yield Problem(file.shown, header.line, *problem)
    modified = file.get("modified")
    if modified and modified.value.strip():
        problem = date_problem(modified.value.strip())
        if problem:
            yield Problem(file.shown, modified.line, *problem)
        elif not date_problem(header.value.strip()) and _when(modified.value) < _when(header.value):
            # The feed said the article was updated before it was published.
            yield Problem(
                file.shown,
                modified.line,
                f"修改日期 {modified.value.strip()} 早于发布日期 {header.value.strip()} "
                "(Modified before Date)",
                "Modified 写最后一次修改的日期，不能早于 Date；没改过就删掉这一行",
            )


def _when(value: str) -> tuple[int, ...]:
    """A date `date_problem` passes, as (year, month, day, hour, minute, second)."""
    iso = _ISO_DATE.match(value.strip())
    assert iso is not None
    return tuple(int(iso[k] or 0) for k in ("y", "m", "d", "H", "M", "S"))


# How far ahead of today a published article's date may be: an issue prepared a few days
# before it comes out, not a mistyped year (2062 for 2026), which would put the article at
# the top of the home page, its 栏目 and its feed until that year.
DAYS_AHEAD = 7


def date_is_not_ahead(file: ContentFile, site: Site) -> Iterator[Problem]:
    """A published or hidden article's Date (and Modified) at most DAYS_AHEAD days after
    today in the site's time zone; a draft may wait for any day."""
    if file.kind != "article" or file.status == "draft":
        return
    zone = ZoneInfo(site.settings.get("TIMEZONE") or "UTC")
    latest = datetime.now(zone).replace(tzinfo=None) + timedelta(days=DAYS_AHEAD)
    for key in ("date", "modified"):
        header = file.get(key)
        value = header.value.strip() if header else ""
        iso = _ISO_DATE.match(value)
        if header is None or iso is None or date_problem(value):
            continue  # (date_is_real's message)
        y, m, d, hour, minute, second = (int(iso[k] or 0) for k in ("y", "m", "d", "H", "M", "S"))
        if datetime(y, m, d, hour, minute, second) > latest:
            yield Problem(
                file.shown,
                header.line,
                f"日期 {value} 在 {DAYS_AHEAD} 天以后 (a date more than {DAYS_AHEAD} days ahead: "
                "the article would stay at the top of the home page until then)",
                f"检查年份，改成正确的日期，例如 {date.today():%Y-%m-%d}；"
                "还不发布的文章加一行 Status: draft",
            )


def date_problem(value: str) -> tuple[str, str] | None:
    """None for a real YYYY-MM-DD [HH:MM[:SS]] date, else (message, fix) with an example."""
    iso = _ISO_DATE.match(value)
    loose = iso or _LOOSE_DATE.search(value)
    if not loose:
        return (
            f'日期 "{value}" 看不懂 (Date is not a date)',
            f"请写成 2020-11-27 或 2020-11-27 09:30 这样的格式 (use {DATE_FORMAT})",
        )
    y, m, d = int(loose["y"]), int(loose["m"]), int(loose["d"])
    suggestion = _nearest_date(y, m, d)
    real = 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]
    if not real:
        return (
            f'日期 "{value}" 不存在 (Date is not a real date)',
            f"请写成 {suggestion} 这样的格式 (use {DATE_FORMAT})",
        )
    if not iso:
        return (
            f'日期 "{value}" 格式不对 (Date is not in the {DATE_FORMAT} format)',
            f"请写成 {suggestion} (use {DATE_FORMAT})",
        )
    if not FIRST_YEAR <= y <= LAST_YEAR:
        return (
            f'日期 "{value}" 的年份不在 {FIRST_YEAR}–{LAST_YEAR} 之间 (year out of range: '
            "the search index counts days from 1970)",
            f"检查年份，例如 {date.today():%Y-%m-%d} (use a year from {FIRST_YEAR} to {LAST_YEAR})",
        )
    hour, minute, second = (int(iso[k] or 0) for k in ("H", "M", "S"))
    if hour > 23 or minute > 59 or second > 59:
        return (
            f'日期 "{value}" 里的时间不存在 (the time of day is not real)',
            f"时间写成 00:00 到 23:59，例如 {suggestion} 09:30 (use {DATE_FORMAT})",
        )
    return None


def _nearest_date(year: int, month: int, day: int) -> str:
    month = min(max(month, 1), 12)
    day = min(max(day, 1), calendar.monthrange(year, month)[1])
    return f"{year:04d}-{month:02d}-{day:02d}"


def category_is_known(file: ContentFile, site: Site) -> Iterator[Problem]:
    allowed = site.categories
    if file.kind != "article" or not allowed:
        return
    value = file.value("category")
    listing = "、".join(allowed)
    if not value:
        yield Problem(
            file.shown,
            file.line_of("category"),
            "文章没有栏目 (missing Category)",
            f"在开头加一行 Category: 栏目名，栏目只能是：{listing} (allowed categories)",
        )
    elif value not in allowed:
        close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.5)
        hint = f"是不是 {close[0]}？" if close else ""
        yield Problem(
            file.shown,
            file.line_of("category"),
            f'栏目 "{value}" 不在栏目表里 (unknown Category)',
            f"{hint}栏目只能是：{listing} (allowed: CATEGORIES in pelicanconf.py)",
        )


def status_is_known(file: ContentFile, site: Site) -> Iterator[Problem]:
    header = file.get("status")
    if header and header.value.strip().lower() not in STATUSES:
        yield Problem(
            file.shown,
            header.line,
            f'状态 "{header.value.strip()}" 不认识 (unknown Status)',
            "写 Status: draft（草稿，不发布）或删掉这一行（发布）(draft, hidden or published)",
        )


# What editors put between two reporters that the list does not take as a separator (it
# takes 、，,；; only): 孙露/段雨萌, 孙露|段雨萌, 孙露 段雨萌 were one reporter with a page
# of its own. A slash or bar counts between two names' letters (not in "</b>"); spaces only
# between two names of two Han characters or more: a Latin name keeps its spaces (John
# Smith), a Uyghur name its middle dot (买买提·艾力), a name of two characters the space that
# lines it up with names of three (王 强).
_NOT_A_SEPARATOR = re.compile(
    rf"(?<=\w)\s*[/／|｜\\＼]\s*(?=\w)|(?<=[{HAN_CLASS}]{{2}})[ \t\u3000]+(?=[{HAN_CLASS}]{{2}})"
)


def reporters_are_separated(file: ContentFile, site: Site) -> Iterator[Problem]:
    for key in ("authors", "author"):
        header = file.get(key)
        found = _NOT_A_SEPARATOR.search(header.value) if header else None
        if header is None or found is None:
            continue
        mark = found.group().strip() or "空格"
        fixed = "、".join(split_list(_NOT_A_SEPARATOR.sub("、", header.value.strip())))
        yield Problem(
            file.shown,
            header.line,
            f'记者 "{header.value.strip()}" 里的 {mark} 不能分开记者，几位会被当成一位 '
            f"(not a separator of reporters: read as one name)",
            f"几位记者用顿号 、 分开：{header.written}: {fixed} (separate reporters with 、)",
        )


# Each tag is a page of the site and a link on the article's: 3,000 tags on one article made
# a site of 3,000 more pages (27 MB). The most any real article has is 7.
MAX_TAGS = 20


def tags_are_few(file: ContentFile, site: Site) -> Iterator[Problem]:
    header = file.get("tags")
    count = len(split_list(header.value)) if header else 0
    if header and count > MAX_TAGS:
        yield Problem(
            file.shown,
            header.line,
            f"标签有 {count} 个，一篇文章最多 {MAX_TAGS} 个 (at most {MAX_TAGS} tags: each one "
            "is a page of the site)",
            f"只留最能说明这篇文章的几个标签（{MAX_TAGS} 个以内）(keep the few that say most)",
        )


def body_is_not_empty(file: ContentFile, site: Site) -> Iterator[Problem]:
    # A draft may be an empty skeleton; a published article or page may not.
    if file.status == "draft" or file.encoding != "utf-8":
        return
    text = re.sub(r"<!--.*?-->", "", "\n".join(file.front.body), flags=re.S)
    # &nbsp;, &#x3000; and &#8203; alone are an empty body too.
    if not _visible(html.unescape(text)):
        where = "文章" if file.kind == "article" else "页面"
        yield Problem(
            file.shown,
            _last_line(file),
            f"{where}正文是空的 (empty body)",
            "在开头信息下面空一行，再写正文；还没写完就加 Status: draft "
            "(write the text after a blank line, or mark it Status: draft)",
        )


def body_is_written(file: ContentFile, site: Site) -> Iterator[Problem]:
    """What `make new` left to fill in: its placeholder text and an empty byline."""
    if file.status == "draft" or file.kind != "article":
        return
    for number, line in file.body_lines():
        if PLACEHOLDER in line:
            yield Problem(
                file.shown,
                number,
                f"正文还是模板里的“{PLACEHOLDER}” (the skeleton's placeholder text)",
                "换成文章的正文；还没写完就加回 Status: draft (write the text, or keep it a draft)",
            )
        if EMPTY_BYLINE.search(line):
            yield Problem(
                file.shown,
                number,
                "记者名是空的：“（记者 ）” (empty byline)",
                "写上记者名，例如 本报讯（记者 孙露）；没有记者就删掉括号 (name the reporter)",
            )


def _last_line(file: ContentFile) -> int:
    """The body's last line; the header's last line when there is no body."""
    front = file.front
    return len(front.body) + front.body_start - 1 if front.body else max(front.body_start - 1, 1)


def explicit_slugs_are_unique(site: Site) -> Iterator[Problem]:
    first: dict[tuple[str, str], ContentFile] = {}
    for file in site.files:
        slug = file.value("slug")
        if not slug:
            continue
        key = (file.kind, slug)
        if key in first:
            other = first[key]
            yield Problem(
                file.shown,
                file.line_of("slug"),
                f'Slug "{slug}" 和 {other.shown}:{other.line_of("slug")} 重复 (duplicate Slug)',
                "给其中一篇换一个 Slug (give one of them another Slug)",
            )
        else:
            first[key] = file


def titles_are_distinct(site: Site) -> Iterator[Problem]:
    """A notice, not an error: two articles may share a title (a weekly 通知), and the later
    one gets a URL of its own (-2, core.cjk.slugs) — but it is often the same story twice."""
    first: dict[str, ContentFile] = {}
    for file in sorted(site.files, key=_slug_order):
        title = file.value("title")
        if file.kind != "article" or not title:
            continue
        other = first.setdefault(title, file)
        if other is not file:
            yield Problem(
                file.shown,
                file.line_of("title"),
                f"标题和 {other.shown} 相同 (two articles with one title)",
                "这篇的网址会自动加上 -2；如果是同一篇文章放了两次，删掉一篇；"
                "也可以改标题或写 Slug: (the second URL ends in -2)",
                notice=True,
            )


def _slug_order(file: ContentFile) -> tuple:
    """The order the slug rule takes articles in: published first, then by date and path."""
    return (file.status == "draft", file.value("date"), str(file.path))


def template_exists(file: ContentFile, site: Site) -> Iterator[Problem]:
    """Template: names a template of the theme made for this kind of file (article*.html
    for an article, page*.html for a page). Pelican fails while writing with any other:
    one that does not exist, or one made for a listing (`Template: index` crashed the build
    on a variable only the home page has, `Template: issue_print` on a filter only the
    print edition registers) — reported as "a bug in the site code", not the editor's."""
    header = file.get("template")
    name = header.value.strip() if header else ""
    if not header or not name:
        return
    kind = "article" if file.kind == "article" else "page"
    if name in _templates(site) and name.startswith(kind):
        return
    made = (
        "不存在 (no such template)"
        if name not in _templates(site)
        else (f"不是给{'文章' if kind == 'article' else '页面'}用的 (a template for other pages)")
    )
    yield Problem(
        file.shown,
        header.line,
        f'模板 "{name}" {made}',
        "删掉 Template: 这一行，用网站的默认模板 (remove the Template: line)",
    )


def _templates(site: Site) -> set[str]:
    if "templates" not in site.cache:
        folders = [*(site.settings.get("THEME_TEMPLATES_OVERRIDES") or [])]
        folders.append(Path(site.settings.get("THEME") or "") / "templates")
        found = [Path(folder) for folder in folders if Path(folder).is_dir()]
        site.cache["templates"] = {p.stem for folder in found for p in folder.glob("*.html")}
    return site.cache["templates"]


# A slug is one part of a URL: the characters a URL carries as they are (RFC 3986's
# unreserved). "you kong ge" made a folder and links with spaces (invalid hrefs); "a/b", "有"
# or "a%20b" are not what the address bar would show either. It starts with a letter or a
# digit: ".yincang" made a hidden folder (which some hosts and copies leave out) and
# ".well-known" the folder hosts keep for their own files (security.txt, certificates).
_PLAIN_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
# A file system names a folder in at most 255 bytes; a readable URL part is far shorter.
MAX_SLUG = 100


def slug_is_plain(file: ContentFile, site: Site) -> Iterator[Problem]:
    header = file.get("slug")
    value = header.value.strip() if header else ""
    if not header or not value or not _SAFE_OUTPUT.match(value):
        return  # (a path out of the site is output_paths_stay_inside's message)
    if len(value) <= MAX_SLUG and _PLAIN_SLUG.fullmatch(value):
        return
    from kuaixun.core.cjk.slugs import pinyin_slug  # (jieba and pypinyin: only for a fix)

    if len(value) > MAX_SLUG:
        yield Problem(
            file.shown,
            header.line,
            f"Slug 太长：{len(value)} 个字符 (a Slug of at most {MAX_SLUG} characters; "
            "the build could not write a folder so named)",
            f"写成 Slug: {pinyin_slug(value[:MAX_SLUG])}，或删掉这一行 (or remove the line)",
        )
        return
    yield Problem(
        file.shown,
        header.line,
        f'Slug "{value}" 只能用字母、数字和 -，并以字母或数字开头 '
        "(a Slug is letters, digits and hyphens, and starts with a letter or digit)",
        f"写成 Slug: {pinyin_slug(value)}，或删掉这一行，让网站按标题生成 (or remove the line)",
    )


# An output path an editor may give: relative, plain names, no way up or out.
_SAFE_OUTPUT = re.compile(r"^(?!/)(?!.*(^|/)\.\.?(/|$))[^\\:*?\"<>|\x00-\x1f]+$")


def output_paths_stay_inside(file: ContentFile, site: Site) -> Iterator[Problem]:
    """A Slug: stays one plain part of the site's own addresses: no "..", no "/" at its
    start, no backslash (Save_as: and URL: are `addresses_come_from_the_slug`'s)."""
    header = file.get("slug")
    value = header.value.strip() if header else ""
    if header and value and not _SAFE_OUTPUT.match(value):
        yield Problem(
            file.shown,
            header.line,
            f'{header.written} "{value}" 会写到网站以外或不是合法的网址 (path outside the site)',
            f"删掉 {header.written}: 这一行，让网站按标题生成，或写成 ming-zi 这样的字母和数字 "
            "(or letters, digits and hyphens)",
        )


def addresses_come_from_the_slug(file: ContentFile, site: Site) -> Iterator[Problem]:
    """No Save_as: or URL: by hand. Pelican writes the page where Save_as: says and links
    it where URL: says, and checks neither against the other or against other pages: URL:
    alone pointed every listing, the feed and the sitemap at another article's address (two
    feed entries with one id, the article itself unreachable), Save_as: alone made links
    to a page that does not exist, and either took spaces, "&" and quotes the Slug refuses
    (an ill-formed sitemap). An article's address is its date and Slug."""
    for key in ("save_as", "url"):
        header = file.get(key)
        if header is None:
            continue
        yield Problem(
            file.shown,
            header.line,
            f'{header.written}: "{header.value.strip()}" 不能自己写：网址由日期和 Slug 生成 '
            "(Save_as: and URL: are not for editors; the address comes from the date and Slug)",
            f"删掉 {header.written}: 这一行；要改网址，写 Slug: ming-zi (letters, digits, -)",
        )
