"""Articles from a corpus: JSON Lines (``.jsonl`` or ``.jsonl.gz``), a folder of ``.txt`` files, or
a Hugging Face ``datasets`` dataset (a ``save_to_disk`` folder). Streams; never loads all.

Each article is ``{"id", "text", "published", "outlet", "url"}``. A bad entry (a line that is not
JSON, a record without text, a file that is not UTF-8, a bad date) is reported through
``on_error(where, problem)`` with its file and line, and skipped: the rest is still read.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
    >>> _ = p.write_text('{"id": "a", "text": "نص"}\\n{oops\\n{"id": "b", "text": "نص", "published": "2018-05-11"}\\n')
    >>> errors = []
    >>> [a["id"] for a in iter_articles(p, on_error=lambda where, why: errors.append(where))]
    ['a', 'b']
    >>> [e.split("/")[-1] for e in errors]
    ['c.jsonl:2']
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from arabic_events.model.dates import check_published

logger = logging.getLogger(__name__)

ErrorHandler = Callable[[str, str], None]


def _log_error(where: str, problem: str) -> None:
    logger.warning("%s: %s (skipped)", where, problem)


def _article(obj: dict[str, Any], default_id: str, where: str) -> dict[str, Any]:
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError("no 'text' string")
    pub = obj.get("published") or (obj.get("meta") or {}).get("published")
    return {"id": str(obj.get("id") or default_id), "text": text, "published": check_published(pub, "published"),
            "outlet": obj.get("outlet") or obj.get("source"), "url": obj.get("url")}


def article_from_line(raw: bytes, default_id: str) -> dict[str, Any]:
    """The article of one JSON Lines line (``default_id`` where it has no id); a bad line raises
    :class:`ValueError` saying what is wrong with it (the reason ``on_error`` gets).

    >>> article_from_line('{"id": 7, "text": "نص"}'.encode(), "c.jsonl:1")["id"]
    '7'
    >>> article_from_line(b'[1]', "c.jsonl:2")
    Traceback (most recent call last):
    ValueError: not a JSON object
    """
    try:
        obj = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return _article(obj, default_id, default_id)


def _jsonl(path: Path, on_error: ErrorHandler) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                article = article_from_line(raw, f"{path.name}:{n}")
            except ValueError as e:
                on_error(f"{path}:{n}", str(e))
                continue
            yield article


def _txt_folder(path: Path, on_error: ErrorHandler) -> Iterator[dict[str, Any]]:
    files = sorted(path.glob("*.txt"))
    if not files:
        on_error(str(path), "no .txt files in this folder")
    for f in files:
        try:
            yield {"id": f.stem, "text": f.read_text(encoding="utf-8"), "published": None, "outlet": None, "url": None}
        except UnicodeDecodeError as e:
            on_error(str(f), f"not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start})")


def _dataset(path: Path, on_error: ErrorHandler) -> Iterator[dict[str, Any]]:
    from datasets import load_from_disk

    ds = load_from_disk(str(path))
    if hasattr(ds, "keys"):  # a DatasetDict: every split, in order
        parts = [ds[k] for k in ds.keys()]
    else:
        parts = [ds]
    for part in parts:
        for n, row in enumerate(part):
            where = f"{path}[{n}]"
            try:
                yield _article(row, f"{path.name}:{n}", where)
            except ValueError as e:
                on_error(where, str(e))


def iter_articles(source: str | Path, on_error: ErrorHandler | None = None) -> Iterator[dict[str, Any]]:
    """The articles of ``source`` in a fixed order (the order a resumed run relies on)."""
    path = Path(source)
    handler = on_error or _log_error
    if not path.exists():
        raise FileNotFoundError(f"corpus {path} not found")
    if path.is_dir():
        if (path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists():
            return _dataset(path, handler)
        return _txt_folder(path, handler)
    if path.name.endswith((".jsonl", ".jsonl.gz", ".json.gz")):
        return _jsonl(path, handler)
    raise ValueError(f"{path}: expected a .jsonl(.gz) file, a folder of .txt files or a datasets folder")
