"""EventExtractor: raw-text offsets, batching, bad input, persistence, command line."""

import json

import pytest
from conftest import make_tiny_model
from helpers import rounded

from arabic_events.model.extractor import EventExtractor
from arabic_events.model.linking import AliasTable, alias_key
from arabic_events.model.loading import CheckpointError


@pytest.fixture(scope="module")
def extractor(seed_records, tokenizer):
    model = make_tiny_model(tokenizer)
    return EventExtractor(model, tokenizer, AliasTable.from_records(seed_records), device="cpu", batch_size=4)


def noisy(text):
    """The same article with tatweel, diacritics, Eastern digits, alef forms and NBSP."""
    return (text.replace("ال", "الـ", 5).replace("بوتين", "بُوتِين").replace("2020", "٢٠٢٠")
            .replace("ا", "أ", 3).replace(" ", "\u00a0", 7))


def check_offsets(text, doc):
    for m in doc.mentions:
        assert text[m.start:m.end] == m.text, (m, text[m.start:m.end])
        assert 0 <= m.confidence <= 1
    for ev in doc.events:
        assert 0 <= ev.confidence <= 1
        for t in ev.triggers:
            assert text[t.start:t.end] == t.text
        for a in ev.arguments:
            assert text[a.mention.start:a.mention.end] == a.mention.text


def test_offsets_index_the_original_text_on_every_annotated_article(extractor, all_records):
    texts = [r["text"] for r in all_records]
    texts += [noisy(t) for t in texts[:5]]
    docs = extractor.analyze_many(texts)
    assert sum(len(d.mentions) for d in docs) > 0
    for t, d in zip(texts, docs):
        check_offsets(t, d)


def test_batched_equals_one_by_one(extractor, seed_records):
    texts = [r["text"] for r in seed_records[:3]]
    batched = extractor.extract(texts, batch_size=3)
    single = [extractor.extract(t) for t in texts]
    assert rounded([[e.to_dict() for e in evs] for evs in batched]) == rounded([[e.to_dict() for e in evs] for evs in single])


@pytest.mark.parametrize("text", ["", "   \n\t ", "hello world, no Arabic here", "12345"])
def test_empty_or_non_arabic_gives_no_events(extractor, text):
    assert extractor.extract(text) == []


def test_control_characters_and_long_input(extractor, seed_records):
    text = "\x00\x07بحث\x1b الرئيس\r\nبوتين\x0c" + seed_records[0]["text"] * 20
    doc = extractor.analyze(text)
    check_offsets(text, doc)
    # no truncation: mentions are found past any single window
    assert max((m.end for m in doc.mentions), default=0) > len(text) // 2


@pytest.mark.parametrize("bad", [42, None, b"bytes", ["ok", 3]])
def test_non_string_input_is_a_clear_error(extractor, bad):
    with pytest.raises(ValueError, match="str"):
        extractor.extract(bad)


def test_save_and_load_predict_the_same(tmp_path, extractor, seed_records):
    extractor.save_pretrained(tmp_path / "ck")
    loaded = EventExtractor.from_pretrained(tmp_path / "ck", device="cpu")
    text = seed_records[1]["text"]
    assert rounded([m.to_dict() for m in loaded.analyze(text).mentions]) == rounded(
        [m.to_dict() for m in extractor.analyze(text).mentions])


def test_missing_checkpoint_files_are_named(tmp_path, extractor):
    extractor.save_pretrained(tmp_path / "ck")
    (tmp_path / "ck" / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="missing: model.safetensors"):
        EventExtractor.from_pretrained(tmp_path / "ck")
    with pytest.raises(CheckpointError, match="not found"):
        EventExtractor.from_pretrained(tmp_path / "nothing-here")


def test_prediction_record_validates(extractor, seed_records):
    from arabic_events.training.data.validation import validate_record

    rec = extractor.analyze(seed_records[0]["text"]).to_record("x")
    problems = [p for p in validate_record(rec) if "has no 'ref'" not in p]
    assert problems == []


def test_command_line_formats(tmp_path, extractor, seed_records, capsys):
    from arabic_events.model.__main__ import main

    extractor.save_pretrained(tmp_path / "ck")
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n"
                           for r in seed_records[:2]), encoding="utf-8")
    for fmt in ("jsonl", "plover", "csv", "json"):
        out = tmp_path / f"out.{fmt}"
        assert main(["extract", str(src), "--model", str(tmp_path / "ck"), "--format", fmt, "--output", str(out),
                     "--no-progress"]) == 0
        body = out.read_text(encoding="utf-8")
        if fmt == "jsonl":
            assert [json.loads(x)["id"] for x in body.splitlines()] == ["seed-000", "seed-001"]
        elif fmt == "json":
            assert len(json.loads(body)) == 2
        elif fmt == "csv":
            assert body.startswith("article,event,type")
    assert main(["extract", str(tmp_path / "nope.txt"), "--model", str(tmp_path / "ck")]) == 2
    assert "not found" in capsys.readouterr().err


