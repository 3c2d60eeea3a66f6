"""The benchmark's own parts: query set, samples, figures and the byte-counting server."""

from __future__ import annotations

import gzip
import http.client
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kuaixun.bench import samples, sites
from kuaixun.bench.run import recall_figures
from kuaixun.bench.server import CountingServer, Link
from kuaixun.bench.sites import Article

ARTICLES = [
    Article(
        "2020/11/a/",
        Path("a.md"),
        "平城区购买服务项目全面落地",
        "本报讯 二十四日签约。\n\n书法绘画服务进入社区。",
    ),
    Article("2020/11/b/", Path("b.md"), "规范市容秩序", "街道联合监察队整治流动摊点和占道经营。"),
    Article(
        "2020/11/c/", Path("c.md"), "普法宣传忙不停", "社区与司法局在小区东门开展普法宣传活动。"
    ),
]


def test_query_set_has_at_least_fifty_queries_of_every_kind():
    queries = samples.query_set()
    kinds = {kind for kind, _ in queries}
    assert len(queries) >= 50
    assert {"names", "places", "words", "phrases", "titles", "slices"} <= kinds
    assert all(query.strip() == query and query for _, query in queries)


def test_slices_are_verbatim_han_runs_of_their_article_and_repeat_with_the_seed():
    first = samples.verbatim_slices(ARTICLES, 40)
    assert first == samples.verbatim_slices(ARTICLES, 40)
    texts = {a.url: a.text for a in ARTICLES}
    for probe in first:
        assert 2 <= len(probe.query) <= 8
        assert samples.HAN_RUN.fullmatch(probe.query)
        assert probe.query in texts[probe.target]


def test_known_item_passages_occur_in_one_article_only():
    probes = samples.known_items(ARTICLES, titles=3, passages=10)
    assert sorted(p.query for p in probes if p.kind == "title") == sorted(a.title for a in ARTICLES)
    everything = [a.title + a.text for a in ARTICLES]
    for probe in (p for p in probes if p.kind == "passage"):
        assert 8 <= len(probe.query) <= 14
        assert [probe.query in text for text in everything].count(True) == 1


def test_recall_counts_found_anywhere_for_slices_and_top3_for_known_items():
    probes = [
        samples.Probe("slice", "签约", "2020/11/a/"),
        samples.Probe("slice", "书法", "2020/11/a/"),
        samples.Probe("title", "规范市容秩序", "2020/11/b/"),
        samples.Probe("title", "普法宣传忙不停", "2020/11/c/"),
    ]
    ranked = [
        ["/x/", "/y/", "/z/", "/2020/11/a/"],
        [],
        ["/2020/11/b/"],
        ["/x/", "/y/", "/z/", "/2020/11/c/"],
    ]
    figures = recall_figures(probes, ranked)
    assert figures["slice"]["found"] == 0.5
    assert figures["slice"]["zero_results"] == 0.5
    assert figures["title"]["top3"] == 0.5
    assert figures["title"]["misses"] == ["普法宣传忙不停"]


