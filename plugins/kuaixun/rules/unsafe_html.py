"""The content check's rule against script in what editors write.

Markdown passes raw HTML through, and its attribute lists (`{: onclick=…}`) and links
(`[点我](javascript:…)`) can carry script too; the theme prints rendered bodies as HTML. So a
body that would put script, an embedded frame or plugin, an event-handler attribute, a
`javascript:`/`data:` URL, or a style on the page is a content error, reported with file and
line like every other (docs/security.md). The body is rendered with the site's own Markdown
settings and the result parsed with lxml, so whatever syntax produced the HTML, the HTML is
what is judged; each finding is then traced back to the line that wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote

import lxml.html

from kuaixun.core.markdown import (
    MAX_NESTING,
    markdown_renderer,
    nesting_depth,
    without_code_spans,
)
from kuaixun.core.notes_ext import COMMENT
from kuaixun.core.page_ids import is_theme_id
from kuaixun.core.problems import Problem
from kuaixun.rules.registry import ContentFile, Site

FRAMES = ("iframe", "frame", "frameset", "object", "embed", "applet")
PAGE_LEVEL = ("base", "meta", "link")
# A browser puts the attributes of a <body> or <html> met inside the page on the page's own
# element (onload= runs), and lxml drops such tags from a fragment unseen: the stdlib's
# tokenizer looks for them (`_page_tags`).
DOCUMENT_TAGS = ("html", "head", "body")
# A form on a news page can only imitate the site (a log-in, a "survey") to phish readers.
FORMS = ("form", "input", "button", "select", "textarea")
# Browsers read the inside of these differently from lxml (raw text, foreign content), so
# markup hidden in them could run in a browser yet pass this check; news text needs none.
OPAQUE = ("noscript", "noembed", "noframes", "plaintext", "xmp", "template", "svg", "math")
# Attributes a browser loads or follows as a URL, where a data: URL is a page of its own.
URL_ATTRIBUTES = {
    "href", "src", "srcset", "xlink:href", "action", "formaction", "poster", "background",
    "cite", "data", "ping", "codebase", "lowsrc", "dynsrc",
}  # fmt: skip
SCRIPT_SCHEMES = ("javascript:", "vbscript:")
# Elements that load a file into the page rather than link to one, and the attributes that
# name it. The site's CSP loads such files only from the site itself (img-src 'self' data:,
# media from default-src 'self'): one from another site is a hole in the article for
# readers, and, where the policy is not sent, tells that site who reads what.
# (<image> is an <img> to a browser's parser; `background=` still paints a table cell.)
EMBEDDING = ("img", "image", "video", "audio", "source", "track")
LOADING_ATTRIBUTES = ("src", "srcset", "poster")
# Elements whose end tag may be left out (HTML's optional end tags): the element around them
# closes them, nothing leaks out. Void elements have no end tag at all.
OPTIONAL_END = frozenset(
    ("p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "caption", "colgroup",
     "option", "optgroup", "rb", "rt", "rtc", "rp")
)  # fmt: skip
VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr")
)  # fmt: skip
# A browser ignores ASCII whitespace and control characters inside a URL's scheme
# ("java\tscript:"); lxml has already decoded character references such as &#x09;.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
# Only a body with one of these can make HTML beyond plain Markdown text: raw tags, attribute
# lists, links and images, character references. Others skip rendering (imported sites are big).
_MAYBE_HTML = re.compile(r"[<{]|\]\s*[(:\[]|&#|^\s{0,3}\[[^\]]+\]:", re.MULTILINE)

# A tag of the editor's own (Markdown's are always closed), or markup a browser hides as a
# comment (<?…>, <![CDATA[…]]>, <!DOCTYPE>: `_Balance`).
_RAW_TAG = re.compile(r"<\s*/?\s*[A-Za-z]|<\?|<!(?!--)")

NO_EMBED_FIX = "删除它；需要嵌入视频请联系技术同事"


@dataclass(frozen=True)
class Finding:
    """One piece of unsafe HTML in a rendered body, and how to find it in the source."""

    message: str
    fix: str
    needle: re.Pattern  # matches where the source wrote it


def _tag_needle(tag: str) -> re.Pattern:
    return re.compile(rf"<\s*{re.escape(tag)}\b", re.IGNORECASE)


def _attribute_needle(name: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-]){re.escape(name)}\s*=", re.IGNORECASE)


def url_scheme(value: str) -> str:
    """The scheme a browser would see in an attribute value, lower-cased ("" if none)."""
    cleaned = _IGNORED_IN_SCHEME.sub("", value).lower()
    scheme, colon, _ = cleaned.partition(":")
    return scheme + colon if colon and scheme.isalpha() else ""


def element_findings(tag: str) -> list[Finding]:
    needle = _tag_needle(tag)
    if tag == "script":
        message = "正文里不能有脚本 <script> (script in the body)"
        return [Finding(message, NO_EMBED_FIX, needle)]
    if tag in FRAMES:
        message = f"正文里不能嵌入外部页面或插件 <{tag}> (embedded frame or plugin)"
        return [Finding(message, NO_EMBED_FIX, needle)]
    if tag == "style":
        message = "正文里不能写样式表 <style> (stylesheet in the body; the site's CSP blocks it)"
        return [Finding(message, "删除它；版式由网站主题统一决定", needle)]
    if tag in OPAQUE:
        message = f"正文里不能直接写 <{tag}> (its inside can hide script from this check)"
        return [Finding(message, "删除它；图片请存成文件，用 ![说明](文件名.jpg) 插入", needle)]
    if tag in PAGE_LEVEL or tag in DOCUMENT_TAGS:
        message = f"正文里不能有页面级标签 <{tag}> (<{tag}> changes the whole page)"
        return [Finding(message, "删除它", needle)]
    if tag in ("marquee", "blink"):
        message = f"正文里不能有 <{tag}> (moving or blinking text: hard to read, WCAG 2.2.2)"
        return [Finding(message, "删除它；要强调用 **加粗**", needle)]
    if tag == "bdo":
        message = "正文里不能有 <bdo> (it shows text, a phone number, in reverse)"
        return [Finding(message, "删除它", needle)]
    if tag in HIDING:
        message = f"正文里不能有 <{tag}> ({HIDING[tag]})"
        return [Finding(message, "删除它；要强调用 **加粗**", needle)]
    if tag in FORMS:
        message = f"正文里不能有表单 <{tag}> (a form on a news page can phish readers)"
        fix = "删除它；问卷、报名请放外部网址的链接，如 [报名](https://…)"
        return [Finding(message, fix, needle)]
    return []


# Elements whose text readers do not see as the article's (hidden until something opens it,
# never drawn, drawn over the article, or the page's title), while the feeds and the search
# carry it and a screen reader may read it: what `hidden=` is refused for.
HIDING = {
    "dialog": "a box over the article, or hidden until opened",
    "datalist": "its options are never shown",
    "canvas": "its text is never drawn",
    "title": "a title inside the body is hidden",
    "font": "obsolete; its color= can hide text",
}
# Attributes that change how a page is read or used rather than what it says: a focus order
# of their own, keys, focus taken on load, text hidden from screen readers or from all
# readers (but not from feeds and the search), text one can edit. News text needs none.
BEHAVIOUR_ATTRIBUTES = (
    "tabindex", "accesskey", "autofocus", "contenteditable", "aria-hidden", "hidden", "inert",
    "popover",
)  # fmt: skip
# The only class names a body may carry: those the site's Markdown writes itself (footnotes,
# [TOC], a fenced block's language). Any other is the theme's, or none: `print-only`,
# `visually-hidden` and `skip-link` hide text from readers but not from the feeds and the
# search, and a script of the theme's may find an element by its class.
# The style a Markdown table's cells carry for their column's alignment.
MARKDOWNS_ALIGNMENT = re.compile(r"text-align: (?:left|right|center);?")
MARKDOWNS_CLASS = re.compile(r"footnote|footnote-ref|footnote-backref|toc|language-[\w+#.-]+")


def behaviour_findings(tag: str, name: str, value: str) -> list[Finding]:
    """An attribute of BEHAVIOUR_ATTRIBUTES, dir= but ltr or auto (written without "=" too:
    auto takes Chinese text's direction, and the marks that would turn it are refused in
    text), target= and rel=opener."""
    needle = re.compile(rf"(?<![\w-]){re.escape(name)}\b", re.IGNORECASE)
    if name in BEHAVIOUR_ATTRIBUTES:
        message = f"<{tag}> 带有 {name}= (it changes how readers, screen readers or keys use it)"
        return [Finding(message, f"删除 {name}=… 这一段", needle)]
    if name == "target" or (name == "rel" and "opener" in value.lower()):
        # target=_blank with rel=opener hands the new tab this one: the other site can
        # replace the bulletin with a copy of its own (reverse tabnabbing). Markdown writes
        # neither; a link opens where the reader chooses.
        message = (
            f"<{tag}> 带有 {name}= (a link opening a new window can let that site replace "
            "this page)"
        )
        return [Finding(message, f"删除 {name}=… 这一段", needle)]
    if name == "dir" and value.strip().lower() not in ("ltr", "auto"):
        # The right-to-left override characters are refused (rules/text.py); this is the
        # same trick in markup: "拨打 <span dir=rtl>…" reorders what follows.
        message = (
            f"<{tag}> 带有 dir={value.strip() or '…'} (right to left: it reorders what readers see)"
        )
        return [Finding(message, "删除 dir=… 这一段", needle)]
    return []


def presentation_findings(tag: str, name: str, value: str) -> list[Finding]:
    """style=, a class of the theme's (any but Markdown's own), color= and bgcolor=."""
    needle = _attribute_needle(name)
    if name == "style":
        if tag in ("td", "th") and MARKDOWNS_ALIGNMENT.fullmatch(value):
            return []  # a Markdown table's column alignment (|:--|--:|)
        message = f"<{tag}> 带有 style= 样式属性 (inline style; the site's CSP blocks it)"
        return [Finding(message, "删除 style=… 这一段；版式由网站主题统一决定", needle)]
    if name == "class":
        theirs = [c for c in value.split() if not MARKDOWNS_CLASS.fullmatch(c)]
        if not theirs:
            return []
        message = (
            f'<{tag}> 带有 class="{" ".join(theirs)}" (the site\'s own class names can hide '
            "text from readers, or change how it is shown)"
        )
        fix = "删除 class=… 或 {: .…} 这一段；版式由网站主题统一决定"
        first = re.escape(theirs[0])
        needle = re.compile(rf"class\s*=\s*[\"']?[^\"'>]*{first}|\{{[^}}]*\.{first}")
        return [Finding(message, fix, needle)]
    message = f"<{tag}> 带有 {name}= (a colour of its own: white on white hides text)"
    return [Finding(message, f"删除 {name}=… 这一段；要强调用 **加粗**", needle)]


# Attributes refused on any element: what each does, and the fix.
REFUSED_ATTRIBUTES = {
    "srcdoc": ("a page of HTML inside an attribute", NO_EMBED_FIX),
    # A click then also tells another address who clicked what, unseen.
    "ping": ("each click is reported to another address", "删除 ping=… 这一段；链接只写 href"),
    # download="通知.bat" on a link to a published .txt: the browser saved the text as a file
    # Windows runs when it is opened. A file downloads under its own name without it.
    "download": (
        "the reader's browser saves the file under a name and type the body chooses",
        "删除 download=… 这一段；文件会用它自己的名字下载",
    ),
}


def attribute_findings(tag: str, name: str, value: str) -> list[Finding]:
    needle = _attribute_needle(name)
    if name in BEHAVIOUR_ATTRIBUTES or name in ("dir", "target", "rel"):
        return behaviour_findings(tag, name, value)
    if name.startswith("aria-") or name == "role":
        return [_spoken(tag, name)]
    if name.startswith("on"):
        message = f"<{tag}> 带有脚本属性 {name}= (event-handler attribute runs script)"
        return [Finding(message, f"删除 {name}=… 这一段", needle)]
    if name in ("style", "class", "color", "bgcolor"):
        return presentation_findings(tag, name, value)
    if name == "name":
        # <form name="getElementById"> hides the page's own document.getElementById: the
        # 长辈版 button and read-aloud stop working (DOM clobbering).
        message = f"<{tag}> 带有 name= (it can hide the page's own functions from its scripts)"
        return [Finding(message, "删除 name=… 这一段；要做锚点，用 ## 小标题", needle)]
    if name == "id" and is_theme_id(value):
        message = f'id="{value}" 是网站页面自己用的 (the theme\'s own id: two elements share it)'
        return [Finding(message, f"换一个 id，或删除它（网站已用：{value}）", _id_needle(value))]
    if name in REFUSED_ATTRIBUTES:
        said, fix = REFUSED_ATTRIBUTES[name]
        return [Finding(f"<{tag}> 带有 {name}= ({said})", fix, needle)]
    return url_findings(tag, name, value)


def url_findings(tag: str, name: str, value: str) -> list[Finding]:
    """A URL that runs script, copies a reader's mail, loads another site's file, or is a
    data: page."""
    scheme = url_scheme(value)
    if scheme == "mailto:" and name in URL_ATTRIBUTES and (field := _copied_to(value)):
        message = (
            f"邮件链接带有 {field}=：读者的信会同时发给另一个地址 (a mailto: link that copies "
            "the reader's mail to another address)"
        )
        fix = "删除 ?… 里的 to=、cc=、bcc=，只留编辑部的地址，如 mailto:bianji@example.org"
        needle = re.compile(rf"mailto:[^\s\"'<>]*?[?&;]{field}=", re.IGNORECASE)
        return [Finding(message, fix, needle)]
    if scheme in SCRIPT_SCHEMES:
        message = f"链接地址不能是 {scheme} (a {scheme} URL runs script)"
        fix = "换成 https:// 开头的网址，或删除这个链接"
        return [Finding(message, fix, _scheme_needle(scheme))]
    loads = (tag in EMBEDDING and name in LOADING_ATTRIBUTES) or name == "background"
    if loads and (url := _external(name, value)):
        message = (
            f"<{tag}> 用了别的网站上的文件 {url[:60]} (a file from another site: the site's "
            "security policy does not load it, and that site would see who reads)"
        )
        fix = "把照片下载下来放在文章旁边，用 ![说明](文件名.jpg) 插入；视频、音频请联系技术同事"
        return [Finding(message, fix, re.compile(re.escape(url)))]
    if scheme == "data:" and name in URL_ATTRIBUTES:
        message = f"<{tag}> 的 {name} 不能用 data: 地址 (data: URL)"
        fix = "把图片存成文件放在文章旁边，用 ![说明](文件名.jpg) 插入"
        return [Finding(message, fix, _scheme_needle("data:"))]
    return []


# The fields of a mailto: URL that add addresses (RFC 6068): the mail program fills them in,
# and a reader who writes to the bulletin sends a copy to someone else, a Bcc unseen.
MAIL_RECIPIENTS = ("to", "cc", "bcc")


def _copied_to(value: str) -> str:
    """The first field of a mailto: URL that adds a recipient ("" if none), however its
    name is spelt (CC, %62cc)."""
    query = value.partition("?")[2]
    for field in re.split(r"[&;]", query):
        name = unquote(field.partition("=")[0]).strip().lower()
        if name in MAIL_RECIPIENTS:
            return name
    return ""


# Markdown writes no aria-* or role= (footnotes, [TOC] and tables included): in a body they
# give a screen reader another text than the one readers see (aria-label="区政府官方通知" on
# "点这里领取补贴"; aria-labelledby and aria-describedby read other elements' text), or
# another role. aria-hidden is a BEHAVIOUR_ATTRIBUTE. An empty link is named by the words in
# its brackets (rules/readable.py), not by a label only a screen reader hears.
def _spoken(tag: str, name: str) -> Finding:
    message = (
        f"<{tag}> 带有 {name}=：读屏软件念的和读者看到的不一样 (a screen reader would "
        "read another text, or another role, than the page shows)"
    )
    fix = f"删除 {name}=… 这一段；读屏软件念的就是链接、小标题的文字和照片的替代文字"
    return Finding(message, fix, _attribute_needle(name))


def _external(name: str, value: str) -> str:
    """The first URL of the attribute that names another site ("" if none): an absolute
    http(s) or other-scheme URL, or one starting "//" (browsers read "\\" in a web address as
    "/", so "\\\\host/x.jpg" is another site too). data: is attribute_findings' own case."""
    urls = (
        [part.split()[0] for part in value.split(",") if part.split()]
        if name == "srcset"
        else [value]
    )
    for url in urls:
        scheme = url_scheme(url)
        cleaned = _IGNORED_IN_SCHEME.sub("", url).replace("\\", "/")
        if (scheme and scheme not in ("data:", *SCRIPT_SCHEMES)) or cleaned.startswith("//"):
            return url.strip()
    return ""


