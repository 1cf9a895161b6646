"""Weight averaging (training/learning/averaging.py): the final model is the mean of the
epochs' weights, the running sum lives in every checkpoint, and a resumed run ends the same."""

import logging

import pytest
import torch
from conftest import SEED_FILE
from helpers import tiny_config
from safetensors.torch import load_file

from arabic_events.training.config import ConfigError
from arabic_events.training.learning.averaging import FILE_NAME, WeightAverage


def config(tmp_path, out, max_steps, **extra):
    # batch 64 holds every training window of the 4 seed articles: one step per epoch
    keys = {"max_steps": max_steps, "per_device_train_batch_size": 64, "learning_rate": "1.0e-2",
            "lr_scheduler_type": "constant", "eval_strategy": '"no"', "save_strategy": "epoch",
            "average_from_epoch": 2, "calibrate": "false", "disable_tqdm": "true", "seed": 3}
    return tiny_config(tmp_path, SEED_FILE, out, **{**keys, **extra})


def test_the_final_weights_are_the_mean_of_the_averaged_epochs_and_resume_gives_the_same(tmp_path):
    from arabic_events.training.learning.recipe import train

    run = tmp_path / "a"
    train(config(tmp_path, run, 3))
    ckpts = [load_file(str(run / f"checkpoint-{k}" / "model.safetensors")) for k in (1, 2, 3)]
    final = load_file(str(run / "final" / "model.safetensors"))
    moved = [k for k in final if not torch.equal(ckpts[1][k], ckpts[2][k])]
    assert len(moved) > 10  # training moves the weights between the epochs
    for k in final:
        assert torch.allclose(final[k], (ckpts[1][k] + ckpts[2][k]) / 2, atol=1e-6), k
    # the running sum is in each checkpoint: none before epoch 2, then one epoch, then two
    assert not (run / "checkpoint-1" / FILE_NAME).exists()
    assert [int(load_file(str(run / f"checkpoint-{k}" / FILE_NAME))["__epochs_averaged__"][0]) for k in (2, 3)] == [1, 2]

    # stopped after epoch 2, then resumed: the same final weights
    other = tmp_path / "b"
    train(config(tmp_path, other, 2))
    train(config(tmp_path, other, 3))
    resumed = load_file(str(other / "final" / "model.safetensors"))
    for k in final:
        assert torch.allclose(resumed[k], final[k], atol=1e-5), k


def test_the_sum_round_trips_and_bad_settings_are_clear(tmp_path, caplog):
    net = torch.nn.Linear(2, 2)
    avg = WeightAverage(start_epoch=1)
    avg.add(net, 1)
    avg.save(tmp_path)
    back = WeightAverage(start_epoch=1, resume_from=tmp_path)
    back.on_train_begin(None, None, None)
    assert back.count == 1 and all(torch.equal(back.sums[k], avg.sums[k]) for k in avg.sums)
    with pytest.raises(ValueError, match="start_epoch"):
        WeightAverage(start_epoch=0)
    # a run that stops before the first averaged epoch keeps its last weights, and says so
    late = WeightAverage(start_epoch=5)
    late.add(net, 4)
    before = net.weight.detach().clone()
    with caplog.at_level(logging.WARNING, logger="arabic_events.training.learning.averaging"):
        late.on_train_end(None, None, None, model=net)
    assert torch.equal(net.weight, before) and "not averaged" in caplog.text

    from arabic_events.training.learning.recipe import train

    with pytest.raises(ConfigError, match="average_from_epoch and load_best_model_at_end"):
        train(config(tmp_path, tmp_path / "c", 3, load_best_model_at_end="true", eval_strategy="epoch"))
    with pytest.raises(ConfigError, match="after the last epoch"):
        train(config(tmp_path, tmp_path / "c", None, num_train_epochs=2, average_from_epoch=5))
