"""A loopback HTTP server answering every GET with one fixed body: an API that sends bytes
the simulator (which encodes with orjson) cannot, such as lone surrogates or huge integers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@contextmanager
def serving(body: bytes) -> Iterator[str]:
    """Serve `body` as application/json on 127.0.0.1; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def flow_file(folder: Path, base_url: str, destination: str) -> Path:
    """A flow syncing the server's `data` records as stream `things`, merged on `id`."""
    path = folder / "flow.yaml"
    path.write_text(
        f"connection: {{base_url: '{base_url}', api_key: k}}\n"
        f"destination: '{destination}'\n"
        "sources:\n"
        "  things: {url: /things, pagination: none, data_path: '$.data[*]', primary_key: [id]}\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path
