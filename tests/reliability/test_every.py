"""`sync --every` survives destination and API outages: each failed cycle is reported, retried,
and the loop goes on; Ctrl-C or SIGTERM ends it with 0 after a good cycle, 1 after a failed one.

Each test runs the CLI in a subprocess (so that it can be interrupted with a real signal) against
the in-process simulator, and waits for the events it prints with `--log-format json`.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import orjson
import psycopg
from psycopg import sql

from clientsuccess_connector.simulator import SimulatorHandle
from tests.reliability.helpers import subprocess_env

pytest_plugins = ["tests.sinks.conftest"]
WAIT = 120.0  # seconds to wait for an event before the test gives up (a hang, not a timing)


class SyncLoop:
    """`sync --every 1s` in a subprocess, its stderr events collected as they come."""

    def __init__(self, sim: SimulatorHandle, *args: str, env: dict[str, str] | None = None):
        command = [sys.executable, "-m", "clientsuccess_connector", "sync", "--every", "1s",
                   "--log-format", "json", *args]  # fmt: skip
        self.proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env=env or subprocess_env(sim),
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def next_event(self, event: str, **match: Any) -> dict[str, Any]:
        """The next event named `event` whose fields include `match`."""
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"no {event} event; output:\n{''.join(self.seen)}") from None
            self.seen.append(line)
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if doc.get("event") == event and all(doc.get(k) == v for k, v in match.items()):
                return dict(doc)

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, str]:
        """Send `signum`; the exit code and the rest of the output."""
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=WAIT)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return code, "".join(self.seen + rest)

    def close(self) -> None:
        """Kill the process if it still runs; close its pipe."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._pump_thread.join(timeout=WAIT)
        assert self.proc.stderr is not None
        self.proc.stderr.close()


@contextlib.contextmanager
def sync_loop(sim: SimulatorHandle, *args: str) -> Iterator[SyncLoop]:
    loop = SyncLoop(sim, *args)
    try:
        yield loop
    finally:
        loop.close()


class LockHolder:
    """Another process holding a DuckDB file open (DuckDB allows one writer process)."""

    def __init__(self, path: Path) -> None:
        code = (
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.read(); con.close()"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=WAIT)
        self.proc.stdout.close()


def test_a_held_duckdb_file_fails_cycles_until_released_then_data_lands(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A reader holding the DuckDB file makes cycles fail (reported, retried); once it lets go
    the next cycle lands the data, and SIGTERM then ends the loop with exit 0."""
    path = tmp_path / "dest.duckdb"
    holder = LockHolder(path)
    with sync_loop(simulator, "--destination", f"duckdb:///{path}", "--stream", "clients") as loop:
        first = loop.next_event("cycle_failed")
        assert first["streams"] == ["clients"]
        assert "cannot open destination" in first["error"]
        assert first["next_attempt_in"] == 1
        loop.next_event("cycle_failed", failures_in_a_row=2)  # still going
        holder.release()
        loop.next_event("stream_done", stream="clients", error=None)
        loop.next_event("cycle_recovered")
        code, output = loop.stop(signal.SIGTERM)
    assert code == 0, output
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM clients").fetchone() == (
            len(simulator.store.records("clients")),
        )


def test_sigint_after_a_failed_cycle_exits_non_zero(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Interrupted while its last cycle had failed, the loop exits 1 and says so."""
    path = tmp_path / "dest.duckdb"
    holder = LockHolder(path)
    try:
        with sync_loop(simulator, "--destination", f"duckdb:///{path}") as loop:
            loop.next_event("cycle_failed")
            code, output = loop.stop(signal.SIGINT)
    finally:
        holder.release()
    assert code == 1, output
    assert "the last sync cycle did not succeed" in output


def test_an_api_outage_fails_cycles_and_the_loop_recovers(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Every request answered 503: the cycle fails for each stream and is retried; when the
    API is back, the next cycle succeeds."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("connection: {max_attempts: 1}\n")  # fail fast: no retries of requests
    url = f"duckdb:///{tmp_path / 'dest.duckdb'}"
    simulator.faults.configure(rate_503=1.0)
    args = ("--flow", str(flow), "--destination", url, "--stream", "clients", "--stream", "pulses")
    with sync_loop(simulator, *args) as loop:
        failed = loop.next_event("cycle_failed")
        assert sorted(failed["streams"]) == ["clients", "pulses"]
        assert "503" in failed["error"]
        simulator.faults.clear()
        loop.next_event("cycle_recovered")
        code, output = loop.stop()
    assert code == 0, output


def test_bad_configuration_stops_the_loop_at_once(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A mistake that cannot heal (an unknown flow key) ends `--every` with exit 2."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("sources:\n  clients:\n    template: search_clients\n    primary_kee: id\n")
    with sync_loop(
        simulator, "--flow", str(flow), "--destination", f"duckdb:///{tmp_path}/d.db"
    ) as loop:
        assert loop.proc.wait(timeout=WAIT) == 2


class TcpProxy:
    """A TCP proxy to PostgreSQL on a port of its own; `stop` is an outage (the port refuses,
    open connections are cut), `start` ends it. Other tests keep using the real server."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def test_a_postgres_outage_fails_cycles_and_the_loop_recovers(
    simulator: SimulatorHandle, postgres_url: str
) -> None:
    """PostgreSQL unreachable for a while (a proxy in front of it stopped): cycles fail and are
    retried; once it is back, a client created during the outage lands."""
    proxy = TcpProxy(("127.0.0.1", 5432))
    proxy.start()
    through_proxy = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    assert through_proxy != postgres_url
    try:
        with sync_loop(simulator, "--destination", through_proxy, "--stream", "clients") as loop:
            loop.next_event("stream_done", stream="clients", error=None)
            proxy.stop()
            failed = loop.next_event("cycle_failed")
            assert failed["streams"] == ["clients"]
            created = httpx.post(
                f"{simulator.api_v1_url}/client",
                json={"name": "Outage Co", "status": "ACTIVE", "active": True},
                headers={"X-API-Key": simulator.api_key},
                timeout=10,
            )
            assert created.status_code in (200, 201), created.text
            proxy.start()
            loop.next_event("cycle_recovered")
            code, output = loop.stop()
    finally:
        proxy.stop()
    assert code == 0, output
    schema = postgres_url.rsplit("schema=", 1)[1]
    with psycopg.connect(postgres_url.split("?", maxsplit=1)[0]) as con:
        names = {
            row[0]
            for row in con.execute(
                sql.SQL("SELECT name FROM {}.clients").format(sql.Identifier(schema))
            )
        }
    assert "Outage Co" in names
