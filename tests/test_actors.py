"""Actor coding: the shipped gazetteer (coverage of states, capitals, bodies, leaders), its format
checks, the coding of mentions (titles, adjectives, clitics, spelling variants, longest match),
the row columns it fills, and its measured coverage on the annotations."""

import pytest
from conftest import ROOT

from arabic_events.analysis.actor_coverage import coverage, report
from arabic_events.analysis.actors import SECTORS, ActorCode, ActorCoder, GazetteerError, parse_tsv
from arabic_events.analysis.rows import event_rows
from arabic_events.analysis.top_countries import count_countries, ranking
from arabic_events.model.schema import Argument, Event, Mention

# the 193 UN member states (ISO 3166-1 alpha-3), written out independently of the gazetteer
UN_MEMBERS = set("""AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH BWA BRA BRN
BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG COD CRI CIV HRV CUB CYP CZE DNK DJI DMA DOM ECU EGY SLV GNQ ERI
EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU GHA GRC GRD GTM GIN GNB GUY HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN
JOR KAZ KEN KIR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MDA MCO MNG MNE
MAR MOZ MMR NAM NRU NPL NLD NZL NIC NER NGA PRK MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL PRT QAT KOR ROU RUS RWA KNA
LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM ZAF SSD ESP LKA SDN SUR SWE CHE SYR TJK TZA THA TLS TGO TON
TTO TUN TUR TKM TUV UGA UKR ARE GBR USA URY UZB VUT VEN VNM YEM ZMB ZWE""".split())
HEADER = "alias\tname\tcountry\tsector\tkind\n"


@pytest.fixture(scope="module")
def coder():
    return ActorCoder.from_tsv()


def test_un_member_list_is_complete():
    assert len(UN_MEMBERS) == 193


def test_every_un_member_state_and_its_capital(coder):
    entries = list(coder.index.values())
    states = {e.country for e in entries if e.kind == "state"}
    capitals = {e.country for e in entries if e.kind == "capital"}
    assert UN_MEMBERS <= states and {"PSE", "VAT", "TWN", "XKX"} <= states
    # capitals left out: those spelt as their state, the ambiguous ones (README of the gazetteer)
    assert UN_MEMBERS - capitals == {"DZA", "DJI", "JOR", "LBY", "MCO", "NRU", "SYC", "SGP", "TUN"}
    assert coder.version == "1"


def test_leaders_of_the_60_most_mentioned_countries(coder):
    lines = (ROOT / "analysis" / "gazetteer" / "top_countries.tsv").read_text(encoding="utf-8").splitlines()
    top = [line.split("\t")[1] for line in lines if line[:1].isdigit()][:60]
    people: dict[str, set[str]] = {}
    for e in coder.index.values():
        if e.kind == "person" and e.country:
            people.setdefault(e.country, set()).add(e.name)
    assert len(top) == 60 and top[:3] == ["USA", "RUS", "SYR"]
    assert all(len(people.get(iso, ())) >= 2 for iso in top), [iso for iso in top if len(people.get(iso, ())) < 2]
    assert {"Donald Trump", "Mike Pompeo", "Rex Tillerson"} <= people["USA"]
    assert {"Sergey Lavrov", "Dmitry Medvedev", "Mikhail Mishustin"} <= people["RUS"]


def test_international_organisations(coder):
    for alias, name in [("مجلس الأمن الدولي", "United Nations Security Council"), ("جامعة الدول العربية", "Arab League"),
                        ("مجلس التعاون الخليجي", "Gulf Cooperation Council"), ("حلف الناتو", "NATO"),
                        ("الاتحاد الإفريقي", "African Union"), ("منظمة التعاون الإسلامي", "Organisation of Islamic Cooperation"),
                        ("أوبك", "OPEC"), ("الوكالة الدولية للطاقة الذرية", "International Atomic Energy Agency"),
                        ("منظمة الصحة العالمية", "World Health Organization"), ("صندوق النقد الدولي", "International Monetary Fund"),
                        ("البنك الدولي", "World Bank"), ("اللجنة الدولية للصليب الأحمر", "International Committee of the Red Cross"),
                        ("الاتحاد الأوروبي", "European Union")]:
        assert coder.code(alias, "ORG") == ActorCode(name, None, "international"), alias


