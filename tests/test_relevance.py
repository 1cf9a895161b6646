"""The article-level relevance gate: naive Bayes values by hand, persistence, the extractor's use
of it, and its training from a corpus with section labels (annotated articles left out)."""

import json
import math

import pytest
from conftest import SEED_FILE, make_tiny_model
from helpers import tiny_config

from arabic_events.model.extractor import EventExtractor
from arabic_events.model.linking import AliasTable
from arabic_events.model.loading import CheckpointError
from arabic_events.model.relevance import FILE_NAME, RelevanceFilter, article_words


def test_naive_bayes_by_hand():
    # on topic: {قمة, سفير}; off topic: {قمة, هدف}; 3 words, each class 2 + 3 smoothed counts
    f = RelevanceFilter.fit([("قمة سفير", "news"), ("القمة هدف", "sport")], on_topic=["news"], min_count=1)
    assert f.prior == 0.0 and f.articles == 2
    assert f.weights == pytest.approx({"قمة": 0.0, "سفير": -math.log(2), "هدف": math.log(2)})
    assert f.p_off_topic("هدف") == pytest.approx(2 / 3)
    assert f.p_off_topic("سفير") == pytest.approx(1 / 3)
    assert f.p_off_topic("سفير هدف هدف") == pytest.approx(0.5)  # each word counts once
    assert f.p_off_topic("كلمة مجهولة") == pytest.approx(0.5)
    assert not f.is_off_topic("سفير") and f.is_off_topic("هدف")


def test_rare_words_are_left_out_and_one_class_is_an_error():
    f = RelevanceFilter.fit([("قمة سفير", "news"), ("قمة هدف", "sport")], on_topic=["news"], min_count=2)
    assert list(f.weights) == ["قمة"]
    with pytest.raises(ValueError, match="both kinds: 1 on topic .* 0 off topic"):
        RelevanceFilter.fit([("قمة", "news")], on_topic=["news"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        RelevanceFilter({}, 0.0, threshold=1.0)


def test_article_words_strip_clitics_and_read_the_lead_only():
    assert article_words("والرئيس بالقمة و") == {"رئيس", "قمة"}
    assert article_words("سفير " * 600 + "هدف") == {"سفير"}  # 3,000 characters, then a word never read


def test_save_load_round_trip_and_bad_file(tmp_path):
    f = RelevanceFilter({"هدف": 0.6931, "سفير": -0.6931}, prior=0.25, threshold=0.7, on_topic=["news"], articles=9)
    f.save(tmp_path)
    g = RelevanceFilter.load(tmp_path)
    assert (g.weights, g.prior, g.threshold, g.on_topic, g.articles) == (f.weights, 0.25, 0.7, ["news"], 9)
    assert RelevanceFilter.load(tmp_path / "nothing-here") is None
    (tmp_path / FILE_NAME).write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match="relevance.json: not a relevance filter of format 1"):
        RelevanceFilter.load(tmp_path)


def test_extractor_gives_off_topic_texts_no_events_and_keeps_mentions(tokenizer, seed_records, tmp_path):
    text = seed_records[0]["text"]
    model = make_tiny_model(tokenizer)
    model.config.event_threshold = -1.0
    plain = EventExtractor(model, tokenizer, AliasTable.from_records(seed_records), device="cpu")
    plain.require_actor = False
    base = plain.extract(text, return_documents=True)
    assert base.events and base.p_off_topic is None  # the random tiny model finds some events

    plain.relevance = RelevanceFilter({}, prior=3.0)  # every text off topic (p = 0.953)
    off = plain.extract(text, return_documents=True)
    assert off.events == [] and off.p_off_topic == pytest.approx(1 / (1 + math.exp(-3.0)))
    assert [m.to_dict() for m in off.mentions] == [m.to_dict() for m in base.mentions]

    plain.relevance = RelevanceFilter({}, prior=-3.0)  # every text on topic
    on = plain.extract(text, return_documents=True)
    assert [e.to_dict() for e in on.events] == [e.to_dict() for e in base.events]

    plain.relevance = RelevanceFilter({}, prior=3.0)
    plain.save_pretrained(tmp_path / "ck")
    loaded = EventExtractor.from_pretrained(tmp_path / "ck", device="cpu")
    assert loaded.relevance is not None and loaded.relevance.prior == 3.0
    (tmp_path / "ck" / FILE_NAME).write_text("{}")
    with pytest.raises(CheckpointError, match="relevance.json: not a relevance filter"):
        EventExtractor.from_pretrained(tmp_path / "ck", device="cpu")


def test_training_leaves_annotated_articles_out(tmp_path, seed_records):
    from arabic_events.training.learning.arguments import load_training_config
    from arabic_events.training.learning.build import train_relevance_filter

    corpus = tmp_path / "corpus.jsonl"
    rows = [{"id": f"{c}-{k}", "category": c, "text": t} for k in range(3)  # 3 of each: words seen 3 times are kept
            for c, t in (("middleEast", "سفير قمة"), ("sport", "هدف قمة"))]
    rows.append({"id": "s", "category": "sport", "text": seed_records[0]["text"]})  # annotated: left out
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    cfg = tiny_config(tmp_path, SEED_FILE, tmp_path / "run", corpus_file=str(corpus), relevance_filter="true")
    _, data_args, _ = load_training_config(cfg)
    f = train_relevance_filter(data_args, cfg)
    assert f.articles == 6 and f.prior == 0.0
    assert f.p_off_topic("هدف") > 0.5 > f.p_off_topic("سفير")

    plain = tmp_path / "no-sections.jsonl"
    plain.write_text(json.dumps({"id": "a1", "text": "سفير"}) + "\n", encoding="utf-8")
    data_args.corpus_file = str(plain)
    with pytest.raises(Exception, match="relevance_filter needs a corpus with a 'category'"):
        train_relevance_filter(data_args, cfg)
