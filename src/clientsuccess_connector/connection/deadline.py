"""Deadlines that bind every socket operation, the status line and headers included.

httpx applies its timeouts to each read, so a server that sends one byte of its headers every
few seconds never trips them. The connection wraps httpcore's network backend instead: while a
request runs inside `deadline_scope`, every connect, read and write waits at most until the
deadline, and one that would wait past it raises `DeadlineExceeded`.
"""

from __future__ import annotations

import functools
import logging
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

_scope = threading.local()
_log = logging.getLogger(__name__)


class DeadlineExceeded(Exception):
    """The request's overall deadline passed while it was connecting, sending or receiving."""


@dataclass(frozen=True, slots=True)
class SeriesDeadline:
    """When a series of requests (every page of one read of a source) must end.

    `at` is in the connection's clock; `subject` names the series in messages (a source).
    """

    at: float
    seconds: float
    subject: str


@contextmanager
def deadline_scope(deadline: float, clock: Callable[[], float]) -> Iterator[None]:
    """Bind the socket operations of this thread to `deadline` (in `clock()` seconds); inside
    another scope of the same clock, the earlier deadline wins."""
    outer = getattr(_scope, "current", None)
    if outer is not None and outer[1] is clock:
        deadline = min(deadline, outer[0])
    _scope.current = (deadline, clock)
    try:
        yield
    finally:
        _scope.current = outer


def _bounded(timeout: float | None) -> tuple[float | None, bool]:
    """The timeout to use now, and whether the deadline (not `timeout`) is what bounds it."""
    current = getattr(_scope, "current", None)
    if current is None:
        return timeout, False
    deadline, clock = current
    remaining = deadline - clock()
    if remaining <= 0:
        raise DeadlineExceeded
    if timeout is None or remaining < timeout:
        return remaining, True
    return timeout, False


def _call(operation: Callable[[float | None], Any], timeout: float | None) -> Any:
    limit, by_deadline = _bounded(timeout)
    try:
        return operation(limit)
    except httpcore.TimeoutException:
        if by_deadline:
            raise DeadlineExceeded from None
        raise


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = _call(lambda t: self._stream.read(max_bytes, t), timeout)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _call(lambda t: self._stream.write(buffer, t), timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(
            _call(lambda t: self._stream.start_tls(ssl_context, server_hostname, t), timeout)
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(
            _call(
                lambda t: self._backend.connect_tcp(host, port, t, local_address, socket_options),
                timeout,
            )
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(
            _call(lambda t: self._backend.connect_unix_socket(path, t, socket_options), timeout)
        )

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bind_to_deadlines(transport: httpx.BaseTransport) -> None:
    """Make an httpx transport's sockets honour `deadline_scope` (other transports, such as a
    test's MockTransport, have no sockets and are left as they are)."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _Backend):
        pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    elif isinstance(transport, httpx.HTTPTransport) and not isinstance(backend, _Backend):
        _unbound_warning()  # httpx/httpcore moved the attributes this hook relies on


@functools.cache
def _unbound_warning() -> None:
    """Say once that deadlines cannot reach the sockets of this httpx, instead of silently
    letting a server that trickles its headers hold a request past `request_deadline`."""
    _log.warning(
        "httpx %s / httpcore %s keep their sockets where the connector cannot reach them: "
        "request_deadline still bounds each read, but not a response sent byte by byte; "
        "please report this with both versions",
        httpx.__version__, httpcore.__version__,
    )  # fmt: skip
