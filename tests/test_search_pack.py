"""export/pack.py on logical exports made by hand: every item reads back as written — in its
slot, moved out of it, or in the overlay — whatever the sizes, and an overlay never touches
the base. (test_search_incremental.py checks the same on real builds.)"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from pathlib import Path

from kuaixun.core.search.export.pack import Published, load_base, pack_export
from kuaixun.testing.search_sites import logical_files, unpacked

HAN = "平城区社区矫正人口普查市容秩序银杏书屋街道居委会老人服务"


def words(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(HAN) for _ in range(n))


def bucket(rng: random.Random, spills: dict[str, str]) -> str:
    """Vocabulary lines as codec.encode_line writes them, some lists long, some spilled."""
    lines = []
    for _ in range(rng.choice([0, 1, 2, 3, 8, 30])):
        key = words(rng, 2)
        docs = "".join(rng.choice("0123456789ABCDEFG") for _ in range(rng.choice([1, 5, 90])))
        if rng.random() < 0.2:
            name = hashlib.sha1(docs.encode()).hexdigest()[:8]
            spills[name] = docs
            docs = "@" + name
        terms = []
        for _ in range(rng.choice([0, 1, 3])):
            postings = "".join(rng.choice("0123456789abc") for _ in range(rng.choice([2, 60])))
            terms += [words(rng, 1), "3", postings]
        lines.append("\t".join([key, docs, "", *terms]))
    return "\n".join(lines)


def write_logical(folder: Path, files: dict[str, str]) -> dict[str, bytes]:
    """A logical export as codec.write_file lays it out; returns its hashes."""
    base = folder / "abc123"
    for name, text in files.items():
        data = text.encode()
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(data, 9, mtime=0) if name.endswith(".gz") else data)
    manifest = {"base": "abc123", "docs": sum(1 for n in files if n.startswith("f/"))}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return {name: hashlib.sha1(text.encode()).digest() for name, text in files.items()}


def logical(rng: random.Random, docs: int, buckets: int) -> dict[str, str]:
    spills: dict[str, str] = {}
    files = {f"v/{b}.gz": bucket(rng, spills) for b in range(buckets)}
    files.update({f"p/{name}.gz": text for name, text in spills.items()})
    for d in range(docs):
        chunks = [words(rng, rng.choice([5, 400])) for _ in range(rng.choice([1, 2, 4]))]
        title = words(rng, rng.choice([4, 12, 300]))  # a few heads too big for their slot
        head = {"t": title, "u": f"a/{d}/", "d": "2020-11-01", "c": "社区", "n": len(chunks)}
        files[f"f/{d}.json"] = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
        files.update({f"x/{d}-{k}.gz": chunk for k, chunk in enumerate(chunks)})
    files["t/0.gz"] = "體体"
    files["days.gz"] = "0" * docs
    files["lanmu.gz"] = "0" * docs
    return files


def reads_back(published: Path, export: Path) -> None:
    assert unpacked(published) == logical_files(export)


def base_files(published: Path) -> dict[str, bytes]:
    base = Published(published).entry["base"].split("/")[0]
    return {p.name: p.read_bytes() for p in (published / base).iterdir()}


def test_a_new_base_reads_back_whatever_the_sizes(tmp_path):
    rng = random.Random(1)
    files = logical(rng, docs=60, buckets=300)
    hashes = write_logical(tmp_path / "export", files)
    assert pack_export(tmp_path / "export", hashes, tmp_path / "published").startswith("new base")
    reads_back(tmp_path / "published", tmp_path / "export")


def test_an_overlay_reads_back_and_leaves_the_base_alone(tmp_path):
    rng = random.Random(2)
    files = logical(rng, docs=60, buckets=300)
    export, published = tmp_path / "export", tmp_path / "published"
    pack_export(export, write_logical(export, files), published)
    before = base_files(published)
    for round_ in range(3):  # edits, a new article, then one removed (the newest)
        changed, spills = dict(files), {}
        for b in rng.sample(range(300), 20):
            changed[f"v/{b}.gz"] = bucket(rng, spills)
        changed.update({f"p/{name}.gz": text for name, text in spills.items()})
        if round_ == 1:
            changed.update(logical(rng, docs=61, buckets=0))  # rewrites heads, adds doc 60
        if round_ == 2:
            changed = {n: t for n, t in changed.items() if not n.startswith(("f/60", "x/60-"))}
        for path in sorted(export.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        did = pack_export(export, write_logical(export, changed), published)
        assert did.startswith("overlay"), did
        reads_back(published, export)
        assert base_files(published) == before
        files = changed


def test_a_bigger_overlay_than_allowed_writes_a_new_base(tmp_path):
    rng = random.Random(3)
    export, published = tmp_path / "export", tmp_path / "published"
    pack_export(export, write_logical(export, logical(rng, docs=10, buckets=5000)), published)
    old = load_base(published)
    changed = logical(random.Random(4), docs=10, buckets=5000)  # every slot differs
    for path in sorted(export.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert pack_export(export, write_logical(export, changed), published).startswith("new base")
    assert load_base(published).id != old.id
    assert not (published / old.id).exists()
    reads_back(published, export)
