"""A keyword rule for CONSULT events: a call, meeting or talks word, and two parties named in
the same sentence, is a CONSULT event with those parties as ACTORs.

Parties are found by the actor alias table of the training articles (every PER, ROLE and GPE
name they annotate, spelling variants folded) and a title lexicon; a title directly before a
linked name takes its ref, as in the extractor. Mentions of one ref are one party. People come
first; states fill in when fewer than two people are named.

    >>> from arabic_events.model.linking import AliasTable, alias_key
    >>> table = AliasTable({"PER": {alias_key("بوتين"): "Vladimir Putin", alias_key("أردوغان"): "Recep Tayyip Erdoğan"}})
    >>> rule = KeywordConsult(table)
    >>> [(e.type, e.mode, e.refs("ACTOR")) for e in rule.extract("بحث بوتين وأردوغان في اتصال هاتفي الوضع في سوريا")]
    [('CONSULT', 'phone', ['Vladimir Putin', 'Recep Tayyip Erdoğan'])]
"""

from __future__ import annotations

from typing import Any

from arabic_events.model.extractor import Document
from arabic_events.model.linking import AliasTable, alias_key
from arabic_events.model.schema import Argument, Event, Mention
from arabic_events.model.text import normalize, split_sentences
from arabic_events.training.baselines.words import words_of

#: trigger words (normalised, one leading clitic tolerated) and the mode each implies
PHONE = ("اتصال", "اتصالا", "هاتفي", "هاتفيا", "هاتفيه", "مكالمه", "المكالمه", "الاتصال", "اتصالات")
VISIT = ("زياره", "الزياره", "يزور", "زار", "استقبل", "يستقبل", "استقباله", "وصل")
MULTI = ("قمه", "القمه", "مؤتمر", "المؤتمر", "اجتماع", "الاجتماع", "اجتماعا")
TALKS = ("بحث", "يبحث", "بحثا", "التقى", "يلتقي", "لقاء", "اللقاء", "ناقش", "يناقش", "ناقشا", "محادثات",
         "المحادثات", "مباحثات", "المباحثات", "تباحث", "اجتمع", "يجتمع", "مشاورات")
TRIGGERS = {w: m for ws, m in ((PHONE, "phone"), (VISIT, "visit"), (MULTI, "multilateral"), (TALKS, None)) for w in ws}
TITLES = ("الرئيس", "رئيس", "وزير", "وزيره", "الملك", "العاهل", "الأمير", "امير", "الامير", "ولي", "المستشاره",
          "الأمين", "الامين", "نظيره", "نظيرته", "المبعوث", "السفير", "رئيسه", "الشيخ")
PARTY_LABELS = ("PER", "ROLE", "GPE")


def _key(word: str) -> str:
    w = normalize(word).text
    return w[1:] if len(w) > 3 and w[0] in "وفبلك" and w[1:] in TRIGGERS else w


class KeywordConsult:
    """The rule, with the alias table it names parties by (:meth:`from_records`)."""

    def __init__(self, aliases: AliasTable, max_name_words: int = 4):
        self.aliases = aliases
        self.max_name_words = max_name_words
        self.keys = {label: set(aliases.table.get(label, {})) for label in PARTY_LABELS}
        self.titles = {normalize(t).text for t in TITLES}

    @classmethod
    def from_records(cls, records: list[dict[str, Any]]) -> KeywordConsult:
        return cls(AliasTable.from_records(records))

    def mentions(self, text: str) -> list[Mention]:
        """PER/ROLE/GPE mentions: longest alias-table matches, and a title with the word after it."""
        words = words_of(text)
        out: list[Mention] = []
        i = 0
        while i < len(words):
            found = None
            for n in range(min(self.max_name_words, len(words) - i), 0, -1):
                s, e = words[i].start, words[i + n - 1].end
                for strip in (False, True):
                    k = alias_key(text[s:e], strip_clitic=strip)
                    label = next((lab for lab in PARTY_LABELS if k in self.keys[lab]), None)
                    if label:
                        found = (n, Mention(text[s:e], label, s, e))
                        break
                if found:
                    break
            if not found and normalize(words[i].text).text in self.titles and i + 1 < len(words):
                s, e = words[i].start, words[i + 1].end
                found = (2, Mention(text[s:e], "ROLE", s, e))
            if found:
                out.append(found[1])
                i += found[0]
            else:
                i += 1
        self.aliases.link(out, text)
        return out

    def extract(self, text: str) -> list[Event]:
        """CONSULT events of ``text``; events of one article with the same parties are merged."""
        mentions = self.mentions(text)
        events: dict[tuple, Event] = {}
        for a, b in split_sentences(text):
            words = [w for w in words_of(text[a:b]) if _key(w.text) in TRIGGERS]
            if not words:
                continue
            sent = [m for m in mentions if a <= m.start and m.end <= b]
            parties = self._parties(sent)
            if len(parties) < 2:
                continue
            w = words[0]
            trigger = Mention(w.text, "CONSULT", a + w.start, a + w.end)
            modes = [TRIGGERS[_key(x.text)] for x in words if TRIGGERS[_key(x.text)]]
            key = tuple(sorted(map(str, parties)))
            ev = events.get(key)
            if ev is None:
                ev = events[key] = Event("CONSULT", mode=modes[0] if modes else "unspecified", confidence=0.5)
                ev.arguments = [Argument("ACTOR", m, 0.5) for ms in parties.values() for m in ms]
            elif ev.mode == "unspecified" and modes:
                ev.mode = modes[0]
            ev.triggers.append(trigger)
        return list(events.values())

    def _parties(self, mentions: list[Mention]) -> dict[Any, list[Mention]]:
        """The first two parties of a sentence (people first, then states), keyed by ref or surface."""
        parties: dict[Any, list[Mention]] = {}
        for labels in (("PER", "ROLE"), ("GPE",)):
            for m in mentions:
                if m.label in labels:
                    key = str(m.ref) if m.ref is not None else "@" + m.text
                    if key in parties or len(parties) < 2:
                        parties.setdefault(key, []).append(m)
        return parties

    def predict(self, record: dict[str, Any]) -> dict[str, Any]:
        """The predicted record of ``record``'s text (same id): the events' triggers and parties."""
        text = record["text"]
        events = self.extract(text)
        mentions = sorted({id(m): m for ev in events for m in ev.triggers + [a.mention for a in ev.arguments]}.values(),
                          key=lambda m: (m.start, m.end))
        relations = [(t, a.role, a.mention, a.confidence) for ev in events for t in ev.triggers for a in ev.arguments]
        return Document(text, mentions, relations, events).to_record(record["id"])
