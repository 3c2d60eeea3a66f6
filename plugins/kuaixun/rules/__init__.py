"""The content rules: every rule the build and `invoke check` run, listed once, here.

A rule is a plain function in the module of its concern (`metadata`, `links`, `photos`,
`unsafe_html`, `issues`); `registry` reads the files and runs a `Rules` list. A new rule is
added to `RULES` below: no module registers itself by being imported. See
docs/strict-build.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kuaixun.core.memo import Memo
from kuaixun.core.problems import Problem, split_notices
from kuaixun.rules import (
    addresses,
    dictionary,
    files,
    issues,
    links,
    metadata,
    photos,
    readable,
    text,
    unsafe_html,
)
from kuaixun.rules.registry import CheckMemory, Rules, Site, in_report_order, load_site, run_rules

RULES = Rules(
    # Judged from the file's bytes and the settings alone (a build remembers the verdicts).
    per_text=(
        metadata.encoding_is_utf8,
        text.has_no_control_characters,  # pasted from Word: XML feeds cannot hold them
        text.nesting_is_shallow,  # Markdown recurses for ever on 10,000 nested >
        text.has_no_conflict_markers,  # a git merge left unfinished publishes both versions
        metadata.header_lines_are_key_value,
        metadata.metadata_keys_are_known,
        metadata.has_title,
        metadata.date_is_real,
        metadata.date_is_not_ahead,  # 2062 for 2026 would head the home page for decades
        metadata.category_is_known,
        metadata.status_is_known,
        metadata.reporters_are_separated,  # 孙露/段雨萌 is two reporters, not one
        metadata.tags_are_few,  # 3,000 tags made 3,000 pages
        metadata.body_is_not_empty,
        metadata.body_is_written,  # not make new's placeholder, no empty byline
        metadata.output_paths_stay_inside,  # Slug: inside output/
        metadata.addresses_come_from_the_slug,  # no Save_as: or URL: by hand
        metadata.slug_is_plain,  # a Slug is one part of a URL: no spaces, no /
        metadata.written_in_the_sites_language,  # no Lang: en, no Translation: true
        unsafe_html.body_has_no_script,  # no script, frames or event handlers in bodies
        readable.links_and_headings_have_words,  # no empty link or heading (axe)
    ),
    # These look at other files too: the theme's templates, linked files, photos.
    per_file=(
        metadata.template_exists,
        links.internal_links_resolve,
        photos.photos_are_publishable,  # alt text, missing, unreadable, too large
    ),
    per_site=(
        files.content_tree_is_safe,  # links, FIFOs, file types an editor may not publish
        metadata.explicit_slugs_are_unique,
        addresses.pages_have_addresses_of_their_own,  # the build refused them, make check not
        metadata.titles_are_distinct,  # a notice: the second one's URL gets -2
        issues.issues_are_consistent,  # issue files, Issue:, Order
        issues.issue_notes_are_clean,  # the note: control characters, HTML, links
        photos.published_photos_have_no_location,  # {attach} downloads, images/ as they are
        dictionary.user_dictionary_is_well_formed,  # content/search/userdict.txt
    ),
    # The photos rule judges the body's images itself: the link rule leaves them alone.
    claims_links=(photos.photo_links,),
    # A file's links break when the file linked is deleted or becomes a draft.
    across_files=(links.internal_links_resolve,),
)

# What must hold before Pelican reads a file at all: it follows links, blocks on a FIFO,
# crashes on control characters and recurses on deep nesting. tools/build.py runs these first.
BEFORE_READING = Rules(
    per_text=(text.has_no_control_characters, text.nesting_is_shallow),
    per_site=(files.content_tree_is_safe, issues.issue_files_are_readable),
)


def check_site(
    settings: dict, only: Iterable[Path] | None = None, rules: Rules = RULES
) -> list[Problem]:
    """Every problem in the content folder settings["PATH"], sorted by file and line; `only`
    limits the report to some files (the rules still see the whole site). No notices."""
    return split_notices(run_rules(settings, rules, only))[0]


def check_content(
    settings: dict,
    only: Iterable[Path] | None = None,
    rules: Rules = RULES,
    memo: Memo | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """(problems, notices): what `make check` and the build report; `memo` remembers the
    verdicts of the rules that read one file alone."""
    return split_notices(run_rules(settings, rules, only, memo))


# The settings key under which the preview hands the strict build a `Changes`: then the build
# checks what changed, not every file (docs/strict-build.md).
CHANGES = "CONTENT_CHANGES"


@dataclass
class Changes:
    """What a check of the changes alone needs: the Markdown files edited or added since the
    last check (None: anything may have changed), and what that check read and judged. One
    build's checks share the content folder as the first of them read it."""

    edited: frozenset[Path] | None
    memory: CheckMemory = field(default_factory=CheckMemory)
    site: Site | None = None
    # The build's content check started beside Pelican's reading (rules/build_check.py,
    # check_ahead): its process and the end of the pipe its answer comes by.
    ahead: tuple | None = None

    def __reduce__(self):
        # The settings travel into Pelican's reader cache with every category and tag it
        # pickles: what one build read and judged stays out of it.
        return (Changes, (self.edited,))


def changes_alone(settings: dict) -> Changes | None:
    """The preview's Changes when this build checks what changed alone, not every file."""
    changes = settings.get(CHANGES)
    return changes if changes is not None and changes.edited is not None else None


def check_changes(
    settings: dict, changes: Changes, rules: Rules = RULES, memo: Memo | None = None
) -> tuple[list[Problem], list[Problem]]:
    """(problems, notices) of the changes: every rule on the edited files, the rules that
    look across files on the others, the rules over the whole site. Every rule on every file
    when `edited` is None. `memo` as in check_content."""
    if changes.site is None:
        changes.site = load_site(settings, changes.memory)
    return split_notices(in_report_order(rules.run(changes.site, changes.edited, memo)))
