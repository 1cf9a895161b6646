"""runtime="onnx": the exported encoder matches torch, the extracted events are the same, the
export is cached per checkpoint, and the command line exports ahead of time."""

import json

import pytest
import torch
from conftest import make_tiny_model
from helpers import rounded
from test_extractor import check_offsets

from arabic_events.model import onnx_runtime
from arabic_events.model.extractor import EventExtractor
from arabic_events.model.text import make_windows, normalize
from arabic_events.model.word_features import FLAG_NAMES, WordFeaturizer

pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install -e '.[onnx]')")

#: the offline default's architecture in small: word vectors and flags added to the embeddings, a
#: 2-layer BiLSTM context (here over one transformer layer, so that attention is exported too)
WORDS_LSTM = dict(word_vocab_size=4, word_vector_dim=6, word_flags=len(FLAG_NAMES), context_lstm=2)


def save_model(tokenizer, folder, seed=0, **kwargs):
    model = make_tiny_model(tokenizer, **kwargs)
    if seed:
        torch.manual_seed(seed)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.01 * torch.randn_like(p))
    if model.config.uses_word_features:
        model.word_featurizer = WordFeaturizer(["بوتين", "قال", "الرئيس", "روسيا"], {"بوتين": ["PER"], "روسيا": ["GPE"]})
    EventExtractor(model, tokenizer, device="cpu").save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def words_dir(tokenizer, tmp_path_factory):
    return save_model(tokenizer, tmp_path_factory.mktemp("onnx") / "words", **WORDS_LSTM)


@pytest.mark.parametrize("arch", [{}, WORDS_LSTM], ids=["plain", "words+lstm"])
def test_onnx_hidden_states_match_torch_for_other_batch_sizes_and_lengths(tokenizer, tmp_path, arch):
    model = make_tiny_model(tokenizer, **arch)
    path = onnx_runtime.export_encoder(model, tmp_path / "e.onnx")
    enc = onnx_runtime.OnnxEncoder(path)
    assert enc.input_names == onnx_runtime.encoder_input_names(model.config)
    assert len(enc.input_names) == (4 if arch else 2)
    for batch, length in [(1, 3), (3, 17), (8, 64), (2, 200)]:
        inputs = onnx_runtime.example_inputs(model.config, batch, length, seed=batch)
        assert onnx_runtime.max_difference(model, enc, inputs) < 1e-4, (batch, length)
    # the exporter traces in eval mode and leaves the model's mode as it was
    assert not model.training


def texts_of(seed_records):
    """Three annotated articles and one longer than a window (several windows)."""
    return [r["text"] for r in seed_records[:3]] + ["\n".join(r["text"] for r in seed_records)]


def test_onnx_events_are_the_torch_events(words_dir, tokenizer, seed_records):
    fp32 = EventExtractor.from_pretrained(words_dir, device="cpu", batch_size=4)
    ox = EventExtractor.from_pretrained(words_dir, device="cpu", batch_size=4, runtime="onnx")
    assert ox.runtime == "onnx" and fp32.runtime == "torch" and ox.onnx_encoder.providers == ["CPUExecutionProvider"]
    texts = texts_of(seed_records)
    assert len(make_windows(normalize(texts[-1]).text, tokenizer, ox.model.config.max_tokens)) > 3
    ref = fp32.extract(texts, return_documents=True)
    got = ox.extract(texts, return_documents=True)
    assert sum(len(d.events) for d in ref) > 0
    for text, a, b in zip(texts, ref, got):
        check_offsets(text, b)
        assert [(m.start, m.end, m.label) for m in b.mentions] == [(m.start, m.end, m.label) for m in a.mentions]
        assert rounded([m.to_dict() for m in b.mentions]) == rounded([m.to_dict() for m in a.mentions])
        assert rounded([e.to_dict() for e in b.events]) == rounded([e.to_dict() for e in a.events])


