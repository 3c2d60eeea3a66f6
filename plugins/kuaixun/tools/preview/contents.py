"""The articles and pages as Pelican read them, kept between the preview's builds: a build after
a save reads only the files that changed and takes every other one as read before.

Reading is most of a build's context (7,000 Markdown files: 14 s; from Pelican's reader cache
on disk still 6 s). What is kept is each content as it left the reader and the content_object_init
handlers (hooks/cjk), before any other plugin changed it; each build gets fresh copies, which
its plugins may change as they change a content just read. Only the attributes are copied:
the plugins give a content new values (slug, summary, HTML, neighbours, issue); in place they
change its metadata, copied too, and the slugs of its 栏目, tags and reporters, which every
build sets again for every article before any page uses them (hooks/cjk.resolve_slugs).
"""

from __future__ import annotations

import copy
import os

from kuaixun import pelican_api

Stamp = tuple[int, int]


def stamp(path: str) -> Stamp | None:
    """The file's time of change and size; None when it is gone."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def fresh_copy(content):
    """A copy that a build may change without changing `content`."""
    duplicate = copy.copy(content)
    duplicate.metadata = dict(content.metadata)
    return duplicate


class ContentsAsRead:
    """Each article and page as read, by generator and file, with the file's stamp then."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], tuple[Stamp | None, object]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def forget(self) -> None:
        """After a change of the settings or the plugins: everything is read again."""
        self._kept.clear()

    def serve(self, generator) -> None:
        """Have an articles or pages generator take the files read before from here and keep
        here what it reads (other generators read nothing cached)."""
        if not pelican_api.content_lists(generator):
            return
        kind = type(generator).__name__

        def find(path: str):
            kept = self._kept.get((kind, path))
            if kept is None or kept[0] != stamp(os.path.join(generator.path, path)):
                return None
            content = fresh_copy(kept[1])
            pelican_api.attach(content, generator)
            return content

        def keep(path: str, content) -> None:
            kept = fresh_copy(content)
            pelican_api.detach(kept)
            self._kept[(kind, path)] = (stamp(os.path.join(generator.path, path)), kept)

        pelican_api.keep_contents(generator, find, keep)