def _id_needle(value: str) -> re.Pattern:
    """Where the source sets this id: id="…" in HTML or #… in an attribute list {: #… }."""
    spelt = re.escape(value)
    return re.compile(rf"(?:(?<![\w-])id\s*=\s*[\"']?|\{{[^}}]*#){spelt}(?![\w-])", re.IGNORECASE)


def _scheme_needle(scheme: str) -> re.Pattern:
    """The scheme as the source may spell it: any case, letters as character references,
    tabs and newlines (or their references) between them: "JaVa&#x09;Script&colon;"."""
    junk = r"(?:\s|&#0*(?:9|10|13);?|&#x0*[9ad];?|&tab;|&newline;)*"
    return re.compile(junk.join(_spelt(char) for char in scheme), re.IGNORECASE)


def _spelt(char: str) -> str:
    if char == ":":
        return r"(?::|&colon;|&#0*58;?|&#x0*3a;?)"
    codes = {ord(char.lower()), ord(char.upper())}
    references = "|".join(rf"&#0*{code};?|&#x0*{code:x};?" for code in sorted(codes))
    return rf"(?:{re.escape(char)}|{references})"


def findings(html: str, raw: bool = True, opened: bool = True) -> list[Finding]:
    """Every piece of unsafe HTML in a rendered body, in document order (`raw`: whether the
    source writes HTML tags of its own, since Markdown's own are always closed; `opened`:
    whether it writes "<!--" that no "-->" ends, since "&lt;!--" is text the editor meant)."""
    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    found: list[Finding] = []
    ids: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions never run
        tag = element.tag.lower()
        found += element_findings(tag)
        if (given := element.get("id")) is not None:
            if given in ids:
                found.append(_twice(given))
            ids.add(given)
        for name, value in element.attrib.items():
            found += attribute_findings(tag, name.lower(), value)
        found += hidden_text_findings(element, tag)
    for tag in _page_tags(html):
        found += element_findings(tag)
    if opened and ("<!--" in COMMENT.sub("", html) or _shown_comment(root)):
        found.append(OPEN_COMMENT)
    return found + (unbalanced(html) if raw else [])


