"""A strict, atomic Pelican build.

Pelican skips a broken file with exit code 0 and writes straight into output/. Here the
site is built into a sibling temporary folder; every problem (ours and Pelican's own
errors) is collected, and output/ is replaced only when there were none.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

from kuaixun import pelican_api
from kuaixun.core.problems import ContentErrors, Problem, display_path, format_report

_FILE_NAMES = re.compile(r"[\w./-]+\.[A-Za-z0-9]{1,5}\b")


class _PelicanErrors(logging.Handler):
    """Turns Pelican's own error and warning records into problems."""

    def __init__(self, content_root: Path):
        super().__init__(level=logging.WARNING)
        self.content_root = content_root
        self.problems: list[Problem] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        path = "pelican"
        if record.args and isinstance(record.args, tuple):
            first = str(record.args[0])
            if first.endswith((".md", ".markdown", ".html", ".rst")):
                path = display_path(Path(first), self.content_root)
        # Pelican logs a skipped file without exc_info; we are still inside its except block.
        error = (record.exc_info or sys.exc_info())[1]
        if error is not None:
            message = f"{message}: {type(error).__name__}: {error}"
        self.problems.append(Problem(path, None, message, "see the message above"))


def build_site(settings_file: str, overrides: dict | None = None) -> list[Problem]:
    """Build the site; return the problems found (empty when output/ was replaced)."""
    settings = read_settings(settings_file, override=overrides or {})
    final = Path(settings["OUTPUT_PATH"]).resolve()
    staging = final.with_name(f".{final.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    settings["OUTPUT_PATH"] = str(staging)
    settings["DELETE_OUTPUT_DIRECTORY"] = False

    # Pelican's log drops a warning it already printed in this process; livereload builds
    # again and again in one process, and a warning dropped would let a bad build through.
    pelican_api.forget_logged_messages()
    handler = _PelicanErrors(Path(settings["PATH"]))
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(handler)
    problems: list[Problem] = []
    try:
        Pelican(settings).run()
    except ContentErrors as errors:
        problems.extend(errors.problems)
    except Exception as error:  # a template or plugin bug: named, never a bare traceback
        problems.append(_crash(error))
    finally:
        pelican_logger.removeHandler(handler)
    problems.extend(_unreported(handler.problems, problems))

    if problems:
        shutil.rmtree(staging, ignore_errors=True)
        return sorted(set(problems))
    _swap(staging, final)
    return []


def _unreported(pelican_problems: list[Problem], ours: list[Problem]) -> list[Problem]:
    """Pelican's records, minus those about files our own checks already explained.

    Some of Pelican's messages name the files only in their text (two articles with one
    slug), as paths relative to the content folder or absolute.
    """
    explained = {p.path for p in ours}
    names = {str(Path(p).resolve()) for p in explained} | explained
    # A missing file our checks already named, as a dead link or a photo ("Cannot get
    # modification stamp for content/images/x.jpg", "Unable to find 'x.jpg'").
    linked = " ".join(
        p.message for p in ours if p.message.startswith(("链接", "照片", "找不到照片"))
    )

    def about_explained(problem: Problem) -> bool:
        if problem.path in explained or any(name in problem.message for name in names):
            return True
        mentioned = _FILE_NAMES.findall(problem.message)
        return any(Path(name).name in linked for name in mentioned)

    return [p for p in pelican_problems if not about_explained(p)]


def _crash(error: Exception) -> Problem:
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


def _swap(staging: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def build_and_report(settings_file: str | Path, overrides: dict | None = None) -> int:
    """Build the site and print every problem for the editor; the exit status (0: built)."""
    problems = build_site(str(settings_file), overrides)
    if problems:
        print(format_report(problems), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """python -m kuaixun.tools.build SETTINGS [JSON_OVERRIDES]: the build the tests run."""
    import json

    args = sys.argv[1:] if argv is None else argv
    overrides = json.loads(args[1]) if len(args) > 1 else {}
    return build_and_report(args[0], overrides)


if __name__ == "__main__":
    sys.exit(main())
