"""Deadlines reach the sockets of the real transport, and say so when a new httpx hides them."""

from __future__ import annotations

import logging

import httpx
import pytest

from clientsuccess_connector.connection import deadline


def test_the_real_transport_gets_the_deadline_backend() -> None:
    transport = httpx.HTTPTransport()
    deadline.bind_to_deadlines(transport)
    assert isinstance(transport._pool._network_backend, deadline._Backend)


def test_a_transport_whose_sockets_moved_is_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """If httpx/httpcore rename what the hook relies on, the user hears it (once)."""
    deadline._unbound_warning.cache_clear()
    moved = [httpx.HTTPTransport(), httpx.HTTPTransport()]
    for transport in moved:
        del transport._pool  # as if a new httpx kept its pool elsewhere
    with caplog.at_level(logging.WARNING, logger="clientsuccess_connector"):
        for transport in moved:
            deadline.bind_to_deadlines(transport)
    warnings = [r for r in caplog.records if "request_deadline" in r.getMessage()]
    assert len(warnings) == 1
    assert httpx.__version__ in warnings[0].getMessage()
    deadline._unbound_warning.cache_clear()
