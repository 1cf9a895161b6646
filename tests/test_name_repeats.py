"""Document-level name consistency (model/name_repeats.py): hand-built texts and mentions."""

import copy

from arabic_events.model import name_repeats
from arabic_events.model.name_repeats import add_name_repeats
from arabic_events.model.schema import Mention


def mention(text, part, label="PER", conf=0.9, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return Mention(part, label, start, start + len(part), conf)


def spans(ms):
    return [(m.text, m.label, m.start, m.end) for m in ms]


def test_a_surname_repeated_bare_or_with_a_clitic_becomes_the_person():
    text = "استقبل الرئيس فلاديمير بوتين الوزير، وقال بوتين إن لبوتين رأيا"
    name = mention(text, "فلاديمير بوتين", conf=0.95)
    new = add_name_repeats(text, [name])
    assert spans(new) == [("بوتين", "PER", 42, 47), ("لبوتين", "PER", 51, 57)]
    assert all(abs(m.confidence - 0.8 * 0.95) < 1e-9 for m in new)
    assert all(text[m.start:m.end] == m.text for m in new)
    # the first name is not a name on its own: «فلاديمير» elsewhere stays untagged
    assert add_name_repeats("فلاديمير بوتين ثم فلاديمير", [mention("فلاديمير بوتين ثم فلاديمير",
                                                                    "فلاديمير بوتين")]) == []


def test_only_confident_people_and_free_words_are_used():
    text = "عمر الرزاز رئيس جامعة الرزاز ثم الرزاز"
    weak = mention(text, "عمر الرزاز", conf=0.5)
    assert add_name_repeats(text, [weak]) == []
    org = mention(text, "جامعة الرزاز", label="ORG")
    new = add_name_repeats(text, [mention(text, "عمر الرزاز"), org])
    assert spans(new) == [("الرزاز", "PER", 32, 38)]  # the one inside the ORG mention is left alone
    # only PER names spread; a confident GPE does not
    assert add_name_repeats("لندن ولندن", [Mention("لندن", "GPE", 0, 4, 0.99)]) == []
    # short words (two letters) and digits never spread
    assert add_name_repeats("دي ثم دي", [Mention("دي", "PER", 0, 2, 0.99)]) == []


def test_a_repeat_touching_a_person_extends_it_and_and_keeps_two_people():
    text = "لولا قال إن لويس إيناسيو لولا بريء، ولقي بوتين لولا وأردوغان"
    lula = mention(text, "لولا")
    full = mention(text, "لويس إيناسيو")
    putin = mention(text, "بوتين")
    erd = mention(text, "وأردوغان")
    new = add_name_repeats(text, [lula, full, putin, erd])
    # «لويس إيناسيو» + «لولا» is one name: the mention grows in place, nothing is added for it
    assert (full.text, full.start, full.end) == ("لويس إيناسيو لولا", 12, 29)
    assert text[full.start:full.end] == full.text
    # «بوتين لولا» would join too: a bare repeat joins the person it touches (before it first)
    assert (putin.text, putin.end) == ("بوتين لولا", 51)
    assert new == [] and erd.text == "وأردوغان"


def test_and_before_a_repeat_keeps_it_a_separate_person():
    text = "أردوغان ثم بوتين وأردوغان"
    erd = mention(text, "أردوغان")
    putin = mention(text, "بوتين")
    new = add_name_repeats(text, [erd, putin])
    assert spans(new) == [("وأردوغان", "PER", 17, 25)] and putin.text == "بوتين"


def test_the_default_threshold_is_the_module_constant(monkeypatch):
    text = "بوتين ثم بوتين"
    ms = [Mention("بوتين", "PER", 0, 5, 0.6)]
    assert add_name_repeats(text, copy.deepcopy(ms)) == []
    monkeypatch.setattr(name_repeats, "MIN_CONFIDENCE", 0.5)
    assert spans(add_name_repeats(text, copy.deepcopy(ms))) == [("بوتين", "PER", 9, 14)]


def test_a_no_break_space_joins_as_the_window_decoder_joins():
    # the same «only spaces between» as model/window_inference.mentions_of: a space or a no-break space
    text = "لولا قال إن لويس\u00a0إيناسيو\u00a0لولا"
    full = mention(text, "لويس\u00a0إيناسيو")
    assert add_name_repeats(text, [mention(text, "لولا"), full]) == []
    assert full.text == "لويس\u00a0إيناسيو\u00a0لولا"
    text = "لولا قال إن إيناسيو\nلولا"
    assert spans(add_name_repeats(text, [mention(text, "لولا"), mention(text, "إيناسيو")])) == [("لولا", "PER", 20, 24)]
