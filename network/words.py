"""Small helpers that put counts and amounts into the words people read ("1 year", "3 members").

>>> count(1, "year"), count(3, "member"), count(2, "person", "people")
('1 year', '3 members', '2 people')
>>> years(1), years(4.0), years(2.5)
('1 year', '4 years', '2.5 years')
"""

from __future__ import annotations

import re
from collections.abc import Mapping


def count(n: float, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, singular for exactly 1 (``1 member``), plural otherwise (``0 members``, ``1.5 years``)."""
    shown = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{shown} {noun if n == 1 else plural or noun + 's'}"


#: Small numbers as people write them in a sentence (``five weekly times``); larger ones stay in digits.
_SPELLED = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def spelled(n: int) -> str:
    """A whole number as written in running text: ``five`` up to twenty, digits beyond (``21``).

    >>> spelled(5), spelled(21)
    ('five', '21')
    """
    return _SPELLED[n] if 0 <= n < len(_SPELLED) else str(n)


def years(value: float, digits: int = 1) -> str:
    """An amount of years rounded to ``digits`` decimals, whole numbers without decimals: ``1 year``, ``4.5 years``."""
    rounded = round(float(value), digits)
    return count(int(rounded) if rounded.is_integer() else rounded, "year")


def name_ids(message: str, names: Mapping[str, str]) -> str:
    """``message`` with each key of ``names`` (an id, or a phrase such as ``set <id>``) replaced by its words, longest first.

    The stores word their refusals with ids, which suits the API and the command line; pages and
    views that know the names pass them through here.

    >>> name_ids("a-7 is at capacity; set s-1 is full", {"a-7": "Sam Patel", "set s-1": "Tuesday"})
    'Sam Patel is at capacity; Tuesday is full'
    """
    for key in sorted(names, key=len, reverse=True):
        message = re.sub(rf"(?<![\w-]){re.escape(key)}(?![\w-])", lambda _m, key=key: names[key], message)
    return message
