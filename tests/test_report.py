"""The HTML report of an extraction: the data behind its figures (hand-computed cases), the
marking of nested and crossing spans, the predicted records ``extract --records`` writes beside
the events, and a self-contained page (no outside resource, everything escaped)."""

import json
import os
import re
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import make_tiny_model

from arabic_events.analysis.__main__ import main as corpus_main
from arabic_events.analysis.actors import ActorCoder
from arabic_events.analysis.extract_corpus import extract_corpus, records_output
from arabic_events.analysis.report import write_report
from arabic_events.analysis.report_data import (
    dyad_counts,
    plot_label,
    romanize,
    top_dyads,
    undated_count,
    week_start,
    weekly_counts,
)
from arabic_events.analysis.report_figures import network_graph
from arabic_events.analysis.report_html import Mark, mark_spans, record_marks
from arabic_events.model.extractor import EventExtractor
from arabic_events.model.linking import AliasTable
from arabic_events.model.schema import EVENT_TYPES


def row(type_, date, actor=(), recipient=(), mode=None):
    return {"type": type_, "date": date, "actor": list(actor), "recipient": list(recipient), "mode": mode}


ROWS = [
    row("CONSULT", "2020-10-01", ["Putin", "Erdogan"], mode="phone"),      # Thursday of the week of 2020-09-28
    row("CONSULT", "2020-10-04", ["Putin"], ["Aliyev", "Erdogan"], "visit"),  # Sunday, same week
    row("CONSULT", "2020-10-19", ["Erdogan", "Putin"], mode="phone"),      # two weeks later
    row("AID", "2020-10-20", ["Russia"], ["Armenia"]),
    row("CONSULT", None, ["Macron"], mode="phone"),                        # undated, one party: no dyad
    row("ACCUSE", "2020-10-05", ["Armenia"], ["Azerbaijan"]),
]


def test_weekly_counts_per_type_with_empty_weeks():
    assert week_start("2020-10-04") == "2020-09-28" and week_start("2020-10-05") == "2020-10-05"
    assert weekly_counts(ROWS) == {"2020-09-28": {"CONSULT": 2}, "2020-10-05": {"ACCUSE": 1},
                                   "2020-10-12": {}, "2020-10-19": {"AID": 1, "CONSULT": 1}}
    assert undated_count(ROWS) == 1 and weekly_counts([]) == {}


def test_dyads_of_consult_events():
    # event 2 has three parties: Putin-Aliyev, Putin-Erdogan, Aliyev-Erdogan; events 1 and 3 add Putin-Erdogan
    assert dyad_counts(ROWS) == Counter({("Erdogan", "Putin"): 3, ("Aliyev", "Putin"): 1, ("Aliyev", "Erdogan"): 1})
    assert dyad_counts(ROWS, types=("AID", "ACCUSE")) == Counter({("Armenia", "Russia"): 1, ("Armenia", "Azerbaijan"): 1})
    top = top_dyads(ROWS, n=2)
    assert [(d.a, d.b, d.events) for d in top] == [("Erdogan", "Putin", 3), ("Aliyev", "Erdogan", 1)]
    assert dict(top[0].modes) == {"phone": 2, "visit": 1} and (top[0].first, top[0].last) == ("2020-10-01", "2020-10-19")


def test_figure_labels_are_latin():
    assert romanize("أردوغان") == "ardwghan" and romanize("بُوتِين") == "bwtyn"  # short vowels dropped
    assert plot_label("Vladimir Putin") == "Vladimir Putin" and plot_label("الرئيس") == "~alr'ys"  # ئ is a hamza: '
    g = network_graph({("Putin", "بوتين"): 2, ("Putin", "Erdogan"): 1, ("X", "Y"): 1}, max_nodes=3)
    assert sorted(g.edges(data="weight")) == [("Putin", "Erdogan", 1), ("Putin", "~bwtyn", 2)]


def test_nested_and_crossing_spans_are_marked_and_escaped():
    text = "<b>أ&ب</b>"
    html = mark_spans(text, [Mark(0, 10, "TOPIC", 'T "1"', anchor="t1"), Mark(3, 4, "PER", "p")])
    assert html == ('<mark class="m l-TOPIC" id="t1" title="T &quot;1&quot;">&lt;b&gt;'
                    '<mark class="m l-PER" title="p">أ</mark>&amp;ب&lt;/b&gt;</mark>')
    # a trigger crossing the end of an entity: split into two pieces, the id on the first only
    html = mark_spans("abcdef", [Mark(0, 4, "PER", "p"), Mark(2, 6, "CONSULT", "c", "trigger", "ev")])
    assert html == ('<mark class="m l-PER" title="p">ab<mark class="m l-CONSULT trigger" id="ev" title="c">cd'
                    '</mark></mark><mark class="m l-CONSULT trigger" title="c">ef</mark>')
    assert re.sub(r"<[^>]+>", "", html) == "abcdef"
    with pytest.raises(ValueError, match="PER 3-9 is outside a text of 6"):
        mark_spans("abcdef", [Mark(3, 9, "PER", "p")])


