"""Build caches are never read by other settings or other code: their folder is named by both
(kuaixun.hooks.caches, core.memo), and a memo keeps only what the last build used."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pelican.settings import read_settings

from kuaixun.core import memo
from kuaixun.core.memo import Memo, digest
from kuaixun.testing.builds import ROOT

SETTINGS = str(ROOT / "pelicanconf.py")


def test_a_changed_setting_names_another_cache_folder():
    settings = read_settings(SETTINGS)
    changed = {**settings, "DEFAULT_PAGINATION": settings["DEFAULT_PAGINATION"] + 1}
    assert memo.fingerprint(changed) != memo.fingerprint(settings)


def test_a_changed_module_names_another_cache_folder(tmp_path, monkeypatch):
    package = shutil.copytree(memo.PACKAGE, tmp_path / "kuaixun")
    monkeypatch.setattr(memo, "PACKAGE", package)
    before = memo.code_version()
    with (package / "core" / "cjk" / "summary.py").open("a", encoding="utf-8") as module:
        module.write("\n# a change to the summaries\n")
    assert memo.code_version() != before


def test_the_cache_folder_is_the_same_in_every_process():
    """Settings hold functions and may hold sets, whose text differs between processes."""
    script = (
        "from pelican.settings import read_settings; from kuaixun.core.memo import fingerprint; "
        f"print(fingerprint(read_settings({SETTINGS!r})))"
    )
    names = {
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert len(names) == 1


def test_a_memo_computes_what_it_does_not_know_and_forgets_what_was_not_used(tmp_path):
    path = tmp_path / "memo.pickle"
    first = Memo(path)
    assert first.remember(digest("a"), lambda: 1) == 1
    assert first.remember(digest("b"), lambda: 2) == 2
    first.save()

    second = Memo(path)
    assert second.remember(digest("a"), lambda: 99) == 1
    second.save()

    assert Memo(path).known == {digest("a"): 1}


def test_a_damaged_memo_is_an_empty_one(tmp_path):
    path = tmp_path / "memo.pickle"
    path.write_bytes(b"not a pickle")
    assert Memo(path).remember(digest("a"), lambda: 1) == 1


def test_digest_parts_do_not_run_together():
    assert digest("ab", "c") != digest("a", "bc")


def test_memo_saves_atomically_into_a_new_folder(tmp_path):
    path = tmp_path / "new" / "memo.pickle"
    Memo(path).save()
    assert [p.name for p in Path(path.parent).iterdir()] == ["memo.pickle"]


def test_the_most_recently_used_caches_are_kept(tmp_path):
    """make html, make livereload and make pdf have settings of their own: alternating between
    them keeps each one's cache; only the least recently used beyond `keep` go."""
    import os

    for age, name in enumerate(["kuaixun-new", "kuaixun-mid", "kuaixun-old", "other"]):
        folder = tmp_path / name
        folder.mkdir()
        os.utime(folder, (1000 - age, 1000 - age))
    memo.keep_recent(tmp_path, "kuaixun-", keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kuaixun-mid", "kuaixun-new", "other"]


def test_the_previews_changes_are_no_part_of_the_cache_folders_name(tmp_path):
    """The preview hands each build what was saved (rules.CHANGES): its caches are the same
    from one save to the next, not a new folder per save."""
    from types import SimpleNamespace

    from kuaixun.hooks.caches import versioned_cache_path
    from kuaixun.rules import CHANGES, Changes

    folders = set()
    for edited in (None, frozenset({tmp_path / "a.md"}), frozenset({tmp_path / "b.md"})):
        settings = {**read_settings(SETTINGS), "CACHE_PATH": str(tmp_path / "cache")}
        settings[CHANGES] = Changes(edited)
        versioned_cache_path(SimpleNamespace(settings=settings))
        folders.add(settings["CACHE_PATH"])
    assert len(folders) == 1
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [Path(folders.pop()).name]
