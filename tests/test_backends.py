"""Backend options of EventExtractor: the option check, bfloat16 inference on the CPU (the GPU
path, testable here), and a bfloat16 training step through TrainingArguments(bf16=True)."""

import pytest
import torch
from conftest import SEED_FILE, make_tiny_model
from helpers import tiny_config
from test_extractor import check_offsets

from arabic_events.model.backends import check_backend, resolve_dtype
from arabic_events.model.extractor import EventExtractor
from arabic_events.model.word_features import FLAG_NAMES, WordFeaturizer


@pytest.mark.parametrize("kwargs, message", [
    ({"runtime": "tvm"}, "runtime='tvm': the choices are"),
    ({"quantize": "int4"}, "quantize='int4': the choices are"),
    ({"dtype": "float16"}, "dtype='float16': the choices are float32, bfloat16"),
    ({"quantize": "int8", "dtype": "bfloat16"}, "quantize='int8' and dtype=torch.bfloat16 are mutually exclusive"),
    ({"quantize": "int8", "device": "cuda:0"}, "quantize='int8' runs on the CPU, not on device 'cuda:0'"),
    ({"runtime": "onnx", "dtype": torch.bfloat16}, "runtime='onnx' exports a float32 encoder"),
])
def test_conflicting_options_are_refused_with_the_reason(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_backend(**kwargs)


def test_dtype_names():
    assert [resolve_dtype(x) for x in (None, "fp32", "float32", "bf16", "bfloat16", torch.bfloat16)] == [
        torch.float32] * 3 + [torch.bfloat16] * 3
    assert check_backend("onnx", "int8", "float32", "cpu") == torch.float32


@pytest.fixture(scope="module")
def words_dir(tokenizer, tmp_path_factory):
    """The offline default's architecture in small (word vectors, flags, 2-layer BiLSTM), saved."""
    model = make_tiny_model(tokenizer, word_vocab_size=4, word_vector_dim=6, word_flags=len(FLAG_NAMES), context_lstm=2)
    model.word_featurizer = WordFeaturizer(["بوتين", "قال", "الرئيس", "روسيا"], {"بوتين": ["PER"]})
    folder = tmp_path_factory.mktemp("bf16") / "m"
    EventExtractor(model, tokenizer, device="cpu").save_pretrained(folder)
    return folder


def test_bfloat16_on_the_cpu_keeps_offsets_exact_and_most_predictions(words_dir, seed_records):
    fp32 = EventExtractor.from_pretrained(words_dir, device="cpu")
    bf16 = EventExtractor.from_pretrained(words_dir, device="cpu", dtype="bfloat16")
    model = bf16.model
    floats = {p.dtype for p in model.parameters() if p.is_floating_point()}
    assert floats == {torch.bfloat16}
    assert model.word_vectors.weight.dtype == torch.bfloat16 and not model.word_vectors.weight.requires_grad
    assert model.context.fwd[0].weight_ih_l0.dtype == torch.bfloat16
    texts = [r["text"] for r in seed_records[:3]] + ["\n".join(r["text"] for r in seed_records)]
    same_mentions = same_events = n_mentions = n_events = 0
    for text in texts:
        doc = bf16.extract(text, return_documents=True)
        ref = fp32.extract(text, return_documents=True)
        check_offsets(text, doc)  # offsets index the raw text exactly, as in float32
        a = {(m.start, m.end, m.label) for m in ref.mentions}
        same_mentions += len(a & {(m.start, m.end, m.label) for m in doc.mentions})
        n_mentions += len(a)
        key = lambda e: (e.type, tuple((t.start, t.end) for t in e.triggers))  # noqa: E731
        same_events += len({key(e) for e in ref.events} & {key(e) for e in doc.events})
        n_events += len(ref.events)
        conf = [m.confidence for m in doc.mentions] + [e.confidence for e in doc.events]
        assert all(0.0 <= c <= 1.0 for c in conf)
    # bfloat16 keeps 8 bits of mantissa: the random fixture's low-margin spans can flip, most stay
    assert n_mentions > 100 and n_events > 10
    assert same_mentions >= 0.9 * n_mentions, (same_mentions, n_mentions)
    assert same_events >= 0.8 * n_events, (same_events, n_events)


def test_bfloat16_forward_and_backward_under_autocast(tokenizer):
    """What TrainingArguments(bf16=True) does on each step: autocast to bfloat16, a float32 loss."""
    model = make_tiny_model(tokenizer, word_vocab_size=4, word_vector_dim=6, word_flags=len(FLAG_NAMES),
                            context_lstm=1).train()
    ids = torch.tensor([[2, 40, 41, 42, 3, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0]])
    labels = torch.tensor([[-100, 1, 2, 0, -100, -100]])
    spans = torch.tensor([[[1, 2, 0], [3, 3, 1]]])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(ids, mask, spans=spans, pairs=torch.tensor([[[0, 1]]]), trigger_pairs=torch.tensor([[[0, 1]]]),
                    entity_labels=labels, event_labels=labels, pair_labels=torch.tensor([[1]]),
                    coref_labels=torch.tensor([[1]]), mode_labels=torch.tensor([[0, 1]]),
                    modality_labels=torch.tensor([[0, 0]]), word_ids=torch.tensor([[0, 1, 2, 3, 0, 0]]),
                    word_flags=torch.zeros(1, 6, len(FLAG_NAMES)))
    assert out.entity_logits.dtype == torch.bfloat16 and out.loss.dtype == torch.float32
    out.loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
    assert model.word_vectors.weight.grad is None  # the frozen table stays frozen


@pytest.mark.slow
def test_training_with_bf16_true(tmp_path, monkeypatch):
    from arabic_events.model.modeling import EventModel
    from arabic_events.training.learning.recipe import train

    seen = []
    encode = EventModel.encode

    def recording(self, *args, **kwargs):
        hidden = encode(self, *args, **kwargs)
        if self.training:
            seen.append(torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu"))
        return hidden

    monkeypatch.setattr(EventModel, "encode", recording)
    cfg = tiny_config(tmp_path, SEED_FILE, tmp_path / "run", max_steps=2, per_device_train_batch_size=4,
                      eval_strategy='"no"', save_strategy='"no"', disable_tqdm="true", bf16="true", context_lstm=1)
    train(cfg)
    assert seen and set(seen) == {torch.bfloat16}  # every training step ran under bf16 autocast
    ex = EventExtractor.from_pretrained(tmp_path / "run" / "final", device="cpu", dtype="bfloat16")
    assert isinstance(ex.extract("بحث الرئيس الروسي فلاديمير بوتين مع نظيره التركي"), list)
