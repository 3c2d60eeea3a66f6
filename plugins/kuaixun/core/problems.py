"""Content problems, collected over a whole build and reported together.

Every check appends a Problem instead of raising, so editors see all that is wrong with
one build at once, each as ``path:line: what is wrong — how to fix``. A notice is a Problem
that tells the editor something without stopping the check or the build (two articles with
one title): printed as ``提醒 (notice): path:line: …``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str
    fix: str = ""
    notice: bool = False

    def __lt__(self, other: Problem) -> bool:
        # By file, then line; a problem about the whole file (line None) comes first.
        return self._order() < other._order()

    def _order(self) -> tuple:
        return (self.path, self.line or 0, self.message, self.fix)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        said = f"{where}: {self.message}" + (f" — {self.fix}" if self.fix else "")
        # A value quoted from the content may hold a control character or line separator:
        # shown escaped, one problem stays one line of the report.
        said = _CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", said)
        return f"{NOTICE_PREFIX}{said}" if self.notice else said


NOTICE_PREFIX = "提醒 (notice): "


def split_notices(found: list[Problem]) -> tuple[list[Problem], list[Problem]]:
    """(errors, notices)."""
    return [p for p in found if not p.notice], [p for p in found if p.notice]


class ContentErrors(Exception):
    """Raised before anything is written when the content has problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(f"{len(self.problems)} content problem(s)")


def format_report(problems: list[Problem]) -> str:
    lines = [str(p) for p in sorted(set(problems))]
    count = len(lines)
    lines.append(
        f"构建失败：发现 {count} 个问题，网站没有更新。"
        f"(Build failed: {count} problem(s); output/ left unchanged.)"
    )
    return "\n".join(lines)


def display_path(path: Path, content_root: Path) -> str:
    """A file as problems name it: relative to the working folder when inside it, else absolute."""
    path = path if path.is_absolute() else content_root / path
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())


def crash_problem(error: Exception) -> Problem:
    """Where an unexpected error happened (a template line, a plugin), as a problem."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    where = frames[-1] if frames else None
    return Problem(
        display_path(Path(where.filename), Path.cwd()) if where else "pelican",
        where.lineno if where else None,
        f"构建出错 (build crashed): {type(error).__name__}: {error}",
        "这是网站程序或模板的问题，不是文章的问题；请告诉网站维护者 (a bug in the site code)",
    )


# Where generators keep problems found while reading, until the bulletin plugin raises them
# all together just before writing (see bulletin.strict).
PENDING = "BULLETIN_PROBLEMS"


def defer(context: dict, problems: list[Problem]) -> None:
    """Report problems found in generate_context without stopping the other checks."""
    context.setdefault(PENDING, []).extend(problems)


# Files a plugin writes outside Pelican's generators (photo renditions, the search export),
# as (save_as, what): the collision check (hooks/bulletin/collisions.py) counts them too. A
# save_as ending in "/" claims the whole folder.
PLANNED = "BULLETIN_PLANNED_OUTPUTS"


def plan_outputs(context: dict, outputs: list[tuple[str, str]]) -> None:
    context.setdefault(PLANNED, []).extend(outputs)


# Every file the build will write (save_as; a folder ends in "/"), put in the context by the
# strict build once it has listed them: the preview removes the files a build no longer writes.
ALL_OUTPUTS = "BULLETIN_ALL_OUTPUTS"
