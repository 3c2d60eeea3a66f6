"""The pre-commit hooks (`make hooks`, .pre-commit-config.yaml): broken staged content is refused.

Runs in a scratch git repository holding a copy of the project (the real .venv linked in),
so the real repository's hooks are never touched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kuaixun.testing.builds import ROOT

BROKEN = "Title: 期号写错了\nDate: 2020-11-28\nCategory: 社区动态\nIssue: 99\n\n正文。\n"
FIXED = BROKEN.replace("Issue: 99", "Issue: 47")


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    repo = tmp_path / "bulletin"
    repo.mkdir()
    for name in ("tasks.py", "pelicanconf.py", "pyproject.toml", ".pre-commit-config.yaml"):
        shutil.copy(ROOT / name, repo / name)
    for folder in ("plugins", "content", "theme"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / ".venv").symlink_to(ROOT / ".venv")
    git(repo, "init", "-q")
    git(repo, "config", "user.name", "编辑")
    git(repo, "config", "user.email", "editor@example.org")
    git(repo, "add", "tasks.py", "pelicanconf.py", "pyproject.toml", ".pre-commit-config.yaml")
    git(repo, "add", "plugins", "content")
    assert git(repo, "commit", "-q", "-m", "start").returncode == 0
    installed = subprocess.run(
        [sys.executable, "-m", "invoke", "hooks"], cwd=repo, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    return repo


def test_hooks_installs_an_executable_pre_commit_hook(repo):
    hook = repo / ".git" / "hooks" / "pre-commit"
    assert hook.is_file() and hook.stat().st_mode & 0o111


def test_commit_with_a_broken_staged_article_is_refused_with_the_problem(repo):
    article = repo / "content" / "articles" / "2020" / "11" / "cuowu.md"
    article.write_text(BROKEN, encoding="utf-8")
    git(repo, "add", str(article))
    commit = git(repo, "commit", "-m", "broken")
    assert commit.returncode != 0
    report = commit.stdout + commit.stderr
    assert "content/articles/2020/11/cuowu.md:4: 第99期还没有定义" in report
    assert "/tmp" not in report.split("第99期")[0].splitlines()[-1]


def test_the_hook_checks_what_is_staged_not_what_is_on_disk(repo):
    article = repo / "content" / "articles" / "2020" / "11" / "cuowu.md"
    article.write_text(BROKEN, encoding="utf-8")
    git(repo, "add", str(article))
    article.write_text(FIXED, encoding="utf-8")
    assert git(repo, "commit", "-m", "fixed on disk only").returncode != 0
    git(repo, "add", str(article))
    commit = git(repo, "commit", "-m", "fixed and staged")
    assert commit.returncode == 0, commit.stdout + commit.stderr


def test_commits_that_do_not_touch_content_skip_the_check(repo):
    (repo / "notes.txt").write_text("会议记录\n", encoding="utf-8")
    (repo / "content" / "articles" / "2020" / "11" / "cuowu.md").write_text(
        BROKEN, encoding="utf-8"
    )
    git(repo, "add", "notes.txt")
    commit = git(repo, "commit", "-m", "notes")
    assert commit.returncode == 0, commit.stdout + commit.stderr
    ran = [line for line in (commit.stdout + commit.stderr).splitlines() if "检查内容" in line]
    assert ran and all(line.endswith("Skipped") for line in ran), ran


def test_a_photo_on_disk_but_not_added_is_named_as_not_added(repo):
    folder = repo / "content" / "articles" / "2020" / "11"
    shutil.copy(folder / "pufa-gonggaolan.jpg", folder / "xin-zhaopian.jpg")
    article = folder / "zhaopian.md"
    photo = "![社区居民在公告栏前阅读普法海报](xin-zhaopian.jpg)"
    article.write_text(f"{FIXED}\n{photo}\n", encoding="utf-8")
    git(repo, "add", str(article))
    commit = git(repo, "commit", "-m", "photo not added")
    report = commit.stdout + commit.stderr
    assert commit.returncode != 0, report
    assert "content/articles/2020/11/zhaopian.md:8: 照片 xin-zhaopian.jpg 还没有 git add" in report
    assert "找不到照片文件" not in report
    git(repo, "add", str(folder / "xin-zhaopian.jpg"))
    commit = git(repo, "commit", "-m", "photo added")
    assert commit.returncode == 0, commit.stdout + commit.stderr
