"""export/pack.py on logical exports made by hand: every item reads back as written — in its
window, moved out of it, or in the overlay — whatever the sizes, and an overlay never
touches the base. (test_search_incremental.py checks the same on real builds.)"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import shutil
import subprocess
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from kuaixun.core.search.export import codec, pack
from kuaixun.core.search.export.codec import (
    CHUNK,
    CHUNK_BATCHES,
    DIGITS,
    GB_UNSAFE,
    SHORT_CHARACTERS,
    SHORT_HEADER,
    UTF8_HEADER,
    ZLIB_HEADER,
    LogicalExport,
    Writer,
    bucket_of,
    decode_docs,
    decode_postings,
    dense,
    doc_list,
    encode_line,
    gaps,
    keyed_bucket,
    keyed_line,
    long_list,
    pair_mix,
    pair_unmix,
    pair_value,
    places,
    postings,
    read_dense,
    save_export,
    spelled_bucket,
    spelled_line,
    stored,
    varint,
)
from kuaixun.core.search.export.pack import (
    HEAD_CHARS,
    WHOLE_BYTES,
    Cells,
    Packer,
    Published,
    batch_count,
    bucket_payload,
    compact,
    first_changes,
    fit_bucket,
    inflated,
    item_of,
    list_tag,
    load_base,
    pack_export,
    read_ref,
    text_batches,
    text_members,
    text_parts,
)
from kuaixun.testing.builds import ROOT
from kuaixun.testing.search_sites import logical_files, node_json, unpacked

HAN = "平城区社区矫正人口普查市容秩序银杏书屋街道居委会老人服务"


def words(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(HAN) for _ in range(n))


@functools.cache
def pairs_by_bucket(count: int) -> dict[int, list[str]]:
    """Pairs of a character of HAN and any basic CJK one, by their bucket of `count`."""
    found = defaultdict(list)
    for first in HAN:
        for second in range(0x4E00, 0x9FA6):
            found[bucket_of(first + chr(second), count)].append(first + chr(second))
    return found


def pair_in(rng: random.Random, b: int, count: int) -> str:
    """Any two basic CJK characters whose pair lies in bucket b of `count`."""
    while True:
        value = pair_unmix(rng.randrange(0, (1 << 29) // count) * count + b)
        key = chr(0x4E00 + value // 0x5200) + chr(0x4E00 + value % 0x5200)
        if max(key) <= "\u9fa5" and bucket_of(key, count) == b:
            return key


def bucket(rng: random.Random, spills: dict[str, str], b: int, count: int) -> str:
    """Vocabulary lines of bucket b (of `count`) as codec.encode_line writes them, some
    lists long, some spilled; a key starts with a character of HAN. One line a key, in the
    order of their keys, as the export writes them."""
    lines = {}
    for _ in range(rng.choice([0, 1, 2, 3, 8, 30])):
        key = rng.choice(pairs_by_bucket(count)[b] or [pair_in(rng, b, count)])
        docs = "".join(rng.choice("0123456789ABCDEFG") for _ in range(rng.choice([1, 5, 90])))
        if rng.random() < 0.2:
            name = hashlib.sha1(docs.encode()).hexdigest()[:8]
            spills[name] = docs
            docs = "@" + name
        terms = []
        for _ in range(rng.choice([0, 1, 3])):
            postings = "".join(rng.choice("0123456789abc") for _ in range(rng.choice([2, 60])))
            terms += [words(rng, 1), "3", postings]
        lines[key] = "\t".join([key, docs, "", *terms])
    return "\n".join(lines[key] for key in sorted(lines))


def write_logical(
    folder: Path, files: dict[str, str], categories: tuple[str, ...] = ("社区",)
) -> LogicalExport:
    """A logical export as codec keeps it (saved in `folder` for logical_files to read)."""
    docs, buckets = (sum(1 for n in files if n.startswith(f)) for f in ("f/", "v/"))
    manifest = {"base": "abc123/", "docs": docs, "buckets": buckets}
    manifest["chunk"] = [CHUNK, *CHUNK_BATCHES]  # (how index.js reads an article's text)
    manifest["categories"] = list(categories)
    hashes = {name: hashlib.sha1(text.encode()).digest() for name, text in files.items()}
    logical = LogicalExport(manifest, {n: stored(n, t, buckets) for n, t in files.items()}, hashes)
    save_export(folder, logical)
    return logical


def logical(rng: random.Random, docs: int, buckets: int) -> dict[str, str]:
    spills: dict[str, str] = {}
    files = {f"v/{b}.gz": bucket(rng, spills, b, buckets) for b in range(buckets)}
    files.update({f"p/{name}.gz": text for name, text in spills.items()})
    for d in range(docs):
        # Chunks of CHUNK characters but the last, as codec.snippet_chunks cuts them (the
        # packer stores a batch of them as one member and cuts it again when read).
        count = rng.choice([1, 2, 4, 9])
        chunks = [
            words(rng, CHUNK if k + 1 < count else rng.choice([5, CHUNK])) for k in range(count)
        ]
        title = words(rng, rng.choice([4, 12, 300]))  # a few heads too big for their slot
        # The days list says 0 of every article: 1970-01-01 is a date the head leaves to it,
        # the others (before 1970, or a list that says otherwise) it keeps; a URL under its
        # date's year and month is stored without them.
        date = rng.choice(["1970-01-01", "1965-06-01", "2020-11-01"])
        url = rng.choice([f"a/{d}/", f"{date[:4]}/{date[5:7]}/a-{d}/"])
        head = {"t": title, "u": url, "d": date, "c": "社区", "n": len(chunks)}
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
    saved = write_logical(tmp_path / "export", files)
    assert pack_export(saved, tmp_path / "published").startswith("new base")
    reads_back(tmp_path / "published", tmp_path / "export")


def test_an_overlay_reads_back_and_leaves_the_base_alone(tmp_path):
    rng = random.Random(2)
    files = logical(rng, docs=60, buckets=300)
    export, published = tmp_path / "export", tmp_path / "published"
    pack_export(write_logical(export, files), published)
    before = base_files(published)
    for round_ in range(3):  # edits, a new article, then one removed (the newest)
        changed, spills = dict(files), {}
        for b in rng.sample(range(300), 20):
            changed[f"v/{b}.gz"] = bucket(rng, spills, b, 300)
        changed.update({f"p/{name}.gz": text for name, text in spills.items()})
        if round_ == 1:  # rewrites heads and texts (an article's old chunks go), adds doc 60
            changed = {n: t for n, t in changed.items() if not n.startswith("x/")}
            changed.update(logical(rng, docs=61, buckets=0))
        if round_ == 2:
            changed = {n: t for n, t in changed.items() if not n.startswith(("f/60", "x/60-"))}
        did = pack_export(write_logical(export, changed), published)
        assert did.startswith("overlay"), did
        reads_back(published, export)
        assert base_files(published) == before
        files = changed


HEADS_IN_NODE = """
import { open, readFile } from "node:fs/promises";
import { createIndex } from "./theme/static/js/search/index.js";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { base, docs } = JSON.parse(input);
async function readRange(path, [first, last]) {
  const file = await open(path);
  const bytes = new Uint8Array(last - first + 1);
  await file.read(bytes, 0, bytes.length, first);
  await file.close();
  return bytes;
}
const index = createIndex(base, (url, { ranges }) =>
  ranges ? Promise.all(ranges.map((r) => readRange(url, r))) : readFile(url));
