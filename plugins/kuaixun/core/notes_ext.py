"""Python-Markdown extension: an HTML comment in a body is a note to colleagues, not text.

Editors leave notes where they write (`<!-- 待核实：电话 139… -->`). Markdown passes a comment
through as raw HTML, so every published page, feed and printed issue carried the note in its
source, for anyone who opens it. The postprocessor takes complete comments out of the
rendered body; code shows a comment as text (`&lt;!--`) and keeps it. A comment without its
end (`-->`) is the content check's problem (rules/unsafe_html.py): the browser would hide the
rest of the page in it, or Markdown show the note as text.
"""

from __future__ import annotations

import re

from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


class NotesPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        return COMMENT.sub("", text) if "<!--" in text else text


class NotesExtension(Extension):
    def extendMarkdown(self, md):
        # After 'raw_html' (30), which puts the editor's raw HTML back into the text.
        md.postprocessors.register(NotesPostprocessor(md), "editor_notes", 25)


def makeExtension(**kwargs):
    return NotesExtension(**kwargs)
