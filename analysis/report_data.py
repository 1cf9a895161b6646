"""What the HTML report shows, as pure functions over event rows (:mod:`arabic_events.analysis.rows`).

Weekly counts per event type, the who-talked-to-whom dyads of CONSULT events, and Latin labels
for figures (matplotlib neither joins nor reorders Arabic letters, so figures show a name's
canonical English ``ref`` and a transliteration, marked ``~``, where an actor has none).

    >>> rows = [{"type": "CONSULT", "date": "2020-10-01", "mode": "phone", "actor": ["Vladimir Putin", "Alexander Lukashenko"], "recipient": []},
    ...         {"type": "CONSULT", "date": "2020-10-07", "mode": "visit", "actor": ["Vladimir Putin"], "recipient": ["Alexander Lukashenko"]},
    ...         {"type": "AID", "date": None, "mode": None, "actor": ["Russia"], "recipient": ["Belarus"]}]
    >>> weekly_counts(rows)
    {'2020-09-28': {'CONSULT': 1}, '2020-10-05': {'CONSULT': 1}}
    >>> dyad_counts(rows)
    Counter({('Alexander Lukashenko', 'Vladimir Putin'): 2})
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
# one Latin spelling per Arabic (and Persian) letter; short vowels and other marks are dropped
_LATIN = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h",
    "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t",
    "ظ": "z", "ع": "'", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ک": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "ة": "a", "و": "w", "ؤ": "'", "ي": "y", "ی": "y", "ى": "a", "ئ": "'", "ء": "'", "پ": "p",
    "چ": "ch", "ژ": "zh", "گ": "g", "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6",
    "٧": "7", "٨": "8", "٩": "9", "،": ",", "؛": ";", "؟": "?",
}


def week_start(date: str) -> str:
    """The Monday (ISO week start) of an ISO date ``YYYY-MM-DD``.

    >>> week_start("2020-10-04"), week_start("2020-10-05")
    ('2020-09-28', '2020-10-05')
    """
    day = dt.date.fromisoformat(date[:10])
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def weekly_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Events per type per week: ``{monday: {type: count}}``, every week from the first to the
    last dated event in order (a week without events maps to ``{}``); undated events are left
    out (count them with :func:`undated_count`).

    >>> weekly_counts([{"type": "AID", "date": "2020-01-01"}, {"type": "AID", "date": "2020-01-15"}])
    {'2019-12-30': {'AID': 1}, '2020-01-06': {}, '2020-01-13': {'AID': 1}}
    """
    out: dict[str, Counter] = {}
    for r in rows:
        if r.get("date"):
            out.setdefault(week_start(r["date"]), Counter())[r["type"]] += 1
    if not out:
        return {}
    week, last = dt.date.fromisoformat(min(out)), dt.date.fromisoformat(max(out))
    dense = {}
    while week <= last:
        dense[week.isoformat()] = dict(sorted(out.get(week.isoformat(), Counter()).items()))
        week += dt.timedelta(days=7)
    return dense


def undated_count(rows: Iterable[Mapping[str, Any]]) -> int:
    """Events without a date (neither a TIME argument with a day nor an article date).

    >>> undated_count([{"date": None}, {"date": "2020-01-01"}])
    1
    """
    return sum(1 for r in rows if not r.get("date"))


def participants(row: Mapping[str, Any]) -> list[str]:
    """The distinct parties of an event: its actors, then its recipients.

    >>> participants({"actor": ["A", "B"], "recipient": ["B", "C"]})
    ['A', 'B', 'C']
    """
    return list(dict.fromkeys([*(row.get("actor") or []), *(row.get("recipient") or [])]))


def dyad_counts(rows: Iterable[Mapping[str, Any]], types: tuple[str, ...] = ("CONSULT",)) -> Counter:
    """Events of ``types`` per unordered pair of parties (names sorted within a pair). In a
    call or a reciprocal meeting every party is an ACTOR (PLOVER), so a dyad is any two parties
    of one event; an event with three parties adds one to each of its three pairs."""
    out: Counter = Counter()
    for r in rows:
        if r["type"] in types:
            out.update(itertools.combinations(sorted(participants(r)), 2))
    return out


@dataclass
class Dyad:
    """One pair of parties with the events that joined them."""

    a: str
    b: str
    events: int = 0
    modes: Counter = field(default_factory=Counter)
    first: str | None = None
    last: str | None = None


def top_dyads(rows: Iterable[Mapping[str, Any]], n: int = 20, types: tuple[str, ...] = ("CONSULT",)) -> list[Dyad]:
    """The ``n`` pairs with most events of ``types`` (ties by name), with their modes and
    first and last dates.

    >>> d = top_dyads([{"type": "CONSULT", "date": "2020-10-07", "mode": "visit", "actor": ["B", "A"]},
    ...                {"type": "CONSULT", "date": "2020-10-01", "mode": "phone", "actor": ["A"], "recipient": ["B"]}])[0]
    >>> (d.a, d.b, d.events, dict(d.modes), d.first, d.last)
    ('A', 'B', 2, {'visit': 1, 'phone': 1}, '2020-10-01', '2020-10-07')
    """
    by_pair: dict[tuple[str, str], Dyad] = {}
    for r in rows:
        if r["type"] not in types:
            continue
        for a, b in itertools.combinations(sorted(participants(r)), 2):
            d = by_pair.setdefault((a, b), Dyad(a, b))
            d.events += 1
            d.modes[r.get("mode") or "none"] += 1
            date = r.get("date")
            if date:
                d.first = min(d.first or date, date)
                d.last = max(d.last or date, date)
    return sorted(by_pair.values(), key=lambda d: (-d.events, d.a, d.b))[:n]


def romanize(text: str) -> str:
    """A plain Latin transliteration of Arabic letters (one spelling per letter, no vowels
    added); other characters are kept.

    >>> romanize("بوتين")
    'bwtyn'
    >>> romanize("الشيخ تميم")
    'alshykh tmym'
    """
    return "".join(_LATIN.get(c, "" if "\u064b" <= c <= "\u065f" or c in "\u0640\u0670" else c) for c in text)


def plot_label(name: str) -> str:
    """The label a figure shows for a party: the name itself when it has no Arabic letters (a
    canonical English ``ref``), else its transliteration marked with ``~``.

    >>> plot_label("Recep Tayyip Erdoğan"), plot_label("الكرملين")
    ('Recep Tayyip Erdoğan', '~alkrmlyn')
    """
    return "~" + romanize(name) if _ARABIC.search(name) else name
