"""Political and diplomatic event extraction from Arabic news.

    >>> from arabic_events.model import EventExtractor  # doctest: +SKIP
    >>> extractor = EventExtractor.from_pretrained("path/to/checkpoint")  # doctest: +SKIP
    >>> events = extractor.extract("بحث الرئيس الروسي فلاديمير بوتين هاتفيا مع نظيره التركي")  # doctest: +SKIP
"""

__version__ = "0.1.0"

from .schema import Argument, Event, Mention  # noqa: E402

__all__ = ["Argument", "Event", "EventConfig", "EventExtractor", "EventModel", "Mention", "__version__"]


def __getattr__(name: str):
    if name == "EventConfig":
        from .configuration import EventConfig
        return EventConfig
    if name == "EventModel":
        from .modeling import EventModel
        return EventModel
    if name == "EventExtractor":
        from .extractor import EventExtractor
        return EventExtractor
    raise AttributeError(name)
