"""search plugin: jieba + Whoosh at build time, exported as on-demand shards for the browser.

The handlers only gather what Pelican hands over; the work is in plain modules:
normalize (one normalisation), segment (jieba cutting), index (records, cache, Whoosh),
query and rank (reading and scoring a query, as the browser does), export (the files under
output/search/). docs/search.md explains the design and the measurements.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import time
import traceback
import weakref
from collections.abc import Callable
from pathlib import Path

import rjieba
from pelican import signals

from kuaixun import pelican_api
from kuaixun.core.addresses import SEARCH_EXPORT
from kuaixun.core.cjk.text import html_to_text
from kuaixun.core.problems import plan_outputs
from kuaixun.core.search.export import (
    STATE,
    CachedExport,
    SpilledExport,
    UnsavedExport,
    refresh_export,
)
from kuaixun.core.search.export.codec import FINGERPRINT
from kuaixun.core.search.export.full import trim_memory
from kuaixun.core.search.export.incremental import MAX_CHANGED
from kuaixun.core.search.export.pack import STATE as PACK_STATE
from kuaixun.core.search.index import (
    Article,
    BuildReport,
    RecordCache,
    refresh_records,
)
from kuaixun.core.search.normalize import normalize
from kuaixun.core.search.segment import read_user_dictionary, site_words
from kuaixun.core.search.tail import (
    WHOOSH_PARTS,
    HandedWhoosh,
    cache_lock,
    finish_whoosh,
    hand_over,
    hand_whoosh,
    pack_beside_whoosh,
    save_detached,
    save_documents,
    save_report,
    start_whoosh,
    start_whoosh_from_parts,
)
from kuaixun.core.search.userdict import dictionary_path
from kuaixun.core.search.whoosh_index import PARTS_DOCUMENTS, whoosh_is_new
from kuaixun.tools import finish_build

log = logging.getLogger(__name__)
_JOB = "SEARCH_JOB"
_LATER = "SEARCH_ARTICLES_GENERATOR"
# The indexing process of the last build. A build that failed after starting it never
# waited for it; in a long-lived process (invoke livereload) the next build must, or two
# processes would write the same Whoosh index.
_previous_job: list = []
# The indexing process started at Pelican's start (`preload`) and the end of the pipe it
# reads the articles from, until `start_indexing` hands them over.
_preloaded: list[tuple] = []
# The end of a pipe Pelican's process holds while it writes the pages: closed (at
# `finalized`, or by its exec or end), it tells that indexing process its forks may start.
_writing: list[int] = []
# What the indexing process reads of the settings (`dictionary`, `_index`): sent with the
# articles to one started before Pelican read them, as they are by then.
_INDEXING_SETTINGS = ("CATEGORIES", "SEARCH_USER_DICT", "SEARCH_CACHE_PATH")


def gather(generator) -> None:
    """Plan the export and start indexing the articles while Pelican writes the pages; with
    SEARCH_AFTER_PAGES (the preview, where a saved article's page comes first) only plan it,
    and `finish` indexes after the pages."""
    folder = generator.settings["SEARCH_OUTPUT_DIR"].strip("/") + "/"
    plan_outputs(generator.context, [(folder, SEARCH_EXPORT)])
    if generator.settings.get("SEARCH_AFTER_PAGES"):
        # Weak: the settings outlive the build (its articles keep them), the generator not.
        generator.settings[_LATER] = weakref.ref(generator)
    else:
        start_indexing(generator)


def preload(pelican) -> None:
    """Start the indexing process as Pelican starts, before it reads the articles: it waits
    for the search cache's lock (a saving the last build left behind), loads the caches an
    update reads (the records, the export's state and files, the published base: ≈ 0.6 s
    of CPU at 7,183 articles) while Pelican reads on the other core, then waits for the
    articles (`start_indexing` sends them). A cold build starts it here too, with nothing
    to load: forked now, the process holds Pelican's modules and not the articles Pelican
    reads and renders next, which a fork made at `article_generator_finalized` keeps alive
    through the export and its range forks, its own once Pelican's process has become the
    waiter (docs/search.md, "Cold build", eleventh pass). The preview's order
    (SEARCH_AFTER_PAGES): the indexing process starts with the articles, as before."""
    _close_preloaded()
    pages_written()  # a last build's, in a process that builds again
    settings = pelican.settings
    if settings.get("SEARCH_AFTER_PAGES"):
        return
    while _previous_job:
        _previous_job.pop().join()
    receive, send = os.pipe()
    written, writing = os.pipe()
    job = multiprocessing.get_context("fork").Process(
        target=_index_preloaded,
        args=(dict(settings), receive, send, written, writing),
        name="search-index",
    )
    job.start()
    os.close(receive)
    os.close(written)
    _preloaded.append((job, send))
    _writing.append(writing)


def _close_preloaded(*_) -> None:
    """Let a preloaded indexing process that got no articles end (Pelican failed or had no
    article generator: the pipe closed with nothing in it), and wait for it: it holds the
    cache's lock."""
    while _preloaded:
        job, send = _preloaded.pop()
        # Said, not only closed: a pipe that closes empty is a sender that died, which must
        # fail the build, not publish the last build's index (`_index_preloaded`).
        with contextlib.suppress(BrokenPipeError):  # it has ended: `finish` says why
            os.write(send, pickle.dumps(None))
        os.close(send)
        job.join()


def pages_written() -> None:
    """Tell the indexing process that Pelican's process is done with its pages: a whole
    export's forks wait for that (`_Loaded.wait_for_pages`). Said by closing the pipe's
    end: by the exec of the waiter (descriptors are closed on exec), by `finish` before it
    waits for the indexing process, by a failed build before it does, or at exit."""
    while _writing:
        os.close(_writing.pop())


atexit.register(pages_written)  # before multiprocessing's own, which joins the process


def start_indexing(generator) -> None:
    """Index the published articles in a second process, on the other core.

    What search needs of each article (`search_articles`: its text without tags, its path
    and URL) is taken there, in the fork, not here: the editor's rebuild waits for this
    process to write the pages, and a text read out of every article's HTML is a second of
    work that only the index needs (docs/architecture.md, "The rebuild's process")."""
    settings = generator.settings
    # Made once for the fork and for the writing alike (the pages plugin's hook, later on
    # this signal, then finds them made).
    pelican_api.remember_urls(generator.articles)
    if _preloaded:
        # The fork takes the articles' texts out of their HTML and sends them to the
        # indexing process `preload` started, which has loaded the caches meanwhile.
        job, send = _preloaded.pop()
        sender = multiprocessing.get_context("fork").Process(
            target=_send_articles,
            args=(dict(settings), generator.articles, send),
            name="search-articles",
        )
        sender.start()
        os.close(send)
        _previous_job.append(sender)
    else:
        while _previous_job:
            _previous_job.pop().join()
        job = multiprocessing.get_context("fork").Process(
            target=_index_in_child, args=(dict(settings), generator.articles), name="search-index"
        )
        job.start()
    settings[_JOB] = job
    _previous_job.append(job)


def search_articles(content_root: Path, contents: list) -> list[Article]:
    """What search keeps of each published article: its path in the content folder, URL,
    names and text without tags."""
    folders: dict[str, str] = {}
    root = content_root.resolve()
    articles = []
    for a in contents:
        # The folder resolved and made relative once for all its articles (pathlib's
        # relative_to for each article was 0.1 s at 7,183); a file is never a link (the
        # content check before reading refuses symbolic links).
        folder, name = os.path.split(a.source_path)
        if folder not in folders:
            resolved = Path(folder).resolve()
            inside = resolved.is_relative_to(root)
            folders[folder] = str(resolved.relative_to(root) if inside else resolved)
        path = name if folders[folder] == "." else os.path.join(folders[folder], name)
        articles.append(
            Article(
                path=path,
                url=a.url,
                title=a.title,
                subtitle=str(a.metadata.get("subtitle", "") or ""),
                # raw_html, not .content: rendering links now, before the static files are
                # known, makes Pelican warn "Unable to find" for every {static} link (a
                # strict-build error) and memoizes the unresolved HTML the feeds reuse.
                text=html_to_text(pelican_api.raw_html(a)),
                category=a.category.name,
                authors=[x.name for x in getattr(a, "authors", [])],
                tags=[t.name for t in getattr(a, "tags", [])],
                date=a.date.date(),
            )
        )
    return articles


def dictionary(settings: dict, articles: list[Article]) -> dict[str, int | None]:
    """The editors' user dictionary plus the site's reporters, tags and categories."""
    names = set(settings.get("CATEGORIES", []))
    for article in articles:
        names.update([article.category, *article.authors, *article.tags])
    words = site_words(normalize(n) for n in sorted(names))
    for word, freq in read_user_dictionary(dictionary_path(settings)).items():
        words[normalize(word)] = freq
    return words


def index_and_export(
    settings: dict, articles: list[Article], hand_over_tail: bool = False
) -> BuildReport:
    cache_folder = Path(settings["SEARCH_CACHE_PATH"])
    with cache_lock(cache_folder):  # a saving the last build left behind is waited for
        return _index_and_save(cache_folder, settings, articles, hand_over_tail)


def _index_and_save(
    cache_folder: Path,
    settings: dict,
    articles: list[Article],
    hand_over_tail: bool,
    loaded: _Loaded | None = None,
) -> BuildReport:
    """Update the cached cuts, then the Whoosh index and the browser's files side by side.

    With `hand_over_tail` (the indexing process, never Pelican's own), a whole export is
    packed by a fresh process image that replaces this one (`tail.hand_over`): nothing
    after the export is done here then, and this never returns; and an update is published
    before its caches are saved (`save_detached`: the build waits for the index, not for
    the caches only the next build reads)."""
    saving = _index(cache_folder, settings, articles, hand_over_tail, loaded)
    if hand_over_tail:
        save_detached(cache_folder, saving.save)
    else:
        saving.save()
    return saving.report


class _Loaded:
    """The caches an update reads, loaded before the articles are known (`preload`), and
    the end of the pipe that closes once Pelican has written its pages."""

    def __init__(self, cache_folder: Path, written: int | None = None):
        self.written = written
        started = time.perf_counter()
        self.records = RecordCache(cache_folder)
        self.export = CachedExport.load(cache_folder / "export", cache_folder / "published")
        # jieba-rs with its dictionary, for the articles to cut (an edit: at least one).
        self.cutter: rjieba.Jieba | None = rjieba.Jieba()
        self.seconds = time.perf_counter() - started

    def wait_for_pages(self) -> float:
        """Wait until Pelican's process is done with its pages (`pages_written`: its exec
        of the waiter, `finish`, a failed build, or its end); return the seconds waited.

        A whole export's forks start after that: beside Pelican's process, still holding
        every article and page, they were the build's largest moment whenever Pelican
        wrote more slowly than this process cut (a busy machine; docs/search.md, "Cold
        build", eleventh pass). On two idle cores both end at about the same time."""
        if self.written is None:
            return 0.0
        started = time.perf_counter()
        while os.read(self.written, 4096):
            pass
        os.close(self.written)
        self.written = None
        return time.perf_counter() - started


class _Saving:
    """What a build published before saving: the records and an updated export's files."""

    def __init__(self, report: BuildReport, cache: RecordCache, export: UnsavedExport | None):
        self.report, self.cache, self.export = report, cache, export

    def save(self) -> None:
        self.cache.save()
        if self.export is not None:
            self.export.save()


def _index(
    cache_folder: Path,
    settings: dict,
    articles: list[Article],
    hand_over_tail: bool,
    loaded: _Loaded | None = None,
):
    started = time.perf_counter()
    cache = loaded.records if loaded is not None else RecordCache(cache_folder)
    # The cached export was made from these: it is updated from them where it can be.
    previous, previous_words = cache.records, cache.words
    records, report = refresh_records(
        articles, dictionary(settings, articles), cache, _take_cutter(loaded)
    )
    trim_memory()  # jieba-rs's dictionary, gone with the cut (`_take_cutter`)
    if len(report.segmented) > MAX_CHANGED:
        # Many cut (a cold build): kept before the export, whatever becomes of it. A few
        # are saved after the index is published (`_Saving`).
        cache.save()
    if loaded is not None:  # before the articles came, off the rebuild's path
        report.seconds["loaded ahead"] = loaded.seconds
    report.seconds["cut"] = time.perf_counter() - started
    log.info("search: %d cut, %d reused", len(report.segmented), report.reused)
    # Whoosh and the export both read the records and nothing else.
    whoosh = _Whoosh(cache_folder, records)
    try:
        exporting = time.perf_counter()
        report.export, logical, unsaved = refresh_export(
            records,
            cache.words,
            cache_folder / "export",
            previous,
            previous_words,
            spill=hand_over_tail,
            save_later=True,
            loaded=loaded.export if loaded is not None else None,
            release=cache.save,
            forks_done=whoosh.start_new if hand_over_tail else None,
            wait=_pages_wait(loaded, report),
            whoosh_parts=whoosh.parts,
        )
    except BaseException:  # a build never leaves Whoosh's process writing behind it
        whoosh.abandon()
        raise
    # The packer reads the logical export alone: what the records held is its to reuse.
    del records, previous
    report.exported = report.export != "reused"
    report.seconds["export"] = time.perf_counter() - exporting
    if isinstance(logical, SpilledExport):  # written whole, with hand_over_tail
        cache.save()
        del cache
        # Never returns: the tail stores and packs the export, and waits for Whoosh.
        hand_over(cache_folder, report, started, logical, whoosh=whoosh.for_the_tail(report))
    whoosh.start_new()
    stamp = unsaved.stamp if unsaved is not None else None
    base = loaded.export.base if loaded is not None else None
    del loaded
    pack_beside_whoosh(cache_folder, report, whoosh.process, logical, stamp, base)
    save_report(cache_folder, report, started)
    return _Saving(report, cache, unsaved)


class _Whoosh:
    """Whoosh's process for a build, bringing its index in line with the records. An update
    (a few articles) starts at once and runs beside the export. A new index starts later
    (`start_new`): once a whole export's range forks are done, beside its serial end and
    the tail, not taking a core from the forks (docs/search.md, "Cold build", eighth pass
    and fourteenth look), and written from the parts those forks made of the cut
    (`parts`; twenty-first look); else, after an export that was not whole, from the
    records' documents."""

    def __init__(self, cache_folder: Path, records: dict):
        self.folder = cache_folder / "whoosh"
        self.cache_folder = cache_folder
        self.process: subprocess.Popen | None = None
        self.records: dict | None = None
        self.new = whoosh_is_new(self.folder)
        # A killed build's parts are another build's records: only this build's export
        # writes the folder again.
        shutil.rmtree(cache_folder / WHOOSH_PARTS, ignore_errors=True)
        if self.new:
            self.records = records
        else:
            self.process = start_whoosh(self.folder, records)

    @property
    def parts(self) -> Path | None:
        """Where a whole export's forks write a new index's parts (None: an update)."""
        return self.cache_folder / WHOOSH_PARTS if self.new else None

    def start_new(self) -> None:
        if self.records is None:
            return
        records, self.records = self.records, None
        parts = self.cache_folder / WHOOSH_PARTS
        if (parts / PARTS_DOCUMENTS).exists():
            self.process = start_whoosh_from_parts(self.folder, parts)
            return
        if any(not record.terms for record in records.values()):
            # (`full.drop_cuts`: a whole export frees the cut once it is spilled)
            raise RuntimeError("the records' cut is gone and no Whoosh parts were written")
        self.process = start_whoosh(self.folder, save_documents(self.cache_folder, records))

    def abandon(self) -> None:
        """The export failed: wait for the process, remove the parts."""
        self.records = None
        if self.process is not None:
            finish_whoosh(self.process)
        shutil.rmtree(self.cache_folder / WHOOSH_PARTS, ignore_errors=True)

    def for_the_tail(self, report: BuildReport) -> HandedWhoosh | None:
        """What `tail.hand_over` hands the tail: a new index's process (started once the
        whole export's forks were done); an update is waited for here (done by now, or
        nearly)."""
        self.start_new()
        if self.process is None:
            return None
        if not self.new:
            report.whoosh, report.seconds["whoosh"] = finish_whoosh(self.process)
            return None
        return hand_whoosh(self.process)


def _take_cutter(loaded: _Loaded | None):
    """The cutter loaded ahead, if any, no longer kept there: jieba-rs's dictionary (≈ 58 MB
    of the process) is not read after the cut, and is gone before the wait for Pelican's
    pages, the cold build's largest moment (Pelican's process and this one: 635 → 611 MB
    summed at 7,183 articles; docs/search.md, "Cold build", thirteenth look)."""
    if loaded is None:
        return None
    cutter, loaded.cutter = loaded.cutter, None
    return cutter


def _pages_wait(loaded: _Loaded | None, report: BuildReport) -> Callable[[], None] | None:
    """What a whole export's first fork waits for, if anything: Pelican's pages written."""
    if loaded is None or loaded.written is None:
        return None

    def wait() -> None:
        report.seconds["waited for the pages"] = loaded.wait_for_pages()

    return wait


def _index_in_child(settings: dict, contents: list) -> None:
    # A fork shares Pelican's pages until one side writes to them, and a collector pass
    # writes to every object it tracks: frozen, what the fork inherited is left alone. What
    # this process makes from here on is collected as usual (docs/search.md, "Cold build").
    gc.freeze()
    try:
        articles = search_articles(Path(settings["PATH"]), contents)
        index_and_export(settings, articles, hand_over_tail=True)
    except Exception:
        traceback.print_exc()
        sys.exit(1)


def _index_preloaded(settings: dict, receive: int, send: int, written: int, writing: int) -> None:
    """The indexing process `preload` started: the caches loaded under the cache's lock,
    then the articles `_send_articles` pickled into the pipe indexed, as `_index_in_child`
    indexes them. None in the pipe (Pelican has no articles to send): nothing to do; a pipe
    that ends before the articles do fails this process, and so the build."""
    os.close(send)  # else the pipe never ends for want of articles
    os.close(writing)  # else Pelican's pages are never written, for this process
    gc.freeze()  # what the fork inherited from Pelican's process: see _index_in_child
    cache_folder = Path(settings["SEARCH_CACHE_PATH"])
    try:
        with cache_lock(cache_folder):
            loaded = _Loaded(cache_folder, written)
            with os.fdopen(receive, "rb") as pipe:
                try:
                    received = pickle.load(pipe)
                except (EOFError, pickle.UnpicklingError) as error:
                    # The sender died (killed, or failed above) before it sent them all.
                    raise RuntimeError(
                        "搜索索引没有收到文章，网站没有更新 (the articles never reached the "
                        "indexing process: their sender failed)"
                    ) from error
            if received is None:  # Pelican sent none: it failed, or no article generator ran
                return
            now, articles = received
            settings.update(now)
            if Path(settings["SEARCH_CACHE_PATH"]) != cache_folder:
                raise RuntimeError("SEARCH_CACHE_PATH changed after Pelican started")
            _index_and_save(cache_folder, settings, articles, True, loaded)
    except Exception:
        traceback.print_exc()
        sys.exit(1)


def _send_articles(settings: dict, contents: list, send: int) -> None:
    """What search keeps of each article (`search_articles`), pickled with the settings the
    indexing reads to the indexing process `preload` started."""
    pages_written()  # Pelican's end of the pipe, not this fork's: it writes no page
    gc.freeze()
    try:
        articles = search_articles(Path(settings["PATH"]), contents)
        now = {key: settings[key] for key in _INDEXING_SETTINGS if key in settings}
        with os.fdopen(send, "wb") as pipe:
            pickle.dump((now, articles), pipe, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        traceback.print_exc()
        sys.exit(1)


def finish(pelican) -> None:
    """Wait for the search index, then put its export into the output; a failure there fails
    the build. Pelican sends `finalized` only after a build that wrote everything, so a
    failed build leaves its output folder untouched by search too. In a one-shot build
    (tools/build.py) the build's process, replaced by a small one, waits and publishes
    instead (tools/finish_build.py): Pelican's process is gone meanwhile."""
    settings = pelican.settings
    later = settings.pop(_LATER, None)
    if later is not None:
        start_indexing(later())
    job = settings.pop(_JOB, None)
    index = _published_index(settings)
    if job is None:  # no article generator ran: index the empty site here
        index_and_export(settings, [])
    elif (waiter := settings.get(finish_build.WAITER)) is not None:
        waiter.update(job=job, index=index)
        return
    else:
        pages_written()
        job.join()
        failure = finish_build.indexing_failure(job.exitcode)
        if failure is not None:
            raise RuntimeError(failure)
    finish_build.publish_index(**index)


def _published_index(settings: dict) -> dict:
    """What `finish_build.publish_index` puts into the output: the published index (but the
    export's and the packer's own records), and the entry into the search page."""
    page = settings.get("SEARCH_SAVE_AS")
    return {
        "cache": str(Path(settings["SEARCH_CACHE_PATH"]) / "published"),
        "folder": str(Path(settings["OUTPUT_PATH"]) / settings["SEARCH_OUTPUT_DIR"]),
        "skip": sorted({FINGERPRINT, STATE, PACK_STATE}),
        "page": str(Path(settings["OUTPUT_PATH"]) / page) if page else None,
    }


def register():
    signals.initialized.connect(preload)
    signals.article_generator_finalized.connect(gather)
    # Before `finish`: with no article generator it indexes here, under the cache's lock.
    signals.finalized.connect(_close_preloaded)
    signals.finalized.connect(finish)
