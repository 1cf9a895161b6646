"""Config files, a 2-step training run into tmp_path, and resuming from its checkpoint."""

import json
import logging
from pathlib import Path

import pytest
from conftest import ROOT, SEED_FILE
from helpers import tiny_config as make_tiny_config

from arabic_events.training.config import ConfigError
from arabic_events.training.learning.arguments import load_training_config as load_config

CONFIGS = sorted((ROOT / "configs").glob("*.yaml")) + sorted((ROOT / "benchmarks").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_config_parses(path):
    if path.name.startswith("pretrain"):
        from arabic_events.training.learning.pretraining import load_pretrain_config

        pargs, targs = load_pretrain_config(path)
        assert targs.max_steps > 0
    else:
        model_args, data_args, targs = load_config(path)
        assert targs.output_dir and model_args.model_name_or_path


def test_unknown_key_is_an_error(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("output_dir: x\nlearnin_rate: 1.0e-4\n")
    with pytest.raises(ConfigError, match=r"c.yaml: unknown keys \['learnin_rate'\]"):
        load_config(p)


def test_bad_values_are_errors(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("output_dir: x\nmax_tokens: many\n")
    with pytest.raises(ConfigError, match="key 'max_tokens': 'many' is not of type"):
        load_config(p)
    p.write_text("output_dir: x\nlearning_rate: 1e-5\n")
    with pytest.raises(ConfigError, match="write floats as 1.0e-5"):
        load_config(p)
    p.write_text("output_dir: x\neval_strategy: sometimes\n")
    with pytest.raises(ConfigError, match="sometimes"):
        load_config(p)


def tiny_config(tmp_path, max_steps):
    return make_tiny_config(tmp_path, SEED_FILE, tmp_path / "run", max_steps=max_steps, per_device_train_batch_size=8,
                            learning_rate="1.0e-3", eval_strategy="steps", eval_steps=2, save_steps=2,
                            load_best_model_at_end="true", metric_for_best_model="event_f1", greater_is_better="true",
                            disable_tqdm="true", seed=7)


def test_two_steps_then_resume(tmp_path, caplog):
    from arabic_events.model.extractor import EventExtractor
    from arabic_events.training.learning.recipe import train

    cfg = tiny_config(tmp_path, 2)
    report = train(cfg)
    run = tmp_path / "run"
    assert (run / "checkpoint-2" / "trainer_state.json").exists()
    assert (run / "final" / "model.safetensors").exists() and (run / "final" / "aliases.json").exists()
    assert (run / "config.yaml").exists() and "max_steps: 2" in (run / "config.yaml").read_text()
    assert "events" in report and (run / "final" / "dev_report.json").exists()
    ex = EventExtractor.from_pretrained(run / "final", device="cpu")
    assert set(ex.model.config.temperatures) == {"entity", "event", "relation", "coref", "mode", "modality"}
    assert set(ex.model.config.event_platt) == {"a", "b"}
    assert isinstance(ex.extract("بحث الرئيس الروسي فلاديمير بوتين مع نظيره"), list)

    # interrupted at step 2; a longer run resumes from the checkpoint instead of starting over
    cfg = tiny_config(tmp_path, 4)
    with caplog.at_level(logging.INFO, logger="arabic_events.training.learning.build"):
        train(cfg)
    assert any("resuming from" in r.getMessage() and r.getMessage().endswith("checkpoint-2") for r in caplog.records)
    state = json.loads((run / "checkpoint-4" / "trainer_state.json").read_text())
    assert state["global_step"] == 4
    assert Path(run / "final").exists()


def test_missing_annotation_file_is_clear(tmp_path):
    from arabic_events.training.train import main

    cfg = tiny_config(tmp_path, 2)
    cfg.write_text(cfg.read_text().replace(str(SEED_FILE), str(tmp_path / "nope.jsonl")))
    assert main(["--config", str(cfg)]) == 2


def test_cross_validation_by_article(tmp_path):
    from arabic_events.training.evaluation.cross_validation import cross_validate

    cfg = tiny_config(tmp_path, 1)
    cfg.write_text(cfg.read_text().replace("eval_steps: 2\nsave_steps: 2", "eval_steps: 1\nsave_steps: 1"))
    out = cross_validate(str(cfg), 2, work_dir=str(tmp_path / "cv"))
    assert out["k"] == 2 and out["articles"] == 5 and len(out["folds"]) == 2
    # every article is held out exactly once, and never seen by its fold's model before scoring
    splits = [json.loads((tmp_path / "cv" / f"fold-{f}" / "splits.json").read_text()) for f in range(2)]
    held = [s["test"] for s in splits]
    assert sorted(held[0] + held[1]) == ["seed-000", "seed-001", "seed-002", "seed-003", "seed-004"]
    assert not set(held[0]) & set(held[1])
    for s in splits:
        assert s["dev"] and not set(s["dev"]) & set(s["test"]) and not set(s["train"]) & set(s["test"] + s["dev"])
    # the fold's score is that of its final model on its held-out articles
    report = json.loads((tmp_path / "cv" / "fold-1" / "heldout.json").read_text())
    assert report["articles"] == len(held[1]) and out["folds"][1]["entity_f1"] == report["entities"]["micro"]["f1"]
    assert set(out["summary"]["event_f1"]) == {"mean", "std"}
