"""NewsFANE as extra entity supervision: clitics glued back with exact offsets, classes mapped or
ignored (never taught as O), and entity-only records that teach no event layer."""

import pytest

from arabic_events.training.data.bio import IGNORE, encode_record
from arabic_events.training.data.newsfane import glue_tokens, read_newsfane

LINES = [
    "\ufeff\u200eو\tO", "\u200eالمانيا\tB-Nation", "\u200eو\tO", "\u200eالرئيس\tO", "\u200eانجيلا\tB-Politician",
    "\u200eميركل\tI-Politician", "\u200eفي\tO", "\u200eمطار\tB-Airport", "\u200eبرلين\tI-Airport", "\u200eيوم\tO",
    "\u200e5\tO", "\u200eمايو\tO", "\u200eمع\tO", "\u200eموظفي\tO", "\u200eها\tO", ".\tO", "\t",
    "\u200eالصينيين\tB-Group", "\u200eفي\tO", "\u200eالامم\tB-Non-Governmental", "\u200eالمتحدة\tI-Non-Governmental",
    ".\tO", "\t",
]


def write(tmp_path, lines):
    path = tmp_path / "newsfane.txt"
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    return path


def test_clitics_are_glued_and_offsets_stay_exact():
    text, spans, ignore = glue_tokens([("ب", "O"), ("برلين", "B-Population-Center"), ("ف", "O"), ("قال", "O"),
                                       ("زار", "O"), ("ها", "O"), ("،", "O"), ("ها", "O")])
    assert text == "ببرلين فقال زارها ، ها"  # a pronoun after punctuation stays a word
    assert [(text[a:b], lab) for a, b, lab in spans] == [("برلين", "GPE")]
    assert ignore == []


def test_records_map_classes_and_ignore_the_rest(tmp_path):
    recs = read_newsfane(write(tmp_path, LINES), roles=["رئيس"])
    assert len(recs) == 1  # two sentences, under the 8 of one record
    r = recs[0]
    text = r["text"]
    assert text.startswith("والمانيا والرئيس انجيلا ميركل في مطار برلين يوم 5 مايو مع موظفيها .")
    assert [(text[s["start"]:s["end"]], s["label"]) for s in r["spans"]] == [
        ("المانيا", "GPE"), ("انجيلا ميركل", "PER"), ("الامم المتحدة", "ORG")]
    # an airport (ORG or LOC by use), a group, a title the training names know as ROLE, a date: ignored
    assert [text[a:b] for a, b in r["ignore"]] == ["الرئيس", "مطار برلين", "5", "مايو", "الصينيين"]
    assert r["layers"] == ["entity"] and r["relations"] == []


def test_bad_lines_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"newsfane.txt:2: expected 'token<TAB>tag'"):
        read_newsfane(write(tmp_path, ["\u200eو\tO", "no tab here"]))
    with pytest.raises(ValueError, match=r"newsfane.txt:1: tag 'X-Nation' is not O, B-X or I-X"):
        read_newsfane(write(tmp_path, ["\u200eمصر\tX-Nation"]))
    with pytest.raises(FileNotFoundError, match="NewsFANE file .*missing.txt not found"):
        read_newsfane(tmp_path / "missing.txt")


def test_entity_only_records_teach_no_event_layer_and_nothing_where_ignored(tmp_path, tokenizer):
    rec = read_newsfane(write(tmp_path, LINES), roles=["رئيس"])[0]
    feats, _ = encode_record(rec, tokenizer, 62)
    ent = [x for f in feats for x in f["entity_labels"][1:-1]]
    evt = [x for f in feats for x in f["event_labels"]]
    assert set(evt) == {IGNORE}
    assert IGNORE in ent and any(x > 0 for x in ent) and 0 in ent  # ignored, entity and O tokens
    plain = dict(rec, ignore=[], layers=None)
    feats2, _ = encode_record(plain, tokenizer, 62)
    ent2 = [x for f in feats2 for x in f["entity_labels"][1:-1]]
    assert IGNORE not in ent2
    assert [a for a, b in zip(ent, ent2) if a != b] == [IGNORE] * sum(a != b for a, b in zip(ent, ent2))
