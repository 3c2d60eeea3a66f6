"""kuaixun.pelican_api, our one door to Pelican's internals, on a real tiny Pelican build.

A new Pelican fails the first test: read each wrapper against the new release, run these
tests, then raise PELICAN_CHECKED.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import pytest
from pelican import Pelican, signals
from pelican.generators import ArticlesGenerator, PagesGenerator, StaticGenerator
from pelican.settings import read_settings
from pelican.utils import copy
from pelican.writers import FileOverwriteFailedError

from kuaixun import pelican_api

FILES = {
    "articles/first.md": "Title: 第一篇\nDate: 2020-11-01\nSlug: first\n\n"
    "见[第二篇]({filename}second.md)。\n",
    "articles/second.md": "Title: 第二篇\nDate: 2020-11-02\nSlug: second\n"
    "Summary: 编辑写的摘要\n\n正文。\n",
    "articles/second-en.md": "Title: The second\nDate: 2020-11-02\nSlug: second\nLang: en\n\n"
    "Text.\n",
    "articles/third.md": "Title: 第三篇\nDate: 2020-11-03\nSlug: third\n"
    "Summary: 编辑写的摘要\n\n正文。\n",
    "articles/dead-link.md": "Title: 死链\nDate: 2020-11-04\nSlug: dead-link\n\n"
    "见[不存在]({filename}missing.md)。\n",
    "articles/hidden.md": "Title: 隐藏\nDate: 2020-11-05\nSlug: hidden\nStatus: hidden\n\n正文。\n",
    "articles/draft.md": "Title: 草稿\nDate: 2020-11-06\nSlug: draft\nStatus: draft\n\n正文。\n",
    "pages/about.md": "Title: 关于\nSlug: about\n\n关于我们。\n",
    "pages/hidden-page.md": "Title: 隐藏页\nSlug: hidden-page\nStatus: hidden\n\n正文。\n",
    "pages/draft-page.md": "Title: 草稿页\nSlug: draft-page\nStatus: draft\n\n正文。\n",
}
OUR_SUMMARY = "<p>我们的摘要</p>"


class Built:
    """A finished build: its generators, and its content by slug (and language)."""

    def __init__(self, generators: list, output: Path):
        self.generators = generators
        self.output = output
        self.articles = next(g for g in generators if isinstance(g, ArticlesGenerator))
        self.pages = next(g for g in generators if isinstance(g, PagesGenerator))
        self.static = next(g for g in generators if isinstance(g, StaticGenerator))

    def content(self, slug: str, lang: str = "zh"):
        everything = pelican_api.contents_of(self.articles) + pelican_api.contents_of(self.pages)
        return next(c for c in everything if c.slug == slug and c.lang == lang)


def tiny_site(folder: Path, **overrides) -> dict:
    """FILES written under folder/content; the settings of a build of them into folder/output."""
    for name, text in FILES.items():
        (folder / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "content" / name).write_text(text, encoding="utf-8")
    return read_settings(
        override={
            "PATH": str(folder / "content"),
            "OUTPUT_PATH": str(folder / "output"),
            "ARTICLE_PATHS": ["articles"],
            "PAGE_PATHS": ["pages"],
            "DEFAULT_LANG": "zh",
            "TIMEZONE": "Asia/Shanghai",
            "PLUGINS": [],
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "FEED_ALL_ATOM": None,
            "CATEGORY_FEED_ATOM": None,
            **overrides,
        }
    )


@pytest.fixture
def built(tmp_path) -> Built:
    """A real Pelican build of FILES, no plugins. At all_generators_finalized, as a plugin
    would, it gives 第二篇 our summary with set_summary and 第三篇 one in metadata only."""
    settings = tiny_site(tmp_path)
    seen: list = []

    def as_a_plugin(generators) -> None:
        seen.extend(generators)
        articles = next(g for g in generators if isinstance(g, ArticlesGenerator))
        by_slug = {a.slug: a for a in articles.articles}
        pelican_api.set_summary(by_slug["second"], OUR_SUMMARY)
        by_slug["third"].metadata["summary"] = OUR_SUMMARY

    signals.all_generators_finalized.connect(as_a_plugin, weak=False)
    try:
        Pelican(settings).run()
    finally:
        signals.all_generators_finalized.disconnect(as_a_plugin)
    return Built(seen, tmp_path / "output")


class Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def pelican_warnings():
    """The warnings of Pelican's content logger (a LimitLogger) during the test."""
    logger = logging.getLogger("pelican.contents")
    records = Records()
    logger.addHandler(records)
    yield logger, records.messages
    logger.removeHandler(records)


