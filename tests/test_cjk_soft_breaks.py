"""Soft line breaks: gone between Chinese characters, a space between Latin words."""

import markdown
import pytest

from kuaixun.testing.cjk_site import build_fixture_site, rendered_articles


def to_html(source: str) -> str:
    md = markdown.Markdown(
        extensions=["extra", "toc", "kuaixun.core.cjk.markdown_ext"], output_format="html5"
    )
    return md.convert(source)


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("社区工作人员\n紧急救助", "<p>社区工作人员紧急救助</p>"),
        ("老人情绪，\n一边询问", "<p>老人情绪，一边询问</p>"),
        ("并\n“第一时间”", "<p>并“第一时间”</p>"),
        ("联系了家属。\nThe volunteers", "<p>联系了家属。\nThe volunteers</p>"),
        ("The volunteers\nsaid", "<p>The volunteers\nsaid</p>"),
        ("共170\n余人参加", "<p>共170\n余人参加</p>"),
        ("- 列表里的一行\n  被折成两行", "<ul>\n<li>列表里的一行被折成两行</li>\n</ul>"),
        ("> 引用段落\n> 折行", "<blockquote>\n<p>引用段落折行</p>\n</blockquote>"),
        ("**加粗的\n文字**照样", "<p><strong>加粗的文字</strong>照样</p>"),
        ("社区**服务**\n活动", "<p>社区<strong>服务</strong>活动</p>"),
        ("[链接里的\n文字](/x/)", '<p><a href="/x/">链接里的文字</a></p>'),
        ("代码 `保留\n原样` 之后", "<p>代码 <code>保留\n原样</code> 之后</p>"),
        ("    代码块\n    第二行", "<pre><code>代码块\n第二行\n</code></pre>"),
        ("硬换行  \n下一行", "<p>硬换行<br>\n下一行</p>"),
    ],
)
def test_soft_break_between_cjk_characters_disappears(source, html):
    assert to_html(source) == html


@pytest.fixture(scope="module")
def article(tmp_path_factory):
    build = build_fixture_site(tmp_path_factory.mktemp("cjk-breaks") / "output")
    assert build.returncode == 0, build.stderr
    return rendered_articles(build.output)["编辑器里自动换行的稿件"]


def test_markdown_setting_applies_the_extension_in_a_build(article):
    text = article.value("content")
    assert "新华街局前社区工作人员一边安抚老人情绪，一边询问老人身体情况，并“第一时间”" in text
    assert "列表里的一行被编辑器折成两行" in text
    assert "引用里的段落也会被折行，链接里的文字也一样。" in text
    assert "The volunteers\nsaid they would\ncome back" in text
