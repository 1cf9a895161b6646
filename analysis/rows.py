"""One row per event: the flat record an event dataset holds (pure functions).

    >>> from arabic_events.model.schema import Argument, Event, Mention
    >>> call = Mention("اتصال", "CONSULT", 10, 15, 0.9)
    >>> putin = Mention("بوتين", "PER", 0, 5, 0.95, ref="Vladimir Putin")
    >>> day = Mention("أمس", "DATE", 20, 23, 0.8, value="2020-10-01")
    >>> ev = Event("CONSULT", "phone", "asserted", 0.8, [call], [Argument("ACTOR", putin, 0.9), Argument("TIME", day, 0.7)])
    >>> row = event_rows({"id": "a1", "published": "2020-10-02", "outlet": "x", "url": None}, [ev])[0]
    >>> row["event_id"], row["date"], row["actor"], row["trigger_start"]
    ('a1-e1', '2020-10-01', ['Vladimir Putin'], 10)
"""

from __future__ import annotations

from typing import Any

from arabic_events.model.schema import Event

#: the columns of an event row, in order
COLUMNS = ["event_id", "article_id", "type", "mode", "modality", "date", "actor", "recipient", "place", "source",
           "topic", "confidence", "outlet", "url", "published", "trigger_text", "trigger_start", "trigger_end"]


def _names(ev: Event, role: str) -> list[str]:
    out: list[str] = []
    for r in ev.refs(role):
        out += r if isinstance(r, list) else [r]
    return list(dict.fromkeys(out))


def event_date(ev: Event, published: str | None) -> str | None:
    """ISO date of an event: the first TIME argument with a day value, else the article's date."""
    for a in ev.arguments:
        v = a.mention.value
        if a.role == "TIME" and v and len(v) == 10:
            return v
    return published[:10] if published else None


def event_rows(article: dict[str, Any], events: list[Event]) -> list[dict[str, Any]]:
    """The rows of one article's events (``article``: id, published, outlet, url)."""
    rows = []
    for k, ev in enumerate(events):
        first = min(ev.triggers, key=lambda t: t.start)
        rows.append({
            "event_id": f"{article['id']}-e{k + 1}", "article_id": article["id"], "type": ev.type, "mode": ev.mode,
            "modality": ev.modality, "date": event_date(ev, article.get("published")),
            "actor": _names(ev, "ACTOR"), "recipient": _names(ev, "RECIPIENT"), "place": _names(ev, "PLACE"),
            "source": _names(ev, "SOURCE"), "topic": [a.mention.text for a in ev.arguments if a.role == "TOPIC"],
            "confidence": round(float(ev.confidence), 4), "outlet": article.get("outlet"), "url": article.get("url"),
            "published": article.get("published"), "trigger_text": first.text, "trigger_start": first.start,
            "trigger_end": first.end,
        })
    return rows
