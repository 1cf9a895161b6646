"""One row per event: the flat record an event dataset holds (pure functions).

    >>> from arabic_events.model.schema import Argument, Event, Mention
    >>> call = Mention("اتصال", "CONSULT", 10, 15, 0.9)
    >>> putin = Mention("بوتين", "PER", 0, 5, 0.95, ref="Vladimir Putin")
    >>> day = Mention("أمس", "DATE", 20, 23, 0.8, value="2020-10-01")
    >>> ev = Event("CONSULT", "phone", "asserted", 0.8, [call], [Argument("ACTOR", putin, 0.9), Argument("TIME", day, 0.7)])
    >>> row = event_rows({"id": "a1", "published": "2020-10-02", "outlet": "x", "url": None}, [ev])[0]
    >>> row["event_id"], row["date"], row["actor"], row["trigger_start"]
    ('a1-e1', '2020-10-01', ['Vladimir Putin'], 10)

With an :class:`~arabic_events.analysis.actors.ActorCoder`, each actor and recipient also gets
its country (ISO 3166 alpha-3) and sector, in lists parallel to the names (None where unknown):

    >>> from arabic_events.analysis.actors import ActorCoder
    >>> row = event_rows({"id": "a1", "published": "2020-10-02"}, [ev], ActorCoder.from_tsv())[0]
    >>> row["actor_country"], row["actor_sector"], row["recipient_country"]
    (['RUS'], ['government'], [])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arabic_events.model.schema import Event

if TYPE_CHECKING:
    from arabic_events.analysis.actors import ActorCode, ActorCoder

#: the columns of an event row, in order
COLUMNS = ["event_id", "article_id", "type", "mode", "modality", "date", "actor", "recipient", "place", "source",
           "topic", "confidence", "outlet", "url", "published", "trigger_text", "trigger_start", "trigger_end",
           "actor_country", "actor_sector", "recipient_country", "recipient_sector"]
#: the columns that hold lists (of strings; the code columns may hold None)
LIST_COLUMNS = ("actor", "recipient", "place", "source", "topic", "actor_country", "actor_sector",
                "recipient_country", "recipient_sector")


def _names(ev: Event, role: str) -> list[str]:
    out: list[str] = []
    for r in ev.refs(role):
        out += r if isinstance(r, list) else [r]
    return list(dict.fromkeys(out))


def _codes(ev: Event, role: str, names: list[str], coder: ActorCoder | None) -> list[ActorCode | None]:
    """The code of each name of ``role`` (parallel to ``names``): the first of its mentions that
    gets a country, else the first that gets any code."""
    if coder is None:
        return [None] * len(names)
    found: dict[str, list[ActorCode]] = {n: [] for n in names}
    for a in ev.arguments:
        if a.role != role:
            continue
        m = a.mention
        if isinstance(m.ref, list):  # one mention of several actors: code each by its name
            for name in m.ref:
                c = coder.code_name(name)
                if c is not None and name in found:
                    found[name].append(c)
            continue
        name = m.ref if m.ref is not None else m.text
        c = coder.code(m.text, m.label, m.ref)
        if c is not None and name in found:
            found[name].append(c)
    return [next((c for c in cs if c.country), cs[0] if cs else None) for cs in found.values()]


def event_date(ev: Event, published: str | None) -> str | None:
    """ISO date of an event: the first TIME argument with a day value, else the article's date."""
    for a in ev.arguments:
        v = a.mention.value
        if a.role == "TIME" and v and len(v) == 10:
            return v
    return published[:10] if published else None


def event_rows(article: dict[str, Any], events: list[Event], coder: ActorCoder | None = None) -> list[dict[str, Any]]:
    """The rows of one article's events (``article``: id, published, outlet, url); the actor
    code columns are filled by ``coder`` (all None without one)."""
    rows = []
    for k, ev in enumerate(events):
        first = min(ev.triggers, key=lambda t: t.start)
        actors, recipients = _names(ev, "ACTOR"), _names(ev, "RECIPIENT")
        a_codes, r_codes = _codes(ev, "ACTOR", actors, coder), _codes(ev, "RECIPIENT", recipients, coder)
        rows.append({
            "event_id": f"{article['id']}-e{k + 1}", "article_id": article["id"], "type": ev.type, "mode": ev.mode,
            "modality": ev.modality, "date": event_date(ev, article.get("published")),
            "actor": actors, "recipient": recipients, "place": _names(ev, "PLACE"),
            "source": _names(ev, "SOURCE"), "topic": [a.mention.text for a in ev.arguments if a.role == "TOPIC"],
            "confidence": round(float(ev.confidence), 4), "outlet": article.get("outlet"), "url": article.get("url"),
            "published": article.get("published"), "trigger_text": first.text, "trigger_start": first.start,
            "trigger_end": first.end,
            "actor_country": [c.country if c else None for c in a_codes],
            "actor_sector": [c.sector if c else None for c in a_codes],
            "recipient_country": [c.country if c else None for c in r_codes],
            "recipient_sector": [c.sector if c else None for c in r_codes],
        })
    return rows