def test_gazetteer_links_spelling_variants(tmp_path):
    g = tmp_path / "g.tsv"
    g.write_text("Nagorno-Karabakh\tناغورني قره باغ|قره باخ\n", encoding="utf-8")
    table = AliasTable()
    table.add_gazetteer(g)
    for variant in ("قره باج", "قرة باغ", "وقره باخ", "ناغورني قره باغ"):
        assert table.lookup(variant, "LOC") == "Nagorno-Karabakh", variant


def test_role_before_a_linked_person_takes_its_ref_as_the_scorer_expects():
    from arabic_events.model.schema import Mention
    from arabic_events.training.evaluation.scoring import actors_equal

    table = AliasTable({"PER": {alias_key("الملك سلمان"): "King Salman"}})
    for sep in (" ", "، ", "،"):
        text = f"استقبل العاهل السعودي{sep}الملك سلمان الوزير"
        role_end = 21
        per_start = role_end + len(sep)
        role = Mention("العاهل السعودي", "ROLE", 7, role_end, 0.9)
        per = Mention("الملك سلمان", "PER", per_start, per_start + 11, 0.9)
        far = Mention("الوزير", "ROLE", per_start + 12, per_start + 18, 0.9)
        table.link([role, per, far], text)
        assert role.ref == per.ref == "King Salman", sep
        assert far.ref is None  # a title after the name, or elsewhere, is not linked to it
        gold = [("King Salman", [(7, role_end), (per_start, per_start + 11)])]
        # same ref: events_of groups both mentions into one predicted actor, which equals the gold one
        assert actors_equal(text, gold, [(role.ref, [(7, role_end), (per_start, per_start + 11)])])


def test_a_name_split_into_words_is_joined_back_on_the_seeds(seed_records, tokenizer):
    """Decoded as B-PER B-PER («فلاديمير» «بوتين»), every multi-word PER name of the seed articles
    comes back as one mention with the gold offsets: no actor list holds a first name alone."""
    from arabic_events.model.text import make_windows, normalize
    from arabic_events.model.window_inference import mentions_of

    checked = 0
    for rec in seed_records:
        norm = normalize(rec["text"])
        for w in make_windows(norm.text, tokenizer, 62):
            for s in rec["spans"]:
                if s["label"] != "PER" or " " not in rec["text"][s["start"]:s["end"]]:
                    continue
                a, b = norm.from_original(s["start"], s["end"])
                toks = [i for i, (x, y) in enumerate(w.offsets) if x >= a and y <= b]
                if not toks or w.offsets[toks[0]][0] != a or w.offsets[toks[-1]][1] != b:
                    continue  # not in this window (or cut by it)
                # one decoded span per word of the name
                words, cur = [], [toks[0]]
                for i in toks[1:]:
                    (cur.append(i) if w.offsets[i][0] == w.offsets[cur[-1]][1] else (words.append(cur), cur := [i]))
                words.append(cur)
                assert len(words) >= 2
                decoded = [("PER", ws[0], ws[-1], 0.9 - 0.1 * k) for k, ws in enumerate(words)]
                (m,) = [x[0] for x in mentions_of(decoded, w, norm)]
                assert (m.start, m.end, m.text) == (s["start"], s["end"], rec["text"][s["start"]:s["end"]])
                checked += 1
    assert checked >= 10


def test_two_people_separated_by_and_stay_two(tokenizer):
    from arabic_events.model.text import make_windows, normalize
    from arabic_events.model.window_inference import mentions_of

    text = "بوتين وأردوغان، ماكرون"
    norm = normalize(text)
    (w,) = make_windows(norm.text, tokenizer, 62)
    starts = {x: i for i, (x, _) in enumerate(w.offsets)}
    ends = {y: i for i, (_, y) in enumerate(w.offsets)}
    decoded = [("PER", starts[0], ends[5], 0.9), ("PER", starts[6], ends[14], 0.9), ("PER", starts[16], ends[22], 0.9)]
    assert [m.text for m, _, _ in mentions_of(decoded, w, norm)] == ["بوتين", "وأردوغان", "ماكرون"]


def test_iter_extract_streams_a_generator_and_old_names_warn(extractor, seed_records):
    texts = [r["text"] for r in seed_records[:3]]
    whole = extractor.extract(texts, return_documents=True)
    consumed = []

    def stream():
        for t in texts:
            consumed.append(t)
            yield t

    # same chunking as extract: the same predictions, from a generator
    streamed = list(extractor.iter_extract(stream(), return_documents=True))
    assert [[m.to_dict() for m in d.mentions] for d in streamed] == [[m.to_dict() for m in d.mentions] for d in whole]
    # lazily: with chunks of 2, the first result comes before the third text is read
    consumed.clear()
    first = next(extractor.iter_extract(stream(), chunk_texts=2))
    assert isinstance(first, list) and len(consumed) == 2
    with pytest.raises(ValueError, match="published dates"):
        list(extractor.iter_extract(texts, ["2020-01-01"]))
    with pytest.warns(DeprecationWarning, match="use extract"):
        extractor.analyze(texts[0])