const heads = [];
for (let d = 0; d < docs; d++) {
  const { t, u, d: date, c, n } = await index.article(d);
  heads.push({ t, u, d: date, c, n });
}
process.stdout.write(JSON.stringify(heads));
"""


def test_the_browser_reads_each_head_as_the_export_wrote_it(tmp_path):
    """Dates left to the days list and URLs without their year and month (head_text) are
    put back by the browser as by Python: the logical export's heads, every field."""
    files = logical(random.Random(5), docs=60, buckets=50)
    pack_export(write_logical(tmp_path / "export", files), tmp_path / "published")
    heads = node_json(HEADS_IN_NODE, {"base": f"{tmp_path / 'published'}/", "docs": 60})
    assert heads == [json.loads(files[f"f/{d}.json"]) for d in range(60)]
    stored = [json.loads(Published(tmp_path / "published").slot("f", d)) for d in range(60)]
    assert 0 < sum(len(h) == 6 for h in stored) < 60  # with and without their date
    assert 0 < sum(isinstance(h[2], list) for h in stored) < 60  # URLs shortened, or not


TEXTS_IN_NODE = (
    HEADS_IN_NODE.split("const heads = [];")[0]
    + """
const texts = [];
const nowhere = { runs: [], parts: ["~"] }; // no text holds it: every member is read
for (let d = 0; d < docs; d++) {
  const head = await index.article(d);
  texts.push(await index.text(d, nowhere, { whole: false, held: [] }, new Map(), head));
}
process.stdout.write(JSON.stringify(texts));
"""
)


def test_an_articles_first_text_member_reads_after_its_heads_text(tmp_path):
    """The first member after a head is compressed after what the head inflates to past its
    references (head_history): many refer back into it and inflate with it alone. Python
    and index.js read every article's whole text back, heads in their slots and heads moved
    out of them alike (a few titles are too long for the heads' window)."""
    rng, docs = random.Random(6), 240
    files = logical(rng, docs=docs, buckets=50)
    for d in (7, 70):  # heads larger than the window, moved out (window_size: at 201 heads)
        head = json.loads(files[f"f/{d}.json"])
        files[f"f/{d}.json"] = json.dumps({**head, "t": words(rng, 900)}, ensure_ascii=False)
    pack_export(write_logical(tmp_path / "export", files), tmp_path / "published")
    published = Published(tmp_path / "published")
    counts = [json.loads(files[f"f/{d}.json"])["n"] for d in range(docs)]
    texts = ["".join(files[f"x/{d}-{k}.gz"] for k in range(n)) for d, n in enumerate(counts)]
    assert ["".join(published.chunks(d)) for d in range(docs)] == texts
    asked = {"base": f"{tmp_path / 'published'}/", "docs": docs}
    assert node_json(TEXTS_IN_NODE, asked) == texts
    after_head = 0
    for d in range(docs):
        refs = text_members(published.head(d))
        if not refs:
            continue
        first, history = published.range(refs[0]), published.head_history(d)
        assert history and texts[d][HEAD_CHARS:].startswith(inflated(first, history))
        after_head += first[:1] == b"\x78" and not reads_alone(first)
    assert after_head > 20
    assert published.in_window("f", 7)[:1] == published.in_window("f", 70)[:1] == b"@"


def test_a_heads_category_is_its_place_in_the_manifests_list_and_another_list_is_a_new_base(
    tmp_path,
):
    """A head gives its 栏目 as its place in the manifest's `categories` (a 栏目 not there, by
    name); the browser and Python read the name back. Another list moves the places the
    base's heads give: a new base, never an overlay over heads that name the wrong 栏目."""
    files = logical(random.Random(8), docs=40, buckets=20)
    for d in range(0, 40, 5):  # some in a 栏目 the list has second, one in none of it
        head = json.loads(files[f"f/{d}.json"])
        files[f"f/{d}.json"] = json.dumps(
            {**head, "c": "通知" if d else "其他"}, ensure_ascii=False
        )
    export, published = tmp_path / "export", tmp_path / "published"
    pack_export(write_logical(export, files, ("社区", "通知")), published)
    stored = [json.loads(Published(published).slot("f", d))[3] for d in range(40)]
    assert stored.count(0) == 32 and stored.count(1) == 7 and stored[0] == "其他"
    heads = node_json(HEADS_IN_NODE, {"base": f"{published}/", "docs": 40})
    assert [h["c"] for h in heads] == [json.loads(files[f"f/{d}.json"])["c"] for d in range(40)]
    did = pack_export(write_logical(export, files, ("人物", "社区", "通知")), published)
    assert did.startswith("new base"), did
    assert [Published(published).head(d)["c"] for d in range(40)] == [h["c"] for h in heads]


def test_a_bigger_overlay_than_allowed_writes_a_new_base(tmp_path):
    rng = random.Random(3)
    export, published = tmp_path / "export", tmp_path / "published"
    pack_export(write_logical(export, logical(rng, docs=10, buckets=5000)), published)
    old = load_base(published)
    changed = logical(random.Random(4), docs=10, buckets=5000)  # every slot differs
    assert pack_export(write_logical(export, changed), published).startswith("new base")
    assert load_base(published).id != old.id
    assert not (published / old.id).exists()
    reads_back(published, export)


