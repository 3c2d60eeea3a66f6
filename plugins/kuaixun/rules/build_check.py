"""The build's content check: of every file, or of what changed since the last clean check.

`make html` (tools/build.py) and the strict build (hooks/bulletin/strict.py) share it. A
check that found no problem leaves a record (`Checked`) in the build's versioned cache
folder; the next build checks only the Markdown files edited since, when nothing else
changed, and may do so in a fork beside Pelican's reading (`check_ahead`). See
docs/strict-build.md.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from kuaixun.core.memo import Memo
from kuaixun.core.problems import Problem
from kuaixun.rules import CHANGES, Changes, changes_alone, check_changes, check_content
from kuaixun.rules.files import content_tree_is_safe, walk
from kuaixun.rules.registry import Rules, Site, load_site

# The content rules' verdicts on each file's text, kept in the build's versioned cache folder
# (kuaixun.hooks.caches): a rebuild judges again only the files that changed.
MEMO_FILE = "rules-memo.pickle"


# What the last content check that found no problem saw, in the same cache folder: the
# digest of each Markdown file it judged, and every other file under content/ and the
# theme's templates by stamp (`Checked`).
CHECKED_FILE = "rules-checked.pickle"


def content_problems(settings: dict) -> tuple[list[Problem], list[Problem]]:
    """(problems, notices) of the content check: of every file (make html; the preview's
    first build or one after a failure, when anything may have changed), the per_text
    verdicts of unchanged files taken from the memo; or of the preview's changes alone.

    make html tells the check what changed since its last clean check: when only Markdown
    files were edited, added or removed, the edited ones are checked by every rule and the
    others by the rules that look across files (rules.check_changes), as in the preview.
    Such a check may have run beside Pelican's reading already (`check_ahead`)."""
    alone = changes_alone(settings)
    if alone is not None:
        return check_changes(settings, alone)  # the saved files' text only: nothing to remember
    changes: Changes | None = settings.get(CHANGES)
    if changes is not None and changes.ahead is not None:
        found = _answer_ahead(changes)
        if found is not None:
            return _with_the_tree_again(settings, changes, found)
    memo = Memo(Path(settings["CACHE_PATH"]) / MEMO_FILE)
    if changes is None:
        found = check_content(settings, memo=memo)
    else:
        if changes.site is None:
            changes.site = load_site(settings, changes.memory)
        # Stamped before the rules read the photos and templates: one changed while they
        # read it differs from its stamp at the next build.
        now = Checked.of(changes.site)
        edited = now.edited_since(Checked.load(_record(settings)))
        found = _check_since_last(settings, changes, now, edited, memo)
    memo.save()
    return found


# The rule over the content folder's entries, run again once Pelican has read the files.
_TREE = Rules(per_site=(content_tree_is_safe,))


def _with_the_tree_again(
    settings: dict, changes: Changes, found: tuple[list[Problem], list[Problem]]
) -> tuple[list[Problem], list[Problem]]:
    """The check ahead's answer, and the content folder's entries walked again: a link, a
    FIFO or a file type made while Pelican read (after the check ahead walked the folder) is
    refused as the check in the build's process refused it, at this point, before writing."""
    tree = check_changes(settings, Changes(frozenset(), changes.memory, changes.site), _TREE)
    if not tree[0]:
        return found
    _record(settings).unlink(missing_ok=True)  # a problem left: the next checks every file
    return sorted(set(found[0]) | set(tree[0])), found[1]


def check_ahead(settings: dict) -> None:
    """Start the build's content check in a forked process beside Pelican's reading, when
    only Markdown files changed since the last clean check (a rebuild): its rules read the
    files, not what Pelican makes of them, and the build's content folder is read already
    (tools/build.py, after its check before reading). `content_problems` takes the answer
    at all_generators_finalized. A check of every file stays in the build's process: its
    memory would add to the build's peak while Pelican and the search read every article."""
    changes: Changes | None = settings.get(CHANGES)
    if changes is None or changes.edited is not None or changes.site is None:
        return
    now = Checked.of(changes.site)
    edited = now.edited_since(Checked.load(_record(settings)))
    if edited is None:
        return
    receive, send = _FORK.Pipe(duplex=False)
    process = _FORK.Process(
        target=_check_and_send, args=(settings, changes, now, edited, send), daemon=True
    )
    process.start()
    send.close()
    changes.ahead = (process, receive)