@pytest.mark.parametrize("text,label,want", [
    ("الرئيس الروسي", "ROLE", (None, "RUS", "government")),
    ("وزير الخارجية الإيراني", "ROLE", (None, "IRN", "government")),
    ("الجيش السوري", "ORG", (None, "SYR", "military")),
    ("الخارجية الأمريكية", "ORG", ("United States Department of State", "USA", "government")),
    ("نظيرته الألمانية", "ROLE", (None, "DEU", "government")),
    ("المستشارة الألمانية", "ROLE", (None, "DEU", "government")),
    ("زعيم المعارضة الفنزويلية", "ROLE", (None, "VEN", "opposition")),
    ("قوات النظام السوري", "ORG", (None, "SYR", "military")),
    ("المتحدث باسم الجيش الإسرائيلي", "ROLE", (None, "ISR", "military")),
    ("سفير روسيا لدى الأمم المتحدة", "ROLE", (None, "RUS", "government")),
    ("المبعوث الأممي إلى اليمن", "ROLE", (None, None, "international")),
    ("سفير الاتحاد الأوروبي في الجزائر", "ROLE", (None, None, "international")),
    ("وزير الخارجية الكوري الجنوبي", "ROLE", (None, "KOR", "government")),
    ("الزعيم الكوري الشمالي", "ROLE", (None, "PRK", "government")),
    ("رئيس جنوب السودان", "ROLE", (None, "SSD", "government")),
    ("قوات سوريا الديمقراطية", "ORG", ("Syrian Democratic Forces", "SYR", "rebel")),
    ("الجيش السوري الحر", "ORG", ("Free Syrian Army", "SYR", "rebel")),
    ("ميليشيات الحوثي", "ORG", ("Houthis", "YEM", "rebel")),
    ("الكرملين", "ORG", ("Kremlin", "RUS", "government")),
    ("موسكو", "GPE", ("Moscow", "RUS", "government")),
    ("والسعودية", "GPE", ("Saudi Arabia", "SAU", "government")),
    ("للولايات المتحدة", "GPE", ("United States", "USA", "government")),
    ("كوريا_الشمالية", "GPE", ("North Korea", "PRK", "government")),
    ("القس الأمريكي", "ROLE", (None, "USA", None)),  # an unknown head: the country only
])
def test_mentions_are_coded(coder, text, label, want):
    assert tuple(coder.code(text, label)) == want


@pytest.mark.parametrize("label,variants,name,country", [
    ("PER", ["ترامب", "ترمب", "دونالد ترامب", "وترامب", "لترمب"], "Donald Trump", "USA"),
    ("PER", ["بوتين", "بوتن", "فلاديمير بوتين", "لبوتين", "وبوتن"], "Vladimir Putin", "RUS"),
    ("PER", ["أردوغان", "اردوغان", "إردوغان", "رجب طيب أردوغان"], "Recep Tayyip Erdoğan", "TUR"),
    ("PER", ["كيم جونغ أون", "كيم جونج أون", "كيم جونغ اون"], "Kim Jong-un", "PRK"),
    ("GPE", ["بيونغ يانغ", "بيونج يانج", "بيونغيانغ"], "Pyongyang", "PRK"),
    ("GPE", ["السعودية", "سعودية", "السعوديه", "المملكة العربية السعودية"], "Saudi Arabia", "SAU"),
])
def test_spelling_variants_clitics_and_article(coder, label, variants, name, country):
    for v in variants:
        got = coder.code(v, label)
        assert got is not None and (got.name, got.country) == (name, country), v


def test_what_must_not_be_coded(coder):
    assert coder.code("المجتمع الدولي", "ORG") is None
    assert coder.code("أمريكا اللاتينية", "GPE") is None  # a region, not the United States
    assert coder.code("المستشار المالي", "ROLE").country is None  # financial, not Mali
    assert coder.code("الدعم المالي", "ORG") is None
    assert coder.code("فتح", "PER") is None  # a person named Fateh is not the Fatah movement
    assert coder.code("فتح", "ORG") == ActorCode("Fatah", "PSE", "party")
    assert coder.code("بلاده", "GPE") is None


def test_ref_decides_first_and_lists_need_one_country(coder):
    assert coder.code("الرئيسين", "ROLE", ref="Vladimir Putin") == ActorCode("Vladimir Putin", "RUS", "government")
    assert coder.code("الرئيس", "ROLE", ref="Emmanuel Macron").country == "FRA"
    assert coder.code("الرئيسين", "ROLE", ref=["Vladimir Putin", "Alexander Lukashenko"]) is None
    assert coder.code("الوزيرين", "ROLE", ref=["Sergey Lavrov", "Vladimir Putin"]) == ActorCode(None, "RUS", "government")
    assert coder.code("الحكومة الإيرانية", "ORG", ref="Government of Iran") == ActorCode(None, "IRN", "government")
    assert coder.code_name("Houthis") == ActorCode("Houthis", "YEM", "rebel")


