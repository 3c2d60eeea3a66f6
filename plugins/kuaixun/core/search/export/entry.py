"""The entry (manifest.json) inside the search page, so a cold search does not ask for it.

The page is rendered before the search process has written the export; the build then puts
the published entry into the page's data block, `<script type="application/json">`, which
no browser runs (the strict CSP holds). The block is empty in the page as rendered; a page
whose block is empty or unreadable fetches manifest.json, which stays for `renew()` after a
deploy (search/index.js).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

BLOCK_ID = "search-entry"
# The block as search.html renders it, empty, or as this module filled it.
BLOCK = re.compile(
    rb'(<script type="application/json" id="' + BLOCK_ID.encode() + rb'">)(.*?)(</script>)',
    re.S,
)


def with_entry(page: bytes, entry: bytes) -> bytes:
    """The page with `entry` (the JSON of manifest.json) in its data block. "<" is written
    as \\u003c, which JSON reads as "<", so no `</script>` or `<!--` inside the entry can end
    the block; JSON has "<" only inside strings."""
    data = entry.strip().replace(b"<", b"\\u003c")
    filled, count = BLOCK.subn(lambda m: m[1] + data + m[3], page, count=1)
    if count != 1:
        raise ValueError(f'the search page has no <script id="{BLOCK_ID}"> block')
    return filled


def entry_of(page: bytes) -> tuple[bytes, bytes]:
    """(the page with its data block emptied, the JSON text of the entry it held): the page
    as rendered, for comparing two builds whose indexes hold the same things in other packs."""
    found = BLOCK.search(page)
    if found is None:
        raise ValueError(f'the search page has no <script id="{BLOCK_ID}"> block')
    return page[: found.start(2)] + page[found.end(2) :], found[2]


def put_entry(page: Path, entry: Path) -> None:
    """Write the page again with the published entry in it, as a new file: the page may be a
    hard link to the previous site's page (hooks/pages.py links unchanged pages), which must
    keep its bytes."""
    filled = with_entry(page.read_bytes(), entry.read_bytes())
    partial = page.with_name(f".{page.name}.{os.getpid()}.tmp")
    partial.write_bytes(filled)
    os.replace(partial, page)
