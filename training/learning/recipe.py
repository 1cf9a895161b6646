"""The fine-tuning recipe: config file in, calibrated model in ``output_dir/final`` out.

    python -m arabic_events.training.train --config configs/offline.yaml

Trains with ``transformers.Trainer``, evaluates dev event F1 through the inference path at
every evaluation, keeps the best checkpoint, resumes from the last checkpoint in ``output_dir``
when it was trained by the same config, calibrates confidences on dev and writes
``output_dir/final`` atomically, with the resolved config (``training_config.yaml``) and the dev
report (``dev_report.json``).

``torchrun --nproc_per_node N`` (or ``accelerate launch --multi_gpu --num_processes N``) runs it
as N processes with DDP: every process trains and evaluates (each evaluates all of dev, so all
agree on the best checkpoint); after training they wait for each other, and the main process
alone calibrates and writes ``final/``.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml
from transformers import set_seed

from arabic_events.model.extractor import EventExtractor
from arabic_events.training.config import ConfigError, resolve_path, resolved_config
from arabic_events.training.data.dataset import WindowCollator
from arabic_events.training.data.locations import resolve_corpus_path
from arabic_events.training.evaluation.predict import evaluate_records
from arabic_events.training.evaluation.scoring import format_report
from arabic_events.training.learning.arguments import load_training_config
from arabic_events.training.learning.averaging import WeightAverage
from arabic_events.training.learning.build import (
    build_aliases,
    extra_entity_records,
    feature_dataset,
    load_or_build,
    tag_weights,
    train_dev_records,
    train_gazetteers,
    train_relevance_filter,
    validate_model_args,
)
from arabic_events.training.learning.calibration import calibrate
from arabic_events.training.learning.checkpoints import SAVED_CONFIG, prepare_output_dir, save_atomic
from arabic_events.training.learning.trainer import EventTrainer

logger = logging.getLogger(__name__)


def wait_for_everyone(args: Any) -> None:
    """A barrier across the training processes (nothing with one process)."""
    if args.world_size > 1:
        args.distributed_state.wait_for_everyone()


def train(config_path: str | Path) -> dict[str, Any]:
    """Run the whole recipe of a config file; returns the dev report of the final model.

    Everything in the config is checked before any work; a rerun resumes only a checkpoint of
    the same config (:func:`~arabic_events.training.learning.checkpoints.prepare_output_dir`)."""
    model_args, data_args, args = load_training_config(config_path)
    validate_model_args(model_args, config_path)
    if model_args.average_from_epoch:
        if args.max_steps <= 0 and model_args.average_from_epoch > args.num_train_epochs:
            raise ConfigError(f"{config_path}: average_from_epoch: {model_args.average_from_epoch} is after the last "
                              f"epoch ({args.num_train_epochs:g})")
        if args.load_best_model_at_end:
            raise ConfigError(f"{config_path}: average_from_epoch and load_best_model_at_end: true both choose the "
                              "final weights; set load_best_model_at_end: false")
    if data_args.relevance_filter:  # its corpus must be there before hours of training, not after
        resolve_corpus_path(data_args.corpus_file)
    if data_args.extra_entity_data and not Path(resolve_path(data_args.extra_entity_data, config_path)).is_file():
        raise ConfigError(f"{config_path}: extra_entity_data {data_args.extra_entity_data} not found")
    config = resolved_config(model_args, data_args, args)
    out = Path(args.output_dir)
    main = args.process_index == 0  # several processes (torchrun, accelerate launch): the main one writes
    ckpt = prepare_output_dir(out, config, data_args.overwrite_output_dir, args.resume_from_checkpoint,
                              delete=main)
    wait_for_everyone(args)
    set_seed(args.seed, deterministic=args.full_determinism)
    train_recs, dev_recs = train_dev_records(data_args, config_path)
    out.mkdir(parents=True, exist_ok=True)
    model, tokenizer = load_or_build(model_args, data_args, train_recs, ckpt)
    aliases = build_aliases(train_recs, model_args.gazetteer)

    cfg = model.config
    wf = model.word_featurizer
    extra = extra_entity_records(data_args, config_path, train_recs)
    gazetteers = train_gazetteers(model, train_recs)
    train_ds, _ = feature_dataset(train_recs + extra, tokenizer, cfg.max_tokens, "train", cfg.normalization, wf,
                                  gazetteers + [None] * len(extra) if gazetteers is not None else None)
    if model_args.class_weighting and not ckpt:
        cfg.tag_weights = {layer: tag_weights(train_ds[f"{layer}_labels"], len(tags), model_args.class_weighting)
                           for layer, tags in (("entity", cfg.entity_tags), ("event", cfg.event_tags))
                           if model_args.class_weighting_layers in (layer, "both")}
    dev_ds, dev_feats = feature_dataset(dev_recs, tokenizer, cfg.max_tokens, "dev", cfg.normalization, wf)
    args.remove_unused_columns = False
    args.prediction_loss_only = True
    if not sys.stderr.isatty():
        args.disable_tqdm = True  # under nohup or CI: the log lines, not a redrawn bar
    if dev_ds is None:
        args.eval_strategy = "no"
        args.load_best_model_at_end = False
    collator = WindowCollator(tokenizer.pad_token_id)
    trainer = EventTrainer(model=model, args=args, train_dataset=train_ds, eval_dataset=dev_ds, data_collator=collator,
                           processing_class=tokenizer, dev_records=dev_recs, aliases=aliases)
    if model_args.average_from_epoch:
        trainer.add_callback(WeightAverage(model_args.average_from_epoch, resume_from=ckpt))
    if main:
        with open(out / SAVED_CONFIG, "w", encoding="utf-8") as fh:
            yaml.safe_dump(config, fh, allow_unicode=True, sort_keys=False)
    trainer.train(resume_from_checkpoint=ckpt)
    wait_for_everyone(args)
    if not main:  # the other processes stop here; the main one calibrates and writes final/ alone
        wait_for_everyone(args)
        return {}

    relevance = train_relevance_filter(data_args, config_path) if data_args.relevance_filter else None
    final = EventExtractor(trainer.model, tokenizer, aliases, device=args.device, relevance=relevance)
    if data_args.calibrate and dev_feats:
        calibrate(final, dev_feats, dev_recs, collator)
    report = evaluate_records(final, dev_recs) if dev_recs else {}

    def write(tmp: Path) -> None:
        final.save_pretrained(tmp)
        shutil.copy(out / SAVED_CONFIG, tmp / "training_config.yaml")
        if report:
            (tmp / "dev_report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")

    save_atomic(write, out / "final")
    wait_for_everyone(args)
    if report:
        print(f"\nDev metrics of {out / 'final'} ({len(dev_recs)} articles):")
        print(format_report(report))
    return report
