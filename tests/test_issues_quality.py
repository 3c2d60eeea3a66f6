"""The issue pages are valid HTML (vnu: 0 errors) and accessible (axe-core: 0 violations).

Small local helpers: the theme's site-quality helpers cover the other pages.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from bulletin.issues import latest_issue_number
from conftest import ROOT

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def issue_pages() -> list[str]:
    number = latest_issue_number(ROOT / "content" / "issues")
    return ["issues/", f"issues/{number}/", f"issues/{number}/print/", ""]


def vnu_errors(files: list) -> list[dict]:
    # C.UTF-8: otherwise vnu skips files with non-ASCII paths and reports nothing.
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    messages = json.loads(result.stderr)["messages"]
    return [m for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]


def test_issue_pages_are_valid_html(real_site):
    files = [real_site / url / "index.html" for url in issue_pages()]
    assert all(f.is_file() for f in files)
    assert vnu_errors(files) == []


def test_edition_css_is_valid(real_site):
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--css",
            "--format",
            "json",
            str(ROOT / "theme/static/css/edition.css"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert [m for m in json.loads(result.stderr)["messages"] if m["type"] == "error"] == []


@pytest.mark.parametrize("url", issue_pages())
def test_issue_pages_have_no_axe_violations(real_site, serve, page, url):
    page.goto(f"{serve(real_site)}/{url}")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run()).violations")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
