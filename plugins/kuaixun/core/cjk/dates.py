"""Chinese dates for templates: the Jinja filter ``zh_date``.

Pelican formats dates with strftime, whose weekday names depend on the machine's locale
(and zero-pad the day: 11月07日). Chinese readers expect 2020年11月7日 星期六 on any machine.
"""

from __future__ import annotations

import datetime as dt

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def zh_date(value: dt.date, weekday: bool = True) -> str:
    """2020-11-27 → 2020年11月27日 星期五; ``zh_date(False)`` leaves the weekday out."""
    text = f"{value.year}年{value.month}月{value.day}日"
    if weekday:
        text += " " + WEEKDAYS[value.weekday()]
    return text
