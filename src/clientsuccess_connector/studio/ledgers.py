"""Where the studio remembers what it wrote: one ledger per write template and credential.

The ledgers live in the config directory (beside credentials.toml), not beside an upload, so a
re-uploaded or fixed file skips the rows already written, even after the studio restarted.
"""

from __future__ import annotations

import re
from pathlib import Path

from clientsuccess_connector.write import Ledger


def studio_ledger(config_dir: Path, template: str, credential: str | None) -> Path:
    """The ledger of `template` written with `credential` (None: the environment's)."""
    name = re.sub(r"[^A-Za-z0-9_.@-]", "_", f"{template}@{credential or 'environment'}")
    return config_dir / "ledgers" / f"{name}.jsonl"


def rows_written(ledger: Path) -> int:
    """How many rows a ledger remembers as written (0 when there is none yet)."""
    if not ledger.exists():
        return 0
    reader = Ledger(ledger, write=False)
    try:
        return reader.written
    finally:
        reader.close()