def test_the_installed_pelican_is_the_one_the_wrappers_were_checked_against():
    assert version("pelican") == pelican_api.PELICAN_CHECKED, (
        "Pelican was upgraded: re-read every wrapper in kuaixun/pelican_api.py against "
        "the new release, then set PELICAN_CHECKED"
    )


def slugs(contents) -> list[tuple[str, str]]:
    return sorted((c.slug, c.lang) for c in contents)


def test_contents_of_lists_published_translated_hidden_and_draft_articles(built):
    assert slugs(pelican_api.contents_of(built.articles)) == [
        ("dead-link", "zh"),
        ("draft", "zh"),
        ("first", "zh"),
        ("hidden", "zh"),
        ("second", "en"),
        ("second", "zh"),
        ("third", "zh"),
    ]
    without_drafts = pelican_api.contents_of(built.articles, drafts=False)
    assert ("draft", "zh") not in slugs(without_drafts) and len(without_drafts) == 6


def test_contents_of_lists_published_hidden_and_draft_pages(built):
    assert slugs(pelican_api.contents_of(built.pages)) == [
        ("about", "zh"),
        ("draft-page", "zh"),
        ("hidden-page", "zh"),
    ]
    assert slugs(pelican_api.contents_of(built.pages, drafts=False)) == [
        ("about", "zh"),
        ("hidden-page", "zh"),
    ]


def test_contents_of_another_generator_is_empty(built):
    assert pelican_api.contents_of(built.static) == []


def test_draft_lists_name_the_generators_draft_lists(built):
    assert [len(getattr(built.articles, n)) for n in pelican_api.draft_lists(built.articles)] == [
        1,
        0,
    ]
    assert [len(getattr(built.pages, n)) for n in pelican_api.draft_lists(built.pages)] == [1, 0]
    assert pelican_api.draft_lists(built.static) == ()


def test_update_context_republishes_a_changed_list(built):
    built.articles.articles = built.articles.articles[:1]
    assert len(built.articles.context["articles"]) > 1
    pelican_api.update_context(built.articles, ["articles"])
    assert built.articles.context["articles"] == built.articles.articles


def test_raw_html_keeps_the_links_the_rendered_content_resolves(built):
    first = built.content("first")
    assert "{filename}second.md" in pelican_api.raw_html(first)
    assert 'href="/second.html"' in first.content


def test_set_summary_survives_pelicans_link_refresh_where_metadata_alone_does_not(built):
    assert built.content("second").summary == OUR_SUMMARY
    assert built.content("third").summary == "<p>编辑写的摘要</p>"


def test_replaced_html_shows_once_the_rendered_memo_is_forgotten(built):
    first = built.content("first")
    pelican_api.set_raw_html(first, "<p>换过的正文</p>")
    assert "第二篇" in first.content
    pelican_api.forget_rendered(first)
    assert first.content == "<p>换过的正文</p>"
    assert "正文" in built.content("second").content


def test_rewrite_before_links_runs_before_pelican_resolves_the_links(built):
    about = built.content("about")
    siteurls = []

    def add_link(html: str, siteurl: str) -> str:
        siteurls.append(siteurl)
        return html + '<a href="{filename}/articles/second.md">第二篇</a>'

    pelican_api.rewrite_before_links(about, add_link)
    pelican_api.forget_rendered(about)
    assert about.content.endswith('<a href="/second.html">第二篇</a>')
    assert siteurls == [""]
    assert "第二篇" not in built.content("hidden-page").content