def test_titles_give_confidence_ref_event_and_roles():
    rec = {"spans": [{"id": "s1", "start": 0, "end": 3, "label": "CONSULT", "event": "e2", "mode": "phone",
                      "modality": "future", "confidence": 0.91, "event_confidence": 0.5},
                     {"id": "s2", "start": 4, "end": 9, "label": "GPE", "ref": ["Russia", "Turkey"], "confidence": 0.7},
                     {"id": "s3", "start": 10, "end": 14, "label": "DATE", "value": "2020-10-01", "confidence": 0.6}],
           "relations": [{"head": "s1", "tail": "s2", "label": "ACTOR", "confidence": 0.8},
                         {"head": "s1", "tail": "s3", "label": "TIME", "confidence": 0.4}]}
    marks = record_marks(rec, "art", {"e2": "trg-0-e2"})
    assert [m.title for m in marks] == ["CONSULT 0.91 · event art-e2 (phone, future) 0.50",
                                        "GPE 0.70 · ref: Russia + Turkey · ACTOR of art-e2 0.80",
                                        "DATE 0.60 · value: 2020-10-01 · TIME of art-e2 0.40"]
    assert [(m.classes, m.anchor) for m in marks] == [("trigger", "trg-0-e2"), ("arg", None), ("arg", None)]


@pytest.fixture(scope="module")
def extraction(tmp_path_factory, seed_records, tokenizer):
    """A tiny model's extraction of the seed articles (one with markup-like text), with records."""
    tmp = tmp_path_factory.mktemp("report")
    model = tmp / "model"
    EventExtractor(make_tiny_model(tokenizer), tokenizer, AliasTable.from_records(seed_records)).save_pretrained(model)
    src = tmp / "articles.jsonl"
    arts = [{"id": r["id"], "text": r["text"], "published": f"2020-10-0{k + 1}", "outlet": "seed", "url": None}
            for k, r in enumerate(seed_records)]
    arts.append({"id": "html<&>", "text": seed_records[0]["text"][:300] + ' <script>alert("x")</script>',
                 "published": None, "outlet": "<i>x</i>", "url": "http://example.org/a?b=<c>"})
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in arts), encoding="utf-8")
    out = tmp / "events.parquet"
    assert corpus_main(["extract", str(src), "--model", str(model), "--output", str(out), "--records", "--chunk", "2",
                        "--no-progress"]) == 0
    return {"dir": tmp, "model": model, "articles": src, "events": out, "texts": {a["id"]: a["text"] for a in arts}}


def test_records_beside_the_events_match_the_rows(extraction):
    rows = pq.read_table(extraction["events"]).to_pylist()
    recs = [json.loads(line) for line in records_output(extraction["events"]).read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in recs] == list(extraction["texts"]) and rows
    for rec in recs:
        text = extraction["texts"][rec["id"]]
        assert "text" not in rec and rec["doc"]["id"] == rec["id"] and len(rec["doc"]["sha256"]) == 64
        assert all(0 <= s["start"] < s["end"] <= len(text) for s in rec["spans"])
        triggers = [s for s in rec["spans"] if s["label"] in EVENT_TYPES]
        mine = [r for r in rows if r["article_id"] == rec["id"]]
        assert len({s["event"] for s in triggers}) == len(mine)  # one row per event of the record
        for r in mine:
            first = min((s for s in triggers if f"{rec['id']}-{s['event']}" == r["event_id"]), key=lambda s: s["start"])
            assert (first["start"], first["end"], text[first["start"]:first["end"]], r["type"]) == \
                (r["trigger_start"], r["trigger_end"], r["trigger_text"], first["label"])


def test_a_resumed_run_must_keep_the_records_choice(extraction, tmp_path):
    ex = EventExtractor.from_pretrained(extraction["model"], device="cpu")
    parts = tmp_path / "e.parquet.parts"
    parts.mkdir()
    version = ActorCoder.from_tsv().version  # the same gazetteer: only the records choice differs
    (parts / "state.json").write_text(json.dumps({"source": str(extraction["articles"]), "gazetteer": version,
                                                  "articles": 0, "events": 0, "parts": 0, "skipped": [],
                                                  "records": True}))
    with pytest.raises(ValueError, match="with --records: rerun it the same way"):
        extract_corpus(ex, extraction["articles"], tmp_path / "e.parquet", show_progress_bar=False)