_FORK = multiprocessing.get_context("fork")


def _check_and_send(settings: dict, changes: Changes, now, edited, send) -> None:
    try:
        memo = Memo(Path(settings["CACHE_PATH"]) / MEMO_FILE)
        found = _check_since_last(settings, changes, now, edited, memo)
        memo.save()
    except Exception:  # no traceback here: the build checks again and names what failed
        return
    send.send(found)


def _answer_ahead(changes: Changes) -> tuple[list[Problem], list[Problem]] | None:
    """The check started ahead's (problems, notices), or None when it ended without one
    (killed, or a rule failed: the build checks again itself, and reports that failure as
    any build does)."""
    ahead, changes.ahead = changes.ahead, None
    if ahead is None:
        return None
    process, receive = ahead
    try:
        found = receive.recv()
    except (EOFError, OSError):
        found = None
    finally:
        receive.close()
        process.join()
    return found


def forget_ahead(changes: Changes) -> None:
    """End a check started ahead whose answer no one took."""
    if changes.ahead is not None:
        _answer_ahead(changes)


def _record(settings: dict) -> Path:
    return Path(settings["CACHE_PATH"]) / CHECKED_FILE


def _check_since_last(
    settings: dict, changes: Changes, now: Checked, edited: frozenset[Path] | None, memo: Memo
) -> tuple[list[Problem], list[Problem]]:
    """The build's content check, of the Markdown files `edited` since the last clean check
    alone when nothing else under content/ or in the theme's templates changed (`now`, the
    content folder as the build's check read it, against that check's record)."""
    # The build's Changes stay as they are: Pelican's render warnings are of every file.
    found = check_changes(settings, Changes(edited, changes.memory, changes.site), memo=memo)
    if edited is not None:
        memo.keep_known()  # the other files' verdicts, not asked this time, stay for the next
    if found[0]:
        _record(settings).unlink(missing_ok=True)  # a problem left: the next checks every file
    else:
        now.save(_record(settings))
    return found


@dataclass(frozen=True)
class Checked:
    """What a content check judged: each Markdown file's digest (of the bytes the rules
    read), and the (time of change, size, inode) of every other entry under content/ and
    of the theme's templates, which the rules of one file read besides it."""

    texts: dict[str, str]
    stamps: dict[str, tuple[int, int, int]]

    @classmethod
    def of(cls, site: Site) -> Checked:
        texts = {str(file.path): file.digest for file in site.files}
        settings = site.settings
        roots = [site.root]
        roots += [Path(folder) for folder in settings.get("THEME_TEMPLATES_OVERRIDES") or []]
        roots.append(Path(settings.get("THEME") or "") / "templates")
        ignore = settings.get("IGNORE_FILES") or []
        stamps = {}
        for root in roots:
            for path, info in walk(root.resolve(), ignore):
                if str(path) not in texts:
                    stamps[str(path)] = (info.st_mtime_ns, info.st_size, info.st_ino)
        return cls(texts, stamps)

    def edited_since(self, before: Checked | None) -> frozenset[Path] | None:
        """The Markdown files new or changed since `before`, or None (check every file): no
        record, or anything but a Markdown file new, changed or gone."""
        if before is None or before.stamps != self.stamps:
            return None
        return frozenset(
            Path(name)
            for name, text in self.texts.items()
            if not text or before.texts.get(name) != text
        )

    @classmethod
    def load(cls, path: Path) -> Checked | None:
        try:
            loaded = pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ImportError):
            return None
        return loaded if isinstance(loaded, cls) else None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