def test_server_counts_the_compressed_bytes_it_sends(tmp_path):
    page = "<p>" + "社区快讯" * 500 + "</p>"
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    (tmp_path / "blob.pf_index").write_bytes(b"\x01" * 300)
    server = CountingServer(tmp_path)
    try:
        request = urllib.request.Request(server.url + "/", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            body = response.read()
        assert gzip.decompress(body).decode("utf-8") == page
        with urllib.request.urlopen(server.url + "/blob.pf_index") as response:
            assert len(response.read()) == 300
        sent = server.ledger.take()
    finally:
        server.close()
    assert [(s.path, s.bytes) for s in sent] == [("/", len(body)), ("/blob.pf_index", 300)]
    assert len(body) < len(page.encode("utf-8")) / 10


class RecordingLink(Link):
    """A link with no delay that remembers the bodies it carried."""

    def __init__(self):
        super().__init__(round_trip_s=0.0, bytes_per_second=1e12)
        self.carried: list[int] = []

    def send(self, write, data: bytes, chunk: int = 8192) -> None:
        self.carried.append(len(data))
        super().send(write, data, chunk)


PACK = bytes(range(256)) * 40  # 10,240 bytes, each position told from its neighbours


@pytest.fixture
def paced(tmp_path):
    """A CountingServer of one pack (PACK) behind a RecordingLink: (server, link)."""
    (tmp_path / "pack.bin").write_bytes(PACK)
    link = RecordingLink()
    server = CountingServer(tmp_path, link=link)
    yield server, link
    server.close()


def test_server_counts_and_paces_a_ranges_bytes_not_the_files(paced):
    server, link = paced
    pack = PACK
    request = urllib.request.Request(
        server.url + "/pack.bin",
        headers={"Range": "bytes=1000-1099", "Accept-Encoding": "gzip"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 206
        assert response.headers["Content-Range"] == f"bytes 1000-1099/{len(pack)}"
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.read() == pack[1000:1100]
    sent = server.ledger.take()
    assert [(s.path, s.bytes) for s in sent] == [("/pack.bin", 100)]
    assert link.carried == [100]


def test_server_answers_several_ranges_in_one_multipart_body_counted_and_paced(paced):
    server, link = paced
    pack = PACK
    request = urllib.request.Request(
        server.url + "/pack.bin", headers={"Range": "bytes=5000-5099,10-19"}
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 206
        kind, body = response.headers["Content-Type"], response.read()
    sent = server.ledger.take()
    boundary = kind.removeprefix("multipart/byteranges; boundary=")
    assert boundary != kind
    expected = (
        b"".join(
            f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Range: bytes {a}-{b}/{len(pack)}\r\n\r\n".encode()
            + pack[a : b + 1]
            for a, b in [(5000, 5099), (10, 19)]
        )
        + f"\r\n--{boundary}--\r\n".encode()
    )
    assert body == expected
    assert [(s.path, s.bytes) for s in sent] == [("/pack.bin", len(body))]
    assert link.carried == [len(body)]


def test_an_untimed_step_gets_the_same_bytes_counted_alike_then_timing_resumes(tmp_path):
    # One kept-alive connection across the switch: TCP_NODELAY is set per response.
    (tmp_path / "pack.bin").write_bytes(PACK)
    server = CountingServer(tmp_path)
    connection = http.client.HTTPConnection(*server.url.removeprefix("http://").split(":"))

    def read(span: str) -> bytes:
        connection.request("GET", "/pack.bin", headers={"Range": f"bytes={span}"})
        return connection.getresponse().read()

    try:
        timed = read("100-2099")
        with pytest.raises(RuntimeError), server.untimed():
            assert not server.nagle
            untimed = read("100-2099")
            raise RuntimeError("a step that fails")
        assert server.nagle
        again = read("100-2099")
        sent = server.ledger.take()
    finally:
        connection.close()
        server.close()
    assert timed == untimed == again == PACK[100:2100]
    assert [s.bytes for s in sent] == [2000, 2000, 2000]


def test_server_answers_a_range_past_the_end_with_416_and_counts_nothing(tmp_path):
    (tmp_path / "pack.bin").write_bytes(b"\x01" * 300)
    server = CountingServer(tmp_path)
    try:
        request = urllib.request.Request(server.url + "/pack.bin", headers={"Range": "bytes=300-"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        refused.value.close()
        sent = server.ledger.take()
    finally:
        server.close()
    assert refused.value.code == 416
    assert refused.value.headers["Content-Range"] == "bytes */300"
    assert [(s.path, s.bytes) for s in sent] == [("/pack.bin", 0)]


def test_server_sends_a_compressed_page_whole_whatever_the_range(tmp_path):
    page = "<p>" + "社区快讯" * 500 + "</p>"
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    server = CountingServer(tmp_path)
    try:
        headers = {"Range": "bytes=0-9", "Accept-Encoding": "gzip"}
        request = urllib.request.Request(server.url + "/", headers=headers)
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
            assert gzip.decompress(response.read()).decode("utf-8") == page
    finally:
        server.close()


def test_the_phone_link_waits_a_round_trip_then_paces_the_bytes(monkeypatch):
    """The throttle's schedule, not the clock: sleeps are recorded, not taken."""
    from kuaixun.bench import server as bench_server

    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += max(0.0, seconds)

    monkeypatch.setattr(bench_server.time, "sleep", sleep)
    monkeypatch.setattr(bench_server.time, "monotonic", lambda: clock[0])
    link = bench_server.Link(round_trip_s=0.15, bytes_per_second=200_000)
    written: list[bytes] = []
    link.send(written.append, b"x" * 20_000, chunk=8192)
    assert b"".join(written) == b"x" * 20_000
    assert slept[0] == 0.15
    assert sum(slept[1:]) == pytest.approx(20_000 / 200_000)
    # A second response on the same link queues behind the first one's bytes.
    link.send(written.append, b"y" * 2_000)
    assert clock[0] - 100.0 == pytest.approx(0.15 + 0.1 + 0.15 + 0.01)


def test_index_changes_count_new_names_and_new_bytes():
    from kuaixun.bench.run import index_changes

    before = {"a.gz": ("1", 10), "b.gz": ("2", 20)}
    after = {"a.gz": ("1", 10), "b.gz": ("3", 25), "c.gz": ("4", 5)}
    assert index_changes(before, after) == {
        "files": 3,
        "changed_files": 2,
        "changed_bytes": 30,
        "bytes": 40,
    }


def test_the_committed_slips_are_three_groups_one_homophone_off_their_text():
    from pypinyin import Style, lazy_pinyin

    from kuaixun.bench import typos

    slips = typos.read()
    assert {k: sum(s.kind == k for s in slips) for k in typos.COUNTS} == typos.COUNTS
    for slip in (s for s in slips if s.kind == "short_word"):
        changed = [
            i for i, (a, b) in enumerate(zip(slip.query, slip.target, strict=True)) if a != b
        ]
        assert len(changed) == 1, slip
        i = changed[0]  # the slip sounds as the word's character does there (多音字 in context)
        in_context = lazy_pinyin(slip.target, style=Style.NORMAL)[i]
        assert lazy_pinyin(slip.query[i], style=Style.NORMAL) == [in_context], slip
    for slip in (s for s in slips if s.kind == "pinyin"):
        assert slip.query.isascii() and slip.query.isalpha()


def test_slips_are_drawn_again_the_same_and_never_occur_verbatim():
    from kuaixun.bench import typos

    articles = [*ARTICLES, Article("2020/11/d/", Path("d.md"), "社区矫正业务培训班开班", "培训。")]
    first = typos.draw(articles, articles)
    assert first == typos.draw(articles, articles)
    corpus = "".join(a.title + a.text for a in articles)
    assert first and all(s.query not in corpus for s in first if s.kind != "pinyin")


def test_slip_figures_count_the_top_three_per_kind():
    from kuaixun.bench import typos

    probes = [
        samples.Probe("homophone", "平成区", "a/"),
        samples.Probe("homophone", "规范市荣", "b/"),
        samples.Probe("pinyin", "pufa", "c/"),
    ]
    figures = typos.top3_figures(probes, [["a/"], ["x/", "y/", "z/", "b/"], ["c/"]])
    assert figures["homophone"]["top3"] == 0.5 and figures["homophone"]["misses"] == ["规范市荣"]
    assert figures["pinyin"]["top3"] == 1.0


# A parent and a forked child, each filling 400 MB of its own after the fork, for a second.
_TWO_PROCESSES = """
import os, time
child = os.fork()
block = bytearray(400 * 2**20)
for i in range(0, len(block), 4096):
    block[i] = 1
time.sleep(1.0)
if child == 0:
    os._exit(0)
os.wait()
"""


def test_the_summed_peak_counts_a_child_only_when_memory_is_sampled(tmp_path):
    """The cold builds are timed with nothing reading /proc beside them (`cold_builds`): then
    the summed peak is only the largest process's; sampled, it holds both at once."""
    command = [sys.executable, "-c", _TWO_PROCESSES]
    sampled = sites.timed(command, cwd=tmp_path)
    unsampled = sites.timed(command, cwd=tmp_path, sample_memory=False)
    assert sampled.returncode == unsampled.returncode == 0
    assert unsampled.peak_rss_sum_bytes == unsampled.peak_rss_bytes >= 400 * 2**20
    assert sampled.peak_rss_sum_bytes >= 2 * 400 * 2**20


def test_a_fresh_build_moves_the_old_folders_aside_and_the_bench_deletes_them_later(tmp_path):
    """sites.build(fresh=True) deletes nothing before it times a build (`sites.discard`):
    the old folders go into a trash folder, which `empty_trash` deletes afterwards."""
    work = tmp_path / "WORK" / "7183" / "search"
    (work / "output" / "a").mkdir(parents=True)
    (work / "output" / "a" / "page.html").write_text("old")
    (work / "search-cache").mkdir()
    sites.discard(work / "output")
    sites.discard(work / "search-cache")
    sites.discard(work / "pelican-cache")  # absent: nothing to move
    assert not (work / "output").exists() and not (work / "search-cache").exists()
    moved = sorted(p.name.split(".")[0] for p in (work / sites.TRASH).iterdir())
    assert moved == ["output", "search-cache"]
    assert (next((work / sites.TRASH).glob("output.*")) / "a" / "page.html").read_text() == "old"
    sites.empty_trash(tmp_path / "WORK")
    assert not (work / sites.TRASH).exists() and work.is_dir()


def test_cold_builds_time_alternating_pairs_and_report_the_median_pair(monkeypatch, tmp_path):
    """`run.cold_builds`: one sampled build of each kind for the summed peak, then pairs
    timed bare then with search with nothing sampling them; the figures are the pair whose
    ratio is the median, every pair's seconds kept. Builds here are the order they were
    asked in (their seconds say which), so the test sees the alternation itself."""
    from kuaixun.bench import run

    made: list[tuple[bool, bool]] = []
    # bare, search seconds per timed pair: ratios 2.5, 1.5, 2.0 -> the third is the median
    timed = iter([10.0, 25.0, 20.0, 30.0, 12.0, 24.0])

    def build(content, work, *, search, fresh, settings=None, sample_memory=True):
        assert fresh and content == tmp_path / "content"
        made.append((search, sample_memory))
        seconds = 99.0 if sample_memory else next(timed)
        peak = (600 if search else 300) * 2**20 if sample_memory else 1
        return sites.Timing(seconds, seconds, 0.0, 2**20, 0, "", peak)

    monkeypatch.setattr(run.sites, "build", build)
    monkeypatch.setattr(run, "search_phases", lambda work: {"seconds": {"cut": 1.0}})
    figures = run.cold_builds(tmp_path)
    assert made == [(False, True), (True, True)] + [(False, False), (True, False)] * 3
    assert [p["ratio"] for p in figures["cold_pairs"]] == [2.5, 1.5, 2.0]
    assert figures["bare"]["seconds"] == 12.0 and figures["search"]["seconds"] == 24.0
    assert figures["search"]["peak_rss_sum_bytes"] == 600 * 2**20
    assert figures["bare"]["seconds_sampled"] == 99.0
    assert figures["search"]["phases"] == {"seconds": {"cut": 1.0}}
