"""Config dataclasses and the flat-YAML loader (``HfArgumentParser.parse_yaml_file``).

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> _ = p.write_text("output_dir: /tmp/x\\nmodel_name_or_path: scratch\\nlearning_rate: 1.0e-4\\n")
    >>> m, d, t = load_config(p)
    >>> m.model_name_or_path, t.learning_rate
    ('scratch', 0.0001)
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCRATCH = "scratch"


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass
class ModelArguments:
    """The encoder and the heads."""

    model_name_or_path: str = field(default="aubmindlab/bert-base-arabertv02", metadata={
        "help": "hub id or directory of a pretrained encoder, or 'scratch' for a small BERT built here"})
    tokenizer_name: str | None = field(default=None, metadata={"help": "tokenizer, if not the encoder's"})
    scratch_vocab_size: int = 8000
    scratch_hidden_size: int = 256
    scratch_layers: int = 4
    scratch_heads: int = 4
    scratch_intermediate_size: int = 1024
    max_tokens: int = field(default=254, metadata={"help": "sub-word tokens per window, special tokens excluded"})
    span_hidden: int = 256
    pair_hidden: int = 256
    dropout: float = 0.1
    loss_entity: float = 1.0
    loss_event: float = 1.0
    loss_relation: float = 1.0
    loss_coref: float = 0.5
    loss_mode: float = 0.5
    loss_modality: float = 0.25
    coref_threshold: float = 0.5
    gazetteer: str | None = field(default=None, metadata={"help": "extra alias file for actor refs"})


@dataclass
class DataArguments:
    """Annotated data, splits, corpus."""

    annotation_files: list[str] = field(default_factory=lambda: ["annotations/seed.jsonl", "annotations/corpus.jsonl"])
    splits_file: str = "annotations/splits.json"
    corpus_file: str | None = field(default=None, metadata={
        "help": "ant-multisource.jsonl.gz for standoff records (else $ARABIC_EVENTS_CORPUS or ../shared/corpus)"})
    tokenizer_corpus_articles: int = field(default=0, metadata={
        "help": "scratch tokenizer: also train on this many corpus articles"})
    calibrate: bool = field(default=True, metadata={"help": "fit confidence temperatures on the dev split"})
    train_splits: list[str] = field(default_factory=lambda: ["train"])
    eval_split: str = "dev"


def _type_ok(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, a) for a in typing.get_args(tp))
    if tp is type(None):
        return value is None
    if origin is list:
        (inner,) = typing.get_args(tp) or (Any,)
        return isinstance(value, list) and all(_type_ok(v, inner) for v in value)
    if tp is Any:
        return True
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True


def _check_types(path: Path, data: dict[str, Any], classes: tuple[type, ...]) -> None:
    for cls in classes:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.name in data and f.name in hints and cls.__name__ != "TrainingArguments":
                v = data[f.name]
                if not _type_ok(v, hints[f.name]):
                    hint = " (write floats as 1.0e-5)" if isinstance(v, str) and "float" in str(hints[f.name]) else ""
                    raise ConfigError(f"{path}: key {f.name!r}: {v!r} is not of type {hints[f.name]}{hint}")


def load_config(path: str | Path):
    """(ModelArguments, DataArguments, TrainingArguments) from a flat YAML file.

    Unknown keys and values of the wrong type raise :class:`ConfigError` naming the file.
    """
    from transformers import HfArgumentParser, TrainingArguments

    p = Path(path)
    if not p.exists():
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
    known = {f.name for c in (ModelArguments, DataArguments, TrainingArguments) for f in dataclasses.fields(c)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{p}: unknown keys {unknown}")
    if "output_dir" not in data:
        raise ConfigError(f"{p}: 'output_dir' is required")
    _check_types(p, data, (ModelArguments, DataArguments))
    for k, v in data.items():  # TrainingArguments floats written as strings are a common YAML trap
        if k in ("learning_rate", "weight_decay", "warmup_ratio", "adam_epsilon", "max_grad_norm") and isinstance(v, str):
            raise ConfigError(f"{p}: key {k!r}: {v!r} is a string; write floats as 1.0e-5")
    parser = HfArgumentParser((ModelArguments, DataArguments, TrainingArguments))
    try:
        model_args, data_args, train_args = parser.parse_yaml_file(str(p), allow_extra_keys=False)
    except (ValueError, TypeError) as e:
        raise ConfigError(f"{p}: {e}") from None
    return model_args, data_args, train_args


def resolved_config(model_args: Any, data_args: Any, train_args: Any) -> dict[str, Any]:
    """Every key of the three dataclasses with its effective value (for the output directory)."""
    out: dict[str, Any] = {}
    for obj in (model_args, data_args):
        out.update(dataclasses.asdict(obj))
    for f in dataclasses.fields(train_args):
        if not f.init:
            continue
        v = getattr(train_args, f.name)
        v = v.value if hasattr(v, "value") else v
        default = f.default if f.default is not dataclasses.MISSING else None
        default = default.value if hasattr(default, "value") else default
        if (v != default or f.name == "output_dir") and isinstance(v, (str, int, float, bool, list, type(None))):
            out[f.name] = v
    return out


def config_main(prog: str, description: str, run, argv: list[str] | None = None) -> int:
    """Entry point shared by the config-driven commands: ``--config FILE [--log-level L]``;
    configures logging, runs ``run(config)`` and turns user errors into a message and exit 2."""
    import argparse
    import logging
    import os
    import sys

    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("--config", required=True, help="flat YAML file (see configs/)")
    ap.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    a = ap.parse_args(argv)
    logging.basicConfig(level=a.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        run(a.config)
    except (ConfigError, FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