def test_the_report_is_self_contained_and_escaped(extraction, capsys):
    out = extraction["dir"] / "report.html"
    assert corpus_main(["report", str(extraction["events"]), "--articles", str(extraction["articles"]),
                        "--output", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count('<section class="article"') == 6 and page.count('dir="rtl" lang="ar"') >= 6
    srcs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert srcs and all(s.startswith(("data:image/png;base64,", "#")) for s in srcs)
    assert "<script" not in page
    text_only = re.sub(r"<[^>]+>", "", page)  # the article text, highlights removed, is the escaped raw text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text_only
    assert "&lt;i&gt;x&lt;/i&gt;" in page and "html&lt;&amp;&gt;" in page
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == 2
    anchors = set(re.findall(r' id="([^"]+)"', page))
    links = re.findall(r'class="event-link" href="#([^"]+)"', page)
    assert links and set(links) <= anchors
    # nothing is overwritten without asking; a report over other articles is refused
    assert corpus_main(["report", str(extraction["events"]), "--articles", str(extraction["articles"]),
                        "--output", str(out)]) == 2
    assert "exists; pass overwrite=True (--overwrite)" in capsys.readouterr().err
    other = extraction["dir"] / "other.jsonl"
    other.write_text(extraction["articles"].read_text(encoding="utf-8").replace("seed-001", "seed-x"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"records.jsonl:2: record 'seed-001' does not match article 2 of the input "
                                         r"\('seed-x'"):
        write_report(extraction["events"], other, extraction["dir"] / "r2.html")
    lines = records_output(extraction["events"]).read_text(encoding="utf-8").splitlines()
    first = {**json.loads(lines[0]), "spans": [], "relations": []}  # same article, not this extraction's spans
    stale = extraction["dir"] / "stale.jsonl"
    stale.write_text("\n".join([json.dumps(first)] + lines[1:]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"stale.jsonl: the predicted spans of article 'seed-000' are not the events "
                                         r"of the event file \(0 vs [1-9]\d* events\): not the same extraction"):
        write_report(extraction["events"], extraction["articles"], extraction["dir"] / "r4.html", records=stale)
    with pytest.raises(FileNotFoundError, match="--records"):
        write_report(extraction["events"], extraction["articles"], extraction["dir"] / "r3.html",
                     records=extraction["dir"] / "none.jsonl")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def sync_playwright_or_skip():
    """playwright's sync API; without it or Debian's chromium the test skips, except in CI
    (where .ci/setup installs both, so their absence is a failure)."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason is None and not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (.ci/setup installs Debian's chromium when run as root)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return sync_playwright


def test_the_report_in_a_headless_browser(extraction, tmp_path):
    sync_playwright = sync_playwright_or_skip()
    out = tmp_path / "report.html"
    write_report(extraction["events"], extraction["articles"], out)
    errors, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(out.as_uri(), wait_until="load")
            assert errors == []
            assert requests and all(u.startswith(("file:", "data:")) for u in requests)  # nothing from outside
            assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 300)")
            texts = page.eval_on_selector_all(".article .text", "els => els.map(e => getComputedStyle(e).direction)")
            assert texts == ["rtl"] * 6
            # the highlighted text reads exactly as the raw article (offsets kept, nothing added)
            shown = page.eval_on_selector_all(".article .text", "els => els.map(e => e.textContent)")
            assert shown == list(extraction["texts"].values())
            titles = page.eval_on_selector_all(".article mark", "els => els.map(e => e.title)")
            assert len(titles) > 50 and all(re.match(r"[A-Z]+ \d\.\d\d", t) for t in titles)
            assert page.eval_on_selector_all(".article mark.trigger", "els => els.length") > 0
            links = page.eval_on_selector_all("a.event-link", "els => els.map(a => a.getAttribute('href'))")
            dangling = page.eval_on_selector_all(
                "a.event-link", "els => els.filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length")
            assert len(links) > 10 and dangling == 0
            trigger_link = next(h for h in links if h.startswith("#trg-"))
            page.click(f'a.event-link[href="{trigger_link}"]')
            assert page.evaluate("location.hash") == trigger_link
            assert page.evaluate(f"document.getElementById('{trigger_link[1:]}').tagName") == "MARK"
            page.screenshot(path=str(tmp_path / "shot.png"))
        finally:
            browser.close()
    assert (tmp_path / "shot.png").stat().st_size > 10_000
