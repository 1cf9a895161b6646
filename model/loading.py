"""Loading models and tokenizers with errors that name the file, and without noise.

Every load of a checkpoint or an encoder goes through here, so that a user gets one line that
says what is wrong and where, never a traceback from inside transformers or safetensors:

- :func:`resolve_source` tells a local path from a Hub id. A name that looks like a path
  (exists, starts with ``.``, ``/`` or ``~``, or holds a path separator and the Hub cannot be
  reached) is a local directory, and a missing one is "not found" at once, never a network
  wait. A Hub id with the Hub unreachable is one line that says how to use a local copy.
- :func:`check_checkpoint_files` reads the headers of ``config.json``, ``model.safetensors``,
  the tokenizer files and ``aliases.json`` before any weights are built.
- :func:`quiet_transformers` silences the weight-loading and shard-writing bars and the
  framework's warnings for the duration of a block (``verbose=True`` keeps them).

    >>> resolve_source("./no/such/dir")
    Traceback (most recent call last):
    ...
    arabic_events.model.loading.CheckpointError: model directory no/such/dir not found
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: the files a saved checkpoint directory must hold
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer_config.json")


class CheckpointError(OSError):
    """A model directory, Hub id or model file that cannot be used; the message names it."""


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 2.0) -> bool:
    """Whether huggingface.co answers (False at once under ``HF_HUB_OFFLINE=1``)."""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def looks_local(name: str) -> bool:
    """True for names that can only be a path: they exist, start with ``.``, ``/`` or ``~``, use
    a backslash, have more than one ``/`` (a Hub id is ``owner/name`` or ``name``), or name a
    folder that exists here (``runs/nope`` where ``runs/`` exists)."""
    p = Path(name).expanduser()
    return (p.exists() or name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1
            or ("/" in name and p.parent.is_dir()))


def resolve_source(name: str | os.PathLike[str], what: str = "model") -> str:
    """``name`` as a local directory (expanded) or a Hub id; :class:`CheckpointError` when it is
    a path that does not exist, or a Hub id while the Hub is unreachable."""
    name = str(name)
    p = Path(name).expanduser()
    if p.exists():
        if not p.is_dir():
            raise CheckpointError(f"{what} {p} is a file; give the directory that holds it")
        return str(p)
    if looks_local(name):
        raise CheckpointError(f"{what} directory {p} not found")
    if not hub_reachable():
        local = f"{what} directory {p} not found, and " if "/" in name else f"{what} {name!r} is not a local directory and "
        raise CheckpointError(
            f"{local}it cannot be fetched as a Hub id: the Hugging Face Hub is unreachable. Download it where the "
            f"Hub is reachable (`hf download {name} --local-dir DIR`) and give DIR instead")
    return name


def _check_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CheckpointError(f"{path}: not UTF-8 text; the file is corrupt (re-save or re-download it)") from None
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
                              "the file is corrupt or truncated (re-save or re-download it)") from None


def check_safetensors(path: Path) -> None:
    """Raise :class:`CheckpointError` naming ``path`` unless it is a complete safetensors file:
    an 8-byte header length, a JSON header, and every tensor's bytes present."""
    size = path.stat().st_size
    problem = None
    with open(path, "rb") as fh:
        n = int.from_bytes(fh.read(8), "little") if size >= 8 else -1
        if not 0 < n <= size - 8:
            problem = "no valid header"
        else:
            try:
                header = json.loads(fh.read(n))
                need = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
            except (ValueError, KeyError, TypeError, IndexError):
                problem = "the header is not a safetensors header"
            else:
                if size < 8 + n + need:
                    problem = f"truncated: {size} bytes, the header promises {8 + n + need}"
    if problem:
        raise CheckpointError(f"{path}: not a complete safetensors file ({problem}); re-save or re-download it")


def check_checkpoint_files(directory: str | Path) -> None:
    """Check a saved checkpoint directory before loading it: required files present, JSON files
    parse, the weights file is a complete safetensors file."""
    p = Path(directory)
    missing = [f for f in REQUIRED_FILES if not (p / f).exists()]
    if not ((p / "tokenizer.json").exists() or (p / "vocab.txt").exists()):
        missing.append("tokenizer.json (or vocab.txt)")
    if missing:
        raise CheckpointError(f"checkpoint directory {p} is missing: {', '.join(missing)}")
    for f in ("config.json", "tokenizer_config.json", "tokenizer.json", "special_tokens_map.json"):
        if (p / f).exists():
            _check_json(p / f)
    check_safetensors(p / "model.safetensors")


def save_json_atomic(path: str | Path, data: Any, compact: bool = False) -> Path:
    """Write ``data`` as UTF-8 JSON to ``path`` through a temporary file and a rename, so a
    crash never leaves half a file (``compact``: no spaces after separators)."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":") if compact else None)
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def load_json_file(path: str | Path) -> Any:
    """A JSON file's content; :class:`CheckpointError` naming the file when it is not JSON."""
    return _check_json(Path(path))


@contextlib.contextmanager
def quiet_transformers(verbose: bool = False) -> Iterator[None]:
    """Within the block, no transformers/huggingface_hub progress bars ("Loading weights",
    "Writing model shards") and only their errors; restored afterwards. ``verbose`` keeps all."""
    if verbose:
        yield
        return
    from transformers.utils import logging as hf_logging

    bars, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def set_normal_permissions(directory: str | Path) -> None:
    """Give the files of a saved directory the usual mode (0666 less the umask); some writers
    create them 0600 through temporary files."""
    mask = os.umask(0)
    os.umask(mask)
    for f in Path(directory).iterdir():
        if f.is_file():
            f.chmod(0o666 & ~mask)
