"""Entry point: ``arabic-events-train --config FILE`` (or ``python -m arabic_events.training.train``).

The recipe itself is :func:`arabic_events.training.learning.recipe.train`.
"""

from __future__ import annotations

from arabic_events.training.config import config_main
from arabic_events.training.learning.recipe import train


def main(argv: list[str] | None = None) -> int:
    return config_main("arabic-events-train", "Train the event extractor from a config file.", train, argv)


if __name__ == "__main__":
    raise SystemExit(main())
