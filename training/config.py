"""One loader for every config file: flat YAML into dataclasses, strictly checked.

Training, evaluation (``--cv``) and pretraining all read their configs with
:func:`load_config`, through ``HfArgumentParser.parse_yaml_file``. Before any work starts it
rejects a missing file, invalid YAML, nested keys, unknown keys and values of the wrong type
(``TrainingArguments`` fields included), each with a message naming the file and the key.

    >>> import pathlib, tempfile
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Size:
    ...     layers: int = 4
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> _ = p.write_text("layers: 2\\n")
    >>> load_config(p, Size)
    (Size(layers=2),)
    >>> _ = p.write_text("layers: two\\n")
    >>> load_config(p, Size)
    Traceback (most recent call last):
    ...
    arabic_events.training.config.ConfigError: ...c.yaml: key 'layers': 'two' is not of type <class 'int'>
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import logging
import os
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

SCRATCH = "scratch"


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


def _type_ok(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, a) for a in typing.get_args(tp))
    if tp is type(None):
        return value is None
    if origin in (list, tuple):
        inner = typing.get_args(tp)[:1] or (Any,)
        return isinstance(value, list) and all(_type_ok(v, inner[0]) for v in value)
    if origin is dict or tp is dict:
        return isinstance(value, dict)
    if tp is Any or origin is typing.Literal:
        return True
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return isinstance(value, str) and value in {m.value for m in tp}
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True


def check_types(path: Path | str, data: dict[str, Any], classes: tuple[type, ...]) -> None:
    """Raise :class:`ConfigError` for the first value whose type does not fit its field."""
    for cls in classes:
        try:
            hints = typing.get_type_hints(cls)
        except Exception:  # a foreign dataclass with unresolvable annotations: check what we can
            hints = {f.name: f.type for f in dataclasses.fields(cls) if not isinstance(f.type, str)}
        for f in dataclasses.fields(cls):
            if f.name in data and f.name in hints and not _type_ok(data[f.name], hints[f.name]):
                v = data[f.name]
                tip = " (write floats as 1.0e-5)" if isinstance(v, str) and "float" in str(hints[f.name]) else ""
                raise ConfigError(f"{path}: key {f.name!r}: {v!r} is not of type {hints[f.name]}{tip}")


def load_config(path: str | Path, *classes: type, required: tuple[str, ...] = ()) -> tuple[Any, ...]:
    """One instance of each dataclass of ``classes`` from the flat YAML file ``path``.

    Unknown keys, nested keys, values of the wrong type and missing ``required`` keys raise
    :class:`ConfigError` naming the file (and the key).
    """
    from transformers import HfArgumentParser

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} not found")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{p}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: a config is a flat mapping of keys to values")
    nested = [k for k, v in data.items() if isinstance(v, dict)]
    if nested:
        raise ConfigError(f"{p}: the config must be flat; nested keys: {nested}")
    known = {f.name for c in classes for f in dataclasses.fields(c)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{p}: unknown keys {unknown}")
    missing = [k for k in required if k not in data]
    if missing:
        raise ConfigError(f"{p}: required keys missing: {missing}")
    check_types(p, data, classes)
    try:
        return tuple(HfArgumentParser(classes).parse_yaml_file(str(p), allow_extra_keys=False))
    except (ValueError, TypeError) as e:
        raise ConfigError(f"{p}: {e}") from None


def resolve_path(value: str, config_path: str | Path) -> str:
    """A path named in a config: absolute as is; else relative to the working directory when
    it exists there, else relative to the config's folder or the folder above it (so that the
    shipped ``configs/*.yaml`` work from any directory); else unchanged."""
    p = Path(value)
    if p.is_absolute() or p.exists():
        return value
    here = Path(config_path).resolve().parent
    for base in (here, here.parent):
        if (base / p).exists():
            return str(base / p)
    return value


def resolved_config(*objs: Any) -> dict[str, Any]:
    """Every key of the given dataclass instances with its effective value; of a
    ``TrainingArguments``, the keys that differ from its defaults (and ``output_dir``)."""
    out: dict[str, Any] = {}
    for obj in objs:
        if type(obj).__name__ != "TrainingArguments":
            out.update(dataclasses.asdict(obj))
            continue
        for f in dataclasses.fields(obj):
            if not f.init:
                continue
            v = getattr(obj, f.name)
            v = v.value if hasattr(v, "value") else v
            default = f.default if f.default is not dataclasses.MISSING else None
            default = default.value if hasattr(default, "value") else default
            if (v != default or f.name == "output_dir") and isinstance(v, (str, int, float, bool, list, type(None))):
                out[f.name] = v
    return out


def config_main(prog: str, description: str, run: Callable[[str], Any], argv: list[str] | None = None) -> int:
    """Entry point shared by the config-driven commands: ``--config FILE [--log-level L]``;
    configures logging, runs ``run(config)`` and turns user errors into a message and exit 2."""
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("--config", required=True, help="flat YAML file (see configs/)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="details: every unlabelled span, framework warnings and loading bars")
    ap.add_argument("--log-level", default=os.environ.get("LOG_LEVEL"), help="logging level (default INFO)")
    a = ap.parse_args(argv)
    level = a.log_level or ("DEBUG" if a.verbose else "INFO")
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("urllib3", "filelock", "fsspec", "datasets", "transformers", "huggingface_hub", "PIL"):
        logging.getLogger(noisy).setLevel(logging.INFO if a.verbose else logging.WARNING)
    try:
        run(a.config)
    except (ConfigError, ValueError, OSError) as e:  # OSError: missing or corrupt files
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
