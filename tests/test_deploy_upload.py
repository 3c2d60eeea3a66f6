"""`invoke upload` (make upload): build with publishconf.py, then rsync over ssh — or nothing.

Each test runs the real task (and `invoke publish`) in a copy of the project. A stand-in `ssh`
on PATH runs the remote end of rsync on this machine, so the transfer is a real rsync into a
folder playing the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_deploy_publish import BROKEN_ARTICLE, snapshot

from kuaixun.testing.builds import ROOT

SITEURL = "https://news.example.org"

# Logs how rsync called it, then runs the remote command (after the options and the host) here.
FAKE_SSH = """#!/bin/sh
echo "$@" >> "$FAKE_SSH_LOG"
while [ $# -gt 0 ]; do
  case "$1" in
    -p|-l|-o) shift 2 ;;
    -*) shift ;;
    *) shift; break ;;
  esac
done
exec sh -c "$*"
"""


@pytest.fixture
def project(tmp_path) -> Path:
    if not shutil.which("rsync"):
        pytest.fail("rsync is missing: apt-get install rsync (the .ci/run script does this)")
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("content", "plugins", "theme", "requirements"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    for name in ("tasks.py", "pelicanconf.py", "publishconf.py"):
        shutil.copy2(ROOT / name, copy / name)
    return copy


@pytest.fixture
def server(tmp_path) -> Path:
    """The folder the web server serves, holding last week's site."""
    folder = tmp_path / "www"
    (folder / "2020" / "old").mkdir(parents=True)
    (folder / "index.html").write_text("last week's home page", "utf-8")
    (folder / "2020" / "old" / "index.html").write_text("a page since removed", "utf-8")
    return folder


def upload(project: Path, **settings: str) -> subprocess.CompletedProcess:
    return invoke(project, "upload", **settings)


def invoke(project: Path, task: str, **settings: str) -> subprocess.CompletedProcess:
    bin_dir = project.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "ssh").write_text(FAKE_SSH)
    (bin_dir / "ssh").chmod(0o755)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("SSH_") and name not in ("SITEURL", "PYTHONPATH")
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["FAKE_SSH_LOG"] = str(project.parent / "ssh.log")
    return subprocess.run(
        [sys.executable, "-m", "invoke", task],
        cwd=project,
        env={**env, **settings},
        capture_output=True,
        text=True,
        timeout=600,
    )


def server_settings(server: Path) -> dict[str, str]:
    return {
        "SITEURL": SITEURL,
        "SSH_HOST": "news.example.org",
        "SSH_USER": "deploy",
        "SSH_PORT": "2222",
        "SSH_TARGET_DIR": str(server),
    }


def test_upload_replaces_the_served_site_with_the_new_build(project, server):
    result = upload(project, **server_settings(server))
    assert result.returncode == 0, result.stderr

    assert (server / "feeds" / "all.atom.xml").is_file()
    assert len(list(server.glob("20*/*/*/index.html"))) >= 6
    assert f'href="{SITEURL}/' in (server / "index.html").read_text("utf-8")
    assert not (server / "2020" / "old").exists(), "a page gone from the build stays online"
    assert snapshot(server).keys() == snapshot(project / "output").keys()


def test_upload_reaches_the_server_named_in_the_environment(project, server):
    assert upload(project, **server_settings(server)).returncode == 0
    ssh_call = (project.parent / "ssh.log").read_text()
    assert ssh_call.startswith("-p 2222 -l deploy news.example.org rsync --server")
    assert str(server) in ssh_call


@pytest.mark.parametrize("unset", ["SITEURL", "SSH_HOST", "SSH_USER", "SSH_TARGET_DIR"])
def test_upload_refuses_without_its_settings_and_builds_nothing(project, server, unset):
    settings = server_settings(server)
    del settings[unset]
    result = upload(project, **settings)

    assert result.returncode != 0
    assert unset in result.stderr
    assert "nothing uploaded" in result.stderr
    assert not (project / "output").exists()
    assert not (project.parent / "ssh.log").exists()


def test_upload_refuses_a_port_that_is_not_a_number(project, server):
    result = upload(project, **{**server_settings(server), "SSH_PORT": "ssh"})
    assert result.returncode != 0
    assert "SSH_PORT" in result.stderr
    assert not (project.parent / "ssh.log").exists()


def test_a_content_error_uploads_nothing(project, server):
    article = project / "content" / "articles" / "2020" / "11" / "riqi-xiecuo.md"
    article.write_text(BROKEN_ARTICLE, "utf-8")
    before = snapshot(server)

    result = upload(project, **server_settings(server))

    assert result.returncode != 0
    assert "riqi-xiecuo.md" in result.stderr
    assert snapshot(server) == before
    assert not (project.parent / "ssh.log").exists(), "rsync ran although the build failed"


def test_publish_keeps_only_the_content_cache_of_the_current_code(project):
    older = project / "cache" / "pelican" / "publish-0123456789abcdef"
    older.mkdir(parents=True)
    (older / "ArticlesGenerator-Readers").write_bytes(b"made by an older version of the code")

    result = invoke(project, "publish", SITEURL=SITEURL)

    assert result.returncode == 0, result.stderr
    caches = list((project / "cache" / "pelican").iterdir())
    assert [folder.name.startswith("publish-") for folder in caches] == [True]
    assert older not in caches
    assert any(caches[0].iterdir()), "the build saved no content cache"


@pytest.mark.parametrize("how", ["environment", "make-variable"])
def test_make_publish_builds_for_the_siteurl_given(project, how):
    shutil.copy2(ROOT / "Makefile", project / "Makefile")
    (project / ".venv").symlink_to(ROOT / ".venv")
    siteurl = "https://pingcheng.github.io/bulletin"
    # -o: never reinstall the shared .venv from a test, whatever the stamp's age.
    command = ["make", "-o", ".venv/.runtime-installed", "publish"]
    env = {name: value for name, value in os.environ.items() if name != "SITEURL"}
    if how == "environment":
        env["SITEURL"] = siteurl
    else:
        command.append(f"SITEURL={siteurl}")
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    home = (project / "output" / "index.html").read_text("utf-8")
    assert f'<link rel="canonical" href="{siteurl}/">' in home
