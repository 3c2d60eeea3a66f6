"""Photos in the strict build and in `make check`: one problem, one message, the same words.

The photos plugin owns an article's local images. `make check` runs its rules without a
build (photos.check: alt text, missing file, not a readable image, over the limits), the
generic link rule leaves those images to it, and the build reports each problem once even
though the content check and the plugin both find it. Small files and small Pillow images.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pelican.settings import read_settings
from PIL import Image

from kuaixun.core.problems import Problem
from kuaixun.rules import check_site
from kuaixun.testing.builds import ROOT, copy_content, run_build
from kuaixun.testing.photo_fixtures import corrupt_file

HEADER = "Title: 太极拳班开课了\nDate: 2020-11-20\nCategory: 社区动态\n"
ALT = "太极拳班的学员在社区广场上练拳"


def photo(path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A small real JPEG (a flat colour: a few kilobytes whatever its size in pixels)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (178, 30, 36)).save(path, "JPEG", quality=80)
    return path


def truncated(path: Path) -> Path:
    """A JPEG whose header is fine but whose pixels stop halfway (a copy cut short)."""
    whole = photo(path, (800, 600)).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def content_with(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    """A content folder with one article, its photos beside it: ok.jpg, corrupt.jpg, cut.jpg."""
    content = tmp_path / "content"
    folder = content / "articles" / "2020" / "11"
    folder.mkdir(parents=True)
    (content / "pages").mkdir()
    (folder / "taiji.md").write_text(
        header + "\n本报讯 太极拳班开课。\n\n" + body, encoding="utf-8"
    )
    photo(folder / "ok.jpg")
    corrupt_file(folder / "corrupt.jpg")
    truncated(folder / "cut.jpg")
    return content


def check(content: Path, **overrides) -> list[Problem]:
    settings = read_settings(
        str(ROOT / "pelicanconf.py"), override={"PATH": str(content), **overrides}
    )
    return check_site(settings)


def line_of(content: Path, text: str) -> int:
    source = (content / "articles/2020/11/taiji.md").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(source, start=1) if text in line)


# --- make check: each photo rule, without a build --------------------------------------------

CASES = {
    "missing alt": (
        "![](ok.jpg)",
        ["照片 ok.jpg 没有替代文字", "![太极拳班的学员在公园练拳](ok.jpg)"],
    ),
    "placeholder alt": ("![IMG_2041](ok.jpg)", ['替代文字 "IMG_2041" 没有说明照片内容']),
    "file name as alt": ("![ok](ok.jpg)", ['替代文字 "ok" 没有说明照片内容']),
    "missing file": (f"![{ALT}](gone.jpg)", ["找不到照片文件 gone.jpg", "放在文章旁边"]),
    "static path": (f"![{ALT}]({{static}}/images/gone.jpg)", ["找不到照片文件 gone.jpg"]),
    "not an image": (f"![{ALT}](corrupt.jpg)", ["照片无法读取", "[corrupt.jpg]", "重新导出"]),
    "reference image": (f"![{ALT}][pic]\n\n[pic]: gone.jpg", ["找不到照片文件 gone.jpg"]),
    "html img": (f'<img src="gone.jpg" alt="{ALT}">', ["找不到照片文件 gone.jpg"]),
    "html img without alt": ('<img src="ok.jpg">', ["照片 ok.jpg 没有替代文字"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_names_each_photo_problem_on_its_line(case, tmp_path):
    markdown, words = CASES[case]
    content = content_with(tmp_path, markdown + "\n")
    [problem] = check(content)
    # A reference image is named where its file is named ([pic]: gone.jpg), as the build does.
    named = "gone.jpg" if "gone.jpg" in markdown else markdown
    assert problem.line == line_of(content, named)
    assert all(w in str(problem) for w in words), problem
    assert " — " in str(problem)


def test_check_names_a_photo_over_the_size_limit(tmp_path):
    content = content_with(tmp_path, f"![{ALT}](ok.jpg)\n")
    size = (content / "articles/2020/11/ok.jpg").stat().st_size
    [problem] = check(content, PHOTOS_MAX_BYTES=size - 1)
    assert "超过" in problem.message and "MB 的上限" in problem.message
    assert problem.line == line_of(content, "ok.jpg")


def test_check_names_a_photo_over_the_pixel_limit_from_its_header(tmp_path):
    content = content_with(tmp_path, f"![{ALT}](big.jpg)\n")
    photo(content / "articles/2020/11/big.jpg", (4000, 3000))
    [problem] = check(content, PHOTOS_MAX_PIXELS=10_000_000)
    assert "4000×3000 像素" in problem.message and "10 百万像素" in problem.fix


def test_check_names_a_missing_cover_on_its_header_line(tmp_path):
    content = content_with(tmp_path, f"![{ALT}](ok.jpg)\n", HEADER + "Cover: nowhere.jpg\n")
    [problem] = check(content)
    assert problem.line == 4 and "找不到照片文件 nowhere.jpg" in problem.message


def test_good_photos_pass_the_check(tmp_path):
    body = f'![{ALT}](ok.jpg "太极拳班 | 摄影：张三")\n\n<img src="./ok.jpg" alt="{ALT}">\n'
    content = content_with(tmp_path, body, HEADER + "Cover: ok.jpg\n")
    assert check(content) == []


def test_a_missing_photo_gets_the_photo_message_not_the_link_message(tmp_path):
    content = content_with(tmp_path, f"![{ALT}](gone.jpg)\n")
    messages = [p.message for p in check(content)]
    assert len(messages) == 1 and messages[0].startswith("找不到照片文件")


def test_a_dead_link_beside_a_photo_problem_is_still_named(tmp_path):
    """Only the image is left to the photo rule: another link on its line is still judged."""
    content = content_with(tmp_path, f"![{ALT}](gone.jpg) 另见[旧文]({{filename}}old.md)\n")
    messages = sorted(p.message for p in check(content))
    assert len(messages) == 2, messages
    assert "{filename}old.md" in messages[1] and messages[0].startswith("找不到照片文件")


def test_without_the_photos_plugin_a_missing_image_is_a_dead_link(tmp_path):
    content = content_with(tmp_path, f"![{ALT}](gone.jpg)\n")
    plugins = ["kuaixun.hooks.cjk", "kuaixun.hooks.bulletin"]
    [problem] = check(content, PLUGINS=plugins)
    assert '链接 "gone.jpg" 指向的文件不存在' in problem.message


def test_check_reads_only_the_header_so_a_cut_off_photo_is_left_to_the_build(tmp_path):
    """The check never decodes pixels (that is what keeps it fast); the build does."""
    content = content_with(tmp_path, f"![{ALT}](cut.jpg)\n")
    assert check(content) == []
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode != 0
    [reported] = build.problems
    assert f"taiji.md:{line_of(content, 'cut.jpg')}: 照片无法读取" in reported


# --- the build: each problem once, in the check's words --------------------------------------

EVERY_PROBLEM = f"""![](ok.jpg)