def test_the_browser_finds_every_item_in_its_window_as_python_does(tmp_path):
    """Items of any size laid in cells: codec.js's slotPayload reads each one's window to the
    bytes put there, as pack.item_of does."""
    rng = random.Random(5)
    cell, window = 48, 112
    cells, payloads = Cells(cell, window), []
    for _ in range(400):
        size = min(cells.room() - 2, rng.choice([0, 1, 20, 46, 47, 90, 108]))
        payload = bytes(rng.randrange(256) for _ in range(size)).replace(b"@", b"?")
        payloads.append(payload)
        cells.put(payload)
    data = cells.bytes()
    windows = [data[j * cell : j * cell + window] for j in range(len(payloads))]
    assert all(len(w) == window for w in windows)
    assert [item_of(w, cell) for w in windows] == payloads
    script = """
      import { readFileSync } from "node:fs";
      import { slotPayload } from "./theme/static/js/search/codec.js";
      const { cell, windows } = JSON.parse(readFileSync(0, "utf8"));
      const items = windows.map((w) => slotPayload(new Uint8Array(Buffer.from(w, "hex")), cell));
      process.stdout.write(JSON.stringify(items.map((b) => Buffer.from(b).toString("hex"))));
    """
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps({"cell": cell, "windows": [w.hex() for w in windows]}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert [bytes.fromhex(h) for h in json.loads(proc.stdout)] == payloads


def test_blobs_in_a_runs_padding_read_back_and_every_window_still_reads_its_item():
    """Blobs taken into the padding between items (Cells.take) are read back by their
    references, every window still reads the item put there, and what `untake` gives back
    leaves the run byte for byte as if it had never been taken."""
    rng = random.Random(7)
    cell, window, file = 48, 112, 3
    cells, plain, payloads, blobs = Cells(cell, window, file), Cells(cell, window), [], []
    for n in range(400):
        size = min(cells.room() - 2, rng.choice([0, 1, 5, 20, 46, 90, 108]))
        payload = bytes(rng.randrange(256) for _ in range(size)).replace(b"@", b"?")
        if n % 5 == 4:  # a trial undone, as fit_bucket undoes a bucket's moved lists
            mark, before = len(cells.taken), bytes(cells.data)
            for _ in range(3):
                cells.take(b"u" * rng.randrange(1, 40))
            cells.untake(mark)
            assert bytes(cells.data) == before
        for _ in range(rng.randrange(3)):
            blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 50)))
            if (ref := cells.take(blob)) is not None:
                blobs.append((ref, blob))
        payloads.append(payload)
        cells.put(payload)
        plain.put(payload)
    data = cells.bytes()
    assert len(blobs) > 100
    assert len(data) == len(plain.bytes())
    for (ref_file, offset, length), blob in blobs:
        assert ref_file == file + 1 and data[offset : offset + length] == blob
        assert offset % cell >= pack.width(window)  # never over a cell's pointer
    windows = [data[j * cell : j * cell + window] for j in range(len(payloads))]
    assert [item_of(w, cell) for w in windows] == payloads
    assert Cells(cell, window).take(b"list") is None  # the overlay's runs take none


def test_a_runs_padding_takes_its_familys_blobs_after_its_layout_until_undone():
    """Once a run of the base is laid out, its padding still takes blobs of its family
    (Packer.spare: the pinyin words' moved lines in the vocabulary's), read back by their
    references once the run's bytes are written; Packer.undo gives back what was taken
    since its mark there too; other families go after the cells."""
    rng = random.Random(9)
    packer = Packer(overlay=False)
    cell, window = 48, 112
    file = packer.new_file(reserved=0)
    cells = packer.cells = Cells(cell, window, file)
    packer.fills = "lists"
    for _ in range(300):
        cells.put(bytes(rng.randrange(1, 256) for _ in range(rng.choice([1, 5, 20, 46]))))
    packer.cells, packer.fills = None, ""
    packer.spare.append((cells, "lists"))
    packer.files[file].extend(bytes(len(cells.bytes())))  # the run's room, as _reserved keeps
    packer.join("lists", file)
    blobs = [bytes(rng.randrange(256) for _ in range(rng.randrange(4, 60))) for _ in range(400)]
    refs = [packer.blob(blob) for blob in blobs[:380]]
    mark, taken = packer.mark(), len(cells.taken)
    undone = [packer.blob(blob) for blob in blobs[380:]]
    assert len(cells.taken) > taken
    packer.undo(mark)
    assert len(cells.taken) == taken
    assert packer.blob(b"first text", "first")[1] >= 0  # not the run's family: its own file
    assert len(cells.taken) == taken
    run = cells.bytes()
    packer.slot(file, 0, run)
    inside = [ref for ref in refs if ref[1] < len(run)]
    assert 20 < len(inside) < len(refs)  # most went in the padding, the others after it
    for (ref_file, offset, length), blob in zip(refs, blobs, strict=False):
        assert ref_file == file + 1 and bytes(packer.files[file][offset : offset + length]) == blob
    assert undone


