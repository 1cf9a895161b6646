"""Checkpoint lookup, the resume check and atomic saving of a run's output directory.

    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in (5, 40, 100):
    ...     (d / f"checkpoint-{n}").mkdir(); _ = (d / f"checkpoint-{n}" / "trainer_state.json").write_text("{}")
    >>> (d / "checkpoint-200").mkdir()          # incomplete: no trainer_state.json
    >>> pathlib.Path(last_checkpoint(d)).name
    'checkpoint-100'
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from arabic_events.training.config import ConfigError

logger = logging.getLogger(__name__)


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


#: keys that may differ when a run resumes: how it reports, and how long it trains (so that an
#: interrupted or finished run can be extended); any other difference is another model
RESUMABLE_KEYS = frozenset({"overwrite_output_dir", "resume_from_checkpoint", "logging_steps", "logging_strategy",
                            "logging_first_step", "disable_tqdm", "report_to", "dataloader_num_workers",
                            "save_total_limit", "max_steps", "num_train_epochs"})
SAVED_CONFIG = "config.yaml"


def config_differences(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """``key: saved -> current`` for each key outside :data:`RESUMABLE_KEYS` that differs.

        >>> config_differences({"scratch_layers": 4, "seed": 1}, {"scratch_layers": 2, "seed": 1, "logging_steps": 5})
        ['scratch_layers: 4 -> 2']
    """
    keys = sorted((set(saved) | set(current)) - RESUMABLE_KEYS)
    return [f"{k}: {saved.get(k, '(default)')} -> {current.get(k, '(default)')}" for k in keys
            if saved.get(k) != current.get(k)]


def prepare_output_dir(output_dir: str | Path, config: dict[str, Any], overwrite: bool,
                       resume: str | bool | None = None, delete: bool = True) -> str | None:
    """The checkpoint to resume from, after making sure it was trained by ``config``.

    With no checkpoint in ``output_dir``, None. With one whose saved config matches (keys of
    :data:`RESUMABLE_KEYS` aside), its path. With one of another config, :class:`ConfigError` naming the keys that
    differ, unless ``overwrite``: then the run's checkpoints, ``final/`` and saved config are
    deleted and None is returned. ``resume`` as a path resumes that checkpoint unchecked; False
    never resumes. ``delete=False`` (the other processes of a multi-process run) checks the
    same but leaves the deleting to the main process."""
    out = Path(output_dir)
    if resume not in (None, True, "true", "True"):
        return None if resume in (False, "false", "False") else str(resume)
    ckpt = last_checkpoint(out)
    if ckpt is None:
        return None
    saved_path = out / SAVED_CONFIG
    saved = yaml.safe_load(saved_path.read_text(encoding="utf-8")) if saved_path.exists() else None
    diff = config_differences(saved or {}, config) if saved is not None else ["(no saved config.yaml)"]
    if not diff:
        return ckpt
    if overwrite and not delete:
        return None
    if overwrite:
        logger.warning("overwrite_output_dir: deleting the checkpoints of another config in %s (%s)", out,
                       "; ".join(diff))
        for p in [*out.glob("checkpoint-*"), out / "final", saved_path, out / "dev_report.json"]:
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
        return None
    raise ConfigError(
        f"{out} holds checkpoints of a different config ({'; '.join(diff)}). To start afresh there, set "
        f"'overwrite_output_dir: true' in the config (its checkpoints and final/ are deleted); or choose a new "
        f"output_dir.")
