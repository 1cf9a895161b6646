"""Fine-tuning from a config file: ``python -m training.train --config configs/offline.yaml``.

Builds the encoder (hub/directory, or a small BERT from scratch with a WordPiece tokenizer
trained on the training texts), trains with ``transformers.Trainer`` (so ``accelerate
launch -m training.train --config ...`` runs it on several GPUs), evaluates dev event F1
through the inference path at every evaluation, keeps the best checkpoint, resumes from the
last checkpoint in ``output_dir``, calibrates confidences on dev and writes the final model
to ``output_dir/final`` (atomically), with the resolved config and the dev report.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import yaml

from .arguments import SCRATCH, ConfigError, DataArguments, ModelArguments, config_main, load_config, resolved_config

logger = logging.getLogger(__name__)


def load_annotations(data_args: DataArguments, root: Path | None = None) -> list[dict[str, Any]]:
    """All records of the configured annotation files (standoff ones restored)."""
    from .records import load_records

    records = []
    for f in data_args.annotation_files:
        path = Path(f)
        if not path.is_absolute() and root is not None and not path.exists():
            path = root / f
        if not path.exists():
            raise FileNotFoundError(f"annotation file {f} not found")
        records += load_records(path, corpus=data_args.corpus_file)
    return records


def build_model(model_args: ModelArguments, train_texts: list[str], data_args: DataArguments):
    """(model, tokenizer) for a new run."""
    from transformers import AutoTokenizer, BertConfig

    from model.configuration import EventConfig
    from model.modeling import EventModel

    kwargs = dict(max_tokens=model_args.max_tokens, span_hidden=model_args.span_hidden, pair_hidden=model_args.pair_hidden,
                  dropout=model_args.dropout, coref_threshold=model_args.coref_threshold,
                  loss_weights={"entity": model_args.loss_entity, "event": model_args.loss_event,
                                "relation": model_args.loss_relation, "coref": model_args.loss_coref,
                                "mode": model_args.loss_mode, "modality": model_args.loss_modality})
    if model_args.model_name_or_path == SCRATCH:
        from .tokenizer import train_wordpiece

        texts = list(train_texts)
        if data_args.tokenizer_corpus_articles:
            from .records import read_corpus, resolve_corpus_path

            arts = read_corpus(resolve_corpus_path(data_args.corpus_file))
            texts += [a["text"] for a in list(arts.values())[: data_args.tokenizer_corpus_articles]]
        tokenizer = train_wordpiece(texts, vocab_size=model_args.scratch_vocab_size)
        enc = BertConfig(vocab_size=len(tokenizer), hidden_size=model_args.scratch_hidden_size,
                         num_hidden_layers=model_args.scratch_layers, num_attention_heads=model_args.scratch_heads,
                         intermediate_size=model_args.scratch_intermediate_size,
                         max_position_embeddings=max(512, model_args.max_tokens + 2), pad_token_id=tokenizer.pad_token_id)
        model = EventModel(EventConfig(encoder_name=SCRATCH, encoder_config=enc.to_dict(), **kwargs))
        return model, tokenizer
    tokenizer = AutoTokenizer.from_pretrained(model_args.tokenizer_name or model_args.model_name_or_path)
    model = EventModel.from_encoder(model_args.model_name_or_path, **kwargs)
    return model, tokenizer


def last_checkpoint(output_dir: str | Path) -> str | None:
    """The newest complete ``checkpoint-N`` directory of a run, if any."""
    p = Path(output_dir)
    if not p.is_dir():
        return None
    cks = [c for c in p.glob("checkpoint-*") if c.is_dir() and (c / "trainer_state.json").exists()
           and c.name.split("-")[-1].isdigit()]
    return str(max(cks, key=lambda c: int(c.name.split("-")[-1]))) if cks else None


def make_trainer_class():
    from transformers import Trainer

    class EventTrainer(Trainer):
        """A Trainer whose evaluation also runs the inference path on the dev articles."""

        def __init__(self, *args, dev_records=None, aliases=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.dev_records = dev_records or []
            self.aliases = aliases
            self.last_report: dict[str, Any] | None = None

        def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
            metrics = super().evaluate(eval_dataset, ignore_keys, metric_key_prefix) if (
                eval_dataset is not None or self.eval_dataset is not None) else {}
            if self.dev_records:
                from .scoring import headline
                report = evaluate_records(self.model, self.processing_class, self.aliases, self.dev_records)
                self.last_report = report
                extra = {f"{metric_key_prefix}_{k}": v for k, v in headline(report).items()}
                self.log(extra)
                metrics.update(extra)
                self.model.train()
            return metrics

    return EventTrainer


def evaluate_records(model, tokenizer, aliases, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The scoring report of the inference path on ``records``."""
    from model.extractor import EventExtractor

    from .scoring import score

    was_training = model.training
    ex = EventExtractor(model, tokenizer, aliases, device=next(model.parameters()).device)
    docs = ex.analyze_many([r["text"] for r in records], [(r.get("meta") or {}).get("published") for r in records])
    preds = [d.to_record(r["id"]) for d, r in zip(docs, records)]
    if was_training:
        model.train()
    return score(records, preds)


