"""The search export under output/search/ (docs/search.md): the one door the search hook and
the tests use. It decides between reusing the cached logical export, updating it in place
(incremental.py) and writing it whole (full.py); both write through codec.py. pack.py then
stores it as the published index: a base of packs and an overlay of what changed since.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kuaixun.core.search.export.codec import (
    CHUNK,
    FINGERPRINT,
    STATE,
    ExportState,
    LogicalExport,
    fingerprint,
    load_export,
    load_state,
    save_export,
    save_state,
    settings_fingerprint,
    words_fingerprint,
)
from kuaixun.core.search.export.full import SpilledExport, export, spill_export, store_export
from kuaixun.core.search.export.incremental import update_in_memory
from kuaixun.core.search.export.pack import PACK_FORMAT, Base, load_base, pack_export
from kuaixun.core.search.index import Record

__all__ = [
    "CHUNK",
    "STATE",
    "CachedExport",
    "ExportState",
    "LogicalExport",
    "SpilledExport",
    "UnsavedExport",
    "export",
    "finish_spilled",
    "refresh_export",
    "refresh_published",
]


@dataclass
class CachedExport:
    """The cached export as an update reads it, loaded ahead (before the records are
    known: hooks/search.py loads it while Pelican reads the articles), under the cache's
    lock, which its loader holds until the update is done: the stamp as it was, the state,
    the files and the published index's base (None where missing)."""

    stamp: str | None
    state: ExportState | None
    logical: LogicalExport | None
    base: Base | None

    @classmethod
    def load(cls, cache: Path, published: Path) -> CachedExport:
        stamp = (cache / FINGERPRINT).read_text() if (cache / FINGERPRINT).exists() else None
        state = load_state(cache) if stamp is not None else None
        logical = None
        if state is not None:
            # Damaged, it fails the update that reads it (refresh_export loads it again),
            # as before, not a build that reuses the export.
            with contextlib.suppress(Exception):
                logical = load_export(cache, state.hashes)
        return cls(stamp, state, logical, load_base(published))


def refresh_published(
    cache: Path,
    logical: LogicalExport | None,
    published: Path,
    stamp: str | None = None,
    base: Base | None = None,
) -> str:
    """Store the logical export (`logical`, or None: the one saved in `cache`) as the
    published index in `published` (an overlay on the base there, or a new base); return
    what it did. A published index made from the same export is left as it is. `stamp`:
    the export's fingerprint when the cache does not hold it yet (an `UnsavedExport`)."""
    if stamp is None:
        stamp = (cache / FINGERPRINT).read_text()
    # Packed by this packer: a new PACK_FORMAT with the same articles packs them again (the
    # build caches CI restores hold the last run's published index, which new code misreads).
    stamp = f"{stamp} pack {PACK_FORMAT}"
    done = published / FINGERPRINT
    if done.exists() and done.read_text() == stamp and (published / "manifest.json").exists():
        return "reused"
    done.unlink(missing_ok=True)
    if logical is None:
        state = load_state(cache)
        if state is None:
            raise RuntimeError(f"{cache}: the export has no state; build again")
        logical = load_export(cache, state.hashes)
    did = pack_export(logical, published, base)
    done.write_text(stamp)
    return did


@dataclass
class UnsavedExport:
    """An export updated in memory whose cache files are not written yet: the build
    publishes it first and saves it for the next build after (hooks/search.py). Until
    `save` ends the cache holds no fingerprint, so a save killed or failed midway leaves
    the next build a whole export, never a half-saved one to update."""

    cache: Path
    logical: LogicalExport
    state: ExportState
    stamp: str

    def save(self) -> None:
        save_export(self.cache, self.logical)
        save_state(self.cache, self.state)
        (self.cache / FINGERPRINT).write_text(self.stamp)


def refresh_export(
    records_by_path: dict[str, Record],
    words: dict[str, int],
    cache: Path,
    previous: dict[str, Record] | None = None,
    previous_words: dict[str, int] | None = None,
    spill: bool = False,
    save_later: bool = False,
    loaded: CachedExport | None = None,
    release: Callable[[], None] | None = None,
    forks_done: Callable[[], None] | None = None,
    wait: Callable[[], None] | None = None,
    whoosh_parts: Path | None = None,
) -> tuple[str, LogicalExport | SpilledExport | None, UnsavedExport | None]:
    """Bring the export in `cache` in line with the records. Returns what it did ("reused",
    "updated (N files)": only the files the changed articles touch, or "written": all),
    the export in memory (None when reused: refresh_published reads it if it needs it) and,
    with `save_later`, an update not saved yet (`UnsavedExport.save` saves it; else None).
    With `spill`, an export written whole is returned spilled, not stored (`finish_spilled`
    stores it, in this process or another: search/tail.py); and `release`, if given, is
    called as such an export starts: it saves the records, whose cut the export then frees
    once spilled (`full.drop_cuts`); `wait`, if given, before its first fork (Pelican's
    pages); `forks_done`, if given, once its forks are done; `whoosh_parts`, if given, the
    folder where such an export's forks write a new Whoosh index's parts
    (`full.full_export`).

    Only the cache is written here (in the indexing process): the build's output folder is
    touched by `finish_build.publish_index` alone, after the build succeeded. `loaded`: the cache as
    `CachedExport.load` read it, the cache's lock held since.
    """
    stamp = cache / FINGERPRINT
    wanted = fingerprint(records_by_path, words)
    reused, state = _cached(cache, wanted, loaded)
    if reused:
        return "reused", None, None
    stamp.unlink(missing_ok=True)
    # Only an export made from the previous build's records can be updated from them.
    if state is not None and previous and state.words == words_fingerprint(previous_words or {}):
        if loaded is not None and loaded.logical is not None:
            logical = loaded.logical
        else:
            logical = load_export(cache, state.hashes)
        update = update_in_memory(state, previous, records_by_path, words, logical)
        if update is not None:
            did = f"updated ({len(update.written)} files)"
            unsaved = UnsavedExport(cache, logical, update.state, wanted)
            if save_later:
                return did, logical, unsaved
            unsaved.save()
            return did, logical, None
        # A whole export reads none of the cached files: those loaded ahead go before it.
        del logical
    if loaded is not None:
        loaded.logical = None
    # pypinyin's readings of the words it read before are kept (the slowest part).
    known = None
    if state is not None and state.settings == settings_fingerprint():
        known = state.pinyin
    if spill:
        spilled = spill_export(
            records_by_path, cache, words, known, release, forks_done, wait, whoosh_parts
        )
        spilled.stamp = wanted
        return "written", spilled, None
    logical = export(records_by_path, cache, words, known)
    stamp.write_text(wanted)
    return "written", logical, None


def _cached(
    cache: Path, wanted: str, loaded: CachedExport | None
) -> tuple[bool, ExportState | None]:
    """Whether the cached export is the one `wanted` already, and else its state (None: no
    stamp, the last update never finished — a killed build: only a whole export is safe)."""
    if loaded is not None:
        return loaded.stamp == wanted, loaded.state
    stamp = cache / FINGERPRINT
    if not stamp.exists():
        return False, None
    if stamp.read_text() == wanted:
        return True, None
    return False, load_state(cache)


def finish_spilled(cache: Path, spilled: SpilledExport) -> LogicalExport:
    """Store and save the export `refresh_export` spilled into `cache`, then mark the cache
    as made from its records (a build killed before leaves no mark: the next writes it
    whole)."""
    logical = store_export(cache, spilled)
    (cache / FINGERPRINT).write_text(spilled.stamp)
    return logical
