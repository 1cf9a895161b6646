"""ISO values for Arabic date expressions, anchored on the publication date.

    >>> resolve_date("14 سبتمبر الماضي", "2020-10-02")
    '2020-09-14'
    >>> resolve_date("٣ تشرين الثاني ٢٠٢٠", None)
    '2020-11-03'
    >>> resolve_date("أمس", "2018-05-11")
    '2018-05-10'
    >>> resolve_date("الأحد", "2018-05-11")
    '2018-05-06'
"""

from __future__ import annotations

import datetime as dt
import re

from .text import normalize

_MONTHS_RAW = {
    1: ["يناير", "كانون الثاني", "جانفي"], 2: ["فبراير", "شباط", "فيفري"], 3: ["مارس", "آذار"],
    4: ["أبريل", "إبريل", "ابريل", "نيسان", "أفريل"], 5: ["مايو", "أيار", "ماي"], 6: ["يونيو", "يونيه", "حزيران", "جوان"],
    7: ["يوليو", "يوليه", "تموز", "جويلية"], 8: ["أغسطس", "آب", "اغسطس", "أوت"], 9: ["سبتمبر", "أيلول"],
    10: ["أكتوبر", "تشرين الأول", "اكتوبر"], 11: ["نوفمبر", "تشرين الثاني"], 12: ["ديسمبر", "كانون الأول"],
}
MONTHS = {normalize(name).text: m for m, names in _MONTHS_RAW.items() for name in names}
_WEEKDAYS = {normalize(w).text: i for i, w in enumerate(
    ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"])}
_WEEKDAYS[normalize("الإثنين").text] = 0
_MONTH_RE = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))


def _iso_week(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def check_published(value: object, where: str = "published") -> str | None:
    """``value`` when it is None or an ISO date (``YYYY-MM-DD``, optionally with a time);
    ValueError naming ``where`` otherwise.

        >>> check_published("2018-05-11T09:30:00")
        '2018-05-11T09:30:00'
        >>> check_published("not-a-date", "text #3")
        Traceback (most recent call last):
        ...
        ValueError: text #3: published date 'not-a-date' is not an ISO date (YYYY-MM-DD)
    """
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"{where}: published date {value!r} is not an ISO date (YYYY-MM-DD)") from None
    return value


def resolve_date(surface: str, published: str | None) -> str | None:
    """ISO 8601 value of a DATE mention, or None when the text and ``published`` do not fix it."""
    s = normalize(surface).text
    s = re.sub(r"\s+", " ", s).strip()
    pub = None
    if published:
        try:
            pub = dt.date.fromisoformat(str(published)[:10])
        except ValueError:
            pub = None
    m = re.search(rf"(\d{{1,2}})\s*(?:من\s+)?(?:شهر\s+)?({_MONTH_RE})(?:\s+(?:عام\s+|سنة\s+)?(\d{{4}}))?", s)
    if m:
        day, month = int(m.group(1)), MONTHS[m.group(2)]
        year = int(m.group(3)) if m.group(3) else None
        if year is None and pub is not None:
            year = pub.year
            if "الماضي" in s and (month, day) > (pub.month, pub.day):
                year -= 1
            elif "المقبل" in s and (month, day) < (pub.month, pub.day):
                year += 1
        if year is None:
            return None
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return None
    m = re.search(rf"({_MONTH_RE})(?:\s+(?:عام\s+|سنة\s+)?(\d{{4}}))?", s)
    if m:
        month = MONTHS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else None
        if year is None and pub is not None:
            year = pub.year - (1 if "الماضي" in s and month > pub.month else 0) + (
                1 if "المقبل" in s and month < pub.month else 0)
        return f"{year}-{month:02d}" if year else None
    m = re.fullmatch(r"(?:في\s+)?(?:عام|العام|سنة)?\s*(\d{4})", s)
    if m:
        return m.group(1)
    if pub is None:
        return None
    words = s.split()
    if "اول امس" in s:
        return (pub - dt.timedelta(days=2)).isoformat()
    if any(w in ("امس", "البارحة") for w in words):
        return (pub - dt.timedelta(days=1)).isoformat()
    if any(w in ("غدا", "غدًا") for w in words):
        return (pub + dt.timedelta(days=1)).isoformat()
    for w in words:
        if w in _WEEKDAYS:
            delta = (pub.weekday() - _WEEKDAYS[w]) % 7
            if "المقبل" in s or "القادم" in s:
                return (pub + dt.timedelta(days=(_WEEKDAYS[w] - pub.weekday()) % 7 or 7)).isoformat()
            return (pub - dt.timedelta(days=delta)).isoformat()
    if any(w in ("اليوم", "الليلة", "حاليا") for w in words) or s in ("اليوم", "هذا اليوم"):
        return pub.isoformat()
    if "الاسبوع الماضي" in s:
        return _iso_week(pub - dt.timedelta(days=7))
    if "الاسبوع المقبل" in s or "الاسبوع القادم" in s:
        return _iso_week(pub + dt.timedelta(days=7))
    if "هذا الاسبوع" in s or "الاسبوع الجاري" in s:
        return _iso_week(pub)
    if "الشهر الماضي" in s:
        first = pub.replace(day=1) - dt.timedelta(days=1)
        return f"{first.year}-{first.month:02d}"
    if "الشهر الجاري" in s or "هذا الشهر" in s:
        return f"{pub.year}-{pub.month:02d}"
    if "العام الماضي" in s:
        return str(pub.year - 1)
    if "العام الجاري" in s or "هذا العام" in s or "العام الحالي" in s:
        return str(pub.year)
    return None
