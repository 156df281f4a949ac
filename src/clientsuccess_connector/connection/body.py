"""Reading a response body within limits: decompressed size and an overall deadline."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from clientsuccess_connector.connection.deadline import DeadlineExceeded
from clientsuccess_connector.errors import DataError

__all__ = ["DeadlineExceeded", "ResponseTooLarge", "read_within_limits"]


class ResponseTooLarge(DataError):
    """A response decompressed to more than `max_response_mb` (a compression bomb, or a
    misconfigured endpoint). Not retried: the same request would get the same body."""


def read_within_limits(
    response: httpx.Response,
    *,
    max_bytes: int,
    deadline: float,
    clock: Callable[[], float],
    shown_url: Callable[[], str],
) -> int:
    """Read a streamed response into `response.content`, decompressing as it arrives.

    Stops with ResponseTooLarge past `max_bytes` (counted after decompression, chunk by
    chunk, so a bomb never unpacks whole) and with DeadlineExceeded when `clock()` passes
    `deadline` between chunks (a server that trickles bytes cannot hold a run forever).
    `shown_url()` gives the masked URL for messages.
    Returns the bytes read from the wire.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(
                    f"the response from {shown_url()} is larger "
                    f"than {max_bytes // (1024 * 1024) or max_bytes} "
                    f"{'MB' if max_bytes >= 1024 * 1024 else 'bytes'} once decompressed; not "
                    "retried. Raise connection: max_response_mb if this endpoint really "
                    "answers that much"
                )
            if clock() > deadline:
                raise DeadlineExceeded
            chunks.append(chunk)
    finally:
        response.close()
    # What Response.read() does, without reading everything first: the body is kept here.
    response._content = b"".join(chunks)
    return response.num_bytes_downloaded
