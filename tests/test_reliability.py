"""A first run that never surprises: resume only what matches, clear errors naming the file,
reproducible training, quiet output, no silent truncation."""

import json
import logging

import pytest
import yaml
from conftest import SEED_FILE, make_tiny_model
from helpers import tiny_config

from arabic_events.model.extractor import EventExtractor
from arabic_events.model.linking import AliasTable
from arabic_events.model.loading import CheckpointError, hub_reachable
from arabic_events.training.config import ConfigError


@pytest.fixture(scope="module")
def saved(tmp_path_factory, seed_records, tokenizer):
    """A tiny extractor saved to a directory (fresh copy per test through ``ckpt``)."""
    ex = EventExtractor(make_tiny_model(tokenizer), tokenizer, AliasTable.from_records(seed_records), device="cpu")
    path = tmp_path_factory.mktemp("saved") / "ck"
    ex.save_pretrained(path)
    return path


@pytest.fixture()
def ckpt(saved, tmp_path):
    import shutil

    return shutil.copytree(saved, tmp_path / "ck")


def run_config(tmp_path, name="run", **overrides):
    folder = tmp_path / f"cfg-{name}"
    folder.mkdir(exist_ok=True)
    keys = {"max_steps": 2, "per_device_train_batch_size": 8, "learning_rate": "1.0e-3", "eval_strategy": "steps",
            "eval_steps": 2, "save_steps": 2, "logging_steps": 1, "seed": 5}
    return tiny_config(folder, SEED_FILE, tmp_path / name, **{**keys, **overrides})


# ---- 1. resume only what matches; 3. reproducible ----

def test_same_config_twice_is_identical_and_another_config_never_resumes_silently(tmp_path, seed_records):
    from arabic_events.training.learning.recipe import train

    report_a = train(run_config(tmp_path, "a"))
    report_b = train(run_config(tmp_path, "b"))
    assert json.dumps(report_a, sort_keys=True) == json.dumps(report_b, sort_keys=True)
    a = EventExtractor.from_pretrained(tmp_path / "a" / "final", device="cpu")
    b = EventExtractor.from_pretrained(tmp_path / "b" / "final", device="cpu")
    text = seed_records[4]["text"]
    assert [m.to_dict() for m in a.extract(text, return_documents=True).mentions] == \
        [m.to_dict() for m in b.extract(text, return_documents=True).mentions]
    assert (tmp_path / "a" / "final" / "dev_report.json").exists()

    # the architecture changes, output_dir stays: stop before any work, name the key and the ways out
    before = (tmp_path / "a" / "checkpoint-2" / "model.safetensors").read_bytes()
    changed = run_config(tmp_path, "a", scratch_layers=2)
    with pytest.raises(ConfigError, match=r"scratch_layers: 1 -> 2.*overwrite_output_dir: true.*new output_dir"):
        train(changed)
    assert (tmp_path / "a" / "checkpoint-2" / "model.safetensors").read_bytes() == before
    assert yaml.safe_load((tmp_path / "a" / "final" / "training_config.yaml").read_text())["scratch_layers"] == 1

    # asked to overwrite: a fresh run whose saved config is the one that trained it
    train(run_config(tmp_path, "a", scratch_layers=2, overwrite_output_dir="true"))
    saved_cfg = yaml.safe_load((tmp_path / "a" / "final" / "training_config.yaml").read_text())
    assert saved_cfg["scratch_layers"] == 2
    assert json.loads((tmp_path / "a" / "final" / "config.json").read_text())["encoder_config"]["num_hidden_layers"] == 2


def test_training_logs_one_line_per_step_and_evaluation(tmp_path, caplog):
    from arabic_events.training.learning.recipe import train

    with caplog.at_level(logging.INFO, logger="arabic_events.training.learning.trainer"):
        train(run_config(tmp_path, "log"))
    lines = [r.getMessage() for r in caplog.records if r.name == "arabic_events.training.learning.trainer"]
    assert [x for x in lines if x.startswith("step 1/2 (epoch") and ": loss " in x]
    dev = [x for x in lines if " dev: " in x]
    assert len(dev) == 1 and "entity_f1" in dev[0] and "loss" in dev[0]
    assert not any("{" in x for x in lines)


# ---- 2. validate before working ----

def test_config_errors_come_before_any_work(tmp_path, monkeypatch):
    from arabic_events.training.learning.recipe import train

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub_reachable.cache_clear()
    calls = []
    monkeypatch.setattr("arabic_events.training.learning.recipe.train_dev_records", lambda *a: calls.append(a))
    with pytest.raises(ConfigError, match="'num_train_epochs': 'twenty' is not of type"):
        train(run_config(tmp_path, num_train_epochs="twenty", max_steps=None))
    with pytest.raises(ConfigError, match="model_name_or_path directory runs/nope not found"):
        train(run_config(tmp_path, model_name_or_path="runs/nope"))
    with pytest.raises(ConfigError, match="Hub is unreachable.*--local-dir"):
        train(run_config(tmp_path, model_name_or_path="aubmindlab/bert-base-arabertv02"))
    with pytest.raises(ConfigError, match="gazetteer: file nope.tsv not found"):
        train(run_config(tmp_path, gazetteer="nope.tsv"))
    with pytest.raises(ConfigError, match=r"crf_output: 'entities' is not one of \('none', 'entity'"):
        train(run_config(tmp_path, crf_output="entities"))
    with pytest.raises(ConfigError, match="class_weighting_layers: 'all' is not one of entity, event, both"):
        train(run_config(tmp_path, class_weighting_layers="all"))
    with pytest.raises(ConfigError, match=r"article_event_threshold: 1.5 is not in \[0, 1\)"):
        train(run_config(tmp_path, article_event_threshold="1.5"))
    assert calls == []


