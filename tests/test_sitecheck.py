"""make verify: the site check the content-only publishing path runs instead of the tests."""

from __future__ import annotations

import shutil

from kuaixun.tools.sitecheck import site_origin, site_problems


def test_the_real_site_passes_with_its_links_counted(real_site):
    problems, checked = site_problems(real_site)
    assert problems == []
    assert checked > 500
    assert site_origin(real_site) == "http://127.0.0.1:8000"


def test_a_broken_link_anchor_feed_and_sitemap_are_each_named(real_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(real_site, site)
    home = site / "index.html"
    home.write_text(
        home.read_text("utf-8").replace(
            "</footer>",
            '<a href="http://127.0.0.1:8000/gone/">x</a><a href="#nope">y</a></footer>',
        ),
        encoding="utf-8",
    )
    (site / "feeds" / "all.atom.xml").write_text("<feed>cut off", encoding="utf-8")
    (site / "sitemap.xml").write_text("<urlset>", encoding="utf-8")
    problems, _ = site_problems(site)
    assert any("index.html: http://127.0.0.1:8000/gone/ — no file at /gone/" in p for p in problems)
    assert any("index.html: #nope — no element with id 'nope'" in p for p in problems)
    assert any(p.startswith("feeds/all.atom.xml: not a valid feed") for p in problems)
    assert any(p.startswith("sitemap.xml: not well-formed XML") for p in problems)


def test_an_unbuilt_site_is_a_problem_not_a_crash(tmp_path):
    problems, checked = site_problems(tmp_path)
    assert checked == 0 and "build the site first" in problems[0]
