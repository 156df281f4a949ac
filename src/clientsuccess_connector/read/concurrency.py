"""Bounded concurrency helpers: results stream as they arrive, memory stays bounded."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()


@dataclass(slots=True)
class _Failure:
    error: BaseException


def interleave(
    producers: Iterable[Callable[[], Iterable[T]]], workers: int, buffer: int = 8
) -> Iterator[T]:
    """Run producers on `workers` threads and yield their items as they arrive.

    At most `buffer` items wait to be consumed (producers block beyond that), so memory is
    bounded whatever the number of producers. The first error stops everything and is raised.
    Closing the iterator early stops the workers after their current item.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=max(1, buffer))
    stop = threading.Event()
    source = iter(producers)
    source_lock = threading.Lock()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while not stop.is_set():
                with source_lock:
                    producer = next(source, None)
                if producer is None:
                    break
                for item in producer():
                    if not put(item):
                        return
        except BaseException as exc:
            put(_Failure(exc))
        finally:
            put(_DONE)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, workers))]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < len(threads):
            item = items.get()
            if item is _DONE:
                finished += 1
            elif isinstance(item, _Failure):
                raise item.error
            else:
                yield item  # type: ignore[misc]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


def ordered_map(
    pool: ThreadPoolExecutor, fn: Callable[[R], T], items: Iterable[R], window: int
) -> Iterator[T]:
    """`fn` over `items` on `pool`, at most `window` ahead, results in input order."""
    pending: list[Future[T]] = []
    iterator = iter(items)
    try:
        for item in iterator:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.pop(0).result()
        while pending:
            yield pending.pop(0).result()
    finally:
        for future in pending:
            future.cancel()


def prefetch(items: Iterable[T], depth: int = 4) -> Iterator[T]:
    """Iterate `items` on a background thread, up to `depth` ahead of the consumer.

    Lets network reads overlap with whatever the consumer does (e.g. database writes).
    """
    return interleave([lambda: items], workers=1, buffer=depth)
