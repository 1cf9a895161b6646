"""One progress display for long work: a tqdm bar on a terminal, plain lines elsewhere.

Under ``nohup``, in CI or with output piped to a file, a redrawn bar becomes one long line of
carriage returns. There :func:`progress` writes a readable line at most every ``every``
seconds and one final line instead.

    >>> import io
    >>> out = io.StringIO()
    >>> with progress(3, "extracting", "article", stream=out) as bar:
    ...     for _ in range(3):
    ...         bar.update(1)
    >>> print(out.getvalue().strip())
    extracting: 3/3 articles (100%) in 0.0 s
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class LineProgress:
    """tqdm's ``update``/``close`` interface, writing lines instead of redrawing a bar."""

    def __init__(self, total: int | None, desc: str, unit: str, stream: TextIO | None = None, every: float = 30.0):
        self.total, self.desc, self.unit, self.every = total, desc, unit, every
        self.stream = stream or sys.stderr
        self.n = 0
        self.start = self.last = time.monotonic()
        self.closed = False

    def _line(self) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        share = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        return f"{self.desc}: {self.n}{of} {self.unit}s{share} in {time.monotonic() - self.start:.1f} s"

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.every and (self.total is None or self.n < self.total):
            self.last = now
            print(self._line(), file=self.stream, flush=True)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            print(self._line(), file=self.stream, flush=True)

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(total: int | None, desc: str, unit: str, stream: TextIO | None = None) -> Any:
    """A tqdm bar when ``stream`` (default stderr) is a terminal, else a :class:`LineProgress`."""
    stream = stream or sys.stderr
    if getattr(stream, "isatty", lambda: False)():
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, file=stream)
    return LineProgress(total, desc, unit, stream)
