"""The strict build: bad content fails the whole build, names every problem, and leaves the
previous output/ untouched. Real builds in a subprocess, as `make html` runs them."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kuaixun.testing.builds import ROOT, copy_content, run_build

FIXTURES = Path(__file__).parent / "fixtures" / "broken"
GBK_ARTICLE = (
    "Title: 国标编码的文章\nDate: 2020-11-20\nCategory: 社区动态\n\n这篇文章是用 GBK 存的。\n"
)

# (file, line, words the message must contain): one row per bad-input case in the one site.
EXPECTED = [
    ("bad-date.md", 2, ['"2020-11-31" 不存在', "2020-11-30", "YYYY-MM-DD"]),
    ("bad-date-slashes.md", 2, ['"2020/13/01" 不存在', "YYYY-MM-DD"]),
    ("bad-date-chinese.md", 3, ['"2020年11月31日" 不存在', "2020-11-30"]),
    ("no-title.md", 1, ["没有标题", "Title"]),
    ("gbk.md", 1, ["GBK", "UTF-8", "iconv -f gbk -t utf-8"]),
    ("unknown-category.md", 3, ['"新闻"', "社区动态", "民生服务", "通知公告"]),
    ("typo-key.md", 4, ['"Tgas"', "Tags"]),
    ("chinese-key.md", 2, ["标签：社区", "Tags: 社区"]),
    ("empty-body.md", 4, ["正文是空的"]),
    ("slug-two.md", 4, ['"tong-yi-ge"', "slug-one.md", "Slug"]),
    ("broken-links.md", 7, ["{filename}../nowhere/gone.md", "不存在"]),
    # A missing photo is named once, in the photos plugin's words (not as a dead link).
    ("broken-links.md", 9, ["找不到照片文件 missing.jpg"]),
    # The content check finds nothing wrong here (gbk.md exists); Pelican, which could not
    # read gbk.md, warns "Unable to find" while rendering: each linking file is named.
    ("links-to-gbk.md", 7, ['链接 "gbk.md"', "unable to find"]),
    ("links-to-gbk-again.md", 7, ['链接 "gbk.md"', "unable to find"]),
    # After slugs and URLs are computed: the page's URL is the archive's.
    ("archives-page.md", 2, ["archives/index.html", "Slug"]),
    ("issues-page.md", 2, ["issues/index.html", "往期页"]),
]


def broken_content(dest: Path) -> Path:
    """The real content plus every bad-input file, in one content folder."""
    content = copy_content(dest)
    for kind in ("articles", "pages"):
        shutil.copytree(FIXTURES / kind, content / kind / "broken")
    (content / "articles" / "broken" / "gbk.md").write_bytes(GBK_ARTICLE.encode("gbk"))
    return content


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("broken")
    return run_build(root / "output", content=broken_content(root / "content"))


def problem_lines(stderr: str, name: str, line: int) -> list[str]:
    where = re.compile(rf"^\S*/(articles|pages)/broken/{re.escape(name)}:{line}: ")
    return [text for text in stderr.splitlines() if where.match(text)]


def test_broken_site_fails_without_a_traceback(broken_build):
    assert broken_build.returncode != 0
    assert "Traceback" not in broken_build.stderr
    assert "构建失败" in broken_build.stderr


@pytest.mark.parametrize(
    ("name", "line", "words"), EXPECTED, ids=[f"{n}:{i}" for n, i, _ in EXPECTED]
)
def test_each_problem_is_named_with_file_line_and_fix(broken_build, name, line, words):
    found = problem_lines(broken_build.stderr, name, line)
    assert any(all(w in text for w in words) for text in found), broken_build.stderr
    assert all(" — " in text for text in found), "every problem says how to fix it"


def test_all_problems_of_one_build_are_reported_together(broken_build):
    named = {name for name, _, _ in EXPECTED}
    reported = {Path(p.split(":")[0]).name for p in broken_build.problems}
    # Exactly the broken files: none is missed, no seed article is blamed.
    assert reported == named


def test_pelican_errors_about_a_file_already_named_are_not_repeated(broken_build):
    """Pelican also fails to read gbk.md and the bad dates; we say it once, better."""
    for name in ("gbk.md", "bad-date.md", "no-title.md"):
        lines = [p for p in broken_build.problems if Path(p.split(":")[0]).name == name]
        assert len(lines) == 1, lines
    assert not [p for p in broken_build.problems if p.startswith("pelican")]


def test_valid_files_are_not_reported(broken_build):
    assert "xiao-judong-nuan-renxin.md" not in broken_build.stderr
    assert "about.md" not in broken_build.stderr


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_failed_build_leaves_previous_output_untouched(tmp_path):
    output = tmp_path / "output"
    good = run_build(output, content=copy_content(tmp_path / "good"))
    assert good.returncode == 0, good.stderr
    before = tree_digest(output)
    assert "index.html" in before

    bad = run_build(output, content=broken_content(tmp_path / "bad"))

    assert bad.returncode != 0
    assert tree_digest(output) == before
    assert not (tmp_path / ".output.building").exists()


# --- drafts ------------------------------------------------------------------------------

DRAFT_ARTICLE = """Title: 草稿不该出现的标题
Date: 2020-11-28 09:00
Category: 通知公告
Authors: 草稿专用记者
Tags: 草稿专用标签
Status: draft

