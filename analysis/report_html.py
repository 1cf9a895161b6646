"""The report's HTML, built by pure functions: highlighted right-to-left articles, the event
table and the dyad table. Every text is escaped; nothing refers to an outside resource.

Spans may nest (a TOPIC holding a GPE) or cross (layer-2 spans may overlap layer-1 spans):
:func:`mark_spans` nests ``<mark>`` elements and splits a crossing span into pieces that keep
its class and title.

    >>> mark_spans("بحث بوتين", [Mark(0, 3, "CONSULT", "CONSULT 0.90"), Mark(4, 9, "PER", "PER <ref>")])
    '<mark class="m l-CONSULT" title="CONSULT 0.90">بحث</mark> <mark class="m l-PER" title="PER &lt;ref&gt;">بوتين</mark>'
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arabic_events.analysis.report_data import Dyad
from arabic_events.model.schema import ALL_SPAN_LABELS, EVENT_TYPES, LABEL_COLORS


def esc(value: Any) -> str:
    """``html.escape`` of ``str(value)``, quotes included; ``None`` gives ``""``.

    >>> esc('<a href="x">'), esc(None)
    ('&lt;a href=&quot;x&quot;&gt;', '')
    """
    return "" if value is None else html.escape(str(value), quote=True)


@dataclass
class Mark:
    """A highlighted span: offsets into the text, its label, hover title, optional extra
    classes and element id (given to its first piece only)."""

    start: int
    end: int
    label: str
    title: str
    classes: str = ""
    anchor: str | None = None

    def open_tag(self, first: bool) -> str:
        cls = f"m l-{self.label}" + (f" {self.classes}" if self.classes else "")
        ident = f' id="{esc(self.anchor)}"' if self.anchor and first else ""
        return f'<mark class="{esc(cls)}"{ident} title="{esc(self.title)}">'


def mark_spans(text: str, marks: Sequence[Mark]) -> str:
    """``text`` escaped, with each mark's characters inside ``<mark>`` elements. Longer spans
    open first; a span still open when an inner-opened one must close is closed and reopened
    around it, so the HTML always nests.

    >>> mark_spans("abcd", [Mark(0, 3, "TOPIC", "t"), Mark(2, 4, "PER", "p")])
    '<mark class="m l-TOPIC" title="t">ab<mark class="m l-PER" title="p">c</mark></mark><mark class="m l-PER" title="p">d</mark>'
    """
    for m in marks:
        if not 0 <= m.start < m.end <= len(text):
            raise ValueError(f"mark {m.label} {m.start}-{m.end} is outside a text of {len(text)} characters")
    starts: dict[int, list[Mark]] = {}
    for m in marks:
        starts.setdefault(m.start, []).append(m)
    points = sorted({0, len(text)} | {m.start for m in marks} | {m.end for m in marks})
    out: list[str] = []
    stack: list[Mark] = []
    pos = 0
    for p in points:
        out.append(esc(text[pos:p]))
        pos = p
        if any(m.end == p for m in stack):
            reopen: list[Mark] = []
            while any(m.end == p for m in stack):
                m = stack.pop()
                out.append("</mark>")
                if m.end != p:
                    reopen.append(m)
            for m in reversed(reopen):
                out.append(m.open_tag(first=False))
                stack.append(m)
        for m in sorted(starts.get(p, []), key=lambda m: -m.end):
            out.append(m.open_tag(first=True))
            stack.append(m)
    return "".join(out)


def _conf(value: Any) -> str:
    return f" {value:.2f}" if isinstance(value, (int, float)) else ""


def _ref(ref: Any) -> str:
    return " + ".join(ref) if isinstance(ref, list) else str(ref)


def record_marks(record: Mapping[str, Any], article_id: str, anchors: Mapping[str, str] | None = None) -> list[Mark]:
    """The marks of a predicted SCHEMA record (``Document.to_record``): every span, its label
    and confidence, ``ref``/``value``, the event a trigger mentions (``ARTICLE-eN``, mode,
    modality, event confidence) and the roles a span fills. ``anchors`` maps an event id of
    the record (``e1``) to the element id its first trigger gets.

    >>> rec = {"spans": [{"id": "s1", "start": 0, "end": 3, "label": "CONSULT", "event": "e1", "mode": "phone",
    ...                   "confidence": 0.9, "event_confidence": 0.7},
    ...                  {"id": "s2", "start": 4, "end": 9, "label": "PER", "ref": "Vladimir Putin", "confidence": 0.8}],
    ...        "relations": [{"head": "s1", "tail": "s2", "label": "ACTOR", "confidence": 0.6}]}
    >>> [(m.label, m.title, m.classes) for m in record_marks(rec, "a1", {"e1": "trg-1"})]
    [('CONSULT', 'CONSULT 0.90 · event a1-e1 (phone) 0.70', 'trigger'), ('PER', 'PER 0.80 · ref: Vladimir Putin · ACTOR of a1-e1 0.60', 'arg')]
    """
    spans = {s["id"]: s for s in record.get("spans", [])}
    roles: dict[str, list[str]] = {}
    for r in record.get("relations", []):
        head = spans.get(r["head"])
        if head is not None and r["tail"] in spans:
            roles.setdefault(r["tail"], []).append(f"{r['label']} of {article_id}-{head.get('event')}{_conf(r.get('confidence'))}")
    anchors = dict(anchors or {})
    marks = []
    for s in record.get("spans", []):
        label = s["label"] if s["label"] in ALL_SPAN_LABELS else "TOPIC"
        parts = [f"{s['label']}{_conf(s.get('confidence'))}"]
        if s.get("ref") is not None:
            parts.append(f"ref: {_ref(s['ref'])}")
        if s.get("value"):
            parts.append(f"value: {s['value']}")
        anchor = None
        if s["label"] in EVENT_TYPES:
            how = ", ".join(x for x in (s.get("mode"), s.get("modality")) if x)
            parts.append(f"event {article_id}-{s.get('event')}" + (f" ({how})" if how else "")
                         + _conf(s.get("event_confidence")))
            anchor = anchors.pop(s.get("event"), None)
        parts += roles.get(s["id"], [])
        classes = "trigger" if s["label"] in EVENT_TYPES else ("arg" if s["id"] in roles else "")
        marks.append(Mark(s["start"], s["end"], label, " · ".join(parts), classes, anchor))
    return marks


def render_article(index: int, article: Mapping[str, Any], record: Mapping[str, Any] | None,
                   anchors: Mapping[str, str] | None = None) -> str:
    """One article as a ``<section id="art-INDEX">``: a header (id, date, outlet, url as text)
    and the text right to left (``dir="rtl" lang="ar"``) with its predicted spans marked."""
    marks = record_marks(record, article["id"], anchors) if record else []
    head = " · ".join(esc(x) for x in (article.get("published"), article.get("outlet"), article.get("url")) if x)
    events = len({s.get("event") for s in (record or {}).get("spans", []) if s["label"] in EVENT_TYPES})
    return (f'<section class="article" id="art-{index}"><h3><span dir="auto">{esc(article["id"])}</span> '
            f'<small>{head} · {events} event(s)</small></h3>'
            f'<div class="text" dir="rtl" lang="ar">{mark_spans(article["text"], marks)}</div></section>')


def _names(values: Any) -> str:
    return ", ".join(f'<span dir="auto">{esc(v)}</span>' for v in (values or []))


def event_table(rows: Sequence[Mapping[str, Any]], article_index: Mapping[str, int],
                trigger_anchor: Mapping[str, str]) -> str:
    """The events, one row each; the event id links to its first trigger in the article text and
    "article" to the article's section (where the article is in the report).

    >>> t = event_table([{"event_id": "a-e1", "article_id": "a", "type": "AID", "actor": ["X"], "confidence": 0.5}],
    ...                 {"a": 0}, {"a-e1": "trg-0"})
    >>> 'href="#trg-0"' in t and 'href="#art-0"' in t
    True
    """
    out = ['<table class="events"><thead><tr><th>event</th><th>date</th><th>type</th><th>mode</th><th>modality</th>'
           '<th>actors</th><th>recipients</th><th>confidence</th><th>trigger</th><th>article</th></tr></thead><tbody>']
    for r in rows:
        k = article_index.get(r["article_id"])
        anchor = trigger_anchor.get(r["event_id"])
        ev = (f'<a class="event-link" href="#{esc(anchor)}">{esc(r["event_id"])}</a>' if anchor
              else esc(r["event_id"]))
        art = f'<a class="event-link" href="#art-{k}">article</a>' if k is not None else ""
        out.append(f'<tr><td>{ev}</td><td>{esc(r.get("date"))}</td><td><span class="chip l-{esc(r["type"])}">'
                   f'{esc(r["type"])}</span></td><td>{esc(r.get("mode"))}</td><td>{esc(r.get("modality"))}</td>'
                   f'<td>{_names(r.get("actor"))}</td><td>{_names(r.get("recipient"))}</td>'
                   f'<td>{r.get("confidence", 0):.2f}</td><td dir="rtl" lang="ar">{esc(r.get("trigger_text"))}</td>'
                   f'<td>{art}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def dyad_table(dyads: Sequence[Dyad]) -> str:
    """The top dyads: the two parties (full names, Arabic where no ref), the number of events,
    their modes and first and last dates.

    >>> "<td>3</td>" in dyad_table([Dyad("A", "B", 3)])
    True
    """
    out = ['<table class="dyads"><thead><tr><th>#</th><th>party</th><th>party</th><th>events</th><th>modes</th>'
           '<th>first</th><th>last</th></tr></thead><tbody>']
    for k, d in enumerate(dyads, 1):
        modes = ", ".join(f"{m} {n}" for m, n in d.modes.most_common())
        out.append(f'<tr><td>{k}</td><td dir="auto">{esc(d.a)}</td><td dir="auto">{esc(d.b)}</td><td>{d.events}</td>'
                   f'<td>{esc(modes)}</td><td>{esc(d.first)}</td><td>{esc(d.last)}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def legend() -> str:
    """One chip per label in its colour."""
    return "".join(f'<span class="chip l-{lab}">{lab}</span> ' for lab in LABEL_COLORS)


CSS = """
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:1.5em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}h3{font-size:1em;margin:.3em 0}
h3 small{color:#666;font-weight:normal}img{max-width:100%}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px}
th{background:#f3f3f3}.note{color:#555;font-size:.9em}
.article{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:1em 0}
.article:target{border-color:#d00;box-shadow:0 0 6px #d99}
.text{white-space:pre-wrap;line-height:2.2;font-size:1.05em}
mark.m{background:var(--c);border-radius:3px;padding:1px 0;color:inherit}
mark.trigger{font-weight:bold;box-shadow:inset 0 -2px 0 rgba(0,0,0,.55)}
mark.arg{box-shadow:inset 0 -1px 0 rgba(0,0,0,.4)}
.chip{background:var(--c);border-radius:3px;padding:0 4px;font-size:.85em}
""" + "".join(f".l-{lab}{{--c:{c}}}" for lab, c in LABEL_COLORS.items())


def render_report(*, title: str, summary: str, rows: Sequence[Mapping[str, Any]],
                  articles: Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]],
                  timeline_uri: str, network_uri: str, dyads: Sequence[Dyad], notes: Sequence[str] = ()) -> str:
    """The whole self-contained page. ``articles``: (article, predicted record) pairs in
    order; figures as ``data:`` URIs."""
    article_index: dict[str, int] = {}
    trigger_anchor: dict[str, str] = {}
    sections = []
    for k, (art, rec) in enumerate(articles):
        article_index.setdefault(art["id"], k)
        anchors = {}
        for s in (rec or {}).get("spans", []):
            if s["label"] in EVENT_TYPES and s.get("event") not in anchors:
                anchors[s.get("event")] = f"trg-{k}-{s.get('event')}"
                trigger_anchor.setdefault(f"{art['id']}-{s.get('event')}", anchors[s.get("event")])
        sections.append(render_article(k, art, rec, anchors))
    notes_html = "".join(f'<p class="note">{esc(n)}</p>' for n in notes)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f'<style>{CSS}</style></head><body><h1>{esc(title)}</h1><p>{esc(summary)}</p>{notes_html}'
            f'<h2>Events per type per week</h2><img alt="events per type per week" src="{timeline_uri}">'
            f'<h2>Who talked to whom</h2><img alt="CONSULT network" src="{network_uri}">'
            '<p class="note">Figures show canonical English names (ref); names without one are transliterated '
            'and marked ~. The table gives them as written.</p>'
            f'<h2>Top dyads (CONSULT)</h2>{dyad_table(dyads)}'
            f'<h2>Events</h2>{event_table(rows, article_index, trigger_anchor)}'
            f'<h2>Articles</h2><p class="note">Hover a highlight for its label, confidence, ref and roles. '
            f'Triggers are bold.</p><p>{legend()}</p>{"".join(sections)}</body></html>\n')
