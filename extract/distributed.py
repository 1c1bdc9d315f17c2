"""The Dask engine: the same per-article function as the local engine, run on
a Dask cluster, partitioned over files.

Sources are sent in batches of ``batch_size``; at most a few batches per
worker are in flight, and results are gathered in source order, so the
output equals the local engine's row for row and memory stays flat.

Point it at a real cluster with ``--scheduler tcp://HOST:8786``; every
worker needs this package installed (``pip install extract[dask]`` from a
checkout, so that ``rules/`` is beside the package, or set
``EXTRACT_RULES`` on the workers) and must be able to read the article
paths (a shared filesystem), or use a .jsonl corpus, whose text travels
with the task.
"""
from __future__ import annotations

from itertools import islice
from typing import Iterator


def _process_batch(batch: list, cache_dir: str | None) -> list:
    from .cache import Cache
    from .pipeline import _failed, process_source_rows

    cache = Cache(cache_dir) if cache_dir else None
    return [_failed(*s) if isinstance(s, tuple) else process_source_rows(s, cache) for s in batch]


def dask_outcomes(sources: Iterator, scheduler: str | None = None, cache_dir: str | None = None,
                  batch_size: int = 32, workers: int = 2) -> Iterator:
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        in_flight = []
        it = iter(sources)
        while True:
            batch = list(islice(it, batch_size))
            if batch:
                in_flight.append(client.submit(_process_batch, batch, cache_dir, pure=False))
            if in_flight and (not batch or len(in_flight) >= 2 * n_workers):
                yield from in_flight.pop(0).result()
            if not batch and not in_flight:
                break
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
