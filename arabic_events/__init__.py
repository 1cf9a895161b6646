"""arabic-events: political and diplomatic events (PLOVER) from Arabic news.

The import name of the project: ``model/`` installs as :mod:`arabic_events.model` (the joint
model and the inference pipeline) and ``training/`` as :mod:`arabic_events.training` (data,
learning, evaluation). The public API is re-exported here: the extractor and its data classes,
``train(config)``, ``cross_validate(config, k)``, ``evaluate_records(extractor, records)`` and
``load_records(path)``.

    >>> from arabic_events import EventExtractor  # doctest: +SKIP
    >>> extractor = EventExtractor.from_pretrained("runs/offline/final")  # doctest: +SKIP
    >>> events = extractor.extract("بحث الرئيس الروسي فلاديمير بوتين هاتفيا مع نظيره التركي")  # doctest: +SKIP
"""

from .model import Argument, Event, Mention, __version__

__all__ = ["Argument", "Event", "EventConfig", "EventExtractor", "EventModel", "Mention", "__version__",
           "cross_validate", "evaluate_records", "load_records", "train"]

#: public name -> module that defines it (imported on first use: torch and transformers are heavy)
_LAZY = {
    "EventConfig": "arabic_events.model",
    "EventModel": "arabic_events.model",
    "EventExtractor": "arabic_events.model",
    "train": "arabic_events.training.learning.recipe",
    "cross_validate": "arabic_events.training.evaluation.cross_validation",
    "evaluate_records": "arabic_events.training.evaluation.predict",
    "load_records": "arabic_events.training.data.records",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'arabic_events' has no attribute {name!r}")
