"""Pinyin slugs and the collision rule (see the docstring of cjk.slugs)."""

import re

import pytest

from kuaixun.core.cjk.slugs import (
    MAX_SLUG_CHARS,
    assign_slugs,
    heading_id,
    pinyin_slug,
    unique_slug,
)
from kuaixun.testing.builds import copy_content, run_build
from kuaixun.testing.cjk_site import build_fixture_site, rendered_articles

SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("小举动暖人心", "xiao-ju-dong-nuan-ren-xin"),
        ("170余人参加 社区矫正业务培训", "170-yu-ren-can-jia-she-qu-jiao"),  # 参加, not 人参
        ("用心“点名” 践行使命", "yong-xin-dian-ming-jian-xing-shi-ming"),
        ("重庆银行行长", "chong-qing-yin-hang-hang-zhang"),
        ("绿色社区", "lv-se-she-qu"),
        ("COVID-19疫情防控", "covid-19-yi-qing-fang-kong"),
        ("——", "wen-zhang"),
    ],
)
def test_pinyin_slug_reads_words_not_single_characters(title, slug):
    assert pinyin_slug(title) == slug


def test_pinyin_slug_keeps_at_most_eight_syllables():
    slug = pinyin_slug("平城区第二届政府向社会力量购买服务项目全面落地")
    assert slug == "ping-cheng-qu-di-er-jie-zheng-fu"


def test_homophones_collide_as_plain_pinyin_but_not_with_tones():
    assert pinyin_slug("整治") == pinyin_slug("政治") == "zheng-zhi"
    assert pinyin_slug("整治", tones=True) == "zheng3-zhi4"
    assert pinyin_slug("政治", tones=True) == "zheng4-zhi4"


def test_later_homophone_gets_tones_and_then_a_number():
    assert assign_slugs(["孙露", "孙璐", "孙鹭"]) == {
        "孙露": "sun-lu",
        "孙璐": "sun1-lu4",
        "孙鹭": "sun1-lu4-2",
    }


def test_the_same_title_again_gets_a_number_not_tones():
    assert unique_slug_sequence(["崇仁社区重阳节敬老活动"] * 3) == [
        "chong-ren-she-qu-chong-yang-jie-jing",
        "chong-ren-she-qu-chong-yang-jie-jing-2",
        "chong-ren-she-qu-chong-yang-jie-jing-3",
    ]


def test_a_homophone_after_a_repeated_title_still_gets_tones():
    assert unique_slug_sequence(["整治", "整治", "政治", "政治"]) == [
        "zheng-zhi",
        "zheng-zhi-2",
        "zheng4-zhi4",
        "zheng4-zhi4-2",
    ]


def unique_slug_sequence(titles: list[str]) -> list[str]:
    taken: set[str] = set()
    first_of: dict[str, str] = {}
    return [unique_slug(title, taken, first_of) for title in titles]


def test_a_slug_already_taken_by_an_editor_is_not_handed_out():
    taken = {"zheng-zhi"}
    assert unique_slug("整治", taken) == "zheng3-zhi4"
    assert taken == {"zheng-zhi", "zheng3-zhi4"}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    build = build_fixture_site(tmp_path_factory.mktemp("cjk-slugs") / "output")
    assert build.returncode == 0, build.stderr
    return build


@pytest.fixture(scope="module")
def site(build):
    return rendered_articles(build.output)


def test_every_article_slug_is_pinyin_and_distinct(site):
    slugs = [article.slug for article in site.values()]
    assert all(SLUG_RE.fullmatch(slug) for slug in slugs), slugs
    assert len(set(slugs)) == len(slugs)


def test_earliest_homophone_title_keeps_the_plain_slug(site):
    assert site["整治学习活动"].slug == "zheng-zhi-xue-xi-huo-dong"  # 2020-11-20
    assert site["政治学习活动"].slug == "zheng4-zhi4-xue2-xi2-huo2-dong4"  # 2020-11-22
    # the same title once more (2020-11-23): tones taken too, so a number
    assert site["政治学习活动 (zheng4-zhi4-xue2-xi2-huo2-dong4-2)"].path.parent.name == (
        "zheng4-zhi4-xue2-xi2-huo2-dong4-2"
    )


def test_editor_slug_wins_even_over_an_earlier_article(site):
    assert site["社区简讯"].slug == "she-qu-jian-xun"  # Slug: in the later article
    assert site["社区简讯 (she4-qu1-jian3-xun4)"].slug == "she4-qu1-jian3-xun4"


def test_slug_is_the_url_folder(site):
    for article in site.values():
        assert article.path.parent.name == article.slug


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("authors", {"孙露": "sun-lu", "孙璐": "sun1-lu4"}),
        ("tags", {"整治": "zheng-zhi", "政治": "zheng4-zhi4"}),
    ],
)
def test_taxonomy_homophones_get_distinct_slugs(site, kind, names):
    seen = {}
    for article in site.values():
        seen.update(article.slugs(kind))
    assert {name: seen[name] for name in names} == names


@pytest.mark.parametrize(
    "folder",
    [
        "reporter/sun-lu",
        "reporter/sun1-lu4",
        "tag/zheng-zhi",
        "tag/zheng4-zhi4",
        "lanmu/she-qu-dong-tai",
    ],
)
def test_taxonomy_pages_are_written_under_pinyin_slugs(build, folder):
    assert (build.output / folder / "index.html").is_file()


def test_reporter_page_lists_only_that_reporters_articles(build):
    page = (build.output / "reporter" / "sun1-lu4" / "index.html").read_text(encoding="utf-8")
    assert "政治学习活动" in page
    assert "整治学习活动" not in page  # by 孙露, a different reporter with the same pinyin


def test_page_without_slug_gets_pinyin(build):
    assert (build.output / "guan-yu-chang-zhi-jiu-an" / "index.html").is_file()


def test_chinese_headings_get_pinyin_anchors(build):
    page = (build.output / "guan-yu-chang-zhi-jiu-an" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="tou-gao-yu-lian-xi">投稿与联系</h2>' in page
    assert '<h2 id="tou-gao-yu-lian-xi_1">投稿与联系</h2>' in page


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Main", "h-main"),
        ("Search", "h-search"),
        ("Year 2020", "h-year-2020"),
        ("主要内容", "zhu-yao-nei-rong"),
    ],
)
def test_a_heading_never_takes_an_id_of_the_theme(heading, anchor):
    """## Main made a second id="main" on the page: invalid, and the skip link's target."""
    assert heading_id(heading) == anchor


def test_a_long_latin_word_gives_a_slug_a_file_name_can_hold(tmp_path):
    """A title or tag with a word of 300 letters stopped the build ("File name too long"):
    a syllable is a run of letters or digits too. A slug and an anchor are cut at a hyphen
    within MAX_SLUG_CHARS, or at it."""
    assert pinyin_slug("宽度测试 " + "A" * 300) == "kuan-du-ce-shi"
    assert pinyin_slug("B" * 300) == "b" * MAX_SLUG_CHARS
    assert len(heading_id("C" * 300)) == MAX_SLUG_CHARS
    content = copy_content(tmp_path / "content")
    text = (content / "articles" / "2020" / "11" / "pufa-xuanchuan.md").read_text("utf-8")
    text = text.replace("\nTags: ", "\nTags: " + "X" * 300 + ", ", 1)
    text = text.replace("Title: ", "Title: 长词 " + "Y" * 300 + " ", 1)
    (content / "articles" / "2020" / "11" / "pufa-xuanchuan.md").write_text(text, "utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "output" / "tag" / ("x" * MAX_SLUG_CHARS)).is_dir()