def _twice(given: str) -> Finding:
    """An id the body gives two elements (a raw id= and a heading's anchor: "## 注意" is
    #zhu-yi): invalid HTML, and a link to it goes to the first."""
    message = f'id="{given}" 在正文里用了两次 (two elements with one id; a heading has one too)'
    return Finding(message, "换一个 id，或删除 id=…", _id_needle(given))


# A browser that plays a video or audio shows none of the text inside the player (only one
# that cannot play it does), while the feeds and the search carry it.
PLAYERS = ("video", "audio")
PLAYER_TEXT = Finding(
    "<video> 或 <audio> 里面的文字读者看不到 (text inside a player is hidden from readers)",
    "把说明文字写在播放器外面的段落里",
    re.compile(r"<\s*(?:video|audio)\b", re.IGNORECASE),
)


# <rp> holds the parentheses a browser without ruby shows around a reading; every other
# browser hides it, so anything else in it is hidden text.
RUBY_PARENTHESES = frozenset(("", "(", ")", "（", "）"))
RUBY_TEXT = Finding(
    "<rp> 里只能写括号 (text in <rp> is hidden by browsers that show ruby)",
    "<rp> 里只写 ( 或 )；要写的文字放在正文里",
    re.compile(r"<\s*rp\b", re.IGNORECASE),
)
# Each of these makes text smaller; three in one another make it ≈ 2 pixels high.
SHRINKING = frozenset(("small", "sub", "sup"))
SHRUNK = Finding(
    "<small>、<sub>、<sup> 套了三层以上，文字小到看不见 (text shrunk out of sight)",
    "最多套两层；要不显眼的文字，直接删掉",
    re.compile(r"<\s*(?:small|sub|sup)\b", re.IGNORECASE),
)