def test_events_below_the_fitted_threshold_are_dropped(extractor, seed_records):
    text = seed_records[0]["text"]
    cfg = extractor.model.config
    old = cfg.event_threshold
    try:
        cfg.event_threshold = 0.0
        confs = sorted(e.confidence for e in extractor.extract(text))
        assert confs, "the fixture model predicts events on the first seed article"
        cfg.event_threshold = confs[len(confs) // 2]
        kept = extractor.extract(text)
        assert [e.confidence for e in kept] and all(e.confidence >= cfg.event_threshold for e in kept)
        assert len(kept) == sum(c >= cfg.event_threshold for c in confs)
        cfg.event_threshold = 1.01
        assert extractor.extract(text) == []
    finally:
        cfg.event_threshold = old


def test_an_article_with_only_weak_events_gets_none(extractor, seed_records):
    texts = [r["text"] for r in seed_records[:3]]
    cfg = extractor.model.config
    old = cfg.article_event_threshold
    try:
        cfg.article_event_threshold = 0.0
        docs = extractor.extract(texts, return_documents=True)
        best = [max((e.confidence for e in d.events), default=None) for d in docs]
        assert sum(b is not None for b in best) >= 2, "the fixture model predicts events on the seed articles"
        cut = sorted(b for b in best if b is not None)[-1]  # the strongest article's best event
        cfg.article_event_threshold = cut
        gated = extractor.extract(texts, return_documents=True)
        for d, g, b in zip(docs, gated, best):
            # an article keeps all its events when one reaches the threshold, else none
            assert len(g.events) == (len(d.events) if b is not None and b >= cut else 0)
            assert [(m.start, m.end, m.label) for m in g.mentions] == [(m.start, m.end, m.label) for m in d.mentions]
    finally:
        cfg.article_event_threshold = old


def test_int8_quantised_loading_keeps_offsets_exact(tmp_path, tokenizer, seed_records):
    model = make_tiny_model(tokenizer, context_lstm=1)
    EventExtractor(model, tokenizer, device="cpu").save_pretrained(tmp_path / "m")
    fp32 = EventExtractor.from_pretrained(tmp_path / "m", device="cpu")
    q = EventExtractor.from_pretrained(tmp_path / "m", quantize="int8")
    kinds = {type(m).__module__ for m in q.model.encoder.modules()} | {type(m).__module__ for m in q.model.context.modules()}
    assert any("quantized" in k for k in kinds) and str(q.device) == "cpu"
    for rec in seed_records[:2]:
        doc = q.extract(rec["text"], return_documents=True)
        check_offsets(rec["text"], doc)
        ref = fp32.extract(rec["text"], return_documents=True)
        same = {(m.start, m.end, m.label) for m in doc.mentions} & {(m.start, m.end, m.label) for m in ref.mentions}
        assert len(same) >= 0.5 * len(ref.mentions)  # int8 rounding moves a few low-margin spans at most
    with pytest.raises(ValueError, match="quantize='int4': the choices are"):
        EventExtractor.from_pretrained(tmp_path / "m", quantize="int4")
    with pytest.raises(ValueError, match="runs on the CPU"):
        EventExtractor.from_pretrained(tmp_path / "m", quantize="int8", device="cuda")


def test_bare_surname_repeats_are_added_per_article_and_linked(extractor, seed_records, monkeypatch):
    """The extractor adds name repeats (model/name_repeats.py) over the whole article's mentions,
    then links them: the same mentions as the pure function gives on the switched-off output."""
    import copy

    from arabic_events.model import name_repeats

    monkeypatch.setattr(name_repeats, "MIN_CONFIDENCE", 0.0)  # the random fixture model is never sure
    texts = [r["text"] for r in seed_records]
    cfg = extractor.model.config
    try:
        cfg.name_repeats = False
        off = extractor.extract(texts, return_documents=True)
        cfg.name_repeats = True
        on = extractor.extract(texts, return_documents=True)
    finally:
        cfg.name_repeats = True
    added = 0
    for text, d_off, d_on in zip(texts, off, on):
        mentions = copy.deepcopy(d_off.mentions)
        new = name_repeats.add_name_repeats(text, mentions)
        added += len(new)
        want = sorted((m.start, m.end, m.label) for m in mentions + new)
        assert sorted((m.start, m.end, m.label) for m in d_on.mentions) == want
        check_offsets(text, d_on)
        for m in d_on.mentions:
            if m.label == "PER":
                assert m.ref == extractor.aliases.lookup(m.text, "PER")
    assert added > 0