def _atomic_save(extractor, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    extractor.save_pretrained(tmp)
    if target.exists():
        old = target.with_name(target.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old)
    else:
        tmp.rename(target)


def train(config_path: str | Path) -> dict[str, Any]:
    """Run the whole recipe of a config file; returns the dev report of the final model."""
    from transformers import AutoTokenizer, set_seed

    from model.extractor import EventExtractor
    from model.linking import AliasTable
    from model.modeling import EventModel

    from .calibration import fit_platt, fit_temperatures
    from .dataset import WindowCollator, load_splits, split_records, window_features
    from .scoring import events_of, format_report

    model_args, data_args, args = load_config(config_path)
    root = Path(__file__).resolve().parent.parent
    set_seed(args.seed)
    records = load_annotations(data_args, root)
    splits_path = Path(data_args.splits_file)
    if not splits_path.exists() and (root / splits_path).exists():
        splits_path = root / splits_path
    parts = split_records(records, load_splits(splits_path))
    train_recs = [r for s in data_args.train_splits for r in parts.get(s, [])]
    dev_recs = parts.get(data_args.eval_split, [])
    if not train_recs:
        raise ConfigError(f"{config_path}: no training articles in splits {data_args.train_splits}")
    logger.info("%d train articles, %d dev articles", len(train_recs), len(dev_recs))

    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = last_checkpoint(out) if args.resume_from_checkpoint in (None, "true", "True", True) else args.resume_from_checkpoint
    if ckpt:
        logger.info("resuming from %s", ckpt)
        model = EventModel.from_pretrained(ckpt)
        tokenizer = AutoTokenizer.from_pretrained(ckpt)
    else:
        model, tokenizer = build_model(model_args, [r["text"] for r in train_recs], data_args)
    aliases = AliasTable.from_records(train_recs)
    if model_args.gazetteer:
        aliases.add_gazetteer(model_args.gazetteer)

    max_tokens = model.config.max_tokens
    train_feats, report = window_features(train_recs, tokenizer, max_tokens)
    logger.info("train windows: %d; alignment: %s", len(train_feats), report.summary())
    for line in report.lost[:20]:
        logger.warning("span not labelled: %s", line)
    dev_feats, _ = window_features(dev_recs, tokenizer, max_tokens)
    from datasets import Dataset

    cols = ["input_ids", "attention_mask", "entity_labels", "event_labels", "spans", "pairs", "pair_labels",
            "trigger_pairs", "coref_labels", "mode_labels", "modality_labels"]
    train_ds = Dataset.from_list([{k: f[k] for k in cols} for f in train_feats])
    dev_ds = Dataset.from_list([{k: f[k] for k in cols} for f in dev_feats]) if dev_feats else None
    args.remove_unused_columns = False
    args.prediction_loss_only = True
    if dev_ds is None:
        args.eval_strategy = "no"
        args.load_best_model_at_end = False
    collator = WindowCollator(tokenizer.pad_token_id)
    trainer = make_trainer_class()(model=model, args=args, train_dataset=train_ds, eval_dataset=dev_ds,
                                   data_collator=collator, processing_class=tokenizer, dev_records=dev_recs,
                                   aliases=aliases)
    with open(out / "config.yaml", "w", encoding="utf-8") as fh:
        yaml.safe_dump(resolved_config(model_args, data_args, args), fh, allow_unicode=True, sort_keys=False)
    trainer.train(resume_from_checkpoint=ckpt)
    model = trainer.model
    if data_args.calibrate and dev_feats:
        model.config.temperatures.update(fit_temperatures(model, dev_feats, collator))
        model.config.temperatures.update({"event_a": 1.0, "event_b": 0.0})
        from .scoring import match_events
        ex = EventExtractor(model, tokenizer, aliases, device=args.device)
        confs, hits = [], []
        for r in dev_recs:
            doc = ex.analyze(r["text"], (r.get("meta") or {}).get("published"))
            pred = doc.to_record(r["id"])
            ge, pe = events_of(r), events_of(pred)
            hit = {u for u in match_events(r["text"], ge, pe) if u >= 0}
            confs += [e["confidence"] for e in pe]
            hits += [k in hit for k in range(len(pe))]
        a, b = fit_platt(confs, hits)
        model.config.temperatures.update({"event_a": a, "event_b": b})
        logger.info("event confidence Platt scaling: a=%.3f b=%.3f on %d dev events", a, b, len(confs))
    final = EventExtractor(model, tokenizer, aliases, device=args.device)
    _atomic_save(final, out / "final")
    shutil.copy(out / "config.yaml", out / "final" / "training_config.yaml")
    dev_report = evaluate_records(model, tokenizer, aliases, dev_recs) if dev_recs else {}
    if dev_report:
        (out / "dev_report.json").write_text(json.dumps(dev_report, indent=1), encoding="utf-8")
        print(f"\nDev metrics of {out / 'final'} ({len(dev_recs)} articles):")
        print(format_report(dev_report))
    return dev_report


def main(argv: list[str] | None = None) -> int:
    return config_main("arabic-events-train", "Train the event extractor from a config file.", train, argv)


if __name__ == "__main__":
    raise SystemExit(main())
