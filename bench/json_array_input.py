"""JSON-array input (`write -i file.json`, `.json` lookups): seconds to read a file holding
one element of N MB, and one of many small elements; linear reading keeps the seconds per MB
flat as the element grows.

    python -m bench.json_array_input --sizes 2 8 32 --label after
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.common import machine, write_result
from clientsuccess_connector.inputs.json_array import read_json_array


def one_big_element(path: Path, megabytes: int) -> None:
    """`[{"id": 1, "transcript": "xxxx..."}]` of about `megabytes` MB."""
    text = "x" * (megabytes << 20)
    path.write_text(json.dumps([{"id": 1, "transcript": text}]), encoding="utf-8")


def many_small_elements(path: Path, megabytes: int) -> None:
    """About `megabytes` MB of small records."""
    record = {"id": 0, "clientId": 42, "note": "n" * 80, "score": 4.5}
    count = (megabytes << 20) // 120
    path.write_text(json.dumps([{**record, "id": i} for i in range(count)]), encoding="utf-8")


def seconds_to_read(path: Path) -> float:
    started = time.perf_counter()
    rows = sum(1 for _ in read_json_array(path))
    assert rows > 0
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 8, 32], help="MB per file")
    parser.add_argument("--label", default="current", help="name of this run (before, after)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for megabytes in args.sizes:
            for shape, make in (("one element", one_big_element),
                                ("small elements", many_small_elements)):  # fmt: skip
                path = Path(folder) / "input.json"
                make(path, megabytes)
                seconds = seconds_to_read(path)
                rows.append(
                    f"| {shape} | {megabytes} | {seconds:.2f} | {seconds / megabytes:.3f} |"
                )
                print(rows[-1], flush=True)
    text = "\n".join([
        f"# JSON-array input ({args.label})", "",
        f"- Machine: {machine()}",
        f"- Command: `python -m bench.json_array_input --sizes {' '.join(map(str, args.sizes))} "
        f"--label {args.label}`", "",
        "| shape | MB | seconds | seconds per MB |", "|---|---|---|---|", *rows, "",
    ])  # fmt: skip
    write_result(f"json_array_input_{args.label}.md", text)


if __name__ == "__main__":
    main()
