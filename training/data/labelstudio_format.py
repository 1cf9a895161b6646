"""How SCHEMA.md records map onto Label Studio: control names, the labelling config, offsets.

One ``Text`` object (``text``, shown right to left) carries every region:

| SCHEMA | Label Studio |
| --- | --- |
| span of layer 1 (PER ... DATE) | a ``labels`` region of the ``entity`` block; region id = span id |
| span of layer 2 (16 triggers, TOPIC) | a ``labels`` region of the ``event`` block |
| ``ref`` (a list: one line each) | per-region ``textarea`` ``ref`` |
| ``value`` (DATE) | per-region ``textarea`` ``date_value`` |
| ``event`` (trigger) | per-region ``textarea`` ``event_id`` (``e1``; one event's triggers share it) |
| ``mode``, ``modality`` | per-region ``choices`` ``mode``, ``modality`` |
| relation head -> tail, role | a ``relation`` from the trigger to the argument, the role(s) as its labels |
| record id, ``doc``, ``meta`` | task ``data``: ``record_id``, ``record`` (never shown, kept as is) |

Label Studio counts offsets in UTF-16 code units (JavaScript strings), Python in code points;
:class:`JsOffsets` converts both ways (they differ only after a character beyond U+FFFF).

    >>> o = JsOffsets("😀 بوتين")
    >>> o.to_js(2), o.from_js(3)
    (3, 2)
    >>> o.from_js(1) is None   # the middle of a surrogate pair
    True
"""

from __future__ import annotations

import bisect
from xml.sax.saxutils import quoteattr

from arabic_events.model.schema import ALL_MODES, ENTITY_LABELS, EVENT_LAYER_LABELS, LABEL_COLORS, MODALITIES, ROLES

TEXT = "text"           #: the Text object
ENTITY = "entity"       #: Labels block of layer 1
EVENT = "event"         #: Labels block of layer 2 (triggers and TOPIC)
REF = "ref"             #: per-region TextArea: canonical names
DATE_VALUE = "date_value"  #: per-region TextArea: ISO value of a DATE
EVENT_ID = "event_id"   #: per-region TextArea: the event a trigger mentions
MODE = "mode"           #: per-region Choices: PLOVER mode
MODALITY = "modality"   #: per-region Choices: modality

BLOCKS: dict[str, tuple[str, ...]] = {ENTITY: ENTITY_LABELS, EVENT: EVENT_LAYER_LABELS}
TEXTAREAS = (REF, DATE_VALUE, EVENT_ID)
CHOICES: dict[str, tuple[str, ...]] = {MODE: ALL_MODES, MODALITY: MODALITIES}


class JsOffsets:
    """Offsets of one text in code points (Python) and UTF-16 code units (Label Studio)."""

    def __init__(self, text: str):
        self.text = text
        #: code-point positions of characters that take two UTF-16 units
        self.wide = [i for i, c in enumerate(text) if ord(c) > 0xFFFF]

    def to_js(self, i: int) -> int:
        """The UTF-16 offset of code-point offset ``i``."""
        return i + bisect.bisect_left(self.wide, i)

    def from_js(self, j: int) -> int | None:
        """The code-point offset of UTF-16 offset ``j``; ``None`` inside a surrogate pair."""
        lo, hi = 0, len(self.text)
        while lo < hi:  # the smallest i with to_js(i) >= j
            mid = (lo + hi) // 2
            if self.to_js(mid) < j:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo <= len(self.text) and self.to_js(lo) == j else None


def _labels(name: str, labels: tuple[str, ...]) -> str:
    items = "".join(f'\n    <Label value="{lab}" background="{LABEL_COLORS[lab]}"/>' for lab in labels)
    return f'  <Labels name="{name}" toName="{TEXT}" choice="single" showInline="true">{items}\n  </Labels>\n'


def _choices(name: str, values: tuple[str, ...]) -> str:
    items = "".join(f'\n      <Choice value="{v}"/>' for v in values)
    return (f'    <Choices name="{name}" toName="{TEXT}" perRegion="true" choice="single" showInline="true">'
            f'{items}\n    </Choices>\n')


def labeling_config(title: str = "Arabic political events (SCHEMA v1)") -> str:
    """The Label Studio labelling config (XML) that :mod:`labelstudio_export` tasks need.

    >>> xml = labeling_config()
    >>> xml.count("<Labels "), '<Relation value="ACTOR"/>' in xml, 'perRegion="true"' in xml
    (2, True, True)
    """
    relations = "".join(f'\n    <Relation value="{r}"/>' for r in ROLES)
    return (
        f"<View>\n  <Header value={quoteattr(title)}/>\n"
        '  <Header value="Entities (layer 1)" size="6"/>\n' + _labels(ENTITY, ENTITY_LABELS)
        + '  <Header value="Triggers and TOPIC (layer 2)" size="6"/>\n' + _labels(EVENT, EVENT_LAYER_LABELS)
        + f'  <Relations choice="multiple">{relations}\n  </Relations>\n'
        '  <View style="direction: rtl; text-align: right; font-size: 1.15em; line-height: 2.2">\n'
        f'    <Text name="{TEXT}" value="$text" granularity="symbol"/>\n  </View>\n'
        f'  <View visibleWhen="region-selected" whenTagName="{ENTITY}">\n'
        '    <Header value="ref: canonical English name (one per line for a group, e.g. the two presidents)" size="6"/>\n'
        f'    <TextArea name="{REF}" toName="{TEXT}" perRegion="true" editable="true" rows="1"/>\n'
        '    <Header value="DATE value: YYYY-MM-DD, YYYY-MM, YYYY or YYYY-Www" size="6"/>\n'
        f'    <TextArea name="{DATE_VALUE}" toName="{TEXT}" perRegion="true" editable="true" maxSubmissions="1" rows="1"/>\n'
        "  </View>\n"
        f'  <View visibleWhen="region-selected" whenTagName="{EVENT}">\n'
        '    <Header value="event id (triggers only): triggers of one event share it, e.g. e1" size="6"/>\n'
        f'    <TextArea name="{EVENT_ID}" toName="{TEXT}" perRegion="true" editable="true" maxSubmissions="1" rows="1"/>\n'
        '    <Header value="mode (required for CONSULT)" size="6"/>\n' + _choices(MODE, ALL_MODES)
        + '    <Header value="modality (empty = asserted)" size="6"/>\n' + _choices(MODALITY, MODALITIES)
        + "  </View>\n</View>\n"
    )
