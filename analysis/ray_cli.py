"""The ``--ray`` options of ``arabic-events-corpus extract`` and their run (Ray imported only then).

    >>> import argparse
    >>> ap = argparse.ArgumentParser()
    >>> add_ray_arguments(ap)
    >>> a = ap.parse_args(["--ray", "--workers", "4", "--gpus-per-worker", "1"])
    >>> a.ray, a.workers, a.cpus_per_worker, a.gpus_per_worker, a.address
    (True, 4, 1, 1.0, None)
"""

from __future__ import annotations

import argparse
import logging
import sys


def add_ray_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of a distributed run to the ``extract`` parser."""
    g = parser.add_argument_group("distributed extraction (Ray Data; needs the 'distributed' extra)")
    g.add_argument("--ray", action="store_true",
                   help="run on a Ray cluster; --output is then a folder of Parquet shards")
    g.add_argument("--address", help="cluster address: ray://HEAD:10001, HOST:6379 or auto "
                                     "(default: $RAY_ADDRESS, else a local Ray)")
    g.add_argument("--workers", type=int, default=2, help="model actors (each loads the model once)")
    g.add_argument("--cpus-per-worker", type=int, default=1, help="CPUs (and torch threads) per actor")
    g.add_argument("--gpus-per-worker", type=float, default=0, help="GPUs per actor (> 0: the model runs on cuda)")
    g.add_argument("--max-batch-tokens", type=int, default=16384, help="tokens per batch an actor extracts")
    g.add_argument("--batch-articles", type=int, default=256, help="at most this many articles per batch")


def main_ray(a: argparse.Namespace) -> int:
    """Run ``extract --ray`` from parsed arguments; print the summary, or an error in one line."""
    unsupported = [flag for flag, on in (("--records", a.records), ("--csv", a.csv), ("--merged", a.merged),
                                         ("--device", a.device)) if on]
    if not a.verbose:  # Ray Data logs every execution at INFO
        logging.getLogger("ray.data").setLevel(logging.WARNING)
    try:
        if unsupported:
            hint = " (for a GPU: --gpus-per-worker 1)" if a.device else ""
            raise ValueError(f"{', '.join(unsupported)} cannot be used with --ray{hint}")
        from arabic_events.analysis.ray_extraction import extract_corpus_ray

        s = extract_corpus_ray(a.model, a.input, a.output, address=a.address, num_workers=a.workers,
                               cpus_per_worker=a.cpus_per_worker, gpus_per_worker=a.gpus_per_worker,
                               batch_articles=a.batch_articles, max_batch_tokens=a.max_batch_tokens,
                               batch_size=a.batch_size, gazetteer=a.gazetteer, overwrite=a.overwrite,
                               show_progress_bar=not a.no_progress)
    except (ValueError, OSError, ImportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{s['events']} events from {s['articles']} articles -> {s['shards']} shards in {s['output']} "
          f"({s['seconds']} s); {len(s['skipped'])} entries skipped")
    return 0