def test_vocabulary_cells_take_less_room_than_slots_of_the_window(tmp_path):
    """Buckets of uneven sizes share their cells' room: the array's files are well under
    one window a bucket, and every bucket still reads back."""
    rng = random.Random(6)
    export, published = tmp_path / "export", tmp_path / "published"
    pack_export(write_logical(export, logical(rng, docs=10, buckets=5000)), published)
    cell, count, first, _, _, window, per_file = Published(published).pack["arrays"]["v"]
    base = published / load_base(published).id
    files = [base / f"{first + k}.bin" for k in range(-(-count // per_file))]
    assert cell < window
    assert sum(f.stat().st_size for f in files) < 0.9 * count * window
    reads_back(published, export)


def test_the_lists_and_first_batches_fill_the_padding_of_their_arrays(tmp_path, monkeypatch):
    """A base with the lists moved out of buckets in the vocabulary's padding and the first
    text batches in the heads' (main fills only the heads': pack.PADDED) is smaller than one
    without, by what the padding lost, and reads back the same."""
    from kuaixun.bench.disk import published_figures

    files = logical(random.Random(6), docs=300, buckets=5000)
    export = write_logical(tmp_path / "export", files)
    figures = []
    for padded in [{}, {"v": "lists"}, {"v": "lists", "f": "first"}]:
        monkeypatch.setattr(pack, "PADDED", padded)
        published = tmp_path / f"published-{len(padded)}"
        pack_export(export, published)
        reads_back(published, tmp_path / "export")
        figures.append(published_figures(published))
    for filled, letter in [(1, "v"), (2, "f")]:
        before, after = figures[filled - 1], figures[filled]
        saved = before["bytes"] - after["bytes"]
        padding = before["families"][letter]["pad"] - after["families"][letter]["pad"]
        assert saved > 0.1 * before["families"][letter]["pad"], letter
        assert abs(saved - padding) < 0.05 * padding, letter


def test_digits_packed_six_bits_read_back_as_written_in_python_and_the_browser():
    """codec.dense keeps runs of base-64 digits 6 bits each among any UTF-8 text: shorter
    when the digits are many, and read back exactly by read_dense and codec.js readDense."""
    rng = random.Random(7)
    pieces = [*DIGITS, "中", "\t", "\n", "|", "*", ".", "@", "é", "😀"]
    texts = [
        "".join(rng.choice(pieces) if rng.random() < 0.3 else rng.choice(DIGITS) for _ in range(n))
        for n in [0, 1, 7, 8, 9, 63, 64, 65, 200, *rng.sample(range(300), 40)]
    ]
    packed = [dense(t) for t in texts]
    assert [read_dense(p) for p in packed] == texts
    assert len(dense("A" * 64)) == 49
    script = """
      import { readFileSync } from "node:fs";
      import { readDense } from "./theme/static/js/search/codec.js";
      const packed = JSON.parse(readFileSync(0, "utf8"));
      process.stdout.write(JSON.stringify(packed.map((h) => readDense(Buffer.from(h, "hex")))));
    """
    assert node_json(script, [p.hex() for p in packed]) == texts


def test_a_pairs_terms_read_back_by_place_in_the_pairs_list_in_python_and_the_browser():
    """codec.postings names a term's articles by their places in its pair's list (nothing at
    all when it is the whole list) and keeps the gaps for a field with an article outside it;
    decode_postings and codec.js decodePostings read them back alike."""
    rng = random.Random(8)
    cases = []
    for _ in range(200):
        pair = sorted(rng.sample(range(400), rng.randint(1, 40)))
        fields = []
        for _ in range(3):
            pool = pair if rng.random() < 0.8 else range(400)
            chosen = sorted(rng.sample(pool, rng.randint(0, min(len(pool), 12))))
            if rng.random() < 0.2:
                chosen = list(pair)
            fields.append(
                [(d, rng.choice([1, 2, 3, 4, 9, 40]), rng.randrange(256)) for d in chosen]
            )
        cases.append((pair, fields, postings(fields, places(pair))))
    assert all(decode_postings(text, pair) == fields for pair, fields, text in cases)
    assert any("." in text and text.split("|")[0].startswith(".") for _, _, text in cases)
    script = """
      import { readFileSync } from "node:fs";
      import { decodePostings, WHOOSH_LENGTHS } from "./theme/static/js/search/codec.js";
      const cases = JSON.parse(readFileSync(0, "utf8"));
      const lengthByte = (n) => WHOOSH_LENGTHS.indexOf(n);
      process.stdout.write(JSON.stringify(cases.map(([pair, text]) =>
        decodePostings(text, pair).map((f) => f.map(([d, tf, n]) => [d, tf, lengthByte(n)])))));
    """
    decoded = node_json(script, [[pair, text] for pair, _, text in cases])
    assert decoded == [[[list(e) for e in f] for f in fields] for _, fields, _ in cases]


def test_a_terms_frequency_left_out_is_its_postings_tf_added_up_in_python_and_the_browser():
    """codec.encode_line leaves a term's frequency out when its line holds what the reader
    adds it up from: its postings and, for a pair's term, the pair's article list. A line
    whose list is out of line tells it; a character's terms name no pair list, so theirs is
    left out even when the character's own list is out of line (at 7,183 articles the
    browser decoded that list and stopped on it). codec.js parseBucket and codec.added give
    the frequency the site counted; tell_frequencies puts it back."""
    rng = random.Random(5)
    frequency: Counter = Counter()
    cases = []
    for key, docs_count in [("公安", 5), ("公安", 60), ("恶", 4), ("恶", 70), ("ab", 3)]:
        docs = sorted(rng.sample(range(3000), docs_count))
        terms = {}
        for suffix in ["", "局", "局长"][: rng.randint(1, 3)]:
            fields = []
            for _ in range(3):
                most = len(docs) if docs_count < 50 else 2  # inline beside a long list
                chosen = sorted(rng.sample(docs, rng.randint(0, most)))
                fields.append([(d, rng.choice([1, 2, 5]), rng.randrange(256)) for d in chosen])
            terms[suffix] = fields
            frequency[key + suffix] = sum(tf for f in fields for _, tf, _ in f)
        writer = Writer()
        line = codec.encode_line(key, docs, terms, frequency, writer)
        fields = line.split("\t")
        out_of_line = fields[1].startswith("@")
        for k in range(3, len(fields), 3):
            told = fields[k + 2].startswith("@") or (len(key) == 2 and out_of_line)
            assert bool(fields[k + 1]) == told, (key, docs_count, fields[k : k + 3])
            if not fields[k + 2].startswith("@"):
                assert codec.added(fields, k) == frequency[key + fields[k]]
        cases.append((line, {key + s: frequency[key + s] for s in terms}))
        told = line.split("\t")
        codec.tell_frequencies(told)
        assert all(told[k + 1] for k in range(3, len(told), 3))
    # The case of the 7,183 articles: a character's list out of line, its terms' left out.
    lines = [line.split("\t") for line, _ in cases]
    assert any(f[0] == "恶" and f[1][0] == "@" and f[4] == "" and f[5][0] != "@" for f in lines)
    script = """
      import { readFileSync } from "node:fs";
      import { parseBucket } from "./theme/static/js/search/codec.js";
      const cases = JSON.parse(readFileSync(0, "utf8"));
      const said = (line) => {
        const found = {};
        for (const [key, entry] of parseBucket(line, null, 0, 1)) {
          for (const [suffix, term] of entry.terms) found[key + suffix] = term.frequency;
        }
        return found;
      };
      process.stdout.write(JSON.stringify(cases.map(said)));
    """
    assert node_json(script, [line for line, _ in cases]) == [f for _, f in cases]


def vocabulary_lines() -> list[str]:
    """Logical lines of every shape: pairs in and outside the basic CJK block, single
    characters, with and without a first-character frequency, terms, article lists as gaps,
    a bitmap, a reference or nothing."""
    lists = ["", "0", "A3b", "*zz0_", "@" + "Q" * 8, "zzzzzzz0" * 12]
    lines = []
    keys = [
        "一一",
        "一龥",
        "龥龥",
        "鿿鿿",
        "社区",
        "区",
        "a中",
        "中a",
        "ab",
        "a",
        "㐀中",
        "中9",
        "𠀀中",
        "𠀀𠀁",
    ]
    for key in keys:
        for docs in lists:
            for first in ["", "0", "z4", "_-_0"]:
                for terms in [[], ["", "3", "0.12"], ["长", "zz0", "@R1", "会", "1", "A|B.0|"]]:
                    lines.append("\t".join([key, docs, first, *terms]))
    return lines


@pytest.mark.parametrize("buckets", [1, 2, 300, 65536, 1 << 17])
def test_a_pairs_key_runs_into_its_list_and_reads_back_in_python_and_the_browser(buckets):
    """In the published index a pair line of two basic CJK characters with a list spells its
    key as the quotient of its value mixed by the bucket count (3 digits at 65,536 buckets,
    5 at one), run into its lists (codec.keyed_line); every other line is left as it is, and
    spelled_line and codec.js spelledFields give back the logical line from its bucket."""
    lines = vocabulary_lines()
    found = [bucket_of(line.split("\t")[0], buckets) for line in lines]
    keyed = [keyed_line(line, buckets) for line in lines]
    spelled = [spelled_line(k, b, buckets) for k, b in zip(keyed, found, strict=True)]
    assert spelled == lines
    digits = 3 if buckets >= 1 << 11 else 5 if buckets < 1 << 5 else 4
    sample = keyed_line("社区\tA3b\tz4\t长\t3\t0", buckets)
    assert sample == keyed_line("社区\t0\t\t", buckets)[:digits] + "z4A3b\t长\t3\t0"
    for line, published in zip(lines, keyed, strict=True):
        key, docs, first = line.split("\t")[:3]
        cjk = len(key) == 2 and all("一" <= ch <= "鿿" for ch in key) and first != "0" and docs
        assert (published != line) == bool(cjk), line
        assert "\t" not in published[:5] if cjk else "\t" in published[:5]
        assert len(published.encode()) <= len(line.encode()) - (7 - digits) * bool(cjk)
    script = """
      import { readFileSync } from "node:fs";
      import { spelledFields, vocabularyBucket } from "./theme/static/js/search/codec.js";
      const { keyed, keys, buckets } = JSON.parse(readFileSync(0, "utf8"));
      const found = keys.map((key) => vocabularyBucket(key, buckets));
      const lines = keyed.map((line, k) => spelledFields(line, found[k], buckets).join("\t"));
      process.stdout.write(JSON.stringify([found, lines]));
    """
    keys = [line.split("\t")[0] for line in lines]
    data = {"keyed": keyed, "keys": keys, "buckets": buckets}
    assert node_json(script, data) == [found, lines]


def test_a_bucket_with_keys_run_into_lists_is_smaller_as_stored():
    """Buckets as most are at 7,183 articles: about ten pair lines of any two characters,
    each with a short article list and its first character's frequency."""
    rng = random.Random(9)

    def line(b: int) -> str:
        key = pair_in(rng, b, 65536)
        docs = gaps(sorted(rng.sample(range(9000), rng.choice([1, 1, 2, 3, 5]))))
        return f"{key}\t{docs}\t{rng.choice(DIGITS[:32])}"

    texts = {}  # (a bucket holds a key once)
    for b in range(200):
        lines = {x.split("\t")[0]: x for x in (line(b) for _ in range(rng.randint(5, 15)))}
        texts[b] = "\n".join(lines[k] for k in sorted(lines))
    assert all(spelled_bucket(keyed_bucket(t, 65536), b, 65536) == t for b, t in texts.items())
    before = sum(len(compact(t)) for t in texts.values())
    after = sum(len(bucket_payload(t, 65536)) for t in texts.values())
    assert after < 0.7 * before


def test_a_buckets_short_pair_lines_run_together_and_read_back_in_python_and_the_browser():
    """A bucket's pair lines of a key, a frequency and a list of gaps alone are published
    run together in one first line (codec.keyed_bucket): spelled_bucket gives back the
    logical bucket and codec.js parseBucket reads the same entries as from the lines keyed
    one by one; the bucket is smaller as stored."""
    rng, buckets = random.Random(12), 65536
    by_bucket = defaultdict(dict)
    for b in range(60):
        for _ in range(rng.choice([1, 5, 10, 15])):  # most buckets hold about ten lines
            key = pair_in(rng, b, buckets)
            docs = gaps(sorted(rng.sample(range(9000), rng.choice([1, 1, 1, 2, 3, 30]))))
            first = rng.choice(["", "4", "z4", varint(rng.randrange(9000))])
            terms = rng.choice([[]] * 8 + [["", "3", "0.12"], ["长", "1", "@R1"]])
            docs = rng.choice([docs] * 8 + ["*zz0_", "@Q1"])
            by_bucket[b][key] = "\t".join([key, docs, first, *terms])
    shapes = set()
    for line in vocabulary_lines():  # every shape, in the buckets they fall in
        key = line.split("\t")[0]
        shapes.add(bucket_of(key, buckets))
        by_bucket[bucket_of(key, buckets)][key] = line
    texts = {b: "\n".join(lines[k] for k in sorted(lines)) for b, lines in by_bucket.items()}
    published = {b: keyed_bucket(t, buckets) for b, t in texts.items()}
    assert all(spelled_bucket(published[b], b, buckets) == t for b, t in texts.items())
    assert sum(p.startswith("\t") for p in published.values()) > 30
    one_by_one = {
        b: "\n".join(keyed_line(x, buckets) for x in t.split("\n")) for b, t in texts.items()
    }
    short = set(range(60)) - shapes  # the buckets of short lists alone
    assert sum(len(compact(published[b])) for b in short) < 0.97 * sum(
        len(compact(one_by_one[b])) for b in short
    )
    script = """
      import { readFileSync } from "node:fs";
      import { parseBucket } from "./theme/static/js/search/codec.js";
      const { cases, buckets } = JSON.parse(readFileSync(0, "utf8"));
      const read = (text, b) => [...parseBucket(text, {}, b, buckets)].map(([key, v]) =>
        [key, v.docs, v.first, [...v.terms].map(([s, t]) => [s, t.frequency, t.postings])]);
      process.stdout.write(JSON.stringify(cases.map(([b, one, run]) =>
        [read(one, b).sort(), read(run, b).sort()])));
    """
    cases = [[b, one_by_one[b], published[b]] for b in texts]
    for one, run in node_json(script, {"cases": cases, "buckets": buckets}):
        assert run == one


def test_the_short_pairs_run_is_bits_read_back_in_python_and_the_browser():
    """A bucket's short pairs are one string of bits (codec.short_run: Rice codes for the
    quotients' gaps and the lists' gaps, Exp-Golomb for the counts): read back in Python
    and by codec.js alike at any bucket count, lists of one article to thirty, articles
    far apart; and shorter than the same run as base-64 varints (a digit for the count,
    18 bits for any gap past 1,023), which it replaced."""
    rng = random.Random(14)
    cases, varint_digits, run_digits = [], 0, 0
    for buckets in (1, 2, 300, 65536):
        for b in rng.sample(range(buckets), min(buckets, 25)):
            lines, top = {}, rng.choice([9000, 9000, 9000, 40, 2_000_000])
            for _ in range(rng.choice([1, 4, 8, 12])):
                key = pair_in(rng, b, buckets)
                docs = sorted(rng.sample(range(top), rng.choice([1, 1, 1, 2, 3, 30])))
                first = rng.choice(["", "4", "z4", varint(rng.randrange(90000))])
                lines[key] = f"{key}\t{gaps(docs)}\t{first}"
            text = "\n".join(lines[k] for k in sorted(lines))
            published = keyed_bucket(text, buckets)
            assert published.startswith("\t") and "\n" not in published
            assert spelled_bucket(published, b, buckets) == text
            cases.append([b, buckets, text, published])
            if (buckets, top) == (
                65536,
                9000,
            ):  # as varints: quotient's gap, frequency, count, gaps
                quotients = sorted(pair_mix(pair_value(k)) // buckets for k in lines)
                varint_digits += sum(
                    len(varint(q - p - 1))
                    for q, p in zip(quotients, [-1, *quotients], strict=False)
                )
                for line in lines.values():
                    _, docs, first = line.split("\t")
                    count = sum(DIGITS.index(c) < 32 for c in docs)
                    varint_digits += len(first or "0") + len(varint(count - 1)) + len(docs)
                run_digits += len(published) - 1
    assert run_digits < 0.9 * varint_digits
    script = """
      import { readFileSync } from "node:fs";
      import { parseBucket } from "./theme/static/js/search/codec.js";
      const cases = JSON.parse(readFileSync(0, "utf8"));
      const read = (text, b, n) => [...parseBucket(text, {}, b, n)].map(([key, v]) =>
        [key, v.docs, v.first]);
      process.stdout.write(JSON.stringify(cases.map(([b, n, text, run]) =>
        [read(text, b, n), read(run, b, n)])));
    """
    for logical, run in node_json(script, cases):
        assert sorted(run) == sorted(logical)


def test_the_rice_parameter_is_the_shortest_of_all_32():
    """codec._shortest_rice_parameter stops where the codes stop shrinking: the k a scan of every k
    from 0 to 31 finds (the smallest of equals), for gaps of every size."""
    rng = random.Random(15)
    for _ in range(3000):
        size = rng.choice([1, 2, 5, 40])
        values = [
            rng.choice([0, 1, 3, rng.randrange(1 << rng.randrange(1, 36))]) for _ in range(size)
        ]

        def cost(k: int, values=values) -> int:
            return sum((v >> k) + 1 + k for v in values)

        assert codec._shortest_rice_parameter(values) == min(range(32), key=cost)


@pytest.mark.parametrize(("top", "bits"), [(40, False), (9000, True), (2_000_000, True)])
def test_a_long_article_list_out_of_line_is_bits_where_shorter_read_in_python_and_the_browser(
    top, bits
):
    """An article list too long to sit inline is written as Rice codes after "!"
    (codec.long_list) where that is shorter than its gaps or bitmap, which it keeps
    otherwise; decode_docs and codec.js decodeDocs read either back alike, and lists kept
    inline keep their digits (the short pairs' run carries those). Among 40 articles a
    bitmap is always shorter."""
    rng = random.Random(top)
    cases, saved = [], 0
    for count in [1, 2, 30, 31, 200, 1000, min(top, 5000), min(top, 9000)]:
        for spread in (top, max(1, top // 50)):
            docs = sorted(rng.sample(range(spread), min(count, spread)))
            listed = doc_list(docs)
            text = long_list(docs, listed)
            assert len(text) <= len(listed) and decode_docs(text) == docs
            saved += len(listed) - len(text)
            cases.append([text, docs])
    assert (saved > 0) == bits == any(text.startswith("!") for text, _ in cases)
    writer = Writer()
    assert writer.docs_inline_or_file([3, 9]) == doc_list([3, 9])
    script = """
      import { readFileSync } from "node:fs";
      import { decodeDocs } from "./theme/static/js/search/codec.js";
      const cases = JSON.parse(readFileSync(0, "utf8"));
      process.stdout.write(JSON.stringify(cases.map(([text]) => decodeDocs(text))));
    """
    assert node_json(script, cases) == [docs for _, docs in cases]


def gb18030_texts() -> list[str]:
    """Texts of every kind an item holds: Chinese prose, ASCII, a text with a character
    `GB_UNSAFE` keeps in UTF-8, emoji and rare characters beyond the BMP, a short text that
    starts as zlib's header does; and one text of every character GB18030 is used for, so
    that each is decoded once."""
    every = "".join(
        chr(c)
        for c in range(0x80, 0x110000)
        if not 0xD800 <= c < 0xE000 and not GB_UNSAFE.match(chr(c))
    )
    prose = "平城区社区矫正人口普查，“市容秩序”银杏书屋：街道居委会（老人服务）2020年11月。" * 40
    return [prose, "abc 0123 xyz" * 30, prose + "\ue000", prose + "ḿ", prose + "😀𠀀", "xi", every]


def test_text_beyond_ascii_is_deflated_as_gb18030_and_reads_back_in_python_and_chromium(
    tmp_path, serve, page
):
    """codec.deflated compresses text as GB18030 (2 bytes a Han character, not 3, and one for
    each of the commonest) where every browser decodes it back the same, as GB18030 alone
    where the text holds a byte the commonest stand for, and as UTF-8 under a header of its
    own elsewhere; no
    plain item starts as a zlib member does. Python's `inflated` and index.js's `textOf` in
    Chromium give back every text, every character GB18030 is used for included, and the
    compressed prose is smaller than in UTF-8."""
    texts = gb18030_texts()
    # A text holding a byte that stands for a short character keeps GB18030 as it is.
    texts.append(texts[0] + "\x07" + SHORT_CHARACTERS + "\x1f")
    stored = [compact(t) for t in texts]
    short, gb, utf8 = SHORT_HEADER, ZLIB_HEADER, UTF8_HEADER
    assert [s[:2] for s in stored] == [short, short, utf8, utf8, short, short, short, gb]
    assert len(stored[0]) < 0.9 * len(zlib.compress(texts[0].encode(), 9))
    # The commonest characters in a byte each make Chinese prose smaller.
    assert len(stored[0]) < len(zlib.compress(texts[0].encode("gb18030"), 9))
    assert [inflated(s) for s in stored] == texts
    shutil.copytree(ROOT / "theme" / "static" / "js", tmp_path / "js")
    for n, data in enumerate(stored):
        (tmp_path / f"{n}.bin").write_bytes(data)
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    base = serve(tmp_path)
    page.goto(f"{base}/index.html")
    decoded = page.evaluate(
        """async (count) => {
          const { textOf } = await import("./js/search/index.js");
          const bytes = async (n) => new Uint8Array(await (await fetch(`${n}.bin`)).arrayBuffer());
          const read = async (n) => textOf(await bytes(n));
          return Promise.all(Array.from({ length: count }, (_, n) => read(n)));
        }""",
        len(stored),
    )
    assert decoded == texts


def with_first(files: dict[str, str], char: str, frequency: int) -> dict[str, str]:
    """Every pair line starting with `char` carrying its frequency as a term, as
    codec.encode_line writes it."""
    out = dict(files)
    for name, text in files.items():
        if name.startswith("v/") and text:
            lines = [line.split("\t") for line in text.split("\n")]
            for fields in lines:
                if fields[0][0] == char:
                    fields[2] = DIGITS[frequency]
            out[name] = "\n".join("\t".join(fields) for fields in lines)
    return out


def test_a_characters_new_frequency_leaves_its_pair_lines_in_the_base(tmp_path):
    """One more 区 in an edited article changes every pair line starting with 区 (each
    carries the frequency of its first character): the entry says the new frequency, and
    only the buckets that changed otherwise go to the overlay."""
    rng = random.Random(6)
    files = with_first(logical(rng, docs=20, buckets=300), "区", 5)
    export, published = tmp_path / "export", tmp_path / "published"
    pack_export(write_logical(export, files), published)
    before = base_files(published)
    touched = sorted(n for n in files if with_first(files, "区", 6)[n] != files[n])
    other = next(n for n in sorted(files) if n.startswith("v/") and n not in touched)
    spills: dict[str, str] = {}
    changed = {**files, other: bucket(rng, spills, int(other[2:-3]), 300)}
    changed.update({f"p/{name}.gz": text for name, text in spills.items()})
    changed = with_first(changed, "区", 6)
    assert len(touched) > 20
    assert pack_export(write_logical(export, changed), published).startswith("overlay (1 slots")
    pack = Published(published).pack
    assert pack["firsts"] == {"区": 6}
    assert pack["arrays"]["v"][4] == DIGITS[int(other[2:-3])]
    reads_back(published, export)
    assert base_files(published) == before

    # The browser reads a touched bucket from the base, as the pack wrote it before the edit,
    # and cuts with 区's frequency of now.
    stale = Published(published)
    stale.over = {letter: {} for letter in stale.over}
    b = int(touched[0][2:-3])
    script = """
      import { readFileSync } from "node:fs";
      import { parseBucket, termFrequencies } from "./theme/static/js/search/codec.js";
      const { base, now, firsts, b } = JSON.parse(readFileSync(0, "utf8"));
      const known = (text, f) => [...termFrequencies(parseBucket(text, f, b, 300))].sort();
      process.stdout.write(JSON.stringify([known(base, firsts), known(base, {}), known(now, {})]));
    """
    data = {
        "base": inflated(stale.payload("v", b)),
        "now": keyed_bucket(changed[touched[0]], 300),
        "b": b,
        "firsts": pack["firsts"],
    }
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    corrected, as_written, now = json.loads(proc.stdout)
    assert corrected == now != as_written


def reads_alone(member: bytes) -> bool:
    try:
        zlib.decompress(member)
    except zlib.error:
        return False
    return True


def test_an_articles_later_text_reads_back_after_its_earlier_text_in_python_and_browsers():
    """An article's text members after the first are compressed with the bytes the members
    before them inflate to as history (raw deflate after a header with HISTORY_BIT), and
    shorter for it; Python and index.js's textOf (with DecompressionStream, and with the
    vendored library without it) read every member back after those before it. A member
    stored as text adds nothing to the history; an article's text in GB18030 with short
    characters, without them, and in UTF-8. (A member that refers back into its history
    does not read alone: its check is its history's and its own.)"""
    rng = random.Random(11)
    common = words(rng, 300)
    articles = []
    for n in range(30):
        extra = rng.choice(["", "，的。", "\x01", "\ue000", "12345678"])  # short, GB, UTF-8
        chunks = [
            "".join(common[rng.randrange(280) :][:20] + words(rng, 5) for _ in range(18)) + extra
            for _ in range(rng.choice([2, 4, 9]))
        ]
        if n % 7 == 0:
            chunks[0] = DIGITS * 8  # a first member stored as text: no history from it
        articles.append(text_batches(chunks))
    members, history_bits = [], 0
    for batches in articles:
        parts = text_parts(batches)
        alone = [compact(batch) for batch in batches]
        assert sum(map(len, parts[1:])) < sum(map(len, alone[1:])) or len(parts) == 1
        history = b""
        for part, batch in zip(parts, batches, strict=True):
            assert inflated(part, history) == batch
            members.append((part.hex(), history.hex(), batch))
            history_bits += bool(history) and part[:1] == b"\x78" and not reads_alone(part)
            history = pack.grown(history, part)
    assert history_bits > 20  # members that refer back into their history
    script = """
      import { readFileSync } from "node:fs";
      import { textOf } from "./theme/static/js/search/index.js";
      const members = JSON.parse(readFileSync(0, "utf8"));
      const bytes = (h) => new Uint8Array(Buffer.from(h, "hex"));
      const read = () => Promise.all(members.map(([m, h]) => textOf(bytes(m), [bytes(h)])));
      const modern = await read();
      delete globalThis.DecompressionStream;
      process.stdout.write(JSON.stringify([modern, await read()]));
    """
    modern, fallback = node_json(script, members)
    assert modern == fallback == [batch for _, _, batch in members]


def test_a_frequency_the_packer_told_is_no_change_while_its_postings_are_the_same():
    """A bucket the packer stored with a term's postings moved out tells that term's
    frequency, which the export's line leaves to the postings: after an edit that changes
    only the first character's frequency, the two lines differ in both, and the bucket
    stays in the base (the entry says the new frequency). Changed postings, or a frequency
    the export tells itself, still override it."""
    terms = {"内": [[], [], [(1, 2, 143), (5, 1, 140), (9, 3, 150)]], "外": [[(5, 1, 14)], [], []]}
    counts = Counter({"区": 7, "区域内": 6, "区域外": 1})

    def line(counts: Counter, terms: dict) -> list[str]:
        return encode_line("区域", [1, 5, 9], terms, counts, Writer()).split("\t")

    before = line(counts, terms)
    assert before[4] == before[7] == "", before  # left to the postings
    stored = list(before)
    codec.tell_frequencies(stored, 5)  # what the packer does as it moves 内's postings out
    moved = {"@out": before[5]}
    stored[5] = "@out"
    assert stored[4] == varint(6)

    def same(a: str, b: str) -> bool:
        return moved.get(a, a) == moved.get(b, b)

    def changes(new: list[str]) -> dict[str, int] | None:
        return first_changes("\t".join(stored), "\t".join(new), same)

    assert changes(before) == {}
    assert changes(line(counts + Counter({"区": 1}), terms)) == {"区": 8}
    edited = {**terms, "内": [[], [], [(1, 2, 143), (5, 1, 141), (9, 3, 150)]]}
    assert changes(line(counts + Counter({"区": 1}), edited)) is None
    told = list(before)
    told[4] = varint(5)  # a frequency the export's line tells (a list it spilled), changed
    assert changes(told) is None


@pytest.mark.parametrize("chunks", [1, 2, 3, 4, 9, 30])
@pytest.mark.parametrize("first", [0, HEAD_CHARS, HEAD_CHARS + 1, 3 * HEAD_CHARS])
def test_an_articles_batches_are_counted_from_its_first_chunk_alone(chunks, first):
    """The packer sizes the heads' slots without reading every article's text twice."""
    texts = ["首" * first, *(["文" * 40] * (chunks - 1))]
    assert batch_count(texts[0], chunks) == len(text_batches(texts))


def many_short_lists(rng: random.Random, lines: int, long: int = 0) -> str:
    """A bucket of a common pair's kind: many lines, each with short lists (a list's
    reference would be longer than it), and `long` lists of 600 digits."""
    out = []
    for n in range(lines):
        key = "".join(chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(2))
        docs = "".join(rng.choice(DIGITS) for _ in range(600 if n < long else 2))
        out.append(f"{key}\t{docs}\t{rng.choice(DIGITS[:32])}\t\t1\t{rng.choice(DIGITS)}")
    return "\n".join(out)


def whole_blob(text: str, window: int) -> tuple[str, Packer]:
    """fit_bucket of `text` in a window too small for it: the text of the blob the slot
    names, and the packer."""
    packer = Packer(overlay=False)
    code = fit_bucket(text, window, packer, 1).decode().split("\t")[0]
    assert code.startswith("@"), "the bucket does not fit: its slot names a blob"
    file, offset, length = read_ref(code)
    stored = bytes(packer.files[file - 1][offset : offset + length])
    return spelled_bucket(inflated(stored), 0, 1), packer


def test_a_bucket_too_big_for_its_window_keeps_its_short_lists_inline_in_its_blob():
    """Its lists are read with it, in its own round: none is a round of its own, and no list
    moved out for the window is left on disk unread."""
    text = many_short_lists(random.Random(3), lines=40)
    blob, packer = whole_blob(text, window=48)
    assert blob == text
    assert [len(out) for out in packer.files] == [len(bucket_payload(text, 1))]


def test_a_whole_bucket_moves_its_longest_lists_out_past_whole_bytes():
    text = many_short_lists(random.Random(4), lines=40, long=3)
    blob, packer = whole_blob(text, window=48)
    lines = [line.split("\t") for line in blob.split("\n")]
    moved = [n for n, fields in enumerate(lines) if fields[1].startswith("@")]
    assert moved and set(moved) <= {0, 1, 2}, "only long lists move out, and some must"
    assert len(bucket_payload(blob, 1)) + 2 <= WHOLE_BYTES


def test_a_whole_buckets_slot_names_the_lists_moved_out_of_its_blob_by_their_terms_tags():
    """The slot of a bucket that is a blob holds, after the blob's reference, each list moved
    out of the blob as its term's tag and its reference, as many as its window holds: the
    browser asks for those its query names in the blob's own request (index.js `inside`)."""
    text = many_short_lists(random.Random(4), lines=40, long=3)
    packer = Packer(overlay=False)
    slot = fit_bucket(text, 80, packer, 1).decode()
    code, *moved = slot.split("\t")
    assert moved and len(slot) + 2 <= 80
    stored = bytes(packer.files[0])
    blob = inflated(stored[read_ref(code)[1] :][: read_ref(code)[2]])
    lines = [line.split("\t") for line in spelled_bucket(blob, 0, 1).split("\n")]
    out = {fields[1]: fields[0] for fields in lines if fields[1].startswith("@")}
    assert len(out) == 3
    named = {"@" + entry[3:]: entry[:3] for entry in moved}
    for ref, tag in named.items():
        assert tag == list_tag(out[ref], None), "a pair's article list is tagged by the pair"
        _, offset, length = read_ref(ref)
        original = dict(line.split("\t")[:2] for line in text.split("\n"))
        assert inflated(stored[offset : offset + length]) == original[out[ref]]
    assert len(moved) == 3, "every list moved out is named when the window holds them"
    tight = fit_bucket(text, len(slot) + 1, Packer(overlay=False), 1).decode().split("\t")
    assert tight == [code, *moved[:2]], "as many as the window holds, in the order moved"


def test_a_bucket_is_fitted_with_its_run_as_the_export_stored_it(monkeypatch):
    """The packer reads a bucket's short pairs' run from the export (codec.spelled_bucket
    with a memo) and codes no run again while moving long lists out (the run, coded bit by
    bit in Python, was a quarter of a cold build's packing): the slot and the blobs are
    those of fitting the bucket from its text alone, which codes the run once, not at every
    trial."""
    rng, buckets = random.Random(21), 64
    calls, keyings = [], []
    real, keyed = codec.short_run, pack.keyed_bucket
    monkeypatch.setattr(codec, "short_run", lambda pairs: calls.append(1) or real(pairs))
    monkeypatch.setattr(pack, "keyed_bucket", lambda *a: keyings.append(1) or keyed(*a))
    for b in range(8):
        lines = {}
        for n in range(30):
            key = pair_in(rng, b, buckets)
            docs = gaps(sorted(rng.sample(range(9000), rng.choice([1, 2, 3]))))
            if n < 4:  # a few lines with long lists and postings, which must move out
                docs = gaps(sorted(rng.sample(range(9000), 400)))
                lines[key] = f"{key}\t{docs}\t4\t长\t1\t{docs}"
            else:
                lines[key] = f"{key}\t{docs}\t{varint(rng.randrange(900))}"
        text = "\n".join(lines[k] for k in sorted(lines))
        stored = keyed_bucket(text, buckets)
        plain, seeded = Packer(overlay=False), Packer(overlay=False)
        calls.clear(), keyings.clear()
        slot = fit_bucket(text, 200, plain, buckets)
        assert len(keyings) > 1 and calls == [1], "keyed at every trial, its run coded once"
        memo: dict = {}
        assert spelled_bucket(stored, b, buckets, memo) == text
        calls.clear()
        assert fit_bucket(text, 200, seeded, buckets, memo=memo) == slot
        assert calls == [], "the run read from the export is the run of its short lines"
        assert [bytes(f) for f in seeded.files] == [bytes(f) for f in plain.files]


def test_a_lists_tag_is_the_same_in_python_and_the_browser():
    """An article list is tagged by its pair, a term's postings by the pair and its suffix,
    so a pair's own term (suffix "") and its article list differ."""
    terms = [("公安", None), ("公安", ""), ("公安", "局"), ("中国", "移动"), ("a1", None)]
    terms += [("驾驶", "员证"), ("𠀀字", None), ("平城", "区人口普查")]
    script = """
      import { readFileSync } from "node:fs";
      import { listTag } from "./theme/static/js/search/codec.js";
      const terms = JSON.parse(readFileSync(0, "utf8"));
      process.stdout.write(JSON.stringify(terms.map(([pair, suffix]) => listTag(pair, suffix))));
    """
    tags = [list_tag(pair, suffix) for pair, suffix in terms]
    assert len(set(tags)) == len(tags) and all(len(t) == 3 and set(t) <= set(DIGITS) for t in tags)
    assert node_json(script, terms) == tags


def test_a_short_pair_whose_gaps_gaps_never_spells_so_keeps_a_line_of_its_own():
    """The short pairs' run re-spells a list's gaps (codec.short_run): a list spelled as
    `gaps` never spells it (a number's last digit 0 after others: the same numbers, other
    digits) must stay on its own line, or the bucket would not read back as written."""
    spelled = codec.gaps([4, 900])
    assert codec._short_pair(f"中国\t{spelled}\t", 1 << 16) is not None
    five_again = codec.DIGITS[32 + 5] + codec.DIGITS[0]  # 5 + 0 × 32, in two digits
    assert codec.read_varints(five_again) == [5]
    assert codec._short_pair(f"中国\t{five_again}{spelled}\t", 1 << 16) is None
    assert codec._short_pair(f"中国\t{spelled}{five_again}\t", 1 << 16) is None


@pytest.mark.parametrize("overlay", [True, False])
def test_undo_forgets_every_blob_since_its_mark_and_nothing_before(overlay):
    # A bucket that does not fit with lists moved out becomes a blob itself: the lists
    # written for it go (Packer.undo), in the overlay's one file or the base's family files,
    # a file the blobs opened since the mark too.
    packer = pack.Packer(overlay=overlay)
    if not overlay:
        packer.join("lists", packer.new_file(reserved=10))
        packer.blob(b"t" * 100, "text")
    packer.blob(b"kept")
    before = [bytes(out) for out in packer.files], dict(packer.current)
    mark = packer.mark()
    packer.blob(b"gone" * 10)
    packer.blob(b"x" * pack.FILE_BYTES)  # a base opens a new file for it
    packer.blob(b"text gone", "text")
    packer.undo(mark)
    assert ([bytes(out) for out in packer.files], dict(packer.current)) == before
    assert packer.blob(b"again")[1:] == (len(before[0][-1 if overlay else 0]), 5)
