"""Placeholder: CJK Markdown extension (soft line breaks)."""

from markdown.extensions import Extension


class CJKExtension(Extension):
    def extendMarkdown(self, md):
        pass


def makeExtension(**kwargs):
    return CJKExtension(**kwargs)