def hidden_text_findings(element, tag: str) -> list[Finding]:
    """Text in the element that readers never see: inside a player, in an <rp>, three sizes
    smaller."""
    if tag in PLAYERS and _fallback_text(element):
        return [PLAYER_TEXT]
    if tag == "rp" and element.text_content().strip() not in RUBY_PARENTHESES:
        return [RUBY_TEXT]
    if tag in SHRINKING and sum(a.tag in SHRINKING for a in element.iterancestors()) == 2:
        return [SHRUNK]
    return []


def _fallback_text(element) -> bool:
    """Whether a player holds text of its own (its <source> and <track> hold none)."""
    if (element.text or "").strip():
        return True
    return any((child.tail or "").strip() or child.text_content().strip() for child in element)


# A comment the notes extension left in place has no end; one Markdown shows as text
# ("&lt;!--", outside code) was never HTML. Either way the note is not hidden: the browser
# would hide the rest of the page inside it, or the reader sees the note.
OPEN_COMMENT = Finding(
    "注释 <!-- 没有结束 (a comment without its end: the note, or the rest of the page, "
    "would show wrongly)",
    "在备注末尾加上 -->，或删掉 <!--",
    re.compile(r"<!--"),
)
CODE_TAGS = frozenset(("code", "pre", "kbd", "samp"))


