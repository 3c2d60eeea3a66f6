"""The staging folder a build writes into, beside output/, and its exchange with output/.

Apart from tools/build.py, with nothing but the standard library: the end of a one-shot
build (tools/finish_build.py, a small process image that replaces the build's) prunes and
exchanges the folders without importing Pelican.
"""

from __future__ import annotations

import ctypes
import os
import shutil
from contextlib import suppress
from pathlib import Path


def prepare(final: Path, staging: Path) -> None:
    """An empty staging folder, with the folders the last build kept when there are any.

    First what a killed build left: an output/ that a build killed between two renames
    (where the exchange is not available) had moved is put back; its staging folder (or the
    site it replaced, killed just after the exchange) is emptied of files and used.
    """
    old = final.with_name(f".{final.name}.old")
    if old.exists() and not final.exists():
        old.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    kept = folders_kept(final)
    if staging.is_dir() and not staging.is_symlink():
        shutil.rmtree(kept, ignore_errors=True)
        remove_files(staging)
    else:
        with suppress(FileNotFoundError):
            staging.unlink()  # not a folder: nothing of ours
        with suppress(FileNotFoundError):
            kept.rename(staging)


def folders_kept(final: Path) -> Path:
    """Where the folders of a replaced site wait, empty, for the next build's staging."""
    return final.with_name(f".{final.name}.folders")


def keep_folders(site: Path, final: Path) -> None:
    """Empty a replaced site (or a failed build's staging folder) of its files and keep its
    folders for the next build (a build that failed before writing made none)."""
    if not site.is_dir():
        return
    remove_files(site)
    kept = folders_kept(final)
    shutil.rmtree(kept, ignore_errors=True)  # none unless a killed build left one
    site.rename(kept)


def remove_files(folder: Path) -> None:
    """Unlink every file under `folder` (links not followed); the folders stay."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                remove_files(Path(entry.path))
            else:
                os.unlink(entry.path)


def prune_empty_folders(folder: Path) -> bool:
    """Remove the folders under `folder` left without a file (kept from an older site and not
    written in this build); True when `folder` itself holds nothing now."""
    empty = True
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and prune_empty_folders(Path(entry.path)):
                os.rmdir(entry.path)
            else:
                empty = False
    return empty


def swap(staging: Path, final: Path) -> None:
    """Put the new site in place in one step: output/ is at every moment either the old site
    or the new one, whenever the build is killed."""
    if not final.exists():
        staging.rename(final)
    elif exchange(staging, final):
        keep_folders(staging, final)  # now the old site
    else:  # no renameat2 (macOS): two renames; prepare repairs a kill between them
        old = final.with_name(f".{final.name}.old")
        final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return done == 0
