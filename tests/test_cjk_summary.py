"""Summaries: the story's opening without the byline, 80–120 characters, cut at a pause."""

import html

import pytest

from kuaixun.core.cjk.summary import boundaries, cut, lead_text, summarize
from kuaixun.core.cjk.text import CLOSERS, SENTENCE_ENDS
from kuaixun.testing.cjk_site import build_fixture_site, rendered_articles

ENDS = SENTENCE_ENDS + "…"


def ends_at_boundary(summary: str) -> bool:
    return summary.rstrip(CLOSERS)[-1:] in ENDS


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("本报讯（记者 邱东芳）24日，伴随着签约仪式。", "24日，伴随着签约仪式。"),
        ("本报讯(记者 孙露)为进一步提高能力。", "为进一步提高能力。"),
        ("本报讯（记者 段雨萌 通讯员 王强）近日，社区开展活动。", "近日，社区开展活动。"),
        ("本报平城讯（记者 邱东芳）近日，社区开展活动。", "近日，社区开展活动。"),
        ("本报记者 孙露 日前，社区开展活动。", "日前，社区开展活动。"),
    ],
)
def test_summary_leaves_the_byline_out(paragraph, expected):
    assert lead_text([paragraph]) == expected


def test_bare_byline_line_and_omission_mark_are_skipped():
    assert lead_text(["……", "本报记者 孙露", "正文。"]) == "正文。"


def test_lead_joins_paragraphs_until_there_is_enough_text():
    first, second, third = "甲" * 50 + "。", "乙" * 80 + "。", "丙" * 10 + "。"
    assert lead_text([first, second, third]) == first + second


def test_cut_prefers_a_sentence_end_within_80_to_120_characters():
    text = "甲" * 89 + "。" + "乙" * 20 + "，" + "丙" * 40 + "。"
    assert cut(text) == "甲" * 89 + "。"


def test_cut_prefers_a_whole_sentence_just_below_80_to_half_a_sentence():
    text = "甲" * 74 + "。" + "乙" * 20 + "，" + "丙" * 40 + "。"
    assert cut(text) == "甲" * 74 + "。"


def test_cut_at_a_clause_end_shows_an_ellipsis():
    text = "甲" * 99 + "，" + "乙" * 40 + "。"
    assert cut(text) == "甲" * 99 + "……"


def test_cut_keeps_the_closing_quote_of_a_quoted_sentence():
    text = "甲" * 80 + "“乙乙乙。”" + "丙" * 60 + "。"
    assert cut(text) == "甲" * 80 + "“乙乙乙。”"


def test_cut_never_stops_inside_quotation_marks():
    text = "甲" * 85 + "“老百姓想什么，政府就做什么”" + "乙" * 20 + "。" + "丙" * 60
    assert [end for end, _ in boundaries(text)] == [85 + 15 + 21]


def test_doubled_ellipsis_is_one_boundary():
    assert boundaries("甲……乙") == [(3, True)]


def test_short_text_is_kept_whole():
    assert cut("社区开展普法宣传") == "社区开展普法宣传"


def test_summary_of_html_is_plain_text():
    summary = summarize(
        "<p>本报讯（记者 孙露）<strong>社区</strong>开展<a href='/x/'>活动</a>。</p>"
    )
    assert summary == "社区开展活动。"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    build = build_fixture_site(tmp_path_factory.mktemp("cjk-summary") / "output")
    assert build.returncode == 0, build.stderr
    return rendered_articles(build.output)


def test_built_summaries_are_plain_text_without_byline_ending_at_a_boundary(site):
    for title, article in site.items():
        assert "<" not in article.summary_html, title
        assert not article.summary.startswith("本报"), title
        assert ends_at_boundary(article.summary), (title, article.summary)
        assert len(article.summary) <= 120 + len("……"), title


def test_summary_spans_paragraphs_when_the_first_is_short(site):
    summary = site["社区志愿者冬季送温暖"].summary
    assert summary.endswith("“有这些孩子们惦记着，我们心里暖和。”独居老人刘大爷说。")


def test_editor_summary_wins_and_is_escaped_plain_text(site):
    article = site["社区简讯"]
    assert article.summary == "编辑自己写的摘要 & 说明，优先于自动摘要。"
    assert article.summary_html == html.escape(article.summary)
