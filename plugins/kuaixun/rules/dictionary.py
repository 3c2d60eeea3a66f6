"""The editors' search dictionary (content/search/userdict.txt) read as the search reads it
(core/search/userdict.py): a line it would leave out, a frequency past any real word's, or a
file not in UTF-8 is a problem with its line and fix. Before, such a line was dropped in
silence, and a GBK file or a frequency of 30 digits stopped the search's process with a
traceback the build called a bug in the site code."""

from __future__ import annotations

from collections.abc import Iterator

from kuaixun.core.problems import Problem
from kuaixun.core.search.userdict import MAX_FREQUENCY, dictionary_path, parse
from kuaixun.rules.metadata import encoding_problem
from kuaixun.rules.registry import Site, decode


def user_dictionary_is_well_formed(site: Site) -> Iterator[Problem]:
    path = dictionary_path({**site.settings, "PATH": site.root})
    if not path.is_file():
        return
    data = path.read_bytes()
    text, encoding = decode(data)
    shown = site.shown(path)
    if encoding != "utf-8":
        yield encoding_problem(shown, encoding, data)
        return
    for number, line in parse(text)[1]:
        yield Problem(
            shown,
            number,
            f"这一行不是词典的格式 (not a dictionary line): {line[:40]}",
            f"写成“词语 词频 词性”，例如 平城区 2000 ns：用空格隔开，词频是不超过 {MAX_FREQUENCY} "
            "的整数，词频和词性可以不写 (word, frequency, part of speech)",
        )
