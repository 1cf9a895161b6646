"""Entry point: ``arabic-events-pretrain --config FILE`` (or ``python -m arabic_events.training.pretrain``).

The recipe itself is :func:`arabic_events.training.learning.pretraining.pretrain`.
"""

from __future__ import annotations

from arabic_events.training.config import config_main
from arabic_events.training.learning.pretraining import pretrain


def main(argv: list[str] | None = None) -> int:
    return config_main("arabic-events-pretrain", "MLM pretraining on raw Arabic text.", pretrain, argv)


if __name__ == "__main__":
    raise SystemExit(main())
