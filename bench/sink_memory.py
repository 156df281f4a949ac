"""Where our sync's memory goes: the DuckDB sink alone, fed N notes, RSS sampled per batch.

No network, no simulator server: notes come from the simulator's generator (ids renumbered to
reach N) and go through DuckDBSink.write_batch in batches, as `sync` commits them. Variants
change only DuckDB settings, so the growth can be pinned on the sink or ruled out.

    .venv/bin/python -m bench.sink_memory [--records 1000000] [--batch 5000]
        [--memory-limit 96MB] [--checkpoint-threshold 256MB] [--jsonl]
"""

from __future__ import annotations

import argparse
import copy
import resource
import tempfile
import time
from pathlib import Path

from clientsuccess_connector.simulator import datagen
from clientsuccess_connector.sinks import duckdb_sink, open_sink


def rss_mb() -> float:
    """Current resident set size of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--memory-limit", default=None)
    ap.add_argument("--checkpoint-threshold", default=None)
    ap.add_argument("--jsonl", action="store_true", help="JSONL destination instead of DuckDB")
    ap.add_argument("--ordered-ids", action="store_true",
                    help="ids ascending (sync sees them in modifiedTime order)")  # fmt: skip
    args = ap.parse_args()
    if args.checkpoint_threshold:
        duckdb_sink.CHECKPOINT_THRESHOLD = args.checkpoint_threshold
    data, _ = datagen.generate(2000, 1)
    notes = data["client_notes"]
    print(f"template notes: {len(notes)}; rss after generate {rss_mb():.0f} MB", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        if args.jsonl:
            url = f"jsonl:///{tmp}/out"
        else:
            url = f"duckdb:///{tmp}/m.duckdb"
            if args.memory_limit:
                url += f"?memory_limit={args.memory_limit}"
        started = time.perf_counter()
        written = 0
        with open_sink(url) as sink:
            while written < args.records:
                batch = []
                for i in range(min(args.batch, args.records - written)):
                    rec = copy.copy(notes[(written + i) % len(notes)])
                    n = written + i
                    # a bijection of 0..N-1 (7919 is prime): ids arrive out of order, as in sync
                    rec["id"] = n + 1 if args.ordered_ids else (n * 7919) % args.records + 1
                    batch.append(rec)
                sink.write_batch("client_notes", batch, ("id",), {"cursor": "x"})
                written += len(batch)
                if written % (args.records // 10) < args.batch:
                    print(f"{written:>9,} rows  rss {rss_mb():6.0f} MB  "
                          f"{time.perf_counter() - started:6.1f} s", flush=True)  # fmt: skip
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak:.0f} MB for {written:,} rows ({url.split('?')[0][:5]}, "
              f"memory_limit {args.memory_limit or 'default'}, checkpoint_threshold "
              f"{duckdb_sink.CHECKPOINT_THRESHOLD})")  # fmt: skip


if __name__ == "__main__":
    main()
