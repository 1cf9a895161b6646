"""NewsFANE (Alotaibi and Lee, COLING 2014; CC BY-SA 3.0) as extra entity supervision.

The corpus is 170k tokens of newswire in CoNLL style (token TAB BIO tag of 50 fine classes, CRLF,
tokens prefixed by U+200E, a line with an empty tag between sentences), with clitics split off
("و المانيا", "موظفي ها"). :func:`read_newsfane` turns it into entity-only training records:

- clitics are glued back (proclitics ``و ف ب ل ك`` to the next token, pronoun suffixes to the
  previous one), so that the text looks like the raw news the model reads; spans keep exact
  character offsets (a name after a proclitic starts after it, as in SCHEMA.md);
- classes are mapped to SCHEMA.md's labels where the two agree (:data:`LABEL_MAP`); the others
  (groups, facilities, works, weapons, continents, ...) become ``ignore`` ranges, whose tokens
  teach nothing, instead of being taught as O;
- NewsFANE has no ROLE, no DATE and no nominal mentions: an O token that may be one of those in
  SCHEMA.md's terms (a word the training gazetteer knows as a ROLE, a digit, a month or day name)
  is ignored too;
- each record has ``layers: ["entity"]``: its event layer, relations and triggers teach nothing.

    >>> text, spans, _ = glue_tokens([("و", "O"), ("المانيا", "B-Nation"), ("موظفي", "O"), ("ها", "O")])
    >>> text, [(text[a:b], lab) for a, b, lab in spans]
    ('والمانيا موظفيها', [('المانيا', 'GPE')])
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from arabic_events.model.word_features import stem, word_form

logger = logging.getLogger(__name__)

#: NewsFANE fine class -> SCHEMA.md label, for the classes whose extent and sense agree
LABEL_MAP = {
    **dict.fromkeys(["Politician", "Athlete", "Artist", "Other_PER", "Religious_PER", "Scientist", "Businessperson",
                     "Lawyer", "Engineer"], "PER"),
    **dict.fromkeys(["Nation", "Population-Center", "State-or-Province", "County-or-District"], "GPE"),
    **dict.fromkeys(["Non-Governmental", "Sports", "Government", "Media", "Commercial", "Educational", "Religious_ORG",
                     "Medical-Science", "Entertainment"], "ORG"),
    **dict.fromkeys(["Water-Body", "Land-Region-Natural"], "LOC"),
}
PROCLITICS = frozenset("وفبلك")
ENCLITICS = frozenset(["ه", "ها", "هم", "هما", "هن", "كم", "كما", "كن", "نا", "ي"])
#: O words that SCHEMA.md may tag as DATE (months, days, relative dates)
DATE_WORDS = frozenset(
    "يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر كانون شباط اذار نيسان ايار "
    "حزيران تموز اب ايلول تشرين السبت الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعة امس اليوم غدا الماضي "
    "المقبل القادم العام الشهر الاسبوع".split())
SENTENCES_PER_RECORD = 8


def glue_tokens(tokens: Sequence[tuple[str, str]]) -> tuple[str, list[tuple[int, int, str]], list[tuple[int, int]]]:
    """(text, entity spans (start, end, label), ignored ranges) of one run of (token, tag) pairs,
    clitics glued back. Unmapped classes give ignored ranges."""
    text = ""
    spans: list[tuple[int, int, str]] = []
    ignore: list[tuple[int, int]] = []
    open_span: list[Any] | None = None  # [start, end, fine class]
    glue_next = False

    def close() -> None:
        nonlocal open_span
        if open_span is not None:
            a, b, fine = open_span
            label = LABEL_MAP.get(fine)
            (spans.append((a, b, label)) if label else ignore.append((a, b)))
            open_span = None

    for k, (tok, tag) in enumerate(tokens):
        enclitic = tok in ENCLITICS and tag == "O" and k > 0 and tokens[k - 1][0][-1:].isalpha()
        if glue_next or enclitic:
            start = len(text)
        else:
            text += " " if text else ""
            start = len(text)
        text += tok
        end = len(text)
        glue_next = len(tok) == 1 and tok in PROCLITICS and tag == "O"
        kind, _, fine = tag.partition("-")
        if kind == "B" or (kind == "I" and (open_span is None or open_span[2] != fine)):
            close()
            open_span = [start, end, fine]
        elif kind == "I":
            open_span[1] = end  # type: ignore[index]
        else:
            close()
    close()
    return text, spans, ignore


def _sentences(path: Path) -> Iterable[list[tuple[str, str]]]:
    sentence: list[tuple[str, str]] = []
    with open(path, encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            tok, sep, tag = line.partition("\t")
            tok = tok.replace("\u200e", "").strip()
            if not sep:
                raise ValueError(f"{path}:{n}: expected 'token<TAB>tag', got {line[:40]!r}")
            if not tag:
                if sentence:
                    yield sentence
                sentence = []
                continue
            if tag != "O" and not tag.startswith(("B-", "I-")):
                raise ValueError(f"{path}:{n}: tag {tag!r} is not O, B-X or I-X")
            if tok:
                sentence.append((tok, tag))
    if sentence:
        yield sentence


def maybe_role_or_date(word: str, roles: set[str]) -> bool:
    """Whether an O word of NewsFANE may be a ROLE or DATE in SCHEMA.md's terms."""
    form = word_form(word)
    return any(c.isdigit() for c in form) or form in DATE_WORDS or stem(form) in DATE_WORDS or stem(form) in roles


def read_newsfane(path: str | Path, roles: Iterable[str] = (), limit: int | None = None) -> list[dict[str, Any]]:
    """Entity-only training records of the NewsFANE file ``path`` (:data:`SENTENCES_PER_RECORD`
    sentences each); ``roles``: the stems the training gazetteer knows as ROLE (ignored when O)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NewsFANE file {path} not found")
    role_set = set(roles)
    records: list[dict[str, Any]] = []
    batch: list[tuple[str, str]] = []
    sentences = 0
    for sent in _sentences(path):
        batch += sent
        sentences += 1
        if sentences % SENTENCES_PER_RECORD == 0:
            records.append(_record(f"newsfane-{len(records):05d}", batch, role_set))
            batch = []
            if limit is not None and len(records) >= limit:
                return records
    if batch:
        records.append(_record(f"newsfane-{len(records):05d}", batch, role_set))
    return records


def _record(rid: str, tokens: list[tuple[str, str]], roles: set[str]) -> dict[str, Any]:
    text, spans, ignore = glue_tokens(tokens)
    covered = sorted((a, b) for a, b, _ in spans) + ignore
    pos = 0
    for tok, tag in tokens:  # O words that SCHEMA.md may tag: ignored
        a = text.find(tok, pos)
        if a < 0:
            continue
        b = pos = a + len(tok)
        if tag == "O" and maybe_role_or_date(tok, roles) and not any(x < b and a < y for x, y in covered):
            ignore.append((a, b))
    return {"id": rid, "text": text, "layers": ["entity"], "ignore": sorted(ignore),
            "spans": [{"id": f"s{k + 1}", "start": a, "end": b, "label": lab} for k, (a, b, lab) in enumerate(spans)],
            "relations": [], "meta": {"source": "NewsFANE Gold 2014 (CC BY-SA 3.0)"}}
