"""Cross-article event deduplication: rows of many articles in, one row per real-world event out.

Two rows (``analysis/rows.py``) report the same event when (the rule, measured on the
hand-checked set ``analysis/dedup_set.json``; README "Cross-article deduplication"):

- they come from different articles, have the same type, and for CONSULT the same mode;
- their parties, ACTOR ∪ RECIPIENT, are the same set. A party is compared by its canonical
  name (a linked ``ref``: a name in Latin script), or, for a surface text the linker did not
  resolve, by its country and sector ("الرئيس الروسي" = RUS/government matches "Vladimir Putin"
  when the gazetteer codes him RUS/government); a surface with no country compares by its text.
  Within one row, an unresolved party whose country and sector a named party has is that party;
- for types other than CONSULT, when both rows have recipients, the actors match too (a
  reciprocal act, "Russia expels US diplomats" after "the US expels Russian diplomats", is
  another event);
- their dates agree: a date the text gives (a TIME argument: ``date`` differs from
  ``published``) is that day; a date that fell back to the publication day stands for that day
  or the ``report_lag_days`` before it (an event is reported the day it happens or the next).
  Every row of a merged event must agree with one common day, so a call reported on Sunday and
  another one a week (or a day) later between the same leaders stay two events.

Merging is union-find over the candidate pairs in a fixed order (pairs with more text-given
dates first, then by date gap, then by event id), a merge accepted only when every pair across
the two groups passes the rule (complete linkage): the output does not depend on input order.

    >>> def row(eid, day, actors, published=None):
    ...     return {"event_id": eid, "article_id": eid[:2], "type": "CONSULT", "mode": "phone", "date": day,
    ...             "published": published or day, "actor": actors, "recipient": [],
    ...             "actor_country": [None] * len(actors), "actor_sector": [None] * len(actors),
    ...             "recipient_country": [], "recipient_sector": []}
    >>> rows = [row("a1-e1", "2018-04-06", ["Emmanuel Macron", "Vladimir Putin"]),
    ...         row("b1-e1", "2018-04-07", ["Vladimir Putin", "Emmanuel Macron"]),
    ...         row("c1-e1", "2018-04-13", ["Emmanuel Macron", "Vladimir Putin"])]
    >>> [m["merged_from"] for m in dedup_rows(rows)]
    [['a1-e1', 'b1-e1'], ['c1-e1']]
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

from arabic_events.analysis.actors import alias_key

#: days between an event and its report: a date that fell back to the publication day stands
#: for that day or this many days before (measured: README "Cross-article deduplication")
REPORT_LAG_DAYS = 1
_ARABIC = re.compile(r"[\u0600-\u06ff]")
#: the columns of a merged row, in order
MERGED_COLUMNS = ["event_id", "type", "mode", "modality", "date", "date_last", "actor", "recipient", "place",
                  "source", "topic", "confidence", "actor_country", "actor_sector", "recipient_country",
                  "recipient_sector", "n_articles", "article_ids", "outlets", "urls", "published", "merged_from"]


class Party(NamedTuple):
    """One party of an event: ``key`` is the canonical name, or ``~`` + the folded surface."""

    key: str
    named: bool
    country: str | None
    sector: str | None


def is_canonical(name: str) -> bool:
    """A name the linker resolved (the gazetteer's and annotators' names are in Latin script).

        >>> is_canonical("Vladimir Putin"), is_canonical("الرئيس الروسي")
        (True, False)
    """
    return not _ARABIC.search(name)


def parties(row: dict[str, Any]) -> frozenset[Party]:
    """The parties of a row (ACTOR ∪ RECIPIENT), an unresolved one dropped where a named one
    with its country and sector is there."""
    return _parties(row, ("actor", "recipient"))


def _parties(row: dict[str, Any], sides: tuple[str, ...]) -> frozenset[Party]:
    out: set[Party] = set()
    for side in sides:
        names = row.get(side) or []
        countries = row.get(f"{side}_country") or [None] * len(names)
        sectors = row.get(f"{side}_sector") or [None] * len(names)
        for name, c, s in zip(names, countries, sectors):
            named = is_canonical(name)
            key = name if named else "~" + "".join(alias_key(w) for w in name.split())
            out.add(Party(key, named, c, s))
    codes = {(p.country, p.sector) for p in out if p.named and p.country}
    return frozenset(p for p in out if p.named or not p.country or (p.country, p.sector) not in codes)


def same_parties(a: frozenset[Party], b: frozenset[Party]) -> bool:
    """Equal as sets of parties: names equal, or an unresolved party (with a country) matched
    by country and sector to one on the other side.

        >>> putin = Party("Vladimir Putin", True, "RUS", "government")
        >>> role = Party("~رءيسروسي", False, "RUS", "government")
        >>> luka = Party("Alexander Lukashenko", True, "BLR", "government")
        >>> same_parties(frozenset({putin, luka}), frozenset({role, luka})), same_parties(frozenset({putin}), frozenset({luka}))
        (True, False)
    """
    if not a or not b:
        return False
    rest_a, rest_b = a - b, b - a
    if not rest_a and not rest_b:
        return True
    if any(not p.country for p in rest_a | rest_b):
        return False
    code = lambda ps: Counter((p.country, p.sector) for p in ps)  # noqa: E731
    return (code(p for p in rest_a if p.named) == code(p for p in rest_b if not p.named)
            and code(p for p in rest_a if not p.named) == code(p for p in rest_b if p.named))


def date_range(row: dict[str, Any], report_lag_days: int = REPORT_LAG_DAYS) -> tuple[dt.date, dt.date] | None:
    """The days a row's event may have happened on (None without a date).

        >>> date_range({"date": "2018-04-08", "published": "2018-04-09"})
        (datetime.date(2018, 4, 8), datetime.date(2018, 4, 8))
        >>> [str(d) for d in date_range({"date": "2018-04-09", "published": "2018-04-09"})]
        ['2018-04-08', '2018-04-09']
    """
    day = (row.get("date") or "")[:10]
    if len(day) != 10:
        return None
    d = dt.date.fromisoformat(day)
    if day == (row.get("published") or "")[:10]:
        return d - dt.timedelta(days=report_lag_days), d
    return d, d


class _Row(NamedTuple):
    row: dict[str, Any]
    parties: frozenset[Party]
    actors: frozenset[Party]
    days: tuple[dt.date, dt.date]


def _compatible(x: _Row, y: _Row) -> bool:
    a, b = x.row, y.row
    if a["article_id"] == b["article_id"] or a["type"] != b["type"]:
        return False
    if a["type"] == "CONSULT" and a.get("mode") != b.get("mode"):
        return False
    if not same_parties(x.parties, y.parties):
        return False
    if a["type"] != "CONSULT" and a.get("recipient") and b.get("recipient") and not same_parties(x.actors, y.actors):
        return False
    return True


def _item(row: dict[str, Any], report_lag_days: int = REPORT_LAG_DAYS) -> _Row | None:
    days = date_range(row, report_lag_days)
    ps = parties(row)
    if days is None or not ps:
        return None
    return _Row(row, ps, _parties(row, ("actor",)), days)


def compatible(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two rows may report one event, dates aside (articles, type, mode, parties)."""
    x, y = _item(a), _item(b)
    return x is not None and y is not None and _compatible(x, y)


