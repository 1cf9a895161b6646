"""The countries a corpus mentions most: the ranking that chose whose leaders the gazetteer lists.

    python -m arabic_events.analysis.top_countries ../shared/corpus/ant-multisource.jsonl.gz \\
        --from 2018-01-01 --to 2020-12-31 --output analysis/gazetteer/top_countries.tsv

A mention is a match of a state alias of the gazetteer (a country's name or its nationality
adjective, "روسيا", "الروسي", "الروسية"; capitals are not counted) in an article's text, with the
gazetteer's longest-match rules (so "كوريا الجنوبية" counts South Korea, not a bare "كوريا").

    >>> from arabic_events.analysis.actors import ActorCoder
    >>> arts = [{"text": "بحث الرئيس الروسي مع روسيا", "published": "2018-05-01"},
    ...         {"text": "زار ماكرون روسيا", "published": "2017-01-01"}]
    >>> count_countries(arts, ActorCoder.from_tsv(), "2018-01-01", "2020-12-31")["RUS"]
    [2, 1]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from arabic_events.analysis.actors import ActorCoder


def count_countries(articles: Iterable[dict[str, Any]], coder: ActorCoder, start: str, end: str,
                    ) -> dict[str, list[int]]:
    """``{iso3: [mentions, articles]}`` over the articles published in ``[start, end]``."""
    counts: dict[str, list[int]] = {}
    for art in articles:
        pub = (art.get("published") or "")[:10]
        if not start <= pub <= end:
            continue
        seen = set()
        for _, _, e in coder.matches(art["text"]):
            if e.kind == "state" and e.country:
                c = counts.setdefault(e.country, [0, 0])
                c[0] += 1
                if e.country not in seen:
                    seen.add(e.country)
                    c[1] += 1
    return counts


def ranking(counts: dict[str, list[int]], coder: ActorCoder) -> list[tuple[int, str, str, int, int]]:
    """``(rank, iso3, name, mentions, articles)``, most mentions first (ties: by code)."""
    names: dict[str, str] = {}
    for e in coder.index.values():
        if e.kind == "state" and e.country and e.name:
            names.setdefault(e.country, e.name)
    order = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [(k + 1, iso, names.get(iso, iso), m, a) for k, (iso, (m, a)) in enumerate(order)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m arabic_events.analysis.top_countries",
                                 description="Rank the countries a corpus mentions (names and adjectives).")
    ap.add_argument("corpus", help=".jsonl(.gz) corpus (ANT format)")
    ap.add_argument("--from", dest="start", default="2018-01-01")
    ap.add_argument("--to", dest="end", default="2020-12-31")
    ap.add_argument("--output", help="TSV to write (rank, country, name, mentions, articles); stdout if omitted")
    ap.add_argument("--overwrite", action="store_true")
    a = ap.parse_args(argv)
    from arabic_events.analysis.sources import iter_articles

    coder = ActorCoder.from_tsv()
    try:
        rows = ranking(count_countries(iter_articles(a.corpus), coder, a.start, a.end), coder)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    text = (f"# countries by mentions (names and nationality adjectives) in {Path(a.corpus).name}, articles "
            f"published {a.start} to {a.end}; gazetteer version {coder.version}\n"
            "rank\tcountry\tname\tmentions\tarticles\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows))
    if a.output:
        out = Path(a.output)
        if out.exists() and not a.overwrite:
            print(f"error: {out} exists; pass --overwrite to replace it", file=sys.stderr)
            return 2
        out.write_text(text, encoding="utf-8")
        print(f"{len(rows)} countries -> {out}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
