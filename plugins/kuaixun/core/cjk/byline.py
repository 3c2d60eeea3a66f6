"""Bylines: who wrote a story, as Chinese newspapers print it in the text.

A story opens with 本报讯（记者 邱东芳）, or 本报讯（记者 段雨萌、孙露 通讯员 王强）, or ends
with a line 本报记者 孙露. The reporters (记者, not 通讯员 correspondents) become the
article's authors when the front matter has no ``Authors:``, and summaries leave the
byline out.
"""

from __future__ import annotations

import re

from kuaixun.core.cjk.text import HAN_CLASS

# 本报讯, 本报平城讯, 本报11月26日讯 … followed by the credits in full- or half-width brackets.
NEWS_LEAD_RE = re.compile(r"^\s*本报[^（()\s，。]{0,10}?讯\s*[（(]([^）)]*)[）)]\s*")
NAME = f"[{HAN_CLASS}·]{{2,5}}"
# 本报记者 孙露 / 本报记者 孙露、段雨萌 at the start of a paragraph or as a whole line.
STAFF_RE = re.compile(rf"^\s*本报记者\s*({NAME}(?:[、\s]+{NAME})*)(?=\s|$)\s*")
# A credit inside the brackets: its role, then the names it covers.
CREDIT_ROLE_RE = re.compile(r"(?:本报|实习|见习|特约)?(记者|通讯员|实习生|摄影|摄)")
NAME_SEPARATORS_RE = re.compile(r"[、，,\s]+")


def reporters_in_credits(credits: str) -> list[str]:
    """记者 段雨萌、孙露 通讯员 王强 → ['段雨萌', '孙露']."""
    names: list[str] = []
    role = None
    for part in CREDIT_ROLE_RE.split(credits):
        if CREDIT_ROLE_RE.fullmatch(part):
            role = part
        elif role == "记者":
            names.extend(name for name in NAME_SEPARATORS_RE.split(part) if name)
    return names


def reporters(paragraphs: list[str]) -> list[str]:
    """Reporters named by the first byline found (opening credits, then 本报记者 lines)."""
    for paragraph in paragraphs:
        lead = NEWS_LEAD_RE.match(paragraph)
        if lead and reporters_in_credits(lead.group(1)):
            return reporters_in_credits(lead.group(1))
    for paragraph in reversed(paragraphs):
        staff = STAFF_RE.match(paragraph)
        if staff:
            return [name for name in NAME_SEPARATORS_RE.split(staff.group(1)) if name]
    return []


def strip_byline(paragraph: str) -> str:
    """The paragraph without an opening 本报讯（…） or 本报记者 … credit."""
    for pattern in (NEWS_LEAD_RE, STAFF_RE):
        paragraph = pattern.sub("", paragraph, count=1)
    return paragraph
