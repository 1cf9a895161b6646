"""Masked-language-model pretraining on raw Arabic news (``arabic-events-pretrain --config FILE``).

Two modes from the same code:

- ``model_name_or_path: scratch``: train a WordPiece tokenizer on the corpus (``vocab_size``)
  and a BERT of the configured size from random weights;
- ``model_name_or_path: <hub id or directory>``: continue pretraining that encoder (and its
  tokenizer), e.g. AraBERT on a user's own news archive.

Input streams from ``.jsonl(.gz)`` (a ``text`` field per line) and ``.txt`` files (one
document per blank-line-separated block), so memory stays flat whatever the corpus size.
Whole words are masked (15% of words; of their tokens 80% [MASK], 10% random, 10% kept), and
the MLM head runs only on the masked positions. Checkpoints every ``save_steps``; rerunning
the same command resumes from the last one. The result (``output_dir/final``) is a directory
that ``model_name_or_path`` of a fine-tuning config accepts.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import IterableDataset
from transformers import AutoTokenizer, BertForMaskedLM, TrainingArguments, set_seed
from transformers.modeling_outputs import MaskedLMOutput

from arabic_events.model.text import normalize, split_sentences
from arabic_events.training.config import SCRATCH, load_config, resolve_path
from arabic_events.training.data.locations import resolve_corpus_path
from arabic_events.training.learning.checkpoints import last_checkpoint, save_atomic
from arabic_events.training.learning.scratch import scratch_bert_config, train_wordpiece
from arabic_events.training.learning.trainer import QuietTrainer

logger = logging.getLogger(__name__)


@dataclass
class PretrainArguments:
    """What to pretrain, on what."""

    model_name_or_path: str = field(default=SCRATCH, metadata={"help": "'scratch' or an encoder to continue"})
    corpus_files: list[str] = field(default_factory=list, metadata={
        "help": ".jsonl(.gz) or .txt files; empty: the ANT corpus of the shared data folder"})
    vocab_size: int = 16000
    tokenizer_articles: int = 0
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 1024
    max_seq_length: int = 128
    mlm_probability: float = 0.15
    whole_word_masking: bool = True
    stream_seed: int = 0


def iter_documents(paths: list[str]) -> Iterator[str]:
    """Texts of the documents of ``paths``, streamed."""
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise FileNotFoundError(f"corpus file {path} not found")
        if path.suffix == ".txt":
            block: list[str] = []
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        block.append(line.rstrip("\n"))
                    elif block:
                        yield "\n".join(block)
                        block = []
            if block:
                yield "\n".join(block)
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    text = json.loads(line).get("text")
                except (json.JSONDecodeError, AttributeError):
                    raise ValueError(f"{path}:{n}: not a JSON object with a 'text' field") from None
                if isinstance(text, str) and text.strip():
                    yield text


class PackedMLMStream(IterableDataset):
    """Endless stream of packed token sequences ([CLS] ... [SEP]) with word-start flags."""

    def __init__(self, paths: list[str], tokenizer: Any, max_seq_length: int, seed: int = 0):
        self.paths, self.tok, self.max_len, self.seed = paths, tokenizer, max_seq_length, seed

    def __iter__(self) -> Iterator[dict[str, list[int]]]:
        body = self.max_len - 2
        ids: list[int] = []
        starts: list[int] = []
        epoch = 0
        while True:
            for doc in iter_documents(self.paths):
                norm = normalize(doc).text
                sents = [norm[a:b] for a, b in split_sentences(norm)]
                if not sents:
                    continue
                enc = self.tok(sents, add_special_tokens=False)
                for sent_ids in enc["input_ids"]:
                    toks = self.tok.convert_ids_to_tokens(sent_ids)
                    ids += sent_ids
                    starts += [0 if t.startswith("##") else 1 for t in toks]
                    while len(ids) >= body:
                        yield {"input_ids": [self.tok.cls_token_id] + ids[:body] + [self.tok.sep_token_id],
                               "word_starts": [0] + starts[:body] + [0]}
                        ids, starts = ids[body:], starts[body:]
                        if starts:
                            starts[0] = 1
            epoch += 1
            logger.info("corpus pass %d done", epoch)


class WholeWordMaskCollator:
    """Masks whole words: 15% of words; their tokens 80% [MASK], 10% random, 10% unchanged."""

    def __init__(self, tokenizer: Any, mlm_probability: float = 0.15, whole_word: bool = True, seed: int = 0):
        self.tok, self.p, self.whole_word = tokenizer, mlm_probability, whole_word
        self.rng = random.Random(seed)
        self.special = set(tokenizer.all_special_ids)

    def __call__(self, batch: list[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
        n = max(len(b["input_ids"]) for b in batch)
        input_ids = torch.full((len(batch), n), self.tok.pad_token_id, dtype=torch.long)
        labels = torch.full((len(batch), n), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), n), dtype=torch.long)
        vocab = len(self.tok)
        for r, b in enumerate(batch):
            ids = list(b["input_ids"])
            words: list[list[int]] = []
            for i, (t, s) in enumerate(zip(ids, b["word_starts"])):
                if t in self.special:
                    continue
                if s or not words or not self.whole_word:
                    words.append([i])
                else:
                    words[-1].append(i)
            k = max(1, round(len(words) * self.p)) if words else 0
            for w in self.rng.sample(words, k):
                for i in w:
                    labels[r, i] = ids[i]
                    u = self.rng.random()
                    if u < 0.8:
                        ids[i] = self.tok.mask_token_id
                    elif u < 0.9:
                        ids[i] = self.rng.randrange(vocab)
            input_ids[r, :len(ids)] = torch.tensor(ids)
            mask[r, :len(ids)] = 1
        return {"input_ids": input_ids, "attention_mask": mask, "labels": labels}


class BertForMaskedOnlyLM(BertForMaskedLM):
    """``BertForMaskedLM`` whose head runs only on masked positions (same weights, ~3x faster)."""

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, **kwargs):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        if labels is None:
            return MaskedLMOutput(logits=self.cls(hidden))
        sel = labels != -100
        logits = self.cls(hidden[sel])
        loss = torch.nn.functional.cross_entropy(logits.float(), labels[sel])
        return MaskedLMOutput(loss=loss, logits=logits)


class PretrainTrainer(QuietTrainer):
    """A Trainer that adds ``tokens_per_second`` (since this run started) to every log."""

    tokens_per_step = 0

    def _start_clock(self) -> None:
        if not hasattr(self, "_t0"):
            self._t0, self._step0 = time.time(), self.state.global_step

    def log(self, logs, *args, **kwargs):
        self._start_clock()
        dt = time.time() - self._t0
        if dt > 0 and self.state.global_step > self._step0:
            logs["tokens_per_second"] = round((self.state.global_step - self._step0) * self.tokens_per_step / dt, 1)
        super().log(logs, *args, **kwargs)

    def training_step(self, *args, **kwargs):
        self._start_clock()
        return super().training_step(*args, **kwargs)


def load_pretrain_config(path: str | Path) -> tuple[PretrainArguments, TrainingArguments]:
    """(PretrainArguments, TrainingArguments) of a pretraining config (``max_steps`` required: the input is a stream)."""
    return load_config(path, PretrainArguments, TrainingArguments, required=("max_steps", "output_dir"))


def pretrain(config_path: str | Path) -> Path:
    """Run a pretraining config; returns the final directory."""
    pargs, targs = load_pretrain_config(config_path)
    paths = [resolve_path(p, config_path) for p in pargs.corpus_files] or [str(resolve_corpus_path())]
    set_seed(targs.seed)
    out = Path(targs.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = last_checkpoint(out)
    if ckpt:
        logger.info("resuming from %s", ckpt)
        tokenizer = AutoTokenizer.from_pretrained(ckpt)
        model = BertForMaskedOnlyLM.from_pretrained(ckpt)
    elif pargs.model_name_or_path == SCRATCH:
        def docs() -> Iterator[str]:
            for k, d in enumerate(iter_documents(paths)):
                if pargs.tokenizer_articles and k >= pargs.tokenizer_articles:
                    return
                yield d

        tokenizer = train_wordpiece(docs(), vocab_size=pargs.vocab_size)
        model = BertForMaskedOnlyLM(scratch_bert_config(tokenizer, pargs.hidden_size, pargs.num_layers,
                                                        pargs.num_heads, pargs.intermediate_size))
    else:
        tokenizer = AutoTokenizer.from_pretrained(pargs.model_name_or_path)
        model = BertForMaskedOnlyLM.from_pretrained(pargs.model_name_or_path)
    n_params = sum(p.numel() for p in model.parameters())
    logger.info("encoder: %.1fM parameters, vocabulary %d", n_params / 1e6, len(tokenizer))
    stream = PackedMLMStream(paths, tokenizer, pargs.max_seq_length, pargs.stream_seed)
    targs.remove_unused_columns = False
    if not sys.stderr.isatty():
        targs.disable_tqdm = True  # under nohup or CI: one log line per logging step, not a redrawn bar
    collator = WholeWordMaskCollator(tokenizer, pargs.mlm_probability, pargs.whole_word_masking, targs.seed)
    trainer = PretrainTrainer(model=model, args=targs, train_dataset=stream, data_collator=collator,
                              processing_class=tokenizer)
    trainer.tokens_per_step = (pargs.max_seq_length * targs.per_device_train_batch_size
                               * max(1, targs.gradient_accumulation_steps) * max(1, targs.world_size))
    trainer.train(resume_from_checkpoint=ckpt)

    def write(tmp: Path) -> None:
        trainer.save_model(str(tmp))
        tokenizer.save_pretrained(str(tmp))

    final = save_atomic(write, out / "final")
    logger.info("pretrained encoder written to %s", final)
    return final
