"""Actor coding: a mention of an actor → canonical name, ISO 3166 alpha-3 country, sector.

The codes come from a shipped, versioned gazetteer (``analysis/gazetteer/actors.tsv``; its format
is in ``analysis/gazetteer/README.md``): one row per Arabic alias with its canonical English name,
country, sector and kind. Matching folds spelling much as the alias table of ``model/linking.py``
does (normalisation, one leading clitic و/ف/ب/ل/ك, the article ال, hamza seats, ة/ه, ى/ي, غ/ج,
but not ك and خ: كينيا is not غينيا), word by word, longest match first. A mention is coded from
its matches:

- ``name``: the canonical name of the head (the first word's match, when it names someone);
- ``country``: the first match that carries a country ("وزير خارجية إيران" → IRN), unless an
  international body comes first ("سفير الاتحاد الأوروبي في الجزائر": none);
- ``sector``: that of the first body (organisation) in it ("قوات النظام" → military); a title
  before it takes the body's ("زعيم المعارضة" → opposition, "المتحدث باسم الجيش" → military),
  a title alone keeps its own ("الرئيس الروسي" → government); with neither, that of a named
  head (a state or a capital: government), and none after an unknown head ("القس الأمريكي").
  A PER mention is coded only from the people, states and capitals in it.

Words after لدى or إلى are a complement and ignored ("سفير روسيا لدى الأمم المتحدة" → RUS).
A ``ref`` the gazetteer knows (the annotators' canonical English names) decides first.

    >>> coder = ActorCoder.from_tsv()
    >>> coder.code("الرئيس الروسي", "ROLE")
    ActorCode(name=None, country='RUS', sector='government')
    >>> coder.code("وزير الخارجية الإيراني", "ROLE").country
    'IRN'
    >>> coder.code("الجيش السوري", "ORG")
    ActorCode(name=None, country='SYR', sector='military')
    >>> coder.code("وترمب", "PER")
    ActorCode(name='Donald Trump', country='USA', sector='government')
    >>> coder.code("الرئيسين", "ROLE", ref="Vladimir Putin").country
    'RUS'
    >>> coder.code("المجتمع الدولي", "ORG") is None
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from arabic_events.model.text import normalize

#: the gazetteer shipped with the package
DEFAULT_GAZETTEER = Path(__file__).resolve().parent / "gazetteer" / "actors.tsv"
#: the closed list of sectors (README in analysis/gazetteer/ says what each covers)
SECTORS = ("government", "legislature", "judiciary", "military", "police", "opposition", "rebel", "party",
           "international", "civil-society", "media", "business", "religious")
#: what an alias names: a state (its names and nationality adjectives), a capital standing for
#: its state, a person, a generic title, an organisation (named, or generic: "الجيش"), or a
#: region: a place that is no actor, matched so that a state alias inside it does not code it
#: ("أمريكا اللاتينية"), with a country only where it lies in one ("قطاع غزة")
KINDS = ("state", "capital", "person", "title", "organisation", "region")
COLUMNS = ("alias", "name", "country", "sector", "kind")
_STOP = frozenset({"لدي", "الي"})  # alias keys of لدى, إلى/الى: a complement follows
_WORD = re.compile(r"[^\W_]+")


class ActorCode(NamedTuple):
    """The code of one actor: canonical English name (None for a generic title), ISO 3166
    alpha-3 country (None for international bodies), sector (one of :data:`SECTORS`)."""

    name: str | None
    country: str | None
    sector: str | None


@dataclass(frozen=True)
class Entry:
    """One gazetteer row (``line`` is its line number in the file, for messages)."""

    alias: str
    name: str | None
    country: str | None
    sector: str | None
    kind: str
    line: int = 0


class GazetteerError(ValueError):
    """A gazetteer file that does not follow the format (file and line named)."""


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text).text)


#: spelling folds: taa marbuta, alef maqsura, hamza seats, and غ/گ/چ with ج (بيونغ/بيونج);
#: milder than ``model/linking.py``'s, which also folds ك and خ (كينيا and غينيا must differ)
_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ؤ": "ء", "ئ": "ء", "غ": "ج", "گ": "ج", "چ": "ج", "ڤ": "ف", "پ": "ب",
                       "ی": "ي", "ک": "ك"})


@lru_cache(maxsize=65536)
def alias_key(word: str, strip_clitic: bool = False) -> str:
    """The lookup key of one normalised word: one leading clitic dropped on request, لل read as
    ال, the article ال dropped, letters folded.

        >>> alias_key("وللسعودية", strip_clitic=True) == alias_key("السعوديه") == alias_key("سعودية")
        True
    """
    w = word
    if strip_clitic and len(w) > 3 and w[0] in "وفبلك":
        w = w[1:]
    if w.startswith("لل") and len(w) > 4:
        w = "ال" + w[2:]
    if w.startswith("ال") and len(w) > 3:
        w = w[2:]
    return w.translate(_FOLD)


def _word_keys(word: str) -> tuple[str, ...]:
    """Lookup keys of one word: as written, then without a leading clitic."""
    keys = [alias_key(word)]
    stripped = alias_key(word, strip_clitic=True)
    if stripped != keys[0]:
        keys.append(stripped)
    return tuple(keys)


def parse_tsv(text: str, where: str = "<tsv>") -> tuple[str, list[Entry]]:
    """The version and the entries of a gazetteer's text; :class:`GazetteerError` on a bad line.

        >>> version, rows = parse_tsv("# version: 3\\nalias\\tname\\tcountry\\tsector\\tkind\\nقطر\\tQatar\\tQAT\\tgovernment\\tstate\\n")
        >>> version, rows[0].name, rows[0].line
        ('3', 'Qatar', 3)
    """
    version, entries, header = "", [], False
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            m = re.match(r"#\s*version:\s*(\S+)", line)
            version = m.group(1) if m else version
            continue
        if not line.strip():
            continue
        cells = line.split("\t")
        if not header:
            if tuple(c.strip() for c in cells) != COLUMNS:
                raise GazetteerError(f"{where}:{n}: expected the header {'<TAB>'.join(COLUMNS)}")
            header = True
            continue
        if len(cells) != len(COLUMNS):
            raise GazetteerError(f"{where}:{n}: expected {len(COLUMNS)} tab-separated cells, found {len(cells)}")
        alias, name, country, sector, kind = (c.strip() for c in cells)
        if not _words(alias):
            raise GazetteerError(f"{where}:{n}: empty alias")
        if country and not re.fullmatch(r"[A-Z]{3}", country):
            raise GazetteerError(f"{where}:{n}: country {country!r} is not an ISO 3166 alpha-3 code")
        if sector and sector not in SECTORS:
            raise GazetteerError(f"{where}:{n}: sector {sector!r} is not one of {', '.join(SECTORS)}")
        if kind not in KINDS:
            raise GazetteerError(f"{where}:{n}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if kind in ("state", "capital") and not (name and country):
            raise GazetteerError(f"{where}:{n}: a {kind} needs a name and a country")
        if kind in ("person", "region") and not name:
            raise GazetteerError(f"{where}:{n}: a {kind} needs a name")
        entries.append(Entry(alias, name or None, country or None, sector or None, kind, n))
    if not header:
        raise GazetteerError(f"{where}: no header line ({'<TAB>'.join(COLUMNS)})")
    return version, entries


class ActorCoder:
    """Codes actor mentions from gazetteer entries (see the module docstring)."""

    def __init__(self, entries: list[Entry], version: str = "", where: str = "<entries>"):
        self.version = version
        self.index: dict[tuple[str, ...], Entry] = {}
        self._prefixes: set[tuple[str, ...]] = set()
        self.by_name: dict[str, ActorCode] = {}
        rank = {"state": 0, "person": 1, "organisation": 2, "capital": 3}
        best: dict[str, int] = {}
        for e in entries:
            key = tuple(alias_key(w) for w in _words(e.alias))
            old = self.index.get(key)
            if old is not None and (old.name, old.country, old.sector, old.kind) != (e.name, e.country, e.sector, e.kind):
                raise GazetteerError(f"{where}:{e.line}: alias {e.alias!r} folds to the same key as {old.alias!r} "
                                     f"(line {old.line}) but codes differently")
            self.index.setdefault(key, e)
            for k in range(1, len(key) + 1):
                self._prefixes.add(key[:k])
            if e.name and e.kind in rank and rank[e.kind] < best.get(e.name, 9):
                best[e.name] = rank[e.kind]
                self.by_name[e.name] = ActorCode(e.name, e.country, e.sector)

    @classmethod
    def from_tsv(cls, path: str | Path | None = None) -> ActorCoder:
        """Load a gazetteer TSV (the shipped one by default)."""
        p = Path(path) if path is not None else DEFAULT_GAZETTEER
        if not p.exists():
            raise FileNotFoundError(f"gazetteer file {p} not found")
        version, entries = parse_tsv(p.read_text(encoding="utf-8"), str(p))
        return cls(entries, version, str(p))

    def matches(self, text: str) -> list[tuple[int, int, Entry]]:
        """Non-overlapping ``(first word, end word, entry)`` matches, longest first, left to right.

            >>> [(s, e, m.alias) for s, e, m in ActorCoder.from_tsv().matches("ووزير الخارجية الكوري الجنوبي")]
            [(0, 2, 'وزير الخارجية'), (2, 4, 'الكوري الجنوبي')]
        """
        keys = [_word_keys(w) for w in _words(text)]
        out, i = [], 0
        while i < len(keys):
            found = self._longest(keys, i)
            if found is None:
                i += 1
                continue
            out.append((i, found[0], found[1]))
            i = found[0]
        return out

    def _longest(self, keys: list[tuple[str, ...]], start: int) -> tuple[int, Entry] | None:
        best: tuple[int, Entry] | None = None
        stack: list[tuple[int, tuple[str, ...]]] = [(start, ())]
        while stack:  # depth first over the spelling options of each word; the first option wins ties
            pos, prefix = stack.pop()
            if prefix in self.index and (best is None or pos > best[0]):
                best = (pos, self.index[prefix])
            if pos < len(keys):
                for k in reversed(keys[pos]):
                    if prefix + (k,) in self._prefixes:
                        stack.append((pos + 1, prefix + (k,)))
        return best

    def code_text(self, text: str, label: str | None = None) -> ActorCode | None:
        """The code of a mention from its text alone (None when nothing in it is known)."""
        words = _words(text)
        for k, w in enumerate(words):
            if alias_key(w) in _STOP and k > 0:
                text = " ".join(words[:k])
                break
        found = self.matches(text)
        if label == "PER":  # a name: titles and bodies in it are not what it names ("فتح" the person)
            found = [f for f in found if f[2].kind in ("person", "state", "capital")]
        if not found:
            return None
        named = [e for _, _, e in found if e.name]
        head = found[0][2] if found[0][0] == 0 and found[0][2].name else None
        if label == "PER":
            head = next((e for e in named if e.kind == "person"), head)
        country = None
        for _, _, e in found:
            if e.country or (e.kind == "organisation" and e.sector == "international"):
                country = e.country  # an international body first: the mention is its, no country
                break
        heads = [e for _, _, e in found if e.kind in ("title", "organisation") and e.sector]
        if heads and heads[0].kind == "title":  # a title takes the sector of the body after it, if any
            heads = [next((e for e in heads if e.kind == "organisation"), heads[0])]
        if heads:
            sector = heads[0].sector
        elif head is not None:  # a named head (a state, a person) without a title
            sector = head.sector
        else:  # an unknown head word ("القس الأمريكي"): the country only
            sector = None
        if head is not None and head.kind in ("person", "organisation"):
            country = head.country or country
        if country is None and sector is None:
            return None
        return ActorCode(head.name if head else None, country, sector)

    def code(self, mention_text: str, label: str | None = None, ref: str | list[str] | None = None) -> ActorCode | None:
        """The code of one actor mention: from its ``ref`` where the gazetteer knows that name
        (a list ref: the country and sector all its names share, else None), else from its text."""
        if isinstance(ref, str) and ref in self.by_name:
            return self.by_name[ref]
        if isinstance(ref, list) and ref:  # several actors: a code only where they share one
            codes = {self.by_name[r][1:] if r in self.by_name else None for r in ref}
            return ActorCode(None, *codes.pop()) if len(codes) == 1 and None not in codes else None
        return self.code_text(mention_text, label)

    def code_name(self, name: str) -> ActorCode | None:
        """The code of a canonical name (or, for an Arabic surface, of its text)."""
        return self.by_name.get(name) or self.code_text(name)

    def __repr__(self) -> str:
        return f"ActorCoder(version={self.version!r}, aliases={len(self.index)})"


def main(argv: list[str] | None = None) -> int:
    """``python -m arabic_events.analysis.actors --coverage`` (or mentions to code, one per argument)."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m arabic_events.analysis.actors",
                                 description="Code actor mentions with the gazetteer, or measure its coverage.")
    ap.add_argument("mentions", nargs="*", help="Arabic mentions to code (LABEL:text to give a label)")
    ap.add_argument("--coverage", action="store_true",
                    help="share of the annotated ACTOR/RECIPIENT mentions coded, and a check of the countries")
    ap.add_argument("--annotations", nargs="+", default=["annotations/seed.jsonl", "annotations/corpus.jsonl"])
    ap.add_argument("--corpus", help="the ANT corpus file (default: the shared folder)")
    ap.add_argument("--gazetteer", help="a gazetteer TSV instead of the shipped one")
    a = ap.parse_args(argv)
    try:
        if a.coverage:
            from arabic_events.analysis.actor_coverage import run

            print(run(a.annotations, a.corpus, a.gazetteer))
        coder = ActorCoder.from_tsv(a.gazetteer)
        for m in a.mentions:
            label, _, text = m.rpartition(":") if ":" in m else ("", "", m)
            print(f"{m}\t{coder.code(text, label or None)}")
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
