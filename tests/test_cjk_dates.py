"""Chinese dates: the zh_date filter, alone and in a real build."""

import datetime as dt

import pytest

from kuaixun.core.cjk.dates import zh_date
from kuaixun.testing.cjk_site import build_fixture_site, rendered_articles


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2020, 11, 27), "2020年11月27日 星期五"),
        (dt.date(2020, 11, 29), "2020年11月29日 星期日"),
        (dt.date(2021, 3, 1), "2021年3月1日 星期一"),
        (dt.datetime(2020, 11, 7, 23, 30), "2020年11月7日 星期六"),
    ],
)
def test_zh_date_writes_year_month_day_and_weekday(day, expected):
    assert zh_date(day) == expected


def test_zh_date_leaves_weekday_out_on_request():
    assert zh_date(dt.date(2020, 11, 27), weekday=False) == "2020年11月27日"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    build = build_fixture_site(tmp_path_factory.mktemp("cjk-dates") / "output")
    assert build.returncode == 0, build.stderr
    return rendered_articles(build.output)


def test_templates_get_the_zh_date_filter(site):
    article = site["整治学习活动"]
    assert article.value("date") == "2020年11月20日 星期五"
    assert article.value("day") == "2020年11月20日"