def test_max_tokens_beyond_the_encoders_positions_is_a_config_error(tmp_path):
    from transformers import BertConfig, BertModel

    from arabic_events.training.learning.recipe import train

    enc = tmp_path / "enc"
    BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=128)).save_pretrained(enc)
    with pytest.raises(ConfigError, match=r"max_tokens: 200 \+ 2 special tokens exceed the 128 positions"):
        train(run_config(tmp_path, model_name_or_path=str(enc), max_tokens=200))


def test_corrupt_files_are_named(ckpt, capsys):
    from arabic_events.model.__main__ import main
    from arabic_events.training.evaluation.__main__ import main as evaluate

    weights = ckpt / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(CheckpointError, match=r"model.safetensors: not a complete safetensors file \(truncated"):
        EventExtractor.from_pretrained(ckpt)
    assert main(["extract", str(SEED_FILE), "--model", str(ckpt), "--no-progress"]) == 2
    assert "model.safetensors: not a complete safetensors file" in capsys.readouterr().err
    assert evaluate(["--data", str(SEED_FILE), "--model", str(ckpt)]) == 2
    assert "model.safetensors: not a complete safetensors file" in capsys.readouterr().err
    weights.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="no valid header"):
        EventExtractor.from_pretrained(ckpt)


@pytest.mark.parametrize("name", ["config.json", "tokenizer.json", "aliases.json"])
def test_corrupt_json_files_are_named(ckpt, name):
    (ckpt / name).write_text('{"truncated": ', encoding="utf-8")
    with pytest.raises(CheckpointError, match=rf"{name}: not valid JSON"):
        EventExtractor.from_pretrained(ckpt)


def test_missing_aliases_warn_and_paths_are_not_hub_ids(ckpt, caplog, monkeypatch):
    (ckpt / "aliases.json").unlink()
    with caplog.at_level(logging.WARNING, logger="arabic_events.model.extractor"):
        EventExtractor.from_pretrained(ckpt)
    assert any("has no aliases.json" in r.getMessage() for r in caplog.records)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub_reachable.cache_clear()
    with pytest.raises(CheckpointError, match="model directory runs/nope not found"):
        EventExtractor.from_pretrained("runs/nope")
    with pytest.raises(CheckpointError, match="Hub is unreachable"):
        EventExtractor.from_pretrained("some-model")


def test_bad_input_files_and_dates_are_named(tmp_path, saved, capsys):
    from arabic_events.model.__main__ import main, read_articles

    cp1256 = tmp_path / "article.txt"
    cp1256.write_bytes("بحث الرئيس".encode("cp1256"))
    with pytest.raises(ValueError, match=r"article.txt: not UTF-8 text.*WINDOWS-1256"):
        list(read_articles([str(cp1256)]))
    jl = tmp_path / "a.jsonl"
    jl.write_text('{"id": "x", "text": "نص", "published": "not-a-date"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"a.jsonl:1: published date 'not-a-date' is not an ISO date"):
        list(read_articles([str(jl)]))
    assert main(["extract", str(cp1256), "--model", str(saved)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    ex = EventExtractor.from_pretrained(saved, device="cpu")
    with pytest.raises(ValueError, match="published date 'not-a-date' is not an ISO date"):
        ex.extract("بحث الرئيس", published="not-a-date")
    with pytest.raises(ValueError, match="text #1: published date '11/05/2018'"):
        ex.extract(["نص", "نص"], published=["2018-05-11", "11/05/2018"])


# ---- 4. quiet by default ----

def test_loading_and_extracting_print_nothing(saved, seed_records, capfd):
    ex = EventExtractor.from_pretrained(saved, device="cpu")
    ex.extract(seed_records[0]["text"])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_progress_is_line_based_off_a_terminal(saved, seed_records, capsys):
    ex = EventExtractor.from_pretrained(saved, device="cpu")
    ex.extract([r["text"] for r in seed_records[:2]], show_progress_bar=True)
    err = capsys.readouterr().err
    assert "\r" not in err and err.count("extracting: 2/2 articles (100%)") == 1


# ---- 5. never truncate ----

def test_truncation_switched_on_anywhere_never_cuts_an_article(tmp_path, saved, seed_records):
    from transformers import AutoTokenizer

    long_text = "\n".join(r["text"] for r in seed_records) * 2
    ex = EventExtractor.from_pretrained(saved, device="cpu")
    ex.tokenizer("x", truncation=True, max_length=16)  # an earlier call leaves truncation on
    last = ex.extract(long_text, return_documents=True).mentions[-1]
    assert last.end > len(long_text) - 200

    tok = AutoTokenizer.from_pretrained(saved)
    tok.backend_tokenizer.enable_truncation(max_length=32)
    tok.save_pretrained(tmp_path / "trunc")
    assert json.loads((tmp_path / "trunc" / "tokenizer.json").read_text())["truncation"] is not None
    ex2 = EventExtractor(ex.model, AutoTokenizer.from_pretrained(tmp_path / "trunc"), device="cpu")
    assert ex2.extract(long_text, return_documents=True).mentions[-1].end == last.end


def test_saved_files_have_normal_permissions(saved):
    import os
    import stat

    mask = os.umask(0)
    os.umask(mask)
    for f in saved.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~mask, f.name
