"""Training as two processes (DDP on CPU, as ``torchrun`` runs it on several GPUs) gives a whole,
loadable model whose dev metrics match a one-process run.

The two runs see the same global batch (8 windows: 8 in one process, 4 + 4 in two) for the same
steps; only the order of the windows differs (DDP's sampler shards them), so the final models
differ a little. Stated tolerance: the two-process model's dev loss is within 5% of the
one-process model's, and both are below 60% of an untrained model's.
"""

import json
import os
import subprocess
import sys

import pytest
import torch
from conftest import SEED_FILE
from helpers import tiny_config

from arabic_events.model.extractor import EventExtractor
from arabic_events.training.data.dataset import WindowCollator, window_features
from arabic_events.training.evaluation.predict import evaluate_records
from arabic_events.training.evaluation.scoring import headline

STEPS = 120


def config(tmp_path, name: str, batch: int, **extra):
    folder = tmp_path / f"cfg-{name}"
    folder.mkdir()
    keys = {"max_steps": STEPS, "per_device_train_batch_size": batch, "learning_rate": "5.0e-3",
            "eval_strategy": '"no"', "save_strategy": "steps", "save_steps": STEPS, "logging_steps": 40,
            "seed": 5, "word_flags": "true", "context_lstm": 1, **extra}
    return tiny_config(folder, SEED_FILE, tmp_path / name, **keys)


def dev_loss(model, tokenizer, record) -> float:
    feats, _ = window_features([record], tokenizer, model.config.max_tokens, model.config.normalization,
                               model.word_featurizer)
    with torch.no_grad():
        return float(model.eval()(**WindowCollator(tokenizer.pad_token_id)(feats)).loss)


@pytest.mark.skipif(not torch.distributed.is_available(), reason="this torch build has no torch.distributed")
def test_two_process_training_writes_the_same_model_as_one(tmp_path, seed_records):
    from arabic_events.training.learning.arguments import load_training_config
    from arabic_events.training.learning.build import load_or_build, train_dev_records
    from arabic_events.training.learning.recipe import train

    one_cfg = config(tmp_path, "one", 8)
    two_cfg = config(tmp_path, "two", 4)
    train(one_cfg)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           "-m", "arabic_events.training.train", "--config", str(two_cfg)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    final = tmp_path / "two" / "final"
    assert {"config.json", "model.safetensors", "tokenizer.json", "word_features.json", "aliases.json",
            "dev_report.json", "training_config.yaml"} <= {p.name for p in final.iterdir()}
    assert not (tmp_path / "two" / "final.tmp").exists()
    # the main process wrote the checkpoint alone, with the trainer's state
    assert (tmp_path / "two" / f"checkpoint-{STEPS}" / "model.safetensors").exists()

    dev = seed_records[4]
    one = EventExtractor.from_pretrained(tmp_path / "one" / "final", device="cpu")
    two = EventExtractor.from_pretrained(final, device="cpu")
    # the saved report is the loaded model's: the main process evaluated the model it saved
    saved = headline(json.loads((final / "dev_report.json").read_text()))
    assert headline(evaluate_records(two, [dev])) == pytest.approx(saved)

    model_args, data_args, _ = load_training_config(one_cfg)
    train_recs, _ = train_dev_records(data_args, one_cfg)
    untrained, tok = load_or_build(model_args, data_args, train_recs, None)
    loss_untrained = dev_loss(untrained, tok, dev)
    loss_one = dev_loss(one.model, one.tokenizer, dev)
    loss_two = dev_loss(two.model, two.tokenizer, dev)
    assert loss_one < 0.6 * loss_untrained and loss_two < 0.6 * loss_untrained
    assert loss_two == pytest.approx(loss_one, rel=0.05)
    one_metrics = headline(json.loads((tmp_path / "one" / "final" / "dev_report.json").read_text()))
    assert all(abs(saved[k] - one_metrics[k]) <= 0.1 for k in saved)
