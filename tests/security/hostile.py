"""A hostile HTTP server of our own: raw sockets on loopback, answering whatever a test scripts.

Each connection gets one answer and is closed (`Connection: close`), so every request the
client makes is recorded in `received`, headers included: a test can check what reached an
origin that should never have seen a credential.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    target: str
    headers: dict[str, str]  # names in lower case
    body: bytes


Answer = bytes | Iterable[bytes]
Script = Callable[[Received, "HostileServer"], Answer]


def response(status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """A complete HTTP/1.1 response with Content-Length and `Connection: close`."""
    head = [f"HTTP/1.1 {status} Hostile", f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def trickle(head: bytes, body: bytes, every: float, stop: threading.Event) -> Iterator[bytes]:
    """The head at once, then the body one byte every `every` seconds (a slowloris answer)."""
    yield head
    for byte in body:
        if stop.wait(every):
            return
        yield bytes([byte])


KEY = "hostile-key-7f3a9c2e51d84b06"
PASSWORD = "hostile-pw-0d9e8f7a6b5c"
TOKEN = "tok-" + KEY
SECRETS = (KEY, PASSWORD, TOKEN)
"""The suite's secrets: the leak check (conftest.py) looks for every 8-character piece of each."""


class HostileServer:
    """Serves `script(received, server)` to every request on 127.0.0.1, in threads.

    `trusted=False` makes it an origin that holds no credential: the suite's leak check fails
    the test if any request it received carries a piece of a secret. Every server started is
    listed in `HostileServer.started` for that check.
    """

    started: ClassVar[list[HostileServer]] = []

    def __init__(self, script: Script, *, trusted: bool = True) -> None:
        self.script = script
        self.trusted = trusted
        HostileServer.started.append(self)
        self.received: list[Received] = []
        self.stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                received = _read_request(conn)
                self.received.append(received)
                answer = self.script(received, self)
                for chunk in [answer] if isinstance(answer, bytes) else answer:
                    conn.sendall(chunk)
            except OSError:
                return  # the client hung up: that is its right


def _read_request(conn: socket.socket) -> Received:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the request head ended")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return Received(method, target, headers, body)


def request_text(received: Received) -> str:
    """One request as text: request line, headers and body."""
    head = "\n".join(f"{name}: {value}" for name, value in received.headers.items())
    body = received.body.decode("latin-1")
    return f"{received.method} {received.target}\n{head}\n\n{body}"


def pieces(secret: str, size: int = 8) -> list[str]:
    """Every `size`-character piece of a secret (the whole secret when it is shorter)."""
    if len(secret) <= size:
        return [secret]
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def leaked(secrets: Iterable[str], *texts: str) -> list[str]:
    """The 8-character pieces of any secret that appear in any of the texts."""
    found = []
    for secret in secrets:
        for piece in pieces(secret.strip()):
            if any(piece in text for text in texts):
                found.append(piece)
    return found


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll `condition` until true or `seconds` pass (servers record in their own threads)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()
