"""The joint model on a tiny encoder: shapes, loss only with labels, save/load round trip."""

import pytest
import torch

from arabic_events.model.configuration import EventConfig
from arabic_events.model.modeling import EventModel
from arabic_events.training.data.dataset import WindowCollator, window_features


def batch(seed_records, tokenizer, n=4):
    feats, _ = window_features(seed_records[:1], tokenizer, 62)
    feats = [f for f in feats if f["pairs"]][:n]
    return WindowCollator(tokenizer.pad_token_id)(feats)


def test_shapes_and_loss(seed_records, tokenizer, tiny_model):
    b = batch(seed_records, tokenizer)
    out = tiny_model(**b)
    bsz, n_tok = b["input_ids"].shape
    cfg = tiny_model.config
    assert out.entity_logits.shape == (bsz, n_tok, len(cfg.entity_tags))
    assert out.event_logits.shape == (bsz, n_tok, len(cfg.event_tags))
    assert out.relation_logits.shape == (bsz, b["pairs"].shape[1], len(cfg.roles) + 1)
    assert out.mode_logits.shape == (bsz, b["spans"].shape[1], len(cfg.modes) + 1)
    assert out.loss is not None and out.loss.ndim == 0 and torch.isfinite(out.loss)
    out.loss.backward()
    assert tiny_model.relation_head.net[0].weight.grad is not None


def test_no_loss_without_labels(seed_records, tokenizer, tiny_model):
    b = batch(seed_records, tokenizer)
    out = tiny_model(**{k: v for k, v in b.items() if not k.endswith("labels")})
    assert out.loss is None and out.relation_logits is not None


def test_loss_weights_come_from_config(seed_records, tokenizer, tiny_model):
    b = batch(seed_records, tokenizer)
    full = tiny_model(**b).loss
    tiny_model.config.loss_weights = {k: 0.0 for k in tiny_model.config.loss_weights}
    assert tiny_model(**b).loss.item() == 0.0
    assert full.item() > 0


def test_save_and_load_predict_the_same(tmp_path, seed_records, tokenizer, tiny_model):
    b = batch(seed_records, tokenizer)
    tiny_model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists() and (tmp_path / "config.json").exists()
    loaded = EventModel.from_pretrained(tmp_path).eval()
    assert isinstance(loaded.config, EventConfig) and loaded.config.model_type == "arabic-events"
    with torch.no_grad():
        a = tiny_model(**b)
        c = loaded(**b)
    for key in ("entity_logits", "event_logits", "relation_logits", "coref_logits", "mode_logits"):
        assert torch.equal(getattr(a, key), getattr(c, key)), key


def test_config_records_package_version_and_labels(tiny_model):
    import arabic_events.model as model

    cfg = tiny_model.config.to_dict()
    assert cfg["package_version"] == model.__version__
    assert cfg["entity_tags"][0] == "O" and "B-CONSULT" in cfg["event_tags"]
    assert cfg["roles"] == ["ACTOR", "RECIPIENT", "TOPIC", "TIME", "PLACE", "SOURCE"]


def test_flat_span_heads_match_the_padded_ones(tiny_model):
    # the extractor scores spans flat (no padding); training pads them: both must agree
    torch.manual_seed(0)
    tiny_model.eval()
    hidden = torch.randn(2, 12, tiny_model.config.encoder_config["hidden_size"])
    spans = torch.tensor([[[1, 3, 0], [5, 5, 7], [7, 9, 2]], [[2, 2, 1], [4, 6, 8], [0, 0, 0]]])
    pairs = torch.tensor([[[1, 0], [1, 2]], [[1, 0], [0, 0]]])
    tpairs = torch.tensor([[[0, 1]], [[0, 1]]])
    with torch.no_grad():
        rel, coref, mode, modality = tiny_model.span_heads(hidden, spans, pairs, tpairs)
        flat = torch.tensor([[0, 1, 3, 0], [0, 5, 5, 7], [0, 7, 9, 2], [1, 2, 2, 1], [1, 4, 6, 8]])
        f_rel, f_coref, f_mode, f_modality = tiny_model.flat_span_heads(
            hidden, flat, torch.tensor([[1, 0], [1, 2], [4, 3]]), torch.tensor([[0, 1], [3, 4]]))
    torch.testing.assert_close(f_rel, torch.stack([rel[0, 0], rel[0, 1], rel[1, 0]]))
    torch.testing.assert_close(f_coref, coref[:, 0])
    torch.testing.assert_close(f_mode, torch.cat([mode[0], mode[1, :2]]))
    torch.testing.assert_close(f_modality, torch.cat([modality[0], modality[1, :2]]))


def test_span_representation_uses_first_last_and_mean(tiny_model):
    width = tiny_model.config.encoder_config["hidden_size"]
    hidden = torch.arange(2 * 6 * width, dtype=torch.float).view(2, 6, width) / 100
    proj = tiny_model.span_proj
    with torch.no_grad():
        got = tiny_model.flat_span_representations(hidden, torch.tensor([1, 0]), torch.tensor([2, 0]),
                                                   torch.tensor([4, 0]))
        h = hidden[1, 2:5]
        want = proj(torch.cat([h[0], h[-1], h.mean(0)]))
    torch.testing.assert_close(got[0], want)
    torch.testing.assert_close(got[1], proj(torch.cat([hidden[0, 0]] * 3)))


def test_tag_weights_weigh_the_token_loss(seed_records, tokenizer, tiny_model):
    import torch.nn.functional as F

    b = batch(seed_records, tokenizer)
    cfg = tiny_model.config
    cfg.loss_weights = {k: (1.0 if k == "entity" else 0.0) for k in cfg.loss_weights}
    tiny_model.eval()
    logits = tiny_model(**b).entity_logits.flatten(0, 1)
    labels = b["entity_labels"].flatten()
    o_only = labels.clone()
    o_only[labels != 0] = -100
    cfg.tag_weights = {"entity": [1.0] + [0.0] * (len(cfg.entity_tags) - 1)}  # only O tokens count
    assert tiny_model(**b).loss.item() == pytest.approx(F.cross_entropy(logits, o_only, ignore_index=-100).item(),
                                                        rel=1e-5)
    cfg.tag_weights = {"entity": [2.0] * len(cfg.entity_tags)}  # a uniform weight: the plain mean
    assert tiny_model(**b).loss.item() == pytest.approx(F.cross_entropy(logits, labels, ignore_index=-100).item(),
                                                        rel=1e-5)