![照片1](ok.jpg)

![{ALT}](gone.jpg) 另见[旧文]({{filename}}old.md)

![{ALT}]({{static}}/images/gone-too.jpg)

![{ALT}](corrupt.jpg)

![{ALT}](big.jpg)

<img src="gone-html.jpg" alt="{ALT}">

![{ALT}][pic]

[pic]: gone-ref.jpg
"""


@pytest.fixture(scope="module")
def every_photo_problem(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("photo-problems")
    content = content_with(tmp, EVERY_PROBLEM, HEADER + "Cover: no-cover.jpg\n")
    photo(content / "articles/2020/11/big.jpg", (3000, 3000))
    limits = {"PHOTOS_MAX_PIXELS": 5_000_000}
    return check(content, **limits), run_build(tmp / "output", content=content, **limits)


def test_build_and_check_give_the_same_messages(every_photo_problem):
    checked, build = every_photo_problem
    assert build.returncode != 0
    assert sorted(build.problems) == sorted(str(p) for p in checked)
    # Two alt texts, five missing files (cover included), one not an image, one too large,
    # and the dead link beside a missing photo.
    assert len(checked) == 10, checked


def test_build_reports_a_missing_photo_once_with_the_photo_message(every_photo_problem):
    _, build = every_photo_problem
    for name in ("gone.jpg", "gone-too.jpg", "gone-html.jpg", "gone-ref.jpg", "no-cover.jpg"):
        naming = [p for p in build.problems if name in p]
        assert len(naming) == 1, naming
        assert f"找不到照片文件 {name}" in naming[0]
    # The one link problem is the dead link beside a missing photo, on the photo's line.
    [link] = [p for p in build.problems if "链接" in p]
    assert "{filename}old.md" in link and link.split(": ")[0] == naming_gone(build)
    assert not [p for p in build.problems if p.startswith("pelican")]


def naming_gone(build) -> str:
    [gone] = [p for p in build.problems if "gone.jpg" in p]
    return gone.split(": ")[0]


def test_one_build_reports_issue_article_and_photo_problems_together(tmp_path):
    """An issue problem stops nothing: the issue pages defer theirs like the photos plugin."""
    content = copy_content(tmp_path / "content")
    (content / "issues" / "48.md").write_text(
        "Number: 48\nDate: 2020-12-04\nOrder: nobody-here\n\n编者按。\n", encoding="utf-8"
    )
    (content / "issues" / "copy.md").write_text("Number: 47\nDate: 2020-12-04\n\n重复\n")
    articles = content / "articles" / "2020" / "11"
    (articles / "bad-category.md").write_text(
        HEADER.replace("社区动态", "新闻").replace("太极拳班开课了", "栏目写错的文章")
        + "Issue: 47\n\n正文。\n",
        encoding="utf-8",
    )
    (articles / "no-photo.md").write_text(
        HEADER + "Issue: 49\n\n正文。\n\n" + f"![{ALT}](gone.jpg)\n", encoding="utf-8"
    )

    build = run_build(tmp_path / "output", content=content)

    assert build.returncode != 0
    expected = {
        "issues/48.md:1": "第48期还没有文章",
        "issues/copy.md:1": "期号 47 重复",
        "bad-category.md:3": '栏目 "新闻" 不在栏目表里',
        "no-photo.md:4": "第49期还没有定义",
        "no-photo.md:8": "找不到照片文件 gone.jpg",
    }
    for where, words in expected.items():
        found = [p for p in build.problems if re.search(rf"/{re.escape(where)}: ", p)]
        assert len(found) == 1 and words in found[0], (where, build.stderr)
    assert len(build.problems) == len(expected), build.stderr
    assert "Traceback" not in build.stderr


def test_a_photo_named_in_the_text_before_it_is_reported_once_on_its_own_line(tmp_path):
    """The build finds each image's line as the check does, not by the first mention."""
    body = f"原图 gone.jpg 由居民提供，`![示例](gone.jpg)` 是写法。\n\n![{ALT}](gone.jpg)\n"
    content = content_with(tmp_path, body)
    [checked] = check(content)
    build = run_build(tmp_path / "output", content=content)
    assert build.problems == [str(checked)], build.stderr
    assert checked.line == line_of(content, f"![{ALT}]")
