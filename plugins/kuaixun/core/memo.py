"""Results of pure per-article work, kept between builds and keyed by what they depend on.

A rebuild after a one-article edit reads every article again; the work a plugin does on one
article's text alone (a summary, a content rule's verdict) is the same as last time for all
but the edited one. A `Memo` keeps such results in one file, keyed by a digest of the
inputs (the file's bytes, its path); the folder it lives in is named by the settings and the
code (`fingerprint`), so a change to either starts from an empty memo. Only the entries
used in a build are saved, so removed articles do not pile up.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import kuaixun

PACKAGE = Path(kuaixun.__file__).resolve().parent
_MISSING = object()


def digest(*parts: str | bytes) -> str:
    """One key for several inputs; each part is length-prefixed, so ("ab", "c") != ("a", "bc")."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hashed.update(len(data).to_bytes(8, "big"))
        hashed.update(data)
    return hashed.hexdigest()


def code_version() -> str:
    """Every module of the project's package and the version of every installed library:
    what turns the same article into different results."""
    files = sorted(PACKAGE.rglob("*.py"))
    names = [p.relative_to(PACKAGE).as_posix() for p in files]
    libraries = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    return digest(*names, *(p.read_bytes() for p in files), *libraries)


def settings_version(settings: dict) -> str:
    """The settings as text: functions by their qualified name, other objects by str()."""

    def named(value: Any) -> Any:
        if isinstance(value, (set, frozenset)):  # str() of a set differs between processes
            return sorted(map(named, value))
        if callable(value) and hasattr(value, "__qualname__"):
            return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
        return str(value)

    return digest(json.dumps(settings, sort_keys=True, default=named, ensure_ascii=False))


def fingerprint(settings: dict) -> str:
    """A short name for the folder of caches these settings and this code may share."""
    return digest(code_version(), settings_version(settings))[:16]


class Memo:
    """A dict of results saved to `path`; `remember` computes what is not known yet."""

    def __init__(self, path: Path):
        self.path = path
        self.known: dict[str, Any] = _load(path)
        self.used: dict[str, Any] = {}

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        value = self.known.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
        self.used[key] = value
        return value

    def keep_known(self) -> None:
        """Save what was known too, not only what this run used: a check of some files
        leaves the verdicts of the others for the next check of every file."""
        self.used = {**self.known, **self.used}

    def save(self) -> None:
        """Write the entries used in this run, atomically (a killed build leaves the old file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        partial.write_bytes(pickle.dumps(self.used, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, self.path)


def _load(path: Path) -> dict[str, Any]:
    try:
        loaded = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def keep_recent(folder: Path, prefix: str, keep: int) -> None:
    """Of the caches named `prefix`… in `folder`, keep the `keep` used last (by modification
    time): make html, make livereload (drafts shown) and make pdf each have settings of their
    own, and alternating between them must not start each from empty caches."""
    import shutil

    if not folder.is_dir():
        return
    caches = [p for p in folder.iterdir() if p.name.startswith(prefix) and p.is_dir()]
    caches.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in caches[keep:]:
        shutil.rmtree(stale, ignore_errors=True)


# The build's cache folders under CACHE_PATH: one per version of the settings and the code.
CACHE_PREFIX = "kuaixun-"
# Caches of other settings or code kept beside this one (the most recently used).
KEEP_CACHES = 4


def settle_cache_path(settings: dict, passing: tuple[str, ...] = ()) -> None:
    """Make settings["CACHE_PATH"] the folder of these settings and this code (the caches
    plugin, as Pelican starts; tools/build.py before its check before reading, whose
    verdicts are kept there too). `passing`: settings of one build alone, left out."""
    base = Path(settings["CACHE_PATH"])
    if base.name.startswith(CACHE_PREFIX):  # settled already (a second Pelican in one process)
        return
    lasting = {key: value for key, value in settings.items() if key not in passing}
    folder = base / (CACHE_PREFIX + fingerprint(lasting))
    folder.mkdir(parents=True, exist_ok=True)
    os.utime(folder)  # used now: the last to be pruned
    # Caches of older code are never read again: without pruning they would pile up.
    keep_recent(base, CACHE_PREFIX, KEEP_CACHES)
    settings["CACHE_PATH"] = str(folder)
