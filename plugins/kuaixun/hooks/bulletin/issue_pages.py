"""The Pelican edge of the issues (期): join the built articles to their issues and write
the archive (issues/), each issue's table of contents (issues/N/) and its printable
edition (issues/N/print/). The rules live in bulletin.issues; the content check
(kuaixun.rules.issues) reports bad issues before anything is written.
"""

from __future__ import annotations

from pathlib import Path

from pelican.generators import Generator

from kuaixun.core.addresses import ISSUE_LIST
from kuaixun.core.frontmatter import header_line
from kuaixun.core.issues import (
    DEFAULT_SETTINGS,
    ArticleRef,
    join_articles,
    link_issues,
    load_issues,
    own_ids,
    split_lead_paragraph,
)
from kuaixun.core.markdown import markdown_renderer
from kuaixun.core.problems import defer, display_path


def issue_settings(settings: dict) -> dict:
    return {key: settings.get(key, default) for key, default in DEFAULT_SETTINGS.items()}


def shown_articles(context: dict, settings: dict) -> list:
    """Published articles with an Issue:, plus drafts in a preview (marked 草稿 by the theme)."""
    articles = list(context.get("articles", []))
    if settings.get("SHOW_DRAFTS"):
        articles += [a for a in context.get("drafts", []) if a not in articles]
    return [a for a in articles if getattr(a, "issue", None)]


def article_ref(article, root: Path) -> ArticleRef:
    source = Path(article.source_path)
    line = header_line(source.read_text(encoding="utf-8"), "issue")
    names = (source.stem, article.slug)
    return ArticleRef(display_path(source, root), line, str(article.issue), names, article.date)


class IssuesGenerator(Generator):
    """Runs after the articles generator, so the articles are read and their slugs settled."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A filter, not a precomputed list: article.content must be read while its own page
        # is being written, so its relative links ({static} images) fit that page's depth.
        self.env.filters["split_lead_paragraph"] = split_lead_paragraph
        self.env.filters["own_ids"] = own_ids

    def generate_context(self):
        settings = issue_settings(self.settings)
        root = Path(self.path)
        render = markdown_renderer(self.settings)
        by_number, problems = load_issues(
            root / settings["ISSUES_PATH"], lambda p: display_path(p, root), render
        )
        # Deferred, never raised: the strict build reports them with every other problem of
        # the build (the content check finds the same ones; equal problems are listed once).
        defer(self.context, problems)
        articles = shown_articles(self.context, self.settings)
        join_articles(by_number, [(article_ref(a, root), a) for a in articles])
        self.issues = link_issues(by_number, settings)
        for issue in self.issues:
            for article in issue.articles:
                article.issue = issue  # templates: article.issue.title, article.issue.url
        self.context["issues"] = list(reversed(self.issues))
        self.context["latest_issue"] = self.issues[-1] if self.issues else None
        self.context["ISSUES_URL"] = settings["ISSUES_URL"]

    def output_paths(self):
        """(save_as, what, source) of every file generate_output writes, so the strict build
        can report a page or article claiming the same path (bulletin.collisions)."""
        settings = issue_settings(self.settings)
        if self.issues:
            yield settings["ISSUES_SAVE_AS"], ISSUE_LIST, None
        for issue in self.issues:
            yield issue.save_as, f"第{issue.number}期目录", issue.source
            yield issue.print_save_as, f"第{issue.number}期印刷版", issue.source

    def generate_output(self, writer):
        settings = issue_settings(self.settings)
        relative = self.settings["RELATIVE_URLS"]
        if self.issues:
            writer.write_file(
                settings["ISSUES_SAVE_AS"],
                self.get_template("issues"),
                self.context,
                relative,
                url=settings["ISSUES_URL"],
            )
        for issue in self.issues:
            writer.write_file(
                issue.save_as,
                self.get_template("issue"),
                self.context,
                relative,
                url=issue.url,
                issue=issue,
            )
            writer.write_file(
                issue.print_save_as,
                self.get_template("issue_print"),
                self.context,
                relative,
                url=issue.print_url,
                issue=issue,
            )


def get_generators(pelican):
    return IssuesGenerator
