"""Linking mentions to canonical refs through an alias table (annotations + gazetteer).

Keys fold Arabic spelling variants: normalisation (alef forms, diacritics, tatweel), one
leading clitic, the article ال, taa marbuta/alef maqsura, hamza seats, spaces, and the
g-sound letters of transliterated names (غ/خ/ج/ك/گ):

    >>> alias_key("قره باغ") == alias_key("قره باخ") == alias_key("قرة باج")
    True
    >>> alias_key("وبوتين", strip_clitic=True) == alias_key("بوتين")
    True
    >>> t = AliasTable({"PER": {alias_key("بوتين"): "Vladimir Putin"}})
    >>> t.lookup("لبوتين", "PER")
    'Vladimir Putin'
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from .schema import REF_LABELS
from .text import normalize

_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ؤ": "ء", "ئ": "ء", "غ": "ج", "خ": "ج", "گ": "ج", "ك": "ج",
                       "ڤ": "ف", "پ": "ب", "چ": "ج", "ی": "ي", "ک": "ج"})


@lru_cache(maxsize=65536)
def alias_key(surface: str, strip_clitic: bool = False) -> str:
    """The folded lookup key of a surface form; ``strip_clitic`` drops one leading و/ف/ب/ل/ك."""
    s = normalize(surface).text.strip()
    if strip_clitic and len(s) > 3 and s[0] in "وفبلك":
        s = s[1:]
    out = []
    for w in s.split():
        w2 = w
        if w2.startswith("لل") and len(w2) > 4:
            w2 = "ال" + w2[2:]
        if w2.startswith("ال") and len(w2) > 3:
            w2 = w2[2:]
        out.append(w2)
    return "".join(out).translate(_FOLD)


#: what may stand between a title and the name it belongs to
_ROLE_PER_GAP = " \u00a0،,"


class AliasTable:
    """Per-label maps from alias keys to refs; ``lookup`` falls back across labels."""

    def __init__(self, table: dict[str, dict[str, Any]] | None = None):
        self.table: dict[str, dict[str, Any]] = table or {}

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]], min_share: float = 0.75) -> AliasTable:
        """Most frequent ref of each (label, alias key) in annotated records, kept when it has
        at least ``min_share`` of that key's uses; ROLE keys (titles such as "الرئيس", whose
        ref depends on the article) only when seen twice or more with a single ref."""
        counts: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        for rec in records:
            for span in rec["spans"]:
                ref = span.get("ref")
                if ref is None:
                    continue
                key = alias_key(rec["text"][span["start"]:span["end"]])
                counts[span["label"]][key][json.dumps(ref, ensure_ascii=False)] += 1
        table: dict[str, dict[str, Any]] = {}
        for label, keys in counts.items():
            for k, c in keys.items():
                ref, n = c.most_common(1)[0]
                total = sum(c.values())
                if n / total < min_share or (label == "ROLE" and (len(c) > 1 or total < 2)):
                    continue
                table.setdefault(label, {})[k] = json.loads(ref)
        return cls(table)

    def add_gazetteer(self, path: str | Path) -> None:
        """Add a gazetteer: JSON ``{"ref": ["alias", ...]}`` or ``{"LABEL": {"ref": [...]}}``,
        or TSV lines ``ref<TAB>alias|alias`` (any label)."""
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"gazetteer file {p} not found")
        entries: list[tuple[str, str, list[str]]] = []
        if p.suffix == ".json":
            data = json.loads(p.read_text(encoding="utf-8"))
            for k, v in data.items():
                if isinstance(v, dict):
                    entries += [(k, ref, aliases) for ref, aliases in v.items()]
                else:
                    entries.append(("*", k, v))
        else:
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip() or line.startswith("#"):
                    continue
                if "\t" not in line:
                    raise ValueError(f"{p}:{n}: expected 'ref<TAB>alias|alias'")
                ref, aliases = line.split("\t", 1)
                entries.append(("*", ref.strip(), [a.strip() for a in aliases.split("|") if a.strip()]))
        for label, ref, aliases in entries:
            for alias in list(aliases) + [ref]:
                self.table.setdefault(label, {})[alias_key(alias)] = ref

    def lookup(self, surface: str, label: str) -> Any:
        """The ref of ``surface`` as a ``label`` mention, else as any label, else None."""
        for key in (alias_key(surface), alias_key(surface, strip_clitic=True)):
            for lab in (label, "*") + (("PER", "GPE", "ORG") if label in ("PER", "GPE", "ORG") else ()):
                if key in self.table.get(lab, {}):
                    return self.table[lab][key]
        return None

    def link(self, mentions: list[Any], text: str) -> None:
        """Set ``ref`` on linkable mentions (sorted by start): from the table, and a ROLE that
        directly precedes a PER, with at most a comma between them ("الرئيس الروسي فلاديمير
        بوتين", "العاهل السعودي، الملك سلمان"), takes the PER's ref."""
        for m in mentions:
            if m.label in REF_LABELS:
                m.ref = self.lookup(m.text, m.label)
        people = sorted((m for m in mentions if m.label == "PER" and m.ref is not None), key=lambda m: m.start)
        starts = {m.start: m for m in people}
        for m in mentions:
            if m.label == "ROLE":
                gap = m.end
                while gap < len(text) and text[gap] in _ROLE_PER_GAP:
                    gap += 1
                if gap in starts and gap - m.end <= 3:
                    m.ref = starts[gap].ref

    def to_json(self) -> dict[str, dict[str, Any]]:
        return self.table
