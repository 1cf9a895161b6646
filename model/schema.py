"""Label sets, roles and modes of ``SCHEMA.md`` (v1), and the public result dataclasses.

Example:
    >>> "CONSULT" in EVENT_TYPES
    True
    >>> ROLE_TAILS["TIME"]
    frozenset({'DATE'})
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "1"

ENTITY_LABELS: tuple[str, ...] = ("PER", "ROLE", "GPE", "ORG", "LOC", "DATE")
EVENT_TYPES: tuple[str, ...] = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)
EVENT_LAYER_LABELS: tuple[str, ...] = EVENT_TYPES + ("TOPIC",)
ALL_SPAN_LABELS: tuple[str, ...] = ENTITY_LABELS + EVENT_LAYER_LABELS

ROLES: tuple[str, ...] = ("ACTOR", "RECIPIENT", "TOPIC", "TIME", "PLACE", "SOURCE")
ROLE_TAILS: dict[str, frozenset[str]] = {
    "ACTOR": frozenset({"PER", "ROLE", "GPE", "ORG"}),
    "RECIPIENT": frozenset({"PER", "ROLE", "GPE", "ORG"}),
    "TOPIC": frozenset({"TOPIC", "LOC", "GPE", "ORG"}),
    "TIME": frozenset({"DATE"}),
    "PLACE": frozenset({"GPE", "LOC"}),
    "SOURCE": frozenset({"ORG", "PER", "ROLE"}),
}
#: Labels that may carry ``ref`` (LOC too, as SCHEMA.md's worked example does).
REF_LABELS = frozenset({"PER", "ROLE", "GPE", "ORG", "LOC"})

#: PLOVER modes accepted per event type (see annotations/GUIDELINES.md, "Modes").
MODES: dict[str, tuple[str, ...]] = {
    "CONSULT": ("phone", "visit", "third-party", "multilateral", "unspecified"),
    "ACCUSE": ("allege", "disapprove", "investigate"),
    "REQUEST": ("assist", "change-policy", "yield", "meet", "mediate"),
    "REJECT": ("assist", "change-policy", "yield", "meet", "mediate"),
    "RETREAT": ("ceasefire", "release", "return", "disarm", "withdraw"),
    "CONCEDE": ("ceasefire", "policy", "release"),
    "AID": ("economic", "military", "humanitarian"),
    "THREATEN": ("restrictions", "force", "non-force"),
    "SANCTION": ("restrictions", "expel", "end-relations"),
    "COERCE": ("arrest", "seize", "expel", "censor"),
    "ASSAULT": ("aerial", "explosion", "firearms", "kill"),
    "PROTEST": ("demonstrate", "strike"),
    "MOBILIZE": ("troops", "police", "weapons"),
    "AGREE": (),
    "SUPPORT": (),
    "COOPERATE": (),
}
ALL_MODES: tuple[str, ...] = tuple(sorted({m for ms in MODES.values() for m in ms}))
MODALITIES: tuple[str, ...] = ("asserted", "future", "hypothetical", "negated")
#: Characters a span may not start or end with (SCHEMA.md: punctuation and quotes stay outside).
EDGE_CHARS = frozenset(" \t\n\r\u00a0\u200e\u200f.,:;!?()[]{}«»\"'“”‘’#،؛؟-–—…/\\")
#: One-letter clitics that metrics ignore at a span's start.
CLITICS = frozenset("وفبلك")
#: what may stand between two words of one name: spaces (a newline or punctuation ends a name)
NAME_SPACES = frozenset(" \u00a0")


def bio_labels(labels: tuple[str, ...]) -> list[str]:
    """The BIO tag set of a layer: ``O`` first, then ``B-X``/``I-X`` per label.

    >>> bio_labels(("PER",))
    ['O', 'B-PER', 'I-PER']
    """
    tags = ["O"]
    for label in labels:
        tags += [f"B-{label}", f"I-{label}"]
    return tags


@dataclass
class Mention:
    """A span of the caller's text. ``text == source[start:end]`` always holds."""

    text: str
    label: str
    start: int
    end: int
    confidence: float = 1.0
    ref: str | list[str] | None = None
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Argument:
    """A role filled by a mention of an event."""

    role: str
    mention: Mention
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "confidence": self.confidence, "mention": self.mention.to_dict()}


@dataclass
class Event:
    """One real-world event: its triggers (mentions of it) and arguments."""

    type: str
    mode: str | None = None
    modality: str = "asserted"
    confidence: float = 1.0
    triggers: list[Mention] = field(default_factory=list)
    arguments: list[Argument] = field(default_factory=list)

    def refs(self, role: str) -> list[str | list[str]]:
        """Distinct refs (or surfaces, where no ref) of the arguments with ``role``."""
        out: list[Any] = []
        seen: set[Any] = set()
        for arg in self.arguments:
            if arg.role != role:
                continue
            key = arg.mention.ref if arg.mention.ref is not None else arg.mention.text
            hashable = tuple(key) if isinstance(key, list) else key
            if hashable not in seen:
                seen.add(hashable)
                out.append(key)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "mode": self.mode,
            "modality": self.modality,
            "confidence": self.confidence,
            "triggers": [t.to_dict() for t in self.triggers],
            "arguments": [a.to_dict() for a in self.arguments],
        }


#: Display colours per span label, shared by the HTML report and the Label Studio config
#: (pastels for entities and TOPIC, stronger hues for the 16 trigger types).
LABEL_COLORS: dict[str, str] = {
    "PER": "#ffd6a5", "ROLE": "#fdffb6", "GPE": "#caffbf", "ORG": "#9bf6ff", "LOC": "#a0c4ff", "DATE": "#bdb2ff",
    "TOPIC": "#e4e4e4", "AGREE": "#8fd694", "CONSULT": "#ff8fa3", "SUPPORT": "#ffb3d9", "CONCEDE": "#c8a2e0",
    "COOPERATE": "#7fd1d6", "AID": "#b5e48c", "RETREAT": "#e9c46a", "REQUEST": "#f4a261", "ACCUSE": "#ef8a6f",
    "REJECT": "#f7a072", "THREATEN": "#f28482", "PROTEST": "#f6bd60", "SANCTION": "#cdb4db", "MOBILIZE": "#8ecae6",
    "COERCE": "#ffafcc", "ASSAULT": "#ff7b7b",
}