def _shown_comment(root) -> bool:
    """Whether text outside code shows "<!--" (an unended comment Markdown made text)."""
    for element in root.iter():
        if ("<!--" in (element.text or "") and not _in_code(element)) or (
            "<!--" in (element.tail or "") and not _in_code(element.getparent())
        ):
            return True
    return False


def _in_code(element) -> bool:
    """Whether the element is code or inside code (None, the root's parent: no)."""
    return element is not None and any(
        isinstance(e.tag, str) and e.tag in CODE_TAGS for e in (element, *element.iterancestors())
    )


# The deepest raw HTML a body may nest (Markdown's own, 20 levels of quotes or lists, stays
# well below). lxml stops building the tree at 255 levels, so a body nested deeper hid a
# <meta http-equiv=refresh>, a <script> and every attribute after it from this check.
MAX_HTML_DEPTH = 100


class _Balance(HTMLParser):
    """Start and end tags paired as the body writes them: a tag left open runs on into the
    page after the article (an <a> makes the rest of the page one link to its address, a <b>
    bolds it, a <div> takes the theme's footer in); an end tag with no start closes the
    theme's own elements (</div></main> ends the page's main part inside the article)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str]] = []  # (tag, its start tag as written)
        self.found: list[Finding] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in VOID:
            return
        if tag in OPTIONAL_END and self.open and self.open[-1][0] == tag:
            self.open.pop()  # <li>a<li>b: the second ends the first
        self.open.append((tag, self.get_starttag_text() or f"<{tag}>"))
        if len(self.open) == MAX_HTML_DEPTH + 1:
            message = (
                f"HTML 标签套了超过 {MAX_HTML_DEPTH} 层 (tags nested too deep: the checker, "
                "like libxml2 past 255 levels, cannot see what is inside)"
            )
            needle = re.compile(re.escape(self.open[-1][1]), re.IGNORECASE)
            self.found.append(Finding(message, "减少套在一起的标签，或删掉它们", needle))

    # <div/> opens a div in HTML (only void elements end at once); <br/> is a <br>.
    handle_startendtag = handle_starttag

    # A processing instruction, CDATA or a declaration in a body: a browser takes each for a
    # comment and shows nothing, but the text is in the page's source, both feeds and the
    # search (a telephone number in <?秘密 …?> passed every rule). Notes are <!-- -->, which
    # the build takes out (core/notes_ext.py).
    def handle_pi(self, data: str) -> None:
        self._hidden("<?…>", re.compile(re.escape("<?")))

    def handle_decl(self, decl: str) -> None:
        self._hidden("<!DOCTYPE …>", re.compile(r"<!\s*doctype", re.IGNORECASE))

    def unknown_decl(self, data: str) -> None:
        self._hidden("<![CDATA[…]]>", re.compile(re.escape("<![")))

    def _hidden(self, what: str, needle: re.Pattern) -> None:
        message = (
            f"正文里的 {what} 读者看不见，却会出现在网页源代码、订阅源和搜索里 "
            "(markup a browser hides as a comment)"
        )
        fix = "删掉它；给编辑看的备注写成 <!-- 备注 -->，网站会去掉"
        self.found.append(Finding(message, fix, needle))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not any(name == tag for name, _ in self.open):
            message = (
                f"多余的结束标签 </{tag}> (an end tag with no start closes the page's own parts)"
            )
            needle = re.compile(rf"<\s*/\s*{re.escape(tag)}\s*>", re.IGNORECASE)
            self.found.append(Finding(message, f"删除这个 </{tag}>", needle))
            return
        while self.open:
            name, written = self.open.pop()
            if name == tag:
                break
            self._unclosed(name, written)

    def _unclosed(self, tag: str, written: str) -> None:
        if tag in OPTIONAL_END:
            return
        message = f"<{tag}> 没有结束标签 </{tag}> (a tag left open runs on into the page after it)"
        fix = f"在同一段里加上 </{tag}>，或删掉 <{tag}>"
        self.found.append(Finding(message, fix, re.compile(re.escape(written), re.IGNORECASE)))

    def close(self) -> None:
        super().close()
        while self.open:
            self._unclosed(*self.open.pop())


def unbalanced(html: str) -> list[Finding]:
    """The body's tags left open and its end tags that close nothing (`_Balance`)."""
    parser = _Balance()
    parser.feed(html)
    parser.close()
    return parser.found


