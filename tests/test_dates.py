"""ISO values of Arabic date expressions."""

import pytest

from arabic_events.model.dates import resolve_date


@pytest.mark.parametrize("surface,published,expected", [
    ("14 سبتمبر الماضي", "2020-10-02", "2020-09-14"),
    ("14 سبتمبر الماضي", "2020-03-02", "2019-09-14"),
    ("٠١ أكتوبر ٢٠٢٠", None, "2020-10-01"),
    ("3 تشرين الثاني", "2020-11-11", "2020-11-03"),
    ("كانون الثاني 2021", None, "2021-01"),
    ("اليوم", "2018-05-11", "2018-05-11"),
    ("اليوم الجمعة", "2018-05-11", "2018-05-11"),
    ("أمس", "2018-05-11", "2018-05-10"),
    ("الأحد", "2018-05-11", "2018-05-06"),
    ("الاثنين المقبل", "2018-05-11", "2018-05-14"),
    ("الأسبوع الماضي", "2018-05-11", "2018-W18"),
    ("عام 2014", None, "2014"),
    ("اليوم", None, None),
    ("مؤخرا", "2018-05-11", None),
])
def test_resolve_date(surface, published, expected):
    assert resolve_date(surface, published) == expected