def test_the_export_is_cached_and_redone_when_the_checkpoint_changes(tokenizer, tmp_path, monkeypatch):
    folder = save_model(tokenizer, tmp_path / "m", **WORDS_LSTM)
    EventExtractor.from_pretrained(folder, device="cpu", runtime="onnx")
    meta = json.loads((folder / "onnx" / "encoder.json").read_text())
    assert meta["checkpoint_sha256"] == onnx_runtime.file_sha256(folder / "model.safetensors")
    assert meta["inputs"] == ["input_ids", "attention_mask", "word_ids", "word_flags"]
    calls = []
    real = onnx_runtime.export_encoder
    monkeypatch.setattr(onnx_runtime, "export_encoder", lambda *a, **k: calls.append(a) or real(*a, **k))
    EventExtractor.from_pretrained(folder, device="cpu", runtime="onnx")
    assert calls == []  # same checkpoint: the cached file is used
    save_model(tokenizer, folder, seed=5, **WORDS_LSTM)  # new weights in the same directory
    ox = EventExtractor.from_pretrained(folder, device="cpu", runtime="onnx")
    assert len(calls) == 1
    assert json.loads((folder / "onnx" / "encoder.json").read_text())["checkpoint_sha256"] != meta["checkpoint_sha256"]
    fp32 = EventExtractor.from_pretrained(folder, device="cpu")
    ids = torch.tensor([[2, 40, 41, 3]])
    words, flags = torch.tensor([[0, 1, 2, 0]]), torch.zeros(1, 4, len(FLAG_NAMES))
    assert torch.allclose(ox.onnx_encoder.encode(ids, word_ids=words, word_flags=flags),
                          fp32.model.encode(ids, word_ids=words, word_flags=flags), atol=1e-4)


def test_the_cache_goes_to_the_temporary_directory_when_the_model_folder_cannot_hold_it(tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_runtime.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    folder = onnx_runtime.cache_folder(not_a_dir, "0123456789abcdef0123")
    assert folder == tmp_path / "tmp" / "arabic-events-onnx" / "0123456789abcdef" and folder.is_dir()
    assert onnx_runtime.cache_folder(tmp_path, "ab") == tmp_path / "onnx"


def test_onnx_encoder_needs_the_word_inputs(words_dir):
    ox = EventExtractor.from_pretrained(words_dir, device="cpu", runtime="onnx")
    with pytest.raises(ValueError, match="this model takes word inputs: pass word_ids and word_flags"):
        ox.onnx_encoder.encode(torch.tensor([[2, 5, 3]]))
    with pytest.raises(ValueError, match="without token_type_ids"):
        ox.onnx_encoder.encode(torch.tensor([[2, 5, 3]]), token_type_ids=torch.ones(1, 3, dtype=torch.long))


def test_onnx_int8_keeps_offsets_exact(words_dir, seed_records):
    fp32 = EventExtractor.from_pretrained(words_dir, device="cpu")
    q = EventExtractor.from_pretrained(words_dir, runtime="onnx", quantize="int8")
    assert q.onnx_encoder.path.name == "encoder.int8.onnx" and str(q.device) == "cpu"
    for text in texts_of(seed_records)[:2]:
        doc = q.extract(text, return_documents=True)
        check_offsets(text, doc)
        ref = {(m.start, m.end, m.label) for m in fp32.extract(text, return_documents=True).mentions}
        assert len({(m.start, m.end, m.label) for m in doc.mentions} & ref) >= 0.5 * len(ref)
    with pytest.raises(ValueError, match="runs on the CPU"):
        EventExtractor.from_pretrained(words_dir, runtime="onnx", quantize="int8", device="cuda")


def test_export_ahead_of_time_from_the_command_line(tokenizer, tmp_path, capsys):
    from arabic_events.model.onnx_export import main

    folder = save_model(tokenizer, tmp_path / "m")
    assert main([str(folder)]) == 0
    assert capsys.readouterr().out.strip() == str(folder / "onnx" / "encoder.onnx")
    assert (folder / "onnx" / "encoder.onnx").stat().st_size > 0
    assert main([str(tmp_path / "nothing")]) == 2
    assert "not found" in capsys.readouterr().err


def test_extract_command_runs_the_onnx_runtime(words_dir, tmp_path, seed_records):
    from arabic_events.model.__main__ import main

    src = tmp_path / "in.txt"
    src.write_text(seed_records[0]["text"], encoding="utf-8")
    outs = {}
    for runtime in ("torch", "onnx"):
        out = tmp_path / f"{runtime}.jsonl"
        assert main(["extract", str(src), "--model", str(words_dir), "--runtime", runtime, "--output", str(out),
                     "--no-progress", "--device", "cpu"]) == 0
        outs[runtime] = [rounded(json.loads(x)) for x in out.read_text(encoding="utf-8").splitlines()]
    assert outs["onnx"] == outs["torch"] and outs["torch"]
