"""Reading JSON Lines with line numbers, leaving the error policy to the caller.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_text('{"id": 1}\\n\\n[2]\\n{oops\\n')
    >>> [(n, obj, problem) for n, obj, problem in iter_jsonl(p)]  # doctest: +ELLIPSIS
    [(1, {'id': 1}, None), (3, None, 'not a JSON object'), (4, None, 'not valid JSON: ...')]
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """``(line number, object, None)`` for each JSON-object line, ``(line number, None, problem)``
    for a line that is not one; blank lines are skipped."""
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield n, None, f"not valid JSON: {e.msg} at column {e.colno}"
                continue
            if not isinstance(obj, dict):
                yield n, None, "not a JSON object"
                continue
            yield n, obj, None