def test_render_links_resolves_afresh_and_warns_every_time(built, pelican_warnings):
    logger, warnings = pelican_warnings
    dead = built.content("dead-link")
    with pelican_api.without_log_limit(logger):
        assert dead.content == dead.content  # memoized: the build's warning is not repeated
        assert warnings == []
        pelican_api.render_links(dead)
        pelican_api.render_links(dead)
    assert len(warnings) == 2 and "missing.md" in warnings[0]
    assert 'href="/second.html"' in pelican_api.render_links(built.content("first"))


def test_without_log_limit_passes_a_repeated_warning(pelican_warnings):
    logger, warnings = pelican_warnings
    message = f"kuaixun: {uuid4()}"  # new to Pelican's log in this process
    logger.warning(message)
    logger.warning(message)
    assert warnings == [message]
    with pelican_api.without_log_limit(logger):
        logger.warning(message)
    assert warnings == [message, message]


def test_forget_logged_messages_lets_pelican_log_a_warning_again(pelican_warnings):
    logger, warnings = pelican_warnings
    message = f"kuaixun: {uuid4()}"
    logger.warning(message)
    logger.warning(message)
    assert warnings == [message]
    pelican_api.forget_logged_messages()
    logger.warning(message)
    assert warnings == [message, message]


def written(folder: Path) -> dict[str, bytes]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in files}


def test_run_in_steps_writes_what_pelican_run_writes(tmp_path):
    Pelican(tiny_site(tmp_path / "run")).run()
    pelican = Pelican(tiny_site(tmp_path / "steps"))
    prepared: list = []
    generators = pelican_api.generate(pelican, prepared.append)
    assert prepared == generators and not (tmp_path / "steps" / "output").exists()
    pelican_api.write(pelican, generators)
    pelican_api.finalize(pelican)
    assert written(tmp_path / "steps" / "output") == written(tmp_path / "run" / "output")


def test_kept_contents_are_taken_instead_of_reading_the_files_again(tmp_path):
    settings = tiny_site(tmp_path)
    kept: dict = {}

    def keep_all(generator) -> None:
        pelican_api.keep_contents(generator, lambda path: None, kept.__setitem__)

    pelican_api.generate(Pelican(dict(settings)), keep_all)
    assert "articles/first.md" in kept and "pages/about.md" in kept
    (tmp_path / "content" / "articles" / "first.md").write_text("Title: 改过\n\n改过。\n")
    taken: list = []

    def take_kept(generator) -> None:
        def find(path):
            taken.append(path)
            return kept[path]

        pelican_api.keep_contents(generator, find, lambda path, content: None)
        for content in kept.values():
            pelican_api.attach(content, generator)

    generators = pelican_api.generate(Pelican(dict(settings)), take_kept)
    first = next(c for c in pelican_api.contents_of(generators[0]) if c.slug == "first")
    assert first is kept["articles/first.md"] and first.title == "第一篇"
    assert 'href="/second.html"' in first.content  # its links resolve in this run
    assert sorted(taken) == sorted(kept)


def test_write_first_writes_the_selected_pages_and_only_a_listings_first_page(tmp_path):
    pelican = Pelican(tiny_site(tmp_path, DEFAULT_PAGINATION=2))
    generators = pelican_api.generate(pelican)
    third = next(c for c in pelican_api.contents_of(generators[0]) if c.slug == "third")
    pelican_api.write_first(pelican, generators, [third], {"index.html"})
    assert sorted(written(tmp_path / "output")) == ["index.html", "third.html"]
    pelican_api.write(pelican, generators)
    assert "index2.html" in written(tmp_path / "output")


def test_forget_all_rendered_empties_the_memo_of_every_content(built):
    assert built.content("first").content
    pelican_api.forget_all_rendered()
    from pelican.contents import Content

    assert Content.get_content.cache == {} and Content.get_summary.cache == {}


def test_a_detached_content_holds_no_run(built):
    first = built.content("first")
    pelican_api.detach(first)
    assert first._context is None
    pelican_api.attach(first, built.articles)
    assert first._context is built.articles.context and first.settings is built.articles.settings


