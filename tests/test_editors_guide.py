"""The editors' guide's examples build as written: every ```markdown block of
docs/editors-guide.md goes into a copy of the content folder and is checked and built. A block
after <!-- 错误示例：… --> is a deliberate mistake: the check must name it with those words."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from kuaixun.testing.builds import ROOT, copy_content, run_build

GUIDE = ROOT / "docs" / "editors-guide.md"
_BLOCK = re.compile(
    r"^(?:<!-- 错误示例：(?P<error>.+?) -->\n)?(?P<indent>[ ]*)```(?P<lang>[\w-]*)\n"
    r"(?P<body>.*?)\n(?P=indent)```$",
    re.M | re.S,
)
LANGUAGES = {"markdown", "sh", "text"}  # text: what the screen shows; sh: commands


@dataclass(frozen=True)
class Example:
    line: int
    lang: str
    text: str
    error: str | None

    @property
    def kind(self) -> str:
        first = self.text.split(":", 1)[0]
        return {"Number": "issue", "Title": "article"}.get(first, "body")


def examples() -> list[Example]:
    guide = GUIDE.read_text(encoding="utf-8")
    return [
        Example(
            guide.count("\n", 0, m.start()) + 1,
            m["lang"],
            textwrap.dedent(m["body"]) + "\n",
            m["error"],
        )
        for m in _BLOCK.finditer(guide)
    ]


def check(content: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "invoke", "check", "--path", str(content)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def place(content: Path, example: Example, number: int) -> Path:
    """Where an example goes: an issue file replaces issue 47's, an article sits beside the
    seed articles (its photos are there), Markdown snippets become an article's body."""
    month = content / "articles" / "2020" / "11"
    if example.kind == "issue":
        return content / "issues" / "47.md"
    if example.kind == "article":
        return month / f"guide-{number}.md"
    return month / "guide-snippets.md"


def test_every_code_block_says_what_it_is():
    found = examples()
    assert len(found) >= 10
    assert [e.line for e in found if e.lang not in LANGUAGES] == []
    guide = GUIDE.read_text(encoding="utf-8")
    assert guide.count("```") == 2 * len(found)  # no block the pattern missed


def test_every_markdown_example_of_the_guide_builds_as_written(tmp_path):
    content = copy_content(tmp_path / "content")
    snippets = [
        "Title: 手册里的正文写法\nDate: 2020-11-26\nCategory: 社区动态\nIssue: 47\n",
    ]
    written = 0
    for number, example in enumerate(examples()):
        if example.lang != "markdown" or example.error:
            continue
        written += 1
        if example.kind == "body":
            snippets.append(example.text)
        else:
            place(content, example, number).write_text(example.text, encoding="utf-8")
    (content / "articles" / "2020" / "11" / "guide-snippets.md").write_text(
        "\n".join(snippets), encoding="utf-8"
    )
    assert written >= 4
    checked = check(content)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    build = run_build(tmp_path / "output", content)
    assert build.returncode == 0, build.stderr
    page = next((tmp_path / "output" / "2020" / "11").glob("shou-ce-li-*/index.html"))
    html = page.read_text(encoding="utf-8")
    # Both link forms the guide teaches: a file of the same folder, a path from content/.
    assert '<a href="../../../2020/11/gui-fan-shi-rong-zhi-xu-ti-sheng/">规范市容秩序</a>' in html
    assert '<a href="../../../2020/11/pu-fa-xuan-chuan-mang-bu-ting/">上个月的报道</a>' in html
    assert "{filename}" not in html and "<figure" in html


@pytest.mark.parametrize(
    "example", [e for e in examples() if e.error], ids=lambda e: f"line{e.line}"
)
def test_every_error_example_fails_with_the_message_the_guide_gives(tmp_path, example):
    content = copy_content(tmp_path / "content")
    place(content, example, example.line).write_text(example.text, encoding="utf-8")
    checked = check(content)
    assert checked.returncode == 1
    assert example.error in checked.stderr
