"""The pure parts of the distributed (Ray) extraction: numbered lines, article packs sized by
tokens, the shard schema and the reading back of shards. No Ray here (it is an optional extra);
``analysis/ray_extraction.py`` runs these on a cluster.

An article's *position* is its line number in the JSON Lines file (1-based, the line an error
message names): sorting the union of the shards by it restores the input order.

    >>> chunks = [b'{"text": "a"}\\n', b'\\n{"id"', b': "x", "text": "b"}']
    >>> [(n, article_from_line(raw, f"c.jsonl:{n}")["id"]) for n, raw in iter_lines(chunks) if raw.strip()]
    [(1, 'c.jsonl:1'), (3, 'x')]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from arabic_events.analysis.extract_corpus import SCHEMA
from arabic_events.analysis.sources import article_from_line

#: the column that carries each row's article position (its line in the source file)
POSITION = "position"
#: the schema of a Ray shard: the single-machine ``SCHEMA``, then the position
SHARD_SCHEMA = SCHEMA.append(pa.field(POSITION, pa.int64()))
#: the columns of a parsed line: its position, the article as JSON (None for a bad line), what
#: is wrong with a bad line (None for a good one)
LINE_SCHEMA = pa.schema([(POSITION, pa.int64()), ("article", pa.string()), ("problem", pa.string())])


def iter_lines(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Numbered lines (from 1) of a byte stream read in chunks, split on ``\\n`` exactly as
    iterating over a binary file splits them (a last line without ``\\n`` is a line).

    >>> list(iter_lines([b'{"a"', b': 1}\\n\\n{"b"', b': 2}']))
    [(1, b'{"a": 1}\\n'), (2, b'\\n'), (3, b'{"b": 2}')]
    """
    n, rest = 0, b""
    for chunk in chunks:
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        for line in lines:
            n += 1
            yield n, line + b"\n"
    if rest:
        yield n + 1, rest


def parse_lines(positions: Sequence[int], raws: Sequence[bytes], file_name: str) -> dict[str, list[Any]]:
    """Columns of :data:`LINE_SCHEMA` for numbered lines of the file ``file_name``: each article
    validated as the single-machine reader does (:func:`~analysis.sources.article_from_line`);
    blank lines are left out, as there.

    >>> cols = parse_lines([1, 2, 3], [b'{"id": "a", "text": "t"}', b' ', b'{oops'], "c.jsonl")
    >>> cols["position"], cols["problem"]
    ([1, 3], [None, 'not valid JSON (Expecting property name enclosed in double quotes at column 2)'])
    >>> json.loads(cols["article"][0])["id"], cols["article"][1]
    ('a', None)
    """
    out: dict[str, list[Any]] = {POSITION: [], "article": [], "problem": []}
    for n, raw in zip(positions, raws):
        if not raw.strip():
            continue
        out[POSITION].append(n)
        try:
            out["article"].append(json.dumps(article_from_line(raw, f"{file_name}:{n}"), ensure_ascii=False))
            out["problem"].append(None)
        except ValueError as e:
            out["article"].append(None)
            out["problem"].append(str(e))
    return out


def token_packs(tokens: Sequence[int], max_batch_tokens: int, max_articles: int) -> list[tuple[int, int]]:
    """Cut consecutive articles (their token counts) into packs ``[start, end)`` of at most
    ``max_batch_tokens`` tokens and ``max_articles`` articles; an article longer than
    ``max_batch_tokens`` makes a pack on its own.

    >>> token_packs([300, 300, 500, 2000, 10, 10, 10], 1000, 2)
    [(0, 2), (2, 3), (3, 4), (4, 6), (6, 7)]
    >>> token_packs([], 1000, 8)
    []
    """
    if max_batch_tokens < 1 or max_articles < 1:
        raise ValueError(f"max_batch_tokens and max_articles must be positive, not {max_batch_tokens}, {max_articles}")
    packs: list[tuple[int, int]] = []
    start, total = 0, 0
    for i, t in enumerate(tokens):
        if i > start and (total + t > max_batch_tokens or i - start >= max_articles):
            packs.append((start, i))
            start, total = i, 0
        total += t
    if start < len(tokens):
        packs.append((start, len(tokens)))
    return packs


def address_endpoint(address: str | None) -> tuple[str, int] | None:
    """The ``(host, port)`` an explicit cluster address points at (``ray://host:port`` or
    ``host:port``), or None for the addresses Ray resolves itself (None, ``auto``, ``local``).
    Anything else is a :class:`ValueError`.

    >>> address_endpoint("ray://head:10001"), address_endpoint("10.0.0.5:6379"), address_endpoint("auto")
    (('head', 10001), ('10.0.0.5', 6379), None)
    >>> address_endpoint("head")
    Traceback (most recent call last):
    ValueError: --address 'head': expected ray://HOST:PORT, HOST:PORT, auto or local
    """
    if address in (None, "auto", "local"):
        return None
    rest = address.removeprefix("ray://")
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit() or "/" in rest:
        raise ValueError(f"--address {address!r}: expected ray://HOST:PORT, HOST:PORT, auto or local")
    return host.strip("[]"), int(port)


def shard_files(output_dir: str | Path) -> list[Path]:
    """The Parquet shards of a Ray extraction, in name order."""
    return sorted(Path(output_dir).glob("*.parquet"))


def read_shards(output_dir: str | Path) -> pa.Table:
    """The rows of every shard in ``output_dir``, in input order (by article position, the rows
    of one article in their order), as one table of exactly the single-machine ``SCHEMA``.
    Loads them all: for an archive, sort by ``position`` in a query engine instead (README)."""
    files = shard_files(output_dir)
    if not files:
        return SCHEMA.empty_table()
    table = pa.concat_tables([pq.read_table(f, schema=SHARD_SCHEMA) for f in files])
    table = table.take(pc.sort_indices(table, [(POSITION, "ascending")]))  # stable: an article's rows keep order
    return table.drop_columns([POSITION])
