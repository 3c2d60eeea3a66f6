"""search plugin: jieba + Whoosh at build time, exported as on-demand shards for the browser.

The handlers only gather what Pelican hands over; the work is in plain modules:
normalize (one normalisation), segment (jieba cutting), index (records, cache, Whoosh),
query and rank (reading and scoring a query, as the browser does), export (the files under
output/search/). docs/search.md explains the design and the measurements.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import multiprocessing
import os
import pickle
import subprocess
import sys
import time
import traceback
import weakref
from pathlib import Path

from pelican import signals

from kuaixun import pelican_api
from kuaixun.core.cjk.text import html_to_text
from kuaixun.core.problems import plan_outputs
from kuaixun.core.search.export import publish_export, refresh_export, refresh_published
from kuaixun.core.search.export.entry import put_entry
from kuaixun.core.search.index import (
    Article,
    BuildReport,
    Record,
    RecordCache,
    refresh_records,
    whoosh_document,
)
from kuaixun.core.search.normalize import normalize
from kuaixun.core.search.segment import read_user_dictionary, site_words

log = logging.getLogger(__name__)
_JOB = "SEARCH_JOB"
_LATER = "SEARCH_ARTICLES_GENERATOR"
# The indexing process of the last build. A build that failed after starting it never
# waited for it; in a long-lived process (invoke livereload) the next build must, or two
# processes would write the same Whoosh index.
_previous_job: list = []


def gather(generator) -> None:
    """Plan the export and start indexing the articles while Pelican writes the pages; with
    SEARCH_AFTER_PAGES (the preview, where a saved article's page comes first) only plan it,
    and `finish` indexes after the pages."""
    folder = generator.settings["SEARCH_OUTPUT_DIR"].strip("/") + "/"
    plan_outputs(generator.context, [(folder, "搜索索引 (the search export)")])
    if generator.settings.get("SEARCH_AFTER_PAGES"):
        # Weak: the settings outlive the build (its articles keep them), the generator not.
        generator.settings[_LATER] = weakref.ref(generator)
    else:
        start_indexing(generator)


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
    folders: dict[str, Path] = {}
    root = content_root.resolve()
    articles = []
    for a in contents:
        # The folder resolved once for all its articles; a file is never a link (the content
        # check before reading refuses symbolic links).
        folder, name = os.path.split(a.source_path)
        if folder not in folders:
            folders[folder] = Path(folder).resolve()
        source = folders[folder] / name
        path = str(source.relative_to(root) if source.is_relative_to(root) else source)
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
    for word, freq in read_user_dictionary(Path(settings["SEARCH_USER_DICT"])).items():
        words[normalize(word)] = freq
    return words


def index_and_export(settings: dict, articles: list[Article]) -> BuildReport:
    """Update the cached cuts, then the Whoosh index and the browser's files side by side."""
    started = time.perf_counter()
    cache_folder = Path(settings["SEARCH_CACHE_PATH"])
    cache = RecordCache(cache_folder)
    # The cached export was made from these: it is updated from them where it can be.
    previous, previous_words = cache.records, cache.words
    records, report = refresh_records(articles, dictionary(settings, articles), cache)
    cache.save()
    report.seconds["cut"] = time.perf_counter() - started
    # Whoosh and the export both read the records and nothing else: run them at once.
    whoosh = start_whoosh(cache_folder / "whoosh", records)
    try:
        exporting = time.perf_counter()
        report.export, logical = refresh_export(
            records, cache.words, cache_folder / "export", previous, previous_words
        )
        # The packer reads the logical export alone: what the records held is its to reuse.
        del records, previous, cache
        report.exported = report.export != "reused"
        report.seconds["export"] = time.perf_counter() - exporting
        packing = time.perf_counter()
        published = cache_folder / "published"
        report.packed = refresh_published(cache_folder / "export", logical, published)
        del logical
        report.seconds["pack"] = time.perf_counter() - packing
    finally:  # a build never leaves Whoosh's process writing behind it
        report.whoosh, report.seconds["whoosh"] = finish_whoosh(whoosh)
    report.seconds["total"] = time.perf_counter() - started
    (cache_folder / "last-build.json").write_text(
        json.dumps(report.__dict__, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return report


def start_whoosh(folder: Path, records: dict[str, Record]) -> subprocess.Popen:
    """Start bringing the Whoosh index in `folder` in line with the records, in a fresh
    interpreter handed their documents (`whoosh_index.main`; `finish_whoosh` waits for it).

    Not a fork: a fork of this process kept the old copy of every page of the records that
    this process touched after the fork (≈ 300 MB PSS at 7,183 articles), and a fork of a
    fresh interpreter would import jieba and pypinyin (docs/search.md, "Cold build", sixth
    pass)."""
    whoosh = subprocess.Popen(
        [sys.executable, "-m", "kuaixun.core.search.whoosh_index", str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert whoosh.stdin is not None  # a pipe, asked for above
    documents = [whoosh_document(record) for record in records.values()]
    with contextlib.suppress(BrokenPipeError):  # it failed at once: finish_whoosh says so
        pickle.dump(documents, whoosh.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        whoosh.stdin.close()
    return whoosh


def finish_whoosh(whoosh: subprocess.Popen) -> tuple[str, float]:
    """Wait for `start_whoosh`'s process: what it did and its seconds; raises if it failed
    (its traceback is on the build's standard error)."""
    assert whoosh.stdout is not None  # a pipe (start_whoosh)
    said = whoosh.stdout.read()
    whoosh.stdout.close()
    if whoosh.wait() != 0:
        raise RuntimeError("Whoosh index update failed")
    done = json.loads(said)
    return done["whoosh"], done["seconds"]


def _index_in_child(settings: dict, contents: list) -> None:
    # A fork shares Pelican's pages until one side writes to them, and a collector pass
    # writes to every object it tracks: frozen, what the fork inherited is left alone. What
    # this process makes from here on is collected as usual (docs/search.md, "Cold build").
    gc.freeze()
    try:
        articles = search_articles(Path(settings["PATH"]), contents)
        report = index_and_export(settings, articles)
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    log.info("search: %d cut, %d reused", len(report.segmented), report.reused)


def finish(pelican) -> None:
    """Wait for the search index, then put its export into the output; a failure there fails
    the build. Pelican sends `finalized` only after a build that wrote everything, so a
    failed build leaves its output folder untouched by search too."""
    settings = pelican.settings
    later = settings.pop(_LATER, None)
    if later is not None:
        start_indexing(later())
    job = settings.pop(_JOB, None)
    if job is None:  # no article generator ran: index the empty site here
        index_and_export(settings, [])
    else:
        job.join()
        if job.exitcode != 0:
            raise RuntimeError("搜索索引生成失败，见上面的错误 (search index failed: see above)")
    cache = Path(settings["SEARCH_CACHE_PATH"]) / "published"
    folder = Path(settings["OUTPUT_PATH"]) / settings["SEARCH_OUTPUT_DIR"]
    publish_export(cache, folder)
    # The entry in the search page: a cold search then asks for no manifest.json.
    page = settings.get("SEARCH_SAVE_AS")
    if page and (Path(settings["OUTPUT_PATH"]) / page).is_file():
        put_entry(Path(settings["OUTPUT_PATH"]) / page, folder / "manifest.json")


def register():
    signals.article_generator_finalized.connect(gather)
    signals.finalized.connect(finish)