def test_the_sitemap_lists_the_pages_of_the_run_made_current(tmp_path):
    from pelican.plugins.sitemap import sitemap

    first = Pelican(tiny_site(tmp_path / "first", PLUGINS=["sitemap"]))
    try:
        pelican_api.generate(first)  # never finalized here, as the preview's server runs
        later = Pelican(tiny_site(tmp_path / "later", PLUGINS=["sitemap"]))
        generators = pelican_api.generate(later)
        pelican_api.make_current_run(later)
        pelican_api.write(later, generators)
        pelican_api.finalize(later)
    finally:  # the plugin's handlers stay connected for the process: not for other tests
        signals.get_generators.disconnect(sitemap.generator.init)
        signals.content_written.disconnect(sitemap.generator.queue_page)
        signals.finalized.disconnect(sitemap.generator.finalize)
    assert b"first.html" in (tmp_path / "later" / "output" / "sitemap.xml").read_bytes()
    assert sitemap.generator._main_pelican is None


def test_remembered_urls_hold_for_the_run_and_are_made_again_in_the_next(built):
    first = built.content("first")
    pelican_api.remember_urls([first])
    first.slug = first.metadata["slug"] = "renamed"  # too late for this run's writing
    assert first.url == "first.html" and first.save_as == "first.html"
    # The preview gives a content kept between builds the next run's context.
    next_run = SimpleNamespace(context=dict(built.articles.context), settings=first.settings)
    pelican_api.attach(first, next_run)
    assert first.url == "renamed.html"
    pelican_api.remember_urls([first])
    pelican_api.detach(first)
    assert pelican_api.URL_MEMO not in vars(first)


def test_a_fresh_files_writer_replaces_a_linked_file_instead_of_writing_through_it(tmp_path):
    previous, staging = tmp_path / "previous", tmp_path / "staging"
    previous.mkdir()
    staging.mkdir()
    (previous / "page.html").write_text("旧", encoding="utf-8")
    (staging / "page.html").hardlink_to(previous / "page.html")
    writer = pelican_api.FreshFilesWriter(str(staging), settings=read_settings(override={}))
    with writer._open_w(str(staging / "page.html"), "utf-8", override=True) as page:
        page.write("新")
    assert (previous / "page.html").read_text(encoding="utf-8") == "旧"
    assert (staging / "page.html").read_text(encoding="utf-8") == "新"


def test_a_writer_writing_by_renaming_never_shows_a_page_half_written(tmp_path):
    """The preview's server reads pages while its writer process writes them: a reader opens
    the page as it was or as it is, never a file truncated and not yet written (the preview
    served the home page empty, in CI, when it read it at that moment)."""
    page = tmp_path / "index.html"
    page.write_text("旧的一页", encoding="utf-8")
    settings = read_settings(override={pelican_api.WRITE_BY_RENAMING: True})
    writer = pelican_api.FreshFilesWriter(str(tmp_path), settings=settings)
    with page.open(encoding="utf-8") as reader:  # opened before, read after the writing began
        with writer._open_w(str(page), "utf-8") as written:
            written.write("新的")
            assert page.read_text(encoding="utf-8") == "旧的一页"  # not truncated meanwhile
            written.write("一页\n")
        assert reader.read() == "旧的一页"
    assert page.read_bytes() == "新的一页\n".encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


