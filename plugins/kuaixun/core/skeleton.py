"""The skeleton article `make new` writes, in one place: the tool that writes it and the rule
that refuses to publish it unchanged (rules.metadata.body_is_written) read it from here."""

from __future__ import annotations

import re

PLACEHOLDER = "正文从这里开始。"
# 本报讯（记者 ）: the byline of a skeleton written without AUTHORS=, or a name deleted.
EMPTY_BYLINE = re.compile(r"[（(]\s*记者\s*[）)]")


def skeleton_body(authors: list[str]) -> str:
    """本报讯（记者 孙露、段雨萌）正文从这里开始。 — names joined with 、 as the guide does."""
    return f"本报讯（记者 {'、'.join(authors)}）{PLACEHOLDER}"