class _DocumentTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in DOCUMENT_TAGS:
            self.tags.append(tag)

    handle_startendtag = handle_starttag


# Where one might be: the tokenizer (pure Python) then tells a tag from a comment's or an
# attribute's text; most bodies have no such name at all.
_DOCUMENT_TAG = re.compile(r"<\s*(?:html|head|body)\b", re.IGNORECASE)


def _page_tags(html: str) -> list[str]:
    """The <html>, <head> and <body> start tags in a rendered body, which lxml drops."""
    if not _DOCUMENT_TAG.search(html):
        return []
    parser = _DocumentTags()
    parser.feed(html)
    parser.close()
    return parser.tags


def locate(found: list[Finding], lines: list[tuple[int, str]]) -> list[int | None]:
    """The source line of each finding: the k-th finding of a kind is the k-th place the
    source writes it (outside code spans); None when the source spells it unrecognisably."""
    searchable = [(number, without_code_spans(line)) for number, line in lines]
    used: dict[str, int] = {}
    located = []
    for finding in found:
        places = [n for n, text in searchable for _ in finding.needle.finditer(text)]
        index = used.get(finding.needle.pattern, 0)
        used[finding.needle.pattern] = index + 1
        located.append(places[min(index, len(places) - 1)] if places else None)
    return located