def _block(x: _Row) -> tuple[Any, ...]:
    """Rows that can match share this key (type, mode, the sorted countries or names of parties)."""
    toks = sorted(p.country or p.key for p in x.parties)
    return (x.row["type"], x.row.get("mode") if x.row["type"] == "CONSULT" else None, tuple(toks))


def clusters(rows: list[dict[str, Any]], report_lag_days: int = REPORT_LAG_DAYS) -> list[list[int]]:
    """Indexes of ``rows`` grouped by real-world event; groups ordered by their first row."""
    items: dict[int, _Row] = {}
    for k, r in enumerate(rows):
        x = _item(r, report_lag_days)
        if x is not None:
            items[k] = x
    blocks: dict[tuple[Any, ...], list[int]] = {}
    for k, x in items.items():
        blocks.setdefault(_block(x), []).append(k)
    edges = []
    for ks in blocks.values():
        ks.sort(key=lambda k: (items[k].days, k))
        for n, i in enumerate(ks):
            x = items[i]
            for j in ks[n + 1:]:
                y = items[j]
                if y.days[0] > x.days[1]:  # sorted by first day: no later row overlaps x
                    break
                if not _compatible(x, y):
                    continue
                given = (x.days[0] == x.days[1]) + (y.days[0] == y.days[1])
                gap = abs((x.days[1] - y.days[1]).days)
                edges.append((-given, gap, tuple(sorted((x.row["event_id"], y.row["event_id"]))), i, j))
    edges.sort()
    parent = {k: k for k in range(len(rows))}
    members = {k: [k] for k in range(len(rows))}
    span = {k: items[k].days for k in items}

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for *_, i, j in edges:
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        lo, hi = max(span[ri][0], span[rj][0]), min(span[ri][1], span[rj][1])
        if lo > hi or not all(_compatible(items[p], items[q]) for p in members[ri] for q in members[rj]):
            continue
        root, other = min(ri, rj), max(ri, rj)
        parent[other] = root
        members[root] += members.pop(other)
        span[root] = (lo, hi)
    return sorted((sorted(ms) for ms in members.values()), key=lambda ms: ms[0])


