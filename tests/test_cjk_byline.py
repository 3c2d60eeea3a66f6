"""Reporters from the byline become the article's authors when front matter has none."""

import pytest

from kuaixun.core.cjk.byline import reporters, reporters_in_credits
from kuaixun.testing.cjk_site import build_fixture_site, rendered_articles


@pytest.mark.parametrize(
    ("paragraphs", "names"),
    [
        (["本报讯（记者 邱东芳）24日，伴随着签约仪式"], ["邱东芳"]),
        (["本报讯(记者 孙露)为进一步提高"], ["孙露"]),
        (["本报讯（记者 邱东芳、段雨萌）为引导居民"], ["邱东芳", "段雨萌"]),
        (["本报讯（记者 孙露 段雨萌）近日"], ["孙露", "段雨萌"]),
        (["本报平城讯（见习记者 李明）近日"], ["李明"]),
        (["导语段落。", "本报讯（记者 孙露）11月26日上午"], ["孙露"]),
        (["正文。", "……", "本报记者 孙露"], ["孙露"]),
        (["正文。", "本报记者 孙露 段雨萌"], ["孙露", "段雨萌"]),
        (["本报讯（通讯员 王强）近日"], []),
        (["社区居民王女士说：“本报记者很辛苦。”"], []),
    ],
)
def test_reporters_are_read_from_the_byline(paragraphs, names):
    assert reporters(paragraphs) == names


def test_correspondents_are_not_reporters():
    assert reporters_in_credits("记者 段雨萌、孙露 通讯员 王强") == ["段雨萌", "孙露"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    build = build_fixture_site(tmp_path_factory.mktemp("cjk-byline") / "output")
    assert build.returncode == 0, build.stderr
    return build, rendered_articles(build.output)


@pytest.mark.parametrize(
    ("title", "authors"),
    [
        ("幸福里社区开展垃圾分类宣传", {"邱东芳": "qiu-dong-fang", "段雨萌": "duan-yu-meng"}),
        ("社区志愿者冬季送温暖", {"孙露": "sun-lu", "段雨萌": "duan-yu-meng"}),
        ("整治学习活动", {"孙露": "sun-lu"}),  # front matter Authors: kept
    ],
)
def test_article_without_authors_takes_them_from_the_byline(site, title, authors):
    _, articles = site
    assert articles[title].slugs("authors") == authors


def test_byline_reporters_get_their_reporter_pages(site):
    build, _ = site
    page = (build.output / "reporter" / "qiu-dong-fang" / "index.html").read_text(encoding="utf-8")
    assert "幸福里社区开展垃圾分类宣传" in page