@pytest.mark.parametrize("by_renaming", [False, True])
def test_a_writer_writing_by_renaming_checks_a_page_written_twice_as_pelican_does(
    tmp_path, by_renaming
):
    settings = read_settings(override={pelican_api.WRITE_BY_RENAMING: by_renaming})
    writer = pelican_api.FreshFilesWriter(str(tmp_path), settings=settings)
    once, overridden = str(tmp_path / "once.html"), str(tmp_path / "overridden.html")
    with writer._open_w(once, "utf-8") as page:
        page.write("一")
    with pytest.raises(FileOverwriteFailedError, match="already written"):
        writer._open_w(once, "utf-8")
    with writer._open_w(once, "utf-8", override=True) as page:
        page.write("二")
    with writer._open_w(overridden, "utf-8", override=True) as page:
        page.write("留下")
    with writer._open_w(overridden, "utf-8") as page:  # skipped: written to os.devnull
        page.write("不写")
    with pytest.raises(FileOverwriteFailedError, match="second time"):
        writer._open_w(overridden, "utf-8", override=True)
    assert (tmp_path / "once.html").read_text(encoding="utf-8") == "二"
    assert (tmp_path / "overridden.html").read_text(encoding="utf-8") == "留下"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["once.html", "overridden.html"]


def test_a_page_failing_while_written_by_renaming_leaves_the_page_before(tmp_path):
    page = tmp_path / "index.html"
    page.write_text("旧", encoding="utf-8")
    settings = read_settings(override={pelican_api.WRITE_BY_RENAMING: True})
    writer = pelican_api.FreshFilesWriter(str(tmp_path), settings=settings)
    with pytest.raises(RuntimeError), writer._open_w(str(page), "utf-8") as written:
        written.write("半")
        raise RuntimeError("the template failed half way")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]
    assert page.read_text(encoding="utf-8") == "旧"


def test_static_files_copied_by_renaming_replace_the_file_whole(tmp_path):
    theme, output = tmp_path / "theme", tmp_path / "output"
    (theme / "css").mkdir(parents=True)
    (theme / "css" / "main.css").write_text("body{color:red}", encoding="utf-8")
    (output / "css").mkdir(parents=True)
    (output / "css" / "main.css").write_text("body{}", encoding="utf-8")
    with (output / "css" / "main.css").open(encoding="utf-8") as reader:
        with pelican_api.copies_by_renaming():
            copy(str(theme), str(output))
        assert reader.read() == "body{}"  # the file before, whole: a new one took its name
    assert (output / "css" / "main.css").read_text(encoding="utf-8") == "body{color:red}"
    assert sorted(p.name for p in (output / "css").iterdir()) == ["main.css"]
    from pelican import utils

    assert utils.copy_file is not None and "copies_by_renaming" not in utils.copy_file.__qualname__


def test_a_claimed_output_counts_as_written_and_is_announced(built, tmp_path):
    from pelican.writers import Writer

    writer = Writer(str(tmp_path), settings=built.articles.settings)
    first = built.content("first")
    path = str(tmp_path / "first.html")
    assert pelican_api.claim_output(writer, path, override=False)
    assert not pelican_api.claim_output(writer, path, override=False)
    heard = []

    def listen(sender, context):
        heard.append((sender, context["article"], context["output_file"], context["SITEURL"]))

    signals.content_written.connect(listen)
    try:
        pelican_api.announce_written(writer, "2020/first/index.html", {}, True, {"article": first})
    finally:
        signals.content_written.disconnect(listen)
    assert heard == [
        (str(tmp_path / "2020/first/index.html"), first, "2020/first/index.html", "../..")
    ]


def test_page_siteurl_is_the_one_the_page_resolves_its_links_with():
    context = {"localsiteurl": "https://example.org"}
    assert pelican_api.page_siteurl(context, "a/b/index.html", relative_urls=False) == (
        "https://example.org"
    )
    assert pelican_api.page_siteurl(context, "a/b/index.html", relative_urls=True) == "../.."
    assert context["localsiteurl"] == "../.."