def _union(lists: Iterable[list[Any]]) -> list[Any]:
    return list(dict.fromkeys(x for xs in lists for x in (xs or [])))


def _merge_side(group: list[dict[str, Any]], side: str) -> tuple[list[str], list[Any], list[Any]]:
    names: dict[str, tuple[Any, Any]] = {}
    for r in group:
        n = r.get(side) or []
        for name, c, s in zip(n, r.get(f"{side}_country") or [None] * len(n), r.get(f"{side}_sector") or [None] * len(n)):
            if name not in names or names[name][0] is None:
                names[name] = (c, s)
    return list(names), [v[0] for v in names.values()], [v[1] for v in names.values()]


def merge_group(group: list[dict[str, Any]]) -> dict[str, Any]:
    """One row for the rows of one event (ordered by date, then event id)."""
    group = sorted(group, key=lambda r: ((r.get("date") or ""), r["event_id"]))
    actor, a_c, a_s = _merge_side(group, "actor")
    recipient, r_c, r_s = _merge_side(group, "recipient")
    dates = [r["date"] for r in group if r.get("date")]
    modality = Counter(r.get("modality") for r in group).most_common(1)[0][0]
    return {
        "event_id": group[0]["event_id"] if len(group) == 1 else f"{group[0]['event_id']}+{len(group) - 1}",
        "type": group[0]["type"], "mode": group[0].get("mode"), "modality": modality,
        "date": min(dates) if dates else None, "date_last": max(dates) if dates else None,
        "actor": actor, "recipient": recipient,
        "place": _union(r.get("place") for r in group), "source": _union(r.get("source") for r in group),
        "topic": _union(r.get("topic") for r in group),
        "confidence": max((r.get("confidence") or 0.0) for r in group),
        "actor_country": a_c, "actor_sector": a_s, "recipient_country": r_c, "recipient_sector": r_s,
        "n_articles": len({r["article_id"] for r in group}),
        "article_ids": [r["article_id"] for r in group], "outlets": [r.get("outlet") for r in group],
        "urls": [r.get("url") for r in group], "published": [r.get("published") for r in group],
        "merged_from": [r["event_id"] for r in group],
    }


def dedup_rows(rows: list[dict[str, Any]], report_lag_days: int = REPORT_LAG_DAYS) -> list[dict[str, Any]]:
    """One merged row per real-world event (see the module docstring), ordered by date, then id."""
    merged = [merge_group([rows[k] for k in ks]) for ks in clusters(rows, report_lag_days)]
    return sorted(merged, key=lambda m: (m["date"] or "", m["event_id"]))
