"""Serve the studio with uvicorn: in the foreground (the CLI) or in a thread (tests)."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from clientsuccess_connector.studio.app import create_app
from clientsuccess_connector.studio.security import new_token
from clientsuccess_connector.studio.state import StudioState


@dataclass(frozen=True, slots=True)
class RunningStudio:
    """A studio being served: where, and with which token."""

    host: str
    port: int
    token: str
    state: StudioState

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def start_url(self) -> str:
        """The address to open (it carries the token)."""
        return f"{self.base_url}/?token={self.token}"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def _server(app: Starlette, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False,
        lifespan="off", timeout_graceful_shutdown=2,
    )  # fmt: skip
    return uvicorn.Server(config)


@contextlib.contextmanager
def run_studio(
    flow_path: Path, *, host: str = "127.0.0.1", port: int = 0, config_dir: Path | None = None
) -> Iterator[RunningStudio]:
    """Serve a studio in a background thread for the `with` block (port 0: a free port)."""
    token = new_token()
    app, state = create_app(token, flow_path, config_dir=config_dir)
    sock = _bind(host, port)
    server = _server(app, host, sock.getsockname()[1])
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the studio did not start")
            time.sleep(0.01)
        yield RunningStudio(host, sock.getsockname()[1], token, state)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        state.close()


def serve_forever(
    flow_path: Path, *, host: str, port: int, on_ready: Callable[[RunningStudio], None]
) -> None:
    """Serve in the foreground until Ctrl-C; `on_ready` gets the running studio first."""
    token = new_token()
    app, state = create_app(token, flow_path)
    sock = _bind(host, port)
    running = RunningStudio(host, sock.getsockname()[1], token, state)
    server = _server(app, host, running.port)
    on_ready(running)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        state.close()
