"""Loading SCHEMA.md JSONL files, inline or standoff, into validated records.

Standoff records (corpus articles) carry ``doc = {"corpus", "id", "sha256"}`` and no
``text``; the text is restored from the corpus file given by argument, by the
``ARABIC_EVENTS_CORPUS`` environment variable, or found in the shared data folder
(:mod:`arabic_events.training.data.locations`).

Example:
    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_text(json.dumps({"id": "a", "text": "روسيا", "spans": [], "relations": []}) + "\\n")
    >>> [r["id"] for r in load_records(p)]
    ['a']
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from arabic_events.model.jsonl import iter_jsonl
from arabic_events.training.data.locations import resolve_corpus_path
from arabic_events.training.data.validation import AnnotationError, validate_record

logger = logging.getLogger(__name__)

CORPUS_NAME = "ant-multisource"
_CORPUS_CACHE: dict[str, dict[str, dict[str, Any]]] = {}


class CorpusError(FileNotFoundError):
    """The corpus needed to restore standoff records does not match them."""


def sha256_text(text: str) -> str:
    """Hex digest of the UTF-8 text, as stored in standoff records."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_corpus(path: str | os.PathLike[str], ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Articles of a corpus JSONL(.gz) file by id; only ``ids`` when given. Cached per file."""
    key = str(Path(path).resolve())
    wanted = set(ids) if ids is not None else None
    cache = _CORPUS_CACHE.setdefault(key, {})
    if wanted is not None and wanted <= cache.keys():
        return {i: cache[i] for i in wanted}
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        for line in fh:
            if not line.strip():
                continue
            art = json.loads(line)
            if wanted is None or art["id"] in wanted:
                cache[art["id"]] = art
                if wanted is not None and wanted <= cache.keys():
                    break
    if wanted is None:
        return dict(cache)
    return {i: cache[i] for i in wanted if i in cache}


def restore_text(record: dict[str, Any], corpus: dict[str, dict[str, Any]], where: str) -> dict[str, Any]:
    """Return a copy of a standoff record with ``text`` (and ``meta``) from the corpus."""
    doc = record["doc"]
    art = corpus.get(doc.get("id"))
    if art is None:
        raise CorpusError(f"{where}: record {record.get('id')}: article {doc.get('id')!r} is not in the corpus file")
    digest = sha256_text(art["text"])
    if digest != doc.get("sha256"):
        raise CorpusError(
            f"{where}: record {record.get('id')}: digest mismatch for {doc.get('id')!r}: the corpus text has "
            f"sha256 {digest[:12]}..., the record expects {str(doc.get('sha256'))[:12]}...; "
            "this is a different version of the corpus"
        )
    out = dict(record)
    out["text"] = art["text"]
    meta = dict(out.get("meta") or {})
    meta.setdefault("source", art.get("outlet"))
    meta.setdefault("published", art.get("published"))
    meta.setdefault("url", art.get("url"))
    out["meta"] = meta
    return out


def read_jsonl(path: str | os.PathLike[str]) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) pairs of a JSONL file; every line that is not a JSON object is
    reported together in one AnnotationError."""
    out, problems = [], []
    for n, obj, problem in iter_jsonl(path):
        if problem:
            problems.append(f"{path}:{n}: {problem}")
        else:
            out.append((n, obj))
    if problems:
        raise AnnotationError(problems)
    return out


def load_records(
    path: str | os.PathLike[str], corpus: str | os.PathLike[str] | None = None, validate: bool = True
) -> list[dict[str, Any]]:
    """Load a SCHEMA.md JSONL file; standoff records get their text from the corpus.

    Raises :class:`AnnotationError` listing every defect (file:line: record: span: what),
    or :class:`CorpusError` when a standoff record cannot be restored.
    """
    rows = read_jsonl(path)
    standoff_ids = [r["doc"]["id"] for _, r in rows if "doc" in r and "text" not in r]
    corpus_articles: dict[str, dict[str, Any]] = {}
    if standoff_ids:
        corpus_articles = read_corpus(resolve_corpus_path(corpus), standoff_ids)
    records, problems = [], []
    for n, rec in rows:
        where = f"{path}:{n}"
        if "doc" in rec and "text" not in rec:
            rec = restore_text(rec, corpus_articles, where)
        if validate:
            problems += validate_record(rec, where)
        records.append(rec)
    ids = [r.get("id") for r in records]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        problems.append(f"{path}: duplicate record ids {dup}")
    if problems:
        raise AnnotationError(problems)
    logger.info("loaded %d records from %s", len(records), path)
    return records


def to_standoff(record: dict[str, Any], corpus_id: str) -> dict[str, Any]:
    """The standoff form of a record of a corpus article (no text)."""
    out = {"id": record["id"], "doc": {"corpus": CORPUS_NAME, "id": corpus_id, "sha256": sha256_text(record["text"])}}
    out.update({k: v for k, v in record.items() if k not in ("id", "text", "doc")})
    return out
