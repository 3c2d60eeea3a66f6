"""The content rules: every rule the build and `invoke check` run, listed once, here.

A rule is a plain function in the module of its concern (`metadata`, `links`, `photos`,
`unsafe_html`, `issues`); `registry` reads the files and runs a `Rules` list. A new rule is
added to `RULES` below: no module registers itself by being imported. See
docs/strict-build.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kuaixun.core.problems import Problem, split_notices
from kuaixun.rules import issues, links, metadata, photos, unsafe_html
from kuaixun.rules.registry import Rules, run_rules

RULES = Rules(
    per_file=(
        metadata.encoding_is_utf8,
        metadata.header_lines_are_key_value,
        metadata.metadata_keys_are_known,
        metadata.has_title,
        metadata.date_is_real,
        metadata.category_is_known,
        metadata.status_is_known,
        metadata.body_is_not_empty,
        metadata.body_is_written,  # not make new's placeholder, no empty byline
        links.internal_links_resolve,
        photos.photos_are_publishable,  # alt text, missing, unreadable, too large
        unsafe_html.body_has_no_script,  # no script, frames or event handlers in bodies
    ),
    per_site=(
        metadata.explicit_slugs_are_unique,
        metadata.titles_are_distinct,  # a notice: the second one's URL gets -2
        issues.issues_are_consistent,  # issue files, Issue:, Order
        unsafe_html.issue_notes_have_no_script,
    ),
    # The photos rule judges the body's images itself: the link rule leaves them alone.
    claims_links=(photos.photo_links,),
)


def check_site(
    settings: dict, only: Iterable[Path] | None = None, rules: Rules = RULES
) -> list[Problem]:
    """Every problem in the content folder settings["PATH"], sorted by file and line; `only`
    limits the report to some files (the rules still see the whole site). No notices."""
    return split_notices(run_rules(settings, rules, only))[0]


def check_content(
    settings: dict, only: Iterable[Path] | None = None, rules: Rules = RULES
) -> tuple[list[Problem], list[Problem]]:
    """(problems, notices): what `make check` and the build report."""
    return split_notices(run_rules(settings, rules, only))
