"""Checkpoint lookup and atomic saving of a run's output directory.

    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in (5, 40, 100):
    ...     (d / f"checkpoint-{n}").mkdir(); _ = (d / f"checkpoint-{n}" / "trainer_state.json").write_text("{}")
    >>> (d / "checkpoint-200").mkdir()          # incomplete: no trainer_state.json
    >>> pathlib.Path(last_checkpoint(d)).name
    'checkpoint-100'
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path


def last_checkpoint(output_dir: str | Path) -> str | None:
    """The newest complete ``checkpoint-N`` directory of a run, if any."""
    p = Path(output_dir)
    if not p.is_dir():
        return None
    cks = [c for c in p.glob("checkpoint-*") if c.is_dir() and (c / "trainer_state.json").exists()
           and c.name.split("-")[-1].isdigit()]
    return str(max(cks, key=lambda c: int(c.name.split("-")[-1]))) if cks else None


def save_atomic(write: Callable[[Path], object], target: str | Path) -> Path:
    """Run ``write(tmp)`` on a fresh temporary directory beside ``target``, then move it into
    place: a reader never sees a half-written ``target``, and a crash leaves the old one whole."""
    target = Path(target)
    tmp = target.with_name(target.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    write(tmp)
    if target.exists():
        old = target.with_name(target.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old)
    else:
        tmp.rename(target)
    return target
