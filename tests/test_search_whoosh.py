"""The Whoosh index of record: a new index is written straight from the records' terms
(index.write_segment), and must be exactly what Whoosh's own writer makes of them."""

from __future__ import annotations

from pathlib import Path

from whoosh import index

from kuaixun.core.search.index import WHOOSH_SORT_MB, RecordCache, W3Codec, schema, whoosh_document
from kuaixun.testing.search_sites import (
    cache_of,
    sample_site_fixture,  # noqa: F401  (the sample_site fixture)
)


def segment_files(folder: Path) -> dict[str, bytes]:
    """Every file of a one-segment index, with the segment's random name taken out."""
    (postings,) = folder.glob("*.pst")
    name = postings.name.split(".")[0].removeprefix("MAIN_")
    return {
        f.name.replace(name, "SEGMENT"): f.read_bytes().replace(name.encode(), b"SEGMENT")
        for f in folder.iterdir()
    }


def test_a_new_whoosh_index_is_byte_for_byte_whooshs_own(sample_site, tmp_path):
    built = cache_of(sample_site) / "whoosh"
    records = RecordCache(cache_of(sample_site)).records
    ix = index.create_in(str(tmp_path), schema())
    writer = ix.writer(limitmb=WHOOSH_SORT_MB, codec=W3Codec(compression=0), compound=False)
    for record in records.values():
        writer.add_document(**whoosh_document(record))
    writer.commit()
    ours, whooshs = segment_files(built), segment_files(tmp_path)
    assert ours.keys() == whooshs.keys() and any(n.endswith(".pst") for n in ours)
    assert [n for n in ours if ours[n] != whooshs[n]] == []
    with index.open_dir(str(built)).searcher() as searcher:
        assert searcher.doc_count() == len(records) > 100