草稿正文里的暗号：山川异域风月同天。
"""
DRAFT_PAGE = """Title: 草稿页面不该出现
Slug: cao-gao-ye-mian
Status: draft

草稿页面的暗号：海内存知己。
"""
DRAFT_MARKERS = ["草稿不该出现的标题", "草稿专用记者", "草稿专用标签", "山川异域风月同天"]
DRAFT_MARKERS += ["草稿页面不该出现", "海内存知己", "cao-gao-ye-mian", "drafts/"]


def site_with_drafts(dest: Path) -> Path:
    content = copy_content(dest)
    (content / "articles" / "2020" / "11" / "cao-gao.md").write_text(DRAFT_ARTICLE, "utf-8")
    (content / "pages" / "cao-gao-ye-mian.md").write_text(DRAFT_PAGE, "utf-8")
    return content


def readable_files(folder: Path):
    """Every text file of a site (HTML, feeds, sitemap, search data), gzip opened."""
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        try:
            yield path, data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # images


@pytest.fixture(scope="module")
def drafts_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("drafts")
    return run_build(root / "output", content=site_with_drafts(root / "content"))


def test_site_with_drafts_builds(drafts_build):
    assert drafts_build.returncode == 0, drafts_build.stderr


def test_drafts_reach_no_page_feed_or_sitemap(drafts_build):
    output = drafts_build.output
    leaks = [
        f"{path.relative_to(output)}: {marker}"
        for path, text in readable_files(output)
        for marker in DRAFT_MARKERS
        if marker in text
    ]
    assert not leaks
    assert not (output / "drafts").exists()
    assert (output / "sitemap.xml").exists() and (output / "feeds" / "all.atom.xml").exists()


def test_draft_only_category_and_tag_get_no_page(drafts_build):
    names = {str(p.relative_to(drafts_build.output)) for p in drafts_build.output.rglob("*")}
    assert not any("tong-zhi-gong-gao" in n for n in names), "通知公告 has only a draft"
    assert not any("cao-gao" in n for n in names)


def test_preview_with_show_drafts_shows_them(tmp_path):
    build = run_build(
        tmp_path / "output", content=site_with_drafts(tmp_path / "c"), SHOW_DRAFTS=True
    )
    assert build.returncode == 0, build.stderr
    assert any("山川异域风月同天" in text for _, text in readable_files(build.output))


# --- collisions that only exist once slugs and URLs are computed -------------------------

TAG_ARTICLE = (
    "Title: {title}\nDate: 2020-11-{day:02d}\nCategory: 社区动态\nTags: {tag}\n\n{title}的正文。\n"
)


def tag_site(dest: Path) -> Path:
    """Two articles tagged 标签2 (two pages at one per page) and one tagged 标签22."""
    articles = dest / "articles"
    articles.mkdir(parents=True)
    for day, (title, tag) in enumerate(
        [("第一篇", "标签2"), ("第二篇", "标签2"), ("第三篇", "标签22")], start=1
    ):
        text = TAG_ARTICLE.format(title=title, day=day, tag=tag)
        (articles / f"a{day}.md").write_text(text, "utf-8")
    return dest


def test_default_pagination_pattern_collision_is_reported(tmp_path):
    build = run_build(
        tmp_path / "output",
        content=tag_site(tmp_path / "content"),
        DEFAULT_PAGINATION=1,
        TAG_URL="tag/{slug}.html",
        TAG_SAVE_AS="tag/{slug}.html",
        # Pelican's default: page 2 of tag/x.html is tag/x2.html
        PAGINATION_PATTERNS=[
            [1, "{name}{extension}", "{name}{extension}"],
            [2, "{name}{number}{extension}", "{name}{number}{extension}"],
        ],
    )
    assert build.returncode != 0
    collision = [p for p in build.problems if "标签22" in p and '标签2"的第 2 页' in p]
    assert collision, build.stderr
    assert re.match(r"^\S*/articles/a[123]\.md:4: ", collision[0]), "names a file and its Tags line"
    assert "PAGINATION_PATTERNS" in collision[0]
    assert not (tmp_path / "output").exists()


def test_our_pagination_pattern_keeps_both_tags(tmp_path):
    build = run_build(
        tmp_path / "output", content=tag_site(tmp_path / "content"), DEFAULT_PAGINATION=1
    )
    assert build.returncode == 0, build.stderr
    tag_pages = {
        p.parent.relative_to(build.output).as_posix()
        for p in build.output.glob("tag/**/index.html")
    }
    assert len([p for p in tag_pages if p.endswith("/page/2")]) == 1
    assert len([p for p in tag_pages if p.count("/") == 1]) == 2


# --- content the check finds fine, but Pelican warns about -------------------------------

ATTACHING_ARTICLE = (
    "Title: 附件{n}\nDate: 2020-11-2{n}\nCategory: 通知公告\n\n"
    "请下载[通知全文]({{attach}}tongzhi.pdf)。\n"
)


def test_pelican_warning_fails_the_build_and_names_the_file(tmp_path):
    """Two articles {attach} one file: each is fine alone, but Pelican can place the file beside
    only one of them, warns, and silently links the other to the wrong place."""
    content = copy_content(tmp_path / "content")
    folder = content / "articles" / "2020" / "11"
    (folder / "tongzhi.pdf").write_bytes(b"%PDF-1.4\n")
    for n in (1, 2):
        (folder / f"fujian{n}.md").write_text(ATTACHING_ARTICLE.format(n=n), "utf-8")
    check = subprocess.run(
        [sys.executable, "-m", "invoke", "check", "--path", str(content)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr

    build = run_build(tmp_path / "output", content=content)

    assert build.returncode != 0
    [problem] = build.problems
    assert re.match(r"^\S*/articles/2020/11/fujian[12]\.md:5: ", problem), problem
    assert "{attach}" in problem
    assert not (tmp_path / "output").exists()


def test_valid_static_and_attach_links_build_and_resolve(tmp_path):
    """Strictness must not fail good content: a plugin rendering an article before the static
    files are known would make Pelican warn "Unable to find" for a correct {static} link."""
    content = copy_content(tmp_path / "content")
    folder = content / "articles" / "2020" / "11"
    (folder / "tongzhi.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "fujian.md").write_text(
        "Title: 附件\nDate: 2020-11-28\nCategory: 通知公告\n\n"
        "[通知全文]({attach}tongzhi.pdf)，[关于本刊]({filename}/pages/about.md)，"
        "[图标]({static}/extra/favicon.ico)。\n",
        "utf-8",
    )
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    html = "".join(p.read_text("utf-8") for p in build.output.glob("2020/11/*/index.html"))
    assert "tongzhi.pdf" in html and "favicon.ico" in html
    assert "{attach}" not in html and "{static}" not in html and "{filename}" not in html
    feed = (build.output / "feeds" / "all.atom.xml").read_text("utf-8")
    assert "tongzhi.pdf" in feed and "{attach}" not in feed


def test_a_template_error_is_one_problem_naming_the_template_line(tmp_path):
    """A broken theme is not the editor's fault, but still no traceback and no half site."""
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    article = theme / "templates" / "article.html"
    lines = article.read_text("utf-8").splitlines()
    broken = 1 + next(i for i, line in enumerate(lines) if "{% block content" in line)
    lines.insert(broken, "{{ article.title | no_such_filter }}")
    article.write_text("\n".join(lines) + "\n", "utf-8")

    build = run_build(tmp_path / "output", THEME=str(theme))

    assert build.returncode != 0
    assert "Traceback" not in build.stderr
    [problem] = build.problems
    where = rf"^\S*theme/templates/article\.html:{broken + 1}: .*no_such_filter"
    assert re.match(where, problem), problem
    assert not (tmp_path / "output").exists()
