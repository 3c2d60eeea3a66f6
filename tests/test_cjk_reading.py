"""Reading time counts Han characters (400 a minute) and Latin words (200 a minute)."""

import pytest

from kuaixun.core.cjk.reading import reading_minutes
from kuaixun.testing.cjk_site import build_fixture_site, rendered_articles


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("社区", 1),
        ("社" * 400, 1),
        ("社" * 1000, 3),
        ("社" * 1400, 4),
        ("word " * 600, 3),
        ("社" * 400 + " word" * 200, 2),
        ("，。！？“”" * 500, 1),  # punctuation is not reading
    ],
)
def test_reading_minutes_counts_han_and_latin_words(text, minutes):
    assert reading_minutes(text) == minutes


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    build = build_fixture_site(tmp_path_factory.mktemp("cjk-reading") / "output")
    assert build.returncode == 0, build.stderr
    return rendered_articles(build.output)


def test_articles_carry_reading_minutes(site):
    assert site["整治学习活动"].reading_minutes == 1