def body_problems(
    shown: str, body: str, lines: list[tuple[int, str]], render: Callable[[str], str]
) -> list[Problem]:
    """The unsafe-HTML problems of one Markdown body; `lines` are its numbered lines."""
    if not _MAYBE_HTML.search(body):
        return []
    written = "\n".join(without_code_spans(line) for _, line in lines)
    opened = "<!--" in written and "<!--" in COMMENT.sub("", written)
    found = findings(render(body), raw=bool(_RAW_TAG.search(body)), opened=opened)
    first_line = lines[0][0] if lines else None
    return [
        Problem(shown, line or first_line, f.message, f.fix)
        for f, line in zip(found, locate(found, lines), strict=True)
    ]


def renderer(site: Site) -> Callable[[str], str]:
    """The site's Markdown, made once a check (rules/links.py renders with it too)."""
    if "markdown renderer" not in site.cache:
        site.cache["markdown renderer"] = markdown_renderer(site.settings)
    return site.cache["markdown renderer"]


def rendered(file: ContentFile, site: Site) -> str:
    """The body as the site's Markdown renders it, made once for every rule that reads it
    (this one, rules/links.py, rules/readable.py, the notes' links). A line nested too deep
    for Markdown to render (rules/text.py reports it) is left out, not the whole body: a
    body skipped for one such line once let a note's <meta http-equiv=refresh> through."""
    if "html" not in file.derived:
        deep = {n for n, line in file.body_lines() if nesting_depth(line) > MAX_NESTING}
        body = ("" if n in deep else line for n, line in file.front.numbered_body())
        file.derived["html"] = renderer(site)("\n".join(body))
    return file.derived["html"]


def body_has_no_script(file: ContentFile, site: Site) -> Iterator[Problem]:
    """Articles and pages, drafts too: the preview shows them in a browser."""
    lines = list(file.body_lines())
    body = "\n".join(file.front.body)
    yield from body_problems(file.shown, body, lines, lambda _: rendered(file, site))
