"""Writes: push records into ClientSuccess through write templates, safely and resumably.

Input -> RowMapper (mapping, conversion) -> Batcher (units) -> Connection -> Ledger.
"""

from clientsuccess_connector.write.entry import run_write_entry, write_input
from clientsuccess_connector.write.executor import WriteSummary, write_records
from clientsuccess_connector.write.ledger import Ledger, RowResult
from clientsuccess_connector.write.mapping import RowError, RowMapper

__all__ = [
    "Ledger",
    "RowError",
    "RowMapper",
    "RowResult",
    "WriteSummary",
    "run_write_entry",
    "write_input",
    "write_records",
]