def test_listing_pages_written_one_by_one_are_the_files_pelican_paginates(tmp_path):
    from pelican.writers import Writer

    settings = tiny_site(tmp_path, DEFAULT_PAGINATION=2)
    seen: list = []
    signals.all_generators_finalized.connect(seen.extend, weak=False)
    try:
        Pelican(settings).run()
    finally:
        signals.all_generators_finalized.disconnect(seen.extend)
    articles = next(g for g in seen if isinstance(g, ArticlesGenerator))
    writer = Writer(str(tmp_path / "ours"), settings=articles.settings)
    arguments = {"articles": articles.articles, "dates": articles.dates, "blog": True}
    pages = pelican_api.listing_pages(
        writer, "index.html", "index.html", None, "index", {**arguments, "page_name": "index"}
    )
    assert [name for name, _ in pages] == ["index.html", "index2.html"]
    assert [len(page["articles_page"].object_list) for _, page in pages] == [2, 2]
    template = articles.get_template("index")
    for name, page in pages:
        writer.write_file(name, template, articles.context, False, {}, None, False, **page)
        assert (tmp_path / "ours" / name).read_bytes() == (tmp_path / "output" / name).read_bytes()
    archives = pelican_api.listing_pages(writer, "archives.html", "", None, "archives", arguments)
    assert archives is None, "archives is not a paginated template"


def test_indexed_listings_hold_the_same_articles_and_answer_in_as_lists_do(built):
    generator = built.articles
    before = {
        kind: [(name, list(articles)) for name, articles in listing]
        for kind, listing in (
            ("categories", generator.categories),
            ("authors", generator.authors),
            ("tags", generator.tags.items()),
        )
    }
    pelican_api.index_listings(generator)
    after = {
        "categories": generator.categories,
        "authors": generator.authors,
        "tags": list(generator.tags.items()),
    }
    assert after == before
    assert generator.context["categories"] is generator.categories
    assert generator.context["tags"] == list(generator.tags.items())
    everything = pelican_api.contents_of(generator)
    for _category, articles in after["categories"]:
        plain = list(articles)
        assert [a for a in everything if a in articles] == [a for a in everything if a in plain]


def test_an_indexed_listing_changed_answers_in_for_what_it_holds_now(built):
    pelican_api.index_listings(built.articles)
    articles = built.articles.categories[0][1]
    first, stranger = articles[0], built.content("about")
    assert first in articles and stranger not in articles
    articles.remove(first)
    articles.append(stranger)
    assert first not in articles and stranger in articles
    articles[0] = first
    assert first in articles


def test_each_file_is_hashed_once_a_run_for_pelicans_caches_and_again_in_the_next(
    tmp_path, monkeypatch
):
    """Pelican hashes a file for its caches before reading it, after, and in its reader:
    stamp_files_once makes that once a run; a file edited between runs is read anew."""
    import pelican.cache

    opened: list[str] = []
    real_open = open

    def counting_open(name, *args, **kwargs):
        opened.append(str(name))
        return real_open(name, *args, **kwargs)

    # The stamp function opens the file by the name `open` of pelican.cache's module.
    monkeypatch.setattr(pelican.cache, "open", counting_open, raising=False)
    cached = {
        "CACHE_PATH": str(tmp_path / "cache"),
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "reader",
        "CHECK_MODIFIED_METHOD": "md5",
    }
    first = tmp_path / "content" / "articles" / "first.md"

    def hashed() -> dict[str, int]:
        counts: dict[str, int] = {}
        for name in opened:
            if name.endswith(".md"):
                counts[name] = counts.get(name, 0) + 1
        opened.clear()
        return counts

    settings = tiny_site(tmp_path, **cached)
    Pelican(dict(settings)).run()
    assert max(hashed().values()) > 1  # Pelican alone: several times a run

    signals.generator_init.connect(pelican_api.stamp_files_once)
    try:
        Pelican(dict(settings)).run()
        once = hashed()
        assert len(once) == len(FILES) and set(once.values()) == {1}
        first.write_text("Title: 改过\nDate: 2020-11-01\nSlug: first\n\n改过。\n")
        generators: list = []
        signals.all_generators_finalized.connect(generators.extend, weak=False)
        Pelican(dict(settings)).run()
    finally:
        signals.generator_init.disconnect(pelican_api.stamp_files_once)
        signals.all_generators_finalized.disconnect(generators.extend)
    assert set(hashed().values()) == {1}
    edited = next(c for c in pelican_api.contents_of(generators[0]) if c.slug == "first")
    assert edited.title == "改过"  # the new stamp missed the cache: the file read again
