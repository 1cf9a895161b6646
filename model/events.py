"""From per-window predictions (mentions, roles, same-event scores, modes) to events. Pure.

    >>> m = [Mention("بحث", "CONSULT", 0, 3, .9), Mention("بوتين", "PER", 4, 9, .8, ref="Vladimir Putin")]
    >>> w = WindowResult(m, relations=[(0, 1, "ACTOR", .7)], modes={0: ("phone", .6)})
    >>> [(e.type, e.mode, e.refs("ACTOR")) for e in assemble_events([w])]
    [('CONSULT', 'phone', ['Vladimir Putin'])]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .decoding import group_triggers
from .schema import EVENT_TYPES, Argument, Event, Mention


@dataclass
class WindowResult:
    """Predictions of one window; indices refer to ``mentions``."""

    mentions: list[Mention]
    relations: list[tuple[int, int, str, float]] = field(default_factory=list)
    coref: dict[tuple[int, int], float] = field(default_factory=dict)
    modes: dict[int, tuple[str | None, float]] = field(default_factory=dict)
    modalities: dict[int, tuple[str, float]] = field(default_factory=dict)


def _actor_keys(event: Event) -> set[str]:
    keys: set[str] = set()
    for ref in event.refs("ACTOR"):
        keys.update(ref if isinstance(ref, list) else [ref])
    return keys


def event_confidence(trigger_conf: list[float], actor_conf: list[float], a: float = 1.0, b: float = 0.0) -> float:
    """Platt-scaled confidence of an event from its best trigger and its actor links.

    >>> round(event_confidence([0.9], [0.8]), 2)
    0.72
    """
    raw = max(trigger_conf) * (float(np.mean(actor_conf)) if actor_conf else 0.5)
    raw = min(max(raw, 1e-6), 1 - 1e-6)
    logit = math.log(raw / (1 - raw))
    return 1 / (1 + math.exp(-(a * logit + b)))


def assemble_events(windows: list[WindowResult], coref_threshold: float = 0.5, require_actor: bool = False,
                    platt: tuple[float, float] = (1.0, 0.0)) -> list[Event]:
    """Group triggers into events per window, attach arguments, then merge across windows
    the events of one type whose actor sets are equal and non-empty."""
    events: list[tuple[Event, list[float], list[float]]] = []
    for w in windows:
        trig = [i for i, m in enumerate(w.mentions) if m.label in EVENT_TYPES]
        if not trig:
            continue
        n = len(trig)
        pos = {m: k for k, m in enumerate(trig)}
        same = np.eye(n)
        for (i, j), p in w.coref.items():  # sparse: only the scored pairs
            if i in pos and j in pos:
                same[pos[i], pos[j]] = same[pos[j], pos[i]] = p
        rel_by_head: dict[int, list[tuple[int, int, str, float]]] = {}
        for rel in w.relations:
            rel_by_head.setdefault(rel[0], []).append(rel)
        for cluster in group_triggers([w.mentions[trig[k]].label for k in range(n)], same, coref_threshold):
            members = [trig[k] for k in cluster]
            ev = Event(type=w.mentions[members[0]].label, triggers=[w.mentions[i] for i in members])
            seen: set[tuple[str, int, int]] = set()
            actor_conf: list[float] = []
            for _, tail, role, prob in (r for i in members for r in rel_by_head.get(i, [])):
                m = w.mentions[tail]
                key = (role, m.start, m.end)
                if key in seen:
                    continue
                seen.add(key)
                ev.arguments.append(Argument(role, m, prob))
                if role == "ACTOR":
                    actor_conf.append(prob)
            mode_votes: dict[str | None, float] = {}
            for i in members:
                mode, p = w.modes.get(i, (None, 0.0))
                mode_votes[mode] = mode_votes.get(mode, 0.0) + p
            ev.mode = max(mode_votes, key=lambda k: mode_votes[k]) if mode_votes else None
            if ev.type == "CONSULT" and ev.mode is None:
                ev.mode = "unspecified"
            mod_votes: dict[str, float] = {}
            for i in members:
                mod, p = w.modalities.get(i, ("asserted", 1.0))
                mod_votes[mod] = mod_votes.get(mod, 0.0) + p
            ev.modality = max(mod_votes, key=lambda k: mod_votes[k]) if mod_votes else "asserted"
            events.append((ev, [t.confidence for t in ev.triggers], actor_conf))
    merged: list[tuple[Event, list[float], list[float], set[tuple[str, int, int]]]] = []
    by_key: dict[tuple[str, frozenset[str]], tuple[Event, list[float], list[float], set[tuple[str, int, int]]]] = {}
    for ev, tconf, aconf in events:
        keys = frozenset(_actor_keys(ev))
        target = by_key.get((ev.type, keys)) if keys else None
        if target is None:
            item = (ev, list(tconf), list(aconf), {(a.role, a.mention.start, a.mention.end) for a in ev.arguments})
            merged.append(item)
            if keys:
                by_key[(ev.type, keys)] = item
            continue
        tev, have = target[0], target[3]
        tev.triggers += ev.triggers
        for a in ev.arguments:
            key = (a.role, a.mention.start, a.mention.end)
            if key not in have:
                have.add(key)
                tev.arguments.append(a)
        target[1].extend(tconf)
        target[2].extend(aconf)
    out = []
    for ev, tconf, aconf, _ in merged:
        if require_actor and not ev.refs("ACTOR"):
            continue
        ev.triggers.sort(key=lambda m: m.start)
        ev.arguments.sort(key=lambda a: (a.mention.start, a.role))
        ev.confidence = event_confidence(tconf, aconf, *platt)
        out.append(ev)
    out.sort(key=lambda e: e.triggers[0].start)
    return out
