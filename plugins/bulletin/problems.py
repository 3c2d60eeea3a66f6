"""Content problems, collected over a whole build and reported together.

Every check appends a Problem instead of raising, so editors see all that is wrong with
one build at once, each as ``path:line: what is wrong — how to fix``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}" + (f" — {self.fix}" if self.fix else "")


class ContentErrors(Exception):
    """Raised before anything is written when the content has problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(f"{len(self.problems)} content problem(s)")


def format_report(problems: list[Problem]) -> str:
    lines = [str(p) for p in sorted(set(problems))]
    count = len(lines)
    lines.append(f"构建失败：发现 {count} 个问题，网站没有更新。(Build failed: {count} problem(s); output/ left unchanged.)")
    return "\n".join(lines)
