"""The real content builds and every seed article is published."""

from kuaixun.testing.builds import run_build


def test_real_content_builds_into_output(tmp_path):
    build = run_build(tmp_path / "output")
    assert build.returncode == 0, build.stderr
    articles = list((tmp_path / "output").glob("2020/11/*/index.html"))
    assert len(articles) == 6