def test_format_errors_name_the_line(tmp_path):
    ok = "# version: 7\n" + HEADER + "قطر\tQatar\tQAT\tgovernment\tstate\n"
    assert parse_tsv(ok)[0] == "7"
    for line, message in [("قطر\tQatar\tQA\tgovernment\tstate", "t.tsv:3: country 'QA' is not an ISO 3166 alpha-3 code"),
                          ("قطر\tQatar\tQAT\tarmy\tstate", "t.tsv:3: sector 'army' is not one of government"),
                          ("قطر\tQatar\tQAT\tgovernment\tnation", "t.tsv:3: kind 'nation' is not one of state"),
                          ("قطر\tQatar\tQAT", "t.tsv:3: expected 5 tab-separated cells, found 3"),
                          ("قطر\tQatar\t\tgovernment\tstate", "t.tsv:3: a state needs a name and a country")]:
        with pytest.raises(GazetteerError, match=message):
            parse_tsv("# version: 1\n" + HEADER + line + "\n", "t.tsv")
    with pytest.raises(GazetteerError, match="t.tsv:1: expected the header"):
        parse_tsv("قطر\tQatar\tQAT\tgovernment\tstate\n", "t.tsv")
    clash = tmp_path / "clash.tsv"
    clash.write_text(HEADER + "السعودية\tSaudi Arabia\tSAU\tgovernment\tstate\n"
                     "وسعوديه\tSaudi Arabia\tSAU\tgovernment\tstate\n"
                     "سعودية\tSaudi\tSAU\tgovernment\tstate\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match=r"clash.tsv:4: alias 'سعودية' folds to the same key as 'السعودية' \(line 2\)"):
        ActorCoder.from_tsv(clash)
    with pytest.raises(FileNotFoundError, match="gazetteer file .*nope.tsv not found"):
        ActorCoder.from_tsv(tmp_path / "nope.tsv")


def test_every_sector_in_the_shipped_file_is_listed(coder):
    assert {e.sector for e in coder.index.values()} - {None} == set(SECTORS)


def test_rows_get_parallel_country_and_sector_lists(coder):
    text = "بحث الرئيس الروسي مع نظيره البيلاروسي والحوثيين"
    role = Mention("الرئيس الروسي", "ROLE", 4, 17, ref="Vladimir Putin")
    pair = Mention("نظيره البيلاروسي", "ROLE", 21, 37)  # not linked: coded from its text
    both = Mention("الزعيمين", "ROLE", 0, 3, ref=["Vladimir Putin", "Alexander Lukashenko"])
    houthis = Mention("الحوثيين", "ORG", 39, 47)
    assert text[21:37] == pair.text and text[39:47] == houthis.text
    ev = Event("CONSULT", "phone", triggers=[Mention("بحث", "CONSULT", 0, 3)],
               arguments=[Argument("ACTOR", role), Argument("ACTOR", pair), Argument("ACTOR", both),
                          Argument("RECIPIENT", houthis)])
    row = event_rows({"id": "a"}, [ev], coder)[0]
    assert row["actor"] == ["Vladimir Putin", "نظيره البيلاروسي", "Alexander Lukashenko"]
    assert row["actor_country"] == ["RUS", "BLR", "BLR"] and row["actor_sector"] == ["government"] * 3
    assert (row["recipient"], row["recipient_country"], row["recipient_sector"]) == (["الحوثيين"], ["YEM"], ["rebel"])
    bare = event_rows({"id": "a"}, [ev])[0]
    assert bare["actor_country"] == [None, None, None] and bare["recipient_sector"] == [None]


def test_country_ranking_counts_names_and_adjectives(coder):
    arts = [{"text": "التقى الرئيس المصري نظيره الروسي في القاهرة. وقالت مصر", "published": "2018-03-01"},
            {"text": "مصر والمغرب", "published": "2018-03-02"}, {"text": "مصر", "published": "2021-01-01"}]
    counts = count_countries(arts, coder, "2018-01-01", "2020-12-31")
    assert counts == {"EGY": [3, 2], "RUS": [1, 1], "MAR": [1, 1]}  # القاهرة is a capital: not counted
    assert ranking(counts, coder)[:2] == [(1, "EGY", "Egypt", 3, 2), (2, "MAR", "Morocco", 1, 1)]


def test_coverage_on_the_annotations(all_records, coder):
    res = coverage(all_records, coder)
    n, country, anycode = res["text"]["ALL"]
    assert n > 3000 and country / n > 0.65 and anycode / n > 0.8
    ch = res["check"]
    assert ch["right"] + ch["wrong"] > 1500 and ch["wrong"] <= 0.01 * (ch["right"] + ch["wrong"])
    assert not [c for c in ch["wrong_cases"] if c[2] == "GPE"]  # no country name coded wrong
    assert "check:" in report(res)
