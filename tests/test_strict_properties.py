"""Property tests (Hypothesis): whatever an editor writes — any Unicode, control characters,
odd dates, keys written twice, deep nesting, long lines — `make check` and the build agree,
every failure is a `path:line: problem — fix` about the content (never '构建出错'), and a
failed build leaves output/ as it was.

`make test` runs a few examples (builds are slow); `invoke fuzz` runs many
(HYPOTHESIS_PROFILE=thorough).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pelican.settings import read_settings

from kuaixun.rules import check_site
from kuaixun.testing.builds import ROOT, run_build

settings.register_profile(
    "default",
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

GOOD = "Title: 社区新闻\nDate: 2020-11-20\nCategory: 社区动态\n\n社区开展志愿服务活动。\n"
# Problems as editors read them: the file, the line (optional), the problem, the fix.
PROBLEM = re.compile(r"^\S+\.md(:\d+)?: .+ — .+$")

tricky = st.sampled_from(["\x0b", "\x00", "\x0c", "\u2028", "\u202e", "\ufeff", "\t", "\r"])
words = st.text(
    st.one_of(st.characters(codec="utf-8", exclude_characters="\n"), tricky), max_size=30
)
dates = st.one_of(
    st.sampled_from(["0001-01-01", "1969-12-31", "2020-02-30", "2020-11-20 25:00", "9999-12-31"]),
    st.dates().map(str),
    words,
)
header = st.one_of(
    st.tuples(st.just("Title"), words),
    st.tuples(st.just("Date"), dates),
    st.tuples(st.just("Category"), st.sampled_from(["社区动态", "新闻", ""])),
    st.tuples(st.sampled_from(["Tags", "Authors", "Slug", "Summary", "Status"]), words),
    st.tuples(st.sampled_from(["Template", "Save_as", "Cover"]), words),
    st.tuples(st.from_regex(r"[A-Za-z_]{1,8}", fullmatch=True), words),
)
line = st.one_of(
    words,
    st.integers(1, 200).map(lambda n: ">" * n + " 引用"),
    st.integers(1, 200).map(lambda n: "  " * n + "- 项"),
    st.integers(1000, 20000).map(lambda n: "社区" * n),
    st.sampled_from(["```", "![说明](x.jpg)", "[a]({static}../../../etc/passwd)", "<b>x</b>"]),
)


@st.composite
def articles(draw) -> str:
    headers = draw(st.lists(header, min_size=0, max_size=6))
    headers = [("Title", "标题"), ("Date", "2020-11-21"), ("Category", "社区动态"), *headers]
    head = "".join(f"{key}: {value}\n" for key, value in draw(st.permutations(headers)))
    return head + "\n" + "\n".join(draw(st.lists(line, min_size=0, max_size=8))) + "\n"


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("properties")
    content = root / "content"
    (content / "articles").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "articles" / "good.md").write_text(GOOD, encoding="utf-8")
    assert run_build(root / "output", content=content).returncode == 0
    return root, content


@given(text=articles())
def test_check_and_build_agree_and_never_crash(site, text):
    root, content = site
    path = content / "articles" / "generated.md"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    before = tree_digest(root / "output")
    try:
        conf = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)})
        checked = [str(p) for p in check_site(conf)]
        build = run_build(root / "output", content=content)
    finally:
        path.unlink()
        shutil.rmtree(root / "output" / ".." / ".output.building", ignore_errors=True)
    assert "构建出错" not in build.stderr and "Traceback" not in build.stderr, build.stderr
    assert all(PROBLEM.match(p) for p in checked), checked
    if checked:
        assert build.returncode == 1, "the check refused it: so must the build"
        assert set(checked) <= set(build.stderr.splitlines()), build.stderr
    if build.returncode != 0:
        assert build.returncode == 1
        assert tree_digest(root / "output") == before, "a failed build changed output/"
        problems = [p for p in build.problems if not p.startswith("另一个构建")]
        assert problems and all(PROBLEM.match(p) for p in problems), build.stderr
    else:
        # A passing build: restore the baseline output for the next example.
        assert not checked
        assert run_build(root / "output", content=content).returncode == 0
