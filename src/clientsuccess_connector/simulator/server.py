"""Run the simulator under uvicorn (httptools) in a background thread, on a free loopback port."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from clientsuccess_connector.errors import missing_extra
from clientsuccess_connector.simulator.app import SimulatedDrop, SimulatorApp
from clientsuccess_connector.simulator.config import SimulatorConfig
from clientsuccess_connector.simulator.faults import FaultController
from clientsuccess_connector.simulator.profile import ServerProfile
from clientsuccess_connector.simulator.stats import Stats
from clientsuccess_connector.simulator.store import Store

try:
    import httptools  # noqa: F401  (uvicorn's fast parser, chosen in uvicorn_config)
    import uvicorn
except ImportError as exc:  # the [simulator] extra
    raise missing_extra("simulator", exc) from None


class _DropFilter(logging.Filter):
    """Keeps uvicorn quiet about the connections the simulator drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedDrop)


def install_log_filter() -> None:
    """Silence uvicorn's error log for simulated drops (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropFilter) for f in logger.filters):
        logger.addFilter(_DropFilter())


def uvicorn_config(
    app: SimulatorApp, host: str, port: int, log_level: str = "warning"
) -> uvicorn.Config:
    """The fast uvicorn settings: httptools, no access log, no lifespan, no own Date header."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http="httptools",
        loop="asyncio",
        access_log=False,
        log_level=log_level,
        lifespan="off",
        date_header=False,  # the app sends its own, from the server profile's clock
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host:port` (0: a free port) and listening.

    proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted TCP sockets it can
    recognise, and without it every response waits ~40 ms for a delayed ACK (Nagle)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def serve(app: SimulatorApp, sock: socket.socket) -> None:
    """Serve the simulator on `sock` in the foreground until interrupted (`simulate`)."""
    host, port = sock.getsockname()[:2]
    uvicorn.Server(uvicorn_config(app, host, port)).run(sockets=[sock])


class SimulatorHandle:
    """A running simulator: its URLs, credentials and runtime controls."""

    def __init__(self, app: SimulatorApp, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.base_url = f"http://{host}:{port}"
        self.api_v1_url = self.base_url + "/api/v1"
        self.v2_url = self.base_url + "/v2"
        self.auth_url = self.base_url + "/v1/auth"
        self.admin_url = self.base_url + "/_simulator"
        self.api_key = app.config.api_key
        self.username = app.config.username
        self.password = app.config.password

    @property
    def store(self) -> Store:
        """The records (inspect with `store.records("client_notes")`)."""
        return self.app.store

    @property
    def faults(self) -> FaultController:
        """Runtime fault control."""
        return self.app.faults

    @property
    def profile(self) -> ServerProfile:
        """How searches behave (precision of modifiedAfter, sort, query cost)."""
        return self.app.profile

    @profile.setter
    def profile(self, profile: ServerProfile) -> None:
        self.app.profile = profile

    @property
    def stats(self) -> Stats:
        """Request and fault counters."""
        return self.app.stats

    @property
    def config(self) -> SimulatorConfig:
        return self.app.config

    def reset(self) -> None:
        """Seeded data back, faults back to the start-up settings, stats zeroed."""
        self.app.reset()

    def expire_tokens(self) -> int:
        """Expire every session token now."""
        return self.app.auth.expire_all()

    def set_token_ttl(self, seconds: float) -> None:
        """Lifetime of tokens issued from now on."""
        self.app.auth.token_ttl = seconds

    def env(self, v2: bool = False) -> dict[str, str]:
        """Environment variables pointing the connector at this simulator."""
        return {
            "CLIENTSUCCESS_BASE_URL": self.v2_url if v2 else self.api_v1_url,
            "CLIENTSUCCESS_API_KEY": self.api_key,
        }

    def __repr__(self) -> str:
        return f"<Simulator {self.base_url} clients={self.config.clients} seed={self.config.seed}>"


@contextlib.contextmanager
def run_simulator(
    config: SimulatorConfig | None = None, **overrides: Any
) -> Iterator[SimulatorHandle]:
    """Serve a simulator on loopback in a background thread for the `with` block.

    `run_simulator(SimulatorConfig(clients=50, seed=1))` or `run_simulator(clients=50)`.
    Port 0 (the default) picks a free port.
    """
    cfg = config or SimulatorConfig()
    if overrides:
        cfg = SimulatorConfig(**{**cfg.__dict__, **overrides})
    app = SimulatorApp(cfg)
    install_log_filter()
    sock = listening_socket(cfg.host, cfg.port)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(app, cfg.host, port))
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    thread = threading.Thread(target=serve, name=f"cs-simulator-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if errors or not thread.is_alive():
                raise RuntimeError(f"simulator failed to start: {errors[:1]}")
            if time.monotonic() > deadline:
                raise RuntimeError("simulator did not start within 30 s")
            time.sleep(0.005)
        yield SimulatorHandle(app, cfg.host, port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
